//! Buffered line I/O over one connection (TCP, or TLS over TCP), shared by
//! the SMTP, POP3 and IMAP clients: every read and write is bounded by a
//! timeout (except [`Wire::read_line_raw_untimed`], for IDLE, whose caller
//! bounds it), and every line by a length.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

/// Longest reply line accepted from a server by default (RFC 5321
/// §4.5.3.1.5 allows 512 octets for SMTP replies, RFC 2449 §4 the same for
/// POP3; a margin is kept for chatty servers). IMAP raises it with
/// [`Wire::set_max_line`].
const MAX_LINE: usize = 8192;

/// Bytes asked of the socket per read.
const READ_CHUNK: usize = 4096;

/// A byte stream the wire can run over: a `TcpStream` or a TLS stream.
pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// One connection: a buffered reader and a writer, each bounded in time.
pub struct Wire {
    stream: Box<dyn Stream>,
    buf: Vec<u8>,
    start: usize,
    timeout: Duration,
    max_line: usize,
}

impl Wire {
    /// Connects to `addr` within `timeout`, with Nagle's algorithm off (the
    /// clients write whole batches themselves).
    pub async fn connect(addr: SocketAddr, timeout: Duration) -> Result<Wire> {
        let stream = tokio::time::timeout(timeout, TcpStream::connect(addr))
            .await
            .with_context(|| format!("connect to {addr}: timed out"))?
            .with_context(|| format!("connect to {addr}"))?;
        stream.set_nodelay(true)?;
        Ok(Wire::new(Box::new(stream), timeout))
    }

    /// A wire over an established stream.
    pub fn new(stream: Box<dyn Stream>, timeout: Duration) -> Wire {
        Wire {
            stream,
            buf: Vec::new(),
            start: 0,
            timeout,
            max_line: MAX_LINE,
        }
    }

    /// Accepts lines (outside IMAP literals) up to `max` bytes.
    pub fn set_max_line(&mut self, max: usize) {
        self.max_line = max;
    }

    /// Writes all of `bytes` and flushes them (a TLS stream holds written
    /// data until flushed).
    pub async fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        let write = async {
            self.stream.write_all(bytes).await?;
            self.stream.flush().await
        };
        tokio::time::timeout(self.timeout, write)
            .await
            .context("write timed out")?
            .context("write")
    }

    /// Reads one line, without its CRLF (or bare LF).
    pub async fn read_line(&mut self) -> Result<String> {
        let line = self.read_line_raw().await?;
        Ok(String::from_utf8_lossy(line).into_owned())
    }

    /// Reads one line as bytes, without its CRLF (or bare LF). The slice
    /// is valid until the next call.
    pub async fn read_line_raw(&mut self) -> Result<&[u8]> {
        self.next_line(true).await
    }

    /// [`Wire::read_line_raw`] without the timeout, for a session waiting
    /// in IDLE: the caller bounds the wait (with `select!` or a timeout).
    /// Cancel-safe: a partial line stays buffered for the next call.
    pub async fn read_line_raw_untimed(&mut self) -> Result<&[u8]> {
        self.next_line(false).await
    }

    /// Reads exactly `n` bytes (an HTTP body).
    pub async fn read_bytes(&mut self, n: usize) -> Result<Vec<u8>> {
        while self.buf.len() - self.start < n {
            if self.start > 0 {
                self.buf.drain(..self.start);
                self.start = 0;
            }
            self.fill(true).await?;
        }
        let out = self.buf[self.start..self.start + n].to_vec();
        self.start += n;
        Ok(out)
    }

    /// Consumes `n` bytes (an IMAP literal) without keeping them.
    pub async fn skip(&mut self, n: u64) -> Result<()> {
        let mut left = n;
        // Bounded: each pass either returns or reads at least one byte.
        loop {
            let available = (self.buf.len() - self.start) as u64;
            if available >= left {
                self.start += left as usize;
                return Ok(());
            }
            left -= available;
            self.buf.clear();
            self.start = 0;
            self.fill(true).await?;
        }
    }

    async fn next_line(&mut self, timed: bool) -> Result<&[u8]> {
        let mut scanned = 0;
        // Bounded: each pass either returns or reads at least one byte, and
        // the buffer is bounded by `max_line`.
        let (from, end) = loop {
            if let Some(lf) = self.buf[self.start + scanned..]
                .iter()
                .position(|&b| b == b'\n')
            {
                let from = self.start;
                let end = from + scanned + lf;
                self.start = end + 1;
                break (from, end);
            }
            scanned = self.buf.len() - self.start;
            if scanned > self.max_line {
                bail!("reply line longer than {} bytes", self.max_line);
            }
            if self.start > 0 {
                self.buf.drain(..self.start);
                self.start = 0;
            }
            self.fill(timed).await?;
        };
        let line = &self.buf[from..end];
        Ok(line.strip_suffix(b"\r").unwrap_or(line))
    }

    /// Appends at least one byte read from the stream to the buffer.
    /// Cancel-safe: `read_buf` only grows the buffer by what it read.
    async fn fill(&mut self, timed: bool) -> Result<()> {
        self.buf.reserve(READ_CHUNK);
        let read = self.stream.read_buf(&mut self.buf);
        let n = if timed {
            match tokio::time::timeout(self.timeout, read).await {
                Ok(n) => n.context("read")?,
                Err(_) => bail!("no reply within {:?}", self.timeout),
            }
        } else {
            read.await.context("read")?
        };
        if n == 0 {
            bail!("connection closed by the server");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn wire_over(input: &'static [u8], max_line: usize) -> Wire {
        let (client, mut server) = tokio::io::duplex(64);
        tokio::spawn(async move {
            // Small writes, so lines and literals arrive in pieces.
            for chunk in input.chunks(7) {
                if server.write_all(chunk).await.is_err() {
                    return;
                }
            }
        });
        let mut wire = Wire::new(Box::new(client), Duration::from_secs(5));
        wire.set_max_line(max_line);
        wire
    }

    #[tokio::test]
    async fn lines_and_literals() {
        let mut wire = wire_over(b"first\r\nsecond\n{5}\r\nabcdethird\r\n", 100).await;
        assert_eq!(wire.read_line().await.unwrap(), "first");
        assert_eq!(wire.read_line_raw().await.unwrap(), b"second");
        assert_eq!(wire.read_line().await.unwrap(), "{5}");
        wire.skip(5).await.unwrap();
        assert_eq!(wire.read_line().await.unwrap(), "third");
        let err = wire.read_line().await.unwrap_err();
        assert!(format!("{err:#}").contains("closed"), "{err:#}");
    }

    #[tokio::test]
    async fn long_lines_are_refused() {
        let mut wire = wire_over(&[b'x'; 300], 100).await;
        let err = wire.read_line().await.unwrap_err();
        assert!(format!("{err:#}").contains("longer than 100"), "{err:#}");
    }

    #[tokio::test]
    async fn untimed_read_is_cancel_safe() {
        let (client, mut server) = tokio::io::duplex(64);
        let mut wire = Wire::new(Box::new(client), Duration::from_secs(5));
        server.write_all(b"* 3 EXI").await.unwrap();
        let cut = tokio::time::timeout(Duration::from_millis(50), wire.read_line_raw_untimed());
        assert!(cut.await.is_err());
        server.write_all(b"STS\r\n").await.unwrap();
        assert_eq!(wire.read_line_raw_untimed().await.unwrap(), b"* 3 EXISTS");
    }
}
