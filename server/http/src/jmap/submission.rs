//! Sending (RFC 8621 §7): EmailSubmission/get, /changes, /query and /set, with an identity of
//! the user (`identity`).
//!
//! A submission
//! checks the email's From and the envelope's MAIL FROM against what the user may send as
//! (the directory decides, as for SMTP submission), takes the Bcc field out, delivers to local
//! recipients and queues remote ones (both durable before the answer), then records it in the
//! change log. Sending is immediate: every submission's `undoStatus` is `final`.

use super::call::{Call, email_id, number_of, thread_id, to_json, utc_date};
use kantor_directory::{Address, Recipient};
use kantor_jmap_proto::method::{Arguments, SetRequest, SetResponse};
use kantor_jmap_proto::{Id, IdRef, MethodError, SetError, SetErrorType};
use kantor_message::authors::Authors;
use kantor_store::{
    AccountId, BlobRef, EmailSubmission, Flags, IncomingMessage, OutgoingMessage, QueueRecipient,
    QuotaRule,
};
use serde_json::{Map, Value, json};

/// Most recipients of one submission.
const MAX_RECIPIENTS: usize = 100;

/// EmailSubmission/set (§7.5): creates send; then the implicit Email/set of
/// `onSuccessUpdateEmail` and `onSuccessDestroyEmail`, whose response follows (its arguments
/// are the second value).
pub(crate) async fn set(
    call: &Call<'_>,
    arguments: Map<String, Value>,
) -> Result<(Value, Option<Value>), MethodError> {
    let mut args = Arguments::new(arguments);
    let request = SetRequest::from_arguments(&mut args, call.limits)?;
    let update_email: Option<Map<String, Value>> = args.optional("onSuccessUpdateEmail")?;
    let destroy_email: Option<Vec<String>> = args.optional("onSuccessDestroyEmail")?;
    args.finish()?;
    let account = call.personal_account(&request.account_id)?;
    let old_state = call.state_unless_changed(account, request.if_in_state.as_deref())?;
    let mut response = SetResponse::new(request.account_id.clone(), Some(old_state), "");
    // Submission ids (and creation ids) to the emails they sent.
    let mut sent: Vec<(String, Id)> = Vec::new();
    for (creation, object) in request.create.unwrap_or_default() {
        match send(call, account, &object).await {
            Ok(submission) => {
                let id = Id::new(format!("S{}", submission.id)).expect("an Id");
                sent.push((format!("#{creation}"), email_id(submission.email_id)));
                sent.push((id.to_string(), email_id(submission.email_id)));
                call.created().insert(creation.clone(), id.clone());
                let mut created = Map::new();
                created.insert("id".into(), json!(id));
                created.insert("threadId".into(), json!(thread_id(submission.thread_id)));
                created.insert("sendAt".into(), utc_date(Some(submission.send_at)));
                created.insert("undoStatus".into(), json!("final"));
                response.add_created(creation, created);
            }
            Err(error) => response.add_not_created(creation, error),
        }
    }
    for (id, _) in request.update.unwrap_or_default() {
        response.add_not_updated(
            id,
            SetError::new(SetErrorType::CannotUnsend)
                .with_description("Sent at once: nothing to cancel."),
        );
    }
    for id in request.destroy.unwrap_or_default() {
        response.add_not_destroyed(
            id,
            SetError::new(SetErrorType::Forbidden)
                .with_description("The record of a sent message stays."),
        );
    }
    response.new_state = call.state(account)?;
    let first = to_json(&response)?;
    let email_of = |key: &str| sent.iter().find(|(k, _)| k == key).map(|(_, e)| e.clone());
    let mut update = Map::new();
    for (key, patch) in update_email.unwrap_or_default() {
        if let Some(email) = email_of(&key) {
            update.insert(email.to_string(), patch);
        }
    }
    let destroy: Vec<Id> = destroy_email
        .unwrap_or_default()
        .iter()
        .filter_map(|k| email_of(k))
        .collect();
    if update.is_empty() && destroy.is_empty() {
        return Ok((first, None));
    }
    let mut implicit = Map::new();
    implicit.insert("accountId".into(), json!(request.account_id));
    if !update.is_empty() {
        implicit.insert("update".into(), Value::Object(update));
    }
    if !destroy.is_empty() {
        implicit.insert("destroy".into(), json!(destroy));
    }
    let second = super::set::set(call, implicit).await?;
    Ok((first, Some(second)))
}

/// Sends one email as the creation asks; the recorded submission.
async fn send(
    call: &Call<'_>,
    account: AccountId,
    object: &Map<String, Value>,
) -> Result<EmailSubmission, SetError> {
    let invalid =
        |p: &str, why: &str| SetError::invalid_properties([p]).with_description(why.to_string());
    if let Some(p) = object
        .keys()
        .find(|k| !["identityId", "emailId", "envelope"].contains(&k.as_str()))
    {
        return Err(invalid(
            p,
            "Not a property a client sets on an EmailSubmission.",
        ));
    }
    let identity = object
        .get("identityId")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let known = super::identity::find(call, account, identity)
        .map_err(|e| invalid("identityId", &e.to_string()))?;
    if known.is_none() {
        return Err(invalid("identityId", "Not an identity of this account."));
    }
    let email = object
        .get("emailId")
        .and_then(Value::as_str)
        .and_then(|s| IdRef::parse(s).ok())
        .and_then(|r| call.resolve(&r))
        .and_then(|id| number_of(&id, 'M'))
        .and_then(|n| {
            call.mail
                .emails(account, &[n])
                .ok()?
                .into_iter()
                .flatten()
                .find(|r| !r.destroyed)
        })
        .ok_or_else(|| invalid("emailId", "No such email."))?;
    let raw = call
        .mail
        .read_blob(&email.blob)
        .map_err(|e| SetError::new(SetErrorType::InvalidEmail).with_description(e.to_string()))?;
    // The header is parsed once; each address field read from it as needed.
    let root = kantor_message::mime::parse_header(&raw);
    let fields = root.fields(&raw);
    let fields_of = |name: &str| -> Vec<String> {
        let lists: Vec<_> = fields
            .iter()
            .filter(|f| f.is(name))
            .map(|f| kantor_message::address::parse_list(&f.text()))
            .collect();
        lists
            .iter()
            .flat_map(|l| kantor_message::address::mailboxes(l))
            .filter_map(|m| Some(format!("{}@{}", m.local.as_ref()?, m.domain.as_ref()?)))
            .collect()
    };
    // RFC 8621 §7.5 forbiddenFrom: the directory's one rule, as for SMTP submission.
    let authors = Authors::of(&raw);
    let copies = match call.directory.check_authors(call.account, &authors) {
        Ok(Ok(accepted)) => accepted.copy_to_sent,
        Ok(Err(refusal)) => {
            return Err(
                SetError::new(SetErrorType::ForbiddenFrom).with_description(format!("{refusal}."))
            );
        }
        Err(e) => {
            return Err(SetError::new(SetErrorType::Forbidden).with_description(e.to_string()));
        }
    };
    let from = authors.from.clone().unwrap_or_default();
    if from.is_empty() {
        return Err(SetError::new(SetErrorType::ForbiddenFrom)
            .with_description("The email has no From address."));
    }
    let (mail_from, rcpt_to) = match object.get("envelope").filter(|e| !e.is_null()) {
        Some(envelope) => {
            let address = |v: &Value| v["email"].as_str().map(str::to_string);
            let mail_from = address(&envelope["mailFrom"])
                .ok_or_else(|| invalid("envelope", "mailFrom is an Address."))?;
            let rcpt_to = envelope["rcptTo"]
                .as_array()
                .ok_or_else(|| invalid("envelope", "rcptTo is a list of Addresses."))?
                .iter()
                .map(address)
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| invalid("envelope", "rcptTo is a list of Addresses."))?;
            (mail_from, rcpt_to)
        }
        None => {
            let mail_from = authors
                .sender
                .as_deref()
                .and_then(<[String]>::first)
                .or(from.first())
                .cloned()
                .unwrap_or_else(|| call.account.address());
            let mut rcpt_to: Vec<String> = Vec::new();
            for name in ["To", "Cc", "Bcc"] {
                for a in fields_of(name) {
                    if !rcpt_to.iter().any(|r| r.eq_ignore_ascii_case(&a)) {
                        rcpt_to.push(a);
                    }
                }
            }
            (mail_from, rcpt_to)
        }
    };
    let may_use = Address::parse(&mail_from).ok().is_some_and(|a| {
        call.directory
            .may_use_as_envelope(call.account, &a)
            .unwrap_or(false)
    });
    if !may_use {
        return Err(
            SetError::new(SetErrorType::ForbiddenMailFrom).with_description(format!(
                "{mail_from} is not an address this user may send as."
            )),
        );
    }
    if rcpt_to.is_empty() {
        return Err(SetError::new(SetErrorType::NoRecipients));
    }
    if rcpt_to.len() > MAX_RECIPIENTS {
        return Err(SetError::new(SetErrorType::TooManyRecipients)
            .with_description(format!("At most {MAX_RECIPIENTS} recipients.")));
    }
    let (mut local, mut remote, mut refused) = (Vec::new(), Vec::new(), Vec::new());
    for rcpt in &rcpt_to {
        match Address::parse(rcpt).map(|a| call.directory.resolve(&a)) {
            Ok(Ok(Recipient::Local(accounts))) => local.extend(accounts),
            Ok(Ok(Recipient::Remote)) => remote.push(QueueRecipient {
                address: rcpt.clone(),
                notify: None,
                orcpt: None,
            }),
            _ => refused.push(rcpt.clone()),
        }
    }
    if !refused.is_empty() {
        return Err(SetError::invalid_recipients(refused));
    }
    local.sort_unstable();
    local.dedup();
    let blob = BlobRef::new(without_bcc(&raw));
    let store = call.directory.store();
    let now = chrono::Utc::now().timestamp();
    let fail = |e: kantor_store::StoreError| {
        SetError::new(SetErrorType::Forbidden).with_description(e.to_string())
    };
    if !local.is_empty() {
        let delivery = kantor_sieve::Delivery {
            message: IncomingMessage {
                blob: blob.clone(),
                recipients: local,
                flags: Flags::default(),
                internal_date: now,
                quota: QuotaRule::SkipFull,
                mailbox: kantor_store::MailboxRole::Inbox,
            },
            mail_from: mail_from.clone(),
            rcpt_to: Vec::new(),
        };
        let outcome = call
            .rules
            .deliver(call.directory, delivery)
            .await
            .map_err(fail)?;
        kantor_metrics::metrics()
            .messages_delivered
            .inc_by(outcome.filed as u64);
        let mut rejected = Vec::new();
        for (account, why) in outcome.rejected {
            if let Ok(Some(a)) = store.account(account) {
                rejected.push((a.address(), why));
            }
        }
        call.rules
            .notify_rejected(call.directory, &mail_from, &rejected, &blob.data)
            .await;
    }
    let mut queue_ids = Vec::new();
    if !remote.is_empty() {
        queue_ids = store
            .enqueue(OutgoingMessage {
                blob,
                account_id: Some(account),
                mail_from: mail_from.clone(),
                recipients: remote,
                envid: None,
                ret: None,
            })
            .await
            .map_err(fail)?;
    }
    // Sent, the message is copied to those it was sent for who asked (`kantor_directory::sending`).
    if !copies.is_empty() {
        let copy = BlobRef::new(raw.clone());
        call.directory
            .file_sent_copies(&copies, copy, &format!("jmap:{account}"))
            .await;
    }
    let envelope = json!({
        "mailFrom": {"email": mail_from, "parameters": null},
        "rcptTo": rcpt_to.iter().map(|r| json!({"email": r, "parameters": null})).collect::<Vec<_>>(),
    });
    let mut submission = EmailSubmission {
        id: 0,
        identity_id: identity.to_string(),
        email_id: email.id,
        thread_id: email.thread_id,
        envelope: envelope.to_string(),
        send_at: now,
        queue_ids,
        delivery: Vec::new(),
    };
    submission.id = call
        .mail
        .record_submission(account, submission.clone())
        .await
        .map_err(fail)?;
    kantor_metrics::metrics().messages_received.inc();
    tracing::info!(
        account,
        submission = submission.id,
        from = %mail_from,
        rcpts = rcpt_to.len(),
        "jmap: message submitted"
    );
    Ok(submission)
}

/// The message without its Bcc fields (RFC 5322 §3.6.3: recipients do not see them).
fn without_bcc(raw: &[u8]) -> Vec<u8> {
    let root = kantor_message::mime::parse_header(raw);
    let fields = root.fields(raw);
    if !fields.iter().any(|f| f.is("Bcc")) {
        return raw.to_vec();
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut end = 0;
    for field in &fields {
        let start = field.raw.as_ptr() as usize - raw.as_ptr() as usize;
        end = start + field.raw.len();
        if !field.is("Bcc") {
            out.extend_from_slice(field.raw);
        }
    }
    out.extend_from_slice(&raw[end..]);
    out
}
