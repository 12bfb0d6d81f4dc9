//! `[http]`: the HTTP front end (JMAP now; DAV, autoconfig, the admin API and the web client
//! later) on the `https` and `http` listeners.

use serde::Deserialize;

/// `[http]`: limits and policies of the HTTP listeners.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpConfig {
    /// Largest request body, in octets (JMAP `maxSizeRequest`, RFC 8620 §2). Larger ones are
    /// refused with 413 before they are read.
    pub max_request_bytes: usize,
    /// Largest request header block, in octets.
    pub max_header_bytes: usize,
    /// Seconds a client has to send a request's header once the connection is open or idle.
    pub header_timeout_secs: u64,
    /// Seconds a request may take, from its header to its response (reading the body included).
    pub request_timeout_secs: u64,
    /// Requests handled at once per connection (HTTP/2 streams).
    pub max_concurrent_streams: u32,
    /// Serve JMAP and accept passwords on the plain `http` listener too. Off: plain HTTP serves
    /// only `/metrics` and redirects everything else to `redirect_to`.
    pub allow_plaintext_auth: bool,
    /// Where the plain listener sends clients (the path is kept), e.g.
    /// `https://mail.example.com`. Unset: `https://` and the server's host name (with the
    /// `https` listener's port when it is not 443).
    pub redirect_to: Option<String>,
    /// Serve `/metrics` to any address. Off: only to loopback addresses (a Prometheus on the
    /// same machine, or behind a reverse proxy that restricts it).
    pub public_metrics: bool,
    pub max_connections: usize,
    pub max_connections_per_ip: usize,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            max_request_bytes: 10_000_000,
            max_header_bytes: 64 * 1024,
            header_timeout_secs: 30,
            request_timeout_secs: 60,
            max_concurrent_streams: 16,
            allow_plaintext_auth: false,
            redirect_to: None,
            public_metrics: false,
            max_connections: 20_000,
            max_connections_per_ip: 200,
        }
    }
}
