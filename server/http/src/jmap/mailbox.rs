//! Mailbox/get and Mailbox/changes (RFC 8621 §2.1, §2.2).
//!
//! A mailbox is the IMAP folder: `name` its last level, `parentId` the folder above (the store
//! keeps full names with [`HIERARCHY_DELIMITER`]), the counts those IMAP STATUS gives, and the
//! thread counts from its messages' threads. Its changes are read from the account's change
//! log: a mailbox whose emails changed is updated (its counts did), with `updatedProperties`
//! naming only the counts when nothing else of it changed.
//!
//! In another user's account (shared through IMAP ACLs, RFC 4314) only the mailboxes the user
//! may see (`l`) exist; `myRights` says what the ACL grants there ([`my_rights`]), and a mailbox
//! the user may see but not read (`r`) shows no counts.

use super::call::{Call, mailbox_id, number_of, store_error, to_json};
use super::shared::View;
use kantor_jmap_proto::method::{ChangesResponse, GetRequest, GetResponse};
use kantor_jmap_proto::{Id, MethodError};
use kantor_store::changes::{ChangeKind, ObjectKind};
use kantor_store::{Flags, HIERARCHY_DELIMITER, Mailbox, MailboxRole, Rights};
use serde_json::{Map, Value, json};
use std::collections::{BTreeSet, HashMap, HashSet};

/// Every property of a Mailbox (RFC 8621 §2).
const PROPERTIES: [&str; 12] = [
    "id",
    "name",
    "parentId",
    "role",
    "sortOrder",
    "totalEmails",
    "unreadEmails",
    "totalThreads",
    "unreadThreads",
    "myRights",
    "isSubscribed",
    "shareWith",
];

/// The properties that change when the mailbox's emails do.
const COUNTS: [&str; 4] = [
    "totalEmails",
    "unreadEmails",
    "totalThreads",
    "unreadThreads",
];

pub(crate) fn get(call: &Call<'_>, arguments: Map<String, Value>) -> Result<Value, MethodError> {
    let request = GetRequest::parse(arguments, call.limits)?;
    let account = call.account(&request.account_id)?;
    let properties = wanted(request.properties.as_deref())?;
    let state = call.state(account)?;
    let mailboxes = call.mail.mailboxes(account).map_err(store_error)?;
    let view = View::of(call, account)?;
    let by_name: HashMap<&str, &Mailbox> = mailboxes.iter().map(|m| (m.name.as_str(), m)).collect();
    let found = |id: &Id| {
        let n = number_of(id, 'M')?;
        mailboxes.iter().find(|m| m.id == n)
    };
    let (chosen, not_found): (Vec<&Mailbox>, Vec<Id>) = match &request.ids {
        None => (mailboxes.iter().collect(), Vec::new()),
        Some(ids) => {
            let mut chosen = Vec::new();
            let mut missing = Vec::new();
            for id in ids {
                match found(id) {
                    Some(m) if !chosen.iter().any(|c: &&Mailbox| c.id == m.id) => chosen.push(m),
                    Some(_) => {}
                    None => missing.push(id.clone()),
                }
            }
            (chosen, missing)
        }
    };
    let mut list = Vec::with_capacity(chosen.len());
    for mailbox in chosen {
        list.push(object(call, mailbox, &by_name, &view, &properties)?);
    }
    to_json(&GetResponse {
        account_id: request.account_id,
        state,
        list,
        not_found,
    })
}

/// The properties asked for (all when `None`); an unknown one is `invalidArguments`.
fn wanted(asked: Option<&[String]>) -> Result<HashSet<&'static str>, MethodError> {
    let Some(asked) = asked else {
        return Ok(PROPERTIES.into_iter().collect());
    };
    let mut out: HashSet<&'static str> = HashSet::from(["id"]);
    for p in asked {
        let known = PROPERTIES.iter().find(|k| **k == p).ok_or_else(|| {
            MethodError::invalid_arguments(format!("Mailbox has no property {p:?}."))
        })?;
        out.insert(known);
    }
    Ok(out)
}

/// A Mailbox object with the properties asked for.
pub(crate) fn object(
    call: &Call<'_>,
    mailbox: &Mailbox,
    by_name: &HashMap<&str, &Mailbox>,
    view: &View,
    properties: &HashSet<&'static str>,
) -> Result<Map<String, Value>, MethodError> {
    let held = view.rights.of(mailbox.id);
    // Without `r` the mailbox's content is not the user's to count (IMAP STATUS needs it too).
    let readable = held.contains(Rights::READ);
    let (parent, name) = match mailbox.name.rsplit_once(HIERARCHY_DELIMITER) {
        Some((parent, name)) => (by_name.get(parent).map(|p| mailbox_id(p.id)), name),
        None => (None, mailbox.name.as_str()),
    };
    let wants_threads = properties.contains("totalThreads") || properties.contains("unreadThreads");
    let threads = if wants_threads && readable {
        Some(thread_counts(call, mailbox)?)
    } else {
        None
    };
    let mut out = Map::new();
    for &property in properties {
        let value = match property {
            "id" => json!(mailbox_id(mailbox.id)),
            "name" => json!(name),
            "parentId" => json!(parent),
            "role" => json!(mailbox.role.map(role)),
            "sortOrder" => json!(sort_order(mailbox.role)),
            "totalEmails" => json!(if readable { mailbox.total } else { 0 }),
            "unreadEmails" => json!(if readable { mailbox.unseen } else { 0 }),
            "totalThreads" => json!(threads.map_or(0, |t| t.0)),
            "unreadThreads" => json!(threads.map_or(0, |t| t.1)),
            "myRights" => my_rights(held, mailbox.role),
            "isSubscribed" => json!(view.subscribed(mailbox)),
            "shareWith" => super::share_with::of(&call.mail, call.directory.store(), mailbox, held),
            _ => continue,
        };
        out.insert(property.to_string(), value);
    }
    Ok(out)
}

/// `myRights` (RFC 8621 §2) from the RFC 4314 rights held (the owner holds all of them): `r`
/// reads, `i` adds, `t` and `e` remove, `s` sets $seen, `w` the other keywords, `k` creates a
/// child, `x` renames and deletes (never the INBOX), `p` submits.
pub(crate) fn my_rights(held: Rights, role: Option<MailboxRole>) -> Value {
    let has = |r: Rights| held.contains(r);
    let not_inbox = role != Some(MailboxRole::Inbox);
    json!({
        "mayReadItems": has(Rights::READ),
        "mayAddItems": has(Rights::INSERT),
        "mayRemoveItems": has(Rights::DELETE_MESSAGES.union(Rights::EXPUNGE)),
        "maySetSeen": has(Rights::SEEN),
        "maySetKeywords": has(Rights::WRITE),
        "mayCreateChild": has(Rights::CREATE),
        "mayRename": has(Rights::DELETE_MAILBOX) && not_inbox,
        "mayDelete": has(Rights::DELETE_MAILBOX) && not_inbox,
        "maySubmit": has(Rights::POST),
    })
}

/// Threads with an email in the mailbox, and those with an unread one there (RFC 8621 §2:
/// counted over the emails in this mailbox).
fn thread_counts(call: &Call<'_>, mailbox: &Mailbox) -> Result<(usize, usize), MethodError> {
    let messages = call.mail.messages(mailbox.id).map_err(store_error)?;
    let all: HashSet<i64> = messages.iter().map(|m| m.thread_id).collect();
    let unread: HashSet<i64> = messages
        .iter()
        .filter(|m| !m.flags.contains(Flags::SEEN))
        .map(|m| m.thread_id)
        .collect();
    Ok((all.len(), unread.len()))
}

/// The role's name in the IANA registry (RFC 8457).
pub(crate) fn role(role: MailboxRole) -> &'static str {
    match role {
        MailboxRole::Inbox => "inbox",
        MailboxRole::Drafts => "drafts",
        MailboxRole::Sent => "sent",
        MailboxRole::Junk => "junk",
        MailboxRole::Trash => "trash",
        MailboxRole::Archive => "archive",
    }
}

/// Mailboxes with a role first, in the usual order; the others by name (sortOrder 100).
fn sort_order(role: Option<MailboxRole>) -> u32 {
    match role {
        Some(MailboxRole::Inbox) => 1,
        Some(MailboxRole::Drafts) => 2,
        Some(MailboxRole::Sent) => 3,
        Some(MailboxRole::Archive) => 4,
        Some(MailboxRole::Junk) => 5,
        Some(MailboxRole::Trash) => 6,
        None => 100,
    }
}

pub(crate) fn changes(
    call: &Call<'_>,
    arguments: Map<String, Value>,
) -> Result<Value, MethodError> {
    let kinds = [ObjectKind::Mailbox, ObjectKind::Email];
    let (request, account, since, page) = super::call::log_page(call, arguments, &kinds, false)?;
    let (mut created, mut updated, mut destroyed) =
        (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    let mut counts_only = BTreeSet::new();
    // Emails changed as a whole (a keyword): every mailbox holding them changed its counts.
    let mut changed_emails = Vec::new();
    for change in &page.changes {
        match change.object {
            ObjectKind::Mailbox => {
                let id = change.object_id;
                match change.kind {
                    ChangeKind::Created => {
                        created.insert(id);
                    }
                    ChangeKind::Updated => {
                        updated.insert(id);
                    }
                    ChangeKind::Destroyed => {
                        destroyed.insert(id);
                    }
                }
            }
            // An email filed, changed or taken out: the mailbox's counts changed.
            _ => match change.mailbox_id {
                Some(mailbox) => {
                    counts_only.insert(mailbox);
                }
                None => changed_emails.push(change.object_id),
            },
        }
    }
    changed_emails.sort_unstable();
    changed_emails.dedup();
    for email in call
        .mail
        .emails(account, &changed_emails)
        .map_err(store_error)?
        .into_iter()
        .flatten()
    {
        counts_only.extend(email.filed.iter().map(|&(mailbox, _)| mailbox));
    }
    // RFC 8620 §5.2: created then destroyed in the window is neither; created then updated is
    // created only; updated then destroyed is destroyed only.
    let gone: Vec<i64> = created.intersection(&destroyed).copied().collect();
    for id in &gone {
        created.remove(id);
        destroyed.remove(id);
    }
    let only_counts = counts_only.iter().all(|m| !updated.contains(m))
        && !counts_only.is_empty()
        && created.is_empty()
        && updated.is_empty()
        && destroyed.is_empty();
    updated.extend(counts_only);
    updated.retain(|id| !created.contains(id) && !destroyed.contains(id) && !gone.contains(id));
    let response = ChangesResponse {
        account_id: request.account_id,
        old_state: request.since_state,
        new_state: call.state_at(account, page.until.max(since))?,
        has_more_changes: page.has_more,
        created: created.into_iter().map(mailbox_id).collect(),
        updated: updated.into_iter().map(mailbox_id).collect(),
        destroyed: destroyed.into_iter().map(mailbox_id).collect(),
    };
    let mut value = to_json(&response)?;
    // RFC 8621 §2.2: when only counts changed, say so, so the client fetches just those.
    value["updatedProperties"] = match only_counts {
        true => json!(COUNTS),
        false => Value::Null,
    };
    Ok(value)
}
