//! Sending through a smarthost (`[relay]`): the relay instead of the destination's MX hosts,
//! TLS as configured (required STARTTLS by default, RFC 3207; implicit, RFC 8314), the relay's
//! certificate checked against the public roots unless turned off, then AUTH (RFC 4954).

use kantor_config::{RelayConfig, RelayTls};
use rustls::ClientConfig;
use std::sync::Arc;

/// A configured relay, ready to connect to.
pub struct Relay {
    pub(crate) config: RelayConfig,
    /// User name and password, when the relay wants AUTH.
    pub(crate) credentials: Option<(String, String)>,
    pub(crate) tls: Arc<ClientConfig>,
}

impl Relay {
    /// The relay of `config`, or none when `[relay]` names no host; an error when its password
    /// file cannot be read.
    pub fn new(config: &RelayConfig) -> Result<Option<Relay>, String> {
        if !config.enabled() {
            return Ok(None);
        }
        let credentials = match config.username.is_empty() {
            true => None,
            false => {
                let password = config
                    .password()
                    .map_err(|e| format!("relay.password_file: {e}"))?;
                Some((config.username.clone(), password))
            }
        };
        let tls = match config.verify_certificate {
            true => verified(),
            false => kantor_net::client_tls::any_certificate(),
        };
        Ok(Some(Relay {
            config: config.clone(),
            credentials,
            tls,
        }))
    }

    /// Whether mail to `domain` goes through this relay.
    pub(crate) fn serves(&self, domain: &str) -> bool {
        self.config.serves(domain)
    }

    pub(crate) fn implicit_tls(&self) -> bool {
        self.config.tls == RelayTls::Implicit
    }

    /// `tls = "none"`: not even STARTTLS when offered.
    pub(crate) fn without_tls(&self) -> bool {
        self.config.tls == RelayTls::None
    }

    pub(crate) fn requires_starttls(&self) -> bool {
        self.config.tls == RelayTls::Starttls
    }
}

/// A client configuration that checks certificates against the public roots (webpki-roots).
fn verified() -> Arc<ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the default TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}
