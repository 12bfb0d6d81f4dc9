//! STORE and UID STORE (RFC 9051 §6.4.6) with UNCHANGEDSINCE (RFC 7162 §3.1.3).
//!
//! Every message of the set gets an untagged FETCH with its flags, unless `.SILENT`; under
//! CONDSTORE the FETCH carries UID and MODSEQ too, and with UNCHANGEDSINCE it is sent even when
//! silent, for the messages changed. Messages that failed the UNCHANGEDSINCE test are named in
//! `OK [MODIFIED ...]` and their current flags are sent unasked, so the client need not poll
//! (RFC 7162 §3.1.3, Example 10).

use crate::flags;
use crate::outcome::{Done, Outcome, Refusal};
use crate::sequence;
use crate::session::Session;
use kantor_imap_proto::command::store::{Store, StoreMode};
use kantor_imap_proto::response::fetch::FetchItem;
use kantor_imap_proto::types::SeqList;
use kantor_imap_proto::{Code, Data};
use kantor_store::{FlagChange, FlagOperation};
use std::num::NonZeroU32;

pub(crate) async fn store(session: &mut Session, store: Store) -> Outcome {
    if store.unchanged_since.is_some() {
        super::select::enable_condstore(session);
    }
    let (system, keywords) = flags::split(&store.flags).map_err(Refusal::bad)?;
    let mail = session.store();
    let enabled = session.enabled;
    let selected = session
        .state
        .selected_mut()
        .ok_or_else(|| Refusal::bad("No mailbox selected"))?;
    if selected.view.read_only {
        return Err(Refusal::no_code(Code::ReadOnly, "Mailbox is read-only"));
    }
    let seqs = sequence::resolve(&selected.view, &store.set, store.uid, &selected.saved)?;
    let view = &selected.view;
    let uids: Vec<u32> = seqs
        .iter()
        .filter_map(|&seq| view.get(seq))
        .filter(|e| !e.expunged)
        .map(|e| e.uid())
        .collect();
    let change = FlagChange {
        operation: match store.mode {
            StoreMode::Replace => FlagOperation::Replace,
            StoreMode::Add => FlagOperation::Add,
            StoreMode::Remove => FlagOperation::Remove,
        },
        flags: system,
        keywords,
        unchanged_since: store.unchanged_since,
    };
    let result = if uids.is_empty() {
        Default::default()
    } else {
        mail.set_flags(view.account_id, view.mailbox_id, uids, change)
            .await?
    };

    let mut new_keywords = false;
    for state in &result.states {
        new_keywords |= selected
            .view
            .record_flags(state.uid, state.flags, &state.keywords, state.modseq)
            .is_some();
    }
    if new_keywords {
        session.out.flags(&selected.view);
    }
    let view = &selected.view;
    for state in &result.states {
        let Some(seq) = view.seq_of(state.uid).and_then(NonZeroU32::new) else {
            continue;
        };
        let conditional = store.unchanged_since.is_some() && state.changed;
        if store.silent && !conditional {
            continue;
        }
        let mut items = Vec::new();
        if !store.silent {
            items.push(FetchItem::Flags(flags::fetch_flags(
                view.get(seq.get()).expect("seq_of gave it"),
            )));
        }
        if store.uid || enabled.condstore {
            items.extend(NonZeroU32::new(state.uid).map(FetchItem::Uid));
        }
        if enabled.condstore {
            items.push(FetchItem::ModSeq(state.modseq));
        }
        session.out.data(Data::Fetch { seq, items });
    }
    if result.modified.is_empty() {
        return Ok(Done::new("STORE completed"));
    }
    let named = result.modified.iter().filter_map(|&uid| {
        if store.uid {
            Some(uid)
        } else {
            view.seq_of(uid)
        }
    });
    let set =
        SeqList::from_numbers(named).ok_or_else(|| Refusal::Fault("empty MODIFIED".into()))?;
    Ok(Done::with_code(
        Code::Modified(set),
        "Conditional STORE failed",
    ))
}
