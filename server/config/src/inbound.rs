//! `[inbound]`: what port 25 checks of mail from other servers (SPF RFC 7208, DKIM RFC 6376,
//! DMARC RFC 7489, ARC RFC 8617) and what it refuses. Authenticated sessions are never checked.

use std::collections::BTreeMap;

use serde::Deserialize;

/// `[inbound]`: the policies of the MX listener.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InboundConfig {
    /// Refuse (`550 5.7.1`) a message whose MAIL FROM or From domain is one of our own domains
    /// unless it passes SPF or aligned DKIM for that domain.
    pub reject_forged_local: bool,
    /// Refuse (`550 5.7.1`) a message failing DMARC whose domain publishes `p=reject`.
    pub dmarc_reject: bool,
    /// File a message failing DMARC whose domain publishes `p=quarantine` in the recipient's
    /// Junk mailbox (and with `p=reject` when `dmarc_reject` is off).
    pub dmarc_quarantine: bool,
    /// Refuse clients whose address has no PTR name that resolves back to it (`550 5.7.25`,
    /// RFC 7372; `450 4.7.25` while DNS fails).
    pub require_reverse_dns: bool,
    /// DNS blocklists (RFC 5782) asked about each client: listed is `554 5.7.1` at RCPT.
    pub dnsbl: Vec<String>,
    /// Seconds all the DNS work for one message, or for one connection's checks, may take;
    /// what is not answered by then counts as `temperror` (the message is still delivered).
    pub dns_timeout_secs: u64,
    /// `[inbound.domains."corp.example"]`: one local domain's own choice of the three policies
    /// above (each key optional; what is not given is the server-wide value).
    pub domains: BTreeMap<String, DomainPolicy>,
}

/// One local domain's overrides (`[inbound.domains."DOMAIN"]`). `reject_forged_local` protects
/// the domain's name: mail from outside claiming it. `dmarc_reject` and `dmarc_quarantine` are
/// the domain's treatment of mail to its recipients.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DomainPolicy {
    /// As `[inbound] reject_forged_local`, for mail claiming this domain.
    pub reject_forged_local: Option<bool>,
    /// As `[inbound] dmarc_reject`, for mail to this domain's recipients.
    pub dmarc_reject: Option<bool>,
    /// As `[inbound] dmarc_quarantine`, for mail to this domain's recipients.
    pub dmarc_quarantine: Option<bool>,
}

/// The policies in force for one domain, overrides applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub reject_forged_local: bool,
    pub dmarc_reject: bool,
    pub dmarc_quarantine: bool,
}

impl Default for InboundConfig {
    fn default() -> Self {
        InboundConfig {
            reject_forged_local: true,
            dmarc_reject: true,
            dmarc_quarantine: true,
            require_reverse_dns: false,
            dnsbl: Vec::new(),
            dns_timeout_secs: 20,
            domains: BTreeMap::new(),
        }
    }
}

impl InboundConfig {
    /// The policies for `domain` (a local domain; any other gets the server-wide ones).
    pub fn policy_for(&self, domain: &str) -> Policy {
        let own = domain_entry(&self.domains, domain);
        let pick = |own: Option<bool>, default: bool| own.unwrap_or(default);
        Policy {
            reject_forged_local: pick(
                own.and_then(|p| p.reject_forged_local),
                self.reject_forged_local,
            ),
            dmarc_reject: pick(own.and_then(|p| p.dmarc_reject), self.dmarc_reject),
            dmarc_quarantine: pick(own.and_then(|p| p.dmarc_quarantine), self.dmarc_quarantine),
        }
    }

    /// What is wrong with these values, if anything.
    pub(crate) fn problem(&self) -> Option<String> {
        if self.dns_timeout_secs == 0 {
            return Some("inbound.dns_timeout_secs must be at least 1".into());
        }
        if let Some(domain) = self.domains.keys().find(|d| !is_zone(d)) {
            return Some(format!("inbound.domains: {domain:?} is not a domain name"));
        }
        self.dnsbl
            .iter()
            .find(|zone| !is_zone(zone))
            .map(|zone| format!("inbound.dnsbl: {zone:?} is not a DNS zone name"))
    }
}

/// A DNS name of letters, digits, hyphens and dots, with no empty label.
/// The entry of `domain` in a table keyed by domain name (case and a final dot aside).
pub(crate) fn domain_entry<'a, T>(table: &'a BTreeMap<String, T>, domain: &str) -> Option<&'a T> {
    table
        .iter()
        .find(|(name, _)| name.trim_end_matches('.').eq_ignore_ascii_case(domain))
        .map(|(_, entry)| entry)
}

pub(crate) fn is_zone(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_are_checked() {
        let with = |zones: &[&str]| InboundConfig {
            dnsbl: zones.iter().map(|z| z.to_string()).collect(),
            ..InboundConfig::default()
        };
        assert_eq!(with(&["zen.example", "bl.example."]).problem(), None);
        assert!(with(&["bad zone"]).problem().is_some());
        assert!(with(&["a..b"]).problem().is_some());
        assert!(with(&[""]).problem().is_some());
    }

    #[test]
    fn the_section_parses_and_is_validated() {
        let config = crate::Config::parse(
            "[inbound]\nreject_forged_local = false\ndnsbl = [\"zen.example\"]\n",
        )
        .unwrap();
        assert!(!config.inbound.reject_forged_local);
        assert!(config.inbound.dmarc_reject);
        assert_eq!(config.inbound.dnsbl, ["zen.example"]);
        let err = crate::Config::parse("[inbound]\ndns_timeout_secs = 0\n").unwrap_err();
        assert!(err.to_string().contains("dns_timeout_secs"), "{err}");
        assert!(crate::Config::parse("[inbound]\ndnsbl = [\"a b\"]\n").is_err());
    }

    #[test]
    fn a_domain_overrides_some_policies() {
        let config = crate::Config::parse(
            "[inbound]\ndmarc_reject = false\n[inbound.domains.\"Strict.Example\"]\ndmarc_reject = true\nreject_forged_local = false\n",
        )
        .unwrap();
        let strict = config.inbound.policy_for("strict.example");
        assert!(strict.dmarc_reject && !strict.reject_forged_local && strict.dmarc_quarantine);
        let other = config.inbound.policy_for("other.example");
        assert!(!other.dmarc_reject && other.reject_forged_local);
        assert!(crate::Config::parse("[inbound.domains.\"a b\"]\n").is_err());
        assert!(crate::Config::parse("[inbound.domains.\"x.example\"]\nspam = 1\n").is_err());
    }
}
