//! SEARCH keys over the stored corpus, with known answers (RFC 9051 §6.4.4, RFC 7162 §3.1.5,
//! RFC 5032, RFC 8514, RFC 8474 §6, RFC 5182).

mod common;

use common::*;
use kantor_imap_message::search::{SearchError, search};
use kantor_imap_proto::command::search::{EntryKind, ModSeqEntry, SearchKey as K};
use kantor_imap_proto::datetime::Date;
use kantor_imap_proto::types::{Atom, Flag, ObjectId, SequenceSet};
use std::num::NonZeroU32;

fn run(c: &Corpus, key: &K) -> Vec<u32> {
    run_saved(c, key, &[])
}

fn run_saved(c: &Corpus, key: &K, saved: &[u32]) -> Vec<u32> {
    let view = c.view();
    search(&c.context(&view, saved), None, key).unwrap()
}

fn set(s: &str) -> SequenceSet {
    SequenceSet::parse(s).unwrap()
}

fn date(y: u16, m: u8, d: u8) -> Date {
    Date::new(y, m, d).unwrap()
}

fn s(text: &str) -> Vec<u8> {
    text.as_bytes().to_vec()
}

fn not(key: K) -> K {
    K::Not(Box::new(key))
}

fn all_but(excluded: &[u32]) -> Vec<u32> {
    (1..=12).filter(|n| !excluded.contains(n)).collect()
}

#[tokio::test]
async fn flags_sets_sizes_and_logic() {
    let c = corpus().await;
    let kw = |k: &str| Atom::new(k).unwrap();
    let cases: Vec<(K, Vec<u32>)> = vec![
        (K::All, all_but(&[])),
        (K::Seen, vec![1, 2, 5]),
        (K::Unseen, all_but(&[1, 2, 5])),
        (K::Answered, vec![3, 5]),
        (K::Unanswered, all_but(&[3, 5])),
        (K::Flagged, vec![2]),
        (K::Unflagged, all_but(&[2])),
        (K::Deleted, vec![7]),
        (K::Undeleted, all_but(&[7])),
        (K::Draft, vec![7]),
        (K::Undraft, all_but(&[7])),
        (K::Keyword(kw("$Forwarded")), vec![2]),
        (K::Keyword(kw("$FORWARDED")), vec![2]),
        (K::Unkeyword(kw("$Junk")), all_but(&[11])),
        (K::Keyword(kw("nothing")), vec![]),
        // \Recent is 2, 11, 12 (common::RECENT); 2 is seen, so not NEW.
        (K::New, vec![11, 12]),
        (K::Recent, vec![2, 11, 12]),
        (K::Old, all_but(&[2, 11, 12])),
        (K::SequenceSet(set("2:4")), vec![2, 3, 4]),
        (K::SequenceSet(set("*")), vec![12]),
        (K::SequenceSet(set("10:*")), vec![10, 11, 12]),
        (K::SequenceSet(set("*:11,1")), vec![1, 11, 12]),
        (K::SequenceSet(set("13:20")), vec![]),
        (K::Uid(set("3,5")), vec![3, 5]),
        (K::Uid(set("*")), vec![12]),
        (K::Uid(set("100:*")), vec![12]),
        (K::Larger(100_000), vec![]),
        (K::Smaller(100_000), all_but(&[])),
        (K::Larger(M8.len() as u64 - 1), all_but(&[9])),
        (K::Smaller(M8.len() as u64), vec![9]),
        (not(K::Seen), all_but(&[1, 2, 5])),
        (
            K::Or(Box::new(K::Seen), Box::new(K::Deleted)),
            vec![1, 2, 5, 7],
        ),
        (K::And(vec![K::Seen, K::Flagged]), vec![2]),
        (
            K::And(vec![
                K::SequenceSet(set("1:6")),
                not(K::Answered),
                K::Unseen,
            ]),
            vec![4, 6],
        ),
    ];
    for (key, expected) in cases {
        assert_eq!(run(&c, &key), expected, "{key:?}");
    }
    // `$` is the saved result, as UIDs (RFC 5182 §2.1).
    assert_eq!(
        run_saved(&c, &K::SequenceSet(SequenceSet::Saved), &[2, 4]),
        [2, 4]
    );
    assert_eq!(run_saved(&c, &K::Uid(SequenceSet::Saved), &[9]), [9]);
    assert_eq!(run(&c, &K::Uid(SequenceSet::Saved)), Vec::<u32>::new());
}

#[tokio::test]
async fn dates() {
    let c = corpus().await;
    let cases: Vec<(K, Vec<u32>)> = vec![
        // Internal dates are 2024-01-n 01:00 UTC.
        (K::Before(date(2024, 1, 3)), vec![1, 2]),
        (K::On(date(2024, 1, 4)), vec![4]),
        (K::Since(date(2024, 1, 11)), vec![11, 12]),
        // Sent dates: the Date header's own calendar date; no Date header never matches.
        (K::SentBefore(date(2000, 1, 1)), vec![1, 5, 6]),
        (K::SentOn(date(1994, 2, 7)), vec![1]),
        (K::SentOn(date(2024, 1, 4)), vec![4]),
        (K::SentOn(date(2024, 1, 5)), vec![]),
        (K::SentSince(date(2024, 1, 10)), vec![10, 11, 12]),
        (not(K::SentSince(date(1990, 1, 1))), vec![7, 9]),
        (K::Older(NonZeroU32::new(1).unwrap()), all_but(&[])),
        (K::Younger(NonZeroU32::new(3600).unwrap()), vec![]),
        (K::Younger(NonZeroU32::MAX), all_but(&[])),
        (K::SaveDateSupported, all_but(&[])),
        (K::SavedBefore(date(2000, 1, 1)), vec![]),
        (K::SavedSince(date(2000, 1, 1)), all_but(&[])),
    ];
    for (key, expected) in cases {
        assert_eq!(run(&c, &key), expected, "{key:?}");
    }
    let today = Date::from_days_since_epoch(c.summaries[0].saved_date.div_euclid(86_400)).unwrap();
    assert_eq!(run(&c, &K::SavedOn(today)), all_but(&[]));
}

/// RFC 9051 §6.4.4 address keys match the field as written and its addresses as parsed
/// (comments and folding white space gone, display names decoded), as Dovecot does (imaptest's
/// search-addresses).
#[tokio::test]
async fn address_keys_match_parsed_addresses() {
    let c = corpus_of(&[
        b"From: sender@example.org\r\nTo: rcpt@example.org\r\n\r\none\r\n",
        b"From: <sender (the local part)@ (and the domain) example.org>\r\n\
          To: =?utf-8?q?J=C3=B6rg?= <rcpt@example.org>\r\n\r\ntwo\r\n",
        b"From: sender@example.org (Real Name)\r\n\
          Cc: team: member1@example.org,\r\n member2 (x) @ example.org;\r\n\r\nthree\r\n",
        b"From: someone@example.com\r\nBcc: sender@example.net\r\n\r\nfour\r\n",
    ])
    .await;
    let cases: Vec<(K, Vec<u32>)> = vec![
        (K::From(s("sender@example.org")), vec![1, 2, 3]),
        (K::From(s("SENDER@EXAMPLE")), vec![1, 2, 3]),
        (K::From(s("r@example.org")), vec![1, 2, 3]),
        (K::From(s("the local part")), vec![2]),
        (K::From(s("real name")), vec![3]),
        (K::To(s("jörg")), vec![2]),
        (K::Cc(s("member2@example.org")), vec![3]),
        (K::Cc(s("team")), vec![3]),
        (K::Bcc(s("sender@example.org")), vec![]),
        (K::Bcc(s("sender@example.net")), vec![4]),
        (K::Cc(s("")), vec![3]),
    ];
    for (key, expected) in cases {
        assert_eq!(run(&c, &key), expected, "{key:?}");
    }
}

#[tokio::test]
async fn header_and_text_keys() {
    let c = corpus().await;
    let header = |name: &str, value: &str| K::Header(name.into(), s(value));
    let cases: Vec<(K, Vec<u32>)> = vec![
        (K::From(s("foobar")), vec![1, 6]),
        (K::From(s("FRED")), vec![1, 6]),
        // Encoded-words are decoded before matching.
        (K::From(s("andré")), vec![4]),
        (K::To(s("jörg")), vec![4]),
        (K::Subject(s("grüße aus")), vec![4]),
        (K::Subject(s("GRÜSSE")), vec![4]),
        (K::Subject(s("meeting")), vec![1, 5, 6]),
        (K::To(s("undisclosed")), vec![7]),
        (K::Cc(s("dave")), vec![2]),
        (K::Bcc(s("ben b.")), vec![7]),
        (K::Cc(s("")), vec![2]),
        (header("X-Priority", ""), vec![7]),
        (header("x-priority", "1"), vec![7]),
        (header("Message-ID", "example.com"), vec![2, 3, 8, 11, 12]),
        (header("In-Reply-To", ""), vec![5, 6, 12]),
        (header("References", "reply-1@owatagu"), vec![6]),
        (header("X-Missing", ""), vec![]),
        // BODY: decoded text parts only (quoted-printable, base64, HTML, attached messages).
        (K::Body(s("noon")), vec![2, 3]),
        (K::Body(s("café")), vec![2]),
        (K::Body(s("köln")), vec![4]),
        (K::Body(s("JVBERi0")), vec![]),
        (K::Body(s("meeting")), vec![]),
        (K::Body(s("")), all_but(&[])),
        // TEXT: headers too, MIME headers included.
        (K::Text(s("afternoon")), vec![1, 5, 6]),
        (K::Text(s("forwarded message")), vec![3]),
        (K::Text(s("application/pdf")), vec![2]),
        (K::Text(s("köln")), vec![4]),
    ];
    for (key, expected) in cases {
        assert_eq!(run(&c, &key), expected, "{key:?}");
    }
}

#[tokio::test]
async fn modseq_object_ids_and_charsets() {
    let c = corpus().await;
    let tenth = c.summaries[9].modseq;
    assert_eq!(
        run(
            &c,
            &K::ModSeq {
                entry: None,
                modseq: tenth
            }
        ),
        [10, 11, 12]
    );
    let entry = ModSeqEntry {
        flag: Flag::Draft,
        kind: EntryKind::All,
    };
    assert_eq!(
        run(
            &c,
            &K::ModSeq {
                entry: Some(entry),
                modseq: tenth + 1
            }
        ),
        [11, 12]
    );
    let id = |s: String| ObjectId::new(s).unwrap();
    let third = &c.summaries[2];
    assert_eq!(run(&c, &K::EmailId(id(format!("M{}", third.id)))), [3]);
    assert_eq!(
        run(&c, &K::EmailId(id("M999999".into()))),
        Vec::<u32>::new()
    );
    let first_thread = c.summaries[0].thread_id;
    let expected: Vec<u32> = c
        .summaries
        .iter()
        .filter(|s| s.thread_id == first_thread)
        .map(|s| s.uid)
        .collect();
    assert!(expected.contains(&1));
    assert_eq!(
        run(&c, &K::ThreadId(id(format!("T{first_thread}")))),
        expected
    );
    let view = c.view();
    let context = c.context(&view, &[]);
    for charset in ["UTF-8", "utf-8", "US-ASCII", "us-ascii"] {
        assert_eq!(
            search(&context, Some(charset), &K::Seen).unwrap(),
            [1, 2, 5]
        );
    }
    for charset in ["ISO-8859-1", "x-unknown", ""] {
        assert!(matches!(
            search(&context, Some(charset), &K::All),
            Err(SearchError::BadCharset)
        ));
    }
    // A search over nothing finds nothing.
    let empty = c.context(&[], &[]);
    assert_eq!(
        search(&empty, None, &K::SequenceSet(set("*"))).unwrap(),
        Vec::<u32>::new()
    );
}

#[tokio::test]
async fn search_among_counts_numbers_in_the_whole_view() {
    use kantor_imap_message::search::search_among;
    let c = corpus().await;
    let view = c.view();
    let context = c.context(&view, &[12]);
    let among = |key: &K, seqs: &[usize]| {
        let candidates: Vec<_> = seqs.iter().map(|&n| c.message(n)).collect();
        search_among(&context, &candidates, key).unwrap()
    };
    // `*` is the view's last message (12), not the last candidate.
    assert_eq!(among(&K::SequenceSet(set("11:*")), &[3, 11, 12]), [11, 12]);
    assert_eq!(
        among(&K::SequenceSet(set("*")), &[3, 11]),
        Vec::<u32>::new()
    );
    // `$` is the saved result, whatever the candidates.
    assert_eq!(among(&K::SequenceSet(set("$")), &[3, 12]), [12]);
    // Only candidates are answered, and the answers agree with a full search.
    let full = run(&c, &K::Seen);
    let some = among(&K::Seen, &[1, 2, 3, 4, 5]);
    assert_eq!(
        some,
        full.iter().copied().filter(|&n| n <= 5).collect::<Vec<_>>()
    );
}
