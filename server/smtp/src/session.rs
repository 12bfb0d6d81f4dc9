//! One SMTP session: the connection loop, its state, pipelining, timeouts and the error budget.
//!
//! Pipelining (RFC 2920 §3.2): every complete command line already received is executed and its
//! reply appended to one output buffer, which is written when no complete line is left, or
//! earlier where the client must see a reply before it goes on (354, 334, the 220 of STARTTLS).
//! Input is consumed from the connection buffer once per batch, not once per line.
//!
//! Sequencing rules of RFC 5321 §4.1.4 and of the extensions are gathered in one table,
//! [`Session::sequence_error`]; the stage modules assume the state it guarantees.

use crate::{SmtpContext, SmtpMode, replies};
use kantor_net::{Connection, ReadError};
use kantor_smtp_proto::{
    Command, LineError, MailParams, Reply, ReversePath, parse_command, skip_line, take_line,
};
use kantor_store::{Account, AccountId, QueueRecipient};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;

/// The connection is gone (closed, timed out, failed); any goodbye has been written.
#[derive(Debug)]
pub(crate) struct End;

/// What the loop does after a command.
enum Next {
    Continue,
    /// QUIT, or the error budget is spent.
    Close,
    /// Upgrade to TLS and start over (RFC 3207 §4.2).
    StartTls,
}

/// What the client said in HELO/EHLO (RFC 5321 §4.1.1.1).
pub(crate) struct Helo {
    /// The name as sent, for the Received header.
    pub name: String,
    /// EHLO rather than HELO: extensions and enhanced status codes are in use.
    pub extended: bool,
}

/// A mail transaction, from MAIL FROM to the end of its data (RFC 5321 §3.3).
pub(crate) struct Transaction {
    pub from: ReversePath,
    pub params: MailParams,
    /// Local accounts to deliver to, each once.
    pub local: Vec<AccountId>,
    /// The address each local account was first reached by (Sieve's envelope "to").
    pub local_rcpts: Vec<(AccountId, String)>,
    /// Remote recipients (submission only), each once, with their DSN parameters.
    pub remote: Vec<QueueRecipient>,
    /// RCPT commands accepted, for the recipient limit.
    pub accepted: usize,
    /// The accepted recipients as the client gave them (at most `smtp.max_recipients`): the
    /// first for `for <...>` in the Received header, all of them for the log.
    pub rcpts: Vec<String>,
    /// A BDAT transfer in progress (RFC 3030).
    pub chunks: Option<crate::data::Chunks>,
}

impl Transaction {
    pub(crate) fn new(from: ReversePath, params: MailParams) -> Transaction {
        Transaction {
            from,
            params,
            local: Vec::new(),
            local_rcpts: Vec::new(),
            remote: Vec::new(),
            accepted: 0,
            rcpts: Vec::new(),
            chunks: None,
        }
    }

    /// Whether any recipient was accepted.
    pub(crate) fn has_recipients(&self) -> bool {
        !self.local.is_empty() || !self.remote.is_empty()
    }
}

pub(crate) struct Session {
    pub ctx: Arc<SmtpContext>,
    pub mode: SmtpMode,
    pub conn: Connection,
    /// Bytes at the front of `conn.buf` already handled; dropped before the next read.
    pub pos: usize,
    /// Replies not yet written.
    out: Vec<u8>,
    /// After an over-long line with no LF yet: drop input up to the next LF.
    discarding: bool,
    pub helo: Option<Helo>,
    /// The authenticated user (submission).
    pub account: Option<Account>,
    pub tx: Option<Transaction>,
    /// Replies that count against `max_errors` (0 in the configuration: no limit).
    errors: u32,
    /// What the checks of the client found (port 25 only): a refusal for every RCPT, and
    /// its reverse DNS result.
    pub screening: crate::inbound::client::Screening,
}

/// Runs a session on an accepted socket until it ends.
pub(crate) async fn run(tcp: TcpStream, peer: SocketAddr, mode: SmtpMode, ctx: Arc<SmtpContext>) {
    let implicit_tls = (mode == SmtpMode::Submissions).then(|| ctx.tls.clone());
    let conn = match Connection::accept(tcp, peer, implicit_tls, ctx.handshake_timeout).await {
        Ok(conn) => conn,
        Err(e) => {
            tracing::debug!(error = %e, "TLS handshake failed");
            return;
        }
    };
    tracing::debug!("session started");
    let mut session = Session::new(ctx, mode, conn);
    if mode == SmtpMode::Mx {
        let ctx = &session.ctx;
        let deadline = tokio::time::Instant::now() + ctx.inbound_deadline();
        session.screening = crate::inbound::client::screen(
            ctx.dns.authenticator(),
            &ctx.inbound,
            peer.ip(),
            deadline,
        )
        .await;
    }
    session.reply(replies::greeting(&session.ctx.hostname));
    loop {
        match session.serve().await {
            Next::StartTls if session.upgrade().await => {}
            Next::StartTls => return,
            Next::Close | Next::Continue => break,
        }
    }
    session.conn.shutdown().await;
    tracing::debug!("session ended");
}

impl Session {
    fn new(ctx: Arc<SmtpContext>, mode: SmtpMode, conn: Connection) -> Session {
        Session {
            ctx,
            mode,
            conn,
            pos: 0,
            out: Vec::with_capacity(1024),
            discarding: false,
            helo: None,
            account: None,
            tx: None,
            errors: 0,
            screening: Default::default(),
        }
    }

    /// Back to the state after the greeting, keeping the error count (RFC 3207 §4.2). The
    /// connection has already dropped its buffered input.
    pub(crate) fn reset_after_tls(&mut self) {
        self.pos = 0;
        self.discarding = false;
        self.helo = None;
        self.account = None;
        self.tx = None;
    }

    /// Executes commands until the session closes or upgrades to TLS.
    async fn serve(&mut self) -> Next {
        loop {
            let next = match self.next_command() {
                Some(Ok(cmd)) => match self.command(cmd).await {
                    Ok(next) => next,
                    Err(End) => return Next::Close,
                },
                Some(Err(reply)) => {
                    self.reply(reply);
                    Next::Continue
                }
                None => {
                    if self.flush().await.is_err()
                        || self.fill(self.command_timeout()).await.is_err()
                    {
                        return Next::Close;
                    }
                    Next::Continue
                }
            };
            let max_errors = self.ctx.config.max_errors;
            if max_errors > 0 && self.errors >= max_errors {
                tracing::warn!(errors = self.errors, "too many errors, closing");
                self.reply(replies::too_many_errors(&self.ctx.hostname));
                let _ = self.flush().await;
                return Next::Close;
            }
            match next {
                Next::Continue => {}
                Next::Close => {
                    let _ = self.flush().await;
                    return Next::Close;
                }
                Next::StartTls => {
                    if self.flush().await.is_err() {
                        return Next::Close;
                    }
                    return Next::StartTls;
                }
            }
        }
    }

    /// The next complete command line in the buffer, parsed; `None` when more input is needed.
    /// A line too long or with a bare CR/LF (RFC 5321 §2.3.8) gives its error reply and is
    /// skipped, so the session resynchronises on the next line.
    fn next_command(&mut self) -> Option<Result<Command, Reply>> {
        if self.discarding {
            match skip_line(&self.conn.buf[self.pos..]) {
                Some(n) => {
                    self.pos += n;
                    self.discarding = false;
                }
                None => {
                    self.pos = self.conn.buf.len();
                    return None;
                }
            }
        }
        let max = self.ctx.config.max_command_line;
        match take_line(&self.conn.buf[self.pos..], max) {
            Ok(Some((line, n))) => {
                let parsed = parse_command(line);
                self.pos += n;
                Some(parsed.map_err(|e| e.reply()))
            }
            Ok(None) => None,
            Err(e) => {
                tracing::debug!(error = %e, "bad command line");
                self.skip_bad_line();
                Some(Err(e.reply()))
            }
        }
    }

    /// Drops the rest of a line that [`take_line`] refused, or everything buffered and what
    /// follows up to the next LF.
    pub(crate) fn skip_bad_line(&mut self) {
        match skip_line(&self.conn.buf[self.pos..]) {
            Some(n) => self.pos += n,
            None => {
                self.pos = self.conn.buf.len();
                self.discarding = true;
            }
        }
    }

    /// Sequencing errors (RFC 5321 §4.1.4, RFC 3207 §4, RFC 4954 §4, RFC 3030 §2), in one
    /// table. BDAT is not here: it must read its chunk whatever happens (see `data`).
    fn sequence_error(&self, cmd: &Command) -> Option<Reply> {
        let in_tx = self.tx.is_some();
        let in_bdat = self.tx.as_ref().is_some_and(|tx| tx.chunks.is_some());
        let submission = self.mode.is_submission();
        match cmd {
            Command::Mail { .. } if self.helo.is_none() => Some(replies::helo_first()),
            Command::Mail { .. } if in_tx => Some(replies::nested_mail()),
            Command::Mail { .. } if submission && self.account.is_none() => {
                Some(Reply::need_auth())
            }
            Command::Rcpt { .. } | Command::Data if !in_tx => Some(replies::mail_first()),
            Command::Rcpt { .. } | Command::Data if in_bdat => Some(replies::bdat_in_progress()),
            Command::Auth { .. } if !submission => Some(Reply::not_implemented()),
            Command::Auth { .. } if self.account.is_some() => Some(Reply::already_authenticated()),
            Command::Auth { .. } if self.helo.is_none() => Some(replies::helo_first()),
            Command::Auth { .. } if in_tx => Some(replies::auth_in_transaction()),
            Command::Auth { .. } if !self.conn.is_tls() => Some(Reply::auth_encryption_required()),
            Command::StartTls if self.conn.is_tls() => Some(replies::already_tls()),
            _ => None,
        }
    }

    /// Executes one command (RFC 5321 §4.1.1 and extensions).
    async fn command(&mut self, cmd: Command) -> Result<Next, End> {
        if let Some(reply) = self.sequence_error(&cmd) {
            self.reply(reply);
            return Ok(Next::Continue);
        }
        match cmd {
            Command::Ehlo { domain } => self.ehlo(domain),
            Command::Helo { domain } => self.helo(domain),
            Command::Mail { from, params } => {
                let reply = self.mail(from, params);
                self.reply(reply);
            }
            Command::Rcpt { to, params } => {
                let reply = self.rcpt(to, params);
                self.reply(reply);
            }
            Command::Data => self.data().await?,
            Command::Bdat { size, last } => self.bdat(size, last).await?,
            Command::Rset => {
                self.tx = None;
                self.reply(Reply::ok_plain());
            }
            Command::Noop => self.reply(Reply::ok_plain()),
            Command::Quit => {
                self.reply(Reply::closing(&self.ctx.hostname));
                return Ok(Next::Close);
            }
            // §3.5.3: never confirm or deny an address.
            Command::Vrfy { .. } => self.reply(Reply::cannot_vrfy()),
            // §3.5.2: list expansion is not offered.
            Command::Expn { .. } => self.reply(Reply::not_implemented()),
            Command::Help { .. } => self.reply(replies::help()),
            Command::StartTls => {
                self.reply(Reply::ready_to_start_tls());
                return Ok(Next::StartTls);
            }
            Command::Auth {
                mechanism,
                initial_response,
            } => self.auth(mechanism, initial_response).await?,
        }
        Ok(Next::Continue)
    }

    /// Whether replies carry enhanced status codes: advertised in EHLO (RFC 2034), so not to a
    /// client that said HELO.
    fn enhanced(&self) -> bool {
        !matches!(&self.helo, Some(h) if !h.extended)
    }

    /// Queues a reply and counts it against the error budget if it is a refusal.
    pub(crate) fn reply(&mut self, reply: Reply) {
        if replies::counts_as_error(&reply) {
            self.errors += 1;
            tracing::debug!(%reply, "refused");
        }
        reply.encode(self.enhanced(), &mut self.out);
    }

    /// Writes the queued replies.
    pub(crate) async fn flush(&mut self) -> Result<(), End> {
        if self.out.is_empty() {
            return Ok(());
        }
        let result = self.conn.write(&self.out).await;
        self.out.clear();
        result.map_err(|e| {
            tracing::debug!(error = %e, "write failed");
            End
        })
    }

    /// Drops the handled input, then reads more, waiting at most `timeout`. On timeout says
    /// `421 4.4.2` (RFC 5321 §4.5.3.2) before ending.
    pub(crate) async fn fill(&mut self, timeout: Duration) -> Result<(), End> {
        self.conn.consume(std::mem::take(&mut self.pos));
        match self.conn.fill(timeout).await {
            Ok(_) => Ok(()),
            Err(ReadError::TimedOut) => {
                tracing::info!("timeout, closing");
                self.reply(replies::timeout(&self.ctx.hostname));
                let _ = self.flush().await;
                Err(End)
            }
            Err(ReadError::Closed) => Err(End),
            Err(ReadError::Io(e)) => {
                tracing::debug!(error = %e, "read failed");
                Err(End)
            }
        }
    }

    pub(crate) fn command_timeout(&self) -> Duration {
        Duration::from_secs(self.ctx.config.command_timeout_secs)
    }

    pub(crate) fn data_timeout(&self) -> Duration {
        Duration::from_secs(self.ctx.config.data_timeout_secs)
    }

    /// The size limit in octets (`max_message_size = 0` means none, as `SIZE 0` in RFC 1870 §4).
    pub(crate) fn max_size(&self) -> u64 {
        match self.ctx.config.max_message_size {
            0 => u64::MAX,
            n => n,
        }
    }

    /// Reads one line of a SASL exchange (RFC 4954 §4: up to 12288 octets) after flushing the
    /// challenge. `Ok(Err(reply))` for a line that was too long or malformed (already skipped).
    pub(crate) async fn read_line(&mut self, max: usize) -> Result<Result<Vec<u8>, Reply>, End> {
        self.flush().await?;
        loop {
            match take_line(&self.conn.buf[self.pos..], max) {
                Ok(Some((line, n))) => {
                    let line = line.to_vec();
                    self.pos += n;
                    return Ok(Ok(line));
                }
                Ok(None) => self.fill(self.command_timeout()).await?,
                Err(e) => {
                    self.skip_bad_line();
                    return Ok(Err(match e {
                        LineError::TooLong => Reply::auth_line_too_long(),
                        LineError::BareLineEnding => e.reply(),
                    }));
                }
            }
        }
    }
}
