//! App passwords through the store's public API: added under a unique name, found by the hash
//! of their secret only, use recorded, revoked, and gone with their account.

use kantor_store::testing::store_with_alice;
use kantor_store::*;

fn new(account_id: AccountId, name: &str, hash: u8) -> NewAppPassword {
    NewAppPassword {
        account_id,
        name: name.into(),
        secret_hash: vec![hash; 32],
        created_at: 1_000,
    }
}

#[tokio::test]
async fn app_passwords_are_found_by_hash_used_revoked_and_removed_with_their_account() {
    let dir = tempfile::tempdir().unwrap();
    let (store, alice, _) = store_with_alice(dir.path()).await;
    let phone = store
        .add_app_password(new(alice.id, "phone", 1))
        .await
        .unwrap();
    assert_eq!((phone.name.as_str(), phone.last_used_at), ("phone", None));
    store
        .add_app_password(new(alice.id, "laptop", 2))
        .await
        .unwrap();
    let again = store.add_app_password(new(alice.id, "phone", 3)).await;
    assert!(
        matches!(again, Err(StoreError::AlreadyExists(_))),
        "{again:?}"
    );
    let nobody = store.add_app_password(new(9_999, "ghost", 4)).await;
    assert!(nobody.is_err(), "no account 9999: {nobody:?}");
    let names: Vec<String> = store
        .app_passwords(alice.id)
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names, ["laptop", "phone"]);

    let found = store.app_password_by_hash(&[1; 32]).unwrap().unwrap();
    assert_eq!(found.id, phone.id);
    assert!(store.app_password_by_hash(&[7; 32]).unwrap().is_none());
    store
        .record_app_password_use(phone.id, 2_000)
        .await
        .unwrap();
    let used = store.app_password_by_hash(&[1; 32]).unwrap().unwrap();
    assert_eq!(used.last_used_at, Some(2_000));

    store
        .remove_app_password(alice.id, "phone".into())
        .await
        .unwrap();
    assert!(store.app_password_by_hash(&[1; 32]).unwrap().is_none());
    let twice = store.remove_app_password(alice.id, "phone".into()).await;
    assert!(matches!(twice, Err(StoreError::NotFound(_))), "{twice:?}");

    store.remove_account(alice.id).await.unwrap();
    assert!(store.app_password_by_hash(&[2; 32]).unwrap().is_none());
}
