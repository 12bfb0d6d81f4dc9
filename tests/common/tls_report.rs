//! What the outbound TLS policy tests (RFC 8461 MTA-STS, RFC 7672 DANE) read back from the
//! servers: a mailbox over IMAP, the queue (`kantor admin queue list --json`), the TLS-RPT
//! reports (RFC 8460) read by Python's email, gzip and json modules, and an SPKI digest by
//! openssl for TLSA records.

use super::peer::{eventually, inbox};
use super::{TestServer, run_with_input};
use std::path::Path;
use std::process::Command;

/// The queue entry of `to` on `server` (`kantor admin queue list --json`).
pub fn queued(server: &TestServer, to: &str) -> serde_json::Value {
    let list: serde_json::Value =
        serde_json::from_str(&server.admin_ok(&["queue", "list", "--json"], "")).unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .rfind(|q| q["to"] == to)
        .cloned()
        .unwrap_or(serde_json::Value::Null)
}

/// Waits for the message with `subject` in `to`'s INBOX on `b`, checks that A's queue says it
/// went to the MX host `mx` over TLS, and returns it.
pub fn delivered_over_tls(
    a: &TestServer,
    b: &TestServer,
    to: &str,
    subject: &str,
    mx: &str,
) -> String {
    let message = eventually(20, subject, || {
        inbox(b, to)
            .into_iter()
            .find(|m| m.contains(&format!("Subject: {subject}")))
    });
    let entry = queued(a, to);
    let reply = entry["remote_reply"].as_str().unwrap_or("");
    assert!(
        reply.starts_with(&format!("{mx} (")) && reply.contains(", TLS)"),
        "{entry}"
    );
    message
}

/// A TLS-RPT report mail read by Python's email, gzip and json: its headers and JSON.
pub fn read_report(message: &str) -> serde_json::Value {
    let script = r#"
import email, email.policy, gzip, json, sys
m = email.message_from_bytes(sys.stdin.buffer.read(), policy=email.policy.default)
assert m.get_content_type() == "multipart/report", m.get_content_type()
assert m.get_param("report-type") == "tlsrpt"
parts = [p for p in m.walk() if p.get_content_type() == "application/tlsrpt+gzip"]
assert len(parts) == 1
assert parts[0].get_filename().endswith(".json.gz"), parts[0].get_filename()
report = json.loads(gzip.decompress(parts[0].get_payload(decode=True)))
print(json.dumps({"domain": m["TLS-Report-Domain"], "submitter": m["TLS-Report-Submitter"],
                  "subject": str(m["Subject"]), "report": report}))
"#;
    let out = run_with_input("python3", &["-c", script], message.as_bytes());
    assert!(
        out.status.success(),
        "{}\n{message}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The SHA-256 of the SubjectPublicKeyInfo of a PEM certificate, in hex (a `3 1 1` TLSA
/// record's data), by openssl.
pub fn spki_sha256(pem: &Path) -> String {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "openssl x509 -in '{}' -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256 -r",
            pem.display()
        ))
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

/// The queue entry of `to` once it has been deferred twice (tried, held, tried again).
pub fn held_twice(server: &TestServer, to: &str) -> serde_json::Value {
    eventually(
        20,
        &format!("the message to {to} to be deferred twice"),
        || {
            let entry = queued(server, to);
            (entry["status"] == "deferred" && entry["attempts"].as_u64().unwrap_or(0) >= 2)
                .then_some(entry)
        },
    )
}

/// `kantor admin tls-report send --date today` on `server` (with its configuration), its output.
pub fn send_todays_reports(server: &TestServer) -> String {
    let config = server.dir.path().join("kantor.toml");
    server.admin_ok(
        &[
            "tls-report",
            "send",
            "--date",
            "today",
            "--config",
            config.to_str().unwrap(),
        ],
        "",
    )
}

/// A sender for the DANE tests: one.test with jo, delivering to `port`, retrying every second.
pub fn dane_sender(resolver: &str, port: u16) -> TestServer {
    let server = TestServer::start(&format!(
        "[imap]\nallow_plaintext_auth = true\n{resolver}[outbound]\nsmtp_port = {port}\n\
         retry_schedule_secs = [1]\nconnect_timeout_secs = 2\ncommand_timeout_secs = 10\n\
         tls_report_from = \"tls-reports@one.test\"\n",
    ));
    server.admin_ok(&["domain", "add", "one.test"], "");
    server.add_user("jo@one.test");
    server
}
