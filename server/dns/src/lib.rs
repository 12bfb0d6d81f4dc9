//! DNS for mail (RFC 5321 §5.1, RFC 7505): one resolver, built from `[resolver]`, shared by
//! outbound delivery (MX, then addresses) and the inbound checks (SPF, DKIM, DMARC: mail-auth's
//! `MessageAuthenticator`, which wraps the same hickory resolver and its cache).

use hickory_resolver::config::{NameServerConfig, ResolverConfig as HickoryConfig, ResolverOpts};
use hickory_resolver::proto::rr::RData;
use kantor_config::ResolverConfig;
use mail_auth::MessageAuthenticator;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum DnsError {
    #[error("bad [resolver] nameserver {0:?}: expected IP or IP:PORT")]
    BadNameserver(String),
    #[error("cannot set up the resolver: {0}")]
    Setup(String),
    /// The lookup failed for now (a timeout, SERVFAIL): try again later.
    #[error("DNS lookup of {name} failed: {why}")]
    Temporary { name: String, why: String },
}

/// Where mail for a domain goes (RFC 5321 §5.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailHosts {
    /// The MX hosts, most preferred first (hosts of equal preference in the order given).
    Exchanges(Vec<String>),
    /// No MX record: the domain itself, as an implicit MX of preference 0.
    Implicit(String),
    /// A null MX (RFC 7505): the domain takes no mail.
    NullMx,
    /// The domain does not exist.
    NoSuchDomain,
}

/// The server's resolver.
#[derive(Clone)]
pub struct Dns {
    authenticator: Arc<MessageAuthenticator>,
}

impl Dns {
    /// The resolver `[resolver]` describes: its nameservers, or the system's.
    pub fn new(config: &ResolverConfig) -> Result<Dns, DnsError> {
        let authenticator = match config.nameservers.is_empty() {
            true => MessageAuthenticator::new_system_conf(),
            false => {
                let servers = config
                    .nameservers
                    .iter()
                    .map(|s| nameserver(s))
                    .collect::<Result<Vec<_>, _>>()?;
                let mut options = ResolverOpts::default();
                options.attempts = 2;
                MessageAuthenticator::new(HickoryConfig::from_name_servers(servers), options)
            }
        }
        .map_err(|e| DnsError::Setup(e.to_string()))?;
        Ok(Dns {
            authenticator: Arc::new(authenticator),
        })
    }

    /// mail-auth's authenticator over this resolver, for SPF, DKIM, DMARC and ARC.
    pub fn authenticator(&self) -> &MessageAuthenticator {
        &self.authenticator
    }

    /// Where mail for `domain` goes.
    pub async fn mail_hosts(&self, domain: &str) -> Result<MailHosts, DnsError> {
        let fqdn = format!("{}.", domain.trim_end_matches('.'));
        let resolver = self.authenticator.resolver();
        let lookup = match resolver.mx_lookup(fqdn.as_str()).await {
            Ok(lookup) => lookup,
            Err(e) if e.is_nx_domain() => return Ok(MailHosts::NoSuchDomain),
            Err(e) if e.is_no_records_found() => {
                return Ok(MailHosts::Implicit(domain.to_string()));
            }
            Err(e) => {
                return Err(DnsError::Temporary {
                    name: domain.to_string(),
                    why: e.to_string(),
                });
            }
        };
        let mut records: Vec<(u16, String)> = lookup
            .answers()
            .iter()
            .filter_map(|r| match &r.data {
                RData::MX(mx) => Some((mx.preference, mx.exchange.to_ascii())),
                _ => None,
            })
            .collect();
        // RFC 7505 §3: a single MX of "." is a null MX.
        if let [(_, host)] = records.as_slice()
            && matches!(host.as_str(), "" | ".")
        {
            return Ok(MailHosts::NullMx);
        }
        records.sort_by_key(|(preference, _)| *preference);
        let hosts: Vec<String> = records
            .into_iter()
            .map(|(_, h)| h.trim_end_matches('.').to_ascii_lowercase())
            .filter(|h| !h.is_empty())
            .collect();
        match hosts.is_empty() {
            true => Ok(MailHosts::Implicit(domain.to_string())),
            false => Ok(MailHosts::Exchanges(hosts)),
        }
    }

    /// The addresses of a host, IPv6 and IPv4 (RFC 5321 §5.1: every address of a host may be
    /// tried); empty when it has none.
    pub async fn addresses(&self, host: &str) -> Result<Vec<IpAddr>, DnsError> {
        let fqdn = format!("{}.", host.trim_end_matches('.'));
        let resolver = self.authenticator.resolver();
        match resolver.lookup_ip(fqdn.as_str()).await {
            Ok(lookup) => Ok(lookup.iter().collect()),
            Err(e) if e.is_no_records_found() || e.is_nx_domain() => Ok(Vec::new()),
            Err(e) => Err(DnsError::Temporary {
                name: host.to_string(),
                why: e.to_string(),
            }),
        }
    }

    /// The TXT records at `name`, each one's strings joined (RFC 7208 §3.3 style); empty when
    /// there are none or the name does not exist. For the MTA-STS (`_mta-sts.DOMAIN`, RFC 8461
    /// §3.1) and TLS-RPT (`_smtp._tls.DOMAIN`, RFC 8460 §3) records.
    pub async fn txt(&self, name: &str) -> Result<Vec<String>, DnsError> {
        let fqdn = format!("{}.", name.trim_end_matches('.'));
        let resolver = self.authenticator.resolver();
        match resolver.txt_lookup(fqdn.as_str()).await {
            Ok(lookup) => Ok(lookup
                .answers()
                .iter()
                .filter_map(|r| match &r.data {
                    RData::TXT(txt) => Some(
                        txt.txt_data
                            .iter()
                            .map(|part| String::from_utf8_lossy(part))
                            .collect::<String>(),
                    ),
                    _ => None,
                })
                .collect()),
            Err(e) if e.is_no_records_found() || e.is_nx_domain() => Ok(Vec::new()),
            Err(e) => Err(DnsError::Temporary {
                name: name.to_string(),
                why: e.to_string(),
            }),
        }
    }
}

/// A `[resolver]` entry: `IP` or `IP:PORT`.
fn nameserver(text: &str) -> Result<NameServerConfig, DnsError> {
    let bad = || DnsError::BadNameserver(text.to_string());
    let (ip, port) = match text.parse::<SocketAddr>() {
        Ok(addr) => (addr.ip(), addr.port()),
        Err(_) => (text.parse::<IpAddr>().map_err(|_| bad())?, 53),
    };
    let mut server = NameServerConfig::udp_and_tcp(ip);
    for connection in &mut server.connections {
        connection.port = port;
    }
    Ok(server)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nameservers_take_a_port() {
        let s = nameserver("127.0.0.1:5353").unwrap();
        assert_eq!(s.ip.to_string(), "127.0.0.1");
        assert!(s.connections.iter().all(|c| c.port == 5353));
        assert!(
            nameserver("::1")
                .unwrap()
                .connections
                .iter()
                .all(|c| c.port == 53)
        );
        assert!(nameserver("localhost").is_err());
    }
}
