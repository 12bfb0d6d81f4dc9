//! Store errors: what a caller can act on (not found, conflict, quota) apart from faults.

/// Result of a store operation.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The named object does not exist.
    #[error("{0} not found")]
    NotFound(String),
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
    /// The database reported an error.
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
    /// Reading or writing a blob or the data directory failed.
    #[error("storage I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// Stored data could not be decoded.
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// The store's writer has stopped (the server is shutting down).
    #[error("store is shut down")]
    ShutDown,
}
