//! SEARCH (RFC 9051 §6.4.4) over the messages of the selected mailbox, with MODSEQ (RFC 7162
//! §3.1.5), OLDER/YOUNGER (RFC 5032), SAVEDBEFORE/SAVEDON/SAVEDSINCE/SAVEDATESUPPORTED
//! (RFC 8514), EMAILID/THREADID (RFC 8474 §6) and `$` (RFC 5182).
//!
//! - Sequence sets count in the session's view, `*` being its last message; UID sets have `*`
//!   as the highest UID in the view; `$` is the saved result (UIDs).
//! - BEFORE/ON/SINCE and SAVED* compare calendar dates in UTC (the zone INTERNALDATE is shown
//!   in); SENT* compare the Date header's date as written, "disregarding time and timezone";
//!   a message without a parsable Date header matches no SENT* key.
//! - String keys match case-insensitively as substrings of decoded text (RFC 2047 words and
//!   transfer encodings undone, charsets converted): FROM/TO/CC/BCC/SUBJECT/HEADER on the
//!   values of those header fields (the empty string matching any message that has the field),
//!   BODY on the text parts, TEXT on the headers and the text parts. FROM/TO/CC/BCC also match
//!   the addresses as parsed (RFC 5322 §3.4: `mailbox@host` without comments or folding white
//!   space, display and group names decoded), as Dovecot does: `FROM user@domain.org` finds
//!   `<user (comment)@ domain.org>`.
//! - RECENT, NEW and OLD read the session's `\Recent` (RFC 3501 §2.3.2), given with each message.
//!
//! A message's bytes are read only when a key needs them, at most once per message per call.

use crate::Message;
use crate::keys;
use crate::lazy::Lazy;
use crate::narrow::{Narrow, narrow};
use kantor_imap_proto::command::search::SearchKey;
use kantor_imap_proto::datetime::Date;
use kantor_imap_proto::types::SequenceSet;
use kantor_message::keys::{address_texts, field_texts};
use kantor_message::text::fold;
use kantor_store::{Flags, KeyColumn, KeysRef, Mail, MailboxId, StoreError, Uid};
use std::collections::HashSet;

/// What a search runs over.
pub struct SearchContext<'a> {
    pub store: &'a Mail,
    /// The selected mailbox, whose stored keys (`keys`) answer header keys, SORT and THREAD.
    pub mailbox_id: MailboxId,
    /// Every message of the session's view, in sequence order.
    pub messages: &'a [Message<'a>],
    /// The saved result `$` (RFC 5182), as UIDs.
    pub saved: &'a [Uid],
    /// The full-text index, when the server has one: text keys then read only the messages it
    /// names as candidates (`narrow.rs`).
    pub index: Option<crate::narrow::TextIndex<'a>>,
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The CHARSET is not supported (NO [BADCHARSET (UTF-8 US-ASCII)]).
    #[error("unsupported charset")]
    BadCharset,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The charsets SEARCH, SORT and THREAD accept (RFC 9051 §6.4.4: US-ASCII and UTF-8 MUST be
/// supported), for the BADCHARSET response code.
pub const CHARSETS: [&str; 2] = ["UTF-8", "US-ASCII"];

/// Sequence numbers (ascending) of the messages matching `key`.
pub fn search(
    context: &SearchContext<'_>,
    charset: Option<&str>,
    key: &SearchKey,
) -> Result<Vec<u32>, SearchError> {
    if let Some(charset) = charset {
        check_charset(charset)?;
    }
    scan(context, key, &[], |m| Ok(m.seq))
}

/// Sequence numbers (ascending) of those `candidates` (in sequence order) that match `key`,
/// the charset having
/// been checked when the search was first run. Sequence sets, `*` and `$` still count in the
/// whole view (`context.messages`): this re-evaluates a few changed messages against a search
/// kept for updates (RFC 5267 §4.3, CONTEXT=SEARCH).
pub fn search_among(
    context: &SearchContext<'_>,
    candidates: &[Message<'_>],
    key: &SearchKey,
) -> Result<Vec<u32>, SearchError> {
    scan_among(context, candidates, key, &[], |m| Ok(m.seq))
}

/// Fails with [`SearchError::BadCharset`] unless `charset` is UTF-8 or US-ASCII.
pub(crate) fn check_charset(charset: &str) -> Result<(), SearchError> {
    if CHARSETS
        .iter()
        .any(|c| c.eq_ignore_ascii_case(charset.trim()))
    {
        Ok(())
    } else {
        Err(SearchError::BadCharset)
    }
}

/// Runs `key` over every message of the view; for each match, in sequence order, `extract`
/// computes what the caller keeps (its sequence number, sort keys, thread data) while the
/// message is at hand, from the stored `columns` when the message has them.
pub(crate) fn scan<T>(
    context: &SearchContext<'_>,
    key: &SearchKey,
    columns: &[KeyColumn],
    extract: impl FnMut(&mut Lazy<'_>) -> Result<T, SearchError>,
) -> Result<Vec<T>, SearchError> {
    let owner = std::cell::OnceCell::new();
    let owner = || {
        *owner.get_or_init(|| {
            let mailbox = context.store.mailbox(context.mailbox_id).ok().flatten();
            mailbox.map(|m| m.account_id)
        })
    };
    match context.index.and_then(|index| narrow(index, &owner, key)) {
        Some(narrow) => {
            let candidates: Vec<Message<'_>> = context
                .messages
                .iter()
                .filter(|m| narrow.may_match(m.summary.id))
                .copied()
                .collect();
            scan_candidates(context, &candidates, Some(&narrow), key, columns, extract)
        }
        None => scan_candidates(context, context.messages, None, key, columns, extract),
    }
}

/// [`scan`] over `candidates` only (in sequence order), numbers and `*` still counting in the
/// whole view.
///
/// When the scan covers enough of the mailbox ([`keys::read_stored`]), the stored keys are
/// visited in UID order beside the candidates (in sequence order, so in UID order too), each
/// message evaluated as its keys go by: nothing of the mailbox is gathered first. A candidate
/// without keys is evaluated from its message.
pub(crate) fn scan_among<T>(
    context: &SearchContext<'_>,
    candidates: &[Message<'_>],
    key: &SearchKey,
    columns: &[KeyColumn],
    extract: impl FnMut(&mut Lazy<'_>) -> Result<T, SearchError>,
) -> Result<Vec<T>, SearchError> {
    scan_candidates(context, candidates, None, key, columns, extract)
}

/// [`scan_among`], BODY and TEXT reading the texts `narrow` stored where it has them.
fn scan_candidates<T>(
    context: &SearchContext<'_>,
    candidates: &[Message<'_>],
    narrow: Option<&Narrow>,
    key: &SearchKey,
    columns: &[KeyColumn],
    mut extract: impl FnMut(&mut Lazy<'_>) -> Result<T, SearchError>,
) -> Result<Vec<T>, SearchError> {
    let mut columns = columns.to_vec();
    keys::search_columns(key, &mut columns);
    let env = Env {
        largest_seq: context.messages.iter().map(|m| m.seq).max().unwrap_or(0),
        largest_uid: context
            .messages
            .iter()
            .map(|m| m.summary.uid)
            .max()
            .unwrap_or(0),
        saved: context.saved.iter().copied().collect(),
        now: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64),
    };
    // Room for every candidate: pages a narrow search leaves untouched cost nothing.
    let mut out = Vec::with_capacity(candidates.len());
    let mut evaluate = |message: &Message<'_>, stored: Option<KeysRef<'_>>| {
        let stored = stored.filter(|k| k.row.email_id == message.summary.id && k.row.complete);
        let mut lazy = Lazy::new(context.store, message, stored, narrow);
        if eval(key, message.seq, &mut lazy, &env)? {
            out.push(extract(&mut lazy)?);
        }
        Ok::<_, SearchError>(())
    };
    let mut next = 0;
    if keys::read_stored(&columns, candidates.len(), context.messages.len()) {
        let mut failed = None;
        context
            .store
            .visit_message_keys(context.mailbox_id, &columns, &mut |stored| {
                let uid = stored.row.uid;
                let mut step = || {
                    while let Some(m) = candidates.get(next).filter(|m| m.summary.uid <= uid) {
                        next += 1;
                        evaluate(m, (m.summary.uid == uid).then_some(stored))?;
                    }
                    Ok(())
                };
                match step() {
                    Ok(()) => next < candidates.len(),
                    Err(e) => {
                        failed = Some(e);
                        false
                    }
                }
            })?;
        if let Some(e) = failed {
            return Err(e);
        }
    }
    for message in &candidates[next..] {
        evaluate(message, None)?;
    }
    Ok(out)
}

struct Env {
    largest_seq: u32,
    largest_uid: Uid,
    saved: HashSet<Uid>,
    now: i64,
}

impl Env {
    fn in_set(&self, set: &SequenceSet, n: u32, largest: u32, uid: Uid) -> bool {
        match set {
            SequenceSet::Set(list) => list.contains(n, largest),
            SequenceSet::Saved => self.saved.contains(&uid),
        }
    }
}

/// The UTC calendar date of a unix time.
fn utc_date(unix: i64) -> Option<Date> {
    Date::from_days_since_epoch(unix.div_euclid(86_400))
}

fn eval(key: &SearchKey, seq: u32, m: &mut Lazy<'_>, env: &Env) -> Result<bool, SearchError> {
    use SearchKey as K;
    let s = m.summary;
    let flag = |f: Flags| s.flags.contains(f);
    let keyword = |k: &str| s.keywords.iter().any(|x| x.eq_ignore_ascii_case(k));
    let internal = || utc_date(s.internal_date);
    let saved = || utc_date(s.saved_date);
    Ok(match key {
        K::All => true,
        K::Answered => flag(Flags::ANSWERED),
        K::Deleted => flag(Flags::DELETED),
        K::Draft => flag(Flags::DRAFT),
        K::Flagged => flag(Flags::FLAGGED),
        K::Seen => flag(Flags::SEEN),
        K::Unanswered => !flag(Flags::ANSWERED),
        K::Undeleted => !flag(Flags::DELETED),
        K::Undraft => !flag(Flags::DRAFT),
        K::Unflagged => !flag(Flags::FLAGGED),
        K::Unseen => !flag(Flags::SEEN),
        K::Keyword(k) => keyword(k.as_str()),
        K::Unkeyword(k) => !keyword(k.as_str()),
        K::Recent => m.recent,
        K::New => m.recent && !flag(Flags::SEEN),
        K::Old => !m.recent,
        K::Larger(n) => s.size > *n,
        K::Smaller(n) => s.size < *n,
        K::Before(d) => internal().is_some_and(|x| x < *d),
        K::On(d) => internal() == Some(*d),
        K::Since(d) => internal().is_some_and(|x| x >= *d),
        K::SavedBefore(d) => saved().is_some_and(|x| x < *d),
        K::SavedOn(d) => saved() == Some(*d),
        K::SavedSince(d) => saved().is_some_and(|x| x >= *d),
        K::SaveDateSupported => true,
        K::Older(n) => s.internal_date <= env.now - i64::from(n.get()),
        K::Younger(n) => s.internal_date >= env.now - i64::from(n.get()),
        K::ModSeq { modseq, .. } => s.modseq >= *modseq,
        K::EmailId(id) => id.as_str() == format!("M{}", s.id),
        K::ThreadId(id) => id.as_str() == format!("T{}", s.thread_id),
        K::Uid(set) => env.in_set(set, s.uid, env.largest_uid, s.uid),
        K::SequenceSet(set) => env.in_set(set, seq, env.largest_seq, s.uid),
        K::SentBefore(d) => m.get()?.sent_day().is_some_and(|x| x < *d),
        K::SentOn(d) => m.get()?.sent_day() == Some(*d),
        K::SentSince(d) => m.get()?.sent_day().is_some_and(|x| x >= *d),
        K::From(v) => address_contains(m, "From", v)?,
        K::To(v) => address_contains(m, "To", v)?,
        K::Cc(v) => address_contains(m, "Cc", v)?,
        K::Bcc(v) => address_contains(m, "Bcc", v)?,
        K::Subject(v) => header_contains(m, "Subject", v)?,
        K::Header(name, v) => header_contains(m, name, v)?,
        K::Body(v) => {
            let needle = needle(v);
            needle.is_empty() || m.body()?.contains(&needle)
        }
        K::Text(v) => {
            let needle = needle(v);
            needle.is_empty() || m.text()?.contains(&needle)
        }
        K::Not(k) => !eval(k, seq, m, env)?,
        K::Or(a, b) => {
            // The key that needs no bytes first: its answer may make reading them useless.
            let (a, b) = if needs_content(a) { (b, a) } else { (a, b) };
            eval(a, seq, m, env)? || eval(b, seq, m, env)?
        }
        K::And(keys) => {
            // The cheapest keys first: one that fails spares reading what the others need.
            for class in [Cost::Summary, Cost::Stored, Cost::Message] {
                for k in keys {
                    if cost(k, m) == class && !eval(k, seq, m, env)? {
                        return Ok(false);
                    }
                }
            }
            true
        }
    })
}

/// What evaluating a key costs one message, cheapest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Cost {
    /// Its summary only (flags, dates, size, numbers).
    Summary,
    /// Stored texts: its keys as the store holds them (header keys), or its body and text as
    /// the index holds them (BODY, TEXT of a candidate the index named).
    Stored,
    /// Its bytes, read and parsed.
    Message,
}

fn cost(key: &SearchKey, m: &Lazy<'_>) -> Cost {
    use SearchKey as K;
    match key {
        _ if !needs_content(key) => Cost::Summary,
        K::Body(_) | K::Text(_) if m.narrow.is_some() => Cost::Stored,
        K::From(_) | K::To(_) | K::Cc(_) | K::Bcc(_) | K::Subject(_) | K::Header(..)
            if m.stored.is_some() =>
        {
            Cost::Stored
        }
        K::Not(k) => cost(k, m),
        K::Or(a, b) => cost(a, m).max(cost(b, m)),
        K::And(keys) => keys
            .iter()
            .map(|k| cost(k, m))
            .max()
            .unwrap_or(Cost::Summary),
        _ => Cost::Message,
    }
}

/// Whether evaluating `key` may need the message's bytes.
fn needs_content(key: &SearchKey) -> bool {
    use SearchKey as K;
    match key {
        K::SentBefore(_)
        | K::SentOn(_)
        | K::SentSince(_)
        | K::From(_)
        | K::To(_)
        | K::Cc(_)
        | K::Bcc(_)
        | K::Subject(_)
        | K::Header(..)
        | K::Body(_)
        | K::Text(_) => true,
        K::Not(k) => needs_content(k),
        K::Or(a, b) => needs_content(a) || needs_content(b),
        K::And(keys) => keys.iter().any(needs_content),
        _ => false,
    }
}

/// A search string, folded. Strings are UTF-8 or US-ASCII (the CHARSET was checked).
fn needle(value: &[u8]) -> String {
    fold(&String::from_utf8_lossy(value))
}

/// Whether a field called `name` contains `value` in its decoded text; the empty string
/// matches any message with such a field.
fn header_contains(m: &mut Lazy<'_>, name: &str, value: &[u8]) -> Result<bool, StoreError> {
    let needle = needle(value);
    if let Some(found) = m
        .stored
        .and_then(|k| keys::contains(k, name, &needle, false))
    {
        return Ok(found);
    }
    let loaded = m.get()?;
    Ok(field_texts(&loaded.root.fields(&loaded.raw), name)
        .iter()
        .any(|t| needle.is_empty() || t.contains(&needle)))
}

/// An address key (RFC 9051 §6.4.4 FROM, TO, CC, BCC): [`header_contains`], or one of the
/// field's addresses as parsed contains `value`.
fn address_contains(m: &mut Lazy<'_>, name: &str, value: &[u8]) -> Result<bool, StoreError> {
    let needle = needle(value);
    if let Some(found) = m
        .stored
        .and_then(|k| keys::contains(k, name, &needle, true))
    {
        return Ok(found);
    }
    if header_contains(m, name, value)? {
        return Ok(true);
    }
    let loaded = m.get()?;
    Ok(address_texts(&loaded.root.fields(&loaded.raw), name)
        .iter()
        .any(|t| t.contains(&needle)))
}
