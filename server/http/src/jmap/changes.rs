//! Email/changes and Thread/changes (RFC 8621 §4.3, §3.2; RFC 8620 §5.2), read from the
//! account's change log: the emails the log names since the client's state, each created (it
//! came to be after that state), updated, or destroyed (a tombstone now); their threads
//! likewise. An object created and destroyed within the window is left out. [`logged`] does
//! the same for the kinds whose log entries say what happened to each object (Identity,
//! SieveScript).

use super::call::{Call, email_id, log_page, store_error, thread_id, to_json};
use kantor_jmap_proto::method::{ChangesRequest, ChangesResponse};
use kantor_jmap_proto::{Id, MethodError};
use kantor_store::changes::{ChangeKind, ObjectKind};
use kantor_store::{EmailRecord, MessageId};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The emails the log names after the state, as they are now, and where the page ends.
struct Window {
    request: ChangesRequest,
    account: kantor_store::AccountId,
    since: u64,
    /// The state where the page ends.
    until: String,
    has_more: bool,
    emails: Vec<EmailRecord>,
    /// Ids the log names that no longer exist at all (collected).
    gone: Vec<MessageId>,
}

fn window(call: &Call<'_>, arguments: Map<String, Value>) -> Result<Window, MethodError> {
    let (request, account, since, page) = log_page(call, arguments, &[ObjectKind::Email], false)?;
    let ids: Vec<MessageId> = page
        .changes
        .iter()
        .map(|c| c.object_id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let records = call.mail.emails(account, &ids).map_err(store_error)?;
    let mut emails = Vec::with_capacity(ids.len());
    let mut gone = Vec::new();
    for (id, record) in ids.into_iter().zip(records) {
        match record {
            Some(record) => emails.push(record),
            None => gone.push(id),
        }
    }
    Ok(Window {
        request,
        account,
        since,
        until: call.state_at(account, page.until.max(since))?,
        has_more: page.has_more,
        emails,
        gone,
    })
}

fn respond(
    window: Window,
    created: Vec<kantor_jmap_proto::Id>,
    updated: Vec<kantor_jmap_proto::Id>,
    destroyed: Vec<kantor_jmap_proto::Id>,
) -> Result<Value, MethodError> {
    to_json(&ChangesResponse {
        account_id: window.request.account_id,
        old_state: window.request.since_state,
        new_state: window.until,
        has_more_changes: window.has_more,
        created,
        updated,
        destroyed,
    })
}

pub(crate) fn emails(call: &Call<'_>, arguments: Map<String, Value>) -> Result<Value, MethodError> {
    let window = window(call, arguments)?;
    let (mut created, mut updated, mut destroyed) = (Vec::new(), Vec::new(), Vec::new());
    for email in &window.emails {
        let new = email.created_modseq > window.since;
        match (email.destroyed, new) {
            (true, true) => {}
            (true, false) => destroyed.push(email_id(email.id)),
            (false, true) => created.push(email_id(email.id)),
            (false, false) => updated.push(email_id(email.id)),
        }
    }
    destroyed.extend(window.gone.iter().map(|&id| email_id(id)));
    respond(window, created, updated, destroyed)
}

pub(crate) fn threads(
    call: &Call<'_>,
    arguments: Map<String, Value>,
) -> Result<Value, MethodError> {
    let window = window(call, arguments)?;
    let account = window.account;
    // The threads of the changed emails, with whether each of those emails is new.
    let mut touched: BTreeMap<i64, bool> = BTreeMap::new();
    for email in &window.emails {
        let new = email.created_modseq > window.since;
        *touched.entry(email.thread_id).or_insert(true) &= new;
    }
    let (mut created, mut updated, mut destroyed) = (Vec::new(), Vec::new(), Vec::new());
    for (thread, all_new) in touched {
        let now = call
            .mail
            .thread_emails(account, thread)
            .map_err(store_error)?;
        let members = call.mail.emails(account, &now).map_err(store_error)?;
        let existed = members
            .iter()
            .flatten()
            .any(|e| e.created_modseq <= window.since);
        match (now.is_empty(), existed || !all_new) {
            // Gone, and some of it was there at the state: destroyed; all of it new: neither.
            (true, true) => destroyed.push(thread_id(thread)),
            (true, false) => {}
            (false, true) => updated.push(thread_id(thread)),
            (false, false) => created.push(thread_id(thread)),
        }
    }
    respond(window, created, updated, destroyed)
}

/// A `/changes` (RFC 8620 §5.2) of the objects of one `kind`, each logged as created, updated
/// or destroyed: each object once, by what happened to it over the whole window (created and
/// destroyed in it: left out), its id made by `id`.
pub(crate) fn logged(
    call: &Call<'_>,
    arguments: Map<String, Value>,
    kind: ObjectKind,
    id: fn(i64) -> Id,
) -> Result<Value, MethodError> {
    let (request, _, since, page) = log_page(call, arguments, &[kind], true)?;
    let mut seen: Vec<(i64, bool, bool)> = Vec::new(); // (id, created in it, destroyed in it)
    for change in &page.changes {
        let created = change.kind == ChangeKind::Created;
        let destroyed = change.kind == ChangeKind::Destroyed;
        match seen.iter_mut().find(|(id, ..)| *id == change.object_id) {
            Some(entry) => entry.2 |= destroyed,
            None => seen.push((change.object_id, created, destroyed)),
        }
    }
    let (mut created, mut updated, mut destroyed) = (Vec::new(), Vec::new(), Vec::new());
    for (number, new, gone) in seen {
        match (new, gone) {
            (true, true) => {}
            (_, true) => destroyed.push(id(number)),
            (true, false) => created.push(id(number)),
            (false, false) => updated.push(id(number)),
        }
    }
    to_json(&ChangesResponse {
        account_id: request.account_id,
        old_state: request.since_state,
        new_state: page.until.max(since).to_string(),
        has_more_changes: page.has_more,
        created,
        updated,
        destroyed,
    })
}
