//! Sending identities (JMAP Identity, RFC 8621 §6): every change one transaction that logs the
//! identity as created, updated or destroyed, so `Identity/changes` and push see it. The
//! primary identity (email NULL) is made with the account and cannot be destroyed.

use super::error::DbResult;
use super::{SqliteBackend, WriteCtx};
use crate::access::{Actor, Rights, require};
use crate::changes::{ChangeKind, ObjectKind};
use crate::{AccountId, Identity, Result, StoreError};
use rusqlite::params;

fn log(ctx: &mut WriteCtx<'_>, account_id: AccountId, id: i64, kind: ChangeKind) -> DbResult<()> {
    let modseq = ctx.bump_modseq(account_id)?;
    ctx.log_change(
        account_id,
        modseq,
        ObjectKind::Identity,
        kind,
        id,
        None,
        None,
    )
}

impl SqliteBackend {
    /// The account's identities, the primary one first.
    pub(super) fn identities(&self, actor: Actor, account_id: AccountId) -> Result<Vec<Identity>> {
        self.read_checked(|c| {
            require(actor, account_id, None, Rights::READ)?;
            let mut stmt = c.prepare_cached(
                "SELECT id, email, name, reply_to, bcc, text_signature, html_signature
                 FROM identities WHERE account_id = ?1 ORDER BY email IS NOT NULL, id",
            )?;
            let rows = stmt.query_map([account_id], |r| {
                Ok(Identity {
                    id: r.get(0)?,
                    email: r.get(1)?,
                    name: r.get(2)?,
                    reply_to: r.get(3)?,
                    bcc: r.get(4)?,
                    text_signature: r.get(5)?,
                    html_signature: r.get(6)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// Creates (`identity.id` 0) or replaces one of the account's identities; its id. The
    /// caller has checked that the user may send as its address.
    pub(super) async fn put_identity(
        &self,
        actor: Actor,
        account_id: AccountId,
        identity: Identity,
    ) -> Result<i64> {
        require(actor, account_id, None, Rights::WRITE)?;
        self.write(move |ctx| {
            let Identity {
                id,
                email,
                name,
                reply_to,
                bcc,
                text_signature,
                html_signature,
            } = identity;
            if id == 0 {
                let id: i64 = ctx
                    .conn()
                    .prepare_cached(
                        "INSERT INTO identities
                         (account_id, email, name, reply_to, bcc, text_signature, html_signature)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
                    )?
                    .query_row(
                        params![
                            account_id,
                            email,
                            name,
                            reply_to,
                            bcc,
                            text_signature,
                            html_signature
                        ],
                        |r| r.get(0),
                    )?;
                log(ctx, account_id, id, ChangeKind::Created)?;
                return Ok(id);
            }
            let changed = ctx
                .conn()
                .prepare_cached(
                    "UPDATE identities SET name = ?3, reply_to = ?4, bcc = ?5, text_signature = ?6,
                     html_signature = ?7 WHERE id = ?1 AND account_id = ?2",
                )?
                .execute(params![
                    id,
                    account_id,
                    name,
                    reply_to,
                    bcc,
                    text_signature,
                    html_signature
                ])?;
            if changed == 0 {
                return Err(StoreError::NotFound(format!("identity {id}")).into());
            }
            log(ctx, account_id, id, ChangeKind::Updated)?;
            Ok(id)
        })
        .await
    }

    /// Destroys one of the account's identities (not the primary one).
    pub(super) async fn destroy_identity(
        &self,
        actor: Actor,
        account_id: AccountId,
        id: i64,
    ) -> Result<()> {
        require(actor, account_id, None, Rights::WRITE)?;
        self.write(move |ctx| {
            let gone = ctx
                .conn()
                .prepare_cached(
                    "DELETE FROM identities WHERE id = ?1 AND account_id = ?2 AND email IS NOT NULL",
                )?
                .execute(params![id, account_id])?;
            if gone == 0 {
                return Err(StoreError::NotFound(format!("identity {id}")).into());
            }
            log(ctx, account_id, id, ChangeKind::Destroyed)
        })
        .await
    }
}
