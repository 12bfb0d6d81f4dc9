//! The end-to-end harness: a real `kantor serve` process on ephemeral loopback ports with a
//! temporary data directory, and the real `kantor admin` CLI. Tests drive it with clients
//! nobody here wrote (lettre, Python's smtplib/poplib, swaks, curl).
#![allow(dead_code)]

pub mod corpus;
pub mod curl;
pub mod dns;
pub mod fts;
pub mod imap_model;
pub mod knot;
pub mod peer;
pub mod postfix;
pub mod tls_report;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const DOMAIN: &str = "example.test";
pub const PASSWORD: &str = "Secret-pass-1";

pub struct TestServer {
    pub dir: tempfile::TempDir,
    child: Option<Child>,
    pub addrs: HashMap<String, SocketAddr>,
    pub admin_password: Option<String>,
    extra_config: String,
    /// The SMTP (port 25) listener's address, when not 127.0.0.1:0.
    smtp_listener: Option<String>,
    /// A program and its arguments that `kantor serve ...` runs under (e.g. strace); empty
    /// for none.
    wrapper: Vec<String>,
}

impl TestServer {
    /// Starts a server whose every listener is on 127.0.0.1:0; `extra_config` is appended to
    /// the TOML configuration (e.g. `[smtp]\nmax_recipients = 3`).
    pub fn start(extra_config: &str) -> TestServer {
        TestServer::start_wrapped(&[], extra_config)
    }

    /// Like `start`, with the server run as `wrapper... <kantor binary> serve ...` (e.g.
    /// `["strace", "-f", "-o", FILE]`). The wrapper must run the server as its child and pass
    /// stdout through; `kill9` kills that child and then waits for the wrapper to exit by itself.
    pub fn start_wrapped(wrapper: &[&str], extra_config: &str) -> TestServer {
        TestServer::launch(wrapper, extra_config, None)
    }

    /// Like `start`, with the SMTP listener (port 25's role) on `smtp`, e.g. `127.0.0.2:2525`:
    /// for servers that reach each other through MX records, each on its own loopback address
    /// and the same port.
    pub fn start_with_smtp_at(smtp: &str, extra_config: &str) -> TestServer {
        TestServer::launch(&[], extra_config, Some(smtp))
    }

    fn launch(wrapper: &[&str], extra_config: &str, smtp: Option<&str>) -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut server = TestServer {
            dir,
            child: None,
            addrs: HashMap::new(),
            admin_password: None,
            extra_config: extra_config.to_string(),
            smtp_listener: smtp.map(str::to_string),
            wrapper: wrapper.iter().map(|s| s.to_string()).collect(),
        };
        server.spawn();
        server
    }

    pub fn data(&self) -> &Path {
        self.dir.path()
    }

    fn config_path(&self) -> PathBuf {
        self.dir.path().join("kantor.toml")
    }

    fn spawn(&mut self) {
        let smtp = self.smtp_listener.as_deref().unwrap_or("127.0.0.1:0");
        let listeners = format!(
            "[listeners]\nsmtp = \"{smtp}\"\nsubmission = \"127.0.0.1:0\"\nsubmissions = \"127.0.0.1:0\"\npop3 = \"127.0.0.1:0\"\npop3s = \"127.0.0.1:0\"\nimap = \"127.0.0.1:0\"\nimaps = \"127.0.0.1:0\"\nhttps = \"127.0.0.1:0\"\nhttp = \"127.0.0.1:0\"\nmanagesieve = \"127.0.0.1:0\"\n"
        );
        let config = format!(
            "[server]\nhostname = \"mail.example.test\"\n{listeners}{}",
            self.extra_config
        );
        std::fs::write(self.config_path(), config).unwrap();
        let mut command = match self.wrapper.split_first() {
            Some((program, args)) => {
                let mut command = Command::new(program);
                command.args(args).arg(env!("CARGO_BIN_EXE_kantor"));
                command
            }
            None => Command::new(env!("CARGO_BIN_EXE_kantor")),
        };
        let mut child = command
            .args(["serve", "--domain", DOMAIN, "--data"])
            .arg(self.dir.path().join("data"))
            .arg("--config")
            .arg(self.config_path())
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("starting kantor serve under {:?}: {e}", self.wrapper));
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let _ = tx.send(line);
            }
        });
        self.addrs.clear();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let line = rx
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .expect("server did not get ready");
            if let Some(rest) = line.strip_prefix("kantor: listening ") {
                let (name, addr) = rest.split_once(' ').unwrap();
                self.addrs.insert(name.to_string(), addr.parse().unwrap());
            } else if let Some(pw) =
                line.strip_prefix("kantor: administrator password (shown only once): ")
            {
                self.admin_password = Some(pw.to_string());
            } else if line.starts_with("kantor: ready") {
                break;
            }
        }
        self.child = Some(child);
    }

    /// The server's process id (not a wrapper's: only for servers started without one).
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("server running").id()
    }

    /// The server's resident memory in KiB (`VmRSS` of /proc/PID/status).
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS")
    }

    pub fn addr(&self, listener: &str) -> SocketAddr {
        self.addrs[listener]
    }

    pub fn port(&self, listener: &str) -> u16 {
        self.addr(listener).port()
    }

    /// Kills the server with SIGKILL: no shutdown code runs. Under a wrapper, kills the
    /// wrapper's children (the server) and gives the wrapper 10 s to finish (strace flushes its
    /// trace) before killing it too.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            if !self.wrapper.is_empty() {
                for pid in children_of(child.id()) {
                    let _ = Command::new("kill")
                        .args(["-KILL", &pid.to_string()])
                        .status();
                }
                let deadline = Instant::now() + Duration::from_secs(10);
                while child.try_wait().unwrap().is_none() && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    /// Starts the server again on the same data directory (new ports).
    pub fn restart(&mut self) {
        self.kill9();
        self.spawn();
    }

    /// Starts the server again on the same data directory with another `extra_config`.
    pub fn restart_with(&mut self, extra_config: &str) {
        self.extra_config = extra_config.to_string();
        self.restart();
    }

    /// Runs `kantor admin --data DIR args...` with `stdin`; returns (success, stdout, stderr).
    pub fn admin(&self, args: &[&str], stdin: &str) -> (bool, String, String) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kantor"))
            .arg("admin")
            .arg("--data")
            .arg(self.dir.path().join("data"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting kantor admin");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into(),
            String::from_utf8_lossy(&out.stderr).into(),
        )
    }

    /// `kantor admin` that must succeed.
    pub fn admin_ok(&self, args: &[&str], stdin: &str) -> String {
        let (ok, out, err) = self.admin(args, stdin);
        assert!(ok, "kantor admin {args:?} failed: {err}");
        out
    }

    /// Creates a user with the shared test password.
    pub fn add_user(&self, address: &str) {
        self.admin_ok(
            &["user", "add", address, "--password-stdin"],
            &format!("{PASSWORD}\n"),
        );
    }

    /// Adds each domain (`kantor admin domain add`).
    pub fn add_domains(&self, domains: &[&str]) {
        for domain in domains {
            self.admin_ok(&["domain", "add", domain], "");
        }
    }

    /// Creates each user with the shared test password.
    pub fn add_users(&self, addresses: &[&str]) {
        for address in addresses {
            self.add_user(address);
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// The ids of the processes whose parent is `parent` (Linux: read from /proc/*/stat).
fn children_of(parent: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            // `pid (comm) state ppid ...`: comm may hold spaces and parentheses.
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|stat| {
                    let (_, rest) = stat.rsplit_once(')')?;
                    rest.split_whitespace().nth(1)?.parse::<u32>().ok()
                })
                == Some(parent)
        })
        .collect()
}

/// Runs sieve-connect as `user` with `args`; (success, stdout + stderr).
pub fn sieve_connect(server: &TestServer, user: &str, args: &[&str]) -> (bool, String) {
    let port = server.port("managesieve").to_string();
    let mut child = Command::new("sieve-connect")
        .args(["--server", "127.0.0.1", "--port", &port, "--user", user])
        .args(["--passwordfd", "0", "--notlsverify", "--authmech", "PLAIN"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sieve-connect (Debian package sieve-connect; tests/run.sh installs it)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Runs an external program; panics with its output unless it exits successfully.
/// Submits a message with swaks on `server`'s submission port (STARTTLS, AUTH PLAIN as `from`
/// with the test password) and asserts it was accepted.
pub fn swaks_submit(server: &TestServer, from: &str, to: &str, subject: &str, body: &str) {
    let subject = format!("Subject: {subject}");
    let message = ["--header", &subject, "--body", body];
    let (ok, out) = swaks_submission(server, from, from, to, &message);
    assert!(ok && out.contains("250"), "{out}");
}

/// swaks on `server`'s submission port (STARTTLS, AUTH PLAIN as `user` with the test password),
/// MAIL FROM `from`, RCPT TO `to`, the message given by `message` (swaks's `--header`, `--body`
/// or `--data`): whether swaks succeeded, and its transcript.
pub fn swaks_submission(
    server: &TestServer,
    user: &str,
    from: &str,
    to: &str,
    message: &[&str],
) -> (bool, String) {
    let server_address = format!("127.0.0.1:{}", server.port("submission"));
    let mut args = vec![
        "--server",
        &server_address,
        "--tls",
        "--auth",
        "PLAIN",
        "--auth-user",
        user,
        "--auth-password",
        PASSWORD,
        "--from",
        from,
        "--to",
        to,
    ];
    args.extend_from_slice(message);
    run_status("swaks", &args)
}

pub fn run(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} ({e}); install it (tests/run.sh does)"));
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        out.status.success(),
        "{program} {args:?} failed:\n{stdout}\n{stderr}"
    );
    format!("{stdout}{stderr}")
}

/// Runs an external program and returns (success, stdout + stderr) without judging.
/// Runs `program` with `input` on its standard input; its exit status and output.
pub fn run_with_input(program: &str, args: &[&str], input: &[u8]) -> std::process::Output {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    // Written from another thread, so that a large input and output cannot block each other.
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    out
}

pub fn run_status(program: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} ({e}); install it (tests/run.sh does)"));
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// curl's pop3s:// URL for `path` ("" lists the maildrop, "N" retrieves message N) as `user`
/// with `password`; returns (success, output).
pub fn curl_pop3s(server: &TestServer, user: &str, password: &str, path: &str) -> (bool, String) {
    let url = format!("pop3s://127.0.0.1:{}/{path}", server.port("pop3s"));
    run_status(
        "curl",
        &[
            "-sS",
            "-k",
            "--max-time",
            "20",
            "-u",
            &format!("{user}:{password}"),
            &url,
        ],
    )
}

/// The messages in a user's INBOX, read with curl over POP3S.
pub fn pop3_messages(server: &TestServer, user: &str) -> Vec<String> {
    let fetch = |path: &str| {
        let (ok, out) = curl_pop3s(server, user, PASSWORD, path);
        assert!(ok, "curl pop3s://.../{path} as {user}: {out}");
        out
    };
    fetch("")
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(fetch)
        .collect()
}

/// Runs one of the Python suites in tests/python with `env`, and checks its closing line.
pub fn run_python_suite(script: &str, env: &[(&str, String)], expected_passed: usize) {
    let path = format!("{}/../../tests/python/{script}", env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("python3")
        .arg(path)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .expect("python3");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(&format!("{expected_passed} passed, 0 failed")),
        "{text}"
    );
}

/// Subjects of every message in a user's INBOX, in order, read with Python's poplib over TLS.
pub fn pop3_subjects(server: &TestServer, user: &str) -> Vec<String> {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/python/pop3_subjects.py"
    );
    let port = server.port("pop3s").to_string();
    let out = run("python3", &[script, "127.0.0.1", &port, user, PASSWORD]);
    out.lines().map(str::to_string).collect()
}

/// A minimal line client for protocol edge cases that no real client will send (smuggling,
/// oversized lines): raw bytes out, reply lines in.
pub struct RawClient {
    stream: std::net::TcpStream,
    reader: BufReader<std::net::TcpStream>,
}

impl RawClient {
    pub fn connect(addr: SocketAddr) -> RawClient {
        let stream = std::net::TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let reader = BufReader::new(stream.try_clone().unwrap());
        RawClient { stream, reader }
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).unwrap();
    }

    /// Reads one complete SMTP reply (all continuation lines); returns its text.
    pub fn reply(&mut self) -> String {
        self.read_lines_until(|line| line.as_bytes().get(3) != Some(&b'-'), "a reply")
    }

    /// Reads the lines of a multi-line response up to and including the terminating ".".
    pub fn read_multiline_rest(&mut self) -> String {
        self.read_lines_until(|line| line == ".\r\n", "a multi-line response")
    }

    /// Reads lines until one satisfies `last` (included); the connection must stay open.
    fn read_lines_until(&mut self, last: impl Fn(&str) -> bool, what: &str) -> String {
        let mut all = String::new();
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).unwrap();
            assert!(
                !line.is_empty(),
                "connection closed while waiting for {what} (so far: {all:?})"
            );
            all.push_str(&line);
            if last(&line) {
                return all;
            }
        }
    }

    /// Everything the server sends until it closes the connection.
    pub fn read_to_end(&mut self) -> String {
        let mut rest = String::new();
        let _ = std::io::Read::read_to_string(&mut self.reader, &mut rest);
        rest
    }

    /// Sends a line and returns the reply.
    pub fn command(&mut self, line: &str) -> String {
        self.send(format!("{line}\r\n").as_bytes());
        self.reply()
    }
}

/// A minimal IMAP client for what real clients will not send (oversized literals, pipelined
/// bursts, raw QRESYNC) and for checking responses exactly: commands out, responses in, with
/// literals read by their announced size.
pub struct ImapClient {
    stream: std::net::TcpStream,
    reader: BufReader<std::net::TcpStream>,
    next_tag: u32,
    /// The greeting line.
    pub greeting: String,
}

impl ImapClient {
    pub fn connect(addr: SocketAddr) -> ImapClient {
        ImapClient::over(std::net::TcpStream::connect(addr).unwrap())
    }

    /// Connects from another loopback address (`127.0.0.2`, ...): another client, as far as the
    /// server's per-address counters go.
    pub fn connect_from(addr: SocketAddr, source: std::net::IpAddr) -> ImapClient {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
            .unwrap();
        let stream = runtime.block_on(async {
            let socket = tokio::net::TcpSocket::new_v4().unwrap();
            socket.bind(SocketAddr::new(source, 0)).unwrap();
            socket.connect(addr).await.unwrap()
        });
        let stream = stream.into_std().unwrap();
        stream.set_nonblocking(false).unwrap();
        ImapClient::over(stream)
    }

    fn over(stream: std::net::TcpStream) -> ImapClient {
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let reader = BufReader::new(stream.try_clone().unwrap());
        let mut client = ImapClient {
            stream,
            reader,
            next_tag: 1,
            greeting: String::new(),
        };
        client.greeting = client.response().expect("greeting");
        client
    }

    /// Connects and logs in as `user` with the test password (the server must allow plaintext
    /// logins: `[imap] allow_plaintext_auth = true`).
    pub fn login(addr: SocketAddr, user: &str) -> ImapClient {
        let mut client = ImapClient::connect(addr);
        let done = client.ok(&format!("LOGIN {user} {PASSWORD}"));
        assert!(done.last().unwrap().contains("OK"), "{done:?}");
        client
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).unwrap();
    }

    /// A fresh tag.
    pub fn tag(&mut self) -> String {
        let tag = format!("t{}", self.next_tag);
        self.next_tag += 1;
        tag
    }

    /// One response: a line, with any literals it announces and the lines that follow them.
    /// `None` once the server has closed the connection.
    pub fn response(&mut self) -> Option<String> {
        let mut all = String::new();
        loop {
            let mut line = Vec::new();
            let n = self.reader.read_until(b'\n', &mut line).ok()?;
            if n == 0 {
                return (!all.is_empty()).then_some(all);
            }
            let text = String::from_utf8_lossy(&line).into_owned();
            all.push_str(&text);
            let trimmed = text.trim_end_matches(['\r', '\n']);
            let literal = trimmed
                .strip_suffix('}')
                .and_then(|s| s.rsplit_once('{'))
                .and_then(|(_, n)| n.trim_end_matches('+').parse::<usize>().ok());
            match literal {
                Some(size) => {
                    let mut data = vec![0; size];
                    std::io::Read::read_exact(&mut self.reader, &mut data).ok()?;
                    all.push_str(&String::from_utf8_lossy(&data));
                }
                None => return Some(all),
            }
        }
    }

    /// Reads responses up to and including the one tagged `tag`.
    pub fn until_tagged(&mut self, tag: &str) -> Vec<String> {
        let mut responses = Vec::new();
        loop {
            let response = self.response().unwrap_or_else(|| {
                panic!("connection closed before {tag} completed: {responses:?}")
            });
            let done = response.starts_with(&format!("{tag} "));
            responses.push(response);
            if done {
                return responses;
            }
        }
    }

    /// Sends a command with a fresh tag; returns every response to it, the tagged one last.
    pub fn command(&mut self, command: &str) -> Vec<String> {
        let tag = self.tag();
        self.send(format!("{tag} {command}\r\n").as_bytes());
        self.until_tagged(&tag)
    }

    /// A command that must complete with OK.
    pub fn ok(&mut self, command: &str) -> Vec<String> {
        let responses = self.command(command);
        let last = responses.last().unwrap();
        assert!(
            last.split_whitespace().nth(1) == Some("OK"),
            "{command} failed: {responses:?}"
        );
        responses
    }

    /// APPENDs a message with a synchronizing literal; returns the responses.
    pub fn append(&mut self, mailbox: &str, flags: &str, message: &[u8]) -> Vec<String> {
        let tag = self.tag();
        self.send(format!("{tag} APPEND {mailbox} ({flags}) {{{}}}\r\n", message.len()).as_bytes());
        let go = self.response().unwrap();
        assert!(go.starts_with('+'), "no continuation for APPEND: {go}");
        self.send(message);
        self.send(b"\r\n");
        self.until_tagged(&tag)
    }

    /// Everything until the server closes the connection.
    pub fn read_to_end(&mut self) -> String {
        let mut rest = String::new();
        let _ = std::io::Read::read_to_string(&mut self.reader, &mut rest);
        rest
    }
}

/// The status (`OK`, `NO`, `BAD`) of the tagged response ending `responses`.
pub fn tagged_status(responses: &[String]) -> &str {
    responses
        .last()
        .and_then(|r| r.split_whitespace().nth(1))
        .unwrap_or("")
}

/// The number after `key` in `text` (e.g. `UIDVALIDITY` in `* OK [UIDVALIDITY 3] ...`).
pub fn number_after(text: &str, key: &str) -> Option<u64> {
    let start = text.find(key)? + key.len();
    text[start..]
        .trim_start_matches([' ', '('])
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}
