//! What a `NOTIFY SET` asks for, checked (RFC 5465 §3.1, §5, §6.1), and which events it wants
//! for a given mailbox (RFC 5465 §6).
//!
//! The selected mailbox's message events come only from the `selected` / `selected-delayed`
//! group: without one, the client wants none for it (§3.1, "the same as specifying SELECTED
//! NONE"). Every other mailbox, and the selected one's mailbox events, are matched against the
//! other groups in order: the events of every matching group count, until a matching group
//! with `NONE` says no more (§5: NONE is how a client excludes mailboxes from a wider filter).

use crate::names;
use crate::outcome::Refusal;
use kantor_imap_proto::command::fetch::FetchAttribute;
use kantor_imap_proto::command::notify::{Event, EventGroup, MailboxFilter};
use kantor_imap_proto::{Atom, Code};

/// A set of the events Kantor can report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Events(u8);

impl Events {
    pub const NONE: Events = Events(0);
    /// `MessageNew` (§5.2).
    pub const NEW: Events = Events(1);
    /// `MessageExpunge` (§5.3).
    pub const EXPUNGE: Events = Events(2);
    /// `FlagChange` (§5.1).
    pub const FLAGS: Events = Events(4);
    /// `MailboxName` (§5.4).
    pub const MAILBOX_NAME: Events = Events(8);
    /// `SubscriptionChange` (§5.5).
    pub const SUBSCRIPTION: Events = Events(16);
    /// The message events, reported as STATUS for mailboxes other than the selected one.
    pub const MESSAGE: Events = Events(1 | 2 | 4);

    pub fn contains(self, other: Events) -> bool {
        self.0 & other.0 == other.0
    }

    pub fn intersects(self, other: Events) -> bool {
        self.0 & other.0 != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl std::ops::BitOr for Events {
    type Output = Events;
    fn bitor(self, rhs: Events) -> Events {
        Events(self.0 | rhs.0)
    }
}

impl std::ops::BitOrAssign for Events {
    fn bitor_assign(&mut self, rhs: Events) {
        self.0 |= rhs.0;
    }
}

/// The names listed in `BADEVENT` (§3.1: "MUST list names of all events supported").
pub(crate) const SUPPORTED: [&str; 5] = [
    "MessageNew",
    "MessageExpunge",
    "FlagChange",
    "MailboxName",
    "SubscriptionChange",
];

/// More mailbox names than this in one NOTIFY is refused `NO [NOTIFICATIONOVERFLOW]` (§3.1:
/// the server MAY refuse what would be prohibitively expensive).
pub(crate) const MAX_NAMES: usize = 1000;

/// The mailboxes a group names, other than the selected one (§6.2-6.6). Names are UTF-8 and
/// normalised (`INBOX` upper case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Filter {
    /// `inboxes`: where mail is delivered, which is the user's own INBOX (§6.3: selectable
    /// mailboxes of the personal namespace that an MDA delivers to).
    Inboxes,
    /// `personal`: every mailbox of the user's own namespace (§6.2), never another account's
    /// (`Other Users/...`, `Shared Folders/...`).
    Personal,
    /// `subscribed`: the subscribed mailboxes, as they are when the event happens (§6.4).
    Subscribed,
    /// `subtree`: these mailboxes and everything below them (§6.5).
    Subtree(Vec<String>),
    /// `mailboxes`: exactly these (§6.6).
    Mailboxes(Vec<String>),
}

/// One `(filter events)` group for mailboxes other than the selected one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Group {
    pub filter: Filter,
    /// Empty for `NONE`.
    pub events: Events,
}

/// The `selected` / `selected-delayed` group (§6.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Selected {
    /// `selected-delayed`: expunges wait for a command that may announce them (§6.1.2).
    pub delayed: bool,
    pub events: Events,
    /// What to FETCH for a new message (§5.2); empty for none.
    pub fetch: Vec<FetchAttribute>,
}

/// A mailbox as the filters see it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MailboxInfo<'a> {
    /// The name as the client sees it, namespace prefix included.
    pub name: &'a str,
    pub subscribed: bool,
    /// In the user's own namespace (not another account's).
    pub personal: bool,
}

/// A checked NOTIFY configuration; the default is `NOTIFY NONE`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Config {
    /// `None`: no message events for the selected mailbox.
    pub selected: Option<Selected>,
    pub groups: Vec<Group>,
}

impl Config {
    /// Checks `NOTIFY SET`'s groups. Unsupported events are `NO [BADEVENT (...)]` (§3.1,
    /// checked first: never BAD for them); MessageNew without MessageExpunge or the other way
    /// round, FlagChange without both, two selected groups, or mailbox events with a selected
    /// group are BAD (§5, §6.1). `utf8`: names arrive in UTF-8 rather than modified UTF-7.
    pub fn from_groups(groups: &[EventGroup], utf8: bool) -> Result<Config, Refusal> {
        let unsupported = groups.iter().flat_map(|g| &g.events).any(|e| {
            matches!(
                e,
                Event::AnnotationChange
                    | Event::MailboxMetadataChange
                    | Event::ServerMetadataChange
                    | Event::Other(_)
            )
        });
        if unsupported {
            let events = SUPPORTED
                .iter()
                .map(|name| Atom::new(*name).expect("event names are atoms"))
                .collect();
            return Err(Refusal::no_code(
                Code::BadEvent(events),
                "Unsupported NOTIFY event",
            ));
        }
        let mut config = Config::default();
        let mut names = 0;
        for group in groups {
            let (events, fetch) = events_of(&group.events)?;
            let filter = match &group.filter {
                MailboxFilter::Selected | MailboxFilter::SelectedDelayed => {
                    if config.selected.is_some() {
                        return Err(Refusal::bad(
                            "Only one of selected and selected-delayed may be given",
                        ));
                    }
                    if events.intersects(Events::MAILBOX_NAME | Events::SUBSCRIPTION) {
                        return Err(Refusal::bad(
                            "Only message events are allowed for the selected mailbox",
                        ));
                    }
                    config.selected = Some(Selected {
                        delayed: group.filter == MailboxFilter::SelectedDelayed,
                        events,
                        fetch,
                    });
                    continue;
                }
                MailboxFilter::Inboxes => Filter::Inboxes,
                MailboxFilter::Personal => Filter::Personal,
                MailboxFilter::Subscribed => Filter::Subscribed,
                MailboxFilter::Subtree(list) => Filter::Subtree(decode(list, utf8)?),
                MailboxFilter::Mailboxes(list) => Filter::Mailboxes(decode(list, utf8)?),
            };
            if let Filter::Subtree(list) | Filter::Mailboxes(list) = &filter {
                names += list.len();
            }
            config.groups.push(Group { filter, events });
        }
        if names > MAX_NAMES {
            return Err(Refusal::no_code(
                Code::NotificationOverflow,
                "Too many mailboxes named",
            ));
        }
        Ok(config)
    }

    /// The message events wanted for the selected mailbox.
    pub fn selected_events(&self) -> Events {
        self.selected.as_ref().map_or(Events::NONE, |s| s.events)
    }

    /// Whether anything at all is to be reported.
    pub fn wants_anything(&self) -> bool {
        !self.selected_events().is_empty() || self.groups.iter().any(|g| !g.events.is_empty())
    }

    /// Whether a group with events may match a mailbox of another account (`subscribed`, or a
    /// `subtree` / `mailboxes` name in the other users' or shared namespace): only then are
    /// other accounts looked at, so NOTIFY costs nothing more for the rest.
    pub fn may_reach_others(&self) -> bool {
        self.groups.iter().any(|g| {
            !g.events.is_empty()
                && match &g.filter {
                    Filter::Personal | Filter::Inboxes => false,
                    Filter::Subscribed => true,
                    Filter::Subtree(list) | Filter::Mailboxes(list) => list
                        .iter()
                        .any(|name| crate::access::is_other_namespace(name)),
                }
        })
    }

    /// The events wanted for a mailbox through the non-selected groups (for the selected
    /// mailbox, only its mailbox events count: the caller masks the message events out).
    pub fn events_for(&self, mailbox: MailboxInfo<'_>) -> Events {
        let mut events = Events::NONE;
        for group in &self.groups {
            if !group.filter.matches(mailbox) {
                continue;
            }
            if group.events.is_empty() {
                break;
            }
            events |= group.events;
        }
        events
    }
}

impl Filter {
    pub fn matches(&self, mailbox: MailboxInfo<'_>) -> bool {
        match self {
            Filter::Personal => mailbox.personal,
            Filter::Inboxes => mailbox.personal && mailbox.name == "INBOX",
            Filter::Subscribed => mailbox.subscribed,
            Filter::Subtree(roots) => roots
                .iter()
                .any(|root| mailbox.name == root || names::is_descendant(mailbox.name, root)),
            Filter::Mailboxes(list) => list.iter().any(|name| mailbox.name == name),
        }
    }
}

/// The events of one group, and MessageNew's fetch attributes; BAD when MessageNew and
/// MessageExpunge are not both there, or FlagChange comes without them (§5).
fn events_of(list: &[Event]) -> Result<(Events, Vec<FetchAttribute>), Refusal> {
    let mut events = Events::NONE;
    let mut fetch = Vec::new();
    for event in list {
        events |= match event {
            Event::MessageNew(atts) => {
                fetch.extend(atts.iter().cloned());
                Events::NEW
            }
            Event::MessageExpunge => Events::EXPUNGE,
            Event::FlagChange => Events::FLAGS,
            Event::MailboxName => Events::MAILBOX_NAME,
            Event::SubscriptionChange => Events::SUBSCRIPTION,
            _ => Events::NONE,
        };
    }
    let pair = Events::NEW | Events::EXPUNGE;
    if events.intersects(pair) && !events.contains(pair) {
        return Err(Refusal::bad(
            "MessageNew and MessageExpunge must be given together",
        ));
    }
    if events.contains(Events::FLAGS) && !events.contains(pair) {
        return Err(Refusal::bad(
            "FlagChange needs MessageNew and MessageExpunge",
        ));
    }
    Ok((events, fetch))
}

fn decode(list: &[kantor_imap_proto::Mailbox], utf8: bool) -> Result<Vec<String>, Refusal> {
    list.iter()
        .map(|m| {
            m.decode(utf8)
                .map(|name| names::normalize(&name))
                .map_err(|_| Refusal::bad("Invalid modified UTF-7 mailbox name"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use kantor_imap_proto::command::notify::Notify;
    use kantor_imap_proto::{CommandBody, Limits, Parsed, parse_command};

    fn config(line: &str) -> Result<Config, Refusal> {
        let line = format!("a NOTIFY SET {line}\r\n");
        let Ok(Parsed::Complete { command, .. }) =
            parse_command(line.as_bytes(), &Limits::default())
        else {
            panic!("{line}")
        };
        let CommandBody::Notify(Notify::Set { groups, .. }) = command.body else {
            panic!("{line}")
        };
        Config::from_groups(&groups, false)
    }

    fn ok(line: &str) -> Config {
        config(line).unwrap_or_else(|e| panic!("{line}: {e:?}"))
    }

    fn info(name: &str, subscribed: bool) -> MailboxInfo<'_> {
        MailboxInfo {
            name,
            subscribed,
            personal: true,
        }
    }

    fn shared(name: &str, subscribed: bool) -> MailboxInfo<'_> {
        MailboxInfo {
            name,
            subscribed,
            personal: false,
        }
    }

    #[test]
    fn unsupported_events_are_no_badevent_listing_the_supported_ones() {
        for line in [
            "(personal (AnnotationChange))",
            "(selected (MessageNew AnnotationChange))",
            "(personal (MailboxMetadataChange))",
            "(personal (ServerMetadataChange))",
            "(personal (MessageNew MessageExpunge XFoo))",
        ] {
            match config(line) {
                Err(Refusal::No {
                    code: Some(Code::BadEvent(events)),
                    ..
                }) => {
                    let names: Vec<&str> = events.iter().map(Atom::as_str).collect();
                    assert_eq!(names, SUPPORTED, "{line}");
                }
                other => panic!("{line}: {other:?}"),
            }
        }
    }

    #[test]
    fn event_rules_of_section_5_and_6_1_are_bad() {
        for line in [
            "(selected (MessageNew))",
            "(selected (MessageExpunge))",
            "(personal (MessageNew MailboxName))",
            "(selected (FlagChange))",
            "(personal (FlagChange MessageNew))",
            "(selected (MessageNew MessageExpunge MailboxName))",
            "(selected-delayed (MessageNew MessageExpunge SubscriptionChange))",
            "(selected NONE) (selected-delayed NONE)",
            "(selected (MessageNew MessageExpunge)) (selected (MessageNew MessageExpunge))",
        ] {
            assert!(
                matches!(config(line), Err(Refusal::Bad { .. })),
                "{line}: {:?}",
                config(line)
            );
        }
    }

    #[test]
    fn too_many_names_overflow() {
        let names: Vec<String> = (0..=MAX_NAMES).map(|i| format!("m{i}")).collect();
        let line = format!("(mailboxes ({}) (MailboxName))", names.join(" "));
        assert!(matches!(
            config(&line),
            Err(Refusal::No {
                code: Some(Code::NotificationOverflow),
                ..
            })
        ));
    }

    #[test]
    fn selected_group_is_kept_apart() {
        let c = ok(
            "(selected-delayed (MessageNew (UID FLAGS) MessageExpunge FlagChange)) (personal (MailboxName))",
        );
        let selected = c.selected.clone().unwrap();
        assert!(selected.delayed);
        assert_eq!(
            selected.events,
            Events::NEW | Events::EXPUNGE | Events::FLAGS
        );
        assert_eq!(selected.fetch, [FetchAttribute::Uid, FetchAttribute::Flags]);
        assert_eq!(c.groups.len(), 1);
        assert!(c.wants_anything());
        // Without a selected group, nothing for the selected mailbox (§3.1).
        let c = ok("(personal (MessageNew MessageExpunge))");
        assert!(c.selected.is_none());
        assert_eq!(c.selected_events(), Events::NONE);
        assert!(!ok("(selected NONE) (personal NONE)").wants_anything());
        assert!(!Config::default().wants_anything());
    }

    #[test]
    fn which_mailbox_matches_which_filter() {
        let c = ok(
            "(inboxes (MessageNew MessageExpunge)) (subtree (Lists \"a&AOk-\") (MailboxName)) (mailboxes (misc INBOX/x) (FlagChange MessageNew MessageExpunge)) (subscribed (SubscriptionChange))",
        );
        let new_expunge = Events::NEW | Events::EXPUNGE;
        assert_eq!(c.events_for(info("INBOX", false)), new_expunge);
        assert_eq!(c.events_for(info("INBOX/x", false)), Events::MESSAGE);
        assert_eq!(c.events_for(info("INBOX/y", false)), Events::NONE);
        assert_eq!(c.events_for(info("Lists", false)), Events::MAILBOX_NAME);
        assert_eq!(
            c.events_for(info("Lists/imap", false)),
            Events::MAILBOX_NAME
        );
        assert_eq!(c.events_for(info("Listsx", false)), Events::NONE);
        // Modified UTF-7 names are decoded: "a&AOk-" is "aé".
        assert_eq!(c.events_for(info("aé/b", false)), Events::MAILBOX_NAME);
        assert_eq!(c.events_for(info("misc", false)), Events::MESSAGE);
        assert_eq!(c.events_for(info("misc/sub", false)), Events::NONE);
        assert_eq!(c.events_for(info("Other", true)), Events::SUBSCRIPTION);
        assert_eq!(
            c.events_for(info("Lists/x", true)),
            Events::MAILBOX_NAME | Events::SUBSCRIPTION
        );
        let inbox = ok("(subtree inbox (MailboxName))");
        assert_eq!(
            inbox.events_for(info("INBOX/a", false)),
            Events::MAILBOX_NAME
        );
    }

    #[test]
    fn a_matching_none_group_stops_the_search() {
        let c = ok("(mailboxes Junk NONE) (personal (MessageNew MessageExpunge MailboxName))");
        assert_eq!(c.events_for(info("Junk", false)), Events::NONE);
        assert_eq!(
            c.events_for(info("Sent", false)),
            Events::NEW | Events::EXPUNGE | Events::MAILBOX_NAME
        );
        // Groups before the NONE still count.
        let c = ok(
            "(personal (MailboxName)) (mailboxes Junk NONE) (personal (MessageNew MessageExpunge))",
        );
        assert_eq!(c.events_for(info("Junk", false)), Events::MAILBOX_NAME);
        assert_eq!(
            c.events_for(info("Sent", false)),
            Events::NEW | Events::EXPUNGE | Events::MAILBOX_NAME
        );
    }

    #[test]
    fn personal_and_inboxes_never_match_other_accounts() {
        let sales = "Shared Folders/sales@corp.test/INBOX";
        let all = Events::NEW | Events::EXPUNGE | Events::MAILBOX_NAME;
        let c = ok(
            "(personal (MessageNew MessageExpunge MailboxName)) (inboxes (MessageNew MessageExpunge))",
        );
        assert_eq!(c.events_for(info("INBOX", false)), all);
        assert_eq!(c.events_for(shared(sales, true)), Events::NONE);
        assert!(
            !c.may_reach_others(),
            "personal and inboxes look at no other account"
        );
        for line in [
            "(subtree \"Shared Folders/sales@corp.test\" (MessageNew MessageExpunge))",
            "(mailboxes \"Shared Folders/sales@corp.test/INBOX\" (MessageNew MessageExpunge))",
            "(subtree \"Other Users\" (MailboxName))",
            "(subscribed (MessageNew MessageExpunge))",
        ] {
            let c = ok(line);
            assert!(c.may_reach_others(), "{line}");
            assert!(
                c.events_for(shared(sales, true)).contains(Events::NEW)
                    || line.contains("Other Users"),
                "{line}"
            );
        }
        assert!(!ok("(subtree \"Shared Folders/sales@corp.test\" NONE)").may_reach_others());
        assert!(
            !ok("(mailboxes (Sent \"Shared\") (MessageNew MessageExpunge))").may_reach_others()
        );
        let c = ok("(subscribed (MessageNew MessageExpunge))");
        assert_eq!(c.events_for(shared(sales, false)), Events::NONE);
    }
}
