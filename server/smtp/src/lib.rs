//! Kantor's SMTP server: receiving mail for local domains (RFC 5321, port 25) and message
//! submission by authenticated users (RFC 6409 on 587 with STARTTLS, RFC 8314 on 465).
//!
//! The wire protocol (commands, replies, the DATA decoder) lives in `kantor-smtp-proto`; this
//! crate runs sessions against the directory and the store. One file per stage:
//!
//! | module      | what it does |
//! |-------------|--------------|
//! | `session`   | the connection loop: pipelining (RFC 2920), the command table, timeouts, error counting |
//! | `ehlo`      | EHLO/HELO and the advertised extensions (RFC 5321 §4.1.1.1) |
//! | `starttls`  | STARTTLS (RFC 3207) |
//! | `auth`      | AUTH PLAIN and LOGIN (RFC 4954, RFC 4616), submission only |
//! | `mail`      | MAIL FROM: the envelope sender and its parameters (RFC 5321 §4.1.1.2) |
//! | `rcpt`      | RCPT TO: recipient resolution, relay control, quota (RFC 5321 §4.1.1.3) |
//! | `data`      | receiving the message: DATA (§4.1.1.4) and BDAT (RFC 3030) |
//! | `deliver`   | trace headers, submission fix-ups (RFC 6409 §8), store calls, reply mapping |
//! | `inbound`   | port 25's checks: SPF, DKIM, ARC, DMARC, Authentication-Results, reverse DNS, DNSBL |
//! | `replies`   | the replies this crate names itself, beside those of `kantor-smtp-proto` |
//! | `ids`       | random identifiers for queue ids and Message-IDs |
//!
//! The durability rule: `250` to the end of data is sent only after the store has committed the
//! message to disk.

mod auth;
mod authors;
mod data;
mod deliver;
mod ehlo;
mod ids;
mod inbound;
mod mail;
mod rcpt;
mod receiving;
mod replies;
mod session;
mod starttls;

use kantor_config::{InboundConfig, SmtpConfig};
use kantor_directory::Directory;
use kantor_net::Listener;
use std::sync::Arc;
use tracing::Instrument;

/// Shared by every SMTP session of every listener.
pub struct SmtpContext {
    pub directory: Directory,
    /// Our name in the greeting, EHLO reply and Received headers.
    pub hostname: String,
    pub tls: Arc<rustls::ServerConfig>,
    /// How long a TLS handshake may take, implicit or after STARTTLS (`[tls]
    /// handshake_timeout_secs`): a client that never starts one is not held longer.
    pub handshake_timeout: std::time::Duration,
    pub config: SmtpConfig,
    /// The resolver the inbound checks ask (SPF, DKIM, DMARC, ARC, reverse DNS, DNSBL).
    pub dns: kantor_dns::Dns,
    /// What port 25 checks and refuses (`[inbound]`).
    pub inbound: InboundConfig,
    /// The rules every local delivery goes through (Sieve, RFC 5228).
    pub rules: Arc<kantor_sieve::Rules>,
}

impl SmtpContext {
    /// How long the DNS work of the inbound checks may take, per message or per connection.
    pub(crate) fn inbound_deadline(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.inbound.dns_timeout_secs)
    }
}

/// What a listener is for; decides TLS, AUTH and relay rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpMode {
    /// Port 25, mail from other servers (RFC 5321): local recipients only, no AUTH.
    Mx,
    /// Port 587 (RFC 6409): STARTTLS, then AUTH, then any recipient.
    Submission,
    /// Port 465 (RFC 8314 §3.3): as [`SmtpMode::Submission`] over implicit TLS.
    Submissions,
}

impl SmtpMode {
    /// Whether this listener is for authenticated submission (RFC 6409).
    pub(crate) fn is_submission(self) -> bool {
        !matches!(self, SmtpMode::Mx)
    }
}

/// Serves an SMTP listener until the process ends. Connections over the listener's limits get
/// `421 4.7.0` and are closed (RFC 5321 §3.1 allows a 421 greeting).
pub async fn serve(listener: Listener, mode: SmtpMode, ctx: Arc<SmtpContext>) {
    let refusal = Arc::new(replies::too_many_connections(&ctx.hostname).to_bytes(true));
    listener
        .serve(
            move |tcp, peer, guard| {
                let ctx = ctx.clone();
                let session = kantor_net::next_session_id();
                let span = tracing::info_span!("smtp", session, %peer, ?mode);
                async move {
                    session::run(tcp, peer, mode, ctx).await;
                    drop(guard);
                }
                .instrument(span)
            },
            move |mut tcp, _limit| {
                let refusal = refusal.clone();
                async move {
                    use tokio::io::AsyncWriteExt;
                    let _ = tcp.write_all(&refusal).await;
                    let _ = tcp.shutdown().await;
                }
            },
        )
        .await;
}
