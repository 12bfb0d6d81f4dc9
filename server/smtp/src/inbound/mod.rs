//! The checks of mail from other servers on port 25 (never of authenticated sessions):
//!
//! | module   | what it does |
//! |----------|--------------|
//! | `client` | once per connection: reverse DNS and DNS blocklists (RFC 5782), both optional |
//! | `checks` | per message: SPF (RFC 7208), DKIM (RFC 6376 §6), ARC (RFC 8617), DMARC (RFC 7489) with mail-auth, and the `Authentication-Results` field (RFC 8601) |
//! | `policy` | no I/O: forged local senders, DMARC reject and quarantine → inbox, Junk or a refusal |
//! | `header` | no I/O: removing `Authentication-Results` fields that claim to be ours (RFC 8601 §5) |

pub(crate) mod checks;
pub(crate) mod client;
pub(crate) mod header;
pub(crate) mod policy;

use crate::deliver::{Layout, blob_of};
use crate::session::{Session, Transaction};
use kantor_smtp_proto::Reply;
use kantor_store::{BlobRef, MailboxRole};
use policy::Verdict;

impl Session {
    /// Whether this session's messages are checked: port 25 without login.
    pub(crate) fn checks_inbound(&self) -> bool {
        !self.mode.is_submission() && self.account.is_none()
    }

    /// Checks a message received on port 25 and says where it goes: the message to store
    /// (with our `Authentication-Results` field first after `Return-Path`, RFC 8601 §5, and
    /// without fields forging ours) and the mailbox, or the refusal.
    pub(crate) async fn authenticate(
        &self,
        tx: &Transaction,
        blob: BlobRef,
        layout: &Layout,
        id: &str,
    ) -> Result<(BlobRef, MailboxRole), Reply> {
        let data = &blob.data;
        let client = &data[layout.body_start..];
        let hostname = self.ctx.hostname.as_str();
        let mail_from = tx.from.mailbox().map(|m| m.to_string()).unwrap_or_default();
        let envelope = checks::Envelope {
            ip: self.conn.peer.ip().to_canonical(),
            helo: self.helo.as_ref().map_or("", |h| h.name.as_str()),
            mail_from: &mail_from,
            hostname,
        };
        let deadline = tokio::time::Instant::now() + self.ctx.inbound_deadline();
        let authenticator = self.ctx.dns.authenticator();
        let iprev = self.screening.iprev.as_ref();
        let checked = checks::check(authenticator, &envelope, client, iprev, deadline).await;
        let local = self.local_domains(&checked.findings)?;
        let verdict = policy::decide(
            &checked.findings,
            &local,
            &recipient_domains(&tx.rcpts),
            &self.ctx.inbound,
        );
        let results = checked.header.trim_end().replace("\r\n\t", " ");
        let mailbox = match verdict {
            Verdict::Inbox => MailboxRole::Inbox,
            Verdict::Junk => {
                tracing::info!(id, from = %tx.from, %results, "message filed in Junk (DMARC quarantine)");
                MailboxRole::Junk
            }
            Verdict::Refuse(reply) => {
                tracing::warn!(id, from = %tx.from, %results, %reply, "message refused");
                kantor_metrics::metrics().messages_refused.inc();
                return Err(reply);
            }
        };
        tracing::debug!(id, %results, "message checked");
        let cleaned = header::without_our_results(client, hostname);
        let client = cleaned.as_deref().unwrap_or(client);
        let mut stored = Vec::with_capacity(data.len() + checked.header.len());
        stored.extend_from_slice(&data[..layout.return_path_len]);
        stored.extend_from_slice(checked.header.as_bytes());
        stored.extend_from_slice(&data[layout.return_path_len..layout.body_start]);
        stored.extend_from_slice(client);
        Ok((blob_of(stored.into()).await?, mailbox))
    }

    /// The MAIL FROM and From domains of a message that are ours.
    fn local_domains(&self, findings: &policy::Findings) -> Result<Vec<String>, Reply> {
        let mut local: Vec<String> = Vec::new();
        let claimed = findings
            .mail_from_domain
            .iter()
            .chain(&findings.from_domains);
        for domain in claimed {
            if local.contains(domain) {
                continue;
            }
            match self.ctx.directory.is_local_domain(domain) {
                Ok(true) => local.push(domain.clone()),
                Ok(false) => {}
                Err(e) => {
                    tracing::error!(error = %e, "directory lookup failed");
                    return Err(Reply::local_error());
                }
            }
        }
        Ok(local)
    }
}

/// The distinct domains of the recipients (lower-cased), for their domains' policies.
fn recipient_domains(rcpts: &[String]) -> Vec<String> {
    let mut domains: Vec<String> = rcpts
        .iter()
        .filter_map(|r| r.rsplit_once('@'))
        .map(|(_, d)| d.trim_end_matches('>').to_ascii_lowercase())
        .collect();
    domains.sort();
    domains.dedup();
    domains
}
