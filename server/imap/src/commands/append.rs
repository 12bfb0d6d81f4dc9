//! APPEND (RFC 9051 §6.3.12) with MULTIAPPEND (RFC 3502: all messages or none), literal8
//! (RFC 3516 §4.4) and UIDPLUS's APPENDUID (RFC 4315 §3). The literal's size was checked
//! against `imap.max_literal` (APPENDLIMIT, RFC 7889) before it was read. A missing mailbox is
//! `NO [TRYCREATE]`; quota is `NO [OVERQUOTA]` (RFC 9208 §4.3). An APPEND to the selected
//! mailbox is followed by EXISTS through the refresh every command ends with.

use crate::access;
use crate::flags;
use crate::outcome::{Done, Outcome, Refusal};
use crate::session::Session;
use kantor_imap_proto::Code;
use kantor_imap_proto::command::append::{Append, AppendData};
use kantor_imap_proto::types::SeqList;
use kantor_store::{BlobRef, NewMessage};
use std::num::NonZeroU32;

pub(crate) async fn append(session: &mut Session, append: Append) -> Outcome {
    let user = session
        .state
        .user()
        .ok_or_else(|| Refusal::bad("Not logged in"))?;
    let account_id = user.account_id;
    let target = access::resolve(account_id, &append.mailbox, session.enabled.utf8_names())?;
    let store = session.store();
    let Some(mailbox) = target.find(store)? else {
        return Err(Refusal::no_code(Code::TryCreate, "No such mailbox"));
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let mut messages = Vec::with_capacity(append.messages.len());
    for message in append.messages {
        let AppendData::Literal { bytes, .. } = message.data else {
            return Err(Refusal::bad("CATENATE is not supported"));
        };
        if bytes.is_empty() {
            return Err(Refusal::no("Cannot append an empty message"));
        }
        let (system, keywords) = flags::split(&message.flags).map_err(Refusal::bad)?;
        messages.push(NewMessage {
            account_id,
            mailbox_id: mailbox.id,
            blob: BlobRef::new(bytes),
            flags: system,
            keywords,
            internal_date: message.date.map_or(now, |d| d.unix()),
        });
    }
    let delivered = store.append(messages).await?;
    let selected = session.state.selected().map(|s| s.view.mailbox_id);
    if let Some(notifier) = session.notify.as_mut() {
        // RFC 5465 §5: not reported back to this client (STATUS, MessageNew's FETCH).
        for d in &delivered {
            notifier.own_write(d.modseq);
            if Some(d.mailbox_id) == selected {
                notifier.own_arrival(d.mailbox_id, d.uid);
            }
        }
    }
    let code = NonZeroU32::new(mailbox.uidvalidity)
        .zip(SeqList::from_ordered(delivered.iter().map(|d| d.uid)))
        .map(|(uid_validity, uids)| Code::AppendUid { uid_validity, uids });
    Ok(match code {
        Some(code) => Done::with_code(code, "APPEND completed"),
        None => Done::new("APPEND completed"),
    })
}
