//! Push (RFC 8620 §7), fed by the store's wake-up for the account: the one change log every
//! protocol writes, so a delivery over SMTP, a flag set over IMAP or an Email/set all push
//! within moments of their commit. [`Watch`] turns those wake-ups into StateChanges (§7.1) for
//! both push channels: EventSource here and WebSocket (`ws.rs`, RFC 8887 §4.3.5).
//!
//! EventSource (§7.3): `GET /jmap/eventsource?types=…&closeafter=…&ping=…` answers a
//! `text/event-stream` that opens with the current state, then sends one event per commit
//! (several commits may arrive as one), a `ping` after `ping` seconds without one, and ends
//! after the first state change when `closeafter=state`.

use super::call::account_id;
use crate::HttpContext;
use crate::auth::Authenticated;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use kantor_jmap_proto::StateChange;
use kantor_store::{AccountChanges, AccountId, Store};
use serde::Deserialize;
use serde_json::json;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

/// The data types whose state a StateChange carries: every type this server serves, since all
/// share the account's change counter (a commit changes the state of each, RFC 8620 §7.1).
const TYPES: [&str; 8] = [
    "Email",
    "Mailbox",
    "Thread",
    "EmailSubmission",
    "Identity",
    "VacationResponse",
    "Quota",
    "SieveScript",
];
/// The shortest ping interval accepted (RFC 8620 §7.3: the server may raise it).
const MIN_PING_SECS: u64 = 10;

/// The pushed types among `names` (unknown names are ignored); `None`: all of them.
pub(crate) fn select_types<S: AsRef<str>>(names: Option<&[S]>) -> Vec<&'static str> {
    match names {
        None => TYPES.to_vec(),
        Some(names) => TYPES
            .into_iter()
            .filter(|t| names.iter().any(|n| n.as_ref().trim() == *t))
            .collect(),
    }
}

/// One account's changes as StateChanges of some types.
pub(crate) struct Watch {
    store: Store,
    changes: AccountChanges,
    account: AccountId,
    types: Vec<&'static str>,
    /// Whether StateChanges carry `pushState` (RFC 8887 §4.3.5.1: over WebSocket).
    push_state: bool,
    /// The state when the watch began or was last reported: a wake-up that finds it unchanged
    /// (one commit can wake a watcher twice) is not a change (RFC 8620 §7.1).
    seen: String,
}

impl Watch {
    /// Watches `account` from now on: no commit after this returns is missed.
    pub(crate) fn new(store: Store, account: AccountId, types: Vec<&'static str>) -> Watch {
        let mut watch = Watch {
            changes: store.watch_account(account),
            store,
            account,
            types,
            push_state: false,
            seen: String::new(),
        };
        watch.seen = watch.state();
        watch
    }

    /// StateChanges with `pushState`: the account's state, which covers everything the user
    /// sees (RFC 8887 §4.3.5.1).
    pub(crate) fn with_push_state(mut self) -> Watch {
        self.push_state = true;
        self
    }

    /// Waits for the next commit to the account; `None` once the store has shut down.
    pub(crate) async fn changed(&mut self) -> Option<StateChange> {
        loop {
            self.changes.changed().await?;
            let state = self.state();
            if state != self.seen {
                self.seen = state;
                return Some(self.current());
            }
        }
    }

    /// The account's state, the same for every type: its change counter (`call.rs`).
    pub(crate) fn state(&self) -> String {
        let account = self.store.account(self.account).ok().flatten();
        account.map_or(0, |a| a.modseq).to_string()
    }

    /// A StateChange with the account's current state for each watched type.
    pub(crate) fn current(&self) -> StateChange {
        let state = self.state();
        let mut change =
            StateChange::of_account(account_id(self.account), self.types.iter().copied(), &state);
        change.push_state = self.push_state.then_some(state);
        change
    }
}

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
    let types = match params.types.as_deref() {
        None | Some("*") | Some("") => select_types::<&str>(None),
        Some(list) => select_types(Some(&list.split(',').collect::<Vec<_>>())),
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
    let stream = Stream {
        watch: Watch::new(ctx.directory.store().clone(), account.id, types),
        ping,
        close_after_state,
        first: true,
        done: false,
    };
    Sse::new(futures::stream::unfold(stream, Stream::next)).into_response()
}

struct Stream {
    watch: Watch,
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
            Some(interval) => match tokio::time::timeout(interval, self.watch.changed()).await {
                Ok(changed) => changed,
                Err(_) => {
                    let interval = interval.as_secs();
                    let ping = Event::default()
                        .event("ping")
                        .data(json!({ "interval": interval }).to_string());
                    return Some((Ok(ping), self));
                }
            },
            None => self.watch.changed().await,
        };
        // None: the store shut down; the stream ends.
        let change = changed?;
        self.done = self.close_after_state;
        Some((Ok(state_event(&change)), self))
    }

    fn state_event(&self) -> Event {
        state_event(&self.watch.current())
    }
}

/// A StateChange (RFC 8620 §7.1) as a `state` event (§7.3).
fn state_event(change: &StateChange) -> Event {
    let data = serde_json::to_string(change).unwrap_or_default();
    Event::default().event("state").data(data)
}
