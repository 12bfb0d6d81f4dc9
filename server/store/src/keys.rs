//! What SEARCH, SORT and THREAD need of an email, extracted once when it is stored: the sort
//! values of RFC 5256 §3 and RFC 5957, the threading data of RFC 5256 §4, and the texts the
//! header SEARCH keys of RFC 9051 §6.4.4 match.
//!
//! The store keeps these keys but does not compute them: they are defined by the protocol
//! code that reads them (kantor-imap-message's `keys`, with the very functions its own parsing
//! path uses, so the stored keys cannot drift from what reading the message gives). The server
//! installs that [`KeyExtractor`] at start ([`crate::Store::install_key_extractor`]); from then
//! on, each email stored gets its keys at delivery, and [`crate::Store::backfill_keys`] gives
//! them to the emails stored before. Without an extractor, or for an email whose keys are
//! missing, of another version or too large ([`EmailKeys::complete`] false), readers read the
//! message itself.

/// The header fields whose decoded values are kept for SEARCH (`FROM`, `SUBJECT`, `HEADER
/// Message-ID ...`), in the order of [`EmailKeys::fields`].
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

/// The address fields whose parsed addresses are kept for SEARCH FROM/TO/CC/BCC, in the order
/// of [`EmailKeys::addresses`].
pub const ADDRESS_FIELDS: [&str; 4] = ["From", "To", "Cc", "Bcc"];

/// Separates the texts of repeated fields in one search text: no search string containing it
/// is answered from the keys.
pub const TEXT_SEPARATOR: char = '\0';

/// Computes an email's keys from its bytes.
#[derive(Debug, Clone, Copy)]
pub struct KeyExtractor {
    /// Rows written by another version are not read, and the backfill rewrites them.
    pub version: u32,
    pub extract: fn(&[u8]) -> EmailKeys,
}

/// One email's keys. Texts are case-folded as their reader compares them.
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
    /// SORT FROM, TO, CC (RFC 5256 §3).
    pub sort_from: String,
    pub sort_to: String,
    pub sort_cc: String,
    /// SORT DISPLAYFROM, DISPLAYTO (RFC 5957 §3).
    pub display_from: String,
    pub display_to: String,
    /// The message's own Message ID (RFC 5256 §4).
    pub message_id: Option<String>,
    /// The IDs its REFERENCES parents are taken from (RFC 5256 §4 (1)).
    pub references: Vec<String>,
    /// The SEARCH texts (boxed: a SORT of 100,000 messages reads none of them, and rows stay
    /// small); `None` when none were read.
    pub texts: Option<Box<SearchTexts>>,
}

/// The texts header SEARCH keys match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchTexts {
    /// Per [`SEARCH_FIELDS`]: the decoded values, joined by [`TEXT_SEPARATOR`]; `None` when the
    /// message has no such field.
    pub fields: [Option<String>; 8],
    /// Per [`ADDRESS_FIELDS`]: the addresses as parsed, joined by [`TEXT_SEPARATOR`].
    pub addresses: [Option<String>; 4],
}

impl EmailKeys {
    /// Keys standing for "read the message".
    pub fn incomplete() -> EmailKeys {
        EmailKeys::default()
    }
}

/// The groups of keys a reader asks for (one query reads only the columns it needs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyColumn {
    Sent,
    /// Base subject and the reply mark.
    Subject,
    SortFrom,
    SortTo,
    SortCc,
    DisplayFrom,
    DisplayTo,
    /// Message ID and references.
    Threading,
    /// [`SEARCH_FIELDS`]`[i]`.
    Field(usize),
    /// [`ADDRESS_FIELDS`]`[i]`.
    Addresses(usize),
}

/// One message of a mailbox with its keys, as [`crate::Mail::message_keys`] returns them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageKeys {
    pub uid: crate::Uid,
    pub email_id: crate::MessageId,
    /// Only the columns asked for are filled; `complete` is false when the email has no usable
    /// keys.
    pub keys: EmailKeys,
}
