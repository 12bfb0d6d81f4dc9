//! SORT (RFC 5256 §3, RFC 5957) and THREAD (RFC 5256 §4) over the stored corpus.

mod common;

use common::*;
use kantor_imap_message::search::SearchError;
use kantor_imap_message::sort::sort;
use kantor_imap_message::thread::thread;
use kantor_imap_proto::command::search::SearchKey as K;
use kantor_imap_proto::command::sort::{SortCriterion, SortKey, ThreadAlgorithm};
use kantor_imap_proto::response::data::{ThreadEntry, Threads};
use kantor_imap_proto::types::{Atom, SequenceSet};

fn by(keys: &[(bool, SortKey)]) -> Vec<SortCriterion> {
    keys.iter()
        .map(|&(reverse, key)| SortCriterion { reverse, key })
        .collect()
}

#[tokio::test]
async fn sort_criteria() {
    use SortKey::*;
    let c = corpus().await;
    let view = c.view();
    let context = c.context(&view, &[]);
    let cases: Vec<(Vec<SortCriterion>, Vec<u32>)> = vec![
        (by(&[(false, Arrival)]), (1..=12).collect()),
        (by(&[(true, Arrival)]), (1..=12).rev().collect()),
        // Sent dates in UTC; no Date header means INTERNALDATE (7 and 9).
        (
            by(&[(false, Date)]),
            vec![1, 5, 6, 2, 3, 4, 8, 7, 9, 10, 12, 11],
        ),
        // Base subjects: "" < AFTERNOON MEETING < GRÜSSE AUS KÖLN < LUNCH < PARTY PLANNING
        // < QUARTERLY REPORT < STATUS < UUENCODED; ties by sequence number.
        (
            by(&[(false, Subject)]),
            vec![9, 1, 5, 6, 4, 3, 11, 12, 2, 7, 8, 10],
        ),
        (
            by(&[(false, Subject), (true, Date)]),
            vec![9, 6, 5, 1, 4, 3, 11, 12, 2, 7, 8, 10],
        ),
        // addr-mailbox of the first From.
        (
            by(&[(false, From)]),
            vec![9, 3, 7, 11, 1, 6, 12, 2, 5, 8, 4, 10],
        ),
        // A group's name is the first To of message 7.
        (
            by(&[(false, To)]),
            vec![8, 9, 10, 2, 3, 5, 4, 11, 12, 1, 6, 7],
        ),
        (
            by(&[(false, Cc)]),
            vec![1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 2],
        ),
        // REVERSE does not reverse the sequence-number tie-break.
        (
            by(&[(true, Cc)]),
            vec![2, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
        ),
        // Display names decoded, else mailbox@host (RFC 5957 §3).
        (
            by(&[(false, DisplayFrom)]),
            vec![9, 3, 4, 2, 11, 12, 1, 6, 5, 8, 7, 10],
        ),
        (
            by(&[(false, DisplayTo)]),
            vec![8, 9, 10, 2, 3, 5, 4, 11, 12, 1, 6, 7],
        ),
    ];
    for (criteria, expected) in cases {
        assert_eq!(
            sort(&context, &criteria, "UTF-8", &K::All).unwrap(),
            expected,
            "{criteria:?}"
        );
    }
    let mut sizes: Vec<(u64, u32)> = c.summaries.iter().map(|s| (s.size, s.uid)).collect();
    sizes.sort();
    assert_eq!(
        sort(&context, &by(&[(false, Size)]), "utf-8", &K::All).unwrap(),
        sizes.iter().map(|&(_, n)| n).collect::<Vec<_>>()
    );
    // Only the matching messages are sorted.
    let unseen = sort(&context, &by(&[(true, Arrival)]), "US-ASCII", &K::Unseen).unwrap();
    assert_eq!(unseen, [12, 11, 10, 9, 8, 7, 6, 4, 3]);
    assert!(matches!(
        sort(&context, &by(&[(false, Size)]), "KOI8-R", &K::All),
        Err(SearchError::BadCharset)
    ));
}

/// The THREAD response form of a list of threads (RFC 5256 §4): a single child continues
/// its parent's list, several children are each parenthesised.
fn render(threads: &Threads) -> String {
    /// The subtree at `nodes[*at]`, as a list of its chain and nested lists.
    fn node(nodes: &[ThreadEntry], at: &mut usize, out: &mut String) {
        out.push('(');
        let mut first = true;
        let children = loop {
            let cur = nodes[*at];
            *at += 1;
            if let Some(id) = cur.id {
                if !first {
                    out.push(' ');
                }
                out.push_str(&id.to_string());
                first = false;
            }
            if cur.children != 1 {
                break cur.children;
            }
        };
        if children > 1 {
            if !first {
                out.push(' ');
            }
            for _ in 0..children {
                node(nodes, at, out);
            }
        }
        out.push(')');
    }
    let mut out = String::new();
    let mut at = 0;
    while at < threads.nodes.len() {
        node(&threads.nodes, &mut at, &mut out);
    }
    out
}

#[tokio::test]
async fn thread_algorithms() {
    let c = corpus().await;
    let view = c.view();
    let context = c.context(&view, &[]);
    let run = |algorithm, key: &K| render(&thread(&context, algorithm, "UTF-8", key).unwrap());
    // 5 replies to 1 and 6 to 5 (References); 7 is a forward with the subject of 8; 11 and 12
    // reply to a message that is not there, so they hang under a dummy; threads by date.
    assert_eq!(
        run(ThreadAlgorithm::References, &K::All),
        "(1 5 6)(2)(3)(4)(8 7)(9)(10)((12)(11))"
    );
    // Grouped by base subject, children of the first message, threads by date.
    assert_eq!(
        run(ThreadAlgorithm::OrderedSubject, &K::All),
        "(1 (5)(6))(2)(3)(4)(8 7)(9)(10)(12 11)"
    );
    // Without message 5 its reply still joins 1 through its References.
    let no_five = K::Not(Box::new(K::SequenceSet(SequenceSet::parse("5").unwrap())));
    assert_eq!(
        run(ThreadAlgorithm::References, &no_five),
        "(1 6)(2)(3)(4)(8 7)(9)(10)((12)(11))"
    );
    // Without 1, its dummy is replaced by 5 (only one child); 12 alone needs no dummy.
    let some = K::SequenceSet(SequenceSet::parse("2:6,12").unwrap());
    assert_eq!(
        run(ThreadAlgorithm::References, &some),
        "(5 6)(2)(3)(4)(12)"
    );
    assert_eq!(run(ThreadAlgorithm::OrderedSubject, &K::Seen), "(1 5)(2)");
    // NEW is 11 and 12 (common::RECENT less the seen 2): siblings under a dummy parent.
    assert_eq!(run(ThreadAlgorithm::References, &K::New), "((12)(11))");
    let other = ThreadAlgorithm::Other(Atom::new("REFS").unwrap());
    assert_eq!(run(other, &K::All), "");
    assert!(matches!(
        thread(&context, ThreadAlgorithm::References, "latin1", &K::All),
        Err(SearchError::BadCharset)
    ));
}

#[tokio::test]
async fn sort_values_place_later_matches() {
    use kantor_imap_message::sort::{compare, sort_among, sorted};
    use std::cmp::Ordering;
    let c = corpus().await;
    let view = c.view();
    let context = c.context(&view, &[]);
    let criteria = by(&[(false, SortKey::Date)]);
    let rows = sorted(&context, &criteria, "UTF-8", &K::All).unwrap();
    let seqs: Vec<u32> = rows.iter().map(|(seq, _)| *seq).collect();
    assert_eq!(seqs, [1, 5, 6, 2, 3, 4, 8, 7, 9, 10, 12, 11]);
    // Neighbours in the sorted list compare in order.
    for pair in rows.windows(2) {
        assert_ne!(
            compare(&criteria, &pair[0].1, &pair[1].1),
            Ordering::Greater
        );
    }
    // Values computed for a few candidates equal those of the full sort.
    let candidates = [c.message(2), c.message(7)];
    let some = sort_among(&context, &criteria, &candidates, &K::All).unwrap();
    assert_eq!(some.len(), 2);
    for (seq, values) in &some {
        let full = &rows.iter().find(|(s, _)| s == seq).unwrap().1;
        assert_eq!(values, full);
    }
    // REVERSE flips the comparison.
    let reversed = by(&[(true, SortKey::Date)]);
    assert_eq!(
        compare(&reversed, &rows[0].1, &rows[11].1),
        compare(&criteria, &rows[11].1, &rows[0].1)
    );
}
