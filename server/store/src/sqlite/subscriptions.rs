//! Subscriptions (RFC 9051 §6.3.7-8): a per-account list of names, independent of the mailboxes.
//! Deleting or renaming a mailbox leaves them alone (§6.3.7: the server SHOULD NOT remove a name
//! unilaterally; §6.3.6: RENAME does not update subscriptions), and a name may be subscribed
//! before a mailbox has it. [`crate::Mailbox::subscribed`] tells whether a mailbox's current name
//! is subscribed.
//!
//! Every change bumps the account's modseq and is logged as [`ObjectKind::Subscription`].

use super::SqliteBackend;
use super::WriteCtx;
use super::error::DbResult;
use crate::access::{Actor, Rights, require};
use crate::changes::{ChangeKind, ObjectKind};
use crate::{AccountId, MailboxId, Result};
use rusqlite::{OptionalExtension, params};

/// Subscribes or unsubscribes `name`; returns whether the list changed (nothing is logged when
/// it did not).
pub(super) fn set(
    ctx: &mut WriteCtx<'_>,
    account_id: AccountId,
    name: &str,
    subscribed: bool,
) -> DbResult<bool> {
    let sql = if subscribed {
        "INSERT OR IGNORE INTO subscriptions (account_id, name) VALUES (?1, ?2)"
    } else {
        "DELETE FROM subscriptions WHERE account_id = ?1 AND name = ?2"
    };
    let changed = ctx
        .conn()
        .prepare_cached(sql)?
        .execute(params![account_id, name])?
        > 0;
    if changed {
        let mailbox: Option<MailboxId> = ctx
            .conn()
            .prepare_cached("SELECT id FROM mailboxes WHERE account_id = ?1 AND name = ?2")?
            .query_row(params![account_id, name], |r| r.get(0))
            .optional()?;
        let modseq = ctx.bump_modseq(account_id)?;
        let kind = if subscribed {
            ChangeKind::Created
        } else {
            ChangeKind::Destroyed
        };
        ctx.log_change(
            account_id,
            modseq,
            ObjectKind::Subscription,
            kind,
            mailbox.unwrap_or(0),
            None,
            None,
        )?;
    }
    Ok(changed)
}

impl SqliteBackend {
    /// The account's subscribed names, sorted; some may name no mailbox.
    pub(super) fn subscriptions(&self, actor: Actor, account_id: AccountId) -> Result<Vec<String>> {
        self.read_checked(|c| {
            require(actor, account_id, None, Rights::LOOKUP)?;
            Ok(c.prepare_cached(
                "SELECT name FROM subscriptions WHERE account_id = ?1 ORDER BY name",
            )?
            .query_map([account_id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?)
        })
    }

    /// Subscribes (SUBSCRIBE, RFC 9051 §6.3.7) or unsubscribes (UNSUBSCRIBE, §6.3.8) a name,
    /// whether or not a mailbox has it. Returns whether the list changed: subscribing a
    /// subscribed name or unsubscribing one that is not is no change.
    pub(super) async fn set_subscribed(
        &self,
        actor: Actor,
        account_id: AccountId,
        name: &str,
        subscribed: bool,
    ) -> Result<bool> {
        let (name, actor) = (name.to_string(), actor);
        self.write(move |ctx| {
            require(actor, account_id, None, Rights::LOOKUP)?;
            set(ctx, account_id, &name, subscribed)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use crate::changes::{ChangeKind, ObjectKind};
    use crate::{Account, Mail, MailboxRole};

    async fn setup() -> (tempfile::TempDir, Mail, Account) {
        let dir = tempfile::tempdir().unwrap();
        let (store, account, _) = crate::testing::store_with_alice(dir.path()).await;
        (dir, store, account)
    }

    #[tokio::test]
    async fn new_accounts_start_with_their_special_use_mailboxes_subscribed() {
        let (_dir, store, alice) = setup().await;
        let mut expected: Vec<String> = MailboxRole::DEFAULTS
            .iter()
            .map(|(_, name)| name.to_string())
            .collect();
        expected.sort();
        assert_eq!(store.subscriptions(alice.id).unwrap(), expected);
        assert!(
            store
                .mailboxes(alice.id)
                .unwrap()
                .iter()
                .all(|m| m.subscribed)
        );
    }

    #[tokio::test]
    async fn create_does_not_subscribe() {
        let (_dir, store, alice) = setup().await;
        let work = store.create_mailbox(alice.id, "Work", None).await.unwrap();
        assert!(!work.subscribed);
        assert!(
            !store
                .subscriptions(alice.id)
                .unwrap()
                .contains(&"Work".into())
        );
    }

    #[tokio::test]
    async fn subscriptions_survive_delete_and_rename() {
        let (_dir, store, alice) = setup().await;
        let work = store.create_mailbox(alice.id, "Work", None).await.unwrap();
        assert!(store.set_subscribed(alice.id, "Work", true).await.unwrap());
        assert!(store.mailbox(work.id).unwrap().unwrap().subscribed);
        store
            .rename_mailbox_tree(alice.id, work.id, "Jobs")
            .await
            .unwrap();
        let jobs = store.mailbox(work.id).unwrap().unwrap();
        assert!(!jobs.subscribed, "RENAME does not move the subscription");
        assert!(
            store
                .subscriptions(alice.id)
                .unwrap()
                .contains(&"Work".into())
        );
        store.set_subscribed(alice.id, "Jobs", true).await.unwrap();
        store.delete_mailbox(alice.id, work.id).await.unwrap();
        let names = store.subscriptions(alice.id).unwrap();
        assert!(names.contains(&"Work".into()) && names.contains(&"Jobs".into()));
        // A name subscribed before its mailbox exists: the mailbox is subscribed once created.
        let again = store.create_mailbox(alice.id, "Jobs", None).await.unwrap();
        assert!(again.subscribed);
    }

    #[tokio::test]
    async fn changes_are_logged_once() {
        let (_dir, store, alice) = setup().await;
        let work = store.create_mailbox(alice.id, "Work", None).await.unwrap();
        let before = store.account(alice.id).unwrap().unwrap().modseq;
        assert!(store.set_subscribed(alice.id, "Work", true).await.unwrap());
        assert!(!store.set_subscribed(alice.id, "Work", true).await.unwrap());
        assert!(
            store
                .set_subscribed(alice.id, "Nowhere", true)
                .await
                .unwrap()
        );
        assert!(
            store
                .set_subscribed(alice.id, "Nowhere", false)
                .await
                .unwrap()
        );
        assert!(
            !store
                .set_subscribed(alice.id, "Nowhere", false)
                .await
                .unwrap()
        );
        let log: Vec<_> = store
            .changes_since(alice.id, before)
            .unwrap()
            .into_iter()
            .map(|c| (c.object, c.kind, c.object_id))
            .collect();
        assert_eq!(
            log,
            vec![
                (ObjectKind::Subscription, ChangeKind::Created, work.id),
                (ObjectKind::Subscription, ChangeKind::Created, 0),
                (ObjectKind::Subscription, ChangeKind::Destroyed, 0),
            ]
        );
        assert_eq!(store.account(alice.id).unwrap().unwrap().modseq, before + 3);
    }
}
