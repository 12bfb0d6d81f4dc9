//! FETCH data items (RFC 9051 §6.4.5, §7.5.2), with BINARY (RFC 3516), MODSEQ (RFC 7162
//! §3.1.4), PREVIEW (RFC 8970), SAVEDATE (RFC 8514) and EMAILID/THREADID (RFC 8474).
//!
//! FLAGS, UID, sizes, dates, MODSEQ and object ids come from the summary; ENVELOPE, BODY,
//! BODYSTRUCTURE and PREVIEW from the metadata the store extracted when the message arrived
//! (read for a batch of messages by the session: [`meta_need`], [`read_metas`]). The message's
//! bytes are read (once) only when an item needs them, or when the metadata is missing (not yet
//! extracted again after an upgrade): then ENVELOPE and the rest are rendered from the parsed
//! message, through the same kantor-message description, so both ways answer alike. The bytes
//! are parsed into the whole MIME tree only when an item needs more than the message's own
//! header (ENVELOPE, RFC822.*, BODY[], HEADER and TEXT sections of the message itself need only
//! that).

use crate::Message;
use crate::envelope::envelope;
use crate::section::{binary, partial, section};
use crate::stored::{answers, item};
use crate::structure::structure;
use kantor_imap_proto::command::fetch::{FetchAttribute, Section};
use kantor_imap_proto::datetime::DateTime;
use kantor_imap_proto::response::fetch::FetchItem;
use kantor_imap_proto::types::{Flag, FlagFetch, ObjectId};
use kantor_message::decode::UnknownCte;
use kantor_message::mime::{self, Entity, slice};
use kantor_message::text::preview;
use kantor_store::{Flags, MessageSummary, Store, StoreError};
use std::num::NonZeroU32;

/// How the session is configured for rendering.
#[derive(Debug, Clone, Copy, Default)]
pub struct FetchOptions {
    /// UTF8=ACCEPT is enabled (RFC 9755/6855): headers may go out as UTF-8.
    pub utf8: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// BINARY of a part whose Content-Transfer-Encoding is unknown (RFC 3516 §4.2: NO [UNKNOWN-CTE]).
    #[error("unknown content-transfer-encoding")]
    UnknownCte,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<UnknownCte> for FetchError {
    fn from(_: UnknownCte) -> Self {
        FetchError::UnknownCte
    }
}

/// A message's bytes and MIME structure (or only its header, see [`needs_tree`]).
struct Loaded {
    raw: Vec<u8>,
    root: Entity,
}

pub use crate::stored::{MetaNeed, StoredMeta, meta_need, read_metas};

/// The items of `* n FETCH (...)` for `message`, in the order asked; `meta` is the message's
/// stored metadata, when the caller read it (see [`meta_need`]).
pub fn fetch(
    store: &Store,
    message: Message<'_>,
    meta: Option<&StoredMeta>,
    attributes: &[FetchAttribute],
    options: FetchOptions,
) -> Result<Vec<FetchItem>, FetchError> {
    use FetchAttribute as A;
    let summary = message.summary;
    let from_bytes = |a: &&FetchAttribute| !meta.is_some_and(|m| answers(m, a));
    let loaded = if attributes.iter().filter(from_bytes).any(needs_content) {
        let raw = if attributes.iter().filter(from_bytes).all(header_only) {
            store.read_blob_header(&summary.blob)?
        } else {
            store.read_blob(&summary.blob)?
        };
        let root = if attributes.iter().filter(from_bytes).any(needs_tree) {
            mime::parse(&raw)
        } else {
            mime::parse_header(&raw)
        };
        Some(Loaded { raw, root })
    } else {
        None
    };
    let utf8 = options.utf8;
    let mut items = Vec::with_capacity(attributes.len());
    for attribute in attributes {
        if let Some(item) = meta.and_then(|m| item(attribute, m, utf8)) {
            items.push(item);
            continue;
        }
        let item = match (attribute, &loaded) {
            (A::Flags, _) => FetchItem::Flags(flags(summary, message.recent)),
            (A::Uid, _) => match NonZeroU32::new(summary.uid) {
                Some(uid) => FetchItem::Uid(uid),
                None => continue,
            },
            (A::Rfc822Size, _) => FetchItem::Rfc822Size(summary.size),
            (A::InternalDate, _) => match date_time(summary.internal_date) {
                Some(date) => FetchItem::InternalDate(date),
                None => continue,
            },
            (A::ModSeq, _) => FetchItem::ModSeq(summary.modseq),
            (A::SaveDate, _) => FetchItem::SaveDate(date_time(summary.saved_date)),
            (A::EmailId, _) => match email_id(summary) {
                Some(id) => FetchItem::EmailId(id),
                None => continue,
            },
            (A::ThreadId, _) => FetchItem::ThreadId(thread_id(summary)),
            (_, None) => continue,
            (A::Envelope, Some(l)) => {
                FetchItem::Envelope(Box::new(envelope(&l.raw, &l.root, utf8)))
            }
            (A::Body, Some(l)) => FetchItem::Body(Box::new(structure(&l.raw, &l.root, utf8))),
            (A::BodyStructure, Some(l)) => {
                FetchItem::BodyStructure(Box::new(structure(&l.raw, &l.root, utf8)))
            }
            (
                A::BodySection {
                    section: s,
                    partial: p,
                    ..
                },
                Some(l),
            ) => {
                let (origin, data) = partial(section(&l.raw, &l.root, s), *p);
                FetchItem::BodySection {
                    section: s.clone(),
                    origin,
                    data,
                }
            }
            (
                A::Binary {
                    part, partial: p, ..
                },
                Some(l),
            ) => {
                let (origin, data) = partial(binary(&l.raw, &l.root, part.as_ref())?, *p);
                FetchItem::Binary {
                    part: part.clone(),
                    origin,
                    data,
                }
            }
            (A::BinarySize { part }, Some(l)) => FetchItem::BinarySize {
                part: part.clone(),
                size: binary(&l.raw, &l.root, part.as_ref())?.map_or(0, |d| d.len() as u64),
            },
            (A::Rfc822, Some(l)) => FetchItem::Rfc822(Some(l.raw.clone())),
            (A::Rfc822Header, Some(l)) => {
                FetchItem::Rfc822Header(Some(slice(&l.raw, &l.root.header).to_vec()))
            }
            (A::Rfc822Text, Some(l)) => {
                FetchItem::Rfc822Text(Some(slice(&l.raw, &l.root.body).to_vec()))
            }
            (A::Preview { .. }, Some(l)) => FetchItem::Preview(Some(preview(&l.raw, &l.root))),
        };
        items.push(item);
    }
    Ok(items)
}

/// Whether fetching `attribute` needs the message's bytes.
fn needs_content(attribute: &FetchAttribute) -> bool {
    use FetchAttribute as A;
    !matches!(
        attribute,
        A::Flags
            | A::Uid
            | A::Rfc822Size
            | A::InternalDate
            | A::ModSeq
            | A::SaveDate
            | A::EmailId
            | A::ThreadId
    )
}

/// Whether `attribute` is answered from the message's own header alone (the usual FETCH of a
/// message list: ENVELOPE, `BODY.PEEK[HEADER.FIELDS (...)]`), so the body need not be read.
fn header_only(attribute: &FetchAttribute) -> bool {
    use FetchAttribute as A;
    match attribute {
        A::Envelope | A::Rfc822Header => true,
        A::BodySection {
            section: Section::Header(None) | Section::HeaderFields { part: None, .. },
            ..
        } => true,
        other => !needs_content(other),
    }
}

/// Whether fetching `attribute` needs the MIME tree, not only the message's own header.
fn needs_tree(attribute: &FetchAttribute) -> bool {
    use FetchAttribute as A;
    match attribute {
        A::Body
        | A::BodyStructure
        | A::Binary { .. }
        | A::BinarySize { .. }
        | A::Preview { .. } => true,
        A::BodySection { section, .. } => section.part().is_some(),
        _ => false,
    }
}

/// The octets of `BODY[section]` of a message's raw bytes, as FETCH returns them; the whole
/// message when `section` is `None`; `None` when the message has no such section. For the
/// parts an IMAP URL names (CATENATE, RFC 4469 §3 / RFC 5092 `;SECTION=`).
pub fn body_section(raw: &[u8], section: Option<&Section>) -> Option<Vec<u8>> {
    let Some(s) = section else {
        return Some(raw.to_vec());
    };
    let root = if s.part().is_some() {
        mime::parse(raw)
    } else {
        mime::parse_header(raw)
    };
    self::section(raw, &root, s)
}

/// Whether fetching these attributes sets `\Seen` (BODY[...] and BINARY[...] without .PEEK,
/// RFC822, RFC822.TEXT; RFC 9051 §6.4.5).
pub fn sets_seen(attributes: &[FetchAttribute]) -> bool {
    attributes.iter().any(|a| match a {
        FetchAttribute::BodySection { peek, .. } | FetchAttribute::Binary { peek, .. } => !peek,
        FetchAttribute::Rfc822 | FetchAttribute::Rfc822Text => true,
        _ => false,
    })
}

/// FLAGS: the system flags, then `\Recent` when the session has it (RFC 3501 §2.3.2), then the
/// keywords (RFC 9051 §2.3.2).
pub fn flags(summary: &MessageSummary, recent: bool) -> Vec<FlagFetch> {
    let system = [
        (Flags::SEEN, Flag::Seen),
        (Flags::ANSWERED, Flag::Answered),
        (Flags::FLAGGED, Flag::Flagged),
        (Flags::DELETED, Flag::Deleted),
        (Flags::DRAFT, Flag::Draft),
    ];
    let mut out: Vec<FlagFetch> = system
        .into_iter()
        .filter(|(bit, _)| summary.flags.contains(*bit))
        .map(|(_, flag)| FlagFetch::Flag(flag))
        .collect();
    if recent {
        out.push(FlagFetch::Recent);
    }
    out.extend(
        summary
            .keywords
            .iter()
            .filter_map(|k| Flag::keyword(k).ok())
            .map(FlagFetch::Flag),
    );
    out
}

/// EMAILID (RFC 8474 §5.1): `M` and the store's message id, stable for the message's life.
pub fn email_id(summary: &MessageSummary) -> Option<ObjectId> {
    ObjectId::new(format!("M{}", summary.id)).ok()
}

/// THREADID (RFC 8474 §5.2): `T` and the store's thread id.
pub fn thread_id(summary: &MessageSummary) -> Option<ObjectId> {
    ObjectId::new(format!("T{}", summary.thread_id)).ok()
}

/// A unix time as a `date-time` in UTC, clamped to the years IMAP can write (0 to 9999).
pub fn date_time(unix: i64) -> Option<DateTime> {
    const MIN: i64 = -62_167_219_200; // 0000-01-01T00:00:00Z
    const MAX: i64 = 253_402_300_799; // 9999-12-31T23:59:59Z
    DateTime::new(unix.clamp(MIN, MAX), 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kantor_imap_proto::command::fetch::Part;

    #[test]
    fn body_section_is_what_fetch_body_returns() {
        let raw = b"Subject: s\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nfirst\r\n--b\r\n\r\nsecond\r\n--b--\r\n";
        assert_eq!(body_section(raw, None).unwrap(), raw.to_vec());
        let header = body_section(raw, Some(&Section::Header(None))).unwrap();
        assert!(header.starts_with(b"Subject: s\r\n") && header.ends_with(b"b\r\n\r\n"));
        let one = Part::new(vec![NonZeroU32::MIN]);
        assert_eq!(
            body_section(raw, Some(&Section::Part(one.clone().unwrap()))).unwrap(),
            b"first"
        );
        assert_eq!(
            body_section(raw, Some(&Section::Mime(one.unwrap()))).unwrap(),
            b"Content-Type: text/plain\r\n\r\n"
        );
        let nine = Part::new(vec![NonZeroU32::new(9).unwrap()]).unwrap();
        assert_eq!(body_section(raw, Some(&Section::Part(nine))), None);
    }
}
