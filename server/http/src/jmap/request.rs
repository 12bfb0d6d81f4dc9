//! A Request answered (RFC 8620 §3.3 to §3.4), whichever way it came: [`api`] for
//! `POST /jmap/api`, and [`answer`] for the method calls of a parsed Request, which the API
//! endpoint and WebSocket (`ws.rs`, RFC 8887 §4.3.2) both call.

use super::limits::{ApiCaller, problem_response};
use super::{METHODS, core_limits, dispatch, json_response, request_limits, session_state};
use crate::HttpContext;
use crate::routes::status;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use kantor_jmap_proto::{
    Invocation, Request, RequestError, Response as JmapResponse, parse_request,
    resolve_result_references,
};
use kantor_store::{Account, Actor};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::call::Call;

/// POST /jmap/api: a request of method calls (RFC 8620 §3.3), answered in order (§3.4). The
/// caller holds one of the account's `maxConcurrentRequests` slots (`limits.rs`).
pub(crate) async fn api(
    State(ctx): State<Arc<HttpContext>>,
    caller: ApiCaller,
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
    if let Err(error) = &caller.slot {
        return problem_response(error);
    }
    let parsed = match json_type {
        true => parse_request(&body, &request_limits(&core_limits(&ctx))),
        false => Err(RequestError::not_request(
            "The request's Content-Type must be application/json.",
        )),
    };
    let request = match parsed {
        Ok(request) => request,
        Err(error) => return problem_response(&error),
    };
    let response = answer(&ctx, &caller.account, request).await;
    match serde_json::to_value(&response) {
        Ok(value) => json_response(StatusCode::OK, &value),
        Err(_) => status(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Cannot encode the response.",
        ),
    }
}

/// The Response to a parsed Request of `account`: each method call in order, with the
/// results of earlier ones available to later ones (§3.7).
pub(crate) async fn answer(ctx: &HttpContext, account: &Account, request: Request) -> JmapResponse {
    let core = core_limits(ctx);
    let context = Call {
        mail: ctx.directory.store().mail(Actor::User(account.id)),
        directory: &ctx.directory,
        account,
        limits: &core,
        using: &request.using,
        hostname: &ctx.hostname,
        search: ctx.search.as_deref(),
        rules: &ctx.rules,
        created: Mutex::new(request.created_ids.clone().unwrap_or_default()),
        shared: Mutex::default(),
    };
    let mut responses: Vec<Invocation> = Vec::with_capacity(request.method_calls.len());
    for mut invocation in request.method_calls {
        let started = Instant::now();
        let name = invocation.name.clone();
        // RFC 8620 §3.7: `#name` arguments take earlier results.
        let response = match resolve_result_references(&responses, &mut invocation.arguments) {
            Ok(()) => dispatch(&context, invocation).await,
            Err(error) => vec![error.into_invocation(invocation.call_id)],
        };
        let known = METHODS.contains(&name.as_str());
        let label = if known { name.as_str() } else { "unknown" };
        kantor_metrics::metrics().jmap_call(label, started.elapsed());
        for response in response {
            context.record_created(&response);
            responses.push(response);
        }
    }
    JmapResponse {
        method_responses: responses,
        created_ids: request
            .created_ids
            .map(|_| std::mem::take(&mut *context.created())),
        session_state: session_state(
            account,
            context.shared_accounts().unwrap_or_default().iter(),
        ),
    }
}
