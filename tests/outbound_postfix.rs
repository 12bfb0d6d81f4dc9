//! Kantor delivering to Postfix (`../shared/peers/peers.sh`: Postfix on 127.0.0.1:10025 handing
//! bench.test's mail to Dovecot's LMTP, Maildir under /tmp/peers/mail), found through a real DNS
//! server (dnsmasq: bench.test's MX at 127.0.0.1) with `[outbound] smtp_port = 10025`: the
//! message lands in the user's Maildir, and dkimpy verifies Kantor's DKIM signatures on what
//! Postfix delivered. Skipped, saying so, when peers.sh is not beside the checkout.
//! The other way, Postfix delivering to Kantor, is tests/inbound_postfix.rs.

mod common;
use common::dns::Dnsmasq;
use common::peer::{eventually, submit};
use common::*;
use std::path::Path;

const PEERS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/peers/peers.sh"
);
const MAILDIR: &str = "/tmp/peers/mail/u197/Maildir";

/// Whether Postfix answers on 10025, starting peers.sh when it does not (false: no peers.sh).
fn postfix_up() -> bool {
    let listening = || std::net::TcpStream::connect("127.0.0.1:10025").is_ok();
    if listening() {
        return true;
    }
    if !Path::new(PEERS).exists() {
        return false;
    }
    let (ok, out) = run_status("bash", &[PEERS]);
    assert!(ok, "peers.sh failed: {out}");
    eventually(30, "Postfix on 127.0.0.1:10025", || {
        listening().then_some(())
    });
    true
}

/// The messages in the Maildir containing `token`.
fn delivered(token: &str) -> Vec<String> {
    ["new", "cur"]
        .iter()
        .filter_map(|d| std::fs::read_dir(Path::new(MAILDIR).join(d)).ok())
        .flatten()
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
        .filter(|m| m.contains(token))
        .collect()
}

#[test]
fn kantor_delivers_to_postfix_signed() {
    if !postfix_up() {
        eprintln!("SKIPPED: {PEERS} is not there (the shared peers of the checkout)");
        return;
    }
    let dns = Dnsmasq::start(&[
        "--mx-host=bench.test,mx.bench.test,10".into(),
        "--host-record=mx.bench.test,127.0.0.1".into(),
    ]);
    let a = TestServer::start(&format!(
        "{}[outbound]\nsmtp_port = 10025\nretry_schedule_secs = [2]\nconnect_timeout_secs = 2\n",
        dns.resolver_config(),
    ));
    a.admin_ok(&["domain", "add", "one.test"], "");
    let jo = "jo@one.test";
    a.add_user(jo);
    let token = format!("kantor-to-postfix-{}", std::process::id());
    let port = a.port("submission");
    submit(port, jo, "u197@bench.test", &token, "Über Postfix.", &[]);

    let message = eventually(30, "the message in Postfix's Maildir", || {
        delivered(&token).pop()
    });
    assert!(message.contains("Über Postfix."), "{message}");
    let queue = a.admin_ok(&["queue", "list", "--json"], "");
    assert!(queue.contains("\"delivered\""), "{queue}");
    // Postfix's own trace field is there, and Kantor's signatures still verify.
    assert!(message.contains("Postfix"), "{message}");
    let zone = a.admin_ok(
        &["domain", "dns", "one.test", "--hostname", "mx.one.test"],
        "",
    );
    let dir = tempfile::tempdir().unwrap();
    let (file, zone_file) = (dir.path().join("m.eml"), dir.path().join("zone.txt"));
    std::fs::write(&zone_file, &zone).unwrap();
    std::fs::write(&file, &message).unwrap();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/python/verify_dkim.py"
    );
    let (ok, out) = run_status(
        "python3",
        &[script, file.to_str().unwrap(), zone_file.to_str().unwrap()],
    );
    assert!(ok, "{out}");
    assert!(
        out.contains("d=one.test s=kantor-rsa a=rsa-sha256 pass"),
        "{out}"
    );
    assert!(
        out.contains("d=one.test s=kantor-ed25519 a=ed25519-sha256 pass"),
        "{out}"
    );
}
