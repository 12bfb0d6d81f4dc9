//! SearchSnippet/get (RFC 8621 §5.1): the parts of each email's subject and preview that match
//! a query's text filters, highlighted. Without full-text search (issue 12) nothing is
//! highlighted, and the RFC's answer for an email with no highlighted match is a snippet with a
//! null `subject` and `preview`; the filter is still checked as Email/query checks it, so a
//! client learns the same errors from both.

use super::call::{Call, number_of, store_error, to_json};
use kantor_jmap_proto::method::{Arguments, Filter};
use kantor_jmap_proto::{Id, MethodError};
use serde_json::{Map, Value, json};

pub(crate) fn get(call: &Call<'_>, arguments: Map<String, Value>) -> Result<Value, MethodError> {
    let mut args = Arguments::new(arguments);
    let account_arg: Id = args.required("accountId")?;
    let filter: Option<Value> = args.optional("filter")?;
    let email_ids: Vec<Id> = args.required("emailIds")?;
    args.finish()?;
    let account = call.account(&account_arg)?;
    if email_ids.len() as u64 > call.limits.max_objects_in_get {
        return Err(MethodError::request_too_large(format!(
            "At most {} emails in one SearchSnippet/get.",
            call.limits.max_objects_in_get
        )));
    }
    if let Some(filter) = &filter {
        Filter::parse(filter, &mut super::filter::condition)?;
    }
    let numbers: Vec<i64> = email_ids
        .iter()
        .map(|id| number_of(id, 'M').unwrap_or(-1))
        .collect();
    let records = call.mail.emails(account, &numbers).map_err(store_error)?;
    let (mut list, mut not_found) = (Vec::new(), Vec::new());
    for (id, record) in email_ids.into_iter().zip(records) {
        match record.filter(|r| !r.destroyed) {
            Some(_) => list.push(json!({"emailId": id, "subject": null, "preview": null})),
            None => not_found.push(id),
        }
    }
    Ok(json!({
        "accountId": account_arg,
        "list": list,
        "notFound": if not_found.is_empty() { Value::Null } else { to_json(&not_found)? },
    }))
}
