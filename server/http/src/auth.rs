//! HTTP Basic authentication (RFC 7617) with the account's address and its password or one of
//! its app passwords, and Bearer (RFC 6750 §2.1) with an app password (kantor-directory's
//! `app_password`: found by a hash, not remembered here, so a revocation holds at once).
//!
//! A login goes through the directory's `authenticate`, with its throttle (the same counters as
//! IMAP, POP3 and SMTP) and its argon2 verification. JMAP clients send the password with every
//! request, and a password hash per request would cost more than the request: a verified
//! (address, password) is remembered for [`REMEMBER`], keyed by a keyed hash of the password
//! (never the password), and only while the account's stored password hash is the one it was
//! verified against, so a password change or an unlock takes effect at the next request. A
//! disabled account is refused at its next request whatever is remembered.

use crate::HttpContext;
use crate::routes::{Peer, status};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use base64::Engine;
use kantor_directory::{AuthOutcome, app_password, login_key};
use kantor_store::Account;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a verified password is remembered.
const REMEMBER: Duration = Duration::from_secs(300);
/// Verifications remembered at most (then forgotten all at once).
const MAX_REMEMBERED: usize = 10_000;

/// Recently verified credentials.
pub struct Credentials {
    key: [u8; 32],
    verified: Mutex<HashMap<[u8; 32], Verified>>,
}

struct Verified {
    /// The account's password hash when the password was verified against it.
    password_hash: String,
    at: Instant,
}

impl Default for Credentials {
    fn default() -> Self {
        Credentials {
            key: rand::random(),
            verified: Mutex::default(),
        }
    }
}

impl Credentials {
    fn digest(&self, login: &str, password: &str) -> [u8; 32] {
        let mut hasher = blake3::Hasher::new_keyed(&self.key);
        hasher.update(login.as_bytes());
        hasher.update(&[0]);
        hasher.update(password.as_bytes());
        *hasher.finalize().as_bytes()
    }

    fn remembered(&self, digest: &[u8; 32], account: &Account) -> bool {
        let verified = self.verified.lock().expect("credentials lock");
        verified
            .get(digest)
            .is_some_and(|v| v.at.elapsed() < REMEMBER && v.password_hash == account.password_hash)
    }

    fn remember(&self, digest: [u8; 32], account: &Account) {
        let mut verified = self.verified.lock().expect("credentials lock");
        if verified.len() >= MAX_REMEMBERED {
            verified.clear();
        }
        verified.insert(
            digest,
            Verified {
                password_hash: account.password_hash.clone(),
                at: Instant::now(),
            },
        );
    }
}

/// The account a request is authenticated as.
pub(crate) struct Authenticated(pub Account);

impl FromRequestParts<Arc<HttpContext>> for Authenticated {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        ctx: &Arc<HttpContext>,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<Peer>()
            .map(|p| p.0.ip())
            .unwrap_or(std::net::Ipv4Addr::UNSPECIFIED.into());
        if let Some(token) = bearer(parts) {
            let outcome = ctx.directory.authenticate_bearer(&token, peer).await;
            return admitted(outcome).map(Authenticated);
        }
        let Some((user, password)) = basic(parts) else {
            return Err(challenge("Authentication required."));
        };
        // App passwords are not remembered: their check is cheap, and a revoked one must fail
        // at once.
        let remember = !app_password::looks_like(&password);
        let (login, address) = login_key(&user);
        let digest = ctx.credentials.digest(&login, &password);
        let known = address.filter(|_| remember).and_then(|a| {
            ctx.directory
                .store()
                .account_by_address(&a.local, &a.domain)
                .ok()
                .flatten()
        });
        if let Some(account) = known.filter(|a| ctx.credentials.remembered(&digest, a)) {
            if account.disabled {
                return Err(disabled());
            }
            return Ok(Authenticated(account));
        }
        let account = admitted(ctx.directory.authenticate(&user, &password, peer).await)?;
        if remember {
            ctx.credentials.remember(digest, &account);
        }
        Ok(Authenticated(account))
    }
}

/// The account of a successful login, or the response refusing it.
fn admitted(outcome: AuthOutcome) -> Result<Account, Response> {
    match outcome {
        AuthOutcome::Success(account) => Ok(account),
        AuthOutcome::Failed => Err(challenge("Wrong user name or password.")),
        AuthOutcome::Disabled => Err(disabled()),
        AuthOutcome::Throttled { retry_after } => {
            let mut response = status(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many failed logins: try again later.",
            );
            let secs = retry_after.as_secs().max(1).to_string();
            if let Ok(value) = HeaderValue::from_str(&secs) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            Err(response)
        }
    }
}

/// The token of an `Authorization: Bearer` header (RFC 6750 §2.1): an app password.
fn bearer(parts: &Parts) -> Option<String> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

/// The user name and password of an `Authorization: Basic` header (RFC 7617 §2: UTF-8).
fn basic(parts: &Parts) -> Option<(String, String)> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

/// 401 with the Basic challenge (RFC 7617 §2.1: UTF-8 announced), then the Bearer one (RFC
/// 6750 §3: app passwords).
fn challenge(text: &str) -> Response {
    let mut response = status(StatusCode::UNAUTHORIZED, text);
    let headers = response.headers_mut();
    headers.insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"Kantor\", charset=\"UTF-8\""),
    );
    headers.append(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"Kantor\""),
    );
    response
}

fn disabled() -> Response {
    status(
        StatusCode::FORBIDDEN,
        "This account is disabled: contact your administrator.",
    )
}
