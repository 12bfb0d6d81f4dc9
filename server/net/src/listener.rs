//! Binding listeners and running their accept loops.

use crate::limits::{ConnectionGuard, ConnectionLimiter, LimitExceeded};
use std::future::Future;
use std::net::SocketAddr;
use tokio::net::{TcpListener, TcpStream};

/// A listener that could not be bound: one line naming the listener and the address.
#[derive(Debug, thiserror::Error)]
#[error("cannot listen for {name} on {address}: {source}")]
pub struct BindError {
    pub name: String,
    pub address: String,
    pub source: std::io::Error,
}

/// A bound listener with its name (the `[listeners]` key) and limits.
pub struct Listener {
    pub name: &'static str,
    pub tcp: TcpListener,
    pub limiter: ConnectionLimiter,
}

/// Binds `address` for the listener `name`.
pub async fn bind(
    name: &'static str,
    address: &str,
    limiter: ConnectionLimiter,
) -> Result<Listener, BindError> {
    let error = |source| BindError {
        name: name.into(),
        address: address.into(),
        source,
    };
    let addr: SocketAddr = address.parse().map_err(|_| {
        error(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not an IP:port address",
        ))
    })?;
    let tcp = TcpListener::bind(addr).await.map_err(error)?;
    Ok(Listener { name, tcp, limiter })
}

impl Listener {
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.tcp.local_addr()
    }

    /// Accepts connections forever, handing each (with its limit slot) to `handle` on its own
    /// task. Connections over a limit go to `refuse`, which may say goodbye in the protocol.
    pub async fn serve<H, F, R, RF>(self, handle: H, refuse: R)
    where
        H: Fn(TcpStream, SocketAddr, ConnectionGuard) -> F + Send + Sync + 'static,
        F: Future<Output = ()> + Send + 'static,
        R: Fn(TcpStream, LimitExceeded) -> RF + Send + Sync + 'static,
        RF: Future<Output = ()> + Send + 'static,
    {
        loop {
            let (tcp, peer) = match self.tcp.accept().await {
                Ok(accepted) => accepted,
                Err(e) => {
                    // EMFILE and friends: back off briefly instead of spinning.
                    tracing::warn!(listener = self.name, error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            };
            let _ = tcp.set_nodelay(true);
            match self.limiter.acquire(peer.ip()) {
                Ok(guard) => {
                    tokio::spawn(handle(tcp, peer, guard));
                }
                Err(limit) => {
                    tracing::warn!(listener = self.name, %peer, ?limit, "connection refused: limit reached");
                    tokio::spawn(refuse(tcp, limit));
                }
            }
        }
    }
}
