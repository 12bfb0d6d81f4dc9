//! Kantor's store: everything the server keeps on disk, behind one backend-neutral API.
//!
//! Protocol crates use [`Store`] and the types in [`model`]; none of them sees SQL or a file path.
//! SQLite (WAL, bundled) is the first backend; a PostgreSQL backend can take its place behind the
//! same methods, and blobs can move to an S3-compatible store behind [`BlobStore`].
//!
//! - [`model`]: ids, accounts, domains, mailboxes, messages, flags (plain data).
//! - [`meta`]: what is extracted from a message once at delivery (envelope, structure, preview).
//! - [`keys`]: what SEARCH, SORT and THREAD read of an email, kept at delivery.
//! - [`blob`]: content-addressed message bodies ([`BlobStore`], local files first).
//! - [`changes`]: the per-account change counter and the events broadcast after each commit.
//! - `sqlite`: the SQLite backend: migrations from `schema/`, read pool, the group-commit writer,
//!   and the directory, mail and queue operations.
//!
//! The one rule of this crate: every change to an account is one transaction that bumps the
//! account's `modseq` and appends to its change log; subscribers are woken after the commit.

pub mod access;
pub mod blob;
pub mod changes;
mod error;
mod header_cache;
pub mod keys;
mod mailbox_tree;
pub mod meta;
pub mod model;
mod sqlite;
pub mod testing;

pub use access::{Actor, Mail, Rights};
pub use blob::{BlobHash, BlobRef, BlobStore, LocalBlobStore};
pub use changes::{AccountChanges, ChangeEvent, ChangePage};
pub use error::{Result, StoreError};
pub use keys::{EmailKeys, KeyColumn, KeyExtractor, MessageKeys, SearchTexts};
pub use mailbox_tree::{HIERARCHY_DELIMITER, MailboxLimits, TreeRename, ancestors};
pub use meta::MessageMeta;
pub use model::*;
pub use sqlite::{Store, StoreOptions};
