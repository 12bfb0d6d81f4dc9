//! The indexer over a real store: deliveries are found by their substrings, an expunged email
//! leaves the index, another account's mail is never a candidate, and an index reopened (as
//! after a kill) goes on from its checkpoint, with the emails it has not reached left to scans.

use kantor_search::{IndexLimits, Indexer, SearchIndex, TextField};
use kantor_store::{BlobRef, Flags, IncomingMessage, MailboxRole, NewAccount, QuotaRule, Store};

fn message(subject: &str, body: &str) -> Vec<u8> {
    format!(
        "From: Sender <sender@example.org>\r\nTo: alice@example.com\r\nSubject: {subject}\r\n\
Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

async fn deliver(store: &Store, to: i64, raw: Vec<u8>) -> i64 {
    let delivered = store
        .deliver(IncomingMessage {
            blob: BlobRef::new(raw),
            recipients: vec![to],
            flags: Flags::default(),
            internal_date: 1_700_000_000,
            quota: QuotaRule::Ignore,
            mailbox: MailboxRole::Inbox,
        })
        .await
        .expect("deliver");
    delivered[0].message_id
}

fn indexer(store: &Store, index: &std::sync::Arc<SearchIndex>) -> Indexer {
    Indexer::new(
        store.clone(),
        index.clone(),
        IndexLimits::default(),
        20 << 20,
    )
    .expect("writer")
}

/// Commits `payload` (a checkpoint) as the last commit of an index made by hand, as an
/// older version of the server left it, and closes the index.
fn commit_checkpoint(old: tantivy::Index, payload: &str) {
    let mut w: tantivy::IndexWriter = old.writer(15 << 20).unwrap();
    let mut prepared = w.prepare_commit().unwrap();
    prepared.set_payload(payload);
    prepared.commit().unwrap();
}

fn catch_up(indexer: &mut Indexer) {
    while indexer.step().expect("index") {}
}

#[tokio::test(flavor = "multi_thread")]
async fn deliveries_are_found_expunges_leave_and_accounts_stay_apart() {
    let dir = tempfile::tempdir().unwrap();
    let (mail, alice, inbox) = kantor_store::testing::store_with_alice(dir.path()).await;
    let store: Store = (*mail).clone();
    let bob = mail
        .create_account(NewAccount {
            local: "bob".into(),
            domain: "example.com".into(),
            password_hash: "x".into(),
            is_admin: false,
            quota_bytes: 0,
        })
        .await
        .unwrap();
    // Before the index exists: the first start builds it from the stored mail.
    let old = deliver(
        &store,
        alice.id,
        message("Quarterly report", "Umsatzsteuer 2026"),
    )
    .await;
    let index = SearchIndex::open(&store.search_index_dir()).unwrap();
    assert!(
        index
            .candidates(alice.id, TextField::Body, "UMSATZ")
            .unwrap()
            .is_none()
    );
    let mut writer = indexer(&store, &index);
    catch_up(&mut writer);
    let found = index
        .candidates(alice.id, TextField::Body, "SATZSTEUER")
        .unwrap()
        .expect("the index answers");
    assert!(found.may_match(old));
    // Then it follows the log.
    let cjk = deliver(&store, alice.id, message("会议", "明天下午三点在东京开会")).await;
    let bobs = deliver(&store, bob.id, message("Umsatzsteuer", "Umsatzsteuer")).await;
    let found = index
        .candidates(alice.id, TextField::Body, "东京开")
        .unwrap()
        .unwrap();
    assert!(found.may_match(cjk), "not indexed yet: a candidate");
    catch_up(&mut writer);
    let found = index
        .candidates(alice.id, TextField::Body, "东京开")
        .unwrap()
        .unwrap();
    assert!(found.may_match(cjk) && !found.may_match(old));
    assert_eq!(found.len(), 1);
    let subject = index
        .candidates(alice.id, TextField::Subject, "TERLY REP")
        .unwrap()
        .unwrap();
    assert!(subject.may_match(old) && !subject.may_match(cjk));
    // Bob's copy is not Alice's candidate, and hers not his.
    let hers = index
        .candidates(alice.id, TextField::Body, "UMSATZSTEUER")
        .unwrap()
        .unwrap();
    assert!(!hers.may_match(bobs) && hers.may_match(old));
    let his = index
        .candidates(bob.id, TextField::Body, "UMSATZSTEUER")
        .unwrap()
        .unwrap();
    assert!(his.may_match(bobs) && !his.may_match(old));
    // Expunged: gone from the index.
    let uid = mail.messages(inbox).unwrap()[0].uid;
    mail.expunge(alice.id, inbox, vec![uid]).await.unwrap();
    catch_up(&mut writer);
    let hers = index
        .candidates(alice.id, TextField::Body, "UMSATZSTEUER")
        .unwrap()
        .unwrap();
    assert!(!hers.may_match(old));
    assert!(hers.is_empty());

    // A writer dropped mid-way (as by a kill): what was committed stays, the rest comes from
    // the log once a new writer starts from the payload's checkpoint.
    let before = index.checkpoint().unwrap();
    let late = deliver(&store, alice.id, message("late", "zwischen den Jahren")).await;
    drop(writer);
    drop(index);
    let index = SearchIndex::open(&store.search_index_dir()).unwrap();
    assert_eq!(index.checkpoint().unwrap(), before);
    let found = index
        .candidates(alice.id, TextField::Body, "ZWISCHEN")
        .unwrap()
        .unwrap();
    assert!(
        found.may_match(late),
        "above the checkpoint: left to the scan"
    );
    let mut writer = indexer(&store, &index);
    catch_up(&mut writer);
    let found = index
        .candidates(alice.id, TextField::Body, "ZWISCHEN")
        .unwrap()
        .unwrap();
    assert!(found.may_match(late) && found.len() == 1);
    assert_eq!(index.stats().documents, 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_log_pruned_past_the_index_makes_it_rebuild() {
    let dir = tempfile::tempdir().unwrap();
    let (mail, alice, _) = kantor_store::testing::store_with_alice(dir.path()).await;
    let store: Store = (*mail).clone();
    let first = deliver(&store, alice.id, message("one", "first of the two")).await;
    let index = SearchIndex::open(&store.search_index_dir()).unwrap();
    let mut writer = indexer(&store, &index);
    catch_up(&mut writer);
    drop(writer);
    // Delivered while no indexer ran, then pruned from the log before one came back.
    let second = deliver(&store, alice.id, message("two", "second of the two")).await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert!(
        store
            .prune_changes(std::time::Duration::ZERO)
            .await
            .unwrap()
            > 0
    );
    let mut writer = indexer(&store, &index);
    catch_up(&mut writer);
    let found = index
        .candidates(alice.id, TextField::Body, "OF THE TWO")
        .unwrap()
        .unwrap();
    assert!(found.may_match(first) && found.may_match(second));
    assert_eq!(
        found.len(),
        2,
        "both indexed, not merely above the checkpoint"
    );
}

/// BODY is answered from the `text` field (the body is not indexed apart): a body match that
/// spans the end of one text part and the start of the next (joined by a line break in the
/// body, but with the next part's MIME header lines between them in `text`) is still a
/// candidate, as the exact matcher would find it.
#[tokio::test(flavor = "multi_thread")]
async fn a_body_match_across_two_parts_is_a_candidate() {
    let dir = tempfile::tempdir().unwrap();
    let (mail, alice, _) = kantor_store::testing::store_with_alice(dir.path()).await;
    let store: Store = (*mail).clone();
    let raw = b"From: s@example.org\r\nTo: alice@example.com\r\nSubject: parts\r\n\
Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n\
first part ends alpha\r\n--b\r\nContent-Type: text/plain\r\n\r\nbravo starts the second\r\n\
--b--\r\n"
        .to_vec();
    let id = deliver(&store, alice.id, raw.clone()).await;
    let other = deliver(
        &store,
        alice.id,
        message("alpha", "bravo, but not after alpha"),
    )
    .await;
    let index = SearchIndex::open(&store.search_index_dir()).unwrap();
    let mut writer = indexer(&store, &index);
    catch_up(&mut writer);
    let tree = kantor_message::mime::parse(&raw);
    let body = kantor_message::text::fold(&kantor_message::text::body_text(&raw, &tree, false));
    assert!(body.contains("ALPHA\nBRAVO"), "{body:?}");
    let found = index
        .candidates(alice.id, TextField::Body, "ENDS ALPHA\nBRAVO STARTS")
        .unwrap()
        .expect("the index answers");
    assert!(found.may_match(id));
    assert!(!found.may_match(other));
}

/// The texts stored with each document are the very texts IMAP's exact matchers compute from
/// the message (so a candidate confirmed against them gets the scan's answer); a document whose
/// text was cut at the size limit has none, and neither has an email the lookup did not find.
#[tokio::test(flavor = "multi_thread")]
async fn stored_texts_are_the_matchers_texts_unless_cut() {
    let dir = tempfile::tempdir().unwrap();
    let (mail, alice, _) = kantor_store::testing::store_with_alice(dir.path()).await;
    let store: Store = (*mail).clone();
    let raw =
        b"From: s@example.org\r\nTo: alice@example.com\r\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n\
Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n\
plain words\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>Stra&szlig;e <b>html</b></p>\r\n--b--\r\n"
            .to_vec();
    let id = deliver(&store, alice.id, raw.clone()).await;
    let long = deliver(&store, alice.id, message("long", &"words ".repeat(40))).await;
    let other = deliver(&store, alice.id, message("other", "nothing here")).await;
    let index = SearchIndex::open(&store.search_index_dir()).unwrap();
    let limits = IndexLimits {
        max_field_bytes: 200,
        ..IndexLimits::default()
    };
    let mut writer = Indexer::new(store.clone(), index.clone(), limits, 20 << 20).unwrap();
    catch_up(&mut writer);
    let found = index
        .candidates(alice.id, TextField::Body, "WORDS")
        .unwrap()
        .expect("the index answers");
    assert!(found.may_match(id) && found.may_match(long) && !found.may_match(other));
    let stored = found.texts(id).expect("complete texts are stored");
    let (text, root, tree) = (
        kantor_message::text::fold,
        kantor_message::mime::parse_header(&raw),
        kantor_message::mime::parse(&raw),
    );
    let body = text(&kantor_message::text::body_text(&raw, &tree, false));
    let all = text(
        &(kantor_message::text::header_text(&raw, &root)
            + &kantor_message::text::body_text(&raw, &tree, true)),
    );
    assert_eq!(stored.body().unwrap(), body);
    assert_eq!(stored.text, all);
    assert!(body.contains("STRASSE HTML"), "{stored:?}");
    assert!(stored.text.contains("SUBJECT: GRÜSSE"), "{stored:?}");
    assert_eq!(
        found.texts(long),
        None,
        "cut at 200 bytes: the message is read"
    );
    assert_eq!(found.texts(other), None, "not a candidate");
}

/// A data directory of the previous version: its index (layout 2, without the language and
/// word fields) has another schema, so it is removed and built again, words included; with
/// `stemming` off the index has no words and says so.
#[tokio::test(flavor = "multi_thread")]
async fn an_index_of_the_previous_layout_is_rebuilt_with_words() {
    use kantor_search::WordField;
    use tantivy::schema::{FAST, INDEXED, SchemaBuilder, TEXT};
    let dir = tempfile::tempdir().unwrap();
    let (mail, alice, _) = kantor_store::testing::store_with_alice(dir.path()).await;
    let store: Store = (*mail).clone();
    let english = deliver(
        &store,
        alice.id,
        message(
            "Weekend plans",
            "I usually go for long runs in the garden before breakfast, and then we talk.",
        ),
    )
    .await;
    let german = deliver(
        &store,
        alice.id,
        message(
            "Umzug",
            "Die Häuser in unserer Straße werden im nächsten Jahr renoviert, sagt der Vermieter.",
        ),
    )
    .await;
    // Layout 2's fields, with a checkpoint of version 2 in its last commit.
    let path = store.search_index_dir();
    std::fs::create_dir_all(&path).unwrap();
    let mut b = SchemaBuilder::new();
    b.add_u64_field("account", INDEXED);
    b.add_u64_field("email", INDEXED | FAST);
    b.add_u64_field("truncated", INDEXED);
    for name in [
        "from",
        "to",
        "cc",
        "bcc",
        "subject",
        "body",
        "text",
        "attachments",
    ] {
        b.add_text_field(name, TEXT);
    }
    b.add_text_field("attachment_text", TEXT);
    let old = tantivy::Index::create_in_dir(&path, b.build()).unwrap();
    commit_checkpoint(
        old,
        r#"{"version":2,"change":99,"email":99,"building":false}"#,
    );

    let index = SearchIndex::open(&path).unwrap();
    assert_eq!(index.checkpoint(), None, "the old index is not read");
    assert!(
        index
            .word_matches(alice.id, WordField::Body, "RUNNING")
            .unwrap()
            .is_none()
    );
    let mut writer = indexer(&store, &index);
    catch_up(&mut writer);
    let words = |field, needle: &str| {
        index
            .word_matches(alice.id, field, needle)
            .unwrap()
            .expect("the index has words")
    };
    assert_eq!(words(WordField::Body, "RUNNING"), [english].into());
    assert_eq!(words(WordField::Body, "HAUS"), [german].into());
    assert_eq!(words(WordField::Subject, "PLANNING"), [english].into());
    assert!(words(WordField::Body, "PLANNING").is_empty());
    // German's stem of GARDES is that of GARDEN; English mail is not stemmed in German.
    assert!(words(WordField::Body, "GARDES").is_empty());
    // Another account has none of them.
    assert!(
        index
            .word_matches(alice.id + 1000, WordField::Body, "RUNNING")
            .unwrap()
            .unwrap()
            .is_empty()
    );
    drop(writer);

    // Stemming off: the index is rebuilt without words, and has none to give.
    let limits = IndexLimits {
        stemming: false,
        ..IndexLimits::default()
    };
    let mut writer = Indexer::new(store.clone(), index.clone(), limits, 20 << 20).unwrap();
    catch_up(&mut writer);
    assert!(!index.checkpoint().unwrap().stemming);
    assert!(
        index
            .word_matches(alice.id, WordField::Body, "RUNNING")
            .unwrap()
            .is_none()
    );
}

/// A burst of deliveries is left for after it, for at most the time given, and never with 0.
#[tokio::test(flavor = "multi_thread")]
async fn a_burst_of_deliveries_is_left_for_after_it() {
    use std::time::Duration;
    let dir = tempfile::tempdir().unwrap();
    let (mail, alice, _) = kantor_store::testing::store_with_alice(dir.path()).await;
    let store: Store = (*mail).clone();
    let index = SearchIndex::open(&store.search_index_dir()).unwrap();
    let mut writer = indexer(&store, &index);
    catch_up(&mut writer);
    let wait = Duration::from_secs(60);
    // Caught up: nothing to wait for.
    assert!(!writer.gives_way(wait));
    let burst = |n: usize| {
        let store = store.clone();
        async move {
            let mut last = 0;
            for i in 0..n {
                last = deliver(&store, alice.id, message("Burst", &format!("zorbel {i}"))).await;
            }
            last
        }
    };
    burst(110).await;
    assert!(
        writer.gives_way(wait),
        "a burst of 110 deliveries is left for later"
    );
    assert!(!writer.gives_way(Duration::ZERO), "0 never waits");
    // The log stood still since the last look: the burst is over, index now.
    assert!(!writer.gives_way(wait));
    let last = burst(110).await;
    // A burst again, but the first row left has waited longer than 1 ms: index now.
    std::thread::sleep(Duration::from_millis(5));
    assert!(!writer.gives_way(Duration::from_millis(1)));
    catch_up(&mut writer);
    let found = index
        .candidates(alice.id, TextField::Body, "ZORBEL")
        .unwrap()
        .expect("the index answers");
    assert_eq!(found.len(), 220);
    assert!(found.may_match(last));
    // Caught up again: the next burst may wait anew.
    assert!(!writer.gives_way(wait));
    burst(110).await;
    assert!(writer.gives_way(wait));
}

/// An index of this layout made with other settings (tantivy's default, an LZ4-compressed
/// document store, as before session 24) is removed and built again with the server's.
#[tokio::test(flavor = "multi_thread")]
async fn an_index_with_other_settings_is_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let (mail, alice, _) = kantor_store::testing::store_with_alice(dir.path()).await;
    let store: Store = (*mail).clone();
    let id = deliver(&store, alice.id, message("Settings", "Kompressionsfrei")).await;
    let path = store.search_index_dir();
    std::fs::create_dir_all(&path).unwrap();
    let (schema, _) = kantor_search::schema::Fields::schema();
    let old = tantivy::Index::create_in_dir(&path, schema).unwrap();
    assert_ne!(old.settings(), &kantor_search::index::settings());
    let payload = format!(
        r#"{{"version":{},"change":99,"email":99,"building":false,"stemming":true}}"#,
        kantor_search::index::VERSION
    );
    commit_checkpoint(old, &payload);

    let index = SearchIndex::open(&path).unwrap();
    assert_eq!(index.checkpoint(), None, "the old index is not read");
    let reopened = tantivy::Index::open_in_dir(&path).unwrap();
    assert_eq!(reopened.settings(), &kantor_search::index::settings());
    let mut writer = indexer(&store, &index);
    catch_up(&mut writer);
    let found = index
        .candidates(alice.id, TextField::Body, "KOMPRESSION")
        .unwrap()
        .expect("the index answers");
    assert!(found.may_match(id) && found.len() == 1);
}
