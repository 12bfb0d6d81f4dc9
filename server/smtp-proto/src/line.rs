//! Command-line framing (RFC 5321 §2.3.8: lines end in CRLF only;
//! §4.5.3.1.4: a command line is at most 512 octets including CRLF).

/// The RFC 5321 §4.5.3.1.4 command line limit, CRLF included. Extensions raise
/// it for MAIL/RCPT (RFC 1870 §3, RFC 3461 §4), so sessions often allow more.
pub const COMMAND_LINE_MAX: usize = 512;

/// Why [`take_line`] could not return a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    /// No CRLF within `max_len` octets. Reply [`LineError::reply`] and discard
    /// input up to the next LF with [`skip_line`].
    #[error("line too long")]
    TooLong,
    /// An LF not preceded by CR, or a CR not followed by LF (RFC 5321 §2.3.8).
    #[error("bare CR or LF in command line")]
    BareLineEnding,
}

impl LineError {
    /// `500 5.5.6 Line too long` or `500 5.5.2 Bare CR or LF not allowed`.
    pub fn reply(&self) -> crate::Reply {
        match self {
            LineError::TooLong => crate::Reply::line_too_long(),
            LineError::BareLineEnding => crate::Reply::bare_line_ending(),
        }
    }
}

/// Takes one CRLF-terminated line from the front of `buf`.
///
/// Returns `Ok(Some((line, consumed)))` with `line` excluding the CRLF and
/// `consumed` including it; `Ok(None)` when more input is needed. A line is
/// too long when it would exceed `max_len` octets with its CRLF. A CR that is
/// the last byte of `buf` waits for the next byte before being judged.
pub fn take_line(buf: &[u8], max_len: usize) -> Result<Option<(&[u8], usize)>, LineError> {
    let scan = &buf[..buf.len().min(max_len.saturating_add(1))];
    for (i, &b) in scan.iter().enumerate() {
        match b {
            b'\n' => return Err(LineError::BareLineEnding),
            b'\r' => match buf.get(i + 1) {
                Some(b'\n') => {
                    let consumed = i + 2;
                    if consumed > max_len {
                        return Err(LineError::TooLong);
                    }
                    return Ok(Some((&buf[..i], consumed)));
                }
                Some(_) => return Err(LineError::BareLineEnding),
                None => break,
            },
            _ => {}
        }
    }
    if !buf.is_empty() && buf.len() >= max_len {
        Err(LineError::TooLong)
    } else {
        Ok(None)
    }
}

/// After a [`LineError`], finds the end of the offending line: returns how
/// many bytes to drop (through the next LF), or `None` if `buf` holds no LF,
/// in which case the caller drops all of `buf` and keeps discarding.
pub fn skip_line(buf: &[u8]) -> Option<usize> {
    buf.iter().position(|&b| b == b'\n').map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    type Want = Result<Option<(&'static [u8], usize)>, LineError>;

    #[test]
    fn take_line_table() {
        let cases: &[(&[u8], usize, Want)] = &[
            (b"", 512, Ok(None)),
            (b"NOOP", 512, Ok(None)),
            (b"NOOP\r", 512, Ok(None)),
            (b"NOOP\r\n", 512, Ok(Some((b"NOOP", 6)))),
            (b"NOOP\r\nQUIT\r\n", 512, Ok(Some((b"NOOP", 6)))),
            (b"\r\n", 512, Ok(Some((b"", 2)))),
            (b"NOOP\n", 512, Err(LineError::BareLineEnding)),
            (b"\n", 512, Err(LineError::BareLineEnding)),
            (b"NO\rOP\r\n", 512, Err(LineError::BareLineEnding)),
            // exactly at the limit: 4 + CRLF = 6
            (b"NOOP\r\n", 6, Ok(Some((b"NOOP", 6)))),
            (b"NOOP\r\n", 5, Err(LineError::TooLong)),
            (b"NOOP\r", 5, Err(LineError::TooLong)),
            (b"NOOP", 5, Ok(None)),
            (b"NOOPX", 5, Err(LineError::TooLong)),
            (b"NOO\r", 5, Ok(None)),
            (b"NOO\r\n", 5, Ok(Some((b"NOO", 5)))),
            (b"x", 0, Err(LineError::TooLong)),
        ];
        for (buf, max, want) in cases {
            assert_eq!(
                take_line(buf, *max),
                *want,
                "{:?} max {max}",
                String::from_utf8_lossy(buf)
            );
        }
    }

    #[test]
    fn long_buffer_without_crlf() {
        let buf = vec![b'a'; 100_000];
        assert_eq!(take_line(&buf, 512), Err(LineError::TooLong));
        assert_eq!(skip_line(&buf), None);
    }

    #[test]
    fn skip_line_table() {
        assert_eq!(skip_line(b"abc\r\nrest"), Some(5));
        assert_eq!(skip_line(b"abc\nrest"), Some(4));
        assert_eq!(skip_line(b"abc"), None);
    }
}
