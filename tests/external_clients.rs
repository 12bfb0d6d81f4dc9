//! SMTP with clients nobody here wrote: Python's smtplib (tests/python/test_smtp.py), swaks and
//! curl's smtp:// URLs.

mod common;
use common::*;

fn setup() -> (TestServer, String, String) {
    let server = TestServer::start("");
    let (user, other) = (format!("sam@{DOMAIN}"), format!("tina@{DOMAIN}"));
    server.add_user(&user);
    server.add_user(&other);
    (server, user, other)
}

#[test]
fn python_smtplib_suite() {
    let (server, user, other) = setup();
    let mut env: Vec<(&str, String)> = [
        ("KANTOR_SMTP", "smtp"),
        ("KANTOR_SUBMISSION", "submission"),
        ("KANTOR_SUBMISSIONS", "submissions"),
        ("KANTOR_POP3S", "pop3s"),
    ]
    .iter()
    .map(|&(key, listener)| (key, server.port(listener).to_string()))
    .collect();
    env.extend([
        ("KANTOR_USER", user),
        ("KANTOR_OTHER", other),
        ("KANTOR_PASSWORD", PASSWORD.to_string()),
    ]);
    run_python_suite("test_smtp.py", &env, 6);
}

#[test]
fn swaks_delivers_and_submits() {
    let (server, user, other) = setup();
    let port = server.port("smtp").to_string();
    let out = run(
        "swaks",
        &[
            "--server",
            "127.0.0.1",
            "--port",
            &port,
            "--to",
            &user,
            "--from",
            "s@remote.example",
            "--h-Subject",
            "swaks mx",
            "--pipeline",
        ],
    );
    assert!(out.contains("250 2.0.0"), "{out}");

    let port = server.port("submission").to_string();
    let out = run(
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
            &user,
            "--auth-password",
            PASSWORD,
            "--to",
            &other,
            "--from",
            &user,
            "--h-From",
            &user,
            "--h-Subject",
            "swaks submission",
        ],
    );
    assert!(out.contains("235 2.7.0"), "{out}");

    let (ok, out) = run_status(
        "swaks",
        &[
            "--server",
            "127.0.0.1",
            "--port",
            &server.port("smtp").to_string(),
            "--to",
            "x@elsewhere.example",
            "--from",
            "s@remote.example",
        ],
    );
    assert!(!ok && out.contains("550 5.7.1"), "relay refused: {out}");

    assert_eq!(pop3_subjects(&server, &user), ["swaks mx"]);
    assert_eq!(pop3_subjects(&server, &other), ["swaks submission"]);
}

#[test]
fn curl_smtp_urls_upload_mail() {
    let (server, user, other) = setup();
    let file = server.data().join("mail.txt");
    std::fs::write(
        &file,
        format!("From: {user}\r\nTo: {other}\r\nSubject: curl upload\r\n\r\nhello from curl\r\n"),
    )
    .unwrap();
    let file = file.to_str().unwrap();
    // From outside (port 25) the From is the outside sender's: one of ours would be a forged
    // local sender, refused (`[inbound] reject_forged_local`).
    let inbound = server.data().join("inbound.txt");
    std::fs::write(
        &inbound,
        format!("From: s@remote.example\r\nTo: {user}\r\nSubject: curl upload\r\n\r\nhello from curl\r\n"),
    )
    .unwrap();
    run(
        "curl",
        &[
            "-sS",
            "--max-time",
            "20",
            &format!("smtp://127.0.0.1:{}", server.port("smtp")),
            "--mail-from",
            "s@remote.example",
            "--mail-rcpt",
            &user,
            "-T",
            inbound.to_str().unwrap(),
        ],
    );
    let url = format!("smtp://127.0.0.1:{}", server.port("submission"));
    run(
        "curl",
        &[
            "-sS",
            "-k",
            "--ssl-reqd",
            "--max-time",
            "20",
            &url,
            "-u",
            &format!("{user}:{PASSWORD}"),
            "--mail-from",
            &user,
            "--mail-rcpt",
            &other,
            "-T",
            file,
        ],
    );
    let (ok, out) = run_status(
        "curl",
        &[
            "-sS",
            "--max-time",
            "20",
            &format!("smtp://127.0.0.1:{}", server.port("smtp")),
            "--mail-from",
            "s@remote.example",
            "--mail-rcpt",
            "x@elsewhere.example",
            "-T",
            file,
        ],
    );
    assert!(!ok, "relay refused: {out}");
    assert_eq!(pop3_subjects(&server, &user), ["curl upload"]);
    assert_eq!(pop3_subjects(&server, &other), ["curl upload"]);
}
