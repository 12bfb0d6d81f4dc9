//! The selected mailbox as one session sees it (RFC 9051 §2.3.1.2, §7.5).
//!
//! Message sequence numbers are positions in this session's view, not in the store: another
//! session's EXPUNGE must not renumber this one's messages until this session is told, and it may
//! be told only at certain points (RFC 9051 §7.5.1: never while answering FETCH, STORE or SEARCH,
//! the non-UID forms). So the view holds its own list, refreshed from the account's change log
//! (the one notification path): new messages are appended and announced with EXISTS, flag changes
//! with FETCH, and expunges are applied (EXPUNGE / VANISHED) only when allowed; until then the
//! expunged message keeps its number.
//!
//! `recent`: which of the view's messages are `\Recent` for this session (RFC 3501 §2.3.2).

mod recent;
mod shared;

pub use recent::RecentMode;

use kantor_store::changes::{Change, ChangeKind, ObjectKind};
use kantor_store::{
    AccountChanges, AccountId, Flags, Mail, MailboxId, MessageId, MessageSummary, Modseq, Result,
    Uid,
};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

/// One message as the session knows it: its summary as last seen, and whether it is gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Shared with the other views of the mailbox while unchanged (`shared`).
    pub message: Arc<MessageSummary>,
    /// Gone from the store, not yet announced to this session.
    pub expunged: bool,
    /// `\Recent` for this session (IMAP4rev1 only; see [`RecentMode`]).
    pub recent: bool,
}

impl Entry {
    fn new(message: Arc<MessageSummary>) -> Entry {
        Entry {
            message,
            expunged: false,
            recent: false,
        }
    }

    pub fn uid(&self) -> Uid {
        self.message.uid
    }

    /// The message as kantor-imap-message renders and searches it, at sequence number `seq`.
    pub fn at(&self, seq: u32) -> kantor_imap_message::Message<'_> {
        kantor_imap_message::Message {
            seq,
            summary: &self.message,
            recent: self.recent,
        }
    }
}

/// What the session must tell the client after a refresh, in this order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Update {
    /// `* n EXPUNGE` (sequence number at the time of removal), or part of a VANISHED set.
    Expunged { seq: u32, uid: Uid },
    /// Keywords not seen before in this mailbox: send FLAGS (and PERMANENTFLAGS) again.
    Keywords(Vec<String>),
    /// `* n EXISTS`: the new message count.
    Exists(u32),
    /// `* n FETCH (FLAGS ...)`: the message's flags changed.
    Flags { seq: u32, uid: Uid },
}

impl Update {
    /// The UIDs that `updates` announce as expunged.
    pub fn expunged_uids(updates: &[Update]) -> Vec<Uid> {
        updates
            .iter()
            .filter_map(|u| match u {
                Update::Expunged { uid, .. } => Some(*uid),
                _ => None,
            })
            .collect()
    }
}

/// The selected mailbox.
#[derive(Debug)]
pub struct MailboxView {
    pub account_id: AccountId,
    pub mailbox_id: MailboxId,
    pub uidvalidity: u32,
    pub read_only: bool,
    entries: Vec<Entry>,
    /// The account modseq up to which the change log has been applied.
    modseq: Modseq,
    /// The mailbox's highest modseq as far as this view has applied the log (RFC 7162
    /// HIGHESTMODSEQ): never ahead of what the view holds.
    mailbox_modseq: Modseq,
    keywords: BTreeSet<String>,
    /// Wakes on commits to the account: a refresh reads the log only after one.
    changes: AccountChanges,
    /// The next refresh reads the log even without a wake-up (see [`MailboxView::read_log_next`]).
    read_log: bool,
    recent_mode: RecentMode,
    /// The highest UID whose `\Recent` state is settled.
    recent_settled: Uid,
    /// Messages arrived that the client has not been told of (a NOTIFY client that asked for no
    /// MessageNew, RFC 5465 §3.1): loaded by the next refresh that applies arrivals.
    pending_arrivals: bool,
    /// Messages whose flags changed, not yet told (no FlagChange asked for, RFC 5465 §5.1).
    pending_flags: BTreeSet<Uid>,
}

/// Which kinds of change a refresh applies and announces now; the others wait in the view
/// (RFC 9051 §7.5.1 for expunges, RFC 5465 §5 for what a NOTIFY client did not ask for).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Apply {
    /// New messages: EXISTS.
    pub arrivals: bool,
    /// Expunges: EXPUNGE or VANISHED.
    pub expunges: bool,
    /// Flag changes: FETCH FLAGS.
    pub flags: bool,
}

impl Apply {
    pub const ALL: Apply = Apply {
        arrivals: true,
        expunges: true,
        flags: true,
    };
    pub const NOTHING: Apply = Apply {
        arrivals: false,
        expunges: false,
        flags: false,
    };
}

impl MailboxView {
    /// Loads the mailbox as it is now. Call [`MailboxView::settle_recent`] before describing it.
    pub fn open(
        store: &Mail,
        account_id: AccountId,
        mailbox_id: MailboxId,
        read_only: bool,
        recent_mode: RecentMode,
    ) -> Result<Option<MailboxView>> {
        // Watch first, then read the modseq: anything logged after it is applied by the next
        // refresh, and a change seen twice is harmless (refresh compares modseqs).
        let changes = store.watch_account(account_id);
        let Some(account) = store.account(account_id)? else {
            return Ok(None);
        };
        let Some(mailbox) = store.mailbox(mailbox_id)? else {
            return Ok(None);
        };
        let entries: Vec<Entry> = shared::share(store, store.messages(mailbox_id)?)
            .into_iter()
            .map(Entry::new)
            .collect();
        let keywords = entries
            .iter()
            .flat_map(|e| e.message.keywords.iter().cloned())
            .collect();
        Ok(Some(MailboxView {
            account_id,
            mailbox_id,
            uidvalidity: mailbox.uidvalidity,
            read_only,
            entries,
            modseq: account.modseq,
            mailbox_modseq: mailbox.highest_modseq.min(account.modseq),
            keywords,
            changes,
            recent_mode,
            recent_settled: 0,
            pending_arrivals: false,
            pending_flags: BTreeSet::new(),
            read_log: false,
        }))
    }

    /// The same mailbox selected again by its session (SELECT or EXAMINE of the selected
    /// mailbox): brought up to date from the change log instead of loaded anew, which ends in
    /// the same state. What it would have announced is dropped: the new SELECT says it all.
    pub fn reopen(
        mut self,
        store: &Mail,
        read_only: bool,
        recent_mode: RecentMode,
    ) -> Result<Self> {
        self.refresh_with(store, Apply::ALL)?;
        self.read_only = read_only;
        if recent_mode != self.recent_mode {
            self.recent_mode = recent_mode;
            self.recent_settled = 0;
            self.entries.iter_mut().for_each(|e| e.recent = false);
        }
        Ok(self)
    }

    /// Messages by sequence number (index + 1), expunged-but-unannounced ones included.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn len(&self) -> u32 {
        self.entries.len() as u32
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Keywords in use in this mailbox, for FLAGS / PERMANENTFLAGS.
    pub fn keywords(&self) -> impl Iterator<Item = &str> {
        self.keywords.iter().map(String::as_str)
    }

    /// The sequence number of a UID, if the view has it.
    pub fn seq_of(&self, uid: Uid) -> Option<u32> {
        self.entries
            .binary_search_by_key(&uid, |e| e.message.uid)
            .ok()
            .map(|i| i as u32 + 1)
    }

    /// The entry at a sequence number.
    pub fn get(&self, seq: u32) -> Option<&Entry> {
        self.entries.get((seq as usize).checked_sub(1)?)
    }

    /// The highest UID the view knows.
    pub fn max_uid(&self) -> Uid {
        self.entries.last().map_or(0, |e| e.message.uid)
    }

    /// The highest modseq of the view's mailbox (RFC 7162 HIGHESTMODSEQ as this session knows
    /// it): its messages' changes, expunges and renames that the view has applied.
    pub fn highest_modseq(&self) -> Modseq {
        self.mailbox_modseq
    }

    /// Records flags this session itself just set, so the next refresh does not repeat them.
    pub fn record_flags(
        &mut self,
        uid: Uid,
        flags: Flags,
        keywords: &[String],
        modseq: Modseq,
    ) -> Option<Vec<String>> {
        let seq = self.seq_of(uid)?;
        let entry = &mut self.entries[seq as usize - 1].message;
        if modseq >= entry.modseq {
            let entry = Arc::make_mut(entry);
            entry.flags = flags;
            entry.keywords = keywords.to_vec();
            entry.modseq = modseq;
        }
        let new: Vec<String> = keywords
            .iter()
            .filter(|k| self.keywords.insert((*k).clone()))
            .cloned()
            .collect();
        (!new.is_empty()).then_some(new)
    }

    /// Makes the next refresh read the log whether or not a wake-up came. A command that read
    /// the mailbox itself (EXPUNGE's `\Deleted` messages, MOVE's sources) may have seen a commit
    /// whose wake-up is still on its way: the writer publishes just after the commit becomes
    /// visible, and a checkpoint or the scheduler can hold it there. The command's result must
    /// still report what it saw (RFC 9051 §6.4.3: every `\Deleted` message is gone after
    /// EXPUNGE), so it reads the log instead of waiting for the wake-up.
    pub fn read_log_next(&mut self) {
        self.read_log = true;
    }

    /// Reads the change log since the last refresh and applies it. `allow_expunge` is false
    /// while answering FETCH, STORE or SEARCH (RFC 9051 §7.5.1): expunges then wait, marked.
    pub fn refresh(&mut self, store: &Mail, allow_expunge: bool) -> Result<Vec<Update>> {
        self.refresh_with(
            store,
            Apply {
                expunges: allow_expunge,
                ..Apply::ALL
            },
        )
    }

    /// [`MailboxView::refresh`], applying only the kinds of change `apply` allows; expunged
    /// messages are marked either way, and what is held back is applied by a later refresh.
    pub fn refresh_with(&mut self, store: &Mail, apply: Apply) -> Result<Vec<Update>> {
        // Only read the log when the account had a commit since the last look (in this process,
        // or in another one, seen by the store's watcher); held-back changes are applied anyway.
        let asked = std::mem::take(&mut self.read_log);
        let log = if self.changes.take_changed() || asked {
            match store.changes_since(self.account_id, self.modseq) {
                Err(kantor_store::StoreError::ChangesPruned { .. }) => self.resync_log(store)?,
                log => log?,
            }
        } else {
            Vec::new()
        };
        let mut gone = HashSet::new();
        let mut touched = Vec::new();
        let mut created = false;
        for change in &log {
            self.modseq = self.modseq.max(change.modseq);
            let this_mailbox = change.mailbox_id == Some(self.mailbox_id)
                || (change.object == ObjectKind::Mailbox && change.object_id == self.mailbox_id);
            if this_mailbox {
                self.mailbox_modseq = self.mailbox_modseq.max(change.modseq);
            }
            if change.object != ObjectKind::Email || change.mailbox_id != Some(self.mailbox_id) {
                continue;
            }
            match change.kind {
                ChangeKind::Destroyed => {
                    if let Some(uid) = change.uid {
                        gone.insert(uid);
                    }
                }
                ChangeKind::Created => created |= change.uid.is_some_and(|u| u > self.max_uid()),
                ChangeKind::Updated => touched.extend(change.uid),
            }
        }
        let mut updates = Vec::new();
        for entry in self
            .entries
            .iter_mut()
            .filter(|e| gone.contains(&e.message.uid))
        {
            entry.expunged = true;
        }
        if apply.expunges {
            self.announce_expunges(&mut updates);
        }
        self.pending_flags.extend(touched);
        if apply.flags {
            let touched: Vec<Uid> = std::mem::take(&mut self.pending_flags)
                .into_iter()
                .collect();
            self.apply_flag_changes(store, &touched, &mut updates)?;
        }
        self.pending_arrivals |= created;
        if apply.arrivals && self.pending_arrivals {
            self.pending_arrivals = false;
            let arrived = store.messages_after_uid(self.mailbox_id, self.max_uid())?;
            if !arrived.is_empty() {
                self.learn_keywords(arrived.iter().flat_map(|m| m.keywords.iter()), &mut updates);
                self.entries
                    .extend(shared::share(store, arrived).into_iter().map(Entry::new));
                updates.push(Update::Exists(self.len()));
            }
        }
        Ok(updates)
    }

    /// What the log would have said since the view's modseq, rebuilt from the mailbox as it is
    /// (the log was pruned past it while the session was open): the UIDs gone, every message
    /// held as touched (its flags are compared), and arrivals.
    fn resync_log(&mut self, store: &Mail) -> Result<Vec<Change>> {
        let now = store
            .account(self.account_id)?
            .map_or(self.modseq, |a| a.modseq);
        let current: HashMap<Uid, MessageId> = store
            .messages(self.mailbox_id)?
            .into_iter()
            .map(|m| (m.uid, m.id))
            .collect();
        let change = |kind, object_id, uid| Change {
            modseq: now,
            object: ObjectKind::Email,
            kind,
            object_id,
            mailbox_id: Some(self.mailbox_id),
            uid: Some(uid),
        };
        let mut log: Vec<Change> = self
            .entries
            .iter()
            .map(|e| match current.get(&e.message.uid) {
                Some(&id) => change(ChangeKind::Updated, id, e.message.uid),
                None => change(ChangeKind::Destroyed, e.message.id, e.message.uid),
            })
            .collect();
        if let Some(&top) = current.keys().max() {
            log.push(change(ChangeKind::Created, current[&top], top));
        }
        Ok(log)
    }

    /// Removes the expunged entries, highest sequence number first so each reported number is
    /// right when the client applies them in order.
    fn announce_expunges(&mut self, updates: &mut Vec<Update>) {
        for index in (0..self.entries.len()).rev() {
            if self.entries[index].expunged {
                let entry = self.entries.remove(index);
                updates.push(Update::Expunged {
                    seq: index as u32 + 1,
                    uid: entry.message.uid,
                });
            }
        }
    }

    fn apply_flag_changes(
        &mut self,
        store: &Mail,
        touched: &[Uid],
        updates: &mut Vec<Update>,
    ) -> Result<()> {
        if touched.is_empty() {
            return Ok(());
        }
        let current = shared::share(store, store.message_summaries(self.mailbox_id, touched)?);
        self.learn_keywords(current.iter().flat_map(|m| m.keywords.iter()), updates);
        for summary in current {
            let Some(seq) = self.seq_of(summary.uid) else {
                continue;
            };
            let entry = &mut self.entries[seq as usize - 1];
            if entry.expunged || summary.modseq <= entry.message.modseq {
                continue;
            }
            let changed =
                entry.message.flags != summary.flags || entry.message.keywords != summary.keywords;
            let uid = summary.uid;
            entry.message = summary;
            if changed {
                updates.push(Update::Flags { seq, uid });
            }
        }
        Ok(())
    }

    fn learn_keywords<'a>(
        &mut self,
        keywords: impl Iterator<Item = &'a String>,
        updates: &mut Vec<Update>,
    ) {
        let new: Vec<String> = keywords
            .filter(|k| self.keywords.insert((*k).clone()))
            .cloned()
            .collect();
        if !new.is_empty() {
            updates.push(Update::Keywords(new));
        }
    }
}
