//! Binding listeners and running their accept loops.

use crate::limits::{ConnectionGuard, ConnectionLimiter, LimitExceeded};
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
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

/// Binds `address` (`IP:port`, `[IPv6]:port`) for the listener `name`. `[::]:port` is
/// dual-stack: it takes IPv4 clients too, whatever the system's `bindv6only` says; on a host
/// without IPv6 it falls back to `0.0.0.0:port`.
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
            "not an IP:port address ([::]:993 for IPv6)",
        ))
    })?;
    let tcp = match listen(addr) {
        Err(e) if addr.ip() == IpAddr::V6(Ipv6Addr::UNSPECIFIED) && no_ipv6(&e) => {
            tracing::warn!(listener = name, error = %e, "no IPv6 here: listening on IPv4 only");
            listen(SocketAddr::from((Ipv4Addr::UNSPECIFIED, addr.port())))
        }
        bound => bound,
    }
    .map_err(error)?;
    Ok(Listener { name, tcp, limiter })
}

fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    if addr.is_ipv6() {
        socket.set_only_v6(false)?;
    }
    socket.set_reuse_address(true)?;
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    socket.listen(1024)?;
    TcpListener::from_std(socket.into())
}

/// Whether binding failed because the host has no IPv6 at all.
fn no_ipv6(e: &std::io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EAFNOSUPPORT | libc::EADDRNOTAVAIL)
    )
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
                // An IPv4 client of a dual-stack listener arrives as ::ffff:a.b.c.d: one address
                // for the limits, the login throttle and the logs.
                Ok((tcp, peer)) => (tcp, SocketAddr::new(peer.ip().to_canonical(), peer.port())),
                Err(e) => {
                    // EMFILE and friends: back off briefly instead of spinning.
                    tracing::warn!(listener = self.name, error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            };
            let _ = tcp.set_nodelay(true);
            let metrics = kantor_metrics::metrics();
            match self.limiter.acquire(peer.ip()) {
                Ok(guard) => {
                    let open = metrics.connection_opened(self.name);
                    let session = handle(tcp, peer, guard);
                    tokio::spawn(async move {
                        session.await;
                        drop(open);
                    });
                }
                Err(limit) => {
                    metrics.connection_refused(self.name);
                    tracing::warn!(listener = self.name, %peer, ?limit, "connection refused: limit reached");
                    tokio::spawn(refuse(tcp, limit));
                }
            }
        }
    }
}
