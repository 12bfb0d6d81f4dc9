//! STATUS (RFC 9051 §6.3.11) with SIZE and DELETED, RECENT (RFC 3501 §6.3.10: the messages no
//! read-write session has claimed as `\Recent` yet), HIGHESTMODSEQ (RFC 7162 §3.1.6, a CONDSTORE enabling command), APPENDLIMIT (RFC
//! 7889 §3), MAILBOXID (RFC 8474 §4.2) and DELETED-STORAGE (RFC 9208 §4.2.2).

use crate::access;
use crate::outcome::{Done, Outcome, Refusal};
use crate::session::Session;
use kantor_imap_proto::command::status::{Status, StatusItem};
use kantor_imap_proto::response::data::StatusValue;
use kantor_imap_proto::{Code, Data};
use kantor_store::{Flags, Mail};
use std::num::NonZeroU32;

pub(crate) fn status(session: &mut Session, status: Status) -> Outcome {
    let user = session
        .state
        .user()
        .ok_or_else(|| Refusal::bad("Not logged in"))?;
    let target = access::resolve(
        &session.store(),
        user.account_id,
        &status.mailbox,
        session.enabled.utf8_names(),
    )?;
    let Some(mailbox) = target.find(&session.store())? else {
        return Err(Refusal::no_code(Code::NonExistent, "No such mailbox"));
    };
    if status.items.contains(&StatusItem::HighestModSeq) {
        super::select::enable_condstore(session);
    }
    let items = values(
        &session.store(),
        &mailbox,
        &status.items,
        session.ctx.config.max_literal,
    )?;
    session.out.data(Data::Status {
        mailbox: target.display(),
        items,
    });
    Ok(Done::new("STATUS completed"))
}

/// The values asked for, in the order asked. `append_limit` is the largest message APPEND
/// accepts.
pub(crate) fn values(
    store: &Mail,
    mailbox: &kantor_store::Mailbox,
    items: &[StatusItem],
    append_limit: u64,
) -> Result<Vec<StatusValue>, Refusal> {
    let needs_scan = items
        .iter()
        .any(|i| matches!(i, StatusItem::Deleted | StatusItem::DeletedStorage));
    let (deleted, deleted_size) = if needs_scan {
        store
            .messages(mailbox.id)?
            .iter()
            .filter(|m| m.flags.contains(Flags::DELETED))
            .fold((0u32, 0u64), |(n, size), m| (n + 1, size + m.size))
    } else {
        (0, 0)
    };
    let recent = if items.contains(&StatusItem::Recent) {
        store.unclaimed_recent(mailbox.id)?
    } else {
        0
    };
    let one = NonZeroU32::MIN;
    Ok(items
        .iter()
        .map(|item| match item {
            StatusItem::Messages => StatusValue::Messages(mailbox.total),
            StatusItem::UidNext => {
                StatusValue::UidNext(NonZeroU32::new(mailbox.uidnext).unwrap_or(one))
            }
            StatusItem::UidValidity => {
                StatusValue::UidValidity(NonZeroU32::new(mailbox.uidvalidity).unwrap_or(one))
            }
            StatusItem::Unseen => StatusValue::Unseen(mailbox.unseen),
            StatusItem::Deleted => StatusValue::Deleted(deleted),
            StatusItem::Size => StatusValue::Size(mailbox.size),
            StatusItem::Recent => StatusValue::Recent(recent),
            StatusItem::HighestModSeq => StatusValue::HighestModSeq(mailbox.highest_modseq),
            StatusItem::AppendLimit => StatusValue::AppendLimit(Some(append_limit)),
            StatusItem::MailboxId => StatusValue::MailboxId(access::mailbox_object_id(mailbox.id)),
            // RFC 9208 §4.2.2: in the STORAGE resource's unit, KiB.
            StatusItem::DeletedStorage => StatusValue::DeletedStorage(deleted_size.div_ceil(1024)),
        })
        .collect())
}
