//! Email/copy (RFC 8621 §4.7, RFC 8620 §5.4) and Blob/copy (RFC 8620 §6.3): copies between
//! two accounts the user reaches (their own and those shared with them). An email is copied
//! from an account where the user may read it (`r` on one of its mailboxes) into mailboxes of
//! the other where they may file (`i` on each; always in their own): a new email of that
//! account made of the same content-addressed blob, filed as Email/import files one, so each
//! account's change log records its own side. With `onSuccessDestroyOriginal` the originals
//! copied are destroyed by an implicit Email/set in the from account (which needs `t` and `e`
//! there), answered after the copy under the same call id. A copy within one account is not a
//! copy (§5.4: `fromAccountId` MUST differ; moving within an account is Email/set on
//! `mailboxIds`); an account the user does not reach is `fromAccountNotFound`.
//!
//! This server keeps duplicates (two emails of the same message in one account), so
//! `alreadyExists` is never answered.

use super::blob;
use super::call::{Call, account_id, number_of, store_error, to_json};
use super::import::{Targets, file};
use super::set::flags_and_keywords;
use kantor_jmap_proto::method::{Arguments, CopyRequest, CopyResponse};
use kantor_jmap_proto::{Id, MethodError, MethodErrorType, SetError, SetErrorType};
use kantor_store::{AccountId, BlobHash, BlobRef, Flags, StoreError};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// The properties an email to copy may carry (RFC 8621 §4.7): the rest is the original's.
const COPY_PROPERTIES: [&str; 4] = ["id", "mailboxIds", "keywords", "receivedAt"];

/// Email/copy: its response, and the implicit Email/set's when it destroys the originals.
pub(crate) async fn emails(
    call: &Call<'_>,
    arguments: Map<String, Value>,
) -> Result<(Value, Option<Result<Value, MethodError>>), MethodError> {
    let request = CopyRequest::parse(arguments, call.limits)?;
    let to = call.account(&request.account_id)?;
    let from = from_account(call, &request.from_account_id)?;
    call.state_unless_changed(from, request.if_from_in_state.as_deref())?;
    let old_state = call.state_unless_changed(to, request.if_in_state.as_deref())?;
    let targets = Targets::of(call, to)?;
    let (mut created, mut not_created) = (BTreeMap::new(), BTreeMap::new());
    let mut originals = Vec::new();
    for (creation, object) in &request.create {
        match one(call, from, to, &targets, object).await {
            Ok((original, Value::Object(copy))) => {
                originals.push(original);
                created.insert(creation.clone(), copy);
            }
            Ok(_) => {
                not_created.insert(creation.clone(), SetError::new(SetErrorType::Forbidden));
            }
            Err(error) => {
                not_created.insert(creation.clone(), error);
            }
        }
    }
    let response = to_json(&CopyResponse {
        from_account_id: request.from_account_id.clone(),
        account_id: request.account_id,
        old_state: Some(old_state),
        new_state: call.state(to)?,
        created: (!created.is_empty()).then_some(created),
        not_created: (!not_created.is_empty()).then_some(not_created),
    })?;
    // RFC 8620 §5.4: the originals of the records copied, destroyed by an implicit /set.
    let destroyed = match request.on_success_destroy_original && !originals.is_empty() {
        true => {
            let mut set = Map::new();
            set.insert("accountId".into(), json!(request.from_account_id));
            set.insert("destroy".into(), json!(originals));
            if let Some(state) = request.destroy_from_if_in_state {
                set.insert("ifInState".into(), json!(state));
            }
            Some(super::set::set(call, set).await)
        }
        false => None,
    };
    Ok((response, destroyed))
}

/// One email copied: the original's id, and the copy's server-set properties.
async fn one(
    call: &Call<'_>,
    from: AccountId,
    to: AccountId,
    targets: &Targets,
    object: &Map<String, Value>,
) -> Result<(Id, Value), SetError> {
    if let Some(other) = object
        .keys()
        .find(|k| !COPY_PROPERTIES.contains(&k.as_str()))
    {
        return Err(SetError::invalid_properties([other.as_str()])
            .with_description("Only id, mailboxIds, keywords and receivedAt may be given."));
    }
    let original = CopyRequest::source_id(object)?;
    // Only an email the user may read in the from account exists for them (`r`).
    let record = number_of(&original, 'M')
        .and_then(|n| call.mail.emails(from, &[n]).ok())
        .and_then(|r| r.into_iter().flatten().find(|r| !r.destroyed))
        .ok_or_else(SetError::not_found)?;
    let mailboxes = targets.parse(object.get("mailboxIds"))?;
    let keywords = match object.get("keywords") {
        None | Some(Value::Null) => (record.flags.without(Flags::DELETED), record.keywords),
        Some(value) => flags_and_keywords(value)?,
    };
    let received_at = object
        .get("receivedAt")
        .map_or(Ok(None), super::call::parse_utc_date)
        .map_err(|()| invalid_received_at())?
        .unwrap_or(record.received_at);
    let raw = call
        .mail
        .read_blob(&record.blob)
        .map_err(|_| SetError::new(SetErrorType::BlobNotFound))?;
    let copy = file(call, to, raw, &mailboxes, keywords, received_at).await?;
    Ok((original, copy))
}

fn invalid_received_at() -> SetError {
    SetError::invalid_properties(["receivedAt"]).with_description("A UTCDate.")
}

/// Blob/copy (RFC 8620 §6.3): each blob the user may read in the from account becomes one of
/// the target account's (an upload there, kept until the collector's grace period passes
/// unless an email is made of it), which needs `i` on one of its mailboxes. A section's blob
/// (`<hash>-1_2`) is copied as its bytes, under their own id.
pub(crate) async fn blobs(
    call: &Call<'_>,
    arguments: Map<String, Value>,
) -> Result<Value, MethodError> {
    let mut args = Arguments::new(arguments);
    let from_id: Id = args.required("fromAccountId")?;
    let to_id: Id = args.required("accountId")?;
    let blob_ids: Vec<Id> = args.required("blobIds")?;
    args.finish()?;
    if from_id == to_id {
        return Err(MethodError::invalid_arguments(
            "accountId must differ from fromAccountId: a blob is already in its own account.",
        ));
    }
    if blob_ids.len() as u64 > call.limits.max_objects_in_set {
        return Err(MethodError::request_too_large(format!(
            "At most {} blobs in one copy.",
            call.limits.max_objects_in_set
        )));
    }
    let to = call.account(&to_id)?;
    let from = from_account(call, &from_id)?;
    let (mut copied, mut not_copied) = (Map::new(), Map::new());
    for id in blob_ids {
        let Some(bytes) = blob::read(&call.mail, from, id.as_str()) else {
            not_copied.insert(id.to_string(), to_json(&SetError::not_found())?);
            continue;
        };
        let media_type = BlobHash::parse(id.as_str())
            .and_then(|h| call.mail.upload(from, &h).ok().flatten())
            .map_or_else(|| "application/octet-stream".into(), |u| u.media_type);
        match call
            .mail
            .record_upload(to, BlobRef::new(bytes), media_type)
            .await
        {
            Ok(upload) => {
                copied.insert(id.to_string(), json!(upload.blob.to_string()));
            }
            Err(StoreError::Forbidden(why) | StoreError::NotFound(why)) => {
                let error = SetError::new(SetErrorType::Forbidden).with_description(why);
                not_copied.insert(id.to_string(), to_json(&error)?);
            }
            Err(other) => return Err(store_error(other)),
        }
    }
    let or_null = |m: Map<String, Value>| match m.is_empty() {
        true => Value::Null,
        false => Value::Object(m),
    };
    Ok(json!({
        "fromAccountId": from_id,
        "accountId": account_id(to),
        "copied": or_null(copied),
        "notCopied": or_null(not_copied),
    }))
}

/// The account copied from: one the user reaches, else `fromAccountNotFound` (RFC 8620 §5.4).
fn from_account(call: &Call<'_>, from: &Id) -> Result<AccountId, MethodError> {
    call.account(from).map_err(|error| match error.kind {
        MethodErrorType::AccountNotFound => MethodError::with_description(
            MethodErrorType::FromAccountNotFound,
            format!(
                "No account {from} to copy from for {}.",
                call.account.address()
            ),
        ),
        _ => error,
    })
}
