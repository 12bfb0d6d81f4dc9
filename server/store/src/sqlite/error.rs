//! The backend's own errors: SQLite's, or the store's, until they leave the backend as a
//! [`StoreError`] (SQLite's as [`StoreError::Database`], with its text). The conversion is this
//! module's: no rusqlite type reaches the store's API, not even as a `From` impl of
//! [`StoreError`].

use crate::StoreError;

/// An error inside the SQLite backend.
#[derive(Debug)]
pub(super) enum DbError {
    Sqlite(rusqlite::Error),
    Store(StoreError),
}

/// Result of the backend's internal steps (statements, write jobs).
pub(super) type DbResult<T> = std::result::Result<T, DbError>;

impl DbError {
    /// The error as the store's API reports it.
    pub(super) fn into_store(self) -> StoreError {
        match self {
            DbError::Sqlite(e) => StoreError::Database(e.to_string()),
            DbError::Store(e) => e,
        }
    }
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DbError::Sqlite(e) => e.fmt(f),
            DbError::Store(e) => e.fmt(f),
        }
    }
}

impl From<rusqlite::Error> for DbError {
    fn from(error: rusqlite::Error) -> Self {
        DbError::Sqlite(error)
    }
}

impl From<StoreError> for DbError {
    fn from(error: StoreError) -> Self {
        DbError::Store(error)
    }
}

impl From<std::io::Error> for DbError {
    fn from(error: std::io::Error) -> Self {
        DbError::Store(StoreError::Io(error))
    }
}
