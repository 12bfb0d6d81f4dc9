//! ENVELOPE values (RFC 9051 §7.5.2), filled by the session from stored
//! header metadata.
//!
//! ```text
//! envelope = "(" env-date SP env-subject SP env-from SP
//!            env-sender SP env-reply-to SP env-to SP env-cc SP
//!            env-bcc SP env-in-reply-to SP env-message-id ")"
//! env-from = "(" 1*address ")" / nil          ; likewise the other lists
//! address  = "(" addr-name SP addr-adl SP addr-mailbox SP
//!            addr-host ")"
//! ```
//!
//! Groups (RFC 5322 §3.4) are written the RFC 9051 way: a start marker
//! with NIL host and the group name as mailbox, the members, then an end
//! marker with NIL mailbox and host.

use super::encode::{EncodeOptions, write_nstring};

/// The ENVELOPE of a message. Per RFC 9051 §7.5.2 the session copies
/// `from` into `sender` and `reply_to` when those headers are absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Envelope {
    /// The Date header, as written.
    pub date: Option<String>,
    /// The Subject header, as written (RFC 2047 words not decoded).
    pub subject: Option<String>,
    /// From.
    pub from: Vec<Address>,
    /// Sender.
    pub sender: Vec<Address>,
    /// Reply-To.
    pub reply_to: Vec<Address>,
    /// To.
    pub to: Vec<Address>,
    /// Cc.
    pub cc: Vec<Address>,
    /// Bcc.
    pub bcc: Vec<Address>,
    /// In-Reply-To.
    pub in_reply_to: Option<String>,
    /// Message-ID.
    pub message_id: Option<String>,
}

/// One entry of an address list: a mailbox or a group of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    /// A single mailbox.
    Mailbox(MailboxAddress),
    /// `name: members;`
    Group {
        /// The group's display name.
        name: String,
        /// Its mailboxes (possibly none).
        members: Vec<MailboxAddress>,
    },
}

/// A mailbox address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MailboxAddress {
    /// The display name.
    pub name: Option<String>,
    /// The obsolete source route (`at-domain-list`); almost always `None`.
    pub adl: Option<String>,
    /// The local part.
    pub mailbox: Option<String>,
    /// The domain.
    pub host: Option<String>,
}

fn nstring(s: &Option<String>, opts: EncodeOptions, out: &mut Vec<u8>) {
    write_nstring(s.as_deref().map(str::as_bytes), opts, out);
}

fn write_address(
    name: &Option<String>,
    adl: &Option<String>,
    mailbox: &Option<String>,
    host: &Option<String>,
    opts: EncodeOptions,
    out: &mut Vec<u8>,
) {
    out.push(b'(');
    nstring(name, opts, out);
    out.push(b' ');
    nstring(adl, opts, out);
    out.push(b' ');
    nstring(mailbox, opts, out);
    out.push(b' ');
    nstring(host, opts, out);
    out.push(b')');
}

fn write_address_list(list: &[Address], opts: EncodeOptions, out: &mut Vec<u8>) {
    if list.is_empty() {
        out.extend_from_slice(b"NIL");
        return;
    }
    out.push(b'(');
    for address in list {
        match address {
            Address::Mailbox(m) => write_address(&m.name, &m.adl, &m.mailbox, &m.host, opts, out),
            Address::Group { name, members } => {
                write_address(&None, &None, &Some(name.clone()), &None, opts, out);
                for m in members {
                    write_address(&m.name, &m.adl, &m.mailbox, &m.host, opts, out);
                }
                write_address(&None, &None, &None, &None, opts, out);
            }
        }
    }
    out.push(b')');
}

impl Envelope {
    /// Writes the parenthesised envelope.
    pub fn encode(&self, opts: EncodeOptions, out: &mut Vec<u8>) {
        out.push(b'(');
        nstring(&self.date, opts, out);
        out.push(b' ');
        nstring(&self.subject, opts, out);
        for list in [
            &self.from,
            &self.sender,
            &self.reply_to,
            &self.to,
            &self.cc,
            &self.bcc,
        ] {
            out.push(b' ');
            write_address_list(list, opts, out);
        }
        out.push(b' ');
        nstring(&self.in_reply_to, opts, out);
        out.push(b' ');
        nstring(&self.message_id, opts, out);
        out.push(b')');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mb(name: Option<&str>, mailbox: &str, host: &str) -> MailboxAddress {
        MailboxAddress {
            name: name.map(Into::into),
            adl: None,
            mailbox: Some(mailbox.into()),
            host: Some(host.into()),
        }
    }

    #[test]
    fn rfc_9051_example() {
        // RFC 9051 §8 (the FETCH FULL example's envelope).
        let terry = Address::Mailbox(mb(Some("Terry Gray"), "gray", "cac.washington.edu"));
        let env = Envelope {
            date: Some("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)".into()),
            subject: Some("IMAP4rev2 WG mtg summary and minutes".into()),
            from: vec![terry.clone()],
            sender: vec![terry.clone()],
            reply_to: vec![terry],
            to: vec![Address::Mailbox(mb(None, "imap", "cac.washington.edu"))],
            cc: vec![
                Address::Mailbox(mb(None, "minutes", "CNRI.Reston.VA.US")),
                Address::Mailbox(mb(Some("John Klensin"), "KLENSIN", "MIT.EDU")),
            ],
            bcc: vec![],
            in_reply_to: None,
            message_id: Some("<B27397-0100000@cac.washington.edu>".into()),
        };
        let mut out = Vec::new();
        env.encode(EncodeOptions::default(), &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "(\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \"IMAP4rev2 WG mtg summary and minutes\" \
             ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) \
             ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) \
             ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) \
             ((NIL NIL \"imap\" \"cac.washington.edu\")) \
             ((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) \
             NIL NIL \"<B27397-0100000@cac.washington.edu>\")"
        );
    }

    #[test]
    fn groups_and_empty() {
        let env = Envelope {
            to: vec![Address::Group {
                name: "undisclosed-recipients".into(),
                members: vec![mb(None, "a", "b")],
            }],
            ..Envelope::default()
        };
        let mut out = Vec::new();
        env.encode(EncodeOptions::default(), &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "(NIL NIL NIL NIL NIL ((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL \"a\" \"b\")(NIL NIL NIL NIL)) NIL NIL NIL NIL)"
        );
    }
}
