//! Submission (RFC 6409): STARTTLS before AUTH, sender ownership, From checks, header fix-ups,
//! queueing of remote recipients.

mod common;

use common::*;
use kantor_smtp::SmtpMode;

#[tokio::test]
async fn plaintext_submission_requires_tls_then_auth() {
    let server = start(SmtpMode::Submission).await;
    let mut c = server.connect().await;
    let ehlo = c.ehlo().await;
    assert!(ehlo.has_line("STARTTLS"));
    assert!(!ehlo.text().contains("AUTH"), "{ehlo:?}");
    let reply = c.expect("MAIL FROM:<alice@example.org>", 530).await;
    assert_eq!(reply.text(), "5.7.0 Authentication required");
    let reply = c
        .cmd(&format!("AUTH PLAIN {}", plain_auth(ALICE, PASSWORD)))
        .await;
    assert_eq!(reply.code, 538, "{reply:?}");
    assert!(reply.text().starts_with("5.7.11"));

    // After STARTTLS the session starts over (RFC 3207 §4.2): EHLO again, now with AUTH.
    let mut tls = c.starttls(&server).await;
    let ehlo = tls.ehlo().await;
    assert!(ehlo.has_line("AUTH PLAIN LOGIN"), "{ehlo:?}");
    assert!(!ehlo.has_line("STARTTLS"));
    tls.expect("STARTTLS", 503).await;
    tls.expect(&format!("AUTH PLAIN {}", plain_auth(ALICE, PASSWORD)), 235)
        .await;
    tls.expect(&format!("AUTH PLAIN {}", plain_auth(ALICE, PASSWORD)), 503)
        .await;
    tls.expect("MAIL FROM:<alice@example.org>", 250).await;
}

#[tokio::test]
async fn auth_mechanisms_and_failures() {
    let server = start(SmtpMode::Submissions).await;
    let mut c = server.connect_tls().await;
    c.expect(&format!("AUTH PLAIN {}", plain_auth(ALICE, PASSWORD)), 503)
        .await;
    c.ehlo().await;
    let reply = c
        .cmd(&format!("AUTH PLAIN {}", plain_auth(ALICE, "wrong")))
        .await;
    assert_eq!(
        (reply.code, reply.text()),
        (535, "5.7.8 Authentication credentials invalid".into())
    );
    // authzid other than authcid.
    let other = b64(&format!("{BOB}\0{ALICE}\0{PASSWORD}"));
    c.expect(&format!("AUTH PLAIN {other}"), 535).await;
    c.expect("AUTH CRAM-MD5", 504).await;
    // PLAIN without initial response, cancelled.
    let challenge = c.expect("AUTH PLAIN", 334).await;
    assert_eq!(challenge.lines, [""]);
    let cancelled = c.expect("*", 501).await;
    assert!(cancelled.text().starts_with("5.0.0"));
    // LOGIN.
    let prompt = c.expect("AUTH LOGIN", 334).await;
    assert_eq!(prompt.text(), "VXNlcm5hbWU6");
    let prompt = c.expect(&b64(ALICE), 334).await;
    assert_eq!(prompt.text(), "UGFzc3dvcmQ6");
    c.expect(&b64(PASSWORD), 235).await;
}

#[tokio::test]
async fn plain_with_challenge() {
    let server = start(SmtpMode::Submissions).await;
    let mut c = server.connect_tls().await;
    c.ehlo().await;
    c.expect("AUTH PLAIN", 334).await;
    c.expect(&plain_auth(BOB, PASSWORD), 235).await;
}

async fn logged_in(
    server: &Server,
) -> Client<tokio_rustls::client::TlsStream<tokio::net::TcpStream>> {
    let mut c = server.connect_tls().await;
    c.ehlo().await;
    c.expect(&format!("AUTH PLAIN {}", plain_auth(ALICE, PASSWORD)), 235)
        .await;
    c
}

#[tokio::test]
async fn sender_must_be_owned() {
    let server = start(SmtpMode::Submissions).await;
    server
        .directory
        .add_alias(
            "sales@example.org",
            ALICE,
            kantor_directory::admin::Dangling::Refuse,
        )
        .await
        .unwrap();
    let mut c = logged_in(&server).await;
    let reply = c.expect("MAIL FROM:<bob@example.org>", 553).await;
    assert_eq!(
        reply.text(),
        "5.7.1 Sender address <bob@example.org> not owned by user"
    );
    c.expect("MAIL FROM:<>", 553).await;
    c.expect("MAIL FROM:<alice@other.example>", 553).await;
    c.expect("MAIL FROM:<sales@example.org>", 250).await;
    c.expect("RSET", 250).await;
    c.expect("MAIL FROM:<Alice@Example.ORG>", 250).await;
}

#[tokio::test]
async fn from_header_must_be_owned() {
    let server = start(SmtpMode::Submissions).await;
    let mut c = logged_in(&server).await;
    let forged = "From: Bob <bob@example.org>\r\nSubject: x\r\n\r\nhi\r\n";
    let reply = c.send_mail(ALICE, &[BOB], forged).await;
    assert_eq!(
        (reply.code, reply.text()),
        (
            550,
            "5.7.1 From <bob@example.org> is not an address you may send as".into()
        )
    );
    let mixed =
        "From: alice@example.org, bob@example.org\r\nSender: alice@example.org\r\n\r\nhi\r\n";
    let reply = c.send_mail(ALICE, &[BOB], mixed).await;
    assert_eq!(reply.code, 550, "{reply:?}");
    assert!(reply.text().contains("<bob@example.org>"), "{reply:?}");
    assert_eq!(server.inbox_total(BOB), 0);
}

#[tokio::test]
async fn submission_delivers_locally_and_queues_remote() {
    let server = start(SmtpMode::Submissions).await;
    let mut c = logged_in(&server).await;
    c.expect("MAIL FROM:<alice@example.org> RET=HDRS ENVID=abc", 250)
        .await;
    c.expect("RCPT TO:<bob@example.org>", 250).await;
    c.expect(
        "RCPT TO:<friend@remote.example> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;friend@remote.example",
        250,
    )
    .await;
    c.expect("RCPT TO:<nobody@example.org>", 550).await;
    c.expect("DATA", 354).await;
    c.send(b"From: Alice <alice@example.org>\r\nSubject: out\r\n\r\nhello\r\n.\r\n")
        .await;
    let reply = c.reply().await;
    assert_eq!(reply.code, 250, "{reply:?}");

    let stored = &server.inbox(BOB)[0];
    let text = String::from_utf8_lossy(stored);
    assert!(
        text.starts_with("Return-Path: <alice@example.org>\r\nReceived: "),
        "{text}"
    );
    assert!(text.contains(" with ESMTPSA ("), "{text}");
    assert!(text.contains("\r\nDate: "), "{text}");
    assert!(text.contains("\r\nMessage-ID: <"), "{text}");
    assert!(text.contains("@mx.example.org>\r\nFrom: Alice"), "{text}");

    let queue = server.store().queue_entries().unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].rcpt_to, "friend@remote.example");
    assert_eq!(queue[0].mail_from, "alice@example.org");
    let queued = server.store().read_blob(&queue[0].blob).unwrap();
    assert!(
        queued.starts_with(b"Received: "),
        "no Return-Path on relayed mail"
    );
    assert!(stored.ends_with(&queued));
}

#[tokio::test]
async fn existing_date_and_message_id_are_kept() {
    let server = start(SmtpMode::Submissions).await;
    let mut c = logged_in(&server).await;
    let body = "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-Id: <x@y>\r\nFrom: alice@example.org\r\n\r\nhi\r\n";
    assert_eq!(c.send_mail(ALICE, &[BOB], body).await.code, 250);
    let stored = &server.inbox(BOB)[0];
    assert!(stored.ends_with(body.as_bytes()));
    assert!(!contains(stored, b"Message-ID:"));
}

/// A disabled user is told so at AUTH (525 5.7.13, RFC 5248's registry), not that its password
/// is wrong; one disabled after AUTH can send no further message.
#[tokio::test]
async fn a_disabled_user_may_not_submit() {
    let server = start(SmtpMode::Submissions).await;
    let mut before = logged_in(&server).await;
    server.directory.set_disabled(ALICE, true).await.unwrap();
    let refused = before.expect("MAIL FROM:<alice@example.org>", 525).await;
    assert_eq!(
        refused.text(),
        "5.7.13 User account disabled, contact the administrator"
    );
    before.expect("MAIL FROM:<alice@example.org>", 530).await;
    let mut c = server.connect_tls().await;
    c.ehlo().await;
    c.expect(&format!("AUTH PLAIN {}", plain_auth(ALICE, PASSWORD)), 525)
        .await;
    c.expect(&format!("AUTH PLAIN {}", plain_auth(ALICE, "wrong")), 535)
        .await;
    server.directory.set_disabled(ALICE, false).await.unwrap();
    c.expect(&format!("AUTH PLAIN {}", plain_auth(ALICE, PASSWORD)), 235)
        .await;
}
