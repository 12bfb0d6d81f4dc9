//! SEARCH and UID SEARCH (RFC 9051 §6.4.4) with ESEARCH's RETURN options (RFC 4731, part of
//! IMAP4rev2) and SEARCHRES (RFC 5182: SAVE and `$`); SORT with ESORT (RFC 5256 §3, RFC 5267
//! §3) and THREAD (RFC 5256 §3). Matching, ordering and threading are `kantor-imap-message`'s;
//! this module chooses the messages, maps numbers to UIDs and writes the responses.
//!
//! IMAP4rev1 clients get `* SEARCH` unless they ask for RETURN; IMAP4rev2 clients always get
//! `* ESEARCH` (RFC 9051 §7.3.4). CONTEXT, UPDATE and PARTIAL (RFC 5267, RFC 9394) are not
//! offered and are refused.

use crate::outcome::{Done, Outcome, Refusal};
use crate::session::Session;
use crate::session::state::Selected;
use kantor_imap_message::Message;
use kantor_imap_message::search::{SearchContext, SearchError};
use kantor_imap_proto::command::search::{Search, SearchKey, SearchReturn};
use kantor_imap_proto::command::sort::{Sort, Thread, ThreadAlgorithm};
use kantor_imap_proto::response::data::{Esearch, ThreadNode};
use kantor_imap_proto::types::SeqList;
use kantor_imap_proto::{Code, Data, Tag};
use kantor_store::{Store, Uid};
use std::num::NonZeroU32;

/// RETURN options this server offers; the others are BAD (their capabilities are not listed).
fn check_return(ret: &Option<SearchReturn>) -> Result<(), Refusal> {
    match ret {
        Some(r) if r.context || r.update || r.partial.is_some() => Err(Refusal::bad(
            "CONTEXT, UPDATE and PARTIAL are not supported",
        )),
        _ => Ok(()),
    }
}

/// Whether the criteria use MODSEQ (a CONDSTORE enabling command, RFC 7162 §3.1.5).
fn has_modseq(key: &SearchKey) -> bool {
    let mut stack = vec![key];
    while let Some(key) = stack.pop() {
        match key {
            SearchKey::ModSeq { .. } => return true,
            SearchKey::Not(k) => stack.push(k),
            SearchKey::Or(a, b) => stack.extend([&**a, &**b]),
            SearchKey::And(keys) => stack.extend(keys.iter()),
            _ => {}
        }
    }
    false
}

/// Runs `run` over the view's messages (those not expunged), with `$`.
fn with_context<T>(
    store: &Store,
    selected: &Selected,
    run: impl FnOnce(&SearchContext<'_>) -> Result<T, SearchError>,
) -> Result<T, Refusal> {
    let messages: Vec<Message<'_>> = selected
        .view
        .entries()
        .iter()
        .enumerate()
        .filter(|(_, e)| !e.expunged)
        .map(|(i, e)| Message {
            seq: i as u32 + 1,
            summary: &e.message,
            recent: e.recent,
        })
        .collect();
    let context = SearchContext {
        store,
        messages: &messages,
        saved: &selected.saved,
    };
    run(&context).map_err(|e| match e {
        SearchError::BadCharset => Refusal::no_code(
            Code::BadCharset(vec!["UTF-8".into(), "US-ASCII".into()]),
            "Unsupported charset",
        ),
        SearchError::Store(e) => e.into(),
    })
}

fn uid_of(selected: &Selected, seq: u32) -> Uid {
    selected.view.get(seq).map_or(0, |e| e.uid())
}

pub(crate) fn search(session: &mut Session, search: Search, tag: &Tag) -> Outcome {
    check_return(&search.ret)?;
    let modseq_asked = has_modseq(&search.criteria);
    if modseq_asked {
        super::select::enable_condstore(session);
    }
    let ctx = session.ctx.clone();
    let rev2 = session.enabled.rev2;
    let selected = session
        .state
        .selected_mut()
        .ok_or_else(|| Refusal::bad("No mailbox selected"))?;
    let found = with_context(ctx.directory.store(), selected, |c| {
        kantor_imap_message::search::search(c, search.charset.as_deref(), &search.criteria)
    });
    let seqs = match found {
        Ok(seqs) => seqs,
        Err(refusal) => {
            if search.ret.is_some_and(|r| r.save) {
                selected.saved.clear();
            }
            return Err(refusal);
        }
    };
    // RFC 4731 §3.2: with MIN and/or MAX but neither ALL nor COUNT, MODSEQ is the highest
    // mod-sequence of the messages returned, not of all those found.
    let reported = search
        .ret
        .as_ref()
        .map_or_else(|| seqs.clone(), |ret| saved_subset(ret, &seqs));
    let modseq = modseq_asked
        .then(|| {
            reported
                .iter()
                .filter_map(|&s| selected.view.get(s))
                .map(|e| e.message.modseq)
                .max()
        })
        .flatten();
    let uids: Vec<Uid> = seqs.iter().map(|&s| uid_of(selected, s)).collect();
    let ids = if search.uid { uids.clone() } else { seqs };
    if let Some(ret) = search.ret.filter(|r| r.save) {
        selected.saved = saved_subset(&ret, &uids);
    }
    let ret = match search.ret {
        Some(ret) => ret,
        None if rev2 => SearchReturn {
            all: true,
            ..SearchReturn::default()
        },
        None => {
            let ids = ids.into_iter().filter_map(NonZeroU32::new).collect();
            session.out.data(Data::Search { ids, modseq });
            return Ok(Done::new("SEARCH completed"));
        }
    };
    if let Some(esearch) = esearch(tag, search.uid, &ret, &ids, modseq, false) {
        session.out.data(Data::Esearch(esearch));
    }
    Ok(Done::new("SEARCH completed"))
}

/// What `RETURN (SAVE ...)` keeps (RFC 5182 §2.4): MIN and/or MAX alone keep only those;
/// otherwise the whole result. The same subset carries the MODSEQ (RFC 4731 §3.2).
fn saved_subset(ret: &SearchReturn, uids: &[Uid]) -> Vec<Uid> {
    if (ret.min || ret.max) && !ret.all && !ret.count {
        let mut kept = Vec::new();
        if ret.min {
            kept.extend(uids.iter().min());
        }
        if ret.max {
            kept.extend(uids.iter().max());
        }
        kept.dedup();
        return kept;
    }
    uids.to_vec()
}

/// The ESEARCH response (RFC 4731 §3.1, RFC 9051 §7.3.4); `None` when SAVE is the only option
/// (RFC 5182 §2.4). `sorted`: the ids are in SORT order (ESORT, RFC 5267 §3.1: MIN and MAX are
/// then the first and last, ALL keeps the order).
fn esearch(
    tag: &Tag,
    uid: bool,
    ret: &SearchReturn,
    ids: &[u32],
    modseq: Option<u64>,
    sorted: bool,
) -> Option<Esearch> {
    if ret.save && !(ret.min || ret.max || ret.all || ret.count) {
        return None;
    }
    let (first, last) = if sorted {
        (ids.first().copied(), ids.last().copied())
    } else {
        (ids.iter().min().copied(), ids.iter().max().copied())
    };
    let all = if sorted {
        SeqList::from_ordered(ids.iter().copied())
    } else {
        SeqList::from_numbers(ids.iter().copied())
    };
    Some(Esearch {
        tag: Some(tag.clone()),
        uid,
        min: first.filter(|_| ret.min).and_then(NonZeroU32::new),
        max: last.filter(|_| ret.max).and_then(NonZeroU32::new),
        all: all.filter(|_| ret.all),
        count: ret.count.then_some(ids.len() as u32),
        modseq: modseq.filter(|_| !ids.is_empty()),
        ..Esearch::default()
    })
}

/// SORT / UID SORT (RFC 5256 §3), ESORT with RETURN (RFC 5267 §3).
pub(crate) fn sort(session: &mut Session, sort: Sort, tag: &Tag) -> Outcome {
    check_return(&sort.ret)?;
    let ctx = session.ctx.clone();
    let selected = session
        .state
        .selected_mut()
        .ok_or_else(|| Refusal::bad("No mailbox selected"))?;
    let seqs = with_context(ctx.directory.store(), selected, |c| {
        kantor_imap_message::sort::sort(c, &sort.criteria, &sort.charset, &sort.search)
    })?;
    let uids: Vec<Uid> = seqs.iter().map(|&s| uid_of(selected, s)).collect();
    let ids = if sort.uid { uids.clone() } else { seqs };
    match sort.ret {
        Some(ret) => {
            if ret.save {
                selected.saved = saved_subset(&ret, &uids);
            }
            if let Some(esearch) = esearch(tag, sort.uid, &ret, &ids, None, true) {
                session.out.data(Data::Esearch(esearch));
            }
        }
        None => {
            let ids = ids.into_iter().filter_map(NonZeroU32::new).collect();
            session.out.data(Data::Sort { ids, modseq: None });
        }
    }
    Ok(Done::new("SORT completed"))
}

/// THREAD / UID THREAD (RFC 5256 §3): REFERENCES and ORDEREDSUBJECT.
pub(crate) fn thread(session: &mut Session, thread: Thread) -> Outcome {
    if let ThreadAlgorithm::Other(name) = &thread.algorithm {
        return Err(Refusal::bad(format!("Unknown threading algorithm {name}")));
    }
    let ctx = session.ctx.clone();
    let selected = session
        .state
        .selected_mut()
        .ok_or_else(|| Refusal::bad("No mailbox selected"))?;
    let mut roots = with_context(ctx.directory.store(), selected, |c| {
        kantor_imap_message::thread::thread(
            c,
            thread.algorithm.clone(),
            &thread.charset,
            &thread.search,
        )
    })?;
    if thread.uid {
        let mut stack: Vec<&mut ThreadNode> = roots.iter_mut().collect();
        while let Some(node) = stack.pop() {
            if let Some(seq) = node.id {
                node.id = NonZeroU32::new(uid_of(selected, seq.get()));
            }
            stack.extend(node.children.iter_mut());
        }
    }
    session.out.data(Data::Thread(roots));
    Ok(Done::new("THREAD completed"))
}
