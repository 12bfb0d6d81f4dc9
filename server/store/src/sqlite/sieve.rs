//! An account's Sieve scripts (RFC 5228) as ManageSieve names them (RFC 5804): every change is
//! one transaction that logs the script as created, updated or destroyed, so every client of
//! the change log sees it. At most one script is active (§1.1; a partial unique index). And
//! whom the vacation action answered until when (RFC 5230 §4.2), the server's bookkeeping.

use super::error::DbResult;
use super::{SqliteBackend, WriteCtx};
use crate::access::{Actor, Rights, require};
use crate::changes::{ChangeKind, ObjectKind};
use crate::{AccountId, Result, SieveScript, StoreError};
use rusqlite::{OptionalExtension, Row, params};

fn log(ctx: &mut WriteCtx<'_>, account_id: AccountId, id: i64, kind: ChangeKind) -> DbResult<()> {
    let modseq = ctx.bump_modseq(account_id)?;
    ctx.log_change(
        account_id,
        modseq,
        ObjectKind::SieveScript,
        kind,
        id,
        None,
        None,
    )
}

const SELECT: &str = "SELECT id, name, content, active FROM sieve_scripts";

fn script_from_row(r: &Row<'_>) -> rusqlite::Result<SieveScript> {
    Ok(SieveScript {
        id: r.get(0)?,
        name: r.get(1)?,
        content: r.get(2)?,
        active: r.get(3)?,
    })
}

/// The id of the account's script of this name.
fn id_of(ctx: &WriteCtx<'_>, account_id: AccountId, name: &str) -> DbResult<Option<i64>> {
    Ok(ctx
        .conn()
        .prepare_cached("SELECT id FROM sieve_scripts WHERE account_id = ?1 AND name = ?2")?
        .query_row(params![account_id, name], |r| r.get(0))
        .optional()?)
}

/// Adds a script, logged as created, while the account has fewer than `max_scripts`; its id.
fn insert(
    ctx: &mut WriteCtx<'_>,
    account_id: AccountId,
    name: &str,
    content: &str,
    max_scripts: u32,
) -> DbResult<i64> {
    let count: u32 = ctx
        .conn()
        .prepare_cached("SELECT COUNT(*) FROM sieve_scripts WHERE account_id = ?1")?
        .query_row([account_id], |r| r.get(0))?;
    if count >= max_scripts {
        return Err(StoreError::Limit(format!("at most {max_scripts} scripts per account")).into());
    }
    let id: i64 = ctx
        .conn()
        .prepare_cached(
            "INSERT INTO sieve_scripts (account_id, name, content) VALUES (?1, ?2, ?3)
             RETURNING id",
        )?
        .query_row(params![account_id, name, content], |r| r.get(0))?;
    log(ctx, account_id, id, ChangeKind::Created)?;
    Ok(id)
}

fn not_found(name: &str) -> StoreError {
    StoreError::NotFound(format!("script \"{name}\""))
}

impl SqliteBackend {
    /// The account's scripts in name order.
    pub(super) fn sieve_scripts(
        &self,
        actor: Actor,
        account_id: AccountId,
    ) -> Result<Vec<SieveScript>> {
        self.read_checked(|c| {
            require(actor, account_id, None, Rights::READ)?;
            let mut stmt =
                c.prepare_cached(&format!("{SELECT} WHERE account_id = ?1 ORDER BY name"))?;
            let rows = stmt.query_map([account_id], script_from_row)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// The account's active script, if it has one (what delivery runs).
    pub(super) fn active_sieve_script(
        &self,
        actor: Actor,
        account_id: AccountId,
    ) -> Result<Option<SieveScript>> {
        self.read_checked(|c| {
            require(actor, account_id, None, Rights::READ)?;
            Ok(
                c.prepare_cached(&format!("{SELECT} WHERE account_id = ?1 AND active"))?
                    .query_row([account_id], script_from_row)
                    .optional()?,
            )
        })
    }

    /// Stores a script under `name`, replacing the content of one of that name (its id and
    /// active state stay) or adding one, refused past `max_scripts` scripts.
    pub(super) async fn put_sieve_script(
        &self,
        actor: Actor,
        account_id: AccountId,
        name: String,
        content: String,
        max_scripts: u32,
    ) -> Result<()> {
        require(actor, account_id, None, Rights::WRITE)?;
        self.write(move |ctx| {
            if let Some(id) = id_of(ctx, account_id, &name)? {
                ctx.conn()
                    .prepare_cached("UPDATE sieve_scripts SET content = ?2 WHERE id = ?1")?
                    .execute(params![id, content])?;
                return log(ctx, account_id, id, ChangeKind::Updated);
            }
            insert(ctx, account_id, &name, &content, max_scripts).map(|_| ())
        })
        .await
    }

    /// Adds a script under a name no other script has (`AlreadyExists` otherwise), refused
    /// past `max_scripts` scripts (RFC 9661 §2.4 create); its id.
    pub(super) async fn create_sieve_script(
        &self,
        actor: Actor,
        account_id: AccountId,
        name: String,
        content: String,
        max_scripts: u32,
    ) -> Result<i64> {
        require(actor, account_id, None, Rights::WRITE)?;
        self.write(move |ctx| {
            if id_of(ctx, account_id, &name)?.is_some() {
                return Err(StoreError::AlreadyExists(format!("script \"{name}\"")).into());
            }
            insert(ctx, account_id, &name, &content, max_scripts)
        })
        .await
    }

    /// Changes the name and/or the content of the script `id` in one logged change (RFC 9661
    /// §2.4 update); `AlreadyExists` when another script has the new name.
    pub(super) async fn update_sieve_script(
        &self,
        actor: Actor,
        account_id: AccountId,
        id: i64,
        name: Option<String>,
        content: Option<String>,
    ) -> Result<()> {
        require(actor, account_id, None, Rights::WRITE)?;
        self.write(move |ctx| {
            let exists: bool = ctx
                .conn()
                .prepare_cached(
                    "SELECT EXISTS(SELECT 1 FROM sieve_scripts WHERE id = ?1 AND account_id = ?2)",
                )?
                .query_row(params![id, account_id], |r| r.get(0))?;
            if !exists {
                return Err(StoreError::NotFound(format!("script {id}")).into());
            }
            if let Some(name) = name {
                if id_of(ctx, account_id, &name)?.is_some_and(|other| other != id) {
                    return Err(StoreError::AlreadyExists(format!("script \"{name}\"")).into());
                }
                ctx.conn()
                    .prepare_cached("UPDATE sieve_scripts SET name = ?2 WHERE id = ?1")?
                    .execute(params![id, name])?;
            }
            if let Some(content) = content {
                ctx.conn()
                    .prepare_cached("UPDATE sieve_scripts SET content = ?2 WHERE id = ?1")?
                    .execute(params![id, content])?;
            }
            log(ctx, account_id, id, ChangeKind::Updated)
        })
        .await
    }

    /// Makes the script of this name the active one (RFC 5804 §2.8), or none with `None`.
    pub(super) async fn activate_sieve_script(
        &self,
        actor: Actor,
        account_id: AccountId,
        name: Option<String>,
    ) -> Result<()> {
        require(actor, account_id, None, Rights::WRITE)?;
        self.write(move |ctx| {
            let new = match &name {
                Some(name) => Some(id_of(ctx, account_id, name)?.ok_or_else(|| not_found(name))?),
                None => None,
            };
            let old: Option<i64> = ctx
                .conn()
                .prepare_cached("SELECT id FROM sieve_scripts WHERE account_id = ?1 AND active")?
                .query_row([account_id], |r| r.get(0))
                .optional()?;
            if old == new {
                return Ok(());
            }
            if let Some(old) = old {
                ctx.conn()
                    .prepare_cached("UPDATE sieve_scripts SET active = 0 WHERE id = ?1")?
                    .execute([old])?;
                log(ctx, account_id, old, ChangeKind::Updated)?;
            }
            if let Some(new) = new {
                ctx.conn()
                    .prepare_cached("UPDATE sieve_scripts SET active = 1 WHERE id = ?1")?
                    .execute([new])?;
                log(ctx, account_id, new, ChangeKind::Updated)?;
            }
            Ok(())
        })
        .await
    }

    /// Renames a script (RFC 5804 §2.11.1); refused when the new name is taken.
    pub(super) async fn rename_sieve_script(
        &self,
        actor: Actor,
        account_id: AccountId,
        old: String,
        new: String,
    ) -> Result<()> {
        require(actor, account_id, None, Rights::WRITE)?;
        self.write(move |ctx| {
            let id = id_of(ctx, account_id, &old)?.ok_or_else(|| not_found(&old))?;
            if id_of(ctx, account_id, &new)?.is_some() {
                return Err(StoreError::AlreadyExists(format!("script \"{new}\"")).into());
            }
            ctx.conn()
                .prepare_cached("UPDATE sieve_scripts SET name = ?2 WHERE id = ?1")?
                .execute(params![id, new])?;
            log(ctx, account_id, id, ChangeKind::Updated)
        })
        .await
    }

    /// Deletes a script; the active one is refused (`InUse`, RFC 5804 §2.10).
    pub(super) async fn delete_sieve_script(
        &self,
        actor: Actor,
        account_id: AccountId,
        name: String,
    ) -> Result<()> {
        require(actor, account_id, None, Rights::WRITE)?;
        self.write(move |ctx| {
            let (id, active): (i64, bool) = ctx
                .conn()
                .prepare_cached(
                    "SELECT id, active FROM sieve_scripts WHERE account_id = ?1 AND name = ?2",
                )?
                .query_row(params![account_id, name], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?
                .ok_or_else(|| not_found(&name))?;
            if active {
                return Err(StoreError::InUse(format!("script \"{name}\" is active")).into());
            }
            ctx.conn()
                .prepare_cached("DELETE FROM sieve_scripts WHERE id = ?1")?
                .execute([id])?;
            log(ctx, account_id, id, ChangeKind::Destroyed)
        })
        .await
    }

    /// Whether the account's vacation already answered under `key` and that answer has not
    /// yet expired at `now` (RFC 5230 §4.2).
    pub(super) fn sieve_replied(
        &self,
        actor: Actor,
        account_id: AccountId,
        key: &str,
        now: i64,
    ) -> Result<bool> {
        self.read_checked(|c| {
            require(actor, account_id, None, Rights::READ)?;
            Ok(c.prepare_cached(
                "SELECT EXISTS(SELECT 1 FROM sieve_replies
                 WHERE account_id = ?1 AND reply_key = ?2 AND expires_at > ?3)",
            )?
            .query_row(params![account_id, key, now], |r| r.get(0))?)
        })
    }

    /// Records an answer under `key`, not to be repeated before `expires_at`.
    pub(super) async fn record_sieve_reply(
        &self,
        actor: Actor,
        account_id: AccountId,
        key: String,
        expires_at: i64,
    ) -> Result<()> {
        require(actor, account_id, None, Rights::WRITE)?;
        self.write(move |ctx| {
            ctx.conn()
                .prepare_cached(
                    "INSERT OR REPLACE INTO sieve_replies (account_id, reply_key, expires_at)
                     VALUES (?1, ?2, ?3)",
                )?
                .execute(params![account_id, key, expires_at])?;
            Ok(())
        })
        .await
    }
}
