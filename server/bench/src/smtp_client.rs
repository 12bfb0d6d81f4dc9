//! A minimal, fast SMTP client (RFC 5321) for load: EHLO once, then
//! back-to-back MAIL/RCPT/DATA transactions on one connection, pipelined
//! (RFC 2920) when the server advertises PIPELINING.
//!
//! With PIPELINING a transaction is two round trips: one write of
//! `MAIL FROM`, `RCPT TO` and `DATA` (RFC 2920 §3.1: DATA ends a group),
//! then one write of the whole message and its terminating `.`. Without it,
//! each command waits for its reply. RSET is sent only after a failure.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::wire::Wire;

/// Most lines read for one reply (EHLO lists are the longest).
const MAX_REPLY_LINES: usize = 100;

/// One SMTP reply: its code and its text lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The three-digit code.
    pub code: u16,
    /// The text of each line, after the code and separator.
    pub lines: Vec<String>,
}

impl Reply {
    /// 2xx (RFC 5321 §4.2.1).
    pub fn is_positive(&self) -> bool {
        (200..300).contains(&self.code)
    }

    /// The code and text on one line, for reports.
    pub fn summary(&self) -> String {
        format!("{} {}", self.code, self.lines.join(" / "))
    }
}

/// How one transaction ended, when the connection itself survived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The final reply after the data was 2xx.
    Accepted,
    /// Some reply was not the expected one; `reply` is the first such.
    Rejected {
        /// The first unexpected reply.
        reply: Reply,
        /// The server is closing the connection (421).
        closing: bool,
    },
}

/// One SMTP session after its greeting and EHLO.
pub struct SmtpConnection {
    wire: Wire,
    pipelining: bool,
    batch: Vec<u8>,
}

impl SmtpConnection {
    /// Connects, reads the 220 greeting and says EHLO (HELO if EHLO is
    /// refused). `allow_pipelining = false` never pipelines.
    pub async fn open(
        addr: SocketAddr,
        ehlo: &str,
        timeout: Duration,
        allow_pipelining: bool,
    ) -> Result<SmtpConnection> {
        let wire = Wire::connect(addr, timeout).await?;
        SmtpConnection::greet(wire, ehlo, allow_pipelining).await
    }

    /// [`SmtpConnection::open`] over a connection already made (plain or implicit TLS, RFC
    /// 8314): reads the greeting and says EHLO.
    pub async fn greet(
        mut wire: Wire,
        ehlo: &str,
        allow_pipelining: bool,
    ) -> Result<SmtpConnection> {
        let greeting = read_reply(&mut wire).await.context("greeting")?;
        if greeting.code != 220 {
            bail!("greeting: {}", greeting.summary());
        }
        wire.write_all(format!("EHLO {ehlo}\r\n").as_bytes())
            .await?;
        let reply = read_reply(&mut wire).await.context("EHLO")?;
        let mut pipelining = false;
        if reply.code == 250 {
            pipelining = reply.lines.iter().skip(1).any(|l| {
                l.split_ascii_whitespace()
                    .next()
                    .is_some_and(|k| k.eq_ignore_ascii_case("PIPELINING"))
            });
        } else {
            wire.write_all(format!("HELO {ehlo}\r\n").as_bytes())
                .await?;
            let reply = read_reply(&mut wire).await.context("HELO")?;
            if reply.code != 250 {
                bail!("HELO: {}", reply.summary());
            }
        }
        Ok(SmtpConnection {
            wire,
            pipelining: pipelining && allow_pipelining,
            batch: Vec::with_capacity(512),
        })
    }

    /// AUTH PLAIN with an initial response (RFC 4954 §4, RFC 4616): submission as `user`.
    pub async fn auth_plain(&mut self, user: &str, password: &str) -> Result<()> {
        use base64::Engine;
        let token =
            base64::engine::general_purpose::STANDARD.encode(format!("\0{user}\0{password}"));
        let reply = self.command(&format!("AUTH PLAIN {token}\r\n")).await?;
        if reply.code != 235 {
            bail!("AUTH PLAIN as {user}: {}", reply.summary());
        }
        Ok(())
    }

    /// Whether transactions on this connection are pipelined.
    pub fn pipelining(&self) -> bool {
        self.pipelining
    }

    /// One transaction. `data` is the message in wire form (dot-stuffed,
    /// CRLF line endings) followed by the terminating `.` CRLF.
    pub async fn send(&mut self, from: &str, rcpt: &str, data: &[u8]) -> Result<Outcome> {
        let mail = format!("MAIL FROM:<{from}>\r\n");
        let rcpt = format!("RCPT TO:<{rcpt}>\r\n");
        let (mail_reply, rcpt_reply, data_reply) = if self.pipelining {
            self.batch.clear();
            self.batch.extend_from_slice(mail.as_bytes());
            self.batch.extend_from_slice(rcpt.as_bytes());
            self.batch.extend_from_slice(b"DATA\r\n");
            self.wire.write_all(&self.batch).await?;
            let m = read_reply(&mut self.wire).await.context("MAIL")?;
            let r = read_reply(&mut self.wire).await.context("RCPT")?;
            let d = read_reply(&mut self.wire).await.context("DATA")?;
            (m, r, d)
        } else {
            let m = self.command(&mail).await.context("MAIL")?;
            if !m.is_positive() {
                return self.abort(m).await;
            }
            let r = self.command(&rcpt).await.context("RCPT")?;
            if !r.is_positive() {
                return self.abort(r).await;
            }
            let d = self.command("DATA\r\n").await.context("DATA")?;
            (m, r, d)
        };
        if data_reply.code == 354 && mail_reply.is_positive() && rcpt_reply.is_positive() {
            self.wire.write_all(data).await?;
            let done = read_reply(&mut self.wire).await.context("end of data")?;
            if done.is_positive() {
                return Ok(Outcome::Accepted);
            }
            return self.abort(done).await;
        }
        if data_reply.code == 354 {
            // A pipelined DATA went through after a failed MAIL or RCPT:
            // close it with an empty message (RFC 2920 §3.1).
            self.wire.write_all(b".\r\n").await?;
            read_reply(&mut self.wire)
                .await
                .context("end of empty data")?;
        }
        let first_bad = [mail_reply, rcpt_reply, data_reply]
            .into_iter()
            .find(|r| !r.is_positive() && r.code != 354)
            .unwrap_or(Reply {
                code: 0,
                lines: vec!["transaction refused".into()],
            });
        self.abort(first_bad).await
    }

    /// QUIT, waiting for the 221 (errors are irrelevant at that point).
    pub async fn quit(mut self) {
        if self.wire.write_all(b"QUIT\r\n").await.is_ok() {
            let _ = read_reply(&mut self.wire).await;
        }
    }

    async fn command(&mut self, line: &str) -> Result<Reply> {
        self.wire.write_all(line.as_bytes()).await?;
        read_reply(&mut self.wire).await
    }

    /// After a failure: RSET (unless the server is closing) and report.
    async fn abort(&mut self, reply: Reply) -> Result<Outcome> {
        let closing = reply.code == 421;
        if !closing {
            let rset = self.command("RSET\r\n").await.context("RSET")?;
            if !rset.is_positive() {
                bail!("RSET refused: {}", rset.summary());
            }
        }
        Ok(Outcome::Rejected { reply, closing })
    }
}

/// Reads one possibly multi-line reply (RFC 5321 §4.2.1: `code-text` lines
/// then `code text`).
async fn read_reply(wire: &mut Wire) -> Result<Reply> {
    let mut lines = Vec::new();
    for _ in 0..MAX_REPLY_LINES {
        let line = wire.read_line().await?;
        let (code, last, text) = parse_reply_line(&line)?;
        lines.push(text.to_owned());
        if last {
            return Ok(Reply { code, lines });
        }
    }
    bail!("reply longer than {MAX_REPLY_LINES} lines")
}

/// Splits `250-text` / `250 text` / `250` into (code, is last line, text).
fn parse_reply_line(line: &str) -> Result<(u16, bool, &str)> {
    let bytes = line.as_bytes();
    if bytes.len() < 3 || !bytes[..3].iter().all(u8::is_ascii_digit) {
        bail!("malformed reply line: {line:?}");
    }
    let code: u16 = line[..3].parse()?;
    match bytes.get(3) {
        None => Ok((code, true, "")),
        Some(b'-') => Ok((code, false, &line[4..])),
        Some(b' ') => Ok((code, true, &line[4..])),
        Some(_) => bail!("malformed reply line: {line:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_lines() {
        assert_eq!(
            parse_reply_line("250-PIPELINING").unwrap(),
            (250, false, "PIPELINING")
        );
        assert_eq!(parse_reply_line("250 OK").unwrap(), (250, true, "OK"));
        assert_eq!(parse_reply_line("354").unwrap(), (354, true, ""));
        for bad in ["", "25", "abc", "250x", "2a0 ok"] {
            assert!(parse_reply_line(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn reply_summary() {
        let reply = Reply {
            code: 550,
            lines: vec!["5.1.1 no such user".into(), "more".into()],
        };
        assert_eq!(reply.summary(), "550 5.1.1 no such user / more");
        assert!(!reply.is_positive());
    }
}
