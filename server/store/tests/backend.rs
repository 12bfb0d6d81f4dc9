//! The front over a backend given as a trait object: `Store::with_backend` around the SQLite
//! backend, driven through the front and through `dyn Backend` itself.

use kantor_store::*;
use std::sync::Arc;
use std::time::Duration;

/// The traits stay dyn-compatible: a PostgreSQL backend is held the same way.
fn _assert_object_safe(_: &dyn Backend) {}

#[tokio::test]
async fn a_store_with_a_given_backend_delivers_and_reads_through_it() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = SqliteBackend::open(dir.path(), StoreOptions::default()).unwrap();
    let backend: Arc<dyn Backend> = Arc::new(sqlite);
    let (store, alice, inbox) = testing::with_alice(Store::with_backend(backend.clone())).await;
    let mut woken = backend.watch_account(alice.id);

    let raw = b"From: a@example.com\r\nSubject: through the trait\r\n\r\nbody\r\n".to_vec();
    let delivered = store
        .deliver(IncomingMessage {
            blob: BlobRef::new(raw.clone()),
            recipients: vec![alice.id],
            flags: Flags::default(),
            internal_date: 1_700_000_000,
            quota: QuotaRule::RefuseAll,
            mailbox: kantor_store::MailboxRole::Inbox,
        })
        .await
        .unwrap();
    assert_eq!(delivered.len(), 1);
    let changed = tokio::time::timeout(Duration::from_secs(5), woken.changed()).await;
    assert_eq!(changed.unwrap(), Some(delivered[0].modseq));

    // The same message, read through the front as alice and through the trait object.
    let alice_mail = store.mail(Actor::User(alice.id));
    let listed = alice_mail.messages(inbox).unwrap();
    let direct = backend.messages(Actor::User(alice.id), inbox).unwrap();
    assert_eq!(listed, direct);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].uid, delivered[0].uid);
    assert_eq!(backend.read_blob(&listed[0].blob).unwrap(), raw);
    assert!(
        alice_mail
            .read_blob_header(&listed[0].blob)
            .unwrap()
            .ends_with(b"\r\n\r\n")
    );

    // Rights are the backend's to check, whichever way it is called.
    let nobody = backend.messages(Actor::Anonymous, inbox);
    assert!(matches!(nobody, Err(StoreError::NotFound(_))), "{nobody:?}");
}
