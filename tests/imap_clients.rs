//! IMAP with the `async-imap` crate, a client nobody here wrote: APPEND of 8-bit and UTF-8
//! messages read back byte for byte, flags, COPY and MOVE, two sessions seeing each other's
//! changes, and IDLE waking within a second of an SMTP delivery.

mod common;
use async_imap::extensions::idle::IdleResponse;
use async_imap::imap_proto::{MailboxDatum, Response};
use async_imap::types::{Flag, UnsolicitedResponse};
use common::*;
use futures::TryStreamExt;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

type Session = async_imap::Session<TcpStream>;

const CONFIG: &str = "[imap]\nallow_plaintext_auth = true\n";

async fn login(addr: SocketAddr, user: &str) -> Session {
    let tcp = TcpStream::connect(addr).await.unwrap();
    let mut client = async_imap::Client::new(tcp);
    let greeting = client.read_response().await.unwrap().unwrap();
    assert!(matches!(greeting.parsed(), Response::Data { .. }));
    client
        .login(user, PASSWORD)
        .await
        .map_err(|(e, _)| e)
        .unwrap()
}

/// An 8-bit message (Latin-1 body declared as such, a NUL-free CTE 8bit part).
const EIGHT_BIT: &[u8] = b"From: Zoe <zoe@example.test>\r\nSubject: 8bit\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=ISO-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\nCaf\xe9 cr\xe8me br\xfbl\xe9e\r\n";

/// A UTF-8 message (RFC 6532 headers).
const UTF8: &str = "From: Zoë <zoe@example.test>\r\nSubject: Grüße aus Köln 😀\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nHallo, schöne Grüße!\r\n";

fn flags_of(fetch: &async_imap::types::Fetch) -> Vec<String> {
    fetch.flags().map(|f| format!("{f:?}")).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn append_fetch_flags_copy_and_move() {
    let server = TestServer::start(CONFIG);
    let user = format!("zoe@{DOMAIN}");
    server.add_user(&user);
    let mut imap = login(server.addr("imap"), &user).await;
    imap.create("Projects/Kantor").await.unwrap();
    imap.append("INBOX", Some("(\\Seen)"), None, EIGHT_BIT)
        .await
        .unwrap();
    imap.append("INBOX", None, None, UTF8.as_bytes())
        .await
        .unwrap();

    let mailbox = imap.select("INBOX").await.unwrap();
    assert_eq!(mailbox.exists, 2);
    assert!(mailbox.uid_validity.is_some());
    let fetched: Vec<_> = imap
        .uid_fetch("1:*", "(UID FLAGS RFC822.SIZE BODY.PEEK[])")
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(fetched.len(), 2);
    assert_eq!(
        fetched[0].body(),
        Some(EIGHT_BIT),
        "8-bit bytes kept exactly"
    );
    assert_eq!(
        fetched[1].body(),
        Some(UTF8.as_bytes()),
        "UTF-8 bytes kept exactly"
    );
    assert_eq!(fetched[1].size, Some(UTF8.len() as u32));
    // async-imap speaks IMAP4rev1: this first SELECT is told both messages are \Recent.
    assert_eq!(mailbox.recent, 2);
    assert_eq!(flags_of(&fetched[0]), ["Seen", "Recent"]);
    assert_eq!(flags_of(&fetched[1]), ["Recent"]);

    let stored: Vec<_> = imap
        .uid_store("2", "+FLAGS (\\Flagged $Work)")
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert!(stored[0].flags().any(|f| f == Flag::Flagged), "{stored:?}");

    imap.uid_copy("1:2", "Projects/Kantor").await.unwrap();
    imap.uid_mv("1", "Archive").await.unwrap();
    let inbox = imap.status("INBOX", "(MESSAGES)").await.unwrap();
    let projects = imap
        .status("Projects/Kantor", "(MESSAGES UIDNEXT)")
        .await
        .unwrap();
    let archive = imap.status("Archive", "(MESSAGES)").await.unwrap();
    assert_eq!((inbox.exists, projects.exists, archive.exists), (1, 2, 1));
    assert_eq!(projects.uid_next, Some(3));

    imap.select("Projects/Kantor").await.unwrap();
    let copies: Vec<_> = imap
        .fetch("1:*", "(FLAGS BODY.PEEK[])")
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(copies[0].body(), Some(EIGHT_BIT));
    assert!(
        copies[1].flags().any(|f| f == Flag::Flagged),
        "flags copied too"
    );
    let names: Vec<String> = imap
        .list(Some(""), Some("*"))
        .await
        .unwrap()
        .try_collect::<Vec<_>>()
        .await
        .unwrap()
        .iter()
        .map(|n| n.name().to_string())
        .collect();
    assert!(
        names.contains(&"Projects/Kantor".to_string()) && names.contains(&"Projects".to_string()),
        "{names:?}"
    );
    imap.logout().await.unwrap();
}

/// Everything that arrived unasked on a session's channel so far.
fn drain(session: &Session) -> Vec<UnsolicitedResponse> {
    std::iter::from_fn(|| session.unsolicited_responses.try_recv().ok()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn two_sessions_see_each_others_flag_changes_and_expunges() {
    let server = TestServer::start(CONFIG);
    let user = format!("yann@{DOMAIN}");
    server.add_user(&user);
    let mut a = login(server.addr("imap"), &user).await;
    for i in 0..3 {
        let message = format!("Subject: {i}\r\n\r\nbody {i}\r\n");
        a.append("INBOX", None, None, message.as_bytes())
            .await
            .unwrap();
    }
    a.select("INBOX").await.unwrap();
    let mut b = login(server.addr("imap"), &user).await;
    b.select("INBOX").await.unwrap();
    drain(&a);

    let _: Vec<_> = b
        .store("2", "+FLAGS (\\Answered)")
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    a.noop().await.unwrap();
    let seen = drain(&a);
    let flag_fetch = seen.iter().any(|u| match u {
        UnsolicitedResponse::Other(data) => matches!(data.parsed(), Response::Fetch(2, _)),
        _ => false,
    });
    assert!(flag_fetch, "FETCH for message 2 after NOOP: {seen:?}");

    let _: Vec<_> = b
        .store("1", "+FLAGS (\\Deleted)")
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let expunged: Vec<_> = b.expunge().await.unwrap().try_collect().await.unwrap();
    assert_eq!(expunged, [1]);
    a.noop().await.unwrap();
    let seen = drain(&a);
    assert!(
        seen.iter()
            .any(|u| matches!(u, UnsolicitedResponse::Expunge(1))),
        "{seen:?}"
    );
    let after: Vec<_> = a
        .fetch("1:*", "(UID)")
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let uids: Vec<_> = after.iter().map(|f| f.uid).collect();
    assert_eq!(uids, [Some(2), Some(3)]);
}

/// Delivers one message over SMTP (port 25 path); returns when the server answered 250.
fn deliver(server_smtp: SocketAddr, to: &str) {
    let mut smtp = RawClient::connect(server_smtp);
    smtp.reply();
    smtp.command("EHLO client.example");
    smtp.command("MAIL FROM:<s@remote.example>");
    smtp.command(&format!("RCPT TO:<{to}>"));
    smtp.command("DATA");
    let done = smtp.command("Subject: wake up\r\n\r\nnew mail\r\n.");
    assert!(done.starts_with("250"), "{done}");
}

#[tokio::test(flavor = "multi_thread")]
async fn idle_wakes_within_a_second_of_an_smtp_delivery() {
    let server = TestServer::start(CONFIG);
    let user = format!("xavi@{DOMAIN}");
    server.add_user(&user);
    let mut session = login(server.addr("imap"), &user).await;
    session.select("INBOX").await.unwrap();
    let mut idle = session.idle();
    idle.init().await.unwrap();
    let (wait, _stop) = idle.wait_with_timeout(Duration::from_secs(20));
    let smtp = server.addr("smtp");
    let to = user.clone();
    let delivery = tokio::task::spawn_blocking(move || {
        std::thread::sleep(Duration::from_millis(300));
        deliver(smtp, &to);
        Instant::now()
    });
    let response = wait.await.unwrap();
    let woke = Instant::now();
    let delivered = delivery.await.unwrap();
    let IdleResponse::NewData(data) = response else {
        panic!("IDLE did not wake: {response:?}");
    };
    assert!(
        matches!(
            data.parsed(),
            Response::MailboxData(MailboxDatum::Exists(1))
        ),
        "{:?}",
        data.parsed()
    );
    let late = woke.saturating_duration_since(delivered);
    assert!(late < Duration::from_secs(1), "woke {late:?} after the 250");
    let mut session = idle.done().await.unwrap();
    session.logout().await.unwrap();
}
