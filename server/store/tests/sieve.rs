//! Sieve scripts in the store: one active per account, every change in the change log, and
//! the vacation's memory of whom it answered.

use kantor_store::StoreError;
use kantor_store::changes::{ChangeKind, ObjectKind};
use kantor_store::testing::store_with_alice;

#[tokio::test(flavor = "multi_thread")]
async fn scripts_are_named_logged_and_one_is_active() {
    let dir = tempfile::tempdir().unwrap();
    let (store, alice, _) = store_with_alice(dir.path()).await;
    let a = alice.id;
    store
        .put_sieve_script(a, "one".into(), "keep;".into(), 2)
        .await
        .unwrap();
    store
        .put_sieve_script(a, "two".into(), "discard;".into(), 2)
        .await
        .unwrap();
    let over = store
        .put_sieve_script(a, "three".into(), "keep;".into(), 2)
        .await;
    assert!(matches!(over, Err(StoreError::Limit(_))), "{over:?}");
    // Replacing an existing name is not a new script.
    store
        .put_sieve_script(a, "two".into(), "stop;".into(), 2)
        .await
        .unwrap();
    assert_eq!(store.active_sieve_script(a).unwrap(), None);
    store
        .activate_sieve_script(a, Some("one".into()))
        .await
        .unwrap();
    store
        .activate_sieve_script(a, Some("two".into()))
        .await
        .unwrap();
    let active = store.active_sieve_script(a).unwrap().unwrap();
    assert_eq!(
        (active.name.as_str(), active.content.as_str()),
        ("two", "stop;")
    );
    let listed: Vec<(String, bool)> = store
        .sieve_scripts(a)
        .unwrap()
        .into_iter()
        .map(|s| (s.name, s.active))
        .collect();
    assert_eq!(listed, [("one".into(), false), ("two".into(), true)]);
    assert!(matches!(
        store.delete_sieve_script(a, "two".into()).await,
        Err(StoreError::InUse(_))
    ));
    assert!(matches!(
        store
            .rename_sieve_script(a, "one".into(), "two".into())
            .await,
        Err(StoreError::AlreadyExists(_))
    ));
    store
        .rename_sieve_script(a, "one".into(), "uno".into())
        .await
        .unwrap();
    store.delete_sieve_script(a, "uno".into()).await.unwrap();
    assert!(matches!(
        store.activate_sieve_script(a, Some("nope".into())).await,
        Err(StoreError::NotFound(_))
    ));
    store.activate_sieve_script(a, None).await.unwrap();
    assert_eq!(store.active_sieve_script(a).unwrap(), None);

    let kinds: Vec<ChangeKind> = store
        .changes_since(a, 0)
        .unwrap()
        .into_iter()
        .filter(|c| c.object == ObjectKind::SieveScript)
        .map(|c| c.kind)
        .collect();
    use ChangeKind::*;
    // two puts, one replace, activate one, switch (two updates), rename, delete, deactivate
    assert_eq!(
        kinds,
        [
            Created, Created, Updated, Updated, Updated, Updated, Updated, Destroyed, Updated
        ]
    );
}

/// JMAP's operations (RFC 9661 §2.4): a create never replaces, an update by id renames and
/// rewrites in one logged change.
#[tokio::test(flavor = "multi_thread")]
async fn scripts_are_created_and_updated_by_id() {
    let dir = tempfile::tempdir().unwrap();
    let (store, alice, _) = store_with_alice(dir.path()).await;
    let a = alice.id;
    let one = store
        .create_sieve_script(a, "one".into(), "keep;".into(), 2)
        .await
        .unwrap();
    let again = store
        .create_sieve_script(a, "one".into(), "discard;".into(), 2)
        .await;
    assert!(
        matches!(again, Err(StoreError::AlreadyExists(_))),
        "{again:?}"
    );
    let two = store
        .create_sieve_script(a, "two".into(), "keep;".into(), 2)
        .await
        .unwrap();
    let over = store
        .create_sieve_script(a, "three".into(), "keep;".into(), 2)
        .await;
    assert!(matches!(over, Err(StoreError::Limit(_))), "{over:?}");
    let taken = store
        .update_sieve_script(a, two, Some("one".into()), None)
        .await;
    assert!(
        matches!(taken, Err(StoreError::AlreadyExists(_))),
        "{taken:?}"
    );
    store
        .update_sieve_script(a, one, Some("uno".into()), Some("stop;".into()))
        .await
        .unwrap();
    let missing = store.update_sieve_script(a, 999, None, None).await;
    assert!(
        matches!(missing, Err(StoreError::NotFound(_))),
        "{missing:?}"
    );
    let scripts = store.sieve_scripts(a).unwrap();
    let uno = scripts.iter().find(|s| s.id == one).unwrap();
    assert_eq!((uno.name.as_str(), uno.content.as_str()), ("uno", "stop;"));
    let changes: Vec<(i64, ChangeKind)> = store
        .changes_since(a, 0)
        .unwrap()
        .into_iter()
        .filter(|c| c.object == ObjectKind::SieveScript)
        .map(|c| (c.object_id, c.kind))
        .collect();
    use ChangeKind::*;
    assert_eq!(changes, [(one, Created), (two, Created), (one, Updated)]);
}

#[tokio::test(flavor = "multi_thread")]
async fn vacation_answers_are_remembered_until_they_expire() {
    let dir = tempfile::tempdir().unwrap();
    let (store, alice, _) = store_with_alice(dir.path()).await;
    let a = alice.id;
    assert!(!store.sieve_replied(a, "bob@x", 1000).unwrap());
    store
        .record_sieve_reply(a, "bob@x".into(), 2000)
        .await
        .unwrap();
    assert!(store.sieve_replied(a, "bob@x", 1999).unwrap());
    assert!(!store.sieve_replied(a, "bob@x", 2000).unwrap());
    assert!(!store.sieve_replied(a, "carol@x", 1000).unwrap());
}
