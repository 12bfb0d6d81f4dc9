//! Kantor's IMAP server (RFC 9051 IMAP4rev2; IMAP4rev1 clients, RFC 3501, served too).
//!
//! Commands arrive typed from `kantor-imap-proto`; this crate runs them against the store and
//! the directory and answers with typed responses. Message rendering (FETCH items, SEARCH, SORT,
//! THREAD) is `kantor-imap-message`'s.
//!
//! | module | what it holds |
//! |---|---|
//! | `session` | the connection loop: literals, pipelining, timeouts, error counting (`session/mod.rs`); the protocol state (`state.rs`); queued output and mailbox updates (`output.rs`) |
//! | `commands` | one module per command family, named like the proto crate's; `commands/mod.rs` is the command table (states, and what a command may announce) and the dispatch |
//! | `capabilities` | what CAPABILITY lists, depending on TLS and state |
//! | `access` | from a client's mailbox name to a mailbox of an account and back: the personal, other users' (`Other Users/OWNER/`) and shared (`Shared Folders/ADDRESS/`) namespaces, what LIST shows |
//! | `search_context` | searches kept for `RETURN (UPDATE)` (RFC 5267 CONTEXT=SEARCH/SORT): their results, and the ADDTO / REMOVEFROM that follow the view's changes |
//! | `sequence` | sequence sets (numbers, UIDs, `$`) against the selected view |
//! | `flags` | IMAP flags ⇄ the store's flags and keywords |
//! | `outcome` | how a command ends: OK, NO, BAD with response codes, or a server fault |
//! | [`names`] | mailbox names, the hierarchy delimiter, LIST pattern matching |
//! | `notify` | NOTIFY (RFC 5465): the checked filters, the change log turned into STATUS / LIST, and delivery between commands (`session/listen.rs` waits) |
//! | [`view`] | the selected mailbox as this session sees it: sequence numbers, and the change log turned into EXISTS / EXPUNGE / FETCH FLAGS at the points the RFC allows |

mod access;
mod capabilities;
mod commands;
mod flags;
pub mod names;
mod notify;
mod outcome;
mod search_context;
mod sequence;
mod session;
pub mod view;

use kantor_config::ImapConfig;
use kantor_directory::Directory;
use kantor_imap_proto::{Code, EncodeOptions, Response, StatusKind};
use kantor_net::Listener;
use std::sync::Arc;
use tracing::Instrument;

/// Shared by every IMAP session of every listener.
pub struct ImapContext {
    pub directory: Directory,
    /// Our name in the greeting and logs.
    pub hostname: String,
    pub tls: Arc<rustls::ServerConfig>,
    /// How long a TLS handshake may take, implicit or after STARTTLS (`[tls]
    /// handshake_timeout_secs`): a client that never starts one is not held longer.
    pub handshake_timeout: std::time::Duration,
    pub config: ImapConfig,
    /// The full-text index (kantor-search), when the server keeps one: SEARCH, SORT and THREAD
    /// read only the candidates it names for their text keys.
    pub search: Option<std::sync::Arc<kantor_search::SearchIndex>>,
}

/// Serves an IMAP listener (`implicit_tls` for port 993, RFC 8314) until the process ends.
/// Connections over the listener's limits get `* BYE [UNAVAILABLE]` and are closed (RFC 9051
/// §7.1.5 allows BYE as a greeting).
pub async fn serve(listener: Listener, implicit_tls: bool, ctx: Arc<ImapContext>) {
    let refusal = Arc::new(
        Response::status(
            None,
            StatusKind::Bye,
            Some(Code::Unavailable),
            "Too many connections, try again later",
        )
        .to_bytes(EncodeOptions::default()),
    );
    listener
        .serve(
            move |tcp, peer, guard| {
                let ctx = ctx.clone();
                let session = kantor_net::next_session_id();
                let span = tracing::info_span!("imap", session, %peer, implicit_tls);
                async move {
                    session::run(tcp, peer, implicit_tls, ctx).await;
                    drop(guard);
                }
                .instrument(span)
            },
            move |mut tcp, _limit| {
                let refusal = refusal.clone();
                async move {
                    use tokio::io::AsyncWriteExt;
                    if implicit_tls {
                        // Nothing readable can be sent before the handshake; just close.
                        return;
                    }
                    let _ = tcp.write_all(&refusal).await;
                }
            },
        )
        .await;
}
