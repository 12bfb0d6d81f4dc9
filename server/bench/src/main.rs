//! `kantor-bench`: Kantor's load tool, to measure Kantor and its peers side
//! by side in one run. Loopback targets only: see docs/benchmarks.md.
//!
//! Map of the binary:
//!
//! | module | what it does |
//! | --- | --- |
//! | [`cli`] | flags of `kantor-bench smtp`, `imap` and `imap-idle`, `--target` and `--pid` parsing |
//! | [`run`] | one target: prefill, mailbox counts, load, wait for delivery |
//! | [`load`] | N SMTP connections sharing M messages; latencies, failures |
//! | [`prefill`] | `--prefill`: fill one mailbox before measuring |
//! | [`smtp_client`] | EHLO, pipelined MAIL/RCPT/DATA transactions (RFC 5321, RFC 2920) |
//! | [`pop3_probe`] | USER/PASS/STAT sessions to count messages in mailboxes (RFC 1939) |
//! | [`message`] | realistic, unique RFC 5322 messages of a given size |
//! | [`imap_run`] | `imap`, one target: prefill, the load, memory sampled during it |
//! | [`imap_load`] | N IMAP clients doing rounds of LOGIN..LOGOUT or SELECT..SEARCH; latencies, errors |
//! | [`imap_prefill`] | `--prefill-per-user`: top up every INBOX over SMTP, counted over IMAP STATUS |
//! | [`imap_search`] | `imap-search`: time header SEARCH, SORT, THREAD on a big INBOX |
//! | [`imap_append`] | MULTIAPPEND prefill of `imap-search` and `fts`, with varied messages |
//! | [`fts`] | `fts`: index a generated INBOX and the SpamAssassin corpus; word, phrase, sender, attachment queries over IMAP and JMAP |
//! | [`fts_data`] | `fts`'s generated messages, the corpus, the needles and their counts |
//! | [`fts_report`] | `fts`'s cross-target check, table and JSON lines |
//! | [`imap_idle`] | `imap-idle`, one target: N sessions in IDLE, memory per session, wake check |
//! | [`imap_shared`] | `imap-shared`: N sessions of one user on one INBOX, fetch/flag/expunge, a feeder, every reply checked |
//! | [`seq_model`] | a session's sequence number → UID map, and the responses that contradict it |
//! | [`shared_tally`] | `imap-shared` figures: commands, errors by class and kind, merged counts |
//! | [`imap_shared_report`] | `imap-shared`, one target measured; its text, table and JSON |
//! | [`jmap`] | `jmap`: many clients listing one INBOX over JMAP (query + get), every answer checked |
//! | [`push_idle`] | `push-idle`: N idle EventSource and WebSocket (RFC 8887) push connections, memory per connection |
//! | [`http_client`] | HTTP/1.1 keep-alive GET/POST with Basic credentials, over TCP or TLS |
//! | [`imap_client`] | tagged IMAP commands, pipelined or not, literals, IDLE (RFC 9051, RFC 2177) |
//! | [`connector`] | loopback-only connections, implicit TLS, spread over source addresses |
//! | [`limits`] | RLIMIT_NOFILE raised to the hard limit |
//! | [`imap_report`] | `imap` and `imap-idle` text, comparison tables, JSON lines |
//! | [`wire`] | buffered, time-bounded line I/O over TCP or TLS |
//! | [`stats`] | latency percentiles and rates |
//! | [`memory`] | VmRSS/VmHWM from /proc |
//! | [`report`] | per-target text, comparison table, JSON lines |

mod cli;
mod connector;
#[cfg(test)]
mod fake;
#[cfg(test)]
mod fake_imap;
mod format;
mod fts;
mod fts_data;
mod fts_report;
mod http_client;
mod imap_append;
mod imap_client;
mod imap_idle;
mod imap_load;
mod imap_prefill;
mod imap_report;
mod imap_run;
mod imap_search;
mod imap_shared;
mod imap_shared_report;
mod jmap;
mod limits;
mod load;
mod login_target;
mod memory;
mod message;
mod pop3_probe;
mod prefill;
mod push_idle;
mod relay;
mod relay_sink;
mod report;
mod run;
mod seq_model;
mod shared_tally;
mod smtp_client;
mod stats;
mod wire;

use anyhow::{Result, bail};
use clap::Parser;

use crate::cli::{Cli, Command, ImapArgs, ImapCommon, ImapIdleArgs, ImapSharedArgs, SmtpArgs};

#[tokio::main]
async fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Smtp(args) => smtp(args).await,
        Command::Imap(args) => imap(args).await,
        Command::ImapIdle(args) => imap_idle(args).await,
        Command::ImapShared(args) => imap_shared(args).await,
        Command::ImapSearch(args) => imap_search::run(args).await,
        Command::Fts(args) => fts::run(args).await,
        Command::Jmap(args) => jmap::run(args).await,
        Command::PushIdle(args) => push_idle::run(args).await,
        Command::Relay(args) => relay::run(args).await,
    }
}

/// Measures every target in turn, then prints the comparison.
async fn smtp(args: SmtpArgs) -> Result<()> {
    args.validate()?;
    if args.prefill > 0 && !args.run_reaches_prefill_user() {
        eprintln!(
            "warning: the run sends to u1..u{}@{}, which does not include the prefilled {}",
            args.users,
            args.domain,
            args.prefill_address()
        );
    }
    let names = args.targets.iter().map(|t| t.name.clone()).collect();
    let (results, json) = measure_each(
        names,
        |index| run::measure(&args, index),
        report::target_block,
        report::json_line,
    )
    .await;
    println!("{}", report::comparison(&results));
    finish(args.json, &json, results.iter().all(Result::is_err))
}

/// Measures every target with IMAP clients, then prints the comparison.
async fn imap(args: ImapArgs) -> Result<()> {
    args.validate()?;
    let printers = Printers {
        block: imap_report::imap_block,
        json: imap_report::imap_json,
        comparison: imap_report::imap_comparison,
    };
    imap_targets(&args.common, args.clients, printers, |index| {
        imap_run::measure(&args, index)
    })
    .await
}

/// Holds IDLE sessions on every target, then prints the comparison.
async fn imap_idle(args: ImapIdleArgs) -> Result<()> {
    args.validate()?;
    let printers = Printers {
        block: imap_report::idle_block,
        json: imap_report::idle_json,
        comparison: imap_report::idle_comparison,
    };
    imap_targets(&args.common, args.sessions, printers, |index| {
        imap_idle::measure(&args, index)
    })
    .await
}

/// Runs the shared-INBOX sessions on every target, then prints the comparison.
async fn imap_shared(args: ImapSharedArgs) -> Result<()> {
    args.common.validate()?;
    let printers = Printers {
        block: imap_shared_report::block,
        json: imap_shared_report::json,
        comparison: imap_shared_report::comparison,
    };
    let sessions = args.clients + args.feeders;
    imap_targets(&args.common, sessions, printers, |index| {
        imap_shared_report::measure(&args, index)
    })
    .await
}

/// How an IMAP subcommand prints a target's block, its JSON line and the comparison.
struct Printers<R> {
    block: fn(&R) -> String,
    json: fn(&R) -> String,
    comparison: fn(&[Result<R, String>]) -> String,
}

/// Measures every IMAP target in turn with up to `sessions` connections open, then prints the
/// comparison.
async fn imap_targets<R, F, Fut>(
    common: &ImapCommon,
    sessions: u32,
    printers: Printers<R>,
    measure: F,
) -> Result<()>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = Result<R>>,
{
    check_nofile(u64::from(sessions) + 100)?;
    let names = common.targets.iter().map(|t| t.name.clone()).collect();
    let (results, json) = measure_each(names, measure, printers.block, printers.json).await;
    println!("{}", (printers.comparison)(&results));
    finish(common.json, &json, results.iter().all(Result::is_err))
}

/// Raises the open-file limit and checks that `needed` descriptors fit.
pub(crate) fn check_nofile(needed: u64) -> Result<()> {
    match limits::raise_nofile() {
        Some(limit) if limit < needed => bail!(
            "the open-file limit is {limit}, and this run needs about {needed}: raise the hard limit (ulimit -Hn)"
        ),
        _ => Ok(()),
    }
}

/// Prints the JSON lines; fails when no target could be measured.
/// Measures the targets one after another (by index), printing each one's block as it comes;
/// returns each result, or why that target could not be measured, and the JSON lines.
async fn measure_each<R, F, Fut>(
    names: Vec<String>,
    mut measure: F,
    block: fn(&R) -> String,
    json_line: fn(&R) -> String,
) -> (Vec<Result<R, String>>, Vec<String>)
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = Result<R>>,
{
    let mut results = Vec::with_capacity(names.len());
    let mut json = Vec::with_capacity(names.len());
    for (index, name) in names.iter().enumerate() {
        match measure(index).await {
            Ok(result) => {
                println!("{}", block(&result));
                json.push(json_line(&result));
                results.push(Ok(result));
            }
            Err(e) => {
                let text = format!("{e:#}");
                eprintln!("{name}: could not be measured: {text}");
                json.push(report::json_error(name, &text));
                results.push(Err(format!("{name}: could not be measured: {text}")));
            }
        }
    }
    (results, json)
}

fn finish(print_json: bool, json: &[String], all_failed: bool) -> Result<()> {
    if print_json {
        for line in json {
            println!("{line}");
        }
    }
    if all_failed {
        bail!("no target could be measured");
    }
    Ok(())
}
