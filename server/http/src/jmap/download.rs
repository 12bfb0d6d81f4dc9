//! Download (RFC 8620 §6.2): `GET /jmap/download/{accountId}/{blobId}/{name}?accept={type}`.
//!
//! Blob ids are `blob`'s. A blob is served only to an account that may read it; anything else
//! is 404, so that nobody learns what blobs exist.

use super::call::account_id;
use crate::HttpContext;
use crate::auth::Authenticated;
use crate::routes::status;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kantor_store::Actor;
use serde::Deserialize;
use std::sync::Arc;

#[derive(Deserialize)]
pub(crate) struct Accept {
    #[serde(default)]
    accept: Option<String>,
}

pub(crate) async fn download(
    State(ctx): State<Arc<HttpContext>>,
    Authenticated(account): Authenticated,
    Path((account_name, blob_id, name)): Path<(String, String, String)>,
    Query(accept): Query<Accept>,
) -> Response {
    let not_found = || status(StatusCode::NOT_FOUND, "No such blob.");
    // The user's own account or one shared with them: the store answers only for a blob of an
    // email the user may read there (RFC 4314 `r` on one of its mailboxes).
    let Some(owner) = account_name
        .strip_prefix('A')
        .and_then(|n| n.parse::<kantor_store::AccountId>().ok())
        .filter(|n| account_id(*n) == account_name)
    else {
        return not_found();
    };
    let mail = ctx.directory.store().mail(Actor::User(account.id));
    let Some(body) = super::blob::read(&mail, owner, &blob_id) else {
        return not_found();
    };
    let content_type = accept
        .accept
        .filter(|t| t.contains('/') && t.bytes().all(|b| b.is_ascii_graphic() || b == b' '))
        .unwrap_or_else(|| "application/octet-stream".into());
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    // The name as a filename (RFC 6266), ASCII-safe; the blob id never changes its bytes.
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, immutable, max-age=31536000"),
    );
    response
}
