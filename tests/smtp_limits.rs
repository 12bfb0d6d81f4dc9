//! SMTP limits and hostile input: message size, recipients, line length, errors per session,
//! connections per IP, and SMTP smuggling (only <CRLF>.<CRLF> ends DATA; bare CR/LF refused).

mod common;
use common::*;

fn server() -> TestServer {
    let server = TestServer::start(
        "[smtp]\nmax_message_size = 20000\nmax_recipients = 3\nmax_errors = 5\nmx_max_connections_per_ip = 4\n",
    );
    server.add_user(&format!("alice@{DOMAIN}"));
    server
}

fn session(server: &TestServer) -> RawClient {
    let mut raw = RawClient::connect(server.addr("smtp"));
    assert!(raw.reply().starts_with("220"));
    assert!(raw.command("EHLO client.example").starts_with("250"));
    raw
}

fn count(server: &TestServer) -> usize {
    pop3_messages(server, &format!("alice@{DOMAIN}")).len()
}

#[test]
fn smuggling_attempts_never_split_a_message() {
    let server = server();
    let alice = format!("alice@{DOMAIN}");
    // <LF>.<LF>, <LF>.<CRLF> and <CR>.<CR> inside the data: none ends it, and each bare line
    // ending makes the whole message refused (as postfix's smtpd_forbid_bare_newline).
    for trick in ["\n.\n", "\n.\r\n", "\r.\r", "\r\n.\n", "\r\n.\r"] {
        let mut raw = session(&server);
        raw.command("MAIL FROM:<attacker@remote.example>");
        raw.command(&format!("RCPT TO:<{alice}>"));
        assert!(raw.command("DATA").starts_with("354"));
        let body = format!(
            "Subject: outer\r\n\r\nhello{trick}MAIL FROM:<ceo@{DOMAIN}>\r\nRCPT TO:<{alice}>\r\nDATA\r\nSubject: smuggled\r\n\r\nevil\r\n.\r\n"
        );
        raw.send(body.as_bytes());
        let reply = raw.reply();
        assert!(reply.starts_with("5"), "{trick:?}: refused, got {reply}");
        // The session is in sync again: the smuggled commands were data, not commands.
        assert!(raw.command("NOOP").starts_with("250"), "{trick:?}");
    }
    assert_eq!(count(&server), 0, "nothing stored, nothing smuggled");
}

#[test]
fn dot_stuffing_is_undone_and_only_crlf_dot_crlf_ends() {
    let server = server();
    let mut raw = session(&server);
    raw.command("MAIL FROM:<sender@remote.example>");
    raw.command(&format!("RCPT TO:<alice@{DOMAIN}>"));
    raw.command("DATA");
    raw.send(b"Subject: dots\r\n\r\n..leading dot\r\n.\r\n");
    assert!(raw.reply().starts_with("250"));
    let mail = pop3_messages(&server, &format!("alice@{DOMAIN}"));
    assert!(
        mail[0].contains("\r\n.leading dot\r\n") || mail[0].contains("\n.leading dot\n"),
        "{}",
        mail[0]
    );
}

#[test]
fn oversize_messages_are_refused() {
    let server = server();
    let mut raw = session(&server);
    assert!(
        raw.command("MAIL FROM:<s@remote.example> SIZE=50000")
            .starts_with("552")
    );
    raw.command("MAIL FROM:<s@remote.example>");
    raw.command(&format!("RCPT TO:<alice@{DOMAIN}>"));
    raw.command("DATA");
    let line = "x".repeat(70);
    let mut body = String::from("Subject: big\r\n\r\n");
    while body.len() < 30_000 {
        body.push_str(&line);
        body.push_str("\r\n");
    }
    body.push_str(".\r\n");
    raw.send(body.as_bytes());
    let reply = raw.reply();
    assert!(reply.starts_with("552 5.3.4"), "{reply}");
    assert!(raw.command("NOOP").starts_with("250"));
    assert_eq!(count(&server), 0);
}

#[test]
fn too_many_recipients_and_long_lines() {
    let server = server();
    let mut raw = session(&server);
    raw.command("MAIL FROM:<s@remote.example>");
    for _ in 0..3 {
        assert!(
            raw.command(&format!("RCPT TO:<alice@{DOMAIN}>"))
                .starts_with("250")
        );
    }
    assert!(
        raw.command(&format!("RCPT TO:<alice@{DOMAIN}>"))
            .starts_with("452 4.5.3")
    );
    let long = format!("NOOP {}", "x".repeat(5000));
    assert!(raw.command(&long).starts_with("500"), "line too long");
    assert!(raw.command("NOOP").starts_with("250"), "session goes on");
}

#[test]
fn too_many_errors_disconnects() {
    let server = server();
    let mut raw = session(&server);
    raw.send(b"BOGUS\r\nBOGUS\r\nBOGUS\r\nBOGUS\r\nBOGUS\r\nBOGUS\r\n");
    let rest = raw.read_to_end();
    assert!(rest.contains("421"), "closing after max_errors: {rest}");
}

#[test]
fn connections_per_ip_are_limited() {
    let server = server();
    let mut held: Vec<RawClient> = (0..4)
        .map(|_| RawClient::connect(server.addr("smtp")))
        .collect();
    for c in &mut held {
        assert!(c.reply().starts_with("220"));
    }
    let mut extra = RawClient::connect(server.addr("smtp"));
    assert!(
        extra.reply().starts_with("421"),
        "fifth connection from one IP refused"
    );
    drop(held);
    std::thread::sleep(std::time::Duration::from_millis(200));
    let mut again = RawClient::connect(server.addr("smtp"));
    assert!(again.reply().starts_with("220"));
}

/// Port 25 takes 20 connections from one address by default (10 addresses must not fill the
/// listener), while submission keeps its higher per-address limit.
#[test]
fn port_25_allows_few_connections_per_address_by_default() {
    let server = TestServer::start("");
    let mut held: Vec<RawClient> = (0..20)
        .map(|_| RawClient::connect(server.addr("smtp")))
        .collect();
    for c in &mut held {
        assert!(c.reply().starts_with("220"));
    }
    let mut extra = RawClient::connect(server.addr("smtp"));
    assert!(extra.reply().starts_with("421"), "21st connection refused");
    let mut submission: Vec<RawClient> = (0..25)
        .map(|_| RawClient::connect(server.addr("submission")))
        .collect();
    for c in &mut submission {
        assert!(c.reply().starts_with("220"));
    }
}

#[test]
fn quota_is_enforced_at_delivery() {
    let server = server();
    let alice = format!("alice@{DOMAIN}");
    server.admin_ok(&["user", "quota", &alice, "1K"], "");
    let mut raw = session(&server);
    raw.command("MAIL FROM:<s@remote.example>");
    raw.command(&format!("RCPT TO:<{alice}>"));
    raw.command("DATA");
    raw.send(format!("Subject: big\r\n\r\n{}\r\n.\r\n", "y".repeat(2000)).as_bytes());
    let reply = raw.reply();
    assert!(
        reply.starts_with("552 5.2.2"),
        "message larger than the quota: {reply}"
    );
    assert_eq!(count(&server), 0);
}

/// One recipient over quota loses only its own copy: the message, sent without SIZE (so RCPT
/// could not tell), goes to the others, and the reply after DATA says who was left out.
#[test]
fn a_full_mailbox_does_not_refuse_the_message_for_everyone() {
    let server = server();
    let (alice, bob) = (format!("alice@{DOMAIN}"), format!("bob@{DOMAIN}"));
    server.add_user(&bob);
    server.admin_ok(&["user", "quota", &alice, "1K"], "");
    let mut raw = session(&server);
    raw.command("MAIL FROM:<s@remote.example>");
    assert!(
        raw.command(&format!("RCPT TO:<{alice}>"))
            .starts_with("250")
    );
    assert!(raw.command(&format!("RCPT TO:<{bob}>")).starts_with("250"));
    raw.command("DATA");
    raw.send(format!("Subject: big\r\n\r\n{}\r\n.\r\n", "y".repeat(2000)).as_bytes());
    let reply = raw.reply();
    assert!(
        reply.starts_with("250 2.0.0") && reply.contains(&format!("quota exceeded for {alice}")),
        "{reply}"
    );
    assert_eq!(pop3_messages(&server, &bob).len(), 1, "bob has it");
    assert_eq!(count(&server), 0, "alice's full mailbox was left out");
    // The sender is told (RFC 5321 §3.3): a DSN queued to them with an empty MAIL FROM.
    let queue: serde_json::Value =
        serde_json::from_str(&server.admin_ok(&["queue", "list", "--json"], "")).unwrap();
    let dsn = queue
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["to"] == "s@remote.example")
        .unwrap_or_else(|| panic!("no DSN queued: {queue}"));
    assert_eq!(dsn["from"], "", "{dsn}");
}

/// Unfinished messages on port 25 hold no memory: ten sessions each send 12 MB of DATA and stop
/// before the end; the server grows by far less than the 120 MB they sent (it held all of it
/// before). The eleventh sends a 3 MB message whole: spooled, it arrives intact.
#[test]
fn unfinished_messages_without_login_are_spooled_not_held() {
    let server = TestServer::start("[smtp]\nmax_message_size = 20000000\n");
    let alice = format!("alice@{DOMAIN}");
    server.add_user(&alice);
    let before = server.rss_kib();
    let line = format!("{}\r\n", "z".repeat(998));
    let chunk: String = line.repeat(1000);
    let mut held = Vec::new();
    for _ in 0..10 {
        let mut raw = RawClient::connect(server.addr("smtp"));
        raw.reply();
        raw.command("EHLO client.example");
        raw.command("MAIL FROM:<s@remote.example>");
        raw.command(&format!("RCPT TO:<{alice}>"));
        assert!(raw.command("DATA").starts_with("354"));
        raw.send(b"Subject: unfinished\r\n\r\n");
        for _ in 0..12 {
            raw.send(chunk.as_bytes());
        }
        held.push(raw);
    }
    // Let the server read what was sent.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let grown_mib = server.rss_kib().saturating_sub(before) / 1024;
    assert!(
        grown_mib < 40,
        "the server grew by {grown_mib} MiB holding 120 MB of DATA"
    );

    let mut raw = RawClient::connect(server.addr("smtp"));
    raw.reply();
    raw.command("EHLO client.example");
    raw.command("MAIL FROM:<s@remote.example>");
    raw.command(&format!("RCPT TO:<{alice}>"));
    raw.command("DATA");
    raw.send(b"Subject: whole\r\n\r\n");
    for _ in 0..3 {
        raw.send(chunk.as_bytes());
    }
    let reply = raw.command(".");
    assert!(reply.starts_with("250"), "{reply}");
    let messages = pop3_messages(&server, &alice);
    assert_eq!(messages.len(), 1);
    assert!(messages[0].contains("Subject: whole"));
    assert_eq!(
        messages[0].matches(&line).count(),
        3000,
        "every line arrived"
    );
    drop(held);
}
