//! The router: what each listener serves.
//!
//! - `https` (and plain `http` when `[http] allow_plaintext_auth` is on): `/metrics`,
//!   `/.well-known/jmap` (RFC 8620 §2.2: redirects to the session resource), `/jmap/session`,
//!   `/jmap/api`, `/jmap/eventsource`, `/jmap/ws` (RFC 8887), `/jmap/download/...`, `/jmap/upload/...`.
//! - `https` only: `/.well-known/mta-sts.txt` for `mta-sts.DOMAIN` of a local domain (RFC 8461
//!   §3.3: the policy of `[mta_sts]`).
//! - plain `http`: `/metrics`, and every other request redirected to HTTPS (RFC 9110 §15.4.9,
//!   308 keeps the method), so no password travels in clear.

use crate::HttpContext;
use crate::jmap;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use std::net::SocketAddr;
use std::sync::Arc;

/// The client's address, put in every request's extensions by `conn`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Peer(pub SocketAddr);

pub(crate) fn router(ctx: Arc<HttpContext>, secure: bool) -> Router {
    let metrics = Router::new().route("/metrics", get(metrics));
    let metrics = match secure {
        true => metrics.route("/.well-known/mta-sts.txt", get(mta_sts_policy)),
        false => metrics,
    };
    let routes = if secure || ctx.config.allow_plaintext_auth {
        metrics
            .route("/.well-known/jmap", get(well_known_jmap))
            .route("/jmap/session", get(jmap::session))
            .route("/jmap/api", post(jmap::api))
            .route("/jmap/eventsource", get(jmap::eventsource))
            .route("/jmap/ws", get(jmap::websocket))
            .route(
                "/jmap/download/{account}/{blob}/{name}",
                get(jmap::download),
            )
            .route(
                "/jmap/upload/{account}/",
                post(jmap::upload).layer(DefaultBodyLimit::max(jmap::MAX_SIZE_UPLOAD)),
            )
            .fallback(not_found)
    } else {
        metrics.fallback(to_https)
    };
    routes
        .layer(DefaultBodyLimit::max(ctx.config.max_request_bytes))
        .with_state(ctx)
}

/// A response with a status and a short plain-text explanation.
pub(crate) fn status(code: StatusCode, text: &str) -> Response {
    (
        code,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{text}\n"),
    )
        .into_response()
}

/// Prometheus metrics, to loopback clients unless `[http] public_metrics` is on.
async fn metrics(State(ctx): State<Arc<HttpContext>>, request: Request) -> Response {
    let peer = request.extensions().get::<Peer>().map(|p| p.0.ip());
    let allowed = ctx.config.public_metrics || peer.is_some_and(|ip| ip.is_loopback());
    if !allowed {
        return status(
            StatusCode::FORBIDDEN,
            "Metrics are served to this machine only ([http] public_metrics).",
        );
    }
    // The queue's size is read when asked for, not kept up to date by every change.
    if let Ok(queued) = ctx.directory.store().queue_entries() {
        let queued = i64::try_from(queued.len()).unwrap_or(i64::MAX);
        kantor_metrics::metrics().queue_size.set(queued);
    }
    (
        [(header::CONTENT_TYPE, kantor_metrics::CONTENT_TYPE)],
        kantor_metrics::render(),
    )
        .into_response()
}

/// RFC 8461 §3.3: the MTA-STS policy of a local domain, asked for at `mta-sts.DOMAIN`.
async fn mta_sts_policy(State(ctx): State<Arc<HttpContext>>, request: Request) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| request.uri().host())
        .unwrap_or("");
    // Without the port (and a trailing dot).
    let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
    let domain = host
        .trim_end_matches('.')
        .to_ascii_lowercase()
        .strip_prefix("mta-sts.")
        .map(str::to_string);
    match domain.filter(|d| ctx.directory.domain(d).is_ok()) {
        Some(domain) => (
            [(header::CONTENT_TYPE, "text/plain")],
            ctx.mta_sts.policy(&domain, &ctx.hostname),
        )
            .into_response(),
        None => not_found().await,
    }
}

/// RFC 8620 §2.2: the well-known URL redirects to the session resource.
async fn well_known_jmap() -> Response {
    redirect(StatusCode::TEMPORARY_REDIRECT, "/jmap/session")
}

async fn not_found() -> Response {
    status(StatusCode::NOT_FOUND, "No such resource.")
}

/// Plain HTTP: the same path on HTTPS.
async fn to_https(State(ctx): State<Arc<HttpContext>>, request: Request) -> Response {
    let base = match &ctx.config.redirect_to {
        Some(base) => base.trim_end_matches('/').to_string(),
        None => match ctx.https_port {
            Some(443) | None => format!("https://{}", ctx.hostname),
            Some(port) => format!("https://{}:{port}", ctx.hostname),
        },
    };
    let path = request.uri().path_and_query().map_or("/", |p| p.as_str());
    redirect(StatusCode::PERMANENT_REDIRECT, &format!("{base}{path}"))
}

fn redirect(code: StatusCode, location: &str) -> Response {
    let mut response = status(code, &format!("See {location}"));
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}
