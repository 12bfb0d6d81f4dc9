//! `\Recent` (RFC 3501 §2.3.2): "this session is the first session to have been notified about
//! this message". The store keeps, per mailbox, the highest UID some read-write session has
//! claimed (`Store::claim_recent`); a SELECTed view claims every message above it as it learns of
//! them (at SELECT and when new ones arrive), and those are its recent messages. EXAMINE must not
//! take `\Recent` away from anyone (RFC 3501 §6.3.2), so it only looks. IMAP4rev2 dropped the flag
//! (RFC 9051 Appendix E): such sessions neither see nor claim it.

use super::MailboxView;
use kantor_store::{Mail, Result};

/// How a view learns which of its messages are `\Recent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecentMode {
    /// IMAP4rev2: nothing is recent and nothing is claimed.
    Off,
    /// EXAMINE: messages nobody has claimed are recent here too, and stay unclaimed.
    Peek,
    /// SELECT: this session claims the messages nobody has been told about.
    Claim,
}

impl MailboxView {
    /// Settles `\Recent` for messages the view learnt of since the last call (after
    /// [`MailboxView::open`] and after each refresh that added messages). Touches the store
    /// only when there are such messages.
    pub async fn settle_recent(&mut self, store: &Mail) -> Result<()> {
        let top = self.max_uid();
        if self.recent_mode == RecentMode::Off || top <= self.recent_settled {
            return Ok(());
        }
        let claimed_before = match self.recent_mode {
            RecentMode::Claim => store.claim_recent(self.mailbox_id, top).await?,
            _ => store
                .mailbox(self.mailbox_id)?
                .map_or(top, |m| m.recent_uid),
        };
        let from = claimed_before.max(self.recent_settled);
        for entry in self.entries.iter_mut().rev() {
            if entry.message.uid <= from {
                break;
            }
            entry.recent = true;
        }
        self.recent_settled = top;
        Ok(())
    }

    /// How many of the view's messages are `\Recent` (the RECENT response, RFC 3501 §7.3.2).
    pub fn recent_count(&self) -> u32 {
        self.entries.iter().filter(|e| e.recent).count() as u32
    }

    /// Whether this view reports `\Recent` at all (IMAP4rev1 sessions).
    pub fn tracks_recent(&self) -> bool {
        self.recent_mode != RecentMode::Off
    }
}
