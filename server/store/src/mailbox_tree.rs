//! Mailbox names as a tree: [`HIERARCHY_DELIMITER`] between levels (IMAP's hierarchy delimiter,
//! RFC 9051 §5.1; JMAP's parentId is derived from it), and the limits an operator sets on an
//! account's tree (mailboxes per account, name length, depth), which every backend enforces
//! inside its tree operations.

use crate::{Mailbox, MailboxId, Result, StoreError};

/// The hierarchy delimiter of mailbox names.
pub const HIERARCHY_DELIMITER: char = '/';

/// What an account's mailboxes may grow to; every tree operation checks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailboxLimits {
    /// Mailboxes per account.
    pub max_mailboxes: usize,
    /// Bytes of a whole name, levels and delimiters included.
    pub max_name_bytes: usize,
    /// Levels of a name (`a/b/c` has 3).
    pub max_depth: usize,
}

impl Default for MailboxLimits {
    fn default() -> Self {
        MailboxLimits {
            max_mailboxes: 2000,
            max_name_bytes: 512,
            max_depth: 32,
        }
    }
}

impl MailboxLimits {
    /// Refuses a name longer or deeper than allowed.
    pub(crate) fn check_name(&self, name: &str) -> Result<()> {
        if name.len() > self.max_name_bytes {
            return Err(StoreError::Limit(format!(
                "mailbox names are limited to {} bytes",
                self.max_name_bytes
            )));
        }
        if name.split(HIERARCHY_DELIMITER).count() > self.max_depth {
            return Err(StoreError::Limit(format!(
                "mailboxes nest at most {} levels deep",
                self.max_depth
            )));
        }
        Ok(())
    }
}

/// What a subtree rename did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TreeRename {
    /// Every mailbox renamed, with its new name (the mailbox first, then its descendants).
    pub renamed: Vec<(MailboxId, String)>,
    /// Mailboxes created: missing parents of the new name, and for INBOX its new mailbox.
    pub created: Vec<Mailbox>,
}

/// The ancestors of `name`, outermost first: `a/b/c` has `a` and `a/b`.
pub fn ancestors(name: &str) -> impl Iterator<Item = &str> {
    name.match_indices(HIERARCHY_DELIMITER)
        .map(move |(i, _)| &name[..i])
}
