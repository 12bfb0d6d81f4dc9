//! Quotas (RFC 9425): the account's storage quota, the one the administrator sets with `kantor
//! admin user quota` and IMAP QUOTA shows, as one Quota object (`octets`, scope `account`,
//! for emails). An account without a limit has no quota object. `Quota/get` and
//! `Quota/changes` (the object changes whenever the account's state does), `Quota/query`
//! (RFC 9425 §4.4: filters `name`, `scope`, `resourceType`, `type`; sorts `name`, `used`).

use super::call::{Call, query_page, since, store_error, to_json};
use kantor_jmap_proto::method::{
    ChangesRequest, ChangesResponse, GetRequest, GetResponse, QueryRequest,
};
use kantor_jmap_proto::{Id, MethodError, MethodErrorType};
use serde_json::{Map, Value, json};

/// The id of the account's storage quota.
const STORAGE: &str = "storage";

/// The account's quota object, if it has a limit.
fn storage(
    call: &Call<'_>,
    account: kantor_store::AccountId,
) -> Result<Option<Value>, MethodError> {
    let current = call
        .mail
        .account(account)
        .map_err(store_error)?
        .ok_or_else(|| MethodError::with_description(MethodErrorType::AccountNotFound, "gone"))?;
    Ok((current.quota_bytes > 0).then(|| {
        json!({
            "id": STORAGE,
            "resourceType": "octets",
            "used": current.used_bytes,
            "hardLimit": current.quota_bytes,
            "scope": "account",
            "name": format!("Mail storage of {}", current.address()),
            "types": ["Email"],
        })
    }))
}

pub(crate) fn get(call: &Call<'_>, arguments: Map<String, Value>) -> Result<Value, MethodError> {
    let request = GetRequest::parse(arguments, call.limits)?;
    let account = call.personal_account(&request.account_id)?;
    let state = call.state(account)?;
    let quota = storage(call, account)?;
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
    let account = call.personal_account(&request.account_id)?;
    let (since, _) = since(call, account, &request)?;
    let state = call.state(account)?;
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

/// Quota/query (RFC 9425 §4.4): the account's one quota, or none, by the filter.
pub(crate) fn query(call: &Call<'_>, arguments: Map<String, Value>) -> Result<Value, MethodError> {
    let request = QueryRequest::parse(arguments)?;
    let account = call.personal_account(&request.account_id)?;
    let filter = request.parse_filter(|c| {
        for (name, value) in c {
            let known = ["name", "scope", "resourceType", "type"].contains(&name.as_str());
            if !known || !value.is_string() {
                return Err(MethodError::with_description(
                    MethodErrorType::UnsupportedFilter,
                    format!("Quota has no filter {name:?} of that value."),
                ));
            }
        }
        Ok(c.clone())
    })?;
    for c in request.sort.iter().flatten() {
        if !["name", "used"].contains(&c.property.as_str()) {
            return Err(MethodError::with_description(
                MethodErrorType::UnsupportedSort,
                format!("Quotas cannot be sorted by {:?}.", c.property),
            ));
        }
    }
    let quota = storage(call, account)?.filter(|q| {
        filter.as_ref().is_none_or(|f| {
            f.matches(&mut |c| {
                c.iter().all(|(name, value)| {
                    let wanted = value.as_str().unwrap_or_default();
                    match name.as_str() {
                        "name" => q["name"].as_str().is_some_and(|n| n.contains(wanted)),
                        "type" => q["types"]
                            .as_array()
                            .is_some_and(|t| t.iter().any(|t| t == wanted)),
                        other => q[other] == wanted,
                    }
                })
            })
        })
    });
    let ids: Vec<Id> = quota
        .iter()
        .map(|_| Id::new(STORAGE).expect("a valid id"))
        .collect();
    query_page(request, &ids, call.state(account)?, false, None)
}
