//! One ManageSieve connection (RFC 5804): the capability greeting, STARTTLS, AUTHENTICATE
//! PLAIN through the directory (its throttle and app passwords, as IMAP), then the script
//! commands against the store. Commands are parsed into typed values (`proto`), then executed.

use crate::ManageSieveContext;
use crate::proto::{self, Command, Limits, Parsed};
use kantor_directory::AuthOutcome;
use kantor_net::{Connection, ReadError};
use kantor_store::{Account, Actor, Mail, StoreError};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;

struct Session {
    ctx: Arc<ManageSieveContext>,
    conn: Connection,
    out: Vec<u8>,
    user: Option<(Account, Mail)>,
    errors: u32,
}

enum Next {
    Continue,
    StartTls,
    Close,
}

pub(crate) async fn run(tcp: TcpStream, peer: SocketAddr, ctx: Arc<ManageSieveContext>) {
    let conn = match Connection::accept(tcp, peer, None, ctx.handshake_timeout).await {
        Ok(conn) => conn,
        Err(e) => {
            tracing::debug!(%peer, error = %e, "managesieve: connection failed");
            return;
        }
    };
    let mut session = Session {
        ctx,
        conn,
        out: Vec::new(),
        user: None,
        errors: 0,
    };
    // §1.7: the greeting is the capability response.
    session.capability();
    if let Err(e) = session.run().await {
        tracing::debug!(%peer, error = ?e, "managesieve: session ended");
    }
    session.conn.shutdown().await;
}

impl Session {
    fn limits(&self) -> Limits {
        Limits {
            max_line: 4096,
            max_literal: self.ctx.config.max_script_size,
        }
    }

    async fn run(&mut self) -> Result<(), ReadError> {
        let timeout = Duration::from_secs(self.ctx.config.managesieve_idle_timeout_secs);
        loop {
            if !self.out.is_empty() {
                let out = std::mem::take(&mut self.out);
                self.conn.write(&out).await.map_err(ReadError::Io)?;
            }
            let (command, used) = match proto::parse(&self.conn.buf, self.limits()) {
                Parsed::Incomplete => match self.conn.fill(timeout).await {
                    Ok(_) => continue,
                    Err(ReadError::TimedOut) => {
                        proto::response(&mut self.out, "BYE", None, "idle for too long");
                        let out = std::mem::take(&mut self.out);
                        return self.conn.write(&out).await.map_err(ReadError::Io);
                    }
                    Err(e) => return Err(e),
                },
                Parsed::Error(why, used) => {
                    let oversized = why.starts_with("literal larger");
                    self.conn.consume(used.min(self.conn.buf.len()));
                    if oversized {
                        // The rest of the literal may still be arriving: end the session.
                        proto::response(&mut self.out, "NO", Some("QUOTA/MAXSIZE"), &why);
                        proto::response(&mut self.out, "BYE", None, "closing");
                        let out = std::mem::take(&mut self.out);
                        return self.conn.write(&out).await.map_err(ReadError::Io);
                    }
                    if self.no(None, &why) {
                        return self.close().await;
                    }
                    continue;
                }
                Parsed::Command(command, used) => (command, used),
            };
            self.conn.consume(used);
            match self.execute(command).await {
                Next::Continue => {}
                Next::Close => return self.close().await,
                Next::StartTls => {
                    let out = std::mem::take(&mut self.out);
                    self.conn.write(&out).await.map_err(ReadError::Io)?;
                    self.conn
                        .start_tls(self.ctx.tls.clone(), self.ctx.handshake_timeout)
                        .await
                        .map_err(ReadError::Io)?;
                    // §2.2: the capabilities again, as they may have changed.
                    self.capability();
                }
            }
        }
    }

    async fn close(&mut self) -> Result<(), ReadError> {
        let out = std::mem::take(&mut self.out);
        self.conn.write(&out).await.map_err(ReadError::Io)
    }

    fn ok(&mut self, code: Option<&str>, message: &str) {
        proto::response(&mut self.out, "OK", code, message);
    }

    /// A `NO` response, counted; true when the session made too many errors.
    fn no(&mut self, code: Option<&str>, message: &str) -> bool {
        proto::response(&mut self.out, "NO", code, message);
        self.errors += 1;
        if self.errors >= self.ctx.config.managesieve_max_errors {
            proto::response(&mut self.out, "BYE", None, "too many errors");
            return true;
        }
        false
    }

    fn may_authenticate(&self) -> bool {
        self.conn.is_tls() || self.ctx.config.managesieve_allow_plaintext_auth
    }

    /// The capability response (RFC 5804 §1.7).
    fn capability(&mut self) {
        let mut lines: Vec<(&str, String)> = vec![
            ("IMPLEMENTATION", "Kantor".into()),
            ("SIEVE", kantor_sieve::EXTENSIONS.into()),
            ("MAXREDIRECTS", self.ctx.config.max_redirects.to_string()),
            ("VERSION", "1.0".into()),
        ];
        if self.user.is_none() {
            let sasl = if self.may_authenticate() { "PLAIN" } else { "" };
            lines.push(("SASL", sasl.into()));
        }
        if !self.conn.is_tls() {
            lines.push(("STARTTLS", String::new()));
        }
        if let Some((account, _)) = &self.user {
            lines.push(("OWNER", account.address()));
        }
        for (name, value) in lines {
            proto::string(&mut self.out, name.as_bytes());
            if name != "STARTTLS" {
                self.out.push(b' ');
                proto::string(&mut self.out, value.as_bytes());
            }
            self.out.extend_from_slice(b"\r\n");
        }
        self.ok(None, "Kantor ManageSieve ready");
    }

    async fn execute(&mut self, command: Command) -> Next {
        let close = |fatal: bool| if fatal { Next::Close } else { Next::Continue };
        match command {
            Command::Capability => self.capability(),
            Command::Noop(None) => self.ok(None, "NOOP completed"),
            Command::Noop(Some(tag)) => {
                let mut code = b"TAG ".to_vec();
                proto::string(&mut code, tag.as_bytes());
                self.ok(Some(&String::from_utf8_lossy(&code)), "Done");
            }
            Command::Logout => {
                self.ok(None, "Logout completed");
                return Next::Close;
            }
            Command::StartTls if !self.conn.is_tls() && self.user.is_none() => {
                self.ok(None, "Begin TLS negotiation");
                return Next::StartTls;
            }
            Command::StartTls => return close(self.no(None, "STARTTLS not available now")),
            Command::Authenticate { .. } if self.user.is_some() => {
                return close(self.no(None, "already authenticated"));
            }
            Command::Authenticate { mechanism, initial } => {
                return self.authenticate(&mechanism, initial).await;
            }
            Command::Unauthenticate if self.user.is_some() => {
                self.user = None;
                self.ok(None, "Unauthenticate completed");
            }
            command => {
                let Some((account, mail)) = self.user.clone() else {
                    return close(self.no(None, "authenticate first"));
                };
                let fatal = self.script_command(&account, &mail, command).await;
                return close(fatal);
            }
        }
        Next::Continue
    }

    async fn authenticate(&mut self, mechanism: &str, initial: Option<String>) -> Next {
        let close = |fatal: bool| if fatal { Next::Close } else { Next::Continue };
        if !self.may_authenticate() {
            return close(self.no(Some("ENCRYPT-NEEDED"), "use STARTTLS first"));
        }
        if !mechanism.eq_ignore_ascii_case("PLAIN") {
            return close(self.no(None, "unsupported SASL mechanism"));
        }
        let response = match initial {
            Some(r) => r,
            None => match self.read_sasl_response().await {
                Some(r) => r,
                None => return close(self.no(None, "authentication cancelled")),
            },
        };
        let credentials = match kantor_sasl::decode_plain(&response) {
            Ok(c)
                if c.authzid
                    .as_ref()
                    .is_none_or(|z| z.eq_ignore_ascii_case(&c.authcid)) =>
            {
                c
            }
            Ok(_) => return close(self.no(None, "authorization identity not allowed")),
            Err(e) => return close(self.no(None, &e.to_string())),
        };
        let ip = self.conn.peer.ip();
        let outcome = self
            .ctx
            .directory
            .authenticate(&credentials.authcid, &credentials.password, ip)
            .await;
        match outcome {
            AuthOutcome::Success(account) => {
                let mail = self.ctx.directory.store().mail(Actor::User(account.id));
                tracing::info!(user = %account.address(), "managesieve: logged in");
                self.user = Some((account, mail));
                self.ok(None, "Authenticated");
                Next::Continue
            }
            AuthOutcome::Failed => close(self.no(None, "authentication failed")),
            AuthOutcome::Throttled { .. } => {
                close(self.no(Some("TRYLATER"), "too many failed logins"))
            }
            AuthOutcome::Disabled => close(self.no(None, "account disabled")),
        }
    }

    /// §2.1: an empty challenge, then the client's string; `None` when it cancels (`"*"`).
    async fn read_sasl_response(&mut self) -> Option<String> {
        proto::string(&mut self.out, b"");
        self.out.extend_from_slice(b"\r\n");
        let out = std::mem::take(&mut self.out);
        self.conn.write(&out).await.ok()?;
        let timeout = Duration::from_secs(self.ctx.config.managesieve_idle_timeout_secs);
        loop {
            if let Some(nl) = self.conn.buf.iter().position(|&b| b == b'\n') {
                let line = String::from_utf8_lossy(&self.conn.buf[..nl])
                    .trim()
                    .to_string();
                self.conn.consume(nl + 1);
                let value = line.trim_matches('"').to_string();
                return (line != "\"*\"" && line != "*").then_some(value);
            }
            if self.conn.buf.len() > 4096 {
                return None;
            }
            self.conn.fill(timeout).await.ok()?;
        }
    }

    /// The commands of the authenticated state; true when the session must close.
    async fn script_command(&mut self, account: &Account, mail: &Mail, command: Command) -> bool {
        let config = &self.ctx.config;
        let id = account.id;
        let result: Result<(), StoreError> = match command {
            Command::HaveSpace { name, size } => {
                if size > config.max_script_size as u64 {
                    let why = format!("scripts are limited to {} bytes", config.max_script_size);
                    return self.no(Some("QUOTA/MAXSIZE"), &why);
                }
                let scripts = mail.sieve_scripts(id).unwrap_or_default();
                if scripts.len() as u32 >= config.max_scripts
                    && !scripts.iter().any(|s| s.name == name)
                {
                    let why = format!("at most {} scripts", config.max_scripts);
                    return self.no(Some("QUOTA/MAXSCRIPTS"), &why);
                }
                Ok(())
            }
            Command::PutScript { name, script } => {
                let text = match self.checked(script) {
                    Ok(text) => text,
                    Err(why) => return self.no(None, &why),
                };
                mail.put_sieve_script(id, name, text, config.max_scripts)
                    .await
            }
            Command::CheckScript(script) => match self.checked(script) {
                Ok(_) => Ok(()),
                Err(why) => return self.no(None, &why),
            },
            Command::ListScripts => match mail.sieve_scripts(id) {
                Ok(scripts) => {
                    for script in scripts {
                        proto::string(&mut self.out, script.name.as_bytes());
                        if script.active {
                            self.out.extend_from_slice(b" ACTIVE");
                        }
                        self.out.extend_from_slice(b"\r\n");
                    }
                    Ok(())
                }
                Err(e) => Err(e),
            },
            Command::SetActive(name) => {
                let name = (!name.is_empty()).then_some(name);
                mail.activate_sieve_script(id, name).await
            }
            Command::GetScript(name) => match mail.sieve_scripts(id) {
                Ok(scripts) => match scripts.into_iter().find(|s| s.name == name) {
                    Some(script) => {
                        let content = script.content.as_bytes();
                        self.out
                            .extend_from_slice(format!("{{{}}}\r\n", content.len()).as_bytes());
                        self.out.extend_from_slice(content);
                        self.out.extend_from_slice(b"\r\n");
                        Ok(())
                    }
                    None => Err(StoreError::NotFound(format!("script \"{name}\""))),
                },
                Err(e) => Err(e),
            },
            Command::DeleteScript(name) => mail.delete_sieve_script(id, name).await,
            Command::RenameScript { old, new } => mail.rename_sieve_script(id, old, new).await,
            _ => return self.no(None, "not available now"),
        };
        match result {
            Ok(()) => {
                self.ok(None, "");
                false
            }
            Err(e) => {
                let code = match &e {
                    StoreError::NotFound(_) => Some("NONEXISTENT"),
                    StoreError::InUse(_) => Some("ACTIVE"),
                    StoreError::AlreadyExists(_) => Some("ALREADYEXISTS"),
                    StoreError::Limit(_) => Some("QUOTA/MAXSCRIPTS"),
                    _ => {
                        tracing::error!(error = %e, "managesieve: store error");
                        Some("TRYLATER")
                    }
                };
                self.no(code, &e.to_string())
            }
        }
    }

    /// A script as UTF-8 text that compiles (§2.6: an error names what is wrong).
    fn checked(&self, script: Vec<u8>) -> Result<String, String> {
        let text = String::from_utf8(script).map_err(|_| "script is not UTF-8".to_string())?;
        self.ctx.rules.check(text.as_bytes())?;
        Ok(text)
    }
}
