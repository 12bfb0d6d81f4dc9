//! Durability down to the system call: a message is on stable storage before it is
//! acknowledged. The real server runs under `strace -f`; one message is delivered over SMTP
//! (lettre, to the port-25 listener) and one APPENDed over IMAP (async-imap). For each, the
//! trace must show, in this order and all before the server writes the acknowledgement (the
//! `250` reply to DATA, the tagged `OK` of APPEND) to the client's socket:
//!
//! 1. the blob written to `DATA/blobs/tmp/...` and fsynced (`fsync`/`fdatasync` on that fd);
//! 2. that file renamed to `DATA/blobs/xx/<hash>`;
//! 3. the directory `DATA/blobs/xx` fsynced (so the rename itself is durable);
//! 4. the SQLite WAL (`kantor.db-wal`) written and then fsynced (`synchronous=FULL`).
//!
//! Why strace: a SIGKILL test (tests/durability.rs) cannot see a missing fsync, because the
//! kernel's page cache outlives the process and the data reach the disk anyway; only a power
//! cut would lose them. Which system calls ran, and in which order, is what shows the fsync.
//! Files and sockets are recognised by strace's `-yy` decoration of fds (paths, TCP ports)
//! and the acknowledgement by the bytes of the traced write (`-s`). If strace is missing or
//! cannot trace (ptrace denied), the test fails: it never skips.

mod common;
use common::*;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use tokio::net::TcpStream;

/// The system calls traced: file opens and writes, socket writes, syncs and renames (`?`: not
/// every architecture has `rename`).
const SYSCALLS: &str = concat!(
    "openat,write,writev,pwrite64,pwritev,sendto,sendmsg,",
    "fsync,fdatasync,?rename,renameat,renameat2"
);

const SUBJECT: &str = "fsync before 250";

/// The message APPENDed over IMAP; its blob holds exactly these bytes.
const APPENDED: &[u8] =
    b"From: Zoe <zoe@example.test>\r\nSubject: fsync before OK\r\n\r\nDurable, then acknowledged.\r\n";

/// One traced system call, its `<unfinished ...>` and `<... resumed>` halves joined.
#[derive(Debug, Clone)]
struct Call {
    /// Line of the trace where it was entered and where it returned.
    start: usize,
    end: usize,
    name: String,
    /// `name(args) = result`, as strace printed it.
    text: String,
}

impl Call {
    /// What strace's `-y` printed for the first argument's fd: a path, or
    /// `TCP:[local->remote]`.
    fn fd_target(&self) -> Option<&str> {
        let args = self.text.strip_prefix(&self.name)?.strip_prefix('(')?;
        let rest = args.trim_start_matches(|c: char| c.is_ascii_digit());
        let rest = rest.strip_prefix('<')?;
        // The decoration may nest `<...>` (devices) and hold `->` (sockets): it ends at the
        // first `>` that ends the argument.
        let end = [">,", ">)"].iter().filter_map(|m| rest.find(m)).min()?;
        Some(&rest[..end])
    }

    /// The return value, if a number (`12</path>` gives 12).
    fn result(&self) -> Option<i64> {
        let (_, result) = self.text.rsplit_once(") = ")?;
        let digits: String = result
            .chars()
            .take_while(|c| *c == '-' || c.is_ascii_digit())
            .collect();
        digits.parse().ok()
    }

    fn succeeded(&self) -> bool {
        self.result().is_some_and(|r| r >= 0)
    }

    /// The quoted strings among the arguments, still escaped as strace prints them.
    fn strings(&self) -> Vec<&str> {
        let args = match self.text.rsplit_once(") = ") {
            Some((args, _)) => args,
            None => &self.text,
        };
        let mut strings = Vec::new();
        let mut rest = args;
        while let Some(open) = rest.find('"') {
            let body = &rest[open + 1..];
            let mut escaped = false;
            let Some(close) = body.char_indices().find_map(|(i, c)| {
                let end = c == '"' && !escaped;
                escaped = c == '\\' && !escaped;
                end.then_some(i)
            }) else {
                break;
            };
            strings.push(&body[..close]);
            rest = &body[close + 1..];
        }
        strings
    }

    /// The bytes written (the first string argument), for writes.
    fn data(&self) -> &str {
        self.strings().first().copied().unwrap_or("")
    }

    fn is_sync(&self) -> bool {
        matches!(self.name.as_str(), "fsync" | "fdatasync")
    }

    fn is_file_write(&self) -> bool {
        matches!(
            self.name.as_str(),
            "write" | "writev" | "pwrite64" | "pwritev"
        )
    }

    fn is_socket_write(&self) -> bool {
        matches!(
            self.name.as_str(),
            "write" | "writev" | "sendto" | "sendmsg"
        )
    }

    fn is_rename(&self) -> bool {
        self.name.starts_with("rename")
    }

    /// For a call on a TCP socket, the server's (local) port.
    fn local_port(&self) -> Option<u16> {
        let target = self.fd_target()?;
        let (_, addrs) = target.split_once(":[")?;
        let (local, _) = addrs.split_once("->")?;
        local.rsplit_once(':')?.1.parse().ok()
    }
}

/// Parses `strace -f [-tt] [-yy]` output: `PID [TIME] name(args) = result`, with calls that
/// other threads interrupted split into `name(args <unfinished ...>` and
/// `<... name resumed>rest) = result` lines of the same PID.
fn parse_trace(trace: &str) -> Vec<Call> {
    let mut calls = Vec::new();
    let mut pending: HashMap<String, (usize, String, String)> = HashMap::new();
    for (line_no, line) in trace.lines().enumerate() {
        let mut rest = line;
        let mut pid = "";
        if let Some((first, after)) = rest.split_once(' ')
            && first.bytes().all(|b| b.is_ascii_digit())
        {
            pid = first;
            rest = after.trim_start();
        }
        // `-tt` time stamp.
        if let Some((first, after)) = rest.split_once(' ')
            && first.contains(':')
            && first
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b':' || b == b'.')
        {
            rest = after.trim_start();
        }
        if let Some(resumed) = rest.strip_prefix("<... ") {
            let Some((name, tail)) = resumed.split_once(" resumed>") else {
                continue;
            };
            if let Some((start, pending_name, head)) = pending.remove(pid)
                && pending_name == name
            {
                calls.push(Call {
                    start,
                    end: line_no,
                    name: pending_name,
                    text: format!("{head}{tail}"),
                });
            }
            continue;
        }
        let Some(open) = rest.find('(') else {
            continue; // `--- SIGNAL ---`, `+++ exited +++`
        };
        let name = &rest[..open];
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            continue;
        }
        if let Some(head) = rest.strip_suffix(" <unfinished ...>") {
            pending.insert(
                pid.to_string(),
                (line_no, name.to_string(), head.to_string()),
            );
        } else {
            calls.push(Call {
                start: line_no,
                end: line_no,
                name: name.to_string(),
                text: rest.to_string(),
            });
        }
    }
    calls.sort_by_key(|c| c.start);
    calls
}

/// A blob's name: `xx/<64 hex digits>` where `xx` are the first two digits.
fn blob_name(path: &str) -> Option<(&str, &str)> {
    let mut parts = path.rsplit('/');
    let (hash, dir) = (parts.next()?, parts.next()?);
    let hex = |s: &str| s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    (hash.len() == 64 && hex(hash) && hash.starts_with(dir)).then_some((dir, hash))
}

/// Checks the chain blob fsync → rename → directory fsync → WAL write → WAL fsync among the
/// calls after `after` that returned before `ack` was entered; returns the blob's `xx/<hash>`.
/// `what` names the operation in messages; `show` gives the excerpt of the trace printed
/// when a step is missing.
fn assert_durable_before(
    calls: &[Call],
    after: &Call,
    ack: &Call,
    what: &str,
    show: &Excerpt,
) -> String {
    let window: Vec<&Call> = calls
        .iter()
        .filter(|c| c.start > after.end && c.end < ack.start)
        .collect();
    let fail = |step: &str| -> ! {
        panic!(
            "{what}: {step} before the acknowledgement {:?} (line {}).\n\
             Calls on the data directory and the client sockets, from line {}:\n{}",
            ack.text,
            ack.start + 1,
            after.start + 1,
            show.lines(calls, after.start, ack.end)
        )
    };
    let on = |c: &Call, pred: &dyn Fn(&str) -> bool| c.fd_target().is_some_and(pred);

    let blob_sync = window
        .iter()
        .find(|c| c.is_sync() && c.succeeded() && on(c, &|p| p.contains("/blobs/tmp/")))
        .unwrap_or_else(|| fail("no fsync of a blob in DATA/blobs/tmp"));
    let tmp_path = blob_sync.fd_target().unwrap();
    let tmp_name = tmp_path.rsplit('/').next().unwrap();
    if !window.iter().any(|c| {
        c.is_file_write() && c.succeeded() && c.end < blob_sync.start && on(c, &|p| p == tmp_path)
    }) {
        fail(&format!("no write to {tmp_path} before its fsync"));
    }

    let rename = window
        .iter()
        .find(|c| {
            c.is_rename()
                && c.succeeded()
                && c.start > blob_sync.end
                && c.strings()
                    .first()
                    .is_some_and(|from| from.ends_with(&format!("/blobs/tmp/{tmp_name}")))
        })
        .unwrap_or_else(|| {
            fail(&format!(
                "no rename of blobs/tmp/{tmp_name} after its fsync"
            ))
        });
    let to = rename.strings().get(1).copied().unwrap_or("");
    let (dir, hash) = blob_name(to)
        .filter(|_| to.contains("/blobs/"))
        .unwrap_or_else(|| fail(&format!("blob renamed to {to:?}, not DATA/blobs/xx/<hash>")));
    let dir_suffix = format!("/blobs/{dir}");

    let dir_sync = window
        .iter()
        .find(|c| {
            c.is_sync()
                && c.succeeded()
                && c.start > rename.end
                && on(c, &|p| p.ends_with(&dir_suffix))
        })
        .unwrap_or_else(|| {
            fail(&format!(
                "no fsync of the directory DATA{dir_suffix} after the rename"
            ))
        });

    let wal_write = window
        .iter()
        .find(|c| {
            c.is_file_write()
                && c.succeeded()
                && c.start > dir_sync.end
                && on(c, &|p| p.ends_with("/kantor.db-wal"))
        })
        .unwrap_or_else(|| fail("no write to kantor.db-wal after the blob was durable"));
    window
        .iter()
        .find(|c| {
            c.is_sync()
                && c.succeeded()
                && c.start > wal_write.end
                && on(c, &|p| p.ends_with("/kantor.db-wal"))
        })
        .unwrap_or_else(|| {
            fail("no fsync/fdatasync of kantor.db-wal after the commit was written")
        });
    format!("{dir}/{hash}")
}

/// The acknowledgement on a connection to `port`: the first socket write whose bytes satisfy
/// `is_ack`, and the server's write on that same socket just before it.
fn find_ack(calls: &[Call], port: u16, is_ack: impl Fn(&str) -> bool) -> Option<(&Call, &Call)> {
    let writes: Vec<&Call> = calls
        .iter()
        .filter(|c| c.is_socket_write() && c.local_port() == Some(port))
        .collect();
    let i = writes.iter().position(|c| is_ack(c.data()))?;
    let fd = writes[i].fd_target();
    let previous = writes[..i].iter().rev().find(|c| c.fd_target() == fd)?;
    Some((previous, writes[i]))
}

/// What to show of the trace when a check fails: the calls on the data directory and on the
/// SMTP and IMAP sockets, one shortened line each.
struct Excerpt<'a> {
    data: &'a str,
    ports: [u16; 2],
}

impl Excerpt<'_> {
    /// The relevant calls entered between trace lines `from` and `to` (at most the last 150).
    fn lines(&self, calls: &[Call], from: usize, to: usize) -> String {
        let lines: Vec<String> = calls
            .iter()
            .filter(|c| (from..=to).contains(&c.start))
            .filter(|c| {
                c.fd_target().is_some_and(|t| t.starts_with(self.data))
                    || c.strings().iter().any(|s| s.starts_with(self.data))
                    || c.local_port().is_some_and(|p| self.ports.contains(&p))
            })
            .map(|c| {
                let text: String = c.text.chars().take(200).collect();
                format!("{:>6}: {text}", c.start + 1)
            })
            .collect();
        lines[lines.len().saturating_sub(150)..].join("\n")
    }
}

/// Fails loudly when strace is missing or cannot trace here (ptrace denied by the kernel,
/// seccomp or a container): this test must never pass without having looked.
fn assert_strace_works() {
    let out = Command::new("strace")
        .args(["-f", "-o", "/dev/null", "true"])
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "strace is needed by this test and cannot be run ({e}); tests/run.sh installs it"
            )
        });
    assert!(
        out.status.success(),
        "strace cannot trace in this environment (ptrace denied? run with CAP_SYS_PTRACE, \
         kernel.yama.ptrace_scope <= 1 and a seccomp profile that allows ptrace): {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blob_and_commit_are_fsynced_before_250_and_append_ok() {
    assert_strace_works();
    let trace_dir = tempfile::tempdir().unwrap();
    let trace_file = trace_dir.path().join("strace.out");
    let trace_arg = trace_file.to_str().unwrap();
    let mut server = TestServer::start_wrapped(
        &[
            "strace",
            "-f",
            "-tt",
            "-yy",
            "-s",
            "512",
            "-e",
            &format!("trace={SYSCALLS}"),
            "-o",
            trace_arg,
        ],
        "[imap]\nallow_plaintext_auth = true\n",
    );
    let user = format!("zoe@{DOMAIN}");
    server.add_user(&user);
    let (smtp_port, imap_port) = (server.port("smtp"), server.port("imap"));

    // SMTP to the port-25 listener (`smtp`), without TLS so that the reply's bytes are
    // readable in the trace.
    let mx = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(smtp_port)
        .build();
    let message = Message::builder()
        .from("sender@remote.example".parse().unwrap())
        .to(user.parse().unwrap())
        .subject(SUBJECT)
        .body("Acknowledged only once on disk.\r\n".to_string())
        .unwrap();
    let response = mx.send(message).await.unwrap();
    assert_eq!(response.code().to_string(), "250");

    // IMAP APPEND to the port-143 listener (`imap`) in plaintext, for the same reason.
    let tcp = TcpStream::connect(server.addr("imap")).await.unwrap();
    let mut client = async_imap::Client::new(tcp);
    client.read_response().await.unwrap().unwrap();
    let mut imap = client
        .login(&user, PASSWORD)
        .await
        .map_err(|(e, _)| e)
        .unwrap();
    imap.append("INBOX", None, None, APPENDED).await.unwrap();
    imap.select("INBOX").await.unwrap();
    let uids = imap.uid_search("ALL").await.unwrap();
    assert_eq!(uids.len(), 2, "the delivered and the appended message");
    let _ = imap.logout().await;

    // Stopping the server ends strace, which then has written the whole trace.
    server.kill9();
    let trace = std::fs::read_to_string(&trace_file).expect("strace wrote no trace");
    let calls = parse_trace(&trace);
    assert!(
        calls.iter().any(|c| c.name == "openat"),
        "the trace holds no system calls: strace did not trace the server\n{}",
        &trace[..trace.len().min(2000)]
    );
    let data = std::fs::canonicalize(server.data().join("data")).unwrap();
    let data = data.to_str().unwrap();
    let show = Excerpt {
        data,
        ports: [smtp_port, imap_port],
    };
    let everything = || show.lines(&calls, 0, usize::MAX);

    // SMTP: the `250` that follows the `354` of DATA.
    let (go, ack) = find_ack(&calls, smtp_port, |d| {
        d.starts_with("250 ") && d.contains("queued as")
    })
    .unwrap_or_else(|| {
        panic!(
            "no 250 reply to DATA on the SMTP socket in the trace:\n{}",
            everything()
        )
    });
    assert!(
        go.data().starts_with("354"),
        "DATA's 354 precedes its 250: {go:?}"
    );
    let blob = assert_durable_before(&calls, go, ack, "SMTP DATA", &show);
    let stored = std::fs::read(Path::new(data).join("blobs").join(&blob)).unwrap();
    assert!(
        String::from_utf8_lossy(&stored).contains(SUBJECT),
        "the fsynced blob {blob} is the delivered message"
    );

    // IMAP: the tagged OK of APPEND.
    let (go, ack) =
        find_ack(&calls, imap_port, |d| d.contains(" OK [APPENDUID ")).unwrap_or_else(|| {
            panic!(
                "no tagged OK of APPEND on the IMAP socket in the trace:\n{}",
                everything()
            )
        });
    // (`go` is the `+` continuation that asked for the literal; a client using LITERAL+ would
    // make it LOGIN's OK, a wider window that the blob's content check below still pins.)
    let blob = assert_durable_before(&calls, go, ack, "IMAP APPEND", &show);
    let stored = std::fs::read(Path::new(data).join("blobs").join(&blob)).unwrap();
    assert_eq!(
        stored, APPENDED,
        "the fsynced blob {blob} is the appended message"
    );
}

#[test]
fn parser_joins_unfinished_and_resumed_calls() {
    let trace = "\
100 10:00:00.000001 fsync(7</d/blobs/tmp/x> <unfinished ...>
101 10:00:00.000002 sendto(9<TCP:[127.0.0.1:25->127.0.0.1:4000]>, \"250 2.0.0 OK: queued as \\\"a\\\"\\r\\n\", 30, MSG_NOSIGNAL, NULL, 0 <unfinished ...>
100 10:00:00.000003 <... fsync resumed>) = 0
100 10:00:00.000004 +++ exited with 0 +++
101 10:00:00.000005 <... sendto resumed>) = 30
102 10:00:00.000006 rename(\"/d/blobs/tmp/x\", \"/d/blobs/ab/ab01\") = -1 ENOENT (No such file or directory)
write(2</dev/null<char 1:3>>, \"x\", 1) = 1
";
    let calls = parse_trace(trace);
    assert_eq!(calls.len(), 4, "{calls:?}");
    assert_eq!(calls[0].name, "fsync");
    assert_eq!((calls[0].start, calls[0].end), (0, 2));
    assert_eq!(calls[0].fd_target(), Some("/d/blobs/tmp/x"));
    assert!(calls[0].succeeded());
    assert_eq!(calls[1].local_port(), Some(25));
    assert_eq!(calls[1].data(), "250 2.0.0 OK: queued as \\\"a\\\"\\r\\n");
    assert_eq!(calls[1].result(), Some(30));
    assert_eq!(calls[2].strings(), ["/d/blobs/tmp/x", "/d/blobs/ab/ab01"]);
    assert!(!calls[2].succeeded());
    assert_eq!(calls[3].fd_target(), Some("/dev/null<char 1:3>"));
}
