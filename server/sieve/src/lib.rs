//! Sieve (RFC 5228) at delivery, with sieve-rs: [`Rules`] holds the interpreter's runtime,
//! configured with explicit limits (`[sieve]`), and is the one entry of local delivery
//! ([`Rules::deliver`]): recipients without an active script get the message in their INBOX in
//! one store call, as before; each recipient with one has its script run and its actions
//! carried out. A script that fails at run time never loses the message: it is kept in the
//! INBOX and the error logged.
//!
//! - `run`: one script over one message, turned into a [`run::Plan`] (no I/O but reads).
//! - `deliver`: the delivery, and carrying out each plan (filing, sending, rejecting).
//! - `robots`: who may never get an automatic reply (RFC 3834 §2, RFC 5230 §4.6).
//! - `send`: redirects and vacation replies, locally or through the outbound queue.
//! - `vacation`: the JMAP VacationResponse (RFC 8621 §8) as a Sieve vacation action.

mod deliver;
mod robots;
mod run;
mod send;
mod vacation;

pub use deliver::{Delivery, Outcome};
pub use vacation::vacation_script;

use kantor_config::SieveConfig;
use sieve::compiler::grammar::Capability;
use sieve::{Compiler, Runtime, Sieve};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The Sieve extensions this server carries out, as ManageSieve's `SIEVE` capability lists
/// them (RFC 5804 §1.7). Those sieve-rs knows but this server cannot honour are refused at
/// run time (the message is then kept in INBOX).
pub const EXTENSIONS: &str = "fileinto reject ereject envelope encoded-character vacation \
     vacation-seconds subaddress comparator-i;ascii-numeric relational regex imap4flags copy \
     variables body mailbox date index ihave duplicate editheader environment mime \
     foreverypart extracttext fcc";

/// Longest script name, in octets, over ManageSieve and JMAP alike (RFC 9661 §1.2.1 wants at
/// least 512, RFC 5804 §1.6 at least 128 characters).
pub const MAX_SCRIPT_NAME: usize = 512;

/// Whether `name` may name a script (RFC 5804 §1.6): not empty, at most [`MAX_SCRIPT_NAME`]
/// octets, without control characters or the line and paragraph separators; why not if not.
pub fn check_script_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("a script name is not empty".into());
    }
    if name.len() > MAX_SCRIPT_NAME {
        return Err(format!("script names are at most {MAX_SCRIPT_NAME} octets"));
    }
    if name
        .chars()
        .any(|c| c.is_control() || c == '\u{2028}' || c == '\u{2029}')
    {
        return Err("a script name has no control characters".into());
    }
    Ok(())
}

/// Capabilities sieve-rs has whose actions this server does not carry out.
const WITHHELD: [Capability; 14] = [
    Capability::Enotify,
    Capability::Include,
    Capability::ExtLists,
    Capability::SpamTest,
    Capability::SpamTestPlus,
    Capability::VirusTest,
    Capability::ImapSieve,
    Capability::MboxMetadata,
    Capability::ServerMetadata,
    Capability::MailboxId,
    Capability::SpecialUse,
    Capability::Convert,
    Capability::Expressions,
    Capability::While,
];

/// Most compiled scripts kept in memory (by script id); past it the cache starts again.
const CACHE_SCRIPTS: usize = 10_000;

/// The rule engine: the interpreter's limits and the server's policy for its actions.
pub struct Rules {
    runtime: Runtime,
    compiler: Compiler,
    config: SieveConfig,
    hostname: String,
    /// Compiled active scripts by id, with the text they were compiled from.
    compiled: Mutex<HashMap<i64, (String, Arc<Sieve>)>>,
}

impl Rules {
    /// The engine for `[sieve]`, naming itself `hostname` in the messages it writes.
    pub fn new(config: &SieveConfig, hostname: &str) -> Rules {
        let runtime = Runtime::new()
            .with_cpu_limit(config.cpu_limit)
            .with_max_redirects(config.max_redirects)
            .with_max_out_messages(config.max_out_messages)
            .with_default_vacation_expiry(config.vacation_default_days.max(1) * 86_400)
            .with_local_hostname(hostname.to_string())
            .with_env_variable("name", "Kantor")
            .with_env_variable("host", hostname.to_string())
            .without_capabilities(WITHHELD);
        let compiler = Compiler::new().with_max_script_size(config.max_script_size);
        Rules {
            runtime,
            compiler,
            config: config.clone(),
            hostname: hostname.to_string(),
            compiled: Mutex::new(HashMap::new()),
        }
    }

    /// The configured limits.
    pub fn config(&self) -> &SieveConfig {
        &self.config
    }

    /// Compiles a script as an upload is checked (RFC 5804 §2.6, §2.12): the error, with its
    /// line and column, when it does not compile or is too large.
    pub fn check(&self, script: &[u8]) -> Result<(), String> {
        self.compile(script).map(|_| ())
    }

    fn compile(&self, script: &[u8]) -> Result<Arc<Sieve>, String> {
        if script.len() > self.config.max_script_size {
            return Err(format!(
                "script is larger than {} bytes",
                self.config.max_script_size
            ));
        }
        self.compiler
            .compile(script)
            .map(Arc::new)
            .map_err(|e| format!("line {}, column {}: {e}", e.line_num(), e.line_pos()))
    }

    /// The compiled form of a stored script, from the cache while its text is unchanged.
    fn compiled(&self, script: &kantor_store::SieveScript) -> Result<Arc<Sieve>, String> {
        if let Some((text, compiled)) = self.compiled.lock().expect("cache").get(&script.id)
            && *text == script.content
        {
            return Ok(compiled.clone());
        }
        let compiled = self.compile(script.content.as_bytes())?;
        let mut cache = self.compiled.lock().expect("cache");
        if cache.len() >= CACHE_SCRIPTS {
            cache.clear();
        }
        cache.insert(script.id, (script.content.clone(), compiled.clone()));
        Ok(compiled)
    }
}

#[cfg(test)]
mod tests {
    use super::check_script_name;

    #[test]
    fn script_names_follow_rfc_5804() {
        assert!(check_script_name("rules").is_ok());
        assert!(check_script_name("Régles d'été").is_ok());
        assert!(check_script_name(&"é".repeat(256)).is_ok());
        assert!(check_script_name(&"é".repeat(257)).is_err());
        for bad in ["", "a\u{7}b", "a\nb", "a\u{85}b", "a\u{2028}b"] {
            assert!(check_script_name(bad).is_err(), "{bad:?}");
        }
    }
}
