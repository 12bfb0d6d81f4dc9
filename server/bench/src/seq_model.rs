//! A session's view of its selected mailbox for `imap-shared`: message
//! sequence number → UID, built only from what the server told this session,
//! and the checks a client can make on each response.
//!
//! The rules (RFC 9051): message sequence numbers run 1..=N with no gap
//! (§2.3.1.2) and UIDs rise strictly with them (§2.3.1.1); `* N EXISTS`
//! gives the new size and may not shrink the mailbox without an EXPUNGE
//! (§7.4.1: "it is a protocol violation for the server to send an EXISTS
//! response with a smaller number than previously reported"); `* N EXPUNGE`
//! removes message N and renumbers those after it (§7.5.1); a FETCH names a
//! message the session knows. With other sessions expunging (RFC 2180 §4),
//! the server holds back their expunges until it may send them, so a
//! session's numbers stay its own: a response beyond them, or a UID that
//! moved, is the server's error, never a race the client could see.

use std::fmt;

use crate::imap_client::Event;

/// Sequence number → UID, 0 for a message whose UID the session has not
/// read yet (UIDs are never 0, RFC 9051 §2.3.1.1).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SeqModel {
    uids: Vec<u32>,
}

/// What a response contradicted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Violation {
    /// `* seq EXPUNGE` beyond the `had` messages the session knows (or 0).
    ExpungeBeyond { seq: u64, had: usize },
    /// `* seq FETCH` beyond the `had` messages the session knows (or 0).
    FetchBeyond { seq: u64, had: usize },
    /// `* n EXISTS` smaller than the `had` messages, without EXPUNGE.
    ExistsShrank { n: u64, had: usize },
    /// A FETCH gave message `seq` another UID than the one the session had.
    UidChanged { seq: u64, had: u32, now: u32 },
    /// A FETCH gave message `seq` a UID not between its neighbours' (the
    /// known message `other_seq` has UID `other_uid`).
    UidOrder {
        seq: u64,
        uid: u32,
        other_seq: u64,
        other_uid: u32,
    },
    /// An untagged BAD.
    UntaggedBad(String),
}

impl Violation {
    /// A short name, the same for every instance of the kind, for counting.
    pub fn kind(&self) -> &'static str {
        match self {
            Violation::ExpungeBeyond { .. } => "protocol: EXPUNGE beyond the session's messages",
            Violation::FetchBeyond { .. } => "protocol: FETCH beyond the session's EXISTS",
            Violation::ExistsShrank { .. } => "protocol: EXISTS shrank without EXPUNGE",
            Violation::UidChanged { .. } => "protocol: FETCH moved a UID to another number",
            Violation::UidOrder { .. } => "protocol: FETCH UIDs out of order",
            Violation::UntaggedBad(_) => "untagged BAD",
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::ExpungeBeyond { seq, had } => {
                write!(f, "* {seq} EXPUNGE when the session knew {had} messages")
            }
            Violation::FetchBeyond { seq, had } => {
                write!(f, "* {seq} FETCH when the session knew {had} messages")
            }
            Violation::ExistsShrank { n, had } => {
                write!(f, "* {n} EXISTS after {had} messages, without EXPUNGE")
            }
            Violation::UidChanged { seq, had, now } => {
                write!(
                    f,
                    "* {seq} FETCH (UID {now}), and message {seq} was UID {had}"
                )
            }
            Violation::UidOrder {
                seq,
                uid,
                other_seq,
                other_uid,
            } => write!(
                f,
                "* {seq} FETCH (UID {uid}), and message {other_seq} is UID {other_uid}"
            ),
            Violation::UntaggedBad(line) => write!(f, "{line}"),
        }
    }
}

impl SeqModel {
    /// Messages the session knows.
    pub fn len(&self) -> usize {
        self.uids.len()
    }

    /// Forgets everything, before a SELECT.
    pub fn clear(&mut self) {
        self.uids.clear();
    }

    /// Applies one response. On a violation the model is left as near to
    /// the server's word as it can be (the caller should SELECT again).
    pub fn apply(&mut self, event: &Event) -> Result<(), Violation> {
        match event {
            Event::Exists(n) => self.exists(*n),
            Event::Expunge(seq) => self.expunge(*seq).map(|_| ()),
            Event::Fetch { seq, uid } => self.fetch(*seq, *uid),
            Event::Bad(line) => Err(Violation::UntaggedBad(line.clone())),
        }
    }

    /// `* n EXISTS`.
    pub fn exists(&mut self, n: u64) -> Result<(), Violation> {
        let had = self.uids.len();
        let n = usize::try_from(n).unwrap_or(usize::MAX).min(10_000_000);
        if n < had {
            self.uids.truncate(n);
            return Err(Violation::ExistsShrank { n: n as u64, had });
        }
        self.uids.resize(n, 0);
        Ok(())
    }

    /// `* seq EXPUNGE`; the UID it removed (0 if unknown).
    pub fn expunge(&mut self, seq: u64) -> Result<u32, Violation> {
        let had = self.uids.len();
        match index(seq, had) {
            Some(i) => Ok(self.uids.remove(i)),
            None => Err(Violation::ExpungeBeyond { seq, had }),
        }
    }

    /// `* seq FETCH (... UID uid ...)`.
    pub fn fetch(&mut self, seq: u64, uid: Option<u32>) -> Result<(), Violation> {
        let had = self.uids.len();
        let Some(i) = index(seq, had) else {
            return Err(Violation::FetchBeyond { seq, had });
        };
        let Some(uid) = uid else {
            return Ok(());
        };
        let known = self.uids[i];
        if known != 0 && known != uid {
            return Err(Violation::UidChanged {
                seq,
                had: known,
                now: uid,
            });
        }
        let before = self.uids[..i].iter().rposition(|&u| u != 0);
        let after = self.uids[i + 1..]
            .iter()
            .position(|&u| u != 0)
            .map(|p| i + 1 + p);
        for (j, bad) in [
            (before, before.is_some_and(|j| self.uids[j] >= uid)),
            (after, after.is_some_and(|j| self.uids[j] <= uid)),
        ] {
            if let (Some(j), true) = (j, bad) {
                return Err(Violation::UidOrder {
                    seq,
                    uid,
                    other_seq: j as u64 + 1,
                    other_uid: self.uids[j],
                });
            }
        }
        self.uids[i] = uid;
        Ok(())
    }

    /// The first message whose UID the session has not read, if any.
    pub fn first_unknown(&self) -> Option<u64> {
        self.uids.iter().position(|&u| u == 0).map(|i| i as u64 + 1)
    }

    /// A known UID near position `pick` (any number: it is taken modulo the
    /// size), or `None` when no UID is known.
    pub fn known_near(&self, pick: u64) -> Option<u32> {
        if self.uids.is_empty() {
            return None;
        }
        let start = (pick % self.uids.len() as u64) as usize;
        let (tail, head) = (&self.uids[start..], &self.uids[..start]);
        tail.iter().chain(head).copied().find(|&u| u != 0)
    }

    /// Whether the session knows `uid` to be in the mailbox.
    pub fn contains(&self, uid: u32) -> bool {
        uid != 0 && self.uids.contains(&uid)
    }
}

/// The index of sequence number `seq` among `len` messages.
fn index(seq: u64, len: usize) -> Option<usize> {
    let i = usize::try_from(seq).ok()?.checked_sub(1)?;
    (i < len).then_some(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fetch(seq: u64, uid: u32) -> Event {
        Event::Fetch {
            seq,
            uid: Some(uid),
        }
    }

    #[test]
    fn follows_exists_fetch_and_expunge() {
        let mut m = SeqModel::default();
        m.apply(&Event::Exists(3)).unwrap();
        assert_eq!(m.first_unknown(), Some(1));
        assert_eq!(m.known_near(0), None);
        for (seq, uid) in [(1, 10), (2, 20), (3, 30)] {
            m.apply(&fetch(seq, uid)).unwrap();
        }
        assert_eq!(m.first_unknown(), None);
        // A flag update without UID is fine.
        m.apply(&Event::Fetch { seq: 2, uid: None }).unwrap();
        assert_eq!(m.expunge(2), Ok(20));
        assert_eq!(m.len(), 2);
        // Message 2 is now UID 30.
        m.apply(&fetch(2, 30)).unwrap();
        assert!(m.contains(30) && !m.contains(20));
        m.apply(&Event::Exists(4)).unwrap();
        assert_eq!(m.first_unknown(), Some(3));
        assert_eq!(m.known_near(2), Some(10), "wraps past the unknown tail");
        m.apply(&fetch(4, 50)).unwrap();
        // Unknown 3 between 30 and 50.
        m.apply(&fetch(3, 40)).unwrap();
        assert_eq!(m.known_near(2), Some(40));
        // The same EXISTS again is no change.
        m.apply(&Event::Exists(4)).unwrap();
    }

    #[test]
    fn catches_what_a_server_may_not_send() {
        let mut m = SeqModel::default();
        m.apply(&Event::Exists(3)).unwrap();
        for (seq, uid) in [(1, 10), (2, 20), (3, 30)] {
            m.apply(&fetch(seq, uid)).unwrap();
        }
        let cases = [
            (
                Event::Expunge(4),
                Violation::ExpungeBeyond { seq: 4, had: 3 },
            ),
            (
                Event::Expunge(0),
                Violation::ExpungeBeyond { seq: 0, had: 3 },
            ),
            (fetch(4, 40), Violation::FetchBeyond { seq: 4, had: 3 }),
            (
                fetch(2, 25),
                Violation::UidChanged {
                    seq: 2,
                    had: 20,
                    now: 25,
                },
            ),
            (
                Event::Bad("* BAD oops".into()),
                Violation::UntaggedBad("* BAD oops".into()),
            ),
        ];
        for (event, want) in cases {
            assert_eq!(m.apply(&event), Err(want), "{event:?}");
            assert_eq!(m.len(), 3, "unchanged by {event:?}");
        }
        assert_eq!(
            m.apply(&Event::Exists(2)),
            Err(Violation::ExistsShrank { n: 2, had: 3 })
        );

        let mut m = SeqModel::default();
        m.exists(3).unwrap();
        m.fetch(1, Some(10)).unwrap();
        m.fetch(3, Some(30)).unwrap();
        let err = m.fetch(2, Some(5)).unwrap_err();
        assert_eq!(
            err,
            Violation::UidOrder {
                seq: 2,
                uid: 5,
                other_seq: 1,
                other_uid: 10
            }
        );
        assert_eq!(err.kind(), "protocol: FETCH UIDs out of order");
        assert_eq!(
            err.to_string(),
            "* 2 FETCH (UID 5), and message 1 is UID 10"
        );
        assert!(m.fetch(2, Some(30)).is_err(), "equal to the next UID");
        m.fetch(2, Some(15)).unwrap();
    }
}
