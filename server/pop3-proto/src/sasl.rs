//! The SASL PLAIN mechanism (RFC 4616, via kantor-sasl) as sent in a POP3 AUTH exchange
//! (RFC 5034 §4): base64, errors answered with `-ERR`.

use crate::ParseError;
pub use kantor_sasl::PlainCredentials;

/// Decodes a base64 PLAIN message. `=` (an empty response, RFC 5034 §4) is an error here,
/// since PLAIN cannot be empty.
pub fn decode_plain(b64: &str) -> Result<PlainCredentials, ParseError> {
    kantor_sasl::decode_plain(b64).map_err(|e| match e {
        kantor_sasl::SaslError::Base64 => ParseError::Base64,
        kantor_sasl::SaslError::Malformed(why) => ParseError::Sasl(why),
        kantor_sasl::SaslError::NotUtf8 => ParseError::Sasl("PLAIN field is not UTF-8"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_sasl_errors_to_pop3_errors() {
        let ok = decode_plain(&kantor_sasl::encode_plain("", "u1@bench.test", "pass")).unwrap();
        assert_eq!(ok.authcid, "u1@bench.test");
        assert_eq!(decode_plain("not base64!"), Err(ParseError::Base64));
        assert!(matches!(
            decode_plain("="),
            Err(ParseError::Base64 | ParseError::Sasl(_))
        ));
        assert!(matches!(
            decode_plain(&kantor_sasl::encode_plain("", "", "p")),
            Err(ParseError::Sasl(_))
        ));
    }
}
