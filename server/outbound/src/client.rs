//! The SMTP client side of one connection to a remote server (RFC 5321 §3-§4): the greeting,
//! EHLO (HELO when EHLO is refused), STARTTLS when offered (RFC 3207), then MAIL, RCPT and DATA
//! for each message, every reply read with a timeout. Replies are parsed into [`Reply`]; what
//! to do with them is `delivery`'s.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::timeout;

/// Longest reply line read (RFC 5321 §4.5.3.1.5: 512 octets; a margin for long texts).
const MAX_REPLY_LINE: usize = 4096;
/// Most lines of one reply.
const MAX_REPLY_LINES: usize = 100;

/// A server's reply: its code and text lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reply {
    pub code: u16,
    pub lines: Vec<String>,
}

impl Reply {
    pub fn is_positive(&self) -> bool {
        (200..400).contains(&self.code)
    }

    /// A 5yz reply: the server will never accept this (RFC 5321 §4.2.1).
    pub fn is_permanent(&self) -> bool {
        self.code >= 500
    }

    /// The reply as one line, `code text`.
    pub fn text(&self) -> String {
        format!("{} {}", self.code, self.lines.join(" "))
    }
}

/// A failure of the connection itself (not a reply): worth trying another host.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ClientError {
    #[error("cannot connect to {0}: {1}")]
    Connect(SocketAddr, String),
    #[error("{0} did not answer in time")]
    Timeout(String),
    #[error("connection to {0} failed: {1}")]
    Io(String, String),
    #[error("{0} sent a malformed reply: {1:?}")]
    Malformed(String, String),
}

trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// The TLS handshake on `stream` with `host`, whose name is checked when `config` checks
/// certificates.
async fn handshake<S: AsyncRead + AsyncWrite + Unpin>(
    config: std::sync::Arc<rustls::ClientConfig>,
    host: &str,
    stream: S,
    limit: Duration,
    peer: &str,
) -> Result<tokio_rustls::client::TlsStream<S>, ClientError> {
    let name = match host.parse::<std::net::IpAddr>() {
        Ok(ip) => rustls::pki_types::ServerName::IpAddress(ip.into()),
        Err(_) => rustls::pki_types::ServerName::try_from(host.to_string()).unwrap_or_else(|_| {
            rustls::pki_types::ServerName::try_from("invalid.invalid").expect("a name")
        }),
    };
    let connector = tokio_rustls::TlsConnector::from(config);
    match timeout(limit, connector.connect(name, stream)).await {
        Ok(Ok(tls)) => Ok(tls),
        Ok(Err(e)) => Err(ClientError::Io(peer.to_string(), format!("TLS: {e}"))),
        Err(_) => Err(ClientError::Timeout(peer.to_string())),
    }
}

/// A TCP connection to `addr`, its socket first bound to `source` (any port) when given.
async fn open(addr: SocketAddr, source: Option<IpAddr>) -> Result<TcpStream, String> {
    let Some(source) = source else {
        return TcpStream::connect(addr).await.map_err(|e| e.to_string());
    };
    let socket = match source {
        IpAddr::V4(_) => TcpSocket::new_v4(),
        IpAddr::V6(_) => TcpSocket::new_v6(),
    }
    .map_err(|e| e.to_string())?;
    socket
        .bind(SocketAddr::new(source, 0))
        .map_err(|e| format!("cannot use the source address {source} ([outbound]): {e}"))?;
    socket.connect(addr).await.map_err(|e| e.to_string())
}

/// An open SMTP connection.
pub(crate) struct Client {
    stream: BufReader<Box<dyn Stream>>,
    peer: String,
    timeout: Duration,
    /// The extensions the last EHLO listed (upper case keywords with their parameters).
    pub extensions: Vec<String>,
    pub tls: bool,
    /// Our end of the connection (its socket's local address): TLS-RPT's `sending-mta-ip`
    /// (RFC 8460 §4.4).
    pub local: Option<SocketAddr>,
}

impl Client {
    /// Connects (from `source` when given: `[outbound] source_ipv4` / `source_ipv6`; with TLS
    /// from the first byte when `implicit_tls` gives its configuration and the server's name,
    /// RFC 8314) and reads the greeting.
    pub async fn connect(
        addr: SocketAddr,
        source: Option<IpAddr>,
        connect_timeout: Duration,
        command_timeout: Duration,
        implicit_tls: Option<(std::sync::Arc<rustls::ClientConfig>, &str)>,
    ) -> Result<(Client, Reply), ClientError> {
        let tcp = match timeout(connect_timeout, open(addr, source)).await {
            Ok(Ok(tcp)) => tcp,
            Ok(Err(e)) => return Err(ClientError::Connect(addr, e)),
            Err(_) => return Err(ClientError::Connect(addr, "timed out".into())),
        };
        let secured = implicit_tls.is_some();
        let local = tcp.local_addr().ok();
        let stream: Box<dyn Stream> = match implicit_tls {
            None => Box::new(tcp),
            Some((config, host)) => {
                let tls = handshake(config, host, tcp, command_timeout, &addr.to_string()).await?;
                Box::new(tls)
            }
        };
        let mut client = Client {
            stream: BufReader::new(stream),
            peer: addr.to_string(),
            timeout: command_timeout,
            extensions: Vec::new(),
            tls: secured,
            local,
        };
        let greeting = client.reply().await?;
        Ok((client, greeting))
    }

    /// Whether the last EHLO listed `keyword`.
    pub fn has(&self, keyword: &str) -> bool {
        self.extensions.iter().any(|e| {
            e.split(' ')
                .next()
                .is_some_and(|k| k.eq_ignore_ascii_case(keyword))
        })
    }

    /// EHLO, and HELO when the server does not know EHLO (RFC 5321 §3.2).
    pub async fn hello(&mut self, name: &str) -> Result<Reply, ClientError> {
        let reply = self.command(&format!("EHLO {name}")).await?;
        if reply.is_positive() {
            self.extensions = reply
                .lines
                .iter()
                .skip(1)
                .map(|l| l.to_ascii_uppercase())
                .collect();
            return Ok(reply);
        }
        self.extensions.clear();
        self.command(&format!("HELO {name}")).await
    }

    /// STARTTLS (RFC 3207 §4) and the TLS handshake; the caller says EHLO again.
    pub async fn start_tls(
        mut self,
        config: std::sync::Arc<rustls::ClientConfig>,
        host: &str,
    ) -> Result<Result<Client, Reply>, ClientError> {
        let reply = self.command("STARTTLS").await?;
        if reply.code != 220 {
            return Ok(Err(reply));
        }
        let inner = self.stream.into_inner();
        let tls = handshake(config, host, inner, self.timeout, &self.peer).await?;
        let stream: Box<dyn Stream> = Box::new(tls);
        Ok(Ok(Client {
            stream: BufReader::new(stream),
            peer: self.peer,
            timeout: self.timeout,
            extensions: Vec::new(),
            tls: true,
            local: self.local,
        }))
    }

    /// Sends one command line and reads its reply.
    pub async fn command(&mut self, line: &str) -> Result<Reply, ClientError> {
        self.write(format!("{line}\r\n").as_bytes()).await?;
        self.reply().await
    }

    /// Sends command lines and reads one reply for each, in order: in one write when the
    /// server offers PIPELINING (RFC 2920 §3: MAIL and RCPT may be grouped), else one at a time.
    pub async fn commands(&mut self, lines: &[String]) -> Result<Vec<Reply>, ClientError> {
        if !self.has("PIPELINING") {
            let mut replies = Vec::with_capacity(lines.len());
            for line in lines {
                replies.push(self.command(line).await?);
            }
            return Ok(replies);
        }
        let batch: String = lines.iter().map(|l| format!("{l}\r\n")).collect();
        self.write(batch.as_bytes()).await?;
        let mut replies = Vec::with_capacity(lines.len());
        for _ in lines {
            replies.push(self.reply().await?);
        }
        Ok(replies)
    }

    /// Sends a message after a 354 (RFC 5321 §4.5.2: lines starting with a dot doubled, the
    /// end marked by a line with a dot), then reads the reply.
    pub async fn data(&mut self, message: &[u8]) -> Result<Reply, ClientError> {
        let mut out = Vec::with_capacity(message.len() + message.len() / 50 + 5);
        let mut at_line_start = true;
        for &b in message {
            if at_line_start && b == b'.' {
                out.push(b'.');
            }
            out.push(b);
            at_line_start = b == b'\n';
        }
        if !message.is_empty() && !message.ends_with(b"\r\n") {
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b".\r\n");
        self.write(&out).await?;
        self.reply().await
    }

    pub async fn quit(mut self) {
        let _ = self.command("QUIT").await;
    }

    pub(crate) async fn write(&mut self, bytes: &[u8]) -> Result<(), ClientError> {
        let stream = self.stream.get_mut();
        match timeout(self.timeout, async {
            stream.write_all(bytes).await?;
            stream.flush().await
        })
        .await
        {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(ClientError::Io(self.peer.clone(), e.to_string())),
            Err(_) => Err(ClientError::Timeout(self.peer.clone())),
        }
    }

    /// Reads one reply: lines `code-text` then `code text` (RFC 5321 §4.2).
    pub(crate) async fn reply(&mut self) -> Result<Reply, ClientError> {
        let mut lines = Vec::new();
        loop {
            let mut line = Vec::new();
            let read = timeout(
                self.timeout,
                (&mut self.stream)
                    .take(MAX_REPLY_LINE as u64)
                    .read_until(b'\n', &mut line),
            )
            .await;
            match read {
                Ok(Ok(0)) => {
                    return Err(ClientError::Io(
                        self.peer.clone(),
                        "connection closed".into(),
                    ));
                }
                Ok(Ok(_)) => {}
                Ok(Err(e)) => return Err(ClientError::Io(self.peer.clone(), e.to_string())),
                Err(_) => return Err(ClientError::Timeout(self.peer.clone())),
            }
            let text = String::from_utf8_lossy(&line)
                .trim_end_matches(['\r', '\n'])
                .to_string();
            let malformed = || ClientError::Malformed(self.peer.clone(), text.clone());
            let code: u16 = text
                .get(..3)
                .and_then(|c| c.parse().ok())
                .filter(|c| (200..600).contains(c))
                .ok_or_else(malformed)?;
            let more = text.as_bytes().get(3) == Some(&b'-');
            lines.push(text.get(4..).unwrap_or("").to_string());
            if lines.len() > MAX_REPLY_LINES {
                return Err(malformed());
            }
            if !more {
                return Ok(Reply { code, lines });
            }
        }
    }
}
