//! Measuring one target: optional prefill, mailbox counts before, the load,
//! then polling the mailboxes until everything accepted has arrived.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::cli::SmtpArgs;
use crate::load::{self, Plan};
use crate::memory::{self, Memory};
use crate::message::MessageFactory;
use crate::pop3_probe::Pop3Probe;
use crate::prefill::{self, PrefillResult};
use crate::stats::{self, Latency};

/// Whether, and how fast, accepted mail reached the mailboxes.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    /// No POP3 address: only the accepted rate is known.
    NotChecked,
    /// Nothing was accepted, so nothing was waited for.
    NothingAccepted,
    /// Every accepted message was seen, `secs` after the run started.
    Complete {
        /// Run start to the last mailbox reaching its count.
        secs: f64,
        /// Messages seen beyond what was sent (should be 0).
        extra: u64,
    },
    /// The deadline came first.
    Incomplete {
        /// Messages seen in the mailboxes.
        seen: u64,
        /// The last POP3 error, if any.
        last_error: Option<String>,
    },
}

/// Everything measured on one target.
#[derive(Debug, Clone)]
pub struct TargetResult {
    pub name: String,
    pub smtp: String,
    pub pop3: Option<String>,
    pub messages: u64,
    pub size: u64,
    pub users: usize,
    pub connections: u32,
    pub accepted: u64,
    pub failures: u64,
    pub failure_samples: Vec<String>,
    /// Run start to the last accepted message, seconds.
    pub accepted_secs: Option<f64>,
    pub delivery: Delivery,
    pub latency: Latency,
    pub pipelined: bool,
    pub sessions: u64,
    pub memory_before: Option<Memory>,
    pub memory: Option<Memory>,
    pub prefill: Option<PrefillResult>,
}

impl TargetResult {
    /// Accepted messages per second.
    pub fn accepted_rate(&self) -> Option<f64> {
        stats::rate(self.accepted, Duration::from_secs_f64(self.accepted_secs?))
    }

    /// Delivered messages per second.
    pub fn delivered_rate(&self) -> Option<f64> {
        match self.delivery {
            Delivery::Complete { secs, .. } => {
                stats::rate(self.accepted, Duration::from_secs_f64(secs))
            }
            _ => None,
        }
    }
}

/// Resolves HOST:PORT to its first address.
pub async fn resolve(addr: &str) -> Result<SocketAddr> {
    tokio::net::lookup_host(addr)
        .await
        .with_context(|| format!("resolving {addr}"))?
        .next()
        .with_context(|| format!("{addr} has no address"))
}

/// Measures `args.targets[index]`.
pub async fn measure(args: &SmtpArgs, index: usize) -> Result<TargetResult> {
    let target = &args.targets[index];
    let io_timeout = Duration::from_secs(args.io_timeout);
    let smtp_addr = resolve(&target.smtp).await?;
    let probe = match &target.pop3 {
        Some(addr) => Some(Pop3Probe::new(
            resolve(addr).await?,
            &args.password,
            io_timeout,
            args.pop3_sessions as usize,
        )),
        None => None,
    };
    let prefill = if args.prefill > 0 {
        Some(prefill::run(args, &target.name, smtp_addr, probe.as_ref()).await?)
    } else {
        None
    };

    let users: Vec<String> = (1..=u64::from(args.users).min(args.messages))
        .map(|k| format!("u{k}@{}", args.domain))
        .collect();
    let baseline = match &probe {
        Some(p) => Some(
            p.counts(&users)
                .await
                .context("reading the mailboxes before the run")?,
        ),
        None => None,
    };
    let pids = args.pids_of(index);
    let memory_before = memory::sample(&pids);

    eprintln!(
        "{}: sending {} messages over {} connections",
        target.name, args.messages, args.connections
    );
    let plan = Plan {
        addr: smtp_addr,
        ehlo: args.ehlo.clone(),
        from: args.from.clone(),
        recipients: users.clone(),
        total: args.messages,
        connections: args.connections,
        per_connection: args.messages_per_connection,
        io_timeout,
        pipelining: !args.no_pipelining,
        progress: None,
        factory: MessageFactory::new(&target.name, &args.from, &args.domain, args.size as usize),
    };
    let started = Instant::now();
    let mut load = load::run(plan).await;
    let accepted_secs = load.last_accept.map(|t| (t - started).as_secs_f64());

    let delivery = match (&probe, &baseline) {
        (None, _) | (_, None) => Delivery::NotChecked,
        _ if load.accepted == 0 => Delivery::NothingAccepted,
        (Some(probe), Some(baseline)) => {
            eprintln!(
                "{}: {} accepted, waiting for the mailboxes",
                target.name, load.accepted
            );
            wait_delivery(
                args,
                probe,
                &users,
                baseline,
                &load.accepted_per_rcpt,
                started,
            )
            .await
        }
    };
    let memory = memory::sample(&pids);

    Ok(TargetResult {
        name: target.name.clone(),
        smtp: target.smtp.clone(),
        pop3: target.pop3.clone(),
        messages: args.messages,
        size: args.size,
        users: users.len(),
        connections: args.connections,
        accepted: load.accepted,
        failures: load.failures(),
        failure_samples: load.sample_texts(),
        accepted_secs,
        delivery,
        latency: Latency::from_micros(&mut load.latencies_us),
        pipelined: load.pipelined,
        sessions: load.sessions,
        memory_before,
        memory,
        prefill,
    })
}

async fn wait_delivery(
    args: &SmtpArgs,
    probe: &Arc<Pop3Probe>,
    users: &[String],
    baseline: &[u64],
    accepted: &[u64],
    started: Instant,
) -> Delivery {
    let expected: Vec<u64> = baseline.iter().zip(accepted).map(|(b, a)| b + a).collect();
    let deadline = Instant::now() + Duration::from_secs(args.deliver_timeout);
    let seen = probe
        .wait_for(users, &expected, deadline, Some("delivery"))
        .await;
    let arrived = |i: usize| seen.counts[i].saturating_sub(baseline[i]);
    match seen.complete_at {
        Some(at) => Delivery::Complete {
            secs: (at - started).as_secs_f64(),
            extra: seen.over.iter().map(|&i| arrived(i) - accepted[i]).sum(),
        },
        None => Delivery::Incomplete {
            seen: (0..users.len()).map(arrived).sum(),
            last_error: seen.last_error,
        },
    }
}
