//! The RETURN options of SEARCH and SORT (RFC 4731 §3.1, RFC 9051 §6.4.4, RFC 5182 §2.4,
//! RFC 5267 §3-§4, RFC 9394 §3.2): which apply, the ESEARCH response they ask for, and what
//! SAVE keeps.

use crate::outcome::Refusal;
use kantor_imap_proto::Tag;
use kantor_imap_proto::command::search::{PartialRange, SearchReturn};
use kantor_imap_proto::response::data::Esearch;
use kantor_imap_proto::types::SeqList;
use kantor_store::Uid;
use std::num::NonZeroU32;
use std::ops::Range;

/// What a search or sort found, in the requested order (mailbox order for SEARCH, RFC 5267
/// §4.1): the ids the client asked for (numbers or UIDs) and the same messages' UIDs.
pub(super) struct Found {
    pub ids: Vec<u32>,
    pub uids: Vec<Uid>,
    /// SORT: MIN and MAX are the first and last, ALL and PARTIAL keep the order (§3.1).
    pub sorted: bool,
}

/// BAD for what no command may combine: PARTIAL with ALL (RFC 5267 §4.4, RFC 9394 §3.1).
pub(super) fn check(ret: &SearchReturn) -> Result<(), Refusal> {
    if ret.all && ret.partial.is_some() {
        return Err(Refusal::bad("PARTIAL and ALL cannot be combined"));
    }
    Ok(())
}

/// The options as they apply: without any that returns or keeps something, ALL, as for
/// `RETURN ()` (RFC 4731 §3.1); CONTEXT alone is such a case, being only a hint that this
/// server ignores (RFC 5267 §4.2).
pub(super) fn effective(mut ret: SearchReturn) -> SearchReturn {
    if !(ret.min || ret.max || ret.all || ret.count || ret.save || ret.update)
        && ret.partial.is_none()
    {
        ret.all = true;
    }
    ret
}

/// The ESEARCH response (RFC 4731 §3.1, RFC 9051 §7.3.4, RFC 5267 §4.4); `None` when SAVE is
/// the only option (RFC 5182 §2.4). UPDATE adds nothing to it (RFC 5267 §4.3).
pub(super) fn esearch(
    tag: &Tag,
    uid: bool,
    ret: &SearchReturn,
    found: &Found,
    modseq: Option<u64>,
) -> Option<Esearch> {
    if ret.save
        && !(ret.min || ret.max || ret.all || ret.count || ret.update)
        && ret.partial.is_none()
    {
        return None;
    }
    let ids = &found.ids;
    let (first, last) = ends(ids, found.sorted);
    let list = |ids: &[u32]| {
        if found.sorted {
            SeqList::from_ordered(ids.iter().copied())
        } else {
            SeqList::from_numbers(ids.iter().copied())
        }
    };
    Some(Esearch {
        tag: Some(tag.clone()),
        uid,
        min: first.filter(|_| ret.min).and_then(NonZeroU32::new),
        max: last.filter(|_| ret.max).and_then(NonZeroU32::new),
        all: list(ids).filter(|_| ret.all),
        count: ret.count.then_some(ids.len() as u32),
        modseq: modseq.filter(|_| !ids.is_empty()),
        partial: ret
            .partial
            .map(|range| (range, list(&ids[window(ids.len(), range)]))),
        ..Esearch::default()
    })
}

/// What `RETURN (SAVE ...)` keeps as `$` (RFC 5182 §2.4, RFC 9394 §3.2): with COUNT or ALL,
/// every result; with PARTIAL, its results and MIN/MAX; MIN and/or MAX alone keep only those;
/// otherwise every result.
pub(super) fn saved(ret: &SearchReturn, found: &Found) -> Vec<Uid> {
    let uids = &found.uids;
    if ret.all || ret.count || !(ret.min || ret.max || ret.partial.is_some()) {
        return uids.clone();
    }
    let mut kept = Vec::new();
    if let Some(range) = ret.partial {
        kept.extend_from_slice(&uids[window(uids.len(), range)]);
    }
    let (first, last) = ends(uids, found.sorted);
    if ret.min {
        kept.extend(first);
    }
    if ret.max {
        kept.extend(last);
    }
    kept.sort_unstable();
    kept.dedup();
    kept
}

/// MIN and MAX: the lowest and highest, or the first and last in sort order (RFC 5267 §3.1).
fn ends(ids: &[u32], sorted: bool) -> (Option<u32>, Option<u32>) {
    if sorted {
        (ids.first().copied(), ids.last().copied())
    } else {
        (ids.iter().min().copied(), ids.iter().max().copied())
    }
}

/// The indexes a PARTIAL range names among `len` results (RFC 5267 §4.4: `a:b` from the
/// first, 500:400 being 400:500; RFC 9394 §3.1: `-a:-b` from the last). What lies past the
/// results is left out.
fn window(len: usize, range: PartialRange) -> Range<usize> {
    let (a, b, from_last) = match range {
        PartialRange::First(a, b) => (a, b, false),
        PartialRange::Last(a, b) => (a, b, true),
    };
    let low = a.min(b).get() as usize;
    let high = (a.max(b).get() as usize).min(len);
    if low > len {
        return 0..0;
    }
    if from_last {
        len - high..len - low + 1
    } else {
        low - 1..high
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(a: u32, b: u32) -> PartialRange {
        PartialRange::First(NonZeroU32::new(a).unwrap(), NonZeroU32::new(b).unwrap())
    }

    fn last(a: u32, b: u32) -> PartialRange {
        PartialRange::Last(NonZeroU32::new(a).unwrap(), NonZeroU32::new(b).unwrap())
    }

    fn encoded(e: Esearch) -> String {
        let response = kantor_imap_proto::Response::Data(kantor_imap_proto::Data::Esearch(e));
        String::from_utf8(response.to_bytes(Default::default())).unwrap()
    }

    fn found(ids: &[u32], sorted: bool) -> Found {
        Found {
            ids: ids.to_vec(),
            uids: ids.to_vec(),
            sorted,
        }
    }

    #[test]
    fn windows() {
        assert_eq!(window(10, first(1, 3)), 0..3);
        assert_eq!(window(10, first(3, 1)), 0..3);
        assert_eq!(window(10, first(9, 20)), 8..10);
        assert_eq!(window(10, first(11, 20)), 0..0);
        assert_eq!(window(10, last(1, 3)), 7..10);
        assert_eq!(window(10, last(3, 1)), 7..10);
        assert_eq!(window(10, last(9, 20)), 0..2);
        assert_eq!(window(10, last(11, 12)), 0..0);
        assert_eq!(window(0, first(1, 1)), 0..0);
    }

    #[test]
    fn partial_responses() {
        let tag = Tag::new("A02").unwrap();
        let ret = SearchReturn {
            partial: Some(first(2, 4)),
            ..SearchReturn::default()
        };
        let e = esearch(&tag, true, &ret, &found(&[5, 6, 7, 9, 12], false), None).unwrap();
        assert_eq!(
            encoded(e),
            "* ESEARCH (TAG \"A02\") UID PARTIAL (2:4 6:7,9)\r\n"
        );
        // Beyond the results: NIL, with the range as asked, lowest first (RFC 5267 §4.4).
        let ret = SearchReturn {
            partial: Some(first(500, 400)),
            count: true,
            ..SearchReturn::default()
        };
        let e = esearch(&tag, false, &ret, &found(&[1, 2], false), None).unwrap();
        assert_eq!(
            encoded(e),
            "* ESEARCH (TAG \"A02\") COUNT 2 PARTIAL (400:500 NIL)\r\n"
        );
        // In sort order for SORT, MIN and MAX being the first and last.
        let ret = SearchReturn {
            partial: Some(first(1, 3)),
            min: true,
            max: true,
            ..SearchReturn::default()
        };
        let e = esearch(&tag, true, &ret, &found(&[9, 3, 4, 1], true), None).unwrap();
        assert_eq!(
            encoded(e),
            "* ESEARCH (TAG \"A02\") UID MIN 9 MAX 1 PARTIAL (1:3 9,3:4)\r\n"
        );
    }

    #[test]
    fn options_that_apply() {
        let context = SearchReturn {
            context: true,
            ..SearchReturn::default()
        };
        assert!(effective(context).all);
        let update = SearchReturn {
            update: true,
            ..SearchReturn::default()
        };
        assert!(!effective(update).all);
        let tag = Tag::new("B01").unwrap();
        // UPDATE alone: an ESEARCH without data; SAVE alone: none (RFC 5182 §2.4).
        let e = esearch(&tag, true, &update, &found(&[1], false), None).unwrap();
        assert_eq!(encoded(e), "* ESEARCH (TAG \"B01\") UID\r\n");
        let save = SearchReturn {
            save: true,
            ..SearchReturn::default()
        };
        assert!(esearch(&tag, true, &save, &found(&[1], false), None).is_none());
        let both = SearchReturn {
            all: true,
            partial: Some(first(1, 2)),
            ..SearchReturn::default()
        };
        assert!(check(&both).is_err());
        assert!(check(&update).is_ok());
    }

    #[test]
    fn what_save_keeps_with_partial() {
        // RFC 9394 §3.2, Table 1.
        let f = found(&[3, 5, 8, 13, 21], false);
        let with = |partial, min, max, count| SearchReturn {
            save: true,
            partial,
            min,
            max,
            count,
            ..SearchReturn::default()
        };
        assert_eq!(
            saved(&with(Some(first(2, 3)), false, false, false), &f),
            [5, 8]
        );
        assert_eq!(
            saved(&with(Some(first(2, 3)), true, false, false), &f),
            [3, 5, 8]
        );
        assert_eq!(
            saved(&with(Some(first(2, 3)), true, true, false), &f),
            [3, 5, 8, 21]
        );
        assert_eq!(
            saved(&with(Some(first(2, 3)), true, false, true), &f),
            f.uids
        );
        assert_eq!(saved(&with(None, false, true, false), &f), [21]);
        assert_eq!(saved(&with(None, false, false, false), &f), f.uids);
        // SORT: MIN and MAX are the first and last sorted.
        let s = found(&[8, 3, 21], true);
        assert_eq!(saved(&with(None, true, false, false), &s), [8]);
    }
}
