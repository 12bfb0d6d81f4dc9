//! `kantor serve` first start and `kantor admin`, against the running server.

mod common;
use common::*;
use std::collections::HashMap;

#[test]
fn first_start_prints_admin_password_that_works_over_pop3() {
    let server = TestServer::start("");
    let password = server
        .admin_password
        .clone()
        .expect("admin password printed on first start");
    let admin = format!("admin@{DOMAIN}");
    let (ok, listing) = curl_pop3s(&server, &admin, &password, "");
    assert!(ok, "{listing}");
    assert_eq!(listing.trim(), "", "a new admin has an empty INBOX");
    let (ok, out) = curl_pop3s(&server, &admin, "wrong", "");
    assert!(!ok, "wrong password must fail: {out}");
}

/// The data directory and everything the server writes in it are its user's alone: the
/// directory 0700, the database and the TLS key 0600, a message's blob 0600.
#[test]
fn the_data_directory_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let server = TestServer::start("");
    let user = format!("perm@{DOMAIN}");
    server.add_user(&user);
    let mut smtp = RawClient::connect(server.addr("smtp"));
    smtp.reply();
    for line in [
        "EHLO client.test".to_string(),
        "MAIL FROM:<a@client.test>".into(),
        format!("RCPT TO:<{user}>"),
        "DATA".into(),
    ] {
        let reply = smtp.command(&line);
        assert!(
            reply.starts_with('2') || reply.starts_with('3'),
            "{line}: {reply}"
        );
    }
    assert!(
        smtp.command("Subject: private\r\n\r\nhello\r\n.")
            .starts_with("250")
    );
    let data = server.data().join("data");
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700, "data directory");
    assert_eq!(mode(&data.join("kantor.db")), 0o600, "database");
    let mut files = Vec::new();
    let mut dirs = vec![data.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                assert_eq!(mode(&path), 0o700, "{}", path.display());
                dirs.push(path);
            } else {
                files.push(path);
            }
        }
    }
    assert!(
        files.iter().any(|f| f.starts_with(data.join("blobs"))),
        "a blob was written"
    );
    assert!(
        files.iter().any(|f| f.starts_with(data.join("tls"))),
        "the TLS key was written"
    );
    for file in files {
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
}

#[test]
fn restart_does_not_bootstrap_again() {
    let mut server = TestServer::start("");
    assert!(server.admin_password.is_some());
    server.restart();
    assert!(server.admin_password.is_some(), "kept from the first start");
    let domains = server.admin_ok(&["domain", "list"], "");
    assert_eq!(domains.trim(), DOMAIN);
}

#[test]
fn directory_management_and_errors() {
    let server = TestServer::start("");
    server.admin_ok(&["domain", "add", "Second.Test"], "");
    assert_eq!(
        server.admin_ok(&["domain", "list"], ""),
        format!("{DOMAIN}\nsecond.test\n")
    );

    server.add_user("alice@second.test");
    let (ok, _, err) = server.admin(
        &["user", "add", "ALICE@second.test", "--password-stdin"],
        "x\n",
    );
    assert!(!ok);
    assert_eq!(err.lines().count(), 1, "one-line error: {err}");
    assert!(err.contains("already exists"), "{err}");

    let (ok, _, err) = server.admin(
        &["user", "add", "bob@unknown.test", "--password-stdin"],
        "x\n",
    );
    assert!(
        !ok && err.contains("domain unknown.test not found"),
        "{err}"
    );
    let (ok, _, err) = server.admin(
        &["user", "add", "not-an-address", "--password-stdin"],
        "x\n",
    );
    assert!(!ok && err.contains("malformed address"), "{err}");
    let (ok, _, err) = server.admin(&["domain", "remove", "second.test", "--yes"], "");
    assert!(!ok && err.contains("still has"), "{err}");

    let generated = server.admin_ok(&["user", "add", "carol@second.test"], "");
    assert!(
        generated.contains("password: "),
        "generated password printed: {generated}"
    );

    server.admin_ok(&["user", "quota", "alice@second.test", "10M"], "");
    let users = server.admin_ok(&["user", "list", "--domain", "second.test"], "");
    assert!(
        users.contains("alice@second.test  used 0 B of 10.0 MiB"),
        "{users}"
    );

    server.admin_ok(
        &["alias", "add", "sales@second.test", "alice@second.test"],
        "",
    );
    server.admin_ok(&["alias", "add", "@second.test", "carol@second.test"], "");
    let aliases = server.admin_ok(&["alias", "list"], "");
    assert!(
        aliases.contains("sales@second.test -> alice@second.test"),
        "{aliases}"
    );
    assert!(
        aliases.contains("@second.test -> carol@second.test"),
        "{aliases}"
    );
    let (ok, _, err) = server.admin(
        &["alias", "add", "x@second.test", "someone@remote.example"],
        "",
    );
    assert!(!ok && err.contains("not in a local domain"), "{err}");

    server.admin_ok(&["group", "add", "team@second.test"], "");
    server.admin_ok(
        &[
            "group",
            "add-member",
            "team@second.test",
            "alice@second.test",
        ],
        "",
    );
    server.admin_ok(
        &[
            "group",
            "add-member",
            "team@second.test",
            "carol@second.test",
        ],
        "",
    );
    server.admin_ok(
        &[
            "group",
            "remove-member",
            "team@second.test",
            "carol@second.test",
        ],
        "",
    );
    server.admin_ok(
        &[
            "group",
            "allow-sender",
            "team@second.test",
            "alice@second.test",
        ],
        "",
    );
    let groups = server.admin_ok(&["group", "list"], "");
    assert!(
        groups
            .contains("team@second.test: members [alice@second.test] senders [alice@second.test]"),
        "{groups}"
    );

    server.admin_ok(&["user", "remove", "carol@second.test", "--yes"], "");
    assert!(!server.admin_ok(&["user", "list"], "").contains("carol@"));
}

#[test]
fn password_change_takes_effect_without_restart() {
    let server = TestServer::start("");
    server.add_user(&format!("dave@{DOMAIN}"));
    let dave = format!("dave@{DOMAIN}");
    assert!(curl_pop3s(&server, &dave, PASSWORD, "").0);
    server.admin_ok(
        &["user", "passwd", &dave, "--password-stdin"],
        "Another-pass-2\n",
    );
    assert!(
        !curl_pop3s(&server, &dave, PASSWORD, "").0,
        "old password refused"
    );
    assert!(
        curl_pop3s(&server, &dave, "Another-pass-2", "").0,
        "new password works"
    );
}

#[test]
fn admin_without_data_and_busy_port_fail_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kantor"))
        .args(["admin", "--data"])
        .arg(dir.path().join("nothing"))
        .args(["domain", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no Kantor data"));

    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = busy.local_addr().unwrap();
    let config = dir.path().join("busy.toml");
    std::fs::write(
        &config,
        format!("[listeners]\nsmtp = \"{addr}\"\nsubmission = \"\"\nsubmissions = \"\"\npop3 = \"\"\npop3s = \"\"\nhttps = \"\"\nhttp = \"\"\nmanagesieve = \"\"\n"),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kantor"))
        .args(["serve", "--domain", "busy.test", "--data"])
        .arg(dir.path().join("data"))
        .arg("--config")
        .arg(&config)
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot listen for smtp on {addr}")),
        "{stderr}"
    );
    assert_eq!(
        stderr.lines().filter(|l| l.contains("error")).count(),
        1,
        "{stderr}"
    );
    // The failed first start created nothing and showed no password; the next one, with the
    // port free, creates the administrator and shows it.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("password"), "{stdout}");
    drop(busy);
    let mut next = std::process::Command::new(env!("CARGO_BIN_EXE_kantor"))
        .args(["serve", "--domain", "busy.test", "--data"])
        .arg(dir.path().join("data"))
        .arg("--config")
        .arg(&config)
        .env("RUST_LOG", "error")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let lines = std::io::BufRead::lines(std::io::BufReader::new(next.stdout.take().unwrap()));
    let mut shown = false;
    for line in lines {
        let line = line.unwrap();
        shown |= line.starts_with("kantor: administrator password (shown only once): ");
        if line.starts_with("kantor: ready") {
            break;
        }
    }
    next.kill().unwrap();
    next.wait().unwrap();
    assert!(shown, "the password is shown by the start that listens");
}

/// Blob files under the data directory (the collector's subject).
fn blob_files(server: &TestServer) -> usize {
    let blobs = server.data().join("data").join("blobs");
    (0..=255u8)
        .filter_map(|p| std::fs::read_dir(blobs.join(format!("{p:02x}"))).ok())
        .map(|dir| dir.count())
        .sum()
}

/// A sender retrying a message the recipient's quota refuses leaves a blob file each time
/// (written and fsynced before the quota is checked); `kantor admin gc` removes them while the
/// server runs, so refused mail never grows the disk.
#[test]
fn gc_removes_the_blobs_of_refused_deliveries() {
    let server = TestServer::start("");
    let user = format!("full@{DOMAIN}");
    server.add_user(&user);
    server.admin_ok(&["user", "quota", &user, "2K"], "");
    let before = blob_files(&server);
    let port = server.port("smtp").to_string();
    let body = "x".repeat(4000);
    for attempt in 0..5 {
        let (delivered, out) = run_status(
            "swaks",
            &[
                "--server",
                "127.0.0.1",
                "--port",
                &port,
                "--to",
                &user,
                "--from",
                "sender@remote.example",
                "--header",
                &format!("Subject: retry {attempt}"),
                "--body",
                &body,
            ],
        );
        assert!(
            !delivered && out.contains("552"),
            "refused over quota: {out}"
        );
    }
    assert_eq!(
        blob_files(&server),
        before + 5,
        "each attempt wrote its blob"
    );
    let kept = server.admin_ok(&["gc"], "");
    assert!(
        kept.contains("0 unreferenced blob files"),
        "within the default grace: {kept}"
    );
    let report = server.admin_ok(&["gc", "--grace", "0"], "");
    assert!(report.contains("5 unreferenced blob files"), "{report}");
    assert_eq!(blob_files(&server), before);
}

/// A `kantor serve` with its own `[listeners]` (which TestServer fixes), stdout read up to
/// "ready"; returns the process (stderr piped) and the listeners' addresses.
fn serve_with(
    dir: &std::path::Path,
    config: &str,
) -> (std::process::Child, HashMap<String, std::net::SocketAddr>) {
    use std::io::{BufRead, BufReader};
    let path = dir.join("kantor.toml");
    std::fs::write(&path, config).unwrap();
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_kantor"))
        .args(["serve", "--domain", "own.test", "--data"])
        .arg(dir.join("data"))
        .arg("--config")
        .arg(&path)
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut addrs = HashMap::new();
    for line in BufReader::new(server.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("kantor: listening ") {
            let (name, addr) = rest.split_once(' ').unwrap();
            addrs.insert(name.to_string(), addr.parse().unwrap());
        }
        if line.starts_with("kantor: ready") {
            break;
        }
    }
    (server, addrs)
}

/// Logs written to a pipe (a file, journald) carry no colour codes, and a session's lines carry
/// its number and the peer's address.
#[test]
fn logs_are_plain_text_and_name_the_session() {
    use std::io::{BufRead, BufReader, Write};
    let dir = tempfile::tempdir().unwrap();
    let (mut server, addrs) = serve_with(
        dir.path(),
        "[listeners]\nsmtp = \"127.0.0.1:0\"\nsubmission = \"\"\nsubmissions = \"\"\npop3 = \"127.0.0.1:0\"\npop3s = \"\"\nimap = \"\"\nimaps = \"\"\nhttps = \"\"\nhttp = \"\"\nmanagesieve = \"\"\n[pop3]\nallow_plaintext_auth = true\n",
    );
    // An accepted message is logged with its sender, recipients, size and id.
    let mut smtp = std::net::TcpStream::connect(addrs["smtp"]).unwrap();
    smtp.write_all(b"EHLO c.test\r\nMAIL FROM:<s@c.test>\r\nRCPT TO:<admin@own.test>\r\nDATA\r\n")
        .unwrap();
    smtp.write_all(b"Subject: logged\r\n\r\nhi\r\n.\r\nQUIT\r\n")
        .unwrap();
    let mut replies = String::new();
    std::io::Read::read_to_string(&mut smtp, &mut replies).unwrap();
    assert!(replies.contains("250 2.0.0 OK: queued as"), "{replies}");
    let mut pop = std::net::TcpStream::connect(addrs["pop3"]).unwrap();
    let mut reader = BufReader::new(pop.try_clone().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    pop.write_all(b"USER nobody@logs.test\r\nPASS wrong\r\n")
        .unwrap();
    for _ in 0..2 {
        line.clear();
        reader.read_line(&mut line).unwrap();
    }
    assert!(line.starts_with("-ERR"), "{line}");
    server.kill().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut server.stderr.take().unwrap(), &mut stderr).unwrap();
    server.wait().unwrap();
    assert!(!stderr.contains('\u{1b}'), "no ANSI escapes: {stderr:?}");
    let failed = stderr
        .lines()
        .find(|l| l.contains("login failed"))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(
        failed.contains("pop3{session=") && failed.contains("peer=127.0.0.1:"),
        "{failed}"
    );
    let accepted = stderr
        .lines()
        .find(|l| l.contains("message accepted"))
        .unwrap_or_else(|| panic!("{stderr}"));
    for part in [
        "from=<s@c.test>",
        "rcpts=\"admin@own.test\"",
        "size=",
        "id=",
    ] {
        assert!(accepted.contains(part), "{part} in {accepted}");
    }
}

/// `[::]:port` takes IPv4 and IPv6 clients alike (the defaults are dual-stack), an IPv6
/// address works where a listener is configured, and an IPv4 client of a dual-stack listener
/// is known by its IPv4 address (for the limits and logs).
#[test]
fn listeners_are_dual_stack() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let (mut server, addrs) = serve_with(
        dir.path(),
        "[listeners]\nsmtp = \"[::]:0\"\nsubmission = \"[::1]:0\"\nsubmissions = \"\"\npop3 = \"\"\npop3s = \"\"\nimap = \"[::]:0\"\nimaps = \"\"\nmanagesieve = \"\"\n[imap]\nallow_plaintext_auth = true\n",
    );
    let greet = |addr: std::net::SocketAddr| {
        let tcp = std::net::TcpStream::connect(addr).unwrap();
        let mut line = String::new();
        BufReader::new(tcp).read_line(&mut line).unwrap();
        line
    };
    let (smtp, imap) = (addrs["smtp"].port(), addrs["imap"].port());
    for ip in ["127.0.0.1", "::1"] {
        let ip: std::net::IpAddr = ip.parse().unwrap();
        assert!(
            greet((ip, smtp).into()).starts_with("220 "),
            "SMTP over {ip}"
        );
        assert!(
            greet((ip, imap).into()).starts_with("* OK "),
            "IMAP over {ip}"
        );
    }
    assert!(
        greet(addrs["submission"]).starts_with("220 "),
        "[::1] configured"
    );
    let mut imap_v4 = ImapClient::connect((std::net::Ipv4Addr::LOCALHOST, imap).into());
    let no = imap_v4.command("LOGIN nobody@own.test wrong");
    assert!(no[0].contains("NO"), "{no:?}");
    server.kill().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut server.stderr.take().unwrap(), &mut stderr).unwrap();
    server.wait().unwrap();
    let failed = stderr
        .lines()
        .find(|l| l.contains("login failed"))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(
        failed.contains("ip=127.0.0.1") && failed.contains("peer=127.0.0.1:"),
        "an IPv4 client is known by its IPv4 address: {failed}"
    );
}

/// The generated certificate is good for every name a client is pointed at: the host name,
/// `mail.<domain>` of a local domain, and a listener's IP address (Python's ssl module checks
/// the name as Thunderbird does), and valid for about a year, not for centuries.
#[test]
fn the_generated_certificate_names_what_clients_use() {
    let mut server = TestServer::start("");
    // A domain added later is covered from the next start.
    server.admin_ok(&["domain", "add", "other.test"], "");
    server.restart();
    let cert = server.data().join("data/tls/cert.pem");
    let port = server.port("imaps");
    for name in ["mail.example.test", "mail.other.test", "127.0.0.1"] {
        let script = format!(
            "import socket, ssl, time\n\
             ctx = ssl.create_default_context(cafile={cert:?})\n\
             s = ctx.wrap_socket(socket.create_connection(('127.0.0.1', {port})), server_hostname={name:?})\n\
             left = ssl.cert_time_to_seconds(s.getpeercert()['notAfter']) - time.time()\n\
             print(int(left // 86400))\n"
        );
        let out = std::process::Command::new("python3")
            .args(["-c", &script])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{name}: {stderr}");
        let days: i64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
        assert!(
            (360..=366).contains(&days),
            "{name}: valid for {days} more days"
        );
    }
}

/// A configuration error is printed once, with where it is, and the start fails.
#[test]
fn a_configuration_error_is_printed_once() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bad.toml");
    std::fs::write(&config, "[imap]\nmax_line = \"long\"\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kantor"))
        .args(["serve", "--data"])
        .arg(dir.path().join("data"))
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.matches("TOML parse error").count(), 1, "{stderr}");
    assert!(stderr.contains("line 2"), "{stderr}");
}
