//! Output of `imap` and `imap-idle`, in the shape of the `smtp` report: a
//! block per target as it finishes, a comparison table at the end (ratios
//! to the first target), and with `--json` one JSON line per target.

use std::fmt::Write;

use crate::format::{int, json_str, memory_text, mib, num, opt, ratio};
use crate::imap_idle::{IdleResult, Wake};
use crate::imap_run::ImapResult;
use crate::memory::Memory;
use crate::stats::Latency;

/// The human-readable block for one `imap` target.
pub fn imap_block(r: &ImapResult) -> String {
    let mut s = String::new();
    let tls = if r.tls { ", TLS" } else { "" };
    let _ = writeln!(s, "== {} (imap {}{tls}) ==", r.name, r.imap);
    if let Some(p) = &r.prefill {
        let _ = writeln!(
            s,
            "prefill     {} messages sent so that every INBOX holds {} ({:.1} s, not timed below)",
            p.sent, p.per_user, p.secs
        );
    }
    let _ = writeln!(
        s,
        "load        {} clients ({} ready{}), {} mode, pipelining {}, {} rounds ({} started), {} sessions opened{}",
        r.clients,
        r.ready,
        match r.inbox {
            Some((lo, hi)) if lo == hi => format!(", INBOXes of {lo} messages"),
            Some((lo, hi)) => format!(", INBOXes of {lo} to {hi} messages"),
            None => String::new(),
        },
        r.mode.name(),
        if r.pipelining { "on" } else { "off" },
        r.rounds,
        r.rounds_started,
        r.sessions,
        sources_text(r.source_ips)
    );
    let _ = writeln!(
        s,
        "commands    {} answered OK in {:.2} s: {} ({} rounds/s, {:.1} MiB fetched)",
        r.commands,
        r.secs,
        rate_text(r.commands_rate(), "commands/s"),
        num(r.rounds_rate()),
        r.fetched_bytes as f64 / 1_048_576.0
    );
    if r.commands > 0 {
        let _ = writeln!(
            s,
            "latency     {} (command written to its tagged reply)",
            latency_text(r.latency)
        );
        for c in &r.per_command {
            let _ = writeln!(
                s,
                "  {:<14} {:>8}  {}",
                c.cmd.label(),
                c.count,
                latency_text(c.latency)
            );
        }
    } else {
        let _ = writeln!(s, "latency     - (no command succeeded)");
    }
    if let Some(c) = r.connect {
        let _ = writeln!(
            s,
            "connect     {} (TCP connect{} to the greeting; not a command)",
            latency_text(c),
            if r.tls { ", TLS handshake" } else { "" }
        );
    }
    let _ = writeln!(s, "errors      {}", r.errors);
    for sample in &r.error_samples {
        let _ = writeln!(s, "            {sample}");
    }
    write_peak(&mut s, r.memory_peak, r.memory_before);
    s
}

/// `, N source addresses` when more than one was used, else nothing.
pub fn sources_text(n: usize) -> String {
    if n > 1 {
        format!(", {n} source addresses")
    } else {
        String::new()
    }
}

/// The `memory` line of a block: the peak of the samples taken during the run.
pub fn write_peak(s: &mut String, peak: Option<Memory>, before: Option<Memory>) {
    if let Some(m) = peak {
        let _ = writeln!(
            s,
            "memory      peak of the samples: {}{}",
            memory_text(m),
            before_text(before)
        );
    }
}

/// The `imap` comparison table, rates relative to the first measured
/// target.
pub fn imap_comparison(results: &[Result<ImapResult, String>]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<12} {:>11} {:>7} {:>9} {:>8} {:>8} {:>8} {:>8} {:>7} {:>9} {:>9}",
        "target",
        "commands/s",
        "ratio",
        "rounds/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "max ms",
        "errors",
        "RSS MiB",
        "Pss MiB"
    );
    let first = results.iter().find_map(|r| r.as_ref().ok());
    for result in results {
        match result {
            Ok(r) => {
                let l = r.latency;
                let ms = |v: f64| {
                    if r.commands > 0 {
                        format!("{v:.1}")
                    } else {
                        "-".to_owned()
                    }
                };
                let _ = writeln!(
                    s,
                    "{:<12} {:>11} {:>7} {:>9} {:>8} {:>8} {:>8} {:>8} {:>7} {:>9} {:>9}",
                    r.name,
                    num(r.commands_rate()),
                    ratio(r.commands_rate(), first.and_then(ImapResult::commands_rate)),
                    num(r.rounds_rate()),
                    ms(l.p50),
                    ms(l.p90),
                    ms(l.p99),
                    ms(l.max),
                    r.errors,
                    num(r.memory_peak.map(|m| mib(m.rss_kib))),
                    num(r.memory_peak.map(|m| mib(m.pss_kib))),
                );
            }
            Err(e) => {
                let _ = writeln!(s, "{e}");
            }
        }
    }
    s
}

/// One JSON object on one line for an `imap` target.
pub fn imap_json(r: &ImapResult) -> String {
    let mut per = String::new();
    for (i, c) in r.per_command.iter().enumerate() {
        let _ = write!(
            per,
            "{}\"{}\":{{\"count\":{},{}}}",
            if i > 0 { "," } else { "" },
            c.cmd.key(),
            c.count,
            latency_json(c.latency)
        );
    }
    let mut s = String::from("{");
    let _ = write!(
        s,
        "\"target\":{},\"imap\":{},\"tls\":{},\"mode\":\"{}\",\"pipelining\":{},\"clients\":{},\
         \"ready\":{},\"rounds\":{},\"rounds_started\":{},\"sessions\":{},\"commands\":{},\
         \"secs\":{:.3},\"commands_per_sec\":{},\"rounds_per_sec\":{},\"errors\":{},\
         \"error_samples\":[{}],\"latency_ms\":{{{}}},\"per_command_ms\":{{{per}}},\
         \"connect_ms\":{},\"fetched_bytes\":{},\"inbox_min\":{},\"inbox_max\":{},\"source_ips\":{},\"rss_kib\":{},\"hwm_kib\":{},\
         \"pss_kib\":{},\"rss_before_kib\":{},\"pss_before_kib\":{},\"prefill_per_user\":{},\
         \"prefill_sent\":{}",
        json_str(&r.name),
        json_str(&r.imap),
        r.tls,
        r.mode.name(),
        r.pipelining,
        r.clients,
        r.ready,
        r.rounds,
        r.rounds_started,
        r.sessions,
        r.commands,
        r.secs,
        opt(r.commands_rate()),
        opt(r.rounds_rate()),
        r.errors,
        strings(&r.error_samples),
        latency_json(r.latency),
        r.connect
            .map(|c| format!("{{{}}}", latency_json(c)))
            .unwrap_or_else(|| "null".to_owned()),
        r.fetched_bytes,
        int(r.inbox.map(|i| i.0)),
        int(r.inbox.map(|i| i.1)),
        r.source_ips,
        int(r.memory_peak.map(|m| m.rss_kib)),
        int(r.memory_peak.map(|m| m.hwm_kib)),
        int(r.memory_peak.map(|m| m.pss_kib)),
        int(r.memory_before.map(|m| m.rss_kib)),
        int(r.memory_before.map(|m| m.pss_kib)),
        int(r.prefill.as_ref().map(|p| p.per_user)),
        int(r.prefill.as_ref().map(|p| p.sent)),
    );
    s.push('}');
    s
}

/// The human-readable block for one `imap-idle` target.
pub fn idle_block(r: &IdleResult) -> String {
    let mut s = String::new();
    let tls = if r.tls { ", TLS" } else { "" };
    let _ = writeln!(s, "== {} (imap {}{tls}, IDLE) ==", r.name, r.imap);
    let _ = writeln!(
        s,
        "setup       {} of {} sessions in IDLE in {:.2} s over {} user{}, {} failed{}",
        r.established,
        r.sessions,
        r.setup_secs,
        r.users,
        if r.users == 1 { "" } else { "s" },
        r.failed,
        sources_text(r.source_ips)
    );
    if r.established > 0 {
        let _ = writeln!(
            s,
            "            per session {} (connect to the IDLE continuation)",
            latency_text(r.setup_latency)
        );
    }
    let _ = writeln!(
        s,
        "held        {} sessions in IDLE after {} s ({} dropped by the server)",
        r.held, r.hold_secs, r.dropped
    );
    if let Some(m) = r.memory_held {
        let _ = writeln!(
            s,
            "memory      with the sessions held: {}{}",
            memory_text(m),
            before_text(r.memory_before)
        );
    }
    if let Some((rss, pss)) = r.per_session_kib() {
        let _ = writeln!(
            s,
            "per session {rss:.1} KiB VmRSS, {pss:.1} KiB Pss (growth from before, over {} sessions)",
            r.held
        );
    }
    match &r.wake {
        Wake::NotAsked => {}
        Wake::Failed(e) => {
            let _ = writeln!(s, "wake        FAILED to send the message: {e}");
        }
        Wake::NoSession => {
            let _ = writeln!(s, "wake        u1 had no session in IDLE");
        }
        Wake::Done {
            smtp_ms,
            sessions,
            seen,
            first_ms,
            last_ms,
        } => {
            let _ = writeln!(
                s,
                "wake        {seen} of {sessions} IDLE sessions of u1 got EXISTS, first {} ms, last {} ms after MAIL FROM (SMTP transaction {smtp_ms:.1} ms)",
                num(*first_ms),
                num(*last_ms)
            );
        }
    }
    let _ = writeln!(s, "errors      {}", r.failed + r.dropped);
    for sample in &r.error_samples {
        let _ = writeln!(s, "            {sample}");
    }
    s
}

/// The `imap-idle` comparison table; the ratio is of Pss per session to the
/// first measured target's.
pub fn idle_comparison(results: &[Result<IdleResult, String>]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<12} {:>8} {:>8} {:>9} {:>9} {:>12} {:>12} {:>7} {:>8} {:>7} {:>4}",
        "target",
        "held",
        "setup s",
        "RSS MiB",
        "Pss MiB",
        "RSS KiB/sess",
        "Pss KiB/sess",
        "ratio",
        "wake ms",
        "errors",
        "TLS"
    );
    let first = results.iter().find_map(|r| r.as_ref().ok());
    let pss = |r: &IdleResult| r.per_session_kib().map(|(_, p)| p);
    for result in results {
        match result {
            Ok(r) => {
                let wake = match &r.wake {
                    Wake::Done { last_ms, .. } => num(*last_ms),
                    _ => "-".to_owned(),
                };
                let _ = writeln!(
                    s,
                    "{:<12} {:>8} {:>8.1} {:>9} {:>9} {:>12} {:>12} {:>7} {:>8} {:>7} {:>4}",
                    r.name,
                    r.held,
                    r.setup_secs,
                    num(r.memory_held.map(|m| mib(m.rss_kib))),
                    num(r.memory_held.map(|m| mib(m.pss_kib))),
                    num(r.per_session_kib().map(|(rss, _)| rss)),
                    num(pss(r)),
                    ratio(pss(r), first.and_then(pss)),
                    wake,
                    r.failed + r.dropped,
                    if r.tls { "yes" } else { "no" },
                );
            }
            Err(e) => {
                let _ = writeln!(s, "{e}");
            }
        }
    }
    s
}

/// One JSON object on one line for an `imap-idle` target.
pub fn idle_json(r: &IdleResult) -> String {
    let (rss_per, pss_per) = match r.per_session_kib() {
        Some((rss, pss)) => (Some(rss), Some(pss)),
        None => (None, None),
    };
    let wake = match &r.wake {
        Wake::NotAsked => "null".to_owned(),
        Wake::Failed(e) => format!("{{\"error\":{}}}", json_str(e)),
        Wake::NoSession => "{\"error\":\"no session of u1 in IDLE\"}".to_owned(),
        Wake::Done {
            smtp_ms,
            sessions,
            seen,
            first_ms,
            last_ms,
        } => format!(
            "{{\"smtp_ms\":{smtp_ms:.3},\"sessions\":{sessions},\"seen\":{seen},\"first_ms\":{},\"last_ms\":{}}}",
            opt(*first_ms),
            opt(*last_ms)
        ),
    };
    let mut s = String::from("{");
    let _ = write!(
        s,
        "\"target\":{},\"imap\":{},\"tls\":{},\"sessions\":{},\"users\":{},\"established\":{},\
         \"failed\":{},\"held\":{},\"dropped\":{},\"error_samples\":[{}],\"setup_secs\":{:.3},\
         \"setup_ms\":{{{}}},\"hold_secs\":{},\"source_ips\":{},\"rss_kib\":{},\"hwm_kib\":{},\
         \"pss_kib\":{},\"rss_before_kib\":{},\"pss_before_kib\":{},\"rss_per_session_kib\":{},\
         \"pss_per_session_kib\":{},\"wake\":{wake}",
        json_str(&r.name),
        json_str(&r.imap),
        r.tls,
        r.sessions,
        r.users,
        r.established,
        r.failed,
        r.held,
        r.dropped,
        strings(&r.error_samples),
        r.setup_secs,
        latency_json(r.setup_latency),
        r.hold_secs,
        r.source_ips,
        int(r.memory_held.map(|m| m.rss_kib)),
        int(r.memory_held.map(|m| m.hwm_kib)),
        int(r.memory_held.map(|m| m.pss_kib)),
        int(r.memory_before.map(|m| m.rss_kib)),
        int(r.memory_before.map(|m| m.pss_kib)),
        opt(rss_per),
        opt(pss_per),
    );
    s.push('}');
    s
}

pub fn latency_text(l: Latency) -> String {
    format!(
        "p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        l.p50, l.p90, l.p99, l.max
    )
}

pub fn latency_json(l: Latency) -> String {
    format!(
        "\"p50\":{:.3},\"p90\":{:.3},\"p99\":{:.3},\"max\":{:.3}",
        l.p50, l.p90, l.p99, l.max
    )
}

fn before_text(m: Option<Memory>) -> String {
    match m {
        Some(b) => format!(
            " (before: VmRSS {:.1} MiB, Pss {:.1} MiB)",
            mib(b.rss_kib),
            mib(b.pss_kib)
        ),
        None => String::new(),
    }
}

fn rate_text(rate: Option<f64>, unit: &str) -> String {
    format!("{} {unit}", num(rate))
}

pub fn strings(texts: &[String]) -> String {
    texts
        .iter()
        .map(|t| json_str(t))
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Mode;
    use crate::imap_load::Cmd;
    use crate::imap_run::CmdLatency;

    fn latency(base: f64) -> Latency {
        Latency {
            p50: base,
            p90: base * 2.0,
            p99: base * 3.0,
            max: base * 4.0,
        }
    }

    fn imap(name: &str, secs: f64) -> ImapResult {
        ImapResult {
            name: name.into(),
            imap: "127.0.0.1:2143".into(),
            tls: false,
            mode: Mode::Persistent,
            pipelining: true,
            clients: 50,
            ready: 50,
            rounds: 100,
            rounds_started: 101,
            sessions: 0,
            commands: 600,
            errors: 1,
            error_samples: vec!["SEARCH: A7 BAD \"x\"".into()],
            secs,
            latency: latency(1.0),
            per_command: vec![CmdLatency {
                cmd: Cmd::Select,
                count: 100,
                latency: latency(2.0),
            }],
            connect: None,
            fetched_bytes: 1 << 20,
            inbox: Some((100, 120)),
            source_ips: 1,
            memory_before: None,
            memory_peak: Some(Memory {
                rss_kib: 2048,
                hwm_kib: 4096,
                pss_kib: 1024,
                processes: 3,
            }),
            prefill: None,
        }
    }

    fn idle(name: &str, pss_after: u64, wake: Wake) -> IdleResult {
        IdleResult {
            name: name.into(),
            imap: "127.0.0.1:10143".into(),
            tls: true,
            sessions: 1000,
            users: 200,
            established: 1000,
            failed: 0,
            held: 1000,
            dropped: 0,
            error_samples: vec![],
            setup_secs: 2.5,
            setup_latency: latency(3.0),
            hold_secs: 10,
            source_ips: 1,
            memory_before: Some(Memory {
                rss_kib: 10_000,
                hwm_kib: 10_000,
                pss_kib: 8_000,
                processes: 1,
            }),
            memory_held: Some(Memory {
                rss_kib: 20_000,
                hwm_kib: 20_000,
                pss_kib: pss_after,
                processes: 1,
            }),
            wake,
        }
    }

    #[test]
    fn imap_table_and_json() {
        let table = imap_comparison(&[
            Ok(imap("kantor", 1.0)),
            Ok(imap("dovecot", 4.0)),
            Err("broken: could not be measured: refused".into()),
        ]);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 4, "{table}");
        assert!(
            lines[1].contains("600.0") && lines[1].contains("1.00x"),
            "{table}"
        );
        assert!(
            lines[2].contains("150.0") && lines[2].contains("0.25x"),
            "{table}"
        );
        assert!(lines[3].contains("refused"));

        let line = imap_json(&imap("kantor", 2.0));
        assert!(line.starts_with("{\"target\":\"kantor\"") && line.ends_with('}'));
        assert!(!line.contains('\n'));
        for field in [
            "\"mode\":\"persistent\"",
            "\"commands_per_sec\":300.000",
            "\"per_command_ms\":{\"select\":{\"count\":100,\"p50\":2.000",
            "\"latency_ms\":{\"p50\":1.000",
            "\"connect_ms\":null",
            "\"inbox_min\":100,\"inbox_max\":120",
            "\"error_samples\":[\"SEARCH: A7 BAD \\\"x\\\"\"]",
            "\"pss_kib\":1024",
            "\"prefill_per_user\":null",
        ] {
            assert!(line.contains(field), "{field} in {line}");
        }
        let block = imap_block(&imap("kantor", 2.0));
        assert!(block.contains("300.0 commands/s"), "{block}");
        assert!(block.contains("SELECT"), "{block}");
        assert!(block.contains("INBOXes of 100 to 120 messages"), "{block}");
    }

    #[test]
    fn idle_table_and_json() {
        let wake = Wake::Done {
            smtp_ms: 5.0,
            sessions: 5,
            seen: 5,
            first_ms: Some(20.0),
            last_ms: Some(40.0),
        };
        let a = idle("kantor", 9_000, wake.clone());
        assert_eq!(a.per_session_kib(), Some((10.0, 1.0)));
        let b = idle("dovecot", 608_000, Wake::NotAsked);
        let table = idle_comparison(&[Ok(a.clone()), Ok(b)]);
        let lines: Vec<&str> = table.lines().collect();
        assert!(
            lines[1].contains("1.00x") && lines[1].contains("40.0"),
            "{table}"
        );
        assert!(
            lines[2].contains("600.0") && lines[2].contains("600.00x"),
            "{table}"
        );
        let line = idle_json(&a);
        for field in [
            "\"pss_per_session_kib\":1.000",
            "\"wake\":{\"smtp_ms\":5.000,\"sessions\":5,\"seen\":5,\"first_ms\":20.000",
            "\"held\":1000",
            "\"tls\":true",
        ] {
            assert!(line.contains(field), "{field} in {line}");
        }
        assert!(idle_block(&a).contains("5 of 5 IDLE sessions of u1 got EXISTS"));
        let failed = idle("x", 9_000, Wake::Failed("550 no".into()));
        assert!(idle_json(&failed).contains("\"wake\":{\"error\":\"550 no\"}"));
    }
}
