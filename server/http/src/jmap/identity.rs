//! Identity (RFC 8621 §6): who a user sends as. Every account has its primary identity (its
//! own address, never destroyed); a user may add one for any address the directory lets them
//! send as (an alias, a shared mailbox: `forbiddenFrom` otherwise) and set each one's name,
//! Reply-To, Bcc and signatures. Changes are logged, so Identity/changes and push see them.

use super::call::{
    Call, get_by_number, json_object, known_properties, number_of, server_set_unchanged,
    store_error, to_json,
};
use kantor_directory::Address;
use kantor_jmap_proto::method::GetRequest;
use kantor_jmap_proto::method::{PatchObject, SetRequest, SetResponse};
use kantor_jmap_proto::{Id, IdRef, MethodError, SetError, SetErrorType};
use kantor_store::changes::ObjectKind;
use kantor_store::{AccountId, Identity};
use serde_json::{Map, Value, json};

/// An identity's JMAP id.
pub(crate) fn identity_id(id: i64) -> Id {
    Id::new(format!("I{id}")).expect("a letter and digits are an Id")
}

/// The account's identity of a JMAP id, if it has one.
pub(crate) fn find(
    call: &Call<'_>,
    account: AccountId,
    id: &str,
) -> Result<Option<Identity>, MethodError> {
    let number = Id::new(id).ok().and_then(|id| number_of(&id, 'I'));
    let all = call.mail.identities(account).map_err(store_error)?;
    Ok(all.into_iter().find(|i| Some(i.id) == number))
}

/// An Identity object.
fn object(call: &Call<'_>, identity: &Identity) -> Map<String, Value> {
    let list = |json: &Option<String>| {
        json.as_deref()
            .and_then(|j| serde_json::from_str::<Value>(j).ok())
            .unwrap_or(Value::Null)
    };
    let value = json!({
        "id": identity_id(identity.id),
        "name": identity.name,
        "email": identity.email.clone().unwrap_or_else(|| call.account.address()),
        "replyTo": list(&identity.reply_to),
        "bcc": list(&identity.bcc),
        "textSignature": identity.text_signature,
        "htmlSignature": identity.html_signature,
        "mayDelete": identity.email.is_some(),
    });
    json_object(value)
}

/// Identity/get (§6.1).
pub(crate) fn get(call: &Call<'_>, arguments: Map<String, Value>) -> Result<Value, MethodError> {
    let request = GetRequest::parse(arguments, call.limits)?;
    let account = call.personal_account(&request.account_id)?;
    const PROPERTIES: [&str; 8] = [
        "id",
        "name",
        "email",
        "replyTo",
        "bcc",
        "textSignature",
        "htmlSignature",
        "mayDelete",
    ];
    known_properties(&request, &PROPERTIES, "Identity")?;
    let all = call.mail.identities(account).map_err(store_error)?;
    get_by_number(call, request, &all, 'I', |i| i.id, |i| object(call, i))
}

/// Identity/changes (§6.2), from the change log.
pub(crate) fn changes(
    call: &Call<'_>,
    arguments: Map<String, Value>,
) -> Result<Value, MethodError> {
    super::changes::logged(call, arguments, ObjectKind::Identity, identity_id)
}

/// The properties a client may give, and those only the server sets.
const SETTABLE: [&str; 6] = [
    "name",
    "email",
    "replyTo",
    "bcc",
    "textSignature",
    "htmlSignature",
];

/// Identity/set (§6.3).
pub(crate) async fn set(
    call: &Call<'_>,
    arguments: Map<String, Value>,
) -> Result<Value, MethodError> {
    let request = SetRequest::parse(arguments, call.limits)?;
    let account = call.personal_account(&request.account_id)?;
    let old_state = call.state_unless_changed(account, request.if_in_state.as_deref())?;
    let mut response = SetResponse::new(request.account_id.clone(), Some(old_state), "");
    for (creation, object) in request.create.unwrap_or_default() {
        match create(call, account, &object).await {
            Ok(id) => {
                let id = identity_id(id);
                call.created().insert(creation.clone(), id.clone());
                let mut created = Map::new();
                created.insert("id".into(), json!(id));
                created.insert("mayDelete".into(), json!(true));
                response.add_created(creation, created);
            }
            Err(error) => response.add_not_created(creation, error),
        }
    }
    for (id, patch) in request.update.unwrap_or_default() {
        match update(call, account, &id, &patch).await {
            Ok(plain) => response.add_updated(plain, None),
            Err(error) => response.add_not_updated(id, error),
        }
    }
    for id in request.destroy.unwrap_or_default() {
        let found = call
            .resolve(&id)
            .map(|i| find(call, account, i.as_str()))
            .transpose()?
            .flatten();
        let result = match found {
            None => Err(SetError::not_found()),
            Some(identity) if identity.email.is_none() => {
                Err(SetError::new(SetErrorType::Forbidden)
                    .with_description("The primary identity is the account's own address."))
            }
            Some(identity) => call
                .mail
                .destroy_identity(account, identity.id)
                .await
                .map_err(fail),
        };
        match (result, call.resolve(&id)) {
            (Ok(()), Some(plain)) => response.add_destroyed(plain),
            (Ok(()), None) => {}
            (Err(error), _) => response.add_not_destroyed(id, error),
        }
    }
    response.new_state = call.state(account)?;
    to_json(&response)
}

fn fail(e: kantor_store::StoreError) -> SetError {
    SetError::new(SetErrorType::Forbidden).with_description(e.to_string())
}

/// The identity an object describes (`base` for what it does not say).
fn from_object(object: &Map<String, Value>, base: Identity) -> Result<Identity, SetError> {
    let invalid = |p: &str| SetError::invalid_properties([p]);
    if let Some(p) = object.keys().find(|k| !SETTABLE.contains(&k.as_str())) {
        return Err(
            invalid(p).with_description(format!("{p} is not a settable Identity property."))
        );
    }
    let text = |name: &str, default: &str| match object.get(name) {
        None | Some(Value::Null) => Ok(default.to_string()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(invalid(name)),
    };
    let addresses = |name: &str, default: &Option<String>| match object.get(name) {
        None => Ok(default.clone()),
        Some(Value::Null) => Ok(None),
        Some(list @ Value::Array(items)) if items.iter().all(|a| a["email"].is_string()) => {
            Ok(Some(list.to_string()))
        }
        Some(_) => Err(invalid(name).with_description("A list of EmailAddresses, or null.")),
    };
    Ok(Identity {
        id: base.id,
        email: base.email.clone(),
        name: text("name", &base.name)?,
        reply_to: addresses("replyTo", &base.reply_to)?,
        bcc: addresses("bcc", &base.bcc)?,
        text_signature: text("textSignature", &base.text_signature)?,
        html_signature: text("htmlSignature", &base.html_signature)?,
    })
}

async fn create(
    call: &Call<'_>,
    account: AccountId,
    object: &Map<String, Value>,
) -> Result<i64, SetError> {
    let email = object.get("email").and_then(Value::as_str).ok_or_else(|| {
        SetError::invalid_properties(["email"]).with_description("An identity has an email.")
    })?;
    let allowed = Address::parse(email).ok().is_some_and(|a| {
        call.directory
            .may_send_as(call.account, &a)
            .unwrap_or(false)
    });
    if !allowed {
        return Err(SetError::new(SetErrorType::ForbiddenFrom)
            .with_description(format!("{email} is not an address this user may send as.")));
    }
    let mut identity = from_object(object, Identity::default())?;
    // The account's own address is the primary identity's, whatever it becomes.
    let own = email.eq_ignore_ascii_case(&call.account.address());
    identity.email = (!own).then(|| email.to_ascii_lowercase());
    identity.id = 0;
    call.mail
        .put_identity(account, identity)
        .await
        .map_err(fail)
}

async fn update(
    call: &Call<'_>,
    account: AccountId,
    id: &IdRef,
    patch: &PatchObject,
) -> Result<Id, SetError> {
    let plain = call.resolve(id).ok_or_else(SetError::not_found)?;
    let current = find(call, account, plain.as_str())
        .map_err(|e| SetError::new(SetErrorType::Forbidden).with_description(e.to_string()))?
        .ok_or_else(SetError::not_found)?;
    let before = object(call, &current);
    let mut after = before.clone();
    patch.apply(&mut after)?;
    if after.get("email") != before.get("email") {
        return Err(SetError::invalid_properties(["email"])
            .with_description("An identity's email cannot change."));
    }
    server_set_unchanged(&before, &after, &["id", "mayDelete"])?;
    let mut settable = after;
    settable.retain(|k, _| SETTABLE.contains(&k.as_str()) && k != "email");
    let updated = from_object(&settable, current)?;
    call.mail
        .put_identity(account, updated)
        .await
        .map_err(fail)?;
    Ok(plain)
}
