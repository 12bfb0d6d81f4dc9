//! What the full-text indexer (kantor-search) reads of the store: the change log's global
//! sequence (`changes.id`), followed from a checkpoint (the indexing queue is the log itself,
//! written in each email's own transaction), and the live emails to index, by id.

use crate::{AccountId, BlobHash, MessageId};

/// What one row of the log asks of the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedAction {
    /// An email came to be (delivered, appended, imported, copied as a new email), or was
    /// filed in another mailbox (its content is the same: indexed once).
    EmailCreated(MessageId),
    /// An email became a tombstone (out of its last mailbox, or destroyed).
    EmailDestroyed(MessageId),
    /// The account was removed, with all its mail.
    AccountDestroyed,
}

/// One row of the log that concerns the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEntry {
    /// The row's place in the global sequence.
    pub change_id: i64,
    pub account_id: AccountId,
    pub action: FeedAction,
}

/// A stretch of the log: the rows that concern the index, and the last row read (those that do
/// not concern it included), where the next read starts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedPage {
    pub entries: Vec<FeedEntry>,
    pub until: i64,
}

/// A live email as the indexer reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEmail {
    pub id: MessageId,
    pub account_id: AccountId,
    pub blob: BlobHash,
    pub size: u64,
}
