//! Submission (RFC 6409) on 587 with STARTTLS and on 465 with implicit TLS (RFC 8314), driven by
//! lettre: AUTH required, sender ownership, remote recipients queued, wrong passwords throttled.

mod common;
use common::*;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

fn tls() -> TlsParameters {
    TlsParameters::builder("localhost".into())
        .dangerous_accept_invalid_certs(true)
        .build_rustls()
        .unwrap()
}

fn submission(
    server: &TestServer,
    user: &str,
    password: &str,
) -> AsyncSmtpTransport<Tokio1Executor> {
    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(server.port("submission"))
        .tls(Tls::Required(tls()))
        .credentials(Credentials::new(user.into(), password.into()))
        .build()
}

fn submissions(server: &TestServer, user: &str) -> AsyncSmtpTransport<Tokio1Executor> {
    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(server.port("submissions"))
        .tls(Tls::Wrapper(tls()))
        .credentials(Credentials::new(user.into(), PASSWORD.into()))
        .build()
}

fn mail(from: &str, to: &str, subject: &str) -> Message {
    Message::builder()
        .from(from.parse().unwrap())
        .to(to.parse().unwrap())
        .subject(subject)
        .body(String::from("Sent by an employee.\r\n"))
        .unwrap()
}

fn setup() -> (TestServer, String, String) {
    let server = TestServer::start("");
    let (alice, bob) = (format!("alice@{DOMAIN}"), format!("bob@{DOMAIN}"));
    server.add_user(&alice);
    server.add_user(&bob);
    (server, alice, bob)
}

#[tokio::test]
async fn starttls_auth_then_local_delivery_and_remote_queueing() {
    let (server, alice, bob) = setup();
    let mailer = submission(&server, &alice, PASSWORD);
    mailer.send(mail(&alice, &bob, "hello bob")).await.unwrap();
    mailer
        .send(mail(&alice, "partner@remote.example", "hello partner"))
        .await
        .unwrap();

    let bob_mail = pop3_messages(&server, &bob);
    assert_eq!(bob_mail.len(), 1);
    let msg = &bob_mail[0];
    assert!(msg.contains("Subject: hello bob"));
    assert!(
        msg.contains("with ESMTPSA"),
        "authenticated TLS submission recorded: {msg}"
    );
    assert!(
        msg.contains("Message-ID:") || msg.contains("Message-Id:"),
        "{msg}"
    );

    let queue = server.admin_ok(&["queue", "list"], "");
    assert!(
        queue.contains("partner@remote.example"),
        "remote recipient queued: {queue}"
    );
    assert!(queue.contains(&alice), "{queue}");
}

#[tokio::test]
async fn implicit_tls_on_465() {
    let (server, alice, bob) = setup();
    submissions(&server, &alice)
        .send(mail(&alice, &bob, "over 465"))
        .await
        .unwrap();
    assert!(pop3_messages(&server, &bob)[0].contains("Subject: over 465"));
}

#[tokio::test]
async fn submission_requires_auth_and_owned_sender() {
    let (server, alice, bob) = setup();
    let anonymous = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(server.port("submission"))
        .tls(Tls::Required(tls()))
        .build();
    let err = anonymous
        .send(mail(&alice, &bob, "no auth"))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("5.7.0"),
        "530 5.7.0 without AUTH: {err}"
    );

    // Authenticated as alice, sending as bob: refused (envelope and From).
    let err = submission(&server, &alice, PASSWORD)
        .send(mail(&bob, &bob, "spoof"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("5.7.1"), "553 5.7.1: {err}");
    assert!(pop3_messages(&server, &bob).is_empty());

    // An alias of alice's and a group alice may send as are fine.
    server.admin_ok(&["alias", "add", &format!("info@{DOMAIN}"), &alice], "");
    server.admin_ok(&["group", "add", &format!("team@{DOMAIN}")], "");
    server.admin_ok(
        &["group", "allow-sender", &format!("team@{DOMAIN}"), &alice],
        "",
    );
    let mailer = submission(&server, &alice, PASSWORD);
    mailer
        .send(mail(&format!("info@{DOMAIN}"), &bob, "as info"))
        .await
        .unwrap();
    mailer
        .send(mail(&format!("team@{DOMAIN}"), &bob, "as team"))
        .await
        .unwrap();
    assert_eq!(pop3_messages(&server, &bob).len(), 2);
}

#[test]
fn auth_is_not_offered_before_tls_nor_on_port_25() {
    let (server, _, _) = setup();
    for listener in ["smtp", "submission"] {
        let mut raw = RawClient::connect(server.addr(listener));
        raw.reply();
        let ehlo = raw.command("EHLO client.example");
        assert!(ehlo.contains("STARTTLS"), "{ehlo}");
        assert!(
            !ehlo.contains("AUTH"),
            "{listener}: no AUTH in plaintext: {ehlo}"
        );
        let reply = raw.command("AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdABTZWNyZXQtcGFzcy0x");
        assert!(
            reply.starts_with('5'),
            "{listener}: AUTH refused in plaintext: {reply}"
        );
    }
}

#[tokio::test]
async fn wrong_passwords_fail_then_are_throttled() {
    let server = TestServer::start(
        "[auth]\nfailures_before_delay = 1\ndelay_step_ms = 10\nfailures_before_lockout = 3\n",
    );
    let alice = format!("alice@{DOMAIN}");
    server.add_user(&alice);
    for _ in 0..3 {
        let err = submission(&server, &alice, "wrong")
            .send(mail(&alice, &alice, "x"))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("5.7.8"), "535 5.7.8: {err}");
    }
    let err = submission(&server, &alice, PASSWORD)
        .send(mail(&alice, &alice, "x"))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("4.7.0"),
        "locked out even with the right password: {err}"
    );
}

/// RFC 6409 §8.1 for every author field: Sender and Resent-From, like From, may hold only
/// addresses the user may send as; a submitted message is not checked like port 25's (no
/// Authentication-Results).
#[tokio::test]
async fn sender_and_resent_from_must_be_owned_too() {
    let (server, alice, bob) = setup();
    let mailer = submission(&server, &alice, PASSWORD);
    let envelope =
        lettre::address::Envelope::new(Some(alice.parse().unwrap()), vec![bob.parse().unwrap()])
            .unwrap();
    let raw = |field: &str, subject: &str| {
        format!("From: {alice}\r\n{field}To: {bob}\r\nSubject: {subject}\r\n\r\nHello.\r\n")
    };
    for field in [
        format!("Sender: {bob}\r\n"),
        format!("Resent-From: {alice}, {bob}\r\n"),
        "Sender: undisclosed:;\r\n".to_string(),
    ] {
        let err = mailer
            .send_raw(&envelope, raw(&field, "spoof").as_bytes())
            .await
            .unwrap_err();
        assert!(err.to_string().contains("5.7.1"), "{field}: {err}");
    }
    assert!(pop3_messages(&server, &bob).is_empty());

    server.admin_ok(&["alias", "add", &format!("info@{DOMAIN}"), &alice], "");
    let owned = format!("Sender: info@{DOMAIN}\r\nResent-From: {alice}\r\n");
    mailer
        .send_raw(&envelope, raw(&owned, "owned").as_bytes())
        .await
        .unwrap();
    let delivered = pop3_messages(&server, &bob);
    assert_eq!(delivered.len(), 1);
    assert!(delivered[0].contains("Subject: owned"));
    assert!(
        !delivered[0].contains("Authentication-Results:"),
        "{}",
        delivered[0]
    );
}
