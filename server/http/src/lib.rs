//! Kantor's HTTP front end: every HTTP service of the server behind the `https` and `http`
//! listeners. JMAP (RFC 8620) and Prometheus `/metrics` now; DAV, autoconfig, the admin API and
//! the web client later, as routes of the same router.
//!
//! - `conn`: one connection: TLS (ALPN h2 and http/1.1), HTTP/1.1 or HTTP/2 (hyper), the header
//!   and request timeouts, the peer address handed to the routes.
//! - `routes`: the router: what each listener serves, the body limit, `/metrics`, the redirect
//!   of plain HTTP to HTTPS.
//! - `auth`: HTTP Basic (RFC 7617) with the account's address and password, through the
//!   directory's throttled login, with a cache of recent verifications so that a client sending
//!   its password with every request does not pay a password hash each time.
//! - `jmap`: the JMAP session resource, API endpoint, push (EventSource and WebSocket, RFC
//!   8887), uploads and downloads, with the concurrency limits per account.

mod auth;
mod conn;
mod jmap;
mod routes;

use kantor_config::HttpConfig;
use kantor_directory::Directory;
use kantor_net::Listener;
use std::sync::Arc;
use std::time::Duration;
use tracing::Instrument;

use auth::Credentials;

/// What every HTTP connection shares.
pub struct HttpContext {
    pub directory: Directory,
    /// The server's host name (redirects, the session resource's URLs).
    pub hostname: String,
    /// The certificate, for the `https` listener (ALPN is added here).
    pub tls: Arc<rustls::ServerConfig>,
    pub handshake_timeout: Duration,
    pub config: HttpConfig,
    /// The `https` listener's port, for redirects from plain HTTP (None: not listening).
    pub https_port: Option<u16>,
    /// The MTA-STS policy our domains publish (`/.well-known/mta-sts.txt`); the defaults
    /// unless set after `new`.
    pub mta_sts: kantor_config::MtaStsConfig,
    /// The full-text index (kantor-search), when the server keeps one: Email/query's `text`
    /// and `body` read only the messages it names as candidates.
    pub search: Option<Arc<kantor_search::SearchIndex>>,
    /// The rules of local delivery (Sieve), for EmailSubmission to local recipients.
    pub rules: Arc<kantor_sieve::Rules>,
    credentials: Credentials,
    /// Slots of uploads being received at once, server-wide (JMAP upload).
    uploads: Arc<tokio::sync::Semaphore>,
    /// Per account: API requests (HTTP and WebSocket) and uploads in progress (RFC 8620 §2).
    request_slots: jmap::Slots,
    upload_slots: jmap::Slots,
}

impl HttpContext {
    pub fn new(
        directory: Directory,
        hostname: String,
        tls: Arc<rustls::ServerConfig>,
        handshake_timeout: Duration,
        config: HttpConfig,
        https_port: Option<u16>,
        rules: Arc<kantor_sieve::Rules>,
    ) -> HttpContext {
        let mut tls = (*tls).clone();
        tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        HttpContext {
            directory,
            hostname,
            tls: Arc::new(tls),
            handshake_timeout,
            config,
            https_port,
            mta_sts: kantor_config::MtaStsConfig::default(),
            search: None,
            rules,
            credentials: Credentials::default(),
            uploads: Arc::new(tokio::sync::Semaphore::new(jmap::MAX_CONCURRENT_UPLOADS)),
            request_slots: jmap::Slots::default(),
            upload_slots: jmap::Slots::default(),
        }
    }
}

/// Serves `listener` (`https` when `secure`, else plain `http`) until the process ends.
pub async fn serve(listener: Listener, secure: bool, ctx: Arc<HttpContext>) {
    let name = listener.name;
    // One router per listener, shared by its connections (an axum Router is reference-counted:
    // built per connection, its tables cost about 9 KiB of every connection).
    let router = routes::router(ctx.clone(), secure);
    listener
        .serve(
            move |tcp, peer, guard| {
                let ctx = ctx.clone();
                let router = router.clone();
                let span = tracing::info_span!("http", listener = name, %peer);
                async move {
                    // Held until the connection ends, upgraded ones included (WebSocket).
                    conn::run(tcp, peer, secure, ctx, router, Arc::new(guard)).await;
                }
                .instrument(span)
            },
            // Over the limit: a plain client is told to come back; a TLS one is closed.
            move |mut tcp, _limit| async move {
                use tokio::io::AsyncWriteExt;
                if secure {
                    return;
                }
                let _ = tcp
                    .write_all(
                        b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\n\
                          Content-Length: 0\r\nConnection: close\r\n\r\n",
                    )
                    .await;
            },
        )
        .await;
}
