//! The FETCH items answered from the metadata the store extracted when the message arrived
//! (kantor-message's `MessageMeta`), without reading or parsing the message: ENVELOPE, BODY,
//! BODYSTRUCTURE (RFC 9051 §7.5.2) and PREVIEW (RFC 8970). The session reads it for a batch of
//! messages at once ([`read_metas`]): the envelopes alone for a message list, all of it when a
//! structure or preview is asked for.

use crate::envelope;
use crate::structure;
use kantor_imap_proto::command::fetch::FetchAttribute;
use kantor_imap_proto::response::fetch::FetchItem;
use kantor_message::MessageMeta;
use kantor_message::envelope::Envelope;
use kantor_store::{AccountId, Mail, MessageId, StoreError};

/// A message's stored metadata, as much of it as was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredMeta {
    All(Box<MessageMeta>),
    Envelope(Box<Envelope>),
}

/// How much of the stored metadata a FETCH reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetaNeed {
    /// None of the items is answered from it.
    Nothing,
    /// ENVELOPE alone.
    Envelope,
    /// BODY, BODYSTRUCTURE or PREVIEW.
    All,
}

/// What `attributes` read of the stored metadata.
pub fn meta_need(attributes: &[FetchAttribute]) -> MetaNeed {
    use FetchAttribute as A;
    let need = |a: &FetchAttribute| match a {
        A::Envelope => MetaNeed::Envelope,
        A::Body | A::BodyStructure | A::Preview { .. } => MetaNeed::All,
        _ => MetaNeed::Nothing,
    };
    let needs: Vec<MetaNeed> = attributes.iter().map(need).collect();
    if needs.contains(&MetaNeed::All) {
        MetaNeed::All
    } else if needs.contains(&MetaNeed::Envelope) {
        MetaNeed::Envelope
    } else {
        MetaNeed::Nothing
    }
}

/// The stored metadata of these emails of `account`, as much as `need` says, in one read;
/// `None` where there is none of the current version (the message is then parsed).
pub fn read_metas(
    store: &Mail,
    account: AccountId,
    ids: &[MessageId],
    need: MetaNeed,
) -> Result<Vec<Option<StoredMeta>>, StoreError> {
    Ok(match need {
        MetaNeed::Nothing => Vec::new(),
        MetaNeed::Envelope => (store.message_envelopes(account, ids)?.into_iter())
            .map(|e| e.map(|e| StoredMeta::Envelope(Box::new(e))))
            .collect(),
        MetaNeed::All => (store.message_metas(account, ids)?.into_iter())
            .map(|m| m.map(|m| StoredMeta::All(Box::new(m))))
            .collect(),
    })
}

/// Whether `meta` answers `attribute`.
pub(crate) fn answers(meta: &StoredMeta, attribute: &FetchAttribute) -> bool {
    use FetchAttribute as A;
    matches!(
        (meta, attribute),
        (_, A::Envelope)
            | (
                StoredMeta::All(_),
                A::Body | A::BodyStructure | A::Preview { .. }
            )
    )
}

/// `attribute` from the stored metadata, when it answers it.
pub(crate) fn item(attribute: &FetchAttribute, meta: &StoredMeta, utf8: bool) -> Option<FetchItem> {
    use FetchAttribute as A;
    let all = match meta {
        StoredMeta::All(all) => all,
        StoredMeta::Envelope(e) => {
            return matches!(attribute, A::Envelope)
                .then(|| FetchItem::Envelope(Box::new(envelope::render(e, utf8))));
        }
    };
    Some(match attribute {
        A::Envelope => FetchItem::Envelope(Box::new(envelope::render(&all.envelope, utf8))),
        A::Body => FetchItem::Body(Box::new(structure::render(&all.structure, utf8))),
        A::BodyStructure => {
            FetchItem::BodyStructure(Box::new(structure::render(&all.structure, utf8)))
        }
        A::Preview { .. } => FetchItem::Preview(Some(all.preview.clone())),
        _ => return None,
    })
}
