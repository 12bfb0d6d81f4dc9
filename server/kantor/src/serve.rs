//! `kantor serve`: start everything on the embedded defaults or a configuration file.
//!
//! Order matters: configuration, logging, store (migrations), first-start bootstrap, TLS, then
//! every listener is bound before any is served, so a listener that cannot bind stops the start
//! with one line naming the address (exit code 1) instead of leaving a half-started server.

use crate::cli::ServeArgs;
use crate::logging;
use anyhow::{Context, Result};
use kantor_config::{Config, SearchConfig};
use kantor_directory::{AuthPolicy, Directory, password};
use kantor_net::{ConnectionLimiter, Listener, bind};
use kantor_search::{IndexLimits, Indexer, SearchIndex};
use kantor_store::{MailboxLimits, Store, StoreOptions};
use std::sync::Arc;
use std::time::Duration;

/// Threads for blocking work (blob fsyncs, password hashing, message parsing). Enough to keep many
/// fsyncs in flight; bounded so a burst cannot create hundreds of threads and their allocator arenas.
const BLOCKING_THREADS: usize = 32;

pub fn run(args: ServeArgs) -> Result<()> {
    let config = match &args.config {
        Some(path) => Config::load(path)?,
        None => Config::default(),
    };
    logging::init(args.log_format);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .max_blocking_threads(BLOCKING_THREADS)
        .enable_all()
        .build()?;
    runtime.block_on(serve(args, config))
}

async fn serve(args: ServeArgs, config: Config) -> Result<()> {
    let hostname = server_hostname(&config);
    let store = Store::open(
        &args.data,
        StoreOptions {
            max_batch: config.store.max_batch,
            read_connections: config.store.read_connections,
            header_cache_bytes: config.store.header_cache_mib << 20,
            mailbox_limits: MailboxLimits {
                max_mailboxes: config.store.max_mailboxes,
                max_name_bytes: config.store.max_mailbox_name_bytes,
                max_depth: config.store.max_mailbox_depth,
            },
        },
    )
    .with_context(|| format!("cannot open the store in {}", args.data.display()))?;
    crate::process::restrict_data_dir(&args.data)
        .with_context(|| format!("cannot restrict access to {}", args.data.display()))?;
    collect_garbage_every(store.clone(), &config.store);
    backfill(store.clone());
    let search = start_search(&store, &config.search);
    let directory = Directory::new(store, auth_policy(&config));

    // Only once every port is ours does a first start create the administrator: one that cannot
    // listen must not have shown (and so lost) its one-time password.
    let listeners = bind_listeners(&config).await?;
    bootstrap(&directory, args.domain.as_deref().unwrap_or(&hostname)).await?;
    let tls = tls_config(&config, &args, &hostname, &directory, &listeners)?;
    let handshake_timeout = Duration::from_secs(config.tls.handshake_timeout_secs);
    // The one resolver: inbound checks and outbound delivery share it (and its cache).
    let dns = kantor_dns::Dns::new(&config.resolver).context("cannot set up DNS ([resolver])")?;
    // The one rule engine of local delivery (Sieve): SMTP and JMAP submission share it.
    let rules = Arc::new(kantor_sieve::Rules::new(&config.sieve, &hostname));
    let smtp_ctx = Arc::new(kantor_smtp::SmtpContext {
        directory: directory.clone(),
        hostname: hostname.clone(),
        tls: tls.clone(),
        handshake_timeout,
        config: config.smtp.clone(),
        dns: dns.clone(),
        inbound: config.inbound.clone(),
        rules: rules.clone(),
    });
    let pop3_ctx = Arc::new(kantor_pop3::Pop3Context::new(
        directory.clone(),
        hostname.clone(),
        tls.clone(),
        handshake_timeout,
        config.pop3.clone(),
    ));
    let imap_ctx = Arc::new(kantor_imap::ImapContext {
        directory: directory.clone(),
        hostname: hostname.clone(),
        tls: tls.clone(),
        handshake_timeout,
        config: config.imap.clone(),
        search: search.clone(),
    });
    let https_port = listeners
        .iter()
        .find(|l| l.name == "https")
        .and_then(|l| l.local_addr().ok())
        .map(|a| a.port());
    let mut http_ctx = kantor_http::HttpContext::new(
        directory.clone(),
        hostname.clone(),
        tls.clone(),
        handshake_timeout,
        config.http.clone(),
        https_port,
        rules.clone(),
    );
    http_ctx.mta_sts = config.mta_sts.clone();
    http_ctx.search = search;
    let http_ctx = Arc::new(http_ctx);
    let sieve_ctx = Arc::new(kantor_managesieve::ManageSieveContext {
        directory: directory.clone(),
        tls: tls.clone(),
        handshake_timeout,
        config: config.sieve.clone(),
        rules: rules.clone(),
    });
    for listener in listeners {
        let addr = listener.local_addr()?;
        tracing::info!(listener = listener.name, %addr, "listening");
        println!("kantor: listening {} {addr}", listener.name);
        match listener.name {
            "smtp" => spawn(kantor_smtp::serve(
                listener,
                kantor_smtp::SmtpMode::Mx,
                smtp_ctx.clone(),
            )),
            "submission" => spawn(kantor_smtp::serve(
                listener,
                kantor_smtp::SmtpMode::Submission,
                smtp_ctx.clone(),
            )),
            "submissions" => spawn(kantor_smtp::serve(
                listener,
                kantor_smtp::SmtpMode::Submissions,
                smtp_ctx.clone(),
            )),
            "pop3" => spawn(kantor_pop3::serve(listener, false, pop3_ctx.clone())),
            "pop3s" => spawn(kantor_pop3::serve(listener, true, pop3_ctx.clone())),
            "imap" => spawn(kantor_imap::serve(listener, false, imap_ctx.clone())),
            "imaps" => spawn(kantor_imap::serve(listener, true, imap_ctx.clone())),
            "https" => spawn(kantor_http::serve(listener, true, http_ctx.clone())),
            "managesieve" => spawn(kantor_managesieve::serve(listener, sieve_ctx.clone())),
            _ => spawn(kantor_http::serve(listener, false, http_ctx.clone())),
        }
    }
    // DKIM keys for domains added before keys were made with them.
    for domain in directory.list_domains()? {
        directory.ensure_dkim_keys(&domain.name).await?;
    }
    // Mail to other servers: the queue's worker.
    let relay = kantor_outbound::Relay::new(&config.relay).map_err(anyhow::Error::msg)?;
    spawn(
        kantor_outbound::Outbound::new(
            directory.clone(),
            dns,
            config.outbound.clone(),
            relay,
            rules.clone(),
            hostname.clone(),
        )
        .map_err(anyhow::Error::msg)
        .context("cannot set up outbound delivery ([outbound] tls_ca_file)")?
        .run(),
    );
    println!("kantor: ready (data in {})", args.data.display());
    shutdown_signal().await;
    tracing::info!("shutting down");
    // Give sessions answering right now a moment; anything not yet acknowledged is retried by
    // the sender, and anything acknowledged is already on disk.
    tokio::time::sleep(Duration::from_millis(100)).await;
    Ok(())
}

/// The full-text index under the data directory and its indexer, a thread of its own that
/// follows the change log (`[search]`; kantor-search). Without it (disabled, or held by a
/// `kantor admin reindex` running now) every text search scans, as it did before the index.
fn start_search(store: &Store, config: &SearchConfig) -> Option<Arc<SearchIndex>> {
    if !config.enabled {
        return None;
    }
    let start = || -> Result<Arc<SearchIndex>, kantor_search::SearchError> {
        let index = SearchIndex::open(&store.search_index_dir())?;
        let (store, shared, limits) = (store.clone(), index.clone(), index_limits(config));
        let (memory, poll, defer) = (
            config.writer_memory_mib << 20,
            Duration::from_millis(config.poll_ms.max(10)),
            Duration::from_millis(config.burst_defer_ms),
        );
        // The indexer is made on its own thread, run only when a core is idle, which
        // tantivy's threads (made with the writer) inherit: when the machine is busy,
        // deliveries and searches go first and the index catches up after (deliveries never
        // wait for it; a search of messages not yet indexed scans them). The first error
        // comes back here.
        let (ready, made) = std::sync::mpsc::sync_channel(1);
        std::thread::Builder::new()
            .name("kantor-indexer".into())
            .spawn(move || {
                crate::process::run_this_thread_when_idle();
                match Indexer::new(store, shared, limits, memory) {
                    Ok(indexer) => {
                        let _ = ready.send(Ok(()));
                        indexer.run(poll, defer);
                    }
                    Err(e) => {
                        let _ = ready.send(Err(e));
                    }
                }
            })?;
        made.recv().map_err(|_| {
            kantor_search::SearchError::Io(std::io::Error::other("the indexer thread ended"))
        })??;
        Ok(index)
    };
    match start() {
        Ok(index) => Some(index),
        Err(e) => {
            tracing::error!(error = %e, "no full-text index: text searches will scan");
            None
        }
    }
}

/// The name this server goes by (greetings, EHLO, Received, reports): `[server] hostname`, else
/// the machine's host name, lower-cased.
pub(crate) fn server_hostname(config: &Config) -> String {
    config
        .server
        .hostname
        .clone()
        .or_else(|| hostname::get().ok().and_then(|h| h.into_string().ok()))
        .unwrap_or_else(|| "localhost".into())
        .to_lowercase()
}

/// What is indexed of one message (`[search]`).
pub(crate) fn index_limits(config: &SearchConfig) -> IndexLimits {
    IndexLimits {
        max_field_bytes: config.max_field_kib << 10,
        max_message_bytes: config.max_message_mib << 20,
        attachments: kantor_search::AttachmentLimits {
            max_bytes: config.attachment_max_mib << 20,
            max_unpacked_bytes: config.attachment_unpacked_mib << 20,
            max_text_bytes: config.attachment_text_kib << 10,
            timeout: Duration::from_millis(config.attachment_timeout_ms),
        },
        stemming: config.stemming,
    }
}

fn spawn(server: impl std::future::Future<Output = ()> + Send + 'static) {
    tokio::spawn(server);
}

fn auth_policy(config: &Config) -> AuthPolicy {
    let a = &config.auth;
    AuthPolicy {
        failures_before_delay: a.failures_before_delay,
        delay_step: Duration::from_millis(a.delay_step_ms),
        failures_before_lockout: a.failures_before_lockout,
        source_failures_before_lockout: a.source_failures_before_lockout,
        window: Duration::from_secs(a.window_secs),
        lockout: Duration::from_secs(a.lockout_secs),
    }
}

/// Binds every configured listener, or fails naming the first that cannot be bound.
async fn bind_listeners(config: &Config) -> Result<Vec<Listener>> {
    let l = &config.listeners;
    let (s, p, i, h) = (&config.smtp, &config.pop3, &config.imap, &config.http);
    let wanted = [
        (
            "smtp",
            &l.smtp,
            s.max_connections,
            s.mx_max_connections_per_ip,
        ),
        (
            "submission",
            &l.submission,
            s.max_connections,
            s.max_connections_per_ip,
        ),
        (
            "submissions",
            &l.submissions,
            s.max_connections,
            s.max_connections_per_ip,
        ),
        ("pop3", &l.pop3, p.max_connections, p.max_connections_per_ip),
        (
            "pop3s",
            &l.pop3s,
            p.max_connections,
            p.max_connections_per_ip,
        ),
        ("imap", &l.imap, i.max_connections, i.max_connections_per_ip),
        (
            "imaps",
            &l.imaps,
            i.max_connections,
            i.max_connections_per_ip,
        ),
        (
            "https",
            &l.https,
            h.max_connections,
            h.max_connections_per_ip,
        ),
        ("http", &l.http, h.max_connections, h.max_connections_per_ip),
        // ManageSieve sessions are few and short: IMAP's connection limits bound them.
        (
            "managesieve",
            &l.managesieve,
            i.max_connections,
            i.max_connections_per_ip,
        ),
    ];
    let mut listeners = Vec::new();
    for (name, address, total, per_ip) in wanted {
        if !address.is_empty() {
            listeners.push(bind(name, address, ConnectionLimiter::new(total, per_ip)).await?);
        }
    }
    Ok(listeners)
}

/// The configured certificate, or the generated one under `DATA/tls/`, made for the names
/// clients use: the host name, `mail.<domain>` of every local domain, and the listeners' own IP
/// addresses (see `kantor_net::tls`).
fn tls_config(
    config: &Config,
    args: &ServeArgs,
    hostname: &str,
    directory: &Directory,
    listeners: &[Listener],
) -> Result<Arc<kantor_net::tls::ServerConfig>> {
    let configured = config
        .tls
        .certificate
        .as_deref()
        .zip(config.tls.private_key.as_deref());
    let names = kantor_net::tls::CertificateNames {
        hostname: hostname.to_string(),
        domains: directory
            .list_domains()?
            .into_iter()
            .map(|d| d.name)
            .collect(),
        addresses: listeners
            .iter()
            .filter_map(|l| l.local_addr().ok())
            .map(|a| a.ip())
            .filter(|ip| !ip.is_unspecified())
            .collect(),
    };
    Ok(kantor_net::tls::server_config(
        configured,
        &args.data.join("tls"),
        &names,
    )?)
}

/// On first start (no domain yet): creates the first domain and an administrator, and prints
/// the administrator's generated password once.
async fn bootstrap(directory: &Directory, domain: &str) -> Result<()> {
    if !directory.list_domains()?.is_empty() {
        return Ok(());
    }
    let domain = directory
        .add_domain(domain)
        .await
        .with_context(|| format!("cannot create the first domain {domain:?} (use --domain)"))?;
    let secret = password::generate();
    let admin = directory
        .add_user(&format!("admin@{}", domain.name), &secret, 0, true)
        .await?;
    tracing::info!(domain = %domain.name, admin = %admin.address(), "first start: created domain and administrator");
    println!(
        "kantor: first start: created domain {} and administrator {}",
        domain.name,
        admin.address()
    );
    println!("kantor: administrator password (shown only once): {secret}");
    Ok(())
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("installing the SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

/// Extracts again the metadata of emails stored with an older layout of it, then gives the
/// emails stored before the search and sort keys existed (or by another version of them) their
/// keys, in the background: until then FETCH, and SEARCH, SORT and THREAD, parse those messages.
fn backfill(store: Store) {
    tokio::spawn(async move {
        if let Err(e) = store.backfill_meta().await {
            tracing::warn!(error = %e, "store: extracting email metadata failed");
        }
        if let Err(e) = store.backfill_keys().await {
            tracing::warn!(error = %e, "store: computing search and sort keys failed");
        }
    });
}

/// Runs the store's garbage collector, and prunes its change log, in the background every
/// `gc_interval_secs`.
fn collect_garbage_every(store: Store, config: &kantor_config::StoreConfig) {
    if config.gc_interval_secs == 0 {
        return;
    }
    let (every, grace, log_age) = (
        Duration::from_secs(config.gc_interval_secs),
        Duration::from_secs(config.gc_grace_secs),
        Duration::from_secs(config.change_log_days * 86_400),
    );
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.tick().await;
        loop {
            ticks.tick().await;
            if let Err(e) = store.collect_garbage(grace).await {
                tracing::warn!(error = %e, "store: garbage collection failed");
            }
            if let Err(e) = store.prune_changes(log_age).await {
                tracing::warn!(error = %e, "store: pruning the change log failed");
            }
        }
    });
}
