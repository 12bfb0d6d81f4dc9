//! MTA-STS (RFC 8461): the `_mta-sts` TXT record (§3.1), the policy (§3.2) fetched over HTTPS
//! (§3.3) and cached (§5.1), and which MX hosts it allows (§4.1).

use super::https::{Failure, Https, Response};
use kantor_store::{CachedStsPolicy, Store};

/// Largest policy read (RFC 8461 §3.3: senders may limit it; real ones are a few hundred
/// octets).
pub(crate) const MAX_POLICY: usize = 64 * 1024;
/// Longest `max_age` honoured (RFC 8461 §3.2: 31557600 at most).
const MAX_AGE: u64 = 31_557_600;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Enforce,
    Testing,
    None,
}

/// A parsed policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Policy {
    pub mode: Mode,
    /// MX patterns, lower case: `mx.example.com` or `*.example.com`.
    pub mx: Vec<String>,
    pub max_age: u64,
    /// The policy's lines, as TLS-RPT's `policy-string` quotes them (RFC 8460 §4.4).
    pub lines: Vec<String>,
}

impl Policy {
    /// Parses a policy (RFC 8461 §3.2): `key: value` lines (LF or CRLF), `version: STSv1`,
    /// `mode`, `max_age`, and `mx` (at least one unless the mode is `none`); other keys are
    /// ignored.
    pub fn parse(text: &str) -> Result<Policy, String> {
        let (mut version, mut mode, mut max_age, mut mx) = (None, None, None, Vec::new());
        let mut lines = Vec::new();
        for line in text.split('\n').map(|l| l.trim_end_matches('\r')) {
            if line.trim().is_empty() {
                continue;
            }
            lines.push(line.to_string());
            let (key, value) = line
                .split_once(':')
                .ok_or_else(|| format!("not a `key: value` line: {line:?}"))?;
            let value = value.trim();
            match key.trim() {
                "version" => version = Some(value.to_string()),
                "mode" => {
                    mode = Some(match value {
                        "enforce" => Mode::Enforce,
                        "testing" => Mode::Testing,
                        "none" => Mode::None,
                        other => return Err(format!("unknown mode {other:?}")),
                    })
                }
                "max_age" => {
                    let age: u64 = value
                        .parse()
                        .ok()
                        .filter(|_| value.len() <= 10)
                        .ok_or_else(|| format!("bad max_age {value:?}"))?;
                    max_age = Some(age.min(MAX_AGE));
                }
                "mx" => mx.push(value.trim_end_matches('.').to_ascii_lowercase()),
                _ => {}
            }
        }
        if version.as_deref() != Some("STSv1") {
            return Err("no `version: STSv1`".into());
        }
        let mode = mode.ok_or("no mode")?;
        let max_age = max_age.ok_or("no max_age")?;
        if mx.is_empty() && mode != Mode::None {
            return Err("no mx".into());
        }
        Ok(Policy {
            mode,
            mx,
            max_age,
            lines,
        })
    }

    /// Whether the MX host `host` is one the policy allows (RFC 8461 §4.1: a pattern is a
    /// name, or `*.` and a suffix matching exactly one more label on the left).
    pub fn allows(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.mx
            .iter()
            .any(|pattern| match pattern.strip_prefix("*.") {
                Some(suffix) => host
                    .split_once('.')
                    .is_some_and(|(label, rest)| !label.is_empty() && rest == suffix),
                None => *pattern == host,
            })
    }
}

/// The `id` of a `v=STSv1` TXT record (RFC 8461 §3.1); None for other records or a bad one.
pub(crate) fn record_id(record: &str) -> Option<String> {
    let mut fields = record.split(';').map(str::trim);
    if fields.next()? != "v=STSv1" {
        return None;
    }
    fields
        .filter_map(|f| f.split_once('='))
        .find(|(k, _)| k.trim() == "id")
        .map(|(_, v)| v.trim().to_string())
        .filter(|id| (1..=32).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// What was found for a domain.
pub(crate) enum Found {
    /// A policy in force (cached or just fetched), with its text.
    Policy(Policy),
    /// No policy: the domain publishes none (or an invalid record), and none is cached.
    None,
    /// The domain announces one that could not be fetched or parsed, and none is cached: mail
    /// goes as without (RFC 8461 §3.3); the TLS-RPT result type and why.
    Failed(&'static str, String),
}

/// The policy of `domain` (RFC 8461 §3.3, §5.1): the cached one while the TXT record's id is
/// unchanged and it has not expired, else fetched and cached; a fetch failure falls back on the
/// cached policy.
pub(crate) async fn policy_for(store: &Store, https: &Https<'_>, domain: &str) -> Found {
    let now = chrono::Utc::now().timestamp();
    let cached = match store.sts_policy(domain) {
        Ok(cached) => cached.filter(|c| c.expires_at > now),
        Err(e) => {
            tracing::warn!(%domain, error = %e, "outbound: cannot read the MTA-STS cache");
            None
        }
    };
    let from_cache = |cached: &CachedStsPolicy| Policy::parse(&cached.policy).ok();
    let ids: Vec<String> = match https.dns.txt(&format!("_mta-sts.{domain}")).await {
        Ok(records) => records.iter().filter_map(|r| record_id(r)).collect(),
        // The DNS failed for now: the cached policy, if any (§5.1).
        Err(_) => Vec::new(),
    };
    let id = match ids.as_slice() {
        [id] => id.clone(),
        // None, or several (§3.1: then there is none): whatever is cached.
        _ => {
            return cached
                .as_ref()
                .and_then(from_cache)
                .map_or(Found::None, Found::Policy);
        }
    };
    if let Some(policy) = cached.as_ref().filter(|c| c.id == id).and_then(from_cache) {
        return Found::Policy(policy);
    }
    let fetched = fetch(https, domain).await;
    match fetched {
        Ok((text, policy)) => {
            let entry = CachedStsPolicy {
                domain: domain.to_string(),
                id,
                policy: text,
                fetched_at: now,
                expires_at: now + policy.max_age as i64,
            };
            if let Err(e) = store.put_sts_policy(entry).await {
                tracing::warn!(%domain, error = %e, "outbound: cannot cache an MTA-STS policy");
            }
            Found::Policy(policy)
        }
        Err((kind, why)) => {
            tracing::info!(%domain, %why, "outbound: MTA-STS policy not fetched");
            match cached.as_ref().and_then(from_cache) {
                Some(policy) => Found::Policy(policy),
                None => Found::Failed(kind, why),
            }
        }
    }
}

/// Fetches and parses `https://mta-sts.DOMAIN/.well-known/mta-sts.txt` (§3.3): a 200 of
/// `text/plain`, no redirect followed. A failure comes with its RFC 8460 §4.3.2.2 result type:
/// a certificate not valid for the policy host is `sts-webpki-invalid`, no policy served
/// (no address, no connection, not a 200) `sts-policy-fetch-error`, one served but not valid
/// `sts-policy-invalid` (`policy_from`).
async fn fetch(
    https: &Https<'_>,
    domain: &str,
) -> Result<(String, Policy), (&'static str, String)> {
    let host = format!("mta-sts.{domain}");
    let response = https
        .request(
            hyper::Method::GET,
            &host,
            "/.well-known/mta-sts.txt",
            None,
            MAX_POLICY,
        )
        .await
        .map_err(|failure| match failure {
            Failure::Certificate(why) => ("sts-webpki-invalid", why),
            Failure::Other(why) => ("sts-policy-fetch-error", why),
        })?;
    policy_from(&host, response)
}

/// The policy in a response from `host` (§3.3), or the RFC 8460 §4.3.2.2 result type and why
/// there is none.
fn policy_from(host: &str, response: Response) -> Result<(String, Policy), (&'static str, String)> {
    if response.status != 200 {
        return Err((
            "sts-policy-fetch-error",
            format!("{host} answered HTTP {}", response.status),
        ));
    }
    let media = response.content_type.split(';').next().unwrap_or("").trim();
    if !media.eq_ignore_ascii_case("text/plain") {
        return Err((
            "sts-policy-invalid",
            format!("{host} sent {media:?}, not text/plain"),
        ));
    }
    let text = String::from_utf8(response.body).map_err(|_| {
        (
            "sts-policy-invalid",
            format!("{host} sent a policy not in UTF-8"),
        )
    })?;
    let policy =
        Policy::parse(&text).map_err(|why| ("sts-policy-invalid", format!("{host}: {why}")))?;
    Ok((text, policy))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_parse_and_match() {
        let p = Policy::parse(
            "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\nmx: *.example.net\nmax_age: 86400\r\nextra: x\n",
        )
        .unwrap();
        assert_eq!(p.mode, Mode::Enforce);
        assert_eq!(p.max_age, 86400);
        assert!(p.allows("MAIL.example.com."));
        assert!(p.allows("mx1.example.net"));
        assert!(!p.allows("example.net"));
        assert!(!p.allows("a.b.example.net"));
        assert!(!p.allows("mail.example.org"));
        assert!(Policy::parse("version: STSv1\nmode: enforce\nmax_age: 1\n").is_err());
        assert!(Policy::parse("version: STSv2\nmode: none\nmax_age: 1\n").is_err());
        assert!(Policy::parse("version: STSv1\nmode: strict\nmx: a\nmax_age: 1\n").is_err());
        assert!(Policy::parse("version: STSv1\nmode: none\nmax_age: 1\n").is_ok());
        let long = Policy::parse("version: STSv1\nmode: none\nmax_age: 99999999\n").unwrap();
        assert_eq!(long.max_age, MAX_AGE);
    }

    /// RFC 8460 §4.3.2.2: what a policy host answered, and the result type when it is no
    /// policy.
    #[test]
    fn answers_without_a_policy_are_named() {
        let answer = |status: u16, content_type: &str, body: &[u8]| {
            policy_from(
                "mta-sts.d.test",
                Response {
                    status,
                    content_type: content_type.into(),
                    body: body.to_vec(),
                },
            )
            .map(|(_, policy)| policy.mode)
            .map_err(|(kind, _)| kind)
        };
        let good = b"version: STSv1\r\nmode: enforce\r\nmx: mx.d.test\r\nmax_age: 60\r\n";
        assert_eq!(
            answer(200, "text/plain; charset=utf-8", good),
            Ok(Mode::Enforce)
        );
        assert_eq!(
            answer(404, "text/plain", good),
            Err("sts-policy-fetch-error")
        );
        assert_eq!(
            answer(301, "text/plain", b""),
            Err("sts-policy-fetch-error")
        );
        assert_eq!(answer(200, "text/html", good), Err("sts-policy-invalid"));
        assert_eq!(
            answer(200, "text/plain", b"\xff\xfe"),
            Err("sts-policy-invalid")
        );
        assert_eq!(
            answer(200, "text/plain", b"version: STSv1\nmode: enforce\n"),
            Err("sts-policy-invalid")
        );
    }

    #[test]
    fn records_carry_an_id() {
        assert_eq!(
            record_id("v=STSv1; id=20160831085700Z;").as_deref(),
            Some("20160831085700Z")
        );
        assert_eq!(record_id("v=STSv1;id=abc").as_deref(), Some("abc"));
        assert_eq!(record_id("v=spf1 -all"), None);
        assert_eq!(record_id("v=STSv1; id=no-dash"), None);
        assert_eq!(record_id("v=STSv1;"), None);
    }
}
