//! Full-text search (kantor-search) end to end: a corpus with known answers (English, German
//! with encoded headers and quoted-printable, Chinese, Japanese, HTML only, a text attachment)
//! delivered with Python's smtplib, searched with imaplib's UID SEARCH and with JMAP
//! Email/query over curl; an expunge leaves the results; another account's mail never shows;
//! a kill -9 while indexing loses nothing once the server is back; `kantor admin reindex`
//! rebuilds the index of a stopped server.

mod common;
use common::curl::*;
use common::*;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const JO: &str = "jo@example.test";
const KIM: &str = "kim@example.test";

fn corpus() -> Vec<(&'static str, String)> {
    let plain = |from: &str, subject: &str, extra: &str, body: &str| {
        format!("From: {from}\r\nTo: {JO}\r\nSubject: {subject}\r\n{extra}\r\n{body}\r\n")
    };
    vec![
        (
            JO,
            plain(
                "Alice <alice@corp.example>",
                "Quarterly budget review",
                "",
                "The budget for the lighthouse project is approved.",
            ),
        ),
        (
            JO,
            plain(
                "=?utf-8?b?SsO8cmdlbiBNw7xsbGVy?= <juergen@koeln.example>",
                "=?utf-8?b?R3LDvMOfZSBhdXMgS8O2bG4=?=",
                "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n",
                "Die Umsatzsteuererkl=C3=A4rung ist fertig. Gr=C3=BC=C3=9Fe, J=C3=BCrgen",
            ),
        ),
        (
            JO,
            plain(
                "Li Wei <li@beijing.example>",
                "=?utf-8?b?5Lya6K6u6YCa55+l?=",
                "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n",
                "5piO5aSp5LiL5Y2I5LiJ54K55Zyo5YyX5Lqs5byA5Lya77yM6K+35YeG5pe25Y+C5Yqg44CC",
            ),
        ),
        (
            JO,
            plain(
                "Tanaka <tanaka@tokyo.example>",
                "Meeting",
                "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n",
                "5p2x5Lqs6YO95bqB44Gn5omT44Gh5ZCI44KP44Gb44KS44GX44G+44GZ44CC",
            ),
        ),
        (
            JO,
            plain(
                "Billing <billing@shop.example>",
                "Your invoice",
                "MIME-Version: 1.0\r\nContent-Type: text/html; charset=us-ascii\r\n",
                "<html><body><p>Your <b>invoice</b> number <i>INV-4711</i> is ready.</p></body></html>",
            ),
        ),
        (
            JO,
            plain(
                "Bob <bob@corp.example>",
                "Minutes",
                "Cc: carol@corp.example\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b1\r\n",
                "--b1\r\nContent-Type: text/plain\r\n\r\nSee the attached file.\r\n--b1\r\n\
Content-Type: text/plain; name=\"minutes.txt\"\r\nContent-Disposition: attachment; filename=\"minutes.txt\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\nRGVjaXNpb246IG1pZ3JhdGUgdGhlIG1haWwgc2VydmVyIHRvIEthbnRvci4K\r\n--b1--",
            ),
        ),
        (
            KIM,
            format!(
                "From: Alice <alice@corp.example>\r\nTo: {KIM}\r\nSubject: For Kim\r\n\r\n\
Another lighthouse message, with the budget.\r\n"
            ),
        ),
    ]
}

fn python(args: &[&str]) -> String {
    let script = format!("{}/../../tests/python/fts.py", env!("CARGO_MANIFEST_DIR"));
    let mut all = vec![script.as_str()];
    all.extend_from_slice(args);
    run("python3", &all)
}

fn deliver(server: &TestServer, messages: &[(&str, String)]) {
    let file = server.data().join("corpus.json");
    let list: Vec<Value> = messages
        .iter()
        .map(|(to, raw)| json!({"to": to, "raw": raw}))
        .collect();
    std::fs::write(&file, serde_json::to_string(&list).unwrap()).unwrap();
    python(&[
        "deliver",
        &server.port("smtp").to_string(),
        file.to_str().unwrap(),
    ]);
}

/// UID SEARCH of each query in `user`'s INBOX, through imaplib.
fn search(server: &TestServer, user: &str, queries: &[(&str, Option<&str>)]) -> Vec<Vec<u32>> {
    let file = server.data().join("queries.json");
    std::fs::write(&file, serde_json::to_string(&queries).unwrap()).unwrap();
    let out = python(&[
        "search",
        &server.port("imaps").to_string(),
        user,
        PASSWORD,
        file.to_str().unwrap(),
    ]);
    serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"))
}

/// A metric's value from `/metrics` on the plain HTTP listener.
fn metric(server: &TestServer, name: &str) -> Option<i64> {
    let answer = curl(&[&format!("http://127.0.0.1:{}/metrics", server.port("http"))]);
    answer.body.lines().find_map(|l| {
        let (n, v) = l.split_once(' ')?;
        (n == name).then(|| v.trim().parse().ok())?
    })
}

/// Waits until the index holds `documents` and has no lag.
fn wait_indexed(server: &TestServer, documents: i64) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let docs = metric(server, "kantor_search_documents");
        let lag = metric(server, "kantor_search_lag_changes");
        if docs == Some(documents) && lag == Some(0) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "index not caught up: {docs:?} documents, lag {lag:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn known_answers_through_imap_and_jmap_isolation_and_expunge() {
    let server = TestServer::start("[imap]\nallow_plaintext_auth = true\n");
    server.add_user(JO);
    server.add_user(KIM);
    deliver(&server, &corpus());
    wait_indexed(&server, 7);
    let queries: Vec<(&str, Option<&str>, Vec<u32>)> = vec![
        ("TEXT lighthouse", None, vec![1]),
        ("BODY budget", None, vec![1]),
        ("SUBJECT \"budget review\"", None, vec![1]),
        ("FROM juergen@koeln", None, vec![2]),
        ("FROM", Some("Jürgen Müller"), vec![2]),
        ("SUBJECT", Some("grüße aus köln"), vec![2]),
        ("BODY", Some("steuererklärung"), vec![2]),
        ("BODY", Some("北京开会"), vec![3]),
        ("SUBJECT", Some("会议"), vec![3]),
        ("BODY", Some("東京都庁"), vec![4]),
        ("BODY INV-4711", None, vec![5]),
        ("BODY \"<b>\"", None, vec![]),
        ("TEXT \"invoice\"", None, vec![5]),
        ("BODY \"migrate the mail\"", None, vec![6]),
        ("TEXT minutes.txt", None, vec![6]),
        ("CC carol@corp", None, vec![6]),
        ("HEADER Subject minut", None, vec![6]),
        ("OR BODY budget BODY INV-4711", None, vec![1, 5]),
        ("NOT BODY budget", None, vec![2, 3, 4, 5, 6]),
        ("BODY lighthouse SUBJECT quarterly", None, vec![1]),
        ("BODY ht", None, vec![1]),
        ("TEXT nonexistentword", None, vec![]),
    ];
    let asked: Vec<(&str, Option<&str>)> = queries.iter().map(|(q, l, _)| (*q, *l)).collect();
    let found = search(&server, JO, &asked);
    for ((query, literal, expected), found) in queries.iter().zip(&found) {
        assert_eq!(found, expected, "UID SEARCH {query} {literal:?}");
    }
    // Kim's copy of "lighthouse" and "budget" is hers alone, and Jo's mail is not hers.
    let kims = search(
        &server,
        KIM,
        &[("TEXT lighthouse", None), ("BODY approved", None)],
    );
    assert_eq!(kims, vec![vec![1], vec![]]);

    // JMAP Email/query, the same answers.
    let credentials = format!("{JO}:{PASSWORD}");
    let session = curl(&["-u", &credentials, &https(&server, "/jmap/session")]).json();
    let account = primary_account(&session, "urn:ietf:params:jmap:mail");
    let subjects = |filter: Value| {
        let found = calls(
            &server,
            &credentials,
            json!([
                ["Email/query", {"accountId": &account, "filter": filter}, "q"],
                ["Email/get", {"accountId": &account, "properties": ["subject"],
                    "#ids": {"resultOf": "q", "name": "Email/query", "path": "/ids"}}, "g"]
            ]),
        );
        let mut list: Vec<String> = found[1][1]["list"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["subject"].as_str().unwrap_or("").to_string())
            .collect();
        list.sort();
        list
    };
    assert_eq!(
        subjects(json!({"text": "lighthouse"})),
        ["Quarterly budget review"]
    );
    assert_eq!(subjects(json!({"body": "北京开会"})), ["会议通知"]);
    assert_eq!(subjects(json!({"body": "東京都"})), ["Meeting"]);
    assert_eq!(subjects(json!({"text": "INV-4711"})), ["Your invoice"]);
    assert_eq!(
        subjects(json!({"body": "Steuererklärung"})),
        ["Grüße aus Köln"]
    );
    assert_eq!(subjects(json!({"body": "kantor"})), ["Minutes"]);
    assert_eq!(
        subjects(json!({"operator": "OR", "conditions": [{"body": "budget"}, {"text": "tanaka"}]})),
        ["Meeting", "Quarterly budget review"]
    );
    assert!(subjects(json!({"text": "nonexistentword"})).is_empty());

    // Expunged: gone from the results (and from the index).
    let mut imap = ImapClient::login(server.addr("imap"), JO);
    imap.ok("SELECT INBOX");
    imap.ok("UID STORE 1 +FLAGS (\\Deleted)");
    imap.ok("EXPUNGE");
    wait_indexed(&server, 6);
    let after = search(
        &server,
        JO,
        &[("TEXT lighthouse", None), ("BODY budget", None)],
    );
    assert_eq!(after, vec![Vec::<u32>::new(), vec![]]);
    assert!(subjects(json!({"text": "lighthouse"})).is_empty());
}

#[test]
fn kill_during_indexing_then_restart_and_reindex() {
    let mut server = TestServer::start("");
    server.add_user(JO);
    const N: usize = 300;
    let messages: Vec<(&str, String)> = (0..N)
        .map(|i| {
            let body = format!("Message number token{i}x of the batch.\r\n").repeat(40);
            (
                JO,
                format!("From: bulk@corp.example\r\nTo: {JO}\r\nSubject: bulk {i}\r\n\r\n{body}"),
            )
        })
        .collect();
    deliver(&server, &messages);
    // Killed at once: whatever the indexer had not committed is lost from the index, not from
    // the log it follows.
    server.kill9();
    let status = server.admin_ok(&["index-status", "--json"], "");
    let status: Value = serde_json::from_str(&status).unwrap();
    assert!(
        status["documents"].as_u64().unwrap() <= N as u64,
        "{status}"
    );
    server.restart();
    wait_indexed(&server, N as i64);
    let queries = [
        ("BODY token0x", None),
        ("BODY token299x", None),
        ("SUBJECT \"bulk 217\"", None),
    ];
    assert_eq!(
        search(&server, JO, &queries),
        vec![vec![1], vec![300], vec![218]]
    );
    // The running server holds the index: a reindex says so.
    let (ok, _, err) = server.admin(&["reindex"], "");
    assert!(!ok && err.contains("in use"), "{err}");
    // Stopped, the index is rebuilt from the stored mail.
    server.kill9();
    let out = server.admin_ok(&["reindex"], "");
    assert!(out.contains(&format!("indexed {N} emails")), "{out}");
    let out = server.admin_ok(&["reindex", "--account", JO], "");
    assert!(
        out.contains(&format!("indexed {N} emails of {JO}")),
        "{out}"
    );
    server.restart();
    wait_indexed(&server, N as i64);
    assert_eq!(
        search(&server, JO, &queries),
        vec![vec![1], vec![300], vec![218]]
    );
}
