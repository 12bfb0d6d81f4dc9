//! APPEND (RFC 9051 §6.3.12) with MULTIAPPEND (RFC 3502: all messages or none), literal8
//! (RFC 3516 §4.4), CATENATE (RFC 4469), the `UTF8 (literal8)` form of UTF8=ACCEPT (RFC 6855
//! §4) and UIDPLUS's APPENDUID (RFC 4315 §3).
//!
//! Each literal was checked against `imap.max_literal` (APPENDLIMIT, RFC 7889: per message)
//! and the whole command against `imap.max_command_size` before they were read; a message
//! CATENATE builds is checked against `imap.max_literal` as it grows (`NO [TOOBIG]`). A missing
//! mailbox is `NO [TRYCREATE]`; quota is `NO [OVERQUOTA]` (RFC 9208 §4.3); any failure of any
//! message fails them all, nothing stored. An APPEND to the selected mailbox is followed by
//! EXISTS through the refresh every command ends with.

mod catenate;
mod url;

use crate::access;
use crate::flags;
use crate::outcome::{Done, Outcome, Refusal};
use crate::session::Session;
use kantor_imap_proto::Code;
use kantor_imap_proto::command::append::{Append, AppendData, CatPart};
use kantor_imap_proto::types::SeqList;
use kantor_store::{BlobRef, NewMessage};
use std::num::NonZeroU32;

pub(crate) async fn append(session: &mut Session, append: Append) -> Outcome {
    let user = session
        .state
        .user()
        .ok_or_else(|| Refusal::bad("Not logged in"))?;
    let account_id = user.account_id;
    // RFC 6855 §4: the UTF8 data extension is for clients that enabled UTF8=ACCEPT.
    if append.messages.iter().any(|m| uses_utf8(&m.data)) && !session.enabled.utf8 {
        return Err(Refusal::bad(
            "APPEND UTF8 needs ENABLE UTF8=ACCEPT first (RFC 6855 section 4)",
        ));
    }
    // Flags first: a BAD for any message comes before any NO.
    let flags = append
        .messages
        .iter()
        .map(|m| flags::split(&m.flags).map_err(Refusal::bad))
        .collect::<Result<Vec<_>, _>>()?;
    let target = access::resolve(
        &session.store(),
        account_id,
        &append.mailbox,
        session.enabled.utf8_names(),
    )?;
    // Into another account's mailbox (RFC 4314 `i`): the message is that account's.
    let account_id = target.account_id;
    let Some(mailbox) = target.find(&session.store())? else {
        return Err(Refusal::no_code(Code::TryCreate, "No such mailbox"));
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let mut messages = Vec::with_capacity(append.messages.len());
    for (message, (system, keywords)) in append.messages.into_iter().zip(flags) {
        let bytes = match message.data {
            AppendData::Literal { bytes, .. } | AppendData::Utf8(bytes) => bytes,
            AppendData::Catenate(parts) => catenate::build(session, parts)?,
        };
        if bytes.is_empty() {
            return Err(Refusal::no("Cannot append an empty message"));
        }
        messages.push(NewMessage {
            account_id,
            mailbox_id: mailbox.id,
            blob: BlobRef::new(bytes),
            flags: system,
            keywords,
            internal_date: message.date.map_or(now, |d| d.unix()),
        });
    }
    let delivered = session.store().append(messages).await?;
    let selected = session.state.selected().map(|s| s.view.mailbox_id);
    if let Some(notifier) = session.notify.as_mut() {
        // RFC 5465 §5: not reported back to this client (STATUS, MessageNew's FETCH).
        for d in &delivered {
            notifier.own_write(account_id, d.modseq);
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

/// Whether a message is sent with `UTF8 (...)`, alone or as a CATENATE part.
fn uses_utf8(data: &AppendData) -> bool {
    match data {
        AppendData::Utf8(_) => true,
        AppendData::Catenate(parts) => parts.iter().any(|p| matches!(p, CatPart::Utf8(_))),
        AppendData::Literal { .. } => false,
    }
}
