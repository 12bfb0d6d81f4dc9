//! The figures of `imap-shared` (imap_shared.rs): the commands, the
//! classes and kinds of error, and what the sessions and feeders counted,
//! merged at the end.

use std::time::{Duration, Instant};

use crate::imap_client::{Done, Status};
use crate::stats::{self, Samples};

/// Distinct error kinds kept for the report.
const MAX_KINDS: usize = 16;

/// The commands, for latencies and error kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Login,
    Select,
    Sync,
    FetchMeta,
    FetchBody,
    Store,
    Delete,
    Expunge,
    Noop,
    Status,
    Append,
}

impl Op {
    /// Every command, in report order.
    pub const ALL: [Op; 11] = [
        Op::Login,
        Op::Select,
        Op::Sync,
        Op::FetchMeta,
        Op::FetchBody,
        Op::Store,
        Op::Delete,
        Op::Expunge,
        Op::Noop,
        Op::Status,
        Op::Append,
    ];

    /// Its name in reports.
    pub fn label(self) -> &'static str {
        match self {
            Op::Login => "LOGIN",
            Op::Select => "SELECT INBOX",
            Op::Sync => "FETCH n:* (UID FLAGS)",
            Op::FetchMeta => "UID FETCH (FLAGS ENVELOPE)",
            Op::FetchBody => "UID FETCH (BODY.PEEK[])",
            Op::Store => "UID STORE +/-FLAGS",
            Op::Delete => "UID STORE \\Deleted",
            Op::Expunge => "UID EXPUNGE",
            Op::Noop => "NOOP",
            Op::Status => "STATUS (feeder)",
            Op::Append => "APPEND (feeder)",
        }
    }

    /// Its name in JSON.
    pub fn key(self) -> &'static str {
        match self {
            Op::Login => "login",
            Op::Select => "select",
            Op::Sync => "fetch_new",
            Op::FetchMeta => "fetch_meta",
            Op::FetchBody => "fetch_body",
            Op::Store => "store",
            Op::Delete => "store_deleted",
            Op::Expunge => "uid_expunge",
            Op::Noop => "noop",
            Op::Status => "status",
            Op::Append => "append",
        }
    }

    /// The feeder's commands, which are not counted in commands/s.
    pub fn is_feeder(self) -> bool {
        matches!(self, Op::Status | Op::Append)
    }
}

/// The kinds of error, for the totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    No,
    Bad,
    UntaggedBad,
    Io,
    Protocol,
}

impl Class {
    pub const ALL: [Class; 5] = [
        Class::No,
        Class::Bad,
        Class::UntaggedBad,
        Class::Io,
        Class::Protocol,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Class::No => "NO",
            Class::Bad => "BAD",
            Class::UntaggedBad => "untagged BAD",
            Class::Io => "I/O",
            Class::Protocol => "protocol",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Class::No => "no",
            Class::Bad => "bad",
            Class::UntaggedBad => "untagged_bad",
            Class::Io => "io",
            Class::Protocol => "protocol",
        }
    }
}

/// Every error, counted by class and by kind, with the first texts.
#[derive(Debug, Clone)]
pub struct Errors {
    pub by_class: [u64; 5],
    /// Per kind: the command with the status and response code
    /// (`UID FETCH (BODY.PEEK[]): NO [EXPUNGEISSUED]`), or what a response
    /// contradicted.
    pub kinds: Samples,
    /// The first distinct texts in full.
    pub texts: Samples,
}

impl Default for Errors {
    fn default() -> Errors {
        Errors {
            by_class: [0; 5],
            kinds: Samples::with_limit(MAX_KINDS),
            texts: Samples::default(),
        }
    }
}

impl Errors {
    pub fn total(&self) -> u64 {
        self.by_class.iter().sum()
    }

    pub fn note(&mut self, class: Class, kind: String, text: String) {
        self.by_class[class as usize] += 1;
        self.kinds.note(kind);
        self.texts.note(text);
    }

    fn merge(&mut self, other: Errors) {
        for (all, part) in self.by_class.iter_mut().zip(other.by_class) {
            *all += part;
        }
        self.kinds.merge(other.kinds);
        self.texts.merge(other.texts);
    }
}

/// What the load did.
#[derive(Debug, Default)]
pub struct SharedOutcome {
    /// Latencies of commands answered OK, microseconds, per [`Op`].
    pub latencies_us: [Vec<u32>; 11],
    /// The clients' commands answered OK (the feeder's are not counted).
    pub ok: u64,
    pub errors: Errors,
    /// Rounds run, and rounds in which nothing went wrong.
    pub rounds: u64,
    pub clean_rounds: u64,
    /// Clients that logged in, selected and read their UIDs.
    pub ready: u32,
    /// From the start to the last tagged reply of a client.
    pub elapsed: Duration,
    /// UID EXPUNGEs answered OK.
    pub expunged: u64,
    /// `* N EXPUNGE` responses the clients read, all sessions together.
    pub expunge_responses: u64,
    /// SELECTs again after a contradiction.
    pub resyncs: u64,
    /// UID FETCH BODY.PEEK[] answered OK with no body for a UID the session
    /// still had (allowed for a message another session expunged, RFC 2180
    /// §4.1; not an error).
    pub empty_fetches: u64,
    /// Messages the feeder appended during the run, and before it.
    pub appended: u64,
    pub prefilled: u64,
    pub prefill_secs: f64,
    /// Smallest and largest INBOX the feeder saw during the run.
    pub inbox: Option<(u64, u64)>,
    /// The last tagged reply to a client's command.
    pub last_reply: Option<Instant>,
}

impl SharedOutcome {
    pub fn merge(&mut self, other: SharedOutcome) {
        for (all, part) in self.latencies_us.iter_mut().zip(other.latencies_us) {
            all.extend(part);
        }
        self.ok += other.ok;
        self.errors.merge(other.errors);
        self.rounds += other.rounds;
        self.clean_rounds += other.clean_rounds;
        self.ready += other.ready;
        self.expunged += other.expunged;
        self.expunge_responses += other.expunge_responses;
        self.resyncs += other.resyncs;
        self.empty_fetches += other.empty_fetches;
        self.appended += other.appended;
        self.inbox = stats::span(self.inbox, other.inbox);
        self.last_reply = self.last_reply.max(other.last_reply);
    }

    /// The clients' commands' latencies together.
    pub fn client_latencies(&self) -> Vec<u32> {
        Op::ALL
            .iter()
            .zip(&self.latencies_us)
            .filter(|(op, _)| !op.is_feeder())
            .flat_map(|(_, l)| l.iter().copied())
            .collect()
    }

    /// Books a tagged reply: its latency, or an error by its code.
    pub fn book(&mut self, op: Op, done: &Done) {
        if done.status == Status::Ok {
            self.latencies_us[op as usize].push(stats::micros(done.at - done.sent));
            if !op.is_feeder() {
                self.ok += 1;
                self.last_reply = self.last_reply.max(Some(done.at));
            }
            return;
        }
        let class = if done.status == Status::No {
            Class::No
        } else {
            Class::Bad
        };
        let kind = format!("{}: {}", op.label(), reply_kind(&done.text));
        self.errors
            .note(class, kind, format!("{}: {}", op.label(), done.text));
    }

    /// Books a broken connection.
    pub fn broken(&mut self, op: Op, error: &anyhow::Error, bye: Option<&String>) {
        let (kind, text) = match bye {
            Some(bye) => ("BYE", bye.clone()),
            None => ("connection broken", format!("{error:#}")),
        };
        self.errors.note(
            Class::Io,
            format!("{}: {kind}", op.label()),
            format!("{}: {text}", op.label()),
        );
    }
}

/// `NO [EXPUNGEISSUED] gone` → `NO [EXPUNGEISSUED]`; without a response
/// code, the status and the first words of the text.
pub fn reply_kind(text: &str) -> String {
    let (status, rest) = text.split_once(' ').unwrap_or((text, ""));
    let detail = match rest.strip_prefix('[').and_then(|r| r.split_once(']')) {
        Some((code, _)) => format!("[{code}]"),
        None => rest.chars().take(40).collect(),
    };
    format!("{status} {detail}").trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_kinds() {
        assert_eq!(
            reply_kind("NO [EXPUNGEISSUED] Message was expunged"),
            "NO [EXPUNGEISSUED]"
        );
        assert_eq!(
            reply_kind("NO [SERVERBUG] internal error"),
            "NO [SERVERBUG]"
        );
        assert_eq!(reply_kind("BAD Unknown command"), "BAD Unknown command");
        assert_eq!(reply_kind("NO"), "NO");
        let long = format!("NO {}", "x".repeat(100));
        assert_eq!(reply_kind(&long).len(), 43);
    }

    #[test]
    fn errors_count_by_class_and_kind() {
        let mut out = SharedOutcome::default();
        let now = Instant::now();
        let no = Done {
            status: Status::No,
            text: "NO [EXPUNGEISSUED] gone".into(),
            sent: now,
            at: now,
        };
        out.book(Op::FetchBody, &no);
        out.book(Op::FetchBody, &no);
        let ok = Done {
            status: Status::Ok,
            text: String::new(),
            sent: now,
            at: now + Duration::from_millis(2),
        };
        out.book(Op::Noop, &ok);
        out.book(Op::Append, &ok);
        assert_eq!(out.ok, 1, "the feeder's APPEND is not a client command");
        assert_eq!(out.client_latencies(), vec![2000]);
        assert_eq!(out.errors.total(), 2);
        assert_eq!(out.errors.by_class[Class::No as usize], 2);
        assert_eq!(
            out.errors.kinds.counted(),
            [("UID FETCH (BODY.PEEK[]): NO [EXPUNGEISSUED]".to_owned(), 2)]
        );
    }
}
