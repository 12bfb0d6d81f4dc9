//! Limits: message size, recipients, quota, line length, errors, timeouts, connections.

mod common;

use common::*;
use kantor_net::ConnectionLimiter;
use kantor_smtp::SmtpMode;

#[tokio::test]
async fn oversize_message_is_refused() {
    let server = start(SmtpMode::Mx).await;
    let mut c = server.connect().await;
    c.ehlo().await;
    let reply = c
        .expect("MAIL FROM:<s@remote.example> SIZE=200000", 552)
        .await;
    assert!(reply.text().starts_with("5.3.4"));
    let line = format!("{}\r\n", "x".repeat(900));
    let body = format!("Subject: big\r\n\r\n{}", line.repeat(120));
    let reply = c.send_mail("s@remote.example", &[ALICE], &body).await;
    assert_eq!(reply.code, 552);
    assert!(reply.text().starts_with("5.3.4"));
    assert_eq!(server.inbox_total(ALICE), 0);
    // BDAT past the limit: the chunk is read and dropped, then 552, and the session is in step.
    c.expect("MAIL FROM:<s@remote.example>", 250).await;
    c.expect("RCPT TO:<alice@example.org>", 250).await;
    let chunk = "y".repeat(60_000);
    c.send(format!("BDAT 60000\r\n{chunk}BDAT 60000 LAST\r\n{chunk}NOOP\r\n").as_bytes())
        .await;
    assert_eq!(c.reply().await.code, 250);
    assert_eq!(c.reply().await.code, 552);
    assert_eq!(c.reply().await.code, 250);
    assert_eq!(server.inbox_total(ALICE), 0);
}

#[tokio::test]
async fn data_line_too_long_is_refused() {
    let server = start(SmtpMode::Mx).await;
    let mut c = server.connect().await;
    c.ehlo().await;
    let body = format!("Subject: long\r\n\r\n{}\r\n", "z".repeat(2000));
    let reply = c.send_mail("s@remote.example", &[ALICE], &body).await;
    assert_eq!(reply.code, 500);
    assert_eq!(server.inbox_total(ALICE), 0);
}

#[tokio::test]
async fn too_many_recipients() {
    let server = start(SmtpMode::Mx).await;
    let mut c = server.connect().await;
    c.ehlo().await;
    c.expect("MAIL FROM:<s@remote.example>", 250).await;
    for i in 0..5 {
        let rcpt = if i % 2 == 0 { ALICE } else { BOB };
        c.expect(&format!("RCPT TO:<{rcpt}>"), 250).await;
    }
    let reply = c.expect("RCPT TO:<alice@example.org>", 452).await;
    assert_eq!(reply.text(), "4.5.3 Too many recipients");
    c.expect("DATA", 354).await;
    c.send(b"Subject: many\r\n\r\nx\r\n.\r\n").await;
    assert_eq!(c.reply().await.code, 250);
}

#[tokio::test]
async fn quota_is_checked_at_rcpt_and_at_delivery() {
    let server = start(SmtpMode::Mx).await;
    server.directory.set_quota(BOB, 1_000).await.unwrap();
    let mut c = server.connect().await;
    c.ehlo().await;
    // Declared size larger than the whole quota: permanent.
    c.expect("MAIL FROM:<s@remote.example> SIZE=5000", 250)
        .await;
    let reply = c.expect("RCPT TO:<bob@example.org>", 552).await;
    assert!(reply.text().starts_with("5.2.2"), "{reply:?}");
    c.expect("RSET", 250).await;
    // Undeclared size, message larger than the quota: refused by the store.
    let body = format!("Subject: q\r\n\r\n{}\r\n", "q".repeat(900)).repeat(2);
    let reply = c.send_mail("s@remote.example", &[BOB], &body).await;
    assert_eq!(reply.code, 552, "{reply:?}");
    assert!(reply.text().starts_with("5.2.2"));
    // Fill the mailbox, then lower the quota under its use: transient.
    server.directory.set_quota(BOB, 0).await.unwrap();
    let reply = c
        .send_mail("s@remote.example", &[BOB], &simple_body("fill"))
        .await;
    assert_eq!(reply.code, 250);
    server.directory.set_quota(BOB, 10).await.unwrap();
    c.expect("MAIL FROM:<s@remote.example>", 250).await;
    let reply = c.expect("RCPT TO:<bob@example.org>", 452).await;
    assert!(reply.text().starts_with("4.2.2"), "{reply:?}");
    c.expect("RCPT TO:<alice@example.org>", 250).await;
    assert_eq!(server.inbox_total(BOB), 1);
}

#[tokio::test]
async fn command_line_too_long() {
    let server = start(SmtpMode::Mx).await;
    let mut c = server.connect().await;
    c.ehlo().await;
    let reply = c.cmd(&format!("NOOP {}", "a".repeat(600))).await;
    assert_eq!(
        (reply.code, reply.text()),
        (500, "5.5.6 Line too long".into())
    );
    c.expect("NOOP", 250).await;
    // Longer than the read buffer, sent in pieces: discarded up to its end.
    c.send(format!("MAIL FROM:<{}", "b".repeat(40_000)).as_bytes())
        .await;
    c.send(b"@x.example>\r\nNOOP\r\n").await;
    assert_eq!(c.reply().await.code, 500);
    assert_eq!(c.reply().await.code, 250);
    let reply = c.cmd("NOOP\nNOOP").await;
    assert_eq!(reply.code, 500);
    c.expect("NOOP", 250).await;
}

#[tokio::test]
async fn too_many_errors_closes() {
    let mut config = test_config();
    config.max_errors = 3;
    let server = start_with(SmtpMode::Mx, config, ConnectionLimiter::new(10, 10)).await;
    let mut c = server.connect().await;
    c.send(b"FOO\r\nBAR\r\nBAZ\r\nNOOP\r\n").await;
    for _ in 0..3 {
        assert_eq!(c.reply().await.code, 500);
    }
    let bye = c.reply().await;
    assert_eq!(
        (bye.code, bye.text()),
        (421, "4.7.0 mx.example.org Too many errors, closing".into())
    );
    c.assert_closed().await;
}

#[tokio::test]
async fn idle_client_times_out() {
    let mut config = test_config();
    config.command_timeout_secs = 1;
    let server = start_with(SmtpMode::Mx, config, ConnectionLimiter::new(10, 10)).await;
    let mut c = server.connect().await;
    let bye = c.reply().await;
    assert_eq!(bye.code, 421);
    assert!(bye.text().starts_with("4.4.2"));
    c.assert_closed().await;
}

#[tokio::test]
async fn connections_over_the_limit_are_refused() {
    let server = start_with(SmtpMode::Mx, test_config(), ConnectionLimiter::new(1, 1)).await;
    let _first = server.connect().await;
    let mut second =
        common::Client::new(tokio::net::TcpStream::connect(server.addr).await.unwrap());
    let reply = second.reply().await;
    assert_eq!(reply.code, 421);
    assert!(reply.text().contains("Too many connections"));
}
