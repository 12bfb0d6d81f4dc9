//! Outbound delivery against a real SMTP server other than Kantor (aiosmtpd,
//! `tests/python/smtp_peer.py`) found through a real DNS server (dnsmasq):
//! - several messages for one destination over one connection (RFC 5321 §3.3, §4.1.1.5): each
//!   recipient's reply counts for itself, a transaction without an accepted recipient is reset
//!   before the next one, and a connection cut before the reply to a message leaves that message
//!   and the ones after it queued, delivered by the next attempt, while those acknowledged
//!   before are never sent again;
//! - the 8BITMIME downgrade (RFC 6152 §3) for a server that does not offer it: converted to
//!   quoted-printable and signed after, or bounced when it cannot be converted;
//! - a kill -9 while the server is slow to answer a message: delivered again after the restart,
//!   at least once and at most twice;
//! - `[outbound] source_ipv4`: the peer sees the connection come from that address, and the
//!   TLS-RPT report (RFC 8460 §4.4) of a server refusing STARTTLS names it (`sending-mta-ip`),
//!   with the name the server announced (`receiving-mx-helo`) and each failure's reason
//!   (`failure-reason-code`); an address not of this host defers the mail, which a restart
//!   with a usable one delivers.

mod common;
use common::dns::Dnsmasq;
use common::peer::{SmtpPeer, eventually, free_port, submit};
use common::tls_report::{read_report, send_todays_reports};
use common::*;

const JO: &str = "jo@one.test";

/// dnsmasq with `domain`'s MX at 127.0.0.1.
fn records(domain: &str) -> Vec<String> {
    vec![
        format!("--mx-host={domain},mx.{domain},10"),
        format!("--host-record=mx.{domain},127.0.0.1"),
    ]
}

/// The sending Kantor's configuration: remote servers reached on `port`, with `outbound`'s
/// lines added to `[outbound]`.
fn sender_config(dns: &Dnsmasq, port: u16, outbound: &str) -> String {
    format!(
        "[imap]\nallow_plaintext_auth = true\n{}[outbound]\nsmtp_port = {port}\n\
         retry_schedule_secs = [2]\nconnect_timeout_secs = 2\ncommand_timeout_secs = 30\n\
         {outbound}",
        dns.resolver_config(),
    )
}

/// The sending Kantor: one.test with the user jo, remote servers reached on `port`.
fn sender(dns: &Dnsmasq, port: u16, outbound: &str) -> TestServer {
    let a = TestServer::start(&sender_config(dns, port, outbound));
    a.admin_ok(&["domain", "add", "one.test"], "");
    a.add_user(JO);
    a
}

/// The queue as `kantor admin queue list --json` shows it.
fn queue(a: &TestServer) -> Vec<serde_json::Value> {
    let q: serde_json::Value =
        serde_json::from_str(&a.admin_ok(&["queue", "list", "--json"], "")).unwrap();
    q.as_array().unwrap().clone()
}

#[test]
fn messages_to_one_domain_share_a_connection() {
    let dns = Dnsmasq::start(&records("batch.test"));
    // Nothing listens at first: every message is deferred, then all are due together.
    let port = free_port();
    let mut a = sender(&dns, port, "max_messages_per_connection = 4\n");
    let jo = JO;
    let send = |a: &TestServer, to: &str, subject: &str, headers: &[&str]| {
        submit(a.port("submission"), jo, to, subject, "Batched.", headers)
    };
    send(&a, "ann@batch.test,refuse-x@batch.test", "m1", &[]);
    send(&a, "later-y@batch.test", "m2", &[]);
    send(&a, "ann@batch.test", "m3", &["X-Test: drop"]);
    send(&a, "ben@batch.test", "m4", &[]);
    send(&a, "ann@batch.test", "m5", &[]);
    send(&a, "ben@batch.test", "m6", &[]);
    eventually(30, "seven deferrals", || {
        let q = queue(&a);
        (q.len() == 7 && q.iter().all(|e| e["status"] == "deferred")).then_some(())
    });
    // Stopped while all are waiting, started again once all are due and the server is up: one
    // look at the queue takes them all.
    a.kill9();
    std::thread::sleep(std::time::Duration::from_secs(3));
    let peer = SmtpPeer::start(port, &[]);
    a.restart();

    let subjects = ["m1", "m3", "m4", "m5", "m6"];
    eventually(30, "five messages at the peer", || {
        let found = subjects
            .iter()
            .all(|s| !peer.with(&format!("Subject: {s}\r\n")).is_empty());
        found.then_some(())
    });
    let connection = |subject: &str| {
        let found = peer.with(&format!("Subject: {subject}\r\n"));
        assert_eq!(found.len(), 1, "{subject} delivered once: {found:?}");
        found[0]["peer"].to_string()
    };
    // m1..m4 went over the first connection (4 at most): m1 was acknowledged before the cut and
    // is not sent again; m3 (cut) and m4 (after it) came on a later attempt (together, unless
    // their retry times fell on two sides of a second); m5 and m6 shared the second connection.
    assert_eq!(connection("m5"), connection("m6"));
    assert_ne!(connection("m1"), connection("m5"));
    assert_ne!(connection("m1"), connection("m3"));
    let m1 = &peer.with("Subject: m1\r\n")[0];
    assert_eq!(
        m1["rcpt_tos"],
        serde_json::json!(["ann@batch.test"]),
        "{m1}"
    );
    assert!(peer.with("Subject: m2\r\n").is_empty());
    for m in peer.messages() {
        assert!(
            m["content"].as_str().unwrap().contains("DKIM-Signature:"),
            "{m}"
        );
    }

    // Each recipient's own outcome: refuse-x bounced, later-y deferred with the 451, the rest
    // delivered.
    let q = queue(&a);
    let status = |to: &str| -> Vec<String> {
        q.iter()
            .filter(|e| e["to"] == to)
            .map(|e| e["status"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(status("refuse-x@batch.test"), ["bounced"], "{q:?}");
    assert_eq!(status("later-y@batch.test"), ["deferred"], "{q:?}");
    assert_eq!(status("ann@batch.test"), ["delivered"; 3], "{q:?}");
    assert_eq!(status("ben@batch.test"), ["delivered"; 2], "{q:?}");
    let later = q.iter().find(|e| e["to"] == "later-y@batch.test").unwrap();
    assert!(
        later["last_error"].as_str().unwrap().contains("451 4.3.0"),
        "{later}"
    );
}

#[test]
fn eight_bit_mail_is_converted_for_a_server_without_8bitmime() {
    let dns = Dnsmasq::start(&records("old.test"));
    let peer = SmtpPeer::start(0, &["--no-8bitmime"]);
    let a = sender(&dns, peer.port, "");
    let mime = [
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
    ];
    let port = a.port("submission");
    submit(
        port,
        JO,
        "ann@old.test",
        "umlauts",
        "Grüße aus Köln = ok",
        &mime,
    );
    // An 8-bit header field cannot be made 7-bit without rewriting it: bounced (5.6.3).
    submit(port, JO, "ben@old.test", "Grüße im Betreff", "Köln", &mime);

    let found = eventually(30, "the converted message", || {
        peer.with("Subject: umlauts\r\n").pop()
    });
    let content = found["content"].as_str().unwrap();
    assert!(content.is_ascii(), "{content}");
    assert!(
        content.contains("Content-Transfer-Encoding: quoted-printable\r\n"),
        "{content}"
    );
    assert!(
        content.contains("Gr=C3=BC=C3=9Fe aus K=C3=B6ln =3D ok"),
        "{content}"
    );
    let options = found["mail_options"].to_string();
    assert!(!options.contains("8BITMIME"), "{options}");
    // Signed as converted: dkimpy verifies it with the records Kantor prints.
    let zone = a.admin_ok(
        &["domain", "dns", "one.test", "--hostname", "mx.one.test"],
        "",
    );
    let dir = tempfile::tempdir().unwrap();
    let (message, zone_file) = (dir.path().join("m.eml"), dir.path().join("zone.txt"));
    std::fs::write(&zone_file, &zone).unwrap();
    std::fs::write(&message, content).unwrap();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/python/verify_dkim.py"
    );
    let (ok, out) = run_status(
        "python3",
        &[
            script,
            message.to_str().unwrap(),
            zone_file.to_str().unwrap(),
        ],
    );
    assert!(ok && out.contains("a=rsa-sha256 pass"), "{out}");

    let q = eventually(30, "the bounce", || {
        let q = queue(&a);
        q.iter()
            .find(|e| e["to"] == "ben@old.test" && e["status"] == "bounced")
            .cloned()
    });
    let error = q["last_error"].as_str().unwrap();
    assert!(error.starts_with("5.6.3"), "{error}");
    assert!(error.contains("8BITMIME"), "{error}");
    assert!(peer.with("ben@old.test").is_empty());
}

#[test]
fn a_kill_while_the_server_is_slow_delivers_at_least_once_and_at_most_twice() {
    let dns = Dnsmasq::start(&records("slow.test"));
    // The peer takes the message, then waits 20 s before its reply (the first time).
    let peer = SmtpPeer::start(0, &["--stall", "20"]);
    let mut a = sender(&dns, peer.port, "");
    submit(
        a.port("submission"),
        JO,
        "ann@slow.test",
        "slow",
        "Wait for it.",
        &["X-Test: stall"],
    );
    eventually(30, "the message at the peer", || {
        (!peer.with("Subject: slow\r\n").is_empty()).then_some(())
    });
    // Killed before the reply: nothing was recorded, so the restarted server sends it again.
    a.kill9();
    a.restart();
    eventually(30, "delivery after the restart", || {
        let q = queue(&a);
        q.iter()
            .any(|e| e["to"] == "ann@slow.test" && e["status"] == "delivered")
            .then_some(())
    });
    let copies = peer.with("Subject: slow\r\n").len();
    assert!((1..=2).contains(&copies), "{copies} copies");
}

/// `[outbound] source_ipv4`, seen by the peer and in the TLS-RPT report (RFC 8460 §4.4) of
/// a server whose STARTTLS fails: refused once (`454`), then not offered. Each failure detail
/// names our address, the name the server announced and the failure's reason.
#[test]
fn the_source_address_and_starttls_failures_are_reported() {
    let mut records = records("weak.test");
    records.push("--txt-record=_smtp._tls.weak.test,v=TLSRPTv1; rua=mailto:tls@weak.test".into());
    let dns = Dnsmasq::start(&records);
    let peer = SmtpPeer::start(
        0,
        &["--name", "smtp-in.peer.example", "--refuse-starttls", "1"],
    );
    let a = sender(
        &dns,
        peer.port,
        "source_ipv4 = \"127.0.0.5\"\ntls_report_from = \"tls-reports@one.test\"\n",
    );
    submit(
        a.port("submission"),
        JO,
        "ann@weak.test",
        "weak",
        "No TLS.",
        &[],
    );
    let found = eventually(30, "the message at the peer", || {
        peer.with("Subject: weak\r\n").pop()
    });
    // The peer saw the connection come from the source address, not from 127.0.0.1.
    assert_eq!(found["peer"][0], "127.0.0.5", "{found}");
    let entry = queue(&a)
        .into_iter()
        .find(|e| e["to"] == "ann@weak.test")
        .unwrap();
    assert_eq!(entry["status"], "delivered", "{entry}");
    assert!(entry["attempts"].as_u64().unwrap() >= 2, "{entry}");

    let sent = send_todays_reports(&a);
    assert!(sent.contains("sent to mailto:tls@weak.test"), "{sent}");
    let report = eventually(30, "the TLS report at the peer", || {
        peer.with("TLS-Report-Domain: weak.test").pop()
    });
    assert_eq!(report["peer"][0], "127.0.0.5", "{report}");
    let report = read_report(report["content"].as_str().unwrap());
    let policies = report["report"]["policies"].as_array().unwrap();
    assert_eq!(policies.len(), 1, "{report}");
    let policy = &policies[0];
    assert_eq!(
        policy["policy"]["policy-type"], "no-policy-found",
        "{report}"
    );
    assert_eq!(
        policy["summary"]["total-successful-session-count"], 0,
        "{report}"
    );
    let details = policy["failure-details"].as_array().unwrap();
    // One entry per reason: the refusal, then the EHLO reply without STARTTLS.
    assert_eq!(details.len(), 2, "{report}");
    for detail in details {
        assert_eq!(detail["result-type"], "starttls-not-supported", "{report}");
        assert_eq!(detail["sending-mta-ip"], "127.0.0.5", "{report}");
        assert_eq!(detail["receiving-ip"], "127.0.0.1", "{report}");
        assert_eq!(detail["receiving-mx-hostname"], "mx.weak.test", "{report}");
        // The peer's own name, not ours (mail.example.test) nor the MX host's.
        assert_eq!(
            detail["receiving-mx-helo"], "smtp-in.peer.example",
            "{report}"
        );
    }
    let reason = |i: usize| details[i]["failure-reason-code"].as_str().unwrap_or("");
    let mut reasons = [reason(0), reason(1)];
    reasons.sort();
    assert_eq!(
        reasons,
        [
            "STARTTLS not offered in the EHLO reply",
            "STARTTLS refused: 454 TLS not available"
        ],
        "{report}"
    );
    let refused = details
        .iter()
        .find(|d| d["failure-reason-code"] == reasons[1])
        .unwrap();
    assert_eq!(refused["failed-session-count"], 1, "{report}");
}

/// A source address this host does not have (TEST-NET-1, RFC 5737) defers the mail with the
/// reason; nothing is lost: restarted with the default source, the server delivers it.
#[test]
fn an_unusable_source_address_defers_the_mail() {
    let dns = Dnsmasq::start(&records("far.test"));
    let peer = SmtpPeer::start(0, &[]);
    let mut a = sender(&dns, peer.port, "source_ipv4 = \"192.0.2.1\"\n");
    submit(
        a.port("submission"),
        JO,
        "ann@far.test",
        "far",
        "Held.",
        &[],
    );
    let entry = eventually(30, "two deferrals", || {
        queue(&a).into_iter().find(|e| {
            e["to"] == "ann@far.test"
                && e["status"] == "deferred"
                && e["attempts"].as_u64().unwrap_or(0) >= 2
        })
    });
    let error = entry["last_error"].as_str().unwrap();
    assert!(
        error.starts_with("4.4.1") && error.contains("cannot use the source address 192.0.2.1"),
        "{entry}"
    );
    assert!(peer.messages().is_empty());
    a.restart_with(&sender_config(&dns, peer.port, ""));
    let found = eventually(30, "the message at the peer", || {
        peer.with("Subject: far\r\n").pop()
    });
    assert_eq!(found["peer"][0], "127.0.0.1", "{found}");
    assert_eq!(peer.messages().len(), 1);
}
