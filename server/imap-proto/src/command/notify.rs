//! NOTIFY (RFC 5465 §3): which events the server reports, and for which
//! mailboxes.

use super::CommandBody;
use super::fetch::{FetchAttribute, parse_fetch_att};
use crate::parser::{PResult, Parser, Syntax};
use crate::types::{Atom, Mailbox};

/// `NOTIFY NONE` or `NOTIFY SET ...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notify {
    /// `NONE`: stop all notifications.
    None,
    /// `SET [STATUS] groups...`
    Set {
        /// `STATUS`: send STATUS for the watched mailboxes right away.
        status: bool,
        /// The event groups, in the order given.
        groups: Vec<EventGroup>,
    },
}

/// One `(filter events)` group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventGroup {
    /// Which mailboxes.
    pub filter: MailboxFilter,
    /// Which events; empty for `NONE`.
    pub events: Vec<Event>,
}

/// The mailboxes an event group applies to (RFC 5465 §6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailboxFilter {
    /// `selected`
    Selected,
    /// `selected-delayed`: expunges wait for a command that allows them.
    SelectedDelayed,
    /// `inboxes`
    Inboxes,
    /// `personal`
    Personal,
    /// `subscribed`
    Subscribed,
    /// `subtree mailbox(es)`: these and their children.
    Subtree(Vec<Mailbox>),
    /// `mailboxes mailbox(es)`: exactly these.
    Mailboxes(Vec<Mailbox>),
}

/// An event to report (RFC 5465 §5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// `MessageNew [(fetch-att ...)]`: new messages, with what to FETCH.
    MessageNew(Vec<FetchAttribute>),
    /// `MessageExpunge`
    MessageExpunge,
    /// `FlagChange`
    FlagChange,
    /// `AnnotationChange`
    AnnotationChange,
    /// `MailboxName`: created, deleted, renamed.
    MailboxName,
    /// `SubscriptionChange`
    SubscriptionChange,
    /// `MailboxMetadataChange`
    MailboxMetadataChange,
    /// `ServerMetadataChange`
    ServerMetadataChange,
    /// Another event name; the session answers `NO [BADEVENT]`.
    Other(Atom),
}

/// ```text
/// notify           = "NOTIFY" SP (notify-set / notify-none)
/// notify-none      = "NONE"
/// notify-set       = "SET" [status-indicator] SP event-groups
/// status-indicator = SP "STATUS"
/// event-groups     = event-group *(SP event-group)
/// event-group      = "(" filter-mailboxes SP events ")"
/// filter-mailboxes = "selected" / "selected-delayed" / "inboxes" /
///                    "personal" / "subscribed" /
///                    ("subtree" SP one-or-more-mailbox) /
///                    ("mailboxes" SP one-or-more-mailbox)
/// one-or-more-mailbox = mailbox / many-mailboxes
/// many-mailboxes   = "(" mailbox *(SP mailbox) ")"
/// events           = ("(" event *(SP event) ")") / "NONE"
/// event            = message-event / mailbox-event / user-event / event-ext
/// message-event    = ("MessageNew" [SP "(" fetch-att *(SP fetch-att) ")"])
///                    / "MessageExpunge" / "FlagChange" / "AnnotationChange"
/// mailbox-event    = "MailboxName" / "SubscriptionChange" /
///                    "MailboxMetadataChange"
/// user-event       = "ServerMetadataChange"
/// ```
/// (RFC 5465 §8, with the errata making `events` parenthesised.)
pub(crate) fn parse_notify(p: &mut Parser<'_>) -> PResult<CommandBody> {
    p.sp()?;
    match p.word()?.as_str() {
        "NONE" => Ok(CommandBody::Notify(Notify::None)),
        "SET" => {
            let status = p.rest().len() >= 7 && p.rest()[..7].eq_ignore_ascii_case(b" STATUS");
            if status {
                p.sp()?;
                p.eat_word("STATUS");
            }
            let mut groups = Vec::new();
            while p.eat(b' ') {
                groups.push(parse_group(p)?);
            }
            if groups.is_empty() {
                return Err(Syntax("NOTIFY SET needs an event group"));
            }
            Ok(CommandBody::Notify(Notify::Set { status, groups }))
        }
        _ => Err(Syntax("expected NONE or SET")),
    }
}

fn parse_group(p: &mut Parser<'_>) -> PResult<EventGroup> {
    p.expect(b'(', "expected an event group")?;
    let filter = match p.word()?.as_str() {
        "SELECTED" => MailboxFilter::Selected,
        "SELECTED-DELAYED" => MailboxFilter::SelectedDelayed,
        "INBOXES" => MailboxFilter::Inboxes,
        "PERSONAL" => MailboxFilter::Personal,
        "SUBSCRIBED" => MailboxFilter::Subscribed,
        "SUBTREE" => {
            p.sp()?;
            MailboxFilter::Subtree(p.one_or_list(Parser::mailbox)?)
        }
        "MAILBOXES" => {
            p.sp()?;
            MailboxFilter::Mailboxes(p.one_or_list(Parser::mailbox)?)
        }
        _ => return Err(Syntax("unknown mailbox filter")),
    };
    p.sp()?;
    let events = if p.eat_word("NONE") {
        Vec::new()
    } else {
        p.nonempty_paren_list(parse_event)?
    };
    p.expect(b')', "expected ')'")?;
    Ok(EventGroup { filter, events })
}

fn parse_event(p: &mut Parser<'_>) -> PResult<Event> {
    let atom = p.atom_value()?;
    let event = match atom.as_str().to_ascii_uppercase().as_str() {
        "MESSAGENEW" => {
            let rest = p.rest();
            let atts = if rest.len() >= 2 && rest[0] == b' ' && rest[1] == b'(' {
                p.sp()?;
                p.nonempty_paren_list(parse_fetch_att)?
            } else {
                Vec::new()
            };
            Event::MessageNew(atts)
        }
        "MESSAGEEXPUNGE" => Event::MessageExpunge,
        "FLAGCHANGE" => Event::FlagChange,
        "ANNOTATIONCHANGE" => Event::AnnotationChange,
        "MAILBOXNAME" => Event::MailboxName,
        "SUBSCRIPTIONCHANGE" => Event::SubscriptionChange,
        "MAILBOXMETADATACHANGE" => Event::MailboxMetadataChange,
        "SERVERMETADATACHANGE" => Event::ServerMetadataChange,
        _ => Event::Other(atom),
    };
    Ok(event)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::fetch::Section;
    use crate::command::test_util::*;

    fn notify(line: &str) -> Notify {
        match parse(line) {
            Ok(CommandBody::Notify(n)) => n,
            other => panic!("{line}: {other:?}"),
        }
    }

    #[test]
    fn rfc_5465_examples() {
        assert_eq!(notify("a NOTIFY NONE"), Notify::None);
        // RFC 5465 §3.1, corrected by erratum 1804.
        let Notify::Set { status, groups } = notify(
            "b notify set status (selected (MessageNew (uid body.peek[header.fields (from to subject)]) MessageExpunge)) (subtree Lists (MessageNew))",
        ) else {
            panic!()
        };
        assert!(status);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].filter, MailboxFilter::Selected);
        let Event::MessageNew(atts) = &groups[0].events[0] else {
            panic!()
        };
        assert_eq!(atts[0], FetchAttribute::Uid);
        assert!(matches!(
            &atts[1],
            FetchAttribute::BodySection {
                section: Section::HeaderFields { .. },
                peek: true,
                ..
            }
        ));
        assert_eq!(groups[0].events[1], Event::MessageExpunge);
        assert_eq!(
            groups[1].filter,
            MailboxFilter::Subtree(vec![Mailbox::new("Lists")])
        );
        assert_eq!(groups[1].events, [Event::MessageNew(vec![])]);
        let Notify::Set { status, groups } = notify(
            "e notify set (selected (MessageNew (uid body.peek[header.fields (from to subject)]) MessageExpunge)) (subtree Lists (MessageNew)) (mailboxes misc (MessageNew))",
        ) else {
            panic!()
        };
        assert!(!status);
        assert_eq!(
            groups[2].filter,
            MailboxFilter::Mailboxes(vec![Mailbox::new("misc")])
        );
        let Notify::Set { groups, .. } = notify(
            "a NOTIFY SET (personal (MailboxName SubscriptionChange FlagChange XFoo)) (mailboxes (INBOX \"a b\") NONE) (inboxes (MessageNew MessageExpunge))",
        ) else {
            panic!()
        };
        assert_eq!(groups[0].events.len(), 4);
        assert!(matches!(groups[0].events[3], Event::Other(_)));
        assert_eq!(
            groups[1].filter,
            MailboxFilter::Mailboxes(vec![Mailbox::INBOX, Mailbox::new("a b")])
        );
        assert!(groups[1].events.is_empty());
        assert_bad(&[
            "a NOTIFY",
            "a NOTIFY SET",
            "a NOTIFY SET STATUS",
            "a NOTIFY FOO",
            "a NOTIFY SET (selected)",
            "a NOTIFY SET (selected ())",
            "a NOTIFY SET (nowhere (MessageNew))",
            "a NOTIFY SET (subtree (MessageNew))",
            "a NOTIFY SET selected (MessageNew)",
            "a NOTIFY SET (selected (MessageNew (FOO)))",
        ]);
    }

    #[test]
    fn filters_events_and_case() {
        let Notify::Set { status, groups } = notify(
            "a notify set status (selected-delayed (messagenew (UID FLAGS) messageexpunge flagchange)) (INBOXES (MessageNew MessageExpunge)) (subscribed NONE) (subtree (a \"b c\") (mailboxname subscriptionchange))",
        ) else {
            panic!()
        };
        assert!(status);
        assert_eq!(groups[0].filter, MailboxFilter::SelectedDelayed);
        assert_eq!(
            groups[0].events,
            [
                Event::MessageNew(vec![FetchAttribute::Uid, FetchAttribute::Flags]),
                Event::MessageExpunge,
                Event::FlagChange
            ]
        );
        assert_eq!(groups[1].filter, MailboxFilter::Inboxes);
        assert_eq!(groups[2].filter, MailboxFilter::Subscribed);
        assert!(groups[2].events.is_empty());
        assert_eq!(
            groups[3].filter,
            MailboxFilter::Subtree(vec![Mailbox::new("a"), Mailbox::new("b c")])
        );
        assert_eq!(
            groups[3].events,
            [Event::MailboxName, Event::SubscriptionChange]
        );
        // A literal mailbox name, and every event name of RFC 5465 §8.
        let Notify::Set { groups, .. } = notify_bytes(
            b"a NOTIFY SET (mailboxes {3}\r\nabc (AnnotationChange MailboxMetadataChange ServerMetadataChange))\r\n",
        ) else {
            panic!()
        };
        assert_eq!(
            groups[0].filter,
            MailboxFilter::Mailboxes(vec![Mailbox::new("abc")])
        );
        assert_eq!(
            groups[0].events,
            [
                Event::AnnotationChange,
                Event::MailboxMetadataChange,
                Event::ServerMetadataChange
            ]
        );
        assert_bad(&[
            "a NOTIFY NONE (selected (MessageNew))",
            "a NOTIFY NONE ",
            "a NOTIFY SET (selected (MessageNew)) ",
            "a NOTIFY SET  (selected (MessageNew))",
            "a NOTIFY SET STATUSX (selected (MessageNew))",
            "a NOTIFY SET STATUS STATUS (selected (MessageNew))",
            "a NOTIFY SET (selected (MessageNew ()))",
            "a NOTIFY SET (selected (MessageNew) )",
            "a NOTIFY SET (selected MessageNew)",
            "a NOTIFY SET (selected NONE MessageNew)",
            "a NOTIFY SET (mailboxes () (MessageNew))",
            "a NOTIFY SET (personal (\"MessageNew\"))",
            "a NOTIFY SET (selected (MessageNew (UID))",
        ]);
    }

    fn notify_bytes(buf: &[u8]) -> Notify {
        match parse_bytes(buf) {
            Ok(CommandBody::Notify(n)) => n,
            other => panic!("{other:?}"),
        }
    }
}
