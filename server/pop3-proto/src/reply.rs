//! Single-line replies: `+OK`, `-ERR` with optional response codes, and the
//! `+ ` continuation of a SASL exchange.
//!
//! RFC 1939 §3: a response is a status indicator (`+OK` or `-ERR`) and
//! optional text, ended by CRLF. RFC 2449 §8 puts an extended response code
//! in square brackets right after `-ERR`; RFC 2449 §8.1-8.2 define
//! `LOGIN-DELAY` and `IN-USE`, RFC 3206 §4-5 define `SYS/TEMP`, `SYS/PERM`
//! and `AUTH`. RFC 5034 §4 sends server challenges as `+ ` and base64.

use std::fmt;

/// Longest single-line response, CRLF included (RFC 2449 §4). Text of
/// `+OK` and `-ERR` replies is cut (at a character boundary) to fit.
pub const MAX_REPLY_LINE: usize = 512;

/// Extended response codes a `-ERR` may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResponseCode {
    /// `[AUTH]`: the credentials were wrong (RFC 3206 §5).
    Auth,
    /// `[SYS/TEMP]`: a transient system failure (RFC 3206 §4).
    SysTemp,
    /// `[SYS/PERM]`: a permanent system failure (RFC 3206 §4).
    SysPerm,
    /// `[IN-USE]`: the maildrop is locked by another session (RFC 2449 §8.2).
    InUse,
    /// `[LOGIN-DELAY]`: logged in too soon after the last login (RFC 2449 §8.1).
    LoginDelay,
}

impl ResponseCode {
    /// The code as it appears between the brackets.
    pub fn as_str(self) -> &'static str {
        match self {
            ResponseCode::Auth => "AUTH",
            ResponseCode::SysTemp => "SYS/TEMP",
            ResponseCode::SysPerm => "SYS/PERM",
            ResponseCode::InUse => "IN-USE",
            ResponseCode::LoginDelay => "LOGIN-DELAY",
        }
    }
}

impl fmt::Display for ResponseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}]", self.as_str())
    }
}

/// One single-line reply. Multi-line bodies follow a `+OK` through
/// [`crate::encode_multiline_message`] or [`crate::encode_multiline_lines`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// `+OK text` (RFC 1939 §3).
    Ok(String),
    /// `-ERR [CODE] text` (RFC 1939 §3, RFC 2449 §8).
    Err {
        /// The optional extended response code.
        code: Option<ResponseCode>,
        /// Human-readable text.
        text: String,
    },
    /// `+ challenge`: a SASL server challenge, base64 (RFC 5034 §4); empty
    /// for an empty challenge (`+ `). Not cut to [`MAX_REPLY_LINE`].
    Challenge(String),
}

impl Reply {
    /// `+OK text`.
    pub fn ok(text: impl Into<String>) -> Reply {
        Reply::Ok(text.into())
    }

    /// `-ERR text` without a response code.
    pub fn err(text: impl Into<String>) -> Reply {
        Reply::Err {
            code: None,
            text: text.into(),
        }
    }

    /// `-ERR [CODE] text`.
    pub fn err_with(code: ResponseCode, text: impl Into<String>) -> Reply {
        Reply::Err {
            code: Some(code),
            text: text.into(),
        }
    }

    /// Appends the reply and its CRLF to `out`. CR and LF inside the text
    /// become spaces, so a reply is always exactly one line.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let start = out.len();
        match self {
            Reply::Ok(text) => {
                out.extend_from_slice(b"+OK");
                push_text(out, start, text);
            }
            Reply::Err { code, text } => {
                out.extend_from_slice(b"-ERR");
                if let Some(code) = code {
                    out.extend_from_slice(b" [");
                    out.extend_from_slice(code.as_str().as_bytes());
                    out.push(b']');
                }
                push_text(out, start, text);
            }
            Reply::Challenge(challenge) => {
                out.extend_from_slice(b"+ ");
                push_sanitized(out, challenge);
            }
        }
        out.extend_from_slice(b"\r\n");
    }
}

/// Appends " text", cut so the line from `start` stays within
/// [`MAX_REPLY_LINE`] with its CRLF.
fn push_text(out: &mut Vec<u8>, start: usize, text: &str) {
    if text.is_empty() {
        return;
    }
    let room = MAX_REPLY_LINE.saturating_sub(out.len() - start + 1 + 2);
    let mut cut = text.len().min(room);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    if cut == 0 {
        return;
    }
    out.push(b' ');
    push_sanitized(out, &text[..cut]);
}

fn push_sanitized(out: &mut Vec<u8>, text: &str) {
    out.extend(
        text.bytes()
            .map(|b| if b == b'\r' || b == b'\n' { b' ' } else { b }),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(reply: &Reply) -> String {
        let mut out = Vec::new();
        reply.encode(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn table() {
        let cases = [
            (Reply::ok("maildrop ready"), "+OK maildrop ready\r\n"),
            (Reply::ok(""), "+OK\r\n"),
            (Reply::err("no such message"), "-ERR no such message\r\n"),
            (Reply::err(""), "-ERR\r\n"),
            (
                Reply::err_with(ResponseCode::Auth, "invalid credentials"),
                "-ERR [AUTH] invalid credentials\r\n",
            ),
            (
                Reply::err_with(ResponseCode::SysTemp, "try later"),
                "-ERR [SYS/TEMP] try later\r\n",
            ),
            (
                Reply::err_with(ResponseCode::SysPerm, "x"),
                "-ERR [SYS/PERM] x\r\n",
            ),
            (
                Reply::err_with(ResponseCode::InUse, "locked"),
                "-ERR [IN-USE] locked\r\n",
            ),
            (
                Reply::err_with(ResponseCode::LoginDelay, ""),
                "-ERR [LOGIN-DELAY]\r\n",
            ),
            (Reply::ok("a\r\nDELE 1"), "+OK a  DELE 1\r\n"),
            (Reply::Challenge(String::new()), "+ \r\n"),
            (
                Reply::Challenge("PDE4OTYuNjk3MTcw".into()),
                "+ PDE4OTYuNjk3MTcw\r\n",
            ),
        ];
        for (reply, want) in cases {
            assert_eq!(encoded(&reply), want, "{reply:?}");
        }
    }

    #[test]
    fn long_text_is_cut_to_512_octets_at_a_char_boundary() {
        for text in ["x".repeat(600), "é".repeat(400), "€".repeat(300)] {
            for reply in [
                Reply::ok(text.clone()),
                Reply::err_with(ResponseCode::LoginDelay, text.clone()),
            ] {
                let line = encoded(&reply);
                assert!(line.len() <= MAX_REPLY_LINE, "{}", line.len());
                assert!(line.len() >= MAX_REPLY_LINE - 3, "{}", line.len());
                assert!(line.ends_with("\r\n"));
            }
        }
    }

    #[test]
    fn codes_display_with_brackets() {
        assert_eq!(ResponseCode::InUse.to_string(), "[IN-USE]");
    }
}
