//! The store through its public API: accounts, delivery, quota, expunge, change log and events.

use kantor_store::changes::{ChangeKind, ObjectKind};
use kantor_store::*;
use std::time::Duration;

fn message(subject: &str, extra: &str) -> BlobRef {
    BlobRef::new(
        format!(
            "From: a@example.com\r\nTo: b@example.com\r\nSubject: {subject}\r\n{extra}\r\nbody of {subject}\r\n"
        )
        .into_bytes(),
    )
}

async fn setup() -> (tempfile::TempDir, Mail, Account, Account) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), StoreOptions::default())
        .unwrap()
        .mail(Actor::System);
    store.add_domain("example.com").await.unwrap();
    let new = |local: &str| NewAccount {
        local: local.into(),
        domain: "example.com".into(),
        password_hash: "x".into(),
        is_admin: false,
        quota_bytes: 0,
    };
    let alice = store.create_account(new("alice")).await.unwrap();
    let bob = store.create_account(new("bob")).await.unwrap();
    (dir, store, alice, bob)
}

fn incoming(blob: BlobRef, recipients: Vec<AccountId>) -> IncomingMessage {
    IncomingMessage {
        blob,
        recipients,
        flags: Flags::default(),
        internal_date: 1_700_000_000,
        quota: QuotaRule::RefuseAll,
        mailbox: kantor_store::MailboxRole::Inbox,
    }
}

#[tokio::test]
async fn accounts_get_special_use_mailboxes_and_unique_addresses() {
    let (_dir, store, alice, _) = setup().await;
    let roles: Vec<_> = store
        .mailboxes(alice.id)
        .unwrap()
        .iter()
        .filter_map(|m| m.role)
        .collect();
    assert_eq!(roles.len(), 6);
    assert!(
        store
            .mailbox_by_role(alice.id, MailboxRole::Inbox)
            .unwrap()
            .is_some()
    );
    let dup = store
        .create_account(NewAccount {
            local: "ALICE".into(),
            domain: "EXAMPLE.com".into(),
            password_hash: "x".into(),
            is_admin: false,
            quota_bytes: 0,
        })
        .await;
    assert!(matches!(dup, Err(StoreError::AlreadyExists(_))), "{dup:?}");
    store.add_group("team", "example.com").await.unwrap();
    let clash = store
        .add_alias(Alias {
            local: "team".into(),
            domain: "example.com".into(),
            target: "a@x".into(),
        })
        .await;
    assert!(matches!(clash, Err(StoreError::AlreadyExists(_))));
}

#[tokio::test]
async fn delivery_shares_one_blob_assigns_uids_and_logs_changes() {
    let (dir, store, alice, bob) = setup().await;
    let mut bob_changes = store.watch_account(bob.id);
    let blob = message("hello", "Message-ID: <m1@x>");
    let delivered = store
        .deliver(incoming(blob.clone(), vec![alice.id, bob.id]))
        .await
        .unwrap();
    assert_eq!(delivered.len(), 2);
    assert!(delivered.iter().all(|d| d.uid == 1));
    let modseq = bob_changes
        .changed()
        .await
        .expect("bob's sessions are woken");
    assert_eq!(
        Some(modseq),
        store.account(bob.id).unwrap().map(|a| a.modseq)
    );

    let reply = message("re: hello", "Message-ID: <m2@x>\r\nIn-Reply-To: <m1@x>");
    let second = store
        .deliver(incoming(reply, vec![alice.id]))
        .await
        .unwrap();
    assert_eq!(second[0].uid, 2);

    let inbox = store
        .mailbox_by_role(alice.id, MailboxRole::Inbox)
        .unwrap()
        .unwrap();
    assert_eq!((inbox.total, inbox.unseen, inbox.uidnext), (2, 2, 3));
    let list = store.messages(inbox.id).unwrap();
    assert_eq!(
        list[0].thread_id, list[1].thread_id,
        "reply joins the thread"
    );
    assert_eq!(store.read_blob(&list[0].blob).unwrap(), blob.data.to_vec());
    let meta = store.message_meta(alice.id, list[1].id).unwrap();
    assert_eq!(meta.envelope.subject.as_deref(), Some("re: hello"));

    let blob_files = walk_count(&dir.path().join("blobs"));
    assert_eq!(blob_files, 2, "one file per distinct message");

    let changes = store
        .changes_since(alice.id, inbox.highest_modseq - 2)
        .unwrap();
    assert!(
        changes
            .iter()
            .any(|c| c.object == ObjectKind::Email && c.kind == ChangeKind::Created)
    );

    // Expunge: counters, quota usage, change log and blob references follow.
    let removed = store
        .expunge(alice.id, inbox.id, vec![list[1].uid])
        .await
        .unwrap();
    assert_eq!(removed, vec![2]);
    let after = store
        .mailbox_by_role(alice.id, MailboxRole::Inbox)
        .unwrap()
        .unwrap();
    assert_eq!(
        (after.total, after.uidnext),
        (1, 3),
        "UIDs are never reused"
    );
    let destroyed = store.changes_since(alice.id, inbox.highest_modseq).unwrap();
    let kinds: Vec<_> = destroyed
        .iter()
        .map(|c| (c.kind, c.mailbox_id, c.uid))
        .collect();
    assert_eq!(
        kinds,
        [
            (ChangeKind::Destroyed, Some(inbox.id), Some(2)),
            (ChangeKind::Destroyed, None, None)
        ],
        "out of the INBOX, then the email itself (its last mailbox)"
    );
    // Until the collector runs after the grace period, a session that has not heard of the
    // expunge can still read the message.
    assert_eq!(walk_count(&dir.path().join("blobs")), 2);
    assert!(store.read_blob(&list[1].blob).is_ok());
    assert!(store.message_meta(alice.id, list[1].id).is_ok());
    let kept = store
        .collect_garbage(Duration::from_secs(3600))
        .await
        .unwrap();
    assert_eq!(kept, GcReport::default(), "within the grace period");
    let report = store.collect_garbage(Duration::ZERO).await.unwrap();
    assert_eq!((report.emails, report.blobs), (1, 1));
    assert_eq!(
        walk_count(&dir.path().join("blobs")),
        1,
        "unreferenced blob removed after the grace period"
    );
    assert!(store.message_meta(alice.id, list[1].id).is_err());
    assert!(store.read_blob(&list[0].blob).is_ok(), "the other stays");
}

#[tokio::test]
async fn message_by_uid_finds_only_a_present_message_of_that_mailbox() {
    let (_dir, store, alice, bob) = setup().await;
    store
        .deliver(incoming(message("one", ""), vec![alice.id, bob.id]))
        .await
        .unwrap();
    store
        .deliver(incoming(message("two", ""), vec![alice.id]))
        .await
        .unwrap();
    let inbox = |id| {
        store
            .mailbox_by_role(id, MailboxRole::Inbox)
            .unwrap()
            .unwrap()
    };
    let (alice_inbox, bob_inbox) = (inbox(alice.id), inbox(bob.id));
    let two = store.message_by_uid(alice_inbox.id, 2).unwrap().unwrap();
    assert_eq!(two.uid, 2);
    assert!(
        String::from_utf8(store.read_blob(&two.blob).unwrap())
            .unwrap()
            .contains("two")
    );
    assert!(store.message_by_uid(alice_inbox.id, 3).unwrap().is_none());
    assert!(
        store.message_by_uid(bob_inbox.id, 2).unwrap().is_none(),
        "other mailbox"
    );
    store
        .expunge(alice.id, alice_inbox.id, vec![two.uid])
        .await
        .unwrap();
    assert!(
        store.message_by_uid(alice_inbox.id, 2).unwrap().is_none(),
        "expunged"
    );
    assert!(store.message_by_uid(alice_inbox.id, 1).unwrap().is_some());
}

/// `SkipFull`: a recipient over quota is left out, the others get the message; only when
/// nobody has room is it refused.
#[tokio::test]
async fn a_full_mailbox_is_left_out_not_everyone() {
    let (_dir, store, alice, bob) = setup().await;
    store.set_quota(alice.id, 100).await.unwrap();
    let skipping = |blob, to| IncomingMessage {
        quota: QuotaRule::SkipFull,
        ..incoming(blob, to)
    };
    let delivered = store
        .deliver(skipping(
            BlobRef::new(vec![b'x'; 200]),
            vec![alice.id, bob.id],
        ))
        .await
        .unwrap();
    assert_eq!(
        delivered.iter().map(|d| d.account_id).collect::<Vec<_>>(),
        [bob.id],
        "bob has it, alice was left out"
    );
    assert_eq!(store.account(alice.id).unwrap().unwrap().used_bytes, 0);
    let err = store
        .deliver(skipping(BlobRef::new(vec![b'y'; 200]), vec![alice.id]))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::QuotaExceeded {
                permanent: true,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn quota_refuses_the_whole_delivery() {
    let (_dir, store, alice, bob) = setup().await;
    store.set_quota(alice.id, 100).await.unwrap();
    let big = BlobRef::new(vec![b'x'; 200]);
    let err = store
        .deliver(incoming(big, vec![alice.id, bob.id]))
        .await
        .unwrap_err();
    match err {
        StoreError::QuotaExceeded {
            accounts,
            permanent,
        } => {
            assert_eq!(accounts, vec![alice.id]);
            assert!(permanent);
        }
        other => panic!("expected quota error, got {other:?}"),
    }
    let bob_inbox = store
        .mailbox_by_role(bob.id, MailboxRole::Inbox)
        .unwrap()
        .unwrap();
    assert_eq!(
        bob_inbox.total, 0,
        "nothing delivered when the transaction is refused"
    );
}

#[tokio::test]
async fn concurrent_deliveries_all_commit_with_distinct_uids() {
    let (_dir, store, alice, _) = setup().await;
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .deliver(incoming(message(&format!("m{i}"), ""), vec![alice.id]))
                    .await
            })
        })
        .collect();
    let mut uids = Vec::new();
    for task in tasks {
        uids.push(task.await.unwrap().unwrap()[0].uid);
    }
    uids.sort();
    assert_eq!(uids, (1..=200).collect::<Vec<_>>());
}

fn walk_count(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap() != "tmp")
        .map(|p| if p.is_dir() { walk_count(&p) } else { 1 })
        .sum()
}

/// A message spooled to a file while it arrived becomes its blob by a rename of that file (its
/// bytes are written once), delivered and readable like any other; nothing is left in tmp/.
#[tokio::test]
async fn a_spooled_message_becomes_its_blob_without_a_second_write() {
    use std::os::unix::fs::MetadataExt;
    let (dir, store, alice, _) = setup().await;
    let tmp = dir.path().join("blobs/tmp");
    let mut spool = store.spool().unwrap();
    spool.write(b"Subject: spooled\r\n\r\n").unwrap();
    spool.write(&vec![b'x'; 300_000]).unwrap();
    assert_eq!(spool.len(), 300_020);
    let blob = tokio::task::spawn_blocking(move || spool.finish())
        .await
        .unwrap()
        .unwrap();
    let spooled: Vec<_> = std::fs::read_dir(&tmp).unwrap().flatten().collect();
    assert_eq!(spooled.len(), 1, "the spool file");
    let inode = spooled[0].metadata().unwrap().ino();
    let hash = blob.hash.clone();
    let delivered = store.deliver(incoming(blob, vec![alice.id])).await.unwrap();
    assert_eq!(delivered.len(), 1);
    let stored = dir
        .path()
        .join("blobs")
        .join(&hash.as_str()[..2])
        .join(hash.as_str());
    assert_eq!(
        std::fs::metadata(&stored).unwrap().ino(),
        inode,
        "the spool file itself became the blob"
    );
    assert_eq!(
        std::fs::read_dir(&tmp).unwrap().count(),
        0,
        "nothing left in tmp/"
    );
    let read = store.read_blob(&hash).unwrap();
    assert_eq!(
        (read.len(), &read[..18]),
        (300_020, &b"Subject: spooled\r\n"[..])
    );
}

/// `mailbox: Junk` files each copy in the recipient's Junk mailbox (RFC 7489 §6.3
/// quarantine); a recipient who deleted theirs gets it in the INBOX.
#[tokio::test]
async fn delivery_to_junk_falls_back_to_the_inbox() {
    let (_dir, store, alice, bob) = setup().await;
    let bob_junk = store
        .mailbox_by_role(bob.id, MailboxRole::Junk)
        .unwrap()
        .unwrap();
    store.delete_mailbox(bob.id, bob_junk.id).await.unwrap();
    let delivered = store
        .deliver(IncomingMessage {
            mailbox: MailboxRole::Junk,
            ..incoming(
                BlobRef::new(b"Subject: spam\r\n\r\nx\r\n".to_vec()),
                vec![alice.id, bob.id],
            )
        })
        .await
        .unwrap();
    let total = |account, role| {
        store
            .mailbox_by_role(account, role)
            .unwrap()
            .map(|m: Mailbox| (m.id, m.total))
    };
    let (alice_junk, junk_total) = total(alice.id, MailboxRole::Junk).unwrap();
    assert_eq!(junk_total, 1);
    assert_eq!(total(alice.id, MailboxRole::Inbox).unwrap().1, 0);
    assert_eq!(total(bob.id, MailboxRole::Inbox).unwrap().1, 1);
    assert_eq!(delivered[0].mailbox_id, alice_junk);
}

/// TLS-RPT results (RFC 8460 §4.4) are counted per sending address too: the same session's
/// result from two local addresses is two rows, each with its count.
#[tokio::test]
async fn tls_results_are_counted_per_sending_ip() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
    let result = |sending_ip: &str| TlsResult {
        day: "2026-12-06".into(),
        domain: "d.test".into(),
        policy_type: "tlsa".into(),
        policy_string: "2 1 1 ab".into(),
        mx_host: "mx.d.test".into(),
        receiving_ip: "192.0.2.1".into(),
        sending_ip: sending_ip.into(),
        helo: "mx1.d.test".into(),
        result: "tlsa-invalid".into(),
        reason: "no TLSA record matches".into(),
    };
    for ip in ["127.0.0.1", "127.0.0.1", "127.0.0.2"] {
        store.record_tls_result(result(ip)).await.unwrap();
    }
    let rows = store.tls_results("2026-12-06").unwrap();
    assert_eq!(
        rows,
        vec![(result("127.0.0.1"), 2), (result("127.0.0.2"), 1)]
    );
    assert!(store.tls_results("2026-12-07").unwrap().is_empty());
    // Another greeting name or another reason (RFC 8460 §4.4 `receiving-mx-helo`,
    // `failure-reason-code`) is another failure-details entry, so another row.
    let mut other_helo = result("127.0.0.1");
    other_helo.helo = "mx2.d.test".into();
    let mut other_reason = result("127.0.0.1");
    other_reason.reason = "STARTTLS refused: 454 4.7.0 not now".into();
    for r in [
        other_helo.clone(),
        other_reason.clone(),
        other_reason.clone(),
    ] {
        store.record_tls_result(r).await.unwrap();
    }
    let rows = store.tls_results("2026-12-06").unwrap();
    assert_eq!(rows.len(), 4, "{rows:?}");
    assert!(rows.contains(&(result("127.0.0.1"), 2)));
    assert!(rows.contains(&(other_helo, 1)));
    assert!(rows.contains(&(other_reason, 2)));
}
