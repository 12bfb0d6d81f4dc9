//! SEARCH and UID SEARCH (RFC 9051 §6.4.4) with ESEARCH's RETURN options (RFC 4731, part of
//! IMAP4rev2) and SEARCHRES (RFC 5182: SAVE and `$`); SORT with ESORT (RFC 5256 §3, RFC 5267
//! §3) and THREAD (RFC 5256 §3); CONTEXT=SEARCH and CONTEXT=SORT (RFC 5267 §4): the CONTEXT
//! hint, PARTIAL, UPDATE and CANCELUPDATE. Matching, ordering and threading are
//! `kantor-imap-message`'s; this module chooses the messages, maps numbers to UIDs and writes
//! the responses ([`ret`]: what the RETURN options ask for); the kept searches are
//! `crate::search_context`'s.
//!
//! IMAP4rev1 clients get `* SEARCH` unless they ask for RETURN; IMAP4rev2 clients always get
//! `* ESEARCH` (RFC 9051 §7.3.4).

mod ret;

use crate::outcome::{Done, Outcome, Refusal};
use crate::search_context::{self, Order, Row};
use crate::session::Session;
use crate::session::state::Selected;
use crate::view::MailboxView;
use kantor_imap_message::narrow::TextIndex;
use kantor_imap_message::search::{SearchContext, SearchError};
use kantor_imap_proto::command::search::{Search, SearchKey, SearchReturn};
use kantor_imap_proto::command::sort::{Sort, Thread, ThreadAlgorithm};
use kantor_imap_proto::response::StatusKind;
use kantor_imap_proto::{Code, Data, Response, Tag};
use kantor_search::SearchIndex;
use kantor_store::{Mail, Uid};
use ret::Found;
use std::num::NonZeroU32;

/// Checks RETURN before anything runs: PARTIAL with ALL, and UPDATE under a tag that already
/// names an update context (RFC 5267 §4.3: BAD), are refused.
fn check_return(
    session: &Session,
    ret: &Option<SearchReturn>,
    tag: &Tag,
) -> Result<Option<SearchReturn>, Refusal> {
    let Some(r) = ret else {
        return Ok(None);
    };
    ret::check(r)?;
    let in_use = |s: &Selected| s.contexts.in_use(tag.as_str());
    if r.update && session.state.selected().is_some_and(in_use) {
        return Err(Refusal::bad(
            "Tag reuse: an update context already has this tag",
        ));
    }
    Ok(Some(ret::effective(*r)))
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

/// Messages past which a SEARCH, SORT or THREAD leaves the async worker: tens of milliseconds
/// of CPU at 100,000 messages. Below it the hand-over costs more than it saves (a quarter of
/// the load tool's persistent-mode commands per second when every SEARCH UNSEEN did it).
const LONG_SCAN: usize = 2000;

/// Whether the criteria read message text (BODY, TEXT): a scan that reads every message's
/// bytes, whatever the mailbox's size.
fn reads_text(key: &SearchKey) -> bool {
    let mut stack = vec![key];
    while let Some(key) = stack.pop() {
        match key {
            SearchKey::Body(_) | SearchKey::Text(_) => return true,
            SearchKey::Not(k) => stack.push(k),
            SearchKey::Or(a, b) => stack.extend([&**a, &**b]),
            SearchKey::And(keys) => stack.extend(keys.iter()),
            _ => {}
        }
    }
    false
}

/// Runs `run` over the view's messages (those not expunged), with `$`; off the async worker
/// (`block_in_place`) when it is `heavy` or the mailbox is large, so the worker's other
/// sessions move elsewhere meanwhile.
fn with_context<T>(
    store: &Mail,
    index: Option<&SearchIndex>,
    selected: &Selected,
    heavy: bool,
    run: impl FnOnce(&SearchContext<'_>) -> Result<T, SearchError>,
) -> Result<T, Refusal> {
    let messages = search_context::live_messages(&selected.view);
    let context = SearchContext {
        store,
        mailbox_id: selected.view.mailbox_id,
        messages: &messages,
        saved: &selected.saved,
        index: index.map(|index| TextIndex { index }),
    };
    let long = heavy || messages.len() > LONG_SCAN;
    let result = match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) if long => {
            tokio::task::block_in_place(|| run(&context))
        }
        _ => run(&context),
    };
    result.map_err(|e| match e {
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

/// The highest mod-sequence among these messages of the view (SEARCH MODSEQ, RFC 7162 §3.1.5).
fn highest_modseq(view: &MailboxView, uids: &[Uid]) -> Option<u64> {
    uids.iter()
        .filter_map(|&uid| view.get(view.seq_of(uid)?))
        .map(|e| e.message.modseq)
        .max()
}

pub(crate) fn search(session: &mut Session, search: Search, tag: &Tag) -> Outcome {
    let ret = check_return(session, &search.ret, tag)?;
    let modseq_asked = has_modseq(&search.criteria);
    if modseq_asked {
        super::select::enable_condstore(session);
    }
    let mail = session.store();
    let index = session.ctx.search.clone();
    let rev2 = session.enabled.rev2;
    let selected = session
        .state
        .selected_mut()
        .ok_or_else(|| Refusal::bad("No mailbox selected"))?;
    let heavy = reads_text(&search.criteria);
    let found = with_context(&mail, index.as_deref(), selected, heavy, |c| {
        kantor_imap_message::search::search(c, search.charset.as_deref(), &search.criteria)
    });
    let seqs = match found {
        Ok(seqs) => seqs,
        Err(refusal) => {
            if ret.is_some_and(|r| r.save) {
                selected.saved.clear();
            }
            return Err(refusal);
        }
    };
    let uids: Vec<Uid> = seqs.iter().map(|&s| uid_of(selected, s)).collect();
    let found = Found {
        ids: if search.uid { uids.clone() } else { seqs },
        uids,
        sorted: false,
    };
    let ret = ret.or_else(|| {
        rev2.then(|| SearchReturn {
            all: true,
            ..SearchReturn::default()
        })
    });
    // What the response reports, which is also what SAVE keeps: RFC 4731 §3.2, with MIN and/or
    // MAX but neither ALL nor COUNT, MODSEQ is that of the messages returned, not of all found.
    let reported = ret.as_ref().map(|ret| ret::saved(ret, &found));
    let modseq = modseq_asked
        .then(|| highest_modseq(&selected.view, reported.as_deref().unwrap_or(&found.uids)))
        .flatten();
    let (Some(ret), Some(reported)) = (ret, reported) else {
        let ids = found.ids.into_iter().filter_map(NonZeroU32::new).collect();
        session.out.data(Data::Search { ids, modseq });
        return Ok(Done::new("SEARCH completed"));
    };
    let kept = ret.update.then(|| {
        let rows = found
            .uids
            .iter()
            .map(|&uid| Row { uid, values: None })
            .collect();
        let key = search_context::freeze(&search.criteria, &selected.view, &selected.saved);
        (key, Order::Mailbox, rows)
    });
    if ret.save {
        selected.saved = reported;
    }
    if let Some(esearch) = ret::esearch(tag, search.uid, &ret, &found, modseq) {
        session.out.data(Data::Esearch(esearch));
    }
    if let Some((key, order, rows)) = kept {
        keep(session, tag, search.uid, key, order, rows);
    }
    Ok(Done::new("SEARCH completed"))
}

/// SORT / UID SORT (RFC 5256 §3), ESORT with RETURN (RFC 5267 §3), CONTEXT=SORT (§4).
pub(crate) fn sort(session: &mut Session, sort: Sort, tag: &Tag) -> Outcome {
    let ret = check_return(session, &sort.ret, tag)?;
    let mail = session.store();
    let index = session.ctx.search.clone();
    let selected = session
        .state
        .selected_mut()
        .ok_or_else(|| Refusal::bad("No mailbox selected"))?;
    let rows = with_context(
        &mail,
        index.as_deref(),
        selected,
        reads_text(&sort.search),
        |c| kantor_imap_message::sort::sorted(c, &sort.criteria, &sort.charset, &sort.search),
    )?;
    let uids: Vec<Uid> = rows.iter().map(|&(s, _)| uid_of(selected, s)).collect();
    let ids = if sort.uid {
        uids.clone()
    } else {
        rows.iter().map(|&(s, _)| s).collect()
    };
    let Some(ret) = ret else {
        let ids = ids.into_iter().filter_map(NonZeroU32::new).collect();
        session.out.data(Data::Sort { ids, modseq: None });
        return Ok(Done::new("SORT completed"));
    };
    let found = Found {
        ids,
        uids,
        sorted: true,
    };
    let kept = ret.update.then(|| {
        let rows = rows
            .into_iter()
            .zip(&found.uids)
            .map(|((_, values), &uid)| Row {
                uid,
                values: Some(values),
            })
            .collect();
        let key = search_context::freeze(&sort.search, &selected.view, &selected.saved);
        (key, Order::Sort(sort.criteria.clone()), rows)
    });
    if ret.save {
        selected.saved = ret::saved(&ret, &found);
    }
    if let Some(esearch) = ret::esearch(tag, sort.uid, &ret, &found, None) {
        session.out.data(Data::Esearch(esearch));
    }
    if let Some((key, order, rows)) = kept {
        keep(session, tag, sort.uid, key, order, rows);
    }
    Ok(Done::new("SORT completed"))
}

/// Keeps a search for UPDATE (RFC 5267 §4.3), or says it will not with an untagged
/// `NO [NOUPDATE "tag"]` when the session holds as many contexts as it may (§4.3.1); the
/// other RETURN options have been answered either way.
fn keep(session: &mut Session, tag: &Tag, uid: bool, key: SearchKey, order: Order, rows: Vec<Row>) {
    let Some(selected) = session.state.selected_mut() else {
        return;
    };
    if !selected.contexts.has_room(matches!(order, Order::Sort(_))) {
        session.out.push(Response::status(
            None,
            StatusKind::No,
            Some(Code::NoUpdate(tag.clone())),
            "Too many update contexts",
        ));
        return;
    }
    selected
        .contexts
        .add(tag.clone(), uid, key, order, rows, &selected.view);
}

/// CANCELUPDATE (RFC 5267 §4.3.5): no more updates for the contexts of these tags. A tag with
/// no context is BAD, and nothing is cancelled.
pub(crate) fn cancel_update(session: &mut Session, tags: &[String]) -> Outcome {
    let selected = session
        .state
        .selected_mut()
        .ok_or_else(|| Refusal::bad("No mailbox selected"))?;
    match selected.contexts.cancel(tags) {
        Ok(()) => Ok(Done::new("CANCELUPDATE completed")),
        Err(tag) => Err(Refusal::bad(format!("No update context has the tag {tag}"))),
    }
}

/// THREAD / UID THREAD (RFC 5256 §3): REFERENCES and ORDEREDSUBJECT.
pub(crate) fn thread(session: &mut Session, thread: Thread) -> Outcome {
    if let ThreadAlgorithm::Other(name) = &thread.algorithm {
        return Err(Refusal::bad(format!("Unknown threading algorithm {name}")));
    }
    let mail = session.store();
    let index = session.ctx.search.clone();
    let selected = session
        .state
        .selected_mut()
        .ok_or_else(|| Refusal::bad("No mailbox selected"))?;
    let mut threads = with_context(
        &mail,
        index.as_deref(),
        selected,
        reads_text(&thread.search),
        |c| {
            kantor_imap_message::thread::thread(
                c,
                thread.algorithm.clone(),
                &thread.charset,
                &thread.search,
            )
        },
    )?;
    if thread.uid {
        for node in &mut threads.nodes {
            if let Some(seq) = node.id {
                node.id = NonZeroU32::new(uid_of(selected, seq.get()));
            }
        }
    }
    session.out.data(Data::Thread(threads));
    Ok(Done::new("THREAD completed"))
}
