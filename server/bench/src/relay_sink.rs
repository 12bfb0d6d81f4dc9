//! The remote peer of `kantor-bench relay`: an SMTP server (RFC 5321) on loopback that the
//! servers under test deliver to. It is the instrument, not a server under test: it accepts
//! every message without storing it and notes when each benchmark message arrived, so the
//! time from submission to the peer's acceptance can be measured for any relaying server.
//!
//! It offers PIPELINING (RFC 2920), 8BITMIME (RFC 6152), SMTPUTF8 (RFC 6531), SIZE (RFC 1870)
//! and ENHANCEDSTATUSCODES, no STARTTLS (every server under test then sends in clear, alike).
//! A recipient in the `defer` domain is answered `451 4.3.0`, which makes a queue of deferred
//! mail at the sender.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::{Context, Result};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// The header each benchmark message carries: `X-Bench-Relay: RUN SEQ`.
pub const MARK: &str = "X-Bench-Relay";

/// Longest command or data line read (RFC 5321 §4.5.3.1.6 allows 1000 octets; generous).
const MAX_LINE: usize = 64 * 1024;

/// What the sink saw of one run (one target).
#[derive(Debug, Default)]
pub struct RunTally {
    /// When each message (by sequence number) was first accepted.
    pub accepted: HashMap<u64, Instant>,
    /// Messages accepted more than once.
    pub duplicates: u64,
    /// Messages carrying a DKIM-Signature header (RFC 6376).
    pub dkim_signed: u64,
}

/// The sink's shared state: tallies by run, and deferred recipients seen.
#[derive(Debug, Default)]
pub struct SinkState {
    runs: Mutex<HashMap<String, RunTally>>,
    deferred_rcpts: Mutex<u64>,
}

impl SinkState {
    /// How many of run `run`'s messages have arrived.
    pub fn arrived(&self, run: &str) -> usize {
        self.runs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(run)
            .map_or(0, |t| t.accepted.len())
    }

    /// Takes the tally of run `run` (empty when nothing arrived).
    pub fn take(&self, run: &str) -> RunTally {
        self.runs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(run)
            .unwrap_or_default()
    }

    /// Recipients answered 451 so far.
    pub fn deferred_rcpts(&self) -> u64 {
        *self
            .deferred_rcpts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    fn note(&self, mark: Option<(String, u64)>, signed: bool) {
        let Some((run, seq)) = mark else { return };
        let now = Instant::now();
        let mut runs = self.runs.lock().unwrap_or_else(|e| e.into_inner());
        let tally = runs.entry(run).or_default();
        if tally.accepted.insert(seq, now).is_some() {
            tally.duplicates += 1;
        }
        if signed {
            tally.dkim_signed += 1;
        }
    }
}

/// Listens on `addr` and serves every connection until the process ends.
pub async fn start(addr: SocketAddr, defer_domain: String) -> Result<Arc<SinkState>> {
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("sink: binding {addr}"))?;
    let state = Arc::new(SinkState::default());
    let shared = state.clone();
    let defer = Arc::new(defer_domain.to_ascii_lowercase());
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let state = shared.clone();
            let defer = defer.clone();
            tokio::spawn(async move {
                // A peer that goes away mid-session only ends its own session.
                let _ = session(stream, &state, &defer).await;
            });
        }
    });
    Ok(state)
}

/// One SMTP session. Replies are written as each command is read; the writes of a pipelined
/// group reach the client together because it waits for all of them.
async fn session(stream: TcpStream, state: &SinkState, defer: &str) -> Result<()> {
    stream.set_nodelay(true)?;
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    let mut line = Vec::with_capacity(256);
    write.write_all(b"220 sink ESMTP\r\n").await?;
    let mut recipients = 0usize;
    loop {
        if !read_line(&mut reader, &mut line).await? {
            return Ok(());
        }
        let upper = String::from_utf8_lossy(&line).to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") {
            b"250-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250-SIZE 104857600\r\n250 ENHANCEDSTATUSCODES\r\n"
        } else if upper.starts_with("HELO") {
            b"250 sink\r\n"
        } else if upper.starts_with("MAIL FROM:") {
            recipients = 0;
            b"250 2.1.0 ok\r\n"
        } else if upper.starts_with("RCPT TO:") {
            if recipient_domain(&upper).eq_ignore_ascii_case(defer) {
                *state
                    .deferred_rcpts
                    .lock()
                    .unwrap_or_else(|e| e.into_inner()) += 1;
                b"451 4.3.0 deferred by the benchmark sink\r\n"
            } else {
                recipients += 1;
                b"250 2.1.5 ok\r\n"
            }
        } else if upper.starts_with("DATA") {
            if recipients == 0 {
                b"554 5.5.1 no valid recipients\r\n"
            } else {
                write.write_all(b"354 go ahead\r\n").await?;
                let (mark, signed) = read_data(&mut reader, &mut line).await?;
                state.note(mark, signed);
                recipients = 0;
                b"250 2.0.0 accepted\r\n"
            }
        } else if upper.starts_with("RSET") {
            recipients = 0;
            b"250 2.0.0 ok\r\n"
        } else if upper.starts_with("NOOP") {
            b"250 2.0.0 ok\r\n"
        } else if upper.starts_with("QUIT") {
            write.write_all(b"221 2.0.0 bye\r\n").await?;
            return Ok(());
        } else {
            b"502 5.5.2 not implemented\r\n"
        };
        write.write_all(reply).await?;
    }
}

/// The domain of `RCPT TO:<local@domain> ...` (upper-cased already).
fn recipient_domain(command: &str) -> &str {
    let path = command["RCPT TO:".len()..].trim_start();
    let path = path.split('>').next().unwrap_or("");
    path.rsplit_once('@').map_or("", |(_, d)| d)
}

/// Reads the message up to `.` CRLF; returns its benchmark mark and whether a DKIM-Signature
/// header came before the body.
async fn read_data(
    reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
    line: &mut Vec<u8>,
) -> Result<(Option<(String, u64)>, bool)> {
    let (mut mark, mut signed, mut in_headers) = (None, false, true);
    loop {
        if !read_line(reader, line).await? {
            anyhow::bail!("connection closed in DATA");
        }
        if line.as_slice() == b"." {
            return Ok((mark, signed));
        }
        if !in_headers {
            continue;
        }
        if line.is_empty() {
            in_headers = false;
        } else if let Some(value) = header_value(line, MARK) {
            let mut words = value.split_ascii_whitespace();
            if let (Some(run), Some(seq)) = (words.next(), words.next()) {
                mark = seq.parse().ok().map(|seq| (run.to_owned(), seq));
            }
        } else if header_value(line, "DKIM-Signature").is_some() {
            signed = true;
        }
    }
}

/// The value of header `name` when `line` starts it.
fn header_value<'a>(line: &'a [u8], name: &str) -> Option<&'a str> {
    let text = std::str::from_utf8(line).ok()?;
    let (field, value) = text.split_once(':')?;
    field
        .trim()
        .eq_ignore_ascii_case(name)
        .then(|| value.trim())
}

/// Reads one line without its CRLF into `line`; false at the end of the stream.
async fn read_line(
    reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
    line: &mut Vec<u8>,
) -> Result<bool> {
    line.clear();
    let n = (&mut *reader)
        .take(MAX_LINE as u64)
        .read_until(b'\n', line)
        .await?;
    if n == 0 {
        return Ok(false);
    }
    while matches!(line.last(), Some(b'\n' | b'\r')) {
        line.pop();
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipient_domains() {
        assert_eq!(recipient_domain("RCPT TO:<U1@REMOTE.TEST>"), "REMOTE.TEST");
        assert_eq!(
            recipient_domain("RCPT TO: <A@DEFERRED.TEST> NOTIFY=NEVER"),
            "DEFERRED.TEST"
        );
        assert_eq!(recipient_domain("RCPT TO:<POSTMASTER>"), "");
    }

    #[test]
    fn header_values() {
        assert_eq!(
            header_value(b"x-bench-relay: run1 42", MARK),
            Some("run1 42")
        );
        assert_eq!(header_value(b"Subject: x", MARK), None);
        assert!(header_value(b"DKIM-Signature: v=1; a=rsa", "DKIM-Signature").is_some());
    }
}
