//! SASL (RFC 4422) mechanisms shared by SMTP AUTH (RFC 4954), POP3 AUTH (RFC 5034) and IMAP
//! AUTHENTICATE: the PLAIN message (RFC 4616). Each protocol keeps its own framing (challenge
//! lines, cancel markers, error replies) and calls this for the mechanism itself.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use std::fmt;

/// Longest authzid, authcid or password (RFC 4616 §2: up to 255 octets each).
const MAX_FIELD: usize = 255;

/// Why a SASL message was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SaslError {
    #[error("invalid base64")]
    Base64,
    #[error("{0}")]
    Malformed(&'static str),
    #[error("PLAIN field is not UTF-8")]
    NotUtf8,
}

/// The three fields of a PLAIN message. `Debug` hides the password.
#[derive(Clone, PartialEq, Eq)]
pub struct PlainCredentials {
    /// The identity to act as; `None` when empty, i.e. the same as `authcid`.
    pub authzid: Option<String>,
    /// The identity whose password this is (the login name).
    pub authcid: String,
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

/// Decodes a base64 PLAIN response (surrounding CR/LF ignored).
pub fn decode_plain(b64: &str) -> Result<PlainCredentials, SaslError> {
    let raw = BASE64
        .decode(b64.trim_matches(['\r', '\n']))
        .map_err(|_| SaslError::Base64)?;
    decode_plain_message(&raw)
}

/// Decodes a PLAIN message (RFC 4616 §2): `[authzid] NUL authcid NUL passwd`, each field UTF-8 of
/// at most 255 octets, authcid and password non-empty.
pub fn decode_plain_message(raw: &[u8]) -> Result<PlainCredentials, SaslError> {
    let mut fields = raw.split(|&b| b == 0);
    let (Some(authzid), Some(authcid), Some(password), None) =
        (fields.next(), fields.next(), fields.next(), fields.next())
    else {
        return Err(SaslError::Malformed(
            "PLAIN needs exactly three NUL-separated fields",
        ));
    };
    if authcid.is_empty() || password.is_empty() {
        return Err(SaslError::Malformed(
            "PLAIN needs a user name and a password",
        ));
    }
    if [authzid, authcid, password]
        .iter()
        .any(|f| f.len() > MAX_FIELD)
    {
        return Err(SaslError::Malformed("PLAIN field longer than 255 octets"));
    }
    let text = |field: &[u8]| String::from_utf8(field.to_vec()).map_err(|_| SaslError::NotUtf8);
    Ok(PlainCredentials {
        authzid: (!authzid.is_empty()).then(|| text(authzid)).transpose()?,
        authcid: text(authcid)?,
        password: text(password)?,
    })
}

/// Encodes a PLAIN message (for clients and tests).
pub fn encode_plain(authzid: &str, authcid: &str, password: &str) -> String {
    BASE64.encode(format!("{authzid}\0{authcid}\0{password}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_round_trip_and_refusals() {
        let c = decode_plain(&encode_plain("", "jürgen@example.com", "p w")).unwrap();
        assert_eq!(
            (c.authzid, c.authcid.as_str(), c.password.as_str()),
            (None, "jürgen@example.com", "p w")
        );
        let c = decode_plain(&encode_plain("admin", "u1", "x")).unwrap();
        assert_eq!(c.authzid.as_deref(), Some("admin"));
        assert_eq!(decode_plain("not base64!"), Err(SaslError::Base64));
        assert!(matches!(
            decode_plain(&BASE64.encode("u1\0pass")),
            Err(SaslError::Malformed(_))
        ));
        assert!(matches!(
            decode_plain(&BASE64.encode("\0u1\0pass\0x")),
            Err(SaslError::Malformed(_))
        ));
        assert!(matches!(
            decode_plain(&encode_plain("", "", "pass")),
            Err(SaslError::Malformed(_))
        ));
        assert!(matches!(
            decode_plain(&encode_plain("", "u1", "")),
            Err(SaslError::Malformed(_))
        ));
        assert_eq!(decode_plain_message(b"\0u1\0\xff"), Err(SaslError::NotUtf8));
        let long = "a".repeat(256);
        assert!(matches!(
            decode_plain(&encode_plain("", &long, "p")),
            Err(SaslError::Malformed(_))
        ));
        assert!(
            !format!(
                "{:?}",
                decode_plain(&encode_plain("", "u", "secret")).unwrap()
            )
            .contains("secret")
        );
    }
}
