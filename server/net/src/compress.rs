//! Compression of a whole connection (IMAP COMPRESS=DEFLATE, RFC 4978): raw DEFLATE (RFC 1951)
//! in both directions, layered over the plain or TLS stream. Every flush of the writer ends the
//! compressed block with a sync flush, so each response reaches the client whole.
//!
//! A client closes without ending its DEFLATE stream (RFC 4978 has no end): the decoder then
//! reports an error at the end of the connection, which is read here as the end it is, and
//! closing writes no final block after the client has gone (as without COMPRESS).

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, BufReader, ReadBuf, ReadHalf, WriteHalf};

use async_compression::tokio::bufread::DeflateDecoder;
use async_compression::tokio::write::DeflateEncoder;

use crate::Stream;

/// A stream whose both directions are DEFLATE-compressed.
pub struct Compressed {
    reader: DeflateDecoder<BufReader<EofWatch>>,
    writer: DeflateEncoder<WriteHalf<Stream>>,
    /// What the wrapped stream said of its TLS, kept for Received headers and checks.
    tls: Option<String>,
    /// The client has closed its side: nothing more is written but the close itself.
    peer_closed: bool,
}

/// The read half, remembering whether it reached the end of the connection.
struct EofWatch {
    inner: ReadHalf<Stream>,
    eof: bool,
}

impl AsyncRead for EofWatch {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let poll = Pin::new(&mut this.inner).poll_read(cx, buf);
        if matches!(poll, Poll::Ready(Ok(()))) && buf.filled().len() == before {
            this.eof = true;
        }
        poll
    }
}

impl Compressed {
    pub fn new(stream: Stream) -> Compressed {
        let tls = stream.tls_description();
        let (read, write) = tokio::io::split(stream);
        let read = EofWatch {
            inner: read,
            eof: false,
        };
        let mut reader = DeflateDecoder::new(BufReader::new(read));
        // A client may send several compressed blocks back to back.
        reader.multiple_members(true);
        Compressed {
            reader,
            writer: DeflateEncoder::new(write),
            tls,
            peer_closed: false,
        }
    }

    pub fn over_tls(&self) -> bool {
        self.tls.is_some()
    }

    pub fn tls_description(&self) -> Option<String> {
        self.tls.clone()
    }
}

impl AsyncRead for Compressed {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.reader).poll_read(cx, buf) {
            Poll::Ready(Ok(())) if buf.filled().len() == before => {
                this.peer_closed = true;
                Poll::Ready(Ok(()))
            }
            // The connection ended inside the client's DEFLATE stream: that is its end.
            Poll::Ready(Err(_)) if this.reader.get_ref().get_ref().eof => {
                this.peer_closed = true;
                Poll::Ready(Ok(()))
            }
            other => other,
        }
    }
}

impl AsyncWrite for Compressed {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().writer).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().writer).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.peer_closed {
            // No final DEFLATE block for a client that has gone: just close the stream.
            return Pin::new(this.writer.get_mut()).poll_shutdown(cx);
        }
        Pin::new(&mut this.writer).poll_shutdown(cx)
    }
}
