//! Structured MIME field values: `value *(";" attribute "=" value)` as in Content-Type
//! (RFC 2045 §5.1) and Content-Disposition (RFC 2183 §2), with parameter value continuations
//! and charsets decoded (RFC 2231 §3-§4; RFC 9051 §7.5.2 body-fld-param: "Servers SHOULD
//! decode parameter value continuations ... and return the decoded value").

use crate::encoded::{hex_pair, to_string};

/// A parsed structured value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Structured {
    /// The main value (`text/plain`, `attachment`), as written but trimmed.
    pub value: String,
    /// The parameters: names lowercase, values decoded.
    pub params: Vec<(String, String)>,
}

/// Parses a structured field value (unfolded).
pub(crate) fn parse(text: &str) -> Structured {
    let segments = split_segments(text);
    let mut iter = segments.into_iter();
    let value = iter
        .next()
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    let mut raw: Vec<(String, String)> = Vec::new();
    for segment in iter {
        let Some((name, value)) = segment.split_once('=') else {
            continue;
        };
        let name = name.trim().to_ascii_lowercase();
        if name.is_empty() {
            continue;
        }
        raw.push((name, unquote(value.trim())));
    }
    Structured {
        value,
        params: merge_rfc2231(raw),
    }
}

/// Splits at `;` outside quoted strings, dropping comments (RFC 5322 §3.2.2).
fn split_segments(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let (mut quoted, mut escaped, mut depth) = (false, false, 0u32);
    for c in text.chars() {
        if escaped {
            if depth == 0 {
                current.push(c);
            }
            escaped = false;
        } else if quoted {
            current.push(c);
            match c {
                '\\' => escaped = true,
                '"' => quoted = false,
                _ => {}
            }
        } else if depth > 0 {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                '\\' => escaped = true,
                _ => {}
            }
        } else {
            match c {
                '"' => {
                    quoted = true;
                    current.push(c);
                }
                '(' => depth = 1,
                ';' => out.push(std::mem::take(&mut current)),
                _ => current.push(c),
            }
        }
    }
    out.push(current);
    out
}

/// A quoted-string's content (backslash escapes removed), or the token as is.
fn unquote(value: &str) -> String {
    let Some(inner) = value.strip_prefix('"') else {
        return value.to_string();
    };
    let inner = inner.strip_suffix('"').unwrap_or(inner);
    let mut out = String::with_capacity(inner.len());
    let mut escaped = false;
    for c in inner.chars() {
        if !escaped && c == '\\' {
            escaped = true;
        } else {
            out.push(c);
            escaped = false;
        }
    }
    out
}

/// One piece of an RFC 2231 parameter.
struct Piece {
    base: String,
    index: u32,
    extended: bool,
    value: String,
}

/// Joins `name*0`, `name*1*`, ... and decodes `name*=charset'lang'%XX` (RFC 2231 §3, §4).
fn merge_rfc2231(raw: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut order: Vec<String> = Vec::new();
    let mut pieces: Vec<Piece> = Vec::new();
    for (name, value) in raw {
        let (name, extended) = match name.strip_suffix('*') {
            Some(n) => (n.to_string(), true),
            None => (name, false),
        };
        let (base, index) = match name.rsplit_once('*') {
            Some((b, i)) if !i.is_empty() && i.bytes().all(|c| c.is_ascii_digit()) => {
                (b.to_string(), i.parse().unwrap_or(u32::MAX))
            }
            _ => (name, 0),
        };
        if !order.contains(&base) {
            order.push(base.clone());
        }
        pieces.push(Piece {
            base,
            index,
            extended,
            value,
        });
    }
    order
        .into_iter()
        .map(|base| {
            let mut parts: Vec<&Piece> = pieces.iter().filter(|p| p.base == base).collect();
            parts.sort_by_key(|p| p.index);
            parts.dedup_by_key(|p| p.index);
            let mut charset: Option<String> = None;
            let mut bytes = Vec::new();
            for (i, piece) in parts.iter().enumerate() {
                let mut value = piece.value.as_str();
                if piece.extended {
                    if i == 0 {
                        let mut split = value.splitn(3, '\'');
                        if let (Some(cs), Some(_lang), Some(rest)) =
                            (split.next(), split.next(), split.next())
                        {
                            charset = Some(cs.to_string()).filter(|c| !c.is_empty());
                            value = rest;
                        }
                    }
                    bytes.extend(percent_decode(value));
                } else {
                    bytes.extend_from_slice(value.as_bytes());
                }
            }
            (base, to_string(&bytes, charset.as_deref()))
        })
        .collect()
}

fn percent_decode(value: &str) -> Vec<u8> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octet = (bytes[i] == b'%')
            .then(|| hex_pair(bytes.get(i + 1..i + 3)))
            .flatten();
        match octet {
            Some(o) => {
                out.push(o);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(name: &str, value: &str) -> (String, String) {
        (name.into(), value.into())
    }

    #[test]
    fn content_type_with_quotes_and_comments() {
        let s = parse(
            "Text/Plain (a comment; x=y); charset=\"us-ascii\"; Format=flowed ;name=\"a;b \\\"c\\\"\"",
        );
        assert_eq!(s.value, "Text/Plain");
        assert_eq!(
            s.params,
            [
                p("charset", "us-ascii"),
                p("format", "flowed"),
                p("name", "a;b \"c\"")
            ]
        );
    }

    #[test]
    fn rfc2231_continuations_and_charsets() {
        // RFC 2231 §3 and §4.1 examples.
        let s = parse(
            "message/external-body; access-type=URL; URL*0=\"ftp://\"; URL*1=\"cs.utk.edu/pub\"",
        );
        assert_eq!(
            s.params,
            [p("access-type", "URL"), p("url", "ftp://cs.utk.edu/pub")]
        );
        let s = parse("attachment; filename*=utf-8''Gr%C3%BC%C3%9Fe.txt");
        assert_eq!(s.params, [p("filename", "Grüße.txt")]);
        let s = parse(
            "x/y; title*0*=us-ascii'en'This%20is%20even%20more%20; title*2=\"isn't it!\"; title*1*=%2A%2A%2Afun%2A%2A%2A%20",
        );
        assert_eq!(
            s.params,
            [p("title", "This is even more ***fun*** isn't it!")]
        );
    }
}
