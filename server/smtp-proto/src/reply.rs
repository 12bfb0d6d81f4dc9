//! SMTP replies (RFC 5321 §4.2) with optional enhanced status codes
//! (RFC 3463, carried as described by RFC 2034 §4).
//!
//! ```text
//! Reply-line = *( Reply-code "-" [ textstring ] CRLF )
//!              Reply-code [ SP textstring ] CRLF          ; RFC 5321 §4.2
//! textstring = 1*(%d09 / %d32-126)
//! ```

use std::fmt;

/// An enhanced mail system status code `class.subject.detail` (RFC 3463 §2),
/// displayed as e.g. `5.1.1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EnhancedStatus(pub u8, pub u16, pub u16);

impl fmt::Display for EnhancedStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

/// One SMTP reply: a three-digit code, an optional enhanced status code and
/// one or more text lines.
///
/// The text is data: [`Reply::encode`] replaces any control character
/// (including CR and LF) by a space, so a reply can never inject a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The three-digit reply code (RFC 5321 §4.2.1); must be 200..=599 or a
    /// 3xx intermediate code.
    pub code: u16,
    /// Printed on every line when enhanced codes are on (RFC 2034 §4).
    pub status: Option<EnhancedStatus>,
    /// The text lines; empty is encoded as a single line without text.
    pub lines: Vec<String>,
}

impl Reply {
    /// A single-line reply.
    pub fn new(code: u16, status: Option<EnhancedStatus>, text: impl Into<String>) -> Reply {
        Reply {
            code,
            status,
            lines: vec![text.into()],
        }
    }

    /// A multi-line reply: `code-` on all lines but the last (RFC 5321 §4.2.1).
    pub fn multiline<I, S>(code: u16, status: Option<EnhancedStatus>, lines: I) -> Reply
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Reply {
            code,
            status,
            lines: lines.into_iter().map(Into::into).collect(),
        }
    }

    /// 2xx or 3xx: the command was accepted (RFC 5321 §4.2.1).
    pub fn is_positive(&self) -> bool {
        (200..400).contains(&self.code)
    }

    /// 3xx: the server waits for more input (354 for DATA, 334 for AUTH).
    pub fn is_intermediate(&self) -> bool {
        (300..400).contains(&self.code)
    }

    /// 4xx: transient negative completion.
    pub fn is_transient(&self) -> bool {
        (400..500).contains(&self.code)
    }

    /// 5xx: permanent negative completion.
    pub fn is_permanent(&self) -> bool {
        (500..600).contains(&self.code)
    }

    /// Appends the wire form to `out`.
    ///
    /// `enhanced` says whether to print the status code. A server that
    /// advertises ENHANCEDSTATUSCODES passes `true` for every reply except the
    /// greeting and the EHLO reply, which are built without a status anyway.
    /// Status codes are only printed on 2xx, 4xx and 5xx replies (RFC 2034 §4).
    pub fn encode(&self, enhanced: bool, out: &mut Vec<u8>) {
        let status = self
            .status
            .filter(|_| enhanced && matches!(self.code / 100, 2 | 4 | 5));
        let code = format!("{:03}", self.code.min(999));
        let empty = [String::new()];
        let lines: &[String] = if self.lines.is_empty() {
            &empty
        } else {
            &self.lines
        };
        let last = lines.len() - 1;
        for (i, line) in lines.iter().enumerate() {
            let sep = if i < last { b'-' } else { b' ' };
            out.extend_from_slice(code.as_bytes());
            match status {
                Some(s) => {
                    out.push(sep);
                    out.extend_from_slice(s.to_string().as_bytes());
                    if !line.is_empty() {
                        out.push(b' ');
                        push_sanitized(line, out);
                    }
                }
                None if !line.is_empty() => {
                    out.push(sep);
                    push_sanitized(line, out);
                }
                None if sep == b'-' => out.push(sep),
                None => {}
            }
            out.extend_from_slice(b"\r\n");
        }
    }

    /// The wire form as a new buffer.
    pub fn to_bytes(&self, enhanced: bool) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode(enhanced, &mut out);
        out
    }
}

/// Copies `text`, replacing control characters other than HTAB by a space.
fn push_sanitized(text: &str, out: &mut Vec<u8>) {
    for &b in text.as_bytes() {
        if (b < 0x20 && b != b'\t') || b == 0x7f {
            out.push(b' ');
        } else {
            out.push(b);
        }
    }
}

impl fmt::Display for Reply {
    /// The wire form with enhanced codes, lines joined by CRLF, for logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bytes = self.to_bytes(true);
        let text = String::from_utf8_lossy(&bytes);
        f.write_str(text.trim_end_matches("\r\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(a: u8, b: u16, c: u16) -> Option<EnhancedStatus> {
        Some(EnhancedStatus(a, b, c))
    }

    #[test]
    fn encode_table() {
        let cases: &[(Reply, bool, &str)] = &[
            (Reply::new(250, st(2, 0, 0), "OK"), true, "250 2.0.0 OK\r\n"),
            (Reply::new(250, st(2, 0, 0), "OK"), false, "250 OK\r\n"),
            (Reply::new(250, None, "OK"), true, "250 OK\r\n"),
            (Reply::new(354, st(2, 0, 0), "Go"), true, "354 Go\r\n"),
            (Reply::new(334, None, ""), true, "334\r\n"),
            (Reply::new(250, st(2, 0, 0), ""), true, "250 2.0.0\r\n"),
            (
                Reply::multiline(250, None, ["a", "b", "c"]),
                true,
                "250-a\r\n250-b\r\n250 c\r\n",
            ),
            (
                Reply::multiline(550, st(5, 1, 1), ["no", "such"]),
                true,
                "550-5.1.1 no\r\n550 5.1.1 such\r\n",
            ),
            (
                Reply::multiline(214, None, ["", "x"]),
                true,
                "214-\r\n214 x\r\n",
            ),
            (
                Reply::multiline(221, None, Vec::<String>::new()),
                true,
                "221\r\n",
            ),
            (
                Reply::new(550, st(5, 0, 0), "a\r\n250 injected\nb\0c"),
                true,
                "550 5.0.0 a  250 injected b c\r\n",
            ),
            (
                Reply::new(250, None, "tab\there"),
                true,
                "250 tab\there\r\n",
            ),
            (
                Reply::new(421, st(4, 4, 2), "Timeout"),
                true,
                "421 4.4.2 Timeout\r\n",
            ),
        ];
        for (reply, enhanced, want) in cases {
            let got = reply.to_bytes(*enhanced);
            assert_eq!(String::from_utf8_lossy(&got), *want, "{reply:?}");
        }
    }

    #[test]
    fn classes() {
        assert!(Reply::new(250, None, "").is_positive());
        assert!(Reply::new(354, None, "").is_positive());
        assert!(Reply::new(354, None, "").is_intermediate());
        assert!(!Reply::new(451, None, "").is_positive());
        assert!(Reply::new(451, None, "").is_transient());
        assert!(Reply::new(550, None, "").is_permanent());
    }

    #[test]
    fn display() {
        assert_eq!(EnhancedStatus(5, 1, 1).to_string(), "5.1.1");
        assert_eq!(
            Reply::new(250, st(2, 1, 0), "OK").to_string(),
            "250 2.1.0 OK"
        );
    }
}
