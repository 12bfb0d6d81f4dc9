//! Compression of a whole connection (IMAP COMPRESS=DEFLATE, RFC 4978): raw DEFLATE (RFC 1951)
//! in both directions, layered over the plain or TLS stream. Every flush of the writer ends the
//! compressed block with a sync flush, so each response reaches the client whole.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, BufReader, ReadBuf, ReadHalf, WriteHalf};

use async_compression::tokio::bufread::DeflateDecoder;
use async_compression::tokio::write::DeflateEncoder;

use crate::Stream;

/// A stream whose both directions are DEFLATE-compressed.
pub struct Compressed {
    reader: DeflateDecoder<BufReader<ReadHalf<Stream>>>,
    writer: DeflateEncoder<WriteHalf<Stream>>,
    /// What the wrapped stream said of its TLS, kept for Received headers and checks.
    tls: Option<String>,
}

impl Compressed {
    pub fn new(stream: Stream) -> Compressed {
        let tls = stream.tls_description();
        let (read, write) = tokio::io::split(stream);
        let mut reader = DeflateDecoder::new(BufReader::new(read));
        // A client may send several compressed blocks back to back.
        reader.multiple_members(true);
        Compressed {
            reader,
            writer: DeflateEncoder::new(write),
            tls,
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
        Pin::new(&mut self.get_mut().reader).poll_read(cx, buf)
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
        Pin::new(&mut self.get_mut().writer).poll_shutdown(cx)
    }
}
