//! Tests of the clients and the load against tiny in-process SMTP and POP3
//! servers that share one map of mailbox counts.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use crate::load::{self, Plan};
use crate::message::MessageFactory;
use crate::pop3_probe::Pop3Probe;

pub type Boxes = Arc<Mutex<HashMap<String, u64>>>;

/// An SMTP server: PIPELINING (if `pipelining`), refuses recipients whose
/// address contains "reject", counts accepted messages per recipient.
pub async fn smtp_server(boxes: Boxes, pipelining: bool) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let boxes = Arc::clone(&boxes);
            tokio::spawn(async move {
                let (r, mut w) = stream.into_split();
                let mut lines = BufReader::new(r).lines();
                w.write_all(b"220 fake ESMTP\r\n").await.unwrap();
                let mut rcpt: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    let upper = line.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") {
                        if pipelining {
                            b"250-fake\r\n250-SIZE 1000000\r\n250 PIPELINING\r\n"
                        } else {
                            b"250 fake\r\n"
                        }
                    } else if upper.starts_with("MAIL FROM:") {
                        rcpt = None;
                        b"250 ok\r\n"
                    } else if let Some(addr) = upper.strip_prefix("RCPT TO:<") {
                        if addr.contains("REJECT") {
                            b"550 5.1.1 no such user\r\n"
                        } else {
                            rcpt = Some(line[9..line.len() - 1].to_owned());
                            b"250 ok\r\n"
                        }
                    } else if upper == "DATA" {
                        if rcpt.is_none() {
                            b"554 no valid recipients\r\n"
                        } else {
                            w.write_all(b"354 go\r\n").await.unwrap();
                            while let Ok(Some(data)) = lines.next_line().await {
                                if data == "." {
                                    break;
                                }
                            }
                            if let Some(to) = rcpt.take() {
                                *boxes.lock().unwrap().entry(to).or_default() += 1;
                            }
                            b"250 queued\r\n"
                        }
                    } else if upper == "RSET" {
                        b"250 ok\r\n"
                    } else if upper == "QUIT" {
                        let _ = w.write_all(b"221 bye\r\n").await;
                        break;
                    } else {
                        b"500 what\r\n"
                    };
                    if w.write_all(reply).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    addr
}

/// A POP3 server answering STAT from the shared counts; password "pass".
async fn pop3_server(boxes: Boxes) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let boxes = Arc::clone(&boxes);
            tokio::spawn(async move {
                let (r, mut w) = stream.into_split();
                let mut lines = BufReader::new(r).lines();
                w.write_all(b"+OK fake POP3\r\n").await.unwrap();
                let mut user = String::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    let reply = if let Some(name) = line.strip_prefix("USER ") {
                        user = name.to_owned();
                        "+OK\r\n".to_owned()
                    } else if line == "PASS pass" {
                        "+OK logged in\r\n".to_owned()
                    } else if line.starts_with("PASS ") {
                        "-ERR [AUTH] wrong password\r\n".to_owned()
                    } else if line == "STAT" {
                        let n = boxes.lock().unwrap().get(&user).copied().unwrap_or(0);
                        format!("+OK {n} {}\r\n", n * 100)
                    } else {
                        let _ = w.write_all(b"+OK bye\r\n").await;
                        break;
                    };
                    if w.write_all(reply.as_bytes()).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    addr
}

fn plan(addr: SocketAddr, recipients: &[&str], total: u64, pipelining: bool) -> Plan {
    Plan {
        addr,
        ehlo: "test".into(),
        from: "sender@bench.test".into(),
        recipients: recipients.iter().map(|r| (*r).to_owned()).collect(),
        total,
        connections: 4,
        per_connection: None,
        io_timeout: Duration::from_secs(5),
        pipelining,
        progress: None,
        factory: MessageFactory::new("test", "sender@bench.test", "bench.test", 2000),
    }
}

#[tokio::test]
async fn pipelined_load_counts_accepted_and_rejected() {
    let boxes = Boxes::default();
    let addr = smtp_server(Arc::clone(&boxes), true).await;
    let out = load::run(plan(
        addr,
        &["u1@bench.test", "reject@bench.test", "u2@bench.test"],
        30,
        true,
    ))
    .await;
    assert!(out.pipelined);
    assert_eq!(
        (out.accepted, out.rejected, out.broken, out.unsent),
        (20, 10, 0, 0)
    );
    assert_eq!(out.accepted_per_rcpt, vec![10, 0, 10]);
    assert_eq!(out.latencies_us.len(), 20);
    assert_eq!(out.sessions, 4);
    let samples = out.sample_texts();
    assert_eq!(samples.len(), 1, "{samples:?}");
    assert!(
        samples[0].contains("550 5.1.1 no such user") && samples[0].ends_with("(x10)"),
        "{samples:?}"
    );
    assert_eq!(boxes.lock().unwrap().get("u1@bench.test"), Some(&10));
}

#[tokio::test]
async fn unpipelined_load_and_session_limit() {
    for pipelining_offered in [true, false] {
        let boxes = Boxes::default();
        let addr = smtp_server(Arc::clone(&boxes), pipelining_offered).await;
        let mut p = plan(addr, &["u1@bench.test", "reject@bench.test"], 21, false);
        p.per_connection = Some(5);
        let out = load::run(p).await;
        assert!(!out.pipelined);
        assert_eq!((out.accepted, out.rejected), (11, 10));
        // 21 messages at most 5 per session: at least 5 sessions.
        assert!(out.sessions >= 5, "{}", out.sessions);
    }
}

#[tokio::test]
async fn unreachable_server_leaves_everything_unsent() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let out = load::run(plan(addr, &["u1@bench.test"], 10, true)).await;
    assert_eq!((out.accepted, out.unsent, out.failures()), (0, 10, 10));
    assert!(!out.samples.is_empty());
}

#[tokio::test]
async fn probe_sees_delivery() {
    let boxes = Boxes::default();
    boxes.lock().unwrap().insert("u1@bench.test".into(), 3);
    let smtp = smtp_server(Arc::clone(&boxes), true).await;
    let pop3 = pop3_server(Arc::clone(&boxes)).await;
    let probe = Pop3Probe::new(pop3, "pass", Duration::from_secs(5), 4);
    let users = vec!["u1@bench.test".to_owned(), "u2@bench.test".to_owned()];
    assert_eq!(probe.counts(&users).await.unwrap(), vec![3, 0]);

    let out = load::run(plan(smtp, &["u1@bench.test", "u2@bench.test"], 8, true)).await;
    let expected = [3 + out.accepted_per_rcpt[0], out.accepted_per_rcpt[1]];
    let seen = probe
        .wait_for(
            &users,
            &expected,
            Instant::now() + Duration::from_secs(5),
            None,
        )
        .await;
    assert!(seen.complete_at.is_some());
    assert_eq!(seen.counts, vec![7, 4]);
    assert!(seen.over.is_empty());

    // Expecting more than will ever come: the deadline ends the wait.
    let seen = probe
        .wait_for(
            &users,
            &[8, 4],
            Instant::now() + Duration::from_millis(200),
            None,
        )
        .await;
    assert!(seen.complete_at.is_none());

    let wrong = Pop3Probe::new(pop3, "nope", Duration::from_secs(5), 1);
    let err = wrong.stat("u1@bench.test").await.unwrap_err();
    assert!(format!("{err:#}").contains("[AUTH]"), "{err:#}");
}
