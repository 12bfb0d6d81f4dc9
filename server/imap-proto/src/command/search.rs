//! SEARCH (RFC 9051 §6.4.4): search keys, CHARSET and RETURN options,
//! with SEARCHRES (RFC 5182), CONDSTORE's MODSEQ (RFC 7162 §3.1.5), WITHIN
//! (RFC 5032), SAVEDATE (RFC 8514), OBJECTID (RFC 8474 §6) and CONTEXT /
//! PARTIAL (RFC 5267, RFC 9394). The search-key parser is shared with SORT
//! and THREAD.

use super::CommandBody;
use crate::datetime::Date;
use crate::parser::{PResult, Parser, Syntax};
use crate::types::{Atom, Flag, ObjectId, SequenceSet};
use std::num::NonZeroU32;

/// `SEARCH` / `UID SEARCH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    /// `UID SEARCH`: results are UIDs and `$` holds UIDs.
    pub uid: bool,
    /// `RETURN (...)` (RFC 4731 / RFC 9051 ESEARCH); `None` without
    /// RETURN, which asks for a plain `* SEARCH` response from IMAP4rev1
    /// clients.
    pub ret: Option<SearchReturn>,
    /// `CHARSET name`, as sent.
    pub charset: Option<String>,
    /// The criteria; several top-level keys are an [`SearchKey::And`].
    pub criteria: SearchKey,
}

/// The RETURN options of SEARCH and SORT (RFC 9051 §6.4.4, RFC 5182,
/// RFC 5267). An empty `RETURN ()` means `ALL` (RFC 4731 §3.1), and is
/// parsed as such.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SearchReturn {
    /// `MIN`
    pub min: bool,
    /// `MAX`
    pub max: bool,
    /// `ALL`
    pub all: bool,
    /// `COUNT`
    pub count: bool,
    /// `SAVE` (RFC 5182): keep the result for `$`.
    pub save: bool,
    /// `CONTEXT` (RFC 5267 §4.2).
    pub context: bool,
    /// `UPDATE` (RFC 5267 §4.3).
    pub update: bool,
    /// `PARTIAL range` (RFC 5267 §4.4, RFC 9394).
    pub partial: Option<PartialRange>,
}

/// A PARTIAL window over the results: the first results counted from the
/// lowest, or (RFC 9394) from the highest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartialRange {
    /// `a:b`: results `a` to `b`, 1 being the lowest.
    First(NonZeroU32, NonZeroU32),
    /// `-a:-b`: results `a` to `b` counted from the highest (1 = highest).
    Last(NonZeroU32, NonZeroU32),
}

/// Which metadata entry a MODSEQ search key names (RFC 7162 §3.1.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModSeqEntry {
    /// The flag of `"/flags/<flag>"`.
    pub flag: Flag,
    /// `priv`, `shared` or `all`.
    pub kind: EntryKind,
}

/// The entry type of a MODSEQ search key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// `priv`
    Private,
    /// `shared`
    Shared,
    /// `all`
    All,
}

/// One search key. String arguments are raw octets in the command's
/// CHARSET (UTF-8 or US-ASCII when none was given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchKey {
    /// `ALL`
    All,
    /// `ANSWERED`
    Answered,
    /// `BCC string`
    Bcc(Vec<u8>),
    /// `BEFORE date`: INTERNALDATE before the date.
    Before(Date),
    /// `BODY string`
    Body(Vec<u8>),
    /// `CC string`
    Cc(Vec<u8>),
    /// `DELETED`
    Deleted,
    /// `DRAFT`
    Draft,
    /// `FLAGGED`
    Flagged,
    /// `FROM string`
    From(Vec<u8>),
    /// `HEADER field-name string`
    Header(String, Vec<u8>),
    /// `KEYWORD flag`
    Keyword(Atom),
    /// `LARGER n`
    Larger(u64),
    /// `NEW` (IMAP4rev1): recent and unseen.
    New,
    /// `NOT key`
    Not(Box<SearchKey>),
    /// `OLD` (IMAP4rev1): not recent.
    Old,
    /// `ON date`
    On(Date),
    /// `OR key key`
    Or(Box<SearchKey>, Box<SearchKey>),
    /// `RECENT` (IMAP4rev1)
    Recent,
    /// `SEEN`
    Seen,
    /// `SENTBEFORE date`: Date: header before the date.
    SentBefore(Date),
    /// `SENTON date`
    SentOn(Date),
    /// `SENTSINCE date`
    SentSince(Date),
    /// `SINCE date`
    Since(Date),
    /// `SMALLER n`
    Smaller(u64),
    /// `SUBJECT string`
    Subject(Vec<u8>),
    /// `TEXT string`: header or body.
    Text(Vec<u8>),
    /// `TO string`
    To(Vec<u8>),
    /// `UID set`
    Uid(SequenceSet),
    /// `UNANSWERED`
    Unanswered,
    /// `UNDELETED`
    Undeleted,
    /// `UNDRAFT`
    Undraft,
    /// `UNFLAGGED`
    Unflagged,
    /// `UNKEYWORD flag`
    Unkeyword(Atom),
    /// `UNSEEN`
    Unseen,
    /// A bare sequence set (message numbers), `$` included.
    SequenceSet(SequenceSet),
    /// `(key key ...)`, or several keys at the top level: all must match.
    And(Vec<SearchKey>),
    /// `MODSEQ ["/flags/..." type] modseq` (RFC 7162 §3.1.5).
    ModSeq {
        /// The metadata entry, if named.
        entry: Option<ModSeqEntry>,
        /// Messages with a mod-sequence at least this.
        modseq: u64,
    },
    /// `OLDER seconds` (RFC 5032).
    Older(NonZeroU32),
    /// `YOUNGER seconds` (RFC 5032).
    Younger(NonZeroU32),
    /// `SAVEDBEFORE date` (RFC 8514).
    SavedBefore(Date),
    /// `SAVEDON date` (RFC 8514).
    SavedOn(Date),
    /// `SAVEDSINCE date` (RFC 8514).
    SavedSince(Date),
    /// `SAVEDATESUPPORTED` (RFC 8514).
    SaveDateSupported,
    /// `EMAILID id` (RFC 8474).
    EmailId(ObjectId),
    /// `THREADID id` (RFC 8474).
    ThreadId(ObjectId),
}

/// ```text
/// search             = "SEARCH" [search-return-opts] SP search-program
/// search-program     = ["CHARSET" SP charset SP]
///                      search-key *(SP search-key)
/// charset            = atom / quoted
/// ```
pub(crate) fn parse_search(p: &mut Parser<'_>, uid: bool) -> PResult<CommandBody> {
    let ret = parse_return_opts(p)?;
    p.sp()?;
    let charset = if p.eat_word("CHARSET") {
        p.sp()?;
        let charset = parse_charset(p)?;
        p.sp()?;
        Some(charset)
    } else {
        None
    };
    let criteria = parse_search_keys(p)?;
    Ok(CommandBody::Search(Search {
        uid,
        ret,
        charset,
        criteria,
    }))
}

/// ```text
/// cancelupdate = "CANCELUPDATE" 1*(SP quoted)
/// ```
/// (RFC 5267 §5.)
pub(crate) fn parse_cancel_update(p: &mut Parser<'_>) -> PResult<CommandBody> {
    let mut tags = Vec::new();
    while p.eat(b' ') {
        let tag = String::from_utf8(p.quoted()?.into_owned()).map_err(|_| Syntax("invalid tag"))?;
        tags.push(tag);
    }
    if tags.is_empty() {
        return Err(Syntax("CANCELUPDATE needs a tag"));
    }
    Ok(CommandBody::CancelUpdate(tags))
}

/// `charset = atom / quoted`
pub(crate) fn parse_charset(p: &mut Parser<'_>) -> PResult<String> {
    if p.peek() == Some(b'"') {
        String::from_utf8(p.quoted()?.into_owned()).map_err(|_| Syntax("invalid charset"))
    } else {
        Ok(p.atom()?.to_string())
    }
}

/// ```text
/// search-return-opts = SP "RETURN" SP "(" [search-return-opt
///                      *(SP search-return-opt)] ")"
/// search-return-opt  = "MIN" / "MAX" / "ALL" / "COUNT" / "SAVE" /
///                      "CONTEXT" / "UPDATE" / "PARTIAL" SP partial-range
/// partial-range      = partial-range-first / partial-range-last
/// partial-range-first = nz-number ":" nz-number
/// partial-range-last = MINUS nz-number ":" MINUS nz-number
/// ```
/// (RFC 9051 §9, RFC 5267 §5, RFC 9394 §4.) Consumes nothing and returns
/// `None` when the next token is not ` RETURN`.
pub(crate) fn parse_return_opts(p: &mut Parser<'_>) -> PResult<Option<SearchReturn>> {
    let rest = p.rest();
    if rest.len() < 7 || !rest[..7].eq_ignore_ascii_case(b" RETURN") {
        return Ok(None);
    }
    p.sp()?;
    if !p.eat_word("RETURN") {
        return Err(Syntax("expected RETURN"));
    }
    p.sp()?;
    let mut ret = SearchReturn::default();
    let opts = p.paren_list(|p| {
        match p.word()?.as_str() {
            "MIN" => ret.min = true,
            "MAX" => ret.max = true,
            "ALL" => ret.all = true,
            "COUNT" => ret.count = true,
            "SAVE" => ret.save = true,
            "CONTEXT" => ret.context = true,
            "UPDATE" => ret.update = true,
            "PARTIAL" if ret.partial.is_none() => {
                p.sp()?;
                ret.partial = Some(parse_partial_range(p)?);
            }
            _ => return Err(Syntax("unknown RETURN option")),
        }
        Ok(())
    })?;
    if opts.is_empty() {
        ret.all = true;
    }
    Ok(Some(ret))
}

fn parse_partial_range(p: &mut Parser<'_>) -> PResult<PartialRange> {
    let last = p.eat(b'-');
    let a = p.nz_number()?;
    p.expect(b':', "expected ':' in partial range")?;
    if last {
        p.expect(b'-', "expected '-' in partial range")?;
    }
    let b = p.nz_number()?;
    Ok(if last {
        PartialRange::Last(a, b)
    } else {
        PartialRange::First(a, b)
    })
}

/// `search-key *(SP search-key)`, several keys becoming an AND.
pub(crate) fn parse_search_keys(p: &mut Parser<'_>) -> PResult<SearchKey> {
    let mut keys = vec![parse_search_key(p)?];
    while p.eat(b' ') {
        keys.push(parse_search_key(p)?);
    }
    Ok(and(keys))
}

fn and(mut keys: Vec<SearchKey>) -> SearchKey {
    if keys.len() == 1 {
        keys.remove(0)
    } else {
        SearchKey::And(keys)
    }
}

fn string(p: &mut Parser<'_>) -> PResult<Vec<u8>> {
    p.sp()?;
    Ok(p.astring()?.into_owned())
}

fn date(p: &mut Parser<'_>) -> PResult<Date> {
    p.sp()?;
    p.date()
}

fn keyword(p: &mut Parser<'_>) -> PResult<Atom> {
    p.sp()?;
    p.atom_value()
}

fn object_id(p: &mut Parser<'_>) -> PResult<ObjectId> {
    p.sp()?;
    ObjectId::new(p.atom()?).map_err(|_| Syntax("invalid object id"))
}

/// ```text
/// search-key = "ALL" / "ANSWERED" / "BCC" SP astring /
///              "BEFORE" SP date / "BODY" SP astring /
///              "CC" SP astring / "DELETED" / "FLAGGED" /
///              "FROM" SP astring / "KEYWORD" SP flag-keyword /
///              "ON" SP date / "SEEN" / "SINCE" SP date /
///              "SUBJECT" SP astring / "TEXT" SP astring /
///              "TO" SP astring / "UNANSWERED" / "UNDELETED" /
///              "UNFLAGGED" / "UNKEYWORD" SP flag-keyword /
///              "UNSEEN" / "DRAFT" /
///              "HEADER" SP header-fld-name SP astring /
///              "LARGER" SP number64 / "NOT" SP search-key /
///              "OR" SP search-key SP search-key /
///              "SENTBEFORE" SP date / "SENTON" SP date /
///              "SENTSINCE" SP date / "SMALLER" SP number64 /
///              "UID" SP sequence-set / "UNDRAFT" / sequence-set /
///              "(" search-key *(SP search-key) ")"
/// search-key =/ "NEW" / "OLD" / "RECENT"                    ; RFC 3501
/// search-key =/ "MODSEQ" [SP entry-name SP entry-type-req]
///               SP mod-sequence-valzer                      ; RFC 7162
/// search-key =/ ("OLDER" / "YOUNGER") SP nz-number          ; RFC 5032
/// search-key =/ "SAVEDBEFORE" SP date / "SAVEDON" SP date /
///               "SAVEDSINCE" SP date / "SAVEDATESUPPORTED"  ; RFC 8514
/// search-key =/ "EMAILID" SP objectid / "THREADID" SP objectid ; RFC 8474
/// ```
pub(crate) fn parse_search_key(p: &mut Parser<'_>) -> PResult<SearchKey> {
    use SearchKey as K;
    match p.peek() {
        Some(b'(') => {
            p.enter()?;
            let keys = p.nonempty_paren_list(parse_search_key)?;
            p.leave();
            return Ok(and(keys));
        }
        Some(b'0'..=b'9' | b'*' | b'$') => return Ok(K::SequenceSet(p.sequence_set()?)),
        _ => {}
    }
    let key = match p.word()?.as_str() {
        "ALL" => K::All,
        "ANSWERED" => K::Answered,
        "BCC" => K::Bcc(string(p)?),
        "BEFORE" => K::Before(date(p)?),
        "BODY" => K::Body(string(p)?),
        "CC" => K::Cc(string(p)?),
        "DELETED" => K::Deleted,
        "DRAFT" => K::Draft,
        "FLAGGED" => K::Flagged,
        "FROM" => K::From(string(p)?),
        "HEADER" => {
            p.sp()?;
            let name = p.astring_utf8()?;
            K::Header(name, string(p)?)
        }
        "KEYWORD" => K::Keyword(keyword(p)?),
        "LARGER" => {
            p.sp()?;
            K::Larger(p.number64()?)
        }
        "NEW" => K::New,
        "NOT" => {
            p.sp()?;
            p.enter()?;
            let key = parse_search_key(p)?;
            p.leave();
            K::Not(Box::new(key))
        }
        "OLD" => K::Old,
        "ON" => K::On(date(p)?),
        "OR" => {
            p.enter()?;
            p.sp()?;
            let a = parse_search_key(p)?;
            p.sp()?;
            let b = parse_search_key(p)?;
            p.leave();
            K::Or(Box::new(a), Box::new(b))
        }
        "RECENT" => K::Recent,
        "SEEN" => K::Seen,
        "SENTBEFORE" => K::SentBefore(date(p)?),
        "SENTON" => K::SentOn(date(p)?),
        "SENTSINCE" => K::SentSince(date(p)?),
        "SINCE" => K::Since(date(p)?),
        "SMALLER" => {
            p.sp()?;
            K::Smaller(p.number64()?)
        }
        "SUBJECT" => K::Subject(string(p)?),
        "TEXT" => K::Text(string(p)?),
        "TO" => K::To(string(p)?),
        "UID" => {
            p.sp()?;
            K::Uid(p.sequence_set()?)
        }
        "UNANSWERED" => K::Unanswered,
        "UNDELETED" => K::Undeleted,
        "UNDRAFT" => K::Undraft,
        "UNFLAGGED" => K::Unflagged,
        "UNKEYWORD" => K::Unkeyword(keyword(p)?),
        "UNSEEN" => K::Unseen,
        "MODSEQ" => parse_modseq(p)?,
        "OLDER" => {
            p.sp()?;
            K::Older(p.nz_number()?)
        }
        "YOUNGER" => {
            p.sp()?;
            K::Younger(p.nz_number()?)
        }
        "SAVEDBEFORE" => K::SavedBefore(date(p)?),
        "SAVEDON" => K::SavedOn(date(p)?),
        "SAVEDSINCE" => K::SavedSince(date(p)?),
        "SAVEDATESUPPORTED" => K::SaveDateSupported,
        "EMAILID" => K::EmailId(object_id(p)?),
        "THREADID" => K::ThreadId(object_id(p)?),
        _ => return Err(Syntax("unknown search key")),
    };
    Ok(key)
}

/// ```text
/// search-modseq     = "MODSEQ" [search-modseq-ext] SP
///                     mod-sequence-valzer
/// search-modseq-ext = SP entry-name SP entry-type-req
/// entry-name        = entry-flag-name
/// entry-flag-name   = DQUOTE "/flags/" attr-flag DQUOTE
/// entry-type-req    = entry-type-resp / "all"
/// entry-type-resp   = "priv" / "shared"
/// ```
/// (RFC 7162 §7.)
fn parse_modseq(p: &mut Parser<'_>) -> PResult<SearchKey> {
    p.sp()?;
    let mut entry = None;
    if p.peek() == Some(b'"') {
        let name = p.quoted()?;
        let flag = name
            .strip_prefix(b"/flags/")
            .and_then(|f| std::str::from_utf8(f).ok())
            .and_then(|f| Flag::parse(f).ok())
            .ok_or(Syntax("invalid MODSEQ entry name"))?;
        p.sp()?;
        let kind = match p.word()?.as_str() {
            "PRIV" => EntryKind::Private,
            "SHARED" => EntryKind::Shared,
            "ALL" => EntryKind::All,
            _ => return Err(Syntax("invalid MODSEQ entry type")),
        };
        entry = Some(ModSeqEntry { flag, kind });
        p.sp()?;
    }
    Ok(SearchKey::ModSeq {
        entry,
        modseq: p.number64()?,
    })
}

#[cfg(test)]
mod tests;
