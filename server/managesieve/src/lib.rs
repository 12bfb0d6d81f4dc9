//! Kantor's ManageSieve server (RFC 5804, port 4190): users upload, check, list, activate,
//! rename and delete their Sieve scripts, which delivery runs (kantor-sieve).
//!
//! - `proto`: the command grammar into typed [`proto::Command`]s, and the responses.
//! - `session`: one connection: greeting, STARTTLS, AUTHENTICATE PLAIN, the script commands.

pub mod proto;
mod session;

use kantor_config::SieveConfig;
use kantor_directory::Directory;
use kantor_net::Listener;
use std::sync::Arc;
use tracing::Instrument;

/// Shared by every ManageSieve session.
pub struct ManageSieveContext {
    pub directory: Directory,
    pub tls: Arc<rustls::ServerConfig>,
    /// How long a TLS handshake may take (`[tls] handshake_timeout_secs`).
    pub handshake_timeout: std::time::Duration,
    /// Script limits and the session's own (`[sieve]`).
    pub config: SieveConfig,
    /// The engine that checks uploaded scripts, the same that runs them.
    pub rules: Arc<kantor_sieve::Rules>,
}

/// Serves a ManageSieve listener until the process ends.
pub async fn serve(listener: Listener, ctx: Arc<ManageSieveContext>) {
    listener
        .serve(
            move |tcp, peer, guard| {
                let ctx = ctx.clone();
                let session = kantor_net::next_session_id();
                let span = tracing::info_span!("managesieve", session, %peer);
                async move {
                    session::run(tcp, peer, ctx).await;
                    drop(guard);
                }
                .instrument(span)
            },
            |mut tcp, _limit| async move {
                use tokio::io::AsyncWriteExt;
                let _ = tcp
                    .write_all(b"BYE (TRYLATER) \"too many connections\"\r\n")
                    .await;
            },
        )
        .await;
}
