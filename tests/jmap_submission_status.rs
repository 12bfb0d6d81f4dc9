//! EmailSubmission `deliveryStatus` (RFC 8621 §7) from the outbound queue, with curl as the JMAP
//! client: a message sent over JMAP to a local user and to three recipients at a real remote
//! SMTP server (aiosmtpd, `tests/python/smtp_peer.py`, found through dnsmasq) that accepts one,
//! refuses one for good and one for now; each recipient's status follows the queue (`yes` with
//! the server's reply, `no` with its refusal, `queued` with the last error), and
//! EmailSubmission/changes lists the submission as updated when it does.

mod common;
use common::curl::*;
use common::dns::Dnsmasq;
use common::peer::{SmtpPeer, eventually};
use common::*;
use serde_json::{Value, json};

const SUBMISSION_USING: &str = r#"["urn:ietf:params:jmap:core","urn:ietf:params:jmap:mail","urn:ietf:params:jmap:submission"]"#;

#[test]
fn delivery_status_follows_the_queue() {
    let dns = Dnsmasq::start(&[
        "--mx-host=far.test,mx.far.test,10".into(),
        "--host-record=mx.far.test,127.0.0.1".into(),
    ]);
    let peer = SmtpPeer::start(0, &[]);
    let server = TestServer::start(&format!(
        "{}[outbound]\nsmtp_port = {}\nretry_schedule_secs = [1]\nconnect_timeout_secs = 2\n",
        dns.resolver_config(),
        peer.port
    ));
    let credentials = user(&server);
    let bob = format!("bob@{DOMAIN}");
    server.add_user(&bob);
    let send = |calls: Value| calls_using(&server, &credentials, SUBMISSION_USING, calls);
    let session = curl(&["-u", &credentials, &https(&server, "/jmap/session")]).json();
    let account = primary_account(&session, "urn:ietf:params:jmap:submission");
    let found = send(json!([
        ["Mailbox/get", {"accountId": account, "properties": ["role"]}, "m"],
        ["Identity/get", {"accountId": account}, "i"],
    ]));
    let drafts = id_where(&found[0][1], "role", "drafts");
    let identity = found[1][1]["list"][0]["id"].as_str().unwrap().to_string();
    let recipients = [
        bob.as_str(),
        "ann@far.test",
        "refuse-x@far.test",
        "later-y@far.test",
    ];
    let sent = send(json!([
        ["Email/set", {"accountId": account, "create": {"d": {
            "mailboxIds": {&drafts: true},
            "from": [{"email": format!("jo@{DOMAIN}")}],
            "to": recipients.iter().map(|r| json!({"email": r})).collect::<Vec<_>>(),
            "subject": "status",
            "textBody": [{"partId": "t", "type": "text/plain"}],
            "bodyValues": {"t": {"value": "Did it go out?"}}
        }}}, "c"],
        ["EmailSubmission/set", {"accountId": account,
            "create": {"s": {"identityId": &identity, "emailId": "#d"}}}, "s"],
        ["EmailSubmission/get", {"accountId": account, "ids": []}, "g"],
    ]));
    let id = sent[1][1]["created"]["s"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{sent:?}"))
        .to_string();
    let state = sent[2][1]["state"].as_str().unwrap().to_string();

    let status = eventually(15, "every remote recipient tried", || {
        let got = send(json!([["EmailSubmission/get", {"accountId": account, "ids": [&id]}, "g"]]));
        let status = got[0][1]["list"][0]["deliveryStatus"].clone();
        let ann = &status["ann@far.test"]["delivered"];
        let later = status["later-y@far.test"]["smtpReply"]
            .as_str()
            .unwrap_or("");
        (ann == "yes" && later.contains("451")).then_some(status)
    });
    let of = |r: &str| &status[r];
    assert_eq!(of(&bob)["delivered"], "yes", "{status}");
    assert!(
        of("ann@far.test")["smtpReply"]
            .as_str()
            .unwrap()
            .contains("250 2.0.0"),
        "{status}"
    );
    assert_eq!(of("refuse-x@far.test")["delivered"], "no", "{status}");
    assert!(
        of("refuse-x@far.test")["smtpReply"]
            .as_str()
            .unwrap()
            .contains("550 5.1.1"),
        "{status}"
    );
    assert_eq!(of("later-y@far.test")["delivered"], "queued", "{status}");
    for r in recipients {
        assert_eq!(of(r)["displayed"], "unknown", "{status}");
    }
    // The queue's changes are the submission's: /changes since its creation lists it updated.
    let changes = send(
        json!([["EmailSubmission/changes", {"accountId": account, "sinceState": &state}, "c"]]),
    );
    assert_eq!(changes[0][1]["updated"], json!([&id]), "{changes:?}");
    assert_eq!(changes[0][1]["created"], json!([]), "{changes:?}");
    assert!(!peer.with("Subject: status").is_empty());
}
