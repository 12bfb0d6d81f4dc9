//! Test harness: a fresh server on 127.0.0.1:0 with a temporary store, and a raw line-based
//! SMTP client (plain or TLS) to drive it.

#![allow(dead_code)]

use kantor_config::SmtpConfig;
use kantor_directory::{AuthPolicy, Directory};
use kantor_net::ConnectionLimiter;
use kantor_smtp::{SmtpContext, SmtpMode};
use kantor_store::{MailboxRole, Store, StoreOptions};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

pub const DOMAIN: &str = "example.org";
pub const ALICE: &str = "alice@example.org";
pub const BOB: &str = "bob@example.org";
pub const ADMIN: &str = "admin@example.org";
pub const PASSWORD: &str = "correct-horse-battery";

pub struct Server {
    pub addr: SocketAddr,
    pub directory: Directory,
    pub tls_dir: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

/// Small limits so the tests can reach them.
pub fn test_config() -> SmtpConfig {
    SmtpConfig {
        max_message_size: 100_000,
        max_recipients: 5,
        max_command_line: 512,
        max_data_line: 1000,
        command_timeout_secs: 30,
        data_timeout_secs: 30,
        max_errors: 20,
        ..SmtpConfig::default()
    }
}

pub async fn start(mode: SmtpMode) -> Server {
    start_with(mode, test_config(), ConnectionLimiter::new(100, 100)).await
}

pub async fn start_with(mode: SmtpMode, config: SmtpConfig, limiter: ConnectionLimiter) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("data"), StoreOptions::default()).unwrap();
    let directory = Directory::new(store, AuthPolicy::default());
    directory.add_domain(DOMAIN).await.unwrap();
    directory.add_user(ALICE, PASSWORD, 0, false).await.unwrap();
    directory.add_user(BOB, PASSWORD, 0, false).await.unwrap();
    directory.add_user(ADMIN, PASSWORD, 0, true).await.unwrap();
    let tls_dir = dir.path().join("tls");
    let names = kantor_net::tls::CertificateNames {
        hostname: "localhost".into(),
        domains: vec![],
        addresses: vec![],
    };
    let tls = kantor_net::tls::server_config(None, &tls_dir, &names).unwrap();
    let ctx = Arc::new(SmtpContext {
        directory: directory.clone(),
        hostname: "mx.example.org".into(),
        tls,
        handshake_timeout: std::time::Duration::from_secs(10),
        config,
        // The system's resolver: the checks of mail from the test domains end in `none`
        // (tests/smtp_auth_checks.rs checks them against a DNS server of its own).
        dns: kantor_dns::Dns::new(&kantor_config::ResolverConfig::default()).unwrap(),
        inbound: kantor_config::InboundConfig::default(),
        rules: Arc::new(kantor_sieve::Rules::new(
            &kantor_config::SieveConfig::default(),
            "mx.example.org",
        )),
    });
    let listener = kantor_net::bind("smtp", "127.0.0.1:0", limiter)
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(kantor_smtp::serve(listener, mode, ctx));
    Server {
        addr,
        directory,
        tls_dir,
        _dir: dir,
    }
}

impl Server {
    /// The store as the server itself sees it.
    pub fn store(&self) -> kantor_store::Mail {
        self.directory.store().mail(kantor_store::Actor::System)
    }

    /// Messages in the user's INBOX.
    pub fn inbox_total(&self, user: &str) -> u32 {
        let account = self.directory.user(user).unwrap();
        self.store()
            .mailbox_by_role(account.id, MailboxRole::Inbox)
            .unwrap()
            .unwrap()
            .total
    }

    /// The stored bytes of every message in the user's INBOX, in order.
    pub fn inbox(&self, user: &str) -> Vec<Vec<u8>> {
        let account = self.directory.user(user).unwrap();
        let inbox = self
            .store()
            .mailbox_by_role(account.id, MailboxRole::Inbox)
            .unwrap()
            .unwrap();
        self.store()
            .messages(inbox.id)
            .unwrap()
            .iter()
            .map(|m| self.store().read_blob(&m.blob).unwrap())
            .collect()
    }

    pub async fn connect(&self) -> Client<TcpStream> {
        let mut client = Client::new(TcpStream::connect(self.addr).await.unwrap());
        let greeting = client.reply().await;
        assert_eq!(greeting.code, 220, "{greeting:?}");
        client
    }

    /// A TLS client configuration trusting the server's generated certificate.
    pub fn tls_connector(&self) -> tokio_rustls::TlsConnector {
        let pem = std::fs::read(self.tls_dir.join("cert.pem")).unwrap();
        let mut roots = rustls::RootCertStore::empty();
        for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
            roots.add(cert.unwrap()).unwrap();
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        tokio_rustls::TlsConnector::from(Arc::new(config))
    }

    /// Connects with implicit TLS (port 465 style).
    pub async fn connect_tls(&self) -> Client<tokio_rustls::client::TlsStream<TcpStream>> {
        let tcp = TcpStream::connect(self.addr).await.unwrap();
        let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
        let tls = self.tls_connector().connect(name, tcp).await.unwrap();
        let mut client = Client::new(tls);
        assert_eq!(client.reply().await.code, 220);
        client
    }
}

/// One reply: its code and its lines without the `NNN-` / `NNN ` prefix.
#[derive(Debug, Clone)]
pub struct Reply {
    pub code: u16,
    pub lines: Vec<String>,
}

impl Reply {
    pub fn text(&self) -> String {
        self.lines.join("\n")
    }

    pub fn has_line(&self, line: &str) -> bool {
        self.lines.iter().any(|l| l == line)
    }
}

pub struct Client<S> {
    pub stream: S,
    buf: Vec<u8>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Client<S> {
    pub fn new(stream: S) -> Self {
        Client {
            stream,
            buf: Vec::new(),
        }
    }

    pub async fn send(&mut self, data: &[u8]) {
        self.stream.write_all(data).await.unwrap();
        self.stream.flush().await.unwrap();
    }

    /// Sends one command line (CRLF added) and reads its reply.
    pub async fn cmd(&mut self, line: &str) -> Reply {
        self.send(format!("{line}\r\n").as_bytes()).await;
        self.reply().await
    }

    /// Sends a line and asserts the reply code.
    pub async fn expect(&mut self, line: &str, code: u16) -> Reply {
        let reply = self.cmd(line).await;
        assert_eq!(reply.code, code, "{line:?} -> {reply:?}");
        reply
    }

    /// Reads one CRLF-terminated line, or `None` at end of stream.
    pub async fn line(&mut self) -> Option<String> {
        loop {
            if let Some(i) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line = String::from_utf8_lossy(&self.buf[..i]).into_owned();
                self.buf.drain(..i + 2);
                return Some(line);
            }
            let mut chunk = [0u8; 4096];
            let read = tokio::time::timeout(Duration::from_secs(10), self.stream.read(&mut chunk))
                .await
                .expect("server reply timed out");
            match read {
                Ok(0) | Err(_) => return None,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
            }
        }
    }

    /// Reads one (possibly multi-line) reply.
    pub async fn reply(&mut self) -> Reply {
        let mut lines = Vec::new();
        loop {
            let line = self.line().await.expect("connection closed");
            let code: u16 = line.get(..3).and_then(|c| c.parse().ok()).expect(&line);
            let last = line.as_bytes().get(3) != Some(&b'-');
            lines.push(line.get(4..).unwrap_or("").to_string());
            if last {
                return Reply { code, lines };
            }
        }
    }

    /// EHLO, asserting 250.
    pub async fn ehlo(&mut self) -> Reply {
        self.expect("EHLO client.example", 250).await
    }

    /// MAIL, RCPTs and DATA with `body` (already dot-stuffed, without the final dot line),
    /// returning the reply to the end of data.
    pub async fn send_mail(&mut self, from: &str, to: &[&str], body: &str) -> Reply {
        self.expect(&format!("MAIL FROM:<{from}>"), 250).await;
        for rcpt in to {
            self.expect(&format!("RCPT TO:<{rcpt}>"), 250).await;
        }
        self.expect("DATA", 354).await;
        self.send(body.as_bytes()).await;
        self.send(b".\r\n").await;
        self.reply().await
    }

    /// Asserts the server closed the connection.
    pub async fn assert_closed(&mut self) {
        assert_eq!(self.line().await, None);
    }
}

impl Client<TcpStream> {
    /// STARTTLS on this connection, returning the TLS client (EHLO not yet sent again).
    pub async fn starttls(
        mut self,
        server: &Server,
    ) -> Client<tokio_rustls::client::TlsStream<TcpStream>> {
        self.expect("STARTTLS", 220).await;
        let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
        let tls = server
            .tls_connector()
            .connect(name, self.stream)
            .await
            .unwrap();
        Client::new(tls)
    }
}

pub fn plain_auth(user: &str, password: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(format!("\0{user}\0{password}"))
}

pub fn b64(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// A short message with headers.
pub fn simple_body(subject: &str) -> String {
    format!(
        "From: <sender@remote.example>\r\nTo: <alice@example.org>\r\nSubject: {subject}\r\n\r\nHello.\r\n"
    )
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
