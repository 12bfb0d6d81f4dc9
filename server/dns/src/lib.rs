//! DNS for mail (RFC 5321 §5.1, RFC 7505): one resolver, built from `[resolver]`, shared by
//! outbound delivery (MX, then addresses) and the inbound checks (SPF, DKIM, DMARC: mail-auth's
//! `MessageAuthenticator`, which wraps the same hickory resolver and its cache).

use hickory_resolver::config::{NameServerConfig, ResolverConfig as HickoryConfig, ResolverOpts};
use hickory_resolver::net::{DnsError as NetDnsError, NetError};
use hickory_resolver::proto::dnssec::TrustAnchors;
use hickory_resolver::proto::rr::{RData, Record};
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

/// A TLSA record (RFC 6698 §2.1): how a server's certificate is to be matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tlsa {
    /// 0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, 3 DANE-EE.
    pub usage: u8,
    /// 0 the full certificate, 1 its SubjectPublicKeyInfo.
    pub selector: u8,
    /// 0 exact, 1 SHA-256, 2 SHA-512.
    pub matching: u8,
    pub data: Vec<u8>,
}

/// The server's resolver.
#[derive(Clone)]
pub struct Dns {
    authenticator: Arc<MessageAuthenticator>,
    /// The same nameservers with DNSSEC validation, for DANE (`[resolver] dnssec`).
    secure: Option<Arc<hickory_resolver::TokioResolver>>,
}

impl Dns {
    /// The resolver `[resolver]` describes: its nameservers, or the system's.
    pub fn new(config: &ResolverConfig) -> Result<Dns, DnsError> {
        let setup = |e: &dyn std::fmt::Display| DnsError::Setup(e.to_string());
        let (servers, mut options) = match config.nameservers.is_empty() {
            true => hickory_resolver::system_conf::read_system_conf().map_err(|e| setup(&e))?,
            false => {
                let servers = config
                    .nameservers
                    .iter()
                    .map(|s| nameserver(s))
                    .collect::<Result<Vec<_>, _>>()?;
                let mut options = ResolverOpts::default();
                options.attempts = 2;
                (HickoryConfig::from_name_servers(servers), options)
            }
        };
        let authenticator =
            MessageAuthenticator::new(servers.clone(), options.clone()).map_err(|e| setup(&e))?;
        let secure = match config.dnssec {
            true => {
                options.validate = true;
                let mut builder = hickory_resolver::Resolver::builder_with_config(
                    servers,
                    hickory_resolver::net::runtime::TokioRuntimeProvider::default(),
                )
                .with_options(options);
                if let Some(path) = &config.trust_anchor {
                    let anchors = TrustAnchors::from_file(path)
                        .map_err(|e| setup(&format!("{}: {e}", path.display())))?;
                    builder = builder.with_trust_anchor(Arc::new(anchors));
                }
                Some(Arc::new(builder.build().map_err(|e| setup(&e))?))
            }
            false => None,
        };
        Ok(Dns {
            authenticator: Arc::new(authenticator),
            secure,
        })
    }

    /// Whether the destination of `domain` is DNSSEC-authenticated, so that the TLSA records
    /// of its hosts count (RFC 7672 §2.2.1): its MX records, or, when it has none (the domain
    /// is its own implicit MX, §2.2.2), the domain's own addresses. False without validation or
    /// when the answer is insecure; Err when it is bogus (§2.1.1: deliver later, never in
    /// clear).
    pub async fn destination_is_secure(&self, domain: &str) -> Result<bool, DnsError> {
        let Some(secure) = &self.secure else {
            return Ok(false);
        };
        let fqdn = format!("{}.", domain.trim_end_matches('.'));
        match secure.mx_lookup(fqdn.as_str()).await {
            Ok(lookup) => verdict(&fqdn, lookup.answers()),
            Err(e) if e.is_no_records_found() && !e.is_nx_domain() => {
                match secure.lookup_ip(fqdn.as_str()).await {
                    Ok(lookup) => verdict(&fqdn, lookup.as_lookup().answers()),
                    Err(e) => denial(&fqdn, &e).map(|_| false),
                }
            }
            // A failure here fails the plain MX lookup too, which defers the mail by itself.
            Err(e) => denial(&fqdn, &e).map(|_| false),
        }
    }

    /// The names whose TLSA records count for the mail host `host`, in the order to try them
    /// (RFC 7672 §2.2.2): none (None) unless its address records are authenticated; the name
    /// its CNAME aliases lead to, when they do and are authenticated too, then `host` itself.
    /// Err when the answer is bogus (§2.1.1).
    pub async fn tlsa_names(&self, host: &str) -> Result<Option<Vec<String>>, DnsError> {
        let Some(secure) = &self.secure else {
            return Ok(None);
        };
        let fqdn = format!("{}.", host.trim_end_matches('.'));
        let lookup = match secure.lookup_ip(fqdn.as_str()).await {
            Ok(lookup) => lookup,
            Err(e) => return denial(&fqdn, &e).map(|_| None),
        };
        let answers = lookup.as_lookup().answers();
        if !verdict(&fqdn, answers)? {
            return Ok(None);
        }
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let expanded = answers
            .iter()
            .find(|r| matches!(r.data, RData::A(_) | RData::AAAA(_)))
            .map(|r| r.name.to_ascii().trim_end_matches('.').to_ascii_lowercase())
            .filter(|name| *name != host);
        Ok(Some(expanded.into_iter().chain([host]).collect()))
    }

    /// The DNSSEC-authenticated TLSA records of `host`'s `port` over TCP (`_PORT._tcp.HOST`,
    /// RFC 7672 §2.2); None when there are none or they are insecure (no DANE then), Err when
    /// they are bogus or the lookup failed for now (RFC 7672 §2.1.1: deliver later).
    pub async fn tlsa(&self, host: &str, port: u16) -> Result<Option<Vec<Tlsa>>, DnsError> {
        let Some(secure) = &self.secure else {
            return Ok(None);
        };
        let name = format!("_{port}._tcp.{}.", host.trim_end_matches('.'));
        match secure.tlsa_lookup(name.as_str()).await {
            Ok(lookup) => {
                let answers = lookup.answers();
                if !verdict(&name, answers)? {
                    return Ok(None);
                }
                let records: Vec<Tlsa> = answers
                    .iter()
                    .filter_map(|r| match &r.data {
                        RData::TLSA(t) => Some(Tlsa {
                            usage: t.cert_usage.into(),
                            selector: t.selector.into(),
                            matching: t.matching.into(),
                            data: t.cert_data.clone(),
                        }),
                        _ => None,
                    })
                    .collect();
                Ok((!records.is_empty()).then_some(records))
            }
            Err(e) if e.is_no_records_found() => Ok(None),
            Err(e) => match denial(&name, &e)? {
                true => Ok(None),
                false => Err(DnsError::Temporary {
                    name,
                    why: e.to_string(),
                }),
            },
        }
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

/// DNSSEC's verdict on an answer: true when every record is authenticated (secure), false when
/// there are none or some are insecure or indeterminate, Err when one is bogus.
fn verdict(name: &str, answers: &[Record]) -> Result<bool, DnsError> {
    if answers.iter().any(|r| r.proof.is_bogus()) {
        return Err(bogus(name));
    }
    Ok(!answers.is_empty() && answers.iter().all(|r| r.proof.is_secure()))
}

/// DNSSEC's verdict on a failed lookup: Err when the answer was bogus, true when it was an
/// unauthenticated (insecure) denial, false for any other failure.
fn denial(name: &str, error: &NetError) -> Result<bool, DnsError> {
    match error {
        NetError::Dns(NetDnsError::DnssecBogus) => Err(bogus(name)),
        NetError::Dns(NetDnsError::Nsec { proof, .. }) if proof.is_bogus() => Err(bogus(name)),
        NetError::Dns(NetDnsError::Nsec { .. }) => Ok(true),
        _ => Ok(false),
    }
}

fn bogus(name: &str) -> DnsError {
    DnsError::Temporary {
        name: name.to_string(),
        why: "DNSSEC validation failed (bogus)".to_string(),
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
