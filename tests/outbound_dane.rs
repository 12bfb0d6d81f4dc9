//! DANE-TA (RFC 7672 §3.1.2) between two real Kantor servers, with a zone Knot DNS signs and A
//! validates: B's certificate is issued by a test CA made with openssl, which A does not
//! otherwise trust (no `tls_ca_file`, not in the Web PKI); B sends the CA's certificate in its
//! chain, and the TLSA record `2 1 1` (the CA's public key) or `2 0 1` (its certificate) makes
//! it the trust anchor for the MX host. A record of another CA matches nothing in the chain:
//! the mail is held, and the TLS-RPT report (RFC 8460) says `tlsa-invalid`; a record of the
//! right CA for an MX host the certificate does not name says `certificate-host-mismatch`.
//! Each failure detail carries A's end of the session (`sending-mta-ip`, §4.4).

mod common;
use common::peer::{eventually, inbox};
use common::tls_report::*;
use common::*;
use std::path::Path;
use std::process::Command;

/// Two CAs (`ca`, `other-ca`) and B's certificate, issued by `ca`, naming `mx.ta.test`,
/// `mx.ta-cert.test` and `mx.ta-other.test` (not `mx.ta-name.test`); `chain.pem` is B's
/// certificate followed by the CA's, as B serves it (§3.1.2: the trust anchor in the chain).
fn certificates(dir: &Path) {
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let ec = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
    for (name, subject) in [("ca", "Kantor test CA"), ("other-ca", "Another test CA")] {
        let args = format!("req -x509 {ec} -keyout {name}.key -out {name}.pem -days 2");
        let mut args: Vec<&str> = args.split(' ').collect();
        let subject = format!("/CN={subject}");
        args.extend([
            "-subj",
            &subject,
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ]);
        openssl(&args);
    }
    let args = format!("req {ec} -keyout b.key -out b.csr -subj /CN=mx.ta.test");
    openssl(&args.split(' ').collect::<Vec<_>>());
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=DNS:mx.ta.test,DNS:mx.ta-cert.test,DNS:mx.ta-other.test\n\
         basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(
        &"x509 -req -in b.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out b.pem -days 2 \
          -extfile ext.cnf"
            .split_whitespace()
            .collect::<Vec<_>>(),
    );
    let chain = [
        std::fs::read_to_string(dir.join("b.pem")).unwrap(),
        std::fs::read_to_string(dir.join("ca.pem")).unwrap(),
    ]
    .concat();
    std::fs::write(dir.join("chain.pem"), chain).unwrap();
}

/// The SHA-256 of a PEM certificate's DER encoding, in hex (a `2 0 1` record's data).
fn cert_sha256(pem: &Path) -> String {
    let out = run(
        "sh",
        &[
            "-c",
            &format!(
                "openssl x509 -in '{}' -outform DER | openssl dgst -sha256 -r",
                pem.display()
            ),
        ],
    );
    out.split_whitespace().next().unwrap().to_string()
}

#[test]
fn dane_ta_anchors_the_chain_and_failures_are_reported() {
    let certs = tempfile::tempdir().unwrap();
    certificates(certs.path());
    let b = TestServer::start(&format!(
        "[imap]\nallow_plaintext_auth = true\n\
         [tls]\ncertificate = \"{0}/chain.pem\"\nprivate_key = \"{0}/b.key\"\n",
        certs.path().display()
    ));
    b.add_domains(&["ta.test", "ta-cert.test", "ta-other.test", "ta-name.test"]);
    b.add_users(&[
        "alice@ta.test",
        "reports@ta.test",
        "carl@ta-cert.test",
        "bob@ta-other.test",
        "dan@ta-name.test",
    ]);
    // TLSA records sit at the port A connects to (`_25._tcp` in real use).
    let port = b.port("smtp");
    let ca_key = spki_sha256(&certs.path().join("ca.pem"));
    let ca_cert = cert_sha256(&certs.path().join("ca.pem"));
    let other_key = spki_sha256(&certs.path().join("other-ca.pem"));
    assert_ne!(ca_key, other_key);
    let mut zone = Vec::new();
    for (domain, tlsa) in [
        ("ta.test", format!("2 1 1 {ca_key}")),
        ("ta-cert.test", format!("2 0 1 {ca_cert}")),
        ("ta-other.test", format!("2 1 1 {other_key}")),
        ("ta-name.test", format!("2 1 1 {ca_key}")),
    ] {
        zone.push(format!("{domain}. MX 10 mx.{domain}."));
        zone.push(format!("mx.{domain}. A 127.0.0.1"));
        zone.push(format!("_{port}._tcp.mx.{domain}. TLSA {tlsa}"));
        zone.push(format!(
            "_smtp._tls.{domain}. TXT \"v=TLSRPTv1; rua=mailto:reports@ta.test\""
        ));
    }
    let knot = common::knot::Knot::start(&zone);
    let a = dane_sender(&knot.resolver_config(), port);
    let jo = "jo@one.test";
    let submit = |to: &str, subject: &str| swaks_submit(&a, jo, to, subject, "Anchored.");
    submit("bob@ta-other.test", "other CA");
    submit("dan@ta-name.test", "unnamed host");
    submit("alice@ta.test", "public key");
    submit("carl@ta-cert.test", "certificate");

    // The CA is trusted for these MX hosts through their TLSA records alone: delivered, over TLS.
    for (to, subject, host) in [
        ("alice@ta.test", "public key", "mx.ta.test"),
        ("carl@ta-cert.test", "certificate", "mx.ta-cert.test"),
    ] {
        let message = delivered_over_tls(&a, &b, to, subject, host);
        assert!(message.contains("Anchored."), "{message}");
    }
    // Another CA's record, or a host the certificate does not name: held, attempt after
    // attempt, with the reason.
    for (to, host, result) in [
        ("bob@ta-other.test", "mx.ta-other.test", "tlsa-invalid"),
        (
            "dan@ta-name.test",
            "mx.ta-name.test",
            "certificate-host-mismatch",
        ),
    ] {
        let held = held_twice(&a, to);
        let error = held["last_error"].as_str().unwrap_or("");
        assert!(
            error.contains(&format!("{host} fails its DANE TLSA records ({result})")),
            "{held}"
        );
        assert!(inbox(&b, to).is_empty());
    }

    // The day's reports, one per domain, at reports@ta.test.
    let sent = send_todays_reports(&a);
    assert_eq!(
        sent.matches("sent to mailto:reports@ta.test").count(),
        4,
        "{sent}"
    );
    let reports = eventually(20, "four reports", || {
        let all = inbox(&b, "reports@ta.test");
        (all.len() >= 4).then_some(all)
    });
    let reports: Vec<serde_json::Value> = reports.iter().map(|m| read_report(m)).collect();
    let of = |domain: &str, tlsa: &str| {
        let found = reports
            .iter()
            .find(|r| r["domain"] == domain)
            .expect(domain);
        let policies = found["report"]["policies"].as_array().unwrap();
        assert_eq!(policies.len(), 1, "{found}");
        let policy = &policies[0];
        assert_eq!(policy["policy"]["policy-type"], "tlsa", "{found}");
        assert_eq!(policy["policy"]["policy-domain"], domain, "{found}");
        assert_eq!(policy["policy"]["policy-string"][0], tlsa, "{found}");
        policy.clone()
    };
    for (domain, tlsa) in [
        ("ta.test", format!("2 1 1 {ca_key}")),
        ("ta-cert.test", format!("2 0 1 {ca_cert}")),
    ] {
        let policy = of(domain, &tlsa);
        assert_eq!(
            policy["summary"]["total-successful-session-count"], 1,
            "{policy}"
        );
        assert_eq!(
            policy["summary"]["total-failure-session-count"], 0,
            "{policy}"
        );
        assert!(policy.get("failure-details").is_none(), "{policy}");
    }
    for (domain, tlsa, result) in [
        (
            "ta-other.test",
            format!("2 1 1 {other_key}"),
            "tlsa-invalid",
        ),
        (
            "ta-name.test",
            format!("2 1 1 {ca_key}"),
            "certificate-host-mismatch",
        ),
    ] {
        let policy = of(domain, &tlsa);
        assert_eq!(
            policy["summary"]["total-successful-session-count"], 0,
            "{policy}"
        );
        let failures = policy["summary"]["total-failure-session-count"]
            .as_u64()
            .unwrap();
        assert!(failures >= 2, "{policy}");
        let details = policy["failure-details"].as_array().unwrap();
        assert_eq!(details.len(), 1, "{policy}");
        let detail = &details[0];
        assert_eq!(detail["result-type"], result, "{policy}");
        assert_eq!(detail["failed-session-count"], failures, "{policy}");
        assert_eq!(
            detail["receiving-mx-hostname"],
            format!("mx.{domain}"),
            "{policy}"
        );
        assert_eq!(detail["receiving-ip"], "127.0.0.1", "{policy}");
        // A connects from the loopback address: its socket's local end.
        assert_eq!(detail["sending-mta-ip"], "127.0.0.1", "{policy}");
    }
    // Still held, never delivered.
    for to in ["bob@ta-other.test", "dan@ta-name.test"] {
        assert_eq!(queued(&a, to)["status"], "deferred");
        assert!(inbox(&b, to).is_empty());
    }
}
