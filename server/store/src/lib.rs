//! Kantor's store: everything the server keeps on disk, behind one backend-neutral API.
//!
//! Protocol crates use [`Store`] (and [`Mail`], the store as one [`Actor`] sees it) and the
//! types in [`model`]; none of them sees SQL or a file path. The front forwards every operation
//! to a [`Backend`]: SQLite ([`SqliteBackend`], WAL, bundled) is the embedded one; a PostgreSQL
//! backend can take its place behind the same traits, and blobs can move to an S3-compatible
//! store behind [`BlobStore`].
//!
//! - `store`, `mail`: the front, [`Store`] and [`Mail`], forwarding to the backend.
//! - [`backend`]: the traits a backend implements, one per concern.
//! - [`access`]: actors and rights, decided in one place ([`access::rights`]).
//! - [`model`]: ids, accounts, domains, mailboxes, messages, flags (plain data).
//! - [`meta`]: what is extracted from a message once at delivery (envelope, structure, preview),
//!   by kantor-message, the one parser of messages.
//! - [`keys`]: what SEARCH, SORT and THREAD read of an email, kept at delivery.
//! - [`blob`]: content-addressed message bodies ([`BlobStore`], local files first).
//! - [`changes`]: the per-account change counter, the log's rows, and the wake-ups after commits.
//! - `mailbox_tree`: mailbox names as a tree and the limits on an account's tree.
//! - `shared`: other users' accounts as the actor reaches them through ACLs (JMAP sharing).
//! - `sqlite`: the SQLite backend: migrations from `schema/`, read pool, the group-commit writer,
//!   the watcher of other processes' commits, and every operation in SQL.
//!
//! The one rule of this crate: every change to an account is one transaction that bumps the
//! account's `modseq` and appends to its change log; subscribers are woken after the commit.

pub mod access;
pub mod backend;
pub mod blob;
pub mod changes;
mod error;
mod header_cache;
pub mod index_feed;
pub mod keys;
mod mail;
mod mailbox_tree;
pub mod meta;
pub mod model;
mod shared;
mod spool;
mod sqlite;
mod store;
pub mod testing;

pub use access::{ANYONE, AclEntry, Actor, Rights, SharedMailbox};
pub use backend::Backend;
pub use blob::{BlobHash, BlobRef, BlobStore, LocalBlobStore};
pub use changes::{AccountChanges, ChangeEvent, ChangePage};
pub use error::{Result, StoreError};
pub use index_feed::{FeedAction, FeedEntry, FeedPage, IndexEmail};
pub use keys::{EmailKeys, KeyColumn, KeysRef, KeysRow, KeysTable, SearchTexts};
pub use mail::Mail;
pub use mailbox_tree::{HIERARCHY_DELIMITER, MailboxLimits, TreeRename, ancestors};
pub use meta::MessageMeta;
pub use model::*;
pub use shared::{MailboxRights, SharedAccount};
pub use spool::Spool;
pub use sqlite::{SqliteBackend, StoreOptions};
pub use store::Store;
