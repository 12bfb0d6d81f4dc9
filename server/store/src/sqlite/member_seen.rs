//! `\Seen` per member in shared accounts (migration 0024). RFC 4314 §4 ties `\Seen` to the
//! right `s` ("keep seen/unseen information across sessions") and leaves whose state it is to
//! the server: in an account nobody logs in to (a team's `sales@`), each member has their own
//! read state, so one colleague reading a message does not hide it from the others. There the
//! email's own `\Seen` is not shown to members; other flags and keywords stay shared. In a
//! personal account a delegate sees and sets the owner's `\Seen`, as Exchange's delegates do.
//!
//! Reads overlay the member's state on what they list (`show_*`); writes go through
//! [`set_seen`]. A member's change is still a change of the email in the account's one change
//! log (a new modseq), so the member's other sessions hear of it; other members' sessions see
//! the message's flags unchanged.

use super::error::DbResult;
use crate::access::Actor;
use crate::{AccountId, Flags, Mailbox, MailboxId, MessageId, MessageSummary};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::{HashMap, HashSet};

/// Above this many messages a listing reads the member's whole state in the account at once
/// instead of asking message by message.
const READ_ALL_ABOVE: usize = 32;

/// Up to this many mailboxes of an account, unseen counts are taken mailbox by mailbox.
const COUNT_ONE_BY_ONE_UP_TO: usize = 4;

/// The member whose own `\Seen` `actor` sees in `account`: a user other than the owner, in a
/// shared account. `None`: the email's `\Seen` is what the actor sees.
pub(super) fn member(
    conn: &Connection,
    actor: Actor,
    account: AccountId,
) -> DbResult<Option<AccountId>> {
    let Actor::User(user) = actor else {
        return Ok(None);
    };
    if user == account {
        return Ok(None);
    }
    let shared: Option<bool> = conn
        .prepare_cached("SELECT shared FROM accounts WHERE id = ?1")?
        .query_row([account], |r| r.get(0))
        .optional()?;
    Ok(shared.unwrap_or(false).then_some(user))
}

/// Of `ids` (emails of `account`), those `member` has seen.
pub(super) fn seen_among(
    conn: &Connection,
    member: AccountId,
    account: AccountId,
    ids: &[MessageId],
) -> DbResult<HashSet<MessageId>> {
    if ids.len() > READ_ALL_ABOVE {
        let all: HashSet<MessageId> = conn
            .prepare_cached(
                "SELECT email_id FROM member_seen WHERE user_id = ?1 AND account_id = ?2",
            )?
            .query_map(params![member, account], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        return Ok(ids.iter().copied().filter(|id| all.contains(id)).collect());
    }
    let mut statement = conn.prepare_cached(
        "SELECT 1 FROM member_seen WHERE user_id = ?1 AND account_id = ?2 AND email_id = ?3",
    )?;
    let mut seen = HashSet::new();
    for &id in ids {
        if statement.exists(params![member, account, id])? {
            seen.insert(id);
        }
    }
    Ok(seen)
}

/// `flags` with `\Seen` as the member has it.
pub(super) fn shown(flags: Flags, seen: bool) -> Flags {
    match seen {
        true => flags.with(Flags::SEEN),
        false => flags.without(Flags::SEEN),
    }
}

/// Replaces the `\Seen` of summaries of `account` by the actor's own, where it has one.
pub(super) fn show_in_summaries(
    conn: &Connection,
    actor: Actor,
    account: AccountId,
    summaries: &mut [MessageSummary],
) -> DbResult<()> {
    let Some(member) = member(conn, actor, account)? else {
        return Ok(());
    };
    let ids: Vec<MessageId> = summaries.iter().map(|s| s.id).collect();
    let seen = seen_among(conn, member, account, &ids)?;
    for summary in summaries {
        summary.flags = shown(summary.flags, seen.contains(&summary.id));
    }
    Ok(())
}

/// Replaces the unseen counts of mailboxes by the actor's own, in the shared accounts among
/// their owners: a mailbox's messages less those the member has seen. A few mailboxes are
/// counted one by one; more at once, per account.
pub(super) fn show_in_mailboxes<'a>(
    conn: &Connection,
    actor: Actor,
    mailboxes: impl IntoIterator<Item = &'a mut Mailbox>,
) -> DbResult<()> {
    let mut by_account: HashMap<AccountId, Vec<&'a mut Mailbox>> = HashMap::new();
    for mailbox in mailboxes {
        by_account
            .entry(mailbox.account_id)
            .or_default()
            .push(mailbox);
    }
    for (account, mailboxes) in by_account {
        let Some(member) = member(conn, actor, account)? else {
            continue;
        };
        let seen: HashMap<MailboxId, i64> = if mailboxes.len() <= COUNT_ONE_BY_ONE_UP_TO {
            let mut statement = conn.prepare_cached(
                "SELECT count(*) FROM memberships m WHERE m.mailbox_id = ?3 AND EXISTS \
                 (SELECT 1 FROM member_seen s \
                  WHERE s.user_id = ?1 AND s.account_id = ?2 AND s.email_id = m.email_id)",
            )?;
            let mut seen = HashMap::new();
            for mailbox in &mailboxes {
                let count =
                    statement.query_row(params![member, account, mailbox.id], |r| r.get(0))?;
                seen.insert(mailbox.id, count);
            }
            seen
        } else {
            conn.prepare_cached(
                "SELECT m.mailbox_id, count(*) FROM member_seen s \
                 JOIN memberships m ON m.email_id = s.email_id \
                 WHERE s.user_id = ?1 AND s.account_id = ?2 GROUP BY m.mailbox_id",
            )?
            .query_map(params![member, account], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?
        };
        for mailbox in mailboxes {
            let read = seen.get(&mailbox.id).copied().unwrap_or(0).max(0) as u32;
            mailbox.unseen = mailbox.total.saturating_sub(read);
        }
    }
    Ok(())
}

/// Records whether `member` has seen an email of `account`; returns whether that changed.
pub(super) fn set_seen(
    conn: &Connection,
    member: AccountId,
    account: AccountId,
    email: MessageId,
    seen: bool,
) -> DbResult<bool> {
    let changed = match seen {
        true => conn
            .prepare_cached(
                "INSERT OR IGNORE INTO member_seen (user_id, account_id, email_id) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![member, account, email])?,
        false => conn
            .prepare_cached(
                "DELETE FROM member_seen WHERE user_id = ?1 AND account_id = ?2 AND email_id = ?3",
            )?
            .execute(params![member, account, email])?,
    };
    Ok(changed > 0)
}
