//! Receiving on port 25 (RFC 5321): delivery to users, aliases, catch-all and groups, and the
//! refusals (relay, unknown user), driven by lettre and checked over POP3 with curl.

mod common;
use common::*;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

fn mx(server: &TestServer) -> AsyncSmtpTransport<Tokio1Executor> {
    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(server.port("smtp"))
        .build()
}

fn message(from: &str, to: &[&str], subject: &str) -> Message {
    let mut builder = Message::builder()
        .from(from.parse::<Mailbox>().unwrap())
        .subject(subject);
    for rcpt in to {
        builder = builder.to(rcpt.parse().unwrap());
    }
    builder
        .body(format!("Hello, this is {subject}.\r\n"))
        .unwrap()
}

fn setup() -> TestServer {
    let server = TestServer::start("");
    for user in ["alice", "bob", "carol"] {
        server.add_user(&format!("{user}@{DOMAIN}"));
    }
    server.admin_ok(
        &[
            "alias",
            "add",
            &format!("sales@{DOMAIN}"),
            &format!("bob@{DOMAIN}"),
        ],
        "",
    );
    server.admin_ok(&["group", "add", &format!("team@{DOMAIN}")], "");
    for member in ["alice", "bob", "sales"] {
        server.admin_ok(
            &[
                "group",
                "add-member",
                &format!("team@{DOMAIN}"),
                &format!("{member}@{DOMAIN}"),
            ],
            "",
        );
    }
    server
}

#[tokio::test]
async fn delivers_to_user_alias_and_group_each_member_once() {
    let server = setup();
    let mailer = mx(&server);
    let alice = format!("alice@{DOMAIN}");
    mailer
        .send(message("sender@remote.example", &[&alice], "to alice"))
        .await
        .unwrap();
    mailer
        .send(message(
            "sender@remote.example",
            &[&format!("sales@{DOMAIN}")],
            "to sales",
        ))
        .await
        .unwrap();
    mailer
        .send(message(
            "sender@remote.example",
            &[&format!("team@{DOMAIN}")],
            "to team",
        ))
        .await
        .unwrap();

    let alice_mail = pop3_messages(&server, &alice);
    assert_eq!(alice_mail.len(), 2, "{alice_mail:?}");
    assert!(alice_mail[0].contains("Subject: to alice"));
    assert!(
        alice_mail[0].starts_with("Return-Path: <sender@remote.example>"),
        "{}",
        alice_mail[0]
    );
    assert!(
        alice_mail[0].contains("Received: from"),
        "{}",
        alice_mail[0]
    );

    // bob is in the team directly and through the sales alias: one copy only.
    let bob_mail = pop3_messages(&server, &format!("bob@{DOMAIN}"));
    let subjects: Vec<_> = bob_mail
        .iter()
        .filter_map(|m| m.lines().find(|l| l.starts_with("Subject:")))
        .collect();
    assert_eq!(subjects, ["Subject: to sales", "Subject: to team"]);
    assert!(pop3_messages(&server, &format!("carol@{DOMAIN}")).is_empty());
}

#[tokio::test]
async fn catch_all_takes_unknown_addresses_once_configured() {
    let server = setup();
    let mailer = mx(&server);
    let err = mailer
        .send(message(
            "sender@remote.example",
            &[&format!("nobody@{DOMAIN}")],
            "lost",
        ))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("5.1.1"),
        "unknown user refused with 550 5.1.1: {err}"
    );

    server.admin_ok(
        &[
            "alias",
            "add",
            &format!("@{DOMAIN}"),
            &format!("carol@{DOMAIN}"),
        ],
        "",
    );
    mailer
        .send(message(
            "sender@remote.example",
            &[&format!("nobody@{DOMAIN}")],
            "caught",
        ))
        .await
        .unwrap();
    let carol = pop3_messages(&server, &format!("carol@{DOMAIN}"));
    assert_eq!(carol.len(), 1);
    assert!(carol[0].contains("Subject: caught"));
}

#[tokio::test]
async fn port_25_is_never_an_open_relay() {
    let server = setup();
    let mailer = mx(&server);
    // Whatever the sender claims, even a local one, a remote recipient is refused.
    for from in ["sender@remote.example", &format!("alice@{DOMAIN}")] {
        let err = mailer
            .send(message(from, &["victim@elsewhere.example"], "relay"))
            .await
            .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("5.7.1"),
            "relay refused with 550 5.7.1: {text}"
        );
    }
    let mut raw = RawClient::connect(server.addr("smtp"));
    raw.reply();
    raw.command("EHLO attacker.example");
    raw.command("MAIL FROM:<x@remote.example>");
    assert!(
        raw.command("RCPT TO:<victim@elsewhere.example>")
            .starts_with("550 5.7.1")
    );
    assert!(
        raw.command("RCPT TO:<\"victim@elsewhere.example\"@example.test>")
            .starts_with("550")
    );
    assert!(
        raw.command("RCPT TO:<victim%elsewhere.example@example.test>")
            .starts_with("550")
    );
}

#[test]
fn postmaster_without_domain_is_accepted() {
    let server = setup();
    let mut raw = RawClient::connect(server.addr("smtp"));
    raw.reply();
    raw.command("EHLO client.example");
    raw.command("MAIL FROM:<>");
    let reply = raw.command("RCPT TO:<Postmaster>");
    assert!(reply.starts_with("250"), "RFC 5321 §4.5.1: {reply}");
    assert!(raw.command("DATA").starts_with("354"));
    let reply = raw.command("Subject: hi postmaster\r\n\r\nhello\r\n.");
    assert!(reply.starts_with("250"), "{reply}");
    let admin = format!("admin@{DOMAIN}");
    let password = server.admin_password.clone().unwrap();
    let (ok, text) = curl_pop3s(&server, &admin, &password, "1");
    assert!(ok, "{text}");
    assert!(text.contains("Subject: hi postmaster"), "{text}");
}
