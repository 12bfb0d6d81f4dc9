//! Outbound delivery (RFC 5321 §4.5.4, §5; RFC 3464) between two real Kantor servers, with a
//! real DNS server (dnsmasq) answering MX and A records: mail submitted on A for a domain of B
//! arrives at B; an unknown recipient, a null MX and an unreachable domain come back to the
//! sender as delivery status notifications in their INBOX; a temporary failure is retried and
//! then delivered once the DNS points at a server; `kantor admin queue list` shows each
//! recipient's status.

mod common;
use common::dns::Dnsmasq;
use common::peer::inbox;
use common::*;
use std::time::{Duration, Instant};

/// The DNS of the test: two.test and soon.test at B (127.0.0.1), null.test with a null MX,
/// later.test and (at first) soon.test at 127.0.0.5, where nothing listens.
fn records(soon_at: &str) -> Vec<String> {
    [
        "--mx-host=two.test,mx.two.test,10",
        "--host-record=mx.two.test,127.0.0.1",
        "--mx-host=null.test,.,0",
        "--mx-host=later.test,mx.later.test,10",
        "--host-record=mx.later.test,127.0.0.5",
        "--mx-host=soon.test,mx.soon.test,10",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([format!("--host-record=mx.soon.test,{soon_at}")])
    .collect()
}

/// Submits a message on A's submission port with swaks (STARTTLS, AUTH PLAIN).
fn submit(server: &TestServer, from: &str, to: &str, subject: &str) {
    swaks_submit(server, from, to, subject, "Sent across.");
}

/// Polls `check` every 200 ms for up to `secs`.
fn eventually(secs: u64, what: &str, mut check: impl FnMut() -> Option<String>) -> String {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(found) = check() {
            return found;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn mail_goes_out_and_failures_come_back() {
    let mut dns = Dnsmasq::start(&records("127.0.0.5"));
    let b = TestServer::start("[imap]\nallow_plaintext_auth = true\n");
    b.add_domains(&["two.test", "soon.test"]);
    b.add_user("bob@two.test");
    b.add_user("carol@soon.test");
    let a = TestServer::start(&format!(
        "[imap]\nallow_plaintext_auth = true\n{}[outbound]\nsmtp_port = {}\n\
         retry_schedule_secs = [1]\nmax_age_secs = 12\ndelay_warning_secs = 2\n\
         connect_timeout_secs = 2\ncommand_timeout_secs = 10\n",
        dns.resolver_config(),
        b.port("smtp")
    ));
    a.admin_ok(&["domain", "add", "one.test"], "");
    let jo = "jo@one.test";
    a.add_user(jo);

    submit(&a, jo, "bob@two.test", "across");
    // 8-bit text: sent with BODY=8BITMIME (RFC 6152) to a server that offers it, unchanged.
    swaks_submit(&a, jo, "bob@two.test", "eight bits", "Grüße aus Köln");
    submit(&a, jo, "nobody@two.test", "to nobody");
    submit(&a, jo, "x@null.test", "to a null MX");
    submit(&a, jo, "y@later.test", "to a dead host");
    submit(&a, jo, "carol@soon.test", "soon");

    // Delivered to B.
    let arrived = eventually(15, "bob's message", || {
        inbox(&b, "bob@two.test")
            .into_iter()
            .find(|m| m.contains("Subject: across"))
    });
    assert!(arrived.contains("Sent across."), "{arrived}");
    let eight = eventually(15, "the 8-bit message", || {
        inbox(&b, "bob@two.test")
            .into_iter()
            .find(|m| m.contains("Subject: eight bits"))
    });
    assert!(eight.contains("Grüße aus Köln"), "{eight}");
    // Signed with one.test's keys (RFC 6376, RFC 8463): dkimpy verifies both signatures with
    // the records `kantor admin domain dns` prints; a changed body fails.
    let zone = a.admin_ok(
        &["domain", "dns", "one.test", "--hostname", "mx.one.test"],
        "",
    );
    assert!(
        zone.contains("one.test.\t3600\tIN\tMX\t10 mx.one.test."),
        "{zone}"
    );
    assert!(zone.contains("_dmarc.one.test."), "{zone}");
    let dir = tempfile::tempdir().unwrap();
    let (message, zone_file) = (dir.path().join("message.eml"), dir.path().join("zone.txt"));
    std::fs::write(&zone_file, &zone).unwrap();
    let raw = &arrived;
    std::fs::write(&message, raw).unwrap();
    let verify = |path: &std::path::Path| {
        run_status(
            "python3",
            &[
                concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/../../tests/python/verify_dkim.py"
                ),
                path.to_str().unwrap(),
                zone_file.to_str().unwrap(),
            ],
        )
    };
    let (ok, out) = verify(&message);
    assert!(ok, "{out}");
    assert!(
        out.contains("d=one.test s=kantor-rsa a=rsa-sha256 pass"),
        "{out}"
    );
    assert!(
        out.contains("d=one.test s=kantor-ed25519 a=ed25519-sha256 pass"),
        "{out}"
    );
    std::fs::write(&message, raw.replace("Sent across.", "Sent acrosz.")).unwrap();
    let (ok, out) = verify(&message);
    assert!(!ok && out.contains("fail"), "{out}");

    // The unknown recipient and the null MX bounce: DSNs in jo's INBOX (RFC 3464).
    let bounces = eventually(15, "two bounces", || {
        let found: Vec<String> = inbox(&a, jo)
            .into_iter()
            .filter(|m| m.contains("Undelivered Mail Returned to Sender"))
            .collect();
        (found.len() >= 2).then(|| found.join("\n=====\n"))
    });
    assert!(bounces.contains("multipart/report"), "{bounces}");
    assert!(
        bounces.contains("report-type=delivery-status")
            || bounces.contains("report-type=\"delivery-status\""),
        "{bounces}"
    );
    assert!(
        bounces.contains("Final-Recipient: rfc822; nobody@two.test"),
        "{bounces}"
    );
    assert!(bounces.contains("Status: 5.1.1"), "{bounces}");
    assert!(
        bounces.contains("Final-Recipient: rfc822; x@null.test"),
        "{bounces}"
    );
    assert!(bounces.contains("Status: 5.1.10"), "{bounces}");
    assert!(bounces.contains("Action: failed"), "{bounces}");
    assert!(
        bounces.contains("From: \"Mail Delivery System\" <MAILER-DAEMON@"),
        "{bounces}"
    );
    assert!(
        bounces.contains("Subject: to nobody"),
        "the original header: {bounces}"
    );

    // The dead host: deferred, with its error, while soon.test is too.
    let queue = eventually(10, "deferrals", || {
        let q = a.admin_ok(&["queue", "list"], "");
        (q.contains("deferred  from <jo@one.test> to <y@later.test>")
            && q.contains("deferred  from <jo@one.test> to <carol@soon.test>"))
        .then_some(q)
    });
    assert!(queue.contains("4.4.1"), "{queue}");
    // soon.test now points at B: the next retry delivers.
    dns.replace(&records("127.0.0.1"));
    eventually(15, "carol's message after a retry", || {
        inbox(&b, "carol@soon.test")
            .into_iter()
            .find(|m| m.contains("Subject: soon"))
    });
    // Still waiting after delay_warning_secs: jo is told once; after max_age_secs, it bounces.
    let delayed = eventually(15, "a delay warning", || {
        inbox(&a, jo)
            .into_iter()
            .find(|m| m.contains("Delayed Mail"))
    });
    assert!(delayed.contains("Action: delayed"), "{delayed}");
    assert!(
        delayed.contains("Final-Recipient: rfc822; y@later.test"),
        "{delayed}"
    );
    let expired = eventually(25, "the expiry bounce", || {
        inbox(&a, jo)
            .into_iter()
            .find(|m| m.contains("y@later.test") && m.contains("Undelivered Mail"))
    });
    assert!(expired.contains("Status: 5.4.7"), "{expired}");
    let queue = a.admin_ok(&["queue", "list", "--json"], "");
    let queue: serde_json::Value = serde_json::from_str(&queue).unwrap();
    let status_of = |to: &str| {
        queue
            .as_array()
            .unwrap()
            .iter()
            .find(|q| q["to"] == to)
            .map(|q| q["status"].as_str().unwrap().to_string())
    };
    assert_eq!(
        status_of("bob@two.test").as_deref(),
        Some("delivered"),
        "{queue}"
    );
    assert_eq!(
        status_of("carol@soon.test").as_deref(),
        Some("delivered"),
        "{queue}"
    );
    assert_eq!(
        status_of("nobody@two.test").as_deref(),
        Some("bounced"),
        "{queue}"
    );
    assert_eq!(
        status_of("y@later.test").as_deref(),
        Some("bounced"),
        "{queue}"
    );
    let bob = queue
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["to"] == "bob@two.test")
        .unwrap();
    assert!(
        bob["remote_reply"].as_str().unwrap().contains("250"),
        "{bob}"
    );
    // Never a bounce for a bounce, and exactly one of each.
    let all = inbox(&a, jo);
    assert_eq!(
        all.iter().filter(|m| m.contains("Delayed Mail")).count(),
        1,
        "{all:?}"
    );
}

#[test]
fn the_queue_is_shown_retried_bounced_and_deleted() {
    let dns = Dnsmasq::start(&records("127.0.0.5"));
    let a = TestServer::start(&format!(
        "[imap]\nallow_plaintext_auth = true\n{}[outbound]\nsmtp_port = 9\n\
         retry_schedule_secs = [3600]\nconnect_timeout_secs = 2\n",
        dns.resolver_config()
    ));
    a.admin_ok(&["domain", "add", "one.test"], "");
    let jo = "jo@one.test";
    a.add_user(jo);
    submit(&a, jo, "y@later.test", "to bounce");
    submit(&a, jo, "z@later.test", "to delete");
    let json = |args: &[&str]| -> serde_json::Value {
        serde_json::from_str(&a.admin_ok(args, "")).unwrap()
    };
    let listed = eventually(10, "two deferrals", || {
        let q = json(&["queue", "list", "--json"]);
        let all_deferred = q
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["status"] == "deferred");
        (q.as_array().unwrap().len() == 2 && all_deferred).then(|| q.to_string())
    });
    let q: serde_json::Value = serde_json::from_str(&listed).unwrap();
    let id_of = |to: &str| {
        q.as_array()
            .unwrap()
            .iter()
            .find(|e| e["to"] == to)
            .unwrap()["id"]
            .to_string()
    };
    let (bounce, delete) = (id_of("y@later.test"), id_of("z@later.test"));
    let shown = a.admin_ok(&["queue", "show", &bounce], "");
    assert!(shown.contains("status:       deferred"), "{shown}");
    assert!(shown.contains("last error:   4.4.1"), "{shown}");
    // Retry: tried again at once (the schedule says an hour).
    a.admin_ok(&["queue", "retry", &bounce], "");
    eventually(10, "a second attempt", || {
        let e = json(&["queue", "show", &bounce, "--json"]);
        (e["attempts"] == 2).then(|| e.to_string())
    });
    a.admin_ok(&["queue", "bounce", &bounce], "");
    assert_eq!(
        json(&["queue", "show", &bounce, "--json"])["status"],
        "bounced"
    );
    let dsn = eventually(5, "the administrator's bounce", || {
        inbox(&a, jo)
            .into_iter()
            .find(|m| m.contains("Undelivered Mail"))
    });
    assert!(
        dsn.contains("returned to the sender by the administrator"),
        "{dsn}"
    );
    assert!(
        dsn.contains("Final-Recipient: rfc822; y@later.test"),
        "{dsn}"
    );
    // Delete: gone, and the sender is not told.
    a.admin_ok(&["queue", "delete", &delete], "");
    let (ok, _, err) = a.admin(&["queue", "show", &delete], "");
    assert!(!ok && err.contains("no queue entry"), "{err}");
    let (ok, _, err) = a.admin(&["queue", "retry", &bounce], "");
    assert!(!ok && err.contains("no longer waiting"), "{err}");
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(inbox(&a, jo).len(), 1, "one DSN only");
}
