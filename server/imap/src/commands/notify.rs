//! NOTIFY (RFC 5465 §3.1). `NOTIFY NONE`: nothing is reported any more, not even the selected
//! mailbox's changes at the end of commands. `NOTIFY SET` replaces what is reported: the groups
//! are checked (`NO [BADEVENT]`, BAD, `NO [NOTIFICATIONOVERFLOW]`, see
//! `notify::filter::Config::from_groups`), the selected mailbox's accumulated changes are sent
//! at once (an implicit NOOP), and with `STATUS` a STATUS for every other mailbox whose message
//! events are now reported, before the tagged OK. From then on the session loop and IDLE
//! deliver the events as they are committed (`crate::notify`).

use crate::notify::filter::{Config, Events, MailboxInfo};
use crate::notify::{self, Moment, Notifier};
use crate::outcome::{Done, Outcome, Refusal};
use crate::session::Session;
use kantor_imap_proto::Data;
use kantor_imap_proto::command::notify::Notify;

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
    let notifier = Notifier::new(config.clone(), modseq, &mailboxes);
    session.notify = Some(notifier);
    notify::selected(session, Moment::Result).await;
    if status {
        let selected = session.state.selected().map(|s| s.view.mailbox_id);
        let condstore = session.enabled.condstore || session.enabled.qresync;
        for mailbox in mailboxes.into_iter().filter(|m| Some(m.id) != selected) {
            let events = config.events_for(MailboxInfo {
                name: &mailbox.name,
                subscribed: mailbox.subscribed,
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
    }
    Ok(Done::new("NOTIFY completed"))
}
