//! Directory persistence: domains, accounts, aliases and groups. The rules (address syntax,
//! password hashing, recipient resolution) live in the `kantor-directory` crate; this file only
//! stores and finds, and refuses an address already taken by another kind of entry.

use super::error::DbResult;
use super::{SqliteBackend, WriteCtx, now};
use crate::changes::{ChangeKind, ObjectKind};
use crate::{
    Account, AccountId, Alias, Domain, Group, MailboxRole, NewAccount, Result, StoreError,
};
use rusqlite::{Connection, OptionalExtension, Row, params};

const ACCOUNT_COLUMNS: &str = "a.id, a.local, d.name, a.password_hash, a.is_admin, a.quota_bytes, \
                               a.used_bytes, a.modseq FROM accounts a JOIN domains d ON d.id = a.domain_id";

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
    })
}

fn domain_id(conn: &Connection, domain: &str) -> DbResult<i64> {
    conn.prepare_cached("SELECT id FROM domains WHERE name = ?1")?
        .query_row([domain], |r| r.get(0))
        .optional()?
        .ok_or_else(|| StoreError::NotFound(format!("domain {domain}")).into())
}

/// Which kind of entry holds `local@domain`, if any (exact match; the catch-all is `local = ""`).
fn address_taken(conn: &Connection, domain_id: i64, local: &str) -> DbResult<Option<&'static str>> {
    let kind = conn
        .prepare_cached(
            "SELECT 'user' FROM accounts WHERE domain_id = ?1 AND local = ?2
             UNION ALL SELECT 'alias' FROM aliases WHERE domain_id = ?1 AND local = ?2
             UNION ALL SELECT 'group' FROM groups WHERE domain_id = ?1 AND local = ?2 LIMIT 1",
        )?
        .query_row(params![domain_id, local], |r| r.get::<_, String>(0))
        .optional()?;
    Ok(kind.map(|k| match k.as_str() {
        "user" => "user",
        "alias" => "alias",
        _ => "group",
    }))
}

fn group_id(conn: &Connection, local: &str, domain: &str) -> DbResult<i64> {
    conn.prepare_cached(
        "SELECT g.id FROM groups g JOIN domains d ON d.id = g.domain_id
         WHERE g.local = ?1 AND d.name = ?2",
    )?
    .query_row([local, domain], |r| r.get(0))
    .optional()?
    .ok_or_else(|| StoreError::NotFound(format!("group {local}@{domain}")).into())
}

impl SqliteBackend {
    /// A local domain by name (case-insensitive).
    pub(super) fn domain(&self, name: &str) -> Result<Option<Domain>> {
        self.read(|c| {
            c.prepare_cached("SELECT id, name FROM domains WHERE name = ?1")?
                .query_row([name], |r| {
                    Ok(Domain {
                        id: r.get(0)?,
                        name: r.get(1)?,
                    })
                })
                .optional()
        })
    }

    pub(super) fn domains(&self) -> Result<Vec<Domain>> {
        self.read(|c| {
            c.prepare_cached("SELECT id, name FROM domains ORDER BY name")?
                .query_map([], |r| {
                    Ok(Domain {
                        id: r.get(0)?,
                        name: r.get(1)?,
                    })
                })?
                .collect()
        })
    }

    pub(super) async fn add_domain(&self, name: &str) -> Result<Domain> {
        let name = name.to_string();
        self.write(move |ctx| {
            let id = ctx
                .conn()
                .prepare_cached(
                    "INSERT INTO domains (name, created_at) VALUES (?1, ?2)
                     ON CONFLICT DO NOTHING RETURNING id",
                )?
                .query_row(params![name, now()], |r| r.get(0))
                .optional()?
                .ok_or_else(|| StoreError::AlreadyExists(format!("domain {name}")))?;
            Ok(Domain { id, name })
        })
        .await
    }

    /// Removes a domain that no longer holds users, aliases or groups.
    pub(super) async fn remove_domain(&self, name: &str) -> Result<()> {
        let name = name.to_string();
        self.write(move |ctx| {
            let id = domain_id(ctx.conn(), &name)?;
            let used: bool = ctx.conn().query_row(
                "SELECT EXISTS(SELECT 1 FROM accounts WHERE domain_id = ?1)
                     OR EXISTS(SELECT 1 FROM aliases WHERE domain_id = ?1)
                     OR EXISTS(SELECT 1 FROM groups WHERE domain_id = ?1)",
                [id],
                |r| r.get(0),
            )?;
            if used {
                return Err(StoreError::InUse(format!(
                    "domain {name} still has users, aliases or groups"
                ))
                .into());
            }
            ctx.conn()
                .execute("DELETE FROM domains WHERE id = ?1", [id])?;
            Ok(())
        })
        .await
    }

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
        self.write(move |ctx| {
            let domain_id = domain_id(ctx.conn(), &new.domain)?;
            if let Some(kind) = address_taken(ctx.conn(), domain_id, &new.local)? {
                return Err(StoreError::AlreadyExists(format!(
                    "{kind} {}@{}",
                    new.local, new.domain
                )).into());
            }
            let id: AccountId = ctx.conn().query_row(
                "INSERT INTO accounts (domain_id, local, password_hash, is_admin, quota_bytes, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
                params![domain_id, new.local, new.password_hash, new.is_admin, new.quota_bytes as i64, now()],
                |r| r.get(0),
            )?;
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
        })
        .await
    }

    /// Removes an account with all its mail. Its blobs are released now (none of its sessions
    /// can read on) and deleted by the collector once nothing else references them.
    pub(super) async fn remove_account(&self, id: AccountId) -> Result<()> {
        self.write(move |ctx| {
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

    /// Targets of the alias `local@domain` (`local = ""` for the catch-all).
    pub(super) fn alias_targets(&self, local: &str, domain: &str) -> Result<Vec<String>> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT a.target FROM aliases a JOIN domains d ON d.id = a.domain_id
                 WHERE a.local = ?1 AND d.name = ?2 ORDER BY a.target",
            )?
            .query_map([local, domain], |r| r.get(0))?
            .collect()
        })
    }

    pub(super) fn aliases(&self, domain: Option<&str>) -> Result<Vec<Alias>> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT a.local, d.name, a.target FROM aliases a JOIN domains d ON d.id = a.domain_id
                 WHERE ?1 IS NULL OR d.name = ?1 ORDER BY d.name, a.local, a.target",
            )?
            .query_map([domain], |r| {
                Ok(Alias { local: r.get(0)?, domain: r.get(1)?, target: r.get(2)? })
            })?
            .collect()
        })
    }

    pub(super) async fn add_alias(&self, alias: Alias) -> Result<()> {
        self.write(move |ctx| {
            let domain_id = domain_id(ctx.conn(), &alias.domain)?;
            if let Some(kind @ ("user" | "group")) = address_taken(ctx.conn(), domain_id, &alias.local)? {
                return Err(StoreError::AlreadyExists(format!("{kind} {}@{}", alias.local, alias.domain)).into());
            }
            let added = ctx.conn().execute(
                "INSERT INTO aliases (domain_id, local, target) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                params![domain_id, alias.local, alias.target],
            )?;
            match added {
                0 => Err(StoreError::AlreadyExists(format!(
                    "alias {}@{} -> {}", alias.local, alias.domain, alias.target
                )).into()),
                _ => Ok(()),
            }
        })
        .await
    }

    /// Removes one target of an alias, or all of them when `target` is `None`.
    pub(super) async fn remove_alias(
        &self,
        local: &str,
        domain: &str,
        target: Option<&str>,
    ) -> Result<()> {
        let (local, domain, target) = (
            local.to_string(),
            domain.to_string(),
            target.map(str::to_string),
        );
        self.write(move |ctx| {
            let domain_id = domain_id(ctx.conn(), &domain)?;
            let removed = ctx.conn().execute(
                "DELETE FROM aliases WHERE domain_id = ?1 AND local = ?2 AND (?3 IS NULL OR target = ?3)",
                params![domain_id, local, target],
            )?;
            match removed {
                0 => Err(StoreError::NotFound(format!("alias {local}@{domain}")).into()),
                _ => Ok(()),
            }
        })
        .await
    }

    /// The group `local@domain` with its members and permitted senders.
    pub(super) fn group(&self, local: &str, domain: &str) -> Result<Option<Group>> {
        self.read(|c| {
            let found = c
                .prepare_cached(
                    "SELECT g.id, g.local, d.name FROM groups g JOIN domains d ON d.id = g.domain_id
                     WHERE g.local = ?1 AND d.name = ?2",
                )?
                .query_row([local, domain], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()?;
            found
                .map(|(id, local, domain)| load_group(c, id, local, domain))
                .transpose()
        })
    }

    pub(super) fn groups(&self, domain: Option<&str>) -> Result<Vec<Group>> {
        self.read(|c| {
            let rows: Vec<(i64, String, String)> = c
                .prepare_cached(
                    "SELECT g.id, g.local, d.name FROM groups g JOIN domains d ON d.id = g.domain_id
                     WHERE ?1 IS NULL OR d.name = ?1 ORDER BY d.name, g.local",
                )?
                .query_map([domain], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<_>>()?;
            rows.into_iter()
                .map(|(id, local, domain)| load_group(c, id, local, domain))
                .collect()
        })
    }

    pub(super) async fn add_group(&self, local: &str, domain: &str) -> Result<()> {
        let (local, domain) = (local.to_string(), domain.to_string());
        self.write(move |ctx| {
            let domain_id = domain_id(ctx.conn(), &domain)?;
            if let Some(kind) = address_taken(ctx.conn(), domain_id, &local)? {
                return Err(StoreError::AlreadyExists(format!("{kind} {local}@{domain}")).into());
            }
            ctx.conn().execute(
                "INSERT INTO groups (domain_id, local) VALUES (?1, ?2)",
                params![domain_id, local],
            )?;
            Ok(())
        })
        .await
    }

    pub(super) async fn remove_group(&self, local: &str, domain: &str) -> Result<()> {
        self.edit_group(local, domain, |ctx, id| {
            ctx.conn()
                .execute("DELETE FROM groups WHERE id = ?1", [id])
                .map(|_| true)
        })
        .await
    }

    pub(super) async fn add_group_member(
        &self,
        local: &str,
        domain: &str,
        member: &str,
    ) -> Result<()> {
        let member = member.to_string();
        self.edit_group(local, domain, move |ctx, id| {
            ctx.conn()
                .execute(
                    "INSERT INTO group_members (group_id, member) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                    params![id, member],
                )
                .map(|n| n > 0)
        })
        .await
    }

    pub(super) async fn remove_group_member(
        &self,
        local: &str,
        domain: &str,
        member: &str,
    ) -> Result<()> {
        let member = member.to_string();
        self.edit_group(local, domain, move |ctx, id| {
            ctx.conn()
                .execute(
                    "DELETE FROM group_members WHERE group_id = ?1 AND member = ?2",
                    params![id, member],
                )
                .map(|n| n > 0)
        })
        .await
    }

    /// Allows (or with `allowed = false`, stops) an account to send as the group.
    pub(super) async fn set_group_sender(
        &self,
        local: &str,
        domain: &str,
        account: AccountId,
        allowed: bool,
    ) -> Result<()> {
        self.edit_group(local, domain, move |ctx, id| {
            let sql = if allowed {
                "INSERT INTO group_senders (group_id, account_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING"
            } else {
                "DELETE FROM group_senders WHERE group_id = ?1 AND account_id = ?2"
            };
            ctx.conn().execute(sql, params![id, account]).map(|n| n > 0)
        })
        .await
    }

    /// Runs one edit on a group; `edit` returns whether it changed anything.
    async fn edit_group(
        &self,
        local: &str,
        domain: &str,
        edit: impl FnOnce(&mut WriteCtx<'_>, i64) -> rusqlite::Result<bool> + Send + 'static,
    ) -> Result<()> {
        let (local, domain) = (local.to_string(), domain.to_string());
        self.write(move |ctx| {
            let id = group_id(ctx.conn(), &local, &domain)?;
            match edit(ctx, id)? {
                true => Ok(()),
                false => Err(StoreError::NotFound(format!(
                    "no such change to group {local}@{domain}"
                ))
                .into()),
            }
        })
        .await
    }
}

fn load_group(c: &Connection, id: i64, local: String, domain: String) -> rusqlite::Result<Group> {
    let members = c
        .prepare_cached("SELECT member FROM group_members WHERE group_id = ?1 ORDER BY member")?
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let senders = c
        .prepare_cached(
            "SELECT a.local || '@' || d.name FROM group_senders s
             JOIN accounts a ON a.id = s.account_id JOIN domains d ON d.id = a.domain_id
             WHERE s.group_id = ?1 ORDER BY 1",
        )?
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Group {
        id,
        local,
        domain,
        members,
        senders,
    })
}
