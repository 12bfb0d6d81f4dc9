//! `\Seen` per member in a shared account (migration 0024) through the store's public API:
//! each member's own read state in listings, unseen counts and flag changes; other flags
//! shared; a member's change still in the account's change log; a delegate in a personal
//! account sharing the owner's `\Seen`; an expunged email taking its members' rows with it.

use kantor_store::testing::{new_account, store_with_alice};
use kantor_store::*;

fn message(account_id: AccountId, mailbox_id: MailboxId, flags: Flags) -> NewMessage {
    NewMessage {
        account_id,
        mailbox_id,
        blob: BlobRef::new(b"Subject: hi\r\n\r\nbody\r\n".to_vec()),
        flags,
        keywords: vec![],
        internal_date: 0,
    }
}

fn change(operation: FlagOperation, flags: Flags) -> FlagChange {
    FlagChange {
        operation,
        flags,
        keywords: vec![],
        unchanged_since: None,
    }
}

/// One message's flag change by `mail`'s actor; its state after.
async fn flag(
    mail: &Mail,
    (account, mailbox, uid): (AccountId, MailboxId, Uid),
    operation: FlagOperation,
    flags: Flags,
) -> FlagState {
    let result = mail
        .set_flags(account, mailbox, vec![uid], change(operation, flags))
        .await
        .unwrap();
    result
        .states
        .into_iter()
        .next()
        .expect("the message's state")
}

fn seen(mail: &Mail, mailbox: MailboxId, uid: Uid) -> bool {
    let summary = mail.message_by_uid(mailbox, uid).unwrap().unwrap();
    summary.flags.contains(Flags::SEEN)
}

/// A store with alice and bob, both members (`lrswite`) of the shared account sales@; the
/// directory (kept alive with the store), the two, sales and its INBOX.
async fn sales_with_two_members() -> (
    tempfile::TempDir,
    Mail,
    Account,
    Account,
    Account,
    MailboxId,
) {
    let dir = tempfile::tempdir().unwrap();
    let (store, alice, _) = store_with_alice(dir.path()).await;
    let bob = store.create_account(new_account("bob")).await.unwrap();
    let sales = store
        .create_shared_account("sales", "example.com")
        .await
        .unwrap();
    let inbox = store
        .mailbox_by_role(sales.id, MailboxRole::Inbox)
        .unwrap()
        .unwrap()
        .id;
    for member in ["alice@example.com", "bob@example.com"] {
        store
            .set_acl(inbox, member, Some(Rights::parse("lrswite").unwrap()))
            .await
            .unwrap();
    }
    (dir, store, alice, bob, sales, inbox)
}

#[tokio::test]
async fn each_member_of_a_shared_account_has_their_own_seen() {
    let (_dir, store, alice, bob, sales, inbox) = sales_with_two_members().await;
    let delivered = store
        .append(vec![
            message(sales.id, inbox, Flags::default()),
            message(sales.id, inbox, Flags::default()),
        ])
        .await
        .unwrap();
    let (one, two) = (delivered[0].uid, delivered[1].uid);
    let as_alice = store.mail(Actor::User(alice.id));
    let as_bob = store.mail(Actor::User(bob.id));
    let before = store.mailbox(inbox).unwrap().unwrap().highest_modseq;

    // alice reads one and flags it.
    let result = flag(
        &as_alice,
        (sales.id, inbox, one),
        FlagOperation::Add,
        Flags::SEEN.with(Flags::FLAGGED),
    )
    .await;
    assert!(result.changed);
    assert!(result.flags.contains(Flags::SEEN));
    assert!(seen(&as_alice, inbox, one));
    assert!(!seen(&as_bob, inbox, one), "bob has not read it");
    assert!(
        !seen(&store, inbox, one),
        "the email's own \\Seen is untouched"
    );
    let bob_view = as_bob.message_by_uid(inbox, one).unwrap().unwrap();
    assert!(
        bob_view.flags.contains(Flags::FLAGGED),
        "other flags are shared"
    );
    // Whole listings and unseen counts are each member's own.
    let listed = as_alice.messages(inbox).unwrap();
    assert_eq!(
        listed
            .iter()
            .filter(|m| m.flags.contains(Flags::SEEN))
            .count(),
        1
    );
    assert_eq!(as_alice.mailbox(inbox).unwrap().unwrap().unseen, 1);
    assert_eq!(as_bob.mailbox(inbox).unwrap().unwrap().unseen, 2);

    // bob reads only his \Seen: a change with a new modseq in the account's log.
    let result = flag(
        &as_bob,
        (sales.id, inbox, two),
        FlagOperation::Add,
        Flags::SEEN,
    )
    .await;
    assert!(result.changed && result.modseq > before);
    assert!(seen(&as_bob, inbox, two) && !seen(&as_alice, inbox, two));
    let logged = store.changes_since(sales.id, before).unwrap();
    assert!(
        logged.len() >= 2,
        "each member's read is in the account's change log: {logged:?}"
    );
    // Setting what is already set changes nothing.
    let again = flag(
        &as_bob,
        (sales.id, inbox, two),
        FlagOperation::Add,
        Flags::SEEN,
    )
    .await;
    assert!(!again.changed);
    // Taking it back.
    flag(
        &as_alice,
        (sales.id, inbox, one),
        FlagOperation::Remove,
        Flags::SEEN,
    )
    .await;
    assert!(!seen(&as_alice, inbox, one));
    assert!(
        as_alice
            .message_by_uid(inbox, one)
            .unwrap()
            .unwrap()
            .flags
            .contains(Flags::FLAGGED)
    );

    // APPEND with \Seen: the appending member's own.
    let filed = as_alice
        .append(vec![message(sales.id, inbox, Flags::SEEN)])
        .await
        .unwrap()[0]
        .uid;
    assert!(seen(&as_alice, inbox, filed) && !seen(&as_bob, inbox, filed));
    assert!(!seen(&store, inbox, filed));

    // An expunged email takes the members' rows with it (the collector may then remove it).
    flag(
        &as_bob,
        (sales.id, inbox, filed),
        FlagOperation::Add,
        Flags::SEEN.with(Flags::DELETED),
    )
    .await;
    as_bob.expunge(sales.id, inbox, vec![filed]).await.unwrap();
    store
        .collect_garbage(std::time::Duration::ZERO)
        .await
        .unwrap();
    assert!(as_alice.message_by_uid(inbox, filed).unwrap().is_none());
    assert_eq!(as_alice.mailbox(inbox).unwrap().unwrap().unseen, 2);
}

#[tokio::test]
async fn a_delegate_in_a_personal_account_shares_the_owners_seen() {
    let dir = tempfile::tempdir().unwrap();
    let (store, alice, inbox) = store_with_alice(dir.path()).await;
    let bob = store.create_account(new_account("bob")).await.unwrap();
    store
        .set_acl(
            inbox,
            "bob@example.com",
            Some(Rights::parse("lrs").unwrap()),
        )
        .await
        .unwrap();
    let uid = store
        .append(vec![message(alice.id, inbox, Flags::default())])
        .await
        .unwrap()[0]
        .uid;
    let as_bob = store.mail(Actor::User(bob.id));
    flag(
        &as_bob,
        (alice.id, inbox, uid),
        FlagOperation::Add,
        Flags::SEEN,
    )
    .await;
    assert!(seen(&store.mail(Actor::User(alice.id)), inbox, uid));
    assert_eq!(store.mailbox(inbox).unwrap().unwrap().unseen, 0);
}

/// A COPY into the mailbox the email is already in makes a new email: each member who had
/// read the original has read the copy too, and the others have not.
#[tokio::test]
async fn a_copy_into_its_own_mailbox_keeps_each_members_seen() {
    let (_dir, store, alice, bob, sales, inbox) = sales_with_two_members().await;
    let uid = store
        .append(vec![message(sales.id, inbox, Flags::default())])
        .await
        .unwrap()[0]
        .uid;
    let (as_alice, as_bob) = (
        store.mail(Actor::User(alice.id)),
        store.mail(Actor::User(bob.id)),
    );
    flag(
        &as_alice,
        (sales.id, inbox, uid),
        FlagOperation::Add,
        Flags::SEEN,
    )
    .await;
    let pairs = as_bob
        .copy_messages(sales.id, inbox, vec![uid], inbox)
        .await
        .unwrap();
    let copy = pairs[0].1;
    assert_ne!(copy, uid);
    assert!(seen(&as_alice, inbox, copy), "alice had read the original");
    assert!(!seen(&as_bob, inbox, copy), "bob had not");
    assert!(
        !seen(&store, inbox, copy),
        "the email's own \\Seen stays unset"
    );
}
