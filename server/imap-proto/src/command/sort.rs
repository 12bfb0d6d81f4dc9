//! SORT and THREAD (RFC 5256 §3), with ESORT's RETURN (RFC 5267 §3) and
//! SORT=DISPLAY (RFC 5957).

use super::CommandBody;
use super::search::{SearchKey, SearchReturn, parse_charset, parse_return_opts, parse_search_keys};
use crate::parser::{PResult, Parser, Syntax};
use crate::types::Atom;

/// A sort key (RFC 5256 §3, RFC 5957 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    /// `ARRIVAL`: INTERNALDATE.
    Arrival,
    /// `CC`: first Cc mailbox.
    Cc,
    /// `DATE`: the Date header (sent date).
    Date,
    /// `FROM`: first From mailbox.
    From,
    /// `SIZE`: RFC822.SIZE.
    Size,
    /// `SUBJECT`: base subject.
    Subject,
    /// `TO`: first To mailbox.
    To,
    /// `DISPLAYFROM`: display name of the first From (RFC 5957).
    DisplayFrom,
    /// `DISPLAYTO`: display name of the first To (RFC 5957).
    DisplayTo,
}

/// One sort criterion: a key, possibly reversed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortCriterion {
    /// `REVERSE`
    pub reverse: bool,
    /// The key.
    pub key: SortKey,
}

/// `SORT` / `UID SORT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sort {
    /// `UID SORT`
    pub uid: bool,
    /// `RETURN (...)` (ESORT, RFC 5267 §3): the answer is an ESEARCH.
    pub ret: Option<SearchReturn>,
    /// The sort criteria, most significant first.
    pub criteria: Vec<SortCriterion>,
    /// The search charset (mandatory in SORT).
    pub charset: String,
    /// Which messages to sort.
    pub search: SearchKey,
}

/// A threading algorithm (RFC 5256 §3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThreadAlgorithm {
    /// `ORDEREDSUBJECT`
    OrderedSubject,
    /// `REFERENCES`
    References,
    /// Another algorithm name; the session answers NO.
    Other(Atom),
}

/// `THREAD` / `UID THREAD`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thread {
    /// `UID THREAD`
    pub uid: bool,
    /// The algorithm.
    pub algorithm: ThreadAlgorithm,
    /// The search charset (mandatory).
    pub charset: String,
    /// Which messages to thread.
    pub search: SearchKey,
}

/// ```text
/// sort           = ["UID" SP] "SORT" [search-return-opts] SP
///                  sort-criteria SP search-criteria
/// sort-criteria  = "(" sort-criterion *(SP sort-criterion) ")"
/// sort-criterion = ["REVERSE" SP] sort-key
/// sort-key       = "ARRIVAL" / "CC" / "DATE" / "FROM" / "SIZE" /
///                  "SUBJECT" / "TO" / "DISPLAYFROM" / "DISPLAYTO"
/// search-criteria = charset 1*(SP search-key)
/// ```
/// (RFC 5256 §5, RFC 5267 §5, RFC 5957 §4.)
pub(crate) fn parse_sort(p: &mut Parser<'_>, uid: bool) -> PResult<CommandBody> {
    let ret = parse_return_opts(p)?;
    p.sp()?;
    let criteria = p.nonempty_paren_list(|p| {
        let reverse = p.eat_word("REVERSE");
        if reverse {
            p.sp()?;
        }
        let key = match p.word()?.as_str() {
            "ARRIVAL" => SortKey::Arrival,
            "CC" => SortKey::Cc,
            "DATE" => SortKey::Date,
            "FROM" => SortKey::From,
            "SIZE" => SortKey::Size,
            "SUBJECT" => SortKey::Subject,
            "TO" => SortKey::To,
            "DISPLAYFROM" => SortKey::DisplayFrom,
            "DISPLAYTO" => SortKey::DisplayTo,
            _ => return Err(Syntax("unknown sort key")),
        };
        Ok(SortCriterion { reverse, key })
    })?;
    p.sp()?;
    let charset = parse_charset(p)?;
    p.sp()?;
    let search = parse_search_keys(p)?;
    Ok(CommandBody::Sort(Sort {
        uid,
        ret,
        criteria,
        charset,
        search,
    }))
}

/// ```text
/// thread     = ["UID" SP] "THREAD" SP thread-alg SP search-criteria
/// thread-alg = "ORDEREDSUBJECT" / "REFERENCES" / thread-alg-ext
/// thread-alg-ext = atom
/// ```
/// (RFC 5256 §5.)
pub(crate) fn parse_thread(p: &mut Parser<'_>, uid: bool) -> PResult<CommandBody> {
    p.sp()?;
    let atom = p.atom_value()?;
    let algorithm = if atom.eq_ignore_case("ORDEREDSUBJECT") {
        ThreadAlgorithm::OrderedSubject
    } else if atom.eq_ignore_case("REFERENCES") {
        ThreadAlgorithm::References
    } else {
        ThreadAlgorithm::Other(atom)
    };
    p.sp()?;
    let charset = parse_charset(p)?;
    p.sp()?;
    let search = parse_search_keys(p)?;
    Ok(CommandBody::Thread(Thread {
        uid,
        algorithm,
        charset,
        search,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::test_util::*;

    #[test]
    fn sort() {
        // RFC 5256 §3.
        let Ok(CommandBody::Sort(s)) = parse("A282 SORT (SUBJECT) UTF-8 SINCE 1-Feb-1994") else {
            panic!()
        };
        assert_eq!(
            s.criteria,
            [SortCriterion {
                reverse: false,
                key: SortKey::Subject
            }]
        );
        assert_eq!((s.charset.as_str(), s.uid, s.ret), ("UTF-8", false, None));
        let Ok(CommandBody::Sort(s)) = parse("A283 SORT (SUBJECT REVERSE DATE) UTF-8 ALL") else {
            panic!()
        };
        assert_eq!(
            s.criteria[1],
            SortCriterion {
                reverse: true,
                key: SortKey::Date
            }
        );
        let Ok(CommandBody::Sort(s)) =
            parse("A284 SORT (SUBJECT) US-ASCII TEXT \"not in mailbox\"")
        else {
            panic!()
        };
        assert_eq!(s.search, SearchKey::Text(b"not in mailbox".to_vec()));
        // RFC 5267 §3.
        let Ok(CommandBody::Sort(s)) =
            parse("E01 UID SORT RETURN (COUNT) (DATE) UTF-8 UNDELETED UNKEYWORD $Junk")
        else {
            panic!()
        };
        assert!(s.uid && s.ret.unwrap().count);
        // RFC 5957 §3.
        let Ok(CommandBody::Sort(s)) =
            parse("a SORT (DISPLAYFROM REVERSE DISPLAYTO) \"UTF-8\" ALL")
        else {
            panic!()
        };
        assert_eq!(s.criteria[0].key, SortKey::DisplayFrom);
        assert_eq!(
            s.criteria[1],
            SortCriterion {
                reverse: true,
                key: SortKey::DisplayTo
            }
        );
        assert_bad(&[
            "a SORT",
            "a SORT () UTF-8 ALL",
            "a SORT (FOO) UTF-8 ALL",
            "a SORT (DATE) ALL",
            "a SORT (DATE) UTF-8",
            "a SORT (REVERSE) UTF-8 ALL",
            "a SORT DATE UTF-8 ALL",
        ]);
    }

    #[test]
    fn thread() {
        // RFC 5256 §3.
        let Ok(CommandBody::Thread(t)) = parse("A283 THREAD ORDEREDSUBJECT UTF-8 SINCE 5-MAR-2000")
        else {
            panic!()
        };
        assert_eq!(t.algorithm, ThreadAlgorithm::OrderedSubject);
        let Ok(CommandBody::Thread(t)) = parse("A284 UID THREAD REFERENCES US-ASCII TEXT \"gewp\"")
        else {
            panic!()
        };
        assert!(t.uid && t.algorithm == ThreadAlgorithm::References);
        let Ok(CommandBody::Thread(t)) = parse("a THREAD REFS UTF-8 ALL") else {
            panic!()
        };
        assert!(matches!(t.algorithm, ThreadAlgorithm::Other(_)));
        assert_bad(&[
            "a THREAD",
            "a THREAD REFERENCES",
            "a THREAD REFERENCES UTF-8",
            "a THREAD (X) UTF-8 ALL",
        ]);
    }
}
