//! The operations IMAP builds on: mailboxes, append, flags (with UNCHANGEDSINCE), copy, move,
//! delete, and the change log they leave.

use kantor_store::changes::{ChangeKind, ObjectKind};
use kantor_store::*;

async fn setup() -> (tempfile::TempDir, Mail, Account) {
    let dir = tempfile::tempdir().unwrap();
    let (store, alice, _) = kantor_store::testing::store_with_alice(dir.path()).await;
    (dir, store, alice)
}

fn new_message(account: &Account, mailbox: MailboxId, subject: &str, flags: Flags) -> NewMessage {
    NewMessage {
        account_id: account.id,
        mailbox_id: mailbox,
        blob: BlobRef::new(format!("Subject: {subject}\r\n\r\nbody\r\n").into_bytes()),
        flags,
        keywords: vec!["$Label1".into(), "$label1".into()],
        internal_date: 1_700_000_000,
    }
}

#[tokio::test]
async fn create_rename_subscribe_delete() {
    let (_dir, store, alice) = setup().await;
    let work = store.create_mailbox(alice.id, "Work", None).await.unwrap();
    let dup = store.create_mailbox(alice.id, "Work", None).await;
    assert!(matches!(dup, Err(StoreError::AlreadyExists(_))));
    assert!(work.uidvalidity > 0 && work.uidnext == 1);
    let child = store
        .create_mailbox(alice.id, "Work/2026", None)
        .await
        .unwrap();
    let done = store
        .rename_mailbox_tree(alice.id, work.id, "Jobs")
        .await
        .unwrap();
    assert_eq!(
        done.renamed,
        [
            (work.id, "Jobs".to_string()),
            (child.id, "Jobs/2026".to_string())
        ],
        "the subtree follows, in one job"
    );
    let renamed = store
        .mailbox_by_name(alice.id, "Jobs/2026")
        .unwrap()
        .unwrap();
    assert_eq!(
        (renamed.id, renamed.uidvalidity),
        (child.id, child.uidvalidity),
        "rename keeps UIDVALIDITY"
    );
    assert!(store.set_subscribed(alice.id, "Jobs", true).await.unwrap());
    assert!(store.mailbox(work.id).unwrap().unwrap().subscribed);

    store
        .append(vec![new_message(
            &alice,
            work.id,
            "in jobs",
            Flags::default(),
        )])
        .await
        .unwrap();
    store.delete_mailbox(alice.id, work.id).await.unwrap();
    assert!(store.mailbox(work.id).unwrap().is_none());
    assert_eq!(
        store.account(alice.id).unwrap().unwrap().used_bytes,
        0,
        "its messages went too"
    );
    let inbox = store
        .mailbox_by_role(alice.id, MailboxRole::Inbox)
        .unwrap()
        .unwrap();
    assert!(matches!(
        store.delete_mailbox(alice.id, inbox.id).await,
        Err(StoreError::InUse(_))
    ));
    let recreated = store.create_mailbox(alice.id, "Jobs", None).await.unwrap();
    assert!(
        recreated.uidvalidity > work.uidvalidity,
        "a re-created name gets a new UIDVALIDITY"
    );
}

#[tokio::test]
async fn append_then_flags_with_unchanged_since() {
    let (_dir, store, alice) = setup().await;
    let inbox = store
        .mailbox_by_role(alice.id, MailboxRole::Inbox)
        .unwrap()
        .unwrap();
    let added = store
        .append(vec![
            new_message(&alice, inbox.id, "one", Flags::default()),
            new_message(&alice, inbox.id, "two", Flags::SEEN),
        ])
        .await
        .unwrap();
    assert_eq!(added.iter().map(|d| d.uid).collect::<Vec<_>>(), [1, 2]);
    let list = store.messages(inbox.id).unwrap();
    assert_eq!(
        list[0].keywords,
        ["$Label1"],
        "keywords deduplicated case-insensitively"
    );
    assert_eq!(store.mailbox(inbox.id).unwrap().unwrap().unseen, 1);

    let uids = vec![list[0].uid, list[1].uid];
    let change = |operation, flags, since| FlagChange {
        operation,
        flags,
        keywords: vec![],
        unchanged_since: since,
    };
    let result = store
        .set_flags(
            alice.id,
            inbox.id,
            uids.clone(),
            change(FlagOperation::Add, Flags::SEEN, None),
        )
        .await
        .unwrap();
    assert!(
        result.states[0].changed && !result.states[1].changed,
        "two was already seen"
    );
    assert!(result.states[0].modseq > list[0].modseq);
    assert_eq!(
        result.states[1].modseq, list[1].modseq,
        "an unchanged message keeps its modseq"
    );
    assert_eq!(store.mailbox(inbox.id).unwrap().unwrap().unseen, 0);

    let before = list[1].modseq;
    let result = store
        .set_flags(
            alice.id,
            inbox.id,
            uids,
            change(FlagOperation::Add, Flags::FLAGGED, Some(before)),
        )
        .await
        .unwrap();
    assert_eq!(
        result.modified,
        vec![1],
        "one changed after the given modseq"
    );
    assert_eq!(result.states.len(), 1);
    assert!(result.states[0].flags.contains(Flags::FLAGGED));

    let log = store.changes_since(alice.id, before).unwrap();
    assert!(
        log.iter()
            .any(|c| c.object == ObjectKind::Email && c.kind == ChangeKind::Updated)
    );
}

#[tokio::test]
async fn copy_and_move_keep_uids_right_and_share_blobs() {
    let (dir, store, alice) = setup().await;
    let inbox = store
        .mailbox_by_role(alice.id, MailboxRole::Inbox)
        .unwrap()
        .unwrap();
    let archive = store
        .mailbox_by_role(alice.id, MailboxRole::Archive)
        .unwrap()
        .unwrap();
    store
        .append(
            (0..3)
                .map(|i| new_message(&alice, inbox.id, &format!("m{i}"), Flags::default()))
                .collect(),
        )
        .await
        .unwrap();
    let list = store.messages(inbox.id).unwrap();
    let copied = store
        .copy_messages(
            alice.id,
            inbox.id,
            vec![list[0].uid, list[2].uid],
            archive.id,
        )
        .await
        .unwrap();
    assert_eq!(copied, vec![(1, 1), (3, 2)]);
    assert_eq!(store.messages(inbox.id).unwrap().len(), 3);
    // A copy files the same email in a second mailbox: one EMAILID, counted once in the quota,
    // and its flags (but \Deleted) are the email's, seen in both mailboxes.
    let archived = store.messages(archive.id).unwrap();
    assert_eq!(
        archived.iter().map(|m| m.id).collect::<Vec<_>>(),
        [list[0].id, list[2].id]
    );
    let used = store.account(alice.id).unwrap().unwrap().used_bytes;
    assert_eq!(used, list.iter().map(|m| m.size).sum::<u64>());
    store
        .set_flags(
            alice.id,
            inbox.id,
            vec![list[0].uid],
            FlagChange {
                operation: FlagOperation::Add,
                flags: Flags::SEEN.with(Flags::DELETED),
                keywords: vec![],
                unchanged_since: None,
            },
        )
        .await
        .unwrap();
    let archived = store.messages(archive.id).unwrap();
    assert_eq!(
        archived[0].flags,
        Flags::SEEN,
        "\\Seen shared, \\Deleted not"
    );
    assert!(
        archived[0].modseq > list[0].modseq,
        "the copy's modseq moved too"
    );
    let archive_box = store.mailbox(archive.id).unwrap().unwrap();
    assert_eq!((archive_box.total, archive_box.unseen), (2, 1));

    let moved = store
        .move_messages(alice.id, inbox.id, vec![list[1].uid], archive.id)
        .await
        .unwrap();
    assert_eq!(moved, vec![(2, 3)]);
    let inbox_now = store.mailbox(inbox.id).unwrap().unwrap();
    let archive_now = store.mailbox(archive.id).unwrap().unwrap();
    assert_eq!(
        (inbox_now.total, archive_now.total, archive_now.uidnext),
        (2, 3, 4)
    );
    let log = store.changes_since(alice.id, inbox.highest_modseq).unwrap();
    assert!(log.iter().any(|c| c.kind == ChangeKind::Destroyed
        && c.mailbox_id == Some(inbox.id)
        && c.uid == Some(2)));

    // Expunging the originals keeps the copies' blobs.
    let ids: Vec<_> = store
        .messages(inbox.id)
        .unwrap()
        .iter()
        .map(|m| m.uid)
        .collect();
    store.expunge(alice.id, inbox.id, ids).await.unwrap();
    for m in store.messages(archive.id).unwrap() {
        assert!(
            store.read_blob(&m.blob).is_ok(),
            "blob of {} still there",
            m.uid
        );
    }
    drop(dir);
}

#[tokio::test]
async fn copy_respects_quota() {
    let (_dir, store, alice) = setup().await;
    let inbox = store
        .mailbox_by_role(alice.id, MailboxRole::Inbox)
        .unwrap()
        .unwrap();
    store
        .append(vec![new_message(&alice, inbox.id, "big", Flags::default())])
        .await
        .unwrap();
    let size = store.account(alice.id).unwrap().unwrap().used_bytes;
    store.set_quota(alice.id, size + 1).await.unwrap();
    let uid = store.messages(inbox.id).unwrap()[0].uid;
    let err = store
        .copy_messages(alice.id, inbox.id, vec![uid], inbox.id)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::QuotaExceeded { .. }), "{err:?}");
}

#[tokio::test]
async fn recent_is_claimed_once_and_logs_nothing() {
    let (_dir, store, alice) = setup().await;
    let inbox = store.mailbox_by_name(alice.id, "INBOX").unwrap().unwrap();
    assert_eq!(inbox.recent_uid, 0);
    let added = store
        .append(vec![
            new_message(&alice, inbox.id, "one", Flags::default()),
            new_message(&alice, inbox.id, "two", Flags::default()),
        ])
        .await
        .unwrap();
    let top = added.last().unwrap().uid;
    assert_eq!(store.unclaimed_recent(inbox.id).unwrap(), 2);
    let modseq = store.account(alice.id).unwrap().unwrap().modseq;

    assert_eq!(
        store.claim_recent(inbox.id, top).await.unwrap(),
        0,
        "first claim"
    );
    assert_eq!(
        store.claim_recent(inbox.id, top).await.unwrap(),
        top,
        "already claimed"
    );
    assert_eq!(
        store.claim_recent(inbox.id, 1).await.unwrap(),
        top,
        "never goes back"
    );
    assert_eq!(store.unclaimed_recent(inbox.id).unwrap(), 0);
    assert_eq!(store.mailbox(inbox.id).unwrap().unwrap().recent_uid, top);
    let after = store.account(alice.id).unwrap().unwrap().modseq;
    assert_eq!(
        after, modseq,
        "claiming \\Recent is not a change of the mailbox"
    );
    assert!(store.claim_recent(9999, 1).await.is_err());
}

#[tokio::test]
async fn renaming_inbox_moves_its_messages_in_one_job() {
    let (_dir, store, alice) = setup().await;
    let inbox = store.mailbox_by_name(alice.id, "INBOX").unwrap().unwrap();
    let added = store
        .append(
            (0..3)
                .map(|i| new_message(&alice, inbox.id, &format!("m{i}"), Flags::default()))
                .collect(),
        )
        .await
        .unwrap();
    let done = store
        .rename_mailbox_tree(alice.id, inbox.id, "Old/Inbox")
        .await
        .unwrap();
    let names: Vec<&str> = done.created.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["Old", "Old/Inbox"]);
    assert!(done.renamed.is_empty());
    let moved = store.messages(done.created[1].id).unwrap();
    assert_eq!(
        moved.iter().map(|m| m.id).collect::<Vec<_>>(),
        added.iter().map(|d| d.message_id).collect::<Vec<_>>(),
        "the same emails, in order"
    );
    assert!(store.messages(inbox.id).unwrap().is_empty());
    let err = store
        .rename_mailbox_tree(alice.id, done.created[0].id, "Old/Inbox/Deeper")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::InUse(_)), "{err:?}");
}

/// A flag change on many messages is one change of the account: one modseq, one bump of the
/// counter, every changed message at that modseq.
#[tokio::test]
async fn a_flag_change_on_many_messages_bumps_the_counter_once() {
    let (_dir, store, alice) = setup().await;
    let inbox = store
        .mailbox_by_role(alice.id, MailboxRole::Inbox)
        .unwrap()
        .unwrap();
    let messages = (0..10)
        .map(|i| new_message(&alice, inbox.id, &format!("m{i}"), Flags::default()))
        .collect();
    let added = store.append(messages).await.unwrap();
    let before = store.account(alice.id).unwrap().unwrap().modseq;
    let result = store
        .set_flags(
            alice.id,
            inbox.id,
            added.iter().map(|d| d.uid).collect(),
            FlagChange {
                operation: FlagOperation::Add,
                flags: Flags::FLAGGED,
                keywords: vec![],
                unchanged_since: None,
            },
        )
        .await
        .unwrap();
    let after = store.account(alice.id).unwrap().unwrap().modseq;
    assert_eq!(after, before + 1, "one bump for ten messages");
    assert!(result.states.iter().all(|s| s.changed && s.modseq == after));
}
