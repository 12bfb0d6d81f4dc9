//! Buffered line I/O over one TCP connection, shared by the SMTP client and
//! the POP3 probe: every read and write is bounded by a timeout, and every
//! line by a length.

use std::time::Duration;

use anyhow::{Context, Result, bail};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

/// Longest reply line accepted from a server (RFC 5321 §4.5.3.1.5 allows
/// 512 octets for SMTP replies, RFC 2449 §4 the same for POP3; a margin is
/// kept for chatty servers).
const MAX_LINE: usize = 8192;

/// One connection: buffered reader and a writer, each bounded in time.
pub struct Wire {
    reader: OwnedReadHalf,
    writer: OwnedWriteHalf,
    buf: Vec<u8>,
    start: usize,
    timeout: Duration,
}

impl Wire {
    /// Connects to `addr` within `timeout`, with Nagle's algorithm off (the
    /// clients write whole batches themselves).
    pub async fn connect(addr: std::net::SocketAddr, timeout: Duration) -> Result<Wire> {
        let stream = tokio::time::timeout(timeout, TcpStream::connect(addr))
            .await
            .with_context(|| format!("connect to {addr}: timed out"))?
            .with_context(|| format!("connect to {addr}"))?;
        stream.set_nodelay(true)?;
        let (reader, writer) = stream.into_split();
        Ok(Wire {
            reader,
            writer,
            buf: Vec::with_capacity(4096),
            start: 0,
            timeout,
        })
    }

    /// Writes all of `bytes` in one call.
    pub async fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        tokio::time::timeout(self.timeout, self.writer.write_all(bytes))
            .await
            .context("write timed out")?
            .context("write")
    }

    /// Reads one line, without its CRLF (or bare LF).
    pub async fn read_line(&mut self) -> Result<String> {
        // Bounded: each pass either returns or reads at least one byte, and
        // the buffer is bounded by MAX_LINE.
        loop {
            if let Some(lf) = self.buf[self.start..].iter().position(|&b| b == b'\n') {
                let end = self.start + lf;
                let line = &self.buf[self.start..end];
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                let text = String::from_utf8_lossy(line).into_owned();
                self.start = end + 1;
                return Ok(text);
            }
            if self.buf.len() - self.start > MAX_LINE {
                bail!("reply line longer than {MAX_LINE} bytes");
            }
            if self.start > 0 {
                self.buf.drain(..self.start);
                self.start = 0;
            }
            let len = self.buf.len();
            self.buf.resize(len + 4096, 0);
            let read =
                tokio::time::timeout(self.timeout, self.reader.read(&mut self.buf[len..])).await;
            let n = match read {
                Ok(Ok(n)) => n,
                Ok(Err(e)) => {
                    self.buf.truncate(len);
                    return Err(e).context("read");
                }
                Err(_) => {
                    self.buf.truncate(len);
                    bail!("no reply within {:?}", self.timeout);
                }
            };
            self.buf.truncate(len + n);
            if n == 0 {
                bail!("connection closed by the server");
            }
        }
    }
}
