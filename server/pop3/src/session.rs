//! One POP3 connection: AUTHORIZATION, then TRANSACTION on a locked maildrop, then UPDATE at
//! QUIT (RFC 1939 §3-6). Commands are parsed into typed values first (kantor-pop3-proto), then
//! executed here; replies are typed and encoded by the proto crate.

use crate::maildrop::Maildrop;
use crate::{MaildropLock, Pop3Context, auth};
use kantor_net::{Connection, ReadError};
use kantor_pop3_proto::{
    Command, LineError, Reply, ResponseCode, encode_multiline_lines, encode_multiline_message,
    parse_command, skip_line, take_line,
};
use kantor_store::AccountState;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;

/// The session state (RFC 1939 §3).
pub(crate) enum State {
    /// Not logged in yet; `user` is the name given with USER.
    Authorization { user: Option<String> },
    /// Logged in with the maildrop locked.
    Transaction {
        maildrop: Maildrop,
        _lock: MaildropLock,
    },
}

pub(crate) struct Session {
    pub ctx: Arc<Pop3Context>,
    pub conn: Connection,
    pub state: State,
    pub out: Vec<u8>,
    errors: u32,
    /// The rest of an over-long line is still arriving: discard it up to its line feed.
    discarding: bool,
}

/// What the loop does after a command.
pub(crate) enum Next {
    Continue,
    StartTls,
    Close,
}

pub(crate) async fn run(
    tcp: TcpStream,
    peer: SocketAddr,
    implicit_tls: bool,
    ctx: Arc<Pop3Context>,
) {
    let tls = implicit_tls.then(|| ctx.tls.clone());
    let conn = match Connection::accept(tcp, peer, tls, ctx.handshake_timeout).await {
        Ok(conn) => conn,
        Err(e) => {
            tracing::debug!(%peer, error = %e, "pop3: TLS handshake failed");
            return;
        }
    };
    let mut session = Session {
        ctx,
        conn,
        state: State::Authorization { user: None },
        out: Vec::new(),
        errors: 0,
        discarding: false,
    };
    session.reply(Reply::ok(format!(
        "{} Kantor POP3 server ready",
        session.ctx.hostname
    )));
    let timeout = Duration::from_secs(session.ctx.config.idle_timeout_secs);
    if let Err(e) = session.run(timeout).await {
        tracing::debug!(%peer, error = ?e, "pop3: session ended");
    }
    session.conn.shutdown().await;
}

impl Session {
    async fn run(&mut self, timeout: Duration) -> Result<(), ReadError> {
        loop {
            self.flush(false).await?;
            if self.discarding {
                self.discard_line();
                if self.discarding {
                    self.conn.fill(timeout).await?;
                    continue;
                }
            }
            let line = match take_line(&self.conn.buf, self.ctx.config.max_command_line) {
                Ok(Some((line, used))) => {
                    let line = line.to_vec();
                    self.conn.consume(used);
                    line
                }
                Ok(None) => {
                    match self.conn.fill(timeout).await {
                        Ok(_) => {}
                        Err(ReadError::TimedOut) => {
                            // RFC 1939 §3: the autologout timer; say why before closing.
                            self.reply(Reply::err("autologout: idle for too long"));
                            return self.flush(true).await;
                        }
                        Err(e) => return Err(e),
                    }
                    continue;
                }
                Err(LineError::TooLong { .. }) => {
                    self.discard_line();
                    if self.error(Reply::err("line too long")) {
                        return self.flush(true).await;
                    }
                    continue;
                }
            };
            let next = match parse_command(&line) {
                Ok(command) => self.execute(command, timeout).await?,
                Err(e) => {
                    if self.error(Reply::err(e.to_string())) {
                        return self.flush(true).await;
                    }
                    Next::Continue
                }
            };
            match next {
                Next::Continue => {}
                Next::Close => return self.flush(true).await,
                Next::StartTls => {
                    self.flush(true).await?;
                    self.conn
                        .start_tls(self.ctx.tls.clone(), self.ctx.handshake_timeout)
                        .await
                        .map_err(ReadError::Io)?;
                }
            }
        }
    }

    /// Drops buffered bytes through the end of the current line; if its line feed has not
    /// arrived yet, keeps discarding what arrives until it does.
    fn discard_line(&mut self) {
        match skip_line(&self.conn.buf) {
            Some(n) => {
                self.conn.consume(n);
                self.discarding = false;
            }
            None => {
                self.conn.buf.clear();
                self.discarding = true;
            }
        }
    }

    /// Queues a reply.
    pub(crate) fn reply(&mut self, reply: Reply) {
        reply.encode(&mut self.out);
    }

    /// Queues an error reply and counts it; true when the session must now close.
    pub(crate) fn error(&mut self, reply: Reply) -> bool {
        self.reply(reply);
        self.errors += 1;
        if self.errors >= self.ctx.config.max_errors {
            self.reply(Reply::err("too many errors, closing connection"));
            return true;
        }
        false
    }

    /// Writes queued replies; with PIPELINING (RFC 2449 §6.6), unless `force`d, only once no
    /// complete command is left in the read buffer.
    pub(crate) async fn flush(&mut self, force: bool) -> Result<(), ReadError> {
        let pending_command = !force && self.conn.buf.contains(&b'\n');
        if self.out.is_empty() || (pending_command && self.out.len() < 64 * 1024) {
            return Ok(());
        }
        let out = std::mem::take(&mut self.out);
        self.conn.write(&out).await.map_err(ReadError::Io)
    }

    async fn execute(&mut self, command: Command, timeout: Duration) -> Result<Next, ReadError> {
        let in_transaction = matches!(self.state, State::Transaction { .. });
        if in_transaction && let Some(reply) = self.revoked() {
            // Like a dropped connection: no UPDATE, the marked messages stay.
            self.reply(reply);
            return Ok(Next::Close);
        }
        match command {
            Command::Capa => self.capa(),
            Command::Noop if in_transaction => self.reply(Reply::ok("")),
            Command::Quit => return Ok(self.quit().await),
            Command::Stls if !in_transaction && !self.conn.is_tls() => {
                self.reply(Reply::ok("Begin TLS negotiation"));
                return Ok(Next::StartTls);
            }
            Command::Stls => {
                self.error(Reply::err("STLS not available now"));
            }
            Command::User(_) | Command::Pass(_) | Command::Auth { .. } | Command::Apop { .. }
                if !in_transaction =>
            {
                return auth::execute(self, command, timeout).await;
            }
            command if in_transaction => self.transaction(command).await,
            _ => {
                if self.error(Reply::err("command not valid in this state")) {
                    return Ok(Next::Close);
                }
            }
        }
        Ok(Next::Continue)
    }

    /// The reply that ends the session when its account has been disabled or removed since
    /// login, asked of the store with one indexed read before each command; `None` while it
    /// may go on (and when the store cannot tell: a fault is logged, not a reason to end it).
    fn revoked(&self) -> Option<Reply> {
        let State::Transaction { maildrop, .. } = &self.state else {
            return None;
        };
        let text = match self
            .ctx
            .directory
            .store()
            .account_state(maildrop.account_id)
        {
            Ok(AccountState::Active) => return None,
            Ok(AccountState::Disabled) => "account disabled, contact the administrator",
            Ok(AccountState::Removed) => "account removed, contact the administrator",
            Err(e) => {
                tracing::warn!(error = %e, "pop3: cannot read the account");
                return None;
            }
        };
        tracing::info!(account = maildrop.account_id, "pop3: session ended: {text}");
        // RFC 3206 §5: [AUTH], the account may no longer be used.
        Some(Reply::err_with(ResponseCode::Auth, text))
    }

    /// RFC 2449 §5 CAPA.
    fn capa(&mut self) {
        let mut caps = vec![
            "TOP",
            "UIDL",
            "RESP-CODES",
            "AUTH-RESP-CODE",
            "PIPELINING",
            "EXPIRE NEVER",
            "IMPLEMENTATION Kantor",
        ];
        if auth::plaintext_allowed(self) {
            caps.extend(["USER", "SASL PLAIN"]);
        }
        if !self.conn.is_tls() && matches!(self.state, State::Authorization { .. }) {
            caps.push("STLS");
        }
        self.reply(Reply::ok("Capability list follows"));
        encode_multiline_lines(caps, &mut self.out);
    }

    /// RFC 1939 §5: STAT, LIST, UIDL, RETR, TOP, DELE, RSET, NOOP in TRANSACTION state.
    async fn transaction(&mut self, command: Command) {
        let State::Transaction { maildrop, .. } = &mut self.state else {
            return;
        };
        let no_such = || Reply::err("no such message");
        let reply = match command {
            Command::Stat => {
                let (count, size) = maildrop.stat();
                Reply::ok(format!("{count} {size}"))
            }
            Command::List(Some(n)) => match maildrop.get(n) {
                Some(e) => Reply::ok(format!("{n} {}", e.size)),
                None => no_such(),
            },
            Command::Uidl(Some(n)) => match maildrop.get(n) {
                Some(e) => Reply::ok(format!("{n} {}", e.unique_id)),
                None => no_such(),
            },
            Command::List(None) | Command::Uidl(None) => {
                let uidl = matches!(command, Command::Uidl(_));
                let lines: Vec<String> = maildrop
                    .live()
                    .map(|(n, e)| {
                        if uidl {
                            format!("{n} {}", e.unique_id)
                        } else {
                            format!("{n} {}", e.size)
                        }
                    })
                    .collect();
                let (count, size) = maildrop.stat();
                Reply::ok(format!("{count} messages ({size} octets)")).encode(&mut self.out);
                encode_multiline_lines(lines.iter().map(String::as_str), &mut self.out);
                return;
            }
            Command::Retr(n) | Command::Top { msg: n, .. } => {
                let top = match command {
                    Command::Top { lines, .. } => Some(lines),
                    _ => None,
                };
                let Some(entry) = maildrop.get(n) else {
                    self.error(no_such());
                    return;
                };
                let (blob, size) = (entry.blob.clone(), entry.size);
                match self.ctx.directory.store().read_blob(&blob) {
                    Ok(bytes) => {
                        Reply::ok(format!("{size} octets")).encode(&mut self.out);
                        encode_multiline_message(&bytes, top, &mut self.out);
                    }
                    Err(e) => {
                        tracing::error!(blob = %blob, error = %e, "pop3: cannot read message");
                        self.reply(Reply::err_with(
                            ResponseCode::SysTemp,
                            "cannot read message, try again later",
                        ));
                    }
                }
                return;
            }
            Command::Dele(n) => match maildrop.get_mut(n) {
                Some(entry) => {
                    entry.deleted = true;
                    Reply::ok(format!("message {n} deleted"))
                }
                None => no_such(),
            },
            Command::Rset => {
                maildrop.reset();
                let (count, size) = maildrop.stat();
                Reply::ok(format!("maildrop has {count} messages ({size} octets)"))
            }
            Command::Noop => Reply::ok(""),
            _ => Reply::err("command not valid in this state"),
        };
        match reply {
            Reply::Err { .. } => {
                self.error(reply);
            }
            ok => self.reply(ok),
        }
    }

    /// RFC 1939 §6 QUIT: in TRANSACTION state, enter UPDATE and expunge the marked messages in
    /// one store transaction; +OK only once that is on disk.
    async fn quit(&mut self) -> Next {
        let state = std::mem::replace(&mut self.state, State::Authorization { user: None });
        let State::Transaction { maildrop, _lock } = state else {
            self.reply(Reply::ok(format!(
                "{} Kantor POP3 server signing off",
                self.ctx.hostname
            )));
            return Next::Close;
        };
        let marked = maildrop.marked();
        let store =
            (self.ctx.directory.store()).mail(kantor_store::Actor::User(maildrop.account_id));
        let reply = if marked.is_empty() {
            Reply::ok("signing off")
        } else {
            match store
                .expunge(maildrop.account_id, maildrop.mailbox_id, marked.clone())
                .await
            {
                Ok(removed) => {
                    Reply::ok(format!("signing off ({} messages deleted)", removed.len()))
                }
                Err(e) => {
                    tracing::error!(error = %e, "pop3: UPDATE failed");
                    Reply::err_with(ResponseCode::SysTemp, "some deleted messages not removed")
                }
            }
        };
        self.reply(reply);
        Next::Close
    }
}
