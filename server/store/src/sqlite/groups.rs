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

    /// The groups that list `member` (case-insensitive) as a member.
    pub(super) fn groups_with_member(&self, member: &str) -> Result<Vec<Group>> {
        self.read(|c| {
            let rows: Vec<(i64, String, String)> = c
                .prepare_cached(
                    "SELECT g.id, g.local, d.name FROM group_members m
                     JOIN groups g ON g.id = m.group_id JOIN domains d ON d.id = g.domain_id
                     WHERE m.member = ?1 ORDER BY d.name, g.local",
                )?
                .query_map([member], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
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
                .execute("DELETE FROM groups WHERE id = ?1", [id])?;
            Ok(())
        })
        .await
    }

    /// Adds a member; one that is already there is an error of its own (`AlreadyExists`).
    pub(super) async fn add_group_member(
        &self,
        local: &str,
        domain: &str,
        member: &str,
    ) -> Result<()> {
        let (member, group) = (member.to_string(), format!("{local}@{domain}"));
        self.edit_group(local, domain, move |ctx, id| {
            let added = ctx.conn().execute(
                "INSERT INTO group_members (group_id, member) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                params![id, member],
            )?;
            match added {
                0 => Err(StoreError::AlreadyExists(format!("member {member} of group {group}")).into()),
                _ => Ok(()),
            }
        })
        .await
    }

    pub(super) async fn remove_group_member(
        &self,
        local: &str,
        domain: &str,
        member: &str,
    ) -> Result<()> {
        let (member, group) = (member.to_string(), format!("{local}@{domain}"));
        self.edit_group(local, domain, move |ctx, id| {
            let removed = ctx.conn().execute(
                "DELETE FROM group_members WHERE group_id = ?1 AND member = ?2",
                params![id, member],
            )?;
            match removed {
                0 => Err(StoreError::NotFound(format!("member {member} of group {group}")).into()),
                _ => Ok(()),
            }
        })
        .await
    }

    /// Allows (or with `allowed = false`, stops) an account to send as the group; allowing
    /// again or stopping someone not allowed is an error (`AlreadyExists`, `NotFound`).
    pub(super) async fn set_group_sender(
        &self,
        local: &str,
        domain: &str,
        account: AccountId,
        allowed: bool,
    ) -> Result<()> {
        let group = format!("{local}@{domain}");
        self.edit_group(local, domain, move |ctx, id| {
            // A group's permitted senders are its `as` grants (migration 0025).
            let sql = if allowed {
                "INSERT INTO send_grants (grantor_group, grantee_account, level)
                 VALUES (?1, ?2, 'as') ON CONFLICT DO NOTHING"
            } else {
                "DELETE FROM send_grants
                 WHERE grantor_group = ?1 AND grantee_account = ?2 AND level = 'as'"
            };
            if ctx.conn().execute(sql, params![id, account])? > 0 {
                return Ok(());
            }
            let sender: String = ctx.conn().query_row(
                "SELECT a.local || '@' || d.name FROM accounts a JOIN domains d ON d.id = a.domain_id
                 WHERE a.id = ?1",
                [account],
                |r| r.get(0),
            )?;
            let what = format!("permitted sender {sender} of group {group}");
            Err(match allowed {
                true => StoreError::AlreadyExists(what),
                false => StoreError::NotFound(what),
            }
            .into())
        })
        .await
    }

    /// Runs one edit on the group `local@domain` (not found: an error), by its id.
    async fn edit_group(
        &self,
        local: &str,
        domain: &str,
        edit: impl FnOnce(&mut WriteCtx<'_>, i64) -> DbResult<()> + Send + 'static,
    ) -> Result<()> {
        let (local, domain) = (local.to_string(), domain.to_string());
        self.write(move |ctx| {
            let id = group_id(ctx.conn(), &local, &domain)?;
            edit(ctx, id)
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
            "SELECT a.local || '@' || d.name FROM send_grants s
             JOIN accounts a ON a.id = s.grantee_account JOIN domains d ON d.id = a.domain_id
             WHERE s.grantor_group = ?1 AND s.level = 'as' ORDER BY 1",
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
