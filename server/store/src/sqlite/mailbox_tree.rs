//! Mailbox tree operations, each one write job: creation with the missing parents, rename of a
//! mailbox with its whole subtree (and of INBOX, which moves its messages instead), under the
//! account's [`MailboxLimits`] (`crate::mailbox_tree`).

use super::SqliteBackend;
use super::WriteCtx;
use super::access::require_in_account;
use super::error::DbResult;
use super::mailboxes::{MAILBOX_COLUMNS, create_mailbox, mailbox_from_row};
use crate::access::{Actor, Rights, require};
use crate::changes::{ChangeKind, ObjectKind};
use crate::mailbox_tree::{HIERARCHY_DELIMITER, MailboxLimits, TreeRename, ancestors};
use crate::{AccountId, Mailbox, MailboxId, MailboxRole, Result, StoreError};
use rusqlite::{OptionalExtension, params};

/// Refuses adding `adding` mailboxes past the account's limit.
fn check_count(
    ctx: &WriteCtx<'_>,
    limits: &MailboxLimits,
    account_id: AccountId,
    adding: usize,
) -> DbResult<()> {
    let count: i64 = ctx
        .conn()
        .prepare_cached("SELECT COUNT(*) FROM mailboxes WHERE account_id = ?1")?
        .query_row([account_id], |r| r.get(0))?;
    match count as usize + adding > limits.max_mailboxes {
        true => Err(StoreError::Limit(format!(
            "an account has at most {} mailboxes",
            limits.max_mailboxes
        ))
        .into()),
        false => Ok(()),
    }
}

fn mailbox_id_by_name(
    ctx: &WriteCtx<'_>,
    account_id: AccountId,
    name: &str,
) -> DbResult<Option<MailboxId>> {
    Ok(ctx
        .conn()
        .prepare_cached("SELECT id FROM mailboxes WHERE account_id = ?1 AND name = ?2")?
        .query_row(params![account_id, name], |r| r.get(0))
        .optional()?)
}

fn load(ctx: &WriteCtx<'_>, id: MailboxId) -> DbResult<Mailbox> {
    Ok(ctx
        .conn()
        .prepare_cached(&format!("SELECT {MAILBOX_COLUMNS} WHERE id = ?1"))?
        .query_row([id], mailbox_from_row)?)
}

/// Creates the missing ancestors of `name`, outermost first; returns them.
fn create_parents(
    ctx: &mut WriteCtx<'_>,
    limits: &MailboxLimits,
    account_id: AccountId,
    name: &str,
) -> DbResult<Vec<Mailbox>> {
    let missing: Vec<&str> = ancestors(name)
        .filter_map(|parent| match mailbox_id_by_name(ctx, account_id, parent) {
            Ok(Some(_)) => None,
            Ok(None) => Some(Ok(parent)),
            Err(e) => Some(Err(e)),
        })
        .collect::<DbResult<_>>()?;
    check_count(ctx, limits, account_id, missing.len())?;
    missing
        .into_iter()
        .map(|parent| {
            let id = create_mailbox(ctx, account_id, parent, None)?;
            load(ctx, id)
        })
        .collect()
}

/// CREATE's rights (RFC 4314 §4): `k` on the parent mailbox of the new name (the nearest
/// existing one above it), or, at the top of the account, being its owner.
fn require_create(
    conn: &rusqlite::Connection,
    actor: Actor,
    account_id: AccountId,
    name: &str,
) -> DbResult<()> {
    let parent = ancestors(name)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .map(|p| {
            conn.prepare_cached("SELECT id FROM mailboxes WHERE account_id = ?1 AND name = ?2")?
                .query_row(rusqlite::params![account_id, p], |r| {
                    r.get::<_, MailboxId>(0)
                })
                .optional()
        })
        .find_map(|found| found.transpose());
    match parent {
        Some(id) => require_in_account(conn, actor, account_id, id?, Rights::CREATE),
        None => Ok(require(actor, account_id, None, Rights::CREATE)?),
    }
}

impl SqliteBackend {
    /// Creates a mailbox and any missing parents, in one transaction (IMAP CREATE, RFC 9051
    /// §6.3.4; with a special-use role, RFC 6154). Returns what was created, parents first and
    /// the mailbox last.
    pub(super) async fn create_mailbox_path(
        &self,
        actor: Actor,
        account_id: AccountId,
        name: &str,
        role: Option<MailboxRole>,
    ) -> Result<Vec<Mailbox>> {
        self.create(actor, account_id, name, role, true).await
    }

    /// Creates one mailbox whose parents exist or are not wanted (see
    /// [`SqliteBackend::create_mailbox_path`]).
    pub(super) async fn create_mailbox(
        &self,
        actor: Actor,
        account_id: AccountId,
        name: &str,
        role: Option<MailboxRole>,
    ) -> Result<Mailbox> {
        let mut created = self.create(actor, account_id, name, role, false).await?;
        created
            .pop()
            .ok_or_else(|| StoreError::Internal("no mailbox created".into()))
    }

    async fn create(
        &self,
        actor: Actor,
        account_id: AccountId,
        name: &str,
        role: Option<MailboxRole>,
        with_parents: bool,
    ) -> Result<Vec<Mailbox>> {
        let (name, limits) = (name.to_string(), self.limits);
        self.write(move |ctx| {
            require_create(ctx.conn(), actor, account_id, &name)?;
            limits.check_name(&name)?;
            if mailbox_id_by_name(ctx, account_id, &name)?.is_some() {
                return Err(StoreError::AlreadyExists(format!("mailbox {name}")).into());
            }
            let mut created = match with_parents {
                true => create_parents(ctx, &limits, account_id, &name)?,
                false => Vec::new(),
            };
            check_count(ctx, &limits, account_id, 1)?;
            let id = create_mailbox(ctx, account_id, &name, role)?;
            created.push(load(ctx, id)?);
            Ok(created)
        })
        .await
    }

    /// Renames a mailbox and its whole subtree to `to` in one transaction (RFC 9051 §6.3.6),
    /// creating missing parents of `to`. UIDVALIDITY and UIDs are kept: the messages did not
    /// change. Renaming INBOX creates `to`, moves INBOX's messages there and leaves INBOX (and
    /// its children) where they are.
    pub(super) async fn rename_mailbox_tree(
        &self,
        actor: Actor,
        account_id: AccountId,
        id: MailboxId,
        to: &str,
    ) -> Result<TreeRename> {
        let (to, limits) = (to.to_string(), self.limits);
        self.write(move |ctx| {
            // RFC 4314 §4: `x` on the mailbox, `k` where the new name goes.
            require_in_account(ctx.conn(), actor, account_id, id, Rights::DELETE_MAILBOX)?;
            require_create(ctx.conn(), actor, account_id, &to)?;
            let from = load(ctx, id).ok().filter(|m| m.account_id == account_id);
            let from = from.ok_or_else(|| StoreError::NotFound(format!("mailbox {id}")))?;
            let prefix = format!("{}{HIERARCHY_DELIMITER}", from.name);
            let is_inbox = from.role == Some(MailboxRole::Inbox);
            if !is_inbox && (to == from.name || to.starts_with(&prefix)) {
                return Err(StoreError::InUse("cannot rename a mailbox into itself".into()).into());
            }
            limits.check_name(&to)?;
            if mailbox_id_by_name(ctx, account_id, &to)?.is_some() {
                return Err(StoreError::AlreadyExists(format!("mailbox {to}")).into());
            }
            let mut result = TreeRename {
                created: create_parents(ctx, &limits, account_id, &to)?,
                ..TreeRename::default()
            };
            if is_inbox {
                check_count(ctx, &limits, account_id, 1)?;
                let destination = create_mailbox(ctx, account_id, &to, None)?;
                super::edits::move_all(ctx, account_id, id, destination)?;
                result.created.push(load(ctx, destination)?);
                return Ok(result);
            }
            result.renamed.push((id, to.clone()));
            let children: Vec<(MailboxId, String)> = ctx
                .conn()
                .prepare_cached("SELECT id, name FROM mailboxes WHERE account_id = ?1 AND substr(name, 1, length(?2)) = ?2")?
                .query_map(params![account_id, prefix], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            for (child, name) in children {
                let renamed = format!("{to}{}", &name[from.name.len()..]);
                limits.check_name(&renamed)?;
                result.renamed.push((child, renamed));
            }
            let modseq = ctx.bump_modseq(account_id)?;
            // Two steps, so that a name freed by one rename can be taken by another: first a
            // placeholder no valid name has (a control character and the id).
            for (mailbox, _) in &result.renamed {
                ctx.conn()
                    .prepare_cached("UPDATE mailboxes SET name = char(1) || id WHERE id = ?1")?
                    .execute([mailbox])?;
            }
            for (mailbox, name) in &result.renamed {
                if mailbox_id_by_name(ctx, account_id, name)?.is_some() {
                    return Err(StoreError::AlreadyExists(format!("mailbox {name}")).into());
                }
                ctx.conn()
                    .prepare_cached("UPDATE mailboxes SET name = ?2, highest_modseq = ?3 WHERE id = ?1")?
                    .execute(params![mailbox, name, modseq as i64])?;
                ctx.log_change(account_id, modseq, ObjectKind::Mailbox, ChangeKind::Updated, *mailbox, None, None)?;
            }
            Ok(result)
        })
        .await
    }
}
