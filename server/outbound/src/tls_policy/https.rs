//! One HTTPS request with a verified certificate, bounded in time and size, redirects not
//! followed (RFC 8461 §3.3 for policy fetches; RFC 8460 §3 for report uploads): HTTP/1.1 over
//! tokio-rustls with hyper's connection-level client.

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use kantor_dns::Dns;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;

/// A response: status, Content-Type, body.
pub(crate) struct Response {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

/// Why a request failed: the server's certificate was not valid (its name, its chain, its
/// dates: for a policy fetch, RFC 8460 §4.3.2.2 `sts-webpki-invalid`), or anything else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    Certificate(String),
    Other(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Certificate(why) | Failure::Other(why) => f.write_str(why),
        }
    }
}

impl From<String> for Failure {
    fn from(why: String) -> Failure {
        Failure::Other(why)
    }
}

/// The failure of a TLS handshake with `host`: a certificate failure when rustls refused the
/// server's certificate (or it sent none), else another.
pub(crate) fn handshake_failure(host: &str, error: std::io::Error) -> Failure {
    let why = format!("TLS with {host}: {error}");
    match error
        .get_ref()
        .and_then(|e| e.downcast_ref::<rustls::Error>())
    {
        Some(rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented) => {
            Failure::Certificate(why)
        }
        _ => Failure::Other(why),
    }
}

/// What a request needs.
pub(crate) struct Https<'a> {
    pub dns: &'a Dns,
    pub tls: Arc<rustls::ClientConfig>,
    pub port: u16,
    pub timeout: Duration,
}

impl Https<'_> {
    /// `method` `https://host:port/path` with `body` (a type and the octets), the response's
    /// body read up to `max_body` octets (0: not read); the whole within the timeout.
    pub async fn request(
        &self,
        method: Method,
        host: &str,
        path: &str,
        body: Option<(&str, Vec<u8>)>,
        max_body: usize,
    ) -> Result<Response, Failure> {
        match tokio::time::timeout(
            self.timeout,
            self.request_now(method, host, path, body, max_body),
        )
        .await
        {
            Ok(result) => result,
            Err(_) => Err(format!("https://{host}{path} did not answer in time").into()),
        }
    }

    async fn request_now(
        &self,
        method: Method,
        host: &str,
        path: &str,
        body: Option<(&str, Vec<u8>)>,
        max_body: usize,
    ) -> Result<Response, Failure> {
        let addresses = self.dns.addresses(host).await.map_err(|e| e.to_string())?;
        let mut last = format!("{host} has no address");
        let mut tcp = None;
        for ip in addresses {
            match TcpStream::connect(SocketAddr::new(ip, self.port)).await {
                Ok(stream) => {
                    tcp = Some(stream);
                    break;
                }
                Err(e) => last = format!("cannot connect to {host} ({ip}): {e}"),
            }
        }
        let tcp = tcp.ok_or(last)?;
        let name = rustls::pki_types::ServerName::try_from(host.to_string())
            .map_err(|e| format!("{host}: {e}"))?;
        let tls = tokio_rustls::TlsConnector::from(self.tls.clone())
            .connect(name, tcp)
            .await
            .map_err(|e| handshake_failure(host, e))?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
            .await
            .map_err(|e| format!("HTTP with {host}: {e}"))?;
        let driver = tokio::spawn(connection);
        let authority = match self.port {
            443 => host.to_string(),
            port => format!("{host}:{port}"),
        };
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(hyper::header::HOST, authority)
            .header(hyper::header::USER_AGENT, "Kantor")
            .header(hyper::header::CONNECTION, "close");
        let body = match body {
            Some((content_type, octets)) => {
                request = request.header(hyper::header::CONTENT_TYPE, content_type);
                Bytes::from(octets)
            }
            None => Bytes::new(),
        };
        let request = request.body(Full::new(body)).map_err(|e| e.to_string())?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| format!("HTTP with {host}: {e}"))?;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(hyper::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        // No body wanted: not read (a server may end it by closing without TLS close_notify).
        let body = match max_body {
            0 => Vec::new(),
            _ => Limited::new(response.into_body(), max_body)
                .collect()
                .await
                .map_err(|e| format!("reading from {host}: {e}"))?
                .to_bytes()
                .to_vec(),
        };
        driver.abort();
        Ok(Response {
            status,
            content_type,
            body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A certificate rustls refused is told apart from other handshake failures (RFC 8460
    /// §4.3.2.2: `sts-webpki-invalid` against `sts-policy-fetch-error`).
    #[test]
    fn certificate_failures_are_told_apart() {
        let refused = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        );
        assert!(matches!(
            handshake_failure("mta-sts.d.test", refused),
            Failure::Certificate(why) if why.starts_with("TLS with mta-sts.d.test: ")
        ));
        let alert = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::AlertReceived(rustls::AlertDescription::HandshakeFailure),
        );
        assert!(matches!(
            handshake_failure("mta-sts.d.test", alert),
            Failure::Other(_)
        ));
        let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        assert!(matches!(
            handshake_failure("mta-sts.d.test", reset),
            Failure::Other(_)
        ));
    }
}
