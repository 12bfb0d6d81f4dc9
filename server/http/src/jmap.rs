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
use serde_json::{Map, Value, json};
use std::sync::Arc;
use std::time::Instant;

/// The core capability (RFC 8620 §2).
const CORE: &str = "urn:ietf:params:jmap:core";
/// Limits advertised in the core capability and enforced by the API.
const MAX_CALLS_IN_REQUEST: usize = 16;
const MAX_OBJECTS_IN_GET: u64 = 500;
const MAX_OBJECTS_IN_SET: u64 = 500;
const MAX_CONCURRENT_REQUESTS: u64 = 4;
const MAX_SIZE_UPLOAD: u64 = 50_000_000;
const MAX_CONCURRENT_UPLOAD: u64 = 4;

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
    let id = account_id(account.id);
    let core = json!({
        "maxSizeUpload": MAX_SIZE_UPLOAD,
        "maxConcurrentUpload": MAX_CONCURRENT_UPLOAD,
        "maxSizeRequest": ctx.config.max_request_bytes,
        "maxConcurrentRequests": MAX_CONCURRENT_REQUESTS,
        "maxCallsInRequest": MAX_CALLS_IN_REQUEST,
        "maxObjectsInGet": MAX_OBJECTS_IN_GET,
        "maxObjectsInSet": MAX_OBJECTS_IN_SET,
        "collationAlgorithms": ["i;ascii-numeric", "i;ascii-casemap", "i;unicode-casemap"],
    });
    let session = json!({
        "capabilities": { CORE: core },
        "accounts": {
            id.clone(): {
                "name": account.address(),
                "isPersonal": true,
                "isReadOnly": false,
                "accountCapabilities": {},
            }
        },
        "primaryAccounts": {},
        "username": account.address(),
        "apiUrl": format!("{base}/jmap/api"),
        "downloadUrl": format!("{base}/jmap/download/{{accountId}}/{{blobId}}/{{name}}?accept={{type}}"),
        "uploadUrl": format!("{base}/jmap/upload/{{accountId}}/"),
        "eventSourceUrl": format!("{base}/jmap/eventsource?types={{types}}&closeafter={{closeafter}}&ping={{ping}}"),
        "state": session_state(&account),
    });
    json_response(StatusCode::OK, &session)
}

/// The session's state: changes when what the session resource says changes (RFC 8620 §2).
fn session_state(account: &kantor_store::Account) -> String {
    let digest = blake3::hash(format!("{}\0{}", account.id, account.address()).as_bytes());
    digest.to_hex()[..16].to_string()
}

/// POST /jmap/api: a request of method calls (RFC 8620 §3.3), answered in order (§3.4).
pub(crate) async fn api(
    State(_ctx): State<Arc<HttpContext>>,
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
    if !json_type {
        return problem(
            "notRequest",
            "The request's Content-Type must be application/json.",
        );
    }
    let request: Value = match serde_json::from_slice(&body) {
        Ok(value) => value,
        Err(e) => return problem("notJSON", &format!("The request is not valid JSON: {e}.")),
    };
    let Some((using, calls)) = parse_request(&request) else {
        return problem(
            "notRequest",
            "The request must be an object with \"using\" (an array of capability names) and \
             \"methodCalls\" (an array of [name, arguments, call id] triples).",
        );
    };
    if let Some(unknown) = using.iter().find(|c| **c != CORE) {
        return problem(
            "unknownCapability",
            &format!("The capability {unknown} is not supported by this server."),
        );
    }
    if calls.len() > MAX_CALLS_IN_REQUEST {
        let mut body = problem_body(
            "limit",
            &format!("At most {MAX_CALLS_IN_REQUEST} method calls are allowed in one request."),
        );
        body["limit"] = json!("maxCallsInRequest");
        return json_response(StatusCode::BAD_REQUEST, &body);
    }
    let mut responses = Vec::with_capacity(calls.len());
    for (name, arguments, call_id) in calls {
        let started = Instant::now();
        let (name, arguments) = call(&account, name, arguments);
        kantor_metrics::metrics().jmap_call(&name, started.elapsed());
        responses.push(json!([name, arguments, call_id]));
    }
    json_response(
        StatusCode::OK,
        &json!({
            "methodResponses": responses,
            "sessionState": session_state(&account),
        }),
    )
}

/// One method call as sent: name, arguments, call id (RFC 8620 §3.2).
type Call<'a> = (&'a str, &'a Map<String, Value>, &'a str);

/// `using` and the method calls of a request, when it has the shape of one.
fn parse_request(request: &Value) -> Option<(Vec<&str>, Vec<Call<'_>>)> {
    let object = request.as_object()?;
    let using = object
        .get("using")?
        .as_array()?
        .iter()
        .map(Value::as_str)
        .collect::<Option<Vec<_>>>()?;
    let calls = object
        .get("methodCalls")?
        .as_array()?
        .iter()
        .map(|c| match c.as_array()?.as_slice() {
            [name, arguments, call_id] => {
                Some((name.as_str()?, arguments.as_object()?, call_id.as_str()?))
            }
            _ => None,
        })
        .collect::<Option<Vec<_>>>()?;
    Some((using, calls))
}

/// One method call: its response's name and arguments.
fn call(
    _account: &kantor_store::Account,
    name: &str,
    arguments: &Map<String, Value>,
) -> (String, Value) {
    match name {
        // RFC 8620 §4.1: the arguments, unchanged.
        "Core/echo" => (name.to_string(), Value::Object(arguments.clone())),
        _ => (
            "error".to_string(),
            json!({
                "type": "unknownMethod",
                "description": format!("The method {name} is not supported by this server."),
            }),
        ),
    }
}

/// A request-level error (RFC 8620 §3.6.1): an RFC 7807 problem, status 400.
fn problem(kind: &str, detail: &str) -> Response {
    json_response(StatusCode::BAD_REQUEST, &problem_body(kind, detail))
}

fn problem_body(kind: &str, detail: &str) -> Value {
    json!({
        "type": format!("urn:ietf:params:jmap:error:{kind}"),
        "status": 400,
        "detail": detail,
    })
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
