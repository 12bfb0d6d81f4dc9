//! `kantor-bench jmap`: what a mail app does when it opens a mailbox, over JMAP (RFC 8620, RFC
//! 8621), by many clients of one user at once: `Email/query` (the newest 50 in the INBOX by
//! `receivedAt`, threads collapsed) and, in the same request, `Email/get` of those ids (through
//! a result reference) with the properties of a message list. Every response is checked (the
//! two method responses, 50 emails or as many as the INBOX holds); requests per second and
//! latency are reported per target, side by side.
//!
//! The INBOX is filled beforehand (`kantor-bench imap-search --prefill` on the same user).

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Args;
use serde_json::{Value, json};

use crate::connector::{Connector, resolve_loopback};
use crate::http_client::HttpClient;
use crate::login_target::LoginTarget;
use crate::stats::{Latency, micros, rate};

/// Options of `jmap`.
#[derive(Debug, Clone, Args)]
pub struct JmapArgs {
    /// A server to measure, as NAME=HOST:PORT (its JMAP HTTP listener, on loopback), with ,tls
    /// for HTTPS (certificate not verified), ,user=ADDRESS and ,password=P when they differ
    /// from --user and --password. Repeat to compare.
    #[arg(long = "target", value_name = "NAME=HOST:PORT[,tls][,user=A][,password=P]", required = true, value_parser = crate::login_target::parse)]
    pub targets: Vec<LoginTarget>,

    /// The user whose INBOX is listed.
    #[arg(long, default_value = "u200@bench.test")]
    pub user: String,

    #[arg(long, default_value = "pass")]
    pub password: String,

    /// Clients at once, each with its own keep-alive connection.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub clients: u32,

    /// Seconds of load per target.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..))]
    pub duration: u64,

    /// Emails per page.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=500))]
    pub limit: u32,

    /// Seconds any connect, read or write may take.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub io_timeout: u64,

    /// Milliseconds each client waits after an answer before its next request (a user's
    /// think time); 0, the default, sends the next at once (the server's most).
    #[arg(long, default_value_t = 0)]
    pub think_ms: u64,
}

/// What one target did.
struct Outcome {
    name: String,
    requests: u64,
    errors: u64,
    first_error: Option<String>,
    elapsed: Duration,
    latency: Latency,
}

pub async fn run(args: JmapArgs) -> Result<()> {
    let mut outcomes = Vec::new();
    for target in &args.targets {
        outcomes.push(measure(&args, target).await?);
    }
    println!(
        "jmap: {} clients, Email/query (newest {} in the INBOX, threads collapsed) + Email/get, {} s per target, {} ms think time",
        args.clients, args.limit, args.duration, args.think_ms
    );
    println!(
        "{:<10} {:>10} {:>8} {:>8} {:>8} {:>8} {:>8} {:>7}",
        "target", "requests/s", "ratio", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors"
    );
    let reference = outcomes
        .first()
        .and_then(|o| rate(o.requests, o.elapsed))
        .unwrap_or(0.0);
    for o in &outcomes {
        let per_second = rate(o.requests, o.elapsed).unwrap_or(0.0);
        let ratio = if reference > 0.0 {
            per_second / reference
        } else {
            0.0
        };
        println!(
            "{:<10} {:>10.1} {:>7.2}x {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>7}",
            o.name,
            per_second,
            ratio,
            o.latency.p50,
            o.latency.p90,
            o.latency.p99,
            o.latency.max,
            o.errors
        );
        if let Some(e) = &o.first_error {
            println!("  first error on {}: {e}", o.name);
        }
    }
    Ok(())
}

/// The account and INBOX ids, and the API path, as one client finds them.
#[derive(Clone)]
pub(crate) struct Found {
    pub api: String,
    pub account: String,
    pub inbox: String,
}

async fn measure(args: &JmapArgs, target: &LoginTarget) -> Result<Outcome> {
    let addr = resolve_loopback(&target.addr).await?;
    let timeout = Duration::from_secs(args.io_timeout);
    let connector = Connector::new(addr, target.tls, timeout, 1)?;
    let user = target.user.clone().unwrap_or_else(|| args.user.clone());
    let password = target
        .password
        .clone()
        .unwrap_or_else(|| args.password.clone());
    let mut first = HttpClient::new(connector.connect().await?, &target.addr, &user, &password);
    let found = discover(&mut first)
        .await
        .with_context(|| format!("{}: discovery", target.name))?;
    let deadline = Instant::now() + Duration::from_secs(args.duration);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..args.clients {
        let (connector, found) = (Arc::clone(&connector), found.clone());
        let (addr, user, password, limit, think) = (
            target.addr.clone(),
            user.clone(),
            password.clone(),
            args.limit,
            Duration::from_millis(args.think_ms),
        );
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            let mut errors = (0u64, None::<String>);
            let mut client = match connector.connect().await {
                Ok(wire) => HttpClient::new(wire, &addr, &user, &password),
                Err(e) => return (samples, (1, Some(e.to_string()))),
            };
            while Instant::now() < deadline {
                let began = Instant::now();
                match page(&mut client, &found, limit).await {
                    Ok(()) => {
                        samples.push(micros(began.elapsed()));
                        if !think.is_zero() {
                            tokio::time::sleep(think).await;
                        }
                    }
                    Err(e) => {
                        errors.0 += 1;
                        errors.1.get_or_insert(e.to_string());
                        // A broken connection is replaced.
                        match connector.connect().await {
                            Ok(wire) => client = HttpClient::new(wire, &addr, &user, &password),
                            Err(_) => break,
                        }
                    }
                }
            }
            (samples, errors)
        }));
    }
    let mut all = Vec::new();
    let (mut errors, mut first_error) = (0, None);
    for task in tasks {
        let (samples, (n, e)) = task.await?;
        all.extend(samples);
        errors += n;
        if first_error.is_none() {
            first_error = e;
        }
    }
    let elapsed = started.elapsed();
    Ok(Outcome {
        name: target.name.clone(),
        requests: all.len() as u64,
        errors,
        first_error,
        elapsed,
        latency: Latency::from_micros(&mut all),
    })
}

/// The session (following the well-known redirect), the mail account and its INBOX.
pub(crate) async fn discover(client: &mut HttpClient) -> Result<Found> {
    let mut path = "/.well-known/jmap".to_string();
    let session = loop {
        let response = client.get(&path).await?;
        match (response.status, response.location) {
            (200, _) => break serde_json::from_slice::<Value>(&response.body)?,
            (301..=308, Some(location)) => path = path_of(&location),
            (status, _) => bail!("session: HTTP {status}"),
        }
    };
    let account = session["primaryAccounts"]["urn:ietf:params:jmap:mail"]
        .as_str()
        .context("no primary mail account")?
        .to_string();
    let api = path_of(session["apiUrl"].as_str().context("no apiUrl")?);
    let request = json!({
        "using": ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail"],
        "methodCalls": [["Mailbox/get", {"accountId": account, "properties": ["role", "name"]}, "m"]],
    });
    let answer = call(client, &api, &request).await?;
    let inbox = answer["methodResponses"][0][1]["list"]
        .as_array()
        .and_then(|l| l.iter().find(|m| m["role"] == "inbox"))
        .and_then(|m| m["id"].as_str())
        .with_context(|| format!("no INBOX in {answer}"))?
        .to_string();
    Ok(Found {
        api,
        account,
        inbox,
    })
}

/// The path (and query) of a URL.
fn path_of(url: &str) -> String {
    match url.split_once("://") {
        Some((_, rest)) => rest
            .find('/')
            .map_or("/".to_string(), |i| rest[i..].to_string()),
        None => url.to_string(),
    }
}

/// One page of the INBOX: the request, and a check of its answer.
async fn page(client: &mut HttpClient, found: &Found, limit: u32) -> Result<()> {
    let request = json!({
        "using": ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail"],
        "methodCalls": [
            ["Email/query", {
                "accountId": found.account,
                "filter": {"inMailbox": found.inbox},
                "sort": [{"property": "receivedAt", "isAscending": false}],
                "collapseThreads": true,
                "limit": limit
            }, "q"],
            ["Email/get", {
                "accountId": found.account,
                "#ids": {"resultOf": "q", "name": "Email/query", "path": "/ids"},
                "properties": ["threadId", "mailboxIds", "keywords", "subject", "from",
                               "receivedAt", "size", "preview", "hasAttachment"]
            }, "g"]
        ]
    });
    let answer = call(client, &found.api, &request).await?;
    let responses = answer["methodResponses"]
        .as_array()
        .context("no methodResponses")?;
    let (query, get) = match responses.as_slice() {
        [q, g] if q[0] == "Email/query" && g[0] == "Email/get" => (&q[1], &g[1]),
        _ => bail!(
            "unexpected responses: {}",
            answer.to_string().chars().take(300).collect::<String>()
        ),
    };
    let ids = query["ids"].as_array().context("no ids")?.len();
    let listed = get["list"].as_array().context("no list")?.len();
    if ids == 0 || listed != ids || ids > limit as usize {
        bail!("{ids} ids, {listed} emails");
    }
    Ok(())
}

/// Posts one JMAP Request to `api` and parses its Response (an HTTP status other than 200 is
/// an error).
pub async fn call(client: &mut HttpClient, api: &str, request: &Value) -> Result<Value> {
    let response = client
        .post_json(api, request.to_string().as_bytes())
        .await?;
    if response.status != 200 {
        bail!("HTTP {}", response.status);
    }
    Ok(serde_json::from_slice(&response.body)?)
}
