//! `fts`'s figures per target, the check that every target found as many messages, and the
//! comparison table and JSON lines.

use crate::format::{int, json_str, num, opt, ratio};
use crate::fts::FtsArgs;
use crate::fts_data::Kind;
use crate::stats::Latency;

/// One query kind over one protocol, on one target.
#[derive(Debug, Clone)]
pub struct Query {
    pub kind: Kind,
    /// Messages found (IMAP's, which JMAP's were checked against).
    pub hits: u64,
    pub latency: Latency,
}

/// Everything measured on one target.
#[derive(Debug, Clone)]
pub struct TargetResult {
    pub name: String,
    /// In the INBOX.
    pub messages: u64,
    /// By this run's prefill.
    pub appended: u64,
    /// From the start of the prefill to all of it indexed (`None` when nothing was appended).
    pub index_secs: Option<f64>,
    pub index_bytes: Option<u64>,
    pub imap: Vec<Query>,
    pub jmap: Option<Vec<Query>>,
    /// Answers that disagree: with another repetition, the generator, IMAP, another target.
    pub problems: Vec<String>,
}

impl TargetResult {
    /// Messages indexed per second.
    pub fn rate(&self) -> Option<f64> {
        self.index_secs
            .filter(|&s| s > 0.0)
            .map(|s| self.appended as f64 / s)
    }
}

/// Notes, on each later target, every query kind whose IMAP count differs from the first's.
pub fn compare_targets(results: &mut [TargetResult]) {
    let Some((first, rest)) = results.split_first_mut() else {
        return;
    };
    for r in rest {
        for q in &r.imap {
            if let Some(f) = first.imap.iter().find(|f| f.kind == q.kind)
                && f.hits != q.hits
            {
                r.problems.push(format!(
                    "{} found {} messages for the {} query, {} found {}",
                    r.name,
                    q.hits,
                    q.kind.name(),
                    first.name,
                    f.hits
                ));
            }
        }
    }
}

/// Targets as columns: indexing rate, index size, p50/p99 per query kind and protocol, and
/// each later target's ratio to the first.
pub fn table(args: &FtsArgs, generated: u64, corpus: usize, results: &[TargetResult]) -> String {
    let mut users: Vec<&str> = args
        .targets
        .iter()
        .map(|t| t.login.user.as_deref().unwrap_or(&args.user))
        .collect();
    users.dedup();
    let mut out = format!(
        "fts: INBOX of {}, {generated} generated + {corpus} corpus messages, {} repetitions per query, ms\n",
        users.join(", "),
        args.repeat
    );
    let row = |label: &str, cells: Vec<String>, ratios: Vec<String>| {
        let mut line = format!("{label:<26}");
        for c in cells {
            line += &format!(" {c:>18}");
        }
        line += &format!(" {:>10}\n", ratios.join(" "));
        line
    };
    let ratios = |f: &dyn Fn(&TargetResult) -> Option<f64>| -> Vec<String> {
        results[1..]
            .iter()
            .map(|r| ratio(f(r), f(&results[0])))
            .collect()
    };
    out += &row(
        "",
        results.iter().map(|r| r.name.clone()).collect(),
        vec!["ratio".into()],
    );
    out += &row(
        "messages in the INBOX",
        results.iter().map(|r| r.messages.to_string()).collect(),
        vec![],
    );
    out += &row(
        "indexed msgs/s",
        results.iter().map(|r| num(r.rate())).collect(),
        ratios(&|r| r.rate()),
    );
    let mib = |r: &TargetResult| r.index_bytes.map(|b| b as f64 / 1_048_576.0);
    out += &row(
        "index size MiB",
        results.iter().map(|r| num(mib(r))).collect(),
        ratios(&mib),
    );
    let protocols: [(&str, QueriesOf); 2] = [("IMAP", imap_of), ("JMAP", jmap_of)];
    for (protocol, queries) in protocols {
        if results.iter().all(|r| queries(r).is_none()) {
            continue;
        }
        for kind in Kind::ALL {
            let of = |r: &TargetResult| {
                queries(r).and_then(|qs| qs.iter().find(|q| q.kind == kind).cloned())
            };
            if results.iter().all(|r| of(r).is_none()) {
                continue;
            }
            let cells = results
                .iter()
                .map(|r| match of(r) {
                    Some(q) => format!("{:.2} / {:.2}", q.latency.p50, q.latency.p99),
                    None => "-".into(),
                })
                .collect();
            out += &row(
                &format!("{protocol} {} p50/p99", kind.name()),
                cells,
                ratios(&|r| of(r).map(|q| q.latency.p50)),
            );
        }
    }
    out += "hits (IMAP, the same over JMAP):";
    for q in &results[0].imap {
        out += &format!(" {} {}", q.kind.name(), q.hits);
        out += if q.kind == Kind::Corpus { "" } else { "," };
    }
    out.trim_end_matches(',').to_owned() + "\n"
}

/// A target's queries over one protocol.
type QueriesOf = fn(&TargetResult) -> Option<&[Query]>;

fn imap_of(r: &TargetResult) -> Option<&[Query]> {
    Some(&r.imap)
}

fn jmap_of(r: &TargetResult) -> Option<&[Query]> {
    r.jmap.as_deref()
}

/// One target as a JSON line.
pub fn json(r: &TargetResult) -> String {
    let queries = |protocol: &str, qs: &[Query]| -> Vec<String> {
        qs.iter()
            .map(|q| {
                format!(
                    "{{\"kind\":{},\"protocol\":\"{protocol}\",\"hits\":{},\"p50\":{},\"p99\":{},\"max\":{}}}",
                    json_str(q.kind.name()),
                    q.hits,
                    opt(Some(q.latency.p50)),
                    opt(Some(q.latency.p99)),
                    opt(Some(q.latency.max))
                )
            })
            .collect()
    };
    let mut all = queries("imap", &r.imap);
    if let Some(j) = &r.jmap {
        all.extend(queries("jmap", j));
    }
    format!(
        "{{\"target\":{},\"messages\":{},\"appended\":{},\"index_secs\":{},\"indexed_per_s\":{},\"index_bytes\":{},\"queries_ms\":[{}],\"mismatches\":{}}}",
        json_str(&r.name),
        r.messages,
        r.appended,
        opt(r.index_secs),
        opt(r.rate()),
        int(r.index_bytes),
        all.join(","),
        r.problems.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(name: &str, hits: u64) -> TargetResult {
        TargetResult {
            name: name.into(),
            messages: 10,
            appended: 10,
            index_secs: Some(2.0),
            index_bytes: Some(2_097_152),
            imap: vec![Query {
                kind: Kind::Single,
                hits,
                latency: Latency::from_micros(&mut [1000, 3000]),
            }],
            jmap: None,
            problems: vec![],
        }
    }

    #[test]
    fn a_different_count_is_a_problem() {
        let mut rs = vec![result("a", 3), result("b", 3), result("c", 4)];
        compare_targets(&mut rs);
        assert!(rs[0].problems.is_empty() && rs[1].problems.is_empty());
        assert_eq!(rs[2].problems.len(), 1, "{:?}", rs[2].problems);
        assert_eq!(rs[0].rate(), Some(5.0));
        let line = json(&rs[0]);
        assert!(line.contains("\"indexed_per_s\":5.000"), "{line}");
        assert!(line.contains("\"kind\":\"single word\",\"protocol\":\"imap\",\"hits\":3"));
    }
}
