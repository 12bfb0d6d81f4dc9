//! Rights to send for others (migration 0025): who may send as, or on behalf of, an account or
//! a group, and which accounts keep a copy of such mail in their Sent mailbox. A group's
//! permitted senders (`Group::senders`) are its `as` grants to accounts.

use super::SqliteBackend;
use super::error::DbResult;
use crate::{AccountId, Principal, Result, SendGrant, SendLevel, StoreError};
use rusqlite::{Connection, OptionalExtension, Row, params};

/// The grants' columns with both sides' addresses, for `FROM send_grants s`.
const GRANT_SELECT: &str = "SELECT s.grantor_account, s.grantor_group,
        coalesce(ra.local || '@' || rad.name, rg.local || '@' || rgd.name),
        s.grantee_account, s.grantee_group,
        coalesce(ea.local || '@' || ead.name, eg.local || '@' || egd.name), s.level
    FROM send_grants s
    LEFT JOIN accounts ra ON ra.id = s.grantor_account
    LEFT JOIN domains rad ON rad.id = ra.domain_id
    LEFT JOIN groups rg ON rg.id = s.grantor_group
    LEFT JOIN domains rgd ON rgd.id = rg.domain_id
    LEFT JOIN accounts ea ON ea.id = s.grantee_account
    LEFT JOIN domains ead ON ead.id = ea.domain_id
    LEFT JOIN groups eg ON eg.id = s.grantee_group
    LEFT JOIN domains egd ON egd.id = eg.domain_id";

fn principal(account: Option<i64>, group: Option<i64>) -> Principal {
    match (account, group) {
        (Some(id), _) => Principal::Account(id),
        (None, id) => Principal::Group(id.unwrap_or_default()),
    }
}

/// The (account, group) columns of a principal.
fn columns(p: Principal) -> (Option<i64>, Option<i64>) {
    match p {
        Principal::Account(id) => (Some(id), None),
        Principal::Group(id) => (None, Some(id)),
    }
}

fn grant_from_row(r: &Row<'_>) -> rusqlite::Result<SendGrant> {
    let level: String = r.get(6)?;
    Ok(SendGrant {
        grantor: principal(r.get(0)?, r.get(1)?),
        grantor_address: r.get(2)?,
        grantee: principal(r.get(3)?, r.get(4)?),
        grantee_address: r.get(5)?,
        level: level_from_text(&level),
    })
}

/// A level as stored (`as`, `on-behalf`).
fn level_from_text(text: &str) -> SendLevel {
    match text {
        "as" => SendLevel::As,
        _ => SendLevel::OnBehalf,
    }
}

/// The grants `WHERE` selects, bound to `p`, in address order.
fn grants_where(
    c: &Connection,
    filter: &str,
    p: impl rusqlite::Params,
) -> rusqlite::Result<Vec<SendGrant>> {
    c.prepare_cached(&format!("{GRANT_SELECT} WHERE {filter} ORDER BY 3, 6"))?
        .query_map(p, grant_from_row)?
        .collect()
}

/// The level `grantee` holds from `grantor` itself (not through a group).
pub(super) fn level_between(
    c: &Connection,
    grantor: Principal,
    grantee: Principal,
) -> DbResult<Option<SendLevel>> {
    let ((ra, rg), (ea, eg)) = (columns(grantor), columns(grantee));
    let level: Option<String> = c
        .prepare_cached(
            "SELECT level FROM send_grants WHERE grantor_account IS ?1
             AND grantor_group IS ?2 AND grantee_account IS ?3 AND grantee_group IS ?4",
        )?
        .query_row(params![ra, rg, ea, eg], |r| r.get(0))
        .optional()?;
    Ok(level.map(|l| level_from_text(&l)))
}

/// Sets the level of one pair, replacing any other, or removes the pair's grant with `None`.
pub(super) fn put_level(
    c: &Connection,
    grantor: Principal,
    grantee: Principal,
    level: Option<SendLevel>,
) -> DbResult<()> {
    let ((ra, rg), (ea, eg)) = (columns(grantor), columns(grantee));
    c.prepare_cached(
        "DELETE FROM send_grants WHERE grantor_account IS ?1
         AND grantor_group IS ?2 AND grantee_account IS ?3 AND grantee_group IS ?4",
    )?
    .execute(params![ra, rg, ea, eg])?;
    if let Some(level) = level {
        c.prepare_cached(
            "INSERT INTO send_grants
             (grantor_account, grantor_group, grantee_account, grantee_group, level)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![ra, rg, ea, eg, level.as_str()])?;
    }
    Ok(())
}

/// The grants of one account, grantee by grantee (GETACL of its INBOX).
pub(super) fn grants_of_account(c: &Connection, grantor: AccountId) -> DbResult<Vec<SendGrant>> {
    Ok(grants_where(c, "s.grantor_account = ?1", [grantor])?)
}

impl SqliteBackend {
    /// Every grant, or those of one grantor.
    pub(super) fn send_grants(&self, grantor: Option<Principal>) -> Result<Vec<SendGrant>> {
        self.read(|c| match grantor {
            None => grants_where(c, "1", params![]),
            Some(p) => {
                let (account, group) = columns(p);
                grants_where(
                    c,
                    "s.grantor_account IS ?1 AND s.grantor_group IS ?2",
                    [account, group],
                )
            }
        })
    }

    /// The grants whose grantee is the account itself or one of `groups`.
    pub(super) fn send_grants_to(
        &self,
        account: AccountId,
        groups: &[i64],
    ) -> Result<Vec<SendGrant>> {
        self.read(|c| {
            let mut grants = grants_where(c, "s.grantee_account = ?1", [account])?;
            for &group in groups {
                grants.extend(grants_where(c, "s.grantee_group = ?1", [group])?);
            }
            Ok(grants)
        })
    }

    /// Grants `level` (replacing another level of the same pair), or revokes with `None`.
    /// Revoking what was not granted is `NotFound`; granting the same level again is
    /// `AlreadyExists`.
    pub(super) async fn set_send_grant(
        &self,
        grantor: Principal,
        grantee: Principal,
        level: Option<SendLevel>,
    ) -> Result<()> {
        self.write(move |ctx| {
            let c = ctx.conn();
            match (level, level_between(c, grantor, grantee)?) {
                (None, None) => Err(StoreError::NotFound("no such grant".into()).into()),
                (Some(level), Some(current)) if current == level => Err(StoreError::AlreadyExists(
                    format!("a send-{} grant", current.as_str()),
                )
                .into()),
                _ => put_level(c, grantor, grantee, level),
            }
        })
        .await
    }

    /// Whether what others send as the account, or on its behalf, is copied to its Sent.
    pub(super) fn copies_to_sent(&self, account: AccountId) -> Result<bool> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT EXISTS(SELECT 1 FROM send_copy_to_sent WHERE account_id = ?1)",
            )?
            .query_row([account], |r| r.get(0))
        })
    }

    pub(super) async fn set_copies_to_sent(&self, account: AccountId, on: bool) -> Result<()> {
        self.write(move |ctx| -> DbResult<()> {
            let sql = match on {
                true => {
                    "INSERT INTO send_copy_to_sent (account_id) VALUES (?1) ON CONFLICT DO NOTHING"
                }
                false => "DELETE FROM send_copy_to_sent WHERE account_id = ?1",
            };
            ctx.conn().execute(sql, [account])?;
            Ok(())
        })
        .await
    }
}
