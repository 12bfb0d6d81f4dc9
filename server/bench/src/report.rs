//! Output: a block per target as it finishes, a comparison table at the
//! end (rates relative to the first target), and with `--json` one JSON
//! line per target, written by hand.

use std::fmt::Write;

use crate::format::{int, json_str, memory_text, mib, num, opt, ratio};
use crate::run::{Delivery, TargetResult};

/// The human-readable block for one target.
pub fn target_block(r: &TargetResult) -> String {
    let mut s = String::new();
    let pop3 = r
        .pop3
        .as_deref()
        .map(|p| format!(", pop3 {p}"))
        .unwrap_or_default();
    let _ = writeln!(s, "== {} (smtp {}{pop3}) ==", r.name, r.smtp);
    if let Some(p) = &r.prefill {
        let held = p
            .mailbox_count
            .map(|n| format!(", mailbox holds {n}"))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "prefill     {} messages to {} at {}{held} (not timed below)",
            p.accepted,
            p.user,
            rate_text(p.accepted_rate)
        );
    }
    let _ = writeln!(
        s,
        "sent        {} messages of {} bytes to {} user{} over {} connection{} ({} sessions, pipelining {})",
        r.messages,
        r.size,
        r.users,
        plural(r.users as u64),
        r.connections,
        plural(u64::from(r.connections)),
        r.sessions,
        if r.pipelined { "on" } else { "off" }
    );
    let _ = writeln!(
        s,
        "accepted    {} in {}: {}",
        r.accepted,
        secs_text(r.accepted_secs),
        rate_text(r.accepted_rate())
    );
    let delivered = match &r.delivery {
        Delivery::NotChecked => {
            "not measured: no pop3= address for this target, accepted rate only".to_owned()
        }
        Delivery::NothingAccepted => "nothing to wait for: no message was accepted".to_owned(),
        Delivery::Complete { secs, extra } => {
            let mut t = format!(
                "{} in {}: {} (all seen in the mailboxes over POP3)",
                r.accepted,
                secs_text(Some(*secs)),
                rate_text(r.delivered_rate())
            );
            if *extra > 0 {
                let _ = write!(t, "; WARNING: {extra} more messages than sent");
            }
            t
        }
        Delivery::Incomplete { seen, last_error } => {
            let mut t = format!(
                "INCOMPLETE: {seen} of {} seen before --deliver-timeout",
                r.accepted
            );
            if let Some(e) = last_error {
                let _ = write!(t, "; last POP3 error: {e}");
            }
            t
        }
    };
    let _ = writeln!(s, "delivered   {delivered}");
    let l = r.latency;
    if r.accepted > 0 {
        let _ = writeln!(
            s,
            "latency     p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms (MAIL FROM sent to final reply)",
            l.p50, l.p90, l.p99, l.max
        );
    } else {
        let _ = writeln!(s, "latency     - (no transaction succeeded)");
    }
    let _ = writeln!(s, "failures    {}", r.failures);
    for sample in &r.failure_samples {
        let _ = writeln!(s, "            {sample}");
    }
    if let Some(m) = r.memory {
        let _ = writeln!(
            s,
            "memory      {}{}",
            memory_text(m),
            match r.memory_before {
                Some(b) => format!(" (VmRSS before: {:.1} MiB)", mib(b.rss_kib)),
                None => String::new(),
            }
        );
    }
    s
}

/// The comparison table, rates relative to the first successful target.
pub fn comparison(results: &[Result<TargetResult, String>]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<12} {:>11} {:>7} {:>12} {:>7} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9} {:>9}",
        "target",
        "accepted/s",
        "ratio",
        "delivered/s",
        "ratio",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "max ms",
        "failures",
        "RSS MiB",
        "Pss MiB"
    );
    let first = results.iter().find_map(|r| r.as_ref().ok());
    for result in results {
        match result {
            Ok(r) => {
                let l = r.latency;
                let ms = |v: f64| {
                    if r.accepted > 0 {
                        format!("{v:.1}")
                    } else {
                        "-".to_owned()
                    }
                };
                let _ = writeln!(
                    s,
                    "{:<12} {:>11} {:>7} {:>12} {:>7} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9} {:>9}",
                    r.name,
                    num(r.accepted_rate()),
                    ratio(
                        r.accepted_rate(),
                        first.and_then(TargetResult::accepted_rate)
                    ),
                    num(r.delivered_rate()),
                    ratio(
                        r.delivered_rate(),
                        first.and_then(TargetResult::delivered_rate)
                    ),
                    ms(l.p50),
                    ms(l.p90),
                    ms(l.p99),
                    ms(l.max),
                    r.failures,
                    num(r.memory.map(|m| mib(m.rss_kib))),
                    num(r.memory.map(|m| mib(m.pss_kib))),
                );
            }
            Err(e) => {
                let _ = writeln!(s, "{e}");
            }
        }
    }
    s
}

/// One JSON object on one line.
pub fn json_line(r: &TargetResult) -> String {
    let (delivered, delivered_secs, seen) = match &r.delivery {
        Delivery::NotChecked => ("\"not_checked\"", None, None),
        Delivery::NothingAccepted => ("\"nothing_accepted\"", None, None),
        Delivery::Complete { secs, .. } => ("\"complete\"", Some(*secs), Some(r.accepted)),
        Delivery::Incomplete { seen, .. } => ("\"incomplete\"", None, Some(*seen)),
    };
    let mut s = String::from("{");
    let _ = write!(
        s,
        "\"target\":{},\"smtp\":{},\"pop3\":{},\"messages\":{},\"size\":{},\"users\":{},\"connections\":{},\
         \"sessions\":{},\"pipelining\":{},\"accepted\":{},\"failures\":{},\"failure_samples\":[{}],\
         \"accepted_secs\":{},\"accepted_per_sec\":{},\"delivery\":{delivered},\"delivered_seen\":{},\
         \"delivered_secs\":{},\"delivered_per_sec\":{},\
         \"latency_ms\":{{\"p50\":{:.3},\"p90\":{:.3},\"p99\":{:.3},\"max\":{:.3}}},\
         \"rss_kib\":{},\"hwm_kib\":{},\"pss_kib\":{},\"rss_before_kib\":{},\"prefill\":{}",
        json_str(&r.name),
        json_str(&r.smtp),
        r.pop3
            .as_deref()
            .map(json_str)
            .unwrap_or_else(|| "null".to_owned()),
        r.messages,
        r.size,
        r.users,
        r.connections,
        r.sessions,
        r.pipelined,
        r.accepted,
        r.failures,
        r.failure_samples
            .iter()
            .map(|f| json_str(f))
            .collect::<Vec<_>>()
            .join(","),
        opt(r.accepted_secs),
        opt(r.accepted_rate()),
        seen.map(|n| n.to_string())
            .unwrap_or_else(|| "null".to_owned()),
        opt(delivered_secs),
        opt(r.delivered_rate()),
        r.latency.p50,
        r.latency.p90,
        r.latency.p99,
        r.latency.max,
        int(r.memory.map(|m| m.rss_kib)),
        int(r.memory.map(|m| m.hwm_kib)),
        int(r.memory.map(|m| m.pss_kib)),
        int(r.memory_before.map(|m| m.rss_kib)),
        int(r.prefill.as_ref().map(|p| p.accepted)),
    );
    s.push('}');
    s
}

/// A JSON line for a target that could not be measured.
pub fn json_error(name: &str, error: &str) -> String {
    format!(
        "{{\"target\":{},\"error\":{}}}",
        json_str(name),
        json_str(error)
    )
}

fn rate_text(rate: Option<f64>) -> String {
    rate.map(|r| format!("{r:.1} msgs/s"))
        .unwrap_or_else(|| "- msgs/s".to_owned())
}

fn secs_text(secs: Option<f64>) -> String {
    secs.map(|s| format!("{s:.2} s"))
        .unwrap_or_else(|| "- s".to_owned())
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::Memory;
    use crate::stats::Latency;

    fn result(name: &str, accepted_secs: f64, delivery: Delivery) -> TargetResult {
        TargetResult {
            name: name.into(),
            smtp: "127.0.0.1:2525".into(),
            pop3: Some("127.0.0.1:2110".into()),
            messages: 100,
            size: 1024,
            users: 10,
            connections: 5,
            accepted: 100,
            failures: 0,
            failure_samples: vec!["550 \"no\"\n".into()],
            accepted_secs: Some(accepted_secs),
            delivery,
            latency: Latency {
                p50: 1.0,
                p90: 2.0,
                p99: 3.0,
                max: 4.0,
            },
            pipelined: true,
            sessions: 5,
            memory_before: None,
            memory: Some(Memory {
                rss_kib: 2048,
                hwm_kib: 4096,
                pss_kib: 1024,
                processes: 1,
            }),
            prefill: None,
        }
    }

    #[test]
    fn json_strings() {
        assert_eq!(json_str("a\"b\\c\n\u{1}é"), "\"a\\\"b\\\\c\\n\\u0001é\"");
    }

    #[test]
    fn json_line_shape() {
        let line = json_line(&result(
            "kantor",
            2.0,
            Delivery::Complete {
                secs: 4.0,
                extra: 0,
            },
        ));
        assert!(line.starts_with("{\"target\":\"kantor\"") && line.ends_with('}'));
        assert!(!line.contains('\n'));
        for field in [
            "\"accepted_per_sec\":50.000",
            "\"delivered_per_sec\":25.000",
            "\"delivery\":\"complete\"",
            "\"p99\":3.000",
            "\"rss_kib\":2048",
            "\"prefill\":null",
            "\"failure_samples\":[\"550 \\\"no\\\"\\n\"]",
        ] {
            assert!(line.contains(field), "{field} in {line}");
        }
        let line = json_line(&result("p", 2.0, Delivery::NotChecked));
        assert!(line.contains("\"delivered_per_sec\":null"), "{line}");
        assert_eq!(
            json_error("x", "boom"),
            "{\"target\":\"x\",\"error\":\"boom\"}"
        );
    }

    #[test]
    fn comparison_ratios() {
        let table = comparison(&[
            Ok(result(
                "kantor",
                2.0,
                Delivery::Complete {
                    secs: 4.0,
                    extra: 0,
                },
            )),
            Ok(result(
                "postfix",
                4.0,
                Delivery::Complete {
                    secs: 16.0,
                    extra: 0,
                },
            )),
            Err("broken: error: refused".into()),
        ]);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 4);
        assert!(lines[1].contains("1.00x"));
        assert!(
            lines[2].contains("0.50x") && lines[2].contains("0.25x"),
            "{}",
            lines[2]
        );
        assert!(lines[3].contains("refused"));
    }

    #[test]
    fn block_mentions_missing_pop3() {
        let mut r = result("p", 1.0, Delivery::NotChecked);
        r.pop3 = None;
        assert!(target_block(&r).contains("accepted rate only"));
        let r = result(
            "p",
            1.0,
            Delivery::Incomplete {
                seen: 5,
                last_error: Some("-ERR x".into()),
            },
        );
        assert!(target_block(&r).contains("INCOMPLETE: 5 of 100"));
    }
}
