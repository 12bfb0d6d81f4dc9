//! Notices of changed rights (JMAP Sharing, RFC 9670 §5, migration 0030): when an ACL change
//! alters what a user holds on another account's mailbox, a notice is written for that user in
//! the same transaction and logged in their change log. Changes to a group's or `anyone`'s
//! entry make none (§5: not for group principals). A user keeps at most [`KEPT`]: the oldest
//! go first, logged as destroyed.

use super::error::DbResult;
use super::{SqliteBackend, WriteCtx, now};
use crate::access::{Actor, Rights, require};
use crate::changes::{ChangeKind, ObjectKind};
use crate::{AccountId, MailboxId, Result, ShareNotification, StoreError};
use rusqlite::params;

/// Notices kept per user (RFC 9670 §5 lets the server bound them).
pub const KEPT: i64 = 100;

fn log(ctx: &mut WriteCtx<'_>, account: AccountId, id: i64, kind: ChangeKind) -> DbResult<()> {
    let modseq = ctx.bump_modseq(account)?;
    ctx.log_change(
        account,
        modseq,
        ObjectKind::ShareNotification,
        kind,
        id,
        None,
        None,
    )
}

/// What changed for `user` on `mailbox` of `owner`, made by `actor`: one notice, when the
/// rights differ, then the oldest past [`KEPT`] removed.
pub(super) fn notify(
    ctx: &mut WriteCtx<'_>,
    actor: Actor,
    user: AccountId,
    (owner, mailbox): (AccountId, MailboxId),
    old: Rights,
    new: Rights,
) -> DbResult<()> {
    if old == new {
        return Ok(());
    }
    let changed_by = match actor {
        Actor::User(id) => Some(id),
        Actor::System | Actor::Anonymous => None,
    };
    let id: i64 = ctx
        .conn()
        .prepare_cached(
            "INSERT INTO share_notifications (account_id, created, changed_by, object_account,
                 mailbox_id, name, old_rights, new_rights)
             SELECT ?1, ?2, ?3, ?4, id, name, ?6, ?7 FROM mailboxes WHERE id = ?5
             RETURNING id",
        )?
        .query_row(
            params![
                user,
                now(),
                changed_by,
                owner,
                mailbox,
                old.bits(),
                new.bits()
            ],
            |r| r.get(0),
        )?;
    log(ctx, user, id, ChangeKind::Created)?;
    let oldest: Vec<i64> = ctx
        .conn()
        .prepare_cached(
            "SELECT id FROM share_notifications WHERE account_id = ?1
             ORDER BY id DESC LIMIT -1 OFFSET ?2",
        )?
        .query_map(params![user, KEPT], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for gone in oldest {
        ctx.conn()
            .prepare_cached("DELETE FROM share_notifications WHERE id = ?1")?
            .execute([gone])?;
        log(ctx, user, gone, ChangeKind::Destroyed)?;
    }
    Ok(())
}

impl SqliteBackend {
    /// The account's notices, oldest first. Its owner's alone.
    pub(super) fn share_notifications(
        &self,
        actor: Actor,
        account: AccountId,
    ) -> Result<Vec<ShareNotification>> {
        require(actor, account, None, Rights::READ)?;
        self.read(|c| {
            c.prepare_cached(
                "SELECT n.id, n.created, (SELECT u.local || '@' || d.name FROM accounts u
                        JOIN domains d ON d.id = u.domain_id WHERE u.id = n.changed_by),
                        n.changed_by, n.object_account, n.mailbox_id, n.name, n.old_rights,
                        n.new_rights
                   FROM share_notifications n WHERE n.account_id = ?1 ORDER BY n.id",
            )?
            .query_map([account], |r| {
                Ok(ShareNotification {
                    id: r.get(0)?,
                    created: r.get(1)?,
                    changed_by: r.get(2)?,
                    changed_by_account: r.get(3)?,
                    object_account: r.get(4)?,
                    mailbox: r.get(5)?,
                    name: r.get(6)?,
                    old_rights: Rights::from_bits(r.get(7)?),
                    new_rights: Rights::from_bits(r.get(8)?),
                })
            })?
            .collect()
        })
    }

    /// Dismisses one of the account's notices, logged as destroyed.
    pub(super) async fn destroy_share_notification(
        &self,
        actor: Actor,
        account: AccountId,
        id: i64,
    ) -> Result<()> {
        require(actor, account, None, Rights::WRITE)?;
        self.write(move |ctx| {
            let gone = ctx
                .conn()
                .prepare_cached(
                    "DELETE FROM share_notifications WHERE id = ?1 AND account_id = ?2",
                )?
                .execute(params![id, account])?;
            if gone == 0 {
                return Err(StoreError::NotFound(format!("share notification {id}")).into());
            }
            log(ctx, account, id, ChangeKind::Destroyed)
        })
        .await
    }
}
