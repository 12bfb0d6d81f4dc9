//! What the store extracts from a message once, at delivery and APPEND, so that listing a
//! mailbox, IMAP FETCH ENVELOPE/BODY/BODYSTRUCTURE (RFC 9051 §7.5.2) and JMAP Email/get need
//! not parse the message again: [`MessageMeta`], defined and extracted by kantor-message (the
//! one parser of messages), kept as JSON in `email_meta`.
//!
//! Each row carries the [`META_VERSION`] it was written with. A row of another version (older
//! layouts) does not deserialize: readers are told it is missing and parse the message
//! instead, and `Store::backfill_meta` extracts it again.

pub use kantor_message::address::{Address, Mailbox};
pub use kantor_message::envelope::Envelope;
pub use kantor_message::meta::{MAX_REFERENCES, META_VERSION, MessageMeta};
pub use kantor_message::structure::{BodyPart, Content, Encapsulated};
