//! The MIME structure of a stored message, as mail-parser parses it (RFC 2045/2046): the header
//! and body of every entity with their byte ranges in the raw message, the Content-* fields, the
//! parts of multiparts and the messages inside message/rfc822 and message/global parts, and the
//! decoded text of text parts. Never fails: what mail-parser cannot parse is a text/plain leaf
//! (RFC 2045 §5.2).
//!
//! mail-parser's offsets (verified by the tests below):
//! - a part's header runs from `offset_header` to `offset_body` (its blank line included), its
//!   body from `offset_body` to `offset_end`; the CRLF before a boundary line belongs to the
//!   boundary (RFC 2046 §5.1.1);
//! - the parts of a message/rfc822 part without a transfer encoding are parsed in place, and
//!   their offsets are into the whole message, not relative to the part;
//! - the parts of a transfer-encoded message/rfc822 part (which RFC 2046 §5.2.1 forbids) are
//!   offsets into the decoded bytes, which IMAP cannot address: such a part, and a message
//!   part mail-parser found empty, is parsed again from its raw body, offsets shifted;
//! - a boundary delimiter is recognised wherever `--boundary` occurs, also inside a line: a
//!   part whose last line does not end before the delimiter ends where `--` starts.
//!
//! Hand-written here, because it is IMAP's: part numbers (RFC 9051 §6.4.5: the parts of a
//! multipart are numbered from 1; a non-multipart message has only part 1, its body; a
//! message/rfc822 part's numbers refer to the parts of the message it holds), the Content-*
//! values BODYSTRUCTURE shows as written (Content-ID with its angle brackets and
//! Content-Description undecoded, which mail-parser's accessors strip and decode), and the
//! RFC 2045 defaults where mail-parser found no usable Content-Type.

use crate::decode::transfer_decode;
use crate::encoded::to_string;
use crate::header::{self, Field, Span, unfold};
use crate::params::{self, Structured};
use mail_parser::parsers::MessageStream;
use mail_parser::{
    Encoding, Header, HeaderName, HeaderValue, Message, MessageParser, MessagePart, MimeHeaders,
    PartType,
};
use std::num::NonZeroU32;
use std::ops::Range;

/// Deepest nesting kept; deeper multiparts and messages become text/plain leaves.
const MAX_DEPTH: usize = 48;

/// One MIME entity: a message, or a part of one.
#[derive(Debug, Clone)]
pub struct Entity {
    /// The header, including the blank line that ends it.
    pub header: Range<usize>,
    /// The body.
    pub body: Range<usize>,
    /// Where the header's fields are.
    pub fields: Vec<Span>,
    /// Its Content-* fields.
    pub mime: Mime,
    /// What the body holds.
    pub kind: Kind,
    /// The decoded content of a text leaf (transfer encoding undone, converted from its
    /// charset); HTML as it is.
    pub text: Option<String>,
}

/// What an entity's body holds.
#[derive(Debug, Clone)]
pub enum Kind {
    /// Content.
    Leaf,
    /// The parts of a multipart.
    Multipart(Vec<Entity>),
    /// The message inside a message/rfc822 or message/global part.
    Message(Box<Entity>),
}

/// The MIME fields of an entity (RFC 2045 §5-§8, RFC 2183, RFC 3282, RFC 2557, RFC 1864).
#[derive(Debug, Clone, Default)]
pub struct Mime {
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

    fn is_message(&self) -> bool {
        self.media_type == "message" && matches!(self.subtype.as_str(), "rfc822" | "global")
    }

    /// RFC 2045 §5.2: no (usable) Content-Type means text/plain; charset=us-ascii.
    fn set_text_plain(&mut self) {
        self.media_type = "text".into();
        self.subtype = "plain".into();
        self.params = vec![("charset".into(), "US-ASCII".into())];
    }
}

impl Entity {
    /// The header's fields.
    pub fn fields<'a>(&self, raw: &'a [u8]) -> Vec<Field<'a>> {
        self.fields.iter().map(|s| s.field(raw)).collect()
    }
}

/// `raw[range]`, empty when out of bounds.
pub fn slice<'a>(raw: &'a [u8], range: &Range<usize>) -> &'a [u8] {
    raw.get(range.clone()).unwrap_or_default()
}

/// The header parser for IMAP's needs: mail-parser's defaults, but `Received` fields kept raw,
/// as nothing here reads them and tokenizing them was a visible cost of every FETCH.
fn parser() -> &'static MessageParser {
    static PARSER: std::sync::OnceLock<MessageParser> = std::sync::OnceLock::new();
    PARSER.get_or_init(|| {
        // The same parsers mail-parser applies by default (its `parse_headers`), but for
        // Received. A non-empty map replaces the built-in choice, hence the full list.
        let lists = [
            HeaderName::ListArchive,
            HeaderName::ListHelp,
            HeaderName::ListId,
            HeaderName::ListOwner,
            HeaderName::ListPost,
            HeaderName::ListSubscribe,
            HeaderName::ListUnsubscribe,
        ];
        lists
            .into_iter()
            .fold(MessageParser::new(), |p, name| p.header_address(name))
            .with_mime_headers()
            .with_date_headers()
            .with_address_headers()
            .with_message_ids()
            .header_text(HeaderName::Subject)
            .header_text(HeaderName::Comments)
            .header_id(HeaderName::ReturnPath)
            .header_comma_separated(HeaderName::Keywords)
            .header_comma_separated(HeaderName::ContentLanguage)
            .header_raw(HeaderName::MimeVersion)
            .header_raw(HeaderName::Received)
            .default_header_raw()
    })
}

/// Parses a whole message.
pub fn parse(raw: &[u8]) -> Entity {
    parse_range(raw, 0..raw.len(), 0)
}

/// Parses only the message's own header, with mail-parser's header parser: enough for what
/// needs no more (ENVELOPE, HEADER and TEXT sections, header searches, SORT, THREAD) without
/// decoding every part. The body is one leaf whose text is not decoded; use [`parse`] for the
/// structure.
pub fn parse_header(raw: &[u8]) -> Entity {
    let mut part = MessagePart::default();
    let mut stream = MessageStream::new(raw);
    stream.parse_headers(parser(), &mut part.headers);
    let header = 0..stream.offset();
    let builder = Builder {
        raw,
        base: 0,
        end: raw.len(),
    };
    Entity {
        fields: header::spans(raw, header.clone(), &part.headers, 0),
        mime: builder.mime(&part, false),
        body: header.end..raw.len(),
        header,
        kind: Kind::Leaf,
        text: None,
    }
}

fn is_base64(mime: &Mime) -> bool {
    mime.encoding
        .as_deref()
        .is_some_and(|e| e.trim().eq_ignore_ascii_case("base64"))
}

/// Whether mail-parser left a base64 body as it was (it gives up on the whole body when a
/// line is not base64, e.g. a mailing list's plain footer appended to it).
fn undecoded(text: &str, raw: &[u8]) -> bool {
    text.trim().as_bytes() == raw.trim_ascii()
}

/// The text of a base64 body that is not all base64, as mail clients show it: the leading
/// base64 lines decoded, then what follows (a footer a list appended) as plain text.
fn lenient_base64_text(raw: &[u8], charset: Option<&str>) -> String {
    let is_base64_line = |line: &&&[u8]| {
        let line = line.trim_ascii();
        !line.is_empty()
            && line
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
    };
    let lines: Vec<&[u8]> = raw.split(|b| *b == b'\n').collect();
    let encoded = lines.iter().take_while(is_base64_line).count();
    let mut bytes = crate::decode::base64(&lines[..encoded].concat());
    for line in &lines[encoded..] {
        bytes.extend_from_slice(line);
        bytes.push(b'\n');
    }
    to_string(&bytes, charset)
}

/// Parses `raw[range]` as a message.
fn parse_range(raw: &[u8], range: Range<usize>, depth: usize) -> Entity {
    let bytes = slice(raw, &range);
    let builder = Builder {
        raw,
        base: range.start,
        end: range.start + bytes.len(),
    };
    match parser().parse(bytes) {
        Some(mut message) => builder.entity(&mut message, 0, false, depth),
        // Not even a header field: all of it is header, as it has no blank line.
        None => {
            let mut mime = Mime::default();
            mime.set_text_plain();
            Entity {
                header: range.start..builder.end,
                body: builder.end..builder.end,
                fields: header::spans(raw, range.start..builder.end, &[], 0),
                mime,
                kind: Kind::Leaf,
                text: Some(String::new()),
            }
        }
    }
}

/// Turns mail-parser's parts into entities. Offsets are `base` bytes into `raw`; `end` is where
/// the parsed bytes end.
struct Builder<'r> {
    raw: &'r [u8],
    base: usize,
    end: usize,
}

impl Builder<'_> {
    /// The entity of part `index` of `message` (taking the part's decoded body).
    fn entity(
        &self,
        message: &mut Message<'_>,
        index: usize,
        in_digest: bool,
        depth: usize,
    ) -> Entity {
        let Some(part) = message.parts.get_mut(index) else {
            return self.empty();
        };
        let at = |offset: u32| (self.base + offset as usize).min(self.end);
        let (header_start, body_start) = (at(part.offset_header), at(part.offset_body));
        let header = header_start..body_start.max(header_start);
        let body = header.end..at(part.offset_end).max(header.end);
        let fields = header::spans(self.raw, header.clone(), &part.headers, self.base);
        let mut mime = self.mime(part, in_digest);
        let encoded = part.encoding != Encoding::None;
        let deep = depth >= MAX_DEPTH;
        let kind = match std::mem::take(&mut part.body) {
            PartType::Multipart(children)
                if !deep && mime.media_type == "multipart" && !children.is_empty() =>
            {
                let digest = mime.subtype == "digest";
                Ok(Kind::Multipart(
                    children
                        .iter()
                        .map(|&child| self.entity(message, child as usize, digest, depth + 1))
                        .collect(),
                ))
            }
            PartType::Message(mut inner)
                if !deep && mime.is_message() && !encoded && !inner.parts.is_empty() =>
            {
                let mut message = self.entity(&mut inner, 0, false, depth + 1);
                // The encapsulated message is the part's whole body (RFC 9051 §6.4.5), so its
                // TEXT runs to the end of that body: mail-parser ends a nested multipart at its
                // close delimiter, which would drop the epilogue.
                message.body.end = message.body.end.max(body.end);
                Ok(Kind::Message(Box::new(message)))
            }
            _ if !deep && mime.is_message() => Ok(Kind::Message(Box::new(parse_range(
                self.raw,
                body.clone(),
                depth + 1,
            )))),
            content => Err(content),
        };
        let (kind, text) = match kind {
            Ok(kind) => (kind, None),
            Err(content) => {
                // A multipart without a boundary, parts or delimiter (RFC 2046 §5.1.1), or a
                // message or multipart nested too deep: text, so BODYSTRUCTURE stays well-formed.
                if mime.media_type == "multipart" || mime.is_message() {
                    mime.set_text_plain();
                }
                let text = (mime.media_type == "text").then(|| self.text(content, &body, &mime));
                (Kind::Leaf, text)
            }
        };
        Entity {
            header,
            body,
            fields,
            mime,
            kind,
            text,
        }
    }

    /// An entity for a part mail-parser did not produce: nothing at the end.
    fn empty(&self) -> Entity {
        let mut mime = Mime::default();
        mime.set_text_plain();
        Entity {
            header: self.end..self.end,
            body: self.end..self.end,
            fields: Vec::new(),
            mime,
            kind: Kind::Leaf,
            text: Some(String::new()),
        }
    }

    /// The decoded text of a text leaf: what mail-parser decoded, or, when it did not see text
    /// there, the raw body decoded.
    fn text(&self, content: PartType<'_>, body: &Range<usize>, mime: &Mime) -> String {
        let charset = mime.param("charset");
        match content {
            PartType::Text(text) | PartType::Html(text)
                if is_base64(mime) && undecoded(&text, slice(self.raw, body)) =>
            {
                lenient_base64_text(slice(self.raw, body), charset)
            }
            PartType::Text(text) | PartType::Html(text) => text.into_owned(),
            PartType::Binary(bytes) | PartType::InlineBinary(bytes) => to_string(&bytes, charset),
            _ => {
                let raw = slice(self.raw, body);
                let decoded = transfer_decode(raw, mime.encoding.as_deref()).unwrap_or(raw.into());
                to_string(&decoded, charset)
            }
        }
    }

    /// The Content-* fields of a part. mail-parser's accessors, like its parser, read the last
    /// of repeated fields; so do the raw values.
    fn mime(&self, part: &MessagePart<'_>, in_digest: bool) -> Mime {
        let raw_text = |name: HeaderName<'static>| {
            raw_value(self.raw, self.base, &part.headers, name).filter(|v| !v.is_empty())
        };
        let token = |x: &str| !x.is_empty() && !x.contains(|c: char| c.is_whitespace());
        let content_type = part
            .content_type()
            .filter(|ct| token(ct.ctype()) && ct.subtype().is_some_and(token));
        let mut mime = Mime {
            encoding: part
                .content_transfer_encoding()
                .map(str::to_string)
                .filter(|e| !e.is_empty()),
            id: raw_text(HeaderName::ContentId),
            description: raw_text(HeaderName::ContentDescription),
            md5: raw_text(HeaderName::ContentMd5),
            disposition: part.content_disposition().map(|d| {
                let raw = raw_text(HeaderName::ContentDisposition).unwrap_or_default();
                params::structured(d, &raw)
            }),
            language: match part.content_language() {
                HeaderValue::Text(tag) => vec![tag.to_string()],
                HeaderValue::TextList(tags) => tags.iter().map(|t| t.to_string()).collect(),
                _ => Vec::new(),
            },
            location: part
                .content_location()
                .map(str::to_string)
                .filter(|l| !l.is_empty()),
            ..Mime::default()
        };
        match content_type {
            Some(ct) => {
                let raw = raw_text(HeaderName::ContentType).unwrap_or_default();
                mime.media_type = ct.ctype().to_ascii_lowercase();
                mime.subtype = ct.subtype().unwrap_or_default().to_ascii_lowercase();
                mime.params = params::params(ct, &raw);
            }
            // RFC 2046 §5.1.5: in a digest the default is message/rfc822.
            None if in_digest => {
                mime.media_type = "message".into();
                mime.subtype = "rfc822".into();
            }
            None => mime.set_text_plain(),
        }
        mime
    }
}

/// The raw value of the last field called `name`, unfolded.
fn raw_value(
    raw: &[u8],
    base: usize,
    headers: &[Header<'_>],
    name: HeaderName<'static>,
) -> Option<String> {
    let header = headers.iter().rev().find(|h| h.name == name)?;
    let range = base + header.offset_start as usize..base + header.offset_end as usize;
    Some(unfold(slice(raw, &range)))
}

/// The part a part number path names (RFC 9051 §6.4.5).
pub fn find<'a>(root: &'a Entity, numbers: &[NonZeroU32]) -> Option<&'a Entity> {
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

    /// RFC 9051 §6.4.5: `[n.TEXT]` of a message/rfc822 part is everything after the
    /// encapsulated message's header, a multipart's epilogue included.
    #[test]
    fn encapsulated_multipart_text_keeps_its_epilogue() {
        let raw: &[u8] = b"Content-Type: message/rfc822\r\n\r\nSubject: s\r\nContent-Type: multipart/digest; boundary=\"foo\"\r\n\r\nprologue\r\n--foo\r\n\r\nSubject: m1\r\n\r\nm1\r\n--foo--\r\n\r\nepilogue\r\n";
        let root = parse(raw);
        let part = find(&root, &n(&[1])).expect("1");
        let Kind::Message(message) = &part.kind else {
            panic!("message expected")
        };
        assert!(slice(raw, &message.body).starts_with(b"prologue\r\n"));
        assert!(slice(raw, &message.body).ends_with(b"--foo--\r\n\r\nepilogue\r\n"));
        assert_eq!(message.body.end, part.body.end);
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

    /// mail-parser parses a message/rfc822 part in place: its parts' offsets are into the whole
    /// message (adding the part's body offset to them would count it twice).
    #[test]
    fn nested_message_offsets_are_into_the_whole_message() {
        let message = MessageParser::default().parse(NESTED).unwrap();
        let outer = &message.parts[2];
        let PartType::Message(inner) = &outer.body else {
            panic!("message expected")
        };
        assert_eq!(inner.parts[0].offset_header, outer.offset_body);
        let at = |p: &MessagePart<'_>| &NESTED[p.offset_body as usize..p.offset_end as usize];
        assert_eq!(at(&inner.parts[2]), b"<b>A</b>");
        let root = parse(NESTED);
        let part = find(&root, &n(&[2])).unwrap();
        let Kind::Message(inner) = &part.kind else {
            panic!("message expected")
        };
        assert_eq!(inner.header.start, part.body.start);
        assert_eq!(inner.body.end, part.body.end);
        assert_eq!(
            header::text(&inner.fields(NESTED), "Subject").unwrap(),
            "inner"
        );
    }

    /// A transfer-encoded message/rfc822 part: mail-parser parses the decoded bytes, offsets
    /// relative to them; the entity is the raw body parsed again, offsets shifted.
    #[test]
    fn encoded_message_part_is_parsed_from_its_raw_body() {
        let raw: &[u8] = b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\nU3ViamVjdDogaGkNCg0KYm9keQ==\r\n--b--\r\n";
        let message = MessageParser::default().parse(raw).unwrap();
        let PartType::Message(inner) = &message.parts[1].body else {
            panic!("message expected")
        };
        assert_eq!(inner.parts[0].offset_header, 0);
        assert_eq!(inner.subject(), Some("hi"));
        let root = parse(raw);
        let part = find(&root, &n(&[1])).unwrap();
        assert_eq!(slice(raw, &part.body), b"U3ViamVjdDogaGkNCg0KYm9keQ==");
        let Kind::Message(inner) = &part.kind else {
            panic!("message expected")
        };
        assert_eq!(inner.header, part.body.clone());
        assert_eq!(inner.body, part.body.end..part.body.end);
    }

    /// mail-parser ends a part where `--boundary` starts, also inside a line; a part that ends
    /// with a line break loses it to the delimiter (RFC 2046 §5.1.1).
    #[test]
    fn part_ending_without_line_break_before_the_boundary() {
        let raw: &[u8] = b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nno break--b\r\nContent-Type: text/html\r\n\r\nsecond\r\n\r\n--b--\r\n";
        let root = parse(raw);
        let Kind::Multipart(parts) = &root.kind else {
            panic!("multipart expected")
        };
        assert_eq!(parts.len(), 2);
        assert_eq!(slice(raw, &parts[0].body), b"no break");
        assert_eq!(slice(raw, &parts[1].body), b"second\r\n");
        assert_eq!(parts[1].mime.subtype, "html");
    }

    #[test]
    fn decoded_text_defaults_and_digests() {
        let raw: &[u8] = b"Content-Type: multipart/digest; boundary=d\r\n\r\n--d\r\n\r\nSubject: in digest\r\n\r\nx\r\n--d\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-ID:\r\n <a@b>\r\nContent-Description: =?utf-8?q?caf=C3=A9?=\r\nContent-Language: en, de\r\n\r\ncaf=E9\r\n--d--\r\n";
        let root = parse(raw);
        let digested = find(&root, &n(&[1])).unwrap();
        assert_eq!(digested.mime.media_type, "message");
        assert!(
            matches!(&digested.kind, Kind::Message(m) if header::text(&m.fields(raw), "Subject").as_deref() == Some("in digest"))
        );
        let text = find(&root, &n(&[2])).unwrap();
        assert_eq!(text.text.as_deref(), Some("café"));
        assert_eq!(text.mime.id.as_deref(), Some("<a@b>"));
        assert_eq!(
            text.mime.description.as_deref(),
            Some("=?utf-8?q?caf=C3=A9?=")
        );
        assert_eq!(text.mime.language, ["en", "de"]);
        assert_eq!(text.mime.encoding.as_deref(), Some("quoted-printable"));
        // Nothing mail-parser recognises as a header: all header, text/plain.
        for raw in [&b""[..], b"no colon here\r\n"] {
            let root = parse(raw);
            assert_eq!(
                (root.header.clone(), root.body.clone()),
                (0..raw.len(), raw.len()..raw.len())
            );
            assert_eq!(root.mime.param("charset"), Some("US-ASCII"));
        }
    }

    #[test]
    fn the_header_alone_is_the_header_of_the_whole() {
        let messages: [&[u8]; 6] = [
            NESTED,
            b"",
            b"\xff\xfe no header at all",
            b"no colon\r\n",
            b"Subject: x\r\nTo: y",
            b"\r\n\r\nbody",
        ];
        for raw in messages {
            let (whole, header) = (parse(raw), parse_header(raw));
            assert_eq!(header.header, whole.header, "{raw:?}");
            assert_eq!(header.body, whole.body, "{raw:?}");
            let names = |e: &Entity| -> Vec<Vec<u8>> {
                e.fields(raw).iter().map(|f| f.raw.to_vec()).collect()
            };
            assert_eq!(names(&header), names(&whole), "{raw:?}");
            assert_eq!(header.mime.subtype, whole.mime.subtype, "{raw:?}");
        }
    }

    #[test]
    fn base64_with_a_plain_footer_is_decoded_up_to_the_footer() {
        // "Gr\xfc\xdfe aus Wien" in ISO-8859-1, then a list's footer in plain text.
        let raw: &[u8] = b"Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: base64\r\n\r\nR3L832UgYXVzIFdpZW4=\r\n\r\n-- \r\nlist-footer mailing list\r\n";
        let root = parse(raw);
        let text = root.text.as_deref().unwrap_or_default();
        assert!(text.starts_with("Grüße aus Wien"), "{text:?}");
        assert!(text.contains("list-footer mailing list"), "{text:?}");
        assert!(!text.contains("R3L8"), "{text:?}");
        // Well-formed base64 is mail-parser's, as before.
        let raw: &[u8] =
            b"Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n";
        assert_eq!(parse(raw).text.as_deref(), Some("hello"));
    }

    #[test]
    fn deep_nesting_is_cut_without_overflowing() {
        let mut raw = Vec::new();
        for i in 0..1000 {
            raw.extend_from_slice(
                format!("Content-Type: multipart/mixed; boundary=b{i}\r\n\r\n--b{i}\r\n")
                    .as_bytes(),
            );
            raw.extend_from_slice(b"Content-Type: message/rfc822\r\n\r\n");
        }
        raw.extend_from_slice(b"Subject: deep\r\n\r\nbody\r\n");
        let root = parse(&raw);
        let mut depth = 0;
        let mut entity = &root;
        loop {
            entity = match &entity.kind {
                Kind::Multipart(children) => &children[0],
                Kind::Message(inner) => inner,
                Kind::Leaf => break,
            };
            depth += 1;
        }
        assert_eq!(depth, MAX_DEPTH);
        assert_eq!(entity.mime.media_type, "text");
    }
}
