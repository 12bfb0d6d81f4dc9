//! What the session has to say, queued until the loop flushes: typed responses encoded for this
//! client (UTF-8 or not), and the selected view's updates turned into untagged responses
//! (RFC 9051 §7.3.5 FLAGS, §7.4.1 EXISTS, §7.5.1 EXPUNGE, §7.5.2 FETCH; RFC 7162 §3.2.10
//! VANISHED).

use super::state::Enabled;
use crate::flags;
use crate::view::{MailboxView, Update};
use kantor_imap_proto::response::fetch::FetchItem;
use kantor_imap_proto::types::SeqList;
use kantor_imap_proto::{Code, Data, EncodeOptions, Response};
use std::num::NonZeroU32;

/// Encoded responses waiting to be written.
#[derive(Debug, Default)]
pub(crate) struct Output {
    pub bytes: Vec<u8>,
    pub opts: EncodeOptions,
}

impl Output {
    pub fn push(&mut self, response: Response) {
        response.encode(self.opts, &mut self.bytes);
    }

    pub fn data(&mut self, data: Data) {
        self.push(Response::Data(data));
    }

    /// `* OK [code] text`
    pub fn untagged_ok(&mut self, code: Code, text: &str) {
        self.push(Response::untagged_ok(Some(code), text));
    }

    /// Writes the view's updates: expunges first (EXPUNGE, highest number first as the view
    /// ordered them, or one VANISHED with QRESYNC), then FLAGS for new keywords, flag changes as
    /// FETCH, and EXISTS, in the view's order.
    pub fn updates(&mut self, view: &MailboxView, updates: Vec<Update>, enabled: Enabled) {
        let expunged = updates.iter().filter_map(|u| match u {
            Update::Expunged { seq, uid } => Some((*seq, *uid)),
            _ => None,
        });
        if enabled.qresync {
            if let Some(uids) = SeqList::from_numbers(expunged.map(|(_, uid)| uid)) {
                self.data(Data::Vanished {
                    earlier: false,
                    uids,
                });
            }
        } else {
            for seq in expunged.filter_map(|(seq, _)| NonZeroU32::new(seq)) {
                self.data(Data::Expunge(seq));
            }
        }
        for update in updates {
            match update {
                Update::Expunged { .. } => {}
                Update::Keywords(_) => self.flags(view),
                Update::Exists(n) => {
                    self.data(Data::Exists(n));
                    // RFC 3501 §7.3.2: RECENT whenever the mailbox's size changes.
                    if view.tracks_recent() && !enabled.rev2 {
                        self.data(Data::Recent(view.recent_count()));
                    }
                }
                Update::Flags { seq, .. } => self.flag_fetch(view, seq, enabled),
            }
        }
    }

    /// `* FLAGS (...)` and `* OK [PERMANENTFLAGS (...)]` for the view (RFC 9051 §7.3.5).
    pub fn flags(&mut self, view: &MailboxView) {
        self.data(Data::Flags(flags::defined(view)));
        self.untagged_ok(
            Code::PermanentFlags(flags::permanent(view)),
            if view.read_only {
                "No permanent flags permitted"
            } else {
                "Flags and keywords allowed"
            },
        );
    }

    /// `* n FETCH (FLAGS (...) UID n [MODSEQ (n)])` for a message whose flags changed.
    pub fn flag_fetch(&mut self, view: &MailboxView, seq: u32, enabled: Enabled) {
        let (Some(entry), Some(number)) = (view.get(seq), NonZeroU32::new(seq)) else {
            return;
        };
        let message = &entry.message;
        let mut items = vec![FetchItem::Flags(flags::fetch_flags(entry))];
        if let Some(uid) = NonZeroU32::new(message.uid) {
            items.push(FetchItem::Uid(uid));
        }
        if enabled.condstore {
            items.push(FetchItem::ModSeq(message.modseq));
        }
        self.data(Data::Fetch { seq: number, items });
    }
}

impl Output {
    /// Writes what is queued when it has grown past `limit`, in the middle of a long command
    /// (a FETCH of many bodies), so output never piles up in memory.
    pub async fn spill(
        &mut self,
        conn: &mut kantor_net::Connection,
        limit: usize,
    ) -> std::io::Result<()> {
        if self.bytes.len() < limit {
            return Ok(());
        }
        let bytes = std::mem::take(&mut self.bytes);
        conn.write(&bytes).await
    }
}
