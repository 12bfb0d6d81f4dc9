//! The message data: DATA transparency, bare line endings and smuggling, BDAT chunks.

mod common;

use common::*;
use kantor_smtp::SmtpMode;

#[tokio::test]
async fn dot_stuffing_is_undone() {
    let server = start(SmtpMode::Mx).await;
    let mut c = server.connect().await;
    c.ehlo().await;
    let body = "Subject: dots\r\n\r\n..leading dot\r\n..\r\n...\r\nend\r\n";
    let reply = c.send_mail("s@remote.example", &[ALICE], body).await;
    assert_eq!(reply.code, 250);
    let stored = &server.inbox(ALICE)[0];
    assert!(stored.ends_with(b"\r\n\r\n.leading dot\r\n.\r\n..\r\nend\r\n"));
}

#[tokio::test]
async fn bare_lf_in_data_is_refused_and_nothing_stored() {
    let server = start(SmtpMode::Mx).await;
    let mut c = server.connect().await;
    c.ehlo().await;
    let reply = c
        .send_mail("s@remote.example", &[ALICE], "Subject: x\n\nbare\r\n")
        .await;
    assert_eq!(reply.code, 554, "{reply:?}");
    assert!(reply.text().starts_with("5.5.2"));
    assert_eq!(server.inbox_total(ALICE), 0);
    // The session goes on, with a fresh transaction.
    c.expect("RCPT TO:<alice@example.org>", 503).await;
    let reply = c
        .send_mail("s@remote.example", &[ALICE], &simple_body("ok"))
        .await;
    assert_eq!(reply.code, 250);
    assert_eq!(server.inbox_total(ALICE), 1);
}

/// SMTP smuggling (CVE-2023-51764 and friends): `<LF>.<CRLF>` and `<CR>.<CR>` do not end the
/// data, so the commands after them are message text, never a second transaction. The message
/// holding them is refused for its bare line endings, with one single reply.
#[tokio::test]
async fn smuggled_commands_are_not_executed() {
    let server = start(SmtpMode::Mx).await;
    for end in ["\n.\r\n", "\n.\n", "\r.\r", "\r\n.\n", "\r\n.\r"] {
        let mut c = server.connect().await;
        c.ehlo().await;
        c.expect("MAIL FROM:<s@remote.example>", 250).await;
        c.expect("RCPT TO:<alice@example.org>", 250).await;
        c.expect("DATA", 354).await;
        let body = format!(
            "Subject: smuggle\r\n\r\nhello{end}MAIL FROM:<x@y.example>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\nSubject: smuggled\r\n\r\nevil\r\n.\r\nNOOP\r\n"
        );
        c.send(body.as_bytes()).await;
        let reply = c.reply().await;
        assert_eq!(reply.code, 554, "{end:?}: {reply:?}");
        // The next reply is NOOP's: nothing in between was a command.
        let noop = c.reply().await;
        assert_eq!(
            (noop.code, noop.text()),
            (250, "2.0.0 OK".into()),
            "{end:?}"
        );
    }
    assert_eq!(server.inbox_total(BOB), 0);
    assert_eq!(server.inbox_total(ALICE), 0);
}

/// With BODY=BINARYMIME over BDAT, bare line endings are legitimate: the would-be commands are
/// stored as the body of one message.
#[tokio::test]
async fn binary_bdat_keeps_smuggling_text_as_body() {
    let server = start(SmtpMode::Mx).await;
    let mut c = server.connect().await;
    c.ehlo().await;
    c.expect("MAIL FROM:<s@remote.example> BODY=BINARYMIME", 250)
        .await;
    c.expect("RCPT TO:<alice@example.org>", 250).await;
    let body = "Subject: bin\r\n\r\nhello\n.\r\nMAIL FROM:<x@y.example>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\nevil\r\n.\r\n";
    c.send(format!("BDAT {} LAST\r\n{body}", body.len()).as_bytes())
        .await;
    assert_eq!(c.reply().await.code, 250);
    c.expect("NOOP", 250).await;
    assert_eq!(server.inbox_total(ALICE), 1);
    assert_eq!(server.inbox_total(BOB), 0);
    assert!(server.inbox(ALICE)[0].ends_with(body.as_bytes()));
}

#[tokio::test]
async fn data_after_binarymime_is_refused() {
    let server = start(SmtpMode::Mx).await;
    let mut c = server.connect().await;
    c.ehlo().await;
    c.expect("MAIL FROM:<s@remote.example> BODY=BINARYMIME", 250)
        .await;
    c.expect("RCPT TO:<alice@example.org>", 250).await;
    let reply = c.expect("DATA", 503).await;
    assert!(reply.text().starts_with("5.5.1"));
}

#[tokio::test]
async fn bdat_chunks_make_one_message() {
    let server = start(SmtpMode::Mx).await;
    let mut c = server.connect().await;
    c.ehlo().await;
    c.expect("MAIL FROM:<s@remote.example>", 250).await;
    c.expect("RCPT TO:<alice@example.org>", 250).await;
    let (one, two) = (
        "Subject: chunks\r\n\r\nfirst ",
        "part, second\r\n.\r\nline\r\n",
    );
    // Pipelined: both chunks and a NOOP in one write.
    c.send(
        format!(
            "BDAT {}\r\n{one}BDAT {} LAST\r\n{two}NOOP\r\n",
            one.len(),
            two.len()
        )
        .as_bytes(),
    )
    .await;
    let first = c.reply().await;
    assert_eq!(
        (first.code, first.text()),
        (250, format!("2.0.0 {} octets received", one.len()))
    );
    let last = c.reply().await;
    assert_eq!(last.code, 250, "{last:?}");
    assert!(last.text().contains("queued as"));
    assert_eq!(c.reply().await.code, 250);
    let stored = &server.inbox(ALICE)[0];
    assert!(stored.ends_with(format!("{one}{two}").as_bytes()));
    let stored = String::from_utf8_lossy(stored);
    assert!(
        stored.starts_with(
            "Return-Path: <s@remote.example>\r\nAuthentication-Results: mx.example.org;"
        ),
        "{stored}"
    );
    let (trace, _) = stored.split_once("Subject: chunks").unwrap();
    assert!(trace.contains("\r\nReceived: from "), "{stored}");
}

#[tokio::test]
async fn bdat_rules() {
    let server = start(SmtpMode::Mx).await;
    let mut c = server.connect().await;
    c.ehlo().await;
    // Without a transaction the chunk is still read (and dropped), keeping the session in step.
    c.send(b"BDAT 6\r\nNOOP\r\nNOOP\r\n").await;
    assert_eq!(c.reply().await.code, 503);
    assert_eq!(c.reply().await.code, 250);
    // Bare LF without BINARYMIME: refused, nothing stored.
    c.expect("MAIL FROM:<s@remote.example>", 250).await;
    c.expect("RCPT TO:<alice@example.org>", 250).await;
    c.send(b"BDAT 5 LAST\r\na\nb\r\n").await;
    assert_eq!(c.reply().await.code, 554);
    // A CR at the end of the last chunk is bare too.
    c.expect("MAIL FROM:<s@remote.example>", 250).await;
    c.expect("RCPT TO:<alice@example.org>", 250).await;
    c.send(b"BDAT 2\r\na\r").await;
    assert_eq!(c.reply().await.code, 250);
    c.send(b"BDAT 0 LAST\r\n").await;
    assert_eq!(c.reply().await.code, 554);
    // CRLF split across chunks is fine.
    c.expect("MAIL FROM:<s@remote.example>", 250).await;
    c.expect("RCPT TO:<alice@example.org>", 250).await;
    c.send(b"BDAT 5\r\nS: x\r").await;
    assert_eq!(c.reply().await.code, 250);
    c.expect("RCPT TO:<bob@example.org>", 503).await;
    c.expect("DATA", 503).await;
    c.send(b"BDAT 3 LAST\r\n\nb\n").await;
    assert_eq!(c.reply().await.code, 554, "the trailing bare LF");
    c.expect("MAIL FROM:<s@remote.example>", 250).await;
    c.expect("RCPT TO:<alice@example.org>", 250).await;
    c.send(b"BDAT 5\r\nS: x\r").await;
    assert_eq!(c.reply().await.code, 250);
    c.send(b"BDAT 6 LAST\r\n\n\r\nb\r\n").await;
    assert_eq!(c.reply().await.code, 250);
    assert_eq!(server.inbox_total(ALICE), 1);
    assert!(server.inbox(ALICE)[0].ends_with(b"S: x\r\n\r\nb\r\n"));
}
