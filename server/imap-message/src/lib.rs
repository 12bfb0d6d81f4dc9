//! What IMAP shows of a stored message, computed from the store's data (summary, extracted
//! metadata, raw bytes) with no session state and no I/O beyond the store's reads.
//!
//! Public API:
//! - [`fetch`]: FETCH data items (RFC 9051 §6.4.5, §7.5.2; BINARY RFC 3516; PREVIEW RFC 8970);
//!   ENVELOPE, BODY, BODYSTRUCTURE and PREVIEW from the metadata stored at delivery.
//! - [`search`]: SEARCH keys (RFC 9051 §6.4.4, CONDSTORE, WITHIN, SAVEDATE, OBJECTID).
//! - [`sort`]: SORT (RFC 5256), SORT=DISPLAY (RFC 5957).
//! - [`thread`]: THREAD=REFERENCES and THREAD=ORDEREDSUBJECT (RFC 5256).
//!
//! Inside: messages are parsed by kantor-message (MIME tree, header fields, addresses, dates,
//! encodings, decoded text, base subjects, message IDs, threading data), the one parser every
//! protocol shares; this crate turns what it gives into IMAP's answers.
//! - `envelope`, `structure`: ENVELOPE and BODY/BODYSTRUCTURE rendered from kantor-message's
//!   envelope and body structure (stored, or of the parsed message: the same answer).
//! - `section`: BODY[...] and BINARY[...] from the parsed message's byte ranges.
//! - `search`, `sort`, `thread`: the commands, over stored keys or parsed headers; SORT ranks
//!   its values, and THREAD numbers IDs and subjects, with kantor-message's interner.
//! - `keys`: which of the keys the store keeps of each email (kantor-message computes them at
//!   delivery) those commands read, and answering from them.
//! - `stored`: the FETCH items answered from the metadata stored at delivery.

mod envelope;
pub mod fetch;
mod keys;
mod lazy;
pub mod narrow;
#[cfg(test)]
mod robustness;
pub mod search;
mod section;
pub mod sort;
mod stored;
mod structure;
pub mod thread;

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
