//! The concurrency limits of the core capability (RFC 8620 §2), enforced per account:
//! `maxConcurrentRequests` across API POSTs and WebSocket Requests, `maxConcurrentUpload` on
//! the upload endpoint. A request over a limit is refused with the request-level error
//! `urn:ietf:params:jmap:error:limit` naming the limit (§3.6.1), status 400.
//!
//! An HTTP request holds its slot from its header to its answer, body included (a slow
//! sender counts: it occupies the server as much as a slow method), so the slot is taken by
//! an extractor that runs before the body is read ([`ApiCaller`], [`UploadCaller`]). A
//! WebSocket Request holds one from its arrival to its Response.

use super::core_limits;
use crate::HttpContext;
use crate::auth::Authenticated;
use crate::routes::status;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use kantor_jmap_proto::RequestError;
use kantor_jmap_proto::session::limit;
use kantor_store::{Account, AccountId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Slots held per account for one limit.
#[derive(Default)]
pub(crate) struct Slots {
    held: Arc<Mutex<HashMap<AccountId, u64>>>,
}

/// One held slot; dropping it frees it.
pub(crate) struct Slot {
    held: Arc<Mutex<HashMap<AccountId, u64>>>,
    account: AccountId,
}

impl Slots {
    /// A slot for `account` unless it already holds `max`.
    pub(crate) fn try_acquire(&self, account: AccountId, max: u64) -> Option<Slot> {
        let mut held = self.held.lock().expect("slots lock");
        let count = held.entry(account).or_insert(0);
        if *count >= max {
            return None;
        }
        *count += 1;
        Some(Slot {
            held: self.held.clone(),
            account,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut held = self.held.lock().expect("slots lock");
        if let Some(count) = held.get_mut(&self.account) {
            *count -= 1;
            if *count == 0 {
                held.remove(&self.account);
            }
        }
    }
}

/// A request slot of `account`, or the `maxConcurrentRequests` error.
pub(crate) fn request_slot(ctx: &HttpContext, account: &Account) -> Result<Slot, RequestError> {
    let max = core_limits(ctx).max_concurrent_requests;
    ctx.request_slots
        .try_acquire(account.id, max)
        .ok_or_else(|| {
            RequestError::limit(
                limit::MAX_CONCURRENT_REQUESTS,
                format!(
                    "This account already has {max} requests in progress: wait for one to end."
                ),
            )
        })
}

/// The problem details response of a request-level error (RFC 8620 §3.6.1, RFC 7807).
pub(crate) fn problem_response(error: &RequestError) -> Response {
    let code = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::BAD_REQUEST);
    (
        code,
        [(axum::http::header::CONTENT_TYPE, "application/problem+json")],
        error.problem().to_string(),
    )
        .into_response()
}

/// An authenticated API caller and its request slot, or the `maxConcurrentRequests` error to
/// answer once the body is read (a response sent before the body is read would race the
/// client's sending of it: the connection's reset can lose the answer).
pub(crate) struct ApiCaller {
    pub account: Account,
    pub slot: Result<Slot, RequestError>,
}

impl FromRequestParts<Arc<HttpContext>> for ApiCaller {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        ctx: &Arc<HttpContext>,
    ) -> Result<Self, Self::Rejection> {
        let Authenticated(account) = Authenticated::from_request_parts(parts, ctx).await?;
        let slot = request_slot(ctx, &account);
        Ok(ApiCaller { account, slot })
    }
}

/// An authenticated uploader with an upload slot of the account and one of the server's
/// ([`super::MAX_CONCURRENT_UPLOADS`], so that uploads of many accounts cannot fill memory),
/// or the error to answer once the body is drained (as for [`ApiCaller`]).
pub(crate) struct UploadCaller {
    pub account: Account,
    pub slots: Result<(Slot, tokio::sync::OwnedSemaphorePermit), Response>,
}

impl FromRequestParts<Arc<HttpContext>> for UploadCaller {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        ctx: &Arc<HttpContext>,
    ) -> Result<Self, Self::Rejection> {
        let Authenticated(account) = Authenticated::from_request_parts(parts, ctx).await?;
        let slots = upload_slots(ctx, &account);
        Ok(UploadCaller { account, slots })
    }
}

fn upload_slots(
    ctx: &HttpContext,
    account: &Account,
) -> Result<(Slot, tokio::sync::OwnedSemaphorePermit), Response> {
    let max = core_limits(ctx).max_concurrent_upload;
    let Some(slot) = ctx.upload_slots.try_acquire(account.id, max) else {
        return Err(problem_response(&RequestError::limit(
            limit::MAX_CONCURRENT_UPLOAD,
            format!("This account already has {max} uploads in progress: wait for one to end."),
        )));
    };
    let Ok(server_slot) = ctx.uploads.clone().try_acquire_owned() else {
        return Err(status(
            StatusCode::SERVICE_UNAVAILABLE,
            "Too many uploads at once on this server: try again in a moment.",
        ));
    };
    Ok((slot, server_slot))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_counted_per_account_and_freed_on_drop() {
        let slots = Slots::default();
        let a = [slots.try_acquire(1, 2), slots.try_acquire(1, 2)];
        assert!(a.iter().all(Option::is_some));
        assert!(slots.try_acquire(1, 2).is_none());
        let other = slots.try_acquire(2, 2);
        assert!(other.is_some());
        drop(a);
        assert!(slots.try_acquire(1, 2).is_some());
        drop(other);
        assert!(slots.held.lock().unwrap().is_empty());
    }
}
