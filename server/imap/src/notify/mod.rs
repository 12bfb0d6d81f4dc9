//! NOTIFY (RFC 5465): what the client asked to be told, and telling it.
//!
//! - [`filter`]: the checked `NOTIFY SET` and which events it wants for which mailbox (§6).
//! - [`translate`]: the account's change log turned into STATUS and LIST notices for the
//!   mailboxes other than the selected one (§5.1-5.5).
//! - [`others`]: the same for other accounts' mailboxes the groups name (shared mailboxes,
//!   folders other users shared), from those accounts' logs as far as the user may see them.
//! - [`respond`]: notices and new messages turned into untagged responses.
//!
//! Everything comes from the store's change logs (the user's account's and those of the other
//! accounts watched), each read from this session's own cursor; the session loop
//! (`session/listen.rs`) and IDLE wake on the store's wake-ups for those accounts
//! (`Store::watch_account`) and call
//! [`deliver`]. Nothing here polls or writes to the socket: responses are queued in the
//! session's output, which the loop flushes.
//!
//! The selected mailbox is told through its view like before, but only the kinds of change the
//! client asked for ([`apply`]): until the first NOTIFY, RFC 9051 as usual; after it, the
//! `selected` / `selected-delayed` group's events only (§3.1; none without such a group), at
//! command ends and also between commands, with expunges held back by `selected-delayed` and
//! during FETCH, STORE and SEARCH by number (§6.1.2, RFC 9051 §7.5.1).

pub(crate) mod filter;
pub(crate) mod others;
mod respond;
pub(crate) mod translate;

use crate::session::Session;
use crate::view::{Apply, Update};
use filter::{Config, Events};
use kantor_imap_proto::{Code, Data, Response};
use kantor_store::changes::ObjectKind;
use kantor_store::{AccountId, MailboxId, Modseq, Uid};
use others::Others;
use translate::{Known, KnownMailbox};

pub(crate) use respond::status_values;

/// When the client is being told about changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Moment {
    /// At the end of a command; expunges only if the command allows them (RFC 9051 §7.5.1).
    Command { allow_expunge: bool },
    /// Within a command whose own result includes the updates (EXPUNGE, MOVE, and NOTIFY SET's
    /// implicit NOOP, §3.1): everything, whatever NOTIFY asked.
    Result,
    /// While no command is in progress.
    Between,
    /// During IDLE (§4: the events NOTIFY asked for; expunges allowed).
    Idle,
}

/// The state of a session that has used NOTIFY.
#[derive(Debug, Default)]
pub(crate) struct Notifier {
    pub config: Config,
    /// The user's own account.
    account_id: AccountId,
    /// The account modseq up to which the log has been turned into notices.
    modseq: Modseq,
    /// The account's mailboxes as the client knows them.
    known: Known,
    /// Other accounts whose mailboxes the groups name.
    pub others: Others,
    /// Modseqs of this session's own writes, not reported back (§5).
    own: Vec<Modseq>,
    /// Messages this session added to the selected mailbox: no MessageNew FETCH for them
    /// (§5.2: SHOULD NOT).
    own_arrivals: Vec<(MailboxId, Uid)>,
}

impl Notifier {
    /// A `NOTIFY SET` taking effect with the log of `account_id` read up to `modseq`, its
    /// `mailboxes` as they are now, and the other accounts watched.
    pub fn new(
        config: Config,
        account_id: AccountId,
        modseq: Modseq,
        mailboxes: &[kantor_store::Mailbox],
        others: Others,
    ) -> Notifier {
        let known = mailboxes
            .iter()
            .map(|m| {
                let known = KnownMailbox {
                    name: m.name.clone(),
                    subscribed: m.subscribed,
                    personal: true,
                };
                (m.id, known)
            })
            .collect();
        Notifier {
            config,
            account_id,
            modseq,
            known,
            others,
            ..Notifier::default()
        }
    }

    /// The other accounts whose commits the session must wake for.
    pub fn other_accounts(&self) -> impl Iterator<Item = AccountId> + '_ {
        self.others.account_ids()
    }

    /// Whether the session must listen for changes between commands.
    pub fn listens(&self) -> bool {
        self.config.wants_anything()
    }

    /// The client created or now knows this mailbox (of its own account or another's) as it is.
    pub fn learn(&mut self, mailbox: &kantor_store::Mailbox) {
        if mailbox.account_id != self.account_id {
            self.others.learn(mailbox);
            return;
        }
        let known = KnownMailbox {
            name: mailbox.name.clone(),
            subscribed: mailbox.subscribed,
            personal: true,
        };
        self.known.insert(mailbox.id, known);
    }

    /// The client (un)subscribed `name` (as it sees it), the name of `mailbox` when one exists.
    pub fn learn_subscription(&mut self, name: &str, mailbox: Option<MailboxId>, subscribed: bool) {
        if crate::access::is_other_namespace(name) {
            self.others.learn_subscription(name, mailbox, subscribed);
        } else if let Some(known) = mailbox.and_then(|id| self.known.get_mut(&id)) {
            known.subscribed = subscribed;
        }
    }

    /// The client deleted this mailbox.
    pub fn forget(&mut self, id: MailboxId) {
        self.known.remove(&id);
        self.others.forget(id);
    }

    /// A write of this session to `account`, logged under `modseq` in that account's log.
    pub fn own_write(&mut self, account: AccountId, modseq: Modseq) {
        if account != self.account_id {
            self.others.own_write(account, modseq);
        } else if modseq > self.modseq {
            self.own.push(modseq);
        }
    }

    /// A message this session added to the selected mailbox; remembered only while MessageNew
    /// asks for a FETCH.
    pub fn own_arrival(&mut self, mailbox_id: MailboxId, uid: Uid) {
        if self
            .config
            .selected
            .as_ref()
            .is_some_and(|s| !s.fetch.is_empty())
        {
            self.own_arrivals.push((mailbox_id, uid));
        }
    }
}

/// Whether the client's names of an account's mailboxes include one below `name`.
fn has_children(known: &Known, name: &str) -> bool {
    known
        .values()
        .any(|m| crate::names::is_descendant(&m.name, name))
}

/// What of the selected mailbox's changes may be applied and told now.
pub(crate) fn apply(config: Option<&Config>, moment: Moment) -> Apply {
    let Some(config) = config else {
        return match moment {
            Moment::Command { allow_expunge } => Apply {
                expunges: allow_expunge,
                ..Apply::ALL
            },
            Moment::Result | Moment::Idle => Apply::ALL,
            Moment::Between => Apply::NOTHING,
        };
    };
    let (events, delayed) = match &config.selected {
        Some(selected) => (selected.events, selected.delayed),
        None => (Events::NONE, false),
    };
    let expunges_now = match moment {
        Moment::Result => return Apply::ALL,
        Moment::Command { allow_expunge } => allow_expunge,
        Moment::Between => !delayed,
        Moment::Idle => true,
    };
    Apply {
        arrivals: events.contains(Events::NEW),
        expunges: events.contains(Events::EXPUNGE) && expunges_now,
        flags: events.contains(Events::FLAGS),
    }
}

/// Brings the selected mailbox's view up to date as far as `moment` allows and queues what the
/// client must be told, with the MessageNew FETCH a NOTIFY client asked for (§5.2).
pub(crate) async fn selected(session: &mut Session, moment: Moment) {
    let mail = session.store();
    let store = &mail;
    let enabled = session.enabled;
    let apply = apply(session.notify.as_ref().map(|n| &n.config), moment);
    let Some(selected) = session.state.selected_mut() else {
        return;
    };
    let before = selected.view.max_uid();
    let updates = match selected.view.refresh_with(store, apply) {
        Ok(updates) => updates,
        Err(e) => {
            tracing::warn!(error = %e, "imap: cannot refresh the selected mailbox");
            return;
        }
    };
    if let Err(e) = selected.view.settle_recent(store).await {
        tracing::warn!(error = %e, "imap: cannot claim \\Recent messages");
    }
    // Search contexts (RFC 5267 §4.3.3-§4.3.4): REMOVEFROM before the expunges are
    // announced, ADDTO after EXISTS, so message numbers in them are the client's.
    let gone = Update::expunged_uids(&updates);
    let contexts = selected
        .contexts
        .refresh(store, &selected.view, &selected.saved, &gone);
    for esearch in contexts.removals {
        session.out.data(Data::Esearch(esearch));
    }
    let view = &selected.view;
    session.out.updates(view, updates, enabled);
    for esearch in contexts.additions {
        session.out.data(Data::Esearch(esearch));
    }
    if let Some(notifier) = session.notify.as_mut() {
        respond::new_messages(&mut session.out, store, view, before, notifier, enabled);
    }
}

/// Everything the client is to be told now: the selected mailbox (as `moment` allows) and,
/// between commands and in IDLE, the other mailboxes' events.
pub(crate) async fn deliver(session: &mut Session, moment: Moment) {
    selected(session, moment).await;
    if matches!(moment, Moment::Between | Moment::Idle) {
        elsewhere(session);
    }
}

/// STATUS and LIST for what changed outside the selected mailbox since the last call: in the
/// user's account, then in the other accounts watched.
fn elsewhere(session: &mut Session) {
    let mail = session.store();
    let store = &mail;
    let Some(account_id) = session.state.user().map(|u| u.account_id) else {
        return;
    };
    let selected = session.state.selected().map(|s| s.view.mailbox_id);
    let condstore = session.enabled.condstore || session.enabled.qresync;
    let Some(notifier) = session.notify.as_mut() else {
        return;
    };
    if !notifier.listens() {
        return;
    }
    let read = store
        .changes_since(account_id, notifier.modseq)
        .and_then(|changes| {
            own_account(
                store,
                notifier,
                &changes,
                selected,
                condstore,
                &mut session.out,
            )?;
            let config = &notifier.config;
            notifier
                .others
                .deliver(store, config, selected, condstore, &mut session.out)
        });
    if let Err(e) = read {
        // §5.8: unable to deliver what was asked; say so and behave as NOTIFY NONE.
        tracing::warn!(error = %e, "imap: cannot read a change log for NOTIFY");
        *notifier = Notifier::default();
        session.out.push(Response::untagged_ok(
            Some(Code::NotificationOverflow),
            "Notifications are off; use NOTIFY SET again",
        ));
    }
}

/// The notices of the user's own account's `changes`; the user's subscriptions to other
/// accounts' names re-read when another session changed one (logged with no mailbox here).
fn own_account(
    store: &kantor_store::Mail,
    notifier: &mut Notifier,
    changes: &[kantor_store::changes::Change],
    selected: Option<MailboxId>,
    condstore: bool,
    out: &mut crate::session::output::Output,
) -> Result<(), kantor_store::StoreError> {
    let Some(last) = changes.last().map(|c| c.modseq) else {
        return Ok(());
    };
    let mut current = |id: MailboxId| match store.mailbox(id) {
        Ok(mailbox) => mailbox.map(|m| KnownMailbox {
            name: m.name,
            subscribed: m.subscribed,
            personal: true,
        }),
        Err(e) => {
            tracing::warn!(error = %e, "imap: cannot read a mailbox for NOTIFY");
            None
        }
    };
    let notices = translate::translate(
        &notifier.config,
        selected,
        &mut notifier.known,
        changes,
        &notifier.own,
        &mut current,
    );
    let resubscribe = changes
        .iter()
        .any(|c| c.object == ObjectKind::Subscription && c.object_id == 0);
    notifier.modseq = notifier.modseq.max(last);
    let cursor = notifier.modseq;
    notifier.own.retain(|&m| m > cursor);
    respond::notices(out, store, &notifier.known, "", notices, condstore);
    if resubscribe {
        let own = notifier.account_id;
        let config = &notifier.config;
        notifier.others.resubscribe(store, own, config, out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::filter::Selected;
    use super::*;

    fn with_selected(events: Events, delayed: bool) -> Config {
        Config {
            selected: Some(Selected {
                delayed,
                events,
                fetch: Vec::new(),
            }),
            groups: Vec::new(),
        }
    }

    const FETCHING: Moment = Moment::Command {
        allow_expunge: false,
    };
    const NOOP: Moment = Moment::Command {
        allow_expunge: true,
    };

    #[test]
    fn without_notify_rfc_9051_rules() {
        assert_eq!(
            apply(None, FETCHING),
            Apply {
                expunges: false,
                ..Apply::ALL
            }
        );
        assert_eq!(apply(None, NOOP), Apply::ALL);
        assert_eq!(apply(None, Moment::Idle), Apply::ALL);
        assert_eq!(apply(None, Moment::Between), Apply::NOTHING);
    }

    #[test]
    fn selected_tells_everything_asked_at_once() {
        let c = with_selected(Events::NEW | Events::EXPUNGE | Events::FLAGS, false);
        assert_eq!(apply(Some(&c), Moment::Between), Apply::ALL);
        assert_eq!(apply(Some(&c), NOOP), Apply::ALL);
        // RFC 9051 §7.5.1 still holds during FETCH, STORE, SEARCH by number.
        assert!(!apply(Some(&c), FETCHING).expunges);
        let c = with_selected(Events::NEW | Events::EXPUNGE, false);
        assert_eq!(
            apply(Some(&c), Moment::Between),
            Apply {
                flags: false,
                ..Apply::ALL
            }
        );
    }

    #[test]
    fn selected_delayed_holds_expunges_until_a_command_or_idle() {
        let c = with_selected(Events::NEW | Events::EXPUNGE | Events::FLAGS, true);
        let between = apply(Some(&c), Moment::Between);
        assert!(between.arrivals && between.flags && !between.expunges);
        assert_eq!(apply(Some(&c), NOOP), Apply::ALL);
        assert_eq!(apply(Some(&c), Moment::Idle), Apply::ALL);
        assert!(!apply(Some(&c), FETCHING).expunges);
    }

    #[test]
    fn no_selected_group_is_a_snapshot_but_results_are_told() {
        for c in [Config::default(), with_selected(Events::NONE, false)] {
            for moment in [NOOP, FETCHING, Moment::Between, Moment::Idle] {
                assert_eq!(apply(Some(&c), moment), Apply::NOTHING, "{moment:?}");
            }
            assert_eq!(apply(Some(&c), Moment::Result), Apply::ALL);
        }
    }
}
