//! The maildrop: the INBOX as it was when the session entered TRANSACTION state, numbered from 1
//! (RFC 1939 §5), with deletion marks that only QUIT makes real.

use kantor_store::{AccountId, BlobHash, Mail, MailboxId, StoreError, Uid};

pub(crate) struct Entry {
    /// The message's UID in the INBOX: what the store is told to expunge.
    pub uid: Uid,
    /// RFC 1939 §7 unique-id: `UIDVALIDITY.UID`, stable across sessions and never reused.
    pub unique_id: String,
    pub size: u64,
    pub blob: BlobHash,
    pub deleted: bool,
}

pub(crate) struct Maildrop {
    pub account_id: AccountId,
    pub mailbox_id: MailboxId,
    pub entries: Vec<Entry>,
}

impl Maildrop {
    pub(crate) fn load(store: &Mail, account_id: AccountId) -> Result<Maildrop, StoreError> {
        let inbox = store
            .mailbox_by_role(account_id, kantor_store::MailboxRole::Inbox)?
            .ok_or_else(|| StoreError::NotFound("INBOX".into()))?;
        let entries = store
            .messages(inbox.id)?
            .into_iter()
            .map(|m| Entry {
                uid: m.uid,
                unique_id: format!("{}.{}", inbox.uidvalidity, m.uid),
                size: m.size,
                blob: m.blob,
                deleted: false,
            })
            .collect();
        Ok(Maildrop {
            account_id,
            mailbox_id: inbox.id,
            entries,
        })
    }

    /// The message numbered `n` (1-based) unless it is marked deleted.
    pub(crate) fn get(&self, n: u32) -> Option<&Entry> {
        let entry = self.entries.get((n as usize).checked_sub(1)?)?;
        (!entry.deleted).then_some(entry)
    }

    pub(crate) fn get_mut(&mut self, n: u32) -> Option<&mut Entry> {
        let entry = self.entries.get_mut((n as usize).checked_sub(1)?)?;
        (!entry.deleted).then_some(entry)
    }

    /// Messages not marked deleted, with their numbers.
    pub(crate) fn live(&self) -> impl Iterator<Item = (u32, &Entry)> {
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, e)| !e.deleted)
            .map(|(i, e)| (i as u32 + 1, e))
    }

    /// RFC 1939 §5 STAT: count and total size of the messages not marked deleted.
    pub(crate) fn stat(&self) -> (usize, u64) {
        self.live()
            .fold((0, 0), |(n, size), (_, e)| (n + 1, size + e.size))
    }

    pub(crate) fn reset(&mut self) {
        self.entries.iter_mut().for_each(|e| e.deleted = false);
    }

    pub(crate) fn marked(&self) -> Vec<Uid> {
        self.entries
            .iter()
            .filter(|e| e.deleted)
            .map(|e| e.uid)
            .collect()
    }
}
