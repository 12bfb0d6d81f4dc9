//! Kantor's one parser of messages: the store and IMAP (and JMAP, when it comes) read a
//! message's MIME structure, header fields, addresses and dates through this crate, so they
//! agree on what a message holds. No I/O, no protocol types.
//!
//! Messages are parsed by mail-parser (MIME tree with offsets, header fields, Content-*
//! parameters with RFC 2231, dates, RFC 2047 words, transfer encodings, charsets); each module
//! says what it keeps hand-written and why. From the bytes up:
//! - [`header`]: header fields as written, at mail-parser's offsets; unfolding (RFC 5322 §2.2).
//! - [`encoded`]: charsets, RFC 2047 encoded-words, the UTF-8 downgrade (RFC 6857).
//! - [`params`]: Content-Type / Content-Disposition values and RFC 2231 parameters.
//! - [`mime`]: the MIME tree with exact byte ranges and part numbers (RFC 2045/2046).
//! - [`decode`]: base64 and quoted-printable (RFC 2045 §6), line counts.
//! - [`address`], [`date`]: RFC 5322 address lists (hand-written: they are wanted as written)
//!   and dates.
//! - [`text`]: decoded text (search) and previews.
//! - [`subject`], [`msgid`]: base subject (RFC 5256 §2.1) and message-id lists (RFC 5256 §4).
//! - [`threading`], [`intern`]: what threading reads of each message, with message IDs and
//!   subjects numbered once (RFC 5256 §4).
//!
//! What is extracted once, when a message is stored, and read by every protocol:
//! - [`envelope`]: the describing header fields, as written, addresses parsed.
//! - [`structure`]: the body structure: every part's Content-* fields, byte ranges, lines and
//!   sizes (IMAP BODYSTRUCTURE, JMAP EmailBodyPart).
//! - [`bodies`]: text, HTML and attachment parts (RFC 8621 §4.1.4), hasAttachment.
//! - [`meta`]: [`MessageMeta`], all of it together with the preview and references, as the
//!   store keeps it.
//! - [`keys`]: what searching, sorting and threading read of a message (base subject, sort
//!   values, sent date, message IDs, header texts), kept by the store too.

pub mod address;
pub mod authors;
pub mod bodies;
pub mod date;
pub mod decode;
pub mod encoded;
pub mod envelope;
pub mod header;
pub mod intern;
pub mod keys;
pub mod meta;
pub mod mime;
pub mod msgid;
pub mod params;
pub mod search_text;
pub mod structure;
pub mod subject;
pub mod text;
pub mod threading;

pub use meta::{MAX_REFERENCES, META_VERSION, MessageMeta, MetaListing, envelope_from_json};
