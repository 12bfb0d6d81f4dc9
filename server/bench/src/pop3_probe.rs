//! Mailbox counts over POP3, to tell "delivered" from "queued".
//!
//! Each probe is one short session (RFC 1939): greeting, `USER`, `PASS`
//! (§7), `STAT` (§5), `QUIT` (§6). A POP3 session sees its maildrop as it
//! was at login, so every poll is a new session.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::wire::Wire;

/// Pause between polling rounds.
const POLL_INTERVAL: Duration = Duration::from_millis(50);
/// How often a long wait prints its progress.
const PROGRESS_EVERY: Duration = Duration::from_secs(10);

/// Logs in to mailboxes of one POP3 server.
pub struct Pop3Probe {
    addr: SocketAddr,
    password: String,
    timeout: Duration,
    sessions: Arc<Semaphore>,
}

/// What polling saw.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// When the last mailbox was seen to hold its expected count; `None` if
    /// the deadline came first.
    pub complete_at: Option<Instant>,
    /// The last count read for each mailbox.
    pub counts: Vec<u64>,
    /// Mailboxes that hold more than expected.
    pub over: Vec<usize>,
    /// The last login or STAT error, if any.
    pub last_error: Option<String>,
}

impl Pop3Probe {
    /// A probe running at most `concurrency` sessions at once.
    pub fn new(
        addr: SocketAddr,
        password: &str,
        timeout: Duration,
        concurrency: usize,
    ) -> Arc<Self> {
        Arc::new(Pop3Probe {
            addr,
            password: password.to_owned(),
            timeout,
            sessions: Arc::new(Semaphore::new(concurrency.max(1))),
        })
    }

    /// The number of messages in `user`'s maildrop.
    pub async fn stat(&self, user: &str) -> Result<u64> {
        let mut wire = Wire::connect(self.addr, self.timeout).await?;
        expect_ok(&mut wire, None).await.context("POP3 greeting")?;
        expect_ok(&mut wire, Some(&format!("USER {user}\r\n")))
            .await
            .context("USER")?;
        expect_ok(&mut wire, Some(&format!("PASS {}\r\n", self.password)))
            .await
            .with_context(|| format!("PASS for {user}"))?;
        let stat = expect_ok(&mut wire, Some("STAT\r\n"))
            .await
            .context("STAT")?;
        let count = stat
            .split_ascii_whitespace()
            .nth(1)
            .and_then(|n| n.parse().ok())
            .with_context(|| format!("malformed STAT reply: {stat:?}"))?;
        let _ = expect_ok(&mut wire, Some("QUIT\r\n")).await;
        Ok(count)
    }

    /// [`Pop3Probe::stat`] for each user, concurrently; results in order,
    /// each with the moment it was read.
    pub async fn stat_many(self: &Arc<Self>, users: &[String]) -> Vec<(Result<u64>, Instant)> {
        let mut tasks = JoinSet::new();
        for (i, user) in users.iter().enumerate() {
            let probe = Arc::clone(self);
            let user = user.clone();
            tasks.spawn(async move {
                let _permit = probe.sessions.acquire().await;
                let result = probe.stat(&user).await;
                (i, result, Instant::now())
            });
        }
        let mut results: Vec<Option<(Result<u64>, Instant)>> =
            (0..users.len()).map(|_| None).collect();
        while let Some(joined) = tasks.join_next().await {
            if let Ok((i, result, at)) = joined {
                results[i] = Some((result, at));
            }
        }
        results
            .into_iter()
            .map(|r| {
                r.unwrap_or_else(|| (Err(anyhow::anyhow!("probe task failed")), Instant::now()))
            })
            .collect()
    }

    /// Counts of every user, failing on the first error.
    pub async fn counts(self: &Arc<Self>, users: &[String]) -> Result<Vec<u64>> {
        self.stat_many(users)
            .await
            .into_iter()
            .zip(users)
            .map(|((r, _), user)| r.with_context(|| format!("POP3 STAT of {user}")))
            .collect()
    }

    /// Polls until each `users[i]` holds at least `expected[i]` messages, or
    /// until `deadline`. `label` turns on a progress line every 10 s.
    pub async fn wait_for(
        self: &Arc<Self>,
        users: &[String],
        expected: &[u64],
        deadline: Instant,
        label: Option<&str>,
    ) -> Delivery {
        let mut counts = vec![0; users.len()];
        let mut pending: Vec<usize> = (0..users.len()).collect();
        let mut over = Vec::new();
        let mut last_error = None;
        let mut last_seen: Option<Instant> = None;
        let mut next_progress = Instant::now() + PROGRESS_EVERY;
        // Bounded by the deadline: each round's sessions are bounded by the
        // I/O timeout.
        while !pending.is_empty() && Instant::now() < deadline {
            let names: Vec<String> = pending.iter().map(|&i| users[i].clone()).collect();
            let results = self.stat_many(&names).await;
            let mut still = Vec::new();
            for (&i, (result, at)) in pending.iter().zip(results) {
                match result {
                    Ok(count) => {
                        counts[i] = count;
                        if count >= expected[i] {
                            last_seen = last_seen.max(Some(at));
                            if count > expected[i] {
                                over.push(i);
                            }
                        } else {
                            still.push(i);
                        }
                    }
                    Err(e) => {
                        last_error = Some(format!("{e:#}"));
                        still.push(i);
                    }
                }
            }
            pending = still;
            if let Some(label) = label
                && Instant::now() >= next_progress
            {
                let have: u64 = counts.iter().sum();
                let want: u64 = expected.iter().sum();
                eprintln!(
                    "{label}: waiting for delivery: {have} of {want} messages in the mailboxes"
                );
                next_progress += PROGRESS_EVERY;
            }
            if !pending.is_empty() {
                let left = deadline.saturating_duration_since(Instant::now());
                tokio::time::sleep(POLL_INTERVAL.min(left)).await;
            }
        }
        Delivery {
            complete_at: if pending.is_empty() {
                last_seen.or(Some(Instant::now()))
            } else {
                None
            },
            counts,
            over,
            last_error,
        }
    }
}

/// Sends `command` (if any) and reads one line, which must be `+OK`;
/// returns the line.
async fn expect_ok(wire: &mut Wire, command: Option<&str>) -> Result<String> {
    if let Some(command) = command {
        wire.write_all(command.as_bytes()).await?;
    }
    let line = wire.read_line().await?;
    if line.starts_with("+OK") {
        Ok(line)
    } else {
        bail!("{line}")
    }
}
