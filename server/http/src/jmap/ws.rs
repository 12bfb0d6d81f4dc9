//! JMAP over WebSocket (RFC 8887): `GET /jmap/ws`, authenticated like the API endpoint
//! (§4.1: the handshake carries the credentials), upgraded only when the client offers the
//! `jmap` subprotocol (§4.2; refused with 400 otherwise).
//!
//! On the connection (§4.3), each text message is a `Request`, answered by a `Response` or a
//! `RequestError` carrying its `requestId` (requests run concurrently, each holding one of
//! the account's `maxConcurrentRequests` slots, `limits.rs`; answers go out as they finish),
//! or a `WebSocketPushEnable` / `WebSocketPushDisable` (§4.3.5), which start and stop
//! `StateChange`s fed by the change log's wake-ups ([`Watch`], as for EventSource). Messages
//! are read in order, so a Response to a Request sent after a `WebSocketPushEnable` means
//! that push is on.
//!
//! Bounds: a message over `maxSizeRequest` closes the connection with 1009 (Message Too Big,
//! RFC 6455 §7.4.1), a binary message with 1003 (Unsupported Data: JMAP messages are text,
//! §4.3); the server pings every [`PING_EVERY`] and closes (1001) a peer not heard from,
//! pongs included, for [`SILENCE_LIMIT`]; an account disabled or removed since the handshake
//! is closed (1008, Policy Violation) at its next Request.

use super::limits::request_slot;
use super::push::{Watch, select_types};
use super::request::answer;
use super::{core_limits, request_limits};
use crate::HttpContext;
use crate::auth::Authenticated;
use crate::conn::ConnectionSlot;
use crate::routes::status;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade, close_code};
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::response::Response;
use futures::StreamExt;
use futures::future::BoxFuture;
use futures::stream::FuturesUnordered;
use kantor_jmap_proto::websocket::{
    ClientMessage, SUBPROTOCOL, parse_client_message, request_error_message, response_message,
    state_change_message,
};
use kantor_jmap_proto::{RequestLimits, StateChange};
use kantor_store::Account;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::{Instant, MissedTickBehavior};

/// How often the server pings (RFC 6455 §5.5.2).
pub(crate) const PING_EVERY: Duration = Duration::from_secs(30);
/// How long a peer may stay silent (no message, no pong) before it is closed.
pub(crate) const SILENCE_LIMIT: Duration = Duration::from_secs(75);
/// The read buffer of a connection: small, since most are idle push connections (the
/// library's default, 128 KiB, would be that much memory per connection).
const READ_BUFFER: usize = 4096;

/// The `urn:ietf:params:jmap:websocket` capability (RFC 8887 §4): `base` is the session's
/// `https://host` base.
pub(crate) fn capability(base: &str) -> Value {
    let host = base.strip_prefix("https://").unwrap_or(base);
    json!({ "url": format!("wss://{host}/jmap/ws"), "supportsPush": true })
}

/// GET /jmap/ws: the opening handshake (RFC 8887 §4.2, RFC 6455 §4.2).
pub(crate) async fn websocket(
    State(ctx): State<Arc<HttpContext>>,
    Authenticated(account): Authenticated,
    slot: Option<Extension<ConnectionSlot>>,
    upgrade: WebSocketUpgrade,
) -> Response {
    if !upgrade
        .requested_protocols()
        .any(|p| p.as_bytes() == SUBPROTOCOL.as_bytes())
    {
        return status(
            StatusCode::BAD_REQUEST,
            "JMAP over WebSocket needs the \"jmap\" subprotocol (RFC 8887 §4.2).",
        );
    }
    let max = usize::try_from(core_limits(&ctx).max_size_request).unwrap_or(usize::MAX);
    upgrade
        .protocols([SUBPROTOCOL])
        .max_message_size(max)
        .max_frame_size(max)
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(0)
        .on_upgrade(move |socket| async move {
            Connection::new(ctx, account).run(socket).await;
            // The listener's connection slot is freed only now.
            drop(slot);
        })
}

/// One connection's state.
struct Connection {
    ctx: Arc<HttpContext>,
    account: Account,
    limits: RequestLimits,
    /// Push, when enabled: the account's changes and the types asked for.
    push: Option<Watch>,
    /// Requests being answered: their text to send.
    answering: FuturesUnordered<BoxFuture<'static, String>>,
}

/// What the read loop does after a message.
enum Next {
    Go,
    Close(u16, &'static str),
}

impl Connection {
    fn new(ctx: Arc<HttpContext>, account: Account) -> Connection {
        let limits = request_limits(&core_limits(&ctx));
        Connection {
            ctx,
            account,
            limits,
            push: None,
            answering: FuturesUnordered::new(),
        }
    }

    async fn run(mut self, mut socket: WebSocket) {
        let mut ping = tokio::time::interval_at(Instant::now() + PING_EVERY, PING_EVERY);
        ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut heard = Instant::now();
        let next = loop {
            let next = tokio::select! {
                message = socket.recv() => {
                    heard = Instant::now();
                    match message {
                        None | Some(Ok(Message::Close(_))) => break None,
                        Some(Ok(Message::Text(text))) => self.message(text.as_bytes()),
                        Some(Ok(Message::Binary(_))) => Next::Close(
                            close_code::UNSUPPORTED,
                            "JMAP messages are text (RFC 8887 section 4.3)",
                        ),
                        Some(Ok(Message::Ping(_) | Message::Pong(_))) => Next::Go,
                        Some(Err(e)) => match is_too_big(e) {
                            true => Next::Close(close_code::SIZE, "message over maxSizeRequest"),
                            false => break None,
                        },
                    }
                }
                Some(text) = self.answering.next(), if !self.answering.is_empty() => {
                    match socket.send(Message::Text(text.into())).await {
                        Ok(()) => Next::Go,
                        Err(_) => break None,
                    }
                }
                change = changed(&mut self.push), if self.push.is_some() => match change {
                    Some(change) => match push_change(&mut socket, change).await {
                        true => Next::Go,
                        false => break None,
                    },
                    None => Next::Close(close_code::RESTART, "the server is stopping"),
                },
                _ = ping.tick() => match heard.elapsed() >= SILENCE_LIMIT {
                    true => Next::Close(close_code::AWAY, "no answer to pings"),
                    false => match socket.send(Message::Ping(Default::default())).await {
                        Ok(()) => Next::Go,
                        Err(_) => break None,
                    },
                },
            };
            if let Next::Close(code, reason) = next {
                break Some((code, reason));
            }
        };
        if let Some((code, reason)) = next {
            let frame = CloseFrame {
                code,
                reason: reason.into(),
            };
            let _ = socket.send(Message::Close(Some(frame))).await;
        }
    }

    /// One text message from the client (RFC 8887 §4.3).
    fn message(&mut self, text: &[u8]) -> Next {
        let message = match parse_client_message(text, &self.limits) {
            Ok(message) => message,
            Err(e) => {
                let error = request_error_message(e.request_id.as_deref(), &e.error);
                self.answering
                    .push(Box::pin(std::future::ready(error.to_string())));
                return Next::Go;
            }
        };
        match message {
            ClientMessage::Request { id, request } => {
                let store = self.ctx.directory.store();
                match store.account(self.account.id) {
                    Ok(Some(account)) if !account.disabled => self.account = account,
                    _ => return Next::Close(close_code::POLICY, "the account is disabled"),
                }
                let slot = request_slot(&self.ctx, &self.account);
                let ctx = self.ctx.clone();
                let account = self.account.clone();
                self.answering.push(Box::pin(async move {
                    let _slot = match slot {
                        Ok(slot) => slot,
                        Err(error) => {
                            return request_error_message(id.as_deref(), &error).to_string();
                        }
                    };
                    let response = answer(&ctx, &account, request).await;
                    response_message(id.as_deref(), &response).to_string()
                }));
            }
            ClientMessage::PushEnable {
                data_types,
                push_state,
            } => {
                let types = select_types(data_types.as_deref());
                let store = self.ctx.directory.store().clone();
                let watch = Watch::new(store, self.account.id, types).with_push_state();
                // §4.3.5.2: changes since the client's pushState are pushed at once.
                if push_state.is_some_and(|state| state != watch.state()) {
                    let text = state_change_message(&watch.current()).to_string();
                    self.answering.push(Box::pin(std::future::ready(text)));
                }
                self.push = Some(watch);
            }
            ClientMessage::PushDisable => self.push = None,
        }
        Next::Go
    }
}

/// Sends a StateChange; false when the connection is gone.
async fn push_change(socket: &mut WebSocket, change: StateChange) -> bool {
    let text = state_change_message(&change).to_string();
    socket.send(Message::Text(text.into())).await.is_ok()
}

/// The next change of an enabled push (the caller checks it is enabled).
async fn changed(push: &mut Option<Watch>) -> Option<StateChange> {
    match push {
        Some(watch) => watch.changed().await,
        None => std::future::pending().await,
    }
}

/// Whether a read failed on the size limit (`maxSizeRequest`).
fn is_too_big(error: axum::Error) -> bool {
    use tungstenite::error::{CapacityError, Error};
    let inner = error.into_inner();
    matches!(
        inner.downcast_ref::<Error>(),
        Some(Error::Capacity(CapacityError::MessageTooLong { .. }))
    )
}
