//! A Mailbox's `shareWith` (JMAP Sharing, RFC 9670 §4: a map of Principal id to the rights
//! given): the mailbox's IMAP ACL (RFC 4314) seen and set through JMAP. Shown to those who
//! administer the mailbox (`a`: its owner, or a delegate given `a`), null to others; set with
//! Mailbox/set, as a whole (`shareWith`) or per principal (`shareWith/P3`), each change one
//! ACL change in the store (so the grantee gets its ShareNotification).
//!
//! Rights map to ACL letters as `myRights` reads them (RFC 8621 §2): `mayReadItems` `l r`,
//! `mayAddItems` `i`, `mayRemoveItems` `t e`, `maySetSeen` `s`, `maySetKeywords` `w`,
//! `mayCreateChild` `k`, `mayRename`/`mayDelete` `x`, `maySubmit` `p`. `a` (administering) is
//! given through IMAP SETACL or `kantor admin acl` only.

use super::principal::account_principal;
use kantor_jmap_proto::{Id, SetError};
use kantor_store::{AclEntry, Mail, Mailbox, Rights, Store};
use serde_json::{Map, Value};

/// The rights object keys and the ACL rights each stands for.
const KEYS: [(&str, Rights); 9] = [
    ("mayReadItems", Rights::LOOKUP.union(Rights::READ)),
    ("mayAddItems", Rights::INSERT),
    (
        "mayRemoveItems",
        Rights::DELETE_MESSAGES.union(Rights::EXPUNGE),
    ),
    ("maySetSeen", Rights::SEEN),
    ("maySetKeywords", Rights::WRITE),
    ("mayCreateChild", Rights::CREATE),
    ("mayRename", Rights::DELETE_MAILBOX),
    ("mayDelete", Rights::DELETE_MAILBOX),
    ("maySubmit", Rights::POST),
];

/// The Principal id of an ACL grantee (`anyone` has none).
fn principal_of(store: &Store, grantee: &str) -> Option<Id> {
    let (local, domain) = grantee.rsplit_once('@')?;
    if let Ok(Some(account)) = store.account_by_address(local, domain) {
        return Some(account_principal(account.id));
    }
    let group = store.group(local, domain).ok()??;
    Id::new(format!("G{}", group.id)).ok()
}

/// The ACL identifier (an address) of a Principal id.
fn grantee_of(store: &Store, principal: &str) -> Option<String> {
    if let Some(n) = principal.strip_prefix('P').and_then(|n| n.parse().ok()) {
        return store.account(n).ok()?.map(|a| a.address());
    }
    let n: i64 = principal.strip_prefix('G')?.parse().ok()?;
    let groups = store.groups(None).ok()?;
    groups
        .into_iter()
        .find(|g| g.id == n)
        .map(|g| format!("{}@{}", g.local, g.domain))
}

fn rights_object(held: Rights) -> Value {
    let map: Map<String, Value> = KEYS
        .iter()
        .map(|(key, r)| (key.to_string(), Value::Bool(held.contains(*r))))
        .collect();
    Value::Object(map)
}

/// `shareWith` of a mailbox for a user holding `held` on it: null without `a`.
pub(crate) fn of(mail: &Mail, store: &Store, mailbox: &Mailbox, held: Rights) -> Value {
    if !held.contains(Rights::ADMINISTER) {
        return Value::Null;
    }
    let entries: Vec<AclEntry> = mail.acl(mailbox.id).unwrap_or_default();
    let map: Map<String, Value> = entries
        .iter()
        .filter_map(|e| {
            let id = principal_of(store, &e.grantee)?;
            Some((id.to_string(), rights_object(e.rights)))
        })
        .collect();
    Value::Object(map)
}

/// The ACL rights a rights object gives (unknown keys are `invalidProperties`).
fn rights_of(value: &Value, path: &str) -> Result<Option<Rights>, SetError> {
    let invalid = || {
        SetError::invalid_properties([path])
            .with_description("A map of Mailbox rights (mayReadItems, ...) to true or false.")
    };
    match value {
        Value::Null => Ok(None),
        Value::Object(map) => {
            let mut rights = Rights::NONE;
            for (key, on) in map {
                let (_, r) = KEYS.iter().find(|(k, _)| k == key).ok_or_else(invalid)?;
                if on.as_bool().ok_or_else(invalid)? {
                    rights = rights.union(*r).union(Rights::LOOKUP);
                }
            }
            Ok((!rights.is_empty()).then_some(rights))
        }
        _ => Err(invalid()),
    }
}

/// A Mailbox/set patch of `shareWith` (`path` the patch key: `shareWith` or
/// `shareWith/PRINCIPAL`), carried out as ACL changes of the mailbox by the store, which
/// checks `a`. The entry of a group or user keeps its `a` when the patch says nothing of it.
pub(crate) async fn apply(
    mail: &Mail,
    store: &Store,
    mailbox: &Mailbox,
    path: &str,
    value: &Value,
) -> Result<(), SetError> {
    let refused = |e: kantor_store::StoreError| {
        SetError::new(kantor_jmap_proto::SetErrorType::Forbidden).with_description(e.to_string())
    };
    let current = mail.acl(mailbox.id).map_err(refused)?;
    let mut wanted: Vec<(String, Option<Rights>)> = Vec::new();
    match path.strip_prefix("shareWith/") {
        None => {
            let map = match value {
                Value::Object(map) => map.clone(),
                Value::Null => Map::new(),
                _ => return Err(SetError::invalid_properties(["shareWith"])),
            };
            for entry in &current {
                if principal_of(store, &entry.grantee).is_some() {
                    wanted.push((entry.grantee.clone(), None));
                }
            }
            for (principal, rights) in &map {
                let grantee = grantee_of(store, principal).ok_or_else(|| {
                    SetError::invalid_properties([format!("shareWith/{principal}")])
                        .with_description(format!("No principal {principal}."))
                })?;
                let rights = rights_of(rights, &format!("shareWith/{principal}"))?;
                wanted.retain(|(g, _)| !g.eq_ignore_ascii_case(&grantee));
                wanted.push((grantee, rights));
            }
        }
        Some(principal) => {
            let grantee = grantee_of(store, principal).ok_or_else(|| {
                SetError::invalid_properties([path])
                    .with_description(format!("No principal {principal}."))
            })?;
            wanted.push((grantee, rights_of(value, path)?));
        }
    }
    for (grantee, rights) in wanted {
        let kept = current
            .iter()
            .find(|e| e.grantee.eq_ignore_ascii_case(&grantee))
            .map_or(Rights::NONE, |e| {
                e.rights
                    .intersection(Rights::ADMINISTER.union(Rights::SENDING))
            });
        let rights = rights
            .map(|r| r.union(kept))
            .or((!kept.is_empty()).then_some(kept));
        let before = current
            .iter()
            .find(|e| e.grantee.eq_ignore_ascii_case(&grantee))
            .map(|e| e.rights);
        if before == rights {
            continue;
        }
        mail.set_acl(mailbox.id, &grantee, rights)
            .await
            .map_err(refused)?;
    }
    Ok(())
}
