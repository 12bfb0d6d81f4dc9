//! Framing of command lines read from the network (RFC 1939 §3).
//!
//! Commands end with CRLF; a bare LF is tolerated. Lines are bounded: RFC
//! 2449 §4 allows command lines of up to 255 octets including the CRLF
//! ([`MAX_COMMAND_LINE`]); a session may pass a larger bound where a longer
//! line is expected, such as a SASL response (RFC 5034 §4).

/// Longest command line content, without its CRLF (RFC 2449 §4: 255
/// octets including CRLF).
pub const MAX_COMMAND_LINE: usize = 253;

/// A line could not be taken from the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    /// The line is longer than the bound. The session should answer
    /// `-ERR` and either close or discard through the next LF
    /// ([`skip_line`]).
    #[error("line too long (more than {max} octets)")]
    TooLong {
        /// The bound that was passed to [`take_line`].
        max: usize,
    },
}

/// Takes one line from the start of `buf`: ended by CRLF or a bare LF, and
/// at most `max_len` bytes without that ending.
///
/// Returns `Ok(Some((line, consumed)))` with the line (without its ending)
/// and how many bytes of `buf` it used, `Ok(None)` when more bytes are
/// needed, or [`LineError::TooLong`] as soon as the bound is known to be
/// exceeded, so a peer cannot make the caller buffer an endless line.
pub fn take_line(buf: &[u8], max_len: usize) -> Result<Option<(&[u8], usize)>, LineError> {
    // Content, then at most CR and LF.
    let window = &buf[..buf.len().min(max_len.saturating_add(2))];
    match window.iter().position(|&b| b == b'\n') {
        Some(lf) => {
            let line = &buf[..lf];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.len() > max_len {
                Err(LineError::TooLong { max: max_len })
            } else {
                Ok(Some((line, lf + 1)))
            }
        }
        None if window.len() == max_len.saturating_add(2) => {
            Err(LineError::TooLong { max: max_len })
        }
        // max_len + 1 bytes without LF: only fine if the last one is the CR.
        None if window.len() == max_len.saturating_add(1) && window.last() != Some(&b'\r') => {
            Err(LineError::TooLong { max: max_len })
        }
        None => Ok(None),
    }
}

/// After [`LineError::TooLong`]: how many bytes of `buf` to drop to get past
/// the next LF, or `None` if there is no LF yet (drop all of `buf` and call
/// again on the next read).
pub fn skip_line(buf: &[u8]) -> Option<usize> {
    buf.iter().position(|&b| b == b'\n').map(|lf| lf + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    type Want<'a> = Result<Option<(&'a [u8], usize)>, LineError>;

    #[test]
    fn table() {
        let too_long = Err(LineError::TooLong { max: 4 });
        let cases: &[(&[u8], Want)] = &[
            (b"", Ok(None)),
            (b"STAT", Ok(None)),
            (b"STAT\r", Ok(None)),
            (b"STAT\r\n", Ok(Some((b"STAT", 6)))),
            (b"STAT\n", Ok(Some((b"STAT", 5)))),
            (b"STAT\r\nNOOP\r\n", Ok(Some((b"STAT", 6)))),
            (b"\r\n", Ok(Some((b"", 2)))),
            (b"\n", Ok(Some((b"", 1)))),
            (b"a\rb\n", Ok(Some((b"a\rb", 4)))),
            (b"STATS", too_long),
            (b"STATS\n", too_long),
            (b"STATS\r\n", too_long),
            (b"STA\r\r\n", Ok(Some((b"STA\r", 6)))),
            (b"STAT\r\r\n", too_long),
            (b"STAT\rX", too_long),
        ];
        for (buf, want) in cases {
            assert_eq!(
                &take_line(buf, 4),
                want,
                "{:?}",
                String::from_utf8_lossy(buf)
            );
        }
    }

    #[test]
    fn zero_and_huge_bounds() {
        assert_eq!(take_line(b"\r\n", 0), Ok(Some((&b""[..], 2))));
        assert_eq!(take_line(b"x", 0), Err(LineError::TooLong { max: 0 }));
        assert_eq!(take_line(b"\r", 0), Ok(None));
        assert_eq!(take_line(b"abc\n", usize::MAX), Ok(Some((&b"abc"[..], 4))));
        assert_eq!(take_line(b"abc", usize::MAX), Ok(None));
    }

    #[test]
    fn byte_at_a_time() {
        let stream = b"USER u1@bench.test\r\nPASS two words\nSTAT\r\n\r\nQUIT\r\n";
        let want: [&[u8]; 5] = [
            b"USER u1@bench.test",
            b"PASS two words",
            b"STAT",
            b"",
            b"QUIT",
        ];
        let mut buf = Vec::new();
        let mut got = Vec::new();
        for &byte in stream {
            buf.push(byte);
            if let Some((line, used)) = take_line(&buf, MAX_COMMAND_LINE).unwrap() {
                got.push(line.to_vec());
                buf.drain(..used);
            }
        }
        assert!(buf.is_empty());
        assert_eq!(got, want);
    }

    #[test]
    fn byte_at_a_time_reports_too_long_before_the_end() {
        let mut buf = Vec::new();
        let mut failed_at = None;
        for i in 0..100 {
            buf.push(b'x');
            if take_line(&buf, 10).is_err() {
                failed_at = Some(i + 1);
                break;
            }
        }
        assert_eq!(failed_at, Some(11));
        assert_eq!(skip_line(&buf), None);
        assert_eq!(skip_line(b"xx\nSTAT\r\n"), Some(3));
    }
}
