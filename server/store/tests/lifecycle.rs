//! Store v2's lifecycle guarantees through the public API: ids are never reused, UIDVALIDITY
//! never repeats, expunged mail stays readable until the collector's grace period is over,
//! refused deliveries never grow the disk, and commits by another process wake listeners.

use kantor_store::testing::{new_account, store_with_alice};
use kantor_store::*;
use std::path::Path;
use std::time::{Duration, Instant};

fn new_message(account: AccountId, mailbox: MailboxId, subject: &str) -> NewMessage {
    NewMessage {
        account_id: account,
        mailbox_id: mailbox,
        blob: BlobRef::new(format!("Subject: {subject}\r\n\r\nbody of {subject}\r\n").into_bytes()),
        flags: Flags::default(),
        keywords: vec![],
        internal_date: 0,
    }
}

fn blob_files(data: &Path) -> usize {
    (0..=255u8)
        .filter_map(|p| std::fs::read_dir(data.join("blobs").join(format!("{p:02x}"))).ok())
        .map(|dir| dir.count())
        .sum()
}

#[tokio::test]
async fn ids_of_removed_objects_are_never_given_again() {
    let dir = tempfile::tempdir().unwrap();
    let (store, alice, inbox) = store_with_alice(dir.path()).await;

    // The highest account id, removed: SQLite without AUTOINCREMENT hands it out again.
    let bob = store.create_account(new_account("bob")).await.unwrap();
    store.remove_account(bob.id).await.unwrap();
    let carol = store.create_account(new_account("carol")).await.unwrap();
    assert!(
        carol.id > bob.id,
        "carol {} after removed bob {}",
        carol.id,
        bob.id
    );

    let work = store.create_mailbox(alice.id, "Work", None).await.unwrap();
    store.delete_mailbox(alice.id, work.id).await.unwrap();
    let play = store.create_mailbox(alice.id, "Play", None).await.unwrap();
    assert!(play.id > work.id, "MAILBOXID {} reused", work.id);

    let first = store
        .append(vec![new_message(alice.id, inbox, "first")])
        .await
        .unwrap();
    store
        .expunge(alice.id, inbox, vec![first[0].uid])
        .await
        .unwrap();
    store.collect_garbage(Duration::ZERO).await.unwrap();
    let second = store
        .append(vec![new_message(alice.id, inbox, "second")])
        .await
        .unwrap();
    assert!(
        second[0].message_id > first[0].message_id,
        "EMAILID {} reused",
        first[0].message_id
    );
    let summary = &store.messages(inbox).unwrap()[0];
    assert!(summary.thread_id > first[0].message_id, "THREADID reused");
}

#[tokio::test]
async fn a_mailbox_created_again_gets_a_new_uidvalidity() {
    let dir = tempfile::tempdir().unwrap();
    let (store, alice, _) = store_with_alice(dir.path()).await;
    let mut seen = Vec::new();
    for _ in 0..3 {
        let again = store.create_mailbox(alice.id, "Again", None).await.unwrap();
        seen.push(again.uidvalidity);
        store.delete_mailbox(alice.id, again.id).await.unwrap();
    }
    seen.dedup();
    assert_eq!(
        seen.len(),
        3,
        "UIDVALIDITY repeated within a second: {seen:?}"
    );
}

#[tokio::test]
async fn an_expunged_message_is_readable_until_the_grace_period_ends() {
    let dir = tempfile::tempdir().unwrap();
    let (store, alice, inbox) = store_with_alice(dir.path()).await;
    let added = store
        .append(vec![new_message(alice.id, inbox, "going")])
        .await
        .unwrap();
    let summary = store.messages(inbox).unwrap().remove(0);
    store
        .expunge(alice.id, inbox, vec![added[0].uid])
        .await
        .unwrap();
    assert!(store.messages(inbox).unwrap().is_empty());
    assert_eq!(store.account(alice.id).unwrap().unwrap().used_bytes, 0);
    // Another session still holding the message in its view reads it as it was.
    assert!(
        store
            .read_blob(&summary.blob)
            .unwrap()
            .ends_with(b"body of going\r\n")
    );
    let kept = store
        .collect_garbage(Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(kept, GcReport::default());
    assert!(store.read_blob(&summary.blob).is_ok());
    let report = store.collect_garbage(Duration::ZERO).await.unwrap();
    assert_eq!((report.emails, report.blobs), (1, 1));
    assert!(store.read_blob(&summary.blob).is_err());
}

#[tokio::test]
async fn refused_appends_never_grow_the_disk() {
    let dir = tempfile::tempdir().unwrap();
    let (store, alice, inbox) = store_with_alice(dir.path()).await;
    store.set_quota(alice.id, 10).await.unwrap();
    let before = blob_files(dir.path());
    for i in 0..20 {
        let refused = store
            .append(vec![new_message(alice.id, inbox, &format!("over {i}"))])
            .await;
        assert!(matches!(refused, Err(StoreError::QuotaExceeded { .. })));
    }
    // Written (and fsynced) before the quota check refused them: nothing references them.
    assert_eq!(blob_files(dir.path()), before + 20);
    let report = store.collect_garbage(Duration::ZERO).await.unwrap();
    assert_eq!(report.orphan_files, 20);
    assert_eq!(blob_files(dir.path()), before);
}

#[tokio::test]
async fn a_blob_collected_meanwhile_is_written_again_by_the_delivery_that_needs_it() {
    let dir = tempfile::tempdir().unwrap();
    let (store, alice, inbox) = store_with_alice(dir.path()).await;
    let message = new_message(alice.id, inbox, "raced");
    store.put_blob(&message.blob).await.unwrap();
    // The collector runs between the blob write and the transaction that references it.
    assert_eq!(
        store
            .collect_garbage(Duration::ZERO)
            .await
            .unwrap()
            .orphan_files,
        1
    );
    let hash = message.blob.hash.clone();
    store.append(vec![message]).await.unwrap();
    assert!(
        store.read_blob(&hash).is_ok(),
        "re-written under the write lock"
    );
    assert_eq!(
        store.collect_garbage(Duration::ZERO).await.unwrap(),
        GcReport::default()
    );
}

/// Two stores on one data directory stand for two processes (the server and `kantor admin`,
/// or two nodes): each has its own connections, writer and wake-ups.
#[tokio::test]
async fn commits_by_another_process_wake_listeners_within_a_second() {
    let dir = tempfile::tempdir().unwrap();
    let (server, alice, _) = store_with_alice(dir.path()).await;
    let admin = Store::open(dir.path(), StoreOptions::default())
        .unwrap()
        .mail(Actor::System);
    let mut changes = server.watch_account(alice.id);
    let started = Instant::now();
    admin
        .create_mailbox(alice.id, "From admin", None)
        .await
        .unwrap();
    let woke = tokio::time::timeout(Duration::from_secs(1), changes.changed())
        .await
        .expect("woken within a second");
    let modseq = admin.account(alice.id).unwrap().unwrap().modseq;
    assert_eq!(woke, Some(modseq));
    let log = server.changes_since(alice.id, modseq - 1).unwrap();
    assert_eq!(log.len(), 1, "the other process's change is in the log");
    eprintln!("woken after {:?}", started.elapsed());
}

#[tokio::test]
async fn the_change_log_is_read_in_pages_by_kind_and_pruned_by_age() {
    let dir = tempfile::tempdir().unwrap();
    let (store, alice, inbox) = store_with_alice(dir.path()).await;
    let start = store.account(alice.id).unwrap().unwrap().modseq;
    store
        .append(
            (0..5)
                .map(|i| new_message(alice.id, inbox, &format!("m{i}")))
                .collect(),
        )
        .await
        .unwrap();
    store.create_mailbox(alice.id, "Later", None).await.unwrap();

    use kantor_store::changes::ObjectKind;
    let mut since = start;
    let mut pages = Vec::new();
    loop {
        let page = store
            .changes_page(alice.id, since, 3, &[ObjectKind::Email])
            .unwrap();
        assert!(page.changes.iter().all(|c| c.object == ObjectKind::Email));
        pages.push(page.changes.len());
        since = page.until;
        if !page.has_more {
            break;
        }
    }
    // One email row per append (its membership); each modseq whole, at most 3 rows a page.
    assert_eq!(pages.iter().sum::<usize>(), 5);
    assert!(pages.iter().all(|&n| n <= 3), "{pages:?}");
    let all = store.changes_page(alice.id, start, 100, &[]).unwrap();
    assert!(!all.has_more);
    assert_eq!(all.until, store.account(alice.id).unwrap().unwrap().modseq);
    // "As many as there are" (usize::MAX) gives them all, not none.
    let unbounded = store
        .changes_page(alice.id, start, usize::MAX, &[])
        .unwrap();
    assert_eq!(unbounded.changes, all.changes);

    assert_eq!(
        store
            .prune_changes(Duration::from_secs(3600))
            .await
            .unwrap(),
        0
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let removed = store.prune_changes(Duration::ZERO).await.unwrap();
    assert!(removed >= 6, "{removed}");
    assert!(matches!(
        store.changes_since(alice.id, start),
        Err(StoreError::ChangesPruned { .. })
    ));
    let now = store.account(alice.id).unwrap().unwrap().modseq;
    assert!(store.changes_since(alice.id, now).unwrap().is_empty());
}

/// Rights are decided in the store: a user reaches only their own account's mail, whatever id
/// they name; another account's mailbox does not exist for them (ids do not leak).
#[tokio::test]
async fn a_user_reaches_no_other_account_by_id() {
    let dir = tempfile::tempdir().unwrap();
    let (store, alice, alice_inbox) = store_with_alice(dir.path()).await;
    let bob = store.create_account(new_account("bob")).await.unwrap();
    let added = store
        .append(vec![new_message(alice.id, alice_inbox, "private")])
        .await
        .unwrap();
    let as_bob = store.mail(Actor::User(bob.id));
    let as_alice = store.mail(Actor::User(alice.id));

    assert_eq!(as_bob.mailbox(alice_inbox).unwrap(), None);
    assert!(as_bob.mailboxes(alice.id).unwrap().is_empty());
    assert!(matches!(
        as_bob.messages(alice_inbox),
        Err(StoreError::NotFound(_))
    ));
    assert!(as_bob.message_meta(alice.id, added[0].message_id).is_err());
    assert!(
        as_bob
            .message_metas(alice.id, &[added[0].message_id])
            .is_err()
    );
    assert!(as_bob.changes_since(alice.id, 0).is_err());
    let ids = vec![added[0].uid];
    let change = FlagChange {
        operation: FlagOperation::Add,
        flags: Flags::SEEN,
        keywords: vec![],
        unchanged_since: None,
    };
    assert!(
        as_bob
            .set_flags(alice.id, alice_inbox, ids.clone(), change.clone())
            .await
            .is_err()
    );
    assert!(
        as_bob
            .expunge(alice.id, alice_inbox, ids.clone())
            .await
            .is_err()
    );
    assert!(as_bob.delete_mailbox(alice.id, alice_inbox).await.is_err());
    let bob_inbox = as_bob
        .mailbox_by_role(bob.id, MailboxRole::Inbox)
        .unwrap()
        .unwrap();
    // Naming their own account but alice's mailbox does not help either.
    assert!(
        as_bob
            .copy_messages(bob.id, alice_inbox, ids.clone(), bob_inbox.id)
            .await
            .is_err()
    );
    assert!(
        as_bob
            .append(vec![new_message(alice.id, alice_inbox, "planted")])
            .await
            .is_err()
    );
    assert!(
        as_bob
            .create_mailbox(alice.id, "Planted", None)
            .await
            .is_err()
    );

    assert_eq!(
        as_alice.messages(alice_inbox).unwrap().len(),
        1,
        "untouched"
    );
    assert!(
        as_alice
            .set_flags(alice.id, alice_inbox, ids, change)
            .await
            .is_ok()
    );
    assert!(as_alice.mailbox(bob_inbox.id).unwrap().is_none());
    assert_eq!(
        store.mail(Actor::Anonymous).mailbox(alice_inbox).unwrap(),
        None
    );
}

#[tokio::test]
async fn uploads_are_the_uploaders_and_expire_with_the_grace_period() {
    let dir = tempfile::tempdir().unwrap();
    let (store, alice, _inbox) = store_with_alice(dir.path()).await;
    let blob = BlobRef::new(b"Subject: up\r\n\r\nx\r\n".to_vec());
    let upload = store
        .record_upload(alice.id, blob.clone(), "message/rfc822".into())
        .await
        .unwrap();
    assert_eq!(
        (upload.size, upload.media_type.as_str()),
        (blob.size(), "message/rfc822")
    );
    assert!(store.upload(alice.id, &blob.hash).unwrap().is_some());
    assert!(store.read_blob(&blob.hash).is_ok());
    // Kept within the grace period; the upload and its file gone after it.
    store
        .collect_garbage(Duration::from_secs(60))
        .await
        .unwrap();
    assert!(store.upload(alice.id, &blob.hash).unwrap().is_some());
    let report = store.collect_garbage(Duration::ZERO).await.unwrap();
    assert_eq!(report.orphan_files, 1);
    assert!(store.upload(alice.id, &blob.hash).unwrap().is_none());
    assert!(store.read_blob(&blob.hash).is_err());
}
