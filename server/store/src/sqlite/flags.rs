//! Flag and keyword changes (IMAP STORE, RFC 9051 §6.4.6; UNCHANGEDSINCE, RFC 7162 §3.1.3).
//! Flags other than `\Deleted` and keywords belong to the email, so every mailbox it is filed
//! in sees a change (each of its memberships gets the new modseq and its listing copy);
//! `\Deleted` belongs to the membership. In a shared account a member's `\Seen` is their own
//! (`member_seen.rs`): the email keeps its own and the change still gets a modseq.

use super::SqliteBackend;
use super::WriteCtx;
use super::access::rights_in_account;
use super::edits::filed;
use super::error::DbResult;
use super::member_seen;
use super::messages::{keywords_to_column, normalize_keywords};
use crate::access::{Actor, Rights, check};
use crate::changes::{ChangeKind, ObjectKind};
use crate::{
    AccountId, FlagChange, FlagOperation, FlagResult, FlagState, Flags, MailboxId, Modseq, Result,
    Uid,
};
use rusqlite::params;

impl SqliteBackend {
    /// Changes flags and keywords of messages in a mailbox (RFC 9051 §6.4.6; UNCHANGEDSINCE,
    /// RFC 7162 §3.1.3). Only messages whose flags really change get the new modseq. Flags other
    /// than `\Deleted` belong to the email, so every mailbox it is filed in sees the change.
    pub(super) async fn set_flags(
        &self,
        actor: Actor,
        account_id: AccountId,
        mailbox_id: MailboxId,
        uids: Vec<Uid>,
        change: FlagChange,
    ) -> Result<FlagResult> {
        self.write(move |ctx| {
            let held =
                rights_in_account(ctx.conn(), actor, account_id, mailbox_id, Rights::LOOKUP)?;
            let allowed = allowed_flags(held);
            let needed = rights_to_flag(&change);
            // RFC 4314 §4: a STORE SHOULD NOT fail when the user may change at least one of its
            // flags; the others are left as they are. With none of them: NO.
            if !needed.is_empty() && needed.intersection(held).is_empty() {
                check(held, needed, account_id, Some(mailbox_id))?;
            }
            let keywords = match held.contains(Rights::WRITE) {
                true => normalize_keywords(&change.keywords),
                false => Vec::new(),
            };
            // In a shared account a member's \Seen is their own (`member_seen.rs`).
            let member = member_seen::member(ctx.conn(), actor, account_id)?;
            let mut result = FlagResult::default();
            let mut modseq = None;
            for uid in uids {
                let Some(filed) = filed(ctx, mailbox_id, uid)? else {
                    continue;
                };
                let id = filed.email_id;
                if change
                    .unchanged_since
                    .is_some_and(|since| filed.modseq > since)
                {
                    result.modified.push(filed.uid);
                    continue;
                }
                let member_had = match member {
                    Some(member) => Some(
                        member_seen::seen_among(ctx.conn(), member, account_id, &[id])?
                            .contains(&id),
                    ),
                    None => None,
                };
                let before = match member_had {
                    Some(seen) => member_seen::shown(filed.flags, seen),
                    None => filed.flags,
                };
                let (applied, applied_keywords) = apply(
                    change.operation,
                    before,
                    &filed.keywords,
                    change.flags,
                    &keywords,
                );
                // Flags the user may not change keep their value (RFC 4314 §4).
                let flags = Flags((applied.0 & allowed.0) | (before.0 & !allowed.0));
                let new_keywords = match held.contains(Rights::WRITE) {
                    true => applied_keywords,
                    false => filed.keywords.clone(),
                };
                // What the email keeps: a member's \Seen goes to their own row instead.
                let (stored, member_seen_now) = match member_had {
                    Some(had) => {
                        let now = flags.contains(Flags::SEEN);
                        let stored = member_seen::shown(flags, filed.flags.contains(Flags::SEEN));
                        (stored, (now != had).then_some(now))
                    }
                    None => (flags, None),
                };
                let email_changed = stored.without(Flags::DELETED)
                    != filed.flags.without(Flags::DELETED)
                    || !same_keywords(&new_keywords, &filed.keywords)
                    || member_seen_now.is_some();
                let changed = email_changed || stored != filed.flags;
                let mut state = FlagState {
                    id,
                    uid: filed.uid,
                    flags,
                    keywords: new_keywords,
                    modseq: filed.modseq,
                    changed,
                };
                if changed {
                    // One bump for the whole command, taken at its first real change.
                    let modseq = match modseq {
                        Some(modseq) => modseq,
                        None => *modseq.insert(ctx.bump_modseq(account_id)?),
                    };
                    if let (Some(member), Some(seen)) = (member, member_seen_now) {
                        member_seen::set_seen(ctx.conn(), member, account_id, id, seen)?;
                    }
                    let stored = FlagState {
                        flags: stored,
                        ..state.clone()
                    };
                    write_flags(
                        ctx,
                        account_id,
                        mailbox_id,
                        &stored,
                        filed.flags,
                        email_changed,
                        modseq,
                    )?;
                    state.modseq = modseq;
                }
                result.states.push(state);
            }
            Ok(result)
        })
        .await
    }
}

/// The flags `held` lets a user change (RFC 4314 §4).
fn allowed_flags(held: Rights) -> Flags {
    let mut allowed = Flags::default();
    if held.contains(Rights::SEEN) {
        allowed = allowed.with(Flags::SEEN);
    }
    if held.contains(Rights::DELETE_MESSAGES) {
        allowed = allowed.with(Flags::DELETED);
    }
    if held.contains(Rights::WRITE) {
        allowed = allowed.with(Flags::ANSWERED.with(Flags::FLAGGED).with(Flags::DRAFT));
    }
    allowed
}

/// The rights a flag change needs (RFC 4314 §4: `s` for `\Seen`, `t` for `\Deleted`, `w` for
/// the rest).
fn rights_to_flag(change: &FlagChange) -> Rights {
    let replaces = change.operation == FlagOperation::Replace;
    let touches = |flag| replaces || change.flags.contains(flag);
    let mut needed = Rights::NONE;
    if touches(Flags::SEEN) {
        needed = needed.union(Rights::SEEN);
    }
    if touches(Flags::DELETED) {
        needed = needed.union(Rights::DELETE_MESSAGES);
    }
    let others = change.flags.without(Flags::SEEN).without(Flags::DELETED);
    if replaces || others != Flags::default() || !change.keywords.is_empty() {
        needed = needed.union(Rights::WRITE);
    }
    needed
}

/// Flags and keywords after applying `operation`.
fn apply(
    operation: FlagOperation,
    flags: Flags,
    keywords: &[String],
    change: Flags,
    change_keywords: &[String],
) -> (Flags, Vec<String>) {
    match operation {
        FlagOperation::Replace => (change, change_keywords.to_vec()),
        FlagOperation::Add => {
            let mut all = keywords.to_vec();
            all.extend_from_slice(change_keywords);
            (flags.with(change), normalize_keywords(&all))
        }
        FlagOperation::Remove => (
            flags.without(change),
            keywords
                .iter()
                .filter(|k| !change_keywords.iter().any(|c| c.eq_ignore_ascii_case(k)))
                .cloned()
                .collect(),
        ),
    }
}

fn same_keywords(a: &[String], b: &[String]) -> bool {
    a.len() == b.len()
        && a.iter()
            .all(|k| b.iter().any(|o| o.eq_ignore_ascii_case(k)))
}

/// Writes a flag change: the email's flags and keywords, the membership's `\Deleted`, and a
/// new modseq, counters and log row for every mailbox the email is filed in when more than
/// `\Deleted` changed.
fn write_flags(
    ctx: &WriteCtx<'_>,
    account_id: AccountId,
    mailbox_id: MailboxId,
    state: &FlagState,
    old: Flags,
    email_changed: bool,
    modseq: Modseq,
) -> DbResult<()> {
    let deleted = state.flags.contains(Flags::DELETED);
    let filed_in: Vec<(MailboxId, Uid)> = if email_changed {
        let (flags, keywords) = (
            state.flags.without(Flags::DELETED),
            keywords_to_column(&state.keywords),
        );
        ctx.conn()
            .prepare_cached(
                "UPDATE emails SET flags = ?2, keywords = ?3, modseq = ?4 WHERE id = ?1",
            )?
            .execute(params![state.id, flags.0, keywords, modseq as i64])?;
        // Every membership: a new modseq and its listing copy of the flags (migration 0007);
        // this one its \Deleted too. One statement.
        ctx.conn()
            .prepare_cached(
                "UPDATE memberships SET modseq = ?3, flags = ?4, keywords = ?5,
                 deleted = CASE WHEN mailbox_id = ?2 AND uid = ?6 THEN ?7 ELSE deleted END
                 WHERE email_id = ?1 RETURNING mailbox_id, uid",
            )?
            .query_map(
                params![
                    state.id,
                    mailbox_id,
                    modseq as i64,
                    flags.0,
                    keywords,
                    state.uid,
                    deleted
                ],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?
            .collect::<rusqlite::Result<_>>()?
    } else {
        ctx.conn()
            .prepare_cached(
                "UPDATE memberships SET deleted = ?3, modseq = ?4 WHERE mailbox_id = ?1 AND uid = ?2",
            )?
            .execute(params![mailbox_id, state.uid, deleted, modseq as i64])?;
        vec![(mailbox_id, state.uid)]
    };
    let seen_delta =
        i64::from(old.contains(Flags::SEEN)) - i64::from(state.flags.contains(Flags::SEEN));
    for (mailbox, uid) in filed_in {
        ctx.conn()
            .prepare_cached(
                "UPDATE mailboxes SET unseen = unseen + ?2, highest_modseq = ?3 WHERE id = ?1",
            )?
            .execute(params![mailbox, seen_delta, modseq as i64])?;
        ctx.log_change(
            account_id,
            modseq,
            ObjectKind::Email,
            ChangeKind::Updated,
            state.id,
            Some(mailbox),
            Some(uid),
        )?;
    }
    Ok(())
}
