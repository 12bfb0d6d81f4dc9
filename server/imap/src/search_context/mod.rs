//! Searches kept for updates: `RETURN (UPDATE)` on SEARCH and SORT (RFC 5267 §4.3,
//! CONTEXT=SEARCH and CONTEXT=SORT).
//!
//! A context holds its (frozen) criteria, its order and its current results as UIDs. After a
//! refresh of the view, only the messages that changed since the context last looked (a
//! message modseq above its watermark: new messages, flag changes, this session's own STORE)
//! are evaluated again with `kantor-imap-message`'s search, and expunged messages leave the
//! results; criteria with OLDER/YOUNGER, whose answer moves with the clock, are evaluated over
//! every message. The differences become `* ESEARCH (TAG "t") [UID] REMOVEFROM (...)` and
//! `ADDTO (...)` with positions in the requested order ([`delta`]).
//!
//! Message numbers in the criteria (and `$`) are evaluated when the command arrives (RFC 5267
//! §4.3, after the RFC 3501 errata) and kept as the UIDs they named. Contexts live in the
//! selection: SELECT, EXAMINE, CLOSE and UNSELECT drop them, CANCELUPDATE ends some.

pub(crate) mod delta;

use crate::view::MailboxView;
use delta::Pair;
use kantor_imap_message::Message;
use kantor_imap_message::search::{SearchContext, SearchError, search_among};
use kantor_imap_message::sort::{SortValues, compare, sort_among};
use kantor_imap_proto::Tag;
use kantor_imap_proto::command::search::SearchKey;
use kantor_imap_proto::command::sort::SortCriterion;
use kantor_imap_proto::response::data::Esearch;
use kantor_imap_proto::types::{SeqList, SequenceSet};
use kantor_store::{Mail, Modseq, Uid};
use std::cmp::Ordering;
use std::collections::HashSet;

/// Update contexts a session may hold at once; past it UPDATE is refused with NOUPDATE (RFC
/// 5267 §4.3.1 asks for at least one).
pub(crate) const MAX_UPDATE_CONTEXTS: usize = 10;

/// Of those, SORT contexts (each keeps its results' sort values, RFC 5267 Appendix B).
pub(crate) const MAX_SORT_CONTEXTS: usize = 4;

/// The requested order of a context's results (RFC 5267 §4.1).
#[derive(Debug, Clone)]
pub(crate) enum Order {
    /// SEARCH and UID SEARCH: mailbox order (UIDs ascending).
    Mailbox,
    /// SORT and UID SORT: the sort criteria, then mailbox order.
    Sort(Vec<SortCriterion>),
}

/// One result: its UID, and its sort values in a SORT context.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub uid: Uid,
    pub values: Option<SortValues>,
}

impl Order {
    fn cmp(&self, a: &Row, b: &Row) -> Ordering {
        let by_values = match (self, &a.values, &b.values) {
            (Order::Sort(criteria), Some(x), Some(y)) => compare(criteria, x, y),
            _ => Ordering::Equal,
        };
        by_values.then(a.uid.cmp(&b.uid))
    }
}

/// A search whose results the client is kept told about.
#[derive(Debug)]
struct UpdateContext {
    tag: Tag,
    /// UID SEARCH / UID SORT: updates carry UIDs, else message numbers (§4.3.2).
    uid: bool,
    key: SearchKey,
    order: Order,
    rows: Vec<Row>,
    /// The highest message modseq this context has looked at.
    seen: Modseq,
    /// The criteria use OLDER or YOUNGER: every message is looked at again.
    clocked: bool,
}

/// What a refresh of the contexts has to say: REMOVEFROM responses, to go before the
/// expunges are announced, and ADDTO responses, to go after EXISTS (RFC 5267 §4.3.3-§4.3.4).
#[derive(Debug, Default)]
pub(crate) struct Updates {
    pub removals: Vec<Esearch>,
    pub additions: Vec<Esearch>,
}

/// The selection's update contexts.
#[derive(Debug, Default)]
pub(crate) struct Contexts {
    list: Vec<UpdateContext>,
}

impl Contexts {
    /// Whether an update context already answers to `tag` (RFC 5267 §4.3: reusing it is BAD).
    pub fn in_use(&self, tag: &str) -> bool {
        self.list.iter().any(|c| c.tag.as_str() == tag)
    }

    /// Whether one more context (a SORT one if `sort`) fits under the limits.
    pub fn has_room(&self, sort: bool) -> bool {
        let sorts = self
            .list
            .iter()
            .filter(|c| matches!(c.order, Order::Sort(_)))
            .count();
        self.list.len() < MAX_UPDATE_CONTEXTS && (!sort || sorts < MAX_SORT_CONTEXTS)
    }

    /// Keeps a search that has just run over `view`: `key` frozen by [`freeze`], `rows` its
    /// results in the requested order.
    pub fn add(
        &mut self,
        tag: Tag,
        uid: bool,
        key: SearchKey,
        order: Order,
        rows: Vec<Row>,
        view: &MailboxView,
    ) {
        self.list.push(UpdateContext {
            tag,
            uid,
            clocked: has_clock(&key),
            key,
            order,
            rows,
            seen: highest_modseq(view),
        });
    }

    /// CANCELUPDATE (RFC 5267 §4.3.5): ends the named contexts; `Err` names a tag that has
    /// none, and then nothing is cancelled.
    pub fn cancel(&mut self, tags: &[String]) -> Result<(), String> {
        if let Some(unknown) = tags.iter().find(|t| !self.in_use(t)) {
            return Err(unknown.clone());
        }
        self.list
            .retain(|c| !tags.iter().any(|t| t.as_str() == c.tag.as_str()));
        Ok(())
    }

    /// Brings every context up to date with `view`, just refreshed; `gone` are the UIDs that
    /// refresh removed from it (announced expunges).
    pub fn refresh(
        &mut self,
        store: &Mail,
        view: &MailboxView,
        saved: &[Uid],
        gone: &[Uid],
    ) -> Updates {
        let mut updates = Updates::default();
        if self.list.is_empty() {
            return updates;
        }
        let messages = live_messages(view);
        let search = SearchContext {
            store,
            mailbox_id: view.mailbox_id,
            messages: &messages,
            saved,
            index: None,
        };
        let mut gone: Vec<Uid> = gone.to_vec();
        gone.sort_unstable();
        let mut drop: HashSet<Uid> = gone.iter().copied().collect();
        drop.extend(
            view.entries()
                .iter()
                .filter(|e| e.expunged)
                .map(|e| e.uid()),
        );
        let highest = highest_modseq(view);
        for context in &mut self.list {
            let (removed, added) = context.update(&search, &drop, highest);
            if !removed.is_empty() {
                let pairs = numbered(context.uid, removed, |u| old_seq(view, &gone, u));
                updates.removals.push(Esearch {
                    remove_from: pairs,
                    ..context.response()
                });
            }
            if !added.is_empty() {
                let pairs = numbered(context.uid, added, |u| view.seq_of(u).unwrap_or(0));
                updates.additions.push(Esearch {
                    add_to: pairs,
                    ..context.response()
                });
            }
        }
        updates
    }
}

impl UpdateContext {
    /// The REMOVEFROM and ADDTO pairs since the last look, applied to the rows. Expunged
    /// messages (`drop`) always leave; if evaluating the changed messages fails, they are
    /// looked at again next time.
    fn update(
        &mut self,
        search: &SearchContext<'_>,
        drop: &HashSet<Uid>,
        highest: Modseq,
    ) -> (Vec<Pair>, Vec<Pair>) {
        let mut drop = drop.clone();
        let matched = match self.evaluate(search) {
            Ok((matched, unmatched)) => {
                drop.extend(unmatched);
                self.seen = highest;
                matched
            }
            Err(e) => {
                tracing::warn!(tag = self.tag.as_str(), error = %e, "imap: cannot update a search context");
                Vec::new()
            }
        };
        let removed = delta::remove(&mut self.rows, &drop);
        let order = &self.order;
        let rows = &self.rows;
        let added: Vec<Row> = matched
            .into_iter()
            .filter(|r| rows.binary_search_by(|x| order.cmp(x, r)).is_err())
            .collect();
        let added = delta::insert(&mut self.rows, added, |a, b| order.cmp(a, b));
        (removed, added)
    }

    /// The messages changed since the last look that match (with their sort values in a SORT
    /// context), and the UIDs of those that do not.
    fn evaluate(&self, search: &SearchContext<'_>) -> Result<(Vec<Row>, Vec<Uid>), SearchError> {
        let candidates: Vec<Message<'_>> = search
            .messages
            .iter()
            .filter(|m| self.clocked || m.summary.modseq > self.seen)
            .copied()
            .collect();
        if candidates.is_empty() {
            return Ok((Vec::new(), Vec::new()));
        }
        let uid_of = |seq: u32| {
            search
                .messages
                .binary_search_by_key(&seq, |m| m.seq)
                .map_or(0, |i| search.messages[i].summary.uid)
        };
        let matched: Vec<Row> = match &self.order {
            Order::Mailbox => search_among(search, &candidates, &self.key)?
                .into_iter()
                .map(|seq| Row {
                    uid: uid_of(seq),
                    values: None,
                })
                .collect(),
            Order::Sort(criteria) => sort_among(search, criteria, &candidates, &self.key)?
                .into_iter()
                .map(|(seq, values)| Row {
                    uid: uid_of(seq),
                    values: Some(values),
                })
                .collect(),
        };
        let matched_uids: HashSet<Uid> = matched.iter().map(|r| r.uid).collect();
        let unmatched = candidates
            .iter()
            .map(|m| m.summary.uid)
            .filter(|u| !matched_uids.contains(u))
            .collect();
        Ok((matched, unmatched))
    }

    /// An ESEARCH response for this context, without data.
    fn response(&self) -> Esearch {
        Esearch {
            tag: Some(self.tag.clone()),
            uid: self.uid,
            ..Esearch::default()
        }
    }
}

/// The pairs as the client wants them: UIDs, or message numbers from `seq`.
fn numbered(uid: bool, pairs: Vec<Pair>, seq: impl Fn(Uid) -> u32) -> Vec<(u32, SeqList)> {
    pairs
        .into_iter()
        .filter_map(|(pos, uids)| {
            let ids: Vec<u32> = if uid {
                uids
            } else {
                uids.into_iter().map(&seq).collect()
            };
            Some((pos, SeqList::from_ordered(ids)?))
        })
        .collect()
}

/// The message number `uid` had before this refresh's expunges were announced: the client's
/// numbering when it reads the REMOVEFROM, sent before the EXPUNGE responses (§4.3.4).
fn old_seq(view: &MailboxView, gone: &[Uid], uid: Uid) -> u32 {
    let before =
        view.entries().partition_point(|e| e.uid() < uid) + gone.partition_point(|&g| g < uid);
    before as u32 + 1
}

/// The view's messages not expunged, numbered as the client sees them.
pub(crate) fn live_messages(view: &MailboxView) -> Vec<Message<'_>> {
    view.entries()
        .iter()
        .enumerate()
        .filter(|(_, e)| !e.expunged)
        .map(|(i, e)| e.at(i as u32 + 1))
        .collect()
}

fn highest_modseq(view: &MailboxView) -> Modseq {
    view.entries()
        .iter()
        .map(|e| e.message.modseq)
        .max()
        .unwrap_or(0)
}

/// `key` with message numbers and `$` replaced by the UIDs they name now (RFC 5267 §4.3: they
/// are evaluated when the command is received).
pub(crate) fn freeze(key: &SearchKey, view: &MailboxView, saved: &[Uid]) -> SearchKey {
    use SearchKey as K;
    let uids = |uids: Vec<Uid>| match SeqList::from_numbers(uids) {
        Some(list) => K::Uid(SequenceSet::Set(list)),
        None => K::Not(Box::new(K::All)),
    };
    match key {
        K::SequenceSet(SequenceSet::Set(list)) => {
            let live = live_messages(view);
            let largest = live.last().map_or(0, |m| m.seq);
            uids(
                live.iter()
                    .filter(|m| list.contains(m.seq, largest))
                    .map(|m| m.summary.uid)
                    .collect(),
            )
        }
        K::SequenceSet(SequenceSet::Saved) | K::Uid(SequenceSet::Saved) => uids(saved.to_vec()),
        K::Not(k) => K::Not(Box::new(freeze(k, view, saved))),
        K::Or(a, b) => K::Or(
            Box::new(freeze(a, view, saved)),
            Box::new(freeze(b, view, saved)),
        ),
        K::And(keys) => K::And(keys.iter().map(|k| freeze(k, view, saved)).collect()),
        other => other.clone(),
    }
}

/// Whether the criteria depend on the time (OLDER, YOUNGER: RFC 5032).
fn has_clock(key: &SearchKey) -> bool {
    use SearchKey as K;
    match key {
        K::Older(_) | K::Younger(_) => true,
        K::Not(k) => has_clock(k),
        K::Or(a, b) => has_clock(a) || has_clock(b),
        K::And(keys) => keys.iter().any(has_clock),
        _ => false,
    }
}

#[cfg(test)]
mod tests;
