//! What every protocol server shares below the protocol: listeners, TLS and connection limits.
//!
//! - [`tls`]: the server certificate (configured PEM files, or a generated self-signed one).
//! - [`stream`]: [`Stream`], a connection that is plain or TLS and can be upgraded (STARTTLS).
//! - [`compress`]: DEFLATE over the whole connection (IMAP COMPRESS, RFC 4978).
//! - [`connection`]: [`Connection`], a stream with its read buffer and timeouts.
//! - [`limits`]: [`ConnectionLimiter`], concurrent connections in total and per IP.
//! - [`listener`]: binding with a one-line error naming the address, and the accept loop.

pub mod client_tls;
pub mod compress;
pub mod connection;
pub mod limits;
pub mod listener;
pub mod stream;
pub mod tls;

pub use connection::{Connection, ReadError};
pub use limits::{ConnectionGuard, ConnectionLimiter};
pub use listener::{BindError, Listener, bind};
pub use stream::Stream;

/// A number for a new session, unique in this process: every log line of the session carries
/// it (with the peer's address), so one session's lines can be told from another's.
pub fn next_session_id() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}
pub use tls::TlsError;
