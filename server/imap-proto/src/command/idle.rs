//! The end of IDLE (RFC 9051 §6.3.13): after `+ idling`, the client sends
//! `DONE` on a line of its own.
//!
//! ```text
//! idle = "IDLE" CRLF "DONE"
//! ```

use crate::reader::{ContinuationError, take_line};

/// Longest line looked at while idling; `DONE` is four octets.
const MAX_IDLE_LINE: usize = 1024;

/// Reads the line that ends IDLE from the start of `buf`.
///
/// `Ok(None)` until a whole line is there; `Ok(Some(consumed))` for `DONE`
/// (case-insensitive); [`ContinuationError::NotDone`] for any other line,
/// which the session answers with a tagged BAD for the IDLE command.
pub fn parse_idle_done(buf: &[u8]) -> Result<Option<usize>, ContinuationError> {
    match take_line(buf, MAX_IDLE_LINE)? {
        None => Ok(None),
        Some((line, consumed)) if line.eq_ignore_ascii_case(b"DONE") => Ok(Some(consumed)),
        Some((_, consumed)) => Err(ContinuationError::NotDone { consumed }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reader::Resync;

    #[test]
    fn done() {
        assert_eq!(parse_idle_done(b""), Ok(None));
        assert_eq!(parse_idle_done(b"DON"), Ok(None));
        assert_eq!(parse_idle_done(b"DONE\r"), Ok(None));
        assert_eq!(parse_idle_done(b"DONE\r\n"), Ok(Some(6)));
        assert_eq!(parse_idle_done(b"done\na2 NOOP\r\n"), Ok(Some(5)));
        assert_eq!(
            parse_idle_done(b"DONE \r\n"),
            Err(ContinuationError::NotDone { consumed: 7 })
        );
        assert_eq!(
            parse_idle_done(b"a NOOP\r\n"),
            Err(ContinuationError::NotDone { consumed: 8 })
        );
        assert_eq!(
            parse_idle_done(&[b'x'; 2000]),
            Err(ContinuationError::TooLong(Resync::SkipLine))
        );
    }
}
