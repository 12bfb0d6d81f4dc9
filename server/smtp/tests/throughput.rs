//! A rough throughput check, ignored by default: 50 connections each sending 10 KB messages
//! with pipelined MAIL/RCPT/DATA. Run with
//! `cargo test --release -p kantor-smtp --test throughput -- --ignored --nocapture`.

mod common;

use common::*;
use kantor_smtp::SmtpMode;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn fifty_connections_of_10kb_messages() {
    const CONNECTIONS: usize = 50;
    const PER_CONNECTION: usize = 40;
    let server = start(SmtpMode::Mx).await;
    let line = format!("{}\r\n", "x".repeat(98));
    let body = format!("Subject: load\r\n\r\n{}.\r\n", line.repeat(100));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CONNECTIONS {
        let mut c = server.connect().await;
        let body = body.clone();
        tasks.push(tokio::spawn(async move {
            c.ehlo().await;
            let mut latencies = Vec::with_capacity(PER_CONNECTION);
            for _ in 0..PER_CONNECTION {
                let t = Instant::now();
                c.send(b"MAIL FROM:<s@remote.example>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\n")
                    .await;
                for _ in 0..3 {
                    c.reply().await;
                }
                c.send(body.as_bytes()).await;
                assert_eq!(c.reply().await.code, 250);
                latencies.push(t.elapsed());
            }
            latencies
        }));
    }
    let mut latencies: Vec<Duration> = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let total = CONNECTIONS * PER_CONNECTION;
    println!(
        "{total} messages in {elapsed:?}: {:.0} msg/s, p50 {:?}, p99 {:?}",
        total as f64 / elapsed.as_secs_f64(),
        latencies[total / 2],
        latencies[total * 99 / 100]
    );
    assert_eq!(server.inbox_total(ALICE) as usize, total);
}
