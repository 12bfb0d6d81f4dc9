//! Push (RFC 8620 §7), fed by the store's wake-ups for the user's account and the accounts
//! shared with them: the one change log every protocol writes, so a delivery over SMTP, a flag
//! set over IMAP or an Email/set (a member's in a shared account included) all push within
//! moments of their commit. [`Watch`] turns those wake-ups into StateChanges (§7.1) for
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
use kantor_store::{AccountChanges, AccountId, Actor, Store};
use serde::Deserialize;
use serde_json::json;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

/// The data types whose state a StateChange carries: every type this server serves, since all
/// share the account's change counter (a commit changes the state of each, RFC 8620 §7.1).
const TYPES: [&str; 9] = [
    "Email",
    "Mailbox",
    "Thread",
    "EmailSubmission",
    "Identity",
    "VacationResponse",
    "Quota",
    "SieveScript",
    "ShareNotification",
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

/// The types pushed for an account shared with the user: only the mail types are served there.
const SHARED_TYPES: [&str; 3] = ["Email", "Mailbox", "Thread"];

/// The changes of the user's account and of the accounts shared with them (RFC 8620 §7.1: a
/// StateChange names every account that changed) as StateChanges of some types.
pub(crate) struct Watch {
    store: Store,
    user: AccountId,
    /// The user's own account first, then those shared with them when the watch began.
    accounts: Vec<Watched>,
    types: Vec<&'static str>,
    /// Whether StateChanges carry `pushState` (RFC 8887 §4.3.5.1: over WebSocket).
    push_state: bool,
}

/// One watched account.
struct Watched {
    id: AccountId,
    changes: AccountChanges,
    /// The state when the watch began or was last reported: a wake-up that finds it unchanged
    /// (one commit can wake a watcher twice) is not a change (RFC 8620 §7.1).
    seen: String,
}

impl Watch {
    /// Watches the user's account and those the store says are shared with them (a right to
    /// see a mailbox there), from now on: no commit after this returns is missed.
    pub(crate) fn new(store: Store, user: AccountId, types: Vec<&'static str>) -> Watch {
        let shared = store
            .mail(Actor::User(user))
            .shared_accounts()
            .unwrap_or_default();
        let accounts = std::iter::once(user)
            .chain(shared.iter().map(|s| s.id))
            .map(|id| Watched {
                id,
                changes: store.watch_account(id),
                seen: state_of(&store, user, id),
            })
            .collect();
        Watch {
            store,
            user,
            accounts,
            types,
            push_state: false,
        }
    }

    /// StateChanges with `pushState`: the states of every watched account, which cover
    /// everything the user sees (RFC 8887 §4.3.5.1).
    pub(crate) fn with_push_state(mut self) -> Watch {
        self.push_state = true;
        self
    }

    /// Waits for the next commit to a watched account that changed its state; `None` once the
    /// store has shut down.
    pub(crate) async fn changed(&mut self) -> Option<StateChange> {
        loop {
            let (woken, index) = {
                let wakes = self
                    .accounts
                    .iter_mut()
                    .map(|a| Box::pin(a.changes.changed()));
                let (woken, index, _others) = futures::future::select_all(wakes).await;
                (woken, index)
            };
            woken?;
            if index > 0 {
                self.forget_revoked();
            }
            let mut changed = Vec::new();
            for account in &mut self.accounts {
                let state = state_of(&self.store, self.user, account.id);
                if state != account.seen {
                    account.seen = state;
                    changed.push(account.id);
                }
            }
            let change = self.change_of(&changed);
            // A change of none of the types watched there (a shared account's) is no change.
            if !change.changed.is_empty() {
                return Some(change);
            }
        }
    }

    /// Stops watching the shared accounts in which the user can no longer see any mailbox (a
    /// revoked right): nothing more is pushed for them.
    fn forget_revoked(&mut self) {
        let Ok(shared) = self.store.mail(Actor::User(self.user)).shared_accounts() else {
            return;
        };
        let user = self.user;
        self.accounts
            .retain(|a| a.id == user || shared.iter().any(|s| s.id == a.id));
    }

    /// The push state: the user's account's state alone, or with the states of the shared
    /// accounts (`A7:12`) after it.
    pub(crate) fn state(&self) -> String {
        let mut out = String::new();
        for (i, account) in self.accounts.iter().enumerate() {
            let state = state_of(&self.store, self.user, account.id);
            match i {
                0 => out.push_str(&state),
                _ => out.push_str(&format!(",{}:{state}", account_id(account.id))),
            }
        }
        out
    }

    /// A StateChange with the current state of every watched account, for each watched type.
    pub(crate) fn current(&self) -> StateChange {
        let all: Vec<AccountId> = self.accounts.iter().map(|a| a.id).collect();
        self.change_of(&all)
    }

    /// A StateChange of `accounts`, each with the watched types it serves.
    fn change_of(&self, accounts: &[AccountId]) -> StateChange {
        let mut change = StateChange::default();
        for &id in accounts {
            let state = state_of(&self.store, self.user, id);
            let types = self
                .types
                .iter()
                .filter(|t| id == self.user || SHARED_TYPES.contains(t));
            let states: std::collections::BTreeMap<String, String> =
                types.map(|t| (t.to_string(), state.clone())).collect();
            if id == self.user || !states.is_empty() {
                change.changed.insert(account_id(id), states);
            }
        }
        change.push_state = self.push_state.then(|| self.state());
        change
    }
}

/// An account's state as `user` sees it, the same for every type: what the API answers
/// (`shared::state_for`).
fn state_of(store: &Store, user: AccountId, account: AccountId) -> String {
    super::shared::state_for(&store.mail(Actor::User(user)), user, account)
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
