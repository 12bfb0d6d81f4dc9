//! Twenty sessions on one mailbox at once, each pipelining APPEND, STORE, FETCH, EXPUNGE and
//! NOOP, each keeping its own model of sequence number → UID from nothing but what the server
//! told it (EXISTS, EXPUNGE, VANISHED, FETCH). The server is right if no FETCH ever names a UID
//! that the session's model puts at another number, no EXPUNGE or VANISHED names a message the
//! session was never shown, every keyword in a FETCH was announced by FLAGS first, and at the
//! end every model is exactly the mailbox.

mod common;
use common::*;
use std::collections::HashSet;
use std::sync::{Arc, Barrier};

const CLIENTS: usize = 20;
const ROUNDS: usize = 12;

/// A session's view of the mailbox, built only from responses.
#[derive(Default)]
struct Model {
    /// UID at each sequence number; `None` until the server says which.
    uids: Vec<Option<u32>>,
    keywords: HashSet<String>,
    name: String,
}

fn uid_set(text: &str) -> Vec<u32> {
    text.split(',')
        .flat_map(|part| match part.split_once(':') {
            Some((a, b)) => {
                let (a, b): (u32, u32) = (a.parse().unwrap(), b.parse().unwrap());
                (a.min(b)..=a.max(b)).collect::<Vec<_>>()
            }
            None => vec![part.parse().unwrap()],
        })
        .collect()
}

impl Model {
    fn fail(&self, what: String) -> ! {
        panic!("{}: {what}; model {:?}", self.name, self.uids)
    }

    /// Applies one untagged response.
    fn apply(&mut self, response: &str) {
        let line = response.trim_end();
        let words: Vec<&str> = line.split(' ').collect();
        match words.as_slice() {
            ["*", n, "EXISTS"] => {
                let n: usize = n.parse().unwrap();
                if n < self.uids.len() {
                    self.fail(format!("EXISTS {n} shrinks the mailbox"));
                }
                self.uids.resize(n, None);
            }
            ["*", n, "EXPUNGE"] => {
                let n: usize = n.parse().unwrap();
                if n == 0 || n > self.uids.len() {
                    self.fail(format!("EXPUNGE {n} of a message never shown"));
                }
                self.uids.remove(n - 1);
            }
            ["*", "VANISHED", set] => {
                for uid in uid_set(set) {
                    self.vanish(uid);
                }
            }
            ["*", "FLAGS", ..] => {
                let list = line.split_once('(').unwrap().1.trim_end_matches(')');
                self.keywords.extend(
                    list.split(' ')
                        .filter(|f| !f.starts_with('\\'))
                        .map(str::to_string),
                );
            }
            ["*", n, "FETCH", ..] => self.fetch(n.parse().unwrap(), line),
            _ => {}
        }
    }

    /// VANISHED without EARLIER: the UID must be one this session was shown. A UID it was told of
    /// only by EXISTS sits in a run of unknown entries between known neighbours; any of them
    /// stands for it.
    fn vanish(&mut self, uid: u32) {
        if let Some(i) = self.uids.iter().position(|u| *u == Some(uid)) {
            self.uids.remove(i);
            return;
        }
        let candidate = (0..self.uids.len()).find(|&i| {
            self.uids[i].is_none()
                && self.uids[..i]
                    .iter()
                    .rev()
                    .flatten()
                    .next()
                    .is_none_or(|&lo| lo < uid)
                && self.uids[i..]
                    .iter()
                    .flatten()
                    .next()
                    .is_none_or(|&hi| hi > uid)
        });
        match candidate {
            Some(i) => {
                self.uids.remove(i);
            }
            None => self.fail(format!("VANISHED {uid}, never shown")),
        }
    }

    fn fetch(&mut self, seq: usize, line: &str) {
        if seq == 0 || seq > self.uids.len() {
            self.fail(format!("FETCH for {seq}, beyond EXISTS: {line}"));
        }
        if let Some(flags) = line
            .split_once("FLAGS (")
            .map(|(_, rest)| rest.split(')').next().unwrap())
        {
            for keyword in flags
                .split(' ')
                .filter(|f| !f.is_empty() && !f.starts_with('\\'))
            {
                if !self.keywords.contains(keyword) {
                    self.fail(format!(
                        "keyword {keyword} used before FLAGS announced it: {line}"
                    ));
                }
            }
        }
        let Some(uid) = number_after(line, " UID ").or_else(|| number_after(line, "(UID ")) else {
            return;
        };
        let uid = uid as u32;
        match self.uids[seq - 1] {
            Some(known) if known != uid => self.fail(format!(
                "FETCH {seq} says UID {uid}, but it is {known}: {line}"
            )),
            _ => self.uids[seq - 1] = Some(uid),
        }
        let known: Vec<u32> = self.uids.iter().flatten().copied().collect();
        if known.windows(2).any(|w| w[0] >= w[1]) {
            self.fail(format!("UIDs out of order after {line}"));
        }
    }
}

/// A deterministic pseudo-random sequence per client.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

/// Sends a batch of commands in one write and applies every response in order.
fn batch(imap: &mut ImapClient, model: &mut Model, commands: &[String]) {
    let mut wire = Vec::new();
    let mut tags = Vec::new();
    for command in commands {
        let tag = imap.tag();
        wire.extend_from_slice(format!("{tag} {command}\r\n").as_bytes());
        tags.push(tag);
    }
    imap.send(&wire);
    for tag in tags {
        for response in imap.until_tagged(&tag) {
            if response.starts_with("* ") {
                model.apply(&response);
            } else {
                let status = response.split(' ').nth(1).unwrap_or_default();
                assert!(
                    status == "OK"
                        || response.contains("[EXPUNGEISSUED]")
                        || response.contains("Invalid message sequence"),
                    "{}: {response}",
                    model.name
                );
            }
        }
    }
}

fn session(addr: std::net::SocketAddr, user: &str, id: usize) -> (ImapClient, Model) {
    let mut imap = ImapClient::login(addr, user);
    let mut model = Model {
        name: format!("client {id}"),
        ..Model::default()
    };
    match id % 3 {
        0 => batch(&mut imap, &mut model, &["ENABLE QRESYNC".into()]),
        1 => batch(&mut imap, &mut model, &["ENABLE CONDSTORE".into()]),
        _ => {}
    }
    batch(
        &mut imap,
        &mut model,
        &["SELECT INBOX".into(), "FETCH 1:* (UID FLAGS)".into()],
    );
    (imap, model)
}

fn round(imap: &mut ImapClient, model: &mut Model, rng: &mut Rng, id: usize, round: usize) {
    let mut commands = Vec::new();
    for step in 0..5 {
        let len = model.uids.len().max(1);
        let seq = 1 + rng.below(len);
        let known: Vec<u32> = model.uids.iter().flatten().copied().collect();
        let some_uid = known.get(rng.below(known.len())).copied();
        let command = match rng.below(8) {
            0 | 1 => {
                let body = format!("Subject: from {id} round {round} step {step}\r\n\r\nhello\r\n");
                format!("APPEND INBOX (\\Seen) {{{}+}}\r\n{body}", body.len())
            }
            2 => format!("STORE {seq} +FLAGS ($kw{} \\Flagged)", rng.below(6)),
            3 => match some_uid {
                Some(uid) => format!("UID STORE {uid} +FLAGS (\\Deleted)"),
                None => "NOOP".into(),
            },
            4 => "EXPUNGE".into(),
            5 => format!("FETCH {}:{} (UID FLAGS)", seq, (seq + 3).min(len)),
            6 => "UID FETCH 1:* (UID FLAGS)".into(),
            _ => "NOOP".into(),
        };
        commands.push(command);
    }
    batch(imap, model, &commands);
}

#[test]
fn twenty_pipelined_sessions_keep_exact_views() {
    let server = TestServer::start("[imap]\nallow_plaintext_auth = true\nmax_errors = 100000\n");
    let user = format!("crowd@{DOMAIN}");
    server.add_user(&user);
    let addr = server.addr("imap");
    let mut seed = ImapClient::login(addr, &user);
    for i in 0..30 {
        seed.append(
            "INBOX",
            "",
            format!("Subject: seed {i}\r\n\r\nseed\r\n").as_bytes(),
        );
    }
    let barrier = Arc::new(Barrier::new(CLIENTS + 1));
    let finished = Arc::new(Barrier::new(CLIENTS + 1));
    let truth = Arc::new(std::sync::Mutex::new(Vec::<u32>::new()));
    let threads: Vec<_> = (0..CLIENTS)
        .map(|id| {
            let (user, barrier, finished, truth) = (
                user.clone(),
                barrier.clone(),
                finished.clone(),
                truth.clone(),
            );
            std::thread::spawn(move || {
                // A failing client must still reach the barriers, or the others wait forever.
                let work = std::panic::catch_unwind(|| {
                    let (mut imap, mut model) = session(addr, &user, id);
                    let mut rng = Rng(id as u64 * 7919 + 1);
                    for r in 0..ROUNDS {
                        round(&mut imap, &mut model, &mut rng, id, r);
                    }
                    (imap, model)
                });
                barrier.wait();
                finished.wait();
                let (mut imap, mut model) = work.unwrap_or_else(|e| std::panic::resume_unwind(e));
                // Everything is announced now; the model must be the mailbox, UID for UID.
                batch(
                    &mut imap,
                    &mut model,
                    &["NOOP".into(), "FETCH 1:* (UID)".into()],
                );
                let uids: Vec<u32> = model.uids.iter().map(|u| u.expect("known")).collect();
                assert_eq!(uids, *truth.lock().unwrap(), "client {id}");
            })
        })
        .collect();
    barrier.wait();
    let mut check = Model {
        name: "checker".into(),
        ..Model::default()
    };
    let mut checker = ImapClient::login(addr, &user);
    batch(
        &mut checker,
        &mut check,
        &["SELECT INBOX".into(), "FETCH 1:* (UID)".into()],
    );
    *truth.lock().unwrap() = check.uids.iter().map(|u| u.expect("known")).collect();
    finished.wait();
    for thread in threads {
        thread.join().unwrap();
    }
    let truth = truth.lock().unwrap();
    assert!(truth.len() > 30, "messages were appended: {}", truth.len());
}
