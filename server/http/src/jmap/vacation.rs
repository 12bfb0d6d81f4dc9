//! VacationResponse/get and /set (RFC 8621 §8): the account's one out-of-office reply, id
//! `singleton`. Stored now; sending it is Sieve's (RFC 5230), with the sharing and filtering
//! issue. Setting it is an account change, so `/changes` and push see it.

use super::call::{Call, store_error, to_json, utc_date};
use kantor_jmap_proto::method::{GetRequest, GetResponse, SetRequest, SetResponse};
use kantor_jmap_proto::{IdRef, MethodError, SetError, SetErrorType};
use kantor_store::Vacation;
use serde_json::{Map, Value, json};

const SINGLETON: &str = "singleton";

fn object(v: &Vacation) -> Value {
    json!({
        "id": SINGLETON,
        "isEnabled": v.enabled,
        "fromDate": utc_date(v.from_date),
        "toDate": utc_date(v.to_date),
        "subject": v.subject,
        "textBody": v.text_body,
        "htmlBody": v.html_body,
    })
}

pub(crate) fn get(call: &Call<'_>, arguments: Map<String, Value>) -> Result<Value, MethodError> {
    let request = GetRequest::parse(arguments, call.limits)?;
    let account = call.personal_account(&request.account_id)?;
    let state = call.state(account)?;
    let current = object(&call.mail.vacation(account).map_err(store_error)?);
    let (list, not_found) = match &request.ids {
        None => (vec![current], Vec::new()),
        Some(ids) => {
            let (mut list, mut missing) = (Vec::new(), Vec::new());
            for id in ids {
                match id.as_str() == SINGLETON && list.is_empty() {
                    true => list.push(current.clone()),
                    false if id.as_str() == SINGLETON => {}
                    false => missing.push(id.clone()),
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

pub(crate) async fn set(
    call: &Call<'_>,
    arguments: Map<String, Value>,
) -> Result<Value, MethodError> {
    let request = SetRequest::parse(arguments, call.limits)?;
    let account = call.personal_account(&request.account_id)?;
    let old_state = call.state_unless_changed(account, request.if_in_state.as_deref())?;
    let mut outcome: Vec<(IdRef, Result<(), SetError>, bool)> = Vec::new();
    for (creation, _) in request.create.unwrap_or_default() {
        outcome.push((
            IdRef::Creation(creation),
            Err(SetError::new(SetErrorType::Singleton)),
            true,
        ));
    }
    for id in request.destroy.unwrap_or_default() {
        outcome.push((id, Err(SetError::new(SetErrorType::Singleton)), false));
    }
    for (id, patch) in request.update.unwrap_or_default() {
        let result = match &id {
            IdRef::Id(plain) if plain.as_str() == SINGLETON => {
                update(call, account, &patch.0).await
            }
            _ => Err(SetError::not_found()),
        };
        outcome.push((id, result, false));
    }
    let mut response = SetResponse::new(request.account_id, Some(old_state), call.state(account)?);
    for (id, result, creating) in outcome {
        match (id, result, creating) {
            (IdRef::Creation(c), Err(e), true) => response.add_not_created(c, e),
            (IdRef::Id(plain), Ok(()), _) => response.add_updated(plain, None),
            (id, Err(e), false) => match e.kind {
                SetErrorType::Singleton => response.add_not_destroyed(id, e),
                _ => response.add_not_updated(id, e),
            },
            _ => {}
        }
    }
    to_json(&response)
}

async fn update(
    call: &Call<'_>,
    account: kantor_store::AccountId,
    patch: &Map<String, Value>,
) -> Result<(), SetError> {
    let mut vacation = call
        .mail
        .vacation(account)
        .map_err(|e| SetError::new(SetErrorType::Forbidden).with_description(e.to_string()))?;
    let invalid = |p: &str| SetError::invalid_properties([p]);
    let text = |p: &str, v: &Value| match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        _ => Err(invalid(p)),
    };
    let when = |p: &str, v: &Value| super::call::parse_utc_date(v).map_err(|()| invalid(p));
    for (property, value) in patch {
        match property.as_str() {
            "isEnabled" => {
                vacation.enabled = value.as_bool().ok_or_else(|| invalid("isEnabled"))?
            }
            "fromDate" => vacation.from_date = when("fromDate", value)?,
            "toDate" => vacation.to_date = when("toDate", value)?,
            "subject" => vacation.subject = text("subject", value)?,
            "textBody" => vacation.text_body = text("textBody", value)?,
            "htmlBody" => vacation.html_body = text("htmlBody", value)?,
            other => return Err(invalid(other)),
        }
    }
    call.mail
        .set_vacation(account, vacation)
        .await
        .map_err(|e| SetError::new(SetErrorType::Forbidden).with_description(e.to_string()))
}
