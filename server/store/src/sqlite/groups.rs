//! Groups (distribution lists): members and permitted senders.

use super::directory::{address_taken, domain_id};
use super::error::DbResult;
use super::{SqliteBackend, WriteCtx};
use crate::{AccountId, Group, Result, StoreError};
use rusqlite::{Connection, OptionalExtension, params};

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
