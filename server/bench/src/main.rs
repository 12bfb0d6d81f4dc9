//! `kantor-bench`: Kantor's load tool, to measure Kantor and its peers side
//! by side in one run. Loopback targets only: see docs/benchmarks.md.
//!
//! Map of the binary:
//!
//! | module | what it does |
//! | --- | --- |
//! | [`cli`] | flags of `kantor-bench smtp`, `--target` and `--pid` parsing |
//! | [`run`] | one target: prefill, mailbox counts, load, wait for delivery |
//! | [`load`] | N SMTP connections sharing M messages; latencies, failures |
//! | [`prefill`] | `--prefill`: fill one mailbox before measuring |
//! | [`smtp_client`] | EHLO, pipelined MAIL/RCPT/DATA transactions (RFC 5321, RFC 2920) |
//! | [`pop3_probe`] | USER/PASS/STAT sessions to count messages in mailboxes (RFC 1939) |
//! | [`message`] | realistic, unique RFC 5322 messages of a given size |
//! | [`wire`] | buffered, time-bounded line I/O over TCP |
//! | [`stats`] | latency percentiles and rates |
//! | [`memory`] | VmRSS/VmHWM from /proc |
//! | [`report`] | per-target text, comparison table, JSON lines |

mod cli;
#[cfg(test)]
mod fake;
mod load;
mod memory;
mod message;
mod pop3_probe;
mod prefill;
mod report;
mod run;
mod smtp_client;
mod stats;
mod wire;

use anyhow::{Result, bail};
use clap::Parser;

use crate::cli::{Cli, Command, SmtpArgs};

#[tokio::main]
async fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Smtp(args) => smtp(args).await,
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
    let mut results = Vec::new();
    let mut json = Vec::new();
    for (index, target) in args.targets.iter().enumerate() {
        match run::measure(&args, index).await {
            Ok(result) => {
                println!("{}", report::target_block(&result));
                json.push(report::json_line(&result));
                results.push(Ok(result));
            }
            Err(e) => {
                let text = format!("{e:#}");
                eprintln!("{}: could not be measured: {text}", target.name);
                json.push(report::json_error(&target.name, &text));
                results.push(Err(format!(
                    "{}: could not be measured: {text}",
                    target.name
                )));
            }
        }
    }
    println!("{}", report::comparison(&results));
    if args.json {
        for line in json {
            println!("{line}");
        }
    }
    if results.iter().all(Result::is_err) {
        bail!("no target could be measured");
    }
    Ok(())
}
