//! Reading what was sent (RFC 8621 §7.1-§7.3): EmailSubmission/get, /changes (from the change
//! log: created, and updated as its queued recipients' delivery changes) and /query. Every
//! submission is `final`: sending is immediate; `deliveryStatus` comes from the queue.

use super::call::{
    Call, email_id, get_by_number, query_page, store_error, thread_id, to_json, utc_date,
};
use kantor_directory::{Address, Recipient};
use kantor_jmap_proto::method::{ChangesResponse, GetRequest, QueryRequest};
use kantor_jmap_proto::{Id, MethodError};
use kantor_store::changes::{ChangeKind, ObjectKind};
use kantor_store::{EmailSubmission, QueueStatus};
use serde_json::{Map, Value, json};

/// An EmailSubmission object (RFC 8621 §7).
fn submission_object(call: &Call<'_>, s: &EmailSubmission) -> Value {
    json!({
        "id": format!("S{}", s.id),
        "identityId": s.identity_id,
        "emailId": email_id(s.email_id),
        "threadId": thread_id(s.thread_id),
        "envelope": serde_json::from_str::<Value>(&s.envelope).unwrap_or(Value::Null),
        "sendAt": utc_date(Some(s.send_at)),
        "undoStatus": "final",
        "deliveryStatus": delivery_status(call, s),
        "dsnBlobIds": [],
        "mdnBlobIds": [],
    })
}

/// `deliveryStatus` (§7): each envelope recipient's delivery. Remote recipients from the queue:
/// `queued` while waiting (with the last error as `smtpReply` once deferred), `yes` with the
/// accepting server's reply, `no` with the error once bounced; local ones were delivered at
/// submission (`yes`). Whether a message was displayed is never known here (`unknown`).
fn delivery_status(call: &Call<'_>, s: &EmailSubmission) -> Value {
    let mut status = Map::new();
    let envelope = serde_json::from_str::<Value>(&s.envelope).unwrap_or(Value::Null);
    let recipients = envelope["rcptTo"].as_array().cloned().unwrap_or_default();
    for rcpt in recipients.iter().filter_map(|r| r["email"].as_str()) {
        let queued = s
            .delivery
            .iter()
            .find(|d| d.address.eq_ignore_ascii_case(rcpt));
        let (reply, delivered) = match queued {
            Some(d) => match d.status {
                QueueStatus::Queued => ("250 2.1.5 queued".to_string(), "queued"),
                QueueStatus::Deferred => (d.last_error.clone().unwrap_or_default(), "queued"),
                QueueStatus::Delivered => (d.remote_reply.clone().unwrap_or_default(), "yes"),
                QueueStatus::Bounced => (d.last_error.clone().unwrap_or_default(), "no"),
            },
            None => match local(call, rcpt) {
                true => ("250 2.0.0 delivered locally".to_string(), "yes"),
                false => ("250 2.0.0 sent".to_string(), "unknown"),
            },
        };
        status.insert(
            rcpt.to_string(),
            json!({"smtpReply": reply, "delivered": delivered, "displayed": "unknown"}),
        );
    }
    Value::Object(status)
}

/// Whether `address` is one of ours.
fn local(call: &Call<'_>, address: &str) -> bool {
    Address::parse(address)
        .ok()
        .and_then(|a| call.directory.resolve(&a).ok())
        .is_some_and(|r| matches!(r, Recipient::Local(_)))
}

/// EmailSubmission/get (§7.1).
pub(crate) fn get(call: &Call<'_>, arguments: Map<String, Value>) -> Result<Value, MethodError> {
    let request = GetRequest::parse(arguments, call.limits)?;
    let account = call.personal_account(&request.account_id)?;
    let all = call.mail.submissions(account).map_err(store_error)?;
    get_by_number(
        call,
        request,
        &all,
        'S',
        |s| s.id,
        |s| super::call::json_object(submission_object(call, s)),
    )
}

/// EmailSubmission/changes (§7.2): submissions are only ever created here.
pub(crate) fn changes(
    call: &Call<'_>,
    arguments: Map<String, Value>,
) -> Result<Value, MethodError> {
    let kinds = [ObjectKind::EmailSubmission];
    let (request, _, since, page) = super::call::log_page(call, arguments, &kinds, true)?;
    // Created in the window: listed as created only (RFC 8620 §5.2); delivery status changes
    // of older ones: updated.
    let (mut created, mut updated) = (Vec::new(), Vec::new());
    for change in &page.changes {
        let id = Id::new(format!("S{}", change.object_id)).expect("an Id");
        match change.kind {
            ChangeKind::Created => created.push(id),
            _ => updated.push(id),
        }
    }
    updated.retain(|id| !created.contains(id));
    updated.dedup();
    let mut seen = std::collections::HashSet::new();
    updated.retain(|id| seen.insert(id.clone()));
    to_json(&ChangesResponse {
        account_id: request.account_id,
        old_state: request.since_state,
        new_state: page.until.max(since).to_string(),
        has_more_changes: page.has_more,
        created,
        updated,
        destroyed: Vec::new(),
    })
}

/// EmailSubmission/query (§7.3): filtered by email, thread, identity, undo status and date,
/// sorted by `sentAt` (`sendAt`), `emailId` or `threadId`.
pub(crate) fn query(call: &Call<'_>, arguments: Map<String, Value>) -> Result<Value, MethodError> {
    let request = QueryRequest::parse(arguments)?;
    let account = call.personal_account(&request.account_id)?;
    let filter = request.parse_filter(|c| Ok(c.clone()))?;
    let mut all = call.mail.submissions(account).map_err(store_error)?;
    if let Some(filter) = &filter {
        all.retain(|s| filter.matches(&mut |c| matches(c, s)));
    }
    for c in request.sort.iter().flatten().rev() {
        if !matches!(c.property.as_str(), "sentAt" | "emailId" | "threadId") {
            return Err(MethodError::with_description(
                kantor_jmap_proto::MethodErrorType::UnsupportedSort,
                format!("EmailSubmission cannot be sorted by {:?}.", c.property),
            ));
        }
        all.sort_by(|a, b| {
            let order = match c.property.as_str() {
                "emailId" => a.email_id.cmp(&b.email_id),
                "threadId" => a.thread_id.cmp(&b.thread_id),
                _ => a.send_at.cmp(&b.send_at),
            };
            if c.is_ascending {
                order
            } else {
                order.reverse()
            }
        });
    }
    let ids: Vec<Id> = all
        .iter()
        .map(|s| Id::new(format!("S{}", s.id)).expect("an Id"))
        .collect();
    query_page(request, &ids, call.state(account)?, false, None)
}

/// One EmailSubmission filter condition (§7.3); an unknown property matches nothing.
fn matches(condition: &Map<String, Value>, s: &EmailSubmission) -> bool {
    let listed = |value: &Value, id: String| {
        value
            .as_array()
            .is_some_and(|l| l.iter().any(|v| v.as_str() == Some(&id)))
    };
    let date = |v: &Value| {
        v.as_str()
            .and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok())
            .map(|d| d.timestamp())
    };
    condition.iter().all(|(name, value)| match name.as_str() {
        "identityIds" => listed(value, s.identity_id.clone()),
        "emailIds" => listed(value, email_id(s.email_id).to_string()),
        "threadIds" => listed(value, thread_id(s.thread_id).to_string()),
        "undoStatus" => value == "final",
        "before" => date(value).is_some_and(|d| s.send_at < d),
        "after" => date(value).is_some_and(|d| s.send_at >= d),
        _ => false,
    })
}
