//! Where results go in a context's list (RFC 5267 §4.3.2-§4.3.4): the REMOVEFROM and ADDTO
//! pairs that keep the client's copy of the results in the requested order.
//!
//! A pair is a context position (1 = the first result) and the results, in the requested
//! order, removed from or inserted at that position. The client applies the pairs in the order
//! they come, so each position counts in the list as the earlier pairs left it. Removals come
//! first (before EXPUNGE, §4.3.4), additions after (after EXISTS, §4.3.3).

use super::Row;
use kantor_store::Uid;
use std::cmp::Ordering;
use std::collections::HashSet;

/// One REMOVEFROM or ADDTO pair: a context position and UIDs in the requested order.
pub(crate) type Pair = (u32, Vec<Uid>);

/// Removes the rows whose UID is in `drop`. Each run of adjacent removed rows is one pair, at
/// the position its first row has once the earlier runs are gone.
pub(crate) fn remove(rows: &mut Vec<Row>, drop: &HashSet<Uid>) -> Vec<Pair> {
    let mut pairs: Vec<Pair> = Vec::new();
    let mut kept = 0u32;
    let mut in_run = false;
    for row in rows.iter() {
        if drop.contains(&row.uid) {
            match pairs.last_mut() {
                Some((_, uids)) if in_run => uids.push(row.uid),
                _ => pairs.push((kept + 1, vec![row.uid])),
            }
            in_run = true;
        } else {
            kept += 1;
            in_run = false;
        }
    }
    if !pairs.is_empty() {
        rows.retain(|row| !drop.contains(&row.uid));
    }
    pairs
}

/// Merges `added` (none of them already in `rows`) into `rows`, both in the order `cmp` gives.
/// Each run of adjacent new rows is one pair, at its final position: the runs go in from the
/// first, so everything before a run is already in place when it is inserted.
pub(crate) fn insert(
    rows: &mut Vec<Row>,
    mut added: Vec<Row>,
    cmp: impl Fn(&Row, &Row) -> Ordering,
) -> Vec<Pair> {
    if added.is_empty() {
        return Vec::new();
    }
    added.sort_by(&cmp);
    let old = std::mem::take(rows);
    rows.reserve(old.len() + added.len());
    let mut pairs: Vec<Pair> = Vec::new();
    let mut last_was_new = false;
    let mut old = old.into_iter().peekable();
    let mut new = added.into_iter().peekable();
    loop {
        let take_new = match (old.peek(), new.peek()) {
            (Some(o), Some(n)) => cmp(n, o) == Ordering::Less,
            (None, Some(_)) => true,
            (_, None) => false,
        };
        if take_new {
            let Some(row) = new.next() else { break };
            match pairs.last_mut() {
                Some((_, uids)) if last_was_new => uids.push(row.uid),
                _ => pairs.push((rows.len() as u32 + 1, vec![row.uid])),
            }
            rows.push(row);
            last_was_new = true;
        } else {
            let Some(row) = old.next() else { break };
            rows.push(row);
            last_was_new = false;
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(uids: &[Uid]) -> Vec<Row> {
        uids.iter().map(|&uid| Row { uid, values: None }).collect()
    }

    fn uids(rows: &[Row]) -> Vec<Uid> {
        rows.iter().map(|r| r.uid).collect()
    }

    fn ascending(a: &Row, b: &Row) -> Ordering {
        a.uid.cmp(&b.uid)
    }

    /// A stand-in for a sort order: even UIDs first, each half descending.
    fn sorted(a: &Row, b: &Row) -> Ordering {
        (a.uid % 2).cmp(&(b.uid % 2)).then(b.uid.cmp(&a.uid))
    }

    /// Applies pairs the way a client does (RFC 5267 §4.3.3, §4.3.4).
    fn client_remove(list: &mut Vec<Uid>, pairs: &[Pair]) {
        for (pos, ids) in pairs {
            let at = *pos as usize - 1;
            assert_eq!(&list[at..at + ids.len()], &ids[..], "{list:?} {pairs:?}");
            list.drain(at..at + ids.len());
        }
    }

    fn client_insert(list: &mut Vec<Uid>, pairs: &[Pair]) {
        for (pos, ids) in pairs {
            let at = *pos as usize - 1;
            list.splice(at..at, ids.iter().copied());
        }
    }

    #[test]
    fn the_rfc_example_is_one_pair() {
        // RFC 5267 §4.3.3: 2734:2735 plus 2731:2733 is "ADDTO (1 2731:2733)".
        let mut list = rows(&[2734, 2735]);
        let pairs = insert(&mut list, rows(&[2733, 2731, 2732]), ascending);
        assert_eq!(pairs, [(1, vec![2731, 2732, 2733])]);
        assert_eq!(uids(&list), [2731, 2732, 2733, 2734, 2735]);
    }

    #[test]
    fn removals_count_positions_after_earlier_pairs() {
        let mut list = rows(&[10, 11, 12, 13, 14, 15, 16]);
        let drop: HashSet<Uid> = [11, 12, 14, 16, 99].into();
        let pairs = remove(&mut list, &drop);
        // 11:12 at 2; then 14, now at 3; then 16, now at 4.
        assert_eq!(pairs, [(2, vec![11, 12]), (3, vec![14]), (4, vec![16])]);
        assert_eq!(uids(&list), [10, 13, 15]);
        let mut client = vec![10, 11, 12, 13, 14, 15, 16];
        client_remove(&mut client, &pairs);
        assert_eq!(client, uids(&list));
        assert!(remove(&mut list, &[99].into()).is_empty());
    }

    #[test]
    fn additions_land_at_final_positions() {
        let mut list = rows(&[2, 4, 6]);
        let pairs = insert(&mut list, rows(&[7, 1, 5, 3, 8]), ascending);
        assert_eq!(
            pairs,
            [(1, vec![1]), (3, vec![3]), (5, vec![5]), (7, vec![7, 8])]
        );
        let mut client = vec![2, 4, 6];
        client_insert(&mut client, &pairs);
        assert_eq!(client, uids(&list));
        assert_eq!(client, [1, 2, 3, 4, 5, 6, 7, 8]);
    }

    #[test]
    fn sort_order_positions() {
        // In the stand-in order: 8 6 4 2 | 7 5 3 1.
        let mut list = rows(&[8, 4, 7, 3, 1]);
        list.sort_by(sorted);
        assert_eq!(uids(&list), [8, 4, 7, 3, 1]);
        let removed = remove(&mut list, &[4, 7, 1].into());
        assert_eq!(removed, [(2, vec![4, 7]), (3, vec![1])]);
        let added = insert(&mut list, rows(&[2, 5, 6]), sorted);
        // 8 6 2 5 3: the run 6 2 5 at 2.
        assert_eq!(added, [(2, vec![6, 2, 5])]);
        assert_eq!(uids(&list), [8, 6, 2, 5, 3]);
        let mut client = vec![8, 4, 7, 3, 1];
        client_remove(&mut client, &removed);
        client_insert(&mut client, &added);
        assert_eq!(client, uids(&list));
    }

    #[test]
    fn into_an_empty_list() {
        let mut list = Vec::new();
        let pairs = insert(&mut list, rows(&[3, 1]), sorted);
        assert_eq!(pairs, [(1, vec![3, 1])]);
        assert!(insert(&mut list, Vec::new(), sorted).is_empty());
        let all: HashSet<Uid> = [1, 3].into();
        assert_eq!(remove(&mut list, &all), [(1, vec![3, 1])]);
        assert!(list.is_empty());
    }
}
