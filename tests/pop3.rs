//! POP3 end to end with Python's poplib (tests/python/test_pop3.py) and curl's pop3s:// URLs.

mod common;
use common::*;

#[test]
fn python_poplib_suite() {
    let server = TestServer::start("");
    let (user, user2) = (format!("pat@{DOMAIN}"), format!("quinn@{DOMAIN}"));
    server.add_user(&user);
    server.add_user(&user2);
    let env = [
        ("KANTOR_POP3", server.port("pop3").to_string()),
        ("KANTOR_POP3S", server.port("pop3s").to_string()),
        ("KANTOR_SMTP", server.port("smtp").to_string()),
        ("KANTOR_USER", user),
        ("KANTOR_USER2", user2),
        ("KANTOR_PASSWORD", PASSWORD.to_string()),
    ];
    run_python_suite("test_pop3.py", &env, 8);
}

#[test]
fn curl_lists_and_retrieves_over_pop3s() {
    let server = TestServer::start("");
    let user = format!("rene@{DOMAIN}");
    server.add_user(&user);
    let mut raw = RawClient::connect(server.addr("smtp"));
    raw.reply();
    raw.command("EHLO client.example");
    raw.command("MAIL FROM:<s@remote.example>");
    raw.command(&format!("RCPT TO:<{user}>"));
    raw.command("DATA");
    assert!(
        raw.command("Subject: via curl\r\n\r\nbody\r\n.")
            .starts_with("250")
    );
    let messages = pop3_messages(&server, &user);
    assert_eq!(messages.len(), 1);
    assert!(messages[0].contains("Subject: via curl"));
}

#[test]
fn limits_idle_timeout_long_lines_and_errors() {
    let server = TestServer::start("[pop3]\nidle_timeout_secs = 1\nmax_errors = 3\n");
    let mut raw = RawClient::connect(server.addr("pop3"));
    assert!(raw.reply().starts_with("+OK"));
    let reply = raw.command(&format!("NOOP {}", "x".repeat(5000)));
    assert!(
        reply.starts_with("-ERR") && reply.contains("too long"),
        "{reply}"
    );
    assert!(
        raw.command("CAPA").starts_with("+OK"),
        "session goes on after a long line"
    );
    raw.read_multiline_rest();
    let start = std::time::Instant::now();
    let rest = raw.read_to_end();
    assert!(rest.contains("-ERR autologout"), "told why: {rest:?}");
    assert!(start.elapsed() < std::time::Duration::from_secs(5));

    let mut raw = RawClient::connect(server.addr("pop3"));
    raw.reply();
    raw.send(b"BOGUS\r\nBOGUS\r\nBOGUS\r\nBOGUS\r\n");
    let rest = raw.read_to_end();
    assert!(
        rest.contains("too many errors"),
        "closed after max_errors: {rest}"
    );
}

/// A client that connects to an implicit-TLS port and never starts the handshake is dropped
/// after `[tls] handshake_timeout_secs`, not after the protocol's idle timeout (an hour here).
#[test]
fn a_tls_handshake_that_never_starts_is_bounded_on_every_port() {
    use std::io::Read;
    let server = TestServer::start(
        "[tls]\nhandshake_timeout_secs = 1\n[pop3]\nidle_timeout_secs = 3600\n[imap]\nlogin_timeout_secs = 3600\n[smtp]\ncommand_timeout_secs = 3600\n",
    );
    for port in ["pop3s", "imaps", "submissions"] {
        let mut tcp = std::net::TcpStream::connect(server.addr(port)).unwrap();
        tcp.set_read_timeout(Some(std::time::Duration::from_secs(20)))
            .unwrap();
        let start = std::time::Instant::now();
        let mut byte = [0u8; 1];
        let read = tcp.read(&mut byte);
        assert!(
            matches!(read, Ok(0) | Err(_)) && start.elapsed() < std::time::Duration::from_secs(10),
            "{port}: {read:?} after {:?}",
            start.elapsed()
        );
    }
}
