//! Running the checks of one message with mail-auth over the server's resolver: SPF of the
//! HELO and MAIL FROM identities (RFC 7208 §2.3, §2.4), DKIM signatures (RFC 6376 §6), the ARC
//! chain (RFC 8617 §5.2) and DMARC of the From domain (RFC 7489 §6.6), all within one
//! deadline; a check the deadline cuts off counts as `temperror` (RFC 8601 §2.7.1), so a DNS
//! server that does not answer delays a message by the deadline at most and loses nothing.
//! The result is the `Authentication-Results` field (RFC 8601 §2.2) and the [`Findings`] that
//! policy decides on.

use super::policy::{DmarcPolicy, Findings, Outcome};
use mail_auth::common::headers::HeaderWriter;
use mail_auth::dkim::DkimError;
use mail_auth::dmarc::Policy;
use mail_auth::spf::verify::SpfParameters;
use mail_auth::{
    ArcOutput, AuthenticatedMessage, AuthenticationResults, DkimOutput, DkimResult, DmarcOutput,
    DmarcResult, Error, IprevOutput, MessageAuthenticator, SpfOutput, SpfResult,
    dmarc::verify::DmarcParameters,
};
use std::future::Future;
use std::net::IpAddr;
use tokio::time::{Instant, timeout_at};

/// The SMTP side of a message: who sent it, from where.
pub(crate) struct Envelope<'a> {
    pub ip: IpAddr,
    /// The HELO/EHLO name as given.
    pub helo: &'a str,
    /// The MAIL FROM address, empty for the null reverse-path.
    pub mail_from: &'a str,
    /// Our name: the authserv-id (RFC 8601 §2.5) and SPF's `%{r}`.
    pub hostname: &'a str,
}

/// What the checks of one message give.
pub(crate) struct Checked {
    /// `Authentication-Results: ...\r\n`.
    pub header: String,
    pub findings: Findings,
}

/// Checks `message` (the client's bytes, without our trace fields) before `deadline`.
/// `iprev` is the client's reverse DNS result when the connection checked it.
pub(crate) async fn check(
    auth: &MessageAuthenticator,
    envelope: &Envelope<'_>,
    message: &[u8],
    iprev: Option<&IprevOutput>,
    deadline: Instant,
) -> Checked {
    let helo_is_name = is_domain_name(envelope.helo);
    let helo_spf = match helo_is_name {
        true => Some(
            bounded(
                deadline,
                auth.verify_spf(SpfParameters::verify_ehlo(
                    envelope.ip,
                    envelope.helo,
                    envelope.hostname,
                )),
                || SpfOutput::new(envelope.helo.to_string()).with_result(SpfResult::TempError),
            )
            .await,
        ),
        false => None,
    };
    // RFC 7208 §2.4: for the null reverse-path the MAIL FROM identity is postmaster@HELO,
    // which is the HELO check.
    let mail_from_domain = envelope
        .mail_from
        .rsplit_once('@')
        .map(|(_, d)| d.to_ascii_lowercase());
    let mail_spf = match &mail_from_domain {
        Some(domain) => {
            bounded(
                deadline,
                auth.verify_spf(SpfParameters::verify_mail_from(
                    envelope.ip,
                    envelope.helo,
                    envelope.hostname,
                    envelope.mail_from,
                )),
                || SpfOutput::new(domain.clone()).with_result(SpfResult::TempError),
            )
            .await
        }
        None => helo_spf
            .clone()
            .unwrap_or_else(|| SpfOutput::new(String::new())),
    };
    let spf_domain = mail_from_domain
        .clone()
        .unwrap_or_else(|| envelope.helo.to_ascii_lowercase());

    let mut results = AuthenticationResults::new(envelope.hostname);
    if let Some(iprev) = iprev {
        results = results.with_iprev_result(iprev, envelope.ip);
    }
    if let Some(helo_spf) = &helo_spf {
        results = results.with_spf_ehlo_result(helo_spf, envelope.ip, envelope.helo);
    }
    results =
        results.with_spf_mailfrom_result(&mail_spf, envelope.ip, envelope.mail_from, envelope.helo);

    let mut findings = Findings {
        mail_from_domain,
        spf: spf_outcome(mail_spf.result()),
        dkim_pass: Vec::new(),
        dkim_temp_error: false,
        from_domains: Vec::new(),
        dmarc: Outcome::Other,
        dmarc_policy: DmarcPolicy::None,
        dmarc_domain: String::new(),
    };
    let Some(parsed) = parse(message) else {
        // No header section to check: SPF is all there is to say.
        return Checked {
            header: results.to_header(),
            findings,
        };
    };
    findings.from_domains = parsed
        .from
        .iter()
        .filter_map(|a| a.rsplit_once('@').map(|(_, d)| d.to_ascii_lowercase()))
        .collect();

    let dkim = bounded(deadline, auth.verify_dkim(&parsed), || {
        vec![DkimOutput::temp_err(timed_out())]
    })
    .await;
    let dkim: Vec<DkimOutput> = dkim
        .into_iter()
        .map(|output| body_hash_fails(&parsed, output))
        .collect();
    for output in &dkim {
        match (output.result(), output.signature()) {
            (DkimResult::Pass, Some(signature)) => {
                findings.dkim_pass.push(signature.d.to_ascii_lowercase());
            }
            (DkimResult::TempError(_), _) => findings.dkim_temp_error = true,
            _ => {}
        }
    }
    let arc = bounded(deadline, auth.verify_arc(&parsed), || {
        ArcOutput::default().with_result(DkimResult::TempError(timed_out()))
    })
    .await;
    let dmarc = bounded(
        deadline,
        auth.verify_dmarc(DmarcParameters::new(&parsed, &dkim, &spf_domain, &mail_spf)),
        || {
            let error = DmarcResult::TempError(timed_out());
            DmarcOutput::default()
                .with_domain(findings.from_domains.first().map_or("", String::as_str))
                .with_spf_result(error.clone())
                .with_dkim_result(error)
        },
    )
    .await;
    findings.dmarc = dmarc_outcome(&dmarc);
    findings.dmarc_policy = match dmarc.policy() {
        Policy::Reject => DmarcPolicy::Reject,
        Policy::Quarantine => DmarcPolicy::Quarantine,
        Policy::None | Policy::Unspecified => DmarcPolicy::None,
    };
    findings.dmarc_domain = dmarc.domain().to_string();

    results = results
        .with_dkim_results(&dkim, parsed.from())
        .with_arc_result(&arc, envelope.ip);
    if !dmarc.domain().is_empty() {
        results = results.with_dmarc_result(&dmarc);
    }
    let mut header = results.to_header();
    if dkim.is_empty() {
        // RFC 8601 §2.7.1: "none", the message was not signed (mail-auth writes nothing).
        header.truncate(header.trim_end().len());
        header.push_str(";\r\n\tdkim=none\r\n");
    }
    Checked { header, findings }
}

/// Messages from this size on are parsed (and their DKIM body hashes computed) telling the
/// runtime first, so that the session's worker thread hands its other sessions over.
const PARSE_IN_PLACE: usize = 1 << 20;

/// The message as mail-auth checks it; `None` for one without a header section.
fn parse(message: &[u8]) -> Option<AuthenticatedMessage<'_>> {
    use tokio::runtime::{Handle, RuntimeFlavor};
    let multi_thread =
        Handle::try_current().is_ok_and(|h| h.runtime_flavor() == RuntimeFlavor::MultiThread);
    match message.len() >= PARSE_IN_PLACE && multi_thread {
        true => tokio::task::block_in_place(|| AuthenticatedMessage::parse(message)),
        false => AuthenticatedMessage::parse(message),
    }
}

/// `work`, or what `cut_off` says when the deadline comes first.
async fn bounded<T>(
    deadline: Instant,
    work: impl Future<Output = T>,
    cut_off: impl FnOnce() -> T,
) -> T {
    match timeout_at(deadline, work).await {
        Ok(result) => result,
        Err(_) => {
            tracing::info!("inbound checks: DNS deadline reached, temperror");
            cut_off()
        }
    }
}

/// RFC 6376 §6.3: a body hash that does not match fails the signature (PERMFAIL, "fail" in
/// RFC 8601 §2.7.1), where mail-auth says "neutral".
fn body_hash_fails<'x>(
    parsed: &'x AuthenticatedMessage<'x>,
    output: DkimOutput<'x>,
) -> DkimOutput<'x> {
    let DkimResult::Neutral(error @ Error::Dkim(DkimError::FailedBodyHashMatch)) = output.result()
    else {
        return output;
    };
    let signature = output.signature().and_then(|signature| {
        parsed
            .dkim_headers
            .iter()
            .find(|h| h.header.b == signature.b)
            .map(|h| &h.header)
    });
    match signature {
        Some(signature) => DkimOutput::fail(error.clone()).with_signature(signature),
        None => output,
    }
}

/// The error of a check the deadline cut off (a DNS failure, so `temperror`).
fn timed_out() -> Error {
    Error::Dns(mail_auth::DnsError::Resolver("timed out".into()))
}

fn spf_outcome(result: SpfResult) -> Outcome {
    match result {
        SpfResult::Pass => Outcome::Pass,
        SpfResult::Fail => Outcome::Fail,
        SpfResult::TempError => Outcome::TempError,
        _ => Outcome::Other,
    }
}

/// DMARC passes when one identifier passes aligned (RFC 7489 §4.2); a `temperror` of either
/// leaves it open; it fails when the domain has a policy record and nothing passed.
fn dmarc_outcome(dmarc: &DmarcOutput) -> Outcome {
    let (spf, dkim) = (dmarc.spf_result(), dmarc.dkim_result());
    if spf == &DmarcResult::Pass || dkim == &DmarcResult::Pass {
        return Outcome::Pass;
    }
    if matches!(spf, DmarcResult::TempError(_)) || matches!(dkim, DmarcResult::TempError(_)) {
        return Outcome::TempError;
    }
    match dmarc.result() {
        DmarcResult::Fail(_) => Outcome::Fail,
        DmarcResult::TempError(_) => Outcome::TempError,
        _ => Outcome::Other,
    }
}

/// Whether a HELO name is a domain name SPF can check, not an address literal (RFC 7208 §2.3).
fn is_domain_name(helo: &str) -> bool {
    !helo.is_empty()
        && !helo.starts_with('[')
        && helo.parse::<IpAddr>().is_err()
        && helo.contains('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helo_names() {
        assert!(is_domain_name("mail.example.org"));
        assert!(!is_domain_name("[127.0.0.1]"));
        assert!(!is_domain_name("127.0.0.1"));
        assert!(!is_domain_name("localhost"));
        assert!(!is_domain_name(""));
    }
}
