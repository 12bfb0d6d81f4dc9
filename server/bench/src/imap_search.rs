//! `imap-search`: times the commands that read every message of a big mailbox (header SEARCH,
//! SORT, THREAD, FETCH of every envelope and body structure) beside SELECT and a FETCH of the
//! newest envelopes, on each target in turn, on one session, each command several times. With
//! `--prefill N` the INBOX is first filled to N messages with MULTIAPPEND (`imap_append`). Each
//! command's result (its SEARCH, SORT or THREAD data) is digested, so that runs of two builds, or
//! two servers, can be checked to answer the same.

use anyhow::{Context, Result, bail};
use clap::Args;

use crate::cli::ImapCommon;
use crate::connector;
use crate::format::{json_str, num, opt, ratio};
use crate::imap_append;
use crate::imap_client::{ImapConn, Untagged, quote};
use crate::stats::Latency;

/// Options of `imap-search`.
#[derive(Debug, Clone, Args)]
pub struct ImapSearchArgs {
    #[command(flatten)]
    pub common: ImapCommon,

    /// The user whose INBOX is searched (a local part of --domain, or an address).
    #[arg(long, default_value = "u1")]
    pub user: String,

    /// Before measuring a target, fill the INBOX to this many messages with MULTIAPPEND.
    #[arg(long, default_value_t = 0)]
    pub prefill: u64,

    /// Sessions appending at once during the prefill.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub prefill_connections: u32,

    /// How many times each command runs.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub repeat: u32,

    /// The string of `SEARCH FROM`.
    #[arg(long, default_value = "user42@")]
    pub search_from: String,

    /// The string of `SEARCH SUBJECT`.
    #[arg(long, default_value = "report 13")]
    pub search_subject: String,

    /// The string of `SEARCH BODY` (the full-text index's candidates, then the exact match).
    #[arg(long, default_value = "of message 4242 about")]
    pub search_body: String,

    /// The string of `SEARCH TEXT` (headers and body).
    #[arg(long, default_value = "message 77777 ")]
    pub search_text: String,
}

/// One command's timings on one target.
#[derive(Debug, Clone)]
pub struct Timed {
    pub label: String,
    pub latency: Latency,
    /// Numbers in the result (SEARCH hits, or numbers of SORT and THREAD).
    pub numbers: u64,
    /// Digest of the result's data; the same in every repetition, or the run fails.
    pub digest: u64,
}

/// Everything measured on one target.
#[derive(Debug, Clone)]
pub struct SearchResult {
    pub name: String,
    pub messages: u64,
    pub appended: u64,
    pub timed: Vec<Timed>,
}

/// Measures every target in turn, then prints the comparison.
pub async fn run(args: ImapSearchArgs) -> Result<()> {
    args.common.validate()?;
    let mut results = Vec::new();
    for index in 0..args.common.targets.len() {
        let name = args.common.targets[index].name.clone();
        match measure(&args, index).await {
            Ok(result) => results.push(result),
            Err(e) => eprintln!("{name}: could not be measured: {e:#}"),
        }
    }
    if results.is_empty() {
        bail!("no target could be measured");
    }
    println!("{}", table(&args, &results));
    if args.common.json {
        for r in &results {
            println!("{}", json(r));
        }
    }
    Ok(())
}

async fn measure(args: &ImapSearchArgs, index: usize) -> Result<SearchResult> {
    let name = args.common.targets[index].name.clone();
    let connector = connector::for_imap_target(&args.common, index).await?;
    let user = if args.user.contains('@') {
        args.user.clone()
    } else {
        format!("{}@{}", args.user, args.common.domain)
    };
    let (mut conn, login, have) =
        ImapConn::login_counting_inbox(&connector, &user, &args.common.password).await?;
    conn.set_max_line(64 << 20);
    let mut appenders = Vec::new();
    for _ in 0..args
        .prefill_connections
        .min(u32::from(have < args.prefill) * 64)
    {
        let mut c = ImapConn::open(&connector).await?;
        c.expect_ok(&login, &mut Untagged::default()).await?;
        appenders.push(c);
    }
    let appended = imap_append::fill(appenders, &name, have, args.prefill).await?;
    let mut untagged = Untagged::default();
    conn.expect_ok("SELECT INBOX", &mut untagged).await?;
    let messages = untagged.exists.context("no EXISTS in SELECT")?;
    if messages == 0 {
        bail!("the INBOX of {user} is empty (fill it with --prefill)");
    }
    let lo = messages.saturating_sub(49).max(1);
    let commands = [
        ("SELECT".to_owned(), "SELECT INBOX".to_owned()),
        (
            "FETCH newest 50 ENVELOPE".to_owned(),
            format!("FETCH {lo}:{messages} (ENVELOPE)"),
        ),
        (
            "FETCH 1:* (ENVELOPE BODYSTR.)".to_owned(),
            "FETCH 1:* (ENVELOPE BODYSTRUCTURE)".to_owned(),
        ),
        (
            format!("SEARCH FROM {}", quote(&args.search_from)),
            format!("SEARCH FROM {}", quote(&args.search_from)),
        ),
        (
            format!("SEARCH SUBJECT {}", quote(&args.search_subject)),
            format!("SEARCH SUBJECT {}", quote(&args.search_subject)),
        ),
        (
            format!("SEARCH BODY {}", quote(&args.search_body)),
            format!("SEARCH BODY {}", quote(&args.search_body)),
        ),
        (
            format!("SEARCH TEXT {}", quote(&args.search_text)),
            format!("SEARCH TEXT {}", quote(&args.search_text)),
        ),
        ("SORT (SUBJECT)".into(), "SORT (SUBJECT) UTF-8 ALL".into()),
        ("SORT (DATE)".into(), "SORT (DATE) UTF-8 ALL".into()),
        ("SORT (FROM)".into(), "SORT (FROM) UTF-8 ALL".into()),
        (
            "THREAD REFERENCES".into(),
            "THREAD REFERENCES UTF-8 ALL".into(),
        ),
        (
            "THREAD ORDEREDSUBJECT".into(),
            "THREAD ORDEREDSUBJECT UTF-8 ALL".into(),
        ),
    ];
    let mut timed = Vec::with_capacity(commands.len());
    for (label, command) in commands {
        let mut micros = Vec::with_capacity(args.repeat as usize);
        let mut result: Option<(u64, u64)> = None;
        for _ in 0..args.repeat {
            let mut untagged = Untagged::default();
            micros.push(conn.timed_ok(&command, &mut untagged).await?);
            let this = (untagged.data_numbers, untagged.data_digest);
            if result.is_some_and(|r| r != this) {
                bail!("{command}: two repetitions gave different results");
            }
            result = Some(this);
        }
        let (numbers, digest) = result.unwrap_or_default();
        timed.push(Timed {
            label,
            latency: Latency::from_micros(&mut micros),
            numbers,
            digest,
        });
    }
    let _ = conn.logout().await;
    Ok(SearchResult {
        name,
        messages,
        appended,
        timed,
    })
}

/// The comparison: p50 and max per command and target (ms), the first target's p50 as 1.00x,
/// then each target's result sizes and digests.
fn table(args: &ImapSearchArgs, results: &[SearchResult]) -> String {
    let mut out = format!(
        "imap-search: INBOX of {}, {} repetitions per command, milliseconds\n",
        args.user, args.repeat
    );
    out += &format!("{:<30}", "command");
    for r in results {
        out += &format!(
            " {:>22}",
            format!("{} ({} msgs) p50 / max", r.name, r.messages)
        );
    }
    out += &format!(" {:>10}\n", "p50 ratio");
    let base = &results[0];
    for (i, t) in base.timed.iter().enumerate() {
        out += &format!("{:<30}", t.label);
        for r in results {
            let l = r.timed[i].latency;
            out += &format!(
                " {:>22}",
                format!("{} / {}", num(Some(l.p50)), num(Some(l.max)))
            );
        }
        let ratios: Vec<String> = results[1..]
            .iter()
            .map(|r| ratio(Some(r.timed[i].latency.p50), Some(t.latency.p50)))
            .collect();
        out += &format!(" {:>10}\n", ratios.join(" "));
    }
    out += "results (numbers returned, digest):\n";
    for (i, t) in base.timed.iter().enumerate().skip(2) {
        out += &format!("{:<30}", t.label);
        for r in results {
            let x = &r.timed[i];
            out += &format!(" {:>22}", format!("{} {:016x}", x.numbers, x.digest));
        }
        out += "\n";
    }
    out
}

fn json(r: &SearchResult) -> String {
    let commands: Vec<String> = r
        .timed
        .iter()
        .map(|t| {
            format!(
                "{{\"command\":{},\"p50\":{},\"max\":{},\"numbers\":{},\"digest\":\"{:016x}\"}}",
                json_str(&t.label),
                opt(Some(t.latency.p50)),
                opt(Some(t.latency.max)),
                t.numbers,
                t.digest
            )
        })
        .collect();
    format!(
        "{{\"target\":{},\"messages\":{},\"appended\":{},\"commands_ms\":[{}]}}",
        json_str(&r.name),
        r.messages,
        r.appended,
        commands.join(",")
    )
}
