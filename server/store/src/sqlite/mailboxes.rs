//! Mailboxes (folders): creation with a fresh UIDVALIDITY, lookup, rename and deletion. Every
//! change bumps the account's modseq and is logged. Subscriptions are names, kept apart
//! (`subscriptions.rs`): none of these touches them.

use super::SqliteBackend;
use super::access::{require_in_account, require_mailbox};
use super::error::DbResult;
use super::{WriteCtx, now};
use crate::access::{Actor, Rights, rights};
use crate::changes::{ChangeKind, ObjectKind};
use crate::{AccountId, Mailbox, MailboxId, MailboxRole, Result, StoreError, Uid};
use rusqlite::{OptionalExtension, Row, params};

pub(super) const MAILBOX_COLUMNS: &str = "id, account_id, name, role, uidvalidity, uidnext, highest_modseq, \
     total, unseen, size, \
     EXISTS(SELECT 1 FROM subscriptions s \
            WHERE s.account_id = mailboxes.account_id AND s.name = mailboxes.name), \
     recent_uid FROM mailboxes";

pub(super) fn mailbox_from_row(r: &Row<'_>) -> rusqlite::Result<Mailbox> {
    Ok(Mailbox {
        id: r.get(0)?,
        account_id: r.get(1)?,
        name: r.get(2)?,
        role: r
            .get::<_, Option<String>>(3)?
            .and_then(|s| MailboxRole::parse(&s)),
        uidvalidity: r.get(4)?,
        uidnext: r.get(5)?,
        highest_modseq: r.get::<_, i64>(6)? as u64,
        total: r.get(7)?,
        unseen: r.get(8)?,
        size: r.get::<_, i64>(9)? as u64,
        subscribed: r.get(10)?,
        recent_uid: r.get(11)?,
    })
}

/// Creates a mailbox with a fresh UIDVALIDITY (RFC 9051 §2.3.1.1): the creation time, made larger
/// than any UIDVALIDITY ever given (the `uidvalidity` counter), so a name deleted and created
/// again, even within the same second, never gets the one a client may have cached.
pub(super) fn create_mailbox(
    ctx: &mut WriteCtx<'_>,
    account_id: AccountId,
    name: &str,
    role: Option<MailboxRole>,
) -> DbResult<MailboxId> {
    let uidvalidity: u32 = ctx
        .conn()
        .prepare_cached(
            "INSERT INTO counters (name, value) VALUES ('uidvalidity', ?1)
             ON CONFLICT (name) DO UPDATE SET value = MAX(excluded.value, value + 1)
             RETURNING value",
        )?
        .query_row([now() as u32], |r| r.get(0))?;
    let modseq = ctx.bump_modseq(account_id)?;
    let id: MailboxId = ctx.conn().query_row(
        "INSERT INTO mailboxes (account_id, name, role, uidvalidity, highest_modseq)
         VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
        params![
            account_id,
            name,
            role.map(MailboxRole::as_str),
            uidvalidity,
            modseq as i64
        ],
        |r| r.get(0),
    )?;
    ctx.log_change(
        account_id,
        modseq,
        ObjectKind::Mailbox,
        ChangeKind::Created,
        id,
        None,
        None,
    )?;
    super::acl::inherit(ctx.conn(), account_id, id, name)?;
    Ok(id)
}

/// Whether the actor may see the mailbox at all (RFC 4314 `l`).
fn sees(conn: &rusqlite::Connection, actor: Actor, mailbox: &Mailbox) -> DbResult<bool> {
    let held = rights(actor, mailbox.account_id, |user| {
        super::acl::granted(conn, user, mailbox.id)
    })?;
    Ok(held.contains(Rights::LOOKUP))
}

impl SqliteBackend {
    /// All mailboxes of an account the actor may see, by name.
    pub(super) fn mailboxes(&self, actor: Actor, account_id: AccountId) -> Result<Vec<Mailbox>> {
        self.read_checked(|c| {
            let all = c
                .prepare_cached(&format!(
                    "SELECT {MAILBOX_COLUMNS} WHERE account_id = ?1 ORDER BY name"
                ))?
                .query_map([account_id], mailbox_from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let held = super::acl::rights_by_mailbox(c, actor, account_id)?;
            let mut seen: Vec<Mailbox> = all
                .into_iter()
                .filter(|m| held.of(m.id).contains(Rights::LOOKUP))
                .collect();
            super::member_seen::show_in_mailboxes(c, actor, seen.iter_mut())?;
            Ok(seen)
        })
    }

    /// A mailbox by id, if it exists and the actor may see it.
    pub(super) fn mailbox(&self, actor: Actor, id: MailboxId) -> Result<Option<Mailbox>> {
        self.find_mailbox(
            actor,
            &format!("SELECT {MAILBOX_COLUMNS} WHERE id = ?1"),
            params![id],
        )
    }

    pub(super) fn mailbox_by_role(
        &self,
        actor: Actor,
        account_id: AccountId,
        role: MailboxRole,
    ) -> Result<Option<Mailbox>> {
        self.find_mailbox(
            actor,
            &format!("SELECT {MAILBOX_COLUMNS} WHERE account_id = ?1 AND role = ?2"),
            params![account_id, role.as_str()],
        )
    }

    /// The mailbox with exactly this name (protocols normalise INBOX before asking).
    pub(super) fn mailbox_by_name(
        &self,
        actor: Actor,
        account_id: AccountId,
        name: &str,
    ) -> Result<Option<Mailbox>> {
        self.find_mailbox(
            actor,
            &format!("SELECT {MAILBOX_COLUMNS} WHERE account_id = ?1 AND name = ?2"),
            params![account_id, name],
        )
    }

    fn find_mailbox(
        &self,
        actor: Actor,
        sql: &str,
        args: impl rusqlite::Params,
    ) -> Result<Option<Mailbox>> {
        self.read_checked(|c| {
            let found = c
                .prepare_cached(sql)?
                .query_row(args, mailbox_from_row)
                .optional()?;
            match found {
                Some(mut m) if sees(c, actor, &m)? => {
                    super::member_seen::show_in_mailboxes(c, actor, [&mut m])?;
                    Ok(Some(m))
                }
                _ => Ok(None),
            }
        })
    }

    /// Claims the messages up to `up_to` that no read-write session has been told about
    /// (IMAP `\Recent`, RFC 3501 §2.3.2) and returns the highest UID claimed before: the
    /// caller's recent messages are those above it. Not a change to the mailbox (no modseq, no
    /// log entry); a claim lost in a crash only makes messages recent once more.
    pub(super) async fn claim_recent(
        &self,
        actor: Actor,
        id: MailboxId,
        up_to: Uid,
    ) -> Result<Uid> {
        self.write(move |ctx| {
            require_mailbox(ctx.conn(), actor, id, Rights::READ.union(Rights::SEEN))?;
            let before: Uid = ctx
                .conn()
                .prepare_cached("SELECT recent_uid FROM mailboxes WHERE id = ?1")?
                .query_row([id], |r| r.get(0))
                .optional()?
                .ok_or_else(|| StoreError::NotFound(format!("mailbox {id}")))?;
            if up_to > before {
                ctx.conn()
                    .prepare_cached("UPDATE mailboxes SET recent_uid = ?2 WHERE id = ?1")?
                    .execute(params![id, up_to])?;
            }
            Ok(before)
        })
        .await
    }

    /// How many messages of a mailbox no read-write session has claimed as `\Recent` yet
    /// (STATUS RECENT, RFC 3501 §6.3.10).
    pub(super) fn unclaimed_recent(&self, actor: Actor, id: MailboxId) -> Result<u32> {
        self.read_checked(|conn| {
            self.require_mailbox(conn, actor, id, Rights::READ)?;
            Ok(conn
                .prepare_cached(
                    "SELECT COUNT(*) FROM memberships m JOIN mailboxes b ON b.id = m.mailbox_id \
                     WHERE m.mailbox_id = ?1 AND m.uid > b.recent_uid",
                )?
                .query_row([id], |r| r.get(0))?)
        })
    }

    /// Deletes a mailbox and its messages (RFC 9051 §6.3.5). The INBOX cannot be deleted.
    pub(super) async fn delete_mailbox(
        &self,
        actor: Actor,
        account_id: AccountId,
        id: MailboxId,
    ) -> Result<()> {
        let deleted = self
            .write(move |ctx| {
                require_in_account(ctx.conn(), actor, account_id, id, Rights::DELETE_MAILBOX)?;
                let role: Option<Option<String>> = ctx
                    .conn()
                    .prepare_cached("SELECT role FROM mailboxes WHERE id = ?1 AND account_id = ?2")?
                    .query_row(params![id, account_id], |r| r.get(0))
                    .optional()?;
                match role {
                    None => return Err(StoreError::NotFound(format!("mailbox {id}")).into()),
                    Some(Some(role)) if role == MailboxRole::Inbox.as_str() => {
                        return Err(StoreError::InUse("INBOX cannot be deleted".into()).into());
                    }
                    Some(_) => {}
                }
                let modseq = ctx.bump_modseq(account_id)?;
                let uids: Vec<Uid> = ctx
                    .conn()
                    .prepare_cached("SELECT uid FROM memberships WHERE mailbox_id = ?1")?
                    .query_map([id], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                for uid in uids {
                    super::edits::remove_message(ctx, account_id, id, uid, modseq)?;
                }
                ctx.conn()
                    .execute("DELETE FROM mailboxes WHERE id = ?1", [id])?;
                ctx.log_change(
                    account_id,
                    modseq,
                    ObjectKind::Mailbox,
                    ChangeKind::Destroyed,
                    id,
                    None,
                    None,
                )
            })
            .await;
        if deleted.is_ok() {
            self.forget_mailbox(id);
        }
        deleted
    }
}
