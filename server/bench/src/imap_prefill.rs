//! `--prefill-per-user K` of `imap`: before a target is measured, bring the
//! INBOX of every client's user to at least K messages, so there are
//! headers and bodies to fetch. Counts are read over IMAP (`STATUS INBOX
//! (MESSAGES)`, RFC 9051 §6.3.11); the missing messages are sent over SMTP
//! by the same code as the `smtp` subcommand, to the target's `smtp=`
//! address. Since only the shortfall is sent, running the benchmark again
//! sends nothing, and Kantor and Postfix + Dovecot end up filled alike. Not
//! timed in the results.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::cli::ImapArgs;
use crate::connector::Connector;
use crate::imap_client::{ImapConn, Untagged, quote};
use crate::load::{self, Plan};
use crate::message::MessageFactory;

/// Concurrent IMAP sessions while counting.
const COUNT_SESSIONS: usize = 10;
/// Pause between counting rounds.
const POLL_INTERVAL: Duration = Duration::from_millis(200);
/// How often a long wait prints its progress.
const PROGRESS_EVERY: Duration = Duration::from_secs(10);

/// What the prefill did.
#[derive(Debug, Clone, PartialEq)]
pub struct ImapPrefill {
    /// Messages each INBOX holds at least.
    pub per_user: u64,
    /// Messages sent (the shortfall).
    pub sent: u64,
    /// Seconds from the first count to all of them delivered.
    pub secs: f64,
}

/// Tops up every user's INBOX to `args.prefill_per_user` messages.
pub async fn run(
    args: &ImapArgs,
    name: &str,
    connector: &Arc<Connector>,
    smtp: SocketAddr,
    users: &[String],
) -> Result<ImapPrefill> {
    let label = format!("{name} prefill");
    let want = args.prefill_per_user;
    let started = Instant::now();
    let counts = counts(connector, users, &args.common.password)
        .await
        .with_context(|| format!("{label}: counting the INBOXes over IMAP"))?;
    let short: Vec<u64> = counts.iter().map(|&n| want.saturating_sub(n)).collect();
    let total: u64 = short.iter().sum();
    if total == 0 {
        eprintln!("{label}: every INBOX already holds at least {want} messages");
        return Ok(ImapPrefill {
            per_user: want,
            sent: 0,
            secs: started.elapsed().as_secs_f64(),
        });
    }
    eprintln!(
        "{label}: sending {total} messages so that {} INBOXes hold {want} each",
        users.len()
    );
    // Users short of the same number go in one load, each getting exactly
    // that many (messages go round-robin over the recipients).
    let mut groups: Vec<u64> = short.iter().copied().filter(|&n| n > 0).collect();
    groups.sort_unstable();
    groups.dedup();
    let mut sent = 0;
    for (group_index, &missing) in groups.iter().enumerate() {
        let recipients: Vec<String> = users
            .iter()
            .zip(&short)
            .filter(|&(_, &n)| n == missing)
            .map(|(u, _)| u.clone())
            .collect();
        let plan = Plan {
            addr: smtp,
            ehlo: args.common.ehlo.clone(),
            from: args.common.from.clone(),
            total: missing * recipients.len() as u64,
            recipients,
            connections: args.prefill_connections,
            per_connection: None,
            io_timeout: args.common.io_timeout(),
            pipelining: true,
            progress: Some((label.clone(), 10_000)),
            factory: MessageFactory::new(
                &format!("{name}-imap-prefill-{group_index}"),
                &args.common.from,
                &args.common.domain,
                args.prefill_size as usize,
            ),
        };
        let load = load::run(plan).await;
        sent += load.accepted;
        if load.failures() > 0 {
            bail!(
                "{label}: {} messages not accepted over SMTP: {}",
                load.failures(),
                load.sample_texts().join("; ")
            );
        }
    }
    let expected: Vec<u64> = counts.iter().map(|&n| n.max(want)).collect();
    let deadline = Instant::now() + Duration::from_secs(args.prefill_timeout);
    let mut next_progress = Instant::now() + PROGRESS_EVERY;
    // Bounded by the deadline; each round by the I/O timeout.
    loop {
        let now = counts_lenient(connector, users, &args.common.password).await;
        let have: u64 = now.iter().zip(&expected).map(|(n, e)| (*n).min(*e)).sum();
        let need: u64 = expected.iter().sum();
        if have >= need {
            break;
        }
        if Instant::now() >= deadline {
            bail!(
                "{label}: {have} of {need} messages in the INBOXes after {} s",
                args.prefill_timeout
            );
        }
        if Instant::now() >= next_progress {
            eprintln!("{label}: waiting for delivery: {have} of {need} messages in the INBOXes");
            next_progress += PROGRESS_EVERY;
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
    let secs = started.elapsed().as_secs_f64();
    eprintln!("{label}: {sent} messages sent and delivered in {secs:.1} s");
    Ok(ImapPrefill {
        per_user: want,
        sent,
        secs,
    })
}

/// Messages in one user's INBOX.
pub async fn messages(connector: &Connector, user: &str, password: &str) -> Result<u64> {
    let mut conn = ImapConn::open(connector).await?;
    let mut untagged = Untagged::default();
    conn.expect_ok(
        &format!("LOGIN {} {}", quote(user), quote(password)),
        &mut untagged,
    )
    .await
    .with_context(|| format!("LOGIN as {user}"))?;
    conn.expect_ok("STATUS INBOX (MESSAGES)", &mut untagged)
        .await
        .context("STATUS")?;
    let _ = conn.logout().await;
    untagged
        .messages
        .context("no MESSAGES in the STATUS response")
}

/// Every user's count, failing on the first error.
async fn counts(connector: &Arc<Connector>, users: &[String], password: &str) -> Result<Vec<u64>> {
    many(connector, users, password)
        .await
        .into_iter()
        .zip(users)
        .map(|(r, user)| r.with_context(|| format!("INBOX of {user}")))
        .collect()
}

/// Every user's count, 0 where it could not be read.
async fn counts_lenient(connector: &Arc<Connector>, users: &[String], password: &str) -> Vec<u64> {
    many(connector, users, password)
        .await
        .into_iter()
        .map(|r| r.unwrap_or(0))
        .collect()
}

async fn many(connector: &Arc<Connector>, users: &[String], password: &str) -> Vec<Result<u64>> {
    let sessions = Arc::new(Semaphore::new(COUNT_SESSIONS));
    let mut tasks = JoinSet::new();
    for (i, user) in users.iter().enumerate() {
        let connector = Arc::clone(connector);
        let sessions = Arc::clone(&sessions);
        let user = user.clone();
        let password = password.to_owned();
        tasks.spawn(async move {
            let _permit = sessions.acquire().await;
            (i, messages(&connector, &user, &password).await)
        });
    }
    let mut results: Vec<Result<u64>> = users
        .iter()
        .map(|_| Err(anyhow::anyhow!("count task failed")))
        .collect();
    while let Some(joined) = tasks.join_next().await {
        if let Ok((i, result)) = joined {
            results[i] = result;
        }
    }
    results
}
