//! Port 25's checks of mail from other servers against a real DNS server: dnsmasq on a free
//! loopback port serving SPF, DKIM and DMARC TXT records, PTR and blocklist records. Mail is
//! signed with dkimpy and sent with Python's smtplib from 127.0.0.1 or 127.0.0.2
//! (tests/python/auth_mail.py), and the stored `Authentication-Results` field is parsed with
//! authres, authheaders' parser. SPF (RFC 7208), DKIM (RFC 6376), DMARC (RFC 7489), forged local
//! senders, reverse DNS, DNSBL (RFC 5782), and a DNS server that does not answer.

mod common;
use common::curl::{api, curl, https, primary_account};
use common::dns::Dnsmasq;
use common::*;
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/python/auth_mail.py"
);

/// dnsmasq serving the test zones, stopped on drop.
struct Dns {
    server: Dnsmasq,
    /// Holds the DKIM private key of `signed.test` (selector `sel`).
    dir: tempfile::TempDir,
}

impl Dns {
    fn start() -> Dns {
        let dir = tempfile::tempdir().unwrap();
        let public_key = dkim_key(dir.path());
        // A TXT record's strings are at most 255 octets each (RFC 1035 §3.3.14); on dnsmasq's
        // command line they are separated by commas, unquoted (quotes would be kept).
        let key_strings: Vec<String> = format!("v=DKIM1; k=rsa; p={public_key}")
            .as_bytes()
            .chunks(200)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect();
        let txt = |name: &str, text: &str| format!("--txt-record={name},{text}");
        let records = [
            txt("pass.test", "v=spf1 ip4:127.0.0.1 -all"),
            txt("fail.test", "v=spf1 ip4:192.0.2.1 -all"),
            txt("signed.test", "v=spf1 ip4:192.0.2.1 -all"),
            format!(
                "--txt-record=sel._domainkey.signed.test,{}",
                key_strings.join(",")
            ),
            txt("_dmarc.signed.test", "v=DMARC1; p=none"),
            txt("reject.test", "v=spf1 ip4:192.0.2.1 -all"),
            txt("_dmarc.reject.test", "v=DMARC1; p=reject"),
            txt("quarantine.test", "v=spf1 ip4:192.0.2.1 -all"),
            txt("_dmarc.quarantine.test", "v=DMARC1; p=quarantine"),
            txt("none.test", "v=spf1 ip4:192.0.2.1 -all"),
            txt("_dmarc.none.test", "v=DMARC1; p=none"),
            // Our own domain: its outside service sends from 127.0.0.2.
            txt(DOMAIN, "v=spf1 ip4:127.0.0.2 -all"),
            // 127.0.0.1 has a PTR name that resolves back; 127.0.0.2 has none.
            "--host-record=client.remote.test,127.0.0.1".into(),
            // bl.test lists 127.0.0.2 (RFC 5782 §2.1).
            "--address=/2.0.0.127.bl.test/127.0.0.2".into(),
        ];
        let mut records = records.to_vec();
        records.push("--local=/0.0.127.in-addr.arpa/".into());
        let server = Dnsmasq::start(&records);
        Dns { server, dir }
    }

    fn key(&self) -> PathBuf {
        self.dir.path().join("dkim.pem")
    }

    /// The server's configuration for this resolver, with `inbound` under `[inbound]`.
    fn config(&self, inbound: &str) -> String {
        format!(
            "{}[imap]\nallow_plaintext_auth = true\n[inbound]\n{inbound}\n",
            self.server.resolver_config()
        )
    }
}

/// Generates an RSA-2048 key in `dir/dkim.pem`; returns the public key as DKIM's `p=` wants it
/// (base64 of the DER SubjectPublicKeyInfo).
fn dkim_key(dir: &Path) -> String {
    let key = dir.join("dkim.pem");
    let key = key.to_str().unwrap();
    run("openssl", &["genrsa", "-traditional", "-out", key, "2048"]);
    let public = run("openssl", &["rsa", "-in", key, "-pubout"]);
    public
        .lines()
        .filter(|l| !l.starts_with("-----") && !l.contains("writing"))
        .collect()
}

/// One message to send.
struct Mail<'a> {
    source: &'a str,
    mail_from: &'a str,
    from: &'a str,
    subject: &'a str,
    sign: bool,
    tamper: bool,
    /// Adds an `Authentication-Results` field claiming the server's authserv-id.
    forge: bool,
    /// The recipient, when not alice.
    rcpt: Option<&'a str>,
}

impl<'a> Mail<'a> {
    fn new(mail_from: &'a str, subject: &'a str) -> Mail<'a> {
        Mail {
            source: "127.0.0.1",
            mail_from,
            from: mail_from,
            subject,
            sign: false,
            tamper: false,
            forge: false,
            rcpt: None,
        }
    }
}

/// Sends `mail` to alice on port 25; returns the server's last reply ("CODE TEXT").
fn send(server: &TestServer, dns: &Dns, mail: &Mail) -> String {
    let port = server.port("smtp").to_string();
    let rcpt = mail
        .rcpt
        .map_or_else(|| format!("alice@{DOMAIN}"), str::to_string);
    let key = dns.key();
    let mut args = vec![
        SCRIPT,
        "send",
        "127.0.0.1",
        &port,
        mail.source,
        "client.remote.test",
        mail.mail_from,
        &rcpt,
        mail.from,
        mail.subject,
    ];
    if mail.sign {
        args.extend(["--sign", "signed.test", "sel", key.to_str().unwrap()]);
    }
    if mail.tamper {
        args.push("--tamper");
    }
    if mail.forge {
        args.push("--forge");
    }
    run("python3", &args).trim().to_string()
}

/// The results of the `Authentication-Results` field of `message`, parsed by authres: the
/// authserv-id and `method result` lines.
fn parsed_results(message: &str) -> Vec<String> {
    let out = run_with_input("python3", &[SCRIPT, "results"], message.as_bytes());
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

fn server(dns: &Dns, inbound: &str) -> TestServer {
    let server = TestServer::start(&dns.config(inbound));
    server.add_user(&format!("alice@{DOMAIN}"));
    server
}

/// The message of alice's INBOX with `subject`.
fn inbox_message(server: &TestServer, subject: &str) -> String {
    pop3_messages(server, &format!("alice@{DOMAIN}"))
        .into_iter()
        .find(|m| m.contains(&format!("Subject: {subject}\r\n")))
        .unwrap_or_else(|| panic!("no message {subject:?} in the INBOX"))
}

fn accepted(reply: &str) {
    assert!(reply.starts_with("250"), "{reply}");
}

#[test]
fn spf_and_dkim_results_are_recorded() {
    let dns = Dns::start();
    let server = server(&dns, "");
    let forging = Mail {
        forge: true,
        ..Mail::new("a@pass.test", "spf pass")
    };
    accepted(&send(&server, &dns, &forging));
    accepted(&send(&server, &dns, &Mail::new("a@fail.test", "spf fail")));
    let signed = Mail {
        sign: true,
        ..Mail::new("a@signed.test", "dkim pass")
    };
    accepted(&send(&server, &dns, &signed));
    let tampered = Mail {
        sign: true,
        tamper: true,
        ..Mail::new("a@signed.test", "dkim tampered")
    };
    accepted(&send(&server, &dns, &tampered));

    let expect = |subject: &str, wanted: &[&str]| {
        let message = inbox_message(&server, subject);
        let results = parsed_results(&message);
        assert_eq!(results[0], "authserv-id mail.example.test", "{message}");
        for line in wanted {
            assert!(
                results.iter().any(|r| r == line),
                "{subject}: {line} in {results:?}\n{message}"
            );
        }
        message
    };
    let pass = expect("spf pass", &["spf pass", "dkim none"]);
    assert!(pass.contains("smtp.mailfrom=a@pass.test"), "{pass}");
    // The field forging our verdicts is gone (RFC 8601 §5): ours is the only one.
    assert_eq!(pass.matches("Authentication-Results:").count(), 1, "{pass}");
    assert!(!pass.contains("dmarc=pass"), "{pass}");
    expect("spf fail", &["spf fail"]);
    let dkim = expect("dkim pass", &["dkim pass", "dmarc pass"]);
    assert!(
        dkim.contains("dkim=pass header.i=@signed.test header.s=sel"),
        "{dkim}"
    );
    expect("dkim tampered", &["dkim fail", "dmarc fail"]);
}

#[test]
fn dmarc_reject_is_refused_and_quarantine_goes_to_junk() {
    let dns = Dns::start();
    let server = server(&dns, "");
    let refused = send(&server, &dns, &Mail::new("a@reject.test", "rejected"));
    assert!(refused.starts_with("550 5.7.1"), "{refused}");
    assert!(refused.contains("DMARC policy of reject.test"), "{refused}");
    accepted(&send(
        &server,
        &dns,
        &Mail::new("a@quarantine.test", "quarantined"),
    ));
    accepted(&send(&server, &dns, &Mail::new("a@none.test", "monitored")));

    let inbox = pop3_messages(&server, &format!("alice@{DOMAIN}"));
    assert_eq!(inbox.len(), 1, "only p=none reaches the INBOX: {inbox:?}");
    assert!(parsed_results(&inbox[0]).contains(&"dmarc fail".to_string()));
    let mut imap = ImapClient::login(server.addr("imap"), &format!("alice@{DOMAIN}"));
    let status = imap.ok("STATUS Junk (MESSAGES)").join("");
    assert_eq!(number_after(&status, "MESSAGES"), Some(1), "{status}");
    imap.ok("SELECT Junk");
    let fetched = imap.ok("FETCH 1 BODY.PEEK[HEADER]").join("");
    assert!(fetched.contains("Subject: quarantined"), "{fetched}");
    assert!(fetched.contains("policy.dmarc=quarantine"), "{fetched}");

    // A recipient whose delivery runs Sieve (here the JMAP VacationResponse): the implicit
    // keep files quarantined mail in Junk too, not in the INBOX.
    let away = format!("away@{DOMAIN}");
    server.add_user(&away);
    let credentials = format!("{away}:{PASSWORD}");
    let session = curl(&["-u", &credentials, &https(&server, "/jmap/session")]).json();
    let account = primary_account(&session, "urn:ietf:params:jmap:vacationresponse");
    let body = serde_json::json!({
        "using": ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:vacationresponse"],
        "methodCalls": [["VacationResponse/set", {"accountId": account, "update": {"singleton": {
            "isEnabled": true, "subject": "Away", "textBody": "Back soon."
        }}}, "v"]],
    });
    assert_eq!(api(&server, &credentials, &body.to_string()).status, 200);
    let to_away = Mail {
        rcpt: Some(&away),
        ..Mail::new("a@quarantine.test", "quarantined for a scripted user")
    };
    accepted(&send(&server, &dns, &to_away));
    let mut imap = ImapClient::login(server.addr("imap"), &away);
    let junk = imap.ok("STATUS Junk (MESSAGES)").join("");
    assert_eq!(number_after(&junk, "MESSAGES"), Some(1), "{junk}");
    let inbox = imap.ok("STATUS INBOX (MESSAGES)").join("");
    assert_eq!(number_after(&inbox, "MESSAGES"), Some(0), "{inbox}");

    // With both policies off, the failing messages are delivered like any other.
    let lenient = self::server(&dns, "dmarc_reject = false\ndmarc_quarantine = false");
    accepted(&send(
        &lenient,
        &dns,
        &Mail::new("a@reject.test", "let through"),
    ));
    inbox_message(&lenient, "let through");
}

#[test]
fn forged_local_senders_are_refused_unless_spf_passes() {
    let dns = Dns::start();
    let server = server(&dns, "");
    let local = format!("boss@{DOMAIN}");
    let forged = send(&server, &dns, &Mail::new(&local, "forged envelope"));
    assert!(forged.starts_with("550 5.7.1"), "{forged}");
    assert!(forged.contains(DOMAIN), "{forged}");
    // The envelope passes SPF for pass.test, but the From is ours.
    let header_only = Mail {
        from: &local,
        ..Mail::new("a@pass.test", "forged header")
    };
    let refused = send(&server, &dns, &header_only);
    assert!(refused.starts_with("550 5.7.1"), "{refused}");
    // Our SPF record authorises 127.0.0.2 (an outside service of ours).
    let authorised = Mail {
        source: "127.0.0.2",
        ..Mail::new(&local, "from our service")
    };
    accepted(&send(&server, &dns, &authorised));
    let message = inbox_message(&server, "from our service");
    assert!(parsed_results(&message).contains(&"spf pass".to_string()));

    let off = self::server(&dns, "reject_forged_local = false");
    accepted(&send(&off, &dns, &Mail::new(&local, "forged but allowed")));
}

#[test]
fn reverse_dns_policy() {
    let dns = Dns::start();
    let strict = server(&dns, "require_reverse_dns = true");
    accepted(&send(&strict, &dns, &Mail::new("a@pass.test", "with ptr")));
    let message = inbox_message(&strict, "with ptr");
    assert!(
        parsed_results(&message).contains(&"iprev pass".to_string()),
        "{message}"
    );
    let no_ptr = Mail {
        source: "127.0.0.2",
        ..Mail::new("a@pass.test", "without ptr")
    };
    let refused = send(&strict, &dns, &no_ptr);
    assert!(refused.starts_with("550 5.7.25"), "{refused}");

    let default = server(&dns, "");
    accepted(&send(&default, &dns, &no_ptr));
}

#[test]
fn dnsbl_policy() {
    let dns = Dns::start();
    let listed = Mail {
        source: "127.0.0.2",
        ..Mail::new("a@pass.test", "from a listed host")
    };
    let checking = server(&dns, "dnsbl = [\"bl.test\"]");
    let refused = send(&checking, &dns, &listed);
    assert!(refused.starts_with("554 5.7.1"), "{refused}");
    assert!(refused.contains("bl.test"), "{refused}");
    accepted(&send(
        &checking,
        &dns,
        &Mail::new("a@pass.test", "unlisted"),
    ));

    let default = server(&dns, "");
    accepted(&send(&default, &dns, &listed));
}

#[test]
fn a_silent_dns_server_delays_mail_but_never_loses_it() {
    let dns = Dns::start();
    // Takes queries and never answers.
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let config = format!(
        "[resolver]\nnameservers = [\"{}\"]\n[inbound]\ndns_timeout_secs = 3\n",
        silent.local_addr().unwrap()
    );
    let server = TestServer::start(&config);
    server.add_user(&format!("alice@{DOMAIN}"));
    let started = Instant::now();
    accepted(&send(&server, &dns, &Mail::new("a@pass.test", "dns down")));
    let took = started.elapsed();
    assert!(took < Duration::from_secs(15), "took {took:?}");
    let message = inbox_message(&server, "dns down");
    assert!(
        parsed_results(&message).contains(&"spf temperror".to_string()),
        "{message}"
    );
}
