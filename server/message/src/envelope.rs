//! The envelope of a message or of a message/rfc822 part: the header fields that describe it,
//! as IMAP's ENVELOPE (RFC 9051 §7.5.2) and JMAP's Email header properties (RFC 8621 §4.1.2,
//! §4.1.3) show them.
//!
//! - Date, Subject, In-Reply-To and Message-ID are the values as written, unfolded and trimmed
//!   (RFC 5322 §2.2.3): `None` when the field is absent, the empty string when it is present
//!   but empty. Octets that are not UTF-8 become U+FFFD; encoded-words stay as written.
//! - From, Sender, Reply-To, To, Cc and Bcc are parsed address lists with their groups
//!   ([`crate::address`]): `None` when the field is absent.
//! - Each comes from the first field of its name, as IMAP reads them (JMAP's convenience
//!   properties read the last; the two differ only for a header that repeats a field RFC 5322
//!   §3.6 allows once).
//!
//! Protocols add their own rules when they show it: IMAP writes an empty list as NIL, gives
//! Sender and Reply-To the From list when they have none, and downgrades UTF-8 for clients that
//! have not enabled it.

use crate::address::{Address, parse_list};
use crate::header::{self, Field};
use serde::{Deserialize, Serialize};

/// The envelope of a message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Vec<Address>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<Vec<Address>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<Vec<Address>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Vec<Address>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cc: Option<Vec<Address>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bcc: Option<Vec<Address>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_reply_to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
}

impl Envelope {
    /// The envelope of a header (its fields, see [`crate::mime::Entity::fields`]).
    pub fn of(fields: &[Field<'_>]) -> Envelope {
        let text = |name| header::text(fields, name);
        let addresses = |name| text(name).map(|value| parse_list(&value));
        Envelope {
            date: text("Date"),
            subject: text("Subject"),
            from: addresses("From"),
            sender: addresses("Sender"),
            reply_to: addresses("Reply-To"),
            to: addresses("To"),
            cc: addresses("Cc"),
            bcc: addresses("Bcc"),
            in_reply_to: text("In-Reply-To"),
            message_id: text("Message-ID"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::address::Mailbox;
    use crate::mime::parse_header;

    #[test]
    fn values_as_written_and_addresses_parsed() {
        let raw =
            b"From: =?utf-8?q?J=C3=B6rg?= <j@x.test>\r\nTo: Team: a@x;\r\nSubject:\r\n  folded\r\n\
Subject: second\r\nReply-To:\r\nX: y\r\n\r\nbody";
        let envelope = Envelope::of(&parse_header(raw).fields(raw));
        assert_eq!(envelope.subject.as_deref(), Some("folded"));
        assert_eq!(
            envelope.from,
            Some(vec![Address::Mailbox(Mailbox {
                name: Some("=?utf-8?q?J=C3=B6rg?=".into()),
                route: None,
                local: Some("j".into()),
                domain: Some("x.test".into()),
            })])
        );
        assert!(
            matches!(&envelope.to.as_deref(), Some([Address::Group { name, members }]) if name == "Team" && members.len() == 1)
        );
        assert_eq!(envelope.reply_to, Some(vec![]));
        assert_eq!((envelope.sender, envelope.date), (None, None));
    }
}
