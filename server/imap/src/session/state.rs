//! The protocol state of a session (RFC 9051 §3) and what the client has enabled (RFC 5161).

use crate::search_context::Contexts;
use crate::view::MailboxView;
use kantor_imap_proto::State as ProtoState;
use kantor_store::{AccountId, Uid};

/// Who is logged in.
#[derive(Debug, Clone)]
pub(crate) struct User {
    pub account_id: AccountId,
    /// The account's address, as an IMAP URL's user names it (RFC 5092 `enc-user`).
    pub address: String,
    pub is_admin: bool,
}

/// The selected mailbox (RFC 9051 §3.3).
#[derive(Debug)]
pub(crate) struct Selected {
    pub view: MailboxView,
    /// The mailbox's name (UTF-8), for LIST and logs.
    pub name: String,
    /// The result saved by `SEARCH RETURN (SAVE)`, as UIDs (RFC 5182 §2.1); reset on every
    /// SELECT, EXAMINE, CLOSE and UNSELECT.
    pub saved: Vec<Uid>,
    /// Searches kept for `RETURN (UPDATE)` (RFC 5267 §4.3); they end with the selection.
    pub contexts: Contexts,
}

/// RFC 9051 §3: not authenticated, authenticated, selected. Logout is the end of the loop.
#[derive(Debug)]
pub(crate) enum State {
    NotAuthenticated,
    Authenticated(User),
    Selected(User, Box<Selected>),
}

impl State {
    /// The state as the command table (`CommandBody::allowed`) names it.
    pub fn protocol(&self) -> ProtoState {
        match self {
            State::NotAuthenticated => ProtoState::NotAuthenticated,
            State::Authenticated(_) => ProtoState::Authenticated,
            State::Selected(..) => ProtoState::Selected,
        }
    }

    pub fn user(&self) -> Option<&User> {
        match self {
            State::NotAuthenticated => None,
            State::Authenticated(user) | State::Selected(user, _) => Some(user),
        }
    }

    pub fn selected(&self) -> Option<&Selected> {
        match self {
            State::Selected(_, selected) => Some(selected),
            _ => None,
        }
    }

    pub fn selected_mut(&mut self) -> Option<&mut Selected> {
        match self {
            State::Selected(_, selected) => Some(selected),
            _ => None,
        }
    }

    /// Leaves the selected state (CLOSE, UNSELECT, a new SELECT); returns what was selected.
    pub fn deselect(&mut self) -> Option<Box<Selected>> {
        match std::mem::replace(self, State::NotAuthenticated) {
            State::Selected(user, selected) => {
                *self = State::Authenticated(user);
                Some(selected)
            }
            other => {
                *self = other;
                None
            }
        }
    }

    /// Enters the selected state; the caller has deselected first.
    pub fn select(&mut self, selected: Selected) {
        if let State::Authenticated(user) = std::mem::replace(self, State::NotAuthenticated) {
            *self = State::Selected(user, Box::new(selected));
        }
    }
}

/// What ENABLE (RFC 5161) and the CONDSTORE enabling commands (RFC 7162 §3.1) switched on; it
/// lasts for the connection.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Enabled {
    /// `ENABLE IMAP4rev2` (RFC 9051 §6.3.1): IMAP4rev2 behaviour (ESEARCH, no RECENT, UTF-8).
    pub rev2: bool,
    /// `ENABLE UTF8=ACCEPT` (RFC 6855 §3).
    pub utf8: bool,
    /// CONDSTORE (RFC 7162 §3.1): MODSEQ in every FETCH response, HIGHESTMODSEQ on SELECT.
    pub condstore: bool,
    /// `ENABLE QRESYNC` (RFC 7162 §3.2.3): VANISHED instead of EXPUNGE.
    pub qresync: bool,
}

impl Enabled {
    /// UTF-8 in quoted strings and mailbox names (RFC 9051 §6.3.1, RFC 6855 §3).
    pub fn utf8_names(self) -> bool {
        self.rev2 || self.utf8
    }
}
