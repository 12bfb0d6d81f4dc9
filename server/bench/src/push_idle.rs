//! `kantor-bench push-idle`: the server's memory per idle JMAP push connection. Against one
//! running server (loopback, HTTPS by default), for each kind asked for in turn:
//!
//! 1. a warm-up: each user's session resource read once, so that the server's password checks
//!    (argon2, remembered for five minutes) and first-use allocations are behind it; then
//!    memory before (VmRSS and Pss of `--pid`);
//! 2. `--connections` connections set up, at most `--connect-concurrency` at once, user I being
//!    u((I mod K)+1): EventSource (RFC 8620 §7.3: `GET /jmap/eventsource?types=*&closeafter=no
//!    &ping=0`, held once the first `state` event is read), or WebSocket (RFC 8887: the `jmap`
//!    subprotocol, `WebSocketPushEnable`, then a `Core/echo` Request whose Response says push is
//!    on; a `maxConcurrentRequests` refusal is retried);
//! 3. a hold of `--hold` seconds, every connection read by its own task (WebSocket pings are
//!    answered), those the server closes counted as dropped;
//! 4. memory again; per connection = (after - before) / held;
//! 5. the connections closed, and a pause before the next kind (the allocator keeps what they
//!    freed, so the second kind's figure is low: measure each on a fresh server for clean
//!    figures, as docs/benchmarks.md does).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::connector::{Connector, resolve_loopback};
use crate::http_client::{HttpClient, base64};
use crate::memory::{self, Memory};

/// Options of `push-idle`.
#[derive(Debug, Clone, Args)]
pub struct PushIdleArgs {
    /// The server's HTTPS listener (loopback), e.g. 127.0.0.1:2443.
    #[arg(long, default_value = "127.0.0.1:2443")]
    pub target: String,
    /// Plain HTTP instead of TLS (the server must allow it: `[http] allow_plaintext_auth`).
    #[arg(long)]
    pub plain: bool,
    /// The server's process id, for its memory (required: it is what is measured).
    #[arg(long)]
    pub pid: u32,
    /// Which connections: eventsource, websocket or both (one after the other).
    #[arg(long, value_enum, default_value_t = Kind::Both)]
    pub kind: Kind,
    /// Connections of each kind held at once.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub connections: u32,
    /// Users u1..uK@DOMAIN; connection I is u((I mod K)+1)'s.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub users: u32,
    #[arg(long, default_value = "bench.test")]
    pub domain: String,
    #[arg(long, default_value = "pass")]
    pub password: String,
    /// Seconds to hold every connection open before memory is read.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(0..=86_400))]
    pub hold: u64,
    /// Connections being set up at once.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub connect_concurrency: u32,
    /// Spread connections over source addresses 127.0.0.1..127.0.0.N.
    #[arg(long, default_value_t = 8)]
    pub source_ips: usize,
    /// Seconds any connect, read or write of the setup may take.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    pub io_timeout: u64,
    /// Print a JSON line per kind after the table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    Eventsource,
    Websocket,
    Both,
}

/// What one kind measured.
struct Measured {
    kind: &'static str,
    held: u64,
    failed: u64,
    dropped: u64,
    first_error: Option<String>,
    setup: Duration,
    before: Memory,
    after: Memory,
}

impl Measured {
    fn per_connection(&self, kib: impl Fn(&Memory) -> u64) -> Option<f64> {
        let grown = kib(&self.after) as f64 - kib(&self.before) as f64;
        (self.held > 0).then(|| grown * 1024.0 / self.held as f64)
    }
}

pub async fn run(args: PushIdleArgs) -> Result<()> {
    crate::check_nofile(u64::from(args.connections) + 100)?;
    let addr = resolve_loopback(&args.target).await?;
    let timeout = Duration::from_secs(args.io_timeout);
    let connector = Connector::new(addr, !args.plain, timeout, args.source_ips)?;
    let kinds: &[&'static str] = match args.kind {
        Kind::Eventsource => &["eventsource"],
        Kind::Websocket => &["websocket"],
        Kind::Both => &["eventsource", "websocket"],
    };
    warm_up(&args, &connector).await?;
    let mut results = Vec::new();
    for (i, kind) in kinds.iter().enumerate() {
        if i > 0 {
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
        results.push(measure(&args, &connector, kind).await?);
    }
    println!(
        "push-idle: {} idle connections of each kind, {}, users u1..u{}, pid {}",
        args.connections,
        if args.plain { "plain HTTP" } else { "TLS" },
        args.users,
        args.pid
    );
    println!(
        "{:<12} {:>7} {:>7} {:>8} {:>8} {:>11} {:>11} {:>11} {:>11}",
        "kind",
        "held",
        "failed",
        "dropped",
        "setup s",
        "RSS MiB",
        "+RSS MiB",
        "RSS B/conn",
        "Pss B/conn"
    );
    for m in &results {
        println!(
            "{:<12} {:>7} {:>7} {:>8} {:>8.1} {:>11.1} {:>11.1} {:>11.0} {:>11.0}",
            m.kind,
            m.held,
            m.failed,
            m.dropped,
            m.setup.as_secs_f64(),
            m.after.rss_kib as f64 / 1024.0,
            (m.after.rss_kib as f64 - m.before.rss_kib as f64) / 1024.0,
            m.per_connection(|m| m.rss_kib).unwrap_or(0.0),
            m.per_connection(|m| m.pss_kib).unwrap_or(0.0),
        );
        if let Some(error) = &m.first_error {
            println!("  first error ({}): {error}", m.kind);
        }
    }
    if args.json {
        for m in &results {
            let line = json!({
                "kind": m.kind, "connections": args.connections, "held": m.held,
                "failed": m.failed, "dropped": m.dropped, "setup_secs": m.setup.as_secs_f64(),
                "rss_kib_before": m.before.rss_kib, "rss_kib_after": m.after.rss_kib,
                "pss_kib_before": m.before.pss_kib, "pss_kib_after": m.after.pss_kib,
                "rss_bytes_per_connection": m.per_connection(|m| m.rss_kib),
                "pss_bytes_per_connection": m.per_connection(|m| m.pss_kib),
                "tls": !args.plain,
            });
            println!("{line}");
        }
    }
    if results.iter().any(|m| m.held == 0) {
        bail!("no connection could be held");
    }
    Ok(())
}

/// Reads each user's session resource once (the password checked and remembered).
async fn warm_up(args: &PushIdleArgs, connector: &Arc<Connector>) -> Result<()> {
    let users = args.users.min(args.connections);
    let mut tasks = JoinSet::new();
    let gate = Arc::new(Semaphore::new(8));
    for i in 0..users {
        let user = format!("u{}@{}", i + 1, args.domain);
        let (connector, gate) = (connector.clone(), gate.clone());
        let (password, host) = (args.password.clone(), args.target.clone());
        tasks.spawn(async move {
            let _permit = gate.acquire_owned().await.expect("gate open");
            let wire = connector.connect().await?;
            let mut client = HttpClient::new(wire, &host, &user, &password);
            let response = client.get("/jmap/session").await?;
            if response.status != 200 {
                bail!("{user}: the session resource answered {}", response.status);
            }
            Ok(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.context("a warm-up task panicked")??;
    }
    Ok(())
}

/// Sets up, holds, measures and closes one kind's connections.
async fn measure(
    args: &PushIdleArgs,
    connector: &Arc<Connector>,
    kind: &'static str,
) -> Result<Measured> {
    let sample = || memory::sample(&[args.pid]).context("cannot read the server's memory (--pid)");
    let before = sample()?;
    let started = Instant::now();
    let gate = Arc::new(Semaphore::new(args.connect_concurrency as usize));
    let dropped = Arc::new(AtomicU64::new(0));
    let mut setups = JoinSet::new();
    for i in 0..args.connections {
        let user = format!("u{}@{}", i % args.users + 1, args.domain);
        let (connector, gate, dropped) = (connector.clone(), gate.clone(), dropped.clone());
        let (password, host) = (args.password.clone(), args.target.clone());
        setups.spawn(async move {
            let permit = gate.acquire_owned().await.expect("gate open");
            let credentials = base64(format!("{user}:{password}").as_bytes());
            let held = match kind {
                "eventsource" => eventsource(&connector, &host, &credentials, dropped).await,
                _ => websocket(&connector, &host, &credentials, dropped).await,
            };
            drop(permit);
            held
        });
    }
    let (mut holders, mut failed, mut first_error) = (Vec::new(), 0u64, None);
    while let Some(done) = setups.join_next().await {
        match done.context("a setup task panicked")? {
            Ok(holder) => holders.push(holder),
            Err(e) => {
                failed += 1;
                first_error.get_or_insert_with(|| format!("{e:#}"));
            }
        }
    }
    let setup = started.elapsed();
    tokio::time::sleep(Duration::from_secs(args.hold)).await;
    let after = sample()?;
    let dropped = dropped.load(Ordering::Relaxed);
    let held = holders.len() as u64 - dropped.min(holders.len() as u64);
    for holder in &holders {
        holder.abort();
    }
    Ok(Measured {
        kind,
        held,
        failed,
        dropped,
        first_error,
        setup,
        before,
        after,
    })
}

/// One EventSource connection, held by a task reading it until the server ends it.
async fn eventsource(
    connector: &Connector,
    host: &str,
    credentials: &str,
    dropped: Arc<AtomicU64>,
) -> Result<tokio::task::JoinHandle<()>> {
    let mut wire = connector.connect().await?;
    let request = format!(
        "GET /jmap/eventsource?types=*&closeafter=no&ping=0 HTTP/1.1\r\nHost: {host}\r\n\
         Authorization: Basic {credentials}\r\nAccept: text/event-stream\r\n\r\n"
    );
    wire.write_all(request.as_bytes()).await?;
    let status = wire.read_line().await?;
    if status.split_whitespace().nth(1) != Some("200") {
        bail!("EventSource: {status}");
    }
    // The first event: the current state.
    while !wire.read_line().await?.contains("data:") {}
    Ok(tokio::spawn(async move {
        while wire.read_line_raw_untimed().await.is_ok() {}
        dropped.fetch_add(1, Ordering::Relaxed);
    }))
}

/// One WebSocket connection with push enabled, held by a task reading it (and so answering
/// the server's pings) until the server closes it.
async fn websocket(
    connector: &Connector,
    host: &str,
    credentials: &str,
    dropped: Arc<AtomicU64>,
) -> Result<tokio::task::JoinHandle<()>> {
    let stream = connector.connect_stream().await?;
    let mut request = format!("wss://{host}/jmap/ws").into_client_request()?;
    let headers = request.headers_mut();
    headers.insert(
        "Authorization",
        HeaderValue::from_str(&format!("Basic {credentials}"))?,
    );
    headers.insert("Sec-WebSocket-Protocol", HeaderValue::from_static("jmap"));
    // Small buffers: the bench holds thousands of these too.
    let config = WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0);
    let (mut socket, _) =
        tokio_tungstenite::client_async_with_config(request, stream, Some(config))
            .await
            .context("WebSocket handshake")?;
    let enable = json!({"@type": "WebSocketPushEnable", "dataTypes": null});
    socket
        .send(Message::Text(enable.to_string().into()))
        .await?;
    let echo = json!({"@type": "Request", "id": "e", "using": ["urn:ietf:params:jmap:core"],
                      "methodCalls": [["Core/echo", {}, "c"]]});
    for attempt in 0.. {
        socket.send(Message::Text(echo.to_string().into())).await?;
        let answer = loop {
            match socket.next().await.context("closed during setup")?? {
                Message::Text(text) => break serde_json::from_str::<Value>(text.as_str())?,
                Message::Close(frame) => bail!("closed during setup: {frame:?}"),
                _ => continue,
            }
        };
        match answer["@type"].as_str() {
            Some("Response") => break,
            Some("RequestError") if answer["limit"] == "maxConcurrentRequests" && attempt < 100 => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            _ => bail!("unexpected answer: {answer}"),
        }
    }
    Ok(tokio::spawn(async move {
        while let Some(Ok(message)) = socket.next().await {
            if matches!(message, Message::Close(_)) {
                break;
            }
        }
        dropped.fetch_add(1, Ordering::Relaxed);
    }))
}
