//! From the account's change log to what a NOTIFY client is told about mailboxes other than the
//! selected one (RFC 5465 §5): message events become one `STATUS` per mailbox (§5.1-5.3), and
//! mailbox events become `LIST` (§5.4 MailboxName, §5.5 SubscriptionChange).
//!
//! The log says which mailbox changed, not how, so the session keeps the mailboxes as this
//! client knows them ([`Known`]) and compares: a new name is a rename (LIST with OLDNAME), a new
//! subscription state a subscription change. Subscriptions are logged on their own
//! (`ObjectKind::Subscription`, naming the mailbox of that name when there is one). The client's own CREATE, DELETE, RENAME and
//! SUBSCRIBE update [`Known`] as they happen, so they are not reported back (§5: the server
//! SHOULD omit events the client caused); so are the changes logged under `own` modseqs.

use super::filter::{Config, Events, MailboxInfo};
use kantor_store::changes::{Change, ChangeKind, ObjectKind};
use kantor_store::{MailboxId, Modseq};
use std::collections::HashMap;

/// A mailbox as the client knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KnownMailbox {
    /// As the client sees it: another account's with its namespace prefix.
    pub name: String,
    pub subscribed: bool,
    /// One of the user's own mailboxes (`personal` and `inboxes` match only those, §6.2-6.3).
    pub personal: bool,
}

impl KnownMailbox {
    pub(crate) fn info(&self) -> MailboxInfo<'_> {
        MailboxInfo {
            name: &self.name,
            subscribed: self.subscribed,
            personal: self.personal,
        }
    }
}

/// An account's mailboxes as the client knows them.
pub(crate) type Known = HashMap<MailboxId, KnownMailbox>;

/// One thing to tell the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Notice {
    /// `* STATUS` for this mailbox, as it is now. `flags`: FlagChange is among the events
    /// reported for it, so HIGHESTMODSEQ is included (§5.1).
    Status { mailbox_id: MailboxId, flags: bool },
    /// `* LIST` for a mailbox event.
    List(ListNotice),
}

/// `* LIST (attributes) "/" name [("OLDNAME" (old))]` after a mailbox event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ListNotice {
    pub name: String,
    /// The name before a rename (§5.4).
    pub old_name: Option<String>,
    /// False after a DELETE: `\NonExistent` (§5.4).
    pub exists: bool,
    /// `\Subscribed` (§5.5: if and only if subscribed after the event).
    pub subscribed: bool,
}

/// Turns `changes` (oldest first) into notices, updating `known`. `selected` is the selected
/// mailbox, whose message events the view reports. `current` reads a mailbox as it is now
/// (`None` once deleted).
pub(crate) fn translate(
    config: &Config,
    selected: Option<MailboxId>,
    known: &mut Known,
    changes: &[Change],
    own: &[Modseq],
    current: &mut dyn FnMut(MailboxId) -> Option<KnownMailbox>,
) -> Vec<Notice> {
    let mut notices = Vec::new();
    for change in changes {
        let report = !own.contains(&change.modseq);
        match change.object {
            ObjectKind::Email => {
                let Some(mailbox_id) = change.mailbox_id else {
                    continue;
                };
                if Some(mailbox_id) == selected || !report {
                    continue;
                }
                let event = match change.kind {
                    ChangeKind::Created => Events::NEW,
                    ChangeKind::Destroyed => Events::EXPUNGE,
                    ChangeKind::Updated => Events::FLAGS,
                };
                let mailbox = match known.get(&mailbox_id) {
                    Some(m) => m.clone(),
                    None => match current(mailbox_id) {
                        Some(m) => known.entry(mailbox_id).or_insert(m).clone(),
                        None => continue,
                    },
                };
                let wanted = config.events_for(mailbox.info());
                if wanted.contains(event) {
                    status(&mut notices, mailbox_id, wanted.contains(Events::FLAGS));
                }
            }
            ObjectKind::Mailbox => {
                let notice = mailbox_change(config, known, change, current);
                notices.extend(notice.filter(|_| report));
            }
            // A subscription names its mailbox when one exists (0 otherwise): the filters of
            // §6 select mailboxes, so a name without one is not told.
            ObjectKind::Subscription if change.object_id != 0 => {
                let notice = mailbox_updated(config, known, change.object_id, current);
                notices.extend(notice.filter(|_| report));
            }
            ObjectKind::Subscription
            | ObjectKind::Account
            | ObjectKind::Thread
            | ObjectKind::EmailSubmission
            | ObjectKind::Identity
            | ObjectKind::SieveScript
            | ObjectKind::ShareNotification => {}
        }
    }
    notices
}

/// One STATUS per mailbox, where it first appeared.
fn status(notices: &mut Vec<Notice>, mailbox_id: MailboxId, flags: bool) {
    for notice in notices.iter_mut() {
        if let Notice::Status {
            mailbox_id: id,
            flags: f,
        } = notice
            && *id == mailbox_id
        {
            *f |= flags;
            return;
        }
    }
    notices.push(Notice::Status { mailbox_id, flags });
}

/// A created, deleted, renamed or (un)subscribed mailbox (§5.4, §5.5). A rename matches the
/// filters under its old or its new name; a subscription change under either state.
fn mailbox_change(
    config: &Config,
    known: &mut Known,
    change: &Change,
    current: &mut dyn FnMut(MailboxId) -> Option<KnownMailbox>,
) -> Option<Notice> {
    let id = change.object_id;
    match change.kind {
        ChangeKind::Created => {
            if known.contains_key(&id) {
                return None;
            }
            let now = current(id)?;
            known.insert(id, now.clone());
            config
                .events_for(now.info())
                .contains(Events::MAILBOX_NAME)
                .then(|| list(&now, None, true))
        }
        ChangeKind::Destroyed => {
            let before = known.remove(&id)?;
            config
                .events_for(before.info())
                .contains(Events::MAILBOX_NAME)
                .then(|| list(&before, None, false))
        }
        ChangeKind::Updated => mailbox_updated(config, known, id, current),
    }
}

/// A mailbox renamed or (un)subscribed: compared with what the client knows.
fn mailbox_updated(
    config: &Config,
    known: &mut Known,
    id: MailboxId,
    current: &mut dyn FnMut(MailboxId) -> Option<KnownMailbox>,
) -> Option<Notice> {
    let now = current(id)?;
    // Not known before: nothing to compare with.
    let before = known.insert(id, now.clone())?;
    let wanted = config.events_for(before.info()) | config.events_for(now.info());
    if before.name != now.name {
        return wanted
            .contains(Events::MAILBOX_NAME)
            .then(|| list(&now, Some(before.name), true));
    }
    (before.subscribed != now.subscribed && wanted.contains(Events::SUBSCRIPTION))
        .then(|| list(&now, None, true))
}

fn list(mailbox: &KnownMailbox, old_name: Option<String>, exists: bool) -> Notice {
    Notice::List(ListNotice {
        name: mailbox.name.clone(),
        old_name,
        exists,
        subscribed: exists && mailbox.subscribed,
    })
}

#[cfg(test)]
mod tests {
    use super::super::filter::{Filter, Group, Selected};
    use super::*;

    fn config(groups: &[(Filter, Events)]) -> Config {
        Config {
            selected: Some(Selected {
                delayed: false,
                events: Events::NEW | Events::EXPUNGE,
                fetch: Vec::new(),
            }),
            groups: groups
                .iter()
                .map(|(filter, events)| Group {
                    filter: filter.clone(),
                    events: *events,
                })
                .collect(),
        }
    }

    fn everything() -> Config {
        config(&[(
            Filter::Personal,
            Events::MESSAGE | Events::MAILBOX_NAME | Events::SUBSCRIPTION,
        )])
    }

    fn message(modseq: Modseq, kind: ChangeKind, mailbox: MailboxId) -> Change {
        Change {
            modseq,
            object: ObjectKind::Email,
            kind,
            object_id: 1000 + modseq as i64,
            mailbox_id: Some(mailbox),
            uid: Some(modseq as u32),
        }
    }

    fn mailbox(modseq: Modseq, kind: ChangeKind, id: MailboxId) -> Change {
        Change {
            modseq,
            object: ObjectKind::Mailbox,
            kind,
            object_id: id,
            mailbox_id: None,
            uid: None,
        }
    }

    fn known(entries: &[(MailboxId, &str, bool)]) -> Known {
        entries
            .iter()
            .map(|&(id, name, subscribed)| {
                (
                    id,
                    KnownMailbox {
                        name: name.into(),
                        subscribed,
                        personal: true,
                    },
                )
            })
            .collect()
    }

    fn run(
        config: &Config,
        known: &mut Known,
        now: &Known,
        changes: &[Change],
        own: &[Modseq],
    ) -> Vec<Notice> {
        translate(config, Some(1), known, changes, own, &mut |id| {
            now.get(&id).cloned()
        })
    }

    fn listed(name: &str, old: Option<&str>, exists: bool, subscribed: bool) -> Notice {
        Notice::List(ListNotice {
            name: name.into(),
            old_name: old.map(Into::into),
            exists,
            subscribed,
        })
    }

    #[test]
    fn message_events_elsewhere_are_one_status_per_mailbox() {
        let mut k = known(&[(1, "INBOX", true), (2, "Sent", false), (3, "Junk", false)]);
        let now = k.clone();
        let changes = [
            message(5, ChangeKind::Created, 2),
            message(6, ChangeKind::Created, 1),
            message(7, ChangeKind::Destroyed, 3),
            message(8, ChangeKind::Created, 2),
            message(9, ChangeKind::Updated, 2),
        ];
        let c = config(&[(Filter::Personal, Events::NEW | Events::EXPUNGE)]);
        assert_eq!(
            run(&c, &mut k, &now, &changes, &[]),
            [
                Notice::Status {
                    mailbox_id: 2,
                    flags: false
                },
                Notice::Status {
                    mailbox_id: 3,
                    flags: false
                },
            ],
            "the selected INBOX is the view's; flag changes are not wanted"
        );
        let notices = run(&everything(), &mut k, &now, &changes[4..], &[]);
        assert_eq!(
            notices,
            [Notice::Status {
                mailbox_id: 2,
                flags: true
            }]
        );
        // Nothing wanted for Junk; own changes are not reported.
        let c = config(&[
            (Filter::Mailboxes(vec!["Junk".into()]), Events::NONE),
            (Filter::Personal, Events::MESSAGE),
        ]);
        assert!(run(&c, &mut k, &now, &changes[2..4], &[8]).is_empty());
    }

    #[test]
    fn create_delete_rename_become_list() {
        let mut k = known(&[(1, "INBOX", true), (2, "Lists", false)]);
        let mut now = k.clone();
        now.insert(
            4,
            KnownMailbox {
                name: "Lists/new".into(),
                subscribed: true,
                personal: true,
            },
        );
        now.get_mut(&2).unwrap().name = "Old".into();
        let changes = [
            mailbox(5, ChangeKind::Created, 4),
            mailbox(6, ChangeKind::Updated, 2),
        ];
        assert_eq!(
            run(&everything(), &mut k, &now, &changes, &[]),
            [
                listed("Lists/new", None, true, true),
                listed("Old", Some("Lists"), true, false),
            ]
        );
        // A second Updated with nothing new says nothing.
        assert!(run(&everything(), &mut k, &now, &changes[1..], &[]).is_empty());
        now.remove(&4);
        assert_eq!(
            run(
                &everything(),
                &mut k,
                &now,
                &[mailbox(7, ChangeKind::Destroyed, 4)],
                &[]
            ),
            [listed("Lists/new", None, false, false)]
        );
        assert!(!k.contains_key(&4));
    }

    #[test]
    fn renames_match_old_or_new_name() {
        let only_lists = config(&[(Filter::Subtree(vec!["Lists".into()]), Events::MAILBOX_NAME)]);
        let mut k = known(&[(2, "Lists/a", false), (3, "b", false)]);
        let mut now = k.clone();
        now.get_mut(&2).unwrap().name = "a".into();
        now.get_mut(&3).unwrap().name = "Lists/b".into();
        let changes = [
            mailbox(5, ChangeKind::Updated, 2),
            mailbox(5, ChangeKind::Updated, 3),
        ];
        assert_eq!(
            run(&only_lists, &mut k, &now, &changes, &[]),
            [
                listed("a", Some("Lists/a"), true, false),
                listed("Lists/b", Some("b"), true, false),
            ]
        );
    }

    #[test]
    fn subscription_changes_become_list_with_subscribed() {
        let subs = config(&[(Filter::Subscribed, Events::SUBSCRIPTION)]);
        let mut k = known(&[(2, "Sent", false)]);
        let mut now = k.clone();
        now.get_mut(&2).unwrap().subscribed = true;
        let subscription = |kind, id| Change {
            object: ObjectKind::Subscription,
            ..mailbox(5, kind, id)
        };
        let changes = [subscription(ChangeKind::Created, 2)];
        assert_eq!(
            run(&subs, &mut k, &now, &changes, &[]),
            [listed("Sent", None, true, true)]
        );
        now.get_mut(&2).unwrap().subscribed = false;
        let changes = [subscription(ChangeKind::Destroyed, 2)];
        assert_eq!(
            run(&subs, &mut k, &now, &changes, &[]),
            [listed("Sent", None, true, false)],
            "an unsubscribe is told though the mailbox leaves the subscribed filter"
        );
        // Mailbox events not asked for, or caused by this client, say nothing.
        now.get_mut(&2).unwrap().subscribed = true;
        let names_only = config(&[(Filter::Personal, Events::MAILBOX_NAME)]);
        assert!(run(&names_only, &mut k, &now, &changes, &[]).is_empty());
        now.get_mut(&2).unwrap().name = "Sent2".into();
        assert!(run(&everything(), &mut k, &now, &changes, &[5]).is_empty());
        assert_eq!(k[&2].name, "Sent2", "own changes are still learnt");
        // A name no mailbox has (object 0) selects no mailbox.
        let nameless = [subscription(ChangeKind::Created, 0)];
        assert!(run(&everything(), &mut k, &now, &nameless, &[]).is_empty());
    }

    #[test]
    fn other_accounts_mailboxes_follow_their_names_not_personal() {
        let sales = "Shared Folders/sales@corp.test/INBOX";
        let mut k = Known::new();
        k.insert(
            20,
            KnownMailbox {
                name: sales.into(),
                subscribed: false,
                personal: false,
            },
        );
        let now = k.clone();
        let changes = [message(5, ChangeKind::Created, 20)];
        assert!(run(&everything(), &mut k, &now, &changes, &[]).is_empty());
        let subtree = config(&[(
            Filter::Subtree(vec!["Shared Folders/sales@corp.test".into()]),
            Events::MESSAGE,
        )]);
        assert_eq!(
            run(&subtree, &mut k, &now, &changes, &[]),
            [Notice::Status {
                mailbox_id: 20,
                flags: true
            }]
        );
    }
}
