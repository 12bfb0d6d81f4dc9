//! Opening IMAP connections to one target: loopback only, plaintext or
//! implicit TLS (RFC 8314) without certificate verification (the servers
//! measured use self-signed test certificates), and spread over source
//! addresses 127.0.0.1..127.0.0.N when one address runs out of ephemeral
//! ports.
//!
//! Source addresses: connections go round-robin over the first
//! `--source-ips` addresses (127.0.0.1 alone by default, then the kernel
//! picks the address and port). When a connect fails with
//! `EADDRNOTAVAIL`/`EADDRINUSE` (no ephemeral port left for that source),
//! one more address is added, up to [`MAX_SOURCE_IPS`], and the connect is
//! retried from it.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use rustls::ClientConfig;
use rustls::pki_types::ServerName;
use tokio::net::{TcpSocket, TcpStream};
use tokio_rustls::TlsConnector;

use crate::wire::{Stream, Wire};

/// Most source addresses used: 127.0.0.1..127.0.0.64.
pub const MAX_SOURCE_IPS: usize = 64;

/// Opens connections to one server.
pub struct Connector {
    addr: SocketAddr,
    tls: Option<TlsConnector>,
    timeout: Duration,
    /// Source addresses in use (127.0.0.1..127.0.0.`sources`).
    sources: AtomicUsize,
    /// Addresses given by `--source-ips`, used round-robin from the start.
    spread: usize,
    next: AtomicU64,
}

impl Connector {
    /// A connector for `addr`, which must be a loopback address. `tls`
    /// turns on implicit TLS; `source_ips` spreads connections over
    /// 127.0.0.1..127.0.0.`source_ips` from the start.
    pub fn new(
        addr: SocketAddr,
        tls: bool,
        timeout: Duration,
        source_ips: usize,
    ) -> Result<Arc<Connector>> {
        if !addr.ip().is_loopback() {
            bail!(
                "{addr} is not a loopback address: kantor-bench measures servers on 127.0.0.1 only"
            );
        }
        let spread = source_ips.clamp(1, MAX_SOURCE_IPS);
        Ok(Arc::new(Connector {
            addr,
            tls: tls.then(|| TlsConnector::from(tls_config())),
            timeout,
            sources: AtomicUsize::new(spread),
            spread,
            next: AtomicU64::new(0),
        }))
    }

    /// Source addresses in use so far.
    pub fn source_ips(&self) -> usize {
        self.sources.load(Ordering::Relaxed)
    }

    /// Connects (TCP, then the TLS handshake if any), each step within the
    /// timeout.
    pub async fn connect(&self) -> Result<Wire> {
        let mut wire = Wire::new(self.connect_stream().await?, self.timeout);
        // IMAP response lines outside literals: SEARCH results of a big
        // mailbox, long CAPABILITY lists.
        wire.set_max_line(1 << 20);
        Ok(wire)
    }

    /// [`Connector::connect`] without the line buffering: the stream itself (for a WebSocket
    /// client).
    pub async fn connect_stream(&self) -> Result<Box<dyn Stream>> {
        let tcp = self.connect_tcp().await?;
        match &self.tls {
            None => Ok(Box::new(tcp)),
            Some(tls) => {
                let name = ServerName::IpAddress(self.addr.ip().into());
                let stream = tokio::time::timeout(self.timeout, tls.connect(name, tcp))
                    .await
                    .context("TLS handshake: timed out")?
                    .context("TLS handshake")?;
                Ok(Box::new(stream))
            }
        }
    }

    async fn connect_tcp(&self) -> Result<TcpStream> {
        let v4 = matches!(self.addr.ip(), IpAddr::V4(_));
        let active = self.sources.load(Ordering::Relaxed);
        let mut index = if active > self.spread {
            // Earlier sources ran out of ports: start from the newest.
            active - 1
        } else {
            (self.next.fetch_add(1, Ordering::Relaxed) % self.spread as u64) as usize
        };
        // Bounded: each failing pass moves `index` up by one, below
        // MAX_SOURCE_IPS.
        loop {
            let result = if !v4 || (index == 0 && self.spread == 1) {
                tokio::time::timeout(self.timeout, TcpStream::connect(self.addr)).await
            } else {
                let source = SocketAddr::from((Ipv4Addr::new(127, 0, 0, 1 + index as u8), 0));
                tokio::time::timeout(self.timeout, async {
                    let socket = TcpSocket::new_v4()?;
                    socket.bind(source)?;
                    socket.connect(self.addr).await
                })
                .await
            };
            match result {
                Ok(Ok(stream)) => {
                    stream.set_nodelay(true)?;
                    return Ok(stream);
                }
                Ok(Err(e))
                    if v4
                        && index + 1 < MAX_SOURCE_IPS
                        && matches!(
                            e.kind(),
                            std::io::ErrorKind::AddrNotAvailable | std::io::ErrorKind::AddrInUse
                        ) =>
                {
                    // This source is out of ports: use the next one.
                    index = (index + 1).max(self.sources.load(Ordering::Relaxed));
                    self.sources.fetch_max(index + 1, Ordering::Relaxed);
                    if index >= MAX_SOURCE_IPS {
                        return Err(e).with_context(|| format!("connect to {}", self.addr));
                    }
                }
                Ok(Err(e)) => return Err(e).with_context(|| format!("connect to {}", self.addr)),
                Err(_) => bail!("connect to {}: timed out", self.addr),
            }
        }
    }
}

/// The connector for `imap` / `imap-idle` target `index`: its IMAP address (loopback only),
/// TLS or not, the I/O bound and the source addresses of the common options.
pub async fn for_imap_target(
    common: &crate::cli::ImapCommon,
    index: usize,
) -> Result<Arc<Connector>> {
    let target = &common.targets[index];
    let addr = resolve_loopback(&target.imap).await?;
    Connector::new(
        addr,
        target.tls,
        common.io_timeout(),
        common.source_ips as usize,
    )
}

/// Resolves HOST:PORT to its first address, which must be loopback.
pub async fn resolve_loopback(addr: &str) -> Result<SocketAddr> {
    let resolved = crate::run::resolve(addr).await?;
    if !resolved.ip().is_loopback() {
        bail!(
            "{addr} resolves to {resolved}, not a loopback address: kantor-bench measures servers on 127.0.0.1 only"
        );
    }
    Ok(resolved)
}

/// A TLS client configuration that accepts any certificate (the handshake signatures are
/// still checked, so the cost is that of a real client): the benchmark's servers use
/// self-signed test certificates on loopback.
fn tls_config() -> Arc<ClientConfig> {
    kantor_net::client_tls::any_certificate()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn refuses_non_loopback() {
        let far: SocketAddr = "192.0.2.1:143".parse().unwrap();
        assert!(Connector::new(far, false, Duration::from_secs(1), 1).is_err());
        assert!(resolve_loopback("192.0.2.1:143").await.is_err());
        assert!(resolve_loopback("127.0.0.1:143").await.is_ok());
    }

    #[tokio::test]
    async fn spreads_over_source_addresses() {
        let listener = tokio::net::TcpListener::bind("0.0.0.0:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let connector = Connector::new(addr, false, Duration::from_secs(5), 3).unwrap();
        let mut seen = Vec::new();
        for _ in 0..3 {
            let _wire = connector.connect().await.unwrap();
            let (_, peer) = listener.accept().await.unwrap();
            seen.push(peer.ip());
        }
        seen.sort();
        let want: Vec<IpAddr> = (1..=3).map(|k| IpAddr::from([127, 0, 0, k])).collect();
        assert_eq!(seen, want);
        assert_eq!(connector.source_ips(), 3);
    }
}
