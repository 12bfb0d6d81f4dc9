//! What is extracted from a message once, when it is stored, so that no reader parses it
//! again to list or describe it: the envelope, the body structure, the sent date, a preview,
//! whether it has attachments, and the IDs it refers to. The store keeps it as JSON
//! ([`MessageMeta::to_json`], with [`META_VERSION`]); IMAP renders FETCH ENVELOPE, BODY and
//! BODYSTRUCTURE from it, and JMAP's Email/get can. A message list reads the envelopes alone
//! ([`envelope_from_json`]): the rest of each row is skipped without being built.

use crate::bodies::Bodies;
use crate::date;
use crate::envelope::Envelope;
use crate::header;
use crate::keys::EmailKeys;
use crate::mime;
use crate::msgid::ids;
use crate::structure::BodyPart;
use crate::text::preview;
use serde::{Deserialize, Deserializer, Serialize};

/// The layout of [`MessageMeta`]; bumped whenever it changes. A row of another version does not
/// deserialize (so it is never read as this one): its message is parsed instead, and the store
/// extracts it again.
pub const META_VERSION: u8 = 2;

/// The most entries of References kept for threading. A References field of 500,000 ids must
/// not cost 500,000 rows per recipient; the thread root (the first) and the nearest ancestors
/// (the last) are what threading needs (RFC 5322 §3.6.4 trims the same way).
pub const MAX_REFERENCES: usize = 32;

/// Extracted metadata of one message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageMeta {
    /// [`META_VERSION`]; deserializing fails on any other.
    #[serde(deserialize_with = "current_version")]
    pub v: u8,
    pub envelope: Envelope,
    /// The Date header as unix seconds, when it is a date that exists (RFC 5322 §3.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<i64>,
    pub structure: BodyPart,
    /// The start of the main text, white space collapsed, at most 200 characters (IMAP
    /// PREVIEW, RFC 8970 §3; JMAP Email/preview, RFC 8621 §4.1.4).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub preview: String,
    /// Whether a part is offered for download (RFC 8621 §4.1.4 hasAttachment).
    #[serde(default)]
    pub has_attachment: bool,
    /// The message IDs this one refers to, without angle brackets (RFC 5256 §4 normalisation):
    /// In-Reply-To's, then at most [`MAX_REFERENCES`] of References, its first and its last;
    /// what the store threads by.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
}

fn current_version<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u8, D::Error> {
    let v = u8::deserialize(deserializer)?;
    if v == META_VERSION {
        Ok(v)
    } else {
        Err(serde::de::Error::custom(format_args!(
            "metadata of version {v}, not {META_VERSION}"
        )))
    }
}

impl MessageMeta {
    /// Extracts the metadata of a raw RFC 5322 message. Never fails: what does not parse is
    /// described as [`crate::mime`] describes it (a text/plain leaf).
    pub fn extract(raw: &[u8]) -> MessageMeta {
        MessageMeta::of(raw, &mime::parse(raw))
    }

    /// [`MessageMeta::extract`] and the message's search and sort keys ([`EmailKeys::extract`]),
    /// from one parse: what the store computes when a message arrives.
    pub fn extract_with_keys(raw: &[u8]) -> (MessageMeta, EmailKeys) {
        let root = mime::parse(raw);
        let keys = EmailKeys::of(&root.fields(raw));
        (MessageMeta::of(raw, &root), keys)
    }

    fn of(raw: &[u8], root: &mime::Entity) -> MessageMeta {
        let fields = root.fields(raw);
        let structure = BodyPart::of(raw, root);
        let text = |name| header::text(&fields, name).unwrap_or_default();
        let mut references = ids(&text("In-Reply-To"));
        references.extend(bounded(ids(&text("References"))));
        references.dedup();
        MessageMeta {
            v: META_VERSION,
            envelope: Envelope::of(&fields),
            sent_at: date::sent(&fields).map(|d| d.unix),
            has_attachment: Bodies::of(&structure).has_attachment(),
            preview: preview(raw, root),
            structure,
            references,
        }
    }

    /// The metadata as the store keeps it: JSON, `v` first.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Metadata the store kept; `None` when it is of another version or does not parse.
    pub fn from_json(json: &[u8]) -> Option<MessageMeta> {
        serde_json::from_slice(json).ok()
    }

    /// The message's own Message-ID, normalised as its references are.
    pub fn message_id(&self) -> Option<String> {
        ids(self.envelope.message_id.as_deref()?).into_iter().next()
    }
}

/// What a message list shows of the stored metadata (JMAP Email/get without body properties):
/// all of it but the body structure, which is skipped while reading, not built.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct MetaListing {
    #[serde(deserialize_with = "current_version")]
    pub v: u8,
    pub envelope: Envelope,
    #[serde(default)]
    pub sent_at: Option<i64>,
    #[serde(default)]
    pub preview: String,
    #[serde(default)]
    pub has_attachment: bool,
}

impl MetaListing {
    /// A stored row's listing; `None` when it is of another version or does not parse.
    pub fn from_json(json: &[u8]) -> Option<MetaListing> {
        serde_json::from_slice(json).ok()
    }
}

/// The envelope alone of metadata the store kept; `None` when it is of another version or does
/// not parse. Rows are written `v` first, then the envelope (the order of [`MessageMeta`]'s
/// fields): reading stops there, and the body structure and the rest are not even scanned.
pub fn envelope_from_json(json: &[u8]) -> Option<Envelope> {
    let mut envelope = None;
    let mut deserializer = serde_json::Deserializer::from_slice(json);
    // The visitor stops with an error once it holds the envelope (or finds another layout).
    let _ = serde::Deserializer::deserialize_map(&mut deserializer, Head(&mut envelope));
    envelope
}

/// Reads `"v"` and `"envelope"`, the first two entries of a stored row, into its slot.
struct Head<'a>(&'a mut Option<Envelope>);

impl<'de> serde::de::Visitor<'de> for Head<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("stored message metadata")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        use serde::de::Error;
        if map.next_key::<&str>()? != Some("v") || map.next_value::<u8>()? != META_VERSION {
            return Err(A::Error::custom("not metadata of this version"));
        }
        if map.next_key::<&str>()? != Some("envelope") {
            return Err(A::Error::custom("no envelope"));
        }
        *self.0 = Some(map.next_value()?);
        Err(A::Error::custom("the envelope is read; the rest is left"))
    }
}

fn bounded(mut ids: Vec<String>) -> Vec<String> {
    if ids.len() > MAX_REFERENCES {
        let tail = ids.len() - (MAX_REFERENCES - 1);
        ids.drain(1..tail);
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::structure::Content;

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
        assert_eq!(meta.envelope.to.as_ref().map(Vec::len), Some(2));
        assert_eq!(meta.message_id().as_deref(), Some("m1@example.com"));
        assert_eq!(meta.references, ["m0@example.com"]);
        assert_eq!(meta.sent_at, Some(1795428000));
        let s = &meta.structure;
        assert_eq!(
            (s.media_type.as_str(), s.subtype.as_str()),
            ("multipart", "mixed")
        );
        let Content::Multipart(parts) = &s.content else {
            panic!("two parts expected: {s:?}")
        };
        let [text, pdf] = &parts[..] else {
            panic!("two parts expected: {s:?}")
        };
        assert_eq!((text.subtype.as_str(), text.lines), ("plain", 2));
        assert!(MULTIPART[text.body_range()].starts_with(b"Hello Bob"));
        assert_eq!(pdf.name(), Some("a.pdf"));
        assert_eq!(pdf.encoding.as_deref(), Some("base64"));
        assert!(meta.has_attachment);
        assert_eq!(meta.preview, "Hello Bob, see attached.");
    }

    #[test]
    fn round_trips_through_json_and_refuses_other_versions() {
        let meta = MessageMeta::extract(MULTIPART);
        let json = meta.to_json();
        assert!(json.starts_with("{\"v\":2,"), "{json}");
        assert_eq!(MessageMeta::from_json(json.as_bytes()), Some(meta.clone()));
        assert_eq!(envelope_from_json(json.as_bytes()), Some(meta.envelope));
        let old = json.replacen("{\"v\":2,", "{\"v\":1,", 1);
        assert_eq!(MessageMeta::from_json(old.as_bytes()), None);
        assert_eq!(envelope_from_json(old.as_bytes()), None);
        assert_eq!(envelope_from_json(b"{\"v\":2}"), None);
        let partial = envelope_from_json(b"{\"v\":2,\"envelope\":{\"subject\":\"x\"}");
        assert_eq!(partial.and_then(|e| e.subject).as_deref(), Some("x"));
        let v1 = r#"{"v":1,"envelope":{"date":null,"sent_at":null,"subject":"x","from":[],"sender":[],"reply_to":[],"to":[],"cc":[],"bcc":[],"in_reply_to":null,"message_id":null},"structure":{"content_type":"text","subtype":"plain","params":[],"id":null,"description":null,"encoding":null,"disposition":null,"disposition_params":[],"language":[],"location":null,"header_offset":0,"body_offset":12,"end_offset":14,"lines":1,"parts":[]},"preview":"","has_attachment":false,"references":[]}"#;
        assert_eq!(MessageMeta::from_json(v1.as_bytes()), None);
        assert_eq!(envelope_from_json(v1.as_bytes()), None);
    }

    #[test]
    fn garbage_still_gets_a_structure() {
        let raw = b"\xff\xfe not a message";
        let meta = MessageMeta::extract(raw);
        assert_eq!(meta.structure.media_type, "text");
        assert_eq!(meta.structure.end, raw.len() as u64);
        assert_eq!(meta.envelope, Envelope::default());
    }
}
