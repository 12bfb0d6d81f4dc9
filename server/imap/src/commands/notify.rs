//! NOTIFY (RFC 5465 §3.1). `NOTIFY NONE`: nothing is reported any more, not even the selected
//! mailbox's changes at the end of commands. `NOTIFY SET` replaces what is reported: the groups
//! are checked (`NO [BADEVENT]`, BAD, `NO [NOTIFICATIONOVERFLOW]`, see
//! `notify::filter::Config::from_groups`), the selected mailbox's accumulated changes are sent
//! at once (an implicit NOOP), and with `STATUS` a STATUS for every other mailbox whose message
//! events are now reported (other accounts' the user may read included, under the names the
//! user sees them by), before the tagged OK. From then on the session loop and IDLE deliver the
//! events as they are committed (`crate::notify`), watching the other accounts whose mailboxes
//! the groups name (`crate::notify::others`).

use crate::access;
use crate::notify::filter::Filter;
use crate::notify::filter::{Config, Events, MailboxInfo};
use crate::notify::others::Others;
use crate::notify::{self, Moment, Notifier};
use crate::outcome::{Done, Outcome, Refusal};
use crate::session::Session;
use kantor_imap_proto::Data;
use kantor_imap_proto::command::notify::Notify;
use kantor_store::Rights;

pub(crate) async fn notify(session: &mut Session, notify: Notify) -> Outcome {
    let account_id = session
        .state
        .user()
        .map(|u| u.account_id)
        .ok_or_else(|| Refusal::bad("Not logged in"))?;
    let (status, groups) = match notify {
        Notify::None => {
            session.notify = Some(Notifier::default());
            return Ok(Done::new("NOTIFY completed"));
        }
        Notify::Set { status, groups } => (status, groups),
    };
    let config = Config::from_groups(&groups, session.enabled.utf8_names())?;
    let store = session.store();
    // The modseq first: what is logged after it is reported, what the listing shows is known.
    let modseq = store
        .account(account_id)?
        .map(|a| a.modseq)
        .ok_or_else(|| Refusal::Fault(format!("account {account_id} is gone")))?;
    let mailboxes = store.mailboxes(account_id)?;
    let others = Others::watch(&store, account_id, &config)?;
    let watching_others = others.account_ids().next().is_some();
    let notifier = Notifier::new(config.clone(), account_id, modseq, &mailboxes, others);
    session.notify = Some(notifier);
    notify::selected(session, Moment::Result).await;
    if status {
        let selected = session.state.selected().map(|s| s.view.mailbox_id);
        let condstore = session.enabled.condstore || session.enabled.qresync;
        for mailbox in mailboxes.into_iter().filter(|m| Some(m.id) != selected) {
            let events = config.events_for(MailboxInfo {
                name: &mailbox.name,
                subscribed: mailbox.subscribed,
                personal: true,
            });
            if !events.intersects(Events::MESSAGE) {
                continue;
            }
            let items =
                notify::status_values(&mailbox, condstore || events.contains(Events::FLAGS));
            session.out.data(Data::Status {
                mailbox: mailbox.name,
                items,
            });
        }
        if watching_others {
            other_statuses(session, &config, selected, condstore)?;
        }
    }
    Ok(Done::new("NOTIFY completed"))
}

/// `NOTIFY SET STATUS` for other accounts' mailboxes: those the user may read (RFC 4314 `r`)
/// whose message events are reported, with the user's own counts (`Mail::mailbox`).
fn other_statuses(
    session: &mut Session,
    config: &Config,
    selected: Option<kantor_store::MailboxId>,
    condstore: bool,
) -> Result<(), Refusal> {
    let store = session.store();
    let user = session.state.user().map(|u| u.account_id);
    let subscriptions = match user {
        Some(account) if config.groups.iter().any(|g| g.filter == Filter::Subscribed) => {
            store.subscriptions(account)?
        }
        _ => Vec::new(),
    };
    for shared in store.shared_mailboxes()? {
        if Some(shared.mailbox.id) == selected || !shared.rights.contains(Rights::READ) {
            continue;
        }
        let namespace = access::Namespace::Other {
            owner: shared.owner,
            shared: shared.owner_shared,
        };
        let name = format!("{}{}", namespace.prefix(), shared.mailbox.name);
        let events = config.events_for(MailboxInfo {
            name: &name,
            subscribed: subscriptions.contains(&name),
            personal: false,
        });
        if !events.intersects(Events::MESSAGE) {
            continue;
        }
        // The listing counts the emails' own \Seen; the member's own count is read here.
        let Some(mailbox) = store.mailbox(shared.mailbox.id)? else {
            continue;
        };
        let items = notify::status_values(&mailbox, condstore || events.contains(Events::FLAGS));
        session.out.data(Data::Status {
            mailbox: name,
            items,
        });
    }
    Ok(())
}
