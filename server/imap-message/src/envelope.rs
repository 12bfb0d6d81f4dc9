//! ENVELOPE (RFC 9051 §7.5.2) of a message or of a message/rfc822 part, from the envelope
//! kantor-message extracts (stored with the message, or of its parsed header).
//!
//! Date, subject, in-reply-to and message-id are the raw header values (unfolded): NIL when
//! the field is absent, the empty string when it is present but empty. The address lists are
//! NIL when absent or empty; sender and reply-to default to from ("the server sets the
//! corresponding member of the envelope to be the same value as the from member"). Without
//! UTF8=ACCEPT, UTF-8 in the subject and display names goes out as encoded-words (RFC 6857).

use kantor_imap_proto::response::envelope::{Address, Envelope, MailboxAddress};
use kantor_message::address;
use kantor_message::encoded::downgrade;
use kantor_message::envelope::Envelope as Extracted;
use kantor_message::header::Field;
use kantor_message::mime::Entity;

/// The envelope of `entity` (the top-level message or an encapsulated one).
pub(crate) fn envelope(raw: &[u8], entity: &Entity, utf8: bool) -> Envelope {
    from_fields(&entity.fields(raw), utf8)
}

/// The envelope of a header.
pub(crate) fn from_fields(fields: &[Field<'_>], utf8: bool) -> Envelope {
    render(&Extracted::of(fields), utf8)
}

/// ENVELOPE as it goes out.
pub(crate) fn render(extracted: &Extracted, utf8: bool) -> Envelope {
    let addresses = |list: &Option<Vec<address::Address>>| -> Vec<Address> {
        list.iter()
            .flatten()
            .map(|a| downgrade_address(imap_address(a.clone()), utf8))
            .collect()
    };
    let from = addresses(&extracted.from);
    let or_from = |list: Vec<Address>| if list.is_empty() { from.clone() } else { list };
    Envelope {
        date: extracted.date.clone(),
        subject: extracted.subject.clone().map(|s| downgrade(s, utf8)),
        sender: or_from(addresses(&extracted.sender)),
        reply_to: or_from(addresses(&extracted.reply_to)),
        to: addresses(&extracted.to),
        cc: addresses(&extracted.cc),
        bcc: addresses(&extracted.bcc),
        in_reply_to: extracted.in_reply_to.clone(),
        message_id: extracted.message_id.clone(),
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
