//! A session's model of the selected mailbox, built only from what the server told it
//! (EXISTS, EXPUNGE, VANISHED, FETCH, FLAGS), for the tests that run many sessions on one
//! mailbox at once and check every response against it.

use super::number_after;
use std::collections::HashSet;

/// A session's view of the mailbox, built only from responses.
#[derive(Default)]
pub struct Model {
    /// UID at each sequence number; `None` until the server says which.
    pub uids: Vec<Option<u32>>,
    pub keywords: HashSet<String>,
    pub name: String,
    /// The UIDs announced as expunged (EXPUNGE of a known number, or VANISHED), in order;
    /// callers take them to check who may have removed them.
    pub gone: Vec<u32>,
}

/// The UIDs of a `sequence-set` of UIDs (`1,3:5`).
pub fn uid_set(text: &str) -> Vec<u32> {
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
    pub fn fail(&self, what: String) -> ! {
        panic!("{}: {what}; model {:?}", self.name, self.uids)
    }

    /// Applies one untagged response.
    pub fn apply(&mut self, response: &str) {
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
                self.gone.extend(self.uids.remove(n - 1));
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
        self.gone.push(uid);
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
pub struct Rng(pub u64);

impl Rng {
    pub fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}
