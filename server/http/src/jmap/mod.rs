//! JMAP (RFC 8620): the session resource (§2) and the API endpoint (§3).
//!
//! Ids are the ones IMAP shows (RFC 8474): an account is `A` and its number, as a mailbox is
//! `M…`, an email `M…` (its EMAILID) and a thread `T…`, so a client of both protocols sees one
//! object under one id.
//!
//! - `call`: what every method call has (the user's store view, ids, states, errors);
//! - `mailbox`: Mailbox/get and Mailbox/changes (RFC 8621 §2); `mailbox_query`: Mailbox/query
//!   and /queryChanges (§2.3-§2.4); `mailbox_set`: Mailbox/set;
//! - `query`: Email/query (RFC 8621 §4.4); `email`: Email/get and Thread/get (§3, §4.2);
//! - `body`: an email's body structure, text/HTML/attachment lists and body values;
//! - `headers`: `headers` and the `header:{name}:as{Form}` properties (§4.1.2-§4.1.3);
//! - `blob`: what a blob id names and who may read it; `parse`: Email/parse (§4.9);
//! - `create`: Email/set create, a message written from an Email object (§4.6), its body
//!   by `create_body`;
//! - `copy`: Email/copy and Blob/copy between the user's account and those shared with them;
//! - `snippet`: SearchSnippet/get (§5), without highlighting until full-text search;
//! - `identity`: Identity (§6), stored; `submission`: EmailSubmission/set (§7.5): sending,
//!   local and queued; `submission_read`: EmailSubmission/get, /changes, /query;
//! - `changes`: Email/changes and Thread/changes from the change log;
//! - `set`: Email/set (create, keywords, mailboxes, destroy); `import`: Email/import;
//! - `quota`: Quota/get and /changes (RFC 9425); `query_changes`: Email/queryChanges (§4.5);
//! - `filter`: Email/query's filter conditions and sorts (§4.4.1-§4.4.2), parsed;
//!   `candidates`: the account's emails as a query reads, filters and sorts them;
//! - `vacation`: VacationResponse/get and /set (RFC 8621 §8), stored;
//! - `shared`: accounts shared with the user through IMAP ACLs (RFC 8620 §1.6.2): the
//!   session's entries, the rights and subscriptions Mailbox/get shows;
//! - `principal`: Principal/get, /changes, /set (refused), /query (RFC 9670 §3): the
//!   directory's users, shared mailboxes and groups; `share_notification`: ShareNotification
//!   (§5), the notices the store writes with each ACL change;
//! - `sieve`: the Sieve capability and SieveScript/get, /changes, /query and /validate
//!   (RFC 9661), ManageSieve's scripts; `sieve_set`: SieveScript/set;
//! - `request`: a Request answered, for the API endpoint (§3.3) and WebSocket alike;
//! - `limits`: `maxConcurrentRequests` and `maxConcurrentUpload` per account (§2, §3.6.1);
//! - `push`: push of state changes from the change log (§7), and EventSource (§7.3);
//! - `ws`: JMAP over WebSocket (RFC 8887): requests and push on one connection;
//! - `download`: a message or one of its parts (RFC 8620 §6.2); `upload`: blobs (§6.1).
//!
//! `Core/echo` is answered here (§4.1). Creation ids (`#draft`) resolve across the calls of a
//! request (RFC 8620 §5.3); EmailSubmission/set may answer twice (its implicit Email/set).

pub(crate) use download::download;
pub(crate) use limits::Slots;
pub(crate) use push::eventsource;
pub(crate) use request::api;
pub(crate) use upload::{MAX_CONCURRENT_UPLOADS, MAX_SIZE_UPLOAD, upload};
pub(crate) use ws::websocket;

mod blob;
mod body;
mod call;
mod candidates;
mod changes;
mod copy;
mod create;
mod create_body;
mod download;
mod email;
mod filter;
mod header_needles;
mod headers;
mod highlight;
mod identity;
mod import;
mod limits;
mod mailbox;
mod mailbox_query;
mod mailbox_set;
mod needles;
mod parse;
mod principal;
mod push;
mod query;
mod query_changes;
mod quota;
mod request;
mod set;
mod share_notification;
mod share_with;
mod shared;
mod sieve;
mod sieve_set;
mod snippet;
mod submission;
mod submission_read;
mod upload;
mod vacation;
mod ws;

use crate::HttpContext;
use crate::auth::Authenticated;
use crate::routes::status;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use call::{Call, account_id, respond};
use kantor_jmap_proto::capability::{
    CORE, MAIL, QUOTA, SIEVE, SUBMISSION, VACATION_RESPONSE, WEBSOCKET,
};
use kantor_jmap_proto::session::{CoreCapability, CoreLimits, Session};
use kantor_jmap_proto::{Id, Invocation, MethodError, MethodErrorType, RequestLimits};
use serde_json::Map;
use serde_json::{Value, json};
use std::sync::Arc;

/// The limits advertised in the core capability and enforced by the API: the RFC's suggested
/// minimums, with `maxSizeRequest` from `[http] max_request_bytes`.
fn core_limits(ctx: &HttpContext) -> CoreLimits {
    CoreLimits {
        max_size_request: ctx.config.max_request_bytes as u64,
        ..CoreLimits::default()
    }
}

/// Collations usable in comparators (RFC 8620 §5.5, RFC 4790).
pub(crate) const COLLATIONS: [&str; 3] =
    ["i;ascii-numeric", "i;ascii-casemap", "i;unicode-casemap"];

/// The base URL clients reached us by (HTTP/2's `:authority`, else the Host header), for the
/// session's URLs.
fn base_url(uri: &Uri, headers: &HeaderMap, ctx: &HttpContext) -> String {
    let host = uri
        .authority()
        .map(|a| a.as_str())
        .or_else(|| headers.get(header::HOST).and_then(|h| h.to_str().ok()))
        .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_graphic()))
        .unwrap_or(&ctx.hostname);
    format!("https://{host}")
}

/// GET /jmap/session: the session resource (RFC 8620 §2).
pub(crate) async fn session(
    State(ctx): State<Arc<HttpContext>>,
    Authenticated(account): Authenticated,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let base = base_url(&uri, &headers, &ctx);
    let Ok(id) = Id::new(account_id(account.id)) else {
        return status(StatusCode::INTERNAL_SERVER_ERROR, "Bad account id.");
    };
    let mut session = Session::new(&CoreCapability::new(core_limits(&ctx), COLLATIONS));
    session.capabilities.insert(MAIL.into(), json!({}));
    session.capabilities.insert(QUOTA.into(), json!({}));
    session.capabilities.insert(SUBMISSION.into(), json!({}));
    session
        .capabilities
        .insert(VACATION_RESPONSE.into(), json!({}));
    session
        .capabilities
        .insert(WEBSOCKET.into(), ws::capability(&base));
    session
        .capabilities
        .insert(SIEVE.into(), sieve::capability());
    session
        .capabilities
        .insert(principal::PRINCIPALS.into(), json!({}));
    session.primary_accounts.insert(MAIL.into(), id.clone());
    session.primary_accounts.insert(QUOTA.into(), id.clone());
    session
        .primary_accounts
        .insert(SUBMISSION.into(), id.clone());
    session
        .primary_accounts
        .insert(VACATION_RESPONSE.into(), id.clone());
    session.primary_accounts.insert(SIEVE.into(), id.clone());
    session
        .primary_accounts
        .insert(principal::PRINCIPALS.into(), id.clone());
    let me = principal::account_principal(account.id);
    session.accounts.insert(
        id.clone(),
        kantor_jmap_proto::session::Account {
            name: account.address(),
            is_personal: true,
            is_read_only: false,
            account_capabilities: [
                (MAIL.to_string(), shared::mail_capability(true)),
                (QUOTA.to_string(), json!({})),
                // RFC 8621 §1.3.2: sending is immediate, with no SMTP extensions to choose.
                (
                    SUBMISSION.to_string(),
                    json!({"maxDelayedSend": 0, "submissionExtensions": {}}),
                ),
                (VACATION_RESPONSE.to_string(), json!({})),
                (
                    SIEVE.to_string(),
                    sieve::account_capability(ctx.rules.config()),
                ),
                // RFC 9670 §2: the principals live in the user's own account.
                (
                    principal::PRINCIPALS.to_string(),
                    json!({"currentUserPrincipalId": me}),
                ),
                (
                    principal::PRINCIPALS_OWNER.to_string(),
                    json!({"accountIdForPrincipal": id, "principalId": me}),
                ),
            ]
            .into_iter()
            .collect(),
        },
    );
    // RFC 8620 §1.6.2: the accounts shared with the user, beside the personal one.
    let mail = ctx
        .directory
        .store()
        .mail(kantor_store::Actor::User(account.id));
    let shared = shared::session_accounts(&mail);
    for (shared_id, entry, owner) in &shared {
        let mut entry = entry.clone();
        entry.account_capabilities.insert(
            principal::PRINCIPALS_OWNER.to_string(),
            json!({"accountIdForPrincipal": id, "principalId": principal::account_principal(owner.id)}),
        );
        session.accounts.insert(shared_id.clone(), entry);
    }
    session.username = account.address();
    session.api_url = format!("{base}/jmap/api");
    session.download_url =
        format!("{base}/jmap/download/{{accountId}}/{{blobId}}/{{name}}?accept={{type}}");
    session.upload_url = format!("{base}/jmap/upload/{{accountId}}/");
    session.event_source_url =
        format!("{base}/jmap/eventsource?types={{types}}&closeafter={{closeafter}}&ping={{ping}}");
    session.state = session_state(&account, shared.iter().map(|(_, _, s)| s));
    match serde_json::to_value(&session) {
        Ok(value) => json_response(StatusCode::OK, &value),
        Err(_) => status(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Cannot encode the session.",
        ),
    }
}

/// The session's state: changes when what the session resource says changes (RFC 8620 §2),
/// the accounts shared with the user and whether each is read-only among it.
fn session_state<'a>(
    account: &kantor_store::Account,
    shared: impl Iterator<Item = &'a kantor_store::SharedAccount>,
) -> String {
    let mut text = format!("{}\0{}", account.id, account.address());
    for s in shared {
        text.push_str(&format!("\0{}:{}:{}", s.id, s.address, s.is_read_only()));
    }
    blake3::hash(text.as_bytes()).to_hex()[..16].to_string()
}

/// What `parse_request` checks a request against: the core limits, and the capabilities
/// served and merely registered in `using`.
fn request_limits(core: &CoreLimits) -> RequestLimits {
    let served = [
        CORE,
        MAIL,
        QUOTA,
        SUBMISSION,
        VACATION_RESPONSE,
        WEBSOCKET,
        SIEVE,
        principal::PRINCIPALS,
    ];
    RequestLimits::new(core, served.into_iter().chain(REGISTERED_NOT_SERVED))
}

/// Capabilities of the IANA JMAP registry this server does not serve (yet). A request naming
/// them is taken, not refused with `unknownCapability`: some clients (the `jmap-client` crate)
/// name every capability they know in every request; their methods are `unknownMethod`. A
/// capability outside the registry is still `unknownCapability` (RFC 8620 §3.6.1).
const REGISTERED_NOT_SERVED: [&str; 6] = [
    "urn:ietf:params:jmap:mdn",
    "urn:ietf:params:jmap:smimeverify",
    "urn:ietf:params:jmap:blob",
    "urn:ietf:params:jmap:contacts",
    "urn:ietf:params:jmap:calendars",
    "urn:ietf:params:jmap:principals:owner",
];

/// The methods served, with the capability each needs in `using` (RFC 8620 §3.3).
const METHODS: [&str; 48] = [
    "Principal/get",
    "Principal/changes",
    "Principal/set",
    "Principal/query",
    "Principal/queryChanges",
    "ShareNotification/get",
    "ShareNotification/changes",
    "ShareNotification/set",
    "ShareNotification/query",
    "ShareNotification/queryChanges",
    "SieveScript/get",
    "SieveScript/changes",
    "SieveScript/set",
    "SieveScript/query",
    "SieveScript/queryChanges",
    "SieveScript/validate",
    "Quota/queryChanges",
    "EmailSubmission/queryChanges",
    "Mailbox/query",
    "Mailbox/queryChanges",
    "Quota/query",
    "Identity/get",
    "Identity/changes",
    "Identity/set",
    "EmailSubmission/get",
    "EmailSubmission/changes",
    "EmailSubmission/query",
    "EmailSubmission/set",
    "SearchSnippet/get",
    "Email/copy",
    "Blob/copy",
    "Email/parse",
    "VacationResponse/get",
    "VacationResponse/set",
    "Email/queryChanges",
    "Quota/get",
    "Quota/changes",
    "Core/echo",
    "Email/import",
    "Email/set",
    "Mailbox/set",
    "Mailbox/get",
    "Mailbox/changes",
    "Email/query",
    "Email/get",
    "Email/changes",
    "Thread/get",
    "Thread/changes",
];

/// One method call, answered: its response (or an error) under the same call id, and the
/// response of an implicit call it made (EmailSubmission/set's Email/set, RFC 8621 §7.5).
async fn dispatch(call: &Call<'_>, invocation: Invocation) -> Vec<Invocation> {
    let Invocation {
        name,
        arguments,
        call_id,
    } = invocation;
    if name == "EmailSubmission/set" && call.using.iter().any(|c| c == SUBMISSION) {
        return match submission::set(call, arguments).await {
            Ok((first, second)) => {
                let mut out = vec![respond(&name, call_id.clone(), Ok(first))];
                if let Some(second) = second {
                    out.push(respond("Email/set", call_id, Ok(second)));
                }
                out
            }
            Err(error) => vec![error.into_invocation(call_id)],
        };
    }
    if name == "Email/copy" && call.using.iter().any(|c| c == MAIL) {
        // RFC 8620 §5.4: the implicit Email/set of onSuccessDestroyOriginal follows.
        return match copy::emails(call, arguments).await {
            Ok((first, second)) => {
                let mut out = vec![respond(&name, call_id.clone(), Ok(first))];
                if let Some(second) = second {
                    out.push(respond("Email/set", call_id, second));
                }
                out
            }
            Err(error) => vec![error.into_invocation(call_id)],
        };
    }
    vec![dispatch_one(call, Invocation::new(name, arguments, call_id)).await]
}

/// One method call with one response.
async fn dispatch_one(call: &Call<'_>, invocation: Invocation) -> Invocation {
    let Invocation {
        name,
        arguments,
        call_id,
    } = invocation;
    let mail = call.using.iter().any(|c| c == MAIL);
    let quota = call.using.iter().any(|c| c == QUOTA);
    let vacation = call.using.iter().any(|c| c == VACATION_RESPONSE);
    let submission = call.using.iter().any(|c| c == SUBMISSION);
    let sieve = call.using.iter().any(|c| c == SIEVE);
    let principals = call.using.iter().any(|c| c == principal::PRINCIPALS);
    let method: Option<MethodFn> = match name.as_str() {
        // RFC 8620 §4.1: the arguments, unchanged.
        "Core/echo" => return Invocation::new(name, arguments, call_id),
        "Email/set" if mail => return respond(&name, call_id, set::set(call, arguments).await),
        "VacationResponse/set" if vacation => {
            return respond(&name, call_id, vacation::set(call, arguments).await);
        }
        "SieveScript/set" if sieve => {
            return respond(&name, call_id, sieve_set::set(call, arguments).await);
        }
        "Identity/set" if submission => {
            return respond(&name, call_id, identity::set(call, arguments).await);
        }
        "Email/import" if mail => {
            return respond(&name, call_id, import::import(call, arguments).await);
        }
        "ShareNotification/set" if principals => {
            return respond(
                &name,
                call_id,
                share_notification::set(call, arguments).await,
            );
        }
        "Mailbox/set" if mail => {
            let result = mailbox_set::set(call, arguments).await;
            // A mailbox made or destroyed in another's account changes the rights held there.
            call.forget_shared_accounts();
            return respond(&name, call_id, result);
        }
        "Blob/copy" => return respond(&name, call_id, copy::blobs(call, arguments).await),
        "Mailbox/get" if mail => Some(mailbox::get),
        "Mailbox/changes" if mail => Some(mailbox::changes),
        "Mailbox/query" if mail => Some(mailbox_query::query),
        "Mailbox/queryChanges" if mail => Some(mailbox_query::query_changes),
        "Email/query" if mail => Some(query::query),
        "Email/get" if mail => Some(email::get),
        "Email/parse" if mail => Some(parse::parse),
        "SearchSnippet/get" if mail => Some(snippet::get),
        "Email/changes" if mail => Some(changes::emails),
        "Thread/get" if mail => Some(email::threads),
        "Thread/changes" if mail => Some(changes::threads),
        "Email/queryChanges" if mail => Some(query_changes::emails),
        "Quota/get" if quota => Some(quota::get),
        "Quota/query" if quota => Some(quota::query),
        "Quota/queryChanges" if quota => Some(mailbox_query::other_query_changes),
        "EmailSubmission/queryChanges" if submission => Some(mailbox_query::other_query_changes),
        "Identity/get" if submission => Some(identity::get),
        "Identity/changes" if submission => Some(identity::changes),
        "EmailSubmission/get" if submission => Some(submission_read::get),
        "EmailSubmission/changes" if submission => Some(submission_read::changes),
        "EmailSubmission/query" if submission => Some(submission_read::query),
        "VacationResponse/get" if vacation => Some(vacation::get),
        "Quota/changes" if quota => Some(quota::changes),
        "SieveScript/get" if sieve => Some(sieve::get),
        "SieveScript/changes" if sieve => Some(sieve::changes),
        "SieveScript/query" if sieve => Some(sieve::query),
        "SieveScript/queryChanges" if sieve => Some(mailbox_query::other_query_changes),
        "SieveScript/validate" if sieve => Some(sieve::validate),
        "Principal/get" if principals => Some(principal::get),
        "Principal/changes" if principals => Some(principal::changes),
        "Principal/set" if principals => Some(principal::set),
        "Principal/query" if principals => Some(principal::query),
        "Principal/queryChanges" if principals => Some(mailbox_query::other_query_changes),
        "ShareNotification/get" if principals => Some(share_notification::get),
        "ShareNotification/changes" if principals => Some(share_notification::changes),
        "ShareNotification/query" if principals => Some(share_notification::query),
        "ShareNotification/queryChanges" if principals => Some(mailbox_query::other_query_changes),
        _ => None,
    };
    match method {
        Some(method) => respond(&name, call_id, method(call, arguments)),
        None => MethodError::with_description(
            MethodErrorType::UnknownMethod,
            match METHODS.contains(&name.as_str()) {
                true => format!("{name} needs its capability in the request's \"using\"."),
                false => format!("The method {name} is not supported by this server."),
            },
        )
        .into_invocation(call_id),
    }
}

type MethodFn = fn(&Call<'_>, Map<String, Value>) -> Result<Value, MethodError>;

fn json_response(code: StatusCode, value: &Value) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => (code, [(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(_) => status(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Cannot encode the response.",
        ),
    }
}
