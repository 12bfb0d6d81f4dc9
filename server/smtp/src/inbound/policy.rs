//! What becomes of a message once its checks are known: no I/O, a table of rules over
//! [`Findings`]. The rules:
//!
//! - A forged local sender (issue policy `reject_forged_local`): a MAIL FROM or From domain of
//!   ours on a message from outside is refused unless SPF passed for a MAIL FROM domain at or
//!   under it (RFC 7208 §2.4) or a DKIM signature of a domain at or under it verified (RFC 6376
//!   §6.1). A DNS failure that leaves this open is a temporary refusal: the sender retries.
//! - DMARC (RFC 7489 §6.6.2, §6.7): a message failing its domain's DMARC with `p=reject` is
//!   refused, with `p=quarantine` filed in Junk (with `p=reject` too when `dmarc_reject` is
//!   off and `dmarc_quarantine` on). A DMARC `temperror` delivers as usual (§6.6.3).
//! - Each local domain may choose its own (`[inbound.domains."D"]`): the claimed domain's
//!   `reject_forged_local`, the recipients' domains' DMARC treatment. When the recipients'
//!   domains disagree, a refusal by some becomes Junk for all (never a refusal of mail others
//!   accept, never a bounce after accepting it).

use crate::replies;
use kantor_config::{InboundConfig, InboundPolicy};
use kantor_smtp_proto::Reply;

/// A result as far as policy goes (RFC 8601 §2.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Pass,
    Fail,
    TempError,
    /// None, neutral, softfail, permerror: no evidence either way.
    Other,
}

/// The DMARC policy a domain publishes (RFC 7489 §6.3 `p=`, `sp=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DmarcPolicy {
    None,
    Quarantine,
    Reject,
}

/// What the checks found, with what policy needs to know of the message.
#[derive(Debug, Clone)]
pub(crate) struct Findings {
    /// The MAIL FROM domain (not for a null reverse-path).
    pub mail_from_domain: Option<String>,
    /// SPF of the MAIL FROM identity (RFC 7208 §2.4).
    pub spf: Outcome,
    /// Domains (`d=`) of the DKIM signatures that verified.
    pub dkim_pass: Vec<String>,
    /// Whether some DKIM signature could not be checked for a DNS failure.
    pub dkim_temp_error: bool,
    /// The domains of the From addresses.
    pub from_domains: Vec<String>,
    /// DMARC of the From domain, with the policy that applies and the domain.
    pub dmarc: Outcome,
    pub dmarc_policy: DmarcPolicy,
    pub dmarc_domain: String,
}

/// Where the message goes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Verdict {
    Inbox,
    Junk,
    Refuse(Reply),
}

/// Decides. `local` are the domains among the MAIL FROM and From domains that are ours;
/// `recipient_domains` those of the accepted recipients.
pub(crate) fn decide(
    findings: &Findings,
    local: &[String],
    recipient_domains: &[String],
    config: &InboundConfig,
) -> Verdict {
    for domain in local {
        if config.policy_for(domain).reject_forged_local
            && let Some(reply) = forged(findings, domain)
        {
            return Verdict::Refuse(reply);
        }
    }
    if findings.dmarc != Outcome::Fail {
        return Verdict::Inbox;
    }
    let server_wide = [String::new()];
    let domains = match recipient_domains {
        [] => &server_wide[..],
        some => some,
    };
    let verdicts: Vec<Verdict> = domains
        .iter()
        .map(|d| dmarc_verdict(findings, config.policy_for(d)))
        .collect();
    if let Some(refusal) = verdicts.iter().find(|v| matches!(v, Verdict::Refuse(_)))
        && verdicts.iter().all(|v| matches!(v, Verdict::Refuse(_)))
    {
        return refusal.clone();
    }
    if verdicts.iter().any(|v| *v != Verdict::Inbox) {
        return Verdict::Junk;
    }
    Verdict::Inbox
}

/// What a DMARC failure comes to under one domain's policy.
fn dmarc_verdict(findings: &Findings, policy: InboundPolicy) -> Verdict {
    match findings.dmarc_policy {
        DmarcPolicy::Reject if policy.dmarc_reject => {
            Verdict::Refuse(replies::dmarc_reject(&findings.dmarc_domain))
        }
        DmarcPolicy::Reject | DmarcPolicy::Quarantine if policy.dmarc_quarantine => Verdict::Junk,
        _ => Verdict::Inbox,
    }
}

/// The refusal for a message claiming our `domain` without SPF or DKIM for it, if it is one.
fn forged(findings: &Findings, domain: &str) -> Option<Reply> {
    let spf = findings
        .mail_from_domain
        .as_deref()
        .is_some_and(|d| at_or_under(d, domain));
    if spf && findings.spf == Outcome::Pass {
        return None;
    }
    if findings.dkim_pass.iter().any(|d| at_or_under(d, domain)) {
        return None;
    }
    let unsure = (spf && findings.spf == Outcome::TempError) || findings.dkim_temp_error;
    Some(match unsure {
        true => replies::sender_unverifiable(domain),
        false => replies::forged_local_sender(domain),
    })
}

/// Whether `name` is `domain` or a name under it (DNS names, compared without case).
fn at_or_under(name: &str, domain: &str) -> bool {
    let (name, domain) = (name.trim_end_matches('.'), domain.trim_end_matches('.'));
    name.eq_ignore_ascii_case(domain)
        || (name.len() > domain.len()
            && name.as_bytes()[name.len() - domain.len() - 1] == b'.'
            && name[name.len() - domain.len()..].eq_ignore_ascii_case(domain))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn findings() -> Findings {
        Findings {
            mail_from_domain: Some("example.org".into()),
            spf: Outcome::Other,
            dkim_pass: Vec::new(),
            dkim_temp_error: false,
            from_domains: vec!["example.org".into()],
            dmarc: Outcome::Other,
            dmarc_policy: DmarcPolicy::None,
            dmarc_domain: "example.org".into(),
        }
    }

    fn code(verdict: &Verdict) -> String {
        match verdict {
            Verdict::Inbox => "inbox".into(),
            Verdict::Junk => "junk".into(),
            Verdict::Refuse(reply) => reply.to_string(),
        }
    }

    #[test]
    fn verdicts() {
        let on = InboundConfig::default();
        let off = InboundConfig {
            reject_forged_local: false,
            dmarc_reject: false,
            dmarc_quarantine: false,
            ..InboundConfig::default()
        };
        let quarantine_only = InboundConfig {
            dmarc_reject: false,
            ..InboundConfig::default()
        };
        let local = vec!["example.org".to_string()];
        let with = |change: &dyn Fn(&mut Findings)| {
            let mut f = findings();
            change(&mut f);
            f
        };
        let cases: Vec<(Findings, &[String], &InboundConfig, &str)> = vec![
            (findings(), &[], &on, "inbox"),
            (findings(), &local, &on, "550 5.7.1"),
            (findings(), &local, &off, "inbox"),
            (with(&|f| f.spf = Outcome::Pass), &local, &on, "inbox"),
            (
                with(&|f| {
                    f.spf = Outcome::Pass;
                    f.mail_from_domain = Some("bounce.example.org".into());
                }),
                &local,
                &on,
                "inbox",
            ),
            (
                with(&|f| {
                    f.spf = Outcome::Pass;
                    f.mail_from_domain = Some("notexample.org".into());
                }),
                &local,
                &on,
                "550 5.7.1",
            ),
            (
                with(&|f| f.dkim_pass = vec!["mail.example.org".into()]),
                &local,
                &on,
                "inbox",
            ),
            (
                with(&|f| f.dkim_pass = vec!["org".into()]),
                &local,
                &on,
                "550 5.7.1",
            ),
            (
                with(&|f| f.spf = Outcome::TempError),
                &local,
                &on,
                "451 4.4.3",
            ),
            (
                with(&|f| f.dkim_temp_error = true),
                &local,
                &on,
                "451 4.4.3",
            ),
            (
                with(&|f| {
                    f.dmarc = Outcome::Fail;
                    f.dmarc_policy = DmarcPolicy::Reject;
                }),
                &[],
                &on,
                "550 5.7.1",
            ),
            (
                with(&|f| {
                    f.dmarc = Outcome::Fail;
                    f.dmarc_policy = DmarcPolicy::Reject;
                }),
                &[],
                &quarantine_only,
                "junk",
            ),
            (
                with(&|f| {
                    f.dmarc = Outcome::Fail;
                    f.dmarc_policy = DmarcPolicy::Quarantine;
                }),
                &[],
                &on,
                "junk",
            ),
            (
                with(&|f| {
                    f.dmarc = Outcome::Fail;
                    f.dmarc_policy = DmarcPolicy::None;
                }),
                &[],
                &on,
                "inbox",
            ),
            (
                with(&|f| {
                    f.dmarc = Outcome::TempError;
                    f.dmarc_policy = DmarcPolicy::Reject;
                }),
                &[],
                &on,
                "inbox",
            ),
            (
                with(&|f| {
                    f.dmarc = Outcome::Fail;
                    f.dmarc_policy = DmarcPolicy::Reject;
                }),
                &[],
                &off,
                "inbox",
            ),
        ];
        for (i, (f, local, config, want)) in cases.iter().enumerate() {
            let got = code(&decide(f, local, &[], config));
            assert!(got.starts_with(want), "case {i}: {got} (wanted {want})");
        }
    }

    #[test]
    fn each_domain_applies_its_own_policy() {
        let config = kantor_config::Config::parse(
            "[inbound.domains.\"lenient.test\"]\ndmarc_reject = false\ndmarc_quarantine = false\n\
             [inbound.domains.\"example.org\"]\nreject_forged_local = false\n",
        )
        .unwrap()
        .inbound;
        let mut rejected = findings();
        rejected.dmarc = Outcome::Fail;
        rejected.dmarc_policy = DmarcPolicy::Reject;
        let domains = |list: &[&str]| list.iter().map(|d| d.to_string()).collect::<Vec<_>>();
        let strict = domains(&["strict.test"]);
        let lenient = domains(&["lenient.test"]);
        let both = domains(&["strict.test", "lenient.test"]);
        assert!(code(&decide(&rejected, &[], &strict, &config)).starts_with("550 5.7.1"));
        assert_eq!(code(&decide(&rejected, &[], &lenient, &config)), "inbox");
        assert_eq!(code(&decide(&rejected, &[], &both, &config)), "junk");
        // example.org lets mail claiming it through; another local domain does not.
        let local = domains(&["example.org"]);
        assert_eq!(
            code(&decide(&findings(), &local, &strict, &config)),
            "inbox"
        );
        let other = domains(&["other.test"]);
        let mut claims_other = findings();
        claims_other.mail_from_domain = Some("other.test".into());
        assert!(code(&decide(&claims_other, &other, &strict, &config)).starts_with("550 5.7.1"));
    }

    #[test]
    fn names_at_or_under() {
        assert!(at_or_under("example.org", "EXAMPLE.org."));
        assert!(at_or_under("a.b.example.org", "example.org"));
        assert!(!at_or_under("badexample.org", "example.org"));
        assert!(!at_or_under("org", "example.org"));
    }
}
