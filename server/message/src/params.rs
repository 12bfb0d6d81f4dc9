//! Structured MIME field values, `value *(";" attribute "=" value)` as in Content-Type
//! (RFC 2045 §5.1) and Content-Disposition (RFC 2183 §2), as mail-parser parses them: comments
//! and quoting removed, parameter value continuations and charsets decoded (RFC 2231 §3-§4;
//! RFC 9051 §7.5.2 body-fld-param: "Servers SHOULD decode parameter value continuations ... and
//! return the decoded value").
//!
//! Hand-written here: mail-parser reports the language of an RFC 2231 value (`title*=us-ascii'en'…`)
//! as an extra parameter `title-language`, which the message does not have; it is dropped.

use mail_parser::ContentType;
use serde::{Deserialize, Serialize};

/// A parsed structured value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Structured {
    /// The main value (`text/plain`, `attachment`), in the case it was written in.
    pub value: String,
    /// The parameters: names lowercase, values decoded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<(String, String)>,
}

/// The structured value mail-parser parsed from the raw (unfolded) field value `raw`.
pub fn structured(parsed: &ContentType<'_>, raw: &str) -> Structured {
    let lower = match parsed.subtype() {
        Some(subtype) => format!("{}/{subtype}", parsed.ctype()),
        None => parsed.ctype().to_string(),
    };
    // mail-parser lowercases the value; the text it came from has it as written.
    let written = raw
        .trim_start()
        .get(..lower.len())
        .filter(|w| w.eq_ignore_ascii_case(&lower));
    Structured {
        value: written.map_or(lower.clone(), str::to_string),
        params: params(parsed, raw),
    }
}

/// The parameters of a parsed value, names lowercase (mail-parser lowercases them).
pub fn params(parsed: &ContentType<'_>, raw: &str) -> Vec<(String, String)> {
    let attributes = parsed.attributes().unwrap_or_default();
    let raw = raw.to_ascii_lowercase();
    attributes
        .iter()
        .filter(|a| {
            // `name-language` made up from `name*=charset'language'value` (RFC 2231 §4).
            let invented = a.name.strip_suffix("-language").is_some_and(|base| {
                attributes.iter().any(|b| b.name == base) && !raw.contains(a.name.as_ref())
            });
            !invented
        })
        .map(|a| (a.name.to_ascii_lowercase(), a.value.to_string()))
        .collect()
}

/// Parses a structured field value (unfolded) with mail-parser's Content-Type parser.
#[cfg(test)]
pub(crate) fn parse(text: &str) -> Structured {
    use mail_parser::{HeaderValue, parsers::MessageStream};
    let line = format!("{text}\n");
    match MessageStream::new(line.as_bytes()).parse_content_type() {
        HeaderValue::ContentType(parsed) => structured(&parsed, text),
        _ => Structured::default(),
    }
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
