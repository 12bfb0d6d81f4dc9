//! SELECT and EXAMINE (RFC 9051 §6.3.2-3) with CONDSTORE and QRESYNC (RFC 7162 §3.1.8,
//! §3.2.5), UNSELECT (RFC 9051 §6.4.2) and CLOSE (§6.4.1).

use crate::access;
use crate::flags;
use crate::names::DELIMITER;
use crate::outcome::{Done, Outcome, Refusal};
use crate::session::Session;
use crate::session::state::Selected;
use crate::view::{MailboxView, RecentMode};
use kantor_imap_proto::command::mailbox::{QResync, Select};
use kantor_imap_proto::response::data::{ListAttribute, ListItem};
use kantor_imap_proto::response::fetch::FetchItem;
use kantor_imap_proto::types::SeqList;
use kantor_imap_proto::{Code, Data};
use kantor_store::changes::{ChangeKind, ObjectKind};
use kantor_store::{Flags, Mail, Rights};
use std::num::NonZeroU32;

/// Turns CONDSTORE on (RFC 7162 §3.1: a "CONDSTORE enabling command"). The first one with a
/// mailbox selected reports its HIGHESTMODSEQ.
pub(crate) fn enable_condstore(session: &mut Session) {
    if std::mem::replace(&mut session.enabled.condstore, true) {
        return;
    }
    if let Some(selected) = session.state.selected() {
        let modseq = selected.view.highest_modseq();
        session
            .out
            .untagged_ok(Code::HighestModSeq(modseq), "Highest mailbox mod-sequence");
    }
}

/// Leaves the selected mailbox, if any, with `* OK [CLOSED]` (RFC 9051 §6.3.2); returns its
/// view.
fn deselect_announced(session: &mut Session) -> Option<MailboxView> {
    let previous = session.state.deselect()?;
    session
        .out
        .untagged_ok(Code::Closed, "Previous mailbox is now closed");
    Some(previous.view)
}

/// Whether rights allow nothing but reading: SELECT then opens read-only (RFC 4314 §4: without
/// `s`, `w`, `i`, `t` and `e` a session can change nothing in the mailbox).
fn read_only_rights(rights: Rights) -> bool {
    [
        Rights::SEEN,
        Rights::WRITE,
        Rights::INSERT,
        Rights::DELETE_MESSAGES,
        Rights::EXPUNGE,
    ]
    .iter()
    .all(|r| !rights.contains(*r))
}

pub(crate) async fn select(session: &mut Session, select: Select, read_only: bool) -> Outcome {
    if select.qresync.is_some() && !session.enabled.qresync {
        // RFC 7162 §3.2.5: checked before anything else; the selection stays as it was.
        return Err(Refusal::bad("QRESYNC must be enabled first"));
    }
    let previous = deselect_announced(session);
    if select.condstore {
        session.enabled.condstore = true;
    }
    let user = session
        .state
        .user()
        .cloned()
        .ok_or_else(|| Refusal::bad("Not logged in"))?;
    let mail = session.store();
    let store = &mail;
    let target = access::resolve(
        store,
        user.account_id,
        &select.mailbox,
        session.enabled.utf8_names(),
    )?;
    let Some(mailbox) = target.find(store)? else {
        return Err(Refusal::no_code(Code::NonExistent, "No such mailbox"));
    };
    // RFC 4314 §4: SELECT and EXAMINE need `r`; with nothing to change, read-only.
    let rights = store.my_rights(mailbox.id)?;
    if !rights.contains(Rights::READ) {
        return Err(Refusal::no_code(
            Code::NoPerm,
            "No right to read this mailbox",
        ));
    }
    let read_only = read_only || read_only_rights(rights);
    let recent = match (session.enabled.rev2, read_only) {
        (true, _) => RecentMode::Off,
        // Claiming \Recent writes the mailbox: only with `s` (RFC 4314 §4).
        (false, true) => RecentMode::Peek,
        (false, false) if !rights.contains(Rights::SEEN) => RecentMode::Peek,
        (false, false) => RecentMode::Claim,
    };
    let mut view = match previous.filter(|v| v.mailbox_id == mailbox.id) {
        // Selected again (clients do, to resynchronise): the log brings it up to date.
        Some(previous) => previous.reopen(store, read_only, recent)?,
        None => MailboxView::open(store, mailbox.account_id, mailbox.id, read_only, recent)?
            .ok_or_else(|| Refusal::no_code(Code::NonExistent, "No such mailbox"))?,
    };
    view.settle_recent(store).await?;
    // Read after the view, so UIDNEXT is above every UID it holds.
    let mailbox = store.mailbox(mailbox.id)?.unwrap_or(mailbox);
    let name = target.display();
    describe(session, &view, &mailbox, &name);
    if let Some(qresync) = &select.qresync
        && qresync.uid_validity.get() == view.uidvalidity
    {
        resync(session, store, &view, &mailbox, qresync)?;
    }
    session.state.select(Selected {
        view,
        name,
        saved: Vec::new(),
        contexts: Default::default(),
    });
    Ok(if read_only {
        Done::with_code(Code::ReadOnly, "EXAMINE completed")
    } else {
        Done::with_code(Code::ReadWrite, "SELECT completed")
    })
}

/// The untagged responses every SELECT/EXAMINE sends (RFC 9051 §6.3.2, RFC 3501 §6.3.1 for
/// IMAP4rev1 clients, RFC 7162 §3.1.2.1, RFC 8474 §4.1).
fn describe(
    session: &mut Session,
    view: &MailboxView,
    mailbox: &kantor_store::Mailbox,
    name: &str,
) {
    let out = &mut session.out;
    let rev2 = session.enabled.rev2;
    out.data(Data::Exists(view.len()));
    if !rev2 {
        // RFC 9051 dropped \Recent; IMAP4rev1 clients get it (RFC 3501 §7.3.2).
        out.data(Data::Recent(view.recent_count()));
        let unseen = view
            .entries()
            .iter()
            .position(|e| !e.message.flags.contains(Flags::SEEN));
        if let Some(first) = unseen.and_then(|i| NonZeroU32::new(i as u32 + 1)) {
            out.untagged_ok(Code::Unseen(first), "First unseen message");
        }
    }
    if let Some(v) = NonZeroU32::new(view.uidvalidity) {
        out.untagged_ok(Code::UidValidity(v), "UIDs valid");
    }
    if let Some(next) = NonZeroU32::new(mailbox.uidnext.max(view.max_uid() + 1)) {
        out.untagged_ok(Code::UidNext(next), "Predicted next UID");
    }
    out.flags(view);
    if rev2 {
        out.data(Data::List(ListItem {
            attributes: list_attributes(mailbox),
            delimiter: Some(DELIMITER),
            mailbox: name.to_string(),
            child_info_subscribed: false,
            old_name: None,
        }));
    }
    if session.enabled.condstore {
        out.untagged_ok(
            Code::HighestModSeq(view.highest_modseq()),
            "Highest mailbox mod-sequence",
        );
    }
    out.untagged_ok(
        Code::MailboxId(access::mailbox_object_id(mailbox.id)),
        "Mailbox id",
    );
}

fn list_attributes(mailbox: &kantor_store::Mailbox) -> Vec<ListAttribute> {
    super::list::role_attribute(mailbox.role)
        .map(ListAttribute::SpecialUse)
        .into_iter()
        .collect()
}

/// RFC 7162 §3.2.5.1: what changed since the client's mod-sequence, for the UIDs it knows:
/// `VANISHED (EARLIER)` for the expunged, then FETCH (UID FLAGS MODSEQ) for the changed.
fn resync(
    session: &mut Session,
    store: &Mail,
    view: &MailboxView,
    mailbox: &kantor_store::Mailbox,
    qresync: &QResync,
) -> Result<(), Refusal> {
    let max_uid = mailbox.uidnext.saturating_sub(1);
    let known = |uid: u32| {
        qresync
            .known_uids
            .as_ref()
            .is_none_or(|set| set.contains(uid, max_uid))
    };
    let vanished = vanished_since(store, view, qresync.mod_seq, known)?;
    if let Some(uids) = SeqList::from_numbers(vanished) {
        session.out.data(Data::Vanished {
            earlier: true,
            uids,
        });
    }
    for (index, entry) in view.entries().iter().enumerate() {
        let message = &entry.message;
        if message.modseq <= qresync.mod_seq || !known(message.uid) {
            continue;
        }
        let (Some(seq), Some(uid)) = (
            NonZeroU32::new(index as u32 + 1),
            NonZeroU32::new(message.uid),
        ) else {
            continue;
        };
        session.out.data(Data::Fetch {
            seq,
            items: vec![
                FetchItem::Uid(uid),
                FetchItem::Flags(flags::fetch_flags(entry)),
                FetchItem::ModSeq(message.modseq),
            ],
        });
    }
    Ok(())
}

/// UIDs expunged from the view's mailbox after `since` (from the change log) that the view does
/// not hold and `wanted` accepts. Where the log was pruned past `since`, every UID below
/// UIDNEXT that the view does not hold: the full resynchronisation RFC 7162 §3.2.5.2 allows.
pub(crate) fn vanished_since(
    store: &Mail,
    view: &MailboxView,
    since: u64,
    wanted: impl Fn(u32) -> bool,
) -> Result<Vec<u32>, Refusal> {
    let log = match store.changes_since(view.account_id, since) {
        Err(kantor_store::StoreError::ChangesPruned { .. }) => {
            let uidnext = store
                .mailbox(view.mailbox_id)?
                .map_or(view.max_uid() + 1, |m| m.uidnext);
            return Ok((1..uidnext)
                .filter(|&uid| view.seq_of(uid).is_none() && wanted(uid))
                .collect());
        }
        log => log?,
    };
    Ok(log
        .iter()
        .filter(|c| {
            c.object == ObjectKind::Email
                && c.kind == ChangeKind::Destroyed
                && c.mailbox_id == Some(view.mailbox_id)
        })
        .filter_map(|c| c.uid)
        .filter(|&uid| view.seq_of(uid).is_none() && wanted(uid))
        .collect())
}

/// RFC 9051 §6.4.2: back to the authenticated state without expunging.
pub(crate) fn unselect(session: &mut Session) -> Outcome {
    session.state.deselect();
    Ok(Done::new("UNSELECT completed"))
}

/// RFC 9051 §6.4.1: expunges `\Deleted` messages silently (not when read-only), then leaves the
/// selected state. No untagged responses, and no HIGHESTMODSEQ (RFC 7162 §3.2.8).
pub(crate) async fn close(session: &mut Session) -> Outcome {
    let Some(selected) = session.state.deselect() else {
        return Ok(Done::new("CLOSE completed"));
    };
    let view = &selected.view;
    let store = session.store();
    // Without `e` (RFC 4314 §4), CLOSE only leaves the mailbox.
    let may_expunge = store
        .my_rights(view.mailbox_id)
        .is_ok_and(|r| r.contains(Rights::EXPUNGE));
    if !view.read_only && may_expunge {
        let deleted: Vec<u32> = store
            .messages(view.mailbox_id)?
            .iter()
            .filter(|m| m.flags.contains(Flags::DELETED))
            .map(|m| m.uid)
            .collect();
        if !deleted.is_empty() {
            store
                .expunge(view.account_id, view.mailbox_id, deleted)
                .await?;
        }
    }
    Ok(Done::new("CLOSE completed"))
}
