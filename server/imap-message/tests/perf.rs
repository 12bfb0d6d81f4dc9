//! Timing of header SEARCH, SORT and THREAD (RFC 5256) over 100,000 stored messages, no server:
//! `cargo test --release -p kantor-imap-message --test perf -- --ignored --nocapture`. The
//! messages are synthetic but shaped like a real INBOX: threads of 1-30 messages linked by
//! References (some replying to messages not in the mailbox), `Re:`/`Fwd:`/`[list]` subjects,
//! 5,000 senders, dates spread over three years (a few missing). Each answer's digest is
//! printed, so two builds can be checked to answer alike.

use kantor_imap_message::Message;
use kantor_imap_message::search::{SearchContext, search};
use kantor_imap_message::sort::sort;
use kantor_imap_message::thread::thread;
use kantor_imap_proto::command::search::SearchKey as K;
use kantor_imap_proto::command::sort::{SortCriterion, SortKey, ThreadAlgorithm};
use kantor_imap_proto::response::data::Threads;
use kantor_store::*;
use std::time::Instant;

const MESSAGES: usize = 100_000;
const REPEAT: usize = 5;
/// 2023-01-01 00:00:00 UTC.
const START: i64 = 1_672_531_200;
const THREE_YEARS: i64 = 3 * 365 * 86_400;

/// A small deterministic generator (xorshift64).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// The messages, as (sent date, bytes), in arrival order.
fn messages() -> Vec<(i64, Vec<u8>)> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let prefixes = ["Re: ", "RE: [list] Re: ", "Fwd: ", "Re: Re: ", "re: "];
    let mut out = Vec::with_capacity(MESSAGES);
    let mut thread_no = 0;
    while out.len() < MESSAGES {
        thread_no += 1;
        let length = 1 + rng.below(30) as usize;
        let subject = format!("report {} on topic {}", thread_no % 9_000, rng.below(500));
        let mut when = START + rng.below(THREE_YEARS as u64) as i64;
        let mut ids: Vec<String> = Vec::new();
        // One thread in twenty starts with a reply to a message the mailbox lacks.
        if rng.below(20) == 0 {
            ids.push(format!("<gone{thread_no}@elsewhere.test>"));
        }
        for k in 0..length.min(MESSAGES - out.len()) {
            let sender = rng.below(5_000);
            let id = format!(
                "<t{thread_no}.{k}.{}@host{}.test>",
                rng.below(1 << 30),
                sender % 7
            );
            let reply = !ids.is_empty();
            let subject = if reply {
                format!("{}{subject}", prefixes[rng.below(5) as usize])
            } else {
                subject.clone()
            };
            let mut head = format!(
                "From: User {sender} <user{sender}@domain{}.test>\r\nTo: list@lists.test\r\n\
                 Subject: {subject}\r\nMessage-ID: {id}\r\n",
                sender % 7
            );
            if rng.below(50) != 0 {
                // `07-Jul-1996 02:44:25 +0000` as RFC 5322 writes it.
                let date = kantor_imap_proto::datetime::DateTime::new(when, 0)
                    .map(|d| d.to_string().replacen('-', " ", 2))
                    .unwrap_or_default();
                head.push_str(&format!("Date: {date}\r\n"));
            }
            if reply {
                let from = ids.len().saturating_sub(12);
                head.push_str(&format!(
                    "In-Reply-To: {}\r\nReferences: {}\r\n",
                    ids[ids.len() - 1],
                    ids[from..].join("\r\n ")
                ));
            }
            head.push_str("\r\nbody\r\n");
            out.push((when, head.into_bytes()));
            ids.push(id);
            when += 60 + rng.below(2 * 86_400) as i64;
        }
    }
    out.sort_by_key(|(when, _)| *when);
    out
}

/// FNV-1a over a sequence of numbers.
fn digest(numbers: impl IntoIterator<Item = u32>) -> (usize, u64) {
    let mut count = 0;
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for n in numbers {
        count += 1;
        for b in n.to_le_bytes() {
            hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    (count, hash)
}

/// A thread tree flattened: ids in pre-order, with 0 for a dummy, each followed by its number
/// of children.
fn flatten(threads: &Threads) -> Vec<u32> {
    threads
        .nodes
        .iter()
        .flat_map(|n| [n.id.map_or(0, |i| i.get()), n.children])
        .collect()
}

/// Times `run`, unless KANTOR_PERF_ONLY names other commands.
fn time(name: &str, mut run: impl FnMut() -> Vec<u32>) {
    if std::env::var("KANTOR_PERF_ONLY").is_ok_and(|only| !name.contains(&only)) {
        return;
    }
    let mut times = Vec::new();
    let mut answer = Vec::new();
    for _ in 0..REPEAT {
        let started = Instant::now();
        answer = run();
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    let (count, hash) = digest(answer);
    println!(
        "{name:<24} p50 {:>7.1} ms  min {:>7.1} ms  numbers {count:>7}  digest {hash:016x}",
        times[REPEAT / 2],
        times[0]
    );
}

async fn fill(store: &Mail, account_id: AccountId, inbox: MailboxId) {
    let started = Instant::now();
    for chunk in messages().chunks(1_000) {
        let batch = chunk
            .iter()
            .map(|(when, raw)| NewMessage {
                account_id,
                mailbox_id: inbox,
                blob: BlobRef::new(raw.clone()),
                flags: Flags::default(),
                keywords: Vec::new(),
                internal_date: when + 30,
            })
            .collect();
        store.append(batch).await.unwrap();
    }
    println!("stored {MESSAGES} messages in {:?}", started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
#[ignore = "a timing, run in release"]
async fn header_search_sort_thread_100k() {
    // KANTOR_PERF_DIR keeps the store between runs (filled on the first).
    let temp = tempfile::tempdir().unwrap();
    let dir = std::env::var_os("KANTOR_PERF_DIR").map_or(temp.path().to_owned(), Into::into);
    let (store, inbox) = if dir.join("kantor.db").exists() {
        let store = Store::open(&dir, StoreOptions::default())
            .unwrap()
            .mail(Actor::System);
        let alice = store.account_by_address("alice", "example.com").unwrap();
        let inbox = store.mailbox_by_role(alice.unwrap().id, MailboxRole::Inbox);
        (store, inbox.unwrap().unwrap().id)
    } else {
        let (store, account, inbox) = kantor_store::testing::store_with_alice(&dir).await;
        fill(&store, account.id, inbox).await;
        (store, inbox)
    };
    let summaries = store.messages(inbox).unwrap();
    assert_eq!(summaries.len(), MESSAGES);
    let view: Vec<Message<'_>> = summaries
        .iter()
        .enumerate()
        .map(|(i, summary)| Message {
            seq: i as u32 + 1,
            summary,
            recent: false,
        })
        .collect();
    let context = SearchContext {
        store: &store,
        mailbox_id: inbox,
        messages: &view,
        saved: &[],
        index: None,
    };
    let context = &context;
    let by = |key| {
        vec![SortCriterion {
            reverse: false,
            key,
        }]
    };
    tokio::task::block_in_place(|| {
        time("SEARCH FROM", || {
            search(context, None, &K::From(b"user42@".to_vec())).unwrap()
        });
        time("SEARCH SUBJECT", || {
            search(context, None, &K::Subject(b"report 13".to_vec())).unwrap()
        });
        for key in [SortKey::Subject, SortKey::Date, SortKey::From] {
            time(&format!("SORT {key:?}"), || {
                sort(context, &by(key), "UTF-8", &K::All).unwrap()
            });
        }
        for algorithm in [ThreadAlgorithm::References, ThreadAlgorithm::OrderedSubject] {
            time(&format!("THREAD {algorithm:?}"), || {
                flatten(&thread(context, algorithm.clone(), "UTF-8", &K::All).unwrap())
            });
        }
        for (name, columns) in [
            ("read keys: subject", vec![KeyColumn::Subject]),
            (
                "read keys: h_from+a_from",
                vec![KeyColumn::Field(0), KeyColumn::Addresses(0)],
            ),
            (
                "read keys: thread",
                vec![KeyColumn::Sent, KeyColumn::Subject, KeyColumn::Threading],
            ),
        ] {
            time(name, || {
                vec![store.message_keys(inbox, &columns).unwrap().len() as u32]
            });
        }
    });
}
