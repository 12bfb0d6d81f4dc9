//! `fts`: full-text search, side by side. For each IMAP `--target` in turn: fill one INBOX with
//! `--generated` messages (`fts_data`) and the SpamAssassin corpus (MULTIAPPEND, RFC 3502, as
//! `imap-search`'s prefill), time how long the server takes to index all of it (Kantor: its
//! `/metrics` until the index has caught up with the change log; Dovecot with `fts_enforced`:
//! until the first `SEARCH BODY` answers, which waits for its indexer), read the index's size,
//! then time each query kind `--repeat` times over IMAP SEARCH (RFC 9051 §6.4.4) and, with a
//! `--jmap` of the same name, over JMAP Email/query (RFC 8621 §4.4). Every answer's count is
//! checked: the same in every repetition, on every target, equal to what the generator put in,
//! and over JMAP equal to IMAP's on the same server.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Args;
use serde_json::{Value, json};

use crate::connector::{Connector, resolve_loopback};
use crate::fts_data::{self, Kind};
use crate::fts_report::{self, Query, TargetResult};
use crate::http_client::HttpClient;
use crate::imap_append::{self, Source};
use crate::imap_client::{ImapConn, Status, Untagged};
use crate::jmap::{self, Found};
use crate::login_target::{self, LoginTarget};
use crate::stats::{self, Latency};

/// Options of `fts`.
#[derive(Debug, Clone, Args)]
pub struct FtsArgs {
    /// An IMAP server to measure, NAME=HOST:PORT on loopback, with ,tls (implicit TLS),
    /// ,user=ADDRESS and ,password=P when they differ from --user and --password, and
    /// ,metrics=HOST:PORT for Kantor's /metrics (plain HTTP). Repeat to compare; the first is
    /// the reference of the ratios.
    #[arg(long = "target", value_name = "NAME=HOST:PORT[,tls][,user=A][,password=P][,metrics=HOST:PORT]", required = true, value_parser = parse_target)]
    pub targets: Vec<FtsTarget>,

    /// JMAP of the IMAP target of the same NAME (the same account), as NAME=HOST:PORT[,tls]
    /// or NAME=https://HOST:PORT.
    #[arg(long = "jmap", value_name = "NAME=URL|HOST:PORT[,tls]", value_parser = login_target::parse_url)]
    pub jmap: Vec<LoginTarget>,

    /// The user whose INBOX is filled and searched.
    #[arg(long, default_value = "u190@bench.test")]
    pub user: String,

    #[arg(long, default_value = "pass")]
    pub password: String,

    /// Generated messages in the INBOX (2 to 8 KB each).
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub generated: u64,

    /// The SpamAssassin corpus (GROUP/*.txt), appended after the generated messages:
    /// target/corpus/spam-assassin-0.2.3 after `bash tests/corpus/fetch-spamassassin.sh`.
    #[arg(long)]
    pub corpus: Option<PathBuf>,

    /// Only this many of the corpus's messages, spread evenly over it.
    #[arg(long)]
    pub corpus_limit: Option<usize>,

    /// The word of the corpus query (`BODY` / `{"body": ...}`).
    #[arg(long, default_value = "razor")]
    pub corpus_word: String,

    /// How many times each query runs, per protocol.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub repeat: u32,

    /// Sessions appending at once during the prefill.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub prefill_connections: u32,

    /// Messages per MULTIAPPEND command.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub per_append: u64,

    /// For the targets without metrics= (Dovecot): the user's mail directory, whose
    /// `xapian-indexes` directories are the index (e.g. /tmp/peers/mail/u190).
    #[arg(long)]
    pub dovecot_index_dir: Option<PathBuf>,

    /// Seconds any connect, read or write may take (the first SEARCH of Dovecot waits for its
    /// indexer).
    #[arg(long, default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..))]
    pub io_timeout: u64,

    /// Seconds to wait for a target to index everything (Dovecot's Xapian plugin takes hours
    /// for 100,000 messages).
    #[arg(long, default_value_t = 21_600, value_parser = clap::value_parser!(u64).range(1..))]
    pub index_timeout: u64,

    /// Also print each target's results as one JSON line.
    #[arg(long)]
    pub json: bool,
}

/// An IMAP target and, for Kantor, its metrics listener.
#[derive(Debug, Clone)]
pub struct FtsTarget {
    pub login: LoginTarget,
    pub metrics: Option<String>,
}

/// `NAME=HOST:PORT[,tls][,user=A][,password=P][,metrics=HOST:PORT]`.
pub fn parse_target(spec: &str) -> Result<FtsTarget> {
    let mut metrics = None;
    let mut rest = Vec::new();
    for (n, part) in spec.split(',').enumerate() {
        match part.strip_prefix("metrics=") {
            Some(addr) if n > 0 && metrics.is_none() => metrics = Some(addr.to_owned()),
            _ => rest.push(part),
        }
    }
    Ok(FtsTarget {
        login: login_target::parse(&rest.join(","))?,
        metrics,
    })
}

pub async fn run(args: FtsArgs) -> Result<()> {
    for j in &args.jmap {
        if !args.targets.iter().any(|t| t.login.name == j.name) {
            bail!("--jmap {}: no --target of that name", j.name);
        }
    }
    if args.corpus_word.contains(['"', '\\', '\r', '\n']) {
        bail!("--corpus-word must be a plain word");
    }
    let corpus = match &args.corpus {
        Some(dir) => fts_data::corpus(dir, args.corpus_limit)?,
        None => Vec::new(),
    };
    let corpus = Arc::new(corpus);
    let mut results = Vec::new();
    for index in 0..args.targets.len() {
        let name = &args.targets[index].login.name;
        match measure(&args, index, &corpus).await {
            Ok(r) => results.push(r),
            Err(e) => eprintln!("{name}: could not be measured: {e:#}"),
        }
    }
    if results.is_empty() {
        bail!("no target could be measured");
    }
    fts_report::compare_targets(&mut results);
    println!(
        "{}",
        fts_report::table(&args, args.generated, corpus.len(), &results)
    );
    if args.json {
        for r in &results {
            println!("{}", fts_report::json(r));
        }
    }
    let problems: Vec<&String> = results.iter().flat_map(|r| &r.problems).collect();
    if !problems.is_empty() {
        for p in &problems {
            eprintln!("MISMATCH: {p}");
        }
        bail!("{} mismatched answers (see MISMATCH above)", problems.len());
    }
    Ok(())
}

async fn measure(args: &FtsArgs, index: usize, corpus: &Arc<Vec<Vec<u8>>>) -> Result<TargetResult> {
    let target = &args.targets[index];
    let name = target.login.name.clone();
    let timeout = Duration::from_secs(args.io_timeout);
    let addr = resolve_loopback(&target.login.addr).await?;
    let connector = Connector::new(addr, target.login.tls, timeout, 1)?;
    let user = target
        .login
        .user
        .clone()
        .unwrap_or_else(|| args.user.clone());
    let password = target
        .login
        .password
        .clone()
        .unwrap_or_else(|| args.password.clone());
    let (mut conn, login, have) =
        ImapConn::login_counting_inbox(&connector, &user, &password).await?;
    let mut untagged = Untagged::default();
    let want = args.generated + corpus.len() as u64;
    let metrics = match &target.metrics {
        Some(addr) => Some(Metrics::open(addr, timeout).await?),
        None => None,
    };
    let indexed_before = match &metrics {
        Some(m) => m.read().await?.indexed,
        None => 0,
    };
    let mut appenders = Vec::new();
    for _ in 0..args.prefill_connections * u32::from(have < want) {
        let mut c = ImapConn::open(&connector).await?;
        c.expect_ok(&login, &mut Untagged::default()).await?;
        appenders.push(c);
    }
    let (generated, all) = (args.generated, Arc::clone(corpus));
    let source: Source = Arc::new(move |i: u64| match i.checked_sub(generated) {
        None => fts_data::message(i),
        Some(j) => all[j as usize].clone(),
    });
    let started = Instant::now();
    let appended =
        imap_append::fill_from(appenders, &name, have, want, args.per_append, source).await?;
    conn.expect_ok("SELECT INBOX", &mut untagged).await?;
    let messages = untagged.exists.context("no EXISTS in SELECT")?;
    // Until everything is indexed, then the index's size.
    let index_bytes = match &metrics {
        Some(m) => {
            let deadline = started + Duration::from_secs(args.index_timeout);
            let mut last = Instant::now();
            loop {
                let now = m.read().await?;
                if now.lag == 0 && now.indexed >= indexed_before + appended {
                    break now.bytes;
                }
                if Instant::now() > deadline {
                    bail!("{name}: the index still lags by {} changes", now.lag);
                }
                if last.elapsed() > Duration::from_secs(10) {
                    eprintln!("{name}: indexing, {} changes behind", now.lag);
                    last = Instant::now();
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        None => {
            first_search(args, &connector, &login, &name, started).await?;
            args.dovecot_index_dir.as_deref().map(xapian_bytes)
        }
    };
    let index_secs = started.elapsed().as_secs_f64();
    eprintln!("{name}: {messages} messages, {appended} appended and indexed in {index_secs:.1} s");
    let mut problems = Vec::new();
    let mut imap = Vec::new();
    for kind in Kind::ALL {
        if kind == Kind::Corpus && corpus.is_empty() {
            continue;
        }
        let command = format!("SEARCH {}", kind.imap(&args.corpus_word));
        let mut micros = Vec::with_capacity(args.repeat as usize);
        let mut hits = None;
        for _ in 0..args.repeat {
            let mut untagged = Untagged::default();
            let took = conn.timed_ok(&command, &mut untagged).await;
            micros.push(took.with_context(|| name.to_string())?);
            let n = untagged.search_hits.unwrap_or(0);
            if hits.is_some_and(|h| h != n) {
                problems.push(format!(
                    "{name}: {command}: {n} hits, {} before",
                    hits.unwrap_or(0)
                ));
            }
            hits.get_or_insert(n);
        }
        let hits = hits.unwrap_or(0);
        if let Some(expected) = kind.expected(args.generated)
            && messages == want
            && hits != expected
        {
            problems.push(format!(
                "{name}: {command}: {hits} hits, the generator put it in {expected}"
            ));
        }
        imap.push(Query {
            kind,
            hits,
            latency: Latency::from_micros(&mut micros),
        });
    }
    let _ = conn.logout().await;
    let jmap = match args.jmap.iter().find(|j| j.name == name) {
        Some(j) => Some(
            jmap_queries(args, j, &user, &password, &imap, &mut problems)
                .await
                .with_context(|| format!("{name}: JMAP"))?,
        ),
        None => None,
    };
    Ok(TargetResult {
        name,
        messages,
        appended,
        index_secs: (appended > 0).then_some(index_secs),
        index_bytes,
        imap,
        jmap,
        problems,
    })
}

/// Waits for the first `SEARCH BODY` to answer, on a session of its own: one whose answer
/// takes longer than `--io-timeout` is dropped and the search asked again on a new one (the
/// server's indexer goes on meanwhile), until `--index-timeout` from `started`.
async fn first_search(
    args: &FtsArgs,
    connector: &Connector,
    login: &str,
    name: &str,
    started: Instant,
) -> Result<()> {
    let command = format!("SEARCH {}", Kind::Single.imap(&args.corpus_word));
    loop {
        let attempt = async {
            let mut conn = ImapConn::open(connector).await?;
            let mut untagged = Untagged::default();
            conn.expect_ok(login, &mut untagged).await?;
            conn.expect_ok("SELECT INBOX", &mut untagged).await?;
            let done = conn.command(&command, &mut untagged).await?;
            let _ = conn.logout().await;
            anyhow::Ok(done)
        };
        match attempt.await {
            Ok(done) if done.status == Status::Ok => return Ok(()),
            // A refusal (Dovecot's indexer failing says NO [SERVERBUG]) is not asked again.
            Ok(done) => bail!("{name}: the first {command}: {}", done.text),
            Err(e) if started.elapsed() < Duration::from_secs(args.index_timeout) => {
                eprintln!(
                    "{name}: no answer to the first {command} yet after {:.0} s ({e:#}); asking again",
                    started.elapsed().as_secs_f64()
                );
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(e) => return Err(e.context(format!("{name}: the first {command}"))),
        }
    }
}

/// Most ids asked for per query (the counts are compared through `total`).
const JMAP_LIMIT: u64 = 500;

/// Each query kind over JMAP, `--repeat` times; `total` checked against IMAP's `hits`.
async fn jmap_queries(
    args: &FtsArgs,
    target: &LoginTarget,
    user: &str,
    password: &str,
    imap: &[Query],
    problems: &mut Vec<String>,
) -> Result<Vec<Query>> {
    let addr = resolve_loopback(&target.addr).await?;
    let connector = Connector::new(addr, target.tls, Duration::from_secs(args.io_timeout), 1)?;
    let user = target.user.as_deref().unwrap_or(user);
    let password = target.password.as_deref().unwrap_or(password);
    let mut client = HttpClient::new(connector.connect().await?, &target.addr, user, password);
    let found = jmap::discover(&mut client).await?;
    let mut out = Vec::new();
    for q in imap {
        let mut filter = q.kind.jmap(&args.corpus_word);
        filter["inMailbox"] = json!(found.inbox);
        let mut micros = Vec::with_capacity(args.repeat as usize);
        for _ in 0..args.repeat {
            let began = Instant::now();
            let (total, ids) = email_query(&mut client, &found, &filter).await?;
            micros.push(stats::micros(began.elapsed()));
            if total != q.hits || ids != total.min(JMAP_LIMIT) {
                problems.push(format!(
                    "{}: Email/query {filter}: total {total} and {ids} ids, IMAP found {}",
                    target.name, q.hits
                ));
            }
        }
        out.push(Query {
            kind: q.kind,
            hits: q.hits,
            latency: Latency::from_micros(&mut micros),
        });
    }
    Ok(out)
}

/// One Email/query with `calculateTotal`: its total and how many ids came.
async fn email_query(client: &mut HttpClient, found: &Found, filter: &Value) -> Result<(u64, u64)> {
    let request = json!({
        "using": ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail"],
        "methodCalls": [["Email/query", {
            "accountId": found.account,
            "filter": filter,
            "calculateTotal": true,
            "limit": JMAP_LIMIT
        }, "q"]]
    });
    let answer = jmap::call(client, &found.api, &request).await?;
    let reply = &answer["methodResponses"][0];
    if reply[0] != "Email/query" {
        bail!(
            "{}",
            answer.to_string().chars().take(300).collect::<String>()
        );
    }
    let total = reply[1]["total"].as_u64().context("no total")?;
    let ids = reply[1]["ids"].as_array().context("no ids")?.len() as u64;
    Ok((total, ids))
}

/// Kantor's `/metrics`, read over plain HTTP, a connection a read (the server closes a
/// keep-alive connection left idle through a long prefill).
struct Metrics {
    connector: Arc<Connector>,
    addr: String,
}

/// What `/metrics` says of the full-text index.
#[derive(Debug, Clone, Copy, PartialEq)]
struct IndexState {
    /// Change-log rows searches cannot see yet.
    lag: u64,
    /// Emails added to the index since the server started.
    indexed: u64,
    /// Bytes of the index on disk.
    bytes: Option<u64>,
}

impl Metrics {
    async fn open(addr: &str, timeout: Duration) -> Result<Metrics> {
        let connector = Connector::new(resolve_loopback(addr).await?, false, timeout, 1)?;
        Ok(Metrics {
            connector,
            addr: addr.to_owned(),
        })
    }

    async fn read(&self) -> Result<IndexState> {
        let wire = self.connector.connect().await?;
        let response = HttpClient::new(wire, &self.addr, "", "")
            .get("/metrics")
            .await?;
        if response.status != 200 {
            bail!("/metrics: HTTP {}", response.status);
        }
        index_state(&String::from_utf8_lossy(&response.body))
    }
}

/// The index's figures in an OpenMetrics text.
fn index_state(text: &str) -> Result<IndexState> {
    let value = |name: &str| {
        text.lines().find_map(|line| {
            let rest = line.strip_prefix(name)?;
            let rest = rest.strip_prefix(' ')?;
            rest.split_whitespace().next()?.parse::<f64>().ok()
        })
    };
    Ok(IndexState {
        lag: value("kantor_search_lag_changes")
            .context("no kantor_search_lag_changes in /metrics")? as u64,
        indexed: value("kantor_search_indexed_total").unwrap_or(0.0) as u64,
        bytes: value("kantor_search_index_bytes").map(|b| b as u64),
    })
}

/// Bytes of every file under the `xapian-indexes` directories below `dir`.
fn xapian_bytes(dir: &Path) -> u64 {
    fn walk(dir: &Path, inside: bool) -> u64 {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return 0;
        };
        let mut sum = 0;
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                sum += walk(&path, inside || entry.file_name() == "xapian-indexes");
            } else if inside {
                sum += meta.len();
            }
        }
        sum
    }
    walk(dir, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse() {
        let t = parse_target("kantor=127.0.0.1:2143,metrics=127.0.0.1:2080,user=a@b").unwrap();
        assert_eq!(t.login.name, "kantor");
        assert_eq!(t.login.addr, "127.0.0.1:2143");
        assert_eq!(t.metrics.as_deref(), Some("127.0.0.1:2080"));
        assert_eq!(t.login.user.as_deref(), Some("a@b"));
        let t = parse_target("dovecot=127.0.0.1:10143").unwrap();
        assert!(t.metrics.is_none() && !t.login.tls);
        assert!(parse_target("x=127.0.0.1:1,metrics=a:1,metrics=b:2").is_err());
    }

    #[test]
    fn metrics_are_read() {
        let text = "# TYPE kantor_search_lag_changes gauge\n\
                    kantor_search_lag_changes 12\n\
                    kantor_search_lag_changes_other 5\n\
                    kantor_search_indexed_total 3400\n\
                    kantor_search_index_bytes 1048576\n# EOF\n";
        let s = index_state(text).unwrap();
        assert_eq!(
            s,
            IndexState {
                lag: 12,
                indexed: 3400,
                bytes: Some(1_048_576)
            }
        );
        assert!(index_state("# EOF\n").is_err());
    }

    #[test]
    fn xapian_directories_are_summed() {
        let dir = std::env::temp_dir().join(format!("fts-bench-{}", std::process::id()));
        let x = dir.join("Maildir/xapian-indexes/db");
        std::fs::create_dir_all(&x).unwrap();
        std::fs::write(x.join("a"), [0u8; 100]).unwrap();
        std::fs::write(dir.join("Maildir/other"), [0u8; 50]).unwrap();
        assert_eq!(xapian_bytes(&dir), 100);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
