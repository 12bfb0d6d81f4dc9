//! Outbound delivery (RFC 5321 §4.5.4, §5): a worker drains the store's durable queue. Each
//! round takes the recipients due, groups them by destination domain and message, and delivers
//! up to `max_messages_per_connection` messages of one domain over one connection (`delivery`,
//! `session`, with `client`), at most `max_connections_per_domain` at once per domain and
//! `max_concurrent_deliveries` in all. Every recipient's outcome is recorded as soon as its
//! message is settled (`settle`): delivered, deferred to the next retry of
//! `retry_schedule_secs`, or bounced (a permanent failure, or older than `max_age_secs`), the
//! sender then getting a delivery status notification (`dsn`) in their INBOX (a local sender)
//! or by mail. A sender is warned once when a message is still waiting after
//! `delay_warning_secs`. Nothing is lost: a recipient leaves the queue's pending set only with
//! a final status, so a kill at any moment delivers it again at most once more.
//!
//! Destinations that publish an MTA-STS policy or DANE TLSA records get their mail only as
//! these require (`tls_policy`), and every session's TLS result is counted for the daily
//! TLS-RPT reports, which the worker sends once a day has ended (`tls_policy::tls_rpt`).

mod auth;
mod client;
mod delivery;
mod downgrade;
mod dsn;
mod relay;
mod session;
mod settle;
mod sign;
mod tls_policy;

pub use dsn::Action as DsnAction;
pub use relay::Relay;
pub use tls_policy::Policies;
pub use tls_policy::tls_rpt::{Sent, send_reports};

use delivery::{Envelope, Route, Settled};
use kantor_config::OutboundConfig;
use kantor_directory::{Address, Directory, Recipient};
use kantor_dns::Dns;
use kantor_store::{
    BlobHash, BlobRef, Flags, IncomingMessage, MailboxRole, OutgoingMessage, QueueEntry,
    QueueRecipient, QuotaRule,
};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::Semaphore;

/// Recipients read per look at the queue (those already being delivered included).
const BATCH: usize = 500;
/// The destination of mail sent through the `[relay]`, in place of a domain.
const RELAYED: &str = "[relay]";
/// How often the worker looks for due recipients (new mail is found within this, whatever
/// deliveries are still under way).
const POLL: Duration = Duration::from_millis(500);
/// How long the worker waits, once woken by new mail, for more to be queued with it.
const COALESCE: Duration = Duration::from_millis(10);

/// The outbound worker's context.
pub struct Outbound {
    directory: Directory,
    dns: Dns,
    config: OutboundConfig,
    hostname: String,
    tls: Arc<rustls::ClientConfig>,
    /// MTA-STS, DANE and TLS-RPT (`tls_policy`).
    policies: Policies,
    /// The smarthost remote mail goes through, when `[relay]` names one.
    relay: Option<Relay>,
    /// Where DSNs to local senders are filed: the server's local delivery.
    local: Arc<dyn LocalDelivery>,
    /// Queue ids being delivered now: not taken again until their attempt is recorded.
    in_flight: Mutex<HashSet<i64>>,
    /// Deliveries at once, all destinations together.
    all: Arc<Semaphore>,
    /// Connections at once per destination domain (only domains with deliveries under way).
    per_domain: Mutex<HashMap<String, Arc<Semaphore>>>,
    /// The local domains' DKIM keys, parsed.
    signers: sign::Signers,
}

impl Outbound {
    /// The worker; Err when the trusted roots (`tls_ca_file`) cannot be read.
    pub fn new(
        directory: Directory,
        dns: Dns,
        config: OutboundConfig,
        relay: Option<Relay>,
        local: Arc<dyn LocalDelivery>,
        hostname: String,
    ) -> Result<Outbound, String> {
        let policies = Policies::new(directory.store().clone(), dns.clone(), &config)?;
        Ok(Outbound {
            policies,
            directory,
            relay,
            local,
            dns,
            all: Arc::new(Semaphore::new(config.max_concurrent_deliveries.max(1))),
            config,
            hostname,
            tls: kantor_net::client_tls::any_certificate(),
            in_flight: Mutex::new(HashSet::new()),
            per_domain: Mutex::new(HashMap::new()),
            signers: sign::Signers::default(),
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
            match this.take_due(now) {
                Ok(due) => this.start(due),
                Err(e) => {
                    tracing::error!(error = %e, "outbound: cannot read the queue");
                    tokio::time::sleep(Duration::from_secs(5)).await;
                }
            }
            // New mail starts at once; retries and other processes' changes at the next poll.
            tokio::select! {
                () = tokio::time::sleep(POLL) => {}
                // A burst of submissions is read in one go, not one query per message.
                () = this.directory.store().mail_queued() => tokio::time::sleep(COALESCE).await,
            }
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

    /// The due recipients not under way yet, marked as under way. The queue is read with the
    /// in-flight set locked: a delivery records its outcome before it leaves the set, so a
    /// recipient read as due while its delivery was finishing is still found in the set (and
    /// never delivered twice).
    fn take_due(&self, now: i64) -> kantor_store::Result<Vec<QueueEntry>> {
        let mut in_flight = lock(&self.in_flight);
        let due = self.directory.store().due_queue_entries(now, BATCH)?;
        Ok(due
            .into_iter()
            .filter(|entry| in_flight.insert(entry.id))
            .collect())
    }

    /// Starts the deliveries of `due` recipients: grouped by destination domain and message, at
    /// most `max_messages_per_connection` messages a connection, within the concurrency limits.
    fn start(self: &Arc<Self>, due: Vec<QueueEntry>) {
        let mut domains: BTreeMap<String, BTreeMap<(String, String), Vec<QueueEntry>>> =
            BTreeMap::new();
        for entry in due {
            let domain = entry
                .rcpt_to
                .rsplit_once('@')
                .map_or("", |(_, d)| d)
                .to_ascii_lowercase();
            // Mail through the relay goes together, whatever its destination.
            let domain = match &self.relay {
                Some(relay) if relay.serves(&domain) => RELAYED.to_string(),
                _ => domain,
            };
            let message = (entry.mail_from.clone(), entry.blob.to_string());
            domains
                .entry(domain)
                .or_default()
                .entry(message)
                .or_default()
                .push(entry);
        }
        let mut per_domain = lock(&self.per_domain);
        // Semaphores of domains with nothing under way are dropped (each task holds a clone).
        per_domain.retain(|_, slots| Arc::strong_count(slots) > 1);
        let per_connection = self.config.max_messages_per_connection.max(1);
        for (domain, messages) in domains {
            let domain_slots = per_domain
                .entry(domain.clone())
                .or_insert_with(|| {
                    Arc::new(Semaphore::new(
                        self.config.max_connections_per_domain.max(1),
                    ))
                })
                .clone();
            // Oldest first.
            let mut messages: Vec<Vec<QueueEntry>> = messages.into_values().collect();
            messages.sort_by_key(|entries| entries[0].id);
            while !messages.is_empty() {
                let rest = messages.split_off(per_connection.min(messages.len()));
                let batch = std::mem::replace(&mut messages, rest);
                let (this, domain, domain_slots) =
                    (Arc::clone(self), domain.clone(), Arc::clone(&domain_slots));
                tokio::spawn(async move {
                    // The destination's slot first: deliveries waiting for a busy (or dead)
                    // destination must not hold the global slots other destinations need.
                    let _domain_slot = domain_slots.acquire_owned().await;
                    let _slot = Arc::clone(&this.all).acquire_owned().await;
                    let _under_way = UnderWay {
                        outbound: Arc::clone(&this),
                        ids: batch.iter().flatten().map(|e| e.id).collect(),
                    };
                    this.deliver_batch(&domain, batch).await;
                });
            }
        }
    }

    /// Messages (each its recipients at `domain`) over one connection where the server allows,
    /// each message's outcomes recorded as soon as they are known.
    async fn deliver_batch(&self, domain: &str, batch: Vec<Vec<QueueEntry>>) {
        let store = self.directory.store();
        let envelopes: Vec<Envelope> = batch
            .iter()
            .map(|entries| Envelope {
                mail_from: entries[0].mail_from.clone(),
                recipients: entries.iter().map(|e| e.rcpt_to.clone()).collect(),
                blob: entries[0].blob.clone(),
            })
            .collect();
        let load = |blob: &BlobHash| store.read_blob(blob).map_err(|e| e.to_string());
        let sign = |mail_from: &str, message: &[u8]| {
            self.signers.sign(&self.directory, mail_from, message)
        };
        let relay = self.relay.as_ref().filter(|_| domain == RELAYED);
        let policy = match relay {
            Some(_) => None,
            None => Some(self.policies.for_domain(domain).await),
        };
        let route = Route {
            dns: &self.dns,
            hostname: &self.hostname,
            port: self.config.smtp_port,
            connect_timeout: Duration::from_secs(self.config.connect_timeout_secs),
            command_timeout: Duration::from_secs(self.config.command_timeout_secs),
            tls: Arc::clone(&self.tls),
            sign: &sign,
            load: &load,
            relay,
            policy,
            source_ipv4: self.config.source_ipv4,
            source_ipv6: self.config.source_ipv6,
        };
        let (out, mut settled) = tokio::sync::mpsc::unbounded_channel::<Settled>();
        let record = async {
            while let Some(done) = settled.recv().await {
                self.settle(&batch[done.message], done.attempts).await;
            }
        };
        tokio::join!(delivery::deliver(&route, domain, &envelopes, out), record);
    }
}

/// The server's one local delivery path, for the DSNs this crate writes to local senders: the
/// binary hands in kantor-sieve's rules (which depend on this crate), so a sender's script sees
/// its bounces as any other mail (RFC 5228 §2.10.6: no vacation answer to them, RFC 3834).
pub trait LocalDelivery: Send + Sync {
    /// Files `message` for its recipients, reached at `rcpt_to`, from the null reverse-path.
    fn deliver_local<'a>(
        &'a self,
        directory: &'a Directory,
        message: IncomingMessage,
        rcpt_to: &'a str,
    ) -> futures::future::BoxFuture<'a, Result<(), kantor_store::StoreError>>;
}

/// Tells the sender of `entries` (recipients of one message), if they asked, with a DSN
/// (RFC 3464): through `local` (their rules, then their INBOX) when they are ours, else queued
/// to them with an empty MAIL FROM (so that it is never bounced in turn). Used by the worker,
/// by local delivery (over quota, Sieve rejections) and by `kantor admin queue bounce`.
pub async fn notify_sender(
    directory: &Directory,
    local: &dyn LocalDelivery,
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
    let resolved = Address::parse(&sender).ok().map(|a| directory.resolve(&a));
    let result = match resolved {
        Some(Ok(Recipient::Local(accounts))) => {
            let message = IncomingMessage {
                blob: BlobRef::new(report),
                recipients: accounts,
                flags: Flags::default(),
                internal_date: chrono::Utc::now().timestamp(),
                quota: QuotaRule::Ignore,
                mailbox: MailboxRole::Inbox,
            };
            local.deliver_local(directory, message, &sender).await
        }
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
