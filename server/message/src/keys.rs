//! What searching, sorting and threading read of a message, computed once when it is stored
//! (the store keeps them, `email_keys`) and by readers from the message itself when no keys are
//! kept, with the same functions, so both answer alike: the base subject and reply mark
//! (RFC 5256 §2.1, §4), the sort values of the first From, To and Cc address (RFC 5256 §3) and
//! of the first From and To display names (RFC 5957 §3), the sent date (RFC 5256 §2.2), the
//! message ID and references (RFC 5256 §4), and the decoded texts that header searches match
//! (RFC 9051 §6.4.4). Texts are case-folded ([`fold`]) as their readers compare them.

use crate::address::{Address, Mailbox, parse_list};
use crate::encoded::decode_words;
use crate::envelope::Envelope;
use crate::header::{Field, unfold};
use crate::subject::base_subject;
use crate::text::fold;
use crate::threading::threading;
use crate::{date, mime};

/// Bumped whenever what [`EmailKeys::of`] computes changes: the store then ignores older rows
/// and computes them again.
pub const VERSION: u32 = 2;

/// The header fields whose decoded values are kept for searching (IMAP `FROM`, `SUBJECT`,
/// `HEADER Message-ID ...`), in the order of [`SearchTexts::fields`].
pub const SEARCH_FIELDS: [&str; 8] = [
    "From",
    "Sender",
    "Reply-To",
    "To",
    "Cc",
    "Bcc",
    "Subject",
    "Message-ID",
];

/// The address fields whose parsed addresses are kept for searching (IMAP FROM/TO/CC/BCC), in
/// the order of [`SearchTexts::addresses`].
pub const ADDRESS_FIELDS: [&str; 4] = ["From", "To", "Cc", "Bcc"];

/// Separates the texts of repeated fields in one search text: no search string containing it
/// is answered from the keys.
pub const TEXT_SEPARATOR: char = '\0';

/// Separates the references of an email where they are kept as one text
/// ([`EmailKeys::joined_references`]): an email whose IDs hold it keeps no keys.
pub const REFERENCE_SEPARATOR: char = '\0';

/// Most bytes of text kept per email; a message with more is read instead.
const MAX_TEXT: usize = 64 * 1024;
/// Most references kept per email; a message with more is read instead.
const MAX_REFERENCES: usize = 512;

/// One email's keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EmailKeys {
    /// False when the keys would be too large to keep: the fields below are then empty, and
    /// readers read the message.
    pub complete: bool,
    /// The Date header, unix seconds, when it parses (RFC 5256 §2.2).
    pub sent: Option<i64>,
    /// The base subject (RFC 5256 §2.1).
    pub subject: String,
    /// Whether the subject marks a reply or forward (RFC 5256 §4).
    pub reply: bool,
    /// SORT FROM, TO, CC (RFC 5256 §3): [`address_value`].
    pub sort_from: String,
    pub sort_to: String,
    pub sort_cc: String,
    /// SORT DISPLAYFROM, DISPLAYTO (RFC 5957 §3): [`display_value`].
    pub display_from: String,
    pub display_to: String,
    /// The message's own Message ID (RFC 5256 §4).
    pub message_id: Option<String>,
    /// The IDs its REFERENCES parents are taken from (RFC 5256 §4 (1)).
    pub references: Vec<String>,
    /// The search texts (boxed: a SORT of 100,000 messages reads none of them, and rows stay
    /// small); `None` when none were read.
    pub texts: Option<Box<SearchTexts>>,
}

/// The texts header searches match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchTexts {
    /// Per [`SEARCH_FIELDS`]: the decoded values ([`field_texts`]), joined by
    /// [`TEXT_SEPARATOR`]; `None` when the message has no such field.
    pub fields: [Option<String>; 8],
    /// Per [`ADDRESS_FIELDS`]: the addresses as parsed ([`address_texts`]), joined by
    /// [`TEXT_SEPARATOR`].
    pub addresses: [Option<String>; 4],
}

impl EmailKeys {
    /// Keys standing for "read the message".
    pub fn incomplete() -> EmailKeys {
        EmailKeys::default()
    }

    /// The keys of a message, from its bytes (only its header is parsed).
    pub fn extract(raw: &[u8]) -> EmailKeys {
        let root = mime::parse_header(raw);
        EmailKeys::of(&root.fields(raw))
    }

    /// The keys of a header.
    pub fn of(fields: &[Field<'_>]) -> EmailKeys {
        let envelope = Envelope::of(fields);
        let (subject, reply, message_id, references) = threading(fields);
        let joined = |texts: Vec<String>| {
            (!texts.is_empty()).then(|| texts.join(&TEXT_SEPARATOR.to_string()))
        };
        let keys = EmailKeys {
            complete: true,
            sent: date::sent(fields).map(|d| d.unix),
            subject,
            reply,
            sort_from: address_value(&envelope.from),
            sort_to: address_value(&envelope.to),
            sort_cc: address_value(&envelope.cc),
            display_from: display_value(&envelope.from),
            display_to: display_value(&envelope.to),
            message_id,
            references,
            texts: Some(Box::new(SearchTexts {
                fields: SEARCH_FIELDS.map(|name| joined(field_texts(fields, name))),
                addresses: ADDRESS_FIELDS.map(|name| {
                    fields
                        .iter()
                        .any(|f| f.is(name))
                        .then(|| address_texts(fields, name).join(&TEXT_SEPARATOR.to_string()))
                }),
            })),
        };
        let separated = |id: &String| id.contains(REFERENCE_SEPARATOR);
        if keys.text_len() > MAX_TEXT
            || keys.references.len() > MAX_REFERENCES
            || keys
                .references
                .iter()
                .chain(&keys.message_id)
                .any(separated)
        {
            return EmailKeys::incomplete();
        }
        keys
    }

    /// The references as one text, separated by [`REFERENCE_SEPARATOR`]; `None` when there
    /// are none.
    pub fn joined_references(&self) -> Option<String> {
        (!self.references.is_empty())
            .then(|| self.references.join(&REFERENCE_SEPARATOR.to_string()))
    }

    /// Bytes of text kept.
    fn text_len(&self) -> usize {
        let texts = self.texts.as_deref().map_or(0, |t| {
            t.fields
                .iter()
                .chain(&t.addresses)
                .flatten()
                .map(String::len)
                .sum::<usize>()
        });
        let values = [
            &self.subject,
            &self.sort_from,
            &self.sort_to,
            &self.sort_cc,
            &self.display_from,
            &self.display_to,
        ];
        texts
            + values.iter().map(|s| s.len()).sum::<usize>()
            + self.references.iter().map(String::len).sum::<usize>()
    }
}

/// The sort value of a subject: its base subject (RFC 5256 §2.1), folded; the empty string
/// when there is none.
pub fn subject_value(subject: Option<&str>) -> String {
    fold(&subject.map(|s| base_subject(s).0).unwrap_or_default())
}

/// The sort value of an address list (RFC 5256 §3 FROM, TO, CC): the local part of its first
/// mailbox (a group's name when it starts with a group), folded; the empty string when there
/// is none.
pub fn address_value(list: &Option<Vec<Address>>) -> String {
    let value = match first(list) {
        Some(First::Mailbox(m)) => m.local.clone().unwrap_or_default(),
        Some(First::Group(name)) => name.to_string(),
        None => String::new(),
    };
    fold(&value)
}

/// The display sort value of an address list (RFC 5957 §3 DISPLAYFROM, DISPLAYTO): the decoded
/// display name of its first mailbox, else `local@domain`, else the local part (a group's name
/// when it starts with a group), folded; the empty string when there is none.
pub fn display_value(list: &Option<Vec<Address>>) -> String {
    let value = match first(list) {
        Some(First::Mailbox(m)) => {
            let name = m.name.as_deref().map(decode_words).unwrap_or_default();
            match (&m.local, m.domain.as_deref()) {
                _ if !name.is_empty() => name,
                (Some(local), Some(domain)) if !domain.is_empty() => format!("{local}@{domain}"),
                (Some(local), _) => local.clone(),
                (None, _) => String::new(),
            }
        }
        Some(First::Group(name)) => name.to_string(),
        None => String::new(),
    };
    fold(&value)
}

enum First<'a> {
    Mailbox(&'a Mailbox),
    Group(&'a str),
}

/// The first entry of an address list.
fn first(list: &Option<Vec<Address>>) -> Option<First<'_>> {
    Some(match list.as_deref()?.first()? {
        Address::Mailbox(m) => First::Mailbox(m),
        Address::Group { name, .. } => First::Group(name),
    })
}

/// The folded, decoded values of the fields called `name`, one per field, as header searches
/// match them (RFC 2047 words decoded).
pub fn field_texts(fields: &[Field<'_>], name: &str) -> Vec<String> {
    fields
        .iter()
        .filter(|f| f.is(name))
        .map(|f| fold(&decode_words(&unfold(f.value))))
        .collect()
}

/// The folded texts of the addresses of the fields called `name`, as address searches match
/// them (RFC 5322 §3.4: each mailbox's `local@domain` without comments or folding white space
/// and its decoded display name, and a group's decoded name).
pub fn address_texts(fields: &[Field<'_>], name: &str) -> Vec<String> {
    fields
        .iter()
        .filter(|f| f.is(name))
        .flat_map(|f| parse_list(&unfold(f.value)))
        .flat_map(|a| one_address_texts(&a).map(|t| fold(&t)).collect::<Vec<_>>())
        .collect()
}

fn one_address_texts(address: &Address) -> impl Iterator<Item = String> + '_ {
    let (group, members) = match address {
        Address::Mailbox(one) => (None, std::slice::from_ref(one)),
        Address::Group { name, members } => (Some(decode_words(name)), members.as_slice()),
    };
    group
        .into_iter()
        .chain(members.iter().flat_map(mailbox_texts))
}

fn mailbox_texts(m: &Mailbox) -> impl Iterator<Item = String> + '_ {
    let addr = match (&m.local, m.domain.as_deref()) {
        (Some(local), Some(domain)) if !domain.is_empty() => Some(format!("{local}@{domain}")),
        (Some(local), _) => Some(local.clone()),
        (None, _) => None,
    };
    addr.into_iter().chain(m.name.as_deref().map(decode_words))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_values_and_search_texts() {
        let raw = b"From: =?utf-8?q?J=C3=B6rg?= <joerg@x.test>, b@y.test\r\n\
To: Team: a@x.test;, c@z.test\r\nCc: nobody\r\nSubject: Re: [list] Hello\r\n\
Date: Tue, 02 Jan 2024 10:00:00 +0000\r\nMessage-ID: <m@x.test>\r\nIn-Reply-To: <p@x.test>\r\n\r\nx";
        let keys = EmailKeys::extract(raw);
        assert!(keys.complete);
        assert_eq!((keys.subject.as_str(), keys.reply), ("HELLO", true));
        assert_eq!(
            (keys.sort_from.as_str(), keys.display_from.as_str()),
            ("JOERG", "JÖRG")
        );
        assert_eq!(
            (keys.sort_to.as_str(), keys.display_to.as_str()),
            ("TEAM", "TEAM")
        );
        assert_eq!(keys.sort_cc, "NOBODY");
        assert_eq!(keys.sent, Some(1_704_189_600));
        assert_eq!(keys.message_id.as_deref(), Some("m@x.test"));
        assert_eq!(keys.references, ["p@x.test"]);
        let texts = keys.texts.unwrap();
        assert_eq!(
            texts.addresses[0].as_deref(),
            Some("JOERG@X.TEST\0JÖRG\0B@Y.TEST")
        );
        assert_eq!(
            texts.addresses[1].as_deref(),
            Some("TEAM\0A@X.TEST\0C@Z.TEST")
        );
        assert_eq!(texts.fields[6].as_deref(), Some("RE: [LIST] HELLO"));
        assert_eq!(
            (texts.fields[1].as_ref(), texts.addresses[3].as_ref()),
            (None, None)
        );
        assert_eq!(subject_value(None), "");
        assert_eq!(display_value(&None), "");
    }

    #[test]
    fn too_many_references_are_not_kept() {
        let refs: Vec<String> = (0..600).map(|i| format!("<r{i}@x>")).collect();
        let raw = format!("References: {}\r\n\r\nx", refs.join(" "));
        assert_eq!(EmailKeys::extract(raw.as_bytes()), EmailKeys::incomplete());
    }

    #[test]
    fn an_id_holding_the_separator_is_not_kept() {
        // A quoted NUL survives normalisation: the joined references could not be split back.
        let raw = "Message-ID: <\"a\0b\"@x>\r\nReferences: <p@x> <q@x>\r\n\r\nx";
        assert_eq!(EmailKeys::extract(raw.as_bytes()), EmailKeys::incomplete());
        let raw = "References: <p@x> <q@x>\r\n\r\nx";
        let keys = EmailKeys::extract(raw.as_bytes());
        assert_eq!(keys.joined_references().as_deref(), Some("p@x\0q@x"));
    }
}
