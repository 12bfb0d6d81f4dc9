//! Tests of the IMAP client, load, prefill and IDLE run against a tiny
//! in-process IMAP server (plaintext or implicit TLS) whose mailboxes are
//! the counts of fake.rs, so that its SMTP server delivers into them.
//! Message K of a mailbox has UID K.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use crate::cli::{Cli, Command, Mode, Stop};
use crate::connector::Connector;
use crate::fake::{Boxes, smtp_server};
use crate::imap_client::{IdleEvent, ImapConn, Status, Untagged};
use crate::imap_load::{self, Cmd, ImapPlan};

/// A running fake server.
struct FakeImap {
    addr: SocketAddr,
    logins: Arc<AtomicU64>,
}

/// Starts the server. Password "pass"; a SEARCH whose key holds FAIL is
/// answered BAD; a user whose name holds "flaky" is disconnected at its
/// third SELECT.
async fn imap_server(boxes: Boxes, tls: bool) -> FakeImap {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let logins = Arc::new(AtomicU64::new(0));
    let acceptor = tls.then(tls_acceptor);
    let counter = Arc::clone(&logins);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let boxes = Arc::clone(&boxes);
            let logins = Arc::clone(&counter);
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                match acceptor {
                    None => session(stream, boxes, logins).await,
                    Some(acceptor) => {
                        if let Ok(stream) = acceptor.accept(stream).await {
                            session(stream, boxes, logins).await;
                        }
                    }
                }
            });
        }
    });
    FakeImap { addr, logins }
}

fn tls_acceptor() -> tokio_rustls::TlsAcceptor {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let cert = certified.cert.der().clone();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(certified.signing_key.serialize_der().into());
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert], key)
    .unwrap();
    tokio_rustls::TlsAcceptor::from(Arc::new(config))
}

async fn session<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    boxes: Boxes,
    logins: Arc<AtomicU64>,
) {
    let (r, mut w) = tokio::io::split(stream);
    let mut lines = BufReader::new(r).lines();
    if w.write_all(b"* OK fake IMAP ready\r\n").await.is_err() {
        return;
    }
    let _ = w.flush().await;
    let mut user: Option<String> = None;
    let mut flagged: HashSet<u64> = HashSet::new();
    let mut selects = 0;
    let count = |user: &Option<String>| {
        user.as_ref()
            .and_then(|u| boxes.lock().unwrap().get(u).copied())
            .unwrap_or(0)
    };
    while let Ok(Some(line)) = lines.next_line().await {
        let Some((tag, rest)) = line.split_once(' ') else {
            let _ = w.write_all(b"* BAD no tag\r\n").await;
            continue;
        };
        let upper = rest.to_ascii_uppercase();
        let mut out = String::new();
        if upper.starts_with("LOGIN ") {
            let parts: Vec<&str> = rest.split('"').collect();
            if parts.len() >= 4 && parts[3] == "pass" {
                user = Some(parts[1].to_owned());
                logins.fetch_add(1, Ordering::Relaxed);
                out = format!("{tag} OK logged in\r\n");
            } else {
                out = format!("{tag} NO [AUTHENTICATIONFAILED] wrong password\r\n");
            }
        } else if user.is_none() && upper != "LOGOUT" {
            out = format!("{tag} NO log in first\r\n");
        } else if upper == "SELECT INBOX" {
            selects += 1;
            if selects == 3 && user.as_deref().is_some_and(|u| u.contains("flaky")) {
                let _ = w.write_all(b"* BYE flaky\r\n").await;
                let _ = w.flush().await;
                return;
            }
            let n = count(&user);
            out = format!(
                "* FLAGS (\\Flagged \\Seen)\r\n* {n} EXISTS\r\n* OK [UIDVALIDITY 1] ok\r\n\
                 * OK [UIDNEXT {}] next\r\n{tag} OK [READ-WRITE] selected\r\n",
                n + 1
            );
        } else if upper == "STATUS INBOX (MESSAGES)" {
            out = format!(
                "* STATUS INBOX (MESSAGES {})\r\n{tag} OK status\r\n",
                count(&user)
            );
        } else if let Some(args) = upper.strip_prefix("FETCH ") {
            let (lo, hi) = range(args);
            for k in lo..=hi.min(count(&user)) {
                out.push_str(&format!("* {k} FETCH (UID {k})\r\n"));
            }
            out.push_str(&format!("{tag} OK fetched\r\n"));
        } else if let Some(args) = upper.strip_prefix("UID FETCH ") {
            let (lo, hi) = range(args);
            for k in lo..=hi.min(count(&user)) {
                if args.contains("HEADER.FIELDS") {
                    let header = format!("Subject: message {k}\r\n\r\n");
                    out.push_str(&format!(
                        "* {k} FETCH (UID {k} FLAGS () RFC822.SIZE 300 \
                         BODY[HEADER.FIELDS (FROM TO SUBJECT DATE MESSAGE-ID)] {{{}}}\r\n{header})\r\n",
                        header.len()
                    ));
                } else {
                    let body = format!("Subject: message {k}\r\n\r\n{}\r\n", "x".repeat(250));
                    out.push_str(&format!(
                        "* {k} FETCH (UID {k} BODY[] {{{}}}\r\n{body})\r\n",
                        body.len()
                    ));
                }
            }
            out.push_str(&format!("{tag} OK fetched\r\n"));
        } else if let Some(args) = upper.strip_prefix("UID STORE ") {
            let uid: u64 = args.split(' ').next().unwrap().parse().unwrap();
            if args.contains("+FLAGS") {
                flagged.insert(uid);
            } else {
                flagged.remove(&uid);
            }
            let flags = if flagged.contains(&uid) {
                "\\Flagged"
            } else {
                ""
            };
            out = format!("* {uid} FETCH (UID {uid} FLAGS ({flags}))\r\n{tag} OK stored\r\n");
        } else if let Some(key) = upper.strip_prefix("UID SEARCH ") {
            if key.contains("FAIL") {
                out = format!("{tag} BAD unknown search key\r\n");
            } else {
                let hits: Vec<String> = (1..=count(&user).min(3)).map(|k| k.to_string()).collect();
                out = format!("* SEARCH {}\r\n{tag} OK searched\r\n", hits.join(" "));
            }
        } else if upper == "IDLE" {
            let _ = w.write_all(b"+ idling\r\n").await;
            let _ = w.flush().await;
            let mut seen = count(&user);
            // Bounded by the client: it sends DONE or goes away.
            loop {
                tokio::select! {
                    next = lines.next_line() => {
                        match next {
                            Ok(Some(l)) if l.eq_ignore_ascii_case("DONE") => {
                                out = format!("{tag} OK idle done\r\n");
                                break;
                            }
                            _ => return,
                        }
                    }
                    _ = tokio::time::sleep(Duration::from_millis(10)) => {
                        let n = count(&user);
                        if n != seen {
                            seen = n;
                            if w.write_all(format!("* {n} EXISTS\r\n").as_bytes()).await.is_err() {
                                return;
                            }
                            let _ = w.flush().await;
                        }
                    }
                }
            }
        } else if upper == "LOGOUT" {
            let _ = w
                .write_all(format!("* BYE bye\r\n{tag} OK logged out\r\n").as_bytes())
                .await;
            let _ = w.flush().await;
            return;
        } else {
            out = format!("{tag} BAD unknown command\r\n");
        }
        if w.write_all(out.as_bytes()).await.is_err() {
            return;
        }
        let _ = w.flush().await;
    }
}

/// `a:b (...` or `a (...` -> (a, b).
fn range(args: &str) -> (u64, u64) {
    let set = args.split(' ').next().unwrap();
    match set.split_once(':') {
        Some((a, b)) => (a.parse().unwrap(), b.parse().unwrap()),
        None => {
            let k = set.parse().unwrap();
            (k, k)
        }
    }
}

fn filled(users: u32, messages: u64) -> Boxes {
    let boxes = Boxes::default();
    for k in 1..=users {
        boxes
            .lock()
            .unwrap()
            .insert(format!("u{k}@bench.test"), messages);
    }
    boxes
}

fn plan(addr: SocketAddr, tls: bool, users: u32, mode: Mode, pipelining: bool) -> ImapPlan {
    ImapPlan {
        connector: Connector::new(addr, tls, Duration::from_secs(5), 1).unwrap(),
        users: (1..=users).map(|k| format!("u{k}@bench.test")).collect(),
        password: "pass".into(),
        mode,
        pipelining,
        stop: Stop::Rounds(3),
        headers: 5,
        search: "UNSEEN".into(),
        prepare_timeout: Duration::from_secs(5),
    }
}

#[tokio::test]
async fn client_runs_commands_plain_and_tls() {
    for tls in [false, true] {
        let server = imap_server(filled(1, 7), tls).await;
        let connector = Connector::new(server.addr, tls, Duration::from_secs(5), 1).unwrap();
        let mut conn = ImapConn::open(&connector).await.unwrap();
        let mut u = Untagged::default();
        let done = conn
            .command("LOGIN \"u1@bench.test\" \"wrong\"", &mut u)
            .await
            .unwrap();
        assert_eq!(done.status, Status::No);
        assert!(done.text.contains("AUTHENTICATIONFAILED"), "{}", done.text);
        conn.expect_ok("LOGIN \"u1@bench.test\" \"pass\"", &mut u)
            .await
            .unwrap();
        conn.expect_ok("SELECT INBOX", &mut u).await.unwrap();
        assert_eq!((u.exists, u.uidnext), (Some(7), Some(8)));
        let mut u = Untagged::default();
        let commands = [
            "UID FETCH 3:7 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])".to_owned(),
            "UID FETCH 5 (BODY.PEEK[])".to_owned(),
            "UID SEARCH FAIL".to_owned(),
            "UID SEARCH UNSEEN".to_owned(),
        ];
        let mut done = Vec::new();
        conn.run(&commands, true, &mut u, &mut done).await.unwrap();
        let statuses: Vec<Status> = done.iter().map(|d| d.status).collect();
        assert_eq!(statuses, [Status::Ok, Status::Ok, Status::Bad, Status::Ok]);
        assert_eq!(u.uids, vec![3, 4, 5, 6, 7, 5]);
        assert_eq!((u.fetches, u.fetched_literals), (6, 6));
        assert_eq!(u.search_hits, Some(3));
        assert!(u.literal_bytes > 250);
        assert!(done.iter().all(|d| d.at >= d.sent));
        conn.idle().await.unwrap();
        conn.idle_done().await.unwrap();
        let bye = conn.logout().await.unwrap();
        assert_eq!(bye.status, Status::Ok);
    }
}

#[tokio::test]
async fn load_in_both_modes() {
    for (mode, pipelining) in [
        (Mode::Relogin, false),
        (Mode::Relogin, true),
        (Mode::Persistent, false),
        (Mode::Persistent, true),
    ] {
        let server = imap_server(filled(4, 20), false).await;
        let out = imap_load::run(plan(server.addr, false, 4, mode, pipelining)).await;
        assert_eq!(
            out.errors,
            0,
            "{mode:?} {pipelining}: {:?}",
            out.samples.texts()
        );
        assert_eq!((out.ready, out.rounds, out.rounds_started), (4, 12, 12));
        let per_round = match mode {
            Mode::Relogin => 8,
            Mode::Persistent => 6,
        };
        assert_eq!(out.ok, 12 * per_round);
        assert_eq!(out.latencies_us[Cmd::FetchHeaders as usize].len(), 12);
        let logins = out.latencies_us[Cmd::Login as usize].len();
        assert_eq!(logins, if mode == Mode::Relogin { 12 } else { 0 });
        // Before the clock: one login per client; then one per relogin round.
        assert_eq!(server.logins.load(Ordering::Relaxed), 4 + logins as u64);
        assert!(out.elapsed > Duration::ZERO);
        // 5 headers and one body of 250+ bytes per round.
        assert!(out.fetched_bytes > 12 * 250, "{}", out.fetched_bytes);
    }
}

#[tokio::test]
async fn load_counts_errors() {
    let boxes = filled(2, 10);
    boxes.lock().unwrap().insert("empty@bench.test".into(), 0);
    boxes.lock().unwrap().insert("flaky@bench.test".into(), 10);
    let server = imap_server(boxes, true).await;
    let mut p = plan(server.addr, true, 2, Mode::Persistent, true);
    p.users.push("empty@bench.test".into());
    p.users.push("flaky@bench.test".into());
    p.search = "FAIL".into();
    let out = imap_load::run(p).await;
    assert_eq!(out.ready, 3);
    let texts = out.samples.texts().join("\n");
    assert!(texts.contains("an INBOX is empty"), "{texts}");
    assert!(
        texts.contains("SEARCH: BAD unknown search key (x"),
        "{texts}"
    );
    assert!(texts.contains("flaky"), "{texts}");
    // Every round of the three ready clients has a BAD SEARCH.
    assert!(out.errors > 3 * 3, "{}", out.errors);
}

#[tokio::test]
async fn prefill_tops_up_over_smtp() {
    let boxes = filled(2, 3);
    let imap = imap_server(Arc::clone(&boxes), false).await;
    let smtp = smtp_server(Arc::clone(&boxes), true).await;
    let cli = Cli::try_parse_from_for_test(&[
        "imap",
        "--target",
        &format!("fake={},smtp={smtp}", imap.addr),
        "--clients",
        "3",
        "--prefill-per-user",
        "5",
    ]);
    let Command::Imap(args) = cli.command else {
        panic!("not imap")
    };
    args.validate().unwrap();
    let connector = Connector::new(imap.addr, false, Duration::from_secs(5), 1).unwrap();
    let users = args.common.users(3);
    let p = crate::imap_prefill::run(&args, "fake", &connector, smtp, &users)
        .await
        .unwrap();
    assert_eq!((p.per_user, p.sent), (5, 2 + 2 + 5));
    for user in &users {
        assert_eq!(boxes.lock().unwrap().get(user), Some(&5), "{user}");
    }
    let again = crate::imap_prefill::run(&args, "fake", &connector, smtp, &users)
        .await
        .unwrap();
    assert_eq!(again.sent, 0);
}

#[tokio::test]
async fn idle_sessions_and_wake_check() {
    for tls in [false, true] {
        let boxes = filled(3, 1);
        let imap = imap_server(Arc::clone(&boxes), tls).await;
        let smtp = smtp_server(Arc::clone(&boxes), true).await;
        let tls_flag = if tls { ",tls" } else { "" };
        let cli = Cli::try_parse_from_for_test(&[
            "imap-idle",
            "--target",
            &format!("fake={}{tls_flag},smtp={smtp}", imap.addr),
            "--sessions",
            "7",
            "--users",
            "3",
            "--hold",
            "0",
            "--wake-check",
            "--wake-timeout",
            "5",
            "--pid",
            &std::process::id().to_string(),
        ]);
        let Command::ImapIdle(args) = cli.command else {
            panic!("not imap-idle")
        };
        let r = crate::imap_idle::measure(&args, 0).await.unwrap();
        assert_eq!((r.established, r.failed, r.held, r.dropped), (7, 0, 7, 0));
        assert!(r.memory_held.is_some() && r.per_session_kib().is_some());
        // Sessions 0, 3 and 6 are u1's.
        match r.wake {
            crate::imap_idle::Wake::Done {
                sessions,
                seen,
                first_ms,
                ..
            } => {
                assert_eq!((sessions, seen), (3, 3));
                assert!(first_ms.is_some());
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(boxes.lock().unwrap().get("u1@bench.test"), Some(&2));
    }
}

#[tokio::test]
async fn idle_reports_exists_and_bye() {
    let boxes = filled(1, 1);
    let server = imap_server(Arc::clone(&boxes), false).await;
    let connector = Connector::new(server.addr, false, Duration::from_secs(5), 1).unwrap();
    let mut conn = ImapConn::open(&connector).await.unwrap();
    let mut u = Untagged::default();
    conn.expect_ok("LOGIN \"u1@bench.test\" \"pass\"", &mut u)
        .await
        .unwrap();
    conn.expect_ok("SELECT INBOX", &mut u).await.unwrap();
    conn.idle().await.unwrap();
    *boxes.lock().unwrap().get_mut("u1@bench.test").unwrap() += 1;
    let event = tokio::time::timeout(Duration::from_secs(5), conn.idle_event())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(event, IdleEvent::Exists(2));
    conn.idle_done().await.unwrap();
}

impl Cli {
    /// Parses `kantor-bench ARGS...`.
    fn try_parse_from_for_test(args: &[&str]) -> Cli {
        use clap::Parser;
        Cli::try_parse_from(std::iter::once("kantor-bench").chain(args.iter().copied())).unwrap()
    }
}
