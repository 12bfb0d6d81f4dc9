//! Directory persistence: domains and aliases, and what every directory entry shares (an
//! address is taken by one user, alias or group). Accounts are in `accounts`, groups in
//! `groups`. The rules (address syntax, password hashing, recipient resolution) live in the
//! `kantor-directory` crate; these files only store and find.

use super::error::DbResult;
use super::{SqliteBackend, now};
use crate::{Alias, Domain, Result, StoreError};
use rusqlite::{Connection, OptionalExtension, params};

pub(super) fn domain_id(conn: &Connection, domain: &str) -> DbResult<i64> {
    conn.prepare_cached("SELECT id FROM domains WHERE name = ?1")?
        .query_row([domain], |r| r.get(0))
        .optional()?
        .ok_or_else(|| StoreError::NotFound(format!("domain {domain}")).into())
}

/// Which kind of entry holds `local@domain`, if any (exact match; the catch-all is `local = ""`).
pub(super) fn address_taken(
    conn: &Connection,
    domain_id: i64,
    local: &str,
) -> DbResult<Option<&'static str>> {
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

    /// The aliases with a target naming `target` (case-insensitive), catch-alls included.
    pub(super) fn aliases_to(&self, target: &str) -> Result<Vec<Alias>> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT a.local, d.name, a.target FROM aliases a JOIN domains d ON d.id = a.domain_id
                 WHERE a.target = ?1 ORDER BY d.name, a.local",
            )?
            .query_map([target], |r| {
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
}
