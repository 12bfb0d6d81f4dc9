//! xtext (RFC 3461 §4), the encoding of ENVID, ORCPT and AUTH= values.
//!
//! ```text
//! xtext   = *( xchar / hexchar )
//! xchar   = any ASCII CHAR between "!" (33) and "~" (126) inclusive,
//!           except for "+" and "="
//! hexchar = "+" 2(HEXDIG)      ; the octet's value in hexadecimal
//! ```

/// Why an xtext value could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum XtextError {
    /// A character outside xchar, or a `+` not followed by two hex digits.
    #[error("invalid xtext")]
    Syntax,
    /// The decoded octets are not UTF-8, or contain a control character
    /// (which would let a client inject header lines into a DSN).
    #[error("xtext decodes to a control character or invalid UTF-8")]
    BadDecoded,
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'A'..=b'F' => Some(c - b'A' + 10),
        // RFC 3461 says upper case; ABNF HEXDIG is case-insensitive, accept both.
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

/// Decodes xtext. The result must be UTF-8 without control characters.
pub fn decode(text: &str) -> Result<String, XtextError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&c) = bytes.get(i) {
        match c {
            b'+' => {
                let hi = bytes.get(i + 1).copied().and_then(hex);
                let lo = bytes.get(i + 2).copied().and_then(hex);
                match (hi, lo) {
                    (Some(h), Some(l)) => out.push((h << 4) | l),
                    _ => return Err(XtextError::Syntax),
                }
                i += 3;
            }
            b'!'..=b'~' if c != b'=' => {
                out.push(c);
                i += 1;
            }
            _ => return Err(XtextError::Syntax),
        }
    }
    let s = String::from_utf8(out).map_err(|_| XtextError::BadDecoded)?;
    if s.chars().any(char::is_control) {
        return Err(XtextError::BadDecoded);
    }
    Ok(s)
}

/// Encodes octets as xtext: `+`, `=` and anything outside `!`..=`~` become
/// `+XX` with upper-case hex.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for &b in value.as_bytes() {
        if (b'!'..=b'~').contains(&b) && b != b'+' && b != b'=' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("+{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_table() {
        let cases: &[(&str, Result<&str, XtextError>)] = &[
            ("", Ok("")),
            ("abc", Ok("abc")),
            ("a+2Bb", Ok("a+b")),
            ("a+3Db", Ok("a=b")),
            ("a+20b", Ok("a b")),
            ("a+2bb", Ok("a+b")),
            ("+3Cuser@example.com+3E", Ok("<user@example.com>")),
            ("+C3+A9", Ok("é")),
            ("a=b", Err(XtextError::Syntax)),
            ("a b", Err(XtextError::Syntax)),
            ("a+2", Err(XtextError::Syntax)),
            ("a+", Err(XtextError::Syntax)),
            ("a+GG", Err(XtextError::Syntax)),
            ("é", Err(XtextError::Syntax)),
            ("a+0D+0AX-Evil:1", Err(XtextError::BadDecoded)),
            ("+00", Err(XtextError::BadDecoded)),
            ("+FF", Err(XtextError::BadDecoded)),
        ];
        for (input, want) in cases {
            assert_eq!(decode(input).as_deref(), want.as_deref(), "{input:?}");
        }
    }

    #[test]
    fn round_trip() {
        for s in ["", "plain", "a+b=c d", "<>", "üser@exämple", "~!"] {
            assert_eq!(decode(&encode(s)).as_deref(), Ok(s));
        }
        assert_eq!(encode("a+b=c d"), "a+2Bb+3Dc+20d");
    }
}
