//! The MIME structure of a stored message, parsed from its raw bytes with exact offsets: header
//! and body of every entity (RFC 2045 §3), multipart bodies split at their boundaries (RFC 2046
//! §5.1.1: the CRLF before a boundary line belongs to the boundary), and message/rfc822 and
//! message/global bodies parsed as messages (RFC 2046 §5.2.1, RFC 6532 §3.5). Never fails:
//! anything malformed becomes text/plain (RFC 2045 §5.2).
//!
//! Part numbers follow RFC 9051 §6.4.5: the parts of a multipart are numbered from 1; a
//! non-multipart message has only part 1, its body; a message/rfc822 part's numbers refer to
//! the parts of the message it holds.

use crate::header::{self, Field, is_blank, line_end};
use crate::params::{self, Structured};
use std::num::NonZeroU32;
use std::ops::Range;

/// Deepest nesting parsed; deeper multiparts and messages are treated as opaque leaves.
const MAX_DEPTH: usize = 48;

/// One MIME entity: a message, or a part of one.
#[derive(Debug, Clone)]
pub(crate) struct Entity {
    /// The header, including the blank line that ends it.
    pub header: Range<usize>,
    /// The body.
    pub body: Range<usize>,
    /// Its Content-* fields.
    pub mime: Mime,
    /// What the body holds.
    pub kind: Kind,
}

/// What an entity's body holds.
#[derive(Debug, Clone)]
pub(crate) enum Kind {
    /// Content.
    Leaf,
    /// The parts of a multipart.
    Multipart(Vec<Entity>),
    /// The message inside a message/rfc822 or message/global part.
    Message(Box<Entity>),
}

/// The MIME fields of an entity (RFC 2045 §5-§8, RFC 2183, RFC 3282, RFC 2557, RFC 1864).
#[derive(Debug, Clone, Default)]
pub(crate) struct Mime {
    /// Lowercase top-level media type.
    pub media_type: String,
    /// Lowercase subtype.
    pub subtype: String,
    /// Content-Type parameters (names lowercase, values decoded).
    pub params: Vec<(String, String)>,
    pub encoding: Option<String>,
    pub id: Option<String>,
    pub description: Option<String>,
    pub md5: Option<String>,
    pub disposition: Option<Structured>,
    pub language: Vec<String>,
    pub location: Option<String>,
}

impl Mime {
    /// A Content-Type parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether the disposition says `attachment` (RFC 2183 §2.2).
    pub fn is_attachment(&self) -> bool {
        self.disposition
            .as_ref()
            .is_some_and(|d| d.value.eq_ignore_ascii_case("attachment"))
    }
}

impl Entity {
    /// The header's fields.
    pub fn fields<'a>(&self, raw: &'a [u8]) -> Vec<Field<'a>> {
        header::fields(slice(raw, &self.header))
    }
}

/// `raw[range]`, empty when out of bounds.
pub(crate) fn slice<'a>(raw: &'a [u8], range: &Range<usize>) -> &'a [u8] {
    raw.get(range.clone()).unwrap_or_default()
}

/// Parses a whole message.
pub(crate) fn parse(raw: &[u8]) -> Entity {
    parse_entity(raw, 0..raw.len(), false, 0)
}

/// Splits `range` into header (with its blank line) and body. Without a blank line, everything
/// is header.
pub(crate) fn split_header(raw: &[u8], range: Range<usize>) -> (Range<usize>, Range<usize>) {
    let bytes = &raw[..range.end.min(raw.len())];
    let mut pos = range.start.min(bytes.len());
    while pos < bytes.len() {
        let end = line_end(bytes, pos);
        if is_blank(&bytes[pos..end]) {
            return (range.start..end, end..bytes.len());
        }
        pos = end;
    }
    (range.start..bytes.len(), bytes.len()..bytes.len())
}

fn parse_entity(raw: &[u8], range: Range<usize>, in_digest: bool, depth: usize) -> Entity {
    let (header, body) = split_header(raw, range);
    let fields = header::fields(slice(raw, &header));
    let mut mime = mime_fields(&fields, in_digest);
    let kind = if depth >= MAX_DEPTH {
        Kind::Leaf
    } else if mime.media_type == "multipart" {
        match mime.param("boundary").filter(|b| !b.is_empty()) {
            Some(boundary) => {
                let digest = mime.subtype == "digest";
                let parts = split_parts(raw, body.clone(), boundary.as_bytes());
                Kind::Multipart(
                    parts
                        .into_iter()
                        .map(|part| parse_entity(raw, part, digest, depth + 1))
                        .collect(),
                )
            }
            None => {
                // RFC 2046 §5.1.1: the boundary is mandatory; treat as plain text.
                mime.media_type = "text".into();
                mime.subtype = "plain".into();
                mime.params = vec![("charset".into(), "US-ASCII".into())];
                Kind::Leaf
            }
        }
    } else if mime.media_type == "message" && matches!(mime.subtype.as_str(), "rfc822" | "global") {
        Kind::Message(Box::new(parse_entity(raw, body.clone(), false, depth + 1)))
    } else {
        Kind::Leaf
    };
    Entity {
        header,
        body,
        mime,
        kind,
    }
}

fn mime_fields(fields: &[Field<'_>], in_digest: bool) -> Mime {
    let text = |name| header::text(fields, name);
    let content_type = text("Content-Type").map(|t| params::parse(&t));
    let media = content_type.as_ref().and_then(|ct| {
        let (t, s) = ct.value.split_once('/')?;
        let (t, s) = (t.trim(), s.trim());
        let token = |x: &str| !x.is_empty() && !x.contains(|c: char| c.is_whitespace());
        (token(t) && token(s)).then(|| (t.to_ascii_lowercase(), s.to_ascii_lowercase()))
    });
    let (media_type, subtype, params) = match (media, content_type) {
        (Some((t, s)), Some(ct)) => (t, s, ct.params),
        // RFC 2046 §5.1.5: in a digest the default is message/rfc822.
        _ if in_digest => ("message".into(), "rfc822".into(), Vec::new()),
        // RFC 2045 §5.2: absent or invalid means text/plain; charset=us-ascii.
        _ => (
            "text".into(),
            "plain".into(),
            vec![("charset".into(), "US-ASCII".into())],
        ),
    };
    let non_empty = |s: Option<String>| s.filter(|s| !s.is_empty());
    Mime {
        media_type,
        subtype,
        params,
        encoding: non_empty(text("Content-Transfer-Encoding")),
        id: non_empty(text("Content-ID")),
        description: non_empty(text("Content-Description")),
        md5: non_empty(text("Content-MD5")),
        disposition: non_empty(text("Content-Disposition")).map(|d| params::parse(&d)),
        language: text("Content-Language")
            .map(|l| {
                l.split(',')
                    .map(|t| t.trim().to_string())
                    .filter(|t| !t.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
        location: non_empty(text("Content-Location")),
    }
}

/// Whether `line` is a boundary delimiter line for `boundary`: `Some(true)` for the close
/// delimiter, `Some(false)` for a part delimiter (RFC 2046 §5.1.1, transport padding allowed).
fn delimiter(line: &[u8], boundary: &[u8]) -> Option<bool> {
    let rest = line.strip_prefix(b"--")?.strip_prefix(boundary)?;
    if rest.starts_with(b"--") {
        Some(true)
    } else {
        rest.iter()
            .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
            .then_some(false)
    }
}

/// The byte ranges of the parts of a multipart body. Without a close delimiter the last part
/// runs to the end of the body.
fn split_parts(raw: &[u8], body: Range<usize>, boundary: &[u8]) -> Vec<Range<usize>> {
    let bytes = &raw[..body.end.min(raw.len())];
    let mut parts = Vec::new();
    let mut current: Option<usize> = None;
    let mut pos = body.start;
    while pos < bytes.len() {
        let end = line_end(bytes, pos);
        if let Some(close) = delimiter(&bytes[pos..end], boundary) {
            if let Some(start) = current {
                let mut part_end = pos;
                for b in [b'\n', b'\r'] {
                    if part_end > start && bytes[part_end - 1] == b {
                        part_end -= 1;
                    }
                }
                parts.push(start..part_end);
            }
            if close {
                return parts;
            }
            current = Some(end);
        }
        pos = end;
    }
    if let Some(start) = current {
        parts.push(start..bytes.len());
    }
    parts
}

/// The part a part number path names (RFC 9051 §6.4.5).
pub(crate) fn find<'a>(root: &'a Entity, numbers: &[NonZeroU32]) -> Option<&'a Entity> {
    let (first, rest) = numbers.split_first()?;
    let mut part = in_message(root, *first)?;
    for n in rest {
        part = match &part.kind {
            Kind::Multipart(children) => nth(children, *n)?,
            Kind::Message(inner) => in_message(inner, *n)?,
            Kind::Leaf => return None,
        };
    }
    Some(part)
}

/// Part `n` of a message: a child of its multipart body, or its only part.
fn in_message(message: &Entity, n: NonZeroU32) -> Option<&Entity> {
    match &message.kind {
        Kind::Multipart(children) => nth(children, n),
        _ => (n.get() == 1).then_some(message),
    }
}

fn nth(children: &[Entity], n: NonZeroU32) -> Option<&Entity> {
    children.get(usize::try_from(n.get() - 1).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NESTED: &[u8] = b"Content-Type: multipart/mixed; boundary=outer\r\n\r\npreamble\r\n--outer\r\n\r\nplain text\r\n--outer\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\nContent-Type: multipart/alternative; boundary=\"in\"\r\n\r\n--in\r\nContent-Type: text/plain\r\n\r\nA\r\n--in\r\nContent-Type: text/html\r\n\r\n<b>A</b>\r\n--in--\r\n\r\n--outer--\r\nepilogue\r\n";

    fn n(path: &[u32]) -> Vec<NonZeroU32> {
        path.iter().filter_map(|&p| NonZeroU32::new(p)).collect()
    }

    #[test]
    fn nested_structure_and_offsets() {
        let root = parse(NESTED);
        let Kind::Multipart(parts) = &root.kind else {
            panic!("multipart expected")
        };
        assert_eq!(parts.len(), 2);
        assert_eq!(slice(NESTED, &parts[0].body), b"plain text");
        assert_eq!(slice(NESTED, &parts[0].header), b"\r\n");
        assert_eq!(parts[0].mime.param("charset"), Some("US-ASCII"));
        let one = find(&root, &n(&[2, 2])).expect("2.2");
        assert_eq!(one.mime.subtype, "html");
        assert_eq!(slice(NESTED, &one.body), b"<b>A</b>");
        let inner = find(&root, &n(&[2])).expect("2");
        let Kind::Message(message) = &inner.kind else {
            panic!("message expected")
        };
        assert!(slice(NESTED, &message.header).starts_with(b"Subject: inner"));
        assert!(slice(NESTED, &inner.body).ends_with(b"--in--\r\n"));
        assert!(find(&root, &n(&[2, 3])).is_none());
        assert!(find(&root, &n(&[2, 1, 1])).is_none());
        assert!(find(&root, &n(&[3])).is_none());
        assert!(find(&root, &n(&[1, 1])).is_none());
    }

    #[test]
    fn single_part_and_garbage() {
        let root = parse(b"Subject: x\r\n\r\nbody");
        assert!(std::ptr::eq(find(&root, &n(&[1])).unwrap(), &root));
        assert!(find(&root, &n(&[2])).is_none());
        let garbage = b"\xff\xfe no header at all";
        let root = parse(garbage);
        assert_eq!(root.mime.media_type, "text");
        assert_eq!(root.body, garbage.len()..garbage.len());
        let root = parse(b"Content-Type: multipart/mixed\r\n\r\nx");
        assert!(matches!(root.kind, Kind::Leaf));
        let root =
            parse(b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nunterminated");
        let Kind::Multipart(parts) = &root.kind else {
            panic!()
        };
        assert_eq!(parts.len(), 1);
    }
}
