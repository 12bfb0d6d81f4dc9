//! `imap-idle`: hold many IMAP sessions in IDLE (RFC 2177) on one target
//! and read the server's memory with all of them open.
//!
//! 1. Memory before (with `--pid`).
//! 2. Setup: `--sessions` sessions, at most `--connect-concurrency` being
//!    set up at once; each connects, reads the greeting, LOGINs as
//!    u((I mod K)+1), SELECTs INBOX and sends IDLE, and counts as held once
//!    the server's `+` continuation arrives. Bounded by `--setup-timeout`.
//! 3. Hold for `--hold` seconds; sessions closed by the server meanwhile
//!    (BYE, disconnect) are counted as dropped.
//! 4. Memory with all the sessions in IDLE; per session = (now - before) /
//!    sessions held.
//! 5. Wake check (with `--wake-check`): one message over SMTP to u1, and
//!    the time from its MAIL FROM to each of u1's sessions reading
//!    `* N EXISTS`.
//! 6. Release: DONE and LOGOUT on every session.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinSet;

use crate::cli::ImapIdleArgs;
use crate::connector::{self, Connector};
use crate::imap_client::{IdleEvent, ImapConn, Untagged, quote};
use crate::memory::{self, Memory};
use crate::message::MessageFactory;
use crate::smtp_client::{Outcome, SmtpConnection};
use crate::stats::{self, Latency, Samples};

/// How often the setup prints its progress.
const PROGRESS_EVERY: Duration = Duration::from_secs(5);
/// Most responses one session reads while idling before it gives up.
const MAX_IDLE_EVENTS: u32 = 100_000;

/// What the wake check saw.
#[derive(Debug, Clone, PartialEq)]
pub enum Wake {
    /// Not asked for (no `--wake-check`).
    NotAsked,
    /// The message could not be sent.
    Failed(String),
    /// u1 had no session in IDLE to wake.
    NoSession,
    /// The SMTP transaction took `smtp_ms`; `seen` of u1's `sessions`
    /// sessions read EXISTS, the first `first_ms` and the last `last_ms`
    /// after MAIL FROM was written (`None` when none did within
    /// `--wake-timeout`).
    Done {
        smtp_ms: f64,
        sessions: usize,
        seen: usize,
        first_ms: Option<f64>,
        last_ms: Option<f64>,
    },
}

/// Everything measured on one target.
#[derive(Debug, Clone)]
pub struct IdleResult {
    pub name: String,
    pub imap: String,
    pub tls: bool,
    /// Sessions asked for.
    pub sessions: u32,
    pub users: u32,
    /// Sessions that reached IDLE.
    pub established: u64,
    /// Sessions that failed to get there.
    pub failed: u64,
    /// Sessions in IDLE at the end of the hold.
    pub held: u64,
    /// Established, then closed by the server during the hold.
    pub dropped: u64,
    pub error_samples: Vec<String>,
    /// From the first connect to the last session in IDLE.
    pub setup_secs: f64,
    /// Per session: connect to the IDLE continuation.
    pub setup_latency: Latency,
    pub hold_secs: u64,
    pub source_ips: usize,
    pub memory_before: Option<Memory>,
    /// With every session in IDLE, after the hold.
    pub memory_held: Option<Memory>,
    pub wake: Wake,
}

impl IdleResult {
    /// (VmRSS, Pss) growth per held session, KiB.
    pub fn per_session_kib(&self) -> Option<(f64, f64)> {
        let (before, held) = (self.memory_before?, self.memory_held?);
        if self.held == 0 {
            return None;
        }
        let per = |a: u64, b: u64| (b as f64 - a as f64) / self.held as f64;
        Some((
            per(before.rss_kib, held.rss_kib),
            per(before.pss_kib, held.pss_kib),
        ))
    }
}

enum Event {
    Established { session: usize, micros: u32 },
    Failed(String),
    Exists { session: usize, at: Instant },
    Dropped { session: usize, text: String },
}

struct Ctx {
    connector: Arc<Connector>,
    users: Vec<String>,
    password: String,
    setup_slots: Semaphore,
}

/// Measures `args.common.targets[index]`.
pub async fn measure(args: &ImapIdleArgs, index: usize) -> Result<IdleResult> {
    let common = &args.common;
    let target = &common.targets[index];
    let smtp = match (&target.smtp, args.wake_check) {
        (Some(smtp), true) => Some(connector::resolve_loopback(smtp).await?),
        _ => None,
    };
    let connector = connector::for_imap_target(common, index).await?;
    let pids = common.pids_of(index);
    let memory_before = sample(&pids).await;

    let total = args.sessions as usize;
    let ctx = Arc::new(Ctx {
        connector: Arc::clone(&connector),
        users: common.users(args.users),
        password: common.password.clone(),
        setup_slots: Semaphore::new(args.connect_concurrency as usize),
    });
    let (events_tx, mut events) = mpsc::unbounded_channel();
    let (release, release_rx) = watch::channel(false);
    let mut tasks = JoinSet::new();
    eprintln!(
        "{}: opening {total} IDLE sessions{}",
        target.name,
        if target.tls { " over TLS" } else { "" }
    );
    let started = Instant::now();
    for session in 0..total {
        tasks.spawn(run_session(
            Arc::clone(&ctx),
            session,
            release_rx.clone(),
            events_tx.clone(),
        ));
    }
    drop(events_tx);

    // Setup, bounded by --setup-timeout.
    let mut samples = Samples::default();
    let mut setup_us = Vec::with_capacity(total);
    let mut failed = 0u64;
    let mut dropped = 0u64;
    let mut alive = vec![false; total];
    let mut last_established = started;
    let deadline = started + Duration::from_secs(args.setup_timeout);
    let mut next_progress = started + PROGRESS_EVERY;
    while setup_us.len() + (failed as usize) < total {
        let next = tokio::time::timeout_at(next_progress.min(deadline).into(), events.recv()).await;
        match next {
            Ok(Some(Event::Established { session, micros })) => {
                alive[session] = true;
                setup_us.push(micros);
                last_established = Instant::now();
            }
            Ok(Some(Event::Failed(e))) => {
                failed += 1;
                samples.note(e);
            }
            Ok(Some(Event::Dropped { session, text })) => {
                alive[session] = false;
                dropped += 1;
                samples.note(text);
            }
            Ok(Some(Event::Exists { .. })) => {}
            Ok(None) => break,
            Err(_) => {
                if Instant::now() >= deadline {
                    samples.note(format!(
                        "setup: {} sessions not in IDLE after --setup-timeout {} s",
                        total - setup_us.len() - failed as usize,
                        args.setup_timeout
                    ));
                    break;
                }
                eprintln!(
                    "{}: {} of {total} sessions in IDLE, {failed} failed",
                    target.name,
                    setup_us.len()
                );
                next_progress += PROGRESS_EVERY;
            }
        }
    }
    let established = setup_us.len() as u64;
    if established == 0 {
        let _ = release.send(true);
        tasks.abort_all();
        bail!("no session reached IDLE: {}", samples.texts().join("; "));
    }
    let setup_secs = (last_established - started).as_secs_f64();
    eprintln!(
        "{}: {established} sessions in IDLE after {setup_secs:.1} s ({failed} failed); holding {} s",
        target.name, args.hold
    );

    // Hold, counting sessions the server closes.
    let hold_end = Instant::now() + Duration::from_secs(args.hold);
    while let Ok(Some(event)) = tokio::time::timeout_at(hold_end.into(), events.recv()).await {
        if let Event::Dropped { session, text } = event {
            alive[session] = false;
            dropped += 1;
            samples.note(text);
        }
    }
    let memory_held = sample(&pids).await;
    let held = established.saturating_sub(dropped);

    let wake = match smtp {
        Some(smtp) => {
            let u1_sessions: Vec<usize> = (0..total)
                .step_by(args.users as usize)
                .filter(|&s| alive[s])
                .collect();
            wake_check(
                args,
                &target.name,
                smtp,
                u1_sessions,
                &mut events,
                &mut dropped,
                &mut samples,
            )
            .await
        }
        None => Wake::NotAsked,
    };

    // Release: every session ends IDLE and logs out, within the I/O
    // timeout (twice, DONE and LOGOUT) and a margin.
    let _ = release.send(true);
    let end = Instant::now() + common.io_timeout() * 2 + Duration::from_secs(5);
    while let Ok(Some(_)) = tokio::time::timeout_at(end.into(), tasks.join_next()).await {}
    tasks.abort_all();

    Ok(IdleResult {
        name: target.name.clone(),
        imap: target.imap.clone(),
        tls: target.tls,
        sessions: args.sessions,
        users: args.users,
        established,
        failed,
        held,
        dropped,
        error_samples: samples.texts(),
        setup_secs,
        setup_latency: Latency::from_micros(&mut setup_us),
        hold_secs: args.hold,
        source_ips: connector.source_ips(),
        memory_before,
        memory_held,
        wake,
    })
}

/// Reads /proc off the runtime's threads (a server of a process per
/// session has thousands to read).
async fn sample(pids: &[u32]) -> Option<Memory> {
    let pids = pids.to_vec();
    tokio::task::spawn_blocking(move || memory::sample(&pids))
        .await
        .ok()
        .flatten()
}

/// One message to u1 over SMTP, then EXISTS on u1's sessions in IDLE
/// (`waiting`: session I is user (I mod K) + 1).
async fn wake_check(
    args: &ImapIdleArgs,
    name: &str,
    smtp: std::net::SocketAddr,
    mut waiting: Vec<usize>,
    events: &mut mpsc::UnboundedReceiver<Event>,
    dropped: &mut u64,
    samples: &mut Samples,
) -> Wake {
    let common = &args.common;
    let user = format!("u1@{}", common.domain);
    let factory = MessageFactory::new(&format!("{name}-wake"), &common.from, &common.domain, 2048);
    let mut data = Vec::new();
    factory.write(0, &user, &mut data);
    eprintln!("{name}: wake check: one message to {user}");
    let sent = Instant::now();
    let smtp_result = async {
        let mut conn = SmtpConnection::open(smtp, &common.ehlo, common.io_timeout(), true).await?;
        let outcome = conn.send(&common.from, &user, &data).await?;
        conn.quit().await;
        anyhow::Ok(outcome)
    }
    .await;
    let smtp_ms = sent.elapsed().as_secs_f64() * 1000.0;
    match smtp_result {
        Ok(Outcome::Accepted) => {}
        Ok(Outcome::Rejected { reply, .. }) => return Wake::Failed(reply.summary()),
        Err(e) => return Wake::Failed(format!("{e:#}")),
    }
    let sessions = waiting.len();
    if sessions == 0 {
        return Wake::NoSession;
    }
    let mut seen_at = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(args.wake_timeout);
    while !waiting.is_empty() {
        match tokio::time::timeout_at(deadline.into(), events.recv()).await {
            Ok(Some(Event::Exists { session, at })) => {
                if let Some(i) = waiting.iter().position(|&s| s == session) {
                    waiting.swap_remove(i);
                    seen_at.push((at.saturating_duration_since(sent)).as_secs_f64() * 1000.0);
                }
            }
            Ok(Some(Event::Dropped { session, text })) => {
                waiting.retain(|&s| s != session);
                *dropped += 1;
                samples.note(text);
            }
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => break,
        }
    }
    let first_ms = seen_at.iter().copied().reduce(f64::min);
    let last_ms = seen_at.iter().copied().reduce(f64::max);
    Wake::Done {
        smtp_ms,
        sessions,
        seen: seen_at.len(),
        first_ms,
        last_ms,
    }
}

/// One session: set up, idle until released, then DONE and LOGOUT.
async fn run_session(
    ctx: Arc<Ctx>,
    session: usize,
    mut release: watch::Receiver<bool>,
    events: mpsc::UnboundedSender<Event>,
) {
    let user = &ctx.users[session % ctx.users.len()];
    let setup = async {
        let _slot = ctx.setup_slots.acquire().await?;
        let started = Instant::now();
        let mut conn = ImapConn::open(&ctx.connector).await?;
        let mut untagged = Untagged::default();
        conn.expect_ok(
            &format!("LOGIN {} {}", quote(user), quote(&ctx.password)),
            &mut untagged,
        )
        .await
        .map_err(|e| e.context("LOGIN"))?;
        conn.expect_ok("SELECT INBOX", &mut untagged)
            .await
            .map_err(|e| e.context("SELECT INBOX"))?;
        conn.idle().await?;
        anyhow::Ok((conn, stats::micros(started.elapsed())))
    };
    let mut conn = match setup.await {
        Ok((conn, micros)) => {
            let _ = events.send(Event::Established { session, micros });
            conn
        }
        Err(e) => {
            let _ = events.send(Event::Failed(format!("setup: {e:#}")));
            return;
        }
    };
    // Bounded: ends on release, on an error, or after MAX_IDLE_EVENTS.
    for _ in 0..MAX_IDLE_EVENTS {
        tokio::select! {
            _ = release.wait_for(|&r| r) => break,
            event = conn.idle_event() => match event {
                Ok(IdleEvent::Exists(_)) => {
                    let _ = events.send(Event::Exists { session, at: Instant::now() });
                }
                Ok(IdleEvent::Other) => {}
                Ok(IdleEvent::Bye(text)) => {
                    let _ = events.send(Event::Dropped { session, text: format!("held: {text}") });
                    return;
                }
                Err(e) => {
                    let _ = events.send(Event::Dropped { session, text: format!("held: {e:#}") });
                    return;
                }
            }
        }
    }
    let _ = close(&mut conn).await;
}

async fn close(conn: &mut ImapConn) -> Result<()> {
    conn.idle_done().await?;
    let done = conn.logout().await?;
    if done.status != crate::imap_client::Status::Ok {
        bail!("{}", done.text);
    }
    Ok(())
}
