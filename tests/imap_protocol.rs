//! IMAP protocol edges with a raw client (tests/common ImapClient): what real clients do not
//! send, checked response by response. Real clients drive the server in imap_clients.rs,
//! imap_external.rs and tests/python/test_imap.py.

mod common;
use common::*;
use std::time::Duration;

const PLAINTEXT: &str = "[imap]\nallow_plaintext_auth = true\n";

fn server_with_user(config: &str) -> (TestServer, String) {
    let server = TestServer::start(config);
    let user = format!("ines@{DOMAIN}");
    server.add_user(&user);
    (server, user)
}

#[test]
fn login_is_refused_before_starttls() {
    let (server, user) = server_with_user("");
    let mut imap = ImapClient::connect(server.addr("imap"));
    assert!(
        imap.greeting.starts_with("* OK [CAPABILITY IMAP4rev2 "),
        "{}",
        imap.greeting
    );
    assert!(imap.greeting.contains(" STARTTLS") && imap.greeting.contains(" LOGINDISABLED"));
    assert!(!imap.greeting.contains("AUTH=PLAIN"), "{}", imap.greeting);
    let login = imap.command(&format!("LOGIN {user} {PASSWORD}"));
    assert!(login[0].contains("NO [PRIVACYREQUIRED]"), "{login:?}");
    let auth = imap.command("AUTHENTICATE PLAIN AGluZXMAcGFzcw==");
    assert!(auth[0].contains("NO [PRIVACYREQUIRED]"), "{auth:?}");
    let select = imap.command("SELECT INBOX");
    assert!(
        select[0].contains("BAD"),
        "still not authenticated: {select:?}"
    );
    let tls = imap.command("STARTTLS");
    assert_eq!(tagged_status(&tls), "OK", "{tls:?}");
}

#[test]
fn oversized_literals_are_refused_before_they_are_read() {
    let (server, user) = server_with_user(
        "[imap]\nallow_plaintext_auth = true\nmax_literal = 2048\nmax_line = 1000\n",
    );
    let mut imap = ImapClient::login(server.addr("imap"), &user);
    assert!(imap.command("CAPABILITY")[0].contains("APPENDLIMIT=2048"));

    // Synchronizing: NO [TOOBIG] instead of "+", and the client sends nothing more.
    imap.send(b"a1 APPEND INBOX {100000}\r\n");
    let refused = imap.response().unwrap();
    assert!(refused.starts_with("a1 NO [TOOBIG]"), "{refused}");
    imap.ok("NOOP");

    // A literal of the allowed size is fine.
    let appended = imap.append("INBOX", "", b"Subject: fits\r\n\r\nsmall\r\n");
    assert!(
        appended.last().unwrap().contains("OK [APPENDUID "),
        "{appended:?}"
    );

    // Non-synchronizing and too big: BAD [TOOBIG], then BYE and the connection closes.
    imap.send(b"a3 APPEND INBOX {100000+}\r\n");
    let rest = imap.read_to_end();
    assert!(rest.starts_with("a3 BAD [TOOBIG]"), "{rest}");
    assert!(rest.contains("* BYE"), "{rest}");
}

/// A line over `max_line` ending in a literal header, then the literal's data: the server
/// answers BAD [TOOBIG] and closes, and the data (`x DELETE victimbox`) is never run.
#[test]
fn literal_data_after_a_too_long_line_is_never_run_as_a_command() {
    let (server, user) = server_with_user("[imap]\nallow_plaintext_auth = true\nmax_line = 1000\n");
    let mut imap = ImapClient::login(server.addr("imap"), &user);
    imap.ok("CREATE victimbox");
    let keywords: Vec<String> = (0..300).map(|i| format!("k{i}")).collect();
    let attack = format!(
        "a1 APPEND INBOX ({}) {{20+}}\r\nx DELETE victimbox\r\n",
        keywords.join(" ")
    );
    imap.send(attack.as_bytes());
    let rest = imap.read_to_end();
    assert!(rest.starts_with("a1 BAD [TOOBIG]"), "{rest}");
    assert!(rest.contains("* BYE"), "{rest}");
    assert!(!rest.contains("x OK"), "{rest}");
    let mut other = ImapClient::login(server.addr("imap"), &user);
    let list = other.ok("LIST \"\" victimbox");
    assert!(list[0].contains("victimbox"), "{list:?}");
}

/// Before login a literal is at most `max_literal_before_login`: enough for a password, not
/// for a message; after login the configured limits hold.
#[test]
fn literals_before_login_are_small() {
    let (server, user) = server_with_user(PLAINTEXT);
    let mut imap = ImapClient::connect(server.addr("imap"));
    imap.send(b"a1 LOGIN {100000}\r\n");
    let refused = imap.response().unwrap();
    assert!(refused.starts_with("a1 NO [TOOBIG]"), "{refused}");
    imap.send(b"a2 LOGIN {9000+}\r\n");
    let rest = imap.read_to_end();
    assert!(rest.starts_with("a2 BAD [TOOBIG]"), "{rest}");
    assert!(rest.contains("* BYE"), "{rest}");

    // A literal password is fine, and after login so is a message of 100,000 octets.
    let mut imap = ImapClient::connect(server.addr("imap"));
    imap.send(format!("a3 LOGIN {user} {{{}}}\r\n", PASSWORD.len()).as_bytes());
    assert!(imap.response().unwrap().starts_with("+ "));
    imap.send(format!("{PASSWORD}\r\n").as_bytes());
    let login = imap.response().unwrap();
    assert!(login.starts_with("a3 OK"), "{login}");
    let body = format!("Subject: big\r\n\r\n{}\r\n", "x".repeat(100_000));
    let appended = imap.append("INBOX", "", body.as_bytes());
    assert!(
        appended.last().unwrap().contains("OK [APPENDUID "),
        "{appended:?}"
    );
}

/// Millions of empty literals in one command are refused at the limit, before login too.
#[test]
fn literals_per_command_are_bounded() {
    let (server, _user) = server_with_user(PLAINTEXT);
    let mut imap = ImapClient::connect(server.addr("imap"));
    let mut flood = b"a1 LOGIN {0+}\r\n".to_vec();
    for _ in 0..100 {
        flood.extend_from_slice(b" {0+}\r\n");
    }
    imap.send(&flood);
    let rest = imap.read_to_end();
    assert!(rest.starts_with("a1 BAD [LIMIT]"), "{rest}");
    assert!(rest.contains("* BYE"), "{rest}");
}

#[test]
fn protocol_errors_get_bad_and_too_many_close_the_session() {
    let (server, user) = server_with_user("[imap]\nallow_plaintext_auth = true\nmax_errors = 4\n");
    let mut imap = ImapClient::login(server.addr("imap"), &user);
    let unknown = imap.command("FROBNICATE");
    assert!(unknown[0].contains("BAD"), "{unknown:?}");
    let state = imap.command("FETCH 1 FLAGS");
    assert!(
        state[0].contains("BAD") && state[0].contains("not valid in this state"),
        "{state:?}"
    );
    let syntax = imap.command("SELECT");
    assert!(syntax[0].contains("BAD"), "{syntax:?}");
    imap.ok("SELECT INBOX");
    let no = imap.command("SELECT NoSuchBox");
    assert_eq!(no[0], "* OK [CLOSED] Previous mailbox is now closed\r\n");
    assert!(
        no[1].contains("NO [NONEXISTENT]"),
        "NO is not an error: {no:?}"
    );
    imap.send(b"* NOOP\r\n");
    let rest = imap.read_to_end();
    assert!(rest.contains("* BAD") && rest.contains("* BYE"), "{rest}");
}

#[test]
fn login_timeout_says_autologout() {
    let (server, _user) = server_with_user("[imap]\nlogin_timeout_secs = 1\n");
    let mut imap = ImapClient::connect(server.addr("imap"));
    let start = std::time::Instant::now();
    let rest = imap.read_to_end();
    assert!(rest.starts_with("* BYE Autologout"), "{rest:?}");
    assert!(start.elapsed() < Duration::from_secs(10));
}

#[test]
fn pipelined_commands_are_answered_in_order() {
    let (server, user) = server_with_user(PLAINTEXT);
    let mut imap = ImapClient::login(server.addr("imap"), &user);
    let mut burst = String::new();
    for i in 0..20 {
        burst.push_str(&format!("p{i} NOOP\r\n"));
    }
    burst.push_str("p20 SELECT INBOX\r\np21 STATUS Drafts (MESSAGES)\r\np22 BOGUS\r\n");
    imap.send(burst.as_bytes());
    let responses = imap.until_tagged("p22");
    let tags: Vec<&str> = responses
        .iter()
        .filter(|r| !r.starts_with('*'))
        .map(|r| r.split(' ').next().unwrap())
        .collect();
    let expected: Vec<String> = (0..23).map(|i| format!("p{i}")).collect();
    assert_eq!(tags, expected);
}

/// Appends `n` messages to INBOX over IMAP; returns their UIDs.
fn append_many(imap: &mut ImapClient, n: usize) -> Vec<u64> {
    (0..n)
        .map(|i| {
            let message =
                format!("Subject: message {i}\r\nFrom: a@example.test\r\n\r\nbody {i}\r\n");
            let done = imap.append("INBOX", "", message.as_bytes());
            number_after(done.last().unwrap(), "APPENDUID")
                .and_then(|_| done.last().unwrap().split_whitespace().nth(4))
                .and_then(|uid| uid.trim_end_matches(']').parse().ok())
                .expect("APPENDUID")
        })
        .collect()
}

#[test]
fn copy_and_move_answer_with_uidplus_codes() {
    let (server, user) = server_with_user(PLAINTEXT);
    let mut imap = ImapClient::login(server.addr("imap"), &user);
    let uids = append_many(&mut imap, 4);
    assert_eq!(uids, [1, 2, 3, 4]);
    let status = imap.ok("STATUS Archive (UIDVALIDITY)");
    let archive_validity = number_after(&status[0], "UIDVALIDITY").unwrap();
    imap.ok("SELECT INBOX");
    let copied = imap.ok("UID COPY 2:3 Archive");
    let code = format!(" OK [COPYUID {archive_validity} 2:3 1:2] ");
    assert!(copied.last().unwrap().contains(&code), "{copied:?}");
    let missing = imap.command("COPY 1 Nowhere");
    assert!(missing[0].contains("NO [TRYCREATE]"), "{missing:?}");

    // MOVE: untagged OK [COPYUID] first, then the expunges, then the tagged OK (RFC 6851 §4.3).
    let moved = imap.ok("MOVE 1:2 Archive");
    assert!(
        moved[0].starts_with(&format!("* OK [COPYUID {archive_validity} 1:2 3:4]")),
        "{moved:?}"
    );
    assert_eq!(
        moved[1..3],
        ["* 2 EXPUNGE\r\n", "* 1 EXPUNGE\r\n"],
        "{moved:?}"
    );
    let search = imap.ok("UID SEARCH ALL");
    assert!(search[0].starts_with("* SEARCH 3 4"), "{search:?}");

    // With QRESYNC, VANISHED instead of EXPUNGE.
    imap.ok("ENABLE QRESYNC");
    imap.ok("SELECT INBOX");
    let moved = imap.ok("UID MOVE 4 Trash");
    assert!(moved[0].starts_with("* OK [COPYUID "), "{moved:?}");
    assert_eq!(moved[1], "* VANISHED 4\r\n", "{moved:?}");
}

#[test]
fn qresync_resynchronises_after_offline_changes() {
    let (server, user) = server_with_user(PLAINTEXT);
    let mut setup = ImapClient::login(server.addr("imap"), &user);
    append_many(&mut setup, 6);

    // First session: learn the state, then go offline.
    let mut first = ImapClient::login(server.addr("imap"), &user);
    first.ok("ENABLE QRESYNC");
    let selected = first.ok("SELECT INBOX").join("");
    let validity = number_after(&selected, "UIDVALIDITY").unwrap();
    let modseq = number_after(&selected, "HIGHESTMODSEQ").unwrap();
    first.ok("LOGOUT");

    // Meanwhile: flags change on 2 and 5, 3 and 4 are expunged, one message arrives.
    setup.ok("SELECT INBOX");
    setup.ok("UID STORE 2,5 +FLAGS (\\Flagged)");
    setup.ok("UID STORE 3:4 +FLAGS (\\Deleted)");
    setup.ok("EXPUNGE");
    append_many(&mut setup, 1);

    // Back online.
    let mut again = ImapClient::login(server.addr("imap"), &user);
    let enabled = again.ok("ENABLE QRESYNC");
    assert!(enabled[0].contains("QRESYNC"), "{enabled:?}");
    let resync = again.ok(&format!("SELECT INBOX (QRESYNC ({validity} {modseq} 1:6))"));
    let text = resync.join("");
    assert!(text.contains("* 5 EXISTS"), "{text}");
    let vanished: Vec<&String> = resync.iter().filter(|r| r.contains("VANISHED")).collect();
    assert_eq!(vanished, ["* VANISHED (EARLIER) 3:4\r\n"], "{text}");
    let fetches: Vec<&String> = resync.iter().filter(|r| r.contains(" FETCH (")).collect();
    assert_eq!(
        fetches.len(),
        2,
        "only 2 and 5 changed among the known UIDs: {text}"
    );
    assert!(
        fetches[0].starts_with("* 2 FETCH (UID 2 FLAGS (\\Flagged) MODSEQ ("),
        "{text}"
    );
    assert!(
        fetches[1].starts_with("* 3 FETCH (UID 5 FLAGS (\\Flagged) MODSEQ ("),
        "{text}"
    );
    let new_modseq = number_after(&text, "HIGHESTMODSEQ").unwrap();
    assert!(new_modseq > modseq);

    // The same with UID FETCH (CHANGEDSINCE ... VANISHED).
    let changed = again.ok(&format!(
        "UID FETCH 1:* (FLAGS) (CHANGEDSINCE {modseq} VANISHED)"
    ));
    assert_eq!(changed[0], "* VANISHED (EARLIER) 3:4\r\n", "{changed:?}");
    assert_eq!(
        changed.iter().filter(|r| r.contains(" FETCH (")).count(),
        3,
        "2, 5 and the new 7: {changed:?}"
    );
    let nothing = again.ok(&format!(
        "UID FETCH 1:* (FLAGS) (CHANGEDSINCE {new_modseq} VANISHED)"
    ));
    assert_eq!(nothing.len(), 1, "{nothing:?}");
}

/// With the change log pruned past the client's modseq (`kantor admin gc --change-log-days 0`),
/// QRESYNC still tells every expunged UID the client knew (RFC 7162 §3.2.5.2: a full
/// resynchronisation of VANISHED).
#[test]
fn qresync_after_the_change_log_was_pruned_resynchronises_in_full() {
    let (server, user) = server_with_user(PLAINTEXT);
    let mut setup = ImapClient::login(server.addr("imap"), &user);
    append_many(&mut setup, 5);
    setup.ok("SELECT INBOX");
    let selected = setup
        .ok("STATUS INBOX (UIDVALIDITY HIGHESTMODSEQ)")
        .join("");
    let validity = number_after(&selected, "UIDVALIDITY").unwrap();
    let modseq = number_after(&selected, "HIGHESTMODSEQ").unwrap();
    setup.ok("UID STORE 2,4 +FLAGS (\\Deleted)");
    setup.ok("EXPUNGE");
    std::thread::sleep(Duration::from_millis(1100));
    let pruned = server.admin_ok(&["gc", "--change-log-days", "0"], "");
    assert!(!pruned.contains(" 0 change log entries"), "{pruned}");

    let mut again = ImapClient::login(server.addr("imap"), &user);
    again.ok("ENABLE QRESYNC");
    let resync = again.ok(&format!("SELECT INBOX (QRESYNC ({validity} {modseq} 1:5))"));
    let vanished: Vec<&String> = resync.iter().filter(|r| r.contains("VANISHED")).collect();
    assert_eq!(vanished, ["* VANISHED (EARLIER) 2,4\r\n"], "{resync:?}");
}

#[test]
fn two_sessions_see_each_others_changes_at_the_allowed_points() {
    let (server, user) = server_with_user(PLAINTEXT);
    let mut a = ImapClient::login(server.addr("imap"), &user);
    append_many(&mut a, 3);
    a.ok("SELECT INBOX");
    let mut b = ImapClient::login(server.addr("imap"), &user);
    b.ok("SELECT INBOX");

    b.ok("STORE 2 +FLAGS (\\Seen $Important)");
    // a selected first, so the messages are \Recent for a (RFC 3501 §2.3.2).
    let noop = a.ok("NOOP");
    assert!(
        noop.iter()
            .any(|r| r.starts_with("* FLAGS (") && r.contains("$Important")),
        "new keyword first: {noop:?}"
    );
    assert!(
        noop.iter()
            .any(|r| r.starts_with("* 2 FETCH (FLAGS (\\Seen $Important \\Recent) UID 2")),
        "{noop:?}"
    );

    b.ok("STORE 1 +FLAGS (\\Deleted)");
    b.ok("EXPUNGE");
    // A FETCH by number must not announce the expunge: message 1 keeps its number meanwhile.
    let fetch = a.command("FETCH 1:3 (UID)");
    assert!(!fetch.iter().any(|r| r.contains("EXPUNGE")), "{fetch:?}");
    assert!(
        fetch.iter().any(|r| r.starts_with("* 3 FETCH (UID 3")),
        "{fetch:?}"
    );
    let noop = a.ok("NOOP");
    assert_eq!(noop[0], "* 1 EXPUNGE\r\n", "{noop:?}");
    let after = a.ok("FETCH 1:* (UID)");
    assert!(
        after[0].starts_with("* 1 FETCH (UID 2)") && after[1].starts_with("* 2 FETCH (UID 3)"),
        "{after:?}"
    );

    // A message appended by the other session reaches this one as EXISTS.
    b.append("INBOX", "", b"Subject: new\r\n\r\nnew\r\n");
    let noop = a.ok("NOOP");
    assert!(noop.contains(&"* 3 EXISTS\r\n".to_string()), "{noop:?}");
}

#[test]
fn imap4rev1_and_imap4rev2_clients_get_their_own_select() {
    let (server, user) = server_with_user(PLAINTEXT);
    let mut imap = ImapClient::login(server.addr("imap"), &user);
    imap.append("INBOX", "\\Seen", b"Subject: read\r\n\r\nx\r\n");
    imap.append("INBOX", "", b"Subject: unread\r\n\r\nx\r\n");
    let rev1 = imap.ok("SELECT INBOX").join("");
    assert!(
        rev1.contains("* 2 RECENT") && rev1.contains("[UNSEEN 2]"),
        "{rev1}"
    );
    assert!(!rev1.contains("* LIST"), "{rev1}");
    assert!(imap.ok("SEARCH UNSEEN")[0].starts_with("* SEARCH 2"));
    imap.ok("ENABLE IMAP4rev2");
    let rev2 = imap.ok("EXAMINE INBOX").join("");
    assert!(rev2.starts_with("* OK [CLOSED]"), "{rev2}");
    assert!(
        !rev2.contains("RECENT") && !rev2.contains("[UNSEEN"),
        "{rev2}"
    );
    assert!(
        rev2.contains("* LIST (") && rev2.contains("\"/\" INBOX"),
        "{rev2}"
    );
    assert!(
        rev2.contains("[PERMANENTFLAGS ()]") && rev2.contains("OK [READ-ONLY]"),
        "{rev2}"
    );
    let store = imap.command("STORE 1 +FLAGS (\\Flagged)");
    assert!(store[0].contains("NO [READ-ONLY]"), "{store:?}");
    assert!(imap.ok("SEARCH UNSEEN")[0].starts_with("* ESEARCH (TAG "));
}

#[test]
fn idle_ends_with_autologout_at_the_idle_timeout() {
    let (server, user) =
        server_with_user("[imap]\nallow_plaintext_auth = true\nidle_timeout_secs = 1\n");
    let mut imap = ImapClient::login(server.addr("imap"), &user);
    imap.ok("SELECT INBOX");
    imap.send(b"i1 IDLE\r\n");
    assert_eq!(imap.response().unwrap(), "+ idling\r\n");
    let rest = imap.read_to_end();
    assert!(rest.starts_with("* BYE Autologout"), "{rest:?}");
}

#[test]
fn quota_is_reported_and_enforced() {
    let (server, user) = server_with_user(PLAINTEXT);
    server.admin_ok(&["user", "quota", &user, "4K"], "");
    let mut imap = ImapClient::login(server.addr("imap"), &user);
    let roots = imap.ok("GETQUOTAROOT INBOX");
    assert_eq!(roots[0], "* QUOTAROOT INBOX \"\"\r\n", "{roots:?}");
    assert_eq!(roots[1], "* QUOTA \"\" (STORAGE 0 4)\r\n", "{roots:?}");
    let big = format!("Subject: big\r\n\r\n{}\r\n", "x".repeat(5000));
    let refused = imap.append("INBOX", "", big.as_bytes());
    assert!(refused[0].contains("NO [OVERQUOTA]"), "{refused:?}");
    imap.append("INBOX", "", b"Subject: small\r\n\r\nfits\r\n");
    let quota = imap.ok("GETQUOTA \"\"");
    assert_eq!(quota[0], "* QUOTA \"\" (STORAGE 1 4)\r\n", "{quota:?}");
    let set = imap.command("SETQUOTA \"\" (STORAGE 100)");
    assert!(set[0].contains("NO [NOPERM]"), "{set:?}");
}

/// `\Recent` for IMAP4rev1 clients (RFC 3501 §2.3.2, §7.3.2): the first session to SELECT is
/// told, later ones are not; EXAMINE looks without taking; new mail is RECENT once.
#[test]
fn recent_is_told_to_one_session_only() {
    let (server, user) = server_with_user(PLAINTEXT);
    let mut a = ImapClient::login(server.addr("imap"), &user);
    let mut b = ImapClient::login(server.addr("imap"), &user);
    a.append("INBOX", "\\Seen", b"Subject: one\r\n\r\nx\r\n");
    a.append("INBOX", "", b"Subject: two\r\n\r\nx\r\n");
    let status = b.ok("STATUS INBOX (MESSAGES RECENT)");
    assert!(status[0].contains("(MESSAGES 2 RECENT 2)"), "{status:?}");

    let examined = b.ok("EXAMINE INBOX").join("");
    assert!(examined.contains("* 2 RECENT"), "{examined}");
    let selected = a.ok("SELECT INBOX").join("");
    assert!(
        selected.contains("* 2 RECENT"),
        "EXAMINE took nothing: {selected}"
    );
    let flags = a.ok("FETCH 1:2 FLAGS");
    assert!(
        flags[0].contains("\\Recent") && flags[1].contains("\\Recent"),
        "{flags:?}"
    );
    assert_eq!(a.ok("SEARCH RECENT")[0], "* SEARCH 1 2\r\n");
    assert_eq!(
        a.ok("SEARCH NEW")[0],
        "* SEARCH 2\r\n",
        "NEW is recent and unseen"
    );
    assert_eq!(a.ok("SEARCH OLD")[0], "* SEARCH\r\n");

    let again = b.ok("SELECT INBOX").join("");
    assert!(
        again.contains("* 0 RECENT"),
        "a already claimed them: {again}"
    );
    assert!(!b.ok("FETCH 1:2 FLAGS").join("").contains("\\Recent"));
    assert!(b.ok("STATUS INBOX (RECENT)")[0].contains("(RECENT 0)"));

    // New mail: EXISTS comes with RECENT, and only one of the two sessions gets \Recent.
    let mut c = ImapClient::login(server.addr("imap"), &user);
    c.append("INBOX", "", b"Subject: three\r\n\r\nx\r\n");
    let noop_b = b.ok("NOOP").join("");
    assert!(noop_b.contains("* 3 EXISTS\r\n* 1 RECENT\r\n"), "{noop_b}");
    let noop_a = a.ok("NOOP").join("");
    assert!(noop_a.contains("* 3 EXISTS\r\n* 2 RECENT\r\n"), "{noop_a}");
    assert!(!a.ok("FETCH 3 FLAGS")[0].contains("\\Recent"));

    // IMAP4rev2 has no \Recent at all (RFC 9051 Appendix E).
    c.ok("ENABLE IMAP4rev2");
    c.append("INBOX", "", b"Subject: four\r\n\r\nx\r\n");
    let rev2 = c.ok("SELECT INBOX").join("");
    assert!(!rev2.contains("RECENT"), "{rev2}");
    assert!(!c.ok("FETCH 1:* FLAGS").join("").contains("\\Recent"));
}

/// A client that floods commands and stops reading the answers is disconnected after
/// `imap.write_timeout_secs` without progress, instead of holding its session (and the
/// responses) forever.
#[test]
fn a_client_that_stops_reading_is_disconnected() {
    let (server, user) =
        server_with_user("[imap]\nallow_plaintext_auth = true\nwrite_timeout_secs = 1\n");
    let mut imap = ImapClient::login(server.addr("imap"), &user);
    let body = "0123456789abcdef".repeat(4 * 1024 * 1024 / 16);
    let message = format!("Subject: big\r\n\r\n{body}\r\n");
    for _ in 0..4 {
        imap.append("INBOX", "", message.as_bytes());
    }
    imap.ok("SELECT INBOX");
    // Eight pipelined FETCHes of 16 MiB each, far beyond what the sockets' buffers hold.
    for n in 1..=8 {
        imap.send(format!("f{n} FETCH 1:* BODY.PEEK[]\r\n").as_bytes());
    }
    std::thread::sleep(Duration::from_secs(4));
    let started = std::time::Instant::now();
    let rest = imap.read_to_end();
    assert!(
        !rest.contains("f8 OK"),
        "the server kept writing to a client that did not read"
    );
    assert!(rest.len() < 8 * 16 * 1024 * 1024, "{} bytes", rest.len());
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "closed, not timed out by us"
    );
    // The server itself is fine.
    let mut again = ImapClient::login(server.addr("imap"), &user);
    again.ok("NOOP");
}

/// Mailbox limits are configurable and enforced with `NO [LIMIT]` (RFC 5530), and a CREATE
/// that also makes missing parents is one transaction: refused, it leaves nothing behind.
#[test]
fn mailbox_limits_are_enforced_whole() {
    let config = format!(
        "{PLAINTEXT}[store]\nmax_mailboxes = 8\nmax_mailbox_depth = 3\nmax_mailbox_name_bytes = 40\n"
    );
    let (server, user) = server_with_user(&config);
    let mut imap = ImapClient::login(server.addr("imap"), &user);
    let deep = imap.command("CREATE x/y/z/w");
    assert!(deep.last().unwrap().contains("NO [LIMIT]"), "{deep:?}");
    let long = imap.command(&format!("CREATE {}", "n".repeat(41)));
    assert!(long.last().unwrap().contains("NO [LIMIT]"), "{long:?}");
    imap.ok("CREATE a");
    let two = imap.command("CREATE b/c");
    assert!(two.last().unwrap().contains("NO [LIMIT]"), "{two:?}");
    let listed = imap.ok("LIST \"\" \"*\"");
    assert_eq!(
        listed.len() - 1,
        7,
        "6 special-use mailboxes and a: {listed:?}"
    );
    assert!(!listed.iter().any(|l| l.contains("\"b\"")), "{listed:?}");
}

/// Wrong passwords from one address refuse that address for that account, under every spelling
/// of the name (case, a trailing dot); the owner logging in from another address is not locked
/// out, and an address guessing many accounts is refused for all of them.
#[test]
fn failed_logins_refuse_the_guessing_address_not_the_account() {
    let (server, user) = server_with_user(
        "[imap]\nallow_plaintext_auth = true\n[auth]\nfailures_before_delay = 10\nfailures_before_lockout = 3\nsource_failures_before_lockout = 5\n",
    );
    let addr = server.addr("imap");
    let mut attacker = ImapClient::connect(addr);
    for _ in 0..3 {
        let no = attacker.command(&format!("LOGIN {user} wrong"));
        assert!(no[0].contains("NO [AUTHENTICATIONFAILED]"), "{no:?}");
    }
    let (local, domain) = user.split_once('@').unwrap();
    for spelling in [
        user.clone(),
        format!("{user}."),
        format!("{}@{}", local.to_uppercase(), domain.to_uppercase()),
    ] {
        let no = attacker.command(&format!("LOGIN {spelling} {PASSWORD}"));
        assert!(no[0].contains("NO [UNAVAILABLE]"), "{spelling}: {no:?}");
    }
    let owner = std::net::IpAddr::from([127, 0, 0, 2]);
    let mut elsewhere = ImapClient::connect_from(addr, owner);
    elsewhere.ok(&format!("LOGIN {user}. {PASSWORD}"));

    // The same address guessing other accounts: refused for everyone past the source limit.
    for n in 0..3 {
        attacker.command(&format!("LOGIN nobody{n}@{DOMAIN} wrong"));
    }
    let other = format!("other@{DOMAIN}");
    server.add_user(&other);
    let no = attacker.command(&format!("LOGIN {other} {PASSWORD}"));
    assert!(no[0].contains("NO [UNAVAILABLE]"), "{no:?}");
    ImapClient::connect_from(addr, owner).ok(&format!("LOGIN {other} {PASSWORD}"));
}

/// Conformance details an independent suite checked: a name that is not valid modified UTF-7
/// (RFC 3501 §5.1.3) names no mailbox (NO, not BAD) and cannot be created; CHECK answers as
/// CHECK.
#[test]
fn invalid_modified_utf7_names_are_no_and_check_is_check() {
    let (server, user) = server_with_user(PLAINTEXT);
    let mut imap = ImapClient::login(server.addr("imap"), &user);
    let select = imap.command("SELECT &Jjo");
    assert!(
        select.last().unwrap().contains(" NO [NONEXISTENT] "),
        "{select:?}"
    );
    let create = imap.command("CREATE &Jjo");
    assert!(create[0].contains(" NO [CANNOT] "), "{create:?}");
    imap.ok("SELECT INBOX");
    let check = imap.command("CHECK");
    assert!(
        check.last().unwrap().ends_with(" OK CHECK completed\r\n"),
        "{check:?}"
    );
}
