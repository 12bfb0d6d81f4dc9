//! DANE (RFC 7672) with a zone Knot signs and A validates (`[resolver] trust_anchor`): B's
//! self-signed certificate (no Web PKI name or issuer) is accepted for dane.test, whose TLSA
//! record (DANE-EE, SPKI, SHA-256) matches it; tlsa-bad.test, whose record matches nothing,
//! gets nothing, and its TLS report says `tlsa-invalid`; so do nomx.test (no MX: its own TLSA
//! records) and cname.test (an aliased MX host: TLSA at the alias target). C, whose trust
//! anchor is not the zone's key, gets only bogus answers and holds its mail for dane.test.

mod common;
use common::peer::{eventually, inbox};
use common::tls_report::*;
use common::*;

fn swaks_submit_permitting(server: &TestServer, from: &str, to: &str, subject: &str) {
    swaks_submit(server, from, to, subject, "Policy permitting.");
}

#[test]
fn dane_tlsa_records_decide() {
    let b = TestServer::start("[imap]\nallow_plaintext_auth = true\n");
    b.add_domains(&["dane.test", "tlsa-bad.test", "nomx.test", "cname.test"]);
    b.add_users(&[
        "alice@dane.test",
        "reports@dane.test",
        "bob@tlsa-bad.test",
        "carl@nomx.test",
        "dan@cname.test",
    ]);
    let port = b.port("smtp");
    let hash = spki_sha256(&b.data().join("data/tls/cert.pem"));
    let knot = common::knot::Knot::start(&[
        "dane.test. MX 10 mx.dane.test.".into(),
        "mx.dane.test. A 127.0.0.1".into(),
        format!("_{port}._tcp.mx.dane.test. TLSA 3 1 1 {hash}"),
        "tlsa-bad.test. MX 10 mx.tlsa-bad.test.".into(),
        "mx.tlsa-bad.test. A 127.0.0.1".into(),
        format!(
            "_{port}._tcp.mx.tlsa-bad.test. TLSA 3 1 1 {}",
            "ab".repeat(32)
        ),
        "_smtp._tls.tlsa-bad.test. TXT \"v=TLSRPTv1; rua=mailto:reports@dane.test\"".into(),
        // No MX: the domain is its own mail host, and its own TLSA records count (§2.2.2).
        "nomx.test. A 127.0.0.1".into(),
        format!("_{port}._tcp.nomx.test. TLSA 3 1 1 {}", "cd".repeat(32)),
        // An MX host that is an alias: TLSA at the name it leads to counts first (§2.2.2).
        "cname.test. MX 10 mx.cname.test.".into(),
        "mx.cname.test. CNAME real.cname.test.".into(),
        "real.cname.test. A 127.0.0.1".into(),
        format!(
            "_{port}._tcp.real.cname.test. TLSA 3 1 1 {}",
            "ef".repeat(32)
        ),
    ]);
    let a = dane_sender(&knot.resolver_config(), port);
    let jo = "jo@one.test";
    // C validates with a trust anchor that is not the zone's key: every answer is bogus.
    let anchor = std::fs::read_to_string(knot.trust_anchor()).unwrap();
    let key_start = anchor.rfind(' ').unwrap() + 1;
    let mut wrong = anchor.into_bytes();
    wrong[key_start + 10] = if wrong[key_start + 10] == b'A' {
        b'B'
    } else {
        b'A'
    };
    let wrong_anchor = knot.dir().join("wrong-anchor.zone");
    std::fs::write(&wrong_anchor, wrong).unwrap();
    let c = dane_sender(
        &knot.resolver_config().replace(
            knot.trust_anchor().to_str().unwrap(),
            wrong_anchor.to_str().unwrap(),
        ),
        port,
    );
    swaks_submit_permitting(&c, jo, "alice@dane.test", "bogus");

    swaks_submit_permitting(&a, jo, "bob@tlsa-bad.test", "mismatched");
    swaks_submit_permitting(&a, jo, "carl@nomx.test", "implicit MX");
    swaks_submit_permitting(&a, jo, "dan@cname.test", "aliased MX");
    swaks_submit_permitting(&a, jo, "alice@dane.test", "authenticated");
    delivered_over_tls(&a, &b, "alice@dane.test", "authenticated", "mx.dane.test");
    // A bogus answer holds the mail instead of sending it without DANE (RFC 7672 §2.1.1).
    let held = held_twice(&c, "alice@dane.test");
    let error = held["last_error"].as_str().unwrap_or("");
    assert!(
        error.contains("bogus") && error.contains("RFC 7672"),
        "{held}"
    );
    assert!(
        !inbox(&b, "alice@dane.test")
            .iter()
            .any(|m| m.contains("Subject: bogus"))
    );
    for (to, host) in [
        ("bob@tlsa-bad.test", "mx.tlsa-bad.test"),
        ("carl@nomx.test", "nomx.test"),
        ("dan@cname.test", "mx.cname.test"),
    ] {
        let held = held_twice(&a, to);
        let error = held["last_error"].as_str().unwrap_or("");
        assert!(
            error.contains(&format!(
                "{host} fails its DANE TLSA records (tlsa-invalid)"
            )),
            "{held}"
        );
        assert!(inbox(&b, to).is_empty());
    }

    let sent = send_todays_reports(&a);
    assert!(sent.contains("sent to mailto:reports@dane.test"), "{sent}");
    let report = eventually(20, "the report", || {
        inbox(&b, "reports@dane.test").into_iter().next()
    });
    let report = read_report(&report);
    assert_eq!(report["domain"], "tlsa-bad.test");
    let policy = &report["report"]["policies"][0];
    assert_eq!(policy["policy"]["policy-type"], "tlsa", "{report}");
    assert_eq!(
        policy["policy"]["policy-string"][0],
        format!("3 1 1 {}", "ab".repeat(32)),
        "{report}"
    );
    assert_eq!(
        policy["summary"]["total-successful-session-count"], 0,
        "{report}"
    );
    assert_eq!(
        policy["failure-details"][0]["result-type"], "tlsa-invalid",
        "{report}"
    );
    assert_eq!(
        policy["failure-details"][0]["receiving-mx-hostname"], "mx.tlsa-bad.test",
        "{report}"
    );
    assert_eq!(
        policy["failure-details"][0]["sending-mta-ip"], "127.0.0.1",
        "{report}"
    );
}
