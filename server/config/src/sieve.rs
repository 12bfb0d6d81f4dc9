//! `[sieve]`: the rules run at delivery (RFC 5228) and the scripts users upload over
//! ManageSieve (RFC 5804).

use serde::Deserialize;

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
    /// company's mail out.
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
        }
    }
}
