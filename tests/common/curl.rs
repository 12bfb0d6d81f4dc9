//! curl against the HTTP listeners, and JMAP requests over it.

use super::*;
use std::process::Command;

/// A curl answer: status, header block (lower-case names) and body.
pub struct Answer {
    pub status: u16,
    pub headers: String,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.lines().find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// Runs curl (certificate not verified: the test server's is self-signed) with `args`.
pub fn curl(args: &[&str]) -> Answer {
    let out = Command::new("curl")
        .args(["-sk", "--max-time", "20", "-D", "-"])
        .args(args)
        .output()
        .expect("curl");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            panic!(
                "no status: {text:?} {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    Answer {
        status,
        headers: head.to_string(),
        body: body.to_string(),
    }
}

pub fn https(server: &TestServer, path: &str) -> String {
    format!("https://127.0.0.1:{}{path}", server.port("https"))
}

pub fn user(server: &TestServer) -> String {
    let address = format!("jo@{DOMAIN}");
    server.add_user(&address);
    format!("{address}:{PASSWORD}")
}

/// POSTs a JMAP request body as `credentials`.
pub fn api(server: &TestServer, credentials: &str, body: &str) -> Answer {
    curl(&[
        "-u",
        credentials,
        "-H",
        "Content-Type: application/json",
        "--data-binary",
        body,
        &https(server, "/jmap/api"),
    ])
}
