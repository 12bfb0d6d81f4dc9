//! Delivering messages to their recipients at one domain (RFC 5321 §5.1, §4.5.4): the MX hosts
//! in preference order (the domain itself without MX; nothing for a null MX, RFC 7505), each
//! address of a host in turn, until one server has given a final answer for every recipient of
//! every message. One connection carries every message still pending (`session`); a 5yz reply
//! is final for the recipients it concerns; a 4yz reply or a broken connection moves on to the
//! next address, and is the temporary result once none is left. Each message is reported as
//! soon as all its recipients are settled, so that a delivery is recorded before the next one
//! starts.

use crate::relay::Relay;
use crate::session;
use crate::tls_policy::DomainPolicy;
use kantor_dns::{Dns, MailHosts};
use kantor_store::BlobHash;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

/// What an attempt came to for one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Attempt {
    /// Accepted: the server's reply to the end of DATA.
    Delivered(String),
    /// Try again later: why.
    Temporary(String),
    /// Never: why (the remote reply, or ours: an RFC 3463 status code first).
    Permanent(String),
}

/// What one delivery needs besides the messages.
pub(crate) struct Route<'a> {
    pub dns: &'a Dns,
    pub hostname: &'a str,
    pub port: u16,
    pub connect_timeout: Duration,
    pub command_timeout: Duration,
    pub tls: Arc<rustls::ClientConfig>,
    /// Signs a message of the given envelope sender (DKIM), as it goes out (converted for a
    /// server without 8BITMIME).
    pub sign: &'a (dyn Fn(&str, &[u8]) -> Vec<u8> + Sync),
    /// Reads a queued message.
    pub load: &'a (dyn Fn(&BlobHash) -> Result<Vec<u8>, String> + Sync),
    /// The smarthost this mail goes through instead of the domain's MX hosts.
    pub relay: Option<&'a Relay>,
    /// The destination's TLS policy (MTA-STS, DANE): which MX hosts, and what their TLS must
    /// be. None through the relay.
    pub policy: Option<DomainPolicy>,
    /// The local addresses connections leave from, per family (`[outbound] source_ipv4`,
    /// `source_ipv6`); None: the operating system's choice.
    pub source_ipv4: Option<Ipv4Addr>,
    pub source_ipv6: Option<Ipv6Addr>,
}

impl Route<'_> {
    /// The local address a connection to `to` is bound to, of `to`'s family.
    pub fn source(&self, to: IpAddr) -> Option<IpAddr> {
        match to {
            IpAddr::V4(_) => self.source_ipv4.map(IpAddr::V4),
            IpAddr::V6(_) => self.source_ipv6.map(IpAddr::V6),
        }
    }
}

/// One message to send: its envelope and where its content is (read when its transaction
/// starts, so a batch holds one message in memory at a time).
pub(crate) struct Envelope {
    pub mail_from: String,
    pub recipients: Vec<String>,
    pub blob: BlobHash,
}

/// A message whose every recipient has its outcome for this attempt, in their order.
#[derive(Debug)]
pub(crate) struct Settled {
    /// Its index in the messages delivered.
    pub message: usize,
    pub attempts: Vec<Attempt>,
}

/// The outcomes known so far of a delivery of several messages.
pub(crate) struct Progress {
    /// Final outcomes (delivered or permanent) per message and recipient.
    results: Vec<Vec<Option<Attempt>>>,
    /// The last temporary error seen per message: its outcome if nothing final comes.
    last_error: Vec<String>,
    reported: Vec<bool>,
    out: UnboundedSender<Settled>,
}

impl Progress {
    fn new(messages: &[Envelope], domain: &str, out: UnboundedSender<Settled>) -> Progress {
        Progress {
            results: messages
                .iter()
                .map(|m| vec![None; m.recipients.len()])
                .collect(),
            last_error: vec![
                format!("4.4.1 no server of {domain} could be reached");
                messages.len()
            ],
            reported: vec![false; messages.len()],
            out,
        }
    }

    /// The recipients of `message` without a final outcome yet (indexes).
    pub fn pending(&self, message: usize) -> Vec<usize> {
        (0..self.results[message].len())
            .filter(|&i| self.results[message][i].is_none())
            .collect()
    }

    /// The messages with recipients still pending.
    pub fn pending_messages(&self) -> Vec<usize> {
        (0..self.results.len())
            .filter(|&m| !self.reported[m])
            .collect()
    }

    /// Records an outcome for a recipient: a temporary one only as the message's last error.
    pub fn set(&mut self, message: usize, recipient: usize, attempt: Attempt) {
        match attempt {
            Attempt::Temporary(why) => self.last_error[message] = why,
            done => self.results[message][recipient] = Some(done),
        }
    }

    /// A temporary error for every pending recipient of the pending messages.
    pub fn fail_pending(&mut self, why: &str) {
        for m in self.pending_messages() {
            self.last_error[m] = why.to_string();
        }
    }

    /// Reports `message` once every recipient has a final outcome.
    pub fn report_if_settled(&mut self, message: usize) {
        if !self.reported[message] && self.results[message].iter().all(Option::is_some) {
            self.report(message);
        }
    }

    /// Reports `message`: recipients without a final outcome get its last temporary error.
    fn report(&mut self, message: usize) {
        self.reported[message] = true;
        let attempts = self.results[message]
            .iter_mut()
            .map(|r| {
                r.take()
                    .unwrap_or_else(|| Attempt::Temporary(self.last_error[message].clone()))
            })
            .collect();
        // The receiver lives as long as the delivery; a closed one has nothing left to record.
        let _ = self.out.send(Settled { message, attempts });
    }
}

/// Delivers `messages` (all to recipients at `domain`), reporting each message to `out` once
/// all its recipients have an outcome for this attempt.
pub(crate) async fn deliver(
    route: &Route<'_>,
    domain: &str,
    messages: &[Envelope],
    out: UnboundedSender<Settled>,
) {
    let mut progress = Progress::new(messages, domain, out);
    let everything = |progress: &mut Progress, attempt: Attempt| {
        for (m, message) in messages.iter().enumerate() {
            for i in 0..message.recipients.len() {
                progress.set(m, i, attempt.clone());
            }
            progress.report(m);
        }
    };
    let (hosts, port) = match route.relay {
        Some(relay) => (vec![relay.config.host.clone()], relay.config.port),
        None => match mail_hosts(route, domain).await {
            Ok(hosts) => (hosts, route.port),
            Err(attempt) => return everything(&mut progress, attempt),
        },
    };
    let hosts = match route.policy.as_ref().map(|p| p.hosts(hosts.clone())) {
        None => hosts,
        Some(Ok(allowed)) => allowed,
        Some(Err(why)) => return everything(&mut progress, Attempt::Temporary(why)),
    };
    'hosts: for host in &hosts {
        let addresses = match host.parse::<IpAddr>() {
            Ok(ip) => Ok(vec![ip]),
            Err(_) => route.dns.addresses(host).await,
        };
        let addresses = match addresses {
            Ok(a) => a,
            Err(e) => {
                progress.fail_pending(&format!("4.4.3 {e}"));
                continue;
            }
        };
        for ip in addresses {
            if progress.pending_messages().is_empty() {
                break 'hosts;
            }
            let addr = SocketAddr::new(ip, port);
            if let Err(e) = session::run(route, addr, host, messages, &mut progress).await {
                tracing::info!(%domain, %host, %addr, error = %e, "outbound: server unreachable");
                progress.fail_pending(&format!("4.4.1 {e}"));
            }
        }
    }
    for m in progress.pending_messages() {
        progress.report(m);
    }
}

/// The hosts taking mail for `domain`, in preference order, or the outcome for every recipient
/// when there are none.
async fn mail_hosts(route: &Route<'_>, domain: &str) -> Result<Vec<String>, Attempt> {
    match route.dns.mail_hosts(domain).await {
        Ok(MailHosts::Exchanges(hosts)) => Ok(hosts),
        Ok(MailHosts::Implicit(host)) => Ok(vec![host]),
        Ok(MailHosts::NullMx) => Err(Attempt::Permanent(format!(
            "5.1.10 {domain} accepts no mail (null MX, RFC 7505)"
        ))),
        Ok(MailHosts::NoSuchDomain) => Err(Attempt::Permanent(format!(
            "5.1.2 the domain {domain} does not exist"
        ))),
        Err(e) => Err(Attempt::Temporary(format!("4.4.3 {e}"))),
    }
}
