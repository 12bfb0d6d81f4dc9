//! Push over EventSource (RFC 8620 §7.3): `GET /jmap/eventsource?types=…&closeafter=…&ping=…`
//! answers a `text/event-stream` of StateChange events (§7.1), fed by the store's wake-up for
//! the account: the one change log every protocol writes, so a delivery over SMTP, a flag set
//! over IMAP or an Email/set all push within moments of their commit.
//!
//! The stream opens with the current state, then sends one event per commit (several commits
//! may arrive as one), a `ping` after `ping` seconds without one, and ends after the first
//! state change when `closeafter=state`.

use super::call::account_id;
use crate::HttpContext;
use crate::auth::Authenticated;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use kantor_store::{AccountChanges, AccountId, Store};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

/// The data types whose state a StateChange carries (all share the account's counter).
const TYPES: [&str; 3] = ["Email", "Mailbox", "Thread"];
/// The shortest ping interval accepted (RFC 8620 §7.3: the server may raise it).
const MIN_PING_SECS: u64 = 10;

#[derive(Deserialize)]
pub(crate) struct Params {
    /// Comma-separated type names, or `*`.
    #[serde(default)]
    types: Option<String>,
    /// `state` to end after the first change, `no` (the default) to go on.
    #[serde(default)]
    closeafter: Option<String>,
    /// Seconds between pings when nothing changes; 0 or absent: none.
    #[serde(default)]
    ping: Option<u64>,
}

pub(crate) async fn eventsource(
    State(ctx): State<Arc<HttpContext>>,
    Authenticated(account): Authenticated,
    Query(params): Query<Params>,
) -> Response {
    let types: Vec<&'static str> = match params.types.as_deref() {
        None | Some("*") | Some("") => TYPES.to_vec(),
        Some(list) => TYPES
            .into_iter()
            .filter(|t| list.split(',').any(|w| w.trim() == *t))
            .collect(),
    };
    let close_after_state = match params.closeafter.as_deref() {
        None | Some("no") => false,
        Some("state") => true,
        Some(other) => {
            return crate::routes::status(
                StatusCode::BAD_REQUEST,
                &format!("closeafter is \"state\" or \"no\", not {other:?}."),
            );
        }
    };
    let ping = params
        .ping
        .filter(|&p| p > 0)
        .map(|p| Duration::from_secs(p.max(MIN_PING_SECS)));
    let store = ctx.directory.store().clone();
    let stream = Stream {
        changes: store.watch_account(account.id),
        store,
        account: account.id,
        types,
        ping,
        close_after_state,
        first: true,
        done: false,
    };
    Sse::new(futures::stream::unfold(stream, Stream::next)).into_response()
}

struct Stream {
    store: Store,
    changes: AccountChanges,
    account: AccountId,
    types: Vec<&'static str>,
    ping: Option<Duration>,
    close_after_state: bool,
    first: bool,
    done: bool,
}

impl Stream {
    async fn next(mut self) -> Option<(Result<Event, Infallible>, Stream)> {
        if self.done {
            return None;
        }
        if self.first {
            self.first = false;
            return Some((Ok(self.state_event()), self));
        }
        let changed = match self.ping {
            Some(interval) => match tokio::time::timeout(interval, self.changes.changed()).await {
                Ok(changed) => changed,
                Err(_) => {
                    let interval = interval.as_secs();
                    let ping = Event::default()
                        .event("ping")
                        .data(json!({ "interval": interval }).to_string());
                    return Some((Ok(ping), self));
                }
            },
            None => self.changes.changed().await,
        };
        // None: the store shut down; the stream ends.
        changed?;
        self.done = self.close_after_state;
        Some((Ok(self.state_event()), self))
    }

    /// A StateChange (RFC 8620 §7.1) with the account's state for each type asked for.
    fn state_event(&self) -> Event {
        let modseq = self
            .store
            .account(self.account)
            .ok()
            .flatten()
            .map_or(0, |a| a.modseq)
            .to_string();
        let states: Map<String, Value> = self
            .types
            .iter()
            .map(|t| (t.to_string(), Value::String(modseq.clone())))
            .collect();
        let change = json!({
            "@type": "StateChange",
            "changed": { account_id(self.account): states },
        });
        Event::default().event("state").data(change.to_string())
    }
}
