//! Access control lists (RFC 4314, migration 0023): what a user is granted on another account's
//! mailboxes, read for every rights check of a non-owner ([`crate::access::rights`] decides),
//! and the entries themselves (GETACL, SETACL, DELETEACL, `kantor admin acl`).
//!
//! A user matches the entries naming their account, `anyone`, and every group listing their
//! address, or the address of a group they are in, at any depth (the `principals` query).

use super::error::DbResult;
use super::mailboxes::{MAILBOX_COLUMNS, mailbox_from_row};
use super::{SqliteBackend, WriteCtx, send_grants, share_notifications};
use crate::access::{ANYONE, AclEntry, Actor, Rights, SharedMailbox, check, rights};
use crate::changes::{ChangeKind, ObjectKind};
use crate::{AccountId, MailboxId, Principal, Result, SendGrant, SendLevel, StoreError};
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
    // `r` counts only on a mailbox the user may also see.
    require_on_some_mailbox(conn, actor, owner, needed.union(Rights::LOOKUP))
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

/// Adds the account's send grants to the entries of its INBOX, as `0` or `1`.
fn with_send_rights(entries: &mut Vec<AclEntry>, grants: Vec<SendGrant>) {
    for grant in grants {
        let right = Rights::of_send_level(Some(grant.level));
        match entries
            .iter_mut()
            .find(|e| e.grantee.eq_ignore_ascii_case(&grant.grantee_address))
        {
            Some(entry) => entry.rights = entry.rights.union(right),
            None => entries.push(AclEntry {
                grantee: grant.grantee_address,
                rights: right,
            }),
        }
    }
    entries.sort_by(|a, b| a.grantee.cmp(&b.grantee));
}

/// Whether a mailbox is its account's INBOX, where the rights to send for the account are set.
fn is_inbox(conn: &Connection, mailbox: MailboxId) -> DbResult<bool> {
    Ok(conn
        .prepare_cached("SELECT name = 'INBOX' FROM mailboxes WHERE id = ?1")?
        .query_row([mailbox], |r| r.get(0))
        .optional()?
        .unwrap_or(false))
}

/// The level of sending `user` holds for account `owner`, granted to them or to a group they
/// are in (shown with their rights on the owner's INBOX).
fn send_level_held(
    conn: &Connection,
    user: AccountId,
    owner: AccountId,
) -> DbResult<Option<SendLevel>> {
    let mut statement = conn.prepare_cached(&format!(
        "{PRINCIPALS} SELECT s.level FROM send_grants s WHERE s.grantor_account = ?2 \
         AND (s.grantee_account = ?1 OR s.grantee_group IN (SELECT id FROM mine))"
    ))?;
    let levels = statement.query_map(params![user, owner], |r| r.get::<_, String>(0))?;
    let mut held = None;
    for level in levels {
        let level = match level?.as_str() {
            "as" => SendLevel::As,
            _ => SendLevel::OnBehalf,
        };
        held = held.max(Some(level));
    }
    Ok(held)
}

/// Sets the rights to send for `owner` (`0`, `1`) that an entry of its INBOX carries: a send
/// grant of the account (the one `send_grants` table, which `kantor admin send-rights` also
/// writes). Only the owner and the administrator change them; `anyone` cannot hold them.
fn set_send_rights(
    conn: &Connection,
    actor: Actor,
    owner: AccountId,
    grantee: &Grantee,
    wanted: Option<SendLevel>,
) -> DbResult<()> {
    let grantee = match grantee {
        Grantee::Account(id) => Principal::Account(*id),
        Grantee::Group(id) => Principal::Group(*id),
        Grantee::Anyone if wanted.is_none() => return Ok(()),
        Grantee::Anyone => {
            return Err(
                StoreError::Forbidden("anyone cannot be granted sending (0, 1)".into()).into(),
            );
        }
    };
    let grantor = Principal::Account(owner);
    if send_grants::level_between(conn, grantor, grantee)? == wanted {
        return Ok(());
    }
    if !matches!(actor, Actor::System) && actor != Actor::User(owner) {
        return Err(StoreError::Forbidden(
            "only the owner grants sending as or on behalf of the account (0, 1)".into(),
        )
        .into());
    }
    send_grants::put_level(conn, grantor, grantee, wanted)
}

/// Writes (or with `None` removes) the entry of `identifier` on a mailbox of `owner`, logged as
/// an update of the mailbox in the owner's change log (its listeners learn of new rights). On
/// the INBOX the entry's `0` and `1` are the grantee's rights to send for the account.
fn set_entry(
    ctx: &mut WriteCtx<'_>,
    actor: Actor,
    owner: AccountId,
    mailbox: MailboxId,
    identifier: &str,
    rights: Option<Rights>,
) -> DbResult<()> {
    let who = grantee(ctx.conn(), identifier)?;
    let (account, group) = match who {
        Grantee::Anyone => (None, None),
        Grantee::Account(id) if id == owner => {
            // RFC 4314 §2: the owner's rights are implicit and cannot be taken away here.
            return Err(StoreError::Forbidden("the owner always holds every right".into()).into());
        }
        Grantee::Account(id) => (Some(id), None),
        Grantee::Group(id) => (None, Some(id)),
    };
    let send = rights.map_or(Rights::NONE, |r| r.intersection(Rights::SENDING));
    let rights = rights.map(|r| r.intersection(Rights::ALL));
    let before = match account {
        Some(user) => Some(granted(ctx.conn(), user, mailbox)?),
        None => None,
    };
    if is_inbox(ctx.conn(), mailbox)? {
        set_send_rights(ctx.conn(), actor, owner, &who, send.send_level())?;
    } else if !send.is_empty() {
        return Err(StoreError::Forbidden(
            "sending (0, 1) is granted on the account's INBOX only".into(),
        )
        .into());
    }
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
    )?;
    if let (Some(user), Some(before)) = (account, before) {
        let after = granted(ctx.conn(), user, mailbox)?;
        share_notifications::notify(ctx, actor, user, (owner, mailbox), before, after)?;
    }
    Ok(())
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
            let mut held = rights(actor, owner, |user| granted(c, user, mailbox))?;
            if let Actor::User(user) = actor
                && user != owner
                && is_inbox(c, mailbox)?
            {
                held = held.union(Rights::of_send_level(send_level_held(c, user, owner)?));
            }
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
            let mut entries: Vec<AclEntry> = rows.collect::<rusqlite::Result<_>>()?;
            if is_inbox(c, mailbox)? {
                with_send_rights(&mut entries, send_grants::grants_of_account(c, owner)?);
            }
            Ok(entries)
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
            set_entry(ctx, actor, owner, mailbox, &identifier, rights_to_set)
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
