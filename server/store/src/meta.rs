//! What the store extracts from a message once, at delivery, so that listing a mailbox, IMAP
//! FETCH ENVELOPE/BODYSTRUCTURE (RFC 9051 §7.5.2) and JMAP Email/get need not re-parse the body.

use mail_parser::{Address, HeaderValue, MessageParser, MessagePart, MimeHeaders, PartType};
use serde::{Deserialize, Serialize};

/// Bumped whenever the layout below changes, so old rows can be re-extracted.
pub const META_VERSION: u8 = 1;

/// Extracted metadata of one message.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct MessageMeta {
    pub v: u8,
    pub envelope: Envelope,
    pub structure: BodyPart,
    /// The start of the first text part, for previews (RFC 8970, JMAP Email/preview).
    pub preview: String,
    pub has_attachment: bool,
    /// Message-IDs this one refers to (In-Reply-To, References), without angle brackets: at
    /// most [`MAX_REFERENCES`] of References, its first and its last.
    pub references: Vec<String>,
}

/// The most entries of References kept for threading. A References field of 500,000 ids must
/// not cost 500,000 rows per recipient; the thread root (the first) and the nearest ancestors
/// (the last) are what threading needs (RFC 5322 §3.6.4 trims the same way).
pub const MAX_REFERENCES: usize = 32;

fn bounded_references(mut ids: Vec<String>) -> Vec<String> {
    if ids.len() > MAX_REFERENCES {
        let tail = ids.len() - (MAX_REFERENCES - 1);
        ids.drain(1..tail);
    }
    ids
}

/// The fields of IMAP's ENVELOPE (RFC 9051 §7.5.2); string fields are raw header values.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Envelope {
    pub date: Option<String>,
    /// The Date header as unix seconds, when it parses.
    pub sent_at: Option<i64>,
    pub subject: Option<String>,
    pub from: Vec<EmailAddress>,
    pub sender: Vec<EmailAddress>,
    pub reply_to: Vec<EmailAddress>,
    pub to: Vec<EmailAddress>,
    pub cc: Vec<EmailAddress>,
    pub bcc: Vec<EmailAddress>,
    pub in_reply_to: Option<String>,
    pub message_id: Option<String>,
}

/// One address of an address header (display name decoded).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct EmailAddress {
    pub name: Option<String>,
    pub address: Option<String>,
}

/// One MIME part (RFC 2045/2046) with byte offsets into the stored message.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct BodyPart {
    pub content_type: String,
    pub subtype: String,
    pub params: Vec<(String, String)>,
    pub id: Option<String>,
    pub description: Option<String>,
    pub encoding: Option<String>,
    pub disposition: Option<String>,
    pub disposition_params: Vec<(String, String)>,
    pub language: Vec<String>,
    pub location: Option<String>,
    pub header_offset: u32,
    pub body_offset: u32,
    pub end_offset: u32,
    /// Lines in the body (text parts, RFC 9051 §7.5.2 body-fld-lines).
    pub lines: u32,
    /// Children of a multipart, or the root part of an attached message/rfc822.
    pub parts: Vec<BodyPart>,
}

impl MessageMeta {
    /// Extracts the metadata of a raw RFC 5322 message. Never fails: a message that does not
    /// parse gets a plain text/plain structure spanning all its bytes.
    pub fn extract(raw: &[u8]) -> MessageMeta {
        let Some(message) = MessageParser::default().parse(raw) else {
            return MessageMeta {
                v: META_VERSION,
                structure: BodyPart {
                    content_type: "text".into(),
                    subtype: "plain".into(),
                    end_offset: raw.len() as u32,
                    lines: count_lines(raw),
                    ..BodyPart::default()
                },
                ..MessageMeta::default()
            };
        };
        let raw_header = |name: &str| {
            message
                .header_raw(name)
                .map(|v| unfold(v.trim()).to_string())
        };
        let envelope = Envelope {
            date: raw_header("Date"),
            sent_at: message.date().map(|d| d.to_timestamp()),
            subject: raw_header("Subject"),
            from: addresses(message.from()),
            sender: addresses(message.sender()),
            reply_to: addresses(message.reply_to()),
            to: addresses(message.to()),
            cc: addresses(message.cc()),
            bcc: addresses(message.bcc()),
            in_reply_to: raw_header("In-Reply-To"),
            message_id: raw_header("Message-ID"),
        };
        let mut references = ids(message.in_reply_to());
        references.extend(bounded_references(ids(message.references())));
        references.dedup();
        MessageMeta {
            v: META_VERSION,
            envelope,
            structure: part_tree(&message, 0, 0, raw),
            preview: message
                .body_preview(256)
                .map(|p| p.into_owned())
                .unwrap_or_default(),
            has_attachment: message.attachment_count() > 0,
            references,
        }
    }

    /// The message's own Message-ID, without angle brackets.
    pub fn message_id(&self) -> Option<String> {
        let id = self.envelope.message_id.as_deref()?;
        let id = id.trim().trim_start_matches('<').trim_end_matches('>');
        (!id.is_empty()).then(|| id.to_string())
    }
}

fn unfold(value: &str) -> std::borrow::Cow<'_, str> {
    if value.contains(['\r', '\n']) {
        value.replace("\r\n", "").replace('\n', "").into()
    } else {
        value.into()
    }
}

fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    match value {
        HeaderValue::Text(id) => vec![id.to_string()],
        HeaderValue::TextList(list) => list.iter().map(|id| id.to_string()).collect(),
        _ => Vec::new(),
    }
}

fn addresses(address: Option<&Address<'_>>) -> Vec<EmailAddress> {
    let convert = |a: &mail_parser::Addr<'_>| EmailAddress {
        name: a.name.as_ref().map(|n| n.to_string()),
        address: a.address.as_ref().map(|n| n.to_string()),
    };
    match address {
        Some(Address::List(list)) => list.iter().map(convert).collect(),
        Some(Address::Group(groups)) => groups
            .iter()
            .flat_map(|g| g.addresses.iter().map(convert))
            .collect(),
        None => Vec::new(),
    }
}

/// Lines of a body: its line feeds, plus a last line without one (the CRLF before a multipart
/// boundary belongs to the boundary, RFC 2046 §5.1.1).
fn count_lines(bytes: &[u8]) -> u32 {
    let feeds = bytes.iter().filter(|&&b| b == b'\n').count() as u32;
    feeds + u32::from(bytes.last().is_some_and(|&b| b != b'\n'))
}

/// Builds the part tree; `base` shifts offsets of parts of an attached message to the outer one.
fn part_tree(message: &mail_parser::Message<'_>, index: usize, base: u32, raw: &[u8]) -> BodyPart {
    let Some(part) = message.parts.get(index) else {
        return BodyPart::default();
    };
    let mut node = describe(part, base, raw);
    match &part.body {
        PartType::Multipart(children) => {
            node.parts = children
                .iter()
                .map(|&child| part_tree(message, child as usize, base, raw))
                .collect();
        }
        PartType::Message(inner) => {
            // mail-parser's offsets of an attached message are already absolute (when the part
            // has no transfer encoding), so the base does not move.
            node.parts = vec![part_tree(inner, 0, base, raw)];
        }
        _ => {}
    }
    node
}

fn describe(part: &MessagePart<'_>, base: u32, raw: &[u8]) -> BodyPart {
    let (content_type, subtype, params) = match part.content_type() {
        Some(ct) => (
            ct.c_type.to_ascii_lowercase(),
            ct.c_subtype
                .as_deref()
                .map(str::to_ascii_lowercase)
                .unwrap_or_default(),
            attributes(ct.attributes.as_deref()),
        ),
        None => default_type(part),
    };
    let (disposition, disposition_params) = match part.content_disposition() {
        Some(d) => (
            Some(d.c_type.to_ascii_lowercase()),
            attributes(d.attributes.as_deref()),
        ),
        None => (None, Vec::new()),
    };
    let (body_offset, end_offset) = (base + part.offset_body, base + part.offset_end);
    let body = raw
        .get(body_offset as usize..end_offset as usize)
        .unwrap_or_default();
    BodyPart {
        content_type,
        subtype,
        params,
        id: part.content_id().map(str::to_string),
        description: part.content_description().map(str::to_string),
        encoding: part
            .content_transfer_encoding()
            .map(str::to_ascii_lowercase),
        disposition,
        disposition_params,
        language: part
            .content_language()
            .as_text_list()
            .map(|l| l.iter().map(|s| s.to_string()).collect())
            .or_else(|| {
                part.content_language()
                    .as_text()
                    .map(|s| vec![s.to_string()])
            })
            .unwrap_or_default(),
        location: part.content_location().map(str::to_string),
        header_offset: base + part.offset_header,
        body_offset,
        end_offset,
        lines: count_lines(body),
        parts: Vec::new(),
    }
}

fn attributes(attrs: Option<&[mail_parser::Attribute<'_>]>) -> Vec<(String, String)> {
    attrs
        .unwrap_or_default()
        .iter()
        .map(|a| (a.name.to_ascii_lowercase(), a.value.to_string()))
        .collect()
}

/// RFC 2045 §5.2 default, and message/rfc822 for parts mail-parser recognised as messages.
fn default_type(part: &MessagePart<'_>) -> (String, String, Vec<(String, String)>) {
    match part.body {
        PartType::Message(_) => ("message".into(), "rfc822".into(), Vec::new()),
        PartType::Multipart(_) => ("multipart".into(), "mixed".into(), Vec::new()),
        _ => (
            "text".into(),
            "plain".into(),
            vec![("charset".into(), "us-ascii".into())],
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MULTIPART: &[u8] = b"From: Alice <alice@example.com>\r\n\
To: bob@example.com, Carol <carol@example.com>\r\n\
Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n\
Message-ID: <m1@example.com>\r\n\
In-Reply-To: <m0@example.com>\r\n\
Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b1\"\r\n\
\r\n\
--b1\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
Hello Bob,\r\nsee attached.\r\n\
--b1\r\n\
Content-Type: application/pdf; name=\"a.pdf\"\r\n\
Content-Disposition: attachment; filename=\"a.pdf\"\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
JVBERi0=\r\n\
--b1--\r\n";

    #[test]
    fn references_are_bounded_to_the_first_and_the_last() {
        let refs: Vec<String> = (0..1000).map(|i| format!("<r{i}@x>")).collect();
        let raw = format!(
            "Message-ID: <me@x>\r\nReferences: {}\r\nSubject: t\r\n\r\nbody\r\n",
            refs.join(" ")
        );
        let meta = MessageMeta::extract(raw.as_bytes());
        assert_eq!(meta.references.len(), MAX_REFERENCES);
        assert_eq!(meta.references[0], "r0@x");
        assert_eq!(
            meta.references[1],
            format!("r{}@x", 1000 - (MAX_REFERENCES - 1))
        );
        assert_eq!(meta.references.last().unwrap(), "r999@x");
    }

    #[test]
    fn extracts_envelope_structure_and_references() {
        let meta = MessageMeta::extract(MULTIPART);
        assert_eq!(
            meta.envelope.subject.as_deref(),
            Some("=?utf-8?q?Gr=C3=BC=C3=9Fe?=")
        );
        assert_eq!(meta.envelope.from[0].name.as_deref(), Some("Alice"));
        assert_eq!(meta.envelope.to.len(), 2);
        assert_eq!(meta.message_id().as_deref(), Some("m1@example.com"));
        assert_eq!(meta.references, vec!["m0@example.com".to_string()]);
        assert_eq!(meta.envelope.sent_at, Some(1795428000));
        assert_eq!(
            (
                meta.structure.content_type.as_str(),
                meta.structure.subtype.as_str()
            ),
            ("multipart", "mixed")
        );
        let [text, pdf] = &meta.structure.parts[..] else {
            panic!("two parts expected: {:?}", meta.structure)
        };
        assert_eq!(text.subtype, "plain");
        assert_eq!(text.lines, 2);
        let body = &MULTIPART[text.body_offset as usize..text.end_offset as usize];
        assert!(body.starts_with(b"Hello Bob"));
        assert_eq!(pdf.disposition.as_deref(), Some("attachment"));
        assert_eq!(pdf.encoding.as_deref(), Some("base64"));
        assert!(meta.has_attachment);
        assert!(meta.preview.starts_with("Hello Bob"));
    }

    #[test]
    fn attached_message_offsets_point_into_the_outer_message() {
        let raw = b"Subject: outer\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\
Content-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\ninner body\r\n--b--\r\n";
        let meta = MessageMeta::extract(raw);
        let attached = &meta.structure.parts[0];
        let inner = &attached.parts[0];
        let body = &raw[inner.body_offset as usize..inner.end_offset as usize];
        assert!(
            body.starts_with(b"inner body"),
            "{:?}",
            String::from_utf8_lossy(body)
        );
    }

    #[test]
    fn garbage_still_gets_a_structure() {
        let meta = MessageMeta::extract(b"\xff\xfe not a message");
        assert_eq!(meta.structure.content_type, "text");
        assert!(meta.structure.end_offset > 0);
    }
}
