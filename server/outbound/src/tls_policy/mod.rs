//! Outbound TLS policies: what a destination domain requires of the TLS of its MX hosts, and
//! the record of how each session went.
//!
//! - `dane`: DANE (RFC 7672): a certificate matched against the MX host's TLSA records.
//! - `mta_sts`: MTA-STS (RFC 8461): the policy found, fetched and cached, and its MX patterns.
//! - `verify`: the trusted roots and the certificate check of one connection (`Probe`).
//! - `https`: the HTTPS requests of policy fetches and report uploads.
//! - `tls_rpt`: TLS-RPT (RFC 8460): the daily aggregate reports of the sessions recorded here.
//!
//! Delivery asks [`Policies::for_domain`] once per attempt, keeps the MX hosts the policy
//! allows ([`DomainPolicy::hosts`]), and after STARTTLS asks [`DomainPolicy::check`] whether
//! the session may carry the message: in `enforce` mode only over TLS with a certificate valid
//! for the MX host, else the message is deferred, never sent in clear. DANE takes precedence
//! (RFC 8461 §2): an MX host with DNSSEC-authenticated MX and usable TLSA records gets mail only
//! over TLS with a certificate matching them, whatever the MTA-STS policy says of its
//! certificate.
//!
//! Every session with a policy, and every policy that cannot be had, is counted for TLS-RPT
//! (RFC 8460 §4.3) under one of these result types: `starttls-not-supported` (no STARTTLS, or
//! refused), `certificate-host-mismatch`, `certificate-expired`, `certificate-not-trusted`,
//! `validation-failure` (`verify::result_type`; also an MX host an MTA-STS policy does not
//! name, a TLS handshake that failed), `tlsa-invalid` (`dane::verify`), `dnssec-invalid` (a
//! bogus answer for the MX or TLSA records), `sts-policy-fetch-error`, `sts-policy-invalid`,
//! `sts-webpki-invalid` (`mta_sts`). `dane-required` is never reported: Kantor has no setting
//! that requires DANE of a destination (RFC 7672 §6), so a host without TLSA records is not a
//! failure.

mod dane;
mod https;
pub(crate) mod mta_sts;
pub mod tls_rpt;
mod verify;

use kantor_config::OutboundConfig;
use kantor_dns::Dns;
use kantor_store::{Store, TlsResult};
use mta_sts::{Found, Mode, Policy};
use rustls::client::WebPkiServerVerifier;
use std::sync::Arc;
use std::time::Duration;
pub(crate) use verify::Probe;

/// What policies need: the store (cache, results), the resolver, the trusted roots.
#[derive(Clone)]
pub struct Policies {
    store: Store,
    dns: Dns,
    webpki: Arc<WebPkiServerVerifier>,
    https_tls: Arc<rustls::ClientConfig>,
    port: u16,
    timeout: Duration,
}

impl Policies {
    pub fn new(store: Store, dns: Dns, config: &OutboundConfig) -> Result<Policies, String> {
        let roots = verify::roots(config.tls_ca_file.as_deref())?;
        Ok(Policies {
            store,
            dns,
            webpki: verify::webpki(roots.clone())?,
            https_tls: verify::verifying(roots),
            port: config.mta_sts_port,
            timeout: Duration::from_secs(config.mta_sts_fetch_timeout_secs.max(1)),
        })
    }

    fn https(&self) -> https::Https<'_> {
        https::Https {
            dns: &self.dns,
            tls: self.https_tls.clone(),
            port: self.port,
            timeout: self.timeout,
        }
    }

    /// The policy in force for mail to `domain` (RFC 8461 §5.1); a failed fetch is recorded
    /// for TLS-RPT (RFC 8460 §4.3.2.2).
    pub(crate) async fn for_domain(&self, domain: &str) -> DomainPolicy {
        let domain = domain.to_ascii_lowercase();
        let sts = match mta_sts::policy_for(&self.store, &self.https(), &domain).await {
            Found::Policy(policy) if policy.mode != Mode::None => Some(policy),
            Found::Policy(_) | Found::None => None,
            Found::Failed(result, why) => {
                tracing::warn!(%domain, %result, %why, "outbound: MTA-STS policy unavailable");
                self.record(&domain, None, None, &Peer::default(), result, &why)
                    .await;
                None
            }
        };
        let dane = match self.dns.destination_is_secure(&domain).await {
            Ok(secure) => Ok(secure),
            Err(e) => {
                tracing::warn!(%domain, error = %e, "outbound: DNSSEC answer for the destination unusable");
                let why = e.to_string();
                self.record(
                    &domain,
                    None,
                    None,
                    &Peer::default(),
                    "dnssec-invalid",
                    &why,
                )
                .await;
                Err(format!("4.4.3 {e} (DANE, RFC 7672 §2.1.1)"))
            }
        };
        DomainPolicy {
            policies: self.clone(),
            domain,
            sts,
            dane,
        }
    }

    /// Counts one session's result for TLS-RPT, with `reason` (§4.4 `failure-reason-code`)
    /// for a failure. A success is counted without the peer's greeting name nor a reason, so
    /// that successes stay one row per session ends.
    async fn record(
        &self,
        domain: &str,
        sts: Option<&Policy>,
        tlsa: Option<&[kantor_dns::Tlsa]>,
        peer: &Peer,
        result: &str,
        reason: &str,
    ) {
        let (policy_type, policy_string) = policy_of(result, tlsa, sts);
        let success = result == "success";
        let (helo, reason) = match success {
            true => (String::new(), String::new()),
            false => (bounded(&peer.helo, MAX_HELO), bounded(reason, MAX_REASON)),
        };
        let entry = TlsResult {
            day: chrono::Utc::now().format("%Y-%m-%d").to_string(),
            domain: domain.to_string(),
            policy_type: policy_type.into(),
            policy_string,
            mx_host: peer.mx.clone(),
            receiving_ip: peer.receiving_ip.clone(),
            sending_ip: peer.sending_ip.clone(),
            helo,
            result: result.to_string(),
            reason,
        };
        if let Err(e) = self.store.record_tls_result(entry).await {
            tracing::warn!(%domain, error = %e, "outbound: cannot record a TLS result");
        }
    }
}

/// The `policy-type` and `policy-string` (RFC 8460 §4.4) a result is reported under: the TLSA
/// records or MTA-STS policy applied; without either, `tlsa` for a DANE failure (§4.3.2.1: a
/// bogus answer, no records to quote), `sts` for an MTA-STS one (§4.3.2.2: a policy that could
/// not be had), else `no-policy-found`.
fn policy_of(
    result: &str,
    tlsa: Option<&[kantor_dns::Tlsa]>,
    sts: Option<&Policy>,
) -> (&'static str, String) {
    match (tlsa, sts) {
        (Some(records), _) => ("tlsa", tlsa_lines(records)),
        (None, Some(policy)) => ("sts", policy.lines.join("\n")),
        (None, None) if result.starts_with("sts-") => ("sts", String::new()),
        (None, None) if matches!(result, "dnssec-invalid" | "tlsa-invalid" | "dane-required") => {
            ("tlsa", String::new())
        }
        (None, None) => ("no-policy-found", String::new()),
    }
}

/// One session's ends, as TLS-RPT's failure details name them (RFC 8460 §4.4:
/// `receiving-mx-hostname`, `receiving-ip`, `sending-mta-ip`, `receiving-mx-helo`); all empty
/// for a result without a session (a policy that could not be had).
#[derive(Debug, Clone, Default)]
pub(crate) struct Peer {
    pub mx: String,
    pub receiving_ip: String,
    /// The local address of the session's socket.
    pub sending_ip: String,
    /// The name the server announced in its EHLO reply (or its greeting); empty when unknown.
    pub helo: String,
}

/// Longest `failure-reason-code` kept (octets): the text may come from the remote server (its
/// reply to STARTTLS), which must not make the rows it is counted in large.
pub(crate) const MAX_REASON: usize = 200;
/// Longest `receiving-mx-helo` kept: a domain name's length (RFC 1035 §2.3.4).
const MAX_HELO: usize = 255;

/// `text` on one line, cut to at most `max` octets (at a character's boundary).
pub(crate) fn bounded(text: &str, max: usize) -> String {
    let mut out = String::new();
    for c in text.chars().map(|c| if c.is_control() { ' ' } else { c }) {
        if out.len() + c.len_utf8() > max {
            break;
        }
        out.push(c);
    }
    out
}

/// The RFC 8460 §4.3 result of a session, None for a success: without TLS,
/// `starttls-not-supported`; with DANE, the certificate's verdict against the TLSA records
/// alone; with an MTA-STS policy, its verdict in the Web PKI, then whether the policy names
/// the host (`validation-failure` when not, RFC 8461 §4.1); with neither, success.
fn session_result(
    tls: bool,
    dane: bool,
    sts: Option<&Policy>,
    host: &str,
    certificate: Option<&'static str>,
) -> Option<&'static str> {
    match (tls, sts) {
        (false, _) => Some("starttls-not-supported"),
        (true, _) if dane => certificate,
        (true, None) => None,
        (true, Some(policy)) => {
            certificate.or_else(|| (!policy.allows(host)).then_some("validation-failure"))
        }
    }
}

/// TLSA records as TLS-RPT's `policy-string` quotes them (RFC 8460 §4.4): presentation form.
fn tlsa_lines(records: &[kantor_dns::Tlsa]) -> String {
    records
        .iter()
        .map(|r| {
            let hex: String = r.data.iter().map(|b| format!("{b:02x}")).collect();
            format!("{} {} {} {hex}", r.usage, r.selector, r.matching)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The policy of one destination domain for one delivery attempt.
pub(crate) struct DomainPolicy {
    policies: Policies,
    domain: String,
    sts: Option<Policy>,
    /// The MX records (or, without any, the domain's addresses) are DNSSEC-authenticated: TLSA
    /// records of the hosts count (RFC 7672 §2.2.1). Err (why) when the answer was bogus:
    /// nothing is sent (§2.1.1).
    dane: Result<bool, String>,
}

impl DomainPolicy {
    fn enforced(&self) -> Option<&Policy> {
        self.sts.as_ref().filter(|p| p.mode == Mode::Enforce)
    }

    /// The MX hosts mail may go to, in order (RFC 8461 §4.1: under `enforce`, only those the
    /// policy names); Err with why when the policy leaves none.
    pub fn hosts(&self, hosts: Vec<String>) -> Result<Vec<String>, String> {
        let Some(policy) = self.enforced() else {
            return Ok(hosts);
        };
        let allowed: Vec<String> = hosts.into_iter().filter(|h| policy.allows(h)).collect();
        match allowed.is_empty() {
            true => Err(format!(
                "4.7.5 no MX host of {} matches its MTA-STS policy (RFC 8461 §4.1)",
                self.domain
            )),
            false => Ok(allowed),
        }
    }

    /// A certificate check for one connection to `host` (its client configuration:
    /// `Probe::config`), with the host's usable TLSA records when DANE applies; Err (a
    /// temporary failure) when they cannot be looked up now (RFC 7672 §2.1.1).
    pub async fn probe(&self, peer: &Peer, port: u16) -> Result<Arc<Probe>, String> {
        let host = peer.mx.as_str();
        let mut references = Vec::new();
        let dane = match self.dane.clone()? {
            true => match self.tlsa(host, port).await {
                Ok(found) => found
                    .map(|(records, names)| {
                        references = names;
                        dane::usable(records)
                    })
                    .filter(|r| !r.is_empty()),
                Err(e) => {
                    // RFC 8460 §4.3.1: a TLSA answer that failed validation.
                    let why = e.to_string();
                    self.policies
                        .record(&self.domain, None, None, peer, "dnssec-invalid", &why)
                        .await;
                    return Err(format!("4.4.3 {e} (DANE, RFC 7672 §2.1.1)"));
                }
            },
            false => None,
        };
        Ok(Probe::new(self.policies.webpki.clone(), dane, references))
    }

    /// The TLSA records of `host` (RFC 7672 §2.2.2): at the name its authenticated CNAME
    /// aliases lead to first, then at its own name; none when its addresses are not
    /// authenticated. With them, the names a DANE-TA chain may name besides the host (§3.2.2:
    /// the expanded name, the TLSA base domain).
    async fn tlsa(
        &self,
        host: &str,
        port: u16,
    ) -> Result<Option<(Vec<kantor_dns::Tlsa>, Vec<String>)>, kantor_dns::DnsError> {
        let dns = &self.policies.dns;
        let names = dns.tlsa_names(host).await?.unwrap_or_default();
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let others: Vec<String> = names.iter().filter(|n| **n != host).cloned().collect();
        for name in &names {
            if let Some(records) = dns.tlsa(name, port).await? {
                return Ok(Some((records, others)));
            }
        }
        Ok(None)
    }

    /// After STARTTLS (or without it, or refused): whether the session with `peer` may carry
    /// the message, recording the result. `tls`: Ok when the session is secured, else Err with
    /// why not (STARTTLS not offered, or the server's reply refusing it). Err with why (a
    /// temporary failure) when an enforced policy is not met: no TLS, a certificate not valid
    /// for the host (RFC 8461 §4.2), or a host the policy does not name; or, whatever the
    /// MTA-STS policy, when the host has usable TLSA records and no TLS or a certificate
    /// matching none (RFC 7672 §2.2).
    pub async fn check(
        &self,
        peer: &Peer,
        tls: Result<(), &str>,
        probe: &Probe,
    ) -> Result<(), String> {
        let host = peer.mx.as_str();
        let certificate = match tls {
            Ok(()) => probe.failure(),
            Err(_) => None,
        };
        let failure = session_result(
            tls.is_ok(),
            probe.dane.is_some(),
            self.sts.as_ref(),
            host,
            certificate,
        );
        let tlsa = probe.dane.as_deref();
        let sts = self.sts.as_ref().filter(|_| tlsa.is_none());
        let result = failure.unwrap_or("success");
        // §4.4 `failure-reason-code`: why TLS is missing, the certificate's error, or the host
        // missing from the MTA-STS policy.
        let reason = match (tls, certificate) {
            (Err(why), _) => why.to_string(),
            (Ok(()), Some(_)) => probe.reason().unwrap_or_default(),
            (Ok(()), None) => format!("{host} is not an mx of the MTA-STS policy"),
        };
        self.policies
            .record(&self.domain, sts, tlsa, peer, result, &reason)
            .await;
        if let (Some(failure), Some(_)) = (failure, tlsa) {
            return Err(format!(
                "4.7.5 {host} fails its DANE TLSA records ({failure}): not sent (RFC 7672 §2.2)"
            ));
        }
        match (failure, self.enforced()) {
            (Some(failure), Some(_)) => Err(format!(
                "4.7.5 {host} fails the MTA-STS policy of {} ({failure}): not sent (RFC 8461 §5)",
                self.domain
            )),
            (Some(failure), None) if self.sts.is_some() => {
                tracing::info!(domain = %self.domain, %host, %failure, "outbound: MTA-STS testing: the policy would fail");
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Records a TLS handshake with `peer` that failed (the session ends there) with `error`:
    /// the certificate's verdict if it was seen and refused, else `validation-failure` (RFC
    /// 8460 §4.3.1: a negotiation failure of no other category); the reason is the
    /// certificate's error, else the handshake's.
    pub async fn handshake_failed(&self, peer: &Peer, probe: &Probe, error: &str) {
        let result = probe.failure().unwrap_or("validation-failure");
        let reason = probe.reason().unwrap_or_else(|| error.to_string());
        let tlsa = probe.dane.as_deref();
        let sts = self.sts.as_ref().filter(|_| tlsa.is_none());
        self.policies
            .record(&self.domain, sts, tlsa, peer, result, &reason)
            .await;
    }
}

#[cfg(test)]
mod tests;
