//! SEARCH, ESEARCH, SEARCHRES, SORT, ESORT and THREAD against a small corpus whose answers are
//! worked out by hand from RFC 9051 §6.4.4 and RFC 5256.

mod common;
use common::*;

/// (From, Subject, Date header and INTERNALDATE, extra headers, body, flags)
const CORPUS: [(&str, &str, &str, &str, &str, &str); 6] = [
    (
        "Alice <alice@example.test>",
        "Quarterly report",
        "01-Jan-2024 10:00:00 +0000",
        "Message-ID: <m1@example.test>\r\n",
        "The budget is fine.",
        "\\Seen",
    ),
    (
        "Bob <bob@example.test>",
        "Re: Quarterly report",
        "02-Jan-2024 10:00:00 +0000",
        "Message-ID: <m2@example.test>\r\nIn-Reply-To: <m1@example.test>\r\nReferences: <m1@example.test>\r\n",
        "Agreed on the budget.",
        "\\Seen \\Answered",
    ),
    (
        "Carol <carol@example.test>",
        "Lunch",
        "05-Feb-2024 12:00:00 +0000",
        "Message-ID: <m3@example.test>\r\nCc: alice@example.test\r\n",
        "Pizza?",
        "\\Flagged $Work",
    ),
    (
        "Dave <dave@example.test>",
        "Grüße aus Köln",
        "10-Mar-2024 09:00:00 +0000",
        "Message-ID: <m4@example.test>\r\nContent-Type: text/plain; charset=UTF-8\r\n",
        "Viele Grüße. xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "",
    ),
    (
        "Alice <alice@example.test>",
        "Re: Re: Quarterly report",
        "03-Jan-2024 10:00:00 +0000",
        "Message-ID: <m5@example.test>\r\nIn-Reply-To: <m2@example.test>\r\nReferences: <m1@example.test> <m2@example.test>\r\n",
        "Thanks.",
        "\\Deleted",
    ),
    (
        "Eve <eve@example.test>",
        "[list] Weekly digest",
        "15-Dec-2023 08:00:00 +0000",
        "Message-ID: <m6@example.test>\r\n",
        "Digest.",
        "",
    ),
];

/// RFC 5322 Date for an INTERNALDATE-style date.
fn rfc5322_date(internal: &str) -> String {
    let (date, rest) = internal.split_once(' ').unwrap();
    let parts: Vec<&str> = date.split('-').collect();
    format!(
        "{} {} {} {rest}",
        parts[0].trim_start_matches('0'),
        parts[1],
        parts[2]
    )
}

fn message(i: usize) -> String {
    let (from, subject, date, extra, body, _) = CORPUS[i];
    format!(
        "From: {from}\r\nTo: team@example.test\r\nSubject: {subject}\r\nDate: {}\r\n{extra}\r\n{body}\r\n",
        rfc5322_date(date)
    )
}

fn setup() -> (TestServer, ImapClient) {
    let server = TestServer::start("[imap]\nallow_plaintext_auth = true\n");
    let user = format!("finder@{DOMAIN}");
    server.add_user(&user);
    let mut imap = ImapClient::login(server.addr("imap"), &user);
    for (i, (_, _, date, _, _, flags)) in CORPUS.iter().enumerate() {
        let body = message(i);
        let tag = imap.tag();
        imap.send(
            format!(
                "{tag} APPEND INBOX ({flags}) \"{date}\" {{{}+}}\r\n",
                body.len()
            )
            .as_bytes(),
        );
        imap.send(body.as_bytes());
        imap.send(b"\r\n");
        let done = imap.until_tagged(&tag);
        assert_eq!(tagged_status(&done), "OK", "{done:?}");
    }
    imap.ok("SELECT INBOX");
    (server, imap)
}

/// The numbers of the one `* SEARCH` / `* SORT` response.
fn numbers(responses: &[String], kind: &str) -> String {
    let prefix = format!("* {kind}");
    let line = responses
        .iter()
        .find(|r| r.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no {kind} in {responses:?}"));
    line[prefix.len()..].trim().to_string()
}

#[test]
fn search_keys_against_the_corpus() {
    let (_server, mut imap) = setup();
    let cases = [
        ("ALL", "1 2 3 4 5 6"),
        ("FROM alice", "1 5"),
        ("SUBJECT report", "1 2 5"),
        ("BODY budget", "1 2"),
        ("TEXT pizza", "3"),
        ("UNSEEN", "3 4 5 6"),
        ("FLAGGED", "3"),
        ("KEYWORD $Work", "3"),
        ("ANSWERED", "2"),
        ("DELETED", "5"),
        ("NOT DELETED", "1 2 3 4 6"),
        ("SINCE 1-Feb-2024", "3 4"),
        ("BEFORE 1-Jan-2024", "6"),
        ("SENTON 2-Jan-2024", "2"),
        ("SENTBEFORE 1-Jan-2024", "6"),
        ("LARGER 400", "4"),
        ("OR FROM carol FROM eve", "3 6"),
        ("CC alice", "3"),
        ("HEADER In-Reply-To m1@example.test", "2"),
        ("2,4:* UNDELETED", "2 4 6"),
        ("UID 2:4", "2 3 4"),
        ("SUBJECT nothing-matches", ""),
    ];
    for (criteria, expected) in cases {
        let responses = imap.ok(&format!("SEARCH {criteria}"));
        assert_eq!(numbers(&responses, "SEARCH"), expected, "SEARCH {criteria}");
    }
    // A UTF-8 string needs a literal and CHARSET.
    let key = "Köln";
    let tag = imap.tag();
    imap.send(
        format!(
            "{tag} SEARCH CHARSET UTF-8 SUBJECT {{{}+}}\r\n{key}\r\n",
            key.len()
        )
        .as_bytes(),
    );
    let responses = imap.until_tagged(&tag);
    assert_eq!(numbers(&responses, "SEARCH"), "4", "{responses:?}");
    let bad = imap.command("SEARCH CHARSET X-UNKNOWN-CHARSET SUBJECT x");
    assert!(bad.last().unwrap().contains("NO [BADCHARSET"), "{bad:?}");
    let by_uid = imap.ok("UID SEARCH FROM alice");
    assert_eq!(numbers(&by_uid, "SEARCH"), "1 5");
}

#[test]
fn esearch_and_searchres() {
    let (_server, mut imap) = setup();
    let e = imap.ok("SEARCH RETURN (MIN MAX COUNT ALL) UNSEEN");
    assert!(e[0].starts_with("* ESEARCH (TAG \"t"), "{e:?}");
    assert!(e[0].ends_with(" MIN 3 MAX 6 ALL 3:6 COUNT 4\r\n"), "{e:?}");
    let none = imap.ok("UID SEARCH RETURN (COUNT) SUBJECT nothing-matches");
    assert!(none[0].ends_with(" UID COUNT 0\r\n"), "{none:?}");

    // SEARCHRES: SAVE keeps the result for $, which FETCH and SEARCH can use.
    let saved = imap.ok("SEARCH RETURN (SAVE) FROM alice");
    assert_eq!(saved.len(), 1, "SAVE alone returns no ESEARCH: {saved:?}");
    let fetched = imap.ok("FETCH $ (UID)");
    let uids: Vec<&str> = fetched
        .iter()
        .filter(|r| r.contains("FETCH"))
        .map(|r| r.as_str())
        .collect();
    assert_eq!(
        uids,
        [
            "* 1 FETCH (UID 1)\r\n",
            "* 5 FETCH (UID 5)\r\n",
            fetched.last().unwrap()
        ]
    );
    let narrowed = imap.ok("SEARCH $ SEEN");
    assert_eq!(numbers(&narrowed, "SEARCH"), "1");

    // IMAP4rev2 clients get ESEARCH even without RETURN.
    imap.ok("ENABLE IMAP4rev2");
    let rev2 = imap.ok("SEARCH SEEN");
    assert!(
        rev2[0].starts_with("* ESEARCH (TAG ") && rev2[0].ends_with(" ALL 1:2\r\n"),
        "{rev2:?}"
    );
}

#[test]
fn sort_and_thread_against_the_corpus() {
    let (_server, mut imap) = setup();
    let mut by_size: Vec<usize> = (0..CORPUS.len()).collect();
    by_size.sort_by_key(|&i| (message(i).len(), i));
    let by_size: Vec<String> = by_size.iter().map(|i| (i + 1).to_string()).collect();
    // REVERSE flips the key, not the final tie-break by sequence number (RFC 5256 §3).
    let mut by_size_reversed: Vec<usize> = (0..CORPUS.len()).collect();
    by_size_reversed.sort_by_key(|&i| (std::cmp::Reverse(message(i).len()), i));
    let by_size_reversed: Vec<String> = by_size_reversed
        .iter()
        .map(|i| (i + 1).to_string())
        .collect();
    let cases = [
        ("(ARRIVAL)", "6 1 2 5 3 4".to_string()),
        ("(DATE)", "6 1 2 5 3 4".to_string()),
        ("(REVERSE DATE)", "4 3 5 2 1 6".to_string()),
        ("(SUBJECT)", "4 3 1 2 5 6".to_string()),
        ("(FROM)", "1 5 2 3 4 6".to_string()),
        ("(SIZE)", by_size.join(" ")),
        ("(REVERSE SIZE)", by_size_reversed.join(" ")),
        ("(SUBJECT REVERSE DATE)", "4 3 5 2 1 6".to_string()),
    ];
    for (criteria, expected) in cases {
        let responses = imap.ok(&format!("SORT {criteria} UTF-8 ALL"));
        assert_eq!(numbers(&responses, "SORT"), expected, "SORT {criteria}");
    }
    let undeleted = imap.ok("UID SORT (DATE) UTF-8 UNDELETED");
    assert_eq!(numbers(&undeleted, "SORT"), "6 1 2 3 4");
    let esort = imap.ok("SORT RETURN (MIN MAX COUNT ALL) (REVERSE DATE) UTF-8 ALL");
    // ESORT: MIN and MAX are the first and last in sort order, ALL keeps the order (RFC 5267 §3.1).
    assert!(
        esort[0].ends_with(" MIN 4 MAX 6 ALL 4,3,5,2,1,6 COUNT 6\r\n"),
        "{esort:?}"
    );

    let references = imap.ok("THREAD REFERENCES UTF-8 ALL");
    assert_eq!(numbers(&references, "THREAD"), "(6)(1 2 5)(3)(4)");
    let ordered = imap.ok("THREAD ORDEREDSUBJECT UTF-8 ALL");
    assert_eq!(numbers(&ordered, "THREAD"), "(6)(1 (2)(5))(3)(4)");
    let by_uid = imap.ok("UID THREAD REFERENCES UTF-8 NOT FROM eve");
    assert_eq!(numbers(&by_uid, "THREAD"), "(1 2 5)(3)(4)");
}
