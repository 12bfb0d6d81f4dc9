//! Outbound TLS policies between two real Kantor servers, with a real DNS server (dnsmasq) and
//! a test certificate authority made with openssl: B serves its domains' MTA-STS policies (RFC
//! 8461) over HTTPS and receives on port 25 with a certificate of that CA; A, trusting the CA
//! (`[outbound] tls_ca_file`), fetches the policies and delivers as they require. An enforced
//! domain whose MX certificate does not name the MX host gets nothing (deferred with the
//! reason); one whose MX host is valid gets its mail over TLS, and its MX host the policy does
//! not name is skipped; a testing domain gets its mail and the failure is counted. The TLS-RPT
//! reports (RFC 8460) A then sends arrive in a mailbox on B (or at Python's HTTPS server), and
//! Python's email, gzip and json modules read their counts. A connects from 127.0.0.5
//! (`[outbound] source_ipv4`): B's Received header and the reports' `sending-mta-ip` show it;
//! the failure details name B's EHLO name and rustls's certificate error (RFC 8460 §4.4).
//! DANE-EE records are `outbound_dane_ee.rs`'s, DANE-TA `outbound_dane.rs`'s.

mod common;
use common::dns::Dnsmasq;
use common::peer::{eventually, inbox};
use common::tls_report::*;
use common::*;
use std::path::Path;
use std::process::{Command, Stdio};

/// A CA, and a certificate of it for B naming the MX and policy hosts of the test domains,
/// but not `mx.bad.test` (bad.test's MX is then not authenticated) nor `mx.try.test`.
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
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    openssl(
        &[
            &["req", "-x509"][..],
            &ec,
            &[
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "2",
                "-subj",
                "/CN=Kantor test CA",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
        ]
        .concat(),
    );
    openssl(
        &[
            &["req"][..],
            &ec,
            &[
                "-keyout",
                "b.key",
                "-out",
                "b.csr",
                "-subj",
                "/CN=mx.sts.test",
            ],
        ]
        .concat(),
    );
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=DNS:mx.sts.test,DNS:mx-other.sts.test,DNS:mta-sts.sts.test,\
         DNS:mta-sts.bad.test,DNS:mta-sts.try.test,DNS:reports.sts.test\nbasicConstraints=CA:FALSE\n\
         keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "b.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "b.pem",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    ]);
}

/// sts.test (enforce): MX mx-other.sts.test (preferred, not in the policy) and mx.sts.test;
/// bad.test (enforce) and try.test (testing): an MX the certificate does not name. All at B.
/// TLS reports: by mail to reports@sts.test, try.test's by HTTPS to `https://reports.sts.test`
/// on `report_port`.
fn records(report_port: u16) -> Vec<String> {
    let mut records: Vec<String> = [
        "--mx-host=sts.test,mx-other.sts.test,5",
        "--mx-host=sts.test,mx.sts.test,10",
        "--mx-host=bad.test,mx.bad.test,10",
        "--mx-host=try.test,mx.try.test,10",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for host in [
        "mx.sts.test",
        "mx-other.sts.test",
        "mx.bad.test",
        "mx.try.test",
        "mta-sts.sts.test",
        "mta-sts.bad.test",
        "mta-sts.try.test",
        "reports.sts.test",
    ] {
        records.push(format!("--host-record={host},127.0.0.1"));
    }
    // Unquoted (dnsmasq would keep the quotes in the record), and without commas (dnsmasq
    // splits strings there).
    for domain in ["sts.test", "bad.test", "try.test"] {
        records.push(format!(
            "--txt-record=_mta-sts.{domain},v=STSv1; id=20261206"
        ));
    }
    for domain in ["sts.test", "bad.test"] {
        records.push(format!(
            "--txt-record=_smtp._tls.{domain},v=TLSRPTv1; rua=mailto:reports@sts.test"
        ));
    }
    records.push(format!(
        "--txt-record=_smtp._tls.try.test,v=TLSRPTv1; rua=https://reports.sts.test:{report_port}/tlsrpt"
    ));
    records
}

fn submit(server: &TestServer, from: &str, to: &str, subject: &str) {
    swaks_submit(server, from, to, subject, "Policy permitting.");
}

/// Python's HTTPS server, taking one POST of a report: its port; when it is done, the request's
/// path, Content-Type and body are in `dir/posted.{path,type,body}`.
fn report_server(dir: &Path) -> (std::process::Child, u16) {
    let script = r#"
import http.server, ssl, sys
d = sys.argv[1]
class Report(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        open(d + "/posted.body", "wb").write(body)
        open(d + "/posted.type", "w").write(self.headers["Content-Type"])
        open(d + "/posted.path", "w").write(self.path)
        self.send_response(201)
        self.end_headers()
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Report)
tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
tls.load_cert_chain(d + "/b.pem", d + "/b.key")
server.socket = tls.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.timeout = 60
server.handle_request()
"#;
    let mut child = Command::new("python3")
        .args(["-c", script, dir.to_str().unwrap()])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    use std::io::BufRead;
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    (
        child,
        line.trim().parse().expect("the report server's port"),
    )
}

#[test]
fn mta_sts_policies_are_enforced_and_reported() {
    let certs = tempfile::tempdir().unwrap();
    certificates(certs.path());
    let (mut report_server, report_port) = report_server(certs.path());
    let mut dns = Dnsmasq::start(&records(report_port));
    let b = TestServer::start(&format!(
        "[imap]\nallow_plaintext_auth = true\n\
         [tls]\ncertificate = \"{0}/b.pem\"\nprivate_key = \"{0}/b.key\"\n\
         [mta_sts]\nmode = \"enforce\"\nmx = [\"mx.sts.test\", \"mx.bad.test\", \"*.try.test\"]\n\
         domain_modes = {{ \"try.test\" = \"testing\" }}\n",
        certs.path().display()
    ));
    b.add_domains(&["sts.test", "bad.test", "try.test"]);
    b.add_users(&[
        "alice@sts.test",
        "reports@sts.test",
        "bob@bad.test",
        "carol@try.test",
    ]);
    let mut a = TestServer::start(&format!(
        "[imap]\nallow_plaintext_auth = true\n{}[outbound]\nsmtp_port = {}\nmta_sts_port = {}\n\
         tls_ca_file = \"{}/ca.pem\"\nretry_schedule_secs = [1]\nconnect_timeout_secs = 2\n\
         command_timeout_secs = 10\ntls_report_from = \"tls-reports@one.test\"\n\
         source_ipv4 = \"127.0.0.5\"\n",
        dns.resolver_config(),
        b.port("smtp"),
        b.port("https"),
        certs.path().display()
    ));
    a.admin_ok(&["domain", "add", "one.test"], "");
    let jo = "jo@one.test";
    a.add_user(jo);

    // B publishes what `domain dns` prints: the policy's id and the policy itself.
    let zone = b.admin_ok(
        &[
            "domain",
            "dns",
            "sts.test",
            "--hostname",
            "mx.sts.test",
            "--config",
            b.dir.path().join("kantor.toml").to_str().unwrap(),
        ],
        "",
    );
    assert!(
        zone.contains("_mta-sts.sts.test.\t3600\tIN\tTXT\t\"v=STSv1; id="),
        "{zone}"
    );
    assert!(zone.contains(";   mode: enforce"), "{zone}");
    assert!(
        zone.contains("_smtp._tls.sts.test.\t3600\tIN\tTXT\t\"v=TLSRPTv1;"),
        "{zone}"
    );
    let (ok, policy) = run_status(
        "curl",
        &[
            "-sS",
            "--cacert",
            certs.path().join("ca.pem").to_str().unwrap(),
            "--resolve",
            &format!("mta-sts.try.test:{}:127.0.0.1", b.port("https")),
            &format!(
                "https://mta-sts.try.test:{}/.well-known/mta-sts.txt",
                b.port("https")
            ),
        ],
    );
    assert!(ok, "{policy}");
    assert!(
        policy.starts_with("version: STSv1\r\nmode: testing\r\n"),
        "{policy}"
    );

    submit(&a, jo, "bob@bad.test", "held");
    submit(&a, jo, "alice@sts.test", "enforced");
    submit(&a, jo, "carol@try.test", "testing");

    // sts.test: over TLS to mx.sts.test, its preferred MX (not in the policy) skipped.
    let alice = delivered_over_tls(&a, &b, "alice@sts.test", "enforced", "mx.sts.test");
    assert!(alice.contains("Policy permitting."), "{alice}");
    // try.test: delivered, although its MX's certificate does not name it (testing); B saw
    // the connection come from A's source address.
    let carol = eventually(20, "carol's message", || {
        inbox(&b, "carol@try.test")
            .into_iter()
            .find(|m| m.contains("Subject: testing"))
    });
    assert!(
        carol.contains("Received: from mail.example.test ([127.0.0.5])"),
        "{carol}"
    );
    // bad.test: deferred with the reason, attempt after attempt, and never delivered.
    let held = held_twice(&a, "bob@bad.test");
    let error = held["last_error"].as_str().unwrap_or("");
    assert!(
        error.contains(
            "mx.bad.test fails the MTA-STS policy of bad.test (certificate-host-mismatch)"
        ),
        "{held}"
    );
    assert!(inbox(&b, "bob@bad.test").is_empty());

    // The day's reports, sent now, arrive at reports@sts.test.
    let sent = send_todays_reports(&a);
    assert_eq!(
        sent.matches("sent to mailto:reports@sts.test").count(),
        2,
        "{sent}"
    );
    let https = format!("sent to https://reports.sts.test:{report_port}/tlsrpt");
    assert!(sent.contains(&https), "{sent}");
    let reports = eventually(20, "two reports", || {
        let all = inbox(&b, "reports@sts.test");
        (all.len() >= 2).then_some(all)
    });
    let mut reports: Vec<serde_json::Value> = reports.iter().map(|m| read_report(m)).collect();
    // try.test's, posted (RFC 8460 §5.4), read by Python's gzip and json.
    report_server.wait().unwrap();
    let posted = |what: &str| certs.path().join(format!("posted.{what}"));
    assert_eq!(
        std::fs::read_to_string(posted("type")).unwrap(),
        "application/tlsrpt+gzip"
    );
    assert_eq!(std::fs::read_to_string(posted("path")).unwrap(), "/tlsrpt");
    let json = run(
        "python3",
        &[
            "-c",
            "import gzip, json, sys; print(json.dumps(json.load(gzip.open(sys.argv[1]))))",
            posted("body").to_str().unwrap(),
        ],
    );
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    reports.push(serde_json::json!({
        "domain": "try.test",
        "submitter": "mail.example.test",
        "subject": "Report Domain: try.test Submitter: mail.example.test Report-ID: <(posted)>",
        "report": report,
    }));
    let of = |domain: &str| {
        let found = reports
            .iter()
            .find(|r| r["domain"] == domain)
            .expect(domain);
        assert_eq!(found["submitter"], "mail.example.test");
        let subject = found["subject"].as_str().unwrap();
        assert!(
            subject.starts_with(&format!(
                "Report Domain: {domain} Submitter: mail.example.test Report-ID: <"
            )),
            "{subject}"
        );
        let report = &found["report"];
        assert_eq!(report["organization-name"], "mail.example.test");
        assert!(report["report-id"].as_str().unwrap().contains(domain));
        let policies = report["policies"].as_array().unwrap();
        assert_eq!(policies.len(), 1, "{report}");
        assert_eq!(policies[0]["policy"]["policy-type"], "sts", "{report}");
        assert_eq!(policies[0]["policy"]["policy-domain"], domain, "{report}");
        policies[0].clone()
    };
    let sts = of("sts.test");
    assert!(
        sts["summary"]["total-successful-session-count"]
            .as_u64()
            .unwrap()
            >= 1,
        "{sts}"
    );
    assert_eq!(sts["summary"]["total-failure-session-count"], 0, "{sts}");
    assert_eq!(sts["policy"]["mx-host"][0], "mx.sts.test", "{sts}");
    let try_ = of("try.test");
    assert_eq!(
        try_["summary"]["total-successful-session-count"], 0,
        "{try_}"
    );
    assert_eq!(try_["summary"]["total-failure-session-count"], 1, "{try_}");
    let detail = &try_["failure-details"][0];
    assert_eq!(detail["result-type"], "certificate-host-mismatch", "{try_}");
    assert_eq!(detail["receiving-mx-hostname"], "mx.try.test", "{try_}");
    assert_eq!(detail["receiving-ip"], "127.0.0.1", "{try_}");
    // RFC 8460 §4.4: A's end of the session (its `source_ipv4`), the name B announced in its
    // EHLO reply (its `[server] hostname`), and rustls's reason for refusing the certificate.
    assert_eq!(detail["sending-mta-ip"], "127.0.0.5", "{try_}");
    assert_eq!(detail["receiving-mx-helo"], "mail.example.test", "{try_}");
    let reason = detail["failure-reason-code"].as_str().unwrap_or("");
    assert!(
        reason.contains("certificate not valid for name \"mx.try.test\"") && reason.len() <= 200,
        "{try_}"
    );
    let bad = of("bad.test");
    assert_eq!(bad["summary"]["total-successful-session-count"], 0, "{bad}");
    let failures = bad["summary"]["total-failure-session-count"]
        .as_u64()
        .unwrap();
    assert!(failures >= 2, "{bad}");
    assert_eq!(
        bad["failure-details"][0]["result-type"],
        "certificate-host-mismatch"
    );
    // Every failed session has the same ends and reason: one entry counts them all.
    assert_eq!(bad["failure-details"].as_array().unwrap().len(), 1, "{bad}");
    assert_eq!(bad["failure-details"][0]["failed-session-count"], failures);
    let reason = bad["failure-details"][0]["failure-reason-code"]
        .as_str()
        .unwrap_or("");
    assert!(reason.contains("\"mx.bad.test\""), "{bad}");
    // Still held, and still never delivered.
    assert_eq!(queued(&a, "bob@bad.test")["status"], "deferred");
    assert!(inbox(&b, "bob@bad.test").is_empty());

    // sts.test's policy is cached in A's store (RFC 8461 §5.1): with A restarted, the policy
    // host gone and the TXT record announcing a new policy that cannot be fetched, the cached
    // one still applies.
    let later: Vec<String> = records(report_port)
        .into_iter()
        .filter(|r| !r.starts_with("--host-record=mta-sts.sts.test"))
        .map(|r| {
            r.replace(
                "_mta-sts.sts.test,v=STSv1; id=20261206",
                "_mta-sts.sts.test,v=STSv1; id=20261207",
            )
        })
        .collect();
    dns.replace(&later);
    a.restart();
    submit(&a, jo, "alice@sts.test", "cached");
    delivered_over_tls(&a, &b, "alice@sts.test", "cached", "mx.sts.test");
}
