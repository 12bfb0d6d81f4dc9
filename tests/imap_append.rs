//! APPEND over a real socket with the raw client: CATENATE (RFC 4469) with TEXT and URL parts,
//! its BADURL and TOOBIG refusals, MULTIAPPEND (RFC 3502) all or none, the UTF8 data extension
//! (RFC 6855 §4), and the limits on literals (APPENDLIMIT, RFC 7889) and whole commands.

mod common;
use common::*;

const PLAINTEXT: &str = "[imap]\nallow_plaintext_auth = true\n";

/// A message with two text parts.
const SOURCE: &[u8] = b"From: a@example.test\r\nSubject: source\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\nContent-Type: text/plain\r\n\r\nfirst part\r\n--zz\r\nContent-Type: text/plain\r\n\r\nsecond part\r\n--zz--\r\n";

fn server_with_user(config: &str) -> (TestServer, String) {
    let server = TestServer::start(config);
    let user = format!("cat@{DOMAIN}");
    server.add_user(&user);
    (server, user)
}

/// Sends one command made of text and synchronizing literals (`{n}` is added after each text
/// that has one; end a text with `~` for a literal8), waiting for `+` before each literal.
/// Returns the responses, the tagged one last; a literal refused instead of `+` ends it early.
fn send(imap: &mut ImapClient, pieces: &[(&str, Option<&[u8]>)]) -> Vec<String> {
    let tag = imap.tag();
    for (i, (text, literal)) in pieces.iter().enumerate() {
        let text = if i == 0 {
            format!("{tag} {text}")
        } else {
            (*text).to_string()
        };
        match literal {
            None => imap.send(text.as_bytes()),
            Some(data) => {
                imap.send(format!("{text}{{{}}}\r\n", data.len()).as_bytes());
                let go = imap.response().expect("a reply to the literal");
                if !go.starts_with('+') {
                    return vec![go];
                }
                imap.send(data);
            }
        }
    }
    imap.send(b"\r\n");
    imap.until_tagged(&tag)
}

fn tagged(responses: &[String]) -> &str {
    responses.last().unwrap().trim_end()
}

/// Appends `message` to `mailbox`; returns (UIDVALIDITY, UID) from APPENDUID.
fn append(imap: &mut ImapClient, mailbox: &str, message: &[u8]) -> (u64, u64) {
    let done = imap.append(mailbox, "", message);
    let line = tagged(&done);
    assert!(line.contains("OK [APPENDUID "), "{done:?}");
    let validity = number_after(line, "APPENDUID ").unwrap();
    let uid = number_after(line, &format!("APPENDUID {validity} ")).unwrap();
    (validity, uid)
}

/// How many messages `mailbox` holds.
fn count(imap: &mut ImapClient, mailbox: &str) -> u64 {
    let status = imap.ok(&format!("STATUS {mailbox} (MESSAGES)"));
    number_after(&status[0], "MESSAGES").unwrap()
}

/// The whole of message `seq` of `mailbox`, as FETCH BODY.PEEK[] returns it.
fn body(imap: &mut ImapClient, mailbox: &str, seq: u32) -> String {
    imap.ok(&format!("EXAMINE {mailbox}"));
    let fetched = imap.ok(&format!("FETCH {seq} BODY.PEEK[]"));
    let item = fetched
        .iter()
        .find(|r| r.starts_with(&format!("* {seq} FETCH")))
        .unwrap_or_else(|| panic!("{fetched:?}"));
    let start = item.find("}\r\n").unwrap() + 3;
    let end = item.rfind(')').unwrap();
    item[start..end].to_string()
}

#[test]
fn catenate_builds_messages_from_text_and_parts_of_stored_ones() {
    let (server, user) = server_with_user(PLAINTEXT);
    let mut imap = ImapClient::login(server.addr("imap"), &user);
    assert!(imap.command("CAPABILITY")[0].contains(" CATENATE"));
    let (validity, uid) = append(&mut imap, "INBOX", SOURCE);

    // Absolute-path URL to a part, between two TEXT literals, with flags and a date.
    let url = format!("/INBOX;UIDVALIDITY={validity}/;UID={uid}/;SECTION=2");
    let done = send(
        &mut imap,
        &[
            (
                "APPEND Drafts (\\Seen) \"01-Feb-2024 10:00:00 +0000\" CATENATE (TEXT ",
                Some(b"Subject: built\r\n\r\n"),
            ),
            (&format!(" URL \"{url}\" TEXT "), Some(b"\r\n-- end\r\n")),
            (")", None),
        ],
    );
    assert!(tagged(&done).contains("OK [APPENDUID "), "{done:?}");
    assert_eq!(
        body(&mut imap, "Drafts", 1),
        "Subject: built\r\n\r\nsecond part\r\n-- end\r\n"
    );
    let fetched = imap.ok("FETCH 1 (FLAGS INTERNALDATE)");
    assert!(
        fetched[0].contains("\\Seen") && fetched[0].contains("01-Feb-2024"),
        "{fetched:?}"
    );

    // Relative URLs are resolved against the selected mailbox (RFC 4469 §3); the header and a
    // MIME header are sections too; TEXT may be a literal8.
    imap.ok("SELECT INBOX");
    let done = send(
        &mut imap,
        &[
            (
                &format!(
                    "APPEND Drafts CATENATE (URL \";UID={uid}/;SECTION=HEADER.FIELDS%20(Subject)\" URL \";UID={uid}/;SECTION=1.MIME\" TEXT ~"
                ),
                Some(b"body\r\n"),
            ),
            (")", None),
        ],
    );
    assert!(tagged(&done).contains("OK [APPENDUID "), "{done:?}");
    assert_eq!(
        body(&mut imap, "Drafts", 2),
        "Subject: source\r\n\r\nContent-Type: text/plain\r\n\r\nbody\r\n"
    );

    // An absolute imap:// URL naming this server and user, the whole message, and a partial.
    let enc_user = user.replace('@', "%40");
    let done = imap.command(&format!(
        "APPEND Drafts CATENATE (URL \"imap://{enc_user}@mail.example.test/INBOX/;UID={uid}\" URL \"/INBOX/;UID={uid}/;SECTION=1/;PARTIAL=0.5\")"
    ));
    assert!(tagged(&done).contains("OK [APPENDUID "), "{done:?}");
    let expected = format!("{}first", String::from_utf8_lossy(SOURCE));
    assert_eq!(body(&mut imap, "Drafts", 3), expected);
    assert_eq!(count(&mut imap, "Drafts"), 3);
}

#[test]
fn a_url_that_names_no_message_fails_the_whole_append_with_badurl() {
    let (server, user) = server_with_user(PLAINTEXT);
    let mut imap = ImapClient::login(server.addr("imap"), &user);
    let (validity, uid) = append(&mut imap, "INBOX", SOURCE);
    let enc_user = user.replace('@', "%40");
    for (url, reason) in [
        (
            format!("/INBOX;UIDVALIDITY={}/;UID={uid}", validity + 1),
            "UIDVALIDITY",
        ),
        (format!("/INBOX;UIDVALIDITY={validity}/;UID=999"), "message"),
        (format!("/Nowhere/;UID={uid}"), "mailbox"),
        (format!("/INBOX/;UID={uid}/;SECTION=7"), "section"),
        (
            format!("imap://{enc_user}@other.example/INBOX/;UID={uid}"),
            "server",
        ),
        (
            format!("imap://someone%40else.example@mail.example.test/INBOX/;UID={uid}"),
            "server",
        ),
        (format!(";UID={uid}"), "selected"),
        ("http://example.com/".to_string(), "IMAP URL"),
    ] {
        let done = send(
            &mut imap,
            &[
                ("APPEND Drafts CATENATE (TEXT ", Some(b"Subject: x\r\n\r\n")),
                (&format!(" URL \"{url}\")"), None),
            ],
        );
        let line = tagged(&done);
        assert!(
            line.contains(&format!(" NO [BADURL {url}] ")),
            "{url}: {done:?}"
        );
        assert!(line.contains(reason), "{url}: {line}");
    }
    // The URL's own failure comes after the destination's.
    let done = imap.command("APPEND Nowhere CATENATE (URL \"/INBOX/;UID=999\")");
    assert!(tagged(&done).contains("NO [TRYCREATE]"), "{done:?}");
    // A URL that is not there after a good one: nothing stored.
    let done = imap.command(&format!(
        "APPEND Drafts CATENATE (URL \"/INBOX/;UID={uid}\" URL \"/INBOX/;UID=999\")"
    ));
    assert!(
        tagged(&done).contains("NO [BADURL /INBOX/;UID=999]"),
        "{done:?}"
    );
    assert_eq!(count(&mut imap, "Drafts"), 0);
    // An expunged message is gone for URLs too.
    imap.ok("SELECT INBOX");
    imap.ok(&format!("UID STORE {uid} +FLAGS (\\Deleted)"));
    imap.ok("EXPUNGE");
    let done = imap.command(&format!("APPEND Drafts CATENATE (URL \";UID={uid}\")"));
    assert!(tagged(&done).contains("NO [BADURL "), "{done:?}");
    // Bad syntax is still BAD.
    let done = imap.command("APPEND Drafts CATENATE (URL \"\")");
    assert!(tagged(&done).contains(" BAD "), "{done:?}");
    imap.ok("NOOP");
}

#[test]
fn a_catenated_message_over_appendlimit_is_toobig() {
    let (server, user) = server_with_user(
        "[imap]\nallow_plaintext_auth = true\nmax_literal = 2048\nmax_line = 1000\n",
    );
    let mut imap = ImapClient::login(server.addr("imap"), &user);
    let mut big = b"Subject: big\r\n\r\n".to_vec();
    big.resize(1500, b'x');
    let (_, uid) = append(&mut imap, "INBOX", &big);
    // Two URLs of 1500 octets: each fits, together they do not.
    let url = format!("/INBOX/;UID={uid}");
    let done = imap.command(&format!(
        "APPEND Drafts CATENATE (URL \"{url}\" URL \"{url}\")"
    ));
    assert!(tagged(&done).contains(" NO [TOOBIG] "), "{done:?}");
    // TEXT and a URL likewise.
    let text = vec![b'y'; 600];
    let done = send(
        &mut imap,
        &[
            ("APPEND Drafts CATENATE (TEXT ", Some(&text)),
            (&format!(" URL \"{url}\")"), None),
        ],
    );
    assert!(tagged(&done).contains(" NO [TOOBIG] "), "{done:?}");
    // One part of the size is fine; the exact limit too.
    let done = send(
        &mut imap,
        &[
            ("APPEND Drafts CATENATE (TEXT ", Some(&text[..548])),
            (&format!(" URL \"{url}\")"), None),
        ],
    );
    assert!(tagged(&done).contains("OK [APPENDUID "), "{done:?}");
    assert_eq!(count(&mut imap, "Drafts"), 1);
}

#[test]
fn multiappend_with_catenate_is_all_or_none() {
    let (server, user) = server_with_user(PLAINTEXT);
    let mut imap = ImapClient::login(server.addr("imap"), &user);
    let (_, uid) = append(&mut imap, "INBOX", SOURCE);
    let good = format!("/INBOX/;UID={uid}/;SECTION=1");
    let pieces = |last_url: &str| -> Vec<(String, Option<&'static [u8]>)> {
        vec![
            (
                "APPEND Drafts ".into(),
                Some(&b"Subject: plain\r\n\r\nhi\r\n"[..]),
            ),
            (
                " (\\Flagged) CATENATE (TEXT ".into(),
                Some(&b"Subject: cat\r\n\r\n"[..]),
            ),
            (
                format!(" URL \"{good}\") CATENATE (URL \"{last_url}\")"),
                None,
            ),
        ]
    };
    let run = |imap: &mut ImapClient, last_url: &str| {
        let owned = pieces(last_url);
        let borrowed: Vec<(&str, Option<&[u8]>)> =
            owned.iter().map(|(t, l)| (t.as_str(), *l)).collect();
        send(imap, &borrowed)
    };
    let done = run(&mut imap, "/INBOX/;UID=999");
    assert!(
        tagged(&done).contains("NO [BADURL /INBOX/;UID=999]"),
        "{done:?}"
    );
    assert_eq!(
        count(&mut imap, "Drafts"),
        0,
        "none of the three was stored"
    );

    let done = run(&mut imap, &format!("/INBOX/;UID={uid}/;SECTION=HEADER"));
    let line = tagged(&done);
    assert!(line.contains("OK [APPENDUID "), "{done:?}");
    assert!(line.contains(" 1:3]"), "three UIDs: {line}");
    assert_eq!(count(&mut imap, "Drafts"), 3);
    assert_eq!(
        body(&mut imap, "Drafts", 2),
        "Subject: cat\r\n\r\nfirst part"
    );
    let header = body(&mut imap, "Drafts", 3);
    assert!(header.starts_with("From: a@example.test\r\n") && header.ends_with("zz\r\n\r\n"));
}

#[test]
fn the_utf8_append_form_needs_enable_utf8_accept() {
    let (server, user) = server_with_user(PLAINTEXT);
    let message =
        "Subject: caf\u{e9} \u{2615}\r\nFrom: \u{e9}l\u{e8}ve@example.test\r\n\r\nbody\r\n";
    let mut imap = ImapClient::login(server.addr("imap"), &user);
    // Before ENABLE UTF8=ACCEPT: BAD (RFC 6855 §4), even as a CATENATE part.
    let done = send(
        &mut imap,
        &[
            ("APPEND INBOX UTF8 (~", Some(message.as_bytes())),
            (")", None),
        ],
    );
    assert!(tagged(&done).contains(" BAD "), "{done:?}");
    assert!(tagged(&done).contains("UTF8=ACCEPT"), "{done:?}");
    let done = send(
        &mut imap,
        &[
            ("APPEND INBOX CATENATE (UTF8 (~", Some(message.as_bytes())),
            ("))", None),
        ],
    );
    assert!(tagged(&done).contains(" BAD "), "{done:?}");
    // IMAP4rev2 alone does not define the form either.
    imap.ok("ENABLE IMAP4rev2");
    let done = send(
        &mut imap,
        &[
            ("APPEND INBOX UTF8 (~", Some(message.as_bytes())),
            (")", None),
        ],
    );
    assert!(tagged(&done).contains(" BAD "), "{done:?}");
    assert_eq!(count(&mut imap, "INBOX"), 0);

    let mut imap = ImapClient::login(server.addr("imap"), &user);
    let enabled = imap.ok("ENABLE UTF8=ACCEPT");
    assert!(enabled[0].contains("ENABLED UTF8=ACCEPT"), "{enabled:?}");
    let done = send(
        &mut imap,
        &[
            ("APPEND INBOX (\\Seen) UTF8 (~", Some(message.as_bytes())),
            (")", None),
        ],
    );
    assert!(tagged(&done).contains("OK [APPENDUID "), "{done:?}");
    // As a CATENATE part, and in a MULTIAPPEND next to a plain literal.
    let done = send(
        &mut imap,
        &[
            ("APPEND INBOX CATENATE (UTF8 (~", Some(message.as_bytes())),
            (") TEXT ", Some(b"tail\r\n")),
            (") ", Some(b"Subject: plain\r\n\r\nx\r\n")),
        ],
    );
    assert!(tagged(&done).contains("OK [APPENDUID "), "{done:?}");
    assert_eq!(count(&mut imap, "INBOX"), 3);
    // Stored as given.
    assert_eq!(body(&mut imap, "INBOX", 1), message);
    assert_eq!(body(&mut imap, "INBOX", 2), format!("{message}tail\r\n"));
    // The literal inside UTF8 ( ) must be a literal8.
    let done = send(
        &mut imap,
        &[
            ("APPEND INBOX UTF8 (", Some(message.as_bytes())),
            (")", None),
        ],
    );
    assert!(tagged(&done).contains(" BAD "), "{done:?}");
}

/// A message of exactly `size` octets.
fn big_message(n: usize, size: usize) -> Vec<u8> {
    let mut message = format!("Subject: big {n}\r\n\r\n").into_bytes();
    while message.len() < size {
        let line = b"0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz\r\n";
        message.extend_from_slice(&line[..line.len().min(size - message.len())]);
    }
    message
}

#[test]
fn multiappend_checks_each_literal_and_caps_the_whole_command() {
    let (server, user) = server_with_user(
        "[imap]\nallow_plaintext_auth = true\nmax_literal = 100000\nmax_line = 1000\nmax_command_size = 450000\n",
    );
    let mut imap = ImapClient::login(server.addr("imap"), &user);
    assert!(imap.command("CAPABILITY")[0].contains("APPENDLIMIT=100000"));
    let messages: Vec<Vec<u8>> = (0..5).map(|n| big_message(n, 99_990)).collect();

    // Three messages just under APPENDLIMIT: more than one literal's worth, under the cap.
    let done = send(
        &mut imap,
        &[
            ("APPEND INBOX ", Some(&messages[0][..])),
            (" ", Some(&messages[1][..])),
            (" ", Some(&messages[2][..])),
        ],
    );
    assert!(tagged(&done).contains("OK [APPENDUID "), "{done:?}");
    assert!(tagged(&done).contains(" 1:3]"), "{done:?}");
    assert_eq!(body(&mut imap, "INBOX", 3).as_bytes(), &messages[2][..]);

    // Five are past max_command_size: the fifth literal gets NO [TOOBIG] instead of `+`, the
    // four before it are dropped, and the session goes on.
    let done = send(
        &mut imap,
        &[
            ("APPEND INBOX ", Some(&messages[0][..])),
            (" ", Some(&messages[1][..])),
            (" ", Some(&messages[2][..])),
            (" ", Some(&messages[3][..])),
            (" ", Some(&messages[4][..])),
        ],
    );
    assert_eq!(done.len(), 1, "{done:?}");
    assert!(done[0].contains(" NO [TOOBIG] "), "{done:?}");
    imap.ok("NOOP");
    assert_eq!(count(&mut imap, "INBOX"), 3);

    // One literal over APPENDLIMIT is refused on its own, as before.
    let done = send(
        &mut imap,
        &[("APPEND INBOX ", Some(&vec![b'x'; 100_001][..]))],
    );
    assert!(done[0].contains(" NO [TOOBIG] "), "{done:?}");

    // Non-synchronizing literals past the cap: BAD [TOOBIG] and the connection closes
    // (RFC 7888 §4), as the data is already on its way.
    let mut imap = ImapClient::login(server.addr("imap"), &user);
    let mut command = b"n1 APPEND INBOX".to_vec();
    for message in &messages[..4] {
        command.extend_from_slice(format!(" {{{}+}}\r\n", message.len()).as_bytes());
        command.extend_from_slice(message);
    }
    command.extend_from_slice(format!(" {{{}+}}\r\n", messages[4].len()).as_bytes());
    imap.send(&command);
    let rest = imap.read_to_end();
    assert!(rest.starts_with("n1 BAD [TOOBIG]"), "{rest}");
    assert!(rest.contains("* BYE"), "{rest}");
}
