//! Accounts: creating, finding, changing and removing them. The rules (address syntax, password
//! hashing) live in the `kantor-directory` crate.

use super::directory::{address_taken, domain_id};
use super::error::DbResult;
use super::{SqliteBackend, WriteCtx, now};
use crate::changes::{ChangeKind, ObjectKind};
use crate::{
    Account, AccountId, AccountState, Lockout, MailboxRole, NewAccount, Renamed, Result, StoreError,
};
use rusqlite::{OptionalExtension, Row, params};

/// The password hash of a shared mailbox account: not a PHC string, so it verifies no password.
const SHARED_PASSWORD_HASH: &str = "!shared";

const ACCOUNT_COLUMNS: &str = "a.id, a.local, d.name, a.password_hash, a.is_admin, a.quota_bytes, \
     a.used_bytes, a.modseq, a.disabled, a.last_login_at, a.auth_generation, a.shared \
     FROM accounts a JOIN domains d ON d.id = a.domain_id";

fn account_from_row(r: &Row<'_>) -> rusqlite::Result<Account> {
    Ok(Account {
        id: r.get(0)?,
        local: r.get(1)?,
        domain: r.get(2)?,
        password_hash: r.get(3)?,
        is_admin: r.get(4)?,
        quota_bytes: r.get::<_, i64>(5)? as u64,
        used_bytes: r.get::<_, i64>(6)? as u64,
        modseq: r.get::<_, i64>(7)? as u64,
        disabled: r.get(8)?,
        last_login_at: r.get(9)?,
        auth_generation: r.get::<_, i64>(10)? as u64,
        shared: r.get(11)?,
    })
}

impl SqliteBackend {
    pub(super) fn account(&self, id: AccountId) -> Result<Option<Account>> {
        self.read(|c| {
            c.prepare_cached(&format!("SELECT {ACCOUNT_COLUMNS} WHERE a.id = ?1"))?
                .query_row([id], account_from_row)
                .optional()
        })
    }

    /// The account whose primary address is `local@domain` (case-insensitive).
    pub(super) fn account_by_address(&self, local: &str, domain: &str) -> Result<Option<Account>> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {ACCOUNT_COLUMNS} WHERE a.local = ?1 AND d.name = ?2"
            ))?
            .query_row([local, domain], account_from_row)
            .optional()
        })
    }

    /// All accounts, or those of one domain, ordered by address.
    pub(super) fn accounts(&self, domain: Option<&str>) -> Result<Vec<Account>> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {ACCOUNT_COLUMNS} WHERE ?1 IS NULL OR d.name = ?1 ORDER BY d.name, a.local"
            ))?
            .query_map([domain], account_from_row)?
            .collect()
        })
    }

    /// Creates an account with its special-use mailboxes (RFC 6154), subscribed, in one
    /// transaction.
    pub(super) async fn create_account(&self, new: NewAccount) -> Result<Account> {
        self.add_account(new, false).await
    }

    /// Creates a shared mailbox account (migration 0023): its password hash is no PHC string,
    /// so no password opens it; it gets the special-use mailboxes like any account.
    pub(super) async fn create_shared_account(&self, local: &str, domain: &str) -> Result<Account> {
        let new = NewAccount {
            local: local.to_string(),
            domain: domain.to_string(),
            password_hash: SHARED_PASSWORD_HASH.to_string(),
            is_admin: false,
            quota_bytes: 0,
        };
        self.add_account(new, true).await
    }

    async fn add_account(&self, new: NewAccount, shared: bool) -> Result<Account> {
        self.write(move |ctx| {
            let domain_id = domain_id(ctx.conn(), &new.domain)?;
            if let Some(kind) = address_taken(ctx.conn(), domain_id, &new.local)? {
                return Err(StoreError::AlreadyExists(format!(
                    "{kind} {}@{}",
                    new.local, new.domain
                )).into());
            }
            let id: AccountId = ctx.conn().query_row(
                "INSERT INTO accounts (domain_id, local, password_hash, is_admin, quota_bytes, created_at, shared)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
                params![domain_id, new.local, new.password_hash, new.is_admin, new.quota_bytes as i64, now(), shared],
                |r| r.get(0),
            )?;
            // The primary identity (JMAP, RFC 8621 §6): the account's own address.
            ctx.conn()
                .prepare_cached("INSERT INTO identities (account_id) VALUES (?1)")?
                .execute([id])?;
            for (role, name) in MailboxRole::DEFAULTS {
                super::mailboxes::create_mailbox(ctx, id, name, Some(role))?;
                // Clients expect the special-use mailboxes subscribed; CREATE subscribes nothing.
                super::subscriptions::set(ctx, id, name, true)?;
            }
            ctx.conn()
                .prepare_cached(&format!("SELECT {ACCOUNT_COLUMNS} WHERE a.id = ?1"))?
                .query_row([id], account_from_row)
                .map_err(Into::into)
        })
        .await
    }

    pub(super) async fn set_password_hash(&self, id: AccountId, hash: String) -> Result<()> {
        self.update_account(
            id,
            "UPDATE accounts SET password_hash = ?2 WHERE id = ?1",
            hash,
        )
        .await
    }

    /// Sets the account's quota in bytes (0 = unlimited).
    pub(super) async fn set_quota(&self, id: AccountId, bytes: u64) -> Result<()> {
        self.update_account(
            id,
            "UPDATE accounts SET quota_bytes = ?2 WHERE id = ?1",
            bytes as i64,
        )
        .await
    }

    /// Changes one column of an account; the change is logged (an account change: quota,
    /// settings) so JMAP and IMAP QUOTA listeners hear of it.
    async fn update_account<V: rusqlite::ToSql + Send + 'static>(
        &self,
        id: AccountId,
        sql: &'static str,
        value: V,
    ) -> Result<()> {
        self.write(move |ctx| {
            if ctx
                .conn()
                .prepare_cached(sql)?
                .execute(params![id, value])?
                == 0
            {
                return Err(StoreError::NotFound(format!("account {id}")).into());
            }
            log_account_updated(ctx, id)
        })
        .await
    }

    /// Whether the account may still be used: one indexed read, for open sessions to ask
    /// before each command.
    pub(super) fn account_state(&self, id: AccountId) -> Result<AccountState> {
        let disabled: Option<bool> = self.read(|c| {
            c.prepare_cached("SELECT disabled FROM accounts WHERE id = ?1")?
                .query_row([id], |r| r.get(0))
                .optional()
        })?;
        Ok(match disabled {
            None => AccountState::Removed,
            Some(true) => AccountState::Disabled,
            Some(false) => AccountState::Active,
        })
    }

    /// Disables (refuses its logins) or enables an account. Logged as an account change, so
    /// its idling sessions wake and see it.
    pub(super) async fn set_disabled(&self, id: AccountId, disabled: bool) -> Result<()> {
        self.update_account(
            id,
            "UPDATE accounts SET disabled = ?2 WHERE id = ?1",
            disabled,
        )
        .await
    }

    /// Raises the account's authentication generation (an unlock) and forgets its lockouts;
    /// returns the new generation.
    pub(super) async fn reset_auth(&self, id: AccountId) -> Result<u64> {
        self.write(move |ctx| {
            ctx.conn()
                .prepare_cached("DELETE FROM auth_lockouts WHERE account_id = ?1")?
                .execute([id])?;
            let generation: Option<i64> = ctx
                .conn()
                .prepare_cached(
                    "UPDATE accounts SET auth_generation = auth_generation + 1 WHERE id = ?1
                     RETURNING auth_generation",
                )?
                .query_row([id], |r| r.get(0))
                .optional()?;
            generation
                .map(|g| g as u64)
                .ok_or_else(|| StoreError::NotFound(format!("account {id}")).into())
        })
        .await
    }

    /// Notes a successful login at `at` (Unix seconds). Not an account change: nothing is
    /// logged and nobody woken.
    pub(super) async fn record_login(&self, id: AccountId, at: i64) -> Result<()> {
        self.write(move |ctx| {
            ctx.conn()
                .prepare_cached("UPDATE accounts SET last_login_at = ?2 WHERE id = ?1")?
                .execute(params![id, at])?;
            Ok(())
        })
        .await
    }

    /// Notes that `source` is refused logins to the account until `until` (Unix seconds).
    pub(super) async fn record_lockout(
        &self,
        id: AccountId,
        source: String,
        until: i64,
    ) -> Result<()> {
        self.write(move |ctx| {
            ctx.conn()
                .prepare_cached(
                    "INSERT OR REPLACE INTO auth_lockouts (account_id, source, until)
                     SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM accounts WHERE id = ?1)",
                )?
                .execute(params![id, source, until])?;
            Ok(())
        })
        .await
    }

    /// The sources refused logins to the account at `now` (Unix seconds), soonest end first.
    pub(super) fn lockouts(&self, id: AccountId, now: i64) -> Result<Vec<Lockout>> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT source, until FROM auth_lockouts WHERE account_id = ?1 AND until > ?2
                 ORDER BY until, source",
            )?
            .query_map(params![id, now], |r| {
                Ok(Lockout {
                    source: r.get(0)?,
                    until: r.get(1)?,
                })
            })?
            .collect()
        })
    }

    /// Gives the account a new address (in any local domain); it keeps its id, mail, password
    /// and permitted-sender rights. Alias targets and group members naming the old address
    /// name the new one from now on (a duplicate that would result is dropped).
    pub(super) async fn rename_account(
        &self,
        id: AccountId,
        local: &str,
        domain: &str,
    ) -> Result<Renamed> {
        let (local, domain) = (local.to_string(), domain.to_string());
        self.write(move |ctx| {
            let old: Option<String> = ctx
                .conn()
                .prepare_cached(
                    "SELECT a.local || '@' || d.name FROM accounts a
                     JOIN domains d ON d.id = a.domain_id WHERE a.id = ?1",
                )?
                .query_row([id], |r| r.get(0))
                .optional()?;
            let old = old.ok_or_else(|| StoreError::NotFound(format!("account {id}")))?;
            let domain_id = domain_id(ctx.conn(), &domain)?;
            let new = format!("{local}@{domain}");
            // The same address in another case is a change of spelling, not a clash.
            if !old.eq_ignore_ascii_case(&new)
                && let Some(kind) = address_taken(ctx.conn(), domain_id, &local)?
            {
                return Err(StoreError::AlreadyExists(format!("{kind} {new}")).into());
            }
            ctx.conn()
                .prepare_cached("UPDATE accounts SET local = ?2, domain_id = ?3 WHERE id = ?1")?
                .execute(params![id, local, domain_id])?;
            let mut renamed = Renamed::default();
            for (table, column, counter) in [
                ("aliases", "target", &mut renamed.alias_targets),
                ("group_members", "member", &mut renamed.group_memberships),
            ] {
                *counter = ctx.conn().execute(
                    &format!("UPDATE OR IGNORE {table} SET {column} = ?2 WHERE {column} = ?1"),
                    params![old, new],
                )? as u64;
                // A row left behind stayed because one naming the new address was there
                // already: a duplicate (never after a change of case, which compares equal).
                if !old.eq_ignore_ascii_case(&new) {
                    *counter += ctx.conn().execute(
                        &format!("DELETE FROM {table} WHERE {column} = ?1"),
                        params![old],
                    )? as u64;
                }
            }
            log_account_updated(ctx, id)?;
            Ok(renamed)
        })
        .await
    }

    /// Removes an account with all its mail. Its blobs are released now (none of its sessions
    /// can read on) and deleted by the collector once nothing else references them. Of its
    /// change log one row stays, the account's destruction, so that its listening sessions in
    /// every process wake and end (the log's pruning removes it in time).
    pub(super) async fn remove_account(&self, id: AccountId) -> Result<()> {
        self.write(move |ctx| {
            let modseq = ctx.bump_modseq(id)?;
            let hashes: Vec<String> = ctx
                .conn()
                .prepare("SELECT blob_hash FROM emails WHERE account_id = ?1")?
                .query_map([id], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            ctx.conn().execute(
                "DELETE FROM memberships WHERE mailbox_id IN (SELECT id FROM mailboxes WHERE account_id = ?1)",
                [id],
            )?;
            ctx.conn().execute(
                "DELETE FROM email_meta WHERE email_id IN (SELECT id FROM emails WHERE account_id = ?1)",
                [id],
            )?;
            ctx.conn()
                .execute("DELETE FROM emails WHERE account_id = ?1", [id])?;
            let released_at = now();
            for hash in &hashes {
                ctx.release_blob(hash, released_at)?;
            }
            for table in ["changes", "thread_refs"] {
                ctx.conn()
                    .execute(&format!("DELETE FROM {table} WHERE account_id = ?1"), [id])?;
            }
            ctx.log_change(
                id,
                modseq,
                ObjectKind::Account,
                ChangeKind::Destroyed,
                id,
                None,
                None,
            )?;
            ctx.conn().execute(
                "UPDATE queue SET account_id = NULL WHERE account_id = ?1",
                [id],
            )?;
            match ctx
                .conn()
                .execute("DELETE FROM accounts WHERE id = ?1", [id])?
            {
                0 => Err(StoreError::NotFound(format!("account {id}")).into()),
                _ => Ok(()),
            }
        })
        .await
    }
}

/// Logs a change of the account itself (quota, state, address): JMAP and IMAP listeners of the
/// account, in every process, hear of it.
pub(super) fn log_account_updated(ctx: &mut WriteCtx<'_>, id: AccountId) -> DbResult<()> {
    let modseq = ctx.bump_modseq(id)?;
    ctx.log_change(
        id,
        modseq,
        ObjectKind::Account,
        ChangeKind::Updated,
        id,
        None,
        None,
    )
}
