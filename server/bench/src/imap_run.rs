//! Measuring one target with `imap`: optional prefill, then the load, with
//! the server's memory sampled before and every second during the run.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Result, bail};

use crate::cli::{ImapArgs, Mode};
use crate::connector;
use crate::imap_load::{self, Cmd, ImapOutcome, ImapPlan};
use crate::imap_prefill::{self, ImapPrefill};
use crate::memory::{self, Memory};
use crate::stats::{self, Latency};

/// Latency of one kind of command.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CmdLatency {
    pub cmd: Cmd,
    /// Replies counted (OK only).
    pub count: u64,
    pub latency: Latency,
}

/// Everything measured on one target.
#[derive(Debug, Clone)]
pub struct ImapResult {
    pub name: String,
    pub imap: String,
    pub tls: bool,
    pub mode: Mode,
    pub pipelining: bool,
    pub clients: u32,
    /// Clients that logged in and read their UIDs before the run.
    pub ready: u32,
    pub rounds: u64,
    pub rounds_started: u64,
    pub sessions: u64,
    /// Commands answered OK.
    pub commands: u64,
    pub errors: u64,
    pub error_samples: Vec<String>,
    /// Start to the last tagged reply, seconds.
    pub secs: f64,
    /// Every command together.
    pub latency: Latency,
    /// Per kind of command, those that ran.
    pub per_command: Vec<CmdLatency>,
    /// Connect + greeting (+ TLS) of the rounds' connections.
    pub connect: Option<Latency>,
    pub fetched_bytes: u64,
    /// Smallest and largest INBOX of the clients, in messages.
    pub inbox: Option<(u64, u64)>,
    pub source_ips: usize,
    pub memory_before: Option<Memory>,
    /// The largest VmRSS sum and the largest Pss sum sampled during the run
    /// (each its own maximum).
    pub memory_peak: Option<Memory>,
    pub prefill: Option<ImapPrefill>,
}

impl ImapResult {
    /// Commands answered OK per second.
    pub fn commands_rate(&self) -> Option<f64> {
        stats::rate(self.commands, Duration::from_secs_f64(self.secs))
    }

    /// Rounds completed per second.
    pub fn rounds_rate(&self) -> Option<f64> {
        stats::rate(self.rounds, Duration::from_secs_f64(self.secs))
    }
}

/// Measures `args.common.targets[index]`.
pub async fn measure(args: &ImapArgs, index: usize) -> Result<ImapResult> {
    let common = &args.common;
    let target = &common.targets[index];
    let connector = connector::for_imap_target(common, index).await?;
    let users = common.users(args.clients);
    let prefill = match (&target.smtp, args.prefill_per_user) {
        (Some(smtp), k) if k > 0 => {
            let smtp = connector::resolve_loopback(smtp).await?;
            Some(imap_prefill::run(args, &target.name, &connector, smtp, &users).await?)
        }
        _ => None,
    };
    let pids = common.pids_of(index);
    let memory_before = memory::sample(&pids);

    eprintln!(
        "{}: {} clients, {} mode, pipelining {}, {}",
        target.name,
        args.clients,
        args.mode.name(),
        if args.pipelining { "on" } else { "off" },
        match args.stop() {
            crate::cli::Stop::After(d) => format!("{} s", d.as_secs()),
            crate::cli::Stop::Rounds(n) => format!("{n} rounds each"),
        }
    );
    let sampler = Sampler::start(pids);
    let plan = ImapPlan {
        connector: Arc::clone(&connector),
        users,
        password: common.password.clone(),
        mode: args.mode,
        pipelining: args.pipelining,
        stop: args.stop(),
        headers: args.headers,
        search: args.search.clone(),
        prepare_timeout: common.io_timeout() * 4,
    };
    let outcome = imap_load::run(plan).await;
    let memory_peak = sampler.finish();
    if outcome.ready == 0 {
        bail!(
            "no client could log in and read its INBOX: {}",
            outcome.samples.texts().join("; ")
        );
    }
    Ok(result(
        args,
        index,
        outcome,
        connector.source_ips(),
        memory_before,
        memory_peak,
        prefill,
    ))
}

fn result(
    args: &ImapArgs,
    index: usize,
    mut outcome: ImapOutcome,
    source_ips: usize,
    memory_before: Option<Memory>,
    memory_peak: Option<Memory>,
    prefill: Option<ImapPrefill>,
) -> ImapResult {
    let target = &args.common.targets[index];
    let mut all = outcome.all_latencies();
    let per_command = Cmd::ALL
        .iter()
        .zip(outcome.latencies_us.iter_mut())
        .filter(|(_, samples)| !samples.is_empty())
        .map(|(&cmd, samples)| CmdLatency {
            cmd,
            count: samples.len() as u64,
            latency: Latency::from_micros(samples),
        })
        .collect();
    ImapResult {
        name: target.name.clone(),
        imap: target.imap.clone(),
        tls: target.tls,
        mode: args.mode,
        pipelining: args.pipelining,
        clients: args.clients,
        ready: outcome.ready,
        rounds: outcome.rounds,
        rounds_started: outcome.rounds_started,
        sessions: outcome.sessions,
        commands: outcome.ok,
        errors: outcome.errors,
        error_samples: outcome.samples.texts(),
        secs: outcome.elapsed.as_secs_f64(),
        latency: Latency::from_micros(&mut all),
        per_command,
        connect: (!outcome.connect_us.is_empty())
            .then(|| Latency::from_micros(&mut outcome.connect_us)),
        fetched_bytes: outcome.fetched_bytes,
        inbox: outcome.inbox,
        source_ips,
        memory_before,
        memory_peak,
        prefill,
    }
}

/// Samples the server's memory every second on a thread of its own, and
/// keeps the largest sums.
pub struct Sampler {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<Option<Memory>>>,
}

impl Sampler {
    /// Starts sampling `pids` (nothing when empty).
    pub fn start(pids: Vec<u32>) -> Sampler {
        let stop = Arc::new(AtomicBool::new(false));
        if pids.is_empty() {
            return Sampler { stop, thread: None };
        }
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let mut peak: Option<Memory> = None;
            // Bounded: a day of samples at most; stops when asked.
            for tick in 0..864_000u32 {
                if tick % 10 == 0
                    && let Some(m) = memory::sample(&pids)
                {
                    peak = Some(match peak {
                        None => m,
                        Some(p) => Memory {
                            rss_kib: p.rss_kib.max(m.rss_kib),
                            hwm_kib: p.hwm_kib.max(m.hwm_kib),
                            pss_kib: p.pss_kib.max(m.pss_kib),
                            processes: p.processes.max(m.processes),
                        },
                    });
                }
                if flag.load(Ordering::Relaxed) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            peak
        });
        Sampler {
            stop,
            thread: Some(thread),
        }
    }

    /// Stops sampling; the largest sums seen.
    pub fn finish(self) -> Option<Memory> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.and_then(|t| t.join().ok().flatten())
    }
}
