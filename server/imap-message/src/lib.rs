//! What IMAP shows of a stored message, computed from the store's data (summary, extracted
//! metadata, raw bytes) with no session state and no I/O beyond the store's reads.
//!
//! Public API:
//! - [`fetch`]: FETCH data items (RFC 9051 §6.4.5, §7.5.2; BINARY RFC 3516; PREVIEW RFC 8970).
//! - [`search`]: SEARCH keys (RFC 9051 §6.4.4, CONDSTORE, WITHIN, SAVEDATE, OBJECTID).
//! - [`sort`]: SORT (RFC 5256), SORT=DISPLAY (RFC 5957).
//! - [`thread`]: THREAD=REFERENCES and THREAD=ORDEREDSUBJECT (RFC 5256).
//! - [`keys`]: what the store keeps of each email for those three, computed at delivery by the
//!   same functions (the server installs [`keys::EXTRACTOR`] in the store).
//!
//! Inside, from the bytes up. Messages are parsed by mail-parser (MIME tree with offsets,
//! header fields, Content-* parameters with RFC 2231, dates, RFC 2047 words, transfer
//! encodings, charsets); each module says what it keeps hand-written and why.
//! - `header`: header fields as written, at mail-parser's offsets; unfolding (RFC 5322 §2.2).
//! - `encoded`: charsets, RFC 2047 encoded-words, the UTF-8 downgrade (RFC 6857).
//! - `params`: Content-Type / Content-Disposition values and RFC 2231 parameters.
//! - `mime`: the MIME tree with exact byte ranges, part numbers (RFC 2045/2046, RFC 9051 §6.4.5).
//! - `decode`: base64 and quoted-printable (RFC 2045 §6), line counts.
//! - `address`, `date`: RFC 5322 address lists (hand-written: ENVELOPE needs them as written)
//!   and dates.
//! - `envelope`, `structure`, `section`, `text`: ENVELOPE, BODYSTRUCTURE, BODY[...]/BINARY and
//!   decoded text (search, preview).
//! - `subject`, `msgid`: base subject (RFC 5256 §2.1) and message-id lists (RFC 5256 §4).
//! - `threading`, `intern`: what THREAD reads of each message, with message IDs and subjects
//!   numbered once (RFC 5256 §4); SORT ranks its values with the same interner (RFC 5256 §3).

mod address;
mod date;
mod decode;
mod encoded;
mod envelope;
pub mod fetch;
mod header;
mod intern;
pub mod keys;
mod mime;
mod msgid;
mod params;
#[cfg(test)]
mod robustness;
pub mod search;
mod section;
pub mod sort;
mod structure;
mod subject;
mod text;
pub mod thread;
mod threading;

use kantor_store::MessageSummary;

/// A message of the selected mailbox as the session hands it over: its sequence number in
/// this session's view, and its summary as the session last saw it.
#[derive(Debug, Clone, Copy)]
pub struct Message<'a> {
    pub seq: u32,
    pub summary: &'a MessageSummary,
    /// `\Recent` for this session (RFC 3501 §2.3.2; always false for IMAP4rev2 sessions).
    pub recent: bool,
}
