//! Checks of the client itself, once per connection on port 25, both off by default: reverse
//! DNS (`require_reverse_dns`: a PTR name of the address whose own addresses include it, the
//! "iprev" of RFC 8601 §3) and DNS blocklists (`dnsbl`, RFC 5782). A refusal found here is
//! given at RCPT, where the client can read it; DNS failures never refuse for good.

use crate::replies;
use kantor_config::InboundConfig;
use kantor_smtp_proto::Reply;
use mail_auth::common::cache::NoCache;
use mail_auth::{Error, IprevOutput, IprevResult, MessageAuthenticator, RecordSet};
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr};
use tokio::time::{Instant, timeout_at};

/// What the connection's checks found.
#[derive(Default)]
pub(crate) struct Screening {
    /// The refusal every RCPT gets, if any.
    pub refusal: Option<Reply>,
    /// The reverse DNS result, for `Authentication-Results` (when it was checked).
    pub iprev: Option<IprevOutput>,
}

/// Screens a client at `ip` before `deadline`.
pub(crate) async fn screen(
    auth: &MessageAuthenticator,
    config: &InboundConfig,
    ip: IpAddr,
    deadline: Instant,
) -> Screening {
    let mut screening = Screening::default();
    let ip = ip.to_canonical();
    if config.require_reverse_dns {
        let iprev = timeout_at(deadline, auth.verify_iprev(ip))
            .await
            .unwrap_or_else(|_| IprevOutput {
                result: IprevResult::TempError(Error::Dns(mail_auth::DnsError::Resolver(
                    "timed out".into(),
                ))),
                ptr: None,
            });
        match iprev.result() {
            IprevResult::Pass => {}
            IprevResult::TempError(_) => {
                screening.refusal = Some(replies::no_reverse_dns(ip, true));
            }
            _ => screening.refusal = Some(replies::no_reverse_dns(ip, false)),
        }
        if screening.refusal.is_some() {
            tracing::info!(%ip, result = ?iprev.result(), "client refused: reverse DNS");
        }
        screening.iprev = Some(iprev);
    }
    if screening.refusal.is_none() {
        for zone in &config.dnsbl {
            if listed(auth, ip, zone, deadline).await {
                tracing::info!(%ip, zone, "client refused: on a DNS blocklist");
                screening.refusal = Some(replies::dnsbl_listed(ip, zone));
                break;
            }
        }
    }
    screening
}

/// Whether `zone` lists `ip`. A failed or late lookup is "not listed": a blocklist that does
/// not answer must not stop mail (RFC 5782 §5 lets a client decide what failure means).
async fn listed(auth: &MessageAuthenticator, ip: IpAddr, zone: &str, deadline: Instant) -> bool {
    let name = query_name(ip, zone);
    let lookup = auth.ipv4_lookup(
        name.as_str(),
        None::<&NoCache<Box<str>, RecordSet<Ipv4Addr>>>,
    );
    match timeout_at(deadline, lookup).await {
        Ok(Ok(records)) => records.rrset.iter().any(|a| is_listing(*a)),
        Ok(Err(Error::Dns(mail_auth::DnsError::RecordNotFound(_)))) => false,
        Ok(Err(e)) => {
            tracing::warn!(zone, error = %e, "DNSBL lookup failed");
            false
        }
        Err(_) => {
            tracing::warn!(zone, "DNSBL lookup timed out");
            false
        }
    }
}

/// The name asked for `ip` under `zone` (RFC 5782 §2.1: the IPv4 octets reversed; §2.4: the
/// IPv6 nibbles reversed), fully qualified.
fn query_name(ip: IpAddr, zone: &str) -> String {
    let mut name = String::with_capacity(80);
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, d] = v4.octets();
            let _ = write!(name, "{d}.{c}.{b}.{a}.");
        }
        IpAddr::V6(v6) => {
            for byte in v6.octets().iter().rev() {
                let _ = write!(name, "{:x}.{:x}.", byte & 0x0f, byte >> 4);
            }
        }
    }
    name.push_str(zone.trim_end_matches('.'));
    name.push('.');
    name
}

/// Whether an answer means "listed" (RFC 5782 §2.1: an address in 127.0.0.0/8), and not one
/// of the 127.255.255.0/24 codes large lists answer refused or malformed queries with.
fn is_listing(answer: Ipv4Addr) -> bool {
    let [a, b, c, _] = answer.octets();
    a == 127 && (b, c) != (255, 255)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_names() {
        let ip: IpAddr = "192.0.2.99".parse().unwrap();
        assert_eq!(query_name(ip, "zen.example."), "99.2.0.192.zen.example.");
        let v6: IpAddr = "2001:db8:1:2:3:4:567:89ab".parse().unwrap();
        assert_eq!(
            query_name(v6, "bl.example"),
            "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.bl.example."
        );
    }

    #[test]
    fn listing_answers() {
        assert!(is_listing(Ipv4Addr::new(127, 0, 0, 2)));
        assert!(is_listing(Ipv4Addr::new(127, 0, 0, 10)));
        assert!(!is_listing(Ipv4Addr::new(127, 255, 255, 254)));
        assert!(!is_listing(Ipv4Addr::new(10, 0, 0, 2)));
    }
}
