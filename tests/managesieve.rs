//! ManageSieve (RFC 5804) on its own listener, driven by Debian's sieve-connect (STARTTLS,
//! AUTHENTICATE PLAIN, upload, list, download, activate, delete; a script that does not
//! compile refused with its error), and raw bytes for what no client sends.

mod common;

use common::{DOMAIN, TestServer, sieve_connect};
use std::io::{BufRead, BufReader, Write};
use std::time::Duration;

#[test]
fn sieve_connect_manages_scripts() {
    let server = TestServer::start("");
    let user = format!("vera@{DOMAIN}");
    server.add_user(&user);
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.sieve");
    let script =
        "require [\"fileinto\"];\r\nif header :contains \"subject\" \"x\" { fileinto \"X\"; }\r\n";
    std::fs::write(&good, script).unwrap();
    let good = good.to_str().unwrap();
    let upload = ["--upload", "--localsieve", good, "--remotesieve", "filters"];
    let (ok, out) = sieve_connect(&server, &user, &upload);
    assert!(ok, "{out}");
    let (ok, out) = sieve_connect(&server, &user, &["--activate", "--remotesieve", "filters"]);
    assert!(ok, "{out}");
    let (ok, out) = sieve_connect(&server, &user, &["--list"]);
    assert!(ok && out.contains("filters"), "{out}");
    let back = dir.path().join("back.sieve");
    let download = [
        "--download",
        "--remotesieve",
        "filters",
        "--localsieve",
        back.to_str().unwrap(),
    ];
    let (ok, out) = sieve_connect(&server, &user, &download);
    assert!(ok, "{out}");
    assert_eq!(std::fs::read_to_string(&back).unwrap(), script);

    // A script that does not compile is refused, with the line of the error.
    let bad = dir.path().join("bad.sieve");
    std::fs::write(&bad, "if header :contains \"a\" {\r\n keep;\r\n").unwrap();
    let bad = bad.to_str().unwrap();
    let (ok, out) = sieve_connect(
        &server,
        &user,
        &["--upload", "--localsieve", bad, "--remotesieve", "bad"],
    );
    assert!(!ok && out.contains("line"), "{out}");
    // The active script cannot be deleted; once deactivated it can.
    let (ok, _) = sieve_connect(&server, &user, &["--delete", "--remotesieve", "filters"]);
    assert!(!ok);
    let (ok, out) = sieve_connect(&server, &user, &["--deactivate"]);
    assert!(ok, "{out}");
    let (ok, out) = sieve_connect(&server, &user, &["--delete", "--remotesieve", "filters"]);
    assert!(ok, "{out}");
    let (ok, out) = sieve_connect(&server, &user, &["--list"]);
    assert!(
        ok && !out.contains("filters") && !out.contains("bad"),
        "{out}"
    );
}

/// Reads a response: lines up to one starting with OK, NO or BYE.
fn response(reader: &mut BufReader<std::net::TcpStream>) -> String {
    let mut all = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 {
            return all;
        }
        all.push_str(&line);
        if ["OK", "NO", "BYE"].iter().any(|s| line.starts_with(s)) {
            return all;
        }
    }
}

#[test]
fn plaintext_login_oversized_scripts_and_bad_commands_are_refused() {
    let server = TestServer::start("[sieve]\nmax_script_size = 100\n");
    let stream = std::net::TcpStream::connect(server.addr("managesieve")).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    let greeting = response(&mut reader);
    assert!(greeting.contains("\"STARTTLS\"") && greeting.contains("\"SASL\" \"\""));
    assert!(
        greeting.ends_with("OK \"Kantor ManageSieve ready\"\r\n"),
        "{greeting}"
    );
    let mut say = |line: &[u8]| {
        writer.write_all(line).unwrap();
        response(&mut reader)
    };
    // RFC 5804 §2.1: no credentials before TLS (unless configured).
    let r = say(b"AUTHENTICATE \"PLAIN\" \"AHVAZXhhbXBsZS50ZXN0AHB3\"\r\n");
    assert!(r.starts_with("NO (ENCRYPT-NEEDED)"), "{r}");
    assert!(say(b"LISTSCRIPTS\r\n").starts_with("NO"));
    assert!(say(b"FROB\r\n").starts_with("NO \"unknown command FROB\""));
    let r = say(b"NOOP \"resync\"\r\n");
    assert!(r.starts_with("OK (TAG \"resync\")"), "{r}");
    // A literal above the limit: refused, and the session ends (its bytes may still come).
    let r = say(b"CHECKSCRIPT {500+}\r\n");
    assert!(r.starts_with("NO (QUOTA/MAXSIZE)"), "{r}");
    let bye = response(&mut reader);
    assert!(bye.starts_with("BYE"), "{bye}");
}
