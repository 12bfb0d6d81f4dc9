//! SieveScript/set (RFC 9661 §2.4): PUTSCRIPT, RENAMESCRIPT, DELETESCRIPT and SETACTIVE of
//! ManageSieve in one method, on the same rows. A script's content is a blob uploaded first,
//! checked as ManageSieve checks an upload (`invalidSieve` with the compiler's reason). Names
//! follow ManageSieve's rule and are unique (`alreadyExists`); the active script cannot be
//! destroyed (`sieveIsActive`). `isActive` is server-set: it changes only through
//! `onSuccessActivateScript` / `onSuccessDeactivateScript`, carried out once every create,
//! update and destroy of the call has succeeded, and reported in `created` / `updated`.

use super::call::{Call, server_set_unchanged, store_error, to_json};
use super::sieve::{content, find, object, script_id};
use kantor_jmap_proto::method::{Arguments, PatchObject, SetRequest, SetResponse};
use kantor_jmap_proto::{Id, IdRef, MethodError, SetError, SetErrorType};
use kantor_store::{AccountId, SieveScript, StoreError};
use serde_json::{Map, Value, json};

/// What a call asks of the active script once everything else succeeded.
enum Activation {
    /// Leave it.
    Keep,
    /// Make this script the active one (an id or a creation reference).
    Activate(IdRef),
    /// No active script.
    Deactivate,
}

pub(crate) async fn set(
    call: &Call<'_>,
    arguments: Map<String, Value>,
) -> Result<Value, MethodError> {
    let mut args = Arguments::new(arguments);
    let request = SetRequest::from_arguments(&mut args, call.limits)?;
    let activate: Option<IdRef> = args.optional("onSuccessActivateScript")?;
    let deactivate: bool = args.or_default("onSuccessDeactivateScript")?;
    args.finish()?;
    let activation = match (activate, deactivate) {
        (Some(id), _) => Activation::Activate(id),
        (None, true) => Activation::Deactivate,
        (None, false) => Activation::Keep,
    };
    let account = call.personal_account(&request.account_id)?;
    let old_state = call.state_unless_changed(account, request.if_in_state.as_deref())?;
    let mut response = SetResponse::new(request.account_id.clone(), Some(old_state), "");
    let mut failed = false;
    for (creation, object) in request.create.unwrap_or_default() {
        match create(call, account, &object).await {
            Ok((number, generated_name)) => {
                let id = script_id(number);
                call.created().insert(creation.clone(), id.clone());
                let mut server_set = Map::new();
                server_set.insert("id".into(), json!(id));
                server_set.insert("isActive".into(), json!(false));
                if let Some(name) = generated_name {
                    server_set.insert("name".into(), json!(name));
                }
                response.add_created(creation, server_set);
            }
            Err(error) => {
                failed = true;
                response.add_not_created(creation, error);
            }
        }
    }
    for (id, patch) in request.update.unwrap_or_default() {
        match update(call, account, &id, &patch).await {
            Ok(plain) => response.add_updated(plain, None),
            Err(error) => {
                failed = true;
                response.add_not_updated(id, error);
            }
        }
    }
    for id in request.destroy.unwrap_or_default() {
        match destroy(call, account, &id).await {
            Ok(plain) => response.add_destroyed(plain),
            Err(error) => {
                failed = true;
                response.add_not_destroyed(id, error);
            }
        }
    }
    if !failed {
        activate_on_success(call, account, activation, &mut response).await?;
    }
    response.new_state = call.state(account)?;
    to_json(&response)
}

/// `onSuccessActivateScript` / `onSuccessDeactivateScript` (§2.4): an id that names no script
/// is ignored; the scripts whose state changed are reported, a created one in `created`.
async fn activate_on_success(
    call: &Call<'_>,
    account: AccountId,
    activation: Activation,
    response: &mut SetResponse,
) -> Result<(), MethodError> {
    let scripts = call.mail.sieve_scripts(account).map_err(store_error)?;
    let active = scripts.iter().find(|s| s.active);
    let target = match &activation {
        Activation::Keep => return Ok(()),
        Activation::Deactivate => None,
        Activation::Activate(id) => match call.resolve(id).and_then(|id| find(&scripts, &id)) {
            Some(script) => Some(script),
            None => return Ok(()),
        },
    };
    if active.map(|s| s.id) == target.as_ref().map(|s| s.id) {
        return Ok(());
    }
    let name = target.as_ref().map(|s| s.name.clone());
    call.mail
        .activate_sieve_script(account, name)
        .await
        .map_err(store_error)?;
    let state = |active: bool| Some(Map::from_iter([("isActive".into(), json!(active))]));
    if let Some(old) = active {
        response.add_updated(script_id(old.id), state(false));
    }
    if let Some(new) = target {
        let id = script_id(new.id);
        let created = response
            .created
            .iter_mut()
            .flatten()
            .find(|(_, o)| o.get("id") == Some(&json!(id)));
        match created {
            Some((_, object)) => {
                object.insert("isActive".into(), json!(true));
            }
            None => response.add_updated(id, state(true)),
        }
    }
    Ok(())
}

/// A name as given: valid by ManageSieve's rule (RFC 5804 §1.6).
fn valid_name(value: &Value) -> Result<String, SetError> {
    let invalid = |why: String| SetError::invalid_properties(["name"]).with_description(why);
    let name = value
        .as_str()
        .ok_or_else(|| invalid("A name is a string.".into()))?;
    kantor_sieve::check_script_name(name).map_err(invalid)?;
    Ok(name.to_string())
}

/// A name no script of the account has, for a script created without one (§2.1).
fn free_name(scripts: &[SieveScript]) -> String {
    (1..)
        .map(|n| match n {
            1 => "script".to_string(),
            n => format!("script-{n}"),
        })
        .find(|name| !scripts.iter().any(|s| &s.name == name))
        .expect("some number is free")
}

/// A store refusal as the SetError it is; `name` is what an `alreadyExists` is about.
fn refused(call: &Call<'_>, account: AccountId, name: &str, e: StoreError) -> SetError {
    match e {
        StoreError::AlreadyExists(what) => {
            let existing = call
                .mail
                .sieve_scripts(account)
                .ok()
                .and_then(|all| all.into_iter().find(|s| s.name == name));
            match existing {
                Some(script) => SetError::already_exists(script_id(script.id)),
                None => SetError::new(SetErrorType::AlreadyExists),
            }
            .with_description(format!("There is already a {what}."))
        }
        StoreError::Limit(why) => SetError::new(SetErrorType::OverQuota).with_description(why),
        StoreError::InUse(why) => SetError::new(SetErrorType::SieveIsActive).with_description(why),
        StoreError::NotFound(_) => SetError::not_found(),
        other => SetError::new(SetErrorType::Forbidden).with_description(other.to_string()),
    }
}

/// Creates a script of `name` (or one made up) and `blobId`; its number and the made-up name.
async fn create(
    call: &Call<'_>,
    account: AccountId,
    object: &Map<String, Value>,
) -> Result<(i64, Option<String>), SetError> {
    for (property, value) in object {
        let allowed = match property.as_str() {
            "name" | "blobId" => true,
            // Server-set: only its value on creation may be given (RFC 8620 §5.3).
            "isActive" => value == &json!(false),
            _ => false,
        };
        if !allowed {
            return Err(SetError::invalid_properties([property.as_str()])
                .with_description(format!("{property} is not settable on a SieveScript.")));
        }
    }
    let blob_id = object
        .get("blobId")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            SetError::invalid_properties(["blobId"]).with_description("A script needs its blobId.")
        })?;
    let text = content(call, account, blob_id)?;
    let (name, generated) = match object.get("name") {
        None | Some(Value::Null) => {
            let scripts = call.mail.sieve_scripts(account).map_err(|e| {
                SetError::new(SetErrorType::Forbidden).with_description(e.to_string())
            })?;
            let name = free_name(&scripts);
            (name.clone(), Some(name))
        }
        Some(value) => (valid_name(value)?, None),
    };
    let max = call.rules.config().max_scripts;
    let number = call
        .mail
        .create_sieve_script(account, name.clone(), text, max)
        .await
        .map_err(|e| refused(call, account, &name, e))?;
    Ok((number, generated))
}

/// The account's script an id names (the scripts read now).
fn existing(call: &Call<'_>, account: AccountId, id: &IdRef) -> Result<SieveScript, SetError> {
    let plain = call.resolve(id).ok_or_else(SetError::not_found)?;
    let scripts = call
        .mail
        .sieve_scripts(account)
        .map_err(|e| SetError::new(SetErrorType::Forbidden).with_description(e.to_string()))?;
    find(&scripts, &plain).ok_or_else(SetError::not_found)
}

/// Renames and/or rewrites a script; `id` and `isActive` may only be given unchanged.
async fn update(
    call: &Call<'_>,
    account: AccountId,
    id: &IdRef,
    patch: &PatchObject,
) -> Result<Id, SetError> {
    let script = existing(call, account, id)?;
    let before = object(&script);
    let mut after = before.clone();
    patch.apply(&mut after)?;
    // `isActive` changes with onSuccessActivateScript only.
    server_set_unchanged(&before, &after, &["id", "isActive"])?;
    if let Some(p) = after.keys().find(|k| !before.contains_key(k.as_str())) {
        return Err(SetError::invalid_properties([p.as_str()]));
    }
    let name = match after.get("name") {
        Some(value) if before.get("name") != Some(value) => Some(valid_name(value)?),
        _ => None,
    };
    let text = match after.get("blobId") {
        Some(Value::String(blob)) if before.get("blobId") != after.get("blobId") => {
            Some(content(call, account, blob)?)
        }
        Some(Value::String(_)) => None,
        _ => return Err(SetError::invalid_properties(["blobId"])),
    };
    if name.is_some() || text.is_some() {
        let wanted = name.clone().unwrap_or_default();
        call.mail
            .update_sieve_script(account, script.id, name, text)
            .await
            .map_err(|e| refused(call, account, &wanted, e))?;
    }
    Ok(script_id(script.id))
}

/// Destroys a script other than the active one (`sieveIsActive`).
async fn destroy(call: &Call<'_>, account: AccountId, id: &IdRef) -> Result<Id, SetError> {
    let script = existing(call, account, id)?;
    if script.active {
        return Err(
            SetError::new(SetErrorType::SieveIsActive).with_description(format!(
                "\"{}\" is the active script: deactivate it first.",
                script.name
            )),
        );
    }
    call.mail
        .delete_sieve_script(account, script.name.clone())
        .await
        .map_err(|e| refused(call, account, &script.name, e))?;
    Ok(script_id(script.id))
}
