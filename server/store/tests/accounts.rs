//! What an administrator does to an account, through the store's public API: disable and
//! enable, unlock (the authentication generation), the last login, rename, what names an
//! address, group edits that change nothing, and removal waking the account's listeners.

use kantor_store::testing::{new_account, store_with_alice};
use kantor_store::*;
use std::time::Duration;

fn alias(local: &str, target: &str) -> Alias {
    Alias {
        local: local.into(),
        domain: "example.com".into(),
        target: target.into(),
    }
}

#[tokio::test]
async fn disabled_accounts_and_their_state() {
    let dir = tempfile::tempdir().unwrap();
    let (store, alice, _) = store_with_alice(dir.path()).await;
    assert!(!alice.disabled);
    assert_eq!(store.account_state(alice.id).unwrap(), AccountState::Active);
    let mut changes = store.watch_account(alice.id);
    store.set_disabled(alice.id, true).await.unwrap();
    assert!(
        tokio::time::timeout(Duration::from_secs(1), changes.changed())
            .await
            .unwrap()
            .is_some(),
        "an account change wakes its listeners"
    );
    assert_eq!(
        store.account_state(alice.id).unwrap(),
        AccountState::Disabled
    );
    assert!(store.account(alice.id).unwrap().unwrap().disabled);
    store.set_disabled(alice.id, false).await.unwrap();
    assert_eq!(store.account_state(alice.id).unwrap(), AccountState::Active);
    assert!(matches!(
        store.set_disabled(9999, true).await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(store.account_state(9999).unwrap(), AccountState::Removed);
}

#[tokio::test]
async fn unlock_raises_the_generation_and_logins_are_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let (store, alice, _) = store_with_alice(dir.path()).await;
    assert_eq!(alice.auth_generation, 0);
    assert_eq!(alice.last_login_at, None);
    assert_eq!(store.reset_auth(alice.id).await.unwrap(), 1);
    assert_eq!(store.reset_auth(alice.id).await.unwrap(), 2);
    store.record_login(alice.id, 1_700_000_000).await.unwrap();
    let alice = store.account(alice.id).unwrap().unwrap();
    assert_eq!(
        (alice.auth_generation, alice.last_login_at),
        (2, Some(1_700_000_000))
    );
    assert!(matches!(
        store.reset_auth(9999).await,
        Err(StoreError::NotFound(_))
    ));
}

#[tokio::test]
async fn a_renamed_account_keeps_its_mail_and_what_named_it_follows() {
    let dir = tempfile::tempdir().unwrap();
    let (store, alice, inbox) = store_with_alice(dir.path()).await;
    store.add_domain("other.com").await.unwrap();
    store
        .append(vec![NewMessage {
            account_id: alice.id,
            mailbox_id: inbox,
            blob: BlobRef::new(b"Subject: kept\r\n\r\nbody\r\n".to_vec()),
            flags: Flags::default(),
            keywords: vec![],
            internal_date: 0,
        }])
        .await
        .unwrap();
    let bob = store.create_account(new_account("bob")).await.unwrap();
    store
        .add_alias(alias("sales", "Alice@example.com"))
        .await
        .unwrap();
    // Already naming the new address too (added with --force): one row stays.
    store
        .add_alias(alias("sales", "ally@other.com"))
        .await
        .unwrap();
    store.add_group("team", "example.com").await.unwrap();
    store
        .add_group_member("team", "example.com", "alice@example.com")
        .await
        .unwrap();
    store
        .set_group_sender("team", "example.com", alice.id, true)
        .await
        .unwrap();

    let taken = store.rename_account(alice.id, "bob", "example.com").await;
    assert!(
        matches!(&taken, Err(StoreError::AlreadyExists(what)) if what == "user bob@example.com"),
        "{taken:?}"
    );
    let missing = store.rename_account(alice.id, "ally", "nowhere.com").await;
    assert!(
        matches!(missing, Err(StoreError::NotFound(_))),
        "{missing:?}"
    );

    let renamed = store
        .rename_account(alice.id, "ally", "other.com")
        .await
        .unwrap();
    assert_eq!(
        renamed,
        Renamed {
            alias_targets: 1,
            group_memberships: 1
        }
    );
    assert!(
        store
            .account_by_address("alice", "example.com")
            .unwrap()
            .is_none()
    );
    let ally = store
        .account_by_address("ally", "other.com")
        .unwrap()
        .unwrap();
    assert_eq!(ally.id, alice.id, "the same account");
    assert_eq!(store.messages(inbox).unwrap().len(), 1, "with its mail");
    assert_eq!(
        store.alias_targets("sales", "example.com").unwrap(),
        ["ally@other.com"]
    );
    let team = store.group("team", "example.com").unwrap().unwrap();
    assert_eq!(team.members, ["ally@other.com"]);
    assert_eq!(team.senders, ["ally@other.com"], "Send As follows the id");
    assert_eq!(store.aliases_to("ALLY@other.com").unwrap().len(), 1);
    assert_eq!(store.groups_with_member("ally@other.com").unwrap().len(), 1);
    assert!(store.aliases_to("alice@example.com").unwrap().is_empty());

    // A change of case only is no clash with itself.
    store
        .rename_account(bob.id, "Bob", "example.com")
        .await
        .unwrap();
    let bob = store.account(bob.id).unwrap().unwrap();
    assert_eq!(bob.address(), "Bob@example.com");
}

#[tokio::test]
async fn group_edits_that_change_nothing_say_what() {
    let dir = tempfile::tempdir().unwrap();
    let (store, alice, _) = store_with_alice(dir.path()).await;
    store.add_group("team", "example.com").await.unwrap();
    store
        .add_group_member("team", "example.com", "alice@example.com")
        .await
        .unwrap();
    let again = store
        .add_group_member("team", "example.com", "alice@example.com")
        .await
        .unwrap_err();
    assert_eq!(
        again.to_string(),
        "member alice@example.com of group team@example.com already exists"
    );
    let absent = store
        .remove_group_member("team", "example.com", "bob@example.com")
        .await
        .unwrap_err();
    assert_eq!(
        absent.to_string(),
        "member bob@example.com of group team@example.com not found"
    );
    let not_allowed = store
        .set_group_sender("team", "example.com", alice.id, false)
        .await
        .unwrap_err();
    assert_eq!(
        not_allowed.to_string(),
        "permitted sender alice@example.com of group team@example.com not found"
    );
    let no_group = store
        .add_group_member("crew", "example.com", "alice@example.com")
        .await
        .unwrap_err();
    assert_eq!(no_group.to_string(), "group crew@example.com not found");
}

/// A removed account's listeners wake, in this process and in another (whose watcher follows
/// the log: one row of the account stays, its destruction).
#[tokio::test]
async fn removing_an_account_wakes_its_listeners_in_every_process() {
    let dir = tempfile::tempdir().unwrap();
    let (server, _, _) = store_with_alice(dir.path()).await;
    let bob = server.create_account(new_account("bob")).await.unwrap();
    let admin = Store::open(dir.path(), StoreOptions::default())
        .unwrap()
        .mail(Actor::System);
    let mut here = admin.watch_account(bob.id);
    let mut there = server.watch_account(bob.id);
    admin.remove_account(bob.id).await.unwrap();
    for changes in [&mut here, &mut there] {
        let woke = tokio::time::timeout(Duration::from_secs(1), changes.changed())
            .await
            .expect("woken within a second");
        assert!(woke.is_some());
    }
    assert_eq!(server.account_state(bob.id).unwrap(), AccountState::Removed);
}
