//! The keys kept at delivery (`kantor_imap_message::keys`) answer header SEARCH keys, SORT
//! (RFC 5256 §3, RFC 5957) and THREAD (RFC 5256 §4) exactly as reading the messages does: the
//! same messages are stored with keys and without, and every answer is compared; then keys
//! are given to the messages stored without them by the store's backfill, and compared again.

mod common;

use common::*;
use kantor_imap_message::search::search;
use kantor_imap_message::sort::sort;
use kantor_imap_message::thread::thread;
use kantor_imap_proto::command::search::SearchKey as K;
use kantor_imap_proto::command::sort::{SortCriterion, SortKey, ThreadAlgorithm};
use kantor_store::KeyColumn;

/// A reply whose References has `n` ids (beyond what is kept, the message is read instead).
fn long_references(n: usize) -> &'static [u8] {
    let refs: Vec<String> = (0..n).map(|i| format!("<r{i}@x.test>")).collect();
    let raw = format!(
        "From: long@x.test\r\nSubject: Re: hello\r\nMessage-ID: <long{n}@x.test>\r\n\
References: <m5@x.test> {}\r\n\r\nx\r\n",
        refs.join("\r\n ")
    );
    Box::leak(raw.into_bytes().into_boxed_slice())
}

fn messages() -> Vec<&'static [u8]> {
    let mut all: Vec<&'static [u8]> = (1..=12).map(raw).collect();
    all.extend(ODD);
    all.push(long_references(40));
    all.push(long_references(2000));
    all
}

fn keys() -> Vec<K> {
    let s = |t: &str| t.as_bytes().to_vec();
    let mut keys = Vec::new();
    for text in [
        "",
        "a",
        "x.test",
        "JÖRG",
        "jörg",
        "user@domain.org",
        "Doe, Jane",
        "team",
        "GRÜSSE",
        "café",
        "re:",
        "hello",
        "<m7@x.test>",
        "quoted id",
        "second@",
        "\0",
        "a\0b",
        "ann",
    ] {
        keys.push(K::From(s(text)));
        keys.push(K::To(s(text)));
        keys.push(K::Cc(s(text)));
        keys.push(K::Bcc(s(text)));
        keys.push(K::Subject(s(text)));
        for field in [
            "From",
            "sender",
            "REPLY-TO",
            "Message-ID",
            "Date",
            "References",
            "X-None",
        ] {
            keys.push(K::Header(field.into(), s(text)));
        }
    }
    keys.push(K::Or(
        Box::new(K::From(s("jane"))),
        Box::new(K::Not(Box::new(K::Subject(s("hello"))))),
    ));
    keys.push(K::And(vec![K::Unseen, K::To(s("example"))]));
    keys
}

fn criteria() -> Vec<Vec<SortCriterion>> {
    use SortKey::*;
    let one = |reverse, key| SortCriterion { reverse, key };
    let mut all: Vec<Vec<SortCriterion>> = [
        Arrival,
        Cc,
        Date,
        From,
        Size,
        Subject,
        To,
        DisplayFrom,
        DisplayTo,
    ]
    .into_iter()
    .flat_map(|k| [vec![one(false, k)], vec![one(true, k)]])
    .collect();
    all.push(vec![one(false, Subject), one(true, Date)]);
    all.push(vec![one(false, DisplayTo), one(false, From)]);
    all
}

/// Every answer of `a` and `b`, which must be the same.
fn compare(a: &Corpus, b: &Corpus) {
    let (va, vb) = (a.view(), b.view());
    let (ca, cb) = (a.context(&va, &[]), b.context(&vb, &[]));
    for key in keys() {
        let (x, y) = (search(&ca, None, &key), search(&cb, None, &key));
        assert_eq!(x.unwrap(), y.unwrap(), "SEARCH {key:?}");
    }
    for c in criteria() {
        let (x, y) = (
            sort(&ca, &c, "UTF-8", &K::All),
            sort(&cb, &c, "UTF-8", &K::All),
        );
        assert_eq!(x.unwrap(), y.unwrap(), "SORT {c:?}");
    }
    for algorithm in [ThreadAlgorithm::References, ThreadAlgorithm::OrderedSubject] {
        let x = thread(&ca, algorithm.clone(), "UTF-8", &K::All).unwrap();
        let y = thread(&cb, algorithm.clone(), "UTF-8", &K::All).unwrap();
        assert_eq!(x, y, "THREAD {algorithm:?}");
    }
}

#[tokio::test]
async fn stored_keys_answer_as_the_messages_do() {
    let all = messages();
    let keyed = corpus_keyed(&all, true).await;
    let read = corpus_keyed(&all, false).await;
    // The keys are there (all but the 2,000-reference message's, which are too large).
    let kept = keyed
        .store
        .message_keys(keyed.inbox, &[KeyColumn::Threading])
        .unwrap();
    assert_eq!(kept.len(), all.len());
    assert_eq!(kept.rows().iter().filter(|r| !r.complete).count(), 1);
    assert!(
        read.store
            .message_keys(read.inbox, &[KeyColumn::Sent])
            .unwrap()
            .is_empty()
    );
    compare(&keyed, &read);
}

#[tokio::test]
async fn backfilled_keys_answer_as_the_messages_do() {
    let all = messages();
    let later = corpus_keyed(&all, false).await;
    assert_eq!(later.store.backfill_keys().await.unwrap(), all.len() as u64);
    assert_eq!(
        later.store.backfill_keys().await.unwrap(),
        0,
        "nothing left"
    );
    let read = corpus_keyed(&all, false).await;
    compare(&later, &read);
}

/// Every string of a message's keys, as read with `columns`.
fn strings(keys: kantor_store::KeysRef<'_>) -> Vec<Option<String>> {
    let mut out = vec![keys.message_id().map(str::to_owned)];
    out.push(Some(keys.references().collect::<Vec<_>>().join(" ")));
    out.push(Some(keys.subject().to_owned()));
    out.push(keys.field(0).flatten().map(str::to_owned));
    out.push(keys.addresses(0).flatten().map(str::to_owned));
    out
}

#[tokio::test]
async fn a_copy_into_the_same_mailbox_keeps_the_keys_and_texts() {
    // A COPY into a message's own mailbox makes a new email sharing the blob: its keys and
    // search texts are copied with it (`email_keys` and `email_texts`).
    let all = messages();
    let c = corpus_keyed(&all, true).await;
    let uids: Vec<u32> = c.summaries.iter().map(|s| s.uid).collect();
    let pairs = c
        .store
        .copy_messages(c.account, c.inbox, uids, c.inbox)
        .await
        .unwrap();
    assert_eq!(pairs.len(), all.len());
    let columns = [
        KeyColumn::Subject,
        KeyColumn::Threading,
        KeyColumn::Field(0),
        KeyColumn::Addresses(0),
    ];
    let table = c.store.message_keys(c.inbox, &columns).unwrap();
    assert_eq!(table.len(), 2 * all.len());
    let mut with_texts = 0;
    for (from, to) in pairs {
        let at = |uid| table.get(table.find(uid).unwrap()).unwrap();
        let (original, copy) = (at(from), at(to));
        assert_ne!(original.row.email_id, copy.row.email_id);
        assert_eq!(original.row.complete, copy.row.complete);
        assert_eq!(
            strings(original),
            strings(copy),
            "UID {from} copied to {to}"
        );
        with_texts += usize::from(copy.field(0).flatten().is_some());
    }
    assert!(
        with_texts > all.len() / 2,
        "{with_texts} copies have From texts"
    );
}
