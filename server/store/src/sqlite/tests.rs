//! The backend's own guarantees that the public API cannot reach: a panicking write job, and
//! long reads that must not hold an async worker.

use super::SqliteBackend;
use crate::testing::{store_with_alice, with_alice};
use crate::{Store, StoreError, StoreOptions};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[tokio::test]
async fn a_panicking_write_job_fails_alone_and_the_writer_carries_on() {
    let dir = tempfile::tempdir().unwrap();
    let backend = Arc::new(SqliteBackend::open(dir.path(), StoreOptions::default()).unwrap());
    let (store, alice, _) = with_alice(Store::with_backend(backend.clone())).await;
    let (doomed, fine) = tokio::join!(
        backend.write(|ctx| -> super::DbResult<()> {
            ctx.conn()
                .execute("UPDATE accounts SET quota_bytes = 77", [])?;
            panic!("a bug in a write job")
        }),
        store.create_mailbox(alice.id, "Still works", None),
    );
    assert!(matches!(doomed, Err(StoreError::Internal(_))), "{doomed:?}");
    assert!(fine.is_ok(), "{fine:?}");
    let alice = store.account(alice.id).unwrap().unwrap();
    assert_eq!(
        alice.quota_bytes, 0,
        "the panicking job's half-write was rolled back"
    );
    store
        .create_mailbox(alice.id, "And later", None)
        .await
        .unwrap();
}

/// A long read on the only async worker must let the worker's other tasks run meanwhile.
#[test]
fn long_reads_leave_the_async_worker_to_other_sessions() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let (store, alice, inbox) = store_with_alice(dir.path()).await;
        let messages = (0..3000)
            .map(|i| crate::NewMessage {
                account_id: alice.id,
                mailbox_id: inbox,
                blob: crate::BlobRef::new(format!("Subject: {i}\r\n\r\n{i}\r\n").into_bytes()),
                flags: crate::Flags::default(),
                keywords: vec![],
                internal_date: 0,
            })
            .collect();
        store.append(messages).await.unwrap();
        let ticker = tokio::spawn(async {
            let mut longest = Duration::ZERO;
            let mut last = Instant::now();
            for _ in 0..400 {
                tokio::time::sleep(Duration::from_millis(1)).await;
                longest = longest.max(last.elapsed());
                last = Instant::now();
            }
            longest
        });
        tokio::time::sleep(Duration::from_millis(5)).await;
        let started = Instant::now();
        let reader = store.clone();
        let reads = tokio::spawn(async move {
            for _ in 0..40 {
                assert_eq!(reader.messages(inbox).unwrap().len(), 3000);
            }
        });
        reads.await.unwrap();
        let reading = started.elapsed();
        let longest_gap = ticker.await.unwrap();
        assert!(
            longest_gap < reading / 4,
            "a session waited {longest_gap:?} during {reading:?} of reads"
        );
    });
}

/// The writer checkpoints the WAL itself, after its batches (SQLite's automatic checkpoint is
/// replaced): however many commits, the WAL file stays near [`super::writer`]'s threshold.
#[tokio::test]
async fn the_wal_is_checkpointed_while_writes_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let (store, alice, inbox) = store_with_alice(dir.path()).await;
    let body = "x".repeat(3000);
    for i in 0..1500 {
        let message = crate::NewMessage {
            account_id: alice.id,
            mailbox_id: inbox,
            blob: crate::BlobRef::new(format!("Subject: {i}\r\n\r\n{body}{i}\r\n").into_bytes()),
            flags: crate::Flags::default(),
            keywords: vec![],
            internal_date: 0,
        };
        store.append(vec![message]).await.unwrap();
    }
    let wal = std::fs::metadata(dir.path().join("kantor.db-wal"))
        .unwrap()
        .len();
    // 1,500 commits of several pages each would be well past 20 MB without checkpoints.
    assert!(wal < 8 << 20, "WAL grew to {wal} bytes");
}

#[test]
fn cached_statements_are_not_compiled_again_at_each_use() {
    // A join and a secondary-index equality: without the planner's stability guarantee, each
    // use of the cached statement compiled it again (see `open_connection`).
    let dir = tempfile::tempdir().unwrap();
    SqliteBackend::open(dir.path(), StoreOptions::default()).unwrap();
    let conn = super::open_connection(&dir.path().join("kantor.db"), true).unwrap();
    for sql in [
        "SELECT x.meta FROM email_meta x JOIN emails e ON e.id = x.email_id \
         WHERE x.email_id = ?1 AND e.account_id = ?2",
        "SELECT mailbox_id, uid FROM memberships WHERE email_id = ?1 ORDER BY mailbox_id",
    ] {
        for round in 0..3 {
            let mut statement = conn.prepare_cached(sql).unwrap();
            let params =
                rusqlite::params_from_iter([1i64, 2].iter().take(statement.parameter_count()));
            statement
                .query_map(params, |_| Ok(()))
                .unwrap()
                .for_each(drop);
            if round == 2 {
                let recompiled = statement.get_status(rusqlite::StatementStatus::RePrepare);
                assert_eq!(recompiled, 0, "{sql}");
            }
        }
    }
}
