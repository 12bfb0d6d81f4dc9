//! What follows from one message's attempt (RFC 5321 §4.5.4.1, RFC 3464): each recipient's
//! outcome recorded in the queue (delivered, bounced, or deferred to the next retry of
//! `retry_schedule_secs`; bounced once older than `max_age_secs`), then the sender told of the
//! failures, and warned once of a delay past `delay_warning_secs`.

use crate::delivery::Attempt;
use crate::{DsnAction, Outbound, notify_sender};
use kantor_store::{QueueEntry, QueueOutcome};

impl Outbound {
    /// Records the `attempts` (one per entry, in order) of one message.
    pub(crate) async fn settle(&self, entries: &[QueueEntry], attempts: Vec<Attempt>) {
        let store = self.directory.store();
        // The message, for the sender's DSN: read before an outcome can release it.
        let original = match attempts.iter().all(|a| matches!(a, Attempt::Delivered(_))) {
            true => Vec::new(),
            false => store.read_blob(&entries[0].blob).unwrap_or_default(),
        };
        let now = chrono::Utc::now().timestamp();
        let (mut failed, mut delayed) = (Vec::new(), Vec::new());
        for (entry, attempt) in entries.iter().zip(attempts) {
            let age = now - entry.created_at;
            let outcome = match attempt {
                Attempt::Delivered(reply) => {
                    tracing::info!(id = entry.id, to = %entry.rcpt_to, %reply, "outbound: delivered");
                    kantor_metrics::metrics().messages_delivered.inc();
                    QueueOutcome::Delivered(reply)
                }
                Attempt::Permanent(why) => {
                    tracing::info!(id = entry.id, to = %entry.rcpt_to, %why, "outbound: bounced");
                    failed.push((entry, why.clone()));
                    QueueOutcome::Bounced(why)
                }
                Attempt::Temporary(why) if age >= self.config.max_age_secs as i64 => {
                    let why = format!("5.4.7 delivery time expired; last error: {why}");
                    tracing::info!(id = entry.id, to = %entry.rcpt_to, %why, "outbound: expired");
                    failed.push((entry, why.clone()));
                    QueueOutcome::Bounced(why)
                }
                Attempt::Temporary(why) => {
                    let delay = self.retry_delay(entry.attempts);
                    tracing::info!(id = entry.id, to = %entry.rcpt_to, %why, retry_in = delay, "outbound: deferred");
                    let warn = self.config.delay_warning_secs > 0
                        && age >= self.config.delay_warning_secs as i64
                        && !entry.warned;
                    if warn {
                        delayed.push((entry, why.clone()));
                    }
                    QueueOutcome::Deferred {
                        error: why,
                        retry_at: now + delay as i64,
                    }
                }
            };
            if let Err(e) = store.record_queue_outcome(entry.id, outcome).await {
                tracing::error!(id = entry.id, error = %e, "outbound: cannot record an outcome");
            }
        }
        notify_sender(
            &self.directory,
            self.local.as_ref(),
            &self.hostname,
            &failed,
            DsnAction::Failed,
            &original,
        )
        .await;
        if !delayed.is_empty() {
            notify_sender(
                &self.directory,
                self.local.as_ref(),
                &self.hostname,
                &delayed,
                DsnAction::Delayed,
                &original,
            )
            .await;
            for (entry, _) in &delayed {
                let _ = store
                    .record_queue_outcome(entry.id, QueueOutcome::Warned)
                    .await;
            }
        }
    }

    /// The wait before the retry after `attempts` earlier attempts.
    fn retry_delay(&self, attempts: u32) -> u64 {
        let schedule = &self.config.retry_schedule_secs;
        match schedule.is_empty() {
            true => 3600,
            false => schedule[(attempts as usize).min(schedule.len() - 1)],
        }
    }
}
