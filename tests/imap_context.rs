//! CONTEXT=SEARCH and CONTEXT=SORT (RFC 5267 §4) with two raw sessions on one mailbox:
//! session A keeps searches with RETURN (UPDATE), session B changes the mailbox, and A's NOOP
//! or IDLE must carry exactly the ADDTO / REMOVEFROM that keep A's results in order. Also
//! CANCELUPDATE, NOUPDATE, tag reuse, and PARTIAL (§4.4).

mod common;
use common::*;

const PLAINTEXT: &str = "[imap]\nallow_plaintext_auth = true\n";

/// A server, a user, and two logged-in sessions with INBOX selected.
fn two_sessions() -> (TestServer, ImapClient, ImapClient) {
    let server = TestServer::start(PLAINTEXT);
    let user = format!("ines@{DOMAIN}");
    server.add_user(&user);
    let mut a = ImapClient::login(server.addr("imap"), &user);
    let mut b = ImapClient::login(server.addr("imap"), &user);
    a.ok("SELECT INBOX");
    b.ok("SELECT INBOX");
    (server, a, b)
}

/// A message with a Date header (the DATE sort key, RFC 5256 §2.2).
fn message(subject: &str, date: &str) -> Vec<u8> {
    format!("Date: {date}\r\nFrom: b@example.test\r\nSubject: {subject}\r\n\r\n{subject}\r\n")
        .into_bytes()
}

/// Runs a command under a chosen tag; the responses, line ends trimmed, the tagged one last.
fn run(client: &mut ImapClient, tag: &str, command: &str) -> Vec<String> {
    client.send(format!("{tag} {command}\r\n").as_bytes());
    client
        .until_tagged(tag)
        .into_iter()
        .map(|r| r.trim_end().to_string())
        .collect()
}

/// Like [`run`], the command having to complete with OK.
fn run_ok(client: &mut ImapClient, tag: &str, command: &str) -> Vec<String> {
    let lines = run(client, tag, command);
    assert!(
        lines.last().unwrap().starts_with(&format!("{tag} OK")),
        "{command}: {lines:?}"
    );
    lines
}

fn esearch(lines: &[String]) -> Vec<&str> {
    lines
        .iter()
        .filter(|l| l.starts_with("* ESEARCH"))
        .map(String::as_str)
        .collect()
}

/// Where `prefix` first starts a line.
fn at(lines: &[String], prefix: &str) -> usize {
    lines
        .iter()
        .position(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no {prefix} in {lines:?}"))
}

/// Session B marks `uid` \Deleted and expunges it.
fn expunge(b: &mut ImapClient, uid: u32) {
    b.ok(&format!("UID STORE {uid} +FLAGS.SILENT (\\Deleted)"));
    b.ok(&format!("UID EXPUNGE {uid}"));
}

#[test]
fn capabilities_list_both_contexts() {
    let (_server, mut a, _b) = two_sessions();
    let caps = a.ok("CAPABILITY");
    assert!(
        caps[0].contains(" CONTEXT=SEARCH") && caps[0].contains(" CONTEXT=SORT"),
        "{caps:?}"
    );
}

#[test]
fn uid_search_update_follows_flags_new_mail_and_expunges() {
    let (_server, mut a, mut b) = two_sessions();
    b.append(
        "INBOX",
        "\\Seen",
        &message("one", "10 Jan 2024 10:00:00 +0000"),
    );
    b.append("INBOX", "", &message("two", "20 Jan 2024 10:00:00 +0000"));
    b.append("INBOX", "", &message("three", "30 Jan 2024 10:00:00 +0000"));
    a.ok("NOOP");

    let made = run_ok(&mut a, "U1", "UID SEARCH RETURN (UPDATE ALL) UNSEEN");
    assert_eq!(esearch(&made), ["* ESEARCH (TAG \"U1\") UID ALL 2:3"]);

    // Another session reads message 2: it leaves the results at position 1.
    b.ok("UID STORE 2 +FLAGS (\\Seen)");
    let noop = run_ok(&mut a, "N1", "NOOP");
    assert_eq!(
        esearch(&noop),
        ["* ESEARCH (TAG \"U1\") UID REMOVEFROM (1 2)"]
    );
    assert!(noop.iter().any(|l| l.starts_with("* 2 FETCH")), "{noop:?}");

    // New unseen mail: after EXISTS, added at the end (position 2, after 3).
    b.append("INBOX", "", &message("four", "15 Jan 2024 10:00:00 +0000"));
    let noop = run_ok(&mut a, "N2", "NOOP");
    assert_eq!(esearch(&noop), ["* ESEARCH (TAG \"U1\") UID ADDTO (2 4)"]);
    assert!(at(&noop, "* 4 EXISTS") < at(&noop, "* ESEARCH"), "{noop:?}");

    // An expunge of a result: REMOVEFROM before the EXPUNGE.
    expunge(&mut b, 3);
    let noop = run_ok(&mut a, "N3", "NOOP");
    assert_eq!(
        esearch(&noop),
        ["* ESEARCH (TAG \"U1\") UID REMOVEFROM (1 3)"]
    );
    assert!(
        at(&noop, "* ESEARCH") < at(&noop, "* 3 EXPUNGE"),
        "{noop:?}"
    );

    // A's own STORE counts too: unseen again, message 2 comes back first.
    let store = run_ok(&mut a, "S1", "UID STORE 2 -FLAGS (\\Seen)");
    assert_eq!(esearch(&store), ["* ESEARCH (TAG \"U1\") UID ADDTO (1 2)"]);

    // CANCELUPDATE: no more updates; the tag is then unknown (BAD), and free again.
    run_ok(&mut a, "C1", "CANCELUPDATE \"U1\"");
    b.append("INBOX", "", &message("five", "16 Jan 2024 10:00:00 +0000"));
    b.ok("UID STORE 4 +FLAGS (\\Seen)");
    let noop = run_ok(&mut a, "N4", "NOOP");
    assert!(esearch(&noop).is_empty(), "{noop:?}");
    let again = run(&mut a, "C2", "CANCELUPDATE \"U1\"");
    assert!(again.last().unwrap().starts_with("C2 BAD"), "{again:?}");
    let made = run_ok(&mut a, "U1", "UID SEARCH RETURN (UPDATE COUNT) UNSEEN");
    assert_eq!(esearch(&made), ["* ESEARCH (TAG \"U1\") UID COUNT 2"]);
}

#[test]
fn sort_update_positions_in_sort_order_during_idle() {
    let (_server, mut a, mut b) = two_sessions();
    b.append("INBOX", "", &message("one", "10 Jan 2024 10:00:00 +0000"));
    b.append("INBOX", "", &message("two", "20 Jan 2024 10:00:00 +0000"));
    b.append("INBOX", "", &message("three", "30 Jan 2024 10:00:00 +0000"));
    a.ok("NOOP");
    // UPDATE alone returns no results, only the correlated ESEARCH.
    let made = run_ok(&mut a, "S1", "UID SORT RETURN (UPDATE) (DATE) UTF-8 ALL");
    assert_eq!(esearch(&made), ["* ESEARCH (TAG \"S1\") UID"]);
    let made = run_ok(
        &mut a,
        "S2",
        "UID SORT RETURN (UPDATE ALL) (REVERSE DATE) UTF-8 ALL",
    );
    assert_eq!(esearch(&made), ["* ESEARCH (TAG \"S2\") UID ALL 3,2,1"]);

    a.send(b"I1 IDLE\r\n");
    assert!(a.response().unwrap().starts_with('+'));
    // Dated 15 January: second by DATE (1 4 2 3), third by REVERSE DATE (3 2 4 1).
    b.append("INBOX", "", &message("four", "15 Jan 2024 10:00:00 +0000"));
    let lines: Vec<String> = (0..4).map(|_| a.response().unwrap()).collect();
    let mut lines: Vec<String> = lines.iter().map(|l| l.trim_end().to_string()).collect();
    // RECENT follows EXISTS (IMAP4rev1); whether a or b (also selected) claimed the new
    // message first is a race RFC 3501 §2.3.2 leaves open.
    let recent = lines.remove(1);
    assert!(recent == "* 0 RECENT" || recent == "* 1 RECENT", "{recent}");
    assert_eq!(
        lines,
        [
            "* 4 EXISTS",
            "* ESEARCH (TAG \"S1\") UID ADDTO (2 4)",
            "* ESEARCH (TAG \"S2\") UID ADDTO (3 4)",
        ]
    );
    // Expunging 2 (20 January): position 3 in 1 4 2 3, position 2 in 3 2 4 1. (Setting
    // \Deleted first may show as a FETCH; it changes no result.)
    expunge(&mut b, 2);
    let mut lines = Vec::new();
    while lines.last().is_none_or(|l| l != "* 2 EXPUNGE") {
        lines.push(a.response().unwrap().trim_end().to_string());
    }
    lines.retain(|l| !l.starts_with("* 2 FETCH"));
    assert_eq!(
        lines,
        [
            "* ESEARCH (TAG \"S1\") UID REMOVEFROM (3 2)",
            "* ESEARCH (TAG \"S2\") UID REMOVEFROM (2 2)",
            "* 2 EXPUNGE",
        ]
    );
    a.send(b"DONE\r\n");
    let done = a.until_tagged("I1");
    assert!(done.last().unwrap().starts_with("I1 OK"), "{done:?}");
    // The results as kept agree with a fresh sort.
    let fresh = run_ok(&mut a, "S3", "UID SORT RETURN (ALL) (DATE) UTF-8 ALL");
    assert_eq!(esearch(&fresh), ["* ESEARCH (TAG \"S3\") UID ALL 1,4,3"]);
}

#[test]
fn message_number_contexts_and_deferred_expunges() {
    let (_server, mut a, mut b) = two_sessions();
    for subject in ["one", "two", "three"] {
        b.append("INBOX", "", &message(subject, "10 Jan 2024 10:00:00 +0000"));
    }
    a.ok("NOOP");
    // SEARCH (not UID SEARCH): updates carry message numbers (RFC 5267 §4.3.2).
    let made = run_ok(&mut a, "M1", "SEARCH RETURN (UPDATE COUNT) UNSEEN");
    assert_eq!(esearch(&made), ["* ESEARCH (TAG \"M1\") COUNT 3"]);

    // During FETCH by number the EXPUNGE must wait, but the REMOVEFROM need not (Appendix
    // A.3): message 1 leaves the results at once, still numbered 1.
    expunge(&mut b, 1);
    let fetch = run_ok(&mut a, "F1", "FETCH 3 (FLAGS)");
    assert_eq!(esearch(&fetch), ["* ESEARCH (TAG \"M1\") REMOVEFROM (1 1)"]);
    assert!(!fetch.iter().any(|l| l.contains("EXPUNGE")), "{fetch:?}");
    let noop = run_ok(&mut a, "N1", "NOOP");
    assert!(esearch(&noop).is_empty(), "{noop:?}");
    assert!(noop.iter().any(|l| l == "* 1 EXPUNGE"), "{noop:?}");

    // New mail: message 3 now, after EXISTS.
    b.append("INBOX", "", &message("four", "10 Jan 2024 10:00:00 +0000"));
    let noop = run_ok(&mut a, "N2", "NOOP");
    assert_eq!(esearch(&noop), ["* ESEARCH (TAG \"M1\") ADDTO (3 3)"]);
    assert!(at(&noop, "* 3 EXISTS") < at(&noop, "* ESEARCH"), "{noop:?}");

    // An expunge and a flag change together: REMOVEFROM numbered before the EXPUNGE.
    b.ok("UID STORE 4 +FLAGS (\\Seen)");
    expunge(&mut b, 2);
    let noop = run_ok(&mut a, "N3", "NOOP");
    assert_eq!(
        esearch(&noop),
        ["* ESEARCH (TAG \"M1\") REMOVEFROM (1 1 2 3)"]
    );
    assert!(
        at(&noop, "* ESEARCH") < at(&noop, "* 1 EXPUNGE"),
        "{noop:?}"
    );

    // Numbers in the criteria are the messages they named when the command came (§4.3).
    let made = run_ok(&mut a, "M2", "UID SEARCH RETURN (UPDATE ALL) 1:*");
    assert_eq!(esearch(&made), ["* ESEARCH (TAG \"M2\") UID ALL 3:4"]);
    b.append("INBOX", "", &message("five", "10 Jan 2024 10:00:00 +0000"));
    let noop = run_ok(&mut a, "N4", "NOOP");
    assert_eq!(esearch(&noop), ["* ESEARCH (TAG \"M1\") ADDTO (2 3)"]);
}

#[test]
fn partial_returns_a_slice_of_the_results() {
    let (_server, mut a, mut b) = two_sessions();
    for (subject, date) in [
        ("one", "10 Jan 2024 10:00:00 +0000"),
        ("two", "30 Jan 2024 10:00:00 +0000"),
        ("three", "20 Jan 2024 10:00:00 +0000"),
        ("four", "25 Jan 2024 10:00:00 +0000"),
        ("five", "05 Jan 2024 10:00:00 +0000"),
    ] {
        b.append("INBOX", "", &message(subject, date));
    }
    a.ok("NOOP");
    let cases = [
        (
            "UID SEARCH RETURN (PARTIAL 2:3) ALL",
            "UID PARTIAL (2:3 2:3)",
        ),
        // 500:400 is 400:500; the range is echoed lowest first.
        ("SEARCH RETURN (PARTIAL 4:2) ALL", "PARTIAL (2:4 2:4)"),
        // Past the results: what there is, or NIL.
        (
            "SEARCH RETURN (COUNT PARTIAL 4:100) ALL",
            "COUNT 5 PARTIAL (4:100 4:5)",
        ),
        (
            "UID SEARCH RETURN (PARTIAL 6:9) ALL",
            "UID PARTIAL (6:9 NIL)",
        ),
        // MIN, MAX and COUNT are of all the results.
        (
            "UID SEARCH RETURN (MIN MAX PARTIAL 1:1) ALL",
            "UID MIN 1 MAX 5 PARTIAL (1:1 1)",
        ),
        // SORT: a window in sort order (by DATE: 5 1 3 4 2).
        (
            "UID SORT RETURN (PARTIAL 2:4) (DATE) UTF-8 ALL",
            "UID PARTIAL (2:4 1,3:4)",
        ),
        // CONTEXT is a hint: alone, like RETURN (), it returns ALL (§4.2).
        ("UID SEARCH RETURN (CONTEXT) ALL", "UID ALL 1:5"),
        ("SEARCH RETURN (CONTEXT COUNT) ALL", "COUNT 5"),
    ];
    for (i, (command, data)) in cases.iter().enumerate() {
        let tag = format!("P{i}");
        let lines = run_ok(&mut a, &tag, command);
        assert_eq!(
            esearch(&lines),
            [format!("* ESEARCH (TAG \"{tag}\") {data}")],
            "{command}"
        );
    }
    // PARTIAL and ALL together: BAD (§4.4).
    let both = run(&mut a, "B1", "UID SEARCH RETURN (ALL PARTIAL 1:2) ALL");
    assert!(both.last().unwrap().starts_with("B1 BAD"), "{both:?}");
    // SAVE with PARTIAL keeps the window (RFC 9394 §3.2).
    run_ok(&mut a, "V1", "UID SEARCH RETURN (SAVE PARTIAL 2:3) ALL");
    let saved = run_ok(&mut a, "V2", "UID SEARCH RETURN (ALL) $");
    assert_eq!(esearch(&saved), ["* ESEARCH (TAG \"V2\") UID ALL 2:3"]);
}

#[test]
fn too_many_contexts_get_noupdate_and_tags_are_not_reused() {
    let (_server, mut a, mut b) = two_sessions();
    b.append("INBOX", "", &message("one", "10 Jan 2024 10:00:00 +0000"));
    a.ok("NOOP");
    // Four SORT contexts, then NOUPDATE for a fifth; its other options still answered.
    for i in 1..=4 {
        run_ok(
            &mut a,
            &format!("S{i}"),
            "UID SORT RETURN (UPDATE) (DATE) UTF-8 ALL",
        );
    }
    let refused = run_ok(
        &mut a,
        "S5",
        "UID SORT RETURN (UPDATE COUNT) (DATE) UTF-8 ALL",
    );
    assert_eq!(
        refused,
        [
            "* ESEARCH (TAG \"S5\") UID COUNT 1",
            "* NO [NOUPDATE \"S5\"] Too many update contexts",
            "S5 OK SORT completed",
        ]
    );
    // SEARCH contexts up to ten in all.
    for i in 1..=6 {
        run_ok(&mut a, &format!("U{i}"), "UID SEARCH RETURN (UPDATE) ALL");
    }
    let refused = run_ok(&mut a, "U7", "UID SEARCH RETURN (UPDATE) ALL");
    assert!(
        refused.contains(&"* NO [NOUPDATE \"U7\"] Too many update contexts".to_string()),
        "{refused:?}"
    );
    // A tag in use by an update context: BAD, and nothing runs (§4.3).
    let reused = run(&mut a, "U1", "UID SEARCH RETURN (UPDATE COUNT) ALL");
    assert_eq!(reused.len(), 1, "{reused:?}");
    assert!(reused[0].starts_with("U1 BAD"), "{reused:?}");
    // Without UPDATE the tag may be used.
    run_ok(&mut a, "U1", "UID SEARCH RETURN (COUNT) ALL");

    // The refused contexts send nothing; the kept ones do.
    b.append("INBOX", "", &message("two", "20 Jan 2024 10:00:00 +0000"));
    let noop = run_ok(&mut a, "N1", "NOOP");
    let updates = esearch(&noop);
    assert_eq!(updates.len(), 10, "{noop:?}");
    assert!(updates.contains(&"* ESEARCH (TAG \"S1\") UID ADDTO (2 2)"));
    assert!(updates.contains(&"* ESEARCH (TAG \"U6\") UID ADDTO (2 2)"));
    assert!(
        !noop
            .iter()
            .any(|l| l.contains("\"S5\"") || l.contains("\"U7\""))
    );

    // CANCELUPDATE makes room; a new SELECT drops every context.
    run_ok(&mut a, "C1", "CANCELUPDATE \"S1\" \"S2\"");
    let room = run_ok(&mut a, "S6", "UID SORT RETURN (UPDATE) (DATE) UTF-8 ALL");
    assert!(!room.iter().any(|l| l.contains("NOUPDATE")), "{room:?}");
    a.ok("SELECT INBOX");
    let gone = run(&mut a, "C2", "CANCELUPDATE \"S3\"");
    assert!(gone.last().unwrap().starts_with("C2 BAD"), "{gone:?}");
    b.append("INBOX", "", &message("three", "25 Jan 2024 10:00:00 +0000"));
    let noop = run_ok(&mut a, "N2", "NOOP");
    assert!(esearch(&noop).is_empty(), "{noop:?}");
    // UNSELECT too.
    run_ok(&mut a, "U8", "UID SEARCH RETURN (UPDATE) ALL");
    a.ok("UNSELECT");
    a.ok("SELECT INBOX");
    let gone = run(&mut a, "C3", "CANCELUPDATE \"U8\"");
    assert!(gone.last().unwrap().starts_with("C3 BAD"), "{gone:?}");
}
