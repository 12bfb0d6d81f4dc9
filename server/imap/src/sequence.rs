//! Sequence sets against the selected view (RFC 9051 §9 `sequence-set`, §6.4.9 UID; RFC 5182
//! `$`): message numbers are positions in this session's view, UIDs are looked up in it.

use crate::outcome::Refusal;
use crate::view::MailboxView;
use kantor_imap_proto::SequenceSet;
use kantor_imap_proto::types::SeqList;
use kantor_store::Uid;

/// The sequence numbers (ascending, without repeats) a set names.
///
/// By number: `*` is the last message; a number past it is a client error (RFC 9051 §9: "a
/// message sequence number greater than the number of messages ... is an error"), except in an
/// empty mailbox, where `*` and ranges ending in it name nothing. By UID: `*` is the highest UID
/// in the view, and UIDs not in the view are ignored (RFC 9051 §6.4.9). `$` is the saved result.
pub(crate) fn resolve(
    view: &MailboxView,
    set: &SequenceSet,
    uid: bool,
    saved: &[Uid],
) -> Result<Vec<u32>, Refusal> {
    let list = match set {
        SequenceSet::Saved => {
            let mut seqs: Vec<u32> = saved.iter().filter_map(|&u| view.seq_of(u)).collect();
            seqs.sort_unstable();
            seqs.dedup();
            return Ok(seqs);
        }
        SequenceSet::Set(list) => list,
    };
    if uid {
        Ok(by_uid(view, list))
    } else {
        by_number(view, list)
    }
}

/// The work is bounded by the mailbox, not by the set: the set's ranges are merged once (when
/// it was parsed), so each number is produced once however many ranges name it.
fn by_number(view: &MailboxView, list: &SeqList) -> Result<Vec<u32>, Refusal> {
    let len = view.len();
    if len == 0 {
        // `*` in an empty mailbox names nothing; any number is past the last.
        return match list.split_intervals(0).0.is_empty() {
            true => Ok(Vec::new()),
            false => Err(Refusal::bad("Invalid message sequence number")),
        };
    }
    let intervals = list.intervals(len);
    if intervals.last().is_some_and(|&(_, hi)| hi > len) {
        return Err(Refusal::bad("Invalid message sequence number"));
    }
    Ok(intervals.into_iter().flat_map(|(lo, hi)| lo..=hi).collect())
}

fn by_uid(view: &MailboxView, list: &SeqList) -> Vec<u32> {
    let entries = view.entries();
    let mut seqs = Vec::new();
    for (lo, hi) in list.intervals(view.max_uid()) {
        let start = entries.partition_point(|e| e.uid() < lo);
        let end = entries.partition_point(|e| e.uid() <= hi);
        seqs.extend((start..end).map(|i| i as u32 + 1));
    }
    seqs
}

/// The UIDs of a UID set that are at most `max` (for VANISHED (EARLIER), where `*` is the
/// mailbox's highest UID ever given, UIDNEXT - 1), as a membership test.
pub(crate) fn uid_filter(list: &SeqList, max: Uid) -> impl Fn(Uid) -> bool + '_ {
    move |uid| list.contains(uid, max)
}
