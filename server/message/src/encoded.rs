//! Character sets and encoded-words: RFC 2047 decoding of header text and charset conversion
//! (both mail-parser's), and the encoded-word downgrade of UTF-8 header text for clients that
//! have not enabled UTF-8 (RFC 9755 §3, RFC 6857 §3).
//!
//! Hand-written here: the downgrade, which encodes (mail-parser only decodes).

use mail_parser::HeaderValue;
use mail_parser::decoders::charsets::map::charset_decoder;
use mail_parser::parsers::MessageStream;

/// Converts `bytes` in `charset` to a string. UTF-8, US-ASCII and unknown charsets are read as
/// UTF-8, with U+FFFD for invalid sequences.
pub fn to_string(bytes: &[u8], charset: Option<&str>) -> String {
    let charset = charset.map(str::trim).unwrap_or("");
    let utf8 = charset.is_empty()
        || charset.eq_ignore_ascii_case("utf-8")
        || charset.eq_ignore_ascii_case("utf8")
        || charset.eq_ignore_ascii_case("us-ascii");
    if !utf8 && let Some(decode) = charset_decoder(charset.as_bytes()) {
        return decode(bytes);
    }
    String::from_utf8_lossy(bytes).into_owned()
}

/// Decodes the RFC 2047 encoded-words in an unfolded header value with mail-parser's
/// unstructured-field parser; white space between two adjacent encoded-words is dropped
/// (RFC 2047 §6.2). Other text is read as UTF-8; without encoded-words the value is unchanged.
pub fn decode_words(value: &str) -> String {
    if !value.contains("=?") {
        return value.to_string();
    }
    // The parser reads one header line: line breaks become spaces, and a LF ends the line.
    let mut line: Vec<u8> = value
        .bytes()
        .map(|b| if b == b'\r' || b == b'\n' { b' ' } else { b })
        .collect();
    line.push(b'\n');
    match MessageStream::new(&line).parse_unstructured() {
        HeaderValue::Text(text) => text.into_owned(),
        _ => String::new(),
    }
}

/// `text` as one `=?utf-8?b?...?=` encoded-word when it is not ASCII and the client has not
/// enabled UTF-8 (RFC 6857 §3 downgrade); unchanged otherwise.
pub fn downgrade(text: String, utf8: bool) -> String {
    if utf8 || text.is_ascii() {
        return text;
    }
    format!("=?utf-8?b?{}?=", base64_encode(text.as_bytes()))
}

fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Legacy multi-byte charsets are decoded (mail-parser's `full_encoding`), not read as
    /// UTF-8 into U+FFFD: Korean, Chinese in both scripts, Japanese, under common names.
    #[test]
    fn legacy_cjk_charsets_are_decoded() {
        let cases: [(&[u8], &str, &str); 5] = [
            (
                b"\xb1\xa4\xb0\xed \xc7\xd5\xb4\xcf\xb4\xd9",
                "euc-kr",
                "광고 합니다",
            ),
            (b"\xb1\xa4\xb0\xed", "ks_c_5601-1987", "광고"),
            (b"\xcd\xf8\xc2\xe7", "gb2312", "网络"),
            (b"\xba\xf4\xb8\xf4", "big5", "網路"),
            (b"\x83\x76\x83\x8d\x83\x5a\x83\x58", "shift_jis", "プロセス"),
        ];
        for (bytes, charset, text) in cases {
            assert_eq!(to_string(bytes, Some(charset)), text, "{charset}");
        }
    }

    #[test]
    fn decodes_words_and_joins_adjacent_ones() {
        assert_eq!(decode_words("=?utf-8?q?Gr=C3=BC=C3=9Fe?="), "Grüße");
        assert_eq!(decode_words("=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?="), "ab");
        assert_eq!(decode_words("x =?UTF-8?B?w6lt?= y"), "x ém y");
        assert_eq!(
            decode_words("=?iso-8859-1?q?caf=E9_au_lait?="),
            "café au lait"
        );
        assert_eq!(decode_words("=?bad"), "=?bad");
        assert_eq!(decode_words("a =? b ?= c"), "a =? b ?= c");
    }

    #[test]
    fn downgrades_utf8() {
        assert_eq!(downgrade("abc".into(), false), "abc");
        assert_eq!(downgrade("é".into(), true), "é");
        let word = downgrade("Grüße".into(), false);
        assert_eq!(word, "=?utf-8?b?R3LDvMOfZQ==?=");
        assert_eq!(decode_words(&word), "Grüße");
    }
}
