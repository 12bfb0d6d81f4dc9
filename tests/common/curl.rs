//! curl against the HTTP listeners, and JMAP requests over it.

use super::*;
use serde_json::Value;
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

pub const USING: &str = r#"["urn:ietf:params:jmap:core","urn:ietf:params:jmap:mail"]"#;

/// A request of `calls` (a JSON array of invocations), its method responses.
pub fn calls(server: &TestServer, credentials: &str, calls: Value) -> Vec<Value> {
    calls_using(server, credentials, USING, calls)
}

/// A request of `calls` declaring the capabilities `using` (a JSON array), its responses.
pub fn calls_using(
    server: &TestServer,
    credentials: &str,
    using: &str,
    calls: Value,
) -> Vec<Value> {
    let body = format!(r#"{{"using":{using},"methodCalls":{calls}}}"#);
    let answer = api(server, credentials, &body);
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.json()["methodResponses"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", answer.body))
        .clone()
}

/// The curl `-u` credentials of a user of the test password.
pub fn credentials(address: &str) -> String {
    format!("{address}:{PASSWORD}")
}

/// The id of the session's account named `name`, if it lists one.
pub fn account_named(session: &Value, name: &str) -> Option<String> {
    session["accounts"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(_, a)| a["name"] == name)
        .map(|(id, _)| id.clone())
}

/// One method call; its response `[name, arguments, id]`.
pub fn call(server: &TestServer, who: &str, method: &str, arguments: Value) -> Value {
    calls(server, who, serde_json::json!([[method, arguments, "c"]]))[0].clone()
}

/// The arguments of a successful response to `method` (the response must be that method's).
pub fn ok(server: &TestServer, who: &str, method: &str, arguments: Value) -> Value {
    let response = call(server, who, method, arguments);
    assert_eq!(response[0], method, "{response}");
    response[1].clone()
}

/// The session's primary account for a capability (RFC 8620 §2).
pub fn primary_account(session: &Value, capability: &str) -> String {
    session["primaryAccounts"][capability]
        .as_str()
        .unwrap_or_else(|| panic!("no {capability} account in {session}"))
        .to_string()
}

/// The id of the object in a `/get` response whose `property` is `value`.
pub fn id_where(response: &Value, property: &str, value: &str) -> String {
    response["list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o[property] == value)
        .unwrap_or_else(|| panic!("no {property} {value} in {response}"))["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A JMAP EventSource (RFC 8620 §7.3) read by curl: each event's `data:` as JSON.
pub struct EventSource {
    curl: std::process::Child,
    events: std::io::BufReader<std::process::ChildStdout>,
}

impl EventSource {
    /// Opens `url` (an `/jmap/eventsource?...` address) as `credentials`.
    pub fn open(credentials: &str, url: &str) -> EventSource {
        let mut curl = Command::new("curl")
            .args(["-sk", "-N", "--max-time", "20", "-u", credentials, url])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("curl");
        let events = std::io::BufReader::new(curl.stdout.take().unwrap());
        EventSource { curl, events }
    }

    /// The next event's data; `None` once the server closed the stream.
    pub fn next_data(&mut self) -> Option<Value> {
        use std::io::BufRead;
        let mut line = String::new();
        loop {
            line.clear();
            if self.events.read_line(&mut line).unwrap() == 0 {
                return None;
            }
            if let Some(data) = line.strip_prefix("data:") {
                return Some(serde_json::from_str::<Value>(data.trim()).unwrap());
            }
        }
    }

    /// Waits for curl to end; whether it ended well.
    pub fn finished(mut self) -> bool {
        self.curl.wait().unwrap().success()
    }
}

impl Drop for EventSource {
    fn drop(&mut self) {
        let _ = self.curl.kill();
        let _ = self.curl.wait();
    }
}
