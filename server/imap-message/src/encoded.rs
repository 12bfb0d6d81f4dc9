//! Character sets and encoded-words: RFC 2047 decoding of header text, charset conversion
//! (through mail-parser's tables), and the encoded-word downgrade of UTF-8 header text for
//! clients that have not enabled UTF-8 (RFC 9755 §3, RFC 6857 §3).

use mail_parser::decoders::charsets::map::charset_decoder;

/// Converts `bytes` in `charset` to a string. UTF-8, US-ASCII and unknown charsets are read as
/// UTF-8, with U+FFFD for invalid sequences.
pub(crate) fn to_string(bytes: &[u8], charset: Option<&str>) -> String {
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

/// Decodes the RFC 2047 encoded-words in an unfolded header value; white space between two
/// adjacent encoded-words is dropped (RFC 2047 §6.2). Other text is read as UTF-8.
pub(crate) fn decode_words(value: &str) -> String {
    if !value.contains("=?") {
        return value.to_string();
    }
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    let mut after_word = false;
    while !rest.is_empty() {
        let Some(start) = rest.find("=?") else {
            out.push_str(rest);
            break;
        };
        let (before, candidate) = rest.split_at(start);
        match decode_word(candidate) {
            Some((text, len)) => {
                if !(after_word && before.chars().all(|c| c == ' ' || c == '\t')) {
                    out.push_str(before);
                }
                out.push_str(&text);
                rest = &candidate[len..];
                after_word = true;
            }
            None => {
                out.push_str(before);
                out.push_str("=?");
                rest = &candidate[2..];
                after_word = false;
            }
        }
    }
    out
}

/// Decodes one `=?charset?encoding?text?=` at the start of `s`, with the length it took.
fn decode_word(s: &str) -> Option<(String, usize)> {
    let inner = s.strip_prefix("=?")?;
    let (charset, rest) = inner.split_once('?')?;
    let (encoding, rest) = rest.split_once('?')?;
    let end = rest.find("?=")?;
    let text = &rest[..end];
    if charset.is_empty() || text.contains([' ', '\t']) {
        return None;
    }
    // RFC 2231 §5: `charset*language`.
    let charset = charset.split('*').next().unwrap_or(charset);
    let bytes = match encoding {
        "B" | "b" => crate::decode::base64(text.as_bytes()),
        "Q" | "q" => q_decode(text.as_bytes()),
        _ => return None,
    };
    let len = 2 + inner.len() - rest.len() + end + 2;
    Some((to_string(&bytes, Some(charset)), len))
}

/// The "Q" encoding (RFC 2047 §4.2): `_` is a space, `=XX` an octet.
fn q_decode(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let escaped = (text[i] == b'=')
            .then(|| hex_pair(text.get(i + 1..i + 3)))
            .flatten();
        match (text[i], escaped) {
            (_, Some(octet)) => {
                out.push(octet);
                i += 2;
            }
            (b'_', None) => out.push(b' '),
            (b, None) => out.push(b),
        }
        i += 1;
    }
    out
}

/// The octet of two hex digits.
pub(crate) fn hex_pair(pair: Option<&[u8]>) -> Option<u8> {
    let pair = pair?;
    let digit = |b: u8| (b as char).to_digit(16);
    match pair {
        [a, b] => Some((digit(*a)? * 16 + digit(*b)?) as u8),
        _ => None,
    }
}

/// `text` as one `=?utf-8?b?...?=` encoded-word when it is not ASCII and the client has not
/// enabled UTF-8 (RFC 6857 §3 downgrade); unchanged otherwise.
pub(crate) fn downgrade(text: String, utf8: bool) -> String {
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
