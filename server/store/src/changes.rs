//! The change log's in-process side: after each commit the writer broadcasts which accounts moved
//! to which modseq, so IDLE, JMAP push and friends wake without polling SQL. The durable side is
//! the `changes` table, read with [`crate::Store::changes_since`].

use crate::{AccountId, MailboxId, MessageId, Modseq, Uid};

/// Broadcast after a commit: `account_id`'s change counter reached `modseq`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeEvent {
    pub account_id: AccountId,
    pub modseq: Modseq,
}

/// What kind of object changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    Message = 1,
    Mailbox = 2,
    Account = 3,
}

/// How it changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Created = 1,
    Updated = 2,
    Destroyed = 3,
}

/// One row of the change log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub modseq: Modseq,
    pub object: ObjectKind,
    pub kind: ChangeKind,
    pub object_id: MessageId,
    pub mailbox_id: Option<MailboxId>,
    pub uid: Option<Uid>,
}

impl ObjectKind {
    pub(crate) fn from_i64(v: i64) -> Option<ObjectKind> {
        match v {
            1 => Some(ObjectKind::Message),
            2 => Some(ObjectKind::Mailbox),
            3 => Some(ObjectKind::Account),
            _ => None,
        }
    }
}

impl ChangeKind {
    pub(crate) fn from_i64(v: i64) -> Option<ChangeKind> {
        match v {
            1 => Some(ChangeKind::Created),
            2 => Some(ChangeKind::Updated),
            3 => Some(ChangeKind::Destroyed),
            _ => None,
        }
    }
}
