//! SMTP AUTH (RFC 4954) with the PLAIN (RFC 4616) and LOGIN mechanisms.
//!
//! ```text
//! auth-command     = "AUTH" SP sasl-mech [SP initial-response]   ; RFC 4954 §4
//! sasl-mech        = 1*20mech-char ; mech-char = UPPER-ALPHA / DIGIT / "-" / "_"
//! initial-response = base64 / "="                                ; "=" is empty
//! message (PLAIN)  = [authzid] UTF8NUL authcid UTF8NUL passwd     ; RFC 4616 §2
//! ```
//!
//! A response line of `*` cancels the exchange (`501 5.0.0`, RFC 4954 §4).

use crate::command::{AuthMechanism, Command};
use crate::error::ParseError;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
pub use kantor_sasl::PlainCredentials;

/// Length a server must accept for a SASL response line, CRLF included
/// (RFC 4954 §4: "12288 octets is considered to be a sufficient line length").
/// Pass it to [`crate::take_line`] while an AUTH exchange is in progress.
pub const AUTH_LINE_MAX: usize = 12288;

/// The LOGIN mechanism's first challenge, `Username:` in base64.
pub const LOGIN_USERNAME_PROMPT: &str = "VXNlcm5hbWU6";
/// The LOGIN mechanism's second challenge, `Password:` in base64.
pub const LOGIN_PASSWORD_PROMPT: &str = "UGFzc3dvcmQ6";

/// `args` is what follows `AUTH `.
pub(crate) fn parse_auth(args: &str) -> Result<Command, ParseError> {
    const USAGE: ParseError = ParseError::Syntax("Syntax: AUTH mechanism [initial-response]");
    let mut words = args.split(' ').filter(|w| !w.is_empty());
    let mech = words.next().ok_or(USAGE)?;
    let initial = words.next();
    if words.next().is_some() {
        return Err(USAGE);
    }
    let mech_char = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    if mech.len() > 20 || !mech.bytes().all(mech_char) {
        return Err(ParseError::Syntax("Invalid mechanism name"));
    }
    let initial_response = match initial {
        None => None,
        Some("=") => Some(String::new()),
        Some(b64) => {
            BASE64
                .decode(b64.as_bytes())
                .map_err(|_| ParseError::Base64)?;
            Some(b64.to_owned())
        }
    };
    Ok(Command::Auth {
        mechanism: AuthMechanism::from_name(mech),
        initial_response,
    })
}

/// Decodes a client's answer to a 334 challenge: `*` cancels, an empty line
/// is an empty response, anything else must be base64 (RFC 4954 §4).
pub fn decode_auth_response(line: &[u8]) -> Result<Vec<u8>, ParseError> {
    if line == b"*" {
        return Err(ParseError::AuthCancelled);
    }
    BASE64.decode(line).map_err(|_| ParseError::Base64)
}

/// Decodes a LOGIN mechanism answer (user name or password) to text.
pub fn decode_login_response(line: &[u8]) -> Result<String, ParseError> {
    String::from_utf8(decode_auth_response(line)?).map_err(|_| ParseError::InvalidUtf8)
}

/// Decodes a base64 PLAIN response (initial response or answer to an empty 334; RFC 4616 via
/// kantor-sasl). `*` cancels.
pub fn decode_plain(b64: &str) -> Result<PlainCredentials, ParseError> {
    let raw = decode_auth_response(b64.as_bytes())?;
    kantor_sasl::decode_plain_message(&raw).map_err(|e| match e {
        kantor_sasl::SaslError::NotUtf8 => ParseError::InvalidUtf8,
        kantor_sasl::SaslError::Base64 => ParseError::Base64,
        kantor_sasl::SaslError::Malformed(_) => ParseError::Syntax("Malformed PLAIN credentials"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_command;

    fn auth(mechanism: AuthMechanism, initial: Option<&str>) -> Result<Command, ParseError> {
        Ok(Command::Auth {
            mechanism,
            initial_response: initial.map(str::to_owned),
        })
    }

    #[test]
    fn auth_command_table() {
        let cases: Vec<(&str, Result<Command, ParseError>)> = vec![
            ("AUTH PLAIN", auth(AuthMechanism::Plain, None)),
            ("auth plain", auth(AuthMechanism::Plain, None)),
            ("AUTH LOGIN", auth(AuthMechanism::Login, None)),
            ("AUTH PLAIN =", auth(AuthMechanism::Plain, Some(""))),
            (
                "AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm",
                auth(AuthMechanism::Plain, Some("AHRpbQB0YW5zdGFhZnRhbnN0YWFm")),
            ),
            (
                "AUTH cram-md5",
                auth(AuthMechanism::Other("CRAM-MD5".into()), None),
            ),
            (
                "AUTH SCRAM-SHA-256",
                auth(AuthMechanism::Other("SCRAM-SHA-256".into()), None),
            ),
            (
                "AUTH",
                Err(ParseError::Syntax(
                    "Syntax: AUTH mechanism [initial-response]",
                )),
            ),
            (
                "AUTH PLAIN a b",
                Err(ParseError::Syntax(
                    "Syntax: AUTH mechanism [initial-response]",
                )),
            ),
            ("AUTH PLAIN !!!!", Err(ParseError::Base64)),
            ("AUTH PLAIN *", Err(ParseError::Base64)),
            (
                "AUTH PL@IN",
                Err(ParseError::Syntax("Invalid mechanism name")),
            ),
            (
                "AUTH ABCDEFGHIJKLMNOPQRSTU",
                Err(ParseError::Syntax("Invalid mechanism name")),
            ),
        ];
        for (line, want) in cases {
            assert_eq!(parse_command(line.as_bytes()), want, "{line:?}");
        }
    }

    #[test]
    fn plain_table() {
        let creds = |z: Option<&str>, c: &str, p: &str| PlainCredentials {
            authzid: z.map(str::to_owned),
            authcid: c.into(),
            password: p.into(),
        };
        let b = |s: &[u8]| BASE64.encode(s);
        let bad = Err(ParseError::Syntax("Malformed PLAIN credentials"));
        let cases: Vec<(String, Result<PlainCredentials, ParseError>)> = vec![
            // RFC 4616 §4 examples
            (
                "AHRpbQB0YW5zdGFhZnRhbnN0YWFm".into(),
                Ok(creds(None, "tim", "tanstaaftanstaaf")),
            ),
            (
                "S3VydAB0aW0AdGFuc3RhYWZ0YW5zdGFhZg==".into(),
                Ok(creds(Some("Kurt"), "tim", "tanstaaftanstaaf")),
            ),
            (
                b("\0jöe\0pässwörd".as_bytes()),
                Ok(creds(None, "jöe", "pässwörd")),
            ),
            (
                b(b"\0user\0pass word"),
                Ok(creds(None, "user", "pass word")),
            ),
            ("*".into(), Err(ParseError::AuthCancelled)),
            ("".into(), bad.clone()),
            ("not base64".into(), Err(ParseError::Base64)),
            (b(b"user\0pass"), bad.clone()),
            (b(b"\0\0pass"), bad.clone()),
            (b(b"\0user\0"), bad.clone()),
            (b(b"\0user\0pass\0x"), bad.clone()),
            (b(b"\0us\xffer\0pass"), Err(ParseError::InvalidUtf8)),
        ];
        for (input, want) in cases {
            assert_eq!(decode_plain(&input), want, "{input:?}");
        }
    }

    #[test]
    fn responses() {
        assert_eq!(decode_auth_response(b"*"), Err(ParseError::AuthCancelled));
        assert_eq!(decode_auth_response(b""), Ok(vec![]));
        assert_eq!(decode_login_response(b"dGlt").as_deref(), Ok("tim"));
        assert_eq!(decode_login_response(b"dGlt\r"), Err(ParseError::Base64));
        assert_eq!(decode_login_response(b"/w=="), Err(ParseError::InvalidUtf8));
        assert_eq!(
            BASE64.decode(LOGIN_USERNAME_PROMPT.as_bytes()).as_deref(),
            Ok(&b"Username:"[..])
        );
        assert_eq!(
            BASE64.decode(LOGIN_PASSWORD_PROMPT.as_bytes()).as_deref(),
            Ok(&b"Password:"[..])
        );
    }

    #[test]
    fn debug_hides_password() {
        let c = decode_plain("AHRpbQB0YW5zdGFhZnRhbnN0YWFm").unwrap_or_else(|e| panic!("{e}"));
        let dbg = format!("{c:?}");
        assert!(dbg.contains("tim") && !dbg.contains("tanstaaf"), "{dbg}");
    }
}
