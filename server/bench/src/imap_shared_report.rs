//! `imap-shared`, one target measured, and its report: a block per target
//! as it finishes, a comparison table at the end (ratios to the first
//! target), and with `--json` one JSON line per target.

use std::fmt::Write;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Result, bail};

use crate::cli::ImapSharedArgs;
use crate::connector;
use crate::format::{int, json_str, num, opt, ratio};
use crate::imap_report::{latency_json, latency_text, sources_text, strings, write_peak};
use crate::imap_run::Sampler;
use crate::imap_shared::{self, SharedPlan};
use crate::memory::{self, Memory};
use crate::message::MessageFactory;
use crate::shared_tally::{Class, Op, SharedOutcome};
use crate::stats::{self, Latency};

/// Everything measured on one target.
#[derive(Debug)]
pub struct SharedResult {
    pub name: String,
    pub imap: String,
    pub tls: bool,
    pub user: String,
    pub clients: u32,
    pub messages: u64,
    pub expunge_every: u64,
    /// The counts and errors (latencies summed up below).
    pub outcome: SharedOutcome,
    /// Per command, those answered OK at least once: count and latency.
    pub per_op: Vec<(Op, u64, Latency)>,
    /// The clients' commands together.
    pub latency: Latency,
    pub source_ips: usize,
    pub memory_before: Option<Memory>,
    pub memory_peak: Option<Memory>,
}

impl SharedResult {
    /// The clients' commands answered OK per second.
    pub fn commands_rate(&self) -> Option<f64> {
        stats::rate(self.outcome.ok, self.outcome.elapsed)
    }
}

/// Measures `args.common.targets[index]`.
pub async fn measure(args: &ImapSharedArgs, index: usize) -> Result<SharedResult> {
    let common = &args.common;
    let target = &common.targets[index];
    let connector = connector::for_imap_target(common, index).await?;
    let pids = common.pids_of(index);
    let memory_before = memory::sample(&pids);
    eprintln!(
        "{}: {} sessions of {} on one INBOX of {} messages, {} s",
        target.name,
        args.clients,
        args.address(),
        args.messages,
        args.duration
    );
    let sampler = Sampler::start(pids);
    let plan = SharedPlan {
        connector: Arc::clone(&connector),
        user: args.address(),
        password: common.password.clone(),
        clients: args.clients,
        duration: Duration::from_secs(args.duration),
        messages: args.messages,
        expunge_every: args.expunge_every,
        feeders: args.feeders,
        factory: MessageFactory::new(
            &format!("{}-shared", target.name),
            &common.from,
            &common.domain,
            args.size as usize,
        ),
        fill_timeout: Duration::from_secs(args.fill_timeout),
        prepare_timeout: common.io_timeout() * 4,
    };
    let outcome = imap_shared::run(plan).await;
    let memory_peak = sampler.finish();
    let mut outcome = outcome?;
    if outcome.ready == 0 {
        bail!(
            "no session could log in and read the INBOX: {}",
            outcome.errors.texts.texts().join("; ")
        );
    }
    let mut all = outcome.client_latencies();
    let per_op = Op::ALL
        .iter()
        .zip(outcome.latencies_us.iter_mut())
        .filter(|(_, l)| !l.is_empty())
        .map(|(&op, l)| (op, l.len() as u64, Latency::from_micros(l)))
        .collect();
    Ok(SharedResult {
        name: target.name.clone(),
        imap: target.imap.clone(),
        tls: target.tls,
        user: args.address(),
        clients: args.clients,
        messages: args.messages,
        expunge_every: args.expunge_every,
        latency: Latency::from_micros(&mut all),
        per_op,
        outcome,
        source_ips: connector.source_ips(),
        memory_before,
        memory_peak,
    })
}

/// The human-readable block for one target.
pub fn block(r: &SharedResult) -> String {
    let o = &r.outcome;
    let mut s = String::new();
    let tls = if r.tls { ", TLS" } else { "" };
    let _ = writeln!(
        s,
        "== {} (imap {}{tls}, one shared INBOX) ==",
        r.name, r.imap
    );
    let _ = writeln!(
        s,
        "mailbox     INBOX of {} kept at {} messages by APPEND ({} appended before the run in {:.1} s, not timed; {} during it, INBOX {})",
        r.user,
        r.messages,
        o.prefilled,
        o.prefill_secs,
        o.appended,
        match o.inbox {
            Some((lo, hi)) => format!("{lo} to {hi} messages"),
            None => "size not read".to_owned(),
        }
    );
    let every = match r.expunge_every {
        0 => "no expunges".to_owned(),
        k => format!("every {k}th round expunges one message"),
    };
    let _ = writeln!(
        s,
        "load        {} sessions ({} ready{}), {every}, {} rounds ({} without an error)",
        r.clients,
        o.ready,
        sources_text(r.source_ips),
        o.rounds,
        o.clean_rounds
    );
    let _ = writeln!(
        s,
        "commands    {} answered OK in {:.2} s: {} commands/s (the feeder's not counted)",
        o.ok,
        o.elapsed.as_secs_f64(),
        num(r.commands_rate())
    );
    if o.ok > 0 {
        let _ = writeln!(s, "latency     {}", latency_text(r.latency));
    }
    for (op, count, l) in &r.per_op {
        let _ = writeln!(s, "  {:<27} {:>8}  {}", op.label(), count, latency_text(*l));
    }
    let _ = writeln!(
        s,
        "expunges    {} UID EXPUNGE answered OK; the sessions read {} EXPUNGE responses; {} SELECTs again after a contradiction; {} body fetches of a known UID came back empty",
        o.expunged, o.expunge_responses, o.resyncs, o.empty_fetches
    );
    let classes: Vec<String> = Class::ALL
        .iter()
        .map(|&c| format!("{} {}", c.label(), r.outcome.errors.by_class[c as usize]))
        .collect();
    let _ = writeln!(
        s,
        "errors      {} ({})",
        r.outcome.errors.total(),
        classes.join(", ")
    );
    for (kind, count) in r.outcome.errors.kinds.counted() {
        let _ = writeln!(s, "  {count:>10}  {kind}");
    }
    if r.outcome.errors.total() > 0 {
        let _ = writeln!(s, "  first texts:");
        for text in r.outcome.errors.texts.texts() {
            let _ = writeln!(s, "              {text}");
        }
    }
    write_peak(&mut s, r.memory_peak, r.memory_before);
    s
}

/// The comparison table, rates relative to the first measured target.
pub fn comparison(results: &[Result<SharedResult, String>]) -> String {
    let mut s = String::new();
    let row = |cells: [&str; 12]| {
        format!(
            "{:<12} {:>11} {:>7} {:>8} {:>8} {:>8} {:>7} {:>6} {:>5} {:>6} {:>5} {:>8}\n",
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            cells[4],
            cells[5],
            cells[6],
            cells[7],
            cells[8],
            cells[9],
            cells[10],
            cells[11]
        )
    };
    s.push_str(&row([
        "target",
        "commands/s",
        "ratio",
        "p50 ms",
        "p99 ms",
        "expunged",
        "errors",
        "NO",
        "BAD",
        "u.BAD",
        "I/O",
        "protocol",
    ]));
    let first = results.iter().find_map(|r| r.as_ref().ok());
    for result in results {
        match result {
            Ok(r) => {
                let class = |c: Class| r.outcome.errors.by_class[c as usize].to_string();
                let ms = |v: f64| {
                    if r.outcome.ok > 0 {
                        format!("{v:.1}")
                    } else {
                        "-".into()
                    }
                };
                s.push_str(&row([
                    &r.name,
                    &num(r.commands_rate()),
                    &ratio(
                        r.commands_rate(),
                        first.and_then(SharedResult::commands_rate),
                    ),
                    &ms(r.latency.p50),
                    &ms(r.latency.p99),
                    &r.outcome.expunged.to_string(),
                    &r.outcome.errors.total().to_string(),
                    &class(Class::No),
                    &class(Class::Bad),
                    &class(Class::UntaggedBad),
                    &class(Class::Io),
                    &class(Class::Protocol),
                ]));
            }
            Err(e) => {
                let _ = writeln!(s, "{e}");
            }
        }
    }
    s
}

/// One JSON object on one line for a target.
pub fn json(r: &SharedResult) -> String {
    let o = &r.outcome;
    let per: Vec<String> = r
        .per_op
        .iter()
        .map(|(op, count, l)| {
            format!(
                "\"{}\":{{\"count\":{count},{}}}",
                op.key(),
                latency_json(*l)
            )
        })
        .collect();
    let classes: Vec<String> = Class::ALL
        .iter()
        .map(|&c| format!("\"{}\":{}", c.key(), r.outcome.errors.by_class[c as usize]))
        .collect();
    let kinds: Vec<String> = r
        .outcome
        .errors
        .kinds
        .counted()
        .iter()
        .map(|(kind, n)| format!("{}:{n}", json_str(kind)))
        .collect();
    format!(
        "{{\"target\":{},\"imap\":{},\"tls\":{},\"user\":{},\"clients\":{},\"ready\":{},\
         \"messages\":{},\"expunge_every\":{},\"rounds\":{},\"clean_rounds\":{},\"commands\":{},\
         \"secs\":{:.3},\"commands_per_sec\":{},\"latency_ms\":{{{}}},\"per_command_ms\":{{{}}},\
         \"errors\":{},\"errors_by_class\":{{{}}},\"errors_by_kind\":{{{}}},\"error_samples\":[{}],\
         \"expunged\":{},\"expunge_responses\":{},\"resyncs\":{},\"empty_fetches\":{},\
         \"appended\":{},\"prefilled\":{},\"inbox_min\":{},\"inbox_max\":{},\"source_ips\":{},\
         \"rss_kib\":{},\"pss_kib\":{}}}",
        json_str(&r.name),
        json_str(&r.imap),
        r.tls,
        json_str(&r.user),
        r.clients,
        o.ready,
        r.messages,
        r.expunge_every,
        o.rounds,
        o.clean_rounds,
        o.ok,
        o.elapsed.as_secs_f64(),
        opt(r.commands_rate()),
        latency_json(r.latency),
        per.join(","),
        r.outcome.errors.total(),
        classes.join(","),
        kinds.join(","),
        strings(&r.outcome.errors.texts.texts()),
        o.expunged,
        o.expunge_responses,
        o.resyncs,
        o.empty_fetches,
        o.appended,
        o.prefilled,
        int(o.inbox.map(|i| i.0)),
        int(o.inbox.map(|i| i.1)),
        r.source_ips,
        int(r.memory_peak.map(|m| m.rss_kib)),
        int(r.memory_peak.map(|m| m.pss_kib)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imap_client::{Done, Status};
    use std::time::Instant;

    fn result(name: &str, ok: u64, errors: u64) -> SharedResult {
        let mut outcome = SharedOutcome {
            ok,
            elapsed: Duration::from_secs(2),
            expunged: 7,
            ..SharedOutcome::default()
        };
        let now = Instant::now();
        for _ in 0..errors {
            outcome.book(
                Op::FetchBody,
                &Done {
                    status: Status::No,
                    text: "NO [SERVERBUG] Internal server error".into(),
                    sent: now,
                    at: now,
                },
            );
        }
        SharedResult {
            name: name.into(),
            imap: "127.0.0.1:2143".into(),
            tls: false,
            user: "u1@bench.test".into(),
            clients: 50,
            messages: 1000,
            expunge_every: 5,
            outcome,
            per_op: vec![(Op::Noop, ok, Latency::default())],
            latency: Latency::default(),
            source_ips: 8,
            memory_before: None,
            memory_peak: None,
        }
    }

    #[test]
    fn table_block_and_json_show_errors_by_kind() {
        let table = comparison(&[Ok(result("kantor", 400, 3)), Ok(result("dovecot", 200, 0))]);
        let lines: Vec<&str> = table.lines().collect();
        assert!(lines[0].contains("protocol"), "{table}");
        let cells: Vec<&str> = lines[1].split_whitespace().collect();
        assert_eq!(
            cells,
            [
                "kantor", "200.0", "1.00x", "0.0", "0.0", "7", "3", "3", "0", "0", "0", "0"
            ]
        );
        assert!(lines[2].contains("0.50x"), "{table}");

        let block = block(&result("kantor", 400, 3));
        assert!(
            block.contains("errors      3 (NO 3, BAD 0, untagged BAD 0, I/O 0, protocol 0)"),
            "{block}"
        );
        assert!(
            block.contains("3  UID FETCH (BODY.PEEK[]): NO [SERVERBUG]"),
            "{block}"
        );
        assert!(block.contains("8 source addresses"), "{block}");

        let line = json(&result("kantor", 400, 3));
        for field in [
            "\"commands_per_sec\":200.000",
            "\"errors\":3,\"errors_by_class\":{\"no\":3,\"bad\":0",
            "\"errors_by_kind\":{\"UID FETCH (BODY.PEEK[]): NO [SERVERBUG]\":3}",
            "\"expunged\":7",
        ] {
            assert!(line.contains(field), "{field} in {line}");
        }
    }
}
