//! Rights evaluation (RFC 4314) through the store's public API: an ACL entry for a user, for a
//! group (nested groups too), for `anyone`; the owner's implicit rights; `a` needed to change
//! an ACL; what a member may and may not do with another account's mailbox; a member's change
//! landing in the owner's change log.

use kantor_store::testing::{new_account, store_with_alice};
use kantor_store::*;

fn message(account_id: AccountId, mailbox_id: MailboxId) -> NewMessage {
    NewMessage {
        account_id,
        mailbox_id,
        blob: BlobRef::new(b"Subject: hi\r\n\r\nbody\r\n".to_vec()),
        flags: Flags::default(),
        keywords: vec![],
        internal_date: 0,
    }
}

fn add(flags: Flags) -> FlagChange {
    FlagChange {
        operation: FlagOperation::Add,
        flags,
        keywords: vec![],
        unchanged_since: None,
    }
}

fn rights(text: &str) -> Rights {
    Rights::parse(text).unwrap()
}

#[tokio::test]
async fn rights_come_from_users_groups_nested_groups_and_anyone() {
    let dir = tempfile::tempdir().unwrap();
    let (store, alice, _) = store_with_alice(dir.path()).await;
    let bob = store.create_account(new_account("bob")).await.unwrap();
    let carol = store.create_account(new_account("carol")).await.unwrap();
    let dave = store.create_account(new_account("dave")).await.unwrap();
    // carol is in "team", which is in "staff"; dave in neither.
    store.add_group("team", "example.com").await.unwrap();
    store.add_group("staff", "example.com").await.unwrap();
    store
        .add_group_member("team", "example.com", "carol@example.com")
        .await
        .unwrap();
    store
        .add_group_member("staff", "example.com", "team@example.com")
        .await
        .unwrap();
    // A cycle must not loop.
    store
        .add_group_member("team", "example.com", "staff@example.com")
        .await
        .unwrap();

    let owner = store.mail(Actor::User(alice.id));
    let inbox = owner
        .mailbox_by_role(alice.id, MailboxRole::Inbox)
        .unwrap()
        .unwrap();
    assert_eq!(owner.my_rights(inbox.id).unwrap(), Rights::ALL);
    let as_bob = store.mail(Actor::User(bob.id));
    let as_carol = store.mail(Actor::User(carol.id));
    let as_dave = store.mail(Actor::User(dave.id));
    // Nothing granted: the mailbox does not exist for them.
    assert!(matches!(
        as_bob.my_rights(inbox.id),
        Err(StoreError::NotFound(_))
    ));
    assert!(as_bob.mailbox(inbox.id).unwrap().is_none());
    assert!(as_bob.messages(inbox.id).is_err());

    owner
        .set_acl(inbox.id, "bob@example.com", Some(rights("lr")))
        .await
        .unwrap();
    owner
        .set_acl(inbox.id, "staff@example.com", Some(rights("lrswi")))
        .await
        .unwrap();
    owner
        .set_acl(inbox.id, "anyone", Some(rights("l")))
        .await
        .unwrap();
    assert_eq!(as_bob.my_rights(inbox.id).unwrap(), rights("lr"));
    assert_eq!(as_carol.my_rights(inbox.id).unwrap(), rights("lrswi"));
    assert_eq!(as_dave.my_rights(inbox.id).unwrap(), rights("l"));
    assert!(as_bob.messages(inbox.id).is_ok());
    assert!(matches!(
        as_dave.messages(inbox.id),
        Err(StoreError::Forbidden(_))
    ));
    // Only `a` changes an ACL; the owner's own rights are no entry.
    assert!(
        as_bob
            .set_acl(inbox.id, "dave@example.com", Some(rights("lr")))
            .await
            .is_err()
    );
    assert!(
        owner
            .set_acl(inbox.id, "alice@example.com", Some(rights("l")))
            .await
            .is_err()
    );
    let entries = owner.acl(inbox.id).unwrap();
    let names: Vec<_> = entries.iter().map(|e| e.grantee.as_str()).collect();
    assert_eq!(names, ["anyone", "bob@example.com", "staff@example.com"]);
    assert!(as_carol.acl(inbox.id).is_err());

    // What other users see of alice's account.
    let seen = as_carol.shared_mailboxes().unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].owner, "alice@example.com");
    assert_eq!(seen[0].mailbox.id, inbox.id);
    let listed = as_bob.mailboxes(alice.id).unwrap();
    assert_eq!(listed.len(), 1, "only the mailbox with `l`");

    // Withdrawn: effective at the next call.
    owner
        .set_acl(inbox.id, "staff@example.com", None)
        .await
        .unwrap();
    assert_eq!(as_carol.my_rights(inbox.id).unwrap(), rights("l"));
    owner.set_acl(inbox.id, "anyone", None).await.unwrap();
    assert!(as_dave.shared_mailboxes().unwrap().is_empty());
    assert!(as_dave.mailbox(inbox.id).unwrap().is_none());
}

#[tokio::test]
async fn a_member_writes_with_its_rights_into_the_owners_log() {
    let dir = tempfile::tempdir().unwrap();
    let (store, alice, _) = store_with_alice(dir.path()).await;
    let bob = store.create_account(new_account("bob")).await.unwrap();
    let owner = store.mail(Actor::User(alice.id));
    let as_bob = store.mail(Actor::User(bob.id));
    let inbox = owner
        .mailbox_by_role(alice.id, MailboxRole::Inbox)
        .unwrap()
        .unwrap();
    let message = message(alice.id, inbox.id);
    owner.append(vec![message.clone()]).await.unwrap();
    owner
        .set_acl(inbox.id, "bob@example.com", Some(rights("lrs")))
        .await
        .unwrap();
    let before = store.account(alice.id).unwrap().unwrap().modseq;
    let seen = add(Flags::SEEN);
    as_bob
        .set_flags(alice.id, inbox.id, vec![1], seen)
        .await
        .unwrap();
    let flagged = add(Flags::FLAGGED);
    assert!(matches!(
        as_bob.set_flags(alice.id, inbox.id, vec![1], flagged).await,
        Err(StoreError::Forbidden(_))
    ));
    let deleted = add(Flags::DELETED);
    assert!(
        as_bob
            .set_flags(alice.id, inbox.id, vec![1], deleted)
            .await
            .is_err()
    );
    assert!(as_bob.append(vec![message.clone()]).await.is_err());
    assert!(as_bob.expunge(alice.id, inbox.id, vec![1]).await.is_err());
    // The change is in alice's log, readable by bob (he reads the mailbox).
    let log = as_bob.changes_since(alice.id, before).unwrap();
    assert!(!log.is_empty());
    assert!(store.account(alice.id).unwrap().unwrap().modseq > before);
    // Creating below a mailbox needs `k` on it; at the top, being the owner.
    assert!(
        as_bob
            .create_mailbox_path(alice.id, "INBOX/sub", None)
            .await
            .is_err()
    );
    owner
        .set_acl(inbox.id, "bob@example.com", Some(rights("lrsik")))
        .await
        .unwrap();
    as_bob
        .create_mailbox_path(alice.id, "INBOX/sub", None)
        .await
        .unwrap();
    assert!(
        as_bob
            .create_mailbox_path(alice.id, "Top", None)
            .await
            .is_err()
    );
    as_bob.append(vec![message]).await.unwrap();
}

/// The site-defined rights `0` (send on behalf) and `1` (send as) on an INBOX are the one
/// table of send grants: set by the owner, shown by GETACL and MYRIGHTS, refused elsewhere,
/// to `anyone`, and to a delegate who administers the INBOX but does not own it.
#[tokio::test]
async fn send_rights_are_granted_on_the_inbox_by_the_owner_only() {
    let dir = tempfile::tempdir().unwrap();
    let (store, alice, inbox) = store_with_alice(dir.path()).await;
    let bob = store.create_account(new_account("bob")).await.unwrap();
    store.create_account(new_account("carol")).await.unwrap();
    let owner = store.mail(Actor::User(alice.id));
    let grants = || {
        store
            .send_grants(Some(Principal::Account(alice.id)))
            .unwrap()
            .into_iter()
            .map(|g| (g.grantee_address, g.level))
            .collect::<Vec<_>>()
    };
    let entry = |who: &str| {
        owner
            .acl(inbox)
            .unwrap()
            .into_iter()
            .find(|e| e.grantee == who)
            .map(|e| e.rights.to_string())
    };

    owner
        .set_acl(inbox, "bob@example.com", Some(rights("lra1")))
        .await
        .unwrap();
    assert_eq!(grants(), [("bob@example.com".to_string(), SendLevel::As)]);
    assert_eq!(entry("bob@example.com").as_deref(), Some("lra1"));
    let as_bob = store.mail(Actor::User(bob.id));
    assert_eq!(as_bob.my_rights(inbox).unwrap().to_string(), "lra1");

    // Bob administers the INBOX: he may share it, not give away sending as alice.
    let refused = as_bob
        .set_acl(inbox, "carol@example.com", Some(rights("lr0")))
        .await;
    assert!(
        matches!(refused, Err(StoreError::Forbidden(_))),
        "{refused:?}"
    );
    as_bob
        .set_acl(inbox, "carol@example.com", Some(rights("lr")))
        .await
        .unwrap();
    assert_eq!(grants().len(), 1);
    // Nor take his own away by rewriting his entry's letters.
    let refused = as_bob
        .set_acl(inbox, "bob@example.com", Some(rights("lra")))
        .await;
    assert!(
        matches!(refused, Err(StoreError::Forbidden(_))),
        "{refused:?}"
    );

    let sent = owner
        .mailbox_by_role(alice.id, MailboxRole::Sent)
        .unwrap()
        .unwrap();
    for (mailbox, who) in [(sent.id, "carol@example.com"), (inbox, ANYONE)] {
        let refused = owner.set_acl(mailbox, who, Some(rights("lr0"))).await;
        assert!(
            matches!(refused, Err(StoreError::Forbidden(_))),
            "{refused:?}"
        );
    }

    // The owner lowers bob to on behalf, then replaces his entry without a digit.
    owner
        .set_acl(inbox, "bob@example.com", Some(rights("lr0")))
        .await
        .unwrap();
    assert_eq!(
        grants(),
        [("bob@example.com".to_string(), SendLevel::OnBehalf)]
    );
    owner
        .set_acl(inbox, "bob@example.com", Some(rights("lr")))
        .await
        .unwrap();
    assert!(grants().is_empty());
    assert_eq!(entry("bob@example.com").as_deref(), Some("lr"));

    // A grant the administrator made shows on the INBOX, and DELETEACL takes it back.
    store
        .set_send_grant(
            Principal::Account(alice.id),
            Principal::Account(bob.id),
            Some(SendLevel::OnBehalf),
        )
        .await
        .unwrap();
    assert_eq!(entry("bob@example.com").as_deref(), Some("lr0"));
    owner.set_acl(inbox, "bob@example.com", None).await.unwrap();
    assert!(grants().is_empty());
    assert_eq!(entry("bob@example.com"), None);
}
