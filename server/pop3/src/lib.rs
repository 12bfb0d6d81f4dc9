//! Kantor's POP3 server (RFC 1939, CAPA RFC 2449, STLS RFC 2595, AUTH RFC 5034).
//!
//! - [`Pop3Context`]: what every session shares (directory, TLS, limits, maildrop locks).
//! - `session`: the connection loop and the AUTHORIZATION / TRANSACTION / UPDATE states.
//! - `auth`: USER/PASS and AUTH PLAIN.
//! - `maildrop`: the INBOX snapshot a session works on, with its deletion marks.
//!
//! POP3 sees the INBOX as it was at login. DELE only marks; the marked messages are expunged from
//! the store in one transaction at QUIT (UPDATE state, RFC 1939 §6) and nowhere else.

mod auth;
mod maildrop;
mod session;

use kantor_config::Pop3Config;
use kantor_directory::Directory;
use kantor_net::Listener;
use kantor_store::AccountId;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use tracing::Instrument;

/// Shared by every POP3 session, on every POP3 listener (110 and 995 alike).
pub struct Pop3Context {
    pub directory: Directory,
    pub hostname: String,
    pub tls: Arc<rustls::ServerConfig>,
    /// How long a TLS handshake may take (`[tls] handshake_timeout_secs`).
    pub handshake_timeout: std::time::Duration,
    pub config: Pop3Config,
    /// The maildrops locked by sessions of any listener.
    pub(crate) locks: Arc<MaildropLocks>,
}

impl Pop3Context {
    pub fn new(
        directory: Directory,
        hostname: String,
        tls: Arc<rustls::ServerConfig>,
        handshake_timeout: std::time::Duration,
        config: Pop3Config,
    ) -> Pop3Context {
        Pop3Context {
            directory,
            hostname,
            tls,
            handshake_timeout,
            config,
            locks: Arc::default(),
        }
    }
}

/// Accounts with a POP3 session in TRANSACTION state (RFC 1939 §4: the maildrop is locked),
/// on any listener.
#[derive(Default)]
pub(crate) struct MaildropLocks(Mutex<HashSet<AccountId>>);

impl MaildropLocks {
    pub(crate) fn try_lock(self: &Arc<Self>, account: AccountId) -> Option<MaildropLock> {
        let fresh = self.0.lock().expect("maildrop locks").insert(account);
        fresh.then(|| MaildropLock {
            locks: self.clone(),
            account,
        })
    }
}

pub(crate) struct MaildropLock {
    locks: Arc<MaildropLocks>,
    account: AccountId,
}

impl Drop for MaildropLock {
    fn drop(&mut self) {
        self.locks
            .0
            .lock()
            .expect("maildrop locks")
            .remove(&self.account);
    }
}

/// Serves a POP3 listener (`implicit_tls` for port 995) until the process ends.
pub async fn serve(listener: Listener, implicit_tls: bool, ctx: Arc<Pop3Context>) {
    listener
        .serve(
            move |tcp, peer, guard| {
                let ctx = ctx.clone();
                let session = kantor_net::next_session_id();
                let span = tracing::info_span!("pop3", session, %peer, implicit_tls);
                async move {
                    session::run(tcp, peer, implicit_tls, ctx).await;
                    drop(guard);
                }
                .instrument(span)
            },
            |mut tcp, _limit| async move {
                use tokio::io::AsyncWriteExt;
                let _ = tcp
                    .write_all(b"-ERR [SYS/TEMP] too many connections, try again later\r\n")
                    .await;
            },
        )
        .await;
}
