//! FETCH and UID FETCH (RFC 9051 §6.4.5, §6.4.9) with CHANGEDSINCE and VANISHED (RFC 7162
//! §3.1.4.1, §3.2.6). The items themselves are rendered by `kantor-imap-message`; this module
//! picks the messages, reads their stored metadata a batch at a time when an item is answered
//! from it (ENVELOPE, BODY, BODYSTRUCTURE, PREVIEW), sets `\Seen` where a body is fetched
//! without PEEK, and adds the items the RFCs make implicit (UID for UID FETCH, MODSEQ with
//! CHANGEDSINCE or CONDSTORE, FLAGS when `\Seen` was just set).

use crate::outcome::{Done, Outcome, Refusal};
use crate::sequence;
use crate::session::{FLUSH_AT, Session};
use crate::view::Entry;
use kantor_imap_message::fetch::{FetchError, FetchOptions, read_metas};
use kantor_imap_proto::command::fetch::{Fetch, FetchAttribute};
use kantor_imap_proto::types::SeqList;
use kantor_imap_proto::{Code, Data, SequenceSet};
use kantor_store::{FlagChange, FlagOperation, Flags};
use std::collections::HashSet;
use std::num::NonZeroU32;

/// Messages whose stored metadata is read at once.
const META_BATCH: usize = 100;

pub(crate) async fn fetch(session: &mut Session, fetch: Fetch) -> Outcome {
    if fetch.vanished && !session.enabled.qresync {
        return Err(Refusal::bad("VANISHED needs ENABLE QRESYNC first"));
    }
    if fetch.changed_since.is_some() || fetch.attributes.contains(&FetchAttribute::ModSeq) {
        super::select::enable_condstore(session);
    }
    let mail = session.store();
    let store = &mail;
    let enabled = session.enabled;
    let options = FetchOptions {
        utf8: enabled.utf8_names(),
    };
    let selected = session
        .state
        .selected_mut()
        .ok_or_else(|| Refusal::bad("No mailbox selected"))?;
    let mut seqs = sequence::resolve(&selected.view, &fetch.set, fetch.uid, &selected.saved)?;
    if let Some(since) = fetch.changed_since {
        if fetch.vanished {
            let uids = vanished(store, &selected.view, &fetch.set, &selected.saved, since)?;
            if let Some(uids) = SeqList::from_numbers(uids) {
                session.out.data(Data::Vanished {
                    earlier: true,
                    uids,
                });
            }
        }
        seqs.retain(|&seq| {
            selected
                .view
                .get(seq)
                .is_some_and(|e| e.message.modseq > since)
        });
    }

    let mut attributes = fetch.attributes.clone();
    if fetch.uid && !attributes.contains(&FetchAttribute::Uid) {
        attributes.insert(0, FetchAttribute::Uid);
    }
    if fetch.changed_since.is_some() && !attributes.contains(&FetchAttribute::ModSeq) {
        attributes.push(FetchAttribute::ModSeq);
    }

    // RFC 9051 §6.4.5: BODY[...] without PEEK sets \Seen; the new flags are then reported
    // (with UID and MODSEQ under CONDSTORE, RFC 7162 §3.2.4).
    let mut seen_now = HashSet::new();
    if !selected.view.read_only && kantor_imap_message::fetch::sets_seen(&attributes) {
        let view = &selected.view;
        let unseen: Vec<u32> = seqs
            .iter()
            .filter_map(|&seq| view.get(seq))
            .filter(|e| !e.expunged && !e.message.flags.contains(Flags::SEEN))
            .map(|e| e.uid())
            .collect();
        if !unseen.is_empty() {
            let change = FlagChange {
                operation: FlagOperation::Add,
                flags: Flags::SEEN,
                keywords: Vec::new(),
                unchanged_since: None,
            };
            let result = store
                .set_flags(view.account_id, view.mailbox_id, unseen, change)
                .await?;
            for state in result.states.iter().filter(|s| s.changed) {
                selected
                    .view
                    .record_flags(state.uid, state.flags, &state.keywords, state.modseq);
                seen_now.extend(selected.view.seq_of(state.uid));
            }
        }
    }
    let mut with_flags = attributes.clone();
    for implied in [
        FetchAttribute::Flags,
        FetchAttribute::Uid,
        FetchAttribute::ModSeq,
    ] {
        let wanted = implied == FetchAttribute::Flags || enabled.condstore;
        if wanted && !with_flags.contains(&implied) {
            with_flags.push(implied);
        }
    }

    let (mut unknown_cte, mut gone) = (false, false);
    let need = kantor_imap_message::fetch::meta_need(&with_flags);
    for chunk in seqs.chunks(META_BATCH) {
        let view = &selected.view;
        let entries: Vec<(u32, &Entry)> = chunk
            .iter()
            .filter_map(|&seq| Some((seq, view.get(seq)?)))
            .collect();
        let ids: Vec<_> = entries.iter().map(|(_, e)| e.message.id).collect();
        let metas = read_metas(store, view.account_id, &ids, need)?;
        for (i, &(seq, entry)) in entries.iter().enumerate() {
            let attributes = if seen_now.contains(&seq) {
                &with_flags
            } else {
                &attributes
            };
            let meta = metas.get(i).and_then(Option::as_ref);
            let message = entry.at(seq);
            match kantor_imap_message::fetch::fetch(store, message, meta, attributes, options) {
                Ok(items) => {
                    if let Some(seq) = NonZeroU32::new(seq) {
                        session.out.data(Data::Fetch { seq, items });
                    }
                }
                Err(FetchError::UnknownCte) => unknown_cte = true,
                Err(_) if entry.expunged => gone = true,
                Err(FetchError::Store(e)) => return Err(e.into()),
            }
            session
                .out
                .spill(&mut session.conn, FLUSH_AT)
                .await
                .map_err(|e| Refusal::Fault(format!("write failed: {e}")))?;
        }
    }
    if unknown_cte {
        // RFC 3516 §4.2.
        return Err(Refusal::no_code(
            Code::UnknownCte,
            "Cannot decode a part's content-transfer-encoding",
        ));
    }
    if gone {
        // RFC 2180 §4.1.2, RFC 5530: another session expunged some of these messages.
        return Err(Refusal::no_code(
            Code::ExpungeIssued,
            "Some messages were expunged meanwhile",
        ));
    }
    Ok(Done::new("FETCH completed"))
}

/// The UIDs of the set that were expunged after `since` (RFC 7162 §3.2.6). `*` stands for the
/// mailbox's highest UID so far.
fn vanished(
    store: &kantor_store::Mail,
    view: &crate::view::MailboxView,
    set: &SequenceSet,
    saved: &[u32],
    since: u64,
) -> Result<Vec<u32>, Refusal> {
    let max = store
        .mailbox(view.mailbox_id)?
        .map_or(view.max_uid(), |m| m.uidnext.saturating_sub(1));
    match set {
        SequenceSet::Set(list) => {
            super::select::vanished_since(store, view, since, sequence::uid_filter(list, max))
        }
        SequenceSet::Saved => {
            super::select::vanished_since(store, view, since, |uid| saved.contains(&uid))
        }
    }
}
