//! Download (RFC 8620 §6.2): `GET /jmap/download/{accountId}/{blobId}/{name}?accept={type}`.
//!
//! A blob id is an email's blob (its hash: the whole message), or that blob and an IMAP section
//! (`<hash>-1_2`, as Email/get gives each body part): the part's body, its transfer encoding
//! undone. It is served only to an account with an email made of that blob, or that uploaded
//! it; anything else is 404, so that nobody learns what blobs exist.

use super::call::account_id;
use crate::HttpContext;
use crate::auth::Authenticated;
use crate::routes::status;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kantor_message::decode::transfer_decode;
use kantor_message::structure::BodyPart;
use kantor_store::{Actor, BlobHash};
use serde::Deserialize;
use std::num::NonZeroU32;
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
    if account_name != account_id(account.id) {
        return not_found();
    }
    let (hash, section) = match blob_id.split_once('-') {
        Some((hash, section)) => (hash, Some(section)),
        None => (blob_id.as_str(), None),
    };
    let Some(hash) = BlobHash::parse(hash) else {
        return not_found();
    };
    let mail = ctx.directory.store().mail(Actor::User(account.id));
    let uploaded = || mail.upload(account.id, &hash).ok().flatten().is_some();
    if !mail.account_has_blob(account.id, &hash).unwrap_or(false) && !uploaded() {
        return not_found();
    }
    let raw = match mail.read_blob(&hash) {
        Ok(raw) => raw,
        Err(e) => {
            tracing::warn!(error = %e, "jmap download: cannot read a blob");
            return not_found();
        }
    };
    let body = match section {
        None => raw,
        Some(section) => match part_body(&raw, section) {
            Some(body) => body,
            None => return not_found(),
        },
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

/// The body of the part at `section` (`1_2`) of a message, transfer-decoded.
fn part_body(raw: &[u8], section: &str) -> Option<Vec<u8>> {
    let numbers = section
        .split('_')
        .map(|n| n.parse::<NonZeroU32>().ok())
        .collect::<Option<Vec<_>>>()?;
    let root = BodyPart::of(raw, &kantor_message::mime::parse(raw));
    let part = root.find(&numbers)?;
    let body = raw.get(part.body_range())?;
    Some(
        transfer_decode(body, part.encoding.as_deref())
            .map(|b| b.into_owned())
            .unwrap_or_else(|_| body.to_vec()),
    )
}
