//! Twenty sessions on one mailbox at once, each pipelining APPEND, STORE, FETCH, EXPUNGE and
//! NOOP, each keeping its own model of sequence number → UID from nothing but what the server
//! told it (EXISTS, EXPUNGE, VANISHED, FETCH). The server is right if no FETCH ever names a UID
//! that the session's model puts at another number, no EXPUNGE or VANISHED names a message the
//! session was never shown, every keyword in a FETCH was announced by FLAGS first, and at the
//! end every model is exactly the mailbox.

mod common;
use common::imap_model::*;
use common::*;
use std::sync::{Arc, Barrier};

const CLIENTS: usize = 20;
const ROUNDS: usize = 12;

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
