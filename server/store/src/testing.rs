//! For tests of the crates built on the store (and the store's own): a store in a directory
//! the caller owns (a temporary one), with the domain `example.com` and one user, `alice`,
//! seen by the server itself ([`Actor::System`]: tests may act on several accounts).

use crate::{Account, Actor, Mail, MailboxId, MailboxRole, NewAccount, Store, StoreOptions};
use std::path::Path;

/// Forgets the search and sort keys of every email of a SQLite store, as if they had been
/// stored before the keys existed: readers then read the messages, and `Store::backfill_keys`
/// computes them again.
///
/// # Panics
/// When the store cannot do it: this is for tests.
pub async fn forget_keys(backend: &crate::SqliteBackend) {
    backend.forget_keys().await.expect("forget the keys");
}

/// A new account `local@example.com` (password hash `x`, no quota) for `create_account`.
pub fn new_account(local: &str) -> NewAccount {
    NewAccount {
        local: local.into(),
        domain: "example.com".into(),
        password_hash: "x".into(),
        is_admin: false,
        quota_bytes: 0,
    }
}

/// A fresh store under `dir` with `alice@example.com`; returns it, the account and its INBOX.
///
/// # Panics
/// When the store cannot be set up: this is for tests.
pub async fn store_with_alice(dir: &Path) -> (Mail, Account, MailboxId) {
    let store = Store::open(dir, StoreOptions::default()).expect("open the store");
    with_alice(store).await
}

/// `store` (a new one, whatever its backend) with `alice@example.com`; returns it as the server
/// sees it, the account and its INBOX.
///
/// # Panics
/// When the store cannot be set up: this is for tests.
pub async fn with_alice(store: Store) -> (Mail, Account, MailboxId) {
    let store = store.mail(Actor::System);
    store
        .add_domain("example.com")
        .await
        .expect("add the domain");
    let account = store
        .create_account(new_account("alice"))
        .await
        .expect("create alice");
    let inbox = store
        .mailbox_by_role(account.id, MailboxRole::Inbox)
        .expect("read the INBOX")
        .expect("alice has an INBOX")
        .id;
    (store, account, inbox)
}
