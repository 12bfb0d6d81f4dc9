//! Full-text search checks shared by tests/search_fts.rs and tests/search_attachments.rs:
//! delivery and UID SEARCH through tests/python/fts.py (smtplib, imaplib), the index's figures
//! from `/metrics`, and JMAP Email/query answered as subjects (curl).

use super::curl::{calls, curl, https, primary_account};
use super::{PASSWORD, TestServer, run};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Runs a Python script of tests/python with arguments.
pub fn python(script: &str, args: &[&str]) -> String {
    let script = format!("{}/../../tests/python/{script}", env!("CARGO_MANIFEST_DIR"));
    let mut all = vec![script.as_str()];
    all.extend_from_slice(args);
    run("python3", &all)
}

/// Delivers `(recipient, raw message)` pairs over SMTP (smtplib).
pub fn deliver(server: &TestServer, messages: &[(&str, String)]) {
    let file = server.data().join("corpus.json");
    let list: Vec<Value> = messages
        .iter()
        .map(|(to, raw)| json!({"to": to, "raw": raw}))
        .collect();
    std::fs::write(&file, serde_json::to_string(&list).unwrap()).unwrap();
    python(
        "fts.py",
        &[
            "deliver",
            &server.port("smtp").to_string(),
            file.to_str().unwrap(),
        ],
    );
}

/// UID SEARCH of each query in `user`'s INBOX, through imaplib.
pub fn search(server: &TestServer, user: &str, queries: &[(&str, Option<&str>)]) -> Vec<Vec<u32>> {
    let file = server.data().join("queries.json");
    std::fs::write(&file, serde_json::to_string(&queries).unwrap()).unwrap();
    let out = python(
        "fts.py",
        &[
            "search",
            &server.port("imaps").to_string(),
            user,
            PASSWORD,
            file.to_str().unwrap(),
        ],
    );
    serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"))
}

/// A metric's value from `/metrics` on the plain HTTP listener.
pub fn metric(server: &TestServer, name: &str) -> Option<i64> {
    let answer = curl(&[&format!("http://127.0.0.1:{}/metrics", server.port("http"))]);
    answer.body.lines().find_map(|l| {
        let (n, v) = l.split_once(' ')?;
        (n == name).then(|| v.trim().parse().ok())?
    })
}

/// Each thread of the server: its name and its scheduling policy (`/proc/PID/task/TID/stat`,
/// field 41: 0 `SCHED_OTHER`, 5 `SCHED_IDLE`).
pub fn thread_policies(server: &TestServer) -> Vec<(String, u32)> {
    let tasks = std::fs::read_dir(format!("/proc/{}/task", server.pid())).unwrap();
    tasks
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("stat")).ok())
        .filter_map(|stat| {
            let (name, rest) = stat.split_once(" (")?.1.rsplit_once(") ")?;
            // Fields from the third (state) on: the policy is the 41st.
            let policy = rest.split(' ').nth(41 - 3)?.parse().ok()?;
            Some((name.to_string(), policy))
        })
        .collect()
}

/// `answers` for `user`, to whom `messages` are delivered: first with the index, once it
/// holds them all, then on the same data with `[search] enabled = false` (a scan of every
/// message), for the caller to compare.
pub fn with_and_without_index<T>(
    user: &str,
    messages: &[(&str, String)],
    answers: impl Fn(&TestServer) -> T,
) -> (T, T) {
    let plain = "[imap]\nallow_plaintext_auth = true\n";
    let mut server = TestServer::start(plain);
    server.add_user(user);
    deliver(&server, messages);
    wait_indexed(&server, messages.len() as i64);
    let indexed = answers(&server);
    server.restart_with(&format!("{plain}[search]\nenabled = false\n"));
    (indexed, answers(&server))
}

/// Waits until the index holds `documents` and has no lag.
pub fn wait_indexed(server: &TestServer, documents: i64) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let docs = metric(server, "kantor_search_documents");
        let lag = metric(server, "kantor_search_lag_changes");
        if docs == Some(documents) && lag == Some(0) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "index not caught up: {docs:?} documents, lag {lag:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A JMAP account of `user` (password [`PASSWORD`]), asked through curl.
pub struct Jmap<'s> {
    pub server: &'s TestServer,
    pub credentials: String,
    pub account: String,
}

impl<'s> Jmap<'s> {
    pub fn new(server: &'s TestServer, user: &str) -> Jmap<'s> {
        let credentials = format!("{user}:{PASSWORD}");
        let session = curl(&["-u", &credentials, &https(server, "/jmap/session")]).json();
        let account = primary_account(&session, "urn:ietf:params:jmap:mail");
        Jmap {
            server,
            credentials,
            account,
        }
    }

    /// The method calls' responses.
    pub fn calls(&self, calls_: Value) -> Vec<Value> {
        calls(self.server, &self.credentials, calls_)
    }

    /// The subjects of the emails Email/query finds with `filter`, sorted.
    pub fn subjects(&self, filter: Value) -> Vec<String> {
        let found = self.calls(json!([
            ["Email/query", {"accountId": &self.account, "filter": filter}, "q"],
            ["Email/get", {"accountId": &self.account, "properties": ["subject"],
                "#ids": {"resultOf": "q", "name": "Email/query", "path": "/ids"}}, "g"]
        ]));
        let mut list: Vec<String> = found[1][1]["list"]
            .as_array()
            .unwrap_or_else(|| panic!("{found:?}"))
            .iter()
            .map(|e| e["subject"].as_str().unwrap_or("").to_string())
            .collect();
        list.sort();
        list
    }

    /// The id of the account's INBOX.
    pub fn inbox(&self) -> String {
        self.calls(json!([["Mailbox/query",
            {"accountId": &self.account, "filter": {"role": "inbox"}}, "m"]]))[0][1]["ids"][0]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// For each filter, its ids (sorted), after checking that it finds exactly the subjects
    /// given with it: answers to compare between two runs (the index on and off).
    pub fn checked_ids(&self, filters: Vec<(Value, Vec<&str>)>) -> Vec<Vec<String>> {
        let mut all = Vec::new();
        for (filter, subjects) in filters {
            assert_eq!(self.subjects(filter.clone()), subjects, "{filter}");
            let answer = self.calls(json!([["Email/query",
                {"accountId": &self.account, "filter": &filter}, "q"]]));
            let mut ids: Vec<String> = answer[0][1]["ids"]
                .as_array()
                .unwrap_or_else(|| panic!("{answer:?}"))
                .iter()
                .map(|id| id.as_str().unwrap().to_string())
                .collect();
            ids.sort();
            all.push(ids);
        }
        all
    }
}
