//! Email/import (RFC 8621 §4.8): emails made of blobs the account uploaded (or already has),
//! filed in the mailboxes asked for with the keywords and `receivedAt` given; in an account
//! shared with the user, only into mailboxes where they hold `i` (`forbidden` otherwise). Each is an IMAP
//! APPEND into the first mailbox and a COPY into each other one, so IMAP and JMAP see one
//! email, and its keys and metadata are extracted as for any delivery.

use super::call::{Call, email_id, mailbox_id, number_of, store_error, thread_id, to_json};
use super::set::flags_and_keywords;
use kantor_jmap_proto::method::Arguments;
use kantor_jmap_proto::{Id, MethodError, SetError, SetErrorType};
use kantor_store::{
    AccountId, BlobHash, BlobRef, Flags, MailboxId, MailboxRights, NewMessage, Rights,
};
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;

pub(crate) async fn import(
    call: &Call<'_>,
    arguments: Map<String, Value>,
) -> Result<Value, MethodError> {
    let mut args = Arguments::new(arguments);
    let account_arg: Id = args.required("accountId")?;
    let if_in_state: Option<String> = args.optional("ifInState")?;
    let emails: Map<String, Value> = args.required("emails")?;
    args.finish()?;
    if emails.len() as u64 > call.limits.max_objects_in_set {
        return Err(MethodError::request_too_large(format!(
            "At most {} emails in one import.",
            call.limits.max_objects_in_set
        )));
    }
    let account = call.account(&account_arg)?;
    let old_state = call.state_unless_changed(account, if_in_state.as_deref())?;
    let mailboxes = Targets::of(call, account)?;
    let (mut created, mut not_created) = (Map::new(), Map::new());
    for (creation, email) in emails {
        match one(call, account, &email, &mailboxes).await {
            Ok(value) => {
                created.insert(creation, value);
            }
            Err(error) => {
                not_created.insert(creation, to_json(&error)?);
            }
        }
    }
    Ok(json!({
        "accountId": account_arg,
        "oldState": old_state,
        "newState": call.state(account)?,
        "created": if created.is_empty() { Value::Null } else { Value::Object(created) },
        "notCreated": if not_created.is_empty() { Value::Null } else { Value::Object(not_created) },
    }))
}

/// The mailboxes of an account an email may be filed in, with the user's rights on each.
pub(crate) struct Targets {
    mailboxes: BTreeSet<MailboxId>,
    rights: MailboxRights,
}

impl Targets {
    pub(crate) fn of(call: &Call<'_>, account: AccountId) -> Result<Targets, MethodError> {
        Ok(Targets {
            mailboxes: call
                .mail
                .mailboxes(account)
                .map_err(store_error)?
                .iter()
                .map(|m| m.id)
                .collect(),
            rights: call.mail.mailbox_rights(account).map_err(store_error)?,
        })
    }

    /// The mailboxes a `mailboxIds` value names (each of the account, set to true), in the
    /// order they are filed: `forbidden` unless the user may file into each (`i`, RFC 4314);
    /// one they may also read first, since each other one is a copy from it (IMAP COPY).
    pub(crate) fn parse(&self, value: Option<&Value>) -> Result<Vec<MailboxId>, SetError> {
        let mut targets: Vec<MailboxId> = match value {
            Some(Value::Object(ids)) if !ids.is_empty() => ids
                .iter()
                .map(|(id, set)| {
                    Id::new(id.as_str())
                        .ok()
                        .and_then(|id| number_of(&id, 'M'))
                        .filter(|n| self.mailboxes.contains(n) && set == &Value::Bool(true))
                })
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| invalid("mailboxIds", "Mailboxes of the account, set to true."))?,
            _ => return Err(invalid("mailboxIds", "At least one mailbox.")),
        };
        if let Some(&refused) = targets
            .iter()
            .find(|&&m| !self.rights.of(m).contains(Rights::INSERT))
        {
            return Err(
                SetError::new(SetErrorType::Forbidden).with_description(format!(
                    "You may not file emails into {} (no right i).",
                    mailbox_id(refused)
                )),
            );
        }
        let readable = |m: &MailboxId| self.rights.of(*m).contains(Rights::READ);
        match targets.iter().position(readable) {
            Some(first) => targets.swap(0, first),
            None if targets.len() > 1 => {
                return Err(SetError::new(SetErrorType::Forbidden).with_description(
                    "Filing one email into several mailboxes needs the right r on one of them.",
                ));
            }
            None => {}
        }
        Ok(targets)
    }
}

fn invalid(property: &str, why: &str) -> SetError {
    SetError::invalid_properties([property]).with_description(why)
}

async fn one(
    call: &Call<'_>,
    account: AccountId,
    email: &Value,
    mailboxes: &Targets,
) -> Result<Value, SetError> {
    let Value::Object(email) = email else {
        return Err(invalid("emails", "Each email to import is an object."));
    };
    if let Some(other) = email
        .keys()
        .find(|k| !["blobId", "mailboxIds", "keywords", "receivedAt"].contains(&k.as_str()))
    {
        return Err(invalid(other, "Not a property of an EmailImport."));
    }
    let blob = email
        .get("blobId")
        .and_then(Value::as_str)
        .and_then(BlobHash::parse)
        .ok_or_else(|| invalid("blobId", "A blobId from an upload or an email."))?;
    let known = call.mail.upload(account, &blob).ok().flatten().is_some()
        || call.mail.account_has_blob(account, &blob).unwrap_or(false);
    if !known {
        return Err(SetError::new(SetErrorType::BlobNotFound));
    }
    let targets = mailboxes.parse(email.get("mailboxIds"))?;
    let (flags, keywords) = match email.get("keywords") {
        None | Some(Value::Null) => Default::default(),
        Some(value) => flags_and_keywords(value)?,
    };
    let received_at = email
        .get("receivedAt")
        .map_or(Ok(None), super::call::parse_utc_date)
        .map_err(|()| invalid("receivedAt", "A UTCDate."))?
        .unwrap_or_else(|| chrono::Utc::now().timestamp());
    let raw = call
        .mail
        .read_blob(&blob)
        .map_err(|_| SetError::new(SetErrorType::BlobNotFound))?;
    file(call, account, raw, &targets, (flags, keywords), received_at).await
}

/// Files a message in `targets` (an APPEND into the first, a COPY into each other) with its
/// keywords and `receivedAt`; the created email's server-set properties (RFC 8621 §4.6, §4.8).
pub(crate) async fn file(
    call: &Call<'_>,
    account: AccountId,
    raw: Vec<u8>,
    targets: &[MailboxId],
    (flags, keywords): (Flags, Vec<String>),
    received_at: i64,
) -> Result<Value, SetError> {
    let size = raw.len() as u64;
    let blob = BlobHash::of(&raw);
    let refused = |e: kantor_store::StoreError| match e {
        kantor_store::StoreError::QuotaExceeded { .. } => SetError::new(SetErrorType::OverQuota),
        other => SetError::new(SetErrorType::Forbidden).with_description(other.to_string()),
    };
    let delivered = call
        .mail
        .append(vec![NewMessage {
            account_id: account,
            mailbox_id: targets[0],
            blob: BlobRef::new(raw),
            flags,
            keywords,
            internal_date: received_at,
        }])
        .await
        .map_err(refused)?;
    let first = delivered
        .first()
        .ok_or_else(|| SetError::new(SetErrorType::Forbidden))?;
    for &other in &targets[1..] {
        call.mail
            .copy_messages(account, targets[0], vec![first.uid], other)
            .await
            .map_err(refused)?;
    }
    let thread = call
        .mail
        .emails(account, &[first.message_id])
        .ok()
        .and_then(|r| r.into_iter().flatten().next())
        .map_or(first.message_id, |r| r.thread_id);
    Ok(json!({
        "id": email_id(first.message_id),
        "blobId": blob.to_string(),
        "threadId": thread_id(thread),
        "size": size,
    }))
}
