//! Email/set (RFC 8621 §4.6): creating, changing keywords and mailboxes, destroying.
//!
//! An update is a patch (RFC 8620 §5.3) of `keywords` and `mailboxIds`, whole or one entry at
//! a time (`keywords/$seen`); every other property of an email is immutable. It is carried out
//! with the operations IMAP uses, so both protocols see one change log: keywords as a flag
//! change (flags are the email's, whatever mailbox the change goes through), a mailbox added as
//! a MOVE or COPY (the email keeps its id), one taken away as an expunge of that copy.
//! Destroying takes the email out of every mailbox. Creating (drafts) is `create`'s; an update or
//! destroy may name an email created earlier in the request (`#creationId`).

use super::call::{Call, number_of, store_error, to_json};
use super::create::create;
use super::email::keywords;
use kantor_jmap_proto::method::{PatchObject, SetRequest, SetResponse};
use kantor_jmap_proto::{IdRef, MethodError, SetError, SetErrorType};
use kantor_store::{AccountId, EmailRecord, FlagChange, FlagOperation, Flags, MailboxId, Rights};
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// JMAP keywords that are IMAP system flags (RFC 8621 §4.1.1).
const SYSTEM: [(&str, Flags); 4] = [
    ("$seen", Flags::SEEN),
    ("$answered", Flags::ANSWERED),
    ("$flagged", Flags::FLAGGED),
    ("$draft", Flags::DRAFT),
];

pub(crate) async fn set(
    call: &Call<'_>,
    arguments: Map<String, Value>,
) -> Result<Value, MethodError> {
    let request = SetRequest::parse(arguments, call.limits)?;
    let account = call.account(&request.account_id)?;
    let old_state = call.state_unless_changed(account, request.if_in_state.as_deref())?;
    let mailboxes: BTreeSet<MailboxId> = call
        .mail
        .mailboxes(account)
        .map_err(store_error)?
        .iter()
        .map(|m| m.id)
        .collect();
    let mut outcome = Vec::new();
    for (creation, object) in request.create.unwrap_or_default() {
        outcome.push(match create(call, account, &mailboxes, &object).await {
            Ok(Value::Object(created)) => {
                if let Some(id) = created.get("id").and_then(Value::as_str) {
                    let id = kantor_jmap_proto::Id::new(id).expect("an email id is an Id");
                    call.created().insert(creation.clone(), id);
                }
                Outcome::Created(creation, created)
            }
            Ok(_) => Outcome::NotCreated(creation, SetError::new(SetErrorType::Forbidden)),
            Err(error) => Outcome::NotCreated(creation, error),
        });
    }
    for (id, patch) in request.update.unwrap_or_default() {
        let result = match email(call, account, &id) {
            Ok(record) => update(call, account, &record, &patch, &mailboxes).await,
            Err(error) => Err(error),
        };
        outcome.push(match result {
            Ok(()) => Outcome::Updated(id),
            Err(error) => Outcome::NotUpdated(id, error),
        });
    }
    for id in request.destroy.unwrap_or_default() {
        let result = match email(call, account, &id) {
            Ok(record) => destroy(call, account, &record).await,
            Err(error) => Err(error),
        };
        outcome.push(match result {
            Ok(()) => Outcome::Destroyed(id),
            Err(error) => Outcome::NotDestroyed(id, error),
        });
    }
    let mut response = SetResponse::new(request.account_id, Some(old_state), call.state(account)?);
    for result in outcome {
        match result {
            Outcome::Created(id, created) => response.add_created(id, created),
            Outcome::NotCreated(id, e) => response.add_not_created(id, e),
            Outcome::Updated(id) => {
                if let Some(id) = call.resolve(&id) {
                    response.add_updated(id, None);
                }
            }
            Outcome::NotUpdated(id, e) => response.add_not_updated(id, e),
            Outcome::Destroyed(id) => {
                if let Some(id) = call.resolve(&id) {
                    response.add_destroyed(id);
                }
            }
            Outcome::NotDestroyed(id, e) => response.add_not_destroyed(id, e),
        }
    }
    to_json(&response)
}

enum Outcome {
    Created(kantor_jmap_proto::Id, Map<String, Value>),
    NotCreated(kantor_jmap_proto::Id, SetError),
    Updated(IdRef),
    NotUpdated(IdRef, SetError),
    Destroyed(IdRef),
    NotDestroyed(IdRef, SetError),
}

/// The email an id names, if the account has it (and it is not destroyed).
fn email(call: &Call<'_>, account: AccountId, id: &IdRef) -> Result<EmailRecord, SetError> {
    let Some(id) = call.resolve(id) else {
        return Err(SetError::not_found().with_description("No email was created by that id."));
    };
    let number = number_of(&id, 'M').ok_or_else(SetError::not_found)?;
    let records = call
        .mail
        .emails(account, &[number])
        .map_err(|e| server_fail(&e.to_string()))?;
    records
        .into_iter()
        .flatten()
        .find(|r| !r.destroyed)
        .ok_or_else(SetError::not_found)
}

fn server_fail(what: &str) -> SetError {
    SetError::new(SetErrorType::Forbidden).with_description(format!("The store refused: {what}"))
}

async fn update(
    call: &Call<'_>,
    account: AccountId,
    record: &EmailRecord,
    patch: &PatchObject,
    mailboxes: &BTreeSet<MailboxId>,
) -> Result<(), SetError> {
    let immutable: Vec<String> = patch
        .properties()
        .into_iter()
        .filter(|p| p != "keywords" && p != "mailboxIds")
        .collect();
    if !immutable.is_empty() {
        return Err(SetError::invalid_properties(immutable)
            .with_description("Only keywords and mailboxIds of an email can change."));
    }
    let mut current = Map::new();
    current.insert("keywords".into(), Value::Object(keywords(record)));
    current.insert(
        "mailboxIds".into(),
        Value::Object(
            record
                .filed
                .iter()
                .map(|&(m, _)| (super::call::mailbox_id(m).to_string(), Value::Bool(true)))
                .collect(),
        ),
    );
    let mut target = current.clone();
    patch.apply(&mut target)?;
    if target["keywords"] != current["keywords"] {
        let wanted = keyword_set(&target["keywords"])?;
        set_keywords(call, account, record, &wanted).await?;
    }
    if target["mailboxIds"] != current["mailboxIds"] {
        let wanted = mailbox_set(&target["mailboxIds"], mailboxes)?;
        set_mailboxes(call, account, record, &wanted).await?;
    }
    Ok(())
}

/// The keywords of a patched `keywords` value: each a valid keyword (RFC 8621 §4.1.1: IMAP
/// atom characters) set to true, lower-cased.
fn keyword_set(value: &Value) -> Result<BTreeSet<String>, SetError> {
    let invalid = || SetError::invalid_properties(["keywords"]);
    let Value::Object(map) = value else {
        return Err(invalid());
    };
    let mut out = BTreeSet::new();
    for (keyword, set) in map {
        let valid = !keyword.is_empty()
            && keyword.len() <= 255
            && keyword
                .bytes()
                .all(|b| b.is_ascii_graphic() && !b"(){]%*\"\\".contains(&b));
        if set != &Value::Bool(true) || !valid {
            return Err(
                invalid().with_description(format!("{keyword:?} is not a keyword set to true."))
            );
        }
        out.insert(keyword.to_ascii_lowercase());
    }
    Ok(out)
}

/// Keywords as IMAP has them: the system flags, and the other keywords.
fn split<'a>(names: impl IntoIterator<Item = &'a String>) -> (Flags, Vec<String>) {
    let (mut flags, mut other) = (Flags::default(), Vec::new());
    for name in names {
        match SYSTEM.iter().find(|(k, _)| k == name) {
            Some((_, flag)) => flags = flags.with(*flag),
            None => other.push(name.clone()),
        }
    }
    (flags, other)
}

/// The IMAP flags and other keywords a JMAP `keywords` value stands for (Email/import).
pub(crate) fn flags_and_keywords(value: &Value) -> Result<(Flags, Vec<String>), SetError> {
    Ok(split(&keyword_set(value)?))
}

/// The mailboxes of a patched `mailboxIds` value: at least one, each of the account.
pub(crate) fn mailbox_set(
    value: &Value,
    mailboxes: &BTreeSet<MailboxId>,
) -> Result<BTreeSet<MailboxId>, SetError> {
    let invalid = || SetError::invalid_properties(["mailboxIds"]);
    let Value::Object(map) = value else {
        return Err(invalid());
    };
    let mut out = BTreeSet::new();
    for (id, set) in map {
        let number = kantor_jmap_proto::Id::new(id.as_str())
            .ok()
            .and_then(|id| number_of(&id, 'M'))
            .filter(|n| mailboxes.contains(n));
        match (number, set) {
            (Some(n), Value::Bool(true)) => {
                out.insert(n);
            }
            _ => return Err(invalid().with_description(format!("No mailbox {id} to file in."))),
        }
    }
    if out.is_empty() {
        return Err(invalid().with_description("An email is in at least one mailbox."));
    }
    Ok(out)
}

/// Adds and removes keywords so that the email has exactly `wanted` (`\Deleted`, IMAP's own, is
/// left as it is).
async fn set_keywords(
    call: &Call<'_>,
    account: AccountId,
    record: &EmailRecord,
    wanted: &BTreeSet<String>,
) -> Result<(), SetError> {
    let have: BTreeSet<String> = keywords(record).keys().cloned().collect();
    // RFC 4314 §4: `s` for $seen, `w` for every other keyword. Where IMAP's STORE leaves the
    // flags it may not change as they are, an Email/set is all or nothing: the change goes
    // through a mailbox of the email where the user holds every right it needs, or is
    // refused (the store checks again, in the change's transaction).
    let needed = wanted
        .symmetric_difference(&have)
        .fold(Rights::NONE, |needed, keyword| {
            needed.union(match keyword.as_str() {
                "$seen" => Rights::SEEN,
                _ => Rights::WRITE,
            })
        });
    let rights = call
        .mail
        .mailbox_rights(account)
        .map_err(|e| server_fail(&e.to_string()))?;
    let Some(&(mailbox, uid)) = record
        .filed
        .iter()
        .find(|(m, _)| rights.of(*m).contains(needed))
    else {
        return Err(match record.filed.is_empty() {
            true => SetError::not_found(),
            false => SetError::new(SetErrorType::Forbidden).with_description(format!(
                "Changing these keywords needs the rights \"{needed}\" on a mailbox of the email."
            )),
        });
    };
    let change = |operation, names: Vec<&String>| {
        let (flags, keywords) = split(names);
        FlagChange {
            operation,
            flags,
            keywords,
            unchanged_since: None,
        }
    };
    let added: Vec<&String> = wanted.difference(&have).collect();
    let removed: Vec<&String> = have.difference(wanted).collect();
    for (operation, names) in [
        (FlagOperation::Add, added),
        (FlagOperation::Remove, removed),
    ] {
        if names.is_empty() {
            continue;
        }
        call.mail
            .set_flags(account, mailbox, vec![uid], change(operation, names))
            .await
            .map_err(|e| server_fail(&e.to_string()))?;
    }
    Ok(())
}

/// Files the email in the mailboxes of `wanted` it is not in (moving it out of one it leaves,
/// so it keeps its id, else copying), then takes it out of those it is in and should not be.
async fn set_mailboxes(
    call: &Call<'_>,
    account: AccountId,
    record: &EmailRecord,
    wanted: &BTreeSet<MailboxId>,
) -> Result<(), SetError> {
    let fail = |e: kantor_store::StoreError| server_fail(&e.to_string());
    let mut filed: Vec<(MailboxId, u32)> = record.filed.clone();
    let mut leaving: Vec<(MailboxId, u32)> = filed
        .iter()
        .copied()
        .filter(|(m, _)| !wanted.contains(m))
        .collect();
    for &target in wanted {
        if filed.iter().any(|&(m, _)| m == target) {
            continue;
        }
        let (from, uid, moved) = match leaving.pop() {
            Some((from, uid)) => (from, uid, true),
            None => (filed[0].0, filed[0].1, false),
        };
        let pairs = match moved {
            true => {
                call.mail
                    .move_messages(account, from, vec![uid], target)
                    .await
            }
            false => {
                call.mail
                    .copy_messages(account, from, vec![uid], target)
                    .await
            }
        }
        .map_err(fail)?;
        if moved {
            filed.retain(|&(m, _)| m != from);
        }
        if let Some(&(_, new_uid)) = pairs.first() {
            filed.push((target, new_uid));
        }
    }
    for (mailbox, uid) in leaving {
        call.mail
            .expunge(account, mailbox, vec![uid])
            .await
            .map_err(fail)?;
    }
    Ok(())
}

/// Takes the email out of every mailbox: it becomes a tombstone, collected later.
async fn destroy(
    call: &Call<'_>,
    account: AccountId,
    record: &EmailRecord,
) -> Result<(), SetError> {
    for &(mailbox, uid) in &record.filed {
        call.mail
            .expunge(account, mailbox, vec![uid])
            .await
            .map_err(|e| server_fail(&e.to_string()))?;
    }
    Ok(())
}
