//! STATUS (RFC 9051 §6.3.11) and its items, with RECENT (RFC 3501),
//! HIGHESTMODSEQ (RFC 7162 §3.1.6), APPENDLIMIT (RFC 7889 §3), MAILBOXID
//! (RFC 8474 §4.2) and DELETED-STORAGE (RFC 9208 §4.2.2).

use super::CommandBody;
use crate::parser::{PResult, Parser, Syntax};
use crate::types::Mailbox;

/// A STATUS data item the client asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusItem {
    /// `MESSAGES`: number of messages.
    Messages,
    /// `UIDNEXT`: the next UID.
    UidNext,
    /// `UIDVALIDITY`
    UidValidity,
    /// `UNSEEN`: messages without `\Seen`.
    Unseen,
    /// `DELETED`: messages with `\Deleted`.
    Deleted,
    /// `SIZE`: total size in octets.
    Size,
    /// `RECENT` (IMAP4rev1 only).
    Recent,
    /// `HIGHESTMODSEQ` (RFC 7162).
    HighestModSeq,
    /// `APPENDLIMIT` (RFC 7889).
    AppendLimit,
    /// `MAILBOXID` (RFC 8474).
    MailboxId,
    /// `DELETED-STORAGE` (RFC 9208).
    DeletedStorage,
}

impl StatusItem {
    /// The item's name on the wire.
    pub fn name(self) -> &'static str {
        match self {
            StatusItem::Messages => "MESSAGES",
            StatusItem::UidNext => "UIDNEXT",
            StatusItem::UidValidity => "UIDVALIDITY",
            StatusItem::Unseen => "UNSEEN",
            StatusItem::Deleted => "DELETED",
            StatusItem::Size => "SIZE",
            StatusItem::Recent => "RECENT",
            StatusItem::HighestModSeq => "HIGHESTMODSEQ",
            StatusItem::AppendLimit => "APPENDLIMIT",
            StatusItem::MailboxId => "MAILBOXID",
            StatusItem::DeletedStorage => "DELETED-STORAGE",
        }
    }

    const ALL: [StatusItem; 11] = [
        StatusItem::Messages,
        StatusItem::UidNext,
        StatusItem::UidValidity,
        StatusItem::Unseen,
        StatusItem::Deleted,
        StatusItem::Size,
        StatusItem::Recent,
        StatusItem::HighestModSeq,
        StatusItem::AppendLimit,
        StatusItem::MailboxId,
        StatusItem::DeletedStorage,
    ];

    /// The item named `name` (case-insensitive).
    pub fn from_name(name: &str) -> Option<StatusItem> {
        StatusItem::ALL
            .into_iter()
            .find(|i| i.name().eq_ignore_ascii_case(name))
    }
}

/// `STATUS mailbox (items)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The mailbox asked about.
    pub mailbox: Mailbox,
    /// The items, in the order asked, without repeats.
    pub items: Vec<StatusItem>,
}

/// `"(" status-att *(SP status-att) ")"`; repeats are dropped.
pub(crate) fn parse_status_items(p: &mut Parser<'_>) -> PResult<Vec<StatusItem>> {
    let items = p.nonempty_paren_list(|p| {
        let name = p.atom()?;
        StatusItem::from_name(name).ok_or(Syntax("unknown STATUS item"))
    })?;
    let mut unique = Vec::with_capacity(items.len());
    for item in items {
        if !unique.contains(&item) {
            unique.push(item);
        }
    }
    Ok(unique)
}

/// ```text
/// status     = "STATUS" SP mailbox SP
///              "(" status-att *(SP status-att) ")"
/// status-att = "MESSAGES" / "UIDNEXT" / "UIDVALIDITY" /
///              "UNSEEN" / "DELETED" / "SIZE"
/// ```
/// (RFC 9051 §9, plus the extension items above.)
pub(crate) fn parse_status(p: &mut Parser<'_>) -> PResult<CommandBody> {
    p.sp()?;
    let mailbox = p.mailbox()?;
    p.sp()?;
    let items = parse_status_items(p)?;
    Ok(CommandBody::Status(Status { mailbox, items }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::test_util::*;

    #[test]
    fn status() {
        // RFC 9051 §6.3.11.
        assert_eq!(
            parse("A042 STATUS blurdybloop (UIDNEXT MESSAGES)"),
            Ok(CommandBody::Status(Status {
                mailbox: Mailbox::new("blurdybloop"),
                items: vec![StatusItem::UidNext, StatusItem::Messages]
            }))
        );
        let Ok(CommandBody::Status(s)) = parse(
            "a STATUS INBOX (messages uidnext uidvalidity unseen deleted size recent highestmodseq appendlimit mailboxid deleted-storage messages)",
        ) else {
            panic!()
        };
        assert_eq!(s.items, StatusItem::ALL);
        assert_bad(&[
            "a STATUS",
            "a STATUS INBOX",
            "a STATUS INBOX ()",
            "a STATUS INBOX (FOO)",
            "a STATUS INBOX MESSAGES",
        ]);
    }
}
