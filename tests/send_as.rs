//! Sending for others ("Send As", "Send on Behalf", RFC 5322 §3.6.2; RFC 6409 §8.1) over the
//! real submission port: Python's smtplib and imaplib (tests/python/test_send_as.py) for the
//! rule and the Sent copies, swaks for revocation taking effect on the next message, and the
//! `kantor admin send-rights` commands; JMAP EmailSubmission (RFC 8621 §7.5) under the same
//! rule, with curl.

mod common;
use common::curl::{calls_using, curl, https, id_where, primary_account};
use common::*;
use serde_json::json;

/// A server with the users and grants test_send_as.py expects, and their addresses.
fn setup() -> (TestServer, Vec<(&'static str, String)>) {
    let server = TestServer::start("");
    let at = |local: &str| format!("{local}@{DOMAIN}");
    server.admin_ok(&["domain", "add", "bücher.test"], "");
    let users = [
        ("BOSS", at("boss")),
        ("DAN", at("dan")),
        ("ANN", at("ann")),
        ("EVE", at("eve")),
        ("GUS", at("gus")),
        ("RCPT", at("rcpt")),
        ("JO", "jo@bücher.test".to_string()),
        ("KIM", at("kim")),
    ];
    for (_, address) in &users {
        server.add_user(address);
    }
    let (boss, helpers, sales) = (at("boss"), at("helpers"), at("sales"));
    for group in [&helpers, &sales] {
        server.admin_ok(&["group", "add", group], "");
    }
    server.admin_ok(&["group", "add-member", &helpers, &at("gus")], "");
    let grant = |grantor: &str, grantee: &str, level: &str| {
        server.admin_ok(
            &["send-rights", "grant", grantor, grantee, "--level", level],
            "",
        )
    };
    assert_eq!(
        grant(&boss, &at("dan"), "as"),
        format!("dan@{DOMAIN} may send as {boss}\n")
    );
    grant(&boss, &at("ann"), "on-behalf");
    grant(&boss, &helpers, "as");
    grant(&sales, &at("ann"), "on-behalf");
    server.admin_ok(&["send-rights", "copy-to-sent", &boss], "");
    let mut env: Vec<(&str, String)> = users.to_vec();
    env.extend([
        ("SALES", sales),
        ("KANTOR_SUBMISSION", server.port("submission").to_string()),
        ("KANTOR_IMAPS", server.port("imaps").to_string()),
        ("KANTOR_PASSWORD", PASSWORD.to_string()),
    ]);
    (server, env)
}

#[test]
fn python_smtplib_and_imaplib_suite() {
    let (_server, env) = setup();
    run_python_suite("test_send_as.py", &env, 10);
}

/// swaks sending as `user` with `header` (the author fields) and MAIL FROM `from`: whether it
/// was accepted, and swaks's transcript.
fn swaks(server: &TestServer, user: &str, from: &str, header: &str) -> (bool, String) {
    let data = format!("{header}Subject: swaks\r\n\r\nhello\r\n");
    let rcpt = format!("rcpt@{DOMAIN}");
    swaks_submission(server, user, from, &rcpt, &["--data", &data])
}

/// A revoked grant refuses the very next message (the directory is read at each message);
/// a level changed takes effect the same way; the listing shows what is granted.
#[test]
fn revocation_takes_effect_on_the_next_message() {
    let (server, _) = setup();
    let (boss, dan) = (format!("boss@{DOMAIN}"), format!("dan@{DOMAIN}"));
    let list = server.admin_ok(&["send-rights", "list", &boss], "");
    assert!(
        list.contains(&format!("{dan} may send as {boss}")),
        "{list}"
    );
    assert!(
        list.contains(&format!("ann@{DOMAIN} may send on behalf of {boss}")),
        "{list}"
    );
    let json = server.admin_ok(&["send-rights", "list", "--json"], "");
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 4, "{json}");
    assert!(
        json.as_array()
            .unwrap()
            .iter()
            .any(|g| g["grantee"] == format!("helpers@{DOMAIN}")
                && g["level"] == "as"
                && g["copy_to_sent"] == true)
    );

    let from_boss = format!("From: {boss}\r\n");
    let (ok, out) = swaks(&server, &dan, &boss, &from_boss);
    assert!(ok && out.contains("250 2.0.0"), "{out}");

    // On behalf only: From alone is refused, with Sender accepted.
    server.admin_ok(
        &["send-rights", "grant", &boss, &dan, "--level", "on-behalf"],
        "",
    );
    let (ok, out) = swaks(&server, &dan, &boss, &from_boss);
    assert!(!ok && out.contains("550 5.7.1"), "{out}");
    let (ok, out) = swaks(
        &server,
        &dan,
        &dan,
        &format!("{from_boss}Sender: {dan}\r\n"),
    );
    assert!(ok, "{out}");

    let revoked = server.admin_ok(&["send-rights", "revoke", &boss, &dan], "");
    assert_eq!(revoked, format!("{dan} may no longer send for {boss}\n"));
    let (ok, out) = swaks(
        &server,
        &dan,
        &dan,
        &format!("{from_boss}Sender: {dan}\r\n"),
    );
    assert!(!ok, "{out}");
    assert!(
        out.contains(&format!(
            "550 5.7.1 From <{boss}> is not an address you may send as"
        )),
        "{out}"
    );
    let (ok, out) = swaks(&server, &dan, &boss, &format!("From: {dan}\r\n"));
    assert!(!ok && out.contains("553 5.7.1"), "{out}");

    // Errors an administrator can make are told, not ignored.
    let (ok, _, err) = server.admin(&["send-rights", "revoke", &boss, &dan], "");
    assert!(!ok && err.contains("no such grant"), "{err}");
    let (ok, _, err) = server.admin(
        &[
            "send-rights",
            "grant",
            &boss,
            "nobody@example.test",
            "--level",
            "as",
        ],
        "",
    );
    assert!(!ok && err.contains("nobody@example.test"), "{err}");
    let (ok, _, err) = server.admin(&["send-rights", "grant", &boss, &boss, "--level", "as"], "");
    assert!(!ok && err.contains("itself"), "{err}");
}

/// JMAP EmailSubmission applies the rule SMTP submission does (`forbiddenFrom` naming the
/// address), and a message sent on behalf over JMAP is copied to the grantor's Sent.
#[test]
fn jmap_email_submission_applies_the_same_rule() {
    let (server, _) = setup();
    let (boss, ann) = (format!("boss@{DOMAIN}"), format!("ann@{DOMAIN}"));
    let credentials = format!("{ann}:{PASSWORD}");
    let using = r#"["urn:ietf:params:jmap:core","urn:ietf:params:jmap:mail","urn:ietf:params:jmap:submission"]"#;
    let session = curl(&["-u", &credentials, &https(&server, "/jmap/session")]).json();
    let account = primary_account(&session, "urn:ietf:params:jmap:mail");
    let found = calls_using(
        &server,
        &credentials,
        using,
        json!([["Mailbox/get", {"accountId": account, "properties": ["role"]}, "m"],
               ["Identity/get", {"accountId": account, "properties": ["email"]}, "i"]]),
    );
    let drafts = id_where(&found[0][1], "role", "drafts");
    let identity = found[1][1]["list"][0]["id"].as_str().unwrap().to_string();
    let draft = |subject: &str, sender: bool| {
        let mut email = json!({"mailboxIds": {&drafts: true},
            "from": [{"email": &boss}], "to": [{"email": format!("rcpt@{DOMAIN}")}],
            "subject": subject,
            "bodyStructure": {"partId": "b", "type": "text/plain"},
            "bodyValues": {"b": {"value": "hi"}}});
        if sender {
            email["sender"] = json!([{"email": &ann}]);
        }
        email
    };
    let responses = calls_using(
        &server,
        &credentials,
        using,
        json!([
            ["Email/set", {"accountId": account, "create": {
                "alone": draft("jmap alone", false), "behalf": draft("jmap behalf", true)}}, "c"],
            ["EmailSubmission/set", {"accountId": account, "create": {
                "s1": {"identityId": &identity, "emailId": "#alone"},
                "s2": {"identityId": &identity, "emailId": "#behalf"}}}, "s"],
        ]),
    );
    let submitted = &responses[1][1];
    let refused = &submitted["notCreated"]["s1"];
    assert_eq!(refused["type"], "forbiddenFrom", "{submitted}");
    let description = refused["description"].as_str().unwrap();
    assert!(
        description.contains(&format!("on behalf of <{boss}>")),
        "{description}"
    );
    assert!(submitted["created"]["s2"]["id"].is_string(), "{submitted}");

    // The boss's Sent holds the copy, read back with imaplib's peer: curl's imaps:// URL.
    let url = format!(
        "imaps://127.0.0.1:{}/Sent?SUBJECT%20%22jmap%20behalf%22",
        server.port("imaps")
    );
    let out = run(
        "curl",
        &["-sk", "--user", &format!("{boss}:{PASSWORD}"), &url],
    );
    assert!(out.trim().starts_with("* SEARCH 1"), "{out}");
}
