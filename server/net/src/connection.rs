//! A client connection with its read buffer: what each protocol session reads lines from and
//! writes replies to. Reads are bounded by a timeout and the buffer by the caller's limits;
//! writes by a timeout on progress, so a client that stops reading (or floods commands without
//! reading the answers) is disconnected instead of holding its session forever.

use crate::Stream;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Bytes asked of the socket per read when the buffer is short of room.
const READ_CHUNK: usize = 16 * 1024;
/// Less spare room than this, and the buffer grows before reading.
const MIN_READ: usize = 1024;
/// What an idle connection keeps.
const IDLE_CAPACITY: usize = 4096;
/// How long a write may make no progress before the client is given up on, unless the protocol
/// sets its own ([`Connection::set_write_timeout`]).
pub const DEFAULT_WRITE_TIMEOUT: Duration = Duration::from_secs(120);
/// Bytes written per step of a large write: the write timeout applies to each step.
const WRITE_CHUNK: usize = 64 * 1024;

/// Why reading stopped.
#[derive(Debug)]
pub enum ReadError {
    /// The client closed the connection.
    Closed,
    /// Nothing arrived within the timeout.
    TimedOut,
    Io(io::Error),
}

pub struct Connection {
    stream: Stream,
    pub peer: SocketAddr,
    /// Bytes received and not yet consumed by the session.
    pub buf: Vec<u8>,
    write_timeout: Duration,
}

impl Connection {
    pub fn new(stream: Stream, peer: SocketAddr) -> Connection {
        Connection {
            stream,
            peer,
            buf: Vec::with_capacity(IDLE_CAPACITY),
            write_timeout: DEFAULT_WRITE_TIMEOUT,
        }
    }

    /// How long each step of a write may wait for the client to read.
    pub fn set_write_timeout(&mut self, timeout: Duration) {
        self.write_timeout = timeout;
    }

    /// Reads more bytes into `buf`, waiting at most `timeout`. Reads go straight into `buf`'s
    /// spare capacity: a waiting session holds no read buffer of its own, which is what keeps
    /// thousands of idle connections (IMAP IDLE) cheap.
    pub async fn fill(&mut self, timeout: Duration) -> Result<usize, ReadError> {
        if self.buf.capacity() - self.buf.len() < MIN_READ {
            self.buf.reserve(READ_CHUNK);
        }
        match tokio::time::timeout(timeout, self.stream.read_buf(&mut self.buf)).await {
            Err(_) => Err(ReadError::TimedOut),
            Ok(Ok(0)) => Err(ReadError::Closed),
            Ok(Ok(n)) => Ok(n),
            Ok(Err(e)) => Err(ReadError::Io(e)),
        }
    }

    /// Gives back a large read buffer once it is empty (after a big APPEND or DATA), so an idle
    /// session keeps only a small one.
    pub fn shrink_idle_buffer(&mut self) {
        if self.buf.is_empty() && self.buf.capacity() > IDLE_CAPACITY {
            self.buf = Vec::with_capacity(IDLE_CAPACITY);
        }
    }

    /// Drops the first `n` buffered bytes (consumed by the session).
    pub fn consume(&mut self, n: usize) {
        self.buf.drain(..n.min(self.buf.len()));
    }

    /// Writes everything, in steps of [`WRITE_CHUNK`]; a step that cannot finish within the
    /// write timeout (the client is not reading) fails with `TimedOut`.
    pub async fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        let limit = self.write_timeout;
        for chunk in bytes.chunks(WRITE_CHUNK) {
            within(limit, self.stream.write_all(chunk)).await?;
        }
        within(limit, self.stream.flush()).await
    }

    /// Upgrades to TLS in place (STARTTLS/STLS). Buffered plaintext is discarded first, as
    /// RFC 3207 §4.2 and RFC 2595 §4 require: nothing pipelined after the command may survive the
    /// upgrade. On failure the connection is closed.
    pub async fn start_tls(
        &mut self,
        config: Arc<rustls::ServerConfig>,
        timeout: Duration,
    ) -> io::Result<()> {
        self.buf.clear();
        let plain = std::mem::replace(&mut self.stream, Stream::Closed);
        self.stream = tokio::time::timeout(timeout, plain.into_tls(config))
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "TLS handshake timed out"))??;
        Ok(())
    }

    /// Starts DEFLATE compression in both directions (RFC 4978 §3), right after the tagged OK
    /// was flushed. Bytes already buffered were sent uncompressed before COMPRESS and stay.
    pub fn start_compression(&mut self) -> io::Result<()> {
        match std::mem::replace(&mut self.stream, Stream::Closed) {
            Stream::Closed => Err(io::Error::new(
                io::ErrorKind::NotConnected,
                "connection closed",
            )),
            compressed @ Stream::Compressed(_) => {
                self.stream = compressed;
                Err(io::Error::other("compression already active"))
            }
            plain_or_tls => {
                self.stream =
                    Stream::Compressed(Box::new(crate::compress::Compressed::new(plain_or_tls)));
                Ok(())
            }
        }
    }

    pub fn is_compressed(&self) -> bool {
        matches!(self.stream, Stream::Compressed(_))
    }

    pub fn is_tls(&self) -> bool {
        self.stream.is_tls()
    }

    pub fn tls_description(&self) -> Option<String> {
        self.stream.tls_description()
    }

    /// Closes the connection (TLS close_notify first), giving up after the write timeout.
    pub async fn shutdown(&mut self) {
        let _ = within(self.write_timeout, self.stream.shutdown()).await;
    }
}

/// Runs a write step, failing with `TimedOut` if it takes longer than `limit`.
async fn within(limit: Duration, step: impl Future<Output = io::Result<()>>) -> io::Result<()> {
    match tokio::time::timeout(limit, step).await {
        Ok(result) => result,
        Err(_) => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "the client stopped reading",
        )),
    }
}

impl Connection {
    /// Wraps an accepted socket; with `implicit_tls` the TLS handshake happens first (RFC 8314).
    pub async fn accept(
        tcp: tokio::net::TcpStream,
        peer: SocketAddr,
        implicit_tls: Option<Arc<rustls::ServerConfig>>,
        timeout: Duration,
    ) -> io::Result<Connection> {
        let mut conn = Connection::new(Stream::Plain(tcp), peer);
        if let Some(config) = implicit_tls {
            conn.start_tls(config, timeout).await?;
        }
        Ok(conn)
    }
}
