//! Parse errors and the reply each one maps to (RFC 5321 §4.2.2, §4.1.1.11;
//! enhanced codes from RFC 3463 §3.6 and RFC 4954 §6).

use crate::reply::{EnhancedStatus, Reply};

/// Why a command (or an AUTH response line) could not be parsed.
///
/// Every variant maps to exactly one reply via [`ParseError::reply`]; the
/// `&'static str` payloads are written to be sent as the reply text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The verb is not an SMTP command: `500 5.5.1`.
    #[error("unknown command")]
    UnknownCommand,
    /// A verb we know of but do not implement (SEND, SOML, SAML, TURN, ETRN...):
    /// `502 5.5.1` (RFC 5321 §4.2.4).
    #[error("command not implemented")]
    NotImplemented,
    /// The command's arguments are malformed: `501 5.5.2`.
    #[error("syntax error: {0}")]
    Syntax(&'static str),
    /// A MAIL/RCPT parameter is malformed or duplicated: `501 5.5.4`.
    #[error("invalid parameter: {0}")]
    ParamSyntax(&'static str),
    /// A MAIL/RCPT parameter keyword this server does not know:
    /// `555 5.5.4` (RFC 5321 §4.1.1.11). Holds the keyword, upper-cased.
    #[error("unrecognized parameter {0}")]
    UnknownParam(String),
    /// The arguments are not valid UTF-8: `501 5.5.2`.
    #[error("invalid UTF-8 in command")]
    InvalidUtf8,
    /// A forward-path (RCPT TO, or [`crate::Mailbox::parse`]) is malformed or
    /// too long: `501 5.1.3` (RFC 3463: bad destination mailbox address syntax).
    #[error("bad address syntax: {0}")]
    InvalidAddress(&'static str),
    /// The reverse-path of MAIL FROM is malformed or too long: `501 5.1.7`
    /// (RFC 3463: bad sender's mailbox address syntax).
    #[error("bad sender address syntax: {0}")]
    InvalidSender(&'static str),
    /// A SASL response or initial response is not valid base64: `501 5.5.2`
    /// (RFC 4954 §4).
    #[error("invalid base64")]
    Base64,
    /// The client answered a 334 challenge with `*`: `501 5.0.0` (RFC 4954 §4).
    #[error("authentication cancelled")]
    AuthCancelled,
}

impl ParseError {
    /// The reply a server should send for this error.
    pub fn reply(&self) -> Reply {
        let s = |a, b, c| Some(EnhancedStatus(a, b, c));
        match self {
            ParseError::UnknownCommand => Reply::new(500, s(5, 5, 1), "Command unrecognized"),
            ParseError::NotImplemented => Reply::new(502, s(5, 5, 1), "Command not implemented"),
            ParseError::Syntax(m) => Reply::new(501, s(5, 5, 2), *m),
            ParseError::ParamSyntax(m) => Reply::new(501, s(5, 5, 4), *m),
            ParseError::UnknownParam(k) => {
                Reply::new(555, s(5, 5, 4), format!("Unsupported parameter {k}"))
            }
            ParseError::InvalidUtf8 => Reply::new(501, s(5, 5, 2), "Invalid UTF-8 in command"),
            ParseError::InvalidAddress(m) => Reply::new(501, s(5, 1, 3), *m),
            ParseError::InvalidSender(m) => Reply::new(501, s(5, 1, 7), *m),
            ParseError::Base64 => Reply::new(501, s(5, 5, 2), "Invalid base64 data"),
            ParseError::AuthCancelled => Reply::new(501, s(5, 0, 0), "Authentication cancelled"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_codes() {
        let cases: &[(ParseError, u16, &str)] = &[
            (ParseError::UnknownCommand, 500, "5.5.1"),
            (ParseError::NotImplemented, 502, "5.5.1"),
            (ParseError::Syntax("x"), 501, "5.5.2"),
            (ParseError::ParamSyntax("x"), 501, "5.5.4"),
            (ParseError::UnknownParam("FOO".into()), 555, "5.5.4"),
            (ParseError::InvalidUtf8, 501, "5.5.2"),
            (ParseError::InvalidAddress("x"), 501, "5.1.3"),
            (ParseError::InvalidSender("x"), 501, "5.1.7"),
            (ParseError::Base64, 501, "5.5.2"),
            (ParseError::AuthCancelled, 501, "5.0.0"),
        ];
        for (err, code, status) in cases {
            let r = err.reply();
            assert_eq!(r.code, *code, "{err:?}");
            assert_eq!(r.status.map(|s| s.to_string()).as_deref(), Some(*status));
        }
    }

    #[test]
    fn unknown_param_names_keyword() {
        let mut out = Vec::new();
        ParseError::UnknownParam("FOO".into())
            .reply()
            .encode(true, &mut out);
        assert_eq!(out, b"555 5.5.4 Unsupported parameter FOO\r\n");
    }
}
