//! `kantor admin user show / disable / enable / unlock / rename / remove` against the running
//! server, with real sessions: what each does to logins on every protocol and to the sessions
//! that are open when it runs.

mod common;
use common::*;

/// Plaintext logins on 143 and 110, so the raw clients can log in without TLS.
const PLAINTEXT: &str =
    "[imap]\nallow_plaintext_auth = true\n[pop3]\nallow_plaintext_auth = true\n";

/// A POP3 session logged in as `user` over plaintext (the maildrop is now locked).
fn pop3_login(server: &TestServer, user: &str) -> RawClient {
    let mut pop = RawClient::connect(server.addr("pop3"));
    assert!(pop.reply().starts_with("+OK"));
    assert!(pop.command(&format!("USER {user}")).starts_with("+OK"));
    let pass = pop.command(&format!("PASS {PASSWORD}"));
    assert!(pass.starts_with("+OK"), "{pass}");
    pop
}

/// A POP3 login's answer to the password.
fn pop3_pass(server: &TestServer, user: &str) -> String {
    let mut pop = RawClient::connect(server.addr("pop3"));
    pop.reply();
    pop.command(&format!("USER {user}"));
    pop.command(&format!("PASS {PASSWORD}"))
}

/// An IMAP LOGIN's tagged answer.
fn imap_login(server: &TestServer, user: &str) -> String {
    let mut imap = ImapClient::connect(server.addr("imap"));
    imap.command(&format!("LOGIN {user} {PASSWORD}"))
        .pop()
        .unwrap()
}

/// SMTP AUTH on the submissions port with Python's smtplib: "235" or the refusal's code and
/// text.
fn smtp_auth(server: &TestServer, user: &str) -> String {
    let script = format!(
        "import smtplib, ssl\n\
         s = smtplib.SMTP_SSL('127.0.0.1', {}, context=ssl._create_unverified_context())\n\
         try:\n    s.login({user:?}, {PASSWORD:?}); print('235')\n\
         except smtplib.SMTPAuthenticationError as e:\n    print(e.smtp_code, e.smtp_error.decode())\n",
        server.port("submissions")
    );
    run("python3", &["-c", &script]).trim().to_string()
}

/// Sends a message to `to` on port 25 with swaks; whether it was accepted.
fn deliver(server: &TestServer, to: &str, subject: &str) -> bool {
    let port = server.port("smtp").to_string();
    let header = format!("Subject: {subject}");
    let (ok, out) = run_status(
        "swaks",
        &[
            "--server",
            "127.0.0.1",
            "--port",
            &port,
            "--to",
            to,
            "--from",
            "sender@remote.example",
            "--header",
            &header,
        ],
    );
    assert!(ok, "{out}");
    ok
}

#[test]
fn show_tells_aliases_groups_quota_last_login_and_status() {
    let server = TestServer::start(PLAINTEXT);
    let alice = format!("alice@{DOMAIN}");
    server.add_user(&alice);
    server.admin_ok(&["user", "quota", &alice, "10M"], "");
    server.admin_ok(&["alias", "add", &format!("sales@{DOMAIN}"), &alice], "");
    server.admin_ok(&["alias", "add", &format!("@{DOMAIN}"), &alice], "");
    let team = format!("team@{DOMAIN}");
    server.admin_ok(&["group", "add", &team], "");
    server.admin_ok(&["group", "add-member", &team, &alice], "");
    server.admin_ok(&["group", "allow-sender", &team, &alice], "");

    let shown = server.admin_ok(&["user", "show", &alice], "");
    assert!(shown.contains("last login  never"), "{shown}");
    assert!(imap_login(&server, &alice).contains(" OK "));
    // The server writes the login's time without making the login wait for it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let shown = loop {
        let shown = server.admin_ok(&["user", "show", &alice], "");
        if !shown.contains("last login  never") || std::time::Instant::now() > deadline {
            break shown;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let line = |key: &str| {
        shown
            .lines()
            .find(|l| l.starts_with(key))
            .unwrap_or_else(|| panic!("no {key} in {shown}"))
            .to_string()
    };
    assert_eq!(line("user"), format!("user        {alice}"));
    assert_eq!(line("status"), "status      enabled");
    assert_eq!(line("quota"), "quota       0 B used of 10.0 MiB (0%)");
    assert_eq!(
        line("aliases"),
        format!("aliases     @{DOMAIN} (catch-all), sales@{DOMAIN}")
    );
    assert_eq!(line("groups"), format!("groups      {team}"));
    assert_eq!(line("send as"), format!("send as     {team}"));
    assert!(!line("last login").contains("never"), "{shown}");

    let json: serde_json::Value =
        serde_json::from_str(&server.admin_ok(&["user", "show", &alice, "--json"], "")).unwrap();
    assert_eq!(json["address"], alice.as_str());
    assert_eq!(json["disabled"], false);
    assert_eq!(json["quota_bytes"], 10 << 20);
    assert_eq!(
        json["aliases"],
        serde_json::json!([format!("@{DOMAIN}"), format!("sales@{DOMAIN}")])
    );
    assert_eq!(json["groups"], serde_json::json!([team]));
    assert!(
        json["last_login"].as_str().unwrap().ends_with('Z'),
        "{json}"
    );

    let (ok, _, err) = server.admin(&["user", "show", &format!("nobody@{DOMAIN}")], "");
    assert!(
        !ok && err.contains("user nobody@example.test not found"),
        "{err}"
    );
}

/// A disabled user: each protocol refuses its right password saying so, its open IMAP and
/// POP3 sessions end at their next command (an idling one at once), and its mail is still
/// delivered; enabled again, it logs in and finds that mail.
#[test]
fn disable_refuses_every_login_ends_sessions_and_keeps_receiving() {
    let server = TestServer::start(PLAINTEXT);
    let bob = format!("bob@{DOMAIN}");
    server.add_user(&bob);
    let mut imap = ImapClient::login(server.addr("imap"), &bob);
    imap.ok("SELECT INBOX");
    let mut idle = ImapClient::login(server.addr("imap"), &bob);
    idle.send(b"i1 IDLE\r\n");
    assert!(idle.response().unwrap().starts_with('+'));
    let mut pop = pop3_login(&server, &bob);

    let said = server.admin_ok(&["user", "disable", &bob], "");
    assert_eq!(
        said,
        format!("disabled user {bob}: logins refused, open sessions end, mail still delivered\n")
    );
    assert_eq!(
        server.admin_ok(&["user", "disable", &bob], ""),
        format!("user {bob} was already disabled\n")
    );

    // The idling session hears of it within a second or so (the store's watcher).
    let bye = idle.read_to_end();
    assert_eq!(
        bye,
        "* BYE [CONTACTADMIN] Account disabled, contact the administrator\r\n"
    );
    imap.send(b"n1 NOOP\r\n");
    assert_eq!(
        imap.read_to_end(),
        "* BYE [CONTACTADMIN] Account disabled, contact the administrator\r\n",
        "no tagged answer: the session is over"
    );
    pop.send(b"STAT\r\n");
    assert_eq!(
        pop.read_to_end(),
        "-ERR [AUTH] account disabled, contact the administrator\r\n"
    );

    let no = imap_login(&server, &bob);
    assert!(
        no.ends_with("NO [CONTACTADMIN] Account disabled, contact the administrator\r\n"),
        "{no}"
    );
    assert_eq!(
        pop3_pass(&server, &bob),
        "-ERR [AUTH] account disabled, contact the administrator\r\n"
    );
    assert_eq!(
        smtp_auth(&server, &bob),
        "525 5.7.13 User account disabled, contact the administrator"
    );
    assert!(deliver(&server, &bob, "while disabled"));
    let shown = server.admin_ok(&["user", "show", &bob], "");
    assert!(shown.contains("status      disabled"), "{shown}");
    let listed = server.admin_ok(&["user", "list"], "");
    assert!(
        listed.contains(&format!("{bob}  used ")) && listed.contains("  disabled"),
        "{listed}"
    );

    assert_eq!(
        server.admin_ok(&["user", "enable", &bob], ""),
        format!("enabled user {bob}\n")
    );
    assert!(imap_login(&server, &bob).contains(" OK "));
    assert_eq!(smtp_auth(&server, &bob), "235");
    assert_eq!(pop3_subjects(&server, &bob), ["while disabled"]);
}

/// `user remove` asks first (a pipe answers like a terminal), and the removed user's open
/// sessions end at their next command.
#[test]
fn remove_asks_first_and_ends_the_sessions() {
    let server = TestServer::start(PLAINTEXT);
    let carol = format!("carol@{DOMAIN}");
    server.add_user(&carol);
    let mut imap = ImapClient::login(server.addr("imap"), &carol);
    imap.ok("SELECT INBOX");
    let mut idle = ImapClient::login(server.addr("imap"), &carol);
    idle.send(b"i1 IDLE\r\n");
    assert!(idle.response().unwrap().starts_with('+'));
    let mut pop = pop3_login(&server, &carol);

    for answer in ["", "n\n", "whatever\n"] {
        let (ok, out, err) = server.admin(&["user", "remove", &carol], answer);
        assert!(!ok && out.is_empty(), "{answer:?}: {out}");
        assert!(
            err.starts_with(&format!(
                "Remove user {carol} and all its mail (0 B)? [y/N] "
            )),
            "{err}"
        );
        assert!(
            err.contains("nothing done: answer y to confirm, or pass --yes"),
            "{err}"
        );
    }
    assert!(imap_login(&server, &carol).contains(" OK "), "still there");
    let (ok, out, _) = server.admin(&["user", "remove", &carol], "y\n");
    assert!(ok);
    assert_eq!(out, format!("removed user {carol} and all its mail\n"));

    assert_eq!(
        idle.read_to_end(),
        "* BYE [CONTACTADMIN] Account removed, contact the administrator\r\n"
    );
    imap.send(b"n1 FETCH 1:* FLAGS\r\n");
    assert_eq!(
        imap.read_to_end(),
        "* BYE [CONTACTADMIN] Account removed, contact the administrator\r\n"
    );
    pop.send(b"LIST\r\n");
    assert_eq!(
        pop.read_to_end(),
        "-ERR [AUTH] account removed, contact the administrator\r\n"
    );
    assert!(imap_login(&server, &carol).contains("NO [AUTHENTICATIONFAILED]"));

    // A domain is removed the same way, once empty.
    server.admin_ok(&["domain", "add", "spare.test"], "");
    let (ok, _, err) = server.admin(&["domain", "remove", "spare.test"], "no\n");
    assert!(!ok && err.contains("nothing done"), "{err}");
    assert_eq!(
        server.admin_ok(&["domain", "remove", "SPARE.test", "--yes"], ""),
        "removed domain spare.test\n"
    );
    let (ok, _, err) = server.admin(&["domain", "remove", "spare.test", "--yes"], "");
    assert!(!ok && err.contains("domain spare.test not found"), "{err}");
}

/// The server counts failed logins in memory; `kantor admin user unlock`, another process,
/// reaches it through the store.
#[test]
fn unlock_reaches_the_running_server() {
    let server = TestServer::start(&format!(
        "{PLAINTEXT}[auth]\nfailures_before_delay = 100\nfailures_before_lockout = 3\n"
    ));
    let dave = format!("dave@{DOMAIN}");
    server.add_user(&dave);
    let mut imap = ImapClient::connect(server.addr("imap"));
    for _ in 0..3 {
        let no = imap.command(&format!("LOGIN {dave} wrong"));
        assert!(no[0].contains("NO [AUTHENTICATIONFAILED]"), "{no:?}");
    }
    let locked = imap.command(&format!("LOGIN {dave} {PASSWORD}"));
    assert!(locked[0].contains("NO [UNAVAILABLE]"), "{locked:?}");
    // `user show` says who is locked out (the server records it in the background).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let shown = loop {
        let shown = server.admin_ok(&["user", "show", &dave, "--json"], "");
        let json: serde_json::Value = serde_json::from_str(&shown).unwrap();
        if json["locked_out"].as_array().is_some_and(|l| !l.is_empty())
            || std::time::Instant::now() > deadline
        {
            break json;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(shown["locked_out"][0]["source"], "127.0.0.1", "{shown}");
    let text = server.admin_ok(&["user", "show", &dave], "");
    assert!(text.contains("locked out  127.0.0.1 until "), "{text}");
    assert_eq!(
        server.admin_ok(&["user", "unlock", &dave], ""),
        format!("unlocked user {dave}: its failed logins are forgotten\n")
    );
    let text = server.admin_ok(&["user", "show", &dave], "");
    assert!(text.contains("locked out  none\n"), "{text}");
    let ok = imap.command(&format!("LOGIN {dave} {PASSWORD}"));
    assert!(ok.last().unwrap().contains(" OK "), "{ok:?}");
}

/// A renamed user keeps its id and mail; the alias and group that named it follow, its old
/// address no longer logs in or receives, and the old address may be taken again.
#[test]
fn rename_keeps_the_mail_and_carries_aliases_and_groups() {
    let server = TestServer::start(PLAINTEXT);
    server.admin_ok(&["domain", "add", "new.test"], "");
    let (erin, ally) = (format!("erin@{DOMAIN}"), "ally@new.test".to_string());
    server.add_user(&erin);
    let sales = format!("sales@{DOMAIN}");
    server.admin_ok(&["alias", "add", &sales, &erin], "");
    let team = format!("team@{DOMAIN}");
    server.admin_ok(&["group", "add", &team], "");
    server.admin_ok(&["group", "add-member", &team, &erin], "");
    assert!(deliver(&server, &erin, "before"));
    let id = |who: &str| {
        let shown = server.admin_ok(&["user", "show", who, "--json"], "");
        serde_json::from_str::<serde_json::Value>(&shown).unwrap()["id"].clone()
    };
    let before = id(&erin);

    assert_eq!(
        server.admin_ok(&["user", "rename", &erin, &ally], ""),
        format!(
            "renamed user {erin} to {ally}; 1 alias target(s) and 1 group membership(s) follow\n"
        )
    );
    assert_eq!(id(&ally), before, "the same account");
    assert_eq!(
        server.admin_ok(&["alias", "list"], ""),
        format!("{sales} -> {ally}\n")
    );
    assert!(
        server
            .admin_ok(&["group", "list"], "")
            .contains(&format!("members [{ally}]"))
    );
    assert!(deliver(&server, &sales, "via the alias"));
    assert!(deliver(&server, &team, "via the group"));
    assert_eq!(
        pop3_subjects(&server, &ally),
        ["before", "via the alias", "via the group"]
    );
    assert!(imap_login(&server, &erin).contains("NO [AUTHENTICATIONFAILED]"));
    let (ok, _, err) = server.admin(&["user", "rename", &ally, &sales], "");
    assert!(
        !ok && err.contains(&format!("alias {sales} already exists")),
        "{err}"
    );
    server.add_user(&erin);
}
