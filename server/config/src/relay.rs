//! `[relay]`: a smarthost that takes all remote mail (or that of some domains) instead of the
//! destination's MX hosts, for companies that must send through their provider (RFC 6409
//! submission with STARTTLS, RFC 8314 implicit TLS, RFC 4954 AUTH).

use serde::Deserialize;
use std::path::PathBuf;

/// How the connection to the relay is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RelayTls {
    /// STARTTLS (RFC 3207), required: nothing is sent if the relay does not offer it.
    #[default]
    Starttls,
    /// TLS from the first byte (RFC 8314, port 465).
    Implicit,
    /// No TLS at all (a relay on a trusted network only: credentials would go in clear).
    None,
}

/// `[relay]`: a smarthost for remote mail.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RelayConfig {
    /// Host name or IP address of the relay; empty (the default): no relay, mail goes to each
    /// domain's MX hosts.
    pub host: String,
    /// Port of the relay (587: submission; 465 with `tls = "implicit"`).
    pub port: u16,
    /// `"starttls"` (the default), `"implicit"` or `"none"`.
    pub tls: RelayTls,
    /// Whether the relay's certificate must be valid for `host` (public roots; default true).
    pub verify_certificate: bool,
    /// User name for AUTH PLAIN or LOGIN (RFC 4954) after TLS; empty: no authentication.
    pub username: String,
    /// The password for `username`.
    pub password: String,
    /// A file holding the password (its first line), instead of `password`.
    pub password_file: Option<PathBuf>,
    /// Only mail to these domains (and their subdomains) goes through the relay; empty (the
    /// default): all remote mail.
    pub domains: Vec<String>,
}

impl Default for RelayConfig {
    fn default() -> Self {
        RelayConfig {
            host: String::new(),
            port: 587,
            tls: RelayTls::Starttls,
            verify_certificate: true,
            username: String::new(),
            password: String::new(),
            password_file: None,
            domains: Vec::new(),
        }
    }
}

impl RelayConfig {
    /// Whether a relay is configured.
    pub fn enabled(&self) -> bool {
        !self.host.is_empty()
    }

    /// The password: `password_file`'s first line when given, else `password`.
    pub fn password(&self) -> std::io::Result<String> {
        match &self.password_file {
            Some(path) => Ok(std::fs::read_to_string(path)?
                .lines()
                .next()
                .unwrap_or("")
                .to_string()),
            None => Ok(self.password.clone()),
        }
    }

    /// Whether mail to `domain` goes through the relay.
    pub fn serves(&self, domain: &str) -> bool {
        self.enabled()
            && (self.domains.is_empty()
                || self.domains.iter().any(|d| {
                    let d = d.trim_start_matches('.');
                    domain.eq_ignore_ascii_case(d)
                        || domain
                            .to_ascii_lowercase()
                            .ends_with(&format!(".{}", d.to_ascii_lowercase()))
                }))
    }
}

#[cfg(test)]
mod tests {
    use crate::Config;

    #[test]
    fn a_relay_serves_its_domains_and_their_subdomains_only() {
        let config = Config::parse(
            "[relay]\nhost = \"smtp.provider.example\"\ntls = \"implicit\"\nport = 465\n\
             domains = [\"Partner.example\"]\n",
        )
        .unwrap();
        let relay = &config.relay;
        assert_eq!(relay.tls, crate::RelayTls::Implicit);
        assert!(relay.serves("partner.example"));
        assert!(relay.serves("mx.PARTNER.example"));
        assert!(!relay.serves("notpartner.example"));
        assert!(!relay.serves("other.example"));
        assert!(!Config::default().relay.serves("partner.example"));
        assert!(Config::parse("[relay]\ntls = \"sometimes\"\n").is_err());
    }
}
