//! STARTTLS (RFC 3207). The command itself only answers `220 2.0.0` (see the session's command
//! table, which refuses it once TLS is active); this is the upgrade that follows.

use crate::session::Session;

impl Session {
    /// Performs the handshake, then resets the session to its initial state (RFC 3207 §4.2:
    /// the client's HELO, any AUTH and any transaction are forgotten). `Connection::start_tls`
    /// drops plaintext pipelined after STARTTLS, so none of it can pass as protected. The error
    /// count carries over. `false` when the handshake failed: the connection is closed.
    pub(crate) async fn upgrade(&mut self) -> bool {
        let timeout = self.ctx.handshake_timeout;
        match self.conn.start_tls(self.ctx.tls.clone(), timeout).await {
            Ok(()) => {
                tracing::debug!(
                    tls = self.conn.tls_description().as_deref(),
                    "STARTTLS done"
                );
                self.reset_after_tls();
                true
            }
            Err(e) => {
                tracing::debug!(error = %e, "STARTTLS handshake failed");
                false
            }
        }
    }
}
