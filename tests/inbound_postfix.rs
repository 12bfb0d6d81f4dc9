//! Postfix delivering to Kantor: a private Postfix instance (common::postfix, Debian's Postfix
//! with its own configuration and queue) relays what swaks hands it to Kantor's port 25, the way
//! an outside mail server does. Kantor checks it as it checks the internet (SPF and DMARC over a
//! real DNS server, dnsmasq), and what Postfix logs is what a remote administrator would see:
//! mail accepted over STARTTLS, a DMARC failure and a forged local sender refused with 5.7.1
//! (bounced by Postfix, never delivered), and Kantor down, then back: deferred by Postfix,
//! then delivered once. Skipped, saying so, when Postfix is not installed and peers.sh
//! (which installs it) is not beside the checkout.

mod common;
use common::dns::Dnsmasq;
use common::peer::{eventually, free_port};
use common::postfix::PrivatePostfix;
use common::*;
use std::path::Path;

const PEERS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/peers/peers.sh"
);

/// Whether Postfix is installed, installing it with peers.sh when possible.
fn postfix_installed() -> bool {
    if !common::postfix::installed() && Path::new(PEERS).exists() {
        let (ok, out) = run_status("bash", &[PEERS]);
        assert!(ok, "peers.sh failed: {out}");
    }
    common::postfix::installed()
}

/// Hands a message to Postfix's smtpd with swaks (no authentication: Postfix relays for
/// loopback).
fn send_through(postfix: &PrivatePostfix, from: &str, to: &str, token: &str) {
    let server = format!("127.0.0.1:{}", postfix.port);
    let subject = format!("Subject: {token}");
    let out = run(
        "swaks",
        &[
            "--server", &server, "--from", from, "--to", to, "--header", &subject, "--body", token,
        ],
    );
    assert!(out.contains("250 2.0.0 Ok: queued"), "{out}");
}

/// Postfix's log lines about the delivery to `to`.
fn log_lines(postfix: &PrivatePostfix, to: &str) -> Vec<String> {
    let needle = format!("to=<{to}>");
    postfix
        .log()
        .lines()
        .filter(|l| l.contains(&needle))
        .map(str::to_string)
        .collect()
}

/// The first of Postfix's log lines about `to` with `status`.
fn wait_for_status(postfix: &PrivatePostfix, to: &str, status: &str) -> String {
    let wanted = format!("status={status}");
    eventually(30, &format!("Postfix: {to} {wanted}"), || {
        log_lines(postfix, to)
            .into_iter()
            .find(|l| l.contains(&wanted))
    })
}

#[test]
fn postfix_delivers_to_kantor_checked() {
    if !postfix_installed() {
        eprintln!("SKIPPED: no Postfix, and {PEERS} is not there to install it");
        return;
    }
    let dns = Dnsmasq::start(&[
        "--txt-record=pf.test,v=spf1 ip4:127.0.0.0/8 -all".into(),
        "--txt-record=_dmarc.pf.test,v=DMARC1; p=reject".into(),
        "--txt-record=spoof.test,v=spf1 ip4:192.0.2.1 -all".into(),
        "--txt-record=_dmarc.spoof.test,v=DMARC1; p=reject".into(),
    ]);
    let smtp = format!("127.0.0.1:{}", free_port());
    let mut kantor = TestServer::start_with_smtp_at(&smtp, &dns.resolver_config());
    kantor.admin_ok(&["domain", "add", "corp.test"], "");
    for user in [
        "jo@corp.test",
        "ann@corp.test",
        "kim@corp.test",
        "bo@corp.test",
    ] {
        kantor.add_user(user);
    }
    let kantor_port = kantor.port("smtp");
    let postfix = PrivatePostfix::start("mx.pf.test", kantor_port);
    let tag = std::process::id();

    // Accepted, over STARTTLS, with SPF and DMARC passing for pf.test.
    let good = format!("from-postfix-{tag}");
    send_through(&postfix, "alice@pf.test", "jo@corp.test", &good);
    let sent = wait_for_status(&postfix, "jo@corp.test", "sent");
    assert!(
        sent.contains(&format!("relay=127.0.0.1[127.0.0.1]:{kantor_port}")),
        "{sent}"
    );
    assert!(sent.contains("250 2.0.0"), "{sent}");
    assert!(
        postfix
            .log()
            .contains("TLS connection established to 127.0.0.1"),
        "Postfix did not use STARTTLS:\n{}",
        postfix.log()
    );
    let inbox = pop3_messages(&kantor, "jo@corp.test");
    let message = inbox.iter().find(|m| m.contains(&good)).expect("delivered");
    let results = message
        .split("\r\n\r\n")
        .next()
        .unwrap()
        .to_ascii_lowercase();
    assert!(results.contains("spf=pass"), "{message}");
    assert!(results.contains("dmarc=pass"), "{message}");
    assert!(results.contains("esmtps"), "no TLS in Received: {message}");

    // DMARC p=reject failing: refused with 5.7.1, so Postfix bounces it; nothing delivered.
    let spoofed = format!("spoofed-{tag}");
    send_through(&postfix, "mallory@spoof.test", "ann@corp.test", &spoofed);
    let bounced = wait_for_status(&postfix, "ann@corp.test", "bounced");
    assert!(bounced.contains("5.7.1"), "{bounced}");
    assert!(pop3_messages(&kantor, "ann@corp.test").is_empty());

    // One of Kantor's own domains as the sender, from a host that did not authenticate.
    let forged = format!("forged-{tag}");
    send_through(&postfix, "boss@corp.test", "kim@corp.test", &forged);
    let bounced = wait_for_status(&postfix, "kim@corp.test", "bounced");
    assert!(bounced.contains("5.7.1"), "{bounced}");
    assert!(pop3_messages(&kantor, "kim@corp.test").is_empty());

    // Kantor down: Postfix keeps the message and retries; Kantor back on the same port: it
    // arrives, once.
    kantor.kill9();
    let later = format!("while-down-{tag}");
    send_through(&postfix, "alice@pf.test", "bo@corp.test", &later);
    let deferred = wait_for_status(&postfix, "bo@corp.test", "deferred");
    assert!(deferred.contains("Connection refused"), "{deferred}");
    kantor.restart();
    assert_eq!(kantor.port("smtp"), kantor_port);
    postfix.flush();
    wait_for_status(&postfix, "bo@corp.test", "sent");
    let inbox = pop3_messages(&kantor, "bo@corp.test");
    assert_eq!(
        inbox.iter().filter(|m| m.contains(&later)).count(),
        1,
        "{inbox:?}"
    );
}
