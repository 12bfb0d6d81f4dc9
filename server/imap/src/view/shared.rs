//! Message summaries shared between the views of a mailbox: the sessions of a user (a laptop, a
//! phone, and in a company thousands of sessions waiting in IDLE) on one 1,000-message INBOX hold
//! one copy of each summary between them, and a pointer each. A summary is shared while it is the
//! same (an email filed in two mailboxes has two summaries, with their own UIDs); a view that
//! learns of a change takes the new one.

use kantor_store::{MessageId, MessageSummary, Store};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, Weak};

/// Summaries handed out and still held by some view, by store instance and message id.
struct Pool {
    summaries: HashMap<(u64, MessageId), Weak<MessageSummary>>,
    /// Size past which entries nobody holds any more are swept out.
    sweep_at: usize,
}

static POOL: LazyLock<Mutex<Pool>> = LazyLock::new(|| {
    Mutex::new(Pool {
        summaries: HashMap::new(),
        sweep_at: 4096,
    })
});

/// The summaries as shared ones: the copy some view already holds when it is the same, else
/// this one, now shared.
pub(super) fn share(store: &Store, summaries: Vec<MessageSummary>) -> Vec<Arc<MessageSummary>> {
    let instance = store.instance_id();
    let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
    let shared = summaries
        .into_iter()
        .map(|summary| {
            let key = (instance, summary.id);
            if let Some(held) = pool.summaries.get(&key).and_then(Weak::upgrade)
                && *held == summary
            {
                return held;
            }
            let summary = Arc::new(summary);
            pool.summaries.insert(key, Arc::downgrade(&summary));
            summary
        })
        .collect();
    if pool.summaries.len() > pool.sweep_at {
        pool.summaries.retain(|_, s| s.strong_count() > 0);
        pool.sweep_at = pool.summaries.len() * 2 + 4096;
    }
    shared
}

#[cfg(test)]
mod tests {
    use super::*;
    use kantor_store::{BlobHash, Flags};

    fn summary(id: MessageId, modseq: u64) -> MessageSummary {
        MessageSummary {
            id,
            uid: id as u32,
            modseq,
            flags: Flags::default(),
            keywords: vec![],
            size: 10,
            blob: BlobHash::of(b"x"),
            internal_date: 0,
            saved_date: 0,
            thread_id: id,
        }
    }

    #[test]
    fn the_same_message_is_shared_until_it_changes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), kantor_store::StoreOptions::default()).unwrap();
        let other_dir = tempfile::tempdir().unwrap();
        let other = Store::open(other_dir.path(), kantor_store::StoreOptions::default()).unwrap();
        let first = share(&store, vec![summary(1, 5), summary(2, 5)]);
        let second = share(&store, vec![summary(1, 5), summary(2, 6)]);
        assert!(Arc::ptr_eq(&first[0], &second[0]), "unchanged: one copy");
        assert!(
            !Arc::ptr_eq(&first[1], &second[1]),
            "changed: the new summary"
        );
        assert_eq!(second[1].modseq, 6);
        let elsewhere = share(&other, vec![summary(1, 5)]);
        assert!(
            !Arc::ptr_eq(&first[0], &elsewhere[0]),
            "another store's message 1"
        );
        drop((first, second));
        let again = share(&store, vec![summary(1, 5)]);
        assert_eq!(
            Arc::strong_count(&again[0]),
            1,
            "nobody held it: a fresh copy"
        );
    }
}
