//! App passwords (migration 0020): added, listed, found by the hash of their secret, used,
//! revoked. The secrets and their hashing are `kantor-directory`'s; only hashes reach here.

use super::SqliteBackend;
use crate::{AccountId, AppPassword, NewAppPassword, Result, StoreError};
use rusqlite::{OptionalExtension, Row, params};

const COLUMNS: &str = "id, account_id, name, created_at, last_used_at";

fn row(r: &Row<'_>) -> rusqlite::Result<AppPassword> {
    Ok(AppPassword {
        id: r.get(0)?,
        account_id: r.get(1)?,
        name: r.get(2)?,
        created_at: r.get(3)?,
        last_used_at: r.get(4)?,
    })
}

impl SqliteBackend {
    /// Adds one; `AlreadyExists` when the account has one of that name.
    pub(super) async fn add_app_password(&self, new: NewAppPassword) -> Result<AppPassword> {
        self.write(move |ctx| {
            let added = ctx
                .conn()
                .prepare_cached(&format!(
                    "INSERT INTO app_passwords (account_id, name, secret_hash, created_at)
                     SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM accounts WHERE id = ?1)
                     ON CONFLICT (account_id, name) DO NOTHING RETURNING {COLUMNS}"
                ))?
                .query_row(
                    params![new.account_id, new.name, new.secret_hash, new.created_at],
                    row,
                )
                .optional()?;
            added.ok_or_else(|| {
                StoreError::AlreadyExists(format!("app password {:?}", new.name)).into()
            })
        })
        .await
    }

    /// The account's, by name.
    pub(super) fn app_passwords(&self, account_id: AccountId) -> Result<Vec<AppPassword>> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM app_passwords WHERE account_id = ?1 ORDER BY name"
            ))?
            .query_map([account_id], row)?
            .collect()
        })
    }

    /// The one whose secret hashes to `hash` (an indexed lookup).
    pub(super) fn app_password_by_hash(&self, hash: &[u8]) -> Result<Option<AppPassword>> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM app_passwords WHERE secret_hash = ?1"
            ))?
            .query_row([hash], row)
            .optional()
        })
    }

    /// Revokes the account's app password `name`; `NotFound` when it has none of that name.
    pub(super) async fn remove_app_password(
        &self,
        account_id: AccountId,
        name: String,
    ) -> Result<()> {
        self.write(move |ctx| {
            let removed = ctx
                .conn()
                .prepare_cached("DELETE FROM app_passwords WHERE account_id = ?1 AND name = ?2")?
                .execute(params![account_id, name])?;
            match removed {
                0 => Err(StoreError::NotFound(format!("app password {name:?}")).into()),
                _ => Ok(()),
            }
        })
        .await
    }

    /// Notes that app password `id` was used at `at` (Unix seconds).
    pub(super) async fn record_app_password_use(&self, id: i64, at: i64) -> Result<()> {
        self.write(move |ctx| {
            ctx.conn()
                .prepare_cached("UPDATE app_passwords SET last_used_at = ?2 WHERE id = ?1")?
                .execute(params![id, at])?;
            Ok(())
        })
        .await
    }
}
