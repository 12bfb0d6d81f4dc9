//! The full-text index (kantor-search) over real mail, against a scan: a deterministic part of
//! the SpamAssassin public corpus (every tenth message and every one in a CJK charset: mailing
//! lists, spam, HTML-only mail, attachments, Latin-1, GB2312, Big5, ISO-2022-JP, EUC-KR)
//! APPENDed with Python's imaplib, then searched with imaplib's UID SEARCH and JMAP Email/query
//! (curl), first with the index, then by the same server restarted with `[search] enabled =
//! false`, where every text search reads the messages. The answers must be the same, and each
//! query must find some messages but not all. Then, with stemming on (the default: the index is
//! rebuilt), IMAP's answers are still the scan's (RFC 9051 §6.4.4: substrings) and JMAP's hold
//! at least the scan's (RFC 8621 §4.4.1 lets it find other forms of a word too).

mod common;
use common::curl::{calls, https, primary_account};
use common::fts::*;
use common::*;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

const JO: &str = "jo@example.test";
/// Every `EVERY`th message of the corpus (in the order of its file names) is taken.
const EVERY: usize = 10;

/// UID SEARCH criteria, with a UTF-8 literal after them when there is one (sent with
/// CHARSET UTF-8). The words were picked from the corpus: common and rare words, a phrase,
/// addresses, subject words, CJK words, words only in HTML parts, an attachment's name.
const IMAP: &[(&str, Option<&str>)] = &[
    ("BODY maintainer", None),
    ("BODY unsubscribe", None),
    ("TEXT spamassassin", None),
    ("BODY \"click here\"", None),
    ("SUBJECT ilug", None),
    ("SUBJECT \"[SAtalk]\"", None),
    ("FROM rssfeeds@spamassassin.taint.org", None),
    ("FROM hettinga", None),
    ("TO ilug@linux.ie", None),
    ("CC fork@spamassassin.taint.org", None),
    ("HEADER Subject razor", None),
    // Only in HTML parts (reduced to their text).
    ("BODY megapixel", None),
    ("BODY powershot", None),
    // An attachment's name, in the MIME header TEXT reads.
    ("TEXT notspam.txt", None),
    // GB2312, Big5, ISO-2022-JP, EUC-KR / KS C 5601 text; RFC 2047 subjects; a file name.
    // Index and scan share kantor-message's text, so a decoding fault is not seen here: BODY
    // 합니다 finds 1 of the 5 messages Python's email finds it in (spam-1/00035, spam-2/00588,
    // 00960, 01017, 01072, EUC-KR and KS C 5601 HTML); of 00588 and 00960 (base64) the text is
    // the undecoded base64, of 00035 (8-bit) U+FFFD where the Korean was.
    ("BODY", Some("武汉")),
    ("BODY", Some("網路")),
    ("BODY", Some("プロセス")),
    ("BODY", Some("합니다")),
    ("SUBJECT", Some("未承諾")),
    ("SUBJECT", Some("コラボレーション")),
    ("TEXT", Some("マイルストーン")),
    // Latin-1 and a folding that changes length (ß is SS).
    ("BODY", Some("français")),
    ("BODY", Some("spaß")),
    // Combinations, a needle too short for trigrams.
    ("OR SUBJECT razor SUBJECT spambayes", None),
    ("NOT BODY http", None),
    ("BODY http SUBJECT satalk", None),
    ("BODY zz", None),
];

/// JMAP Email/query filters.
fn jmap_filters() -> Vec<Value> {
    vec![
        json!({"text": "spamassassin"}),
        json!({"text": "maintainer"}),
        json!({"body": "unsubscribe"}),
        json!({"body": "click here"}),
        json!({"subject": "ilug"}),
        json!({"subject": "[SAtalk]"}),
        json!({"from": "rssfeeds@spamassassin.taint.org"}),
        json!({"to": "ilug@linux.ie"}),
        json!({"cc": "fork@spamassassin.taint.org"}),
        json!({"header": ["Subject", "razor"]}),
        json!({"body": "megapixel"}),
        json!({"body": "武汉"}),
        json!({"body": "網路"}),
        json!({"text": "プロセス"}),
        json!({"body": "합니다"}),
        json!({"subject": "未承諾"}),
        json!({"body": "français"}),
        json!({"operator": "OR", "conditions": [{"subject": "razor"}, {"body": "spambayes"}]}),
        json!({"operator": "NOT", "conditions": [{"body": "http"}]}),
        json!({"operator": "AND", "conditions": [{"body": "http"}, {"subject": "satalk"}]}),
    ]
}

/// IMAP criteria and JMAP filters that mean the same (RFC 9051 BODY and RFC 8621 `body` both
/// read the text parts, SUBJECT and `subject` the decoded subject), compared through EMAILID
/// (RFC 8474) on the scan.
fn same_meaning() -> Vec<((&'static str, Option<&'static str>), Value)> {
    vec![
        (("BODY unsubscribe", None), json!({"body": "unsubscribe"})),
        (("BODY megapixel", None), json!({"body": "megapixel"})),
        (("BODY", Some("網路")), json!({"body": "網路"})),
        (("BODY", Some("합니다")), json!({"body": "합니다"})),
        (("SUBJECT ilug", None), json!({"subject": "ilug"})),
        (("SUBJECT", Some("未承諾")), json!({"subject": "未承諾"})),
    ]
}

/// The corpus's messages this test takes, in APPEND order.
fn selection() -> Vec<std::path::PathBuf> {
    let dir = common::corpus::spam_assassin();
    common::corpus::messages(&dir)
        .into_iter()
        .enumerate()
        .filter(|(i, path)| {
            i % EVERY == 0 || common::corpus::in_cjk_charset(&std::fs::read(path).unwrap())
        })
        .map(|(_, path)| path)
        .collect()
}

/// The ids Email/query finds with `filter`, sorted (paged through the server's limit).
fn jmap_ids(server: &TestServer, filter: &Value) -> BTreeSet<String> {
    let credentials = format!("{JO}:{PASSWORD}");
    let session = common::curl::curl(&["-u", &credentials, &https(server, "/jmap/session")]);
    let account = primary_account(&session.json(), "urn:ietf:params:jmap:mail");
    let mut ids = BTreeSet::new();
    loop {
        let answer = calls(
            server,
            &credentials,
            json!([["Email/query", {"accountId": account, "filter": filter,
                "position": ids.len(), "calculateTotal": true}, "q"]]),
        );
        let page = answer[0][1]["ids"]
            .as_array()
            .unwrap_or_else(|| panic!("Email/query {filter}: {answer:?}"));
        ids.extend(page.iter().map(|id| id.as_str().unwrap().to_string()));
        let total = answer[0][1]["total"].as_u64().unwrap() as usize;
        if page.is_empty() || ids.len() >= total {
            assert_eq!(ids.len(), total, "{filter}");
            return ids;
        }
    }
}

/// Every answer: IMAP's UID lists, then JMAP's id sets.
struct Answers {
    imap: Vec<Vec<u32>>,
    jmap: Vec<BTreeSet<String>>,
}

fn answers(server: &TestServer) -> Answers {
    Answers {
        imap: search(server, JO, IMAP),
        jmap: jmap_filters().iter().map(|f| jmap_ids(server, f)).collect(),
    }
}

/// UID → EMAILID of the INBOX, through imaplib.
fn email_ids(server: &TestServer) -> BTreeMap<u32, String> {
    let port = server.port("imaps").to_string();
    let out = python("fts.py", &["emailids", &port, JO, PASSWORD]);
    serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[test]
fn real_mail_index_answers_are_the_scans() {
    let started = std::time::Instant::now();
    let plain = "[imap]\nallow_plaintext_auth = true\n";
    let mut server = TestServer::start(&format!("{plain}[search]\nstemming = false\n"));
    server.add_user(JO);
    let messages = selection();
    let n = messages.len();
    let list = server.data().join("messages.json");
    std::fs::write(&list, serde_json::to_string(&messages).unwrap()).unwrap();
    let port = server.port("imaps").to_string();
    python(
        "fts.py",
        &["append", &port, JO, PASSWORD, list.to_str().unwrap()],
    );
    let appended = started.elapsed();
    wait_indexed(&server, n as i64);
    let indexed = started.elapsed();
    let found = answers(&server);

    // The reference: the same mail, searched by reading every message.
    server.restart_with(&format!("{plain}[search]\nenabled = false\n"));
    let scan = answers(&server);
    let mut differences = Vec::new();
    let mut hits = Vec::new();
    for ((query, literal), (index, scan)) in IMAP.iter().zip(found.imap.iter().zip(&scan.imap)) {
        hits.push(format!("{query} {}: {}", literal.unwrap_or(""), scan.len()));
        assert!(
            !scan.is_empty() && scan.len() < n,
            "UID SEARCH {query} {literal:?} is trivial on this corpus: {} of {n}",
            scan.len()
        );
        if index != scan {
            differences.push(format!(
                "UID SEARCH {query} {literal:?}: index {index:?}, scan {scan:?}"
            ));
        }
    }
    for (filter, (index, scan)) in jmap_filters().iter().zip(found.jmap.iter().zip(&scan.jmap)) {
        hits.push(format!("{filter}: {}", scan.len()));
        assert!(
            !scan.is_empty() && scan.len() < n,
            "Email/query {filter} is trivial on this corpus: {} of {n}",
            scan.len()
        );
        if index != scan {
            differences.push(format!(
                "Email/query {filter}: index only {:?}, scan only {:?}",
                index.difference(scan).collect::<Vec<_>>(),
                scan.difference(index).collect::<Vec<_>>()
            ));
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));

    // IMAP and JMAP agree where they mean the same.
    let ids = email_ids(&server);
    assert_eq!(ids.len(), n);
    for ((query, literal), filter) in same_meaning() {
        let uids = &search(&server, JO, &[(query, literal)])[0];
        let by_imap: BTreeSet<String> = uids.iter().map(|u| ids[u].clone()).collect();
        assert_eq!(
            by_imap,
            jmap_ids(&server, &filter),
            "UID SEARCH {query} {literal:?} and Email/query {filter}"
        );
    }
    let scanned = started.elapsed();

    // Stemming on (the default): the index is rebuilt with words.
    server.restart_with(plain);
    wait_indexed(&server, n as i64);
    let stemmed = answers(&server);
    for ((query, literal), (index, scan)) in IMAP.iter().zip(stemmed.imap.iter().zip(&scan.imap)) {
        assert_eq!(index, scan, "UID SEARCH {query} {literal:?} with stemming");
    }
    for (filter, (index, scan)) in jmap_filters()
        .iter()
        .zip(stemmed.jmap.iter().zip(&scan.jmap))
    {
        let negated = filter["operator"] == "NOT";
        let holds = if negated {
            index.is_subset(scan)
        } else {
            index.is_superset(scan)
        };
        assert!(
            holds,
            "Email/query {filter} with stemming: {index:?} against the scan's {scan:?}"
        );
    }
    eprintln!("search_corpus: hits of {n}: {}", hits.join("; "));
    eprintln!(
        "search_corpus: {n} messages; appended {:.1?}, indexed {:.1?}, scanned {:.1?}, \
         stemmed and compared {:.1?}",
        appended,
        indexed - appended,
        scanned - indexed,
        started.elapsed() - scanned
    );
}
