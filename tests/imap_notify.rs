//! NOTIFY (RFC 5465) end to end: a listening session (a raw client that reads with a timeout
//! and sends nothing) is told of what another session does, between commands and in IDLE.

mod common;
use common::*;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

const PLAINTEXT: &str = "[imap]\nallow_plaintext_auth = true\n";
/// How long a notification may take to arrive.
const SOON: Duration = Duration::from_secs(1);

const MESSAGE: &[u8] = b"From: a@example.test\r\nSubject: hello\r\n\r\nbody\r\n";

/// A session that reads line by line with a deadline, to see what arrives unasked.
struct Listener {
    stream: TcpStream,
    reader: BufReader<TcpStream>,
    partial: Vec<u8>,
    next_tag: u32,
}

impl Listener {
    fn login(addr: SocketAddr, user: &str) -> Listener {
        let stream = TcpStream::connect(addr).unwrap();
        let reader = BufReader::new(stream.try_clone().unwrap());
        let mut listener = Listener {
            stream,
            reader,
            partial: Vec::new(),
            next_tag: 1,
        };
        let greeting = listener.line(Duration::from_secs(10)).expect("greeting");
        assert!(greeting.starts_with("* OK"), "{greeting}");
        listener.ok(&format!("LOGIN {user} {PASSWORD}"));
        listener
    }

    /// The next line, if one arrives within `timeout`.
    fn line(&mut self, timeout: Duration) -> Option<String> {
        self.stream.set_read_timeout(Some(timeout)).unwrap();
        match self.reader.read_until(b'\n', &mut self.partial) {
            Ok(0) => panic!("connection closed"),
            Ok(_) => {
                let line = String::from_utf8_lossy(&self.partial).into_owned();
                self.partial.clear();
                Some(line.trim_end().to_string())
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                None
            }
            Err(e) => panic!("{e}"),
        }
    }

    /// The next line, which must come within [`SOON`] unasked.
    fn told(&mut self) -> String {
        self.line(SOON)
            .expect("a notification within a second, no command sent")
    }

    /// Asserts nothing arrives for a while.
    fn quiet(&mut self) {
        let line = self.line(SOON);
        assert!(line.is_none(), "nothing expected, got {line:?}");
    }

    fn command(&mut self, command: &str) -> Vec<String> {
        let tag = format!("n{}", self.next_tag);
        self.next_tag += 1;
        self.stream
            .write_all(format!("{tag} {command}\r\n").as_bytes())
            .unwrap();
        let mut responses = Vec::new();
        loop {
            let line = self
                .line(Duration::from_secs(10))
                .unwrap_or_else(|| panic!("{command}: no tagged response: {responses:?}"));
            let done = line.starts_with(&format!("{tag} "));
            responses.push(line);
            if done {
                return responses;
            }
        }
    }

    fn ok(&mut self, command: &str) -> Vec<String> {
        let responses = self.command(command);
        let last = responses.last().unwrap();
        assert!(
            last.split_whitespace().nth(1) == Some("OK"),
            "{command}: {responses:?}"
        );
        responses
    }
}

fn server_with_user() -> (TestServer, String) {
    let server = TestServer::start(PLAINTEXT);
    let user = format!("nora@{DOMAIN}");
    server.add_user(&user);
    (server, user)
}

#[test]
fn other_sessions_changes_arrive_without_a_command() {
    let (server, user) = server_with_user();
    let mut a = Listener::login(server.addr("imap"), &user);
    let caps = a.ok("CAPABILITY");
    assert!(caps[0].contains(" NOTIFY"), "{caps:?}");
    a.ok("SELECT INBOX");
    a.ok("NOTIFY SET (selected (MessageNew (UID FLAGS) MessageExpunge)) (personal (MessageNew MessageExpunge MailboxName))");
    let mut b = ImapClient::login(server.addr("imap"), &user);

    // A message in another mailbox: STATUS (RFC 5465 §5.2).
    b.append("Sent", "", MESSAGE);
    let status = a.told();
    assert!(
        status.starts_with("* STATUS Sent (MESSAGES 1 UIDNEXT 2 UIDVALIDITY "),
        "{status}"
    );
    assert!(status.ends_with(" UNSEEN 1)"), "{status}");

    // In the selected mailbox: EXISTS, then FETCH with what MessageNew asked for.
    b.append("INBOX", "\\Flagged", MESSAGE);
    // An IMAP4rev1 session: RECENT follows EXISTS, and the message is \Recent for it.
    assert_eq!(a.told(), "* 1 EXISTS");
    assert_eq!(a.told(), "* 1 RECENT");
    assert_eq!(a.told(), "* 1 FETCH (UID 1 FLAGS (\\Flagged \\Recent))");

    // Mailbox names (§5.4): created (CREATE does not subscribe), renamed with OLDNAME (the
    // subscription stays with the old name, RFC 9051 §6.3.6), deleted.
    b.ok("CREATE Lists");
    assert_eq!(a.told(), "* LIST (\\HasNoChildren) \"/\" Lists");
    b.ok("RENAME Lists Projects");
    assert_eq!(
        a.told(),
        "* LIST (\\HasNoChildren) \"/\" Projects (\"OLDNAME\" (Lists))"
    );
    b.ok("DELETE Projects");
    assert_eq!(a.told(), "* LIST (\\NonExistent) \"/\" Projects");

    // An expunge in the selected mailbox, told at once with `selected`; the flag change
    // before it was not asked for.
    b.ok("SELECT INBOX");
    b.ok("STORE 1 +FLAGS (\\Deleted)");
    b.ok("EXPUNGE");
    assert_eq!(a.told(), "* 1 EXPUNGE");
    a.quiet();

    // Its own APPEND: EXISTS as always, but no MessageNew FETCH (§5.2: SHOULD NOT).
    let text = std::str::from_utf8(MESSAGE).unwrap();
    let own = a.ok(&format!("APPEND INBOX {{{}}}\r\n{text}", MESSAGE.len()));
    assert!(own.contains(&"* 1 EXISTS".to_string()), "{own:?}");
    assert!(!own.iter().any(|l| l.contains("FETCH")), "{own:?}");
    a.quiet();

    // NOTIFY NONE: nothing more, not even at the end of a command (§3.1).
    a.ok("NOTIFY NONE");
    b.append("Sent", "", MESSAGE);
    b.append("INBOX", "", MESSAGE);
    b.ok("CREATE Later");
    a.quiet();
    assert_eq!(
        a.ok("NOOP").len(),
        1,
        "NOOP after NOTIFY NONE tells nothing"
    );
}

#[test]
fn unsupported_events_and_bad_combinations_are_refused() {
    let (server, user) = server_with_user();
    let mut unauthenticated = ImapClient::connect(server.addr("imap"));
    let early = unauthenticated.command("NOTIFY NONE");
    assert!(early[0].contains(" BAD "), "{early:?}");

    let mut a = Listener::login(server.addr("imap"), &user);
    let supported =
        "[BADEVENT (MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange)]";
    for events in [
        "(personal (AnnotationChange))",
        "(personal (MailboxMetadataChange))",
        "(personal (ServerMetadataChange))",
        "(selected (MessageNew MessageExpunge AnnotationChange))",
        "(inboxes (MessageNew MessageExpunge XUnknown))",
    ] {
        let refused = a.command(&format!("NOTIFY SET {events}"));
        let last = refused.last().unwrap();
        assert!(
            last.contains(&format!(" NO {supported}")),
            "{events}: {last}"
        );
    }
    for events in [
        "(selected (MessageNew))",
        "(personal (MessageExpunge))",
        "(personal (FlagChange))",
        "(selected (MessageNew MessageExpunge MailboxName))",
        "(selected NONE) (selected-delayed NONE)",
        "(selected (MessageNew MessageExpunge",
    ] {
        let refused = a.command(&format!("NOTIFY SET {events}"));
        assert!(
            refused.last().unwrap().contains(" BAD "),
            "{events}: {refused:?}"
        );
    }
    // Refusals leave what was set; a mailbox that does not exist is no error (§6).
    a.ok("NOTIFY SET (mailboxes (Nowhere Sent) (MessageNew MessageExpunge))");
    let mut b = ImapClient::login(server.addr("imap"), &user);
    b.append("Drafts", "", MESSAGE);
    a.quiet();
    b.append("Sent", "", MESSAGE);
    assert!(a.told().starts_with("* STATUS Sent (MESSAGES 1 "));
}

#[test]
fn notify_set_status_sends_status_before_the_ok() {
    let (server, user) = server_with_user();
    let mut b = ImapClient::login(server.addr("imap"), &user);
    b.append("Sent", "\\Seen", MESSAGE);
    b.append("Sent", "", MESSAGE);
    let mut a = Listener::login(server.addr("imap"), &user);
    a.ok("SELECT INBOX");
    let set = a.ok("NOTIFY SET STATUS (selected (MessageNew MessageExpunge)) (mailboxes Junk NONE) (personal (MessageNew MessageExpunge))");
    let statuses: Vec<&String> = set.iter().filter(|l| l.starts_with("* STATUS ")).collect();
    let names: Vec<&str> = statuses
        .iter()
        .map(|l| l.split(' ').nth(2).unwrap())
        .collect();
    // By name; not the selected INBOX, nor Junk, excluded by NONE before `personal`.
    assert_eq!(names, ["Archive", "Drafts", "Sent", "Trash"]);
    let sent = statuses.iter().find(|l| l.contains(" Sent ")).unwrap();
    assert!(
        sent.contains("(MESSAGES 2 UIDNEXT 3 UIDVALIDITY "),
        "{sent}"
    );
    assert!(sent.ends_with(" UNSEEN 1)"), "{sent}");
    assert!(!sent.contains("HIGHESTMODSEQ"), "{sent}");

    // With CONDSTORE on, HIGHESTMODSEQ too; FlagChange then reports flag changes elsewhere.
    a.ok("ENABLE CONDSTORE");
    let set = a.ok("NOTIFY SET STATUS (mailboxes Sent (MessageNew MessageExpunge FlagChange))");
    assert_eq!(set.len(), 2, "{set:?}");
    assert!(
        set[0].starts_with("* STATUS Sent (") && set[0].contains(" HIGHESTMODSEQ "),
        "{set:?}"
    );
    b.ok("SELECT Sent");
    b.ok("STORE 2 +FLAGS (\\Seen)");
    let status = a.told();
    assert!(
        status.starts_with("* STATUS Sent (MESSAGES 2 ")
            && status.contains(" UNSEEN 0 HIGHESTMODSEQ "),
        "{status}"
    );
}

#[test]
fn selected_delayed_holds_expunges_for_a_command() {
    let (server, user) = server_with_user();
    let mut b = ImapClient::login(server.addr("imap"), &user);
    b.append("INBOX", "", MESSAGE);
    b.append("INBOX", "", MESSAGE);
    let mut a = Listener::login(server.addr("imap"), &user);
    a.ok("SELECT INBOX");
    a.ok("NOTIFY SET (selected-delayed (MessageNew MessageExpunge FlagChange))");

    b.ok("SELECT INBOX");
    b.ok("STORE 1 +FLAGS (\\Deleted)");
    // a selected first: the messages are \Recent for it (IMAP4rev1, RFC 3501 §2.3.2).
    assert_eq!(a.told(), "* 1 FETCH (FLAGS (\\Deleted \\Recent) UID 1)");
    b.ok("EXPUNGE");
    a.quiet();
    // New messages are told at once; the expunged one still has its number.
    b.append("INBOX", "", MESSAGE);
    assert_eq!(a.told(), "* 3 EXISTS");
    // RECENT follows; whether a or b (which appended it) claimed the new message first is a
    // race RFC 3501 §2.3.2 leaves undefined.
    let recent = a.told();
    assert!(recent == "* 2 RECENT" || recent == "* 3 RECENT", "{recent}");
    // A FETCH by number may not see the expunge (RFC 9051 §7.5.1); NOOP does.
    let fetch = a.ok("FETCH 2 UID");
    assert_eq!(fetch[0], "* 2 FETCH (UID 2)");
    let noop = a.ok("NOOP");
    assert_eq!(noop[0], "* 1 EXPUNGE");

    // IDLE tells expunges at once (RFC 5465 §4), and other mailboxes as NOTIFY asked.
    a.ok("NOTIFY SET (selected-delayed (MessageNew MessageExpunge)) (personal (MessageNew MessageExpunge))");
    a.stream.write_all(b"i1 IDLE\r\n").unwrap();
    assert_eq!(a.told(), "+ idling");
    b.ok("STORE 1 +FLAGS (\\Deleted)");
    b.ok("EXPUNGE");
    assert_eq!(a.told(), "* 1 EXPUNGE");
    b.append("Junk", "", MESSAGE);
    assert!(a.told().starts_with("* STATUS Junk (MESSAGES 1 "));
    a.stream.write_all(b"DONE\r\n").unwrap();
    assert!(a.told().starts_with("i1 OK"));
}

#[test]
fn subscriptions_and_own_changes() {
    let (server, user) = server_with_user();
    let mut a = Listener::login(server.addr("imap"), &user);
    a.ok("NOTIFY SET (subscribed (SubscriptionChange MailboxName MessageNew MessageExpunge))");
    let mut b = ImapClient::login(server.addr("imap"), &user);
    b.ok("UNSUBSCRIBE Junk");
    assert_eq!(a.told(), "* LIST (\\HasNoChildren) \"/\" Junk");
    // No longer subscribed: its messages are not watched any more.
    b.append("Junk", "", MESSAGE);
    a.quiet();
    b.ok("SUBSCRIBE Junk");
    assert_eq!(a.told(), "* LIST (\\HasNoChildren \\Subscribed) \"/\" Junk");

    // What this session does itself is not reported back to it (RFC 5465 §5).
    assert_eq!(a.ok("CREATE Mine/Sub").len(), 1);
    assert_eq!(a.ok("UNSUBSCRIBE Mine/Sub").len(), 1);
    a.ok("APPEND Sent {5}\r\nhello");
    a.quiet();
}
