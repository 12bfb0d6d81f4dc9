//! BDAT (RFC 3030 §2, CHUNKING).
//!
//! ```text
//! bdat-cmd   = "BDAT" SP chunk-size [ SP end-marker ] CRLF
//! chunk-size = 1*DIGIT
//! end-marker = "LAST"
//! ```
//!
//! The `size` octets that follow the command line are the chunk, taken raw:
//! no dot-stuffing and no end marker. Reading them is the session's job.

use crate::command::Command;
use crate::error::ParseError;

/// `args` is what follows `BDAT `.
pub(crate) fn parse_bdat(args: &str) -> Result<Command, ParseError> {
    const USAGE: ParseError = ParseError::Syntax("Syntax: BDAT size [LAST]");
    let mut words = args.split(' ').filter(|w| !w.is_empty());
    let size = words.next().ok_or(USAGE)?;
    let last = match words.next() {
        None => false,
        Some(w) if w.eq_ignore_ascii_case("LAST") => true,
        Some(_) => return Err(USAGE),
    };
    if words.next().is_some() || !size.bytes().all(|b| b.is_ascii_digit()) {
        return Err(USAGE);
    }
    let size = size
        .parse()
        .map_err(|_| ParseError::Syntax("BDAT chunk size too large"))?;
    Ok(Command::Bdat { size, last })
}

#[cfg(test)]
mod tests {
    use crate::{Command, ParseError, parse_command};

    #[test]
    fn bdat_table() {
        let usage = Err(ParseError::Syntax("Syntax: BDAT size [LAST]"));
        let bdat = |size, last| Ok(Command::Bdat { size, last });
        let cases: Vec<(&str, Result<Command, ParseError>)> = vec![
            ("BDAT 1000", bdat(1000, false)),
            ("bdat 1000 last", bdat(1000, true)),
            ("BDAT 0 LAST", bdat(0, true)),
            ("BDAT 007", bdat(7, false)),
            ("BDAT 18446744073709551615", bdat(u64::MAX, false)),
            (
                "BDAT 18446744073709551616",
                Err(ParseError::Syntax("BDAT chunk size too large")),
            ),
            ("BDAT", usage.clone()),
            ("BDAT LAST", usage.clone()),
            ("BDAT -1", usage.clone()),
            ("BDAT +1", usage.clone()),
            ("BDAT 1 FIRST", usage.clone()),
            ("BDAT 1 LAST x", usage.clone()),
            ("BDAT 1x", usage),
        ];
        for (line, want) in cases {
            assert_eq!(parse_command(line.as_bytes()), want, "{line:?}");
        }
    }
}
