//! The body structure of a message as it is kept and shown: every MIME entity with its
//! Content-* fields, byte ranges and sizes, multiparts with their parts, message/rfc822 and
//! message/global parts with the envelope and structure of the message they hold. It holds what
//! IMAP's BODY and BODYSTRUCTURE (RFC 9051 §7.5.2, extension data included) and JMAP's
//! EmailBodyPart (RFC 8621 §4.1.4) show, and is what the store keeps of each message
//! ([`crate::meta`]), so protocols render it without parsing the message again.
//!
//! Values are as [`crate::mime`] gives them: media types, subtypes and parameter names in lower
//! case, parameter values RFC 2231-decoded, Content-ID and Content-Description as written, and
//! the RFC 2045 §5.2 defaults where a part has no usable Content-Type. Part numbers are IMAP's
//! (RFC 9051 §6.4.5, [`BodyPart::find`]); JMAP can use them as partIds.

use crate::decode::{count_lines, transfer_decode};
use crate::envelope::Envelope;
use crate::mime::{Entity, Kind, slice};
use crate::params::Structured;
use serde::{Deserialize, Serialize};
use std::num::NonZeroU32;
use std::ops::Range;

/// One MIME entity: a message, or a part of one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BodyPart {
    /// The top-level media type, lower case (`text`).
    #[serde(rename = "type")]
    pub media_type: String,
    /// The subtype, lower case (`plain`).
    pub subtype: String,
    /// Content-Type parameters: names lower case, values decoded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<(String, String)>,
    /// Content-ID, as written (angle brackets included, RFC 2045 §7).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Content-Description, as written (encoded-words not decoded, RFC 2045 §8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Content-Transfer-Encoding, as written; `None` means 7bit (RFC 2045 §6.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    /// Content-MD5, as written (RFC 1864).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub md5: Option<String>,
    /// Content-Disposition: its value as written and its parameters (RFC 2183).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disposition: Option<Structured>,
    /// Content-Language tags (RFC 3282).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub language: Vec<String>,
    /// Content-Location (RFC 2557).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Where the entity's header starts in the message's bytes.
    pub start: u64,
    /// Where its body starts (the header, with the blank line that ends it, runs up to here).
    pub body: u64,
    /// Where its body ends.
    pub end: u64,
    /// Lines of the body, for text and message parts (RFC 9051 §7.5.2 body-fld-lines).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub lines: u64,
    /// Octets of the body once its transfer encoding is undone (JMAP's size, RFC 8621
    /// §4.1.4), for every part but multiparts; the body's size when the encoding is unknown.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub decoded_size: u64,
    /// What the body holds.
    #[serde(default, skip_serializing_if = "Content::is_leaf")]
    pub content: Content,
}

/// What a body holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Content {
    /// Content of its own.
    #[default]
    Leaf,
    /// The parts of a multipart.
    Multipart(Vec<BodyPart>),
    /// The message inside a message/rfc822 or message/global part.
    Message(Box<Encapsulated>),
}

/// A message held by a message part.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Encapsulated {
    pub envelope: Envelope,
    /// The message as an entity: its header and body, its own Content-* fields.
    pub root: BodyPart,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Content {
    fn is_leaf(&self) -> bool {
        matches!(self, Content::Leaf)
    }
}

impl BodyPart {
    /// The description of a parsed entity and everything inside it.
    pub fn of(raw: &[u8], entity: &Entity) -> BodyPart {
        let mime = &entity.mime;
        let body = slice(raw, &entity.body);
        let content = match &entity.kind {
            Kind::Leaf => Content::Leaf,
            Kind::Multipart(children) => {
                Content::Multipart(children.iter().map(|c| BodyPart::of(raw, c)).collect())
            }
            Kind::Message(inner) => Content::Message(Box::new(Encapsulated {
                envelope: Envelope::of(&inner.fields(raw)),
                root: BodyPart::of(raw, inner),
            })),
        };
        let text = matches!(entity.kind, Kind::Leaf) && mime.media_type == "text";
        let lines = if text || matches!(entity.kind, Kind::Message(_)) {
            count_lines(body)
        } else {
            0
        };
        let decoded_size = match entity.kind {
            Kind::Multipart(_) => 0,
            _ => transfer_decode(body, mime.encoding.as_deref()).map_or(body.len(), |d| d.len()),
        };
        let offset = |at: usize| at.min(raw.len()) as u64;
        BodyPart {
            media_type: mime.media_type.clone(),
            subtype: mime.subtype.clone(),
            params: mime.params.clone(),
            id: mime.id.clone(),
            description: mime.description.clone(),
            encoding: mime.encoding.clone(),
            md5: mime.md5.clone(),
            disposition: mime.disposition.clone(),
            language: mime.language.clone(),
            location: mime.location.clone(),
            start: offset(entity.header.start),
            body: offset(entity.body.start),
            end: offset(entity.body.start) + body.len() as u64,
            lines,
            decoded_size: decoded_size as u64,
            content,
        }
    }

    /// Where the header is in the message's bytes (the blank line that ends it included).
    pub fn header_range(&self) -> Range<usize> {
        self.start as usize..self.body as usize
    }

    /// Where the body is in the message's bytes.
    pub fn body_range(&self) -> Range<usize> {
        self.body as usize..self.end as usize
    }

    /// Octets of the body as stored (IMAP body-fld-octets).
    pub fn size(&self) -> u64 {
        self.end - self.body
    }

    /// A Content-Type parameter (names are case-insensitive, RFC 2045 §5.1).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The file name: Content-Disposition's `filename`, else Content-Type's `name`
    /// (RFC 8621 §4.1.4 `name`), parameter-decoded, encoded-words not decoded.
    pub fn name(&self) -> Option<&str> {
        let filename = self.disposition.as_ref().and_then(|d| {
            d.params
                .iter()
                .find(|(n, _)| n == "filename")
                .map(|(_, v)| v.as_str())
        });
        filename.or_else(|| self.param("name"))
    }

    /// The Content-ID without its angle brackets (RFC 8621 §4.1.4 `cid`).
    pub fn cid(&self) -> Option<&str> {
        let id = self.id.as_deref()?.trim();
        Some(
            id.strip_prefix('<')
                .unwrap_or(id)
                .strip_suffix('>')
                .unwrap_or(id),
        )
    }

    /// Whether the disposition says `attachment` (RFC 2183 §2.2).
    pub fn is_attachment(&self) -> bool {
        self.disposition
            .as_ref()
            .is_some_and(|d| d.value.eq_ignore_ascii_case("attachment"))
    }

    /// The part a part number path names (RFC 9051 §6.4.5): the parts of a multipart are
    /// numbered from 1, a message that is not multipart has only part 1 (its body), and the
    /// numbers after a message part's refer to the parts of the message it holds.
    pub fn find(&self, numbers: &[NonZeroU32]) -> Option<&BodyPart> {
        let (first, rest) = numbers.split_first()?;
        let mut part = self.in_message(*first)?;
        for &n in rest {
            part = match &part.content {
                Content::Multipart(children) => nth(children, n)?,
                Content::Message(inner) => inner.root.in_message(n)?,
                Content::Leaf => return None,
            };
        }
        Some(part)
    }

    /// Part `n` of a message: a child of its multipart body, or its only part.
    fn in_message(&self, n: NonZeroU32) -> Option<&BodyPart> {
        match &self.content {
            Content::Multipart(children) => nth(children, n),
            _ => (n.get() == 1).then_some(self),
        }
    }
}

fn nth(children: &[BodyPart], n: NonZeroU32) -> Option<&BodyPart> {
    children.get(usize::try_from(n.get() - 1).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mime::{self, parse};

    const NESTED: &[u8] = b"Content-Type: multipart/mixed; boundary=outer\r\n\r\n--outer\r\n\
Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\nSGVsbG8=\r\n\
--outer\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\nContent-Type: multipart/alternative; boundary=in\r\n\r\n\
--in\r\nContent-Type: text/plain\r\n\r\nA\r\n--in\r\nContent-Type: text/html\r\n\r\n<b>A</b>\r\n--in--\r\n\r\n\
--outer\r\nContent-Type: application/pdf; name=\"r.pdf\"\r\nContent-Disposition: attachment; filename*=utf-8''r%C3%A9.pdf\r\n\
Content-ID: <c@x>\r\n\r\n%PDF\r\n--outer--\r\n";

    fn n(path: &[u32]) -> Vec<NonZeroU32> {
        path.iter().filter_map(|&p| NonZeroU32::new(p)).collect()
    }

    #[test]
    fn describes_ranges_lines_sizes_and_nested_messages() {
        let root = parse(NESTED);
        let part = BodyPart::of(NESTED, &root);
        let text = part.find(&n(&[1])).unwrap();
        assert_eq!(&NESTED[text.body_range()], b"SGVsbG8=");
        assert_eq!((text.size(), text.decoded_size, text.lines), (8, 5, 1));
        assert_eq!(text.param("CHARSET"), Some("utf-8"));
        let message = part.find(&n(&[2])).unwrap();
        let Content::Message(inner) = &message.content else {
            panic!("message expected")
        };
        assert_eq!(inner.envelope.subject.as_deref(), Some("inner"));
        assert_eq!(inner.root.subtype, "alternative");
        assert!(message.lines > 0);
        let html = part.find(&n(&[2, 2])).unwrap();
        assert_eq!(&NESTED[html.body_range()], b"<b>A</b>");
        let pdf = part.find(&n(&[3])).unwrap();
        assert_eq!(pdf.name(), Some("ré.pdf"));
        assert_eq!(pdf.cid(), Some("c@x"));
        assert!(pdf.is_attachment());
        assert_eq!(pdf.lines, 0);
        assert!(part.find(&n(&[4])).is_none());
        assert!(part.find(&n(&[1, 1])).is_none());
        // The same parts the parsed tree numbers.
        for path in [&[1][..], &[2], &[2, 1], &[2, 2], &[3]] {
            let entity = mime::find(&root, &n(path)).unwrap();
            assert_eq!(
                part.find(&n(path)).unwrap().body_range(),
                entity.body,
                "{path:?}"
            );
        }
    }
}
