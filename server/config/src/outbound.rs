//! `[resolver]`: where DNS questions go; `[outbound]`: delivering mail to other servers (RFC
//! 5321 §4-§5: MX lookup, retries, bounces).

use serde::Deserialize;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;

/// `[resolver]`: the DNS servers asked for MX, A/AAAA, TXT (SPF, DKIM, DMARC) and TLSA
/// records.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ResolverConfig {
    /// `"IP:PORT"` or `"IP"` (port 53) of each server, asked over UDP and TCP; empty (the
    /// default): the system's (`/etc/resolv.conf`).
    pub nameservers: Vec<String>,
    /// Validate DNSSEC (RFC 4035) for DANE's lookups (MX and TLSA, RFC 7672 §2.1), by this
    /// server itself through the nameservers above, which must pass DNSSEC records on (a
    /// recursive resolver does; one that does not answer for the root's keys slows every
    /// delivery by its timeouts). Off: no DANE.
    pub dnssec: bool,
    /// A file of DNSKEY records (zone-file lines) trusted as DNSSEC trust anchors; unset: the
    /// root zone's keys (built in). For a private signed zone, and for tests.
    pub trust_anchor: Option<PathBuf>,
}

/// `[outbound]`: the delivery of queued mail to remote servers.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutboundConfig {
    /// Port used to reach remote MX hosts (25; tests use another).
    pub smtp_port: u16,
    /// Seconds to wait before each retry after a temporary failure, in order; the last one
    /// repeats until `max_age_secs`.
    pub retry_schedule_secs: Vec<u64>,
    /// Seconds after which an undelivered message is bounced (RFC 5321 §4.5.4.1: 4-5 days).
    pub max_age_secs: u64,
    /// Seconds after which the sender is told their message is delayed (once); 0: never.
    pub delay_warning_secs: u64,
    /// Seconds to connect to a remote server.
    pub connect_timeout_secs: u64,
    /// Seconds to wait for each reply (RFC 5321 §4.5.3.2 suggests 5 minutes for most).
    pub command_timeout_secs: u64,
    /// Connections at once to one destination domain.
    pub max_connections_per_domain: usize,
    /// Deliveries at once, all destinations together.
    pub max_concurrent_deliveries: usize,
    /// Messages sent over one connection before it is closed.
    pub max_messages_per_connection: usize,
    /// A PEM file of extra certificate authorities trusted, besides the Web PKI roots (Mozilla's,
    /// built in), when a policy requires a valid certificate (MTA-STS: the MX hosts' and the
    /// policy hosts' certificates). For a private CA, and for tests.
    pub tls_ca_file: Option<PathBuf>,
    /// Port of the HTTPS server asked for MTA-STS policies (RFC 8461 §3.3: 443). A test hook:
    /// only tests use another.
    pub mta_sts_port: u16,
    /// Seconds an MTA-STS policy fetch may take, connection included (RFC 8461 §3.3 suggests
    /// no more than a minute).
    pub mta_sts_fetch_timeout_secs: u64,
    /// Send the daily TLS-RPT aggregate reports (RFC 8460) to the domains that ask for them.
    pub tls_reports: bool,
    /// The From address of TLS-RPT reports (it must be of a local domain, so that they are
    /// DKIM-signed, RFC 8460 §5.3); unset: `postmaster@` the first local domain.
    pub tls_report_from: Option<String>,
    /// The local address outbound SMTP connections (to MX hosts and to the `[relay]`) leave
    /// from over IPv4: the socket is bound to it before connecting (RFC 5321 §4.1.4: the
    /// address remote servers see, and check SPF and reverse DNS against; TLS-RPT's
    /// `sending-mta-ip`, RFC 8460 §4.4). It must be an address of this host. Unset (the
    /// default): the operating system picks one.
    pub source_ipv4: Option<Ipv4Addr>,
    /// The same for connections over IPv6.
    pub source_ipv6: Option<Ipv6Addr>,
}

impl Default for OutboundConfig {
    fn default() -> Self {
        OutboundConfig {
            smtp_port: 25,
            // About 5 days in all: soon at first, then hourly, then every few hours.
            retry_schedule_secs: vec![60, 300, 900, 1800, 3600, 7200, 14400],
            max_age_secs: 5 * 24 * 3600,
            delay_warning_secs: 4 * 3600,
            connect_timeout_secs: 30,
            command_timeout_secs: 300,
            max_connections_per_domain: 4,
            max_concurrent_deliveries: 64,
            max_messages_per_connection: 50,
            tls_ca_file: None,
            mta_sts_port: 443,
            mta_sts_fetch_timeout_secs: 30,
            tls_reports: true,
            tls_report_from: None,
            source_ipv4: None,
            source_ipv6: None,
        }
    }
}
