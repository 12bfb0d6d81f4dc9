//! Full-text search (kantor-search) end to end: a corpus with known answers (English, German
//! with encoded headers and quoted-printable, Chinese, Japanese, HTML only, a text attachment)
//! delivered with Python's smtplib, searched with imaplib's UID SEARCH and with JMAP
//! Email/query over curl; an expunge leaves the results; another account's mail never shows;
//! a kill -9 while indexing loses nothing once the server is back; `kantor admin reindex`
//! rebuilds the index of a stopped server.

mod common;
use common::fts::*;
use common::*;
use serde_json::{Value, json};

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

#[test]
fn known_answers_through_imap_and_jmap_isolation_and_expunge() {
    let server = TestServer::start("[imap]\nallow_plaintext_auth = true\n");
    server.add_user(JO);
    server.add_user(KIM);
    deliver(&server, &corpus());
    wait_indexed(&server, 7);
    // The indexer and tantivy's threads run only on idle cores (SCHED_IDLE); the sessions'
    // threads do not.
    let threads = thread_policies(&server);
    let background = ["kantor-indexer", "segment_updater", "merge_thread_0"];
    for name in background {
        assert!(
            threads.iter().any(|(n, p)| n == name && *p == 5),
            "{name} under SCHED_IDLE: {threads:?}"
        );
    }
    assert!(
        threads
            .iter()
            .any(|(n, p)| n == "tokio-rt-worker" && *p == 0),
        "{threads:?}"
    );
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
        // In a header only: TEXT finds it, BODY must not (the index stores one text per
        // message and takes the body as that text without its header lines).
        ("BODY minutes.txt", None, vec![]),
        ("TEXT quarterly", None, vec![1]),
        ("BODY quarterly", None, vec![]),
        ("BODY koeln", None, vec![]),
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
    let jmap = Jmap::new(&server, JO);
    let subjects = |filter: Value| jmap.subjects(filter);
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
    // In header fields only: `body` confirms against the stored body, which has none of them.
    assert!(subjects(json!({"body": "quarterly"})).is_empty());
    assert!(subjects(json!({"body": "koeln"})).is_empty());

    // SearchSnippet/get (RFC 8621 §5.1) over what Email/query found: matches marked,
    // the rest escaped, null where nothing matches.
    let snippets = |filter: Value| {
        let answer = jmap.calls(json!([
            ["Email/query", {"accountId": &jmap.account, "filter": &filter}, "q"],
            ["SearchSnippet/get", {"accountId": &jmap.account, "filter": &filter,
                "#emailIds": {"resultOf": "q", "name": "Email/query", "path": "/ids"}}, "s"]
        ]));
        let list = answer[1][1]["list"].as_array().cloned().unwrap_or_default();
        list.iter()
            .map(|s| (s["subject"].clone(), s["preview"].clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        snippets(json!({"text": "budget"})),
        [(
            json!("Quarterly <mark>budget</mark> review"),
            json!("The <mark>budget</mark> for the lighthouse project is approved.")
        )]
    );
    assert_eq!(
        snippets(json!({"body": "北京开会"})),
        [(
            Value::Null,
            json!("明天下午三点在<mark>北京开会</mark>，请准时参加。")
        )]
    );
    assert_eq!(
        snippets(
            json!({"operator": "AND", "conditions": [{"subject": "invoice"}, {"body": "inv-4711"}]})
        ),
        [(
            json!("Your <mark>invoice</mark>"),
            json!("Your invoice number <mark>INV-4711</mark> is ready.")
        )]
    );

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
