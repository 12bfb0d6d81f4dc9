//! Content-Transfer-Encoding decoding (RFC 2045 §6) of a part's raw body, with mail-parser's
//! base64 and quoted-printable decoders, as BINARY (RFC 3516) needs it: the octets, before any
//! charset conversion (the text mail-parser keeps for a text part is already converted, so
//! BINARY decodes the raw body itself).
//!
//! Hand-written here, where mail-parser's decoders differ from RFC 2045:
//! - base64: characters outside the alphabet "are to be ignored" (§6.8); mail-parser's decoder
//!   rejects the whole input instead, so they are filtered out first;
//! - quoted-printable: a hard line break decodes to CRLF, the canonical form (§6.7 rule 4);
//!   mail-parser writes LF until it has seen a CR, so a CR is put in front of the input;
//! - [`count_lines`], which is IMAP's (RFC 9051 §7.5.2 body-fld-lines), not decoding.

use mail_parser::decoders::base64::base64_decode_stream;
use mail_parser::parsers::MessageStream;
use std::borrow::Cow;

/// A Content-Transfer-Encoding this crate cannot undo (RFC 3516 §4.2: UNKNOWN-CTE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownCte;

/// `body` with its transfer encoding removed. No encoding, `7bit`, `8bit` and `binary` are
/// identities (RFC 2045 §6.2).
pub fn transfer_decode<'a>(
    body: &'a [u8],
    encoding: Option<&str>,
) -> Result<Cow<'a, [u8]>, UnknownCte> {
    let encoding = encoding.map(str::trim).unwrap_or("");
    if encoding.is_empty()
        || ["7bit", "8bit", "binary"]
            .iter()
            .any(|e| encoding.eq_ignore_ascii_case(e))
    {
        Ok(Cow::Borrowed(body))
    } else if encoding.eq_ignore_ascii_case("base64") {
        Ok(Cow::Owned(base64(body)))
    } else if encoding.eq_ignore_ascii_case("quoted-printable") {
        Ok(Cow::Owned(quoted_printable(body)))
    } else {
        Err(UnknownCte)
    }
}

/// Decodes base64 (RFC 2045 §6.8), ignoring characters outside the alphabet.
pub fn base64(text: &[u8]) -> Vec<u8> {
    let alphabet = text
        .iter()
        .filter(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='));
    // Nothing is left that the decoder could refuse; `u8::MAX` (no stop byte) was filtered out.
    base64_decode_stream(alphabet, text.len(), u8::MAX).unwrap_or_default()
}

/// Decodes quoted-printable (RFC 2045 §6.7): soft line breaks are removed, trailing white space
/// of each line is dropped (rule 3), line breaks become CRLF, and a malformed `=` is kept as is.
pub fn quoted_printable(text: &[u8]) -> Vec<u8> {
    let mut input = Vec::with_capacity(text.len() + 1);
    input.push(b'\r');
    input.extend_from_slice(text);
    // Without a boundary the decoder runs to the end and never fails.
    let (_, decoded) = MessageStream::new(&input).decode_quoted_printable_mime(b"");
    decoded.into_owned()
}

/// Lines of a body, as BODYSTRUCTURE counts them (RFC 9051 §7.5.2 body-fld-lines): its line
/// feeds, plus a last line without one (the CRLF before a boundary belongs to the boundary,
/// RFC 2046 §5.1.1). The same rule as the store's extracted metadata.
pub fn count_lines(bytes: &[u8]) -> u64 {
    let feeds = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
    feeds + u64::from(bytes.last().is_some_and(|&b| b != b'\n'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_is_lenient() {
        assert_eq!(base64(b"SGVs\r\nbG8=\r\n"), b"Hello");
        assert_eq!(base64(b"SGVsbG8gV29ybGQ"), b"Hello World");
        assert_eq!(base64(b"!!"), b"");
    }

    #[test]
    fn quoted_printable_rules() {
        assert_eq!(
            quoted_printable(b"a=3Db  \r\nc=\r\nd\r\n"),
            b"a=b\r\ncd\r\n"
        );
        assert_eq!(quoted_printable(b"caf=E9 =ZZ ="), b"caf\xe9 =ZZ ");
        assert_eq!(quoted_printable(b"x\ny"), b"x\r\ny");
    }

    #[test]
    fn encodings() {
        assert_eq!(transfer_decode(b"abc", None).unwrap().as_ref(), b"abc");
        assert_eq!(
            transfer_decode(b"YWJj", Some("BASE64")).unwrap().as_ref(),
            b"abc"
        );
        assert_eq!(transfer_decode(b"x", Some("x-uuencode")), Err(UnknownCte));
        assert_eq!(count_lines(b"a\r\nb"), 2);
        assert_eq!(count_lines(b"a\r\nb\r\n"), 2);
        assert_eq!(count_lines(b""), 0);
    }
}
