//! JMAP (RFC 8620): the session resource (§2) and the API endpoint (§3).
//!
//! Ids are the ones IMAP shows (RFC 8474): an account is `A` and its number, as a mailbox is
//! `M…` and an email `E…`, so a client of both protocols sees one object under one id.
//!
//! The API runs `Core/echo` (§4); the mail methods (RFC 8621) come as the store's objects are
//! wired in, each answering `unknownMethod` until then.

use crate::HttpContext;
use crate::auth::Authenticated;
use crate::routes::status;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use kantor_jmap_proto::capability::CORE;
use kantor_jmap_proto::session::{CoreCapability, CoreLimits, Session};
use kantor_jmap_proto::{
    Id, Invocation, MethodError, MethodErrorType, RequestError, RequestLimits,
};
use kantor_jmap_proto::{Response as JmapResponse, parse_request};
use serde_json::Value;
use std::sync::Arc;
use std::time::Instant;

/// The limits advertised in the core capability and enforced by the API: the RFC's suggested
/// minimums, with `maxSizeRequest` from `[http] max_request_bytes`.
fn core_limits(ctx: &HttpContext) -> CoreLimits {
    CoreLimits {
        max_size_request: ctx.config.max_request_bytes as u64,
        ..CoreLimits::default()
    }
}

/// Collations usable in comparators (RFC 8620 §5.5, RFC 4790).
const COLLATIONS: [&str; 3] = ["i;ascii-numeric", "i;ascii-casemap", "i;unicode-casemap"];

/// The JMAP id of an account.
fn account_id(id: i64) -> String {
    format!("A{id}")
}

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
    session.accounts.insert(
        id,
        kantor_jmap_proto::session::Account {
            name: account.address(),
            is_personal: true,
            is_read_only: false,
            account_capabilities: Default::default(),
        },
    );
    session.username = account.address();
    session.api_url = format!("{base}/jmap/api");
    session.download_url =
        format!("{base}/jmap/download/{{accountId}}/{{blobId}}/{{name}}?accept={{type}}");
    session.upload_url = format!("{base}/jmap/upload/{{accountId}}/");
    session.event_source_url =
        format!("{base}/jmap/eventsource?types={{types}}&closeafter={{closeafter}}&ping={{ping}}");
    session.state = session_state(&account);
    match serde_json::to_value(&session) {
        Ok(value) => json_response(StatusCode::OK, &value),
        Err(_) => status(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Cannot encode the session.",
        ),
    }
}

/// The session's state: changes when what the session resource says changes (RFC 8620 §2).
fn session_state(account: &kantor_store::Account) -> String {
    let digest = blake3::hash(format!("{}\0{}", account.id, account.address()).as_bytes());
    digest.to_hex()[..16].to_string()
}

/// POST /jmap/api: a request of method calls (RFC 8620 §3.3), answered in order (§3.4).
pub(crate) async fn api(
    State(ctx): State<Arc<HttpContext>>,
    Authenticated(account): Authenticated,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let json_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        });
    let limits = RequestLimits::new(&core_limits(&ctx), [CORE]);
    let parsed = match json_type {
        true => parse_request(&body, &limits),
        false => Err(RequestError::not_request(
            "The request's Content-Type must be application/json.",
        )),
    };
    let request = match parsed {
        Ok(request) => request,
        Err(error) => {
            let code = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::BAD_REQUEST);
            return json_response(code, &error.problem());
        }
    };
    let mut responses = Vec::with_capacity(request.method_calls.len());
    for invocation in request.method_calls {
        let started = Instant::now();
        let response = call(&account, invocation);
        kantor_metrics::metrics().jmap_call(&response.name, started.elapsed());
        responses.push(response);
    }
    let response = JmapResponse {
        method_responses: responses,
        created_ids: request.created_ids,
        session_state: session_state(&account),
    };
    match serde_json::to_value(&response) {
        Ok(value) => json_response(StatusCode::OK, &value),
        Err(_) => status(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Cannot encode the response.",
        ),
    }
}

/// One method call, answered: its response (or an error) under the same call id.
fn call(_account: &kantor_store::Account, invocation: Invocation) -> Invocation {
    let Invocation {
        name,
        arguments,
        call_id,
    } = invocation;
    match name.as_str() {
        // RFC 8620 §4.1: the arguments, unchanged.
        "Core/echo" => Invocation::new(name, arguments, call_id),
        _ => MethodError::with_description(
            MethodErrorType::UnknownMethod,
            format!("The method {name} is not supported by this server."),
        )
        .into_invocation(call_id),
    }
}

fn json_response(code: StatusCode, value: &Value) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => (code, [(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(_) => status(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Cannot encode the response.",
        ),
    }
}
