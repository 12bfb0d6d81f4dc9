//! `--prefill N`: fill one mailbox before a target is measured, so the run
//! measures delivery into a mailbox that already holds N messages. Not part
//! of the results' timings; prints its own rate every 10,000 messages.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::cli::SmtpArgs;
use crate::load::{self, Plan};
use crate::message::MessageFactory;
use crate::pop3_probe::Pop3Probe;
use crate::stats;

/// Progress line every so many accepted messages.
const PROGRESS_EVERY: u64 = 10_000;

/// What the prefill did.
#[derive(Debug, Clone, PartialEq)]
pub struct PrefillResult {
    /// The mailbox filled.
    pub user: String,
    /// Messages accepted.
    pub accepted: u64,
    /// Accepted messages per second.
    pub accepted_rate: Option<f64>,
    /// Messages in the mailbox when the prefill was delivered (or, without
    /// POP3, unknown).
    pub mailbox_count: Option<u64>,
}

/// Sends `args.prefill` messages to `args.prefill_user` on `addr`, then (with
/// a POP3 probe) waits for them to be in the mailbox.
pub async fn run(
    args: &SmtpArgs,
    name: &str,
    addr: SocketAddr,
    probe: Option<&Arc<Pop3Probe>>,
) -> Result<PrefillResult> {
    let user = args.prefill_address();
    let label = format!("{name} prefill");
    let before = match probe {
        Some(p) => Some(
            p.stat(&user)
                .await
                .with_context(|| format!("{label}: POP3 STAT of {user}"))?,
        ),
        None => None,
    };
    eprintln!("{label}: sending {} messages to {user}", args.prefill);
    let plan = Plan {
        addr,
        ehlo: args.ehlo.clone(),
        from: args.from.clone(),
        recipients: vec![user.clone()],
        total: args.prefill,
        connections: args.connections,
        per_connection: args.messages_per_connection,
        io_timeout: Duration::from_secs(args.io_timeout),
        pipelining: !args.no_pipelining,
        progress: Some((label.clone(), PROGRESS_EVERY)),
        factory: MessageFactory::new(
            &format!("{name}-prefill"),
            &args.from,
            &args.domain,
            args.size as usize,
        ),
    };
    let started = Instant::now();
    let load = load::run(plan).await;
    let elapsed = load.last_accept.map(|t| t - started).unwrap_or_default();
    let accepted_rate = stats::rate(load.accepted, elapsed);
    eprintln!(
        "{label}: {} accepted in {:.1} s ({:.0} msgs/s), {} failed",
        load.accepted,
        elapsed.as_secs_f64(),
        accepted_rate.unwrap_or(0.0),
        load.failures()
    );
    for sample in load.sample_texts() {
        eprintln!("{label}: failure: {sample}");
    }
    let mut mailbox_count = None;
    if let (Some(probe), Some(before)) = (probe, before) {
        let expected = before + load.accepted;
        let deadline = Instant::now() + Duration::from_secs(args.prefill_timeout);
        let seen = probe
            .wait_for(
                std::slice::from_ref(&user),
                &[expected],
                deadline,
                Some(&label),
            )
            .await;
        if seen.complete_at.is_none() {
            bail!(
                "{label}: {user} holds {} of {expected} messages after {} s",
                seen.counts[0],
                args.prefill_timeout
            );
        }
        eprintln!(
            "{label}: delivered, {user} holds {} messages ({:.1} s after the start)",
            seen.counts[0],
            started.elapsed().as_secs_f64()
        );
        mailbox_count = Some(seen.counts[0]);
    }
    Ok(PrefillResult {
        user,
        accepted: load.accepted,
        accepted_rate,
        mailbox_count,
    })
}
