//! Typed configuration of the Kantor server, read from one TOML file (`--config FILE`).
//!
//! Every section has a default for every key, so an empty file (or none) runs the server on its
//! embedded defaults. `docs/configuration.md` lists every key; keep it in step with this file.
//!
//! - [`Config`]: the whole file, one section per concern.
//! - [`Listeners`]: the stable `[listeners]` table (`""` disables a listener).
//! - [`SmtpConfig`], [`Pop3Config`], [`ImapConfig`]: per-protocol limits and timeouts.
//! - [`AuthConfig`]: failed-login throttling.
//! - [`TlsConfig`], [`StoreConfig`]: certificate paths and store tuning.
//! - [`HttpConfig`]: the HTTP front end (`http.rs`).
//! - [`ResolverConfig`], [`OutboundConfig`]: DNS and delivery to other servers (`outbound.rs`).
//! - [`RelayConfig`]: a smarthost for remote mail (`relay.rs`).
//! - [`InboundConfig`]: the checks and policies of mail from other servers (`inbound.rs`).
//! - [`MtaStsConfig`]: the MTA-STS policy our own domains publish (`mta_sts.rs`).
//! - [`SearchConfig`]: the full-text index (`search.rs`).
//! - [`SieveConfig`]: Sieve at delivery and ManageSieve's script limits (`sieve.rs`).

mod http;
mod inbound;
mod mta_sts;
mod outbound;
mod relay;
mod search;
mod sieve;

pub use http::HttpConfig;
pub use inbound::{DomainPolicy, InboundConfig, Policy as InboundPolicy};
pub use mta_sts::{MtaStsConfig, StsMode};
pub use outbound::{OutboundConfig, ResolverConfig};
pub use relay::{RelayConfig, RelayTls};
pub use search::SearchConfig;
use serde::Deserialize;
pub use sieve::SieveConfig;
use std::path::{Path, PathBuf};

/// The whole configuration file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub server: ServerConfig,
    pub listeners: Listeners,
    pub tls: TlsConfig,
    pub smtp: SmtpConfig,
    pub pop3: Pop3Config,
    pub imap: ImapConfig,
    pub auth: AuthConfig,
    pub store: StoreConfig,
    pub http: HttpConfig,
    pub resolver: ResolverConfig,
    pub outbound: OutboundConfig,
    pub relay: RelayConfig,
    pub inbound: InboundConfig,
    pub mta_sts: MtaStsConfig,
    pub search: SearchConfig,
    pub sieve: SieveConfig,
}

/// `[server]`: identity of this server.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Host name used in greetings, Received headers and the generated certificate.
    /// Default: the machine's host name.
    pub hostname: Option<String>,
}

/// `[listeners]`: one address per protocol endpoint; `""` disables it. Keys are stable.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Listeners {
    /// SMTP for other mail servers (RFC 5321), STARTTLS available.
    pub smtp: String,
    /// Message submission (RFC 6409), STARTTLS then AUTH.
    pub submission: String,
    /// Message submission over implicit TLS (RFC 8314).
    pub submissions: String,
    /// POP3 (RFC 1939) with STLS.
    pub pop3: String,
    /// POP3 over implicit TLS (RFC 8314).
    pub pop3s: String,
    /// IMAP (RFC 9051) with STARTTLS.
    pub imap: String,
    /// IMAP over implicit TLS (RFC 8314).
    pub imaps: String,
    /// HTTPS: JMAP (RFC 8620) and `/metrics`.
    pub https: String,
    /// Plain HTTP: `/metrics` and a redirect to HTTPS (see [`HttpConfig`]).
    pub http: String,
    /// ManageSieve (RFC 5804): users manage their Sieve scripts; STARTTLS, then AUTHENTICATE.
    pub managesieve: String,
}

impl Default for Listeners {
    fn default() -> Self {
        Listeners {
            smtp: "[::]:25".into(),
            submission: "[::]:587".into(),
            submissions: "[::]:465".into(),
            pop3: "[::]:110".into(),
            pop3s: "[::]:995".into(),
            imap: "[::]:143".into(),
            imaps: "[::]:993".into(),
            https: "[::]:443".into(),
            http: "[::]:8080".into(),
            managesieve: "[::]:4190".into(),
        }
    }
}

/// `[tls]`: certificate and key in PEM. When both are unset, a self-signed certificate for the
/// host name is generated under `DATA/tls/` on first start and reused afterwards.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TlsConfig {
    pub certificate: Option<PathBuf>,
    pub private_key: Option<PathBuf>,
    /// Seconds a TLS handshake may take on any port (implicit TLS, STARTTLS, STLS): a client
    /// that connects and never starts one is dropped after this, not after the idle timeout.
    pub handshake_timeout_secs: u64,
}

impl Default for TlsConfig {
    fn default() -> Self {
        TlsConfig {
            certificate: None,
            private_key: None,
            handshake_timeout_secs: 10,
        }
    }
}

/// `[smtp]`: limits of the SMTP server (receiving and submission alike).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmtpConfig {
    /// Largest message accepted, in bytes (advertised with SIZE, RFC 1870).
    pub max_message_size: u64,
    /// A message arriving without login (port 25) goes to a spool file past this many bytes,
    /// instead of memory: an unfinished large message then holds no memory. The file becomes
    /// the stored blob (written once).
    pub spool_above_bytes: u64,
    /// Most recipients in one transaction (RFC 5321 §4.5.3.1.8 requires at least 100).
    pub max_recipients: usize,
    /// Longest command line, CRLF included (RFC 5321 §4.5.3.1.4: at least 512).
    pub max_command_line: usize,
    /// Longest line of message data, CRLF included (RFC 5321 §4.5.3.1.6: at least 1000).
    pub max_data_line: usize,
    /// Seconds to wait for a command before closing (RFC 5321 §4.5.3.2.7 suggests 5 minutes).
    pub command_timeout_secs: u64,
    /// Seconds to wait for each chunk of message data (RFC 5321 §4.5.3.2.5: 3 minutes).
    pub data_timeout_secs: u64,
    /// Protocol errors in one session before it is disconnected.
    pub max_errors: u32,
    /// Concurrent SMTP connections in total, per listener.
    pub max_connections: usize,
    /// Concurrent connections from one IP address on each submission listener (587, 465).
    pub max_connections_per_ip: usize,
    /// Concurrent connections from one IP address on port 25, where anyone may connect without
    /// logging in: low, so that a few addresses cannot fill `max_connections` (Postfix: 50).
    pub mx_max_connections_per_ip: usize,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        SmtpConfig {
            max_message_size: 50 * 1024 * 1024,
            spool_above_bytes: 1024 * 1024,
            max_recipients: 100,
            max_command_line: 4096,
            max_data_line: 10_000,
            command_timeout_secs: 300,
            data_timeout_secs: 180,
            max_errors: 20,
            max_connections: 2000,
            max_connections_per_ip: 200,
            mx_max_connections_per_ip: 20,
        }
    }
}

/// `[pop3]`: limits of the POP3 server.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Pop3Config {
    /// Allow USER/PASS and AUTH before STLS on the plaintext port (RFC 2595 §4: off by default).
    pub allow_plaintext_auth: bool,
    /// Longest command line, CRLF included (RFC 2449 §4: 255 octets at least).
    pub max_command_line: usize,
    /// Seconds of inactivity before the session is closed (RFC 1939 §3: at least 10 minutes).
    pub idle_timeout_secs: u64,
    /// Protocol errors in one session before it is disconnected.
    pub max_errors: u32,
    pub max_connections: usize,
    pub max_connections_per_ip: usize,
}

impl Default for Pop3Config {
    fn default() -> Self {
        Pop3Config {
            allow_plaintext_auth: false,
            max_command_line: 1024,
            idle_timeout_secs: 600,
            max_errors: 20,
            max_connections: 2000,
            max_connections_per_ip: 100,
        }
    }
}

/// `[imap]`: limits of the IMAP server.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ImapConfig {
    /// Allow LOGIN and AUTHENTICATE before STARTTLS on the plaintext port (RFC 9051 §11.1: off).
    pub allow_plaintext_auth: bool,
    /// Longest command line outside literals, in octets.
    pub max_line: usize,
    /// Largest literal accepted (and APPENDLIMIT advertised), in octets; larger ones are refused
    /// before they are read (RFC 7888 TOOBIG). Per message: each literal of a MULTIAPPEND, and
    /// each message a CATENATE builds, must fit (RFC 7889).
    pub max_literal: u64,
    /// Largest whole command, literals included, in octets: a session holds a command in memory
    /// until it has all of it, so this bounds a MULTIAPPEND (RFC 3502) or CATENATE (RFC 4469)
    /// of many literals. Unset: four times `max_literal` (see [`ImapConfig::max_command_size`]).
    pub max_command_size: Option<u64>,
    /// Most literals in one command (each message of a MULTIAPPEND, each part of a CATENATE,
    /// any string sent as a literal).
    pub max_literals_per_command: u32,
    /// Largest literal before login, in octets: enough for LOGIN's user name and password (or an
    /// ID), far from what APPEND needs, so that unauthenticated connections hold little memory.
    /// Before login a command is at most `max_line` plus four such literals.
    pub max_literal_before_login: u64,
    /// Seconds without a command before an authenticated session is closed (RFC 9051 §5.4: at
    /// least 30 minutes); IDLE sessions are told to renew by then.
    pub idle_timeout_secs: u64,
    /// Seconds a response may wait for the client to read it before the session is closed (a
    /// client that stopped reading, or floods commands without reading the answers).
    pub write_timeout_secs: u64,
    /// Seconds to wait for a command before login.
    pub login_timeout_secs: u64,
    /// Protocol errors (BAD) in one session before it is disconnected.
    pub max_errors: u32,
    pub max_connections: usize,
    pub max_connections_per_ip: usize,
}

impl Default for ImapConfig {
    fn default() -> Self {
        ImapConfig {
            allow_plaintext_auth: false,
            max_line: 64 * 1024,
            max_literal: 50 * 1024 * 1024,
            max_command_size: None,
            max_literals_per_command: 1000,
            max_literal_before_login: 8 * 1024,
            idle_timeout_secs: 30 * 60,
            write_timeout_secs: 120,
            login_timeout_secs: 60,
            max_errors: 50,
            max_connections: 20_000,
            max_connections_per_ip: 200,
        }
    }
}

impl ImapConfig {
    /// The cap on one command: `max_command_size`, or four times `max_literal` (never less than
    /// one literal of `max_literal` and a line, so an APPEND at APPENDLIMIT always fits).
    pub fn max_command_size(&self) -> u64 {
        self.max_command_size.unwrap_or_else(|| {
            self.max_literal
                .saturating_mul(4)
                .max(self.min_command_size())
        })
    }

    fn min_command_size(&self) -> u64 {
        self.max_literal.saturating_add(self.max_line as u64)
    }
}

/// `[auth]`: throttling of failed logins, per client IP and per account.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// Failures within the window (of an account from one address, of one address, or of an
    /// account from everywhere) after which every further attempt is answered slowly.
    pub failures_before_delay: u32,
    /// Delay added per failure past `failures_before_delay`, in milliseconds (capped at 5 s).
    pub delay_step_ms: u64,
    /// Failures of one account from one address after which that address is refused for that
    /// account until the lockout ends. An account is never refused for everyone.
    pub failures_before_lockout: u32,
    /// Failures from one address, on any accounts, after which the address is refused.
    pub source_failures_before_lockout: u32,
    /// Window over which failures are counted, in seconds.
    pub window_secs: u64,
    /// How long a refusal lasts, in seconds.
    pub lockout_secs: u64,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            failures_before_delay: 3,
            delay_step_ms: 500,
            failures_before_lockout: 10,
            source_failures_before_lockout: 30,
            window_secs: 900,
            lockout_secs: 900,
        }
    }
}

/// `[store]`: tuning of the embedded store.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoreConfig {
    /// Most write requests (deliveries, flag changes, ...) committed in one transaction.
    pub max_batch: usize,
    /// Read connections kept open for concurrent readers.
    pub read_connections: usize,
    /// MiB of recently read message headers kept in memory (IMAP message lists); 0 for none.
    pub header_cache_mib: usize,
    /// Seconds an expunged email and an unreferenced blob are kept before the collector deletes
    /// them, so sessions that have not heard of an expunge can still read the message.
    pub gc_grace_secs: u64,
    /// Seconds between two runs of the collector in the server (0: never; `kantor admin gc`).
    pub gc_interval_secs: u64,
    /// Days of change log kept; older changes are pruned by the collector (IMAP QRESYNC from
    /// before then resynchronises in full, JMAP answers cannotCalculateChanges).
    pub change_log_days: u64,
    /// Mailboxes per account.
    pub max_mailboxes: usize,
    /// Bytes of a mailbox's full name (all levels).
    pub max_mailbox_name_bytes: usize,
    /// Levels of mailbox hierarchy.
    pub max_mailbox_depth: usize,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            max_batch: 256,
            read_connections: 8,
            header_cache_mib: 16,
            gc_grace_secs: 3600,
            gc_interval_secs: 600,
            change_log_days: 90,
            max_mailboxes: 2000,
            max_mailbox_name_bytes: 512,
            max_mailbox_depth: 32,
        }
    }
}

/// Why a configuration file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    // The cause is part of the message, not a `source`: printed with its chain (`{:#}`), it
    // would appear twice.
    #[error("cannot read {path}: {error}")]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("invalid configuration in {path}: {error}")]
    Parse {
        path: PathBuf,
        error: toml::de::Error,
    },
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

impl Config {
    /// Reads and validates a configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
            path: path.into(),
            error,
        })?;
        Self::parse(&text).map_err(|e| match e {
            ConfigError::Parse { error, .. } => ConfigError::Parse {
                path: path.into(),
                error,
            },
            other => other,
        })
    }

    /// Parses and validates configuration text.
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|error| ConfigError::Parse {
            path: PathBuf::new(),
            error,
        })?;
        config.validate()?;
        Ok(config)
    }

    /// Rejects values that would break the protocols' minimums (RFC 5321 §4.5.3.1).
    pub fn validate(&self) -> Result<(), ConfigError> {
        let s = &self.smtp;
        let checks: [(bool, &str); 10] = [
            (
                s.max_command_line >= 512,
                "smtp.max_command_line must be at least 512",
            ),
            (
                s.max_data_line >= 1000,
                "smtp.max_data_line must be at least 1000",
            ),
            (
                s.max_recipients >= 1,
                "smtp.max_recipients must be at least 1",
            ),
            (
                s.max_message_size >= 1024,
                "smtp.max_message_size must be at least 1024",
            ),
            (
                self.pop3.max_command_line >= 255,
                "pop3.max_command_line must be at least 255",
            ),
            (
                self.store.max_batch >= 1,
                "store.max_batch must be at least 1",
            ),
            (
                self.imap.max_line >= 1000,
                "imap.max_line must be at least 1000",
            ),
            (
                self.imap.max_literal >= 1024,
                "imap.max_literal must be at least 1024",
            ),
            (
                self.imap.max_command_size() >= self.imap.min_command_size(),
                "imap.max_command_size must be at least imap.max_literal + imap.max_line",
            ),
            (
                self.tls.certificate.is_some() == self.tls.private_key.is_some(),
                "tls.certificate and tls.private_key must be set together",
            ),
        ];
        if let Some((_, message)) = checks.iter().find(|(ok, _)| !ok) {
            return Err(ConfigError::Invalid((*message).into()));
        }
        match self.inbound.problem().or_else(|| self.sieve.problem()) {
            Some(problem) => Err(ConfigError::Invalid(problem)),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_gives_defaults() {
        let c = Config::parse("").unwrap();
        assert_eq!(c.listeners.smtp, "[::]:25");
        assert_eq!(c.listeners.pop3s, "[::]:995");
        assert_eq!(c.smtp.max_recipients, 100);
    }

    #[test]
    fn listeners_can_be_disabled_and_moved() {
        let c = Config::parse("[listeners]\nsmtp = \"127.0.0.1:2525\"\npop3 = \"\"\n").unwrap();
        assert_eq!(c.listeners.smtp, "127.0.0.1:2525");
        assert_eq!(c.listeners.pop3, "");
        assert_eq!(c.listeners.submission, "[::]:587");
    }

    #[test]
    fn unknown_keys_and_bad_limits_are_refused() {
        assert!(Config::parse("[listeners]\nsmpt = \"x\"\n").is_err());
        let err = Config::parse("[smtp]\nmax_command_line = 100\n").unwrap_err();
        assert!(err.to_string().contains("max_command_line"));
    }

    #[test]
    fn imap_command_cap_defaults_to_four_literals_and_holds_one() {
        let c = Config::parse("").unwrap();
        assert_eq!(c.imap.max_command_size(), 4 * c.imap.max_literal);
        let c = Config::parse("[imap]\nmax_literal = 1024\n").unwrap();
        assert_eq!(c.imap.max_command_size(), 1024 + 64 * 1024);
        let c =
            Config::parse("[imap]\nmax_literal = 2000\nmax_line = 1000\nmax_command_size = 3000\n")
                .unwrap();
        assert_eq!(c.imap.max_command_size(), 3000);
        let err =
            Config::parse("[imap]\nmax_literal = 2000\nmax_line = 1000\nmax_command_size = 2999\n")
                .unwrap_err();
        assert!(err.to_string().contains("max_command_size"), "{err}");
    }
}
