//! Outbound delivery (RFC 5321 §4.5.4, §5): a worker drains the store's durable queue. Each
//! round takes the recipients due, groups them by message, sender and destination domain,
//! delivers each group over one connection (`delivery`, with `client`), at most
//! `max_connections_per_domain` at once per domain and `max_concurrent_deliveries` in all, and
//! records every recipient's outcome: delivered, deferred to the next retry of
//! `retry_schedule_secs`, or bounced (a permanent failure, or older than `max_age_secs`), the
//! sender then getting a delivery status notification (`dsn`) in their INBOX (a local sender)
//! or by mail. A sender is warned once when a message is still waiting after
//! `delay_warning_secs`. Nothing is lost: a recipient leaves the queue's pending set only with
//! a final status, so a kill at any moment delivers it again at most once more.
//!
//! Destinations that publish an MTA-STS policy get their mail only as it requires
//! (`tls_policy`), and every session's TLS result is counted for the daily TLS-RPT reports,
//! which the worker sends once a day has ended (`tls_policy::tls_rpt`).

mod client;
mod delivery;
mod dsn;
mod sign;
mod tls_policy;

pub use dsn::Action as DsnAction;
pub use tls_policy::Policies;
pub use tls_policy::tls_rpt::{Sent, send_reports};

use delivery::{Attempt, Route};
use kantor_config::OutboundConfig;
use kantor_directory::{Address, Directory, Recipient};
use kantor_dns::Dns;
use kantor_store::{
    BlobRef, Flags, IncomingMessage, MailboxRole, OutgoingMessage, QueueEntry, QueueOutcome,
    QueueRecipient, QuotaRule,
};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::Semaphore;

/// Recipients read per look at the queue (those already being delivered included).
const BATCH: usize = 500;
/// How often the worker looks for due recipients (new mail is found within this, whatever
/// deliveries are still under way).
const POLL: Duration = Duration::from_millis(500);

/// The outbound worker's context.
pub struct Outbound {
    directory: Directory,
    dns: Dns,
    config: OutboundConfig,
    hostname: String,
    policies: Policies,
    /// Queue ids being delivered now: not taken again until their attempt is recorded.
    in_flight: Mutex<HashSet<i64>>,
    /// Deliveries at once, all destinations together.
    all: Arc<Semaphore>,
    /// Connections at once per destination domain (only domains with deliveries under way).
    per_domain: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl Outbound {
    /// The worker; Err when the trusted roots (`tls_ca_file`) cannot be read.
    pub fn new(
        directory: Directory,
        dns: Dns,
        config: OutboundConfig,
        hostname: String,
    ) -> Result<Outbound, String> {
        let policies = Policies::new(directory.store().clone(), dns.clone(), &config)?;
        Ok(Outbound {
            directory,
            dns,
            all: Arc::new(Semaphore::new(config.max_concurrent_deliveries.max(1))),
            config,
            hostname,
            policies,
            in_flight: Mutex::new(HashSet::new()),
            per_domain: Mutex::new(HashMap::new()),
        })
    }

    /// Runs the worker until the process ends: every `POLL`, the due recipients not already
    /// under way are grouped and their deliveries started, so a slow server delays only its own
    /// mail.
    pub async fn run(self) {
        let this = Arc::new(self);
        if this.config.tls_reports {
            tokio::spawn(Arc::clone(&this).report_daily());
        }
        loop {
            let now = chrono::Utc::now().timestamp();
            match this.directory.store().due_queue_entries(now, BATCH) {
                Ok(due) => this.start(due),
                Err(e) => {
                    tracing::error!(error = %e, "outbound: cannot read the queue");
                    tokio::time::sleep(Duration::from_secs(5)).await;
                }
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Sends the TLS-RPT reports of the days that have ended and were not reported yet (RFC
    /// 8460 §4.1: daily), looking every hour.
    async fn report_daily(self: Arc<Self>) {
        loop {
            let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
            let days = self.directory.store().unreported_tls_days(&today);
            for day in days.unwrap_or_default() {
                let Some(from) = report_sender(&self.directory, &self.config) else {
                    break;
                };
                match send_reports(&self.policies, &from, &self.hostname, &day).await {
                    Ok(sent) => sent
                        .lines
                        .iter()
                        .for_each(|l| tracing::info!(%day, "outbound: TLS report: {l}")),
                    Err(e) => tracing::warn!(%day, error = %e, "outbound: TLS reports not sent"),
                }
            }
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
    }

    /// Starts the deliveries of due recipients not under way yet, grouped by domain, sender and
    /// message, within the concurrency limits.
    fn start(self: &Arc<Self>, due: Vec<QueueEntry>) {
        let mut in_flight = lock(&self.in_flight);
        let mut groups: BTreeMap<(String, String, String), Vec<QueueEntry>> = BTreeMap::new();
        for entry in due {
            if !in_flight.insert(entry.id) {
                continue;
            }
            let domain = entry
                .rcpt_to
                .rsplit_once('@')
                .map_or("", |(_, d)| d)
                .to_ascii_lowercase();
            let key = (domain, entry.mail_from.clone(), entry.blob.to_string());
            groups.entry(key).or_default().push(entry);
        }
        drop(in_flight);
        let mut per_domain = lock(&self.per_domain);
        // Semaphores of domains with nothing under way are dropped (each task holds a clone).
        per_domain.retain(|_, slots| Arc::strong_count(slots) > 1);
        for ((domain, _, _), entries) in groups {
            let domain_slots = per_domain
                .entry(domain.clone())
                .or_insert_with(|| {
                    Arc::new(Semaphore::new(
                        self.config.max_connections_per_domain.max(1),
                    ))
                })
                .clone();
            let this = Arc::clone(self);
            tokio::spawn(async move {
                let _slot = Arc::clone(&this.all).acquire_owned().await;
                let _domain_slot = domain_slots.acquire_owned().await;
                let _under_way = UnderWay {
                    outbound: Arc::clone(&this),
                    ids: entries.iter().map(|e| e.id).collect(),
                };
                this.deliver_group(&domain, entries).await;
            });
        }
    }

    /// One message to its recipients at one domain, and what follows from each outcome.
    async fn deliver_group(&self, domain: &str, entries: Vec<QueueEntry>) {
        let store = self.directory.store();
        let message = match store.read_blob(&entries[0].blob) {
            Ok(message) => message,
            Err(e) => {
                tracing::error!(error = %e, blob = %entries[0].blob, "outbound: the queued message is unreadable");
                return;
            }
        };
        let route = Route {
            dns: &self.dns,
            hostname: &self.hostname,
            port: self.config.smtp_port,
            connect_timeout: Duration::from_secs(self.config.connect_timeout_secs),
            command_timeout: Duration::from_secs(self.config.command_timeout_secs),
            policy: self.policies.for_domain(domain).await,
        };
        let recipients: Vec<String> = entries.iter().map(|e| e.rcpt_to.clone()).collect();
        let signed = sign::sign(&self.directory, &entries[0].mail_from, &message);
        let attempts =
            delivery::deliver(&route, domain, &entries[0].mail_from, &recipients, &signed).await;
        let now = chrono::Utc::now().timestamp();
        let (mut failed, mut delayed) = (Vec::new(), Vec::new());
        for (entry, attempt) in entries.iter().zip(attempts) {
            let age = now - entry.created_at;
            let outcome = match attempt {
                Attempt::Delivered(reply) => {
                    tracing::info!(id = entry.id, to = %entry.rcpt_to, %reply, "outbound: delivered");
                    kantor_metrics::metrics().messages_delivered.inc();
                    QueueOutcome::Delivered(reply)
                }
                Attempt::Permanent(why) => {
                    tracing::info!(id = entry.id, to = %entry.rcpt_to, %why, "outbound: bounced");
                    failed.push((entry, why.clone()));
                    QueueOutcome::Bounced(why)
                }
                Attempt::Temporary(why) if age >= self.config.max_age_secs as i64 => {
                    let why = format!("5.4.7 delivery time expired; last error: {why}");
                    tracing::info!(id = entry.id, to = %entry.rcpt_to, %why, "outbound: expired");
                    failed.push((entry, why.clone()));
                    QueueOutcome::Bounced(why)
                }
                Attempt::Temporary(why) => {
                    let delay = self.retry_delay(entry.attempts);
                    tracing::info!(id = entry.id, to = %entry.rcpt_to, %why, retry_in = delay, "outbound: deferred");
                    let warn = self.config.delay_warning_secs > 0
                        && age >= self.config.delay_warning_secs as i64
                        && !entry.warned;
                    if warn {
                        delayed.push((entry, why.clone()));
                    }
                    QueueOutcome::Deferred {
                        error: why,
                        retry_at: now + delay as i64,
                    }
                }
            };
            if let Err(e) = store.record_queue_outcome(entry.id, outcome).await {
                tracing::error!(id = entry.id, error = %e, "outbound: cannot record an outcome");
            }
        }
        notify_sender(
            &self.directory,
            &self.hostname,
            &failed,
            DsnAction::Failed,
            &message,
        )
        .await;
        if !delayed.is_empty() {
            notify_sender(
                &self.directory,
                &self.hostname,
                &delayed,
                DsnAction::Delayed,
                &message,
            )
            .await;
            for (entry, _) in &delayed {
                let _ = store
                    .record_queue_outcome(entry.id, QueueOutcome::Warned)
                    .await;
            }
        }
    }

    /// The wait before the retry after `attempts` earlier attempts.
    fn retry_delay(&self, attempts: u32) -> u64 {
        let schedule = &self.config.retry_schedule_secs;
        match schedule.is_empty() {
            true => 3600,
            false => schedule[(attempts as usize).min(schedule.len() - 1)],
        }
    }
}

/// Tells the sender of `entries` (recipients of one message), if they asked, with a DSN
/// (RFC 3464): into their INBOX when they are ours, else queued to them with an empty MAIL FROM
/// (so that it is never bounced in turn). Used by the worker and by `kantor admin queue bounce`.
pub async fn notify_sender(
    directory: &Directory,
    hostname: &str,
    entries: &[(&QueueEntry, String)],
    action: DsnAction,
    original: &[u8],
) {
    let wanted: Vec<(&QueueEntry, String)> = entries
        .iter()
        .filter(|(e, _)| dsn::wanted(e, action))
        .cloned()
        .collect();
    if wanted.is_empty() {
        return;
    }
    let sender = wanted[0].0.mail_from.clone();
    let report = match dsn::report(hostname, &wanted, action, original) {
        Ok(report) => report,
        Err(e) => {
            tracing::error!(error = %e, "outbound: cannot write a DSN");
            return;
        }
    };
    let store = directory.store();
    let local = Address::parse(&sender).ok().map(|a| directory.resolve(&a));
    let result = match local {
        Some(Ok(Recipient::Local(accounts))) => store
            .deliver(IncomingMessage {
                blob: BlobRef::new(report),
                recipients: accounts,
                flags: Flags::default(),
                internal_date: chrono::Utc::now().timestamp(),
                quota: QuotaRule::Ignore,
                mailbox: MailboxRole::Inbox,
            })
            .await
            .map(|_| ()),
        Some(Ok(Recipient::Remote)) => store
            .enqueue(OutgoingMessage {
                blob: BlobRef::new(report),
                account_id: None,
                mail_from: String::new(),
                recipients: vec![QueueRecipient {
                    address: sender.clone(),
                    notify: None,
                    orcpt: None,
                }],
                envid: None,
                ret: None,
            })
            .await
            .map(|_| ()),
        _ => {
            tracing::warn!(%sender, "outbound: a DSN has nowhere to go");
            Ok(())
        }
    };
    match result {
        Ok(()) => tracing::info!(%sender, ?action, recipients = wanted.len(), "outbound: DSN sent"),
        Err(e) => tracing::error!(%sender, error = %e, "outbound: cannot deliver a DSN"),
    }
}

/// The From address of TLS reports: `tls_report_from`, else `postmaster@` the first local
/// domain (None without any).
pub fn report_sender(directory: &Directory, config: &OutboundConfig) -> Option<String> {
    if let Some(from) = &config.tls_report_from {
        return Some(from.clone());
    }
    let domains = directory.list_domains().ok()?;
    domains.first().map(|d| format!("postmaster@{}", d.name))
}

/// Queue ids under way, released when their delivery ends, however it ends.
struct UnderWay {
    outbound: Arc<Outbound>,
    ids: Vec<i64>,
}

impl Drop for UnderWay {
    fn drop(&mut self) {
        let mut in_flight = lock(&self.outbound.in_flight);
        for id in &self.ids {
            in_flight.remove(id);
        }
    }
}

/// A lock that a panicked holder did not poison for good (the sets stay usable).
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}
