//! `[sieve]`: the rules run at delivery (RFC 5228) and the scripts users upload over
//! ManageSieve (RFC 5804).

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::inbound::{domain_entry, is_zone};

/// `[sieve]`: limits of scripts and of one script's run at delivery.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SieveConfig {
    /// Largest script accepted, in bytes (ManageSieve PUTSCRIPT and CHECKSCRIPT; RFC 5804
    /// §2.6 HAVESPACE answers with it).
    pub max_script_size: usize,
    /// Most scripts one account may keep.
    pub max_scripts: u32,
    /// Instructions one run may execute before it is stopped (and the message kept in INBOX).
    pub cpu_limit: usize,
    /// Most `redirect` actions one run may take (RFC 5228 §4.2).
    pub max_redirects: usize,
    /// Most messages one run may send (redirects, vacation replies, notifications).
    pub max_out_messages: usize,
    /// Whether `redirect` may send to addresses outside this server's domains. Off: such a
    /// redirect is refused at run time and the message kept, so a user cannot forward the
    /// company's mail out. `[sieve.domains."DOMAIN"]` may decide otherwise for one domain.
    pub allow_external_redirect: bool,
    /// Days between two vacation replies to one sender when the script gives no `:days`
    /// (RFC 5230 §4.1: 7 recommended).
    pub vacation_default_days: u64,
    /// Shortest `:days` honoured (RFC 5230 §4.1: at least 1); a smaller value is raised to it.
    pub vacation_min_days: u64,
    /// ManageSieve: allow AUTHENTICATE before STARTTLS (RFC 5804 §2.1 wants TLS first; off).
    pub managesieve_allow_plaintext_auth: bool,
    /// ManageSieve: seconds without a command before the session is closed.
    pub managesieve_idle_timeout_secs: u64,
    /// ManageSieve: failed commands in one session before it is disconnected.
    pub managesieve_max_errors: u32,
    /// `[sieve.domains."corp.example"]`: one local domain's own policy for its users' scripts
    /// (each key optional; what is not given is the server-wide value).
    pub domains: BTreeMap<String, SieveDomainPolicy>,
}

/// One local domain's overrides for the scripts of its users (`[sieve.domains."DOMAIN"]`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SieveDomainPolicy {
    /// As `[sieve] allow_external_redirect`, for scripts of this domain's users.
    pub allow_external_redirect: Option<bool>,
}

impl Default for SieveConfig {
    fn default() -> Self {
        SieveConfig {
            max_script_size: 64 * 1024,
            max_scripts: 16,
            cpu_limit: 10_000,
            max_redirects: 3,
            max_out_messages: 3,
            allow_external_redirect: false,
            vacation_default_days: 7,
            vacation_min_days: 1,
            managesieve_allow_plaintext_auth: false,
            managesieve_idle_timeout_secs: 1800,
            managesieve_max_errors: 20,
            domains: BTreeMap::new(),
        }
    }
}

impl SieveConfig {
    /// Whether a script of a user of `domain` may redirect outside this server.
    pub fn allows_external_redirect(&self, domain: &str) -> bool {
        domain_entry(&self.domains, domain)
            .and_then(|p| p.allow_external_redirect)
            .unwrap_or(self.allow_external_redirect)
    }

    /// What is wrong with these values, if anything.
    pub(crate) fn problem(&self) -> Option<String> {
        self.domains
            .keys()
            .find(|d| !is_zone(d))
            .map(|domain| format!("sieve.domains: {domain:?} is not a domain name"))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_domain_decides_external_redirects_for_its_users() {
        let config = crate::Config::parse(
            "[sieve.domains.\"Open.Example\"]\nallow_external_redirect = true\n",
        )
        .unwrap();
        assert!(config.sieve.allows_external_redirect("open.example"));
        assert!(!config.sieve.allows_external_redirect("closed.example"));
        let config = crate::Config::parse(
            "[sieve]\nallow_external_redirect = true\n[sieve.domains.\"closed.example\"]\nallow_external_redirect = false\n",
        )
        .unwrap();
        assert!(!config.sieve.allows_external_redirect("closed.example"));
        assert!(config.sieve.allows_external_redirect("open.example"));
        assert!(crate::Config::parse("[sieve.domains.\"a b\"]\n").is_err());
        assert!(crate::Config::parse("[sieve.domains.\"x.example\"]\nvacation = 1\n").is_err());
    }
}
