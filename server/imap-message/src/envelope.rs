//! ENVELOPE (RFC 9051 §7.5.2) of a message or of a message/rfc822 part, from its header.
//!
//! Date, subject, in-reply-to and message-id are the raw header values (unfolded): NIL when
//! the field is absent, the empty string when it is present but empty. The address lists are
//! NIL when absent or empty; sender and reply-to default to from ("the server sets the
//! corresponding member of the envelope to be the same value as the from member").
//!
//! The raw values come from the field positions mail-parser found (see `header`), not from its
//! `header_raw`, which reads the last of repeated fields and gives nothing for a value that is
//! not UTF-8 (an 8-bit Subject would become NIL); here the first field counts and invalid octets
//! become U+FFFD. The address lists are `address`'s.

use kantor_imap_proto::response::envelope::{Address, Envelope, MailboxAddress};
use kantor_message::address::{self, parse_list};
use kantor_message::encoded::downgrade;
use kantor_message::header::{self, Field};
use kantor_message::mime::Entity;

/// The envelope of `entity` (the top-level message or an encapsulated one).
pub(crate) fn envelope(raw: &[u8], entity: &Entity, utf8: bool) -> Envelope {
    let fields = entity.fields(raw);
    from_fields(&fields, utf8)
}

/// The envelope of a header.
pub(crate) fn from_fields(fields: &[Field<'_>], utf8: bool) -> Envelope {
    let text = |name| header::text(fields, name);
    let addresses = |name| -> Vec<Address> {
        let list = text(name).map(|v| parse_list(&v)).unwrap_or_default();
        list.into_iter()
            .map(|a| downgrade_address(imap_address(a), utf8))
            .collect()
    };
    let from = addresses("From");
    let or_from = |list: Vec<Address>| if list.is_empty() { from.clone() } else { list };
    Envelope {
        date: text("Date"),
        subject: text("Subject").map(|s| downgrade(s, utf8)),
        sender: or_from(addresses("Sender")),
        reply_to: or_from(addresses("Reply-To")),
        to: addresses("To"),
        cc: addresses("Cc"),
        bcc: addresses("Bcc"),
        in_reply_to: text("In-Reply-To"),
        message_id: text("Message-ID"),
        from,
    }
}

/// An address as ENVELOPE carries it.
pub(crate) fn imap_address(address: address::Address) -> Address {
    match address {
        address::Address::Mailbox(m) => Address::Mailbox(imap_mailbox(m)),
        address::Address::Group { name, members } => Address::Group {
            name,
            members: members.into_iter().map(imap_mailbox).collect(),
        },
    }
}

fn imap_mailbox(m: address::Mailbox) -> MailboxAddress {
    MailboxAddress {
        name: m.name,
        adl: m.route,
        mailbox: m.local,
        host: m.domain,
    }
}

fn downgrade_address(address: Address, utf8: bool) -> Address {
    match address {
        Address::Mailbox(mut m) => {
            m.name = m.name.map(|n| downgrade(n, utf8));
            Address::Mailbox(m)
        }
        Address::Group { name, members } => Address::Group {
            name: downgrade(name, utf8),
            members: members
                .into_iter()
                .map(|mut m| {
                    m.name = m.name.map(|n| downgrade(n, utf8));
                    m
                })
                .collect(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_downgrade() {
        let header = "From: J\u{f6}rg <j@x.test>\r\nSubject: Gr\u{fc}\u{df}e\r\nReply-To:\r\nIn-Reply-To:\r\n\r\n";
        let entity = kantor_message::mime::parse_header(header.as_bytes());
        let fields = entity.fields(header.as_bytes());
        let jorg = |name: &str| {
            vec![Address::Mailbox(MailboxAddress {
                name: Some(name.into()),
                adl: None,
                mailbox: Some("j".into()),
                host: Some("x.test".into()),
            })]
        };
        let utf8 = from_fields(&fields, true);
        assert_eq!(utf8.subject.as_deref(), Some("Grüße"));
        assert_eq!(utf8.from, jorg("Jörg"));
        assert_eq!(utf8.sender, utf8.from);
        assert_eq!(utf8.reply_to, utf8.from);
        assert_eq!(utf8.in_reply_to.as_deref(), Some(""));
        assert_eq!((utf8.date, utf8.message_id), (None, None));
        let ascii = from_fields(&fields, false);
        assert_eq!(ascii.subject.as_deref(), Some("=?utf-8?b?R3LDvMOfZQ==?="));
        assert_eq!(ascii.from, jorg("=?utf-8?b?SsO2cmc=?="));
    }
}
