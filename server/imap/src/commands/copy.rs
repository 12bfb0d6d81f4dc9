//! COPY and MOVE, by number or UID (RFC 9051 §6.4.7-8, RFC 6851), with UIDPLUS's COPYUID (RFC
//! 4315 §3). A missing destination is `NO [TRYCREATE]`; quota is `NO [OVERQUOTA]`.
//!
//! MOVE answers `* OK [COPYUID ...]` first; the expunges of the moved messages then come from
//! the change log like any other (EXPUNGE, or VANISHED with QRESYNC), before the tagged OK
//! (RFC 6851 §4.3).

use crate::access;
use crate::outcome::{Done, Outcome, Refusal};
use crate::sequence;
use crate::session::Session;
use crate::view::MailboxView;
use kantor_imap_proto::command::selected::CopyMove;
use kantor_imap_proto::types::SeqList;
use kantor_imap_proto::{Code, Response, StatusKind};
use std::num::NonZeroU32;

pub(crate) async fn copy(session: &mut Session, command: CopyMove, moving: bool) -> Outcome {
    let utf8 = session.enabled.utf8_names();
    let mail = session.store();
    let store = &mail;
    let user = session
        .state
        .user()
        .map(|u| u.account_id)
        .ok_or_else(|| Refusal::bad("Not logged in"))?;
    let selected = session
        .state
        .selected_mut()
        .ok_or_else(|| Refusal::bad("No mailbox selected"))?;
    let view = &selected.view;
    if moving && view.read_only {
        return Err(Refusal::no_code(Code::ReadOnly, "Mailbox is read-only"));
    }
    let target = access::resolve(store, user, &command.mailbox, utf8)?;
    let Some(destination) = target.find(store)? else {
        return Err(Refusal::no_code(
            Code::TryCreate,
            "No such destination mailbox",
        ));
    };
    let view = &selected.view;
    let seqs = sequence::resolve(view, &command.set, command.uid, &selected.saved)?;
    let mut uids: Vec<u32> = seqs
        .iter()
        .filter_map(|&seq| view.get(seq))
        .filter(|e| !e.expunged)
        .map(|e| e.uid())
        .collect();
    let expunged_meanwhile = uids.len() < seqs.len();
    // In UID order, so the new UIDs come out in the same order and the two COPYUID sets match.
    uids.sort_unstable();
    let verb = if moving { "MOVE" } else { "COPY" };
    if moving {
        // Another session may have moved or expunged them a moment ago: say so with the result.
        selected.view.read_log_next();
    }
    let view = &selected.view;
    if uids.is_empty() {
        return nothing_left(verb, command.uid, expunged_meanwhile);
    }
    let pairs = if destination.account_id != view.account_id {
        // Between accounts (a shared mailbox and the user's own): filed anew in the other
        // account, then for MOVE expunged here; each step checked by the store.
        if moving {
            across::may_remove(store, view)?;
        }
        let pairs = across::copy(store, view, uids.clone(), &destination).await?;
        if moving {
            store
                .expunge(view.account_id, view.mailbox_id, uids)
                .await?;
        }
        pairs
    } else if moving {
        store
            .move_messages(view.account_id, view.mailbox_id, uids, destination.id)
            .await?
    } else {
        store
            .copy_messages(view.account_id, view.mailbox_id, uids, destination.id)
            .await?
    };
    let copy_uid = copy_uid(destination.uidvalidity, &pairs);
    if destination.id == selected.view.mailbox_id
        && let Some(notifier) = session.notify.as_mut()
    {
        // RFC 5465 §5.2: no MessageNew FETCH for the copies this client made.
        for &(_, uid) in &pairs {
            notifier.own_arrival(destination.id, uid);
        }
    }
    if moving {
        if let Some(code) = copy_uid {
            session
                .out
                .push(Response::status(None, StatusKind::Ok, Some(code), "Moved"));
        }
        return Ok(Done::new("MOVE completed"));
    }
    Ok(match copy_uid {
        Some(code) => Done::with_code(code, "COPY completed"),
        None => Done::new("COPY completed"),
    })
}

/// COPY and MOVE between two accounts' mailboxes.
mod across {
    use super::MailboxView;
    use crate::outcome::Refusal;
    use kantor_store::{BlobRef, Flags, Mail, Mailbox, NewMessage, Rights};

    /// Files a copy of each message in `destination` (APPEND's `i`, RFC 4314 §4); returns the
    /// (source, new) UID pairs.
    pub(super) async fn copy(
        store: &Mail,
        view: &MailboxView,
        uids: Vec<u32>,
        destination: &Mailbox,
    ) -> Result<Vec<(u32, u32)>, Refusal> {
        let summaries = store.message_summaries(view.mailbox_id, &uids)?;
        let mut messages = Vec::with_capacity(summaries.len());
        for summary in &summaries {
            messages.push(NewMessage {
                account_id: destination.account_id,
                mailbox_id: destination.id,
                blob: BlobRef::new(store.read_blob(&summary.blob)?),
                flags: summary.flags.without(Flags::DELETED),
                keywords: summary.keywords.clone(),
                internal_date: summary.internal_date,
            });
        }
        let delivered = store.append(messages).await?;
        Ok(summaries
            .iter()
            .zip(&delivered)
            .map(|(from, to)| (from.uid, to.uid))
            .collect())
    }

    /// Whether MOVE may remove the messages from the source: `t` and `e` there (RFC 4314 §4),
    /// asked before anything is copied.
    pub(super) fn may_remove(store: &Mail, view: &MailboxView) -> Result<(), Refusal> {
        let needed = Rights::DELETE_MESSAGES.union(Rights::EXPUNGE);
        match store.my_rights(view.mailbox_id)?.contains(needed) {
            true => Ok(()),
            false => Err(Refusal::no_code(
                kantor_imap_proto::Code::NoPerm,
                "No right to remove messages from this mailbox",
            )),
        }
    }
}

/// The answer when none of the messages named is left to copy or move. By UID, a message no
/// longer in the mailbox is ignored (RFC 9051 §6.4.9: a UID COPY may "return an OK without
/// performing any operations"), and its expunge is announced with the OK; by number, the client
/// named a message it still sees, and is told that another session expunged it (RFC 5530).
fn nothing_left(verb: &str, uid: bool, expunged_meanwhile: bool) -> Outcome {
    if expunged_meanwhile && !uid {
        return Err(Refusal::no_code(
            Code::ExpungeIssued,
            "The messages were expunged meanwhile",
        ));
    }
    Ok(Done::new(format!("{verb} completed (no messages)")))
}

/// `COPYUID uidvalidity source-uids dest-uids` (RFC 4315 §3), the two sets in matching order.
fn copy_uid(uid_validity: u32, pairs: &[(u32, u32)]) -> Option<Code> {
    Some(Code::CopyUid {
        uid_validity: NonZeroU32::new(uid_validity)?,
        source: SeqList::from_ordered(pairs.iter().map(|&(from, _)| from))?,
        dest: SeqList::from_ordered(pairs.iter().map(|&(_, to)| to))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_copy_of_messages_expunged_meanwhile_is_ok_by_number_it_is_expungeissued() {
        for verb in ["COPY", "MOVE"] {
            assert!(nothing_left(verb, true, true).is_ok(), "UID {verb}");
            assert!(
                nothing_left(verb, false, false).is_ok(),
                "{verb} of nothing"
            );
            let refusal = nothing_left(verb, false, true).unwrap_err();
            assert!(
                matches!(
                    refusal,
                    Refusal::No {
                        code: Some(Code::ExpungeIssued),
                        ..
                    }
                ),
                "{verb}: {refusal:?}"
            );
        }
    }
}
