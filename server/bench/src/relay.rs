//! `kantor-bench relay`: mail submitted for remote recipients, from submission to the remote
//! peer's acceptance (RFC 5321 §4-5 relaying), for each server under test in turn.
//!
//! The tool is both ends: `--connections` clients submit `--messages` messages (over
//! implicit TLS with AUTH PLAIN for Kantor's 465, or plain SMTP for a Postfix that relays for
//! loopback) to recipients in `--domain`, and its sink ([`crate::relay_sink`]) on `--sink`
//! plays the remote MX the servers deliver to. Every message carries `X-Bench-Relay: RUN SEQ`,
//! so the sink can tell which message arrived when: the report gives messages/s from the first
//! submission to the last arrival, and the queue latency (the submission's 250 to the sink's
//! 250) p50/p99/max. Missing and duplicated messages are counted, never hidden; so are
//! messages without a DKIM signature.
//!
//! `--submit-only` submits and does not wait: with `--domain` set to the sink's
//! `--defer-domain`, that fills the server's queue with deferred mail (the sink answers 451).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use clap::Args;
use tokio::sync::Mutex;

use crate::connector::{Connector, resolve_loopback};
use crate::login_target::LoginTarget;
use crate::message::MessageFactory;
use crate::relay_sink::{self, MARK, SinkState};
use crate::smtp_client::{Outcome, SmtpConnection};
use crate::stats::{Latency, micros, rate};

/// Options of `relay`.
#[derive(Debug, Clone, Args)]
pub struct RelayArgs {
    /// A server to measure, as NAME=HOST:PORT (where it takes submissions, on loopback), with
    /// ,tls for implicit TLS (certificate not verified) and ,user=A,password=P for AUTH PLAIN.
    /// Repeat to compare: targets are measured one after another, the first is the reference.
    #[arg(long = "target", value_name = "NAME=HOST:PORT[,tls][,user=A][,password=P]", required = true, value_parser = crate::login_target::parse)]
    pub targets: Vec<LoginTarget>,

    /// Where the tool's sink listens: the address the servers under test deliver to.
    #[arg(long, default_value = "127.0.0.1:2600")]
    pub sink: String,

    /// Domain of the recipients (u1@DOMAIN..): the servers must route it to the sink.
    #[arg(long, default_value = "remote.test")]
    pub domain: String,

    /// Recipients in this domain are answered 451 by the sink (deferred at the sender).
    #[arg(long, default_value = "deferred.test")]
    pub defer_domain: String,

    /// Envelope sender and From address of the submitted mail.
    #[arg(long, default_value = "sender@corp.test")]
    pub from: String,

    /// Messages to submit per target.
    #[arg(long, default_value_t = 5000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub messages: u64,

    /// Submission connections at once.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub connections: u32,

    /// Size of each message in bytes, headers included.
    #[arg(long, default_value_t = 10_240, value_parser = clap::value_parser!(u64).range(256..=16_777_216))]
    pub size: u64,

    /// Recipients u1@DOMAIN..uK@DOMAIN, used round-robin.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub users: u32,

    /// Seconds to wait, after the last submission, for the last message at the sink.
    #[arg(long, default_value_t = 300)]
    pub wait_secs: u64,

    /// Submit and report the submission only (to fill a queue with deferred mail).
    #[arg(long)]
    pub submit_only: bool,

    /// Processes whose memory is reported after the run, as NAME=PID[,PID...] (the target's
    /// name; a process's descendants are counted too). Repeatable.
    #[arg(long = "pid", value_name = "NAME=PID[,PID...]")]
    pub pids: Vec<String>,

    /// Also print one JSON line per target.
    #[arg(long)]
    pub json: bool,
}

/// What one target did.
#[derive(Debug)]
struct RelayOutcome {
    name: String,
    submitted: u64,
    refused: u64,
    first_refusal: Option<String>,
    submit_elapsed: Duration,
    arrived: u64,
    duplicates: u64,
    unsigned: u64,
    relay_elapsed: Duration,
    latency: Latency,
    memory: Option<crate::memory::Memory>,
    /// CPU seconds the `--pid` processes spent from the first submission to the last arrival.
    cpu: Option<f64>,
}

/// Runs every target in turn and prints the comparison.
pub async fn run(args: RelayArgs) -> Result<()> {
    let sink_addr = resolve_loopback(&args.sink).await?;
    let sink = relay_sink::start(sink_addr, args.defer_domain.clone()).await?;
    println!(
        "relay: {} messages of {} bytes per target to {} users @{}, {} submission connections, sink {}{}",
        args.messages,
        args.size,
        args.users,
        args.domain,
        args.connections,
        sink_addr,
        if args.submit_only {
            " (submit only)"
        } else {
            ""
        }
    );
    let mut outcomes = Vec::new();
    for (index, target) in args.targets.iter().enumerate() {
        let outcome = measure(&args, target, index, &sink).await?;
        print_block(&outcome, args.submit_only);
        if args.json {
            println!("{}", json_line(&outcome));
        }
        outcomes.push(outcome);
    }
    if outcomes.len() > 1 && !args.submit_only {
        let base = relayed_rate(&outcomes[0]);
        println!(
            "\ncomparison (relayed messages/s, ratio to {}):",
            outcomes[0].name
        );
        for o in &outcomes {
            println!(
                "  {:<12} {:>9}  {}",
                o.name,
                crate::format::num(relayed_rate(o)),
                crate::format::ratio(relayed_rate(o), base)
            );
        }
        if outcomes.iter().all(|o| o.cpu.is_some()) {
            let base = cpu_ms_per_message(&outcomes[0]);
            println!(
                "\ncomparison (server CPU ms per message, ratio to {}: below 1 is cheaper):",
                outcomes[0].name
            );
            for o in &outcomes {
                println!(
                    "  {:<12} {:>9.3}  {}",
                    o.name,
                    cpu_ms_per_message(o).unwrap_or(0.0),
                    crate::format::ratio(cpu_ms_per_message(o), base)
                );
            }
        }
    }
    println!("sink: {} recipients deferred in all", sink.deferred_rcpts());
    Ok(())
}

fn relayed_rate(o: &RelayOutcome) -> Option<f64> {
    rate(o.arrived, o.relay_elapsed)
}

async fn measure(
    args: &RelayArgs,
    target: &LoginTarget,
    index: usize,
    sink: &SinkState,
) -> Result<RelayOutcome> {
    let addr = resolve_loopback(&target.addr).await?;
    let connector = Connector::new(addr, target.tls, Duration::from_secs(120), 1)?;
    let run_id = format!("r{index}x{}", std::process::id());
    let factory = Arc::new(MessageFactory::new(
        &format!("relay-{}", target.name),
        &args.from,
        &args.domain,
        args.size as usize,
    ));
    let pids = pids_of(&args.pids, &target.name)?;
    let cpu_before = crate::memory::cpu_seconds(&pids);
    let next = Arc::new(AtomicU64::new(0));
    let acked: Arc<Mutex<Vec<Option<Instant>>>> =
        Arc::new(Mutex::new(vec![None; args.messages as usize]));
    let refusals = Arc::new(std::sync::Mutex::new(None::<String>));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..args.connections {
        let (connector, factory, next, acked, refusals) = (
            connector.clone(),
            factory.clone(),
            next.clone(),
            acked.clone(),
            refusals.clone(),
        );
        let (args, target, run_id) = (args.clone(), target.clone(), run_id.clone());
        tasks.push(tokio::spawn(async move {
            let result = submit(&args, &target, &run_id, &connector, &factory, &next, &acked).await;
            if let Err(e) = result {
                let mut r = refusals.lock().unwrap_or_else(|e| e.into_inner());
                r.get_or_insert_with(|| format!("{e:#}"));
            }
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
    let submit_elapsed = start.elapsed();
    let acked = std::mem::take(&mut *acked.lock().await);
    let submitted = acked.iter().filter(|a| a.is_some()).count() as u64;
    // A message not acknowledged was refused, or never sent because its connection failed.
    let refused = args.messages - submitted;
    let first_refusal = refusals.lock().unwrap_or_else(|e| e.into_inner()).clone();
    if !args.submit_only {
        let deadline = Instant::now() + Duration::from_secs(args.wait_secs);
        while (sink.arrived(&run_id) as u64) < submitted && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let tally = sink.take(&run_id);
    let last = tally.accepted.values().max().copied();
    let mut samples: Vec<u32> = tally
        .accepted
        .iter()
        .filter_map(|(seq, at)| {
            let acked_at = acked.get(*seq as usize).copied().flatten()?;
            Some(micros(at.saturating_duration_since(acked_at)))
        })
        .collect();
    let cpu = match (cpu_before, crate::memory::cpu_seconds(&pids)) {
        (Some(before), Some(after)) => Some(after - before),
        _ => None,
    };
    Ok(RelayOutcome {
        name: target.name.clone(),
        submitted,
        refused,
        first_refusal,
        submit_elapsed,
        arrived: tally.accepted.len() as u64,
        duplicates: tally.duplicates,
        unsigned: tally.accepted.len() as u64 - tally.dkim_signed.min(tally.accepted.len() as u64),
        relay_elapsed: last.map_or(Duration::ZERO, |l| l.saturating_duration_since(start)),
        latency: Latency::from_micros(&mut samples),
        memory: crate::memory::sample(&pids),
        cpu,
    })
}

/// One submission connection: takes message numbers until all are taken.
async fn submit(
    args: &RelayArgs,
    target: &LoginTarget,
    run_id: &str,
    connector: &Connector,
    factory: &MessageFactory,
    next: &AtomicU64,
    acked: &Mutex<Vec<Option<Instant>>>,
) -> Result<()> {
    let wire = connector.connect().await?;
    let mut smtp = SmtpConnection::greet(wire, "bench.client", true).await?;
    if let (Some(user), Some(password)) = (&target.user, &target.password) {
        smtp.auth_plain(user, password).await?;
    }
    let mut body = Vec::with_capacity(args.size as usize + 512);
    let mut data = Vec::with_capacity(args.size as usize + 512);
    loop {
        let seq = next.fetch_add(1, Ordering::Relaxed);
        if seq >= args.messages {
            break;
        }
        let rcpt = format!("u{}@{}", seq % u64::from(args.users) + 1, args.domain);
        factory.write(seq, &rcpt, &mut body);
        data.clear();
        data.extend_from_slice(format!("{MARK}: {run_id} {seq}\r\n").as_bytes());
        data.extend_from_slice(&body);
        match smtp.send(&args.from, &rcpt, &data).await? {
            Outcome::Accepted => acked.lock().await[seq as usize] = Some(Instant::now()),
            Outcome::Rejected { reply, .. } => bail!("message {seq}: {}", reply.summary()),
        }
    }
    smtp.quit().await;
    Ok(())
}

/// The pids given for target `name` by `--pid NAME=PID[,PID...]`.
fn pids_of(specs: &[String], name: &str) -> Result<Vec<u32>> {
    let mut pids = Vec::new();
    for spec in specs {
        let Some((n, list)) = spec.split_once('=') else {
            bail!("--pid {spec}: expected NAME=PID[,PID...]");
        };
        if n == name {
            for pid in list.split(',') {
                pids.push(pid.trim().parse()?);
            }
        }
    }
    Ok(pids)
}

fn print_block(o: &RelayOutcome, submit_only: bool) {
    println!("\n{}:", o.name);
    println!(
        "  submitted      {} in {:.1} s ({} msg/s), {} refused{}",
        o.submitted,
        o.submit_elapsed.as_secs_f64(),
        crate::format::num(rate(o.submitted, o.submit_elapsed)),
        o.refused,
        o.first_refusal
            .as_ref()
            .map(|r| format!(" (first: {r})"))
            .unwrap_or_default()
    );
    if !submit_only {
        println!(
            "  relayed        {} of {} in {:.1} s ({} msg/s), {} missing, {} duplicated, {} without DKIM-Signature",
            o.arrived,
            o.submitted,
            o.relay_elapsed.as_secs_f64(),
            crate::format::num(relayed_rate(o)),
            o.submitted.saturating_sub(o.arrived),
            o.duplicates,
            o.unsigned
        );
        println!(
            "  queue latency  p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (submission 250 to the sink's 250)",
            o.latency.p50, o.latency.p99, o.latency.max
        );
    }
    if let Some(m) = o.memory {
        println!("  memory         {}", crate::format::memory_text(m));
    }
    if let Some(cpu) = o.cpu {
        println!(
            "  cpu            {cpu:.1} s, {:.3} ms per message submitted (the --pid processes)",
            cpu_ms_per_message(o).unwrap_or(0.0)
        );
    }
}

/// The server's CPU per message (submission and relaying together: both are its work).
fn cpu_ms_per_message(o: &RelayOutcome) -> Option<f64> {
    let cpu = o.cpu?;
    (o.submitted > 0).then(|| cpu * 1000.0 / o.submitted as f64)
}

fn json_line(o: &RelayOutcome) -> String {
    serde_json::json!({
        "target": o.name,
        "submitted": o.submitted,
        "refused": o.refused,
        "submit_secs": o.submit_elapsed.as_secs_f64(),
        "arrived": o.arrived,
        "duplicates": o.duplicates,
        "unsigned": o.unsigned,
        "relay_secs": o.relay_elapsed.as_secs_f64(),
        "relayed_per_sec": relayed_rate(o),
        "latency_ms": {"p50": o.latency.p50, "p99": o.latency.p99, "max": o.latency.max},
        "rss_kib": o.memory.map(|m| m.rss_kib),
        "pss_kib": o.memory.map(|m| m.pss_kib),
        "cpu_secs": o.cpu,
        "cpu_ms_per_message": cpu_ms_per_message(o),
    })
    .to_string()
}
