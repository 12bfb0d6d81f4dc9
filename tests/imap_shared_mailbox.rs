//! Ten sessions on the INBOX and Archive of one account at once, for a few seconds, each sending
//! one command at a time: APPEND, FETCH of bodies (BODY.PEEK[]) by number and by UID, STORE of
//! keywords, UID COPY and UID MOVE to the other mailbox, `\Deleted` then EXPUNGE or UID EXPUNGE;
//! half with QRESYNC (told VANISHED), half without (told EXPUNGE). Each keeps its own model
//! (`common::imap_model`), and every tagged reply must be OK: no NO, no BAD.
//!
//! A shared ledger holds what the replies said: the messages filed in each mailbox (seeds,
//! APPENDUID, COPYUID) and where their content came from, those some session was about to mark
//! `\Deleted` or move away (only these may vanish), and those a MOVE or an EXPUNGE answered OK for
//! (these must be gone). A FETCH returns every message it names with that message's content, even
//! one another session has expunged meanwhile (RFC 9051 §7.5.1: a session not yet told of an
//! expunge can still fetch it). At the end each mailbox holds exactly the messages filed and not
//! removed, and every session's model equals its mailbox.

mod common;
use common::imap_model::*;
use common::*;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

const SESSIONS: usize = 10;
const RUN_FOR: Duration = Duration::from_secs(4);
const MAILBOXES: [&str; 2] = ["INBOX", "Archive"];

/// Where a message's content comes from.
enum Origin {
    /// Appended with this token as its Subject.
    Appended(String),
    /// A COPY or MOVE of (mailbox, UID), answered at this ledger time.
    CopyOf(usize, u32, u64),
}

/// What the replies said about one mailbox.
#[derive(Default)]
struct Filed {
    /// Every message ever filed here, by UID.
    origin: BTreeMap<u32, Origin>,
    /// Messages some session was about to mark `\Deleted`, with the ledger time.
    deleted: HashMap<u32, u64>,
    /// Messages some session was about to move away.
    moving: HashSet<u32>,
    /// Messages a MOVE or an EXPUNGE answered OK for: they must be gone.
    removed: HashSet<u32>,
}

/// Both mailboxes, and a clock that orders the entries across sessions.
#[derive(Default)]
struct Ledger {
    mailboxes: [Filed; 2],
    clock: u64,
}

impl Ledger {
    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    /// The token in a message's Subject, following copies back to the APPEND.
    fn token(&self, mailbox: usize, uid: u32) -> Option<&str> {
        match self.mailboxes[mailbox].origin.get(&uid)? {
            Origin::Appended(token) => Some(token),
            Origin::CopyOf(m, u, _) => self.token(*m, *u),
        }
    }

    /// Whether a copy may have come with `\Deleted` (COPY and MOVE keep it): its source was to
    /// be marked before the copy was answered, or had it from its own source.
    fn inherited(&self, mailbox: usize, uid: u32) -> bool {
        match self.mailboxes[mailbox].origin.get(&uid) {
            Some(&Origin::CopyOf(m, u, at)) => {
                self.mailboxes[m].deleted.get(&u).is_some_and(|&t| t < at) || self.inherited(m, u)
            }
            _ => false,
        }
    }

    /// Whether a message may carry `\Deleted`: it was to be marked, or is a copy that kept it.
    fn deletable(&self, mailbox: usize, uid: u32) -> bool {
        self.mailboxes[mailbox].deleted.contains_key(&uid) || self.inherited(mailbox, uid)
    }

    /// Whether a message may disappear: it was to be moved away, or may carry `\Deleted`.
    fn may_vanish(&self, mailbox: usize, uid: u32) -> bool {
        self.mailboxes[mailbox].moving.contains(&uid) || self.deletable(mailbox, uid)
    }
}

fn message(token: &str) -> String {
    format!(
        "Subject: {token}\r\n\r\n{}",
        "lorem ipsum dolor sit amet\r\n".repeat(100)
    )
}

/// The Subject token in a FETCH response carrying a message or its header.
fn subject(response: &str) -> Option<&str> {
    let rest = &response[response.find("Subject: ")? + 9..];
    rest.split("\r\n").next()
}

/// `[APPENDUID v uid]` or `[COPYUID v from to]` as (source, new) UID pairs.
fn assigned(responses: &[String], code: &str) -> Vec<(u32, u32)> {
    let Some(text) = responses.iter().find_map(|r| {
        let start = r.find(&format!("[{code} "))? + code.len() + 2;
        Some(r[start..].split(']').next()?.to_string())
    }) else {
        return Vec::new();
    };
    let parts: Vec<&str> = text.split(' ').collect();
    match parts.as_slice() {
        [_, uid] => vec![(0, uid.parse().unwrap())],
        [_, from, to] => uid_set(from).into_iter().zip(uid_set(to)).collect(),
        _ => panic!("malformed {code}: {text}"),
    }
}

struct Session {
    imap: ImapClient,
    model: Model,
    mailbox: usize,
    qresync: bool,
    rng: Rng,
    ledger: Arc<Mutex<Ledger>>,
    appended: usize,
    /// Every UID this session was told had vanished from its mailbox.
    told_gone: Vec<u32>,
}

impl Session {
    fn open(addr: SocketAddr, user: &str, id: usize, ledger: Arc<Mutex<Ledger>>) -> Session {
        let mut session = Session {
            imap: ImapClient::login(addr, user),
            model: Model {
                name: format!("session {id}"),
                ..Model::default()
            },
            mailbox: usize::from(id % 3 == 2),
            qresync: id.is_multiple_of(2),
            rng: Rng(id as u64 * 7919 + 3),
            ledger,
            appended: 0,
            told_gone: Vec::new(),
        };
        if session.qresync {
            session.exchange("ENABLE QRESYNC");
        }
        session.exchange(&format!("SELECT {}", MAILBOXES[session.mailbox]));
        session.fill();
        session
    }

    /// Sends one command and applies every untagged response to the model; the command must
    /// complete with OK, and expunges must come as this session asked (VANISHED with QRESYNC).
    fn exchange(&mut self, command: &str) -> Vec<String> {
        let responses = self.imap.command(command);
        for response in &responses {
            let expunge = response.ends_with(" EXPUNGE\r\n");
            let vanished = response.starts_with("* VANISHED");
            if (expunge && self.qresync) || (vanished && !self.qresync) {
                self.model
                    .fail(format!("{response:?} (QRESYNC: {})", self.qresync));
            }
            if response.starts_with("* ") {
                self.model.apply(response);
            }
        }
        let done = responses.last().unwrap();
        if done.split(' ').nth(1) != Some("OK") {
            self.model.fail(format!("{command:?} answered {done:?}"));
        }
        self.told_gone.append(&mut self.model.gone);
        responses
    }

    /// Asks the UIDs of the messages the model knows only by an EXISTS.
    fn fill(&mut self) {
        while let Some(first) = self.model.uids.iter().position(Option::is_none) {
            self.exchange(&format!("FETCH {}:* (UID)", first + 1));
        }
    }

    /// Checks a FETCH's body against the ledger; returns its UID.
    fn check_body(&self, response: &str) -> u32 {
        let uid = number_after(response, "UID ").expect("UID in FETCH") as u32;
        let got = subject(response);
        let ledger = self.ledger.lock().unwrap();
        // A copy made just now may not be in the ledger yet.
        if let Some(want) = ledger.token(self.mailbox, uid)
            && got != Some(want)
        {
            self.model
                .fail(format!("UID {uid} is {want}, FETCH gave {got:?}"));
        }
        uid
    }

    /// The FETCHes with a body among `responses`, each checked; their (seq, UID).
    fn bodies(&self, responses: &[String]) -> Vec<(usize, u32)> {
        responses
            .iter()
            .filter(|r| r.starts_with("* ") && r.contains(" FETCH (") && r.contains("BODY[]"))
            .map(|r| (number_after(r, "* ").unwrap() as usize, self.check_body(r)))
            .collect()
    }

    fn step(&mut self) {
        let len = self.model.uids.len();
        let known: Vec<u32> = self.model.uids.iter().flatten().copied().collect();
        let uid = known.get(self.rng.below(known.len())).copied();
        let (this, other) = (self.mailbox, 1 - self.mailbox);
        match (self.rng.below(10), uid) {
            (0 | 1, _) | (_, None) => {
                let token = format!("{}-{}", self.model.name.replace(' ', "-"), self.appended);
                self.appended += 1;
                let body = message(&token);
                let command = format!("APPEND {} {{{}+}}\r\n{body}", MAILBOXES[this], body.len());
                let responses = self.exchange(&command);
                let [(_, uid)] = assigned(&responses, "APPENDUID")[..] else {
                    self.model.fail(format!("no APPENDUID: {responses:?}"));
                };
                let mut ledger = self.ledger.lock().unwrap();
                ledger.mailboxes[this]
                    .origin
                    .insert(uid, Origin::Appended(token));
            }
            (2 | 3, _) => {
                // Every message named comes back, with its content, expunged meanwhile or not.
                let lo = 1 + self.rng.below(len);
                let hi = (lo + 3).min(len);
                let responses = self.exchange(&format!("FETCH {lo}:{hi} (UID FLAGS BODY.PEEK[])"));
                let seqs: Vec<usize> = self.bodies(&responses).iter().map(|b| b.0).collect();
                if seqs != (lo..=hi).collect::<Vec<_>>() {
                    self.model.fail(format!("FETCH {lo}:{hi} gave {seqs:?}"));
                }
            }
            (4, _) => {
                let mut uids: Vec<u32> =
                    (0..3).map(|_| known[self.rng.below(known.len())]).collect();
                uids.sort_unstable();
                uids.dedup();
                let set = uids
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(",");
                let responses = self.exchange(&format!("UID FETCH {set} (FLAGS BODY.PEEK[])"));
                let got: Vec<u32> = self.bodies(&responses).iter().map(|b| b.1).collect();
                if got != uids {
                    self.model.fail(format!("UID FETCH {set} gave {got:?}"));
                }
            }
            (5, _) => {
                let seq = 1 + self.rng.below(len);
                let keyword = self.rng.below(4);
                self.exchange(&format!("STORE {seq} +FLAGS ($kw{keyword} \\Flagged)"));
            }
            (6 | 7, Some(uid)) => {
                let moving = self.rng.below(2) == 0;
                let verb = if moving { "MOVE" } else { "COPY" };
                if moving {
                    self.ledger.lock().unwrap().mailboxes[this]
                        .moving
                        .insert(uid);
                }
                let responses = self.exchange(&format!("UID {verb} {uid} {}", MAILBOXES[other]));
                let pairs = assigned(&responses, "COPYUID");
                let mut ledger = self.ledger.lock().unwrap();
                let at = ledger.tick();
                for (from, to) in pairs {
                    let origin = Origin::CopyOf(this, from, at);
                    ledger.mailboxes[other].origin.insert(to, origin);
                    if moving {
                        ledger.mailboxes[this].removed.insert(from);
                    }
                }
                drop(ledger);
                if moving && known_at(&self.model, uid) {
                    self.model.fail(format!("UID {uid} still there after MOVE"));
                }
            }
            (_, Some(uid)) => {
                let mut ledger = self.ledger.lock().unwrap();
                let at = ledger.tick();
                ledger.mailboxes[this].deleted.entry(uid).or_insert(at);
                drop(ledger);
                self.exchange(&format!("UID STORE {uid} +FLAGS.SILENT (\\Deleted)"));
                match self.rng.below(2) {
                    0 => self.exchange("EXPUNGE"),
                    _ => self.exchange(&format!("UID EXPUNGE {uid}")),
                };
                self.ledger.lock().unwrap().mailboxes[this]
                    .removed
                    .insert(uid);
                if known_at(&self.model, uid) {
                    self.model
                        .fail(format!("UID {uid} still there after EXPUNGE"));
                }
            }
        }
        self.fill();
    }
}

fn known_at(model: &Model, uid: u32) -> bool {
    model.uids.contains(&Some(uid))
}

/// Each mailbox's messages as UID → (Subject token, `\Deleted`), read by a fresh session.
fn contents(addr: SocketAddr, user: &str) -> Vec<BTreeMap<u32, (String, bool)>> {
    let mut imap = ImapClient::login(addr, user);
    MAILBOXES
        .iter()
        .map(|mailbox| {
            imap.ok(&format!("EXAMINE {mailbox}"));
            imap.ok("UID FETCH 1:* (UID FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
                .iter()
                .filter(|r| r.contains(" FETCH ("))
                .map(|r| {
                    let uid = number_after(r, "UID ").unwrap() as u32;
                    let deleted = r.contains("\\Deleted");
                    (uid, (subject(r).unwrap().to_string(), deleted))
                })
                .collect()
        })
        .collect()
}

/// Sessions of one user on two mailboxes fetch, flag, copy, move and expunge at once for a
/// bounded time; every reply is checked against the session's model and a shared ledger. It
/// found that an EXPUNGE or MOVE could act on a commit whose wake-up had not been published yet
/// (visible in the database, not yet announced), and then answer without announcing it: the
/// command's result now reads the change log itself (`MailboxView::read_log_next`).
#[test]
fn sessions_fetch_flag_copy_move_and_expunge_in_one_mailbox() {
    let server = TestServer::start("[imap]\nallow_plaintext_auth = true\n");
    let user = format!("shared@{DOMAIN}");
    server.add_user(&user);
    let addr = server.addr("imap");
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let mut seed = ImapClient::login(addr, &user);
    for (mailbox, count) in [(0, 30), (1, 10)] {
        for i in 0..count {
            let token = format!("seed-{mailbox}-{i}");
            let responses = seed.append(MAILBOXES[mailbox], "", message(&token).as_bytes());
            let [(_, uid)] = assigned(&responses, "APPENDUID")[..] else {
                panic!("{responses:?}")
            };
            ledger.lock().unwrap().mailboxes[mailbox]
                .origin
                .insert(uid, Origin::Appended(token));
        }
    }
    let stopped = Arc::new(Barrier::new(SESSIONS + 1));
    let checked = Arc::new(Barrier::new(SESSIONS + 1));
    let truth = Arc::new(Mutex::new(Vec::<BTreeMap<u32, (String, bool)>>::new()));
    let started = Instant::now();
    let threads: Vec<_> = (0..SESSIONS)
        .map(|id| {
            let (user, stopped, checked) = (user.clone(), stopped.clone(), checked.clone());
            let (ledger, truth) = (ledger.clone(), truth.clone());
            std::thread::spawn(move || {
                // A failing session must still reach the barriers, or the others wait forever.
                let work = std::panic::catch_unwind(|| {
                    let mut session = Session::open(addr, &user, id, ledger);
                    while started.elapsed() < RUN_FOR {
                        session.step();
                    }
                    session
                });
                stopped.wait();
                checked.wait();
                let mut session = work.unwrap_or_else(|e| std::panic::resume_unwind(e));
                session.exchange("NOOP");
                session.fill();
                let uids: Vec<u32> = session.model.uids.iter().flatten().copied().collect();
                let truth: Vec<u32> = truth.lock().unwrap()[session.mailbox]
                    .keys()
                    .copied()
                    .collect::<Vec<_>>();
                assert_eq!(
                    uids, truth,
                    "{}: model against the mailbox",
                    session.model.name
                );
                (session.mailbox, session.told_gone)
            })
        })
        .collect();
    stopped.wait();
    *truth.lock().unwrap() = contents(addr, &user);
    checked.wait();
    let told: Vec<(usize, Vec<u32>)> = threads.into_iter().map(|t| t.join().unwrap()).collect();

    let ledger = ledger.lock().unwrap();
    let truth = truth.lock().unwrap();
    for (mailbox, name) in MAILBOXES.iter().enumerate() {
        let present = &truth[mailbox];
        for (&uid, (got, deleted)) in present {
            let want = ledger.token(mailbox, uid);
            assert_eq!(want, Some(got.as_str()), "{name} UID {uid}: filed as");
            let unasked = *deleted && !ledger.deletable(mailbox, uid);
            assert!(
                !unasked,
                "{name} UID {uid}: \\Deleted, never marked nor copied so"
            );
        }
        for &uid in ledger.mailboxes[mailbox].origin.keys() {
            let gone = !present.contains_key(&uid);
            assert!(
                !gone || ledger.may_vanish(mailbox, uid),
                "{name} UID {uid} lost"
            );
        }
        for uid in &ledger.mailboxes[mailbox].removed {
            assert!(
                !present.contains_key(uid),
                "{name} UID {uid} moved or expunged, still there"
            );
        }
    }
    for (mailbox, uids) in told {
        for uid in uids {
            let name = MAILBOXES[mailbox];
            assert!(
                ledger.may_vanish(mailbox, uid),
                "{name} UID {uid}: told gone, unasked"
            );
        }
    }
    let moved = ledger
        .mailboxes
        .iter()
        .map(|f| f.removed.len())
        .sum::<usize>();
    assert!(moved > 20, "sessions moved and expunged: {moved}");
    eprintln!(
        "INBOX {} and Archive {} messages after {:?}; {moved} moved or expunged",
        truth[0].len(),
        truth[1].len(),
        started.elapsed()
    );
}

/// A session not yet told that a message was moved away and back (so filed under a new UID)
/// names it by its old UID: the MOVE and the STORE reach nothing, and the message filed again
/// stays where it is, without `\Deleted`.
#[test]
fn a_stale_uid_never_reaches_the_message_moved_back() {
    let server = TestServer::start("[imap]\nallow_plaintext_auth = true\n");
    let user = format!("stale@{DOMAIN}");
    server.add_user(&user);
    let addr = server.addr("imap");
    let mut stale = ImapClient::login(addr, &user);
    let mut other = ImapClient::login(addr, &user);
    stale.append("INBOX", "", message("back").as_bytes());
    stale.ok("SELECT INBOX");
    // Out to Archive and back to INBOX: INBOX UID 1 → Archive UID n → INBOX UID `uid + 1`.
    let mut there_and_back = |uid: u32| {
        other.ok("SELECT INBOX");
        let out = assigned(&other.ok(&format!("UID MOVE {uid} Archive")), "COPYUID");
        assert_eq!(out.len(), 1, "INBOX UID {uid} gone, not moved: {out:?}");
        other.ok("SELECT Archive");
        let back = assigned(
            &other.ok(&format!("UID MOVE {} INBOX", out[0].1)),
            "COPYUID",
        );
        assert_eq!(back[0].1, uid + 1);
    };
    there_and_back(1);
    stale.ok("UID MOVE 1 Trash");
    there_and_back(2);
    stale.ok("UID STORE 2 +FLAGS (\\Deleted)");
    stale.ok("EXPUNGE");
    let inbox = contents(addr, &user).swap_remove(0);
    assert_eq!(
        inbox.into_iter().collect::<Vec<_>>(),
        [(3, ("back".into(), false))]
    );
}
