//! Upload (RFC 8620 §6.1): `POST /jmap/upload/{accountId}/` stores the body as a blob of the
//! account (fsynced before the answer) and answers its id, type and size (201). An upload is
//! kept for the collector's grace period unless an email is made of it (Email/import). At most
//! [`MAX_SIZE_UPLOAD`] octets, refused before they are read; at most
//! [`MAX_CONCURRENT_UPLOADS`] at once in the whole server, so uploads cannot fill memory.

use super::call::account_id;
use crate::HttpContext;
use crate::auth::Authenticated;
use crate::routes::status;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kantor_store::{Actor, BlobRef};
use serde_json::json;
use std::sync::Arc;

/// Largest upload, in octets (the session's `maxSizeUpload`).
pub(crate) const MAX_SIZE_UPLOAD: usize = 50_000_000;
/// Uploads being received at once, server-wide.
pub(crate) const MAX_CONCURRENT_UPLOADS: usize = 16;

pub(crate) async fn upload(
    State(ctx): State<Arc<HttpContext>>,
    Authenticated(account): Authenticated,
    Path(account_name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if account_name != account_id(account.id) {
        return status(StatusCode::NOT_FOUND, "No such account.");
    }
    let Ok(_slot) = ctx.uploads.try_acquire() else {
        return status(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many uploads at once: try again in a moment.",
        );
    };
    let media_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .filter(|t| t.contains('/'))
        .unwrap_or("application/octet-stream")
        .to_string();
    let mail = ctx.directory.store().mail(Actor::User(account.id));
    match mail
        .record_upload(account.id, BlobRef::new(body.to_vec()), media_type)
        .await
    {
        Ok(upload) => (
            StatusCode::CREATED,
            [(header::CONTENT_TYPE, "application/json")],
            json!({
                "accountId": account_id(account.id),
                "blobId": upload.blob.to_string(),
                "type": upload.media_type,
                "size": upload.size,
            })
            .to_string(),
        )
            .into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "jmap upload refused");
            status(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The upload could not be stored.",
            )
        }
    }
}
