//! The SASL PLAIN mechanism's message (RFC 4616 §2), as sent base64-encoded
//! in a POP3 AUTH exchange (RFC 5034 §4).

use std::fmt;

use crate::ParseError;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

/// Longest authzid, authcid or password (RFC 4616 §2: up to 255 octets).
const MAX_FIELD: usize = 255;

/// The three fields of a PLAIN message. `Debug` hides the password.
#[derive(Clone, PartialEq, Eq)]
pub struct PlainCredentials {
    /// The identity to act as; `None` when empty, i.e. the same as `authcid`.
    pub authzid: Option<String>,
    /// The identity whose password this is (the login name).
    pub authcid: String,
    /// The password.
    pub password: String,
}

impl fmt::Debug for PlainCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlainCredentials")
            .field("authzid", &self.authzid)
            .field("authcid", &self.authcid)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Decodes a base64 PLAIN message: `[authzid] NUL authcid NUL passwd`
/// (RFC 4616 §2), each field UTF-8 of at most 255 octets, authcid and
/// password non-empty. `=` (an empty response, RFC 5034 §4) is an error
/// here, since PLAIN cannot be empty.
pub fn decode_plain(b64: &str) -> Result<PlainCredentials, ParseError> {
    let raw = BASE64
        .decode(b64.trim_end_matches(['\r', '\n']))
        .map_err(|_| ParseError::Base64)?;
    let mut fields = raw.split(|&b| b == 0);
    let (Some(authzid), Some(authcid), Some(password), None) =
        (fields.next(), fields.next(), fields.next(), fields.next())
    else {
        return Err(ParseError::Sasl(
            "PLAIN needs exactly three NUL-separated fields",
        ));
    };
    if authcid.is_empty() || password.is_empty() {
        return Err(ParseError::Sasl("PLAIN needs a user name and a password"));
    }
    if [authzid, authcid, password]
        .iter()
        .any(|f| f.len() > MAX_FIELD)
    {
        return Err(ParseError::Sasl("PLAIN field longer than 255 octets"));
    }
    let text = |field: &[u8]| {
        String::from_utf8(field.to_vec()).map_err(|_| ParseError::Sasl("PLAIN field is not UTF-8"))
    };
    Ok(PlainCredentials {
        authzid: if authzid.is_empty() {
            None
        } else {
            Some(text(authzid)?)
        },
        authcid: text(authcid)?,
        password: text(password)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(authzid: Option<&str>, authcid: &str, password: &str) -> PlainCredentials {
        PlainCredentials {
            authzid: authzid.map(str::to_owned),
            authcid: authcid.to_owned(),
            password: password.to_owned(),
        }
    }

    #[test]
    fn table() {
        let long = "x".repeat(256);
        let cases: Vec<(String, Result<PlainCredentials, ParseError>)> = vec![
            (
                BASE64.encode(b"\0u1@bench.test\0pass"),
                Ok(creds(None, "u1@bench.test", "pass")),
            ),
            (
                BASE64.encode(b"admin\0u1\0p w"),
                Ok(creds(Some("admin"), "u1", "p w")),
            ),
            // RFC 4616 §4 example.
            (
                "AHRpbQB0YW5zdGFhZnRhbnN0YWFm".into(),
                Ok(creds(None, "tim", "tanstaaftanstaaf")),
            ),
            (
                BASE64.encode("\0jürgen\0pässword".as_bytes()),
                Ok(creds(None, "jürgen", "pässword")),
            ),
            ("=".into(), Err(ParseError::Base64)),
            ("not base64!".into(), Err(ParseError::Base64)),
            (
                String::new(),
                Err(ParseError::Sasl(
                    "PLAIN needs exactly three NUL-separated fields",
                )),
            ),
            (
                BASE64.encode(b"u1\0pass"),
                Err(ParseError::Sasl(
                    "PLAIN needs exactly three NUL-separated fields",
                )),
            ),
            (
                BASE64.encode(b"\0u1\0pass\0x"),
                Err(ParseError::Sasl(
                    "PLAIN needs exactly three NUL-separated fields",
                )),
            ),
            (
                BASE64.encode(b"\0\0pass"),
                Err(ParseError::Sasl("PLAIN needs a user name and a password")),
            ),
            (
                BASE64.encode(b"\0u1\0"),
                Err(ParseError::Sasl("PLAIN needs a user name and a password")),
            ),
            (
                BASE64.encode(b"\0u1\0\xff"),
                Err(ParseError::Sasl("PLAIN field is not UTF-8")),
            ),
            (
                BASE64.encode(format!("\0{long}\0p").as_bytes()),
                Err(ParseError::Sasl("PLAIN field longer than 255 octets")),
            ),
        ];
        for (input, want) in cases {
            assert_eq!(decode_plain(&input), want, "{input:?}");
        }
    }

    #[test]
    fn debug_hides_password() {
        let shown = format!("{:?}", creds(None, "u1", "hunter2"));
        assert!(shown.contains("u1") && !shown.contains("hunter2"));
    }
}
