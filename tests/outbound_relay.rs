//! Smarthost mode (`[relay]`): Kantor A sends remote mail through Kantor B's submission port
//! (STARTTLS required, then AUTH as a user of B, RFC 4954) instead of looking up MX hosts; the
//! destination (three.test, with no DNS record at all) is served by B, so the message can only
//! arrive through the relay (its password read from `password_file`), while mail to a domain
//! the relay is not for (`domains`) is looked up in the DNS. A wrong password holds the mail
//! (deferred) with B's reply recorded.

mod common;
use common::dns::Dnsmasq;
use common::peer::{eventually, submit};
use common::*;

const JO: &str = "jo@one.test";

/// A sending Kantor relaying mail for three.test through `relay`'s submission port, with
/// `password` (a `password` or `password_file` line); other domains' mail goes to their MX
/// hosts, as `dns` says.
fn relaying_server(relay: &TestServer, dns: &Dnsmasq, password: &str) -> TestServer {
    let a = TestServer::start(&format!(
        "{}[outbound]\nretry_schedule_secs = [60]\nconnect_timeout_secs = 2\n\
         command_timeout_secs = 10\n\
         [relay]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"starttls\"\n\
         verify_certificate = false\nusername = \"{JO}\"\n{password}\n\
         domains = [\"three.test\"]\n",
        dns.resolver_config(),
        relay.port("submission"),
    ));
    a.admin_ok(&["domain", "add", "one.test"], "");
    a.add_user(JO);
    a
}

#[test]
fn remote_mail_goes_through_the_relay_with_auth() {
    // B: the provider, where the company's sender has an account, and the destination's server.
    let b = TestServer::start("[imap]\nallow_plaintext_auth = true\n");
    b.add_domains(&["one.test", "three.test"]);
    b.add_user(JO);
    b.add_user("carol@three.test");

    // No DNS record for three.test or nowhere.test: only the relay can take three.test's mail.
    let dns = Dnsmasq::start(&[]);
    let secret = tempfile::tempdir().unwrap();
    let password_file = secret.path().join("relay-password");
    std::fs::write(&password_file, format!("{PASSWORD}\n")).unwrap();
    let a = relaying_server(
        &b,
        &dns,
        &format!("password_file = {:?}", password_file.to_str().unwrap()),
    );
    submit(
        a.port("submission"),
        JO,
        "carol@three.test",
        "relayed",
        "Through B.",
        &[],
    );
    let arrived = eventually(15, "carol's message", || {
        let mut imap = ImapClient::login(b.addr("imap"), "carol@three.test");
        imap.ok("SELECT INBOX");
        let found = imap.ok("FETCH 1:* BODY.PEEK[]").join("\n");
        found.contains("Subject: relayed").then_some(found)
    });
    assert!(arrived.contains("Through B."), "{arrived}");
    // Signed by A before it left (one.test's keys on A).
    assert!(arrived.contains("DKIM-Signature:"), "{arrived}");
    assert!(arrived.contains("d=one.test"), "{arrived}");
    let q = a.admin_ok(&["queue", "list", "--json"], "");
    assert!(
        q.contains("\"status\":\"delivered\"") || q.contains("\"status\": \"delivered\""),
        "{q}"
    );
    assert!(q.contains("127.0.0.1"), "the relay's reply: {q}");

    // Not a relayed domain: looked up in the DNS (where it does not exist) and bounced.
    submit(
        a.port("submission"),
        JO,
        "x@nowhere.test",
        "direct",
        "Not relayed.",
        &[],
    );
    eventually(15, "the bounce of the unrelayed domain", || {
        let q = a.admin_ok(&["queue", "list"], "");
        (q.contains("bounced") && q.contains("x@nowhere.test")).then_some(())
    });
    let q = a.admin_ok(&["queue", "list", "--json"], "");
    assert!(q.contains("5.1.2"), "{q}");

    // A wrong password: B refuses AUTH, the message waits with B's reply as the last error.
    let wrong = relaying_server(&b, &dns, "password = \"not-the-password\"");
    submit(
        wrong.port("submission"),
        JO,
        "carol@three.test",
        "held",
        "Not yet.",
        &[],
    );
    let held = eventually(15, "the deferral", || {
        let q: serde_json::Value =
            serde_json::from_str(&wrong.admin_ok(&["queue", "list", "--json"], "")).unwrap();
        q.as_array()
            .unwrap()
            .iter()
            .find(|e| e["status"] == "deferred")
            .cloned()
    });
    let error = held["last_error"].as_str().unwrap();
    assert!(error.contains("refused AUTH: 535"), "{error}");
}
