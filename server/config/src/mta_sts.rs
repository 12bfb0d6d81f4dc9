//! `[mta_sts]`: the MTA-STS policy (RFC 8461 §3.2) our own domains publish at
//! `https://mta-sts.DOMAIN/.well-known/mta-sts.txt`, which `kantor admin domain dns` announces.

use serde::Deserialize;
use std::collections::BTreeMap;

/// A policy mode (RFC 8461 §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StsMode {
    /// Senders must deliver only over authenticated TLS to the listed MX hosts.
    Enforce,
    /// Senders deliver as usual and report failures (TLS-RPT).
    Testing,
    /// No policy in force (for withdrawing one).
    None,
}

impl StsMode {
    pub fn as_str(self) -> &'static str {
        match self {
            StsMode::Enforce => "enforce",
            StsMode::Testing => "testing",
            StsMode::None => "none",
        }
    }
}

/// `[mta_sts]`: the policy served for each local domain.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MtaStsConfig {
    /// The policy's mode for every local domain (`"enforce"`, `"testing"`, `"none"`); start
    /// with `testing` and read the TLS reports before enforcing.
    pub mode: StsMode,
    /// The mode of particular domains, overriding `mode` (`{ "example.com" = "enforce" }`).
    pub domain_modes: BTreeMap<String, StsMode>,
    /// The MX host patterns of the policy (`mx.example.com`, `*.example.net`); empty (the
    /// default): the server's host name.
    pub mx: Vec<String>,
    /// The policy's `max_age` in seconds: how long senders may cache it (RFC 8461 §3.2: at
    /// most 31557600; weeks are recommended).
    pub max_age_secs: u64,
}

impl Default for MtaStsConfig {
    fn default() -> Self {
        MtaStsConfig {
            mode: StsMode::Testing,
            domain_modes: BTreeMap::new(),
            mx: Vec::new(),
            max_age_secs: 604_800,
        }
    }
}

impl MtaStsConfig {
    /// The policy text of `domain` (RFC 8461 §3.2), with the server named `hostname`.
    pub fn policy(&self, domain: &str, hostname: &str) -> String {
        let mode = self
            .domain_modes
            .get(&domain.to_ascii_lowercase())
            .copied()
            .unwrap_or(self.mode);
        let mut text = format!("version: STSv1\r\nmode: {}\r\n", mode.as_str());
        match self.mx.is_empty() {
            true => text.push_str(&format!("mx: {hostname}\r\n")),
            false => self
                .mx
                .iter()
                .for_each(|m| text.push_str(&format!("mx: {m}\r\n"))),
        }
        text.push_str(&format!(
            "max_age: {}\r\n",
            self.max_age_secs.min(31_557_600)
        ));
        text
    }

    /// The `id=` of the `_mta-sts` TXT record announcing `policy` (RFC 8461 §3.1: 1-32
    /// alphanumerics, changed whenever the policy changes): a hash of the policy text.
    pub fn policy_id(policy: &str) -> String {
        // FNV-1a, 64 bits: stable across versions and processes.
        let hash = policy.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        });
        format!("{hash:016x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_and_id() {
        let mut config = MtaStsConfig::default();
        config
            .domain_modes
            .insert("b.example".into(), StsMode::Enforce);
        let a = config.policy("a.example", "mx.a.example");
        assert_eq!(
            a,
            "version: STSv1\r\nmode: testing\r\nmx: mx.a.example\r\nmax_age: 604800\r\n"
        );
        assert!(config.policy("B.example", "h").contains("mode: enforce"));
        let id = MtaStsConfig::policy_id(&a);
        assert_eq!(id.len(), 16);
        assert_ne!(
            id,
            MtaStsConfig::policy_id(&config.policy("b.example", "h"))
        );
    }
}
