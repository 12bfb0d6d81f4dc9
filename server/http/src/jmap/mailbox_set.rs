//! Mailbox/set (RFC 8621 §2.5): creating, renaming, moving, (un)subscribing and destroying
//! mailboxes, with the operations IMAP CREATE, RENAME, SUBSCRIBE and DELETE use, so both
//! protocols see one tree and one change log.
//!
//! A mailbox's full name is its parent's and its own `name` joined by
//! [`HIERARCHY_DELIMITER`]; `parentId` may name a mailbox created earlier in the same call
//! (`#creationId`). Roles are the server's: setting one is `invalidProperties`. Destroying a
//! mailbox with children is `mailboxHasChild`; with emails, `mailboxHasEmail` unless
//! `onDestroyRemoveEmails` is true.

use super::call::{Call, mailbox_id, number_of, to_json};
use kantor_jmap_proto::method::{Arguments, SetRequest, SetResponse};
use kantor_jmap_proto::{Id, IdRef, MethodError, SetError, SetErrorType};
use kantor_store::{AccountId, HIERARCHY_DELIMITER, Mailbox, MailboxRole, StoreError};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

pub(crate) async fn set(
    call: &Call<'_>,
    arguments: Map<String, Value>,
) -> Result<Value, MethodError> {
    let mut args = Arguments::new(arguments);
    let request = SetRequest::from_arguments(&mut args, call.limits)?;
    let remove_emails: bool = args.or_default("onDestroyRemoveEmails")?;
    args.finish()?;
    let account = call.account(&request.account_id)?;
    let old_state = call.state_unless_changed(account, request.if_in_state.as_deref())?;
    let mut created: BTreeMap<Id, i64> = BTreeMap::new();
    let mut response = SetResponse::new(request.account_id.clone(), Some(old_state), "");
    for (creation, object) in request.create.unwrap_or_default() {
        match create(call, account, &object, &created).await {
            Ok(mailbox) => {
                created.insert(creation.clone(), mailbox.id);
                let mut server_set = Map::new();
                server_set.insert("id".into(), json!(mailbox_id(mailbox.id)));
                for (k, v) in [
                    ("totalEmails", 0),
                    ("unreadEmails", 0),
                    ("totalThreads", 0),
                    ("unreadThreads", 0),
                ] {
                    server_set.insert(k.into(), json!(v));
                }
                server_set.insert("sortOrder".into(), json!(100));
                response.add_created(creation, server_set);
            }
            Err(error) => response.add_not_created(creation, error),
        }
    }
    for (id, patch) in request.update.unwrap_or_default() {
        let result = match resolve(&id, &created) {
            Some(number) => update(call, account, number, &patch.0, &created).await,
            None => Err(SetError::not_found()),
        };
        match (result, &id) {
            (Ok(()), IdRef::Id(plain)) => response.add_updated(plain.clone(), None),
            (Ok(()), IdRef::Creation(_)) => {}
            (Err(e), _) => response.add_not_updated(id, e),
        }
    }
    for id in request.destroy.unwrap_or_default() {
        let result = match resolve(&id, &created) {
            Some(number) => destroy(call, account, number, remove_emails).await,
            None => Err(SetError::not_found()),
        };
        match (result, &id) {
            (Ok(()), IdRef::Id(plain)) => response.add_destroyed(plain.clone()),
            (Ok(()), IdRef::Creation(_)) => {}
            (Err(e), _) => response.add_not_destroyed(id, e),
        }
    }
    let mut value = to_json(&response)?;
    value["newState"] = json!(call.state(account)?);
    Ok(value)
}

/// The mailbox number an id or `#creationId` names.
fn resolve(id: &IdRef, created: &BTreeMap<Id, i64>) -> Option<i64> {
    match id {
        IdRef::Id(id) => number_of(id, 'M'),
        IdRef::Creation(creation) => created.get(creation).copied(),
    }
}

fn invalid(property: &str, why: &str) -> SetError {
    SetError::invalid_properties([property]).with_description(why)
}

fn refused(e: StoreError) -> SetError {
    match e {
        StoreError::AlreadyExists(what) => SetError::new(SetErrorType::AlreadyExists)
            .with_description(format!("{what} already exists")),
        StoreError::NotFound(_) => SetError::not_found(),
        other => SetError::new(SetErrorType::Forbidden).with_description(other.to_string()),
    }
}

/// The full name for `name` under the mailbox `parent` names (null: the top).
fn full_name(
    call: &Call<'_>,
    account: AccountId,
    name: &str,
    parent: &Value,
    created: &BTreeMap<Id, i64>,
) -> Result<String, SetError> {
    if name.is_empty() || name.contains(HIERARCHY_DELIMITER) || name.chars().any(char::is_control) {
        return Err(invalid(
            "name",
            &format!("A name is not empty and holds no {HIERARCHY_DELIMITER:?}."),
        ));
    }
    let parent = match parent {
        Value::Null => return Ok(name.to_string()),
        Value::String(id) => IdRef::parse(id)
            .ok()
            .and_then(|id| resolve(&id, created))
            .ok_or_else(|| invalid("parentId", "No such parent mailbox."))?,
        _ => return Err(invalid("parentId", "parentId is an id or null.")),
    };
    let parent = call
        .mail
        .mailbox(parent)
        .map_err(refused)?
        .filter(|m| m.account_id == account)
        .ok_or_else(|| invalid("parentId", "No such parent mailbox."))?;
    Ok(format!("{}{HIERARCHY_DELIMITER}{name}", parent.name))
}

async fn create(
    call: &Call<'_>,
    account: AccountId,
    object: &Map<String, Value>,
    created: &BTreeMap<Id, i64>,
) -> Result<Mailbox, SetError> {
    for (property, value) in object {
        match property.as_str() {
            "name" | "parentId" | "isSubscribed" | "sortOrder" => {}
            "role" if value.is_null() => {}
            "role" => return Err(invalid("role", "Roles are the server's to give.")),
            other => return Err(invalid(other, "This property cannot be set.")),
        }
    }
    let name = object
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("name", "A mailbox needs a name."))?;
    let parent = object.get("parentId").unwrap_or(&Value::Null);
    let full = full_name(call, account, name, parent, created)?;
    let mailbox = call
        .mail
        .create_mailbox(account, &full, None)
        .await
        .map_err(refused)?;
    if object.get("isSubscribed") == Some(&Value::Bool(true)) {
        let (owner, name) = super::shared::subscription(call, account, &full).map_err(refused)?;
        call.mail
            .set_subscribed(owner, &name, true)
            .await
            .map_err(refused)?;
    }
    Ok(mailbox)
}

async fn update(
    call: &Call<'_>,
    account: AccountId,
    id: i64,
    patch: &Map<String, Value>,
    created: &BTreeMap<Id, i64>,
) -> Result<(), SetError> {
    let mailbox = call
        .mail
        .mailbox(id)
        .map_err(refused)?
        .filter(|m| m.account_id == account)
        .ok_or_else(SetError::not_found)?;
    let (parent, leaf) = match mailbox.name.rsplit_once(HIERARCHY_DELIMITER) {
        Some((parent, leaf)) => (Some(parent), leaf),
        None => (None, mailbox.name.as_str()),
    };
    let mut name = leaf.to_string();
    let mut parent_id = match parent {
        Some(parent) => call
            .mail
            .mailbox_by_name(account, parent)
            .map_err(refused)?
            .map_or(Value::Null, |p| json!(mailbox_id(p.id))),
        None => Value::Null,
    };
    let mut subscribed = None;
    let mut shares = Vec::new();
    for (property, value) in patch {
        match property.as_str() {
            "shareWith" => shares.push((property.as_str(), value)),
            path if path.starts_with("shareWith/") => shares.push((path, value)),
            "name" => {
                name = value
                    .as_str()
                    .ok_or_else(|| invalid("name", "A name is a string."))?
                    .to_string();
            }
            "parentId" => parent_id = value.clone(),
            "isSubscribed" => {
                subscribed = Some(
                    value
                        .as_bool()
                        .ok_or_else(|| invalid("isSubscribed", "true or false"))?,
                )
            }
            "sortOrder" => {}
            "role" if value == &json!(mailbox.role.map(super::mailbox::role)) => {}
            other => return Err(invalid(other, "This property cannot change.")),
        }
    }
    let full = full_name(call, account, &name, &parent_id, created)?;
    let mut current = mailbox.name.clone();
    if full != mailbox.name {
        if mailbox.role == Some(MailboxRole::Inbox) {
            return Err(invalid("name", "The INBOX keeps its name."));
        }
        let prefix = format!("{}{HIERARCHY_DELIMITER}", mailbox.name);
        if full.starts_with(&prefix) {
            return Err(invalid("parentId", "A mailbox cannot move under itself."));
        }
        call.mail
            .rename_mailbox_tree(account, id, &full)
            .await
            .map_err(refused)?;
        current = full;
    }
    for (path, value) in shares {
        let store = call.directory.store();
        super::share_with::apply(&call.mail, store, &mailbox, path, value).await?;
    }
    if let Some(subscribed) = subscribed {
        let (owner, name) =
            super::shared::subscription(call, account, &current).map_err(refused)?;
        call.mail
            .set_subscribed(owner, &name, subscribed)
            .await
            .map_err(refused)?;
    }
    Ok(())
}

async fn destroy(
    call: &Call<'_>,
    account: AccountId,
    id: i64,
    remove_emails: bool,
) -> Result<(), SetError> {
    let mailboxes = call.mail.mailboxes(account).map_err(refused)?;
    let mailbox = mailboxes
        .iter()
        .find(|m| m.id == id)
        .ok_or_else(SetError::not_found)?;
    if mailbox.role == Some(MailboxRole::Inbox) {
        return Err(SetError::new(SetErrorType::Forbidden).with_description("The INBOX stays."));
    }
    let prefix = format!("{}{HIERARCHY_DELIMITER}", mailbox.name);
    if mailboxes.iter().any(|m| m.name.starts_with(&prefix)) {
        return Err(SetError::new(SetErrorType::MailboxHasChild));
    }
    if mailbox.total > 0 && !remove_emails {
        return Err(
            SetError::new(SetErrorType::MailboxHasEmail).with_description(format!(
                "It holds {} emails: set onDestroyRemoveEmails to remove them.",
                mailbox.total
            )),
        );
    }
    call.mail.delete_mailbox(account, id).await.map_err(refused)
}
