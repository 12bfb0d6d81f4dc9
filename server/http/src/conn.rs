//! One HTTP connection: the TLS handshake (bounded in time), then HTTP/1.1 or HTTP/2 as ALPN
//! or the client's preface says (hyper's automatic builder), each request handed to the router
//! with the peer's address and a time limit.

use crate::HttpContext;
use crate::routes::{self, Peer};
use axum::body::Body;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use kantor_net::ConnectionGuard;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Sleep;
use tower::ServiceExt;

/// A connection's slot of the listener's limit, in every request's extensions, so that a
/// connection upgraded to WebSocket keeps it after hyper lets go of it.
#[derive(Clone)]
pub(crate) struct ConnectionSlot(#[allow(dead_code)] pub Arc<ConnectionGuard>);

pub(crate) async fn run(
    tcp: TcpStream,
    peer: SocketAddr,
    secure: bool,
    ctx: Arc<HttpContext>,
    router: axum::Router,
    slot: Arc<ConnectionGuard>,
) {
    let request_timeout = Duration::from_secs(ctx.config.request_timeout_secs);
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(Peer(peer));
        request
            .extensions_mut()
            .insert(ConnectionSlot(slot.clone()));
        let router = router.clone();
        async move {
            let response =
                match tokio::time::timeout(request_timeout, router.oneshot(request.map(Body::new)))
                    .await
                {
                    Ok(Ok(response)) => response,
                    Ok(Err(never)) => match never {},
                    Err(_) => routes::status(
                        hyper::StatusCode::REQUEST_TIMEOUT,
                        "The request took too long.",
                    ),
                };
            kantor_metrics::metrics().http_response(response.status().as_u16());
            Ok::<_, std::convert::Infallible>(response)
        }
    });
    let header_timeout = Duration::from_secs(ctx.config.header_timeout_secs);
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .max_buf_size(ctx.config.max_header_bytes.max(8192));
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(ctx.config.max_concurrent_streams)
        .max_header_list_size(u32::try_from(ctx.config.max_header_bytes).unwrap_or(u32::MAX));
    let served = if secure {
        let acceptor = tokio_rustls::TlsAcceptor::from(ctx.tls.clone());
        let tls = match tokio::time::timeout(ctx.handshake_timeout, acceptor.accept(tcp)).await {
            Ok(Ok(tls)) => tls,
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "TLS handshake failed");
                return;
            }
            Err(_) => {
                tracing::debug!("TLS handshake timed out");
                return;
            }
        };
        builder
            .serve_connection_with_upgrades(
                TokioIo::new(FirstByte::new(tls, header_timeout)),
                service,
            )
            .await
    } else {
        builder
            .serve_connection_with_upgrades(
                TokioIo::new(FirstByte::new(tcp, header_timeout)),
                service,
            )
            .await
    };
    if let Err(e) = served {
        tracing::debug!(error = %e, "connection ended");
    }
}

/// A stream that fails a read still waiting for the connection's first byte after a timeout:
/// hyper's header timeout starts once it knows the protocol, which it learns from the first
/// bytes, so a client that connects and sends nothing would otherwise be held for ever.
struct FirstByte<S> {
    inner: S,
    deadline: Option<Pin<Box<Sleep>>>,
}

impl<S> FirstByte<S> {
    fn new(inner: S, timeout: Duration) -> Self {
        FirstByte {
            inner,
            deadline: Some(Box::pin(tokio::time::sleep(timeout))),
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for FirstByte<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let read = Pin::new(&mut self.inner).poll_read(cx, buf);
        let Some(deadline) = self.deadline.as_mut() else {
            return read;
        };
        match read {
            Poll::Ready(Ok(())) if buf.filled().len() > before => self.deadline = None,
            Poll::Pending if deadline.as_mut().poll(cx).is_ready() => {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "no request from the client",
                )));
            }
            _ => {}
        }
        read
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for FirstByte<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, data)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
