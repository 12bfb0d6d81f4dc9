//! What threading (RFC 5256 §4) reads of each message, from stored keys or its header, with
//! message IDs and base subjects numbered once ([`Interner`]): links and merges then compare
//! numbers, and subjects order by rank.

use crate::header::{self, Field};
use crate::intern::Interner;
use crate::msgid::ids;
use crate::subject::base_subject;
use crate::text::fold;
use std::ops::Range;

/// What threading needs of a message, its strings numbered ([`Collect`]).
#[derive(Debug, Clone, Default)]
pub struct Info {
    pub seq: u32,
    /// Sent date, unix seconds (RFC 5256 §2.2).
    pub sent: i64,
    /// The folded base subject: its number while collecting, then, for ORDEREDSUBJECT, its
    /// rank among the subjects (so comparing ranks compares subjects). REFERENCES only asks
    /// whether two subjects are the same and keeps the numbers.
    pub subject: u32,
    /// Whether the subject marks a reply or forward.
    pub reply: bool,
    /// The number of the message's own Message ID.
    pub id: Option<u32>,
    /// Its references (the References IDs, else the first In-Reply-To ID, RFC 5256 §4): where
    /// their numbers are in [`Threading::refs`].
    pub refs: Range<usize>,
}

/// Numbers the IDs and subjects of the messages as they are scanned, each string kept once.
pub struct Collect {
    /// Whether IDs and references are wanted (REFERENCES, not ORDEREDSUBJECT).
    references: bool,
    ids: Interner,
    subjects: Interner,
    refs: Vec<u32>,
}

/// The messages to thread, with what their numbers stand for.
pub struct Threading {
    pub msgs: Vec<Info>,
    /// The references of all messages, numbered, one stretch per message.
    pub refs: Vec<u32>,
    /// How many distinct IDs there are.
    pub ids: usize,
    /// How many distinct subjects there are.
    pub subjects: usize,
    /// The empty subject's value in [`Info::subject`], when a message has it.
    pub empty_subject: Option<u32>,
}

impl Collect {
    /// Ready for about `messages` messages (REFERENCES when `references`).
    pub fn new(references: bool, messages: usize) -> Collect {
        // Most messages have an ID and one or two references of their own.
        let ids = if references { messages * 2 } else { 0 };
        Collect {
            references,
            ids: Interner::with_capacity(ids),
            subjects: Interner::with_capacity(messages / 2),
            refs: Vec::with_capacity(ids),
        }
    }

    pub fn add<'s>(
        &mut self,
        sent: i64,
        subject: &str,
        reply: bool,
        id: Option<&str>,
        refs: impl IntoIterator<Item = &'s str>,
    ) -> Info {
        let start = self.refs.len();
        let id = if self.references {
            for r in refs {
                let n = self.ids.number(r);
                self.refs.push(n);
            }
            id.map(|id| self.ids.number(id))
        } else {
            None
        };
        Info {
            seq: 0,
            sent,
            subject: self.subjects.number(subject),
            reply,
            id,
            refs: start..self.refs.len(),
        }
    }

    pub fn finish(self, mut msgs: Vec<Info>) -> Threading {
        let mut empty_subject = self.subjects.get("");
        if !self.references {
            let ranks = self.subjects.ranks();
            for m in &mut msgs {
                m.subject = ranks[m.subject as usize];
            }
            empty_subject = empty_subject.map(|n| ranks[n as usize]);
        }
        Threading {
            msgs,
            refs: self.refs,
            ids: self.ids.len(),
            subjects: self.subjects.len(),
            empty_subject,
        }
    }
}

/// What threading reads of a header: the folded base subject and whether it marks a reply or
/// forward, the Message ID, and the references (the References IDs, else the first
/// In-Reply-To ID, RFC 5256 §4).
pub fn threading(fields: &[Field<'_>]) -> (String, bool, Option<String>, Vec<String>) {
    let text = |name| header::text(fields, name).unwrap_or_default();
    let (subject, reply) = base_subject(&text("Subject"));
    let mut refs = ids(&text("References"));
    if refs.is_empty() {
        refs = ids(&text("In-Reply-To")).into_iter().take(1).collect();
    }
    let id = ids(&text("Message-ID")).into_iter().next();
    (fold(&subject), reply, id, refs)
}
