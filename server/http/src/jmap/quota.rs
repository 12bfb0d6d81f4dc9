//! Quotas (RFC 9425): the account's storage quota, the one the administrator sets with `kantor
//! admin user quota` and IMAP QUOTA shows, as one Quota object (`octets`, scope `account`,
//! for emails). An account without a limit has no quota object. `Quota/get` and
//! `Quota/changes` (the object changes whenever the account's state does).
//!
//! Also `Email/queryChanges` (RFC 8620 §5.6): queries are not tracked, so it answers
//! `cannotCalculateChanges` (its `canCalculateChanges` was false), and the client queries again.

use super::call::{Call, since, store_error, to_json};
use kantor_jmap_proto::method::{ChangesRequest, ChangesResponse, GetRequest, GetResponse};
use kantor_jmap_proto::{Id, MethodError, MethodErrorType};
use serde_json::{Map, Value, json};

/// The id of the account's storage quota.
const STORAGE: &str = "storage";

pub(crate) fn get(call: &Call<'_>, arguments: Map<String, Value>) -> Result<Value, MethodError> {
    let request = GetRequest::parse(arguments, call.limits)?;
    let account = call.account(&request.account_id)?;
    let state = call.state()?;
    let current = call
        .mail
        .account(account)
        .map_err(store_error)?
        .ok_or_else(|| MethodError::with_description(MethodErrorType::AccountNotFound, "gone"))?;
    let quota = (current.quota_bytes > 0).then(|| {
        json!({
            "id": STORAGE,
            "resourceType": "octets",
            "used": current.used_bytes,
            "hardLimit": current.quota_bytes,
            "scope": "account",
            "name": format!("Mail storage of {}", current.address()),
            "types": ["Email"],
        })
    });
    let (list, not_found): (Vec<Value>, Vec<Id>) = match (&request.ids, quota) {
        (None, quota) => (quota.into_iter().collect(), Vec::new()),
        (Some(ids), quota) => {
            let mut list = Vec::new();
            let mut missing = Vec::new();
            for id in ids {
                match &quota {
                    Some(q) if id.as_str() == STORAGE && list.is_empty() => list.push(q.clone()),
                    _ => missing.push(id.clone()),
                }
            }
            (list, missing)
        }
    };
    to_json(&GetResponse {
        account_id: request.account_id,
        state,
        list,
        not_found,
    })
}

pub(crate) fn changes(
    call: &Call<'_>,
    arguments: Map<String, Value>,
) -> Result<Value, MethodError> {
    let request = ChangesRequest::parse(arguments)?;
    let account = call.account(&request.account_id)?;
    let (since, _) = since(&request)?;
    let state = call.state()?;
    let now: u64 = state.parse().unwrap_or(since);
    let has_quota = call
        .mail
        .account(account)
        .map_err(store_error)?
        .is_some_and(|a| a.quota_bytes > 0);
    let updated = match now > since && has_quota {
        true => vec![Id::new(STORAGE).expect("a valid id")],
        false => Vec::new(),
    };
    to_json(&ChangesResponse {
        account_id: request.account_id,
        old_state: request.since_state,
        new_state: state,
        has_more_changes: false,
        created: Vec::new(),
        updated,
        destroyed: Vec::new(),
    })
}

/// `Email/queryChanges`: queries are not tracked (RFC 8620 §5.6).
pub(crate) fn query_changes(
    call: &Call<'_>,
    arguments: Map<String, Value>,
) -> Result<Value, MethodError> {
    let account: Option<Id> = arguments
        .get("accountId")
        .and_then(|v| serde_json::from_value(v.clone()).ok());
    let account = account
        .ok_or_else(|| MethodError::invalid_arguments("Email/queryChanges needs an accountId."))?;
    call.account(&account)?;
    Err(MethodError::with_description(
        MethodErrorType::CannotCalculateChanges,
        "Query results are not tracked: run the query again.",
    ))
}
