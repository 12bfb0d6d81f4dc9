//! Kantor's IMAP server (RFC 9051 IMAP4rev2; IMAP4rev1 clients, RFC 3501, served too).
//!
//! - [`names`]: mailbox names, the hierarchy delimiter, LIST pattern matching.
//! - [`view`]: the selected mailbox as this session sees it: sequence numbers, and the change
//!   log turned into EXISTS / EXPUNGE / FETCH FLAGS at the points the RFC allows.

pub mod names;
pub mod view;
