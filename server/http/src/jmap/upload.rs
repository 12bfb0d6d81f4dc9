//! Upload (RFC 8620 §6.1): `POST /jmap/upload/{accountId}/` stores the body as a blob of the
//! account (the user's own, or one shared with them in which they hold `i` on a mailbox:
//! else 404, or 403 when they see its mailboxes but may file in none; fsynced before the answer) and answers its id, type and size (201). An upload is
//! kept for the collector's grace period unless an email is made of it (Email/import). At most
//! [`MAX_SIZE_UPLOAD`] octets, refused before they are read; at most
//! `maxConcurrentUpload` at once per account (RFC 8620 §2; over it, the `limit` error) and
//! [`MAX_CONCURRENT_UPLOADS`] in the whole server, so uploads cannot fill memory: both slots
//! are taken before the body is read (`limits.rs`).

use super::call::account_id;
use super::limits::UploadCaller;
use crate::HttpContext;
use crate::routes::status;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use kantor_store::{AccountId, Actor, BlobRef, StoreError};
use serde_json::json;
use std::sync::Arc;

/// Largest upload, in octets (the session's `maxSizeUpload`).
pub(crate) const MAX_SIZE_UPLOAD: usize = 50_000_000;
/// Uploads being received at once, server-wide (per account: `maxConcurrentUpload`).
pub(crate) const MAX_CONCURRENT_UPLOADS: usize = 16;

pub(crate) async fn upload(
    State(ctx): State<Arc<HttpContext>>,
    caller: UploadCaller,
    Path(account_name): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let account = caller.account;
    // A declared length over the limit is refused at once, without waiting for the body.
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_SIZE_UPLOAD as u64) {
        return status(
            StatusCode::PAYLOAD_TOO_LARGE,
            "The upload is larger than maxSizeUpload.",
        );
    }
    let _slots = match caller.slots {
        Ok(slots) => slots,
        Err(refused) => {
            drain(body).await;
            return refused;
        }
    };
    let Ok(body) = axum::body::to_bytes(body, MAX_SIZE_UPLOAD).await else {
        return status(
            StatusCode::PAYLOAD_TOO_LARGE,
            "The upload is larger than maxSizeUpload, or was cut short.",
        );
    };
    // The user's own account, or one shared with them where they may file an email into a
    // mailbox (`i`); the store decides, as for every write.
    let Some(target) = account_name
        .strip_prefix('A')
        .and_then(|n| n.parse::<AccountId>().ok())
        .filter(|n| account_id(*n) == account_name)
    else {
        return status(StatusCode::NOT_FOUND, "No such account.");
    };
    let media_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .filter(|t| t.contains('/'))
        .unwrap_or("application/octet-stream")
        .to_string();
    let mail = ctx.directory.store().mail(Actor::User(account.id));
    match mail
        .record_upload(target, BlobRef::new(body.to_vec()), media_type)
        .await
    {
        Ok(upload) => (
            StatusCode::CREATED,
            [(header::CONTENT_TYPE, "application/json")],
            json!({
                "accountId": account_id(target),
                "blobId": upload.blob.to_string(),
                "type": upload.media_type,
                "size": upload.size,
            })
            .to_string(),
        )
            .into_response(),
        Err(StoreError::NotFound(_)) => status(StatusCode::NOT_FOUND, "No such account."),
        Err(StoreError::Forbidden(_)) => status(
            StatusCode::FORBIDDEN,
            "You may not file an email into any mailbox of this account.",
        ),
        Err(e) => {
            tracing::warn!(error = %e, "jmap upload refused");
            status(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The upload could not be stored.",
            )
        }
    }
}

/// Reads a body to its end (at most the route's limit), keeping nothing: a refusal sent while
/// the client still sends would race its sending, and the connection's reset can lose it.
async fn drain(body: Body) {
    let mut stream = body.into_data_stream();
    while let Some(Ok(_)) = stream.next().await {}
}
