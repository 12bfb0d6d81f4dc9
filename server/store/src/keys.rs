//! What SEARCH, SORT and THREAD need of an email, extracted once when it is stored: the sort
//! values of RFC 5256 §3 and RFC 5957, the threading data of RFC 5256 §4, and the texts the
//! header SEARCH keys of RFC 9051 §6.4.4 match.
//!
//! They are kantor-message's ([`EmailKeys`], computed with the very functions readers use on a
//! message's bytes, so the stored keys cannot drift from what reading the message gives): each
//! email stored gets its keys at delivery and APPEND, from the parse that extracts its
//! metadata, and [`crate::Store::backfill_keys`] gives them to the emails stored before, or with
//! another [`VERSION`]. For an email whose keys are missing, of another version or too large
//! ([`EmailKeys::complete`] false), readers read the message itself.

pub use kantor_message::keys::{
    ADDRESS_FIELDS, EmailKeys, SEARCH_FIELDS, SearchTexts, TEXT_SEPARATOR, VERSION,
};

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
