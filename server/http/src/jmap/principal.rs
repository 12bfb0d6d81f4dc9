//! Principals (JMAP Sharing, RFC 9670 §3): the directory's users, shared mailboxes and groups,
//! in the user's own account. Whose data the user may reach shows in each Principal's
//! `accounts` (the session's Account objects); the directory is managed by the administrator,
//! so Principal/set refuses every change (`forbidden`, as §3.3 allows).

use super::call::{
    Call, account_id, json_object, known_properties, query_page, store_error, to_json,
};
use super::shared;
use kantor_jmap_proto::method::{
    ChangesRequest, ChangesResponse, GetRequest, GetResponse, QueryRequest, SetRequest, SetResponse,
};
use kantor_jmap_proto::{Id, MethodError, MethodErrorType, SetError, SetErrorType};
use kantor_store::AccountId;
use serde_json::{Map, Value, json};

/// The capability of Principal and ShareNotification (§2.1), and the account capability
/// naming an account's owner (§2.2).
pub(crate) const PRINCIPALS: &str = "urn:ietf:params:jmap:principals";
pub(crate) const PRINCIPALS_OWNER: &str = "urn:ietf:params:jmap:principals:owner";

/// The Principal id of an account (a user or a shared mailbox).
pub(crate) fn account_principal(id: AccountId) -> Id {
    Id::new(format!("P{id}")).expect("a letter and digits are an Id")
}

fn group_principal(id: i64) -> Id {
    Id::new(format!("G{id}")).expect("a letter and digits are an Id")
}

/// One principal as the directory knows it.
struct Principal {
    id: Id,
    /// RFC 9670 §3: `individual` for a user, `group`, `other` for a shared mailbox.
    kind: &'static str,
    email: String,
    account: Option<AccountId>,
}

/// Every principal: enabled accounts and groups, by address.
fn principals(call: &Call<'_>) -> Result<Vec<Principal>, MethodError> {
    let store = call.directory.store();
    let mut all: Vec<Principal> = store
        .accounts(None)
        .map_err(store_error)?
        .into_iter()
        .filter(|a| !a.disabled)
        .map(|a| Principal {
            id: account_principal(a.id),
            kind: if a.shared { "other" } else { "individual" },
            email: a.address(),
            account: Some(a.id),
        })
        .collect();
    all.extend(
        store
            .groups(None)
            .map_err(store_error)?
            .into_iter()
            .map(|g| Principal {
                id: group_principal(g.id),
                kind: "group",
                email: format!("{}@{}", g.local, g.domain),
                account: None,
            }),
    );
    all.sort_by(|a, b| a.email.cmp(&b.email));
    Ok(all)
}

/// The principals' state: changes whenever one is added, removed or renamed.
fn state_of(all: &[Principal]) -> String {
    let mut hasher = blake3::Hasher::new();
    for p in all {
        hasher.update(p.id.as_str().as_bytes());
        hasher.update(b"\0");
        hasher.update(p.email.as_bytes());
        hasher.update(b"\0");
    }
    hasher.finalize().to_hex()[..16].to_string()
}

/// The Account objects of the accounts the user may reach (RFC 8620 §2), by account.
fn reachable(call: &Call<'_>) -> Vec<(AccountId, Value)> {
    let own = json!({
        "name": call.account.address(),
        "isPersonal": true,
        "isReadOnly": false,
        "accountCapabilities": {super::MAIL: shared::mail_capability(true)},
    });
    let mut out = vec![(call.account.id, own)];
    for (_, entry, account) in shared::session_accounts(&call.mail) {
        if let Ok(value) = serde_json::to_value(&entry) {
            out.push((account.id, value));
        }
    }
    out
}

fn object(p: &Principal, reachable: &[(AccountId, Value)]) -> Map<String, Value> {
    let accounts = p
        .account
        .and_then(|id| reachable.iter().find(|(a, _)| *a == id))
        .map_or(Value::Null, |(id, entry)| json!({account_id(*id): entry}));
    let value = json!({
        "id": p.id,
        "type": p.kind,
        "name": p.email,
        "description": null,
        "email": p.email,
        "timeZone": null,
        "capabilities": {},
        "accounts": accounts,
    });
    json_object(value)
}

/// Principal/get (§3.1).
pub(crate) fn get(call: &Call<'_>, arguments: Map<String, Value>) -> Result<Value, MethodError> {
    let request = GetRequest::parse(arguments, call.limits)?;
    call.personal_account(&request.account_id)?;
    const PROPERTIES: [&str; 8] = [
        "id",
        "type",
        "name",
        "description",
        "email",
        "timeZone",
        "capabilities",
        "accounts",
    ];
    known_properties(&request, &PROPERTIES, "Principal")?;
    let all = principals(call)?;
    let reachable = reachable(call);
    let (mut list, mut not_found) = (Vec::new(), Vec::new());
    match &request.ids {
        None => list.extend(all.iter().map(|p| object(p, &reachable))),
        Some(ids) => {
            for id in ids {
                match all.iter().find(|p| &p.id == id) {
                    Some(p) => list.push(object(p, &reachable)),
                    None => not_found.push(id.clone()),
                }
            }
        }
    }
    if let Some(wanted) = &request.properties {
        for object in &mut list {
            object.retain(|k, _| k == "id" || wanted.contains(k));
        }
    }
    to_json(&GetResponse {
        state: state_of(&all),
        account_id: request.account_id,
        list,
        not_found,
    })
}

/// Principal/changes (§3.2): nothing since the current state; from an older one the server
/// cannot tell (the directory keeps no log of its changes): `cannotCalculateChanges`, and the
/// client fetches them again (RFC 8620 §5.2).
pub(crate) fn changes(
    call: &Call<'_>,
    arguments: Map<String, Value>,
) -> Result<Value, MethodError> {
    let request = ChangesRequest::parse(arguments)?;
    call.personal_account(&request.account_id)?;
    let state = state_of(&principals(call)?);
    if request.since_state != state {
        return Err(MethodError::with_description(
            MethodErrorType::CannotCalculateChanges,
            "The directory changed: fetch the principals again.",
        ));
    }
    to_json(&ChangesResponse {
        account_id: request.account_id,
        old_state: request.since_state,
        new_state: state,
        has_more_changes: false,
        created: Vec::new(),
        updated: Vec::new(),
        destroyed: Vec::new(),
    })
}

/// Principal/set (§3.3): the directory is the administrator's (`kantor admin`), so every
/// create, update and destroy is `forbidden`.
pub(crate) fn set(call: &Call<'_>, arguments: Map<String, Value>) -> Result<Value, MethodError> {
    let request = SetRequest::parse(arguments, call.limits)?;
    call.personal_account(&request.account_id)?;
    let state = state_of(&principals(call)?);
    if let Some(expected) = request.if_in_state.as_deref().filter(|s| *s != state) {
        return Err(MethodError::with_description(
            MethodErrorType::StateMismatch,
            format!("The state is {state}, not {expected}."),
        ));
    }
    let refused = || {
        SetError::new(SetErrorType::Forbidden)
            .with_description("Principals are managed by the administrator.")
    };
    let mut response = SetResponse::new(request.account_id.clone(), Some(state.clone()), state);
    for (creation, _) in request.create.unwrap_or_default() {
        response.add_not_created(creation, refused());
    }
    for (id, _) in request.update.unwrap_or_default() {
        response.add_not_updated(id, refused());
    }
    for id in request.destroy.unwrap_or_default() {
        response.add_not_destroyed(id, refused());
    }
    to_json(&response)
}

/// One FilterCondition of Principal/query (§3.4): every property given must hold; text is
/// compared without case.
#[derive(Default)]
struct Condition {
    account_ids: Option<Vec<String>>,
    email: Option<String>,
    name: Option<String>,
    text: Option<String>,
    kind: Option<String>,
    time_zone: Option<String>,
}

impl Condition {
    fn parse(map: &Map<String, Value>) -> Result<Condition, MethodError> {
        let mut c = Condition::default();
        let wrong = |p: &str| {
            MethodError::invalid_arguments(format!("The {p} condition has a wrong type."))
        };
        for (property, value) in map {
            let text = || {
                value
                    .as_str()
                    .map(str::to_string)
                    .ok_or_else(|| wrong(property))
            };
            match property.as_str() {
                "accountIds" => {
                    let ids = value.as_array().ok_or_else(|| wrong(property))?;
                    let ids = ids.iter().map(|v| v.as_str().map(str::to_string));
                    c.account_ids =
                        Some(ids.collect::<Option<_>>().ok_or_else(|| wrong(property))?);
                }
                "email" => c.email = Some(text()?.to_lowercase()),
                "name" => c.name = Some(text()?.to_lowercase()),
                "text" => c.text = Some(text()?.to_lowercase()),
                "type" => c.kind = Some(text()?),
                "timeZone" => c.time_zone = Some(text()?),
                _ => {
                    return Err(MethodError::with_description(
                        MethodErrorType::UnsupportedFilter,
                        format!("Principal cannot be filtered by {property:?}."),
                    ));
                }
            }
        }
        Ok(c)
    }

    fn matches(&self, p: &Principal) -> bool {
        let email = p.email.to_lowercase();
        let account = p.account.map(account_id);
        self.account_ids
            .as_ref()
            .is_none_or(|ids| account.is_some_and(|a| ids.contains(&a)))
            && self.email.as_ref().is_none_or(|e| email.contains(e.as_str()))
            && self.name.as_ref().is_none_or(|n| email.contains(n.as_str()))
            && self.text.as_ref().is_none_or(|t| email.contains(t.as_str()))
            && self.kind.as_ref().is_none_or(|k| k == p.kind)
            // No principal has a time zone here.
            && self.time_zone.is_none()
    }
}

/// Principal/query (§3.4), sorted by `name` or `email` (the same here).
pub(crate) fn query(call: &Call<'_>, arguments: Map<String, Value>) -> Result<Value, MethodError> {
    let request = QueryRequest::parse(arguments)?;
    call.personal_account(&request.account_id)?;
    let filter = request.parse_filter(Condition::parse)?;
    let all = principals(call)?;
    let state = state_of(&all);
    let mut found: Vec<&Principal> = all
        .iter()
        .filter(|p| {
            filter
                .as_ref()
                .is_none_or(|f| f.matches(&mut |c| c.matches(p)))
        })
        .collect();
    for c in request.sort.iter().flatten().rev() {
        c.check_collation(&super::COLLATIONS)?;
        if !matches!(c.property.as_str(), "name" | "email") {
            return Err(MethodError::with_description(
                MethodErrorType::UnsupportedSort,
                format!("Principal cannot be sorted by {:?}.", c.property),
            ));
        }
        if !c.is_ascending {
            found.reverse();
        }
    }
    let ids: Vec<Id> = found.iter().map(|p| p.id.clone()).collect();
    query_page(request, &ids, state, false, None)
}
