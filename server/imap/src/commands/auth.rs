//! The not-authenticated state (RFC 9051 §6.2): STARTTLS, LOGIN, and AUTHENTICATE PLAIN (RFC
//! 4616) with an initial response (SASL-IR, RFC 4959). Credentials are refused in the clear
//! unless `imap.allow_plaintext_auth` (RFC 9051 §11.1: `NO [PRIVACYREQUIRED]`).

use crate::outcome::{Done, Outcome, Refusal};
use crate::session::Session;
use crate::session::state::{State, User};
use kantor_directory::AuthOutcome;
use kantor_imap_proto::command::auth::{Authenticate, Login};
use kantor_imap_proto::{
    AuthResponse, Code, ContinuationError, Response, parse_authenticate_response,
};
use kantor_net::ReadError;

/// RFC 9051 §6.2.1: only on a connection that is not TLS yet; the handshake follows the OK, and
/// anything the client pipelined after STARTTLS is discarded with the plaintext buffer.
pub(crate) fn starttls(session: &mut Session) -> Outcome {
    if session.conn.is_tls() {
        return Err(Refusal::bad("TLS is already active"));
    }
    Ok(Done::new("Begin TLS negotiation now"))
}

/// RFC 9051 §6.2.3.
pub(crate) async fn login(session: &mut Session, login: Login) -> Outcome {
    if !session.credentials_allowed() {
        return Err(privacy_required());
    }
    authenticate_user(session, &login.username, login.password.expose()).await
}

/// RFC 9051 §6.2.2: PLAIN only; without an initial response the client gets an empty `+` and
/// answers on a line of its own, `*` cancelling (BAD).
pub(crate) async fn authenticate(
    session: &mut Session,
    auth: Authenticate,
) -> Result<Outcome, ReadError> {
    if !auth.mechanism.eq_ignore_case("PLAIN") {
        return Ok(Err(Refusal::no_code(
            Code::Cannot,
            "Unsupported authentication mechanism",
        )));
    }
    if !session.credentials_allowed() {
        return Ok(Err(privacy_required()));
    }
    let message = match auth.initial_response {
        Some(response) => response.into_inner(),
        None => match read_response(session).await? {
            Ok(message) => message,
            Err(refusal) => return Ok(Err(refusal)),
        },
    };
    let credentials = match kantor_sasl::decode_plain_message(&message) {
        Ok(c) => c,
        Err(e) => return Ok(Err(Refusal::bad(e.to_string()))),
    };
    if credentials
        .authzid
        .as_ref()
        .is_some_and(|z| !z.eq_ignore_ascii_case(&credentials.authcid))
    {
        return Ok(Err(Refusal::no_code(
            Code::AuthorizationFailed,
            "Acting as another user is not allowed",
        )));
    }
    Ok(authenticate_user(session, &credentials.authcid, &credentials.password).await)
}

fn privacy_required() -> Refusal {
    Refusal::no_code(
        Code::PrivacyRequired,
        "Use STARTTLS or port 993 before sending credentials",
    )
}

/// Sends the empty challenge and reads the client's one-line answer.
async fn read_response(session: &mut Session) -> Result<Result<Vec<u8>, Refusal>, ReadError> {
    session.out.push(Response::Challenge(Vec::new()));
    loop {
        match parse_authenticate_response(&session.conn.buf, session.limits.max_line) {
            Ok(Some((AuthResponse::Data(data), used))) => {
                session.conn.consume(used);
                return Ok(Ok(data.into_inner()));
            }
            Ok(Some((AuthResponse::Cancelled, used))) => {
                session.conn.consume(used);
                return Ok(Err(Refusal::bad("Authentication cancelled")));
            }
            Ok(None) => session.read_more().await?,
            Err(
                ContinuationError::Base64 { consumed } | ContinuationError::NotDone { consumed },
            ) => {
                session.conn.consume(consumed);
                return Ok(Err(Refusal::bad(
                    "Invalid base64 in authentication response",
                )));
            }
            Err(ContinuationError::TooLong(_)) => {
                let skip = kantor_imap_proto::skip_line(&session.conn.buf);
                session.conn.consume(skip.unwrap_or(session.conn.buf.len()));
                return Ok(Err(Refusal::bad("Authentication response too long")));
            }
        }
    }
}

/// Checks the credentials with the directory (throttled) and enters the authenticated state,
/// answering `OK [CAPABILITY ...]` so the client need not ask again (RFC 9051 §6.2.3).
async fn authenticate_user(session: &mut Session, username: &str, password: &str) -> Outcome {
    let ip = session.conn.peer.ip();
    let account = match session
        .ctx
        .directory
        .authenticate(username, password, ip)
        .await
    {
        AuthOutcome::Success(account) => account,
        AuthOutcome::Failed => {
            return Err(Refusal::no_code(
                Code::AuthenticationFailed,
                "Authentication failed",
            ));
        }
        AuthOutcome::Throttled { .. } => {
            return Err(Refusal::no_code(
                Code::Unavailable,
                "Too many failed logins, try again later",
            ));
        }
        // RFC 5530 §3: CONTACTADMIN, the user must ask the administrator.
        AuthOutcome::Disabled => {
            return Err(Refusal::no_code(
                Code::ContactAdmin,
                "Account disabled, contact the administrator",
            ));
        }
    };
    tracing::debug!(user = %account.address(), "imap: logged in");
    session.state = State::Authenticated(User {
        account_id: account.id,
        address: account.address(),
        is_admin: account.is_admin,
    });
    let caps = session.capabilities();
    Ok(Done::with_code(Code::Capability(caps), "Logged in"))
}
