//! Content-Transfer-Encoding decoding (RFC 2045 §6): base64 and quoted-printable, lenient
//! about damage, as BINARY (RFC 3516), SEARCH BODY/TEXT and PREVIEW need.

use std::borrow::Cow;

/// A Content-Transfer-Encoding this crate cannot undo (RFC 3516 §4.2: UNKNOWN-CTE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UnknownCte;

/// `body` with its transfer encoding removed. No encoding, `7bit`, `8bit` and `binary` are
/// identities (RFC 2045 §6.2).
pub(crate) fn transfer_decode<'a>(
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

/// Decodes base64 (RFC 2045 §6.8), skipping characters outside the alphabet and stopping at
/// the first `=`.
pub(crate) fn base64(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in text {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => continue,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// Decodes quoted-printable (RFC 2045 §6.7): soft line breaks are removed, trailing white space
/// of each line is dropped (rule 3), line breaks become CRLF, and a malformed `=` is kept as is.
pub(crate) fn quoted_printable(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut lines = text.split(|&b| b == b'\n').peekable();
    while let Some(line) = lines.next() {
        let has_break = lines.peek().is_some();
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let end = line
            .iter()
            .rposition(|&b| b != b' ' && b != b'\t')
            .map_or(0, |i| i + 1);
        let line = &line[..end];
        let (line, soft) = match line.strip_suffix(b"=") {
            Some(l) => (l, true),
            None => (line, false),
        };
        let mut i = 0;
        while i < line.len() {
            let octet = (line[i] == b'=')
                .then(|| crate::encoded::hex_pair(line.get(i + 1..i + 3)))
                .flatten();
            match octet {
                Some(o) => {
                    out.push(o);
                    i += 3;
                }
                None => {
                    out.push(line[i]);
                    i += 1;
                }
            }
        }
        if has_break && !soft {
            out.extend_from_slice(b"\r\n");
        }
    }
    out
}

/// Lines of a body, as BODYSTRUCTURE counts them (RFC 9051 §7.5.2 body-fld-lines): its line
/// feeds, plus a last line without one (the CRLF before a boundary belongs to the boundary,
/// RFC 2046 §5.1.1). The same rule as the store's extracted metadata.
pub(crate) fn count_lines(bytes: &[u8]) -> u64 {
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
