//! Store errors: what a caller can act on (not found, conflict, quota) apart from faults.

/// Result of a store operation.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The named object does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// The actor may see the object but not do this with it (IMAP NO [NOPERM]).
    #[error("{0}")]
    Forbidden(String),
    /// The object already exists (duplicate address, domain, mailbox name).
    #[error("{0} already exists")]
    AlreadyExists(String),
    /// The object is still referenced and cannot be removed.
    #[error("{0}")]
    InUse(String),
    /// Delivering would exceed these accounts' quota. `permanent` when the message alone is
    /// larger than a quota (RFC 3463 5.2.2 rather than 4.2.2).
    #[error("mailbox full")]
    QuotaExceeded {
        accounts: Vec<crate::AccountId>,
        permanent: bool,
    },
    /// The database reported an error (its text: no backend type crosses the store's API).
    #[error("database error: {0}")]
    Database(String),
    /// Reading or writing a blob or the data directory failed.
    #[error("storage I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// Stored data could not be decoded.
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// The change log no longer goes back that far: it was pruned up to `floor` (IMAP QRESYNC
    /// resynchronises in full; JMAP answers `cannotCalculateChanges`).
    #[error("changes before modseq {floor} were pruned")]
    ChangesPruned { floor: crate::Modseq },
    /// A fault inside the store (a write job that panicked); the store itself carries on.
    #[error("internal store error: {0}")]
    Internal(String),
    /// A limit of the store was reached (mailboxes per account, name length, depth).
    #[error("{0}")]
    Limit(String),
    /// The store's writer has stopped (the server is shutting down).
    #[error("store is shut down")]
    ShutDown,
}
