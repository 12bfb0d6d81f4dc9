//! Two Kantor servers that know each other only through DNS, as two companies' servers do: A
//! (one.test) on 127.0.0.2 and B (two.test) on 127.0.0.3, both on the same SMTP port, with a
//! real DNS server (dnsmasq) giving each domain its MX, SPF, DMARC (`p=reject`) and the DKIM
//! records `kantor admin domain dns` prints. Mail goes from A to B and the answer back from B
//! to A; each side's checks (RFC 7208, RFC 6376, RFC 7489) find the other's mail signed and
//! aligned, so DMARC passes and nothing is refused or filed in Junk.

mod common;
use common::dns::Dnsmasq;
use common::*;
use std::net::TcpListener;
use std::time::{Duration, Instant};

/// A port free on both 127.0.0.2 and 127.0.0.3.
fn shared_port() -> u16 {
    for _ in 0..50 {
        let first = TcpListener::bind("127.0.0.2:0").expect("127.0.0.2 (loopback)");
        let port = first.local_addr().unwrap().port();
        if TcpListener::bind(("127.0.0.3", port)).is_ok() {
            return port;
        }
    }
    panic!("no port free on both 127.0.0.2 and 127.0.0.3");
}

/// The DNS of both domains; `zones` are `kantor admin domain dns` outputs whose TXT records
/// (DKIM keys among them) are served too.
fn records(zones: &[String]) -> Vec<String> {
    let mut records: Vec<String> = [
        "--mx-host=one.test,mx.one.test,10",
        "--host-record=mx.one.test,127.0.0.2",
        "--mx-host=two.test,mx.two.test,10",
        "--host-record=mx.two.test,127.0.0.3",
        // Connections between loopback addresses come from 127.0.0.1.
        "--txt-record=one.test,v=spf1 ip4:127.0.0.0/8 -all",
        "--txt-record=two.test,v=spf1 ip4:127.0.0.0/8 -all",
        "--txt-record=_dmarc.one.test,v=DMARC1; p=reject",
        "--txt-record=_dmarc.two.test,v=DMARC1; p=reject",
    ]
    .map(String::from)
    .to_vec();
    for zone in zones {
        records.extend(dkim_records(zone));
    }
    records
}

/// The DKIM TXT records of a zone file as dnsmasq options, each value cut into strings of at
/// most 255 octets (RFC 1035 §3.3.14; verifiers join them, RFC 6376 §3.6.2.2).
fn dkim_records(zone: &str) -> Vec<String> {
    zone.lines()
        .filter(|line| line.contains("._domainkey.") && line.contains("\tTXT\t"))
        .map(|line| {
            let name = line.split('\t').next().unwrap().trim_end_matches('.');
            let value: String = line
                .split('"')
                .skip(1)
                .step_by(2)
                .collect::<Vec<_>>()
                .concat();
            let strings: Vec<String> = value
                .as_bytes()
                .chunks(250)
                .map(|c| String::from_utf8(c.to_vec()).unwrap())
                .collect();
            format!("--txt-record={name},{}", strings.join(","))
        })
        .collect()
}

fn submit(server: &TestServer, from: &str, to: &str, subject: &str) {
    swaks_submit(server, from, to, subject, "Across the internet.");
}

/// The message with `subject` in `user`'s INBOX, waited for up to 20 s.
fn arrived(server: &TestServer, user: &str, subject: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut imap = ImapClient::login(server.addr("imap"), user);
        imap.ok("SELECT INBOX");
        let found = imap.ok(&format!("SEARCH SUBJECT \"{subject}\"")).join(" ");
        if let Some(n) = found
            .split_whitespace()
            .skip(2)
            .find(|w| w.parse::<u32>().is_ok())
        {
            return imap.ok(&format!("FETCH {n} BODY.PEEK[HEADER]")).join("\n");
        }
        assert!(
            Instant::now() < deadline,
            "{subject:?} never reached {user}'s INBOX"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn two_servers_exchange_signed_mail_through_dns() {
    let port = shared_port();
    let mut dns = Dnsmasq::start(&records(&[]));
    let config = format!(
        "[imap]\nallow_plaintext_auth = true\n{}[outbound]\nsmtp_port = {port}\n\
         retry_schedule_secs = [1]\nconnect_timeout_secs = 2\n",
        dns.resolver_config()
    );
    let a = TestServer::start_with_smtp_at(&format!("127.0.0.2:{port}"), &config);
    let b = TestServer::start_with_smtp_at(&format!("127.0.0.3:{port}"), &config);
    a.admin_ok(&["domain", "add", "one.test"], "");
    b.admin_ok(&["domain", "add", "two.test"], "");
    let (jo, bob) = ("jo@one.test", "bob@two.test");
    a.add_user(jo);
    b.add_user(bob);
    let zones = [
        a.admin_ok(
            &["domain", "dns", "one.test", "--hostname", "mx.one.test"],
            "",
        ),
        b.admin_ok(
            &["domain", "dns", "two.test", "--hostname", "mx.two.test"],
            "",
        ),
    ];
    dns.replace(&records(&zones));

    submit(&a, jo, bob, "question from one");
    let at_b = arrived(&b, bob, "question from one");
    submit(&b, bob, jo, "answer from two");
    let at_a = arrived(&a, jo, "answer from two");

    for (message, domain) in [(&at_b, "one.test"), (&at_a, "two.test")] {
        let results = message
            .split("Authentication-Results:")
            .nth(1)
            .unwrap_or_else(|| panic!("no Authentication-Results: {message}"));
        let results = &results[..results.find("\r\n\r\n").unwrap_or(results.len())];
        for wanted in [
            format!("dkim=pass header.d={domain} header.s=kantor-ed25519"),
            format!("dkim=pass header.d={domain} header.s=kantor-rsa"),
            "spf=pass".to_string(),
            format!("dmarc=pass header.from={domain}"),
        ] {
            let flat = results.replace("\r\n\t", " ").replace("\r\n ", " ");
            assert!(flat.contains(&wanted), "{wanted} missing in {flat}");
        }
        assert!(message.contains("DKIM-Signature:"), "{message}");
    }
    // Nothing was filed elsewhere: each side's Junk is empty.
    for (server, user) in [(&a, jo), (&b, bob)] {
        let mut imap = ImapClient::login(server.addr("imap"), user);
        let status = imap.ok("STATUS Junk (MESSAGES)").join("");
        assert_eq!(number_after(&status, "MESSAGES"), Some(0), "{status}");
    }
}
