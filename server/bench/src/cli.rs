//! Command line: `kantor-bench smtp [OPTIONS] --target NAME=HOST:PORT[,pop3=HOST:PORT] ...`,
//! `kantor-bench imap [OPTIONS] --target NAME=HOST:PORT[,tls][,smtp=HOST:PORT] ...` and
//! `kantor-bench imap-idle [OPTIONS] --target ...`.

use std::time::Duration;

use anyhow::{Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};

/// Kantor's load tool: measures Kantor and its peers side by side, on loopback.
#[derive(Debug, Parser)]
#[command(name = "kantor-bench", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Send mail over SMTP to each target in turn, and wait for it to reach
    /// the mailboxes (seen over POP3); then compare the targets.
    Smtp(SmtpArgs),
    /// Run IMAP clients (login, select, fetch headers and a body, flag,
    /// search, logout) against each target in turn; then compare them.
    Imap(ImapArgs),
    /// Hold many IMAP sessions in IDLE on each target in turn, and report
    /// the server's memory per session (and, optionally, how fast IDLE
    /// wakes on a delivery).
    ImapIdle(ImapIdleArgs),
    /// Run many sessions of one user on one INBOX at once (fetch, flag,
    /// expunge, while a feeder appends), check every reply, and compare
    /// commands/s and errors by kind.
    ImapShared(ImapSharedArgs),
    /// Time header SEARCH, SORT, THREAD, SELECT and FETCH of envelopes on
    /// a big INBOX (filled with MULTIAPPEND), on each target in turn.
    ImapSearch(crate::imap_search::ImapSearchArgs),
    /// Full-text search: index generated messages and the SpamAssassin corpus on each target,
    /// then time word, phrase, from+word and attachment queries over IMAP SEARCH and JMAP.
    Fts(crate::fts::FtsArgs),
    /// Many JMAP clients of one user listing its INBOX (Email/query + Email/get) on each
    /// target in turn; requests/s and latency side by side.
    Jmap(crate::jmap::JmapArgs),
    /// Hold many idle JMAP push connections (EventSource, WebSocket) on one server and
    /// report its memory per connection.
    PushIdle(crate::push_idle::PushIdleArgs),
    /// Submit mail for remote recipients to each target in turn and time it from submission
    /// to the remote peer's acceptance (the tool's own SMTP sink plays that peer).
    Relay(crate::relay::RelayArgs),
}

/// Options of `smtp`.
#[derive(Debug, Clone, Args)]
pub struct SmtpArgs {
    /// A server to measure, as NAME=HOST:PORT (SMTP) with an optional
    /// ,pop3=HOST:PORT to see delivery. Repeat to compare: targets are
    /// measured one after another, the first is the reference.
    #[arg(long = "target", value_name = "NAME=HOST:PORT[,pop3=HOST:PORT]", required = true, value_parser = parse_target)]
    pub targets: Vec<Target>,

    /// Concurrent SMTP connections.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub connections: u32,

    /// Messages to send in all (per target).
    #[arg(long, default_value_t = 5000, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub messages: u64,

    /// Size of each message in bytes, headers included.
    #[arg(long, default_value_t = 10_240, value_parser = clap::value_parser!(u64).range(1..=67_108_864))]
    pub size: u64,

    /// Recipients u1@DOMAIN..uK@DOMAIN, used round-robin.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub users: u32,

    /// Domain of the recipients.
    #[arg(long, default_value = "bench.test")]
    pub domain: String,

    /// Envelope sender and From address.
    #[arg(long, default_value = "sender@remote.test")]
    pub from: String,

    /// POP3 password of every recipient.
    #[arg(long, default_value = "pass")]
    pub password: String,

    /// Messages per SMTP session before reconnecting [default: all of a
    /// connection's share over one session].
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub messages_per_connection: Option<u64>,

    /// Name sent with EHLO.
    #[arg(long, default_value = "bench-client.bench.test")]
    pub ehlo: String,

    /// Seconds to wait, after the last message was accepted, for all of
    /// them to reach the mailboxes.
    #[arg(long, default_value_t = 120)]
    pub deliver_timeout: u64,

    /// Seconds any single connect, read or write may take.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub io_timeout: u64,

    /// Concurrent POP3 sessions while checking the mailboxes.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub pop3_sessions: u32,

    /// Send commands one at a time even when the server offers PIPELINING.
    #[arg(long)]
    pub no_pipelining: bool,

    /// Processes whose memory (VmRSS, VmHWM, Pss from /proc) is reported,
    /// summed with all their descendants, as [NAME=]PID[,PID...]; without
    /// NAME, for the first target. Repeatable.
    #[arg(long = "pid", value_name = "[NAME=]PID[,PID...]", value_parser = parse_pids)]
    pub pids: Vec<PidSpec>,

    /// Before measuring a target, deliver this many messages to
    /// --prefill-user (not timed), so the run measures a full mailbox.
    #[arg(long, default_value_t = 0)]
    pub prefill: u64,

    /// The mailbox to prefill: a local part (u1) or an address.
    #[arg(long, default_value = "u1")]
    pub prefill_user: String,

    /// Seconds to wait for the prefill to reach the mailbox.
    #[arg(long, default_value_t = 3600)]
    pub prefill_timeout: u64,

    /// Also print each target's results as one JSON line.
    #[arg(long)]
    pub json: bool,
}

/// `--mode` of `imap`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    /// A new connection and LOGIN for every round, ended by LOGOUT.
    Relogin,
    /// One session per client, logged in once, doing round after round.
    Persistent,
}

impl Mode {
    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Relogin => "relogin",
            Mode::Persistent => "persistent",
        }
    }
}

/// Options shared by `imap` and `imap-idle`.
#[derive(Debug, Clone, Args)]
pub struct ImapCommon {
    /// A server to measure, as NAME=HOST:PORT (IMAP, on loopback), with
    /// ,tls for implicit TLS (certificate not verified) and ,smtp=HOST:PORT
    /// where mail for it is delivered (for the prefill and the wake check).
    /// Repeat to compare: targets are measured one after another, the
    /// first is the reference.
    #[arg(long = "target", value_name = "NAME=HOST:PORT[,tls][,smtp=HOST:PORT]", required = true, value_parser = parse_imap_target)]
    pub targets: Vec<ImapTarget>,

    /// Domain of the users u1@DOMAIN, u2@DOMAIN, ...
    #[arg(long, default_value = "bench.test")]
    pub domain: String,

    /// IMAP password of every user.
    #[arg(long, default_value = "pass")]
    pub password: String,

    /// Envelope sender and From address of the mail sent over SMTP.
    #[arg(long, default_value = "sender@remote.test")]
    pub from: String,

    /// Name sent with EHLO.
    #[arg(long, default_value = "bench-client.bench.test")]
    pub ehlo: String,

    /// Seconds any single connect, TLS handshake, read or write may take.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub io_timeout: u64,

    /// Spread connections round-robin over the source addresses
    /// 127.0.0.1..127.0.0.N (more are added, up to 64, when one runs out
    /// of ephemeral ports).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub source_ips: u32,

    /// Processes whose memory (VmRSS, VmHWM, Pss from /proc) is reported,
    /// summed with all their descendants, as [NAME=]PID[,PID...]; without
    /// NAME, for the first target. Repeatable.
    #[arg(long = "pid", value_name = "[NAME=]PID[,PID...]", value_parser = parse_pids)]
    pub pids: Vec<PidSpec>,

    /// Also print each target's results as one JSON line.
    #[arg(long)]
    pub json: bool,
}

impl ImapCommon {
    /// Checks what clap cannot: names unique, pids naming known targets.
    pub fn validate(&self) -> Result<()> {
        let names: Vec<&str> = self.targets.iter().map(|t| t.name.as_str()).collect();
        check_names(&names, &self.pids)
    }

    /// The pids whose memory is reported for `target_index`.
    pub fn pids_of(&self, target_index: usize) -> Vec<u32> {
        pids_for(&self.pids, &self.targets[target_index].name, target_index)
    }

    /// `uK@DOMAIN` for K = 1..=n.
    pub fn users(&self, n: u32) -> Vec<String> {
        (1..=n).map(|k| format!("u{k}@{}", self.domain)).collect()
    }

    /// The I/O bound.
    pub fn io_timeout(&self) -> Duration {
        Duration::from_secs(self.io_timeout)
    }
}

/// Options of `imap`.
#[derive(Debug, Clone, Args)]
pub struct ImapArgs {
    #[command(flatten)]
    pub common: ImapCommon,

    /// Concurrent clients, client K logged in as uK@DOMAIN.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub clients: u32,

    /// relogin: a new connection and LOGIN for every round; persistent: one
    /// session per client for all its rounds.
    #[arg(long, value_enum, default_value_t = Mode::Relogin)]
    pub mode: Mode,

    /// Send each round's commands in one write, without waiting for each
    /// tagged reply.
    #[arg(long)]
    pub pipelining: bool,

    /// Seconds to run rounds for, per target [default: 30 unless --rounds].
    #[arg(long, conflicts_with = "rounds", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub duration: Option<u64>,

    /// Rounds per client, instead of --duration.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub rounds: Option<u64>,

    /// Headers fetched per round: of the newest N messages of the INBOX.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub headers: u32,

    /// Search key of the round's UID SEARCH.
    #[arg(long, default_value = "UNSEEN")]
    pub search: String,

    /// Before measuring a target, bring the INBOX of every client's user to
    /// at least K messages, delivered over SMTP to the target's smtp=
    /// address (not timed).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=1_000_000))]
    pub prefill_per_user: u64,

    /// Size of each prefilled message in bytes, headers included.
    #[arg(long, default_value_t = 10_240, value_parser = clap::value_parser!(u64).range(1..=67_108_864))]
    pub prefill_size: u64,

    /// Concurrent SMTP connections of the prefill.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub prefill_connections: u32,

    /// Seconds to wait for the prefill to reach the mailboxes.
    #[arg(long, default_value_t = 600)]
    pub prefill_timeout: u64,
}

/// When a run stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// No new round starts after this long.
    After(Duration),
    /// Each client does this many rounds.
    Rounds(u64),
}

impl ImapArgs {
    /// Checks what clap cannot.
    pub fn validate(&self) -> Result<()> {
        self.common.validate()?;
        if self.prefill_per_user > 0
            && let Some(t) = self.common.targets.iter().find(|t| t.smtp.is_none())
        {
            bail!(
                "--prefill-per-user needs an smtp=HOST:PORT on every target, and {} has none",
                t.name
            );
        }
        if self.search.contains(['\r', '\n']) {
            bail!("--search must be one line");
        }
        Ok(())
    }

    /// `--duration` or `--rounds`.
    pub fn stop(&self) -> Stop {
        match (self.rounds, self.duration) {
            (Some(rounds), _) => Stop::Rounds(rounds),
            (None, secs) => Stop::After(Duration::from_secs(secs.unwrap_or(30))),
        }
    }
}

/// Options of `imap-idle`.
#[derive(Debug, Clone, Args)]
pub struct ImapIdleArgs {
    #[command(flatten)]
    pub common: ImapCommon,

    /// IDLE sessions to hold at once.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub sessions: u32,

    /// Users u1..uK@DOMAIN, session I logged in as u((I mod K)+1).
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub users: u32,

    /// Seconds to hold all the sessions in IDLE before memory is sampled.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(0..=86_400))]
    pub hold: u64,

    /// Sessions being set up (connect, LOGIN, SELECT, IDLE) at once.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub connect_concurrency: u32,

    /// Seconds allowed for setting up all the sessions.
    #[arg(long, default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..))]
    pub setup_timeout: u64,

    /// After the hold, deliver one message over SMTP (the target's smtp=)
    /// to u1@DOMAIN and time its IDLE sessions' EXISTS.
    #[arg(long)]
    pub wake_check: bool,

    /// Seconds to wait for the wake check's EXISTS.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub wake_timeout: u64,
}

impl ImapIdleArgs {
    /// Checks what clap cannot.
    pub fn validate(&self) -> Result<()> {
        self.common.validate()?;
        if self.wake_check
            && let Some(t) = self.common.targets.iter().find(|t| t.smtp.is_none())
        {
            bail!(
                "--wake-check needs an smtp=HOST:PORT on every target, and {} has none",
                t.name
            );
        }
        Ok(())
    }
}

/// Options of `imap-shared`.
#[derive(Debug, Clone, Args)]
pub struct ImapSharedArgs {
    #[command(flatten)]
    pub common: ImapCommon,

    /// Concurrent sessions, every one logged in as --user on its INBOX.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub clients: u32,

    /// The user whose INBOX is shared: a local part (u1) or an address.
    #[arg(long, default_value = "u1")]
    pub user: String,

    /// Seconds to run, per target.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub duration: u64,

    /// Fill the INBOX to this many messages by APPEND before the clock
    /// starts (not timed), and keep it there during the run.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub messages: u64,

    /// Every K-th round of a session flags one message \Deleted and UID
    /// EXPUNGEs it (0: never).
    #[arg(long, default_value_t = 5)]
    pub expunge_every: u64,

    /// Sessions appending to the INBOX during the run, each topping up its
    /// share of the shortfall.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub feeders: u32,

    /// Size of each appended message in bytes, headers included.
    #[arg(long, default_value_t = 4096, value_parser = clap::value_parser!(u64).range(1..=67_108_864))]
    pub size: u64,

    /// Seconds allowed for filling the INBOX before the run.
    #[arg(long, default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..))]
    pub fill_timeout: u64,
}

impl ImapSharedArgs {
    /// `--user` as an address.
    pub fn address(&self) -> String {
        address(&self.user, &self.common.domain)
    }
}

/// One IMAP server to measure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImapTarget {
    /// Its name in the report.
    pub name: String,
    /// IMAP HOST:PORT.
    pub imap: String,
    /// Implicit TLS.
    pub tls: bool,
    /// SMTP HOST:PORT delivering into it.
    pub smtp: Option<String>,
}

/// One server to measure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Its name in the report.
    pub name: String,
    /// SMTP HOST:PORT.
    pub smtp: String,
    /// POP3 HOST:PORT, to see delivery.
    pub pop3: Option<String>,
}

/// `--pid [NAME=]PID[,PID...]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PidSpec {
    /// The target's name; `None` for the first target.
    pub target: Option<String>,
    /// The processes.
    pub pids: Vec<u32>,
}

impl SmtpArgs {
    /// Checks what clap cannot: names unique, pids naming known targets.
    pub fn validate(&self) -> Result<()> {
        let names: Vec<&str> = self.targets.iter().map(|t| t.name.as_str()).collect();
        check_names(&names, &self.pids)
    }

    /// The pids whose memory is reported for `target_index`.
    pub fn pids_of(&self, target_index: usize) -> Vec<u32> {
        pids_for(&self.pids, &self.targets[target_index].name, target_index)
    }

    /// Whether the measured run sends to the prefilled mailbox, i.e. it is
    /// one of u1..uK@DOMAIN.
    pub fn run_reaches_prefill_user(&self) -> bool {
        let users = u64::from(self.users).min(self.messages);
        (1..=users.min(1_000_000))
            .any(|k| format!("u{k}@{}", self.domain) == self.prefill_address())
    }

    /// `--prefill-user` as an address.
    pub fn prefill_address(&self) -> String {
        address(&self.prefill_user, &self.domain)
    }
}

/// `user` as an address: a local part gets `@domain`.
fn address(user: &str, domain: &str) -> String {
    if user.contains('@') {
        user.to_owned()
    } else {
        format!("{user}@{domain}")
    }
}

/// Target names unique, and every `--pid NAME=` naming a target.
fn check_names(names: &[&str], pids: &[PidSpec]) -> Result<()> {
    for (i, name) in names.iter().enumerate() {
        if names[..i].contains(name) {
            bail!("target name {name:?} is used twice");
        }
    }
    for spec in pids {
        if let Some(name) = &spec.target
            && !names.contains(&name.as_str())
        {
            bail!("--pid names {name:?}, which is not a target");
        }
    }
    Ok(())
}

/// The pids of `--pid` for the target `name`, number `index`.
fn pids_for(pids: &[PidSpec], name: &str, index: usize) -> Vec<u32> {
    pids.iter()
        .filter(|s| match &s.target {
            Some(t) => t == name,
            None => index == 0,
        })
        .flat_map(|s| s.pids.iter().copied())
        .collect()
}

fn parse_target(spec: &str) -> Result<Target> {
    let Some((name, rest)) = spec.split_once('=') else {
        bail!("expected NAME=HOST:PORT[,pop3=HOST:PORT]");
    };
    check_name(name)?;
    let mut parts = rest.split(',');
    let smtp = host_port(parts.next().unwrap_or_default())?;
    let mut pop3 = None;
    for part in parts {
        match part.split_once('=') {
            Some(("pop3", addr)) if pop3.is_none() => pop3 = Some(host_port(addr)?),
            _ => bail!("unexpected {part:?}: only pop3=HOST:PORT may follow the SMTP address"),
        }
    }
    Ok(Target {
        name: name.to_owned(),
        smtp,
        pop3,
    })
}

fn check_name(name: &str) -> Result<()> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        bail!("target name {name:?} must be letters, digits, '-', '_' or '.'");
    }
    Ok(())
}

fn parse_imap_target(spec: &str) -> Result<ImapTarget> {
    let Some((name, rest)) = spec.split_once('=') else {
        bail!("expected NAME=HOST:PORT[,tls][,smtp=HOST:PORT]");
    };
    check_name(name)?;
    let mut parts = rest.split(',');
    let imap = host_port(parts.next().unwrap_or_default())?;
    let mut tls = false;
    let mut smtp = None;
    for part in parts {
        match part.split_once('=') {
            None if part == "tls" && !tls => tls = true,
            Some(("smtp", addr)) if smtp.is_none() => smtp = Some(host_port(addr)?),
            _ => bail!(
                "unexpected {part:?}: only tls and smtp=HOST:PORT may follow the IMAP address"
            ),
        }
    }
    Ok(ImapTarget {
        name: name.to_owned(),
        imap,
        tls,
        smtp,
    })
}

fn host_port(addr: &str) -> Result<String> {
    match addr.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0) => {
            Ok(addr.to_owned())
        }
        _ => bail!("{addr:?} is not HOST:PORT"),
    }
}

fn parse_pids(spec: &str) -> Result<PidSpec> {
    let (target, list) = match spec.split_once('=') {
        Some((name, list)) => (Some(name.to_owned()), list),
        None => (None, spec),
    };
    let pids = list
        .split(',')
        .map(|p| p.trim().parse::<u32>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| anyhow::anyhow!("{list:?} is not a comma-separated list of pids"))?;
    Ok(PidSpec { target, pids })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        let t = parse_target("kantor=127.0.0.1:2525,pop3=127.0.0.1:2110").unwrap();
        assert_eq!(
            t,
            Target {
                name: "kantor".into(),
                smtp: "127.0.0.1:2525".into(),
                pop3: Some("127.0.0.1:2110".into()),
            }
        );
        assert_eq!(parse_target("p=localhost:25").unwrap().pop3, None);
        assert_eq!(parse_target("v6=[::1]:25").unwrap().smtp, "[::1]:25");
        for bad in [
            "kantor",
            "=1.2.3.4:25",
            "k=1.2.3.4",
            "k=1.2.3.4:0",
            "k=1.2.3.4:99999",
            "k=:25",
            "k=1.2.3.4:25,imap=1.2.3.4:143",
            "k=1.2.3.4:25,pop3=1.2.3.4",
            "k=1.2.3.4:25,pop3=a:1,pop3=a:2",
            "k k=1.2.3.4:25",
        ] {
            assert!(parse_target(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn pids() {
        assert_eq!(
            parse_pids("12").unwrap(),
            PidSpec {
                target: None,
                pids: vec![12]
            }
        );
        assert_eq!(
            parse_pids("postfix=1,2, 3").unwrap(),
            PidSpec {
                target: Some("postfix".into()),
                pids: vec![1, 2, 3]
            }
        );
        assert!(parse_pids("x").is_err());
        assert!(parse_pids("a=").is_err());
    }

    #[test]
    fn cli_defaults_and_validation() {
        let cli = Cli::try_parse_from([
            "kantor-bench",
            "smtp",
            "--target",
            "a=127.0.0.1:1",
            "--target",
            "b=127.0.0.1:2",
            "--pid",
            "7",
            "--pid",
            "b=8,9",
        ])
        .unwrap();
        let Command::Smtp(args) = cli.command else {
            panic!("not smtp")
        };
        assert_eq!(
            (args.connections, args.messages, args.size, args.users),
            (50, 5000, 10_240, 50)
        );
        assert_eq!(args.messages_per_connection, None);
        assert_eq!(args.pids_of(0), vec![7]);
        assert_eq!(args.pids_of(1), vec![8, 9]);
        assert_eq!(args.prefill_address(), "u1@bench.test");
        assert!(args.run_reaches_prefill_user());
        args.validate().unwrap();

        let cli = Cli::try_parse_from([
            "kantor-bench",
            "smtp",
            "--target",
            "a=127.0.0.1:1",
            "--target",
            "a=127.0.0.1:2",
        ])
        .unwrap();
        let Command::Smtp(args) = cli.command else {
            panic!("not smtp")
        };
        assert!(args.validate().is_err());
        assert!(Cli::try_parse_from(["kantor-bench", "smtp"]).is_err());
        assert!(
            Cli::try_parse_from([
                "kantor-bench",
                "smtp",
                "--target",
                "a=h:1",
                "--connections",
                "0"
            ])
            .is_err()
        );
    }

    #[test]
    fn imap_targets() {
        let t = parse_imap_target("kantor=127.0.0.1:2993,tls,smtp=127.0.0.1:2525").unwrap();
        assert_eq!(
            t,
            ImapTarget {
                name: "kantor".into(),
                imap: "127.0.0.1:2993".into(),
                tls: true,
                smtp: Some("127.0.0.1:2525".into()),
            }
        );
        let t = parse_imap_target("dovecot=127.0.0.1:10143").unwrap();
        assert!(!t.tls && t.smtp.is_none());
        for bad in [
            "dovecot",
            "d=127.0.0.1",
            "d=127.0.0.1:143,tls,tls",
            "d=127.0.0.1:143,pop3=127.0.0.1:110",
            "d=127.0.0.1:143,smtp=127.0.0.1",
            "d=127.0.0.1:143,ssl",
        ] {
            assert!(parse_imap_target(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn imap_defaults_and_validation() {
        let parse = |args: &[&str]| {
            Cli::try_parse_from(std::iter::once("kantor-bench").chain(args.iter().copied()))
        };
        let cli = parse(&["imap", "--target", "a=127.0.0.1:1"]).unwrap();
        let Command::Imap(args) = cli.command else {
            panic!("not imap")
        };
        assert_eq!(
            (args.clients, args.mode, args.pipelining, args.headers),
            (50, Mode::Relogin, false, 50)
        );
        assert_eq!(args.stop(), Stop::After(Duration::from_secs(30)));
        assert_eq!(args.common.users(2), ["u1@bench.test", "u2@bench.test"]);
        args.validate().unwrap();

        let cli = parse(&[
            "imap",
            "--target",
            "a=127.0.0.1:1",
            "--rounds",
            "7",
            "--mode",
            "persistent",
            "--prefill-per-user",
            "10",
        ])
        .unwrap();
        let Command::Imap(args) = cli.command else {
            panic!("not imap")
        };
        assert_eq!(args.stop(), Stop::Rounds(7));
        assert!(args.validate().is_err(), "prefill without smtp=");
        assert!(
            parse(&[
                "imap",
                "--target",
                "a=127.0.0.1:1",
                "--rounds",
                "1",
                "--duration",
                "1"
            ])
            .is_err()
        );

        let cli = parse(&[
            "imap-idle",
            "--target",
            "a=127.0.0.1:1,tls",
            "--target",
            "b=127.0.0.1:2",
            "--wake-check",
            "--pid",
            "b=5",
        ])
        .unwrap();
        let Command::ImapIdle(args) = cli.command else {
            panic!("not imap-idle")
        };
        assert_eq!((args.sessions, args.users, args.hold), (1000, 200, 30));
        assert_eq!(args.common.pids_of(0), Vec::<u32>::new());
        assert_eq!(args.common.pids_of(1), vec![5]);
        assert!(args.validate().is_err(), "wake check without smtp=");

        let cli = parse(&["imap-shared", "--target", "k=127.0.0.1:1,smtp=127.0.0.1:2"]).unwrap();
        let Command::ImapShared(args) = cli.command else {
            panic!("not imap-shared")
        };
        assert_eq!(
            (
                args.clients,
                args.duration,
                args.messages,
                args.expunge_every
            ),
            (50, 30, 1000, 5)
        );
        assert_eq!(args.address(), "u1@bench.test");
        args.common.validate().unwrap();
    }
}
