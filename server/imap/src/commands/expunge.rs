//! EXPUNGE (RFC 9051 §6.4.3) and UID EXPUNGE (§6.4.9, RFC 4315 §2.1).
//!
//! The messages with `\Deleted` (as the store has them now, not as this session last saw them)
//! are removed in one transaction; the EXPUNGE or VANISHED responses then come from the change
//! log through the view, like everyone else's expunges. With QRESYNC the tagged OK carries the
//! new HIGHESTMODSEQ (RFC 7162 §3.2.7).

use crate::commands::refresh;
use crate::outcome::{Done, Outcome, Refusal};
use crate::session::Session;
use kantor_imap_proto::types::SeqList;
use kantor_imap_proto::{Code, SequenceSet};
use kantor_store::Flags;

pub(crate) async fn expunge(session: &mut Session, uids: Option<SequenceSet>) -> Outcome {
    let mail = session.store();
    let store = &mail;
    let selected = session
        .state
        .selected_mut()
        .ok_or_else(|| Refusal::bad("No mailbox selected"))?;
    // What the listing below shows must be announced with this command's result.
    selected.view.read_log_next();
    let view = &selected.view;
    if view.read_only {
        return Err(Refusal::no_code(Code::ReadOnly, "Mailbox is read-only"));
    }
    let wanted: Option<Box<dyn Fn(u32) -> bool + Send + Sync>> = match &uids {
        None => None,
        Some(SequenceSet::Set(list)) => {
            let list: SeqList = list.clone();
            let max = view.max_uid();
            Some(Box::new(move |uid| list.contains(uid, max)))
        }
        Some(SequenceSet::Saved) => {
            let saved = selected.saved.clone();
            Some(Box::new(move |uid| saved.contains(&uid)))
        }
    };
    let deleted: Vec<u32> = store
        .messages(view.mailbox_id)?
        .iter()
        .filter(|m| m.flags.contains(Flags::DELETED))
        .filter(|m| wanted.as_ref().is_none_or(|w| w(m.uid)))
        .map(|m| m.uid)
        .collect();
    let removed = if deleted.is_empty() {
        false
    } else {
        !store
            .expunge(view.account_id, view.mailbox_id, deleted)
            .await?
            .is_empty()
    };
    refresh(session).await;
    let highest = session.state.selected().map(|s| s.view.highest_modseq());
    match highest {
        Some(modseq) if removed && session.enabled.qresync => Ok(Done::with_code(
            Code::HighestModSeq(modseq),
            "EXPUNGE completed",
        )),
        _ => Ok(Done::new("EXPUNGE completed")),
    }
}
