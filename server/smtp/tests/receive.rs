//! Receiving on the MX listener: EHLO, recipients, delivery, relay control, pipelining.

mod common;

use common::*;
use kantor_smtp::SmtpMode;

#[tokio::test]
async fn ehlo_advertises_extensions_without_auth() {
    let server = start(SmtpMode::Mx).await;
    let mut c = server.connect().await;
    let ehlo = c.ehlo().await;
    assert_eq!(ehlo.lines[0], "mx.example.org Hello client.example");
    for cap in [
        "PIPELINING",
        "SIZE 100000",
        "8BITMIME",
        "SMTPUTF8",
        "ENHANCEDSTATUSCODES",
        "STARTTLS",
        "CHUNKING",
        "BINARYMIME",
        "DSN",
    ] {
        assert!(ehlo.has_line(cap), "{cap} missing: {ehlo:?}");
    }
    assert!(!ehlo.text().contains("AUTH"), "{ehlo:?}");
    let auth = c
        .cmd(&format!("AUTH PLAIN {}", plain_auth(ALICE, PASSWORD)))
        .await;
    assert_eq!(auth.code, 502);
    c.expect("QUIT", 221).await;
    c.assert_closed().await;
}

#[tokio::test]
async fn greeting_and_helo() {
    let server = start(SmtpMode::Mx).await;
    let mut c = common::Client::new(tokio::net::TcpStream::connect(server.addr).await.unwrap());
    let greeting = c.reply().await;
    assert_eq!(
        (greeting.code, greeting.text()),
        (220, "mx.example.org ESMTP Kantor".to_string())
    );
    let helo = c.expect("HELO client.example", 250).await;
    assert_eq!(helo.lines.len(), 1);
    // After HELO, no enhanced status codes (RFC 2034 is an EHLO extension).
    let rcpt = c.expect("RCPT TO:<alice@example.org>", 503).await;
    assert!(!rcpt.text().starts_with("5.5.1"), "{rcpt:?}");
}

#[tokio::test]
async fn delivers_to_local_user_with_trace_headers() {
    let server = start(SmtpMode::Mx).await;
    let mut c = server.connect().await;
    c.ehlo().await;
    let reply = c
        .send_mail("sender@remote.example", &[ALICE], &simple_body("hi"))
        .await;
    assert_eq!(reply.code, 250, "{reply:?}");
    assert!(
        reply.text().starts_with("2.0.0 OK: queued as "),
        "{reply:?}"
    );
    let id = reply.text().rsplit(' ').next().unwrap().to_string();
    assert_eq!(server.inbox_total(ALICE), 1);
    let stored = &server.inbox(ALICE)[0];
    let text = String::from_utf8_lossy(stored);
    // Return-Path, then our verdicts (RFC 8601 §5), then Received.
    assert!(
        text.starts_with(
            "Return-Path: <sender@remote.example>\r\nAuthentication-Results: mx.example.org;"
        ),
        "{text}"
    );
    assert!(
        text.contains("\r\nReceived: from client.example ([127.0.0.1])"),
        "{text}"
    );
    assert!(
        text.contains("by mx.example.org (Kantor) with ESMTP\r\n"),
        "{text}"
    );
    assert!(
        text.contains(&format!("id {id}\r\n\tfor <alice@example.org>;")),
        "{text}"
    );
    assert!(text.ends_with("Subject: hi\r\n\r\nHello.\r\n"), "{text}");
    assert_eq!(server.inbox_total(BOB), 0);
}

#[tokio::test]
async fn one_blob_for_several_recipients_and_no_for_clause() {
    let server = start(SmtpMode::Mx).await;
    let mut c = server.connect().await;
    c.ehlo().await;
    let reply = c
        .send_mail(
            "sender@remote.example",
            &[ALICE, BOB, "Alice@EXAMPLE.org"],
            &simple_body("x"),
        )
        .await;
    assert_eq!(reply.code, 250);
    let (a, b) = (server.inbox(ALICE), server.inbox(BOB));
    assert_eq!(
        (a.len(), b.len()),
        (1, 1),
        "duplicate recipients get one copy"
    );
    assert_eq!(a[0], b[0]);
    assert!(!contains(&a[0], b"\tfor <"));
}

#[tokio::test]
async fn relay_is_refused_whatever_the_sender() {
    let server = start(SmtpMode::Mx).await;
    let mut c = server.connect().await;
    c.ehlo().await;
    c.expect("MAIL FROM:<alice@example.org>", 250).await;
    let reply = c.expect("RCPT TO:<victim@elsewhere.net>", 550).await;
    assert_eq!(reply.text(), "5.7.1 Relaying denied");
    c.expect("RCPT TO:<x@[192.0.2.1]>", 550).await;
    let data = c.expect("DATA", 554).await;
    assert!(data.text().starts_with("5.5.1"));
}

#[tokio::test]
async fn unknown_user_and_postmaster() {
    let server = start(SmtpMode::Mx).await;
    let mut c = server.connect().await;
    c.ehlo().await;
    c.expect("MAIL FROM:<>", 250).await;
    let reply = c.expect("RCPT TO:<nobody@example.org>", 550).await;
    assert!(reply.text().starts_with("5.1.1"), "{reply:?}");
    c.expect("RCPT TO:<Postmaster>", 250).await;
    c.expect("DATA", 354).await;
    c.send(b"Subject: bounce\r\n\r\nx\r\n.\r\n").await;
    assert_eq!(c.reply().await.code, 250);
    let stored = &server.inbox(ADMIN)[0];
    assert!(stored.starts_with(b"Return-Path: <>\r\n"));
}

#[tokio::test]
async fn pipelined_commands_answer_in_order() {
    let server = start(SmtpMode::Mx).await;
    let mut c = server.connect().await;
    c.send(b"EHLO client.example\r\nMAIL FROM:<s@remote.example>\r\nRCPT TO:<alice@example.org>\r\nRCPT TO:<nobody@example.org>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n").await;
    let mut got = Vec::new();
    for _ in 0..6 {
        got.push(c.reply().await.code);
    }
    assert_eq!(got, [250, 250, 250, 550, 250, 354]);
    c.send(b"Subject: p\r\n\r\nbody\r\n.\r\nMAIL FROM:<s@remote.example>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n").await;
    let mut got = Vec::new();
    for _ in 0..4 {
        got.push(c.reply().await.code);
    }
    assert_eq!(got, [250, 250, 250, 354]);
    c.send(b"second\r\n.\r\nQUIT\r\n").await;
    assert_eq!(c.reply().await.code, 250);
    assert_eq!(c.reply().await.code, 221);
    assert_eq!((server.inbox_total(ALICE), server.inbox_total(BOB)), (1, 2));
}

#[tokio::test]
async fn data_without_recipients_gets_554_not_354() {
    let server = start(SmtpMode::Mx).await;
    let mut c = server.connect().await;
    c.ehlo().await;
    c.expect("DATA", 503).await;
    c.expect("MAIL FROM:<s@remote.example>", 250).await;
    c.expect("RCPT TO:<nobody@example.org>", 550).await;
    c.expect("DATA", 554).await;
    c.expect("RSET", 250).await;
    c.expect("RCPT TO:<alice@example.org>", 503).await;
}

#[tokio::test]
async fn sequencing_and_informational_commands() {
    let server = start(SmtpMode::Mx).await;
    let mut c = server.connect().await;
    c.expect("MAIL FROM:<s@remote.example>", 503).await;
    c.ehlo().await;
    c.expect("NOOP", 250).await;
    let vrfy = c.expect("VRFY alice", 252).await;
    assert!(vrfy.text().starts_with("2.5.0"));
    c.expect("EXPN staff", 502).await;
    c.expect("HELP", 214).await;
    c.expect("FOO", 500).await;
    c.expect("MAIL FROM:<s@remote.example>", 250).await;
    c.expect("MAIL FROM:<s@remote.example>", 503).await;
    c.expect("RSET", 250).await;
    c.expect("MAIL FROM:<s@remote.example>", 250).await;
    c.expect("STARTTLS", 220).await;
}

#[tokio::test]
async fn smtputf8_addresses_need_the_parameter() {
    let server = start(SmtpMode::Mx).await;
    let mut c = server.connect().await;
    c.ehlo().await;
    let reply = c.expect("MAIL FROM:<jörg@bücher.de>", 553).await;
    assert!(reply.text().starts_with("5.6.7"));
    c.expect("MAIL FROM:<s@remote.example>", 250).await;
    c.expect("RCPT TO:<jörg@example.org>", 553).await;
    c.expect("RSET", 250).await;
    c.expect("MAIL FROM:<jörg@bücher.de> SMTPUTF8", 250).await;
    c.expect("RCPT TO:<alice@example.org>", 250).await;
    c.expect("DATA", 354).await;
    c.send("Subject: ü\r\n\r\nx\r\n.\r\n".as_bytes()).await;
    assert_eq!(c.reply().await.code, 250);
    assert!(contains(&server.inbox(ALICE)[0], b"with UTF8SMTP\r\n"));
}
