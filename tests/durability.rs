//! Durability and concurrency: every message acknowledged with 250 survives a SIGKILL, and many
//! messages over many concurrent connections all arrive exactly once.

mod common;
use common::*;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn mail(to: &str, subject: &str) -> Message {
    Message::builder()
        .from("sender@remote.example".parse().unwrap())
        .to(to.parse().unwrap())
        .subject(subject)
        .body("x".repeat(2000))
        .unwrap()
}

fn mx(server: &TestServer) -> AsyncSmtpTransport<Tokio1Executor> {
    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(server.port("smtp"))
        .build()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_connections_deliver_every_message_exactly_once() {
    // 25 connections from one address: past port 25's default of 20 per address.
    let server = TestServer::start("[smtp]\nmx_max_connections_per_ip = 50\n");
    let users: Vec<String> = (1..=4).map(|i| format!("user{i}@{DOMAIN}")).collect();
    users.iter().for_each(|u| server.add_user(u));
    let (connections, per_connection) = (25, 16);
    let mut tasks = Vec::new();
    for c in 0..connections {
        let (addr, users) = (server.addr("smtp"), users.clone());
        tasks.push(tokio::spawn(async move {
            // One transport per task: its own SMTP connection reused for all its messages.
            let mailer = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
                .port(addr.port())
                .build();
            for m in 0..per_connection {
                let to = &users[(c + m) % users.len()];
                mailer.send(mail(to, &format!("c{c}-m{m}"))).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    for user in &users {
        for subject in pop3_subjects(&server, user) {
            *seen.entry(subject).or_default() += 1;
        }
    }
    assert_eq!(
        seen.len(),
        connections * per_connection,
        "every message arrived"
    );
    assert!(seen.values().all(|&n| n == 1), "none twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_mail_survives_sigkill() {
    let mut server = TestServer::start("");
    let alice = format!("alice@{DOMAIN}");
    server.add_user(&alice);
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let stop_at = Instant::now() + Duration::from_secs(30);
    let mut senders = Vec::new();
    for c in 0..8 {
        let (mailer, alice, acknowledged) = (mx(&server), alice.clone(), acknowledged.clone());
        senders.push(tokio::spawn(async move {
            for m in 0.. {
                if Instant::now() > stop_at {
                    break;
                }
                let subject = format!("c{c}-m{m}");
                match mailer.send(mail(&alice, &subject)).await {
                    Ok(_) => acknowledged.lock().unwrap().push(subject),
                    Err(_) => break,
                }
            }
        }));
    }
    // Let deliveries flow, then kill the server in the middle of them.
    while acknowledged.lock().unwrap().len() < 150 && Instant::now() < stop_at {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill9();
    for s in senders {
        s.await.unwrap();
    }
    // Every 250 the senders got was received before the kill.
    let acked: Vec<String> = acknowledged.lock().unwrap().clone();
    assert!(
        acked.len() >= 150,
        "deliveries were flowing: {}",
        acked.len()
    );

    server.restart();
    let stored = pop3_subjects(&server, &alice);
    let mut counts: HashMap<&str, usize> = HashMap::new();
    stored
        .iter()
        .for_each(|s| *counts.entry(s.as_str()).or_default() += 1);
    let lost: Vec<_> = acked
        .iter()
        .filter(|s| !counts.contains_key(s.as_str()))
        .collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged messages lost after SIGKILL: {lost:?}",
        lost.len()
    );
    assert!(counts.values().all(|&n| n == 1), "no duplicates");
    // The restarted server keeps accepting mail.
    mx(&server)
        .send(mail(&alice, "after restart"))
        .await
        .unwrap();
}
