//! The load itself: `connections` SMTP sessions sending `total` messages as
//! fast as the server takes them.
//!
//! Messages are numbered 0..total and claimed from a shared counter, so
//! faster connections send more; message `i` goes to recipient
//! `i % recipients.len()`. A connection stays open for all the messages it
//! claims, or for `per_connection` of them before it reconnects. Each
//! worker keeps its own figures and they are merged at the end, so the hot
//! path shares nothing but the counter.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::message::MessageFactory;
use crate::smtp_client::{Outcome, SmtpConnection};
use crate::stats::{self, Samples};

/// A worker gives up after this many connection failures in a row.
const MAX_CONNECT_FAILURES: u32 = 3;

/// What to send, where.
pub struct Plan {
    /// The SMTP server.
    pub addr: SocketAddr,
    /// The EHLO name.
    pub ehlo: String,
    /// The envelope sender.
    pub from: String,
    /// Recipient addresses, used round-robin.
    pub recipients: Vec<String>,
    /// Messages to send in all.
    pub total: u64,
    /// Concurrent connections.
    pub connections: u32,
    /// Messages per connection before reconnecting; `None` for no limit.
    pub per_connection: Option<u64>,
    /// Bound of every connect, read and write.
    pub io_timeout: Duration,
    /// Use PIPELINING when the server offers it.
    pub pipelining: bool,
    /// Print progress every so many accepted messages, with this label.
    pub progress: Option<(String, u64)>,
    /// Builds the messages.
    pub factory: MessageFactory,
}

/// What the load did.
#[derive(Debug, Default)]
pub struct LoadOutcome {
    /// Transaction times (MAIL sent to final 2xx read), microseconds.
    pub latencies_us: Vec<u32>,
    /// Accepted messages per recipient (same order as `Plan::recipients`).
    pub accepted_per_rcpt: Vec<u64>,
    /// Accepted messages.
    pub accepted: u64,
    /// Transactions refused with a non-2xx reply.
    pub rejected: u64,
    /// Transactions cut by an I/O error or timeout.
    pub broken: u64,
    /// Messages never attempted (every connection failed).
    pub unsent: u64,
    /// The first few distinct failure texts, each with how often it came.
    pub samples: Samples,
    /// When the last message was accepted.
    pub last_accept: Option<Instant>,
    /// Whether any connection pipelined.
    pub pipelined: bool,
    /// Sessions opened.
    pub sessions: u64,
}

impl LoadOutcome {
    /// Every message that was not accepted.
    pub fn failures(&self) -> u64 {
        self.rejected + self.broken + self.unsent
    }

    /// The failure samples as text, repeats counted: `550 no (x12)`.
    pub fn sample_texts(&self) -> Vec<String> {
        self.samples.texts()
    }

    fn note(&mut self, text: String) {
        self.samples.note(text);
    }

    fn merge(&mut self, other: LoadOutcome) {
        self.latencies_us.extend(other.latencies_us);
        for (total, n) in self
            .accepted_per_rcpt
            .iter_mut()
            .zip(other.accepted_per_rcpt)
        {
            *total += n;
        }
        self.accepted += other.accepted;
        self.rejected += other.rejected;
        self.broken += other.broken;
        self.samples.merge(other.samples);
        self.last_accept = self.last_accept.max(other.last_accept);
        self.pipelined |= other.pipelined;
        self.sessions += other.sessions;
    }
}

struct Shared {
    plan: Plan,
    next: AtomicU64,
    accepted: AtomicU64,
    progress_mark: Mutex<(Instant, u64)>,
}

/// Runs the plan to the end and returns the merged figures.
pub async fn run(plan: Plan) -> LoadOutcome {
    let connections = plan.connections.max(1);
    let recipients = plan.recipients.len();
    let total = plan.total;
    let shared = Arc::new(Shared {
        plan,
        next: AtomicU64::new(0),
        accepted: AtomicU64::new(0),
        progress_mark: Mutex::new((Instant::now(), 0)),
    });
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..connections {
        workers.spawn(worker(Arc::clone(&shared)));
    }
    let mut outcome = LoadOutcome {
        accepted_per_rcpt: vec![0; recipients],
        ..LoadOutcome::default()
    };
    while let Some(joined) = workers.join_next().await {
        match joined {
            Ok(part) => outcome.merge(part),
            Err(e) => outcome.note(format!("worker failed: {e}")),
        }
    }
    let claimed = shared.next.load(Ordering::Relaxed).min(total);
    outcome.unsent = total - claimed;
    outcome
}

async fn worker(shared: Arc<Shared>) -> LoadOutcome {
    let plan = &shared.plan;
    let mut out = LoadOutcome {
        accepted_per_rcpt: vec![0; plan.recipients.len()],
        ..LoadOutcome::default()
    };
    let mut data = Vec::new();
    let mut connect_failures = 0;
    // Bounded: every session either claims at least one message or counts
    // a connection failure, and both are finite.
    while shared.next.load(Ordering::Relaxed) < plan.total
        && connect_failures < MAX_CONNECT_FAILURES
    {
        let mut conn =
            match SmtpConnection::open(plan.addr, &plan.ehlo, plan.io_timeout, plan.pipelining)
                .await
            {
                Ok(conn) => conn,
                Err(e) => {
                    connect_failures += 1;
                    out.note(format!("session: {e:#}"));
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
        connect_failures = 0;
        out.sessions += 1;
        out.pipelined |= conn.pipelining();
        let mut sent: u64 = 0;
        let mut usable = true;
        while plan.per_connection.is_none_or(|max| sent < max) {
            let index = shared.next.fetch_add(1, Ordering::Relaxed);
            if index >= plan.total {
                break;
            }
            sent += 1;
            let rcpt_index = (index % plan.recipients.len() as u64) as usize;
            let rcpt = &plan.recipients[rcpt_index];
            plan.factory.write(index, rcpt, &mut data);
            let started = Instant::now();
            match conn.send(&plan.from, rcpt, &data).await {
                Ok(Outcome::Accepted) => {
                    let now = Instant::now();
                    out.latencies_us.push(stats::micros(now - started));
                    out.accepted += 1;
                    out.accepted_per_rcpt[rcpt_index] += 1;
                    out.last_accept = Some(now);
                    report_progress(&shared);
                }
                Ok(Outcome::Rejected { reply, closing }) => {
                    out.rejected += 1;
                    out.note(format!("to {rcpt}: {}", reply.summary()));
                    if closing {
                        usable = false;
                        break;
                    }
                }
                Err(e) => {
                    out.broken += 1;
                    out.note(format!("to {rcpt}: {e:#}"));
                    usable = false;
                    break;
                }
            }
        }
        if usable {
            conn.quit().await;
        }
    }
    out
}

fn report_progress(shared: &Shared) {
    let done = shared.accepted.fetch_add(1, Ordering::Relaxed) + 1;
    let Some((label, every)) = &shared.plan.progress else {
        return;
    };
    if *every == 0 || !done.is_multiple_of(*every) {
        return;
    }
    let Ok(mut mark) = shared.progress_mark.lock() else {
        return;
    };
    let now = Instant::now();
    let (since, at) = *mark;
    let recent = stats::rate(done.saturating_sub(at), now - since).unwrap_or(0.0);
    *mark = (now, done);
    eprintln!(
        "{label}: {done} of {} accepted, {recent:.0} msgs/s over the last {}",
        shared.plan.total,
        done - at
    );
}
