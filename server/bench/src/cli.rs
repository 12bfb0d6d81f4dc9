//! Command line: `kantor-bench smtp [OPTIONS] --target NAME=HOST:PORT[,pop3=HOST:PORT] ...`.

use anyhow::{Result, bail};
use clap::{Args, Parser, Subcommand};

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
    #[arg(long, default_value = "sender@bench.test")]
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
        for (i, t) in self.targets.iter().enumerate() {
            if self.targets[..i].iter().any(|o| o.name == t.name) {
                bail!("target name {:?} is used twice", t.name);
            }
        }
        for spec in &self.pids {
            if let Some(name) = &spec.target
                && !self.targets.iter().any(|t| &t.name == name)
            {
                bail!("--pid names {name:?}, which is not a target");
            }
        }
        Ok(())
    }

    /// The pids whose memory is reported for `target_index`.
    pub fn pids_of(&self, target_index: usize) -> Vec<u32> {
        let name = &self.targets[target_index].name;
        self.pids
            .iter()
            .filter(|s| match &s.target {
                Some(t) => t == name,
                None => target_index == 0,
            })
            .flat_map(|s| s.pids.iter().copied())
            .collect()
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
        if self.prefill_user.contains('@') {
            self.prefill_user.clone()
        } else {
            format!("{}@{}", self.prefill_user, self.domain)
        }
    }
}

fn parse_target(spec: &str) -> Result<Target> {
    let Some((name, rest)) = spec.split_once('=') else {
        bail!("expected NAME=HOST:PORT[,pop3=HOST:PORT]");
    };
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        bail!("target name {name:?} must be letters, digits, '-', '_' or '.'");
    }
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
        let Command::Smtp(args) = cli.command;
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
        let Command::Smtp(args) = cli.command;
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
}
