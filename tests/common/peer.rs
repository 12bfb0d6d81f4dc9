//! A remote SMTP server for the outbound tests: `tests/python/smtp_peer.py` (aiosmtpd, a real
//! SMTP server library), storing what it accepts as JSON files a test reads back; and the
//! helpers those tests share (submitting with swaks, waiting for a condition).

use super::{ImapClient, TestServer};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct SmtpPeer {
    child: Child,
    pub dir: tempfile::TempDir,
    pub port: u16,
}

impl SmtpPeer {
    /// Starts the peer on `port` (0: any free one) with the script's `options`.
    pub fn start(port: u16, options: &[&str]) -> SmtpPeer {
        let dir = tempfile::tempdir().unwrap();
        let port = if port == 0 { free_port() } else { port };
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/python/smtp_peer.py"
        );
        let mut child = Command::new("python3")
            .arg(script)
            .arg(dir.path())
            .arg(port.to_string())
            .args(options)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("listening ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| {
                panic!("smtp_peer.py did not start (aiosmtpd: tests/run.sh installs it): {line:?}")
            });
        SmtpPeer { child, dir, port }
    }

    /// Every message accepted so far, in order.
    pub fn messages(&self) -> Vec<serde_json::Value> {
        let mut names: Vec<_> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
            .collect()
    }

    /// The accepted messages whose content contains `text`.
    pub fn with(&self, text: &str) -> Vec<serde_json::Value> {
        self.messages()
            .into_iter()
            .filter(|m| m["content"].as_str().unwrap().contains(text))
            .collect()
    }
}

impl Drop for SmtpPeer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free loopback TCP port (nothing listens there until someone binds it).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Submits a message on `port` (submission, STARTTLS, AUTH PLAIN as `from`) with swaks, with
/// extra header lines.
pub fn submit(port: u16, from: &str, to: &str, subject: &str, body: &str, headers: &[&str]) {
    let server = format!("127.0.0.1:{port}");
    let subject = format!("Subject: {subject}");
    let mut args = vec![
        "--server",
        &server,
        "--tls",
        "--auth",
        "PLAIN",
        "--auth-user",
        from,
        "--auth-password",
        super::PASSWORD,
        "--from",
        from,
        "--to",
        to,
        "--header",
        &subject,
        "--body",
        body,
    ];
    for header in headers {
        args.extend(["--add-header", header]);
    }
    let out = super::run("swaks", &args);
    assert!(out.contains("250"), "{out}");
}

/// Polls `check` every 200 ms for up to `secs`.
pub fn eventually<T>(secs: u64, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(found) = check() {
            return found;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The messages in `user`'s INBOX on `server`, in full.
pub fn inbox(server: &TestServer, user: &str) -> Vec<String> {
    let mut imap = ImapClient::login(server.addr("imap"), user);
    let selected = imap.ok("SELECT INBOX");
    let count = selected
        .iter()
        .find_map(|l| l.trim_end().strip_prefix("* ")?.strip_suffix(" EXISTS"))
        .and_then(|n| n.parse::<u32>().ok())
        .unwrap_or(0);
    (1..=count)
        .map(|n| {
            let response = imap.ok(&format!("FETCH {n} BODY.PEEK[]")).join("\n");
            let open = response.find('{').expect("a literal");
            let close = open + response[open..].find('}').unwrap();
            let size: usize = response[open + 1..close].parse().unwrap();
            response[close + 3..close + 3 + size].to_string()
        })
        .collect()
}
