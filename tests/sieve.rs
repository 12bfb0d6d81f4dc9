//! Sieve at delivery (RFC 5228 and extensions) end to end: scripts uploaded over ManageSieve
//! with PyPI's sievelib, mail sent with smtplib and read back with imaplib
//! (tests/python/test_sieve.py): each action, vacation's rules (RFC 5230, RFC 3834), a script
//! refused on upload and one failing at delivery.

mod common;

use common::{DOMAIN, PASSWORD, TestServer, run_python_suite};

#[test]
fn sieve_actions_with_sievelib_smtplib_and_imaplib() {
    let server = TestServer::start("");
    let users = ["sara", "tom", "uma"].map(|u| format!("{u}@{DOMAIN}"));
    for user in &users {
        server.add_user(user);
    }
    let [user, user2, user3] = users;
    let env = [
        ("KANTOR_SIEVE", server.port("managesieve").to_string()),
        ("KANTOR_SMTP", server.port("smtp").to_string()),
        ("KANTOR_SUBMISSION", server.port("submission").to_string()),
        ("KANTOR_IMAPS", server.port("imaps").to_string()),
        ("KANTOR_USER", user),
        ("KANTOR_USER2", user2),
        ("KANTOR_USER3", user3),
        ("KANTOR_PASSWORD", PASSWORD.to_string()),
    ];
    run_python_suite("test_sieve.py", &env, 6);
}

/// The JMAP VacationResponse (RFC 8621 §8) answers at delivery as Sieve's vacation does: once
/// per sender and period, never to a bounce. Mail sent with swaks over submission, the reply
/// read with curl over POP3S.
#[test]
fn the_jmap_vacation_response_answers_once() {
    use common::curl::{api, curl, https, primary_account};
    use serde_json::json;
    let server = TestServer::start("");
    let (away, writer) = (format!("jo@{DOMAIN}"), format!("kai@{DOMAIN}"));
    server.add_user(&away);
    server.add_user(&writer);
    let credentials = format!("{away}:{PASSWORD}");
    let session = curl(&["-u", &credentials, &https(&server, "/jmap/session")]).json();
    let account = primary_account(&session, "urn:ietf:params:jmap:vacationresponse");
    let body = json!({
        "using": ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:vacationresponse"],
        "methodCalls": [["VacationResponse/set", {"accountId": account, "update": {"singleton": {
            "isEnabled": true, "subject": "Out of office", "textBody": "Back on Monday."
        }}}, "s"]],
    });
    let answer = api(&server, &credentials, &body.to_string());
    assert_eq!(answer.status, 200, "{}", answer.body);
    let port = server.port("submission").to_string();
    for subject in ["first", "second"] {
        common::run(
            "swaks",
            &[
                "--server",
                "127.0.0.1",
                "--port",
                &port,
                "--tls",
                "--auth",
                "PLAIN",
                "--auth-user",
                &writer,
                "--auth-password",
                PASSWORD,
                "--from",
                &writer,
                "--to",
                &away,
                "--header",
                &format!("Subject: {subject}"),
            ],
        );
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let replies = loop {
        let replies: Vec<String> = common::pop3_messages(&server, &writer)
            .into_iter()
            .filter(|m| m.contains("Subject: Out of office"))
            .collect();
        if !replies.is_empty() || std::time::Instant::now() > deadline {
            break replies;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert_eq!(replies.len(), 1, "{replies:?}");
    assert!(replies[0].contains("Back on Monday."), "{}", replies[0]);
    assert!(replies[0].contains("Auto-Submitted: auto-replied"));
    assert_eq!(common::pop3_messages(&server, &away).len(), 2);
}

/// `[sieve.domains."DOMAIN"] allow_external_redirect`: a domain whose policy allows it has its
/// users' redirects to outside addresses queued; the server-wide default (off) keeps the
/// message of a user of another domain instead. A redirected bounce keeps the null
/// reverse-path, so a redirect to a dead address cannot loop. Scripts put with Debian's sieve-connect, mail
/// sent with swaks over port 25, the queue read with `kantor admin queue list`.
#[test]
fn a_domains_policy_decides_redirects_outside() {
    let server =
        TestServer::start("[sieve.domains.\"open.test\"]\nallow_external_redirect = true\n");
    server.admin_ok(&["domain", "add", "open.test"], "");
    let (open, closed) = ("ola@open.test".to_string(), format!("cid@{DOMAIN}"));
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("out.sieve");
    std::fs::write(&script, "redirect \"far@remote.example\";\r\n").unwrap();
    for user in [&open, &closed] {
        server.add_user(user);
        let upload = [
            "--upload",
            "--localsieve",
            script.to_str().unwrap(),
            "--remotesieve",
            "out",
        ];
        let (ok, out) = common::sieve_connect(&server, user, &upload);
        assert!(ok, "{out}");
        let (ok, out) =
            common::sieve_connect(&server, user, &["--activate", "--remotesieve", "out"]);
        assert!(ok, "{out}");
        let port = server.port("smtp").to_string();
        let out = common::run(
            "swaks",
            &[
                "--server",
                "127.0.0.1",
                "--port",
                &port,
                "--from",
                "x@sender.example",
                "--to",
                user,
                "--header",
                "Subject: policy",
            ],
        );
        assert!(out.contains("250 "), "{out}");
    }
    // ola's redirect bounces (remote.example does not exist); the bounce reaches ola's script,
    // which redirects it once more, now with the null reverse-path (RFC 5228 §4.2), so its
    // failure ends there instead of bouncing into the same redirect for ever.
    let senders = || {
        let queue = server.admin_ok(&["queue", "list", "--json"], "");
        let queue: serde_json::Value = serde_json::from_str(&queue).unwrap();
        queue
            .as_array()
            .unwrap()
            .iter()
            .filter(|q| q["to"] == "far@remote.example")
            .map(|q| q["from"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while senders().len() < 2 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    std::thread::sleep(std::time::Duration::from_secs(3));
    assert_eq!(senders(), [open.as_str(), ""]);
}
