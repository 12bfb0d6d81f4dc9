//! AUTHORIZATION state (RFC 1939 §4, §7): USER/PASS and SASL PLAIN (RFC 5034), refused on a
//! plaintext connection unless configured (RFC 2595 §4), then the maildrop is locked and loaded.

use crate::maildrop::Maildrop;
use crate::session::{Next, Session, State};
use kantor_directory::AuthOutcome;
use kantor_net::ReadError;
use kantor_pop3_proto::{
    Command, Reply, ResponseCode, decode_plain, encode_multiline_lines, take_line,
};
use std::time::Duration;

/// Whether credentials may be sent on this connection.
pub(crate) fn plaintext_allowed(session: &Session) -> bool {
    session.conn.is_tls() || session.ctx.config.allow_plaintext_auth
}

pub(crate) async fn execute(
    session: &mut Session,
    command: Command,
    timeout: Duration,
) -> Result<Next, ReadError> {
    if !plaintext_allowed(session) {
        let reply = Reply::err_with(
            ResponseCode::Auth,
            "plaintext authentication disallowed before STLS",
        );
        return Ok(close_if(session.error(reply)));
    }
    let State::Authorization { user } = &mut session.state else {
        return Ok(Next::Continue);
    };
    let credentials = match command {
        Command::User(name) => {
            *user = Some(name);
            session.reply(Reply::ok("send PASS"));
            return Ok(Next::Continue);
        }
        Command::Pass(password) => match user.take() {
            Some(name) => (name, password),
            None => return Ok(close_if(session.error(Reply::err("send USER first")))),
        },
        Command::Auth {
            mechanism: None, ..
        } => {
            session.reply(Reply::ok("SASL mechanisms follow"));
            encode_multiline_lines(["PLAIN"], &mut session.out);
            return Ok(Next::Continue);
        }
        Command::Auth {
            mechanism: Some(m),
            initial_response,
        } if m.eq_ignore_ascii_case("PLAIN") => {
            let response = match initial_response {
                Some(r) => r,
                None => match read_sasl_response(session, timeout).await? {
                    Some(r) => r,
                    None => {
                        return Ok(close_if(
                            session.error(Reply::err("authentication cancelled")),
                        ));
                    }
                },
            };
            match decode_plain(&response) {
                Ok(c)
                    if c.authzid
                        .as_ref()
                        .is_none_or(|z| z.eq_ignore_ascii_case(&c.authcid)) =>
                {
                    (c.authcid, c.password)
                }
                Ok(_) => {
                    return Ok(close_if(session.error(Reply::err_with(
                        ResponseCode::Auth,
                        "authorization identity not allowed",
                    ))));
                }
                Err(e) => return Ok(close_if(session.error(Reply::err(e.to_string())))),
            }
        }
        Command::Auth { .. } => {
            return Ok(close_if(
                session.error(Reply::err("unsupported SASL mechanism")),
            ));
        }
        _ => return Ok(close_if(session.error(Reply::err("APOP is not supported")))),
    };
    login(session, &credentials.0, &credentials.1).await;
    Ok(Next::Continue)
}

fn close_if(close: bool) -> Next {
    if close { Next::Close } else { Next::Continue }
}

/// Sends the empty SASL challenge and reads the client's one-line answer; `None` if cancelled.
async fn read_sasl_response(
    session: &mut Session,
    timeout: Duration,
) -> Result<Option<String>, ReadError> {
    session.reply(Reply::Challenge(String::new()));
    session.flush(true).await?;
    loop {
        if let Ok(Some((line, used))) =
            take_line(&session.conn.buf, session.ctx.config.max_command_line)
        {
            let text = String::from_utf8_lossy(line).trim().to_string();
            session.conn.consume(used);
            return Ok((text != "*").then_some(text));
        }
        if session.conn.buf.len() > session.ctx.config.max_command_line {
            return Ok(None);
        }
        session.conn.fill(timeout).await?;
    }
}

async fn login(session: &mut Session, username: &str, password: &str) {
    let ip = session.conn.peer.ip();
    let account = match session
        .ctx
        .directory
        .authenticate(username, password, ip)
        .await
    {
        AuthOutcome::Success(account) => account,
        AuthOutcome::Failed => {
            session.error(Reply::err_with(ResponseCode::Auth, "authentication failed"));
            return;
        }
        AuthOutcome::Throttled { .. } => {
            session.error(Reply::err_with(
                ResponseCode::LoginDelay,
                "too many failed logins, try again later",
            ));
            return;
        }
        // RFC 3206 §5: [AUTH] covers an account that may not log in, not only a wrong password.
        AuthOutcome::Disabled => {
            session.error(Reply::err_with(
                ResponseCode::Auth,
                "account disabled, contact the administrator",
            ));
            return;
        }
    };
    let Some(lock) = session.ctx.locks.try_lock(account.id) else {
        session.error(Reply::err_with(
            ResponseCode::InUse,
            "maildrop already locked by another session",
        ));
        return;
    };
    let mail = session
        .ctx
        .directory
        .store()
        .mail(kantor_store::Actor::User(account.id));
    match Maildrop::load(&mail, account.id) {
        Ok(maildrop) => {
            let (count, size) = maildrop.stat();
            session.reply(Reply::ok(format!(
                "{} has {count} messages ({size} octets)",
                account.address()
            )));
            session.state = State::Transaction {
                maildrop,
                _lock: lock,
            };
        }
        Err(e) => {
            tracing::error!(error = %e, "pop3: cannot load maildrop");
            session.reply(Reply::err_with(
                ResponseCode::SysTemp,
                "cannot open maildrop, try again later",
            ));
        }
    }
}
