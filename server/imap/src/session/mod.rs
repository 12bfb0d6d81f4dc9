//! One IMAP connection: the greeting, then commands until LOGOUT, a timeout or too many errors.
//!
//! The loop frames commands with `kantor_imap_proto::parse_command`, literals included: a
//! synchronizing literal gets `+` only after its size passed the limits (RFC 9051 §7.5; RFC 7888
//! TOOBIG otherwise): each literal at most `imap.max_literal` (APPENDLIMIT is per message, RFC
//! 7889), the whole command at most `imap.max_command_size`, since a command is held in memory
//! and run only once all of it is here. Responses are queued and
//! written when the loop needs to read again, so pipelined commands are answered in one write
//! (RFC 9051 §5.5). Before login the read timeout is `imap.login_timeout_secs`, after it
//! `imap.idle_timeout_secs` (RFC 9051 §5.4: at least 30 minutes); a timeout says `* BYE
//! Autologout` before closing. A client that stops reading our responses is dropped after
//! `imap.write_timeout_secs` without progress.

pub(crate) mod listen;
pub(crate) mod output;
pub(crate) mod state;

use crate::ImapContext;
use crate::capabilities::{self, Situation};
use crate::commands;
use crate::notify::Notifier;
use kantor_imap_proto::{
    Capability, Code, CommandError, CommandErrorKind, Limits, Parsed, ReadProgress, Response,
    Resync, StatusKind, read_command, skip_line,
};
use kantor_net::{Connection, ReadError};
use kantor_store::AccountState;
use output::Output;
use state::{Enabled, State};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;

/// Output beyond this is written even while more pipelined commands wait.
pub(crate) const FLUSH_AT: usize = 64 * 1024;

pub(crate) struct Session {
    pub ctx: Arc<ImapContext>,
    pub conn: Connection,
    pub out: Output,
    pub state: State,
    pub enabled: Enabled,
    /// What a logged-in client may send.
    pub limits: Limits,
    /// What a client may send before login: literals of a few KiB (`imap.max_literal_before_login`).
    pub login_limits: Limits,
    /// How far the command at the start of the read buffer has been framed.
    progress: ReadProgress,
    /// NOTIFY's state (RFC 5465), once the client used it; `None` until then.
    pub notify: Option<Notifier>,
    errors: u32,
    /// Commits to the logged-in account since its state was last read ([`Session::revoked`]).
    account_changes: Option<kantor_store::AccountChanges>,
}

/// What the loop does after a command.
pub(crate) enum Flow {
    Continue,
    /// STARTTLS answered OK: the handshake starts now (RFC 9051 §6.2.1).
    StartTls,
    /// COMPRESS answered OK: DEFLATE starts now (RFC 4978 §3).
    Compress,
    /// LOGOUT, or the session must end.
    Close,
}

pub(crate) async fn run(
    tcp: TcpStream,
    peer: SocketAddr,
    implicit_tls: bool,
    ctx: Arc<ImapContext>,
) {
    let tls = implicit_tls.then(|| ctx.tls.clone());
    let mut conn = match Connection::accept(tcp, peer, tls, ctx.handshake_timeout).await {
        Ok(conn) => conn,
        Err(e) => {
            tracing::debug!(%peer, error = %e, "imap: TLS handshake failed");
            return;
        }
    };
    conn.set_write_timeout(Duration::from_secs(ctx.config.write_timeout_secs));
    let limits = Limits {
        max_line: ctx.config.max_line,
        max_literal: ctx.config.max_literal,
        max_command: ctx.config.max_command_size(),
        literal_minus: false,
        max_literals: ctx.config.max_literals_per_command,
    };
    let login_literal = ctx.config.max_literal_before_login.min(limits.max_literal);
    let login_limits = Limits {
        max_literal: login_literal,
        max_command: (limits.max_line as u64).saturating_add(login_literal.saturating_mul(4)),
        max_literals: 64.min(limits.max_literals),
        ..limits
    };
    let mut session = Session {
        ctx,
        conn,
        out: Output::default(),
        state: State::NotAuthenticated,
        enabled: Enabled::default(),
        limits,
        login_limits,
        progress: ReadProgress::default(),
        notify: None,
        errors: 0,
        account_changes: None,
    };
    session.greet();
    match session.serve().await {
        Ok(()) | Err(ReadError::Closed) => {}
        Err(e) => tracing::debug!(%peer, error = ?e, "imap: session ended"),
    }
    session.conn.shutdown().await;
}

impl Session {
    /// `* OK [CAPABILITY ...] Kantor IMAP4rev2 ready` (RFC 9051 §7.1.1).
    fn greet(&mut self) {
        let code = Code::Capability(self.capabilities());
        self.out
            .push(Response::untagged_ok(Some(code), "Kantor IMAP4rev2 ready"));
    }

    /// The capabilities for the connection as it is now.
    pub fn capabilities(&self) -> Vec<Capability> {
        capabilities::list(Situation {
            tls: self.conn.is_tls(),
            authenticated: self.state.user().is_some(),
            allow_plaintext_auth: self.ctx.config.allow_plaintext_auth,
            compressed: self.conn.is_compressed(),
            append_limit: self.ctx.config.max_literal,
        })
    }

    /// Whether credentials may be sent now (RFC 9051 §11.1: not in the clear unless configured).
    pub fn credentials_allowed(&self) -> bool {
        self.conn.is_tls() || self.ctx.config.allow_plaintext_auth
    }

    /// The store as the logged-in user sees it (nobody's before login): every mail operation
    /// goes through it, and the store decides what the user may do.
    pub fn store(&self) -> kantor_store::Mail {
        let actor = match self.state.user() {
            Some(user) => kantor_store::Actor::User(user.account_id),
            None => kantor_store::Actor::Anonymous,
        };
        self.ctx.directory.store().mail(actor)
    }

    /// The account whose commits wake IDLE and NOTIFY's wait: the selected mailbox's (another
    /// account's, for a shared mailbox), else the user's own.
    pub(crate) fn watched_account(&self) -> Option<kantor_store::AccountId> {
        let own = self.state.user()?.account_id;
        Some(self.state.selected().map_or(own, |s| s.view.account_id))
    }

    /// The BYE that ends the session when its account has been disabled or removed since
    /// login (RFC 9051 §7.1.5). The account's state is read (one indexed read) after login and
    /// then only when a commit to the account has been announced since the last read (disabling
    /// and removing are logged as account changes; another process's within a second, by the
    /// store's watcher): a command costs an atomic check, not a read. `None` while the session
    /// may go on, before login, and when the store cannot tell (a fault is logged, not a
    /// reason to end the session).
    pub fn revoked(&mut self) -> Option<Response> {
        let account_id = self.state.user()?.account_id;
        let store = self.ctx.directory.store();
        match &mut self.account_changes {
            Some(changes) => {
                if !changes.take_changed() {
                    return None;
                }
            }
            None => self.account_changes = Some(store.watch_account(account_id)),
        }
        let user = self.state.user()?;
        let text = match store.account_state(account_id) {
            Ok(AccountState::Active) => return None,
            Ok(AccountState::Disabled) => "Account disabled, contact the administrator",
            Ok(AccountState::Removed) => "Account removed, contact the administrator",
            Err(e) => {
                tracing::warn!(user = %user.address, error = %e, "imap: cannot read the account");
                return None;
            }
        };
        tracing::info!(user = %user.address, "imap: session ended: {text}");
        // RFC 5530 §3: CONTACTADMIN.
        Some(Response::status(
            None,
            StatusKind::Bye,
            Some(Code::ContactAdmin),
            text,
        ))
    }

    /// The read timeout for the current state.
    pub fn timeout(&self) -> Duration {
        let secs = match self.state {
            State::NotAuthenticated => self.ctx.config.login_timeout_secs,
            _ => self.ctx.config.idle_timeout_secs,
        };
        Duration::from_secs(secs)
    }

    /// Keeps the encoder in step with what the client enabled.
    pub fn sync_encoding(&mut self) {
        self.out.opts.utf8 = self.enabled.utf8_names();
    }

    async fn serve(&mut self) -> Result<(), ReadError> {
        let mut skipping_line = false;
        loop {
            if skipping_line {
                match skip_line(&self.conn.buf) {
                    Some(n) => {
                        self.conn.consume(n);
                        skipping_line = false;
                    }
                    None => {
                        self.conn.buf.clear();
                        self.read_more().await?;
                        continue;
                    }
                }
            }
            let limits = match self.state {
                State::NotAuthenticated => self.login_limits,
                _ => self.limits,
            };
            match read_command(&self.conn.buf, &limits, &mut self.progress) {
                Ok(Parsed::Complete { command, consumed }) => {
                    self.conn.consume(consumed);
                    match commands::execute(self, command).await? {
                        Flow::Continue => self.flush(false).await?,
                        Flow::Close => return self.flush(true).await,
                        Flow::StartTls => {
                            self.flush(true).await?;
                            self.conn
                                .start_tls(self.ctx.tls.clone(), self.ctx.handshake_timeout)
                                .await
                                .map_err(ReadError::Io)?;
                        }
                        Flow::Compress => {
                            self.flush(true).await?;
                            self.conn.start_compression().map_err(ReadError::Io)?;
                        }
                    }
                }
                Ok(Parsed::NeedsLiteral { synchronizing, .. }) => {
                    // The reader checked the literal and the command against the limits.
                    if synchronizing {
                        self.out
                            .push(Response::Continue("Ready for literal data".into()));
                    }
                    self.read_more().await?;
                }
                Ok(Parsed::Incomplete) => self.read_more().await?,
                Err(error) => {
                    if self.command_error(&error, &mut skipping_line) {
                        return self.flush(true).await;
                    }
                }
            }
        }
    }

    /// Answers a command that could not be read and gets past it. True when the session must
    /// end (a refused non-synchronizing literal, or too many errors).
    fn command_error(&mut self, error: &CommandError, skipping_line: &mut bool) -> bool {
        self.out.push(error.response());
        match error.resync {
            Resync::Skip(n) => self.conn.consume(n),
            Resync::SkipLine => {
                self.conn.buf.clear();
                *skipping_line = true;
            }
            Resync::Close => {
                let why = match error.kind {
                    CommandErrorKind::LineTooLong => "Command line too long, closing connection",
                    _ => "Literal refused, closing connection",
                };
                self.out.push(Response::bye(why));
                return true;
            }
        }
        self.count_error()
    }

    /// Counts a protocol error; past `imap.max_errors` says BYE and returns true.
    pub fn count_error(&mut self) -> bool {
        self.errors += 1;
        if self.errors >= self.ctx.config.max_errors {
            self.out.push(Response::bye(
                "Too many protocol errors, closing connection",
            ));
            return true;
        }
        false
    }

    /// Writes what is queued and waits for more input. On timeout, says why and gives up.
    /// Between commands of a NOTIFY client, notifications are written while waiting.
    pub async fn read_more(&mut self) -> Result<(), ReadError> {
        self.flush(true).await?;
        // After a large APPEND, an idle session keeps only a small read buffer.
        self.conn.shrink_idle_buffer();
        let between_commands = self.conn.buf.is_empty();
        let read = if between_commands && self.notify.as_ref().is_some_and(Notifier::listens) {
            self.listen(self.timeout()).await
        } else {
            self.conn.fill(self.timeout()).await
        };
        match read {
            Ok(_) => Ok(()),
            Err(ReadError::TimedOut) => {
                self.autologout().await;
                Err(ReadError::TimedOut)
            }
            Err(e) => Err(e),
        }
    }

    /// `* BYE Autologout` (RFC 9051 §5.4) and the end of the session.
    pub async fn autologout(&mut self) {
        self.out
            .push(Response::bye("Autologout; idle for too long"));
        let _ = self.flush(true).await;
    }

    /// Writes queued responses: always when `force`d (the loop is about to wait), otherwise only
    /// once no complete command is left in the read buffer or enough has piled up.
    pub async fn flush(&mut self, force: bool) -> Result<(), ReadError> {
        let pending_command = !force && self.conn.buf.contains(&b'\n');
        if self.out.bytes.is_empty() || (pending_command && self.out.bytes.len() < FLUSH_AT) {
            return Ok(());
        }
        let bytes = std::mem::take(&mut self.out.bytes);
        self.conn.write(&bytes).await.map_err(ReadError::Io)
    }
}
