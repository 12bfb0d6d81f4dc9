//! Access control lists (RFC 4314, migration 0023): what a user is granted on another account's
//! mailboxes, read for every rights check of a non-owner ([`crate::access::rights`] decides),
//! and the entries themselves (GETACL, SETACL, DELETEACL, `kantor admin acl`).
//!
//! A user matches the entries naming their account, `anyone`, and every group listing their
//! address, or the address of a group they are in, at any depth (the `principals` query).

use super::error::DbResult;
use super::mailboxes::{MAILBOX_COLUMNS, mailbox_from_row};
use super::{SqliteBackend, WriteCtx};
use crate::access::{ANYONE, AclEntry, Actor, Rights, SharedMailbox, check, rights};
use crate::changes::{ChangeKind, ObjectKind};
use crate::{AccountId, MailboxId, Result, StoreError};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;

/// `mine`: the ids of the groups account `?1` is in, directly or through other groups (UNION
/// stops at a cycle). Followed by a SELECT over `mailbox_acl a` that uses `MATCHES`.
const PRINCIPALS: &str = "WITH RECURSIVE mine(id, address) AS (
       SELECT g.id, g.local || '@' || gd.name
         FROM accounts u JOIN domains ud ON ud.id = u.domain_id
         JOIN group_members m ON m.member = u.local || '@' || ud.name
         JOIN groups g ON g.id = m.group_id JOIN domains gd ON gd.id = g.domain_id
        WHERE u.id = ?1
       UNION
       SELECT g.id, g.local || '@' || gd.name
         FROM mine JOIN group_members m ON m.member = mine.address
         JOIN groups g ON g.id = m.group_id JOIN domains gd ON gd.id = g.domain_id
     ) ";

/// The entries of `mailbox_acl a` that name user `?1`.
const MATCHES: &str = "(a.grantee_account = ?1
       OR (a.grantee_account IS NULL AND a.grantee_group IS NULL)
       OR a.grantee_group IN (SELECT id FROM mine))";

/// What the entries of one mailbox grant `user` (the union of those naming them).
pub(super) fn granted(conn: &Connection, user: AccountId, mailbox: MailboxId) -> DbResult<Rights> {
    let mut statement = conn.prepare_cached(&format!(
        "{PRINCIPALS} SELECT a.rights FROM mailbox_acl a WHERE a.mailbox_id = ?2 AND {MATCHES}"
    ))?;
    let rows = statement.query_map(params![user, mailbox], |r| r.get::<_, u16>(0))?;
    rows.map(|bits| Ok(Rights::from_bits(bits?)))
        .try_fold(Rights::NONE, |all, r: DbResult<Rights>| Ok(all.union(r?)))
}

/// What `user` is granted on each mailbox of `owner` that grants them anything.
fn granted_by_mailbox(
    conn: &Connection,
    user: AccountId,
    owner: AccountId,
) -> DbResult<HashMap<MailboxId, Rights>> {
    let mut statement = conn.prepare_cached(&format!(
        "{PRINCIPALS} SELECT a.mailbox_id, a.rights FROM mailbox_acl a \
         WHERE a.account_id = ?2 AND {MATCHES}"
    ))?;
    let mut out = HashMap::new();
    let rows = statement.query_map(params![user, owner], |r| {
        Ok((r.get::<_, MailboxId>(0)?, r.get::<_, u16>(1)?))
    })?;
    for row in rows {
        let (mailbox, bits) = row?;
        let entry = out.entry(mailbox).or_insert(Rights::NONE);
        *entry = entry.union(Rights::from_bits(bits));
    }
    Ok(out)
}

/// The rights of `actor` on every mailbox of `owner` (for listing them; one query).
pub(super) fn rights_by_mailbox(
    conn: &Connection,
    actor: Actor,
    owner: AccountId,
) -> DbResult<AccountRights> {
    match actor {
        Actor::User(user) if user != owner => {
            Ok(AccountRights::Some(granted_by_mailbox(conn, user, owner)?))
        }
        other => Ok(AccountRights::All(rights(other, owner, |_| {
            Ok::<_, StoreError>(Rights::NONE)
        })?)),
    }
}

/// The rights on each mailbox of an account: the same for all (owner, server, nobody) or per
/// mailbox (another user's grants).
pub(super) enum AccountRights {
    All(Rights),
    Some(HashMap<MailboxId, Rights>),
}

impl AccountRights {
    pub(super) fn of(&self, mailbox: MailboxId) -> Rights {
        match self {
            AccountRights::All(rights) => *rights,
            AccountRights::Some(map) => map.get(&mailbox).copied().unwrap_or(Rights::NONE),
        }
    }
}

/// Checks `needed` for what the account as a whole lets a reader of its shared mailboxes do:
/// read its change log and the metadata of its emails (as IMAP does for a selected shared
/// mailbox). A user other than the owner gets `l` and `r` here when they may read at least one
/// of its mailboxes, `l` alone when they may only see one (JMAP's `/changes` of an account
/// whose mailboxes they only see); the account's other business stays its owner's
/// ([`crate::access::require`]).
pub(super) fn require_account_read(
    conn: &Connection,
    actor: Actor,
    owner: AccountId,
    needed: Rights,
) -> DbResult<()> {
    let held = rights(actor, owner, |user| -> DbResult<Rights> {
        let granted = granted_by_mailbox(conn, user, owner)?;
        let held = |needed: Rights| granted.values().any(|r| r.contains(needed));
        Ok(
            match (
                held(Rights::LOOKUP.union(Rights::READ)),
                held(Rights::LOOKUP),
            ) {
                (true, _) => Rights::LOOKUP.union(Rights::READ),
                (false, true) => Rights::LOOKUP,
                (false, false) => Rights::NONE,
            },
        )
    })?;
    Ok(check(held, needed, owner, None)?)
}

/// Checks that the actor holds `needed` on at least one mailbox of `owner`'s account (all of
/// them for the owner and the server): what lets a member of a shared account upload a blob
/// into it (`i`, RFC 8620 §6.1) before filing it where they may. Without `l` anywhere there
/// is no such account for them (`NotFound`); with it but without `needed`, `Forbidden`.
pub(super) fn require_on_some_mailbox(
    conn: &Connection,
    actor: Actor,
    owner: AccountId,
    needed: Rights,
) -> DbResult<()> {
    let held = rights(actor, owner, |user| -> DbResult<Rights> {
        let granted = granted_by_mailbox(conn, user, owner)?;
        let any = |wanted: Rights| granted.values().any(|r| r.contains(wanted));
        Ok(match (any(needed), any(Rights::LOOKUP)) {
            (true, _) => needed.union(Rights::LOOKUP),
            (false, true) => Rights::LOOKUP,
            (false, false) => Rights::NONE,
        })
    })?;
    Ok(check(held, needed, owner, None)?)
}

/// The grantee an identifier names: `anyone`, else an account's address, else a group's.
enum Grantee {
    Anyone,
    Account(AccountId),
    Group(i64),
}

fn grantee(conn: &Connection, identifier: &str) -> DbResult<Grantee> {
    if identifier.eq_ignore_ascii_case(ANYONE) {
        return Ok(Grantee::Anyone);
    }
    let unknown = || StoreError::NotFound(format!("no user or group {identifier}"));
    let (local, domain) = identifier.rsplit_once('@').ok_or_else(unknown)?;
    let find = |table: &str| -> DbResult<Option<i64>> {
        Ok(conn
            .prepare_cached(&format!(
                "SELECT t.id FROM {table} t JOIN domains d ON d.id = t.domain_id \
                 WHERE t.local = ?1 AND d.name = ?2"
            ))?
            .query_row([local, domain], |r| r.get(0))
            .optional()?)
    };
    if let Some(id) = find("accounts")? {
        return Ok(Grantee::Account(id));
    }
    match find("groups")? {
        Some(id) => Ok(Grantee::Group(id)),
        None => Err(unknown().into()),
    }
}

/// Writes (or with `None` removes) the entry of `identifier` on a mailbox of `owner`, logged as
/// an update of the mailbox in the owner's change log (its listeners learn of new rights).
fn set_entry(
    ctx: &mut WriteCtx<'_>,
    owner: AccountId,
    mailbox: MailboxId,
    identifier: &str,
    rights: Option<Rights>,
) -> DbResult<()> {
    let (account, group) = match grantee(ctx.conn(), identifier)? {
        Grantee::Anyone => (None, None),
        Grantee::Account(id) if id == owner => {
            // RFC 4314 §2: the owner's rights are implicit and cannot be taken away here.
            return Err(StoreError::Forbidden("the owner always holds every right".into()).into());
        }
        Grantee::Account(id) => (Some(id), None),
        Grantee::Group(id) => (None, Some(id)),
    };
    ctx.conn()
        .prepare_cached(
            "DELETE FROM mailbox_acl WHERE mailbox_id = ?1 \
             AND grantee_account IS ?2 AND grantee_group IS ?3",
        )?
        .execute(params![mailbox, account, group])?;
    if let Some(rights) = rights.filter(|r| !r.is_empty()) {
        ctx.conn()
            .prepare_cached(
                "INSERT INTO mailbox_acl (mailbox_id, account_id, grantee_account, grantee_group, rights)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![mailbox, owner, account, group, rights.bits()])?;
    }
    let modseq = ctx.bump_modseq(owner)?;
    ctx.conn()
        .prepare_cached("UPDATE mailboxes SET highest_modseq = ?2 WHERE id = ?1")?
        .execute(params![mailbox, modseq as i64])?;
    ctx.log_change(
        owner,
        modseq,
        ObjectKind::Mailbox,
        ChangeKind::Updated,
        mailbox,
        None,
        None,
    )
}

/// A new mailbox starts with the ACL of the nearest mailbox above it (so a folder a member
/// creates in a shared mailbox is shared like its parent); a top-level one with none.
pub(super) fn inherit(
    conn: &Connection,
    owner: AccountId,
    mailbox: MailboxId,
    name: &str,
) -> DbResult<()> {
    let ancestors: Vec<&str> = crate::mailbox_tree::ancestors(name).collect();
    for parent in ancestors.into_iter().rev() {
        let found: Option<MailboxId> = conn
            .prepare_cached("SELECT id FROM mailboxes WHERE account_id = ?1 AND name = ?2")?
            .query_row(params![owner, parent], |r| r.get(0))
            .optional()?;
        if let Some(parent) = found {
            conn.prepare_cached(
                "INSERT INTO mailbox_acl (mailbox_id, account_id, grantee_account, grantee_group, rights)
                 SELECT ?1, account_id, grantee_account, grantee_group, rights
                   FROM mailbox_acl WHERE mailbox_id = ?2",
            )?
            .execute(params![mailbox, parent])?;
            return Ok(());
        }
    }
    Ok(())
}

fn owner_of(conn: &Connection, mailbox: MailboxId) -> DbResult<AccountId> {
    conn.prepare_cached("SELECT account_id FROM mailboxes WHERE id = ?1")?
        .query_row([mailbox], |r| r.get(0))
        .optional()?
        .ok_or_else(|| StoreError::NotFound(format!("mailbox {mailbox}")).into())
}

impl SqliteBackend {
    /// The rights the actor holds on a mailbox (MYRIGHTS, RFC 4314 §3.7); `NotFound` when it
    /// holds none at all.
    pub(super) fn my_rights(&self, actor: Actor, mailbox: MailboxId) -> Result<Rights> {
        self.read_checked(|c| {
            let owner = owner_of(c, mailbox)?;
            let held = rights(actor, owner, |user| granted(c, user, mailbox))?;
            match held.is_empty() {
                true => Err(StoreError::NotFound(format!("mailbox {mailbox}")).into()),
                false => Ok(held),
            }
        })
    }

    /// The stored entries of a mailbox (GETACL, RFC 4314 §3.3; the owner's implicit rights are
    /// not among them). Needs `a`.
    pub(super) fn acl(&self, actor: Actor, mailbox: MailboxId) -> Result<Vec<AclEntry>> {
        self.read_checked(|c| {
            let owner = owner_of(c, mailbox)?;
            let held = rights(actor, owner, |user| granted(c, user, mailbox))?;
            check(held, Rights::ADMINISTER, owner, Some(mailbox))?;
            let mut statement = c.prepare_cached(
                "SELECT CASE
                     WHEN a.grantee_account IS NOT NULL THEN
                       (SELECT u.local || '@' || d.name FROM accounts u
                          JOIN domains d ON d.id = u.domain_id WHERE u.id = a.grantee_account)
                     WHEN a.grantee_group IS NOT NULL THEN
                       (SELECT g.local || '@' || d.name FROM groups g
                          JOIN domains d ON d.id = g.domain_id WHERE g.id = a.grantee_group)
                     ELSE 'anyone' END AS who, a.rights
                   FROM mailbox_acl a WHERE a.mailbox_id = ?1 ORDER BY who",
            )?;
            let rows = statement.query_map([mailbox], |r| {
                Ok(AclEntry {
                    grantee: r.get(0)?,
                    rights: Rights::from_bits(r.get(1)?),
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// Sets (SETACL, RFC 4314 §3.1) or with `None` removes (DELETEACL, §3.2) the entry of a
    /// user, a group or `anyone` on a mailbox. Needs `a`; the owner's own rights are not
    /// entries and cannot be changed.
    pub(super) async fn set_acl(
        &self,
        actor: Actor,
        mailbox: MailboxId,
        identifier: &str,
        rights_to_set: Option<Rights>,
    ) -> Result<()> {
        let identifier = identifier.to_string();
        self.write(move |ctx| {
            let owner = owner_of(ctx.conn(), mailbox)?;
            let held = rights(actor, owner, |user| granted(ctx.conn(), user, mailbox))?;
            check(held, Rights::ADMINISTER, owner, Some(mailbox))?;
            set_entry(ctx, owner, mailbox, &identifier, rights_to_set)
        })
        .await
    }

    /// Every mailbox of another account that the actor may see (`l`), with its owner and the
    /// rights held there, by owner and name: what LIST adds to the user's own (one query).
    pub(super) fn shared_mailboxes(&self, actor: Actor) -> Result<Vec<SharedMailbox>> {
        let Actor::User(user) = actor else {
            return Ok(Vec::new());
        };
        self.read_long_checked(|c| {
            let grants = {
                let mut statement = c.prepare_cached(&format!(
                    "{PRINCIPALS} SELECT a.mailbox_id, a.rights FROM mailbox_acl a \
                     WHERE a.account_id <> ?1 AND {MATCHES}"
                ))?;
                let rows = statement.query_map([user], |r| {
                    Ok((r.get::<_, MailboxId>(0)?, r.get::<_, u16>(1)?))
                })?;
                let mut grants: HashMap<MailboxId, Rights> = HashMap::new();
                for row in rows {
                    let (mailbox, bits) = row?;
                    let entry = grants.entry(mailbox).or_insert(Rights::NONE);
                    *entry = entry.union(Rights::from_bits(bits));
                }
                grants
            };
            // Every granted mailbox in one query (not one per mailbox: 1,000 shared folders).
            let mailboxes: Vec<crate::Mailbox> = c
                .prepare_cached(&format!(
                    "{PRINCIPALS} SELECT {MAILBOX_COLUMNS} WHERE id IN \
                     (SELECT a.mailbox_id FROM mailbox_acl a WHERE a.account_id <> ?1 AND {MATCHES})"
                ))?
                .query_map([user], mailbox_from_row)?
                .collect::<rusqlite::Result<_>>()?;
            let mut owner_statement = c.prepare_cached(
                "SELECT a.local || '@' || d.name, a.shared FROM accounts a \
                 JOIN domains d ON d.id = a.domain_id WHERE a.id = ?1",
            )?;
            let mut owners: HashMap<AccountId, (String, bool)> = HashMap::new();
            let mut out = Vec::new();
            for mailbox in mailboxes {
                let rights = grants.get(&mailbox.id).copied().unwrap_or(Rights::NONE);
                if !rights.contains(Rights::LOOKUP) {
                    continue;
                }
                let (owner, owner_shared) = match owners.get(&mailbox.account_id) {
                    Some(known) => known.clone(),
                    None => {
                        let found: (String, bool) = owner_statement
                            .query_row([mailbox.account_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
                        owners.insert(mailbox.account_id, found.clone());
                        found
                    }
                };
                out.push(SharedMailbox {
                    mailbox,
                    owner,
                    owner_shared,
                    rights,
                });
            }
            out.sort_by(|a, b| (&a.owner, &a.mailbox.name).cmp(&(&b.owner, &b.mailbox.name)));
            Ok(out)
        })
    }
}
