//! A minimal, fast IMAP client (RFC 9051, and RFC 3501 servers alike) for
//! load: tagged commands, one at a time or pipelined (RFC 9051 §5.5: the
//! client may send commands without waiting, and each tagged reply is
//! matched to its command by tag), and IDLE (RFC 2177).
//!
//! Responses are read as lines; a line ending in a literal marker `{N}`
//! (or `~{N}`, RFC 3516) is followed by N bytes that are counted and
//! skipped, then the rest of the response. Only what the load needs is
//! parsed from untagged data: EXISTS, UIDNEXT, FETCH UIDs and literals,
//! SEARCH hits, STATUS MESSAGES and BYE.

use std::fmt::Write as _;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::connector::Connector;
use crate::wire::Wire;

/// Most responses read for one batch of commands.
const MAX_RESPONSES: usize = 1_000_000;
/// Most literals in one response.
const MAX_LITERALS: usize = 10_000;
/// Largest literal accepted (and skipped).
const MAX_LITERAL: u64 = 1 << 30;
/// Longest error text kept from a reply line.
const MAX_TEXT: usize = 200;

/// The status of a tagged reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    No,
    Bad,
}

/// One command's tagged reply.
#[derive(Debug, Clone)]
pub struct Done {
    /// OK, NO or BAD.
    pub status: Status,
    /// The reply line without its tag, kept only when it is not OK.
    pub text: String,
    /// When the command was written.
    pub sent: Instant,
    /// When its tagged reply was read.
    pub at: Instant,
}

/// What the untagged responses of a command or batch said.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Untagged {
    /// The last `* N EXISTS`.
    pub exists: Option<u64>,
    /// `* OK [UIDNEXT n]`.
    pub uidnext: Option<u64>,
    /// The UID of each FETCH response that had one, in order.
    pub uids: Vec<u32>,
    /// FETCH responses.
    pub fetches: u64,
    /// FETCH responses carrying at least one literal (headers, a body).
    pub fetched_literals: u64,
    /// Bytes of all literals.
    pub literal_bytes: u64,
    /// Numbers in `* SEARCH` responses.
    pub search_hits: Option<u64>,
    /// `* STATUS mailbox (MESSAGES n)`.
    pub messages: Option<u64>,
    /// The text of an untagged BYE.
    pub bye: Option<String>,
    /// Numbers in `* SEARCH`, `* SORT` and `* THREAD` data.
    pub data_numbers: u64,
    /// FNV-1a of those responses, to compare results across runs and servers.
    pub data_digest: u64,
    /// Whether to keep [`Event`]s in `events` (for a session that models
    /// its mailbox, `imap-shared`).
    pub record: bool,
    /// The responses that change or show the session's view of the selected
    /// mailbox, in the order they came (only when `record` is set).
    pub events: Vec<Event>,
}

/// One untagged response about the selected mailbox, as [`Untagged::events`]
/// keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// `* N EXISTS`.
    Exists(u64),
    /// `* N EXPUNGE`.
    Expunge(u64),
    /// `* N FETCH (...)`, with its UID if it had one.
    Fetch { seq: u64, uid: Option<u32> },
    /// An untagged `* BAD` (the whole line).
    Bad(String),
}

/// What arrived while waiting in IDLE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdleEvent {
    /// `* N EXISTS`.
    Exists(u64),
    /// `* BYE ...`: the server is closing the session.
    Bye(String),
    /// Any other response (`* OK Still here`, FETCH FLAGS, ...).
    Other,
}

enum Kind {
    Tagged(u32, Status),
    Untagged { literals: usize, bytes: u64 },
    Continuation,
}

/// One IMAP session.
pub struct ImapConn {
    wire: Wire,
    next_tag: u32,
    /// The current response, literals left out.
    line: Vec<u8>,
    batch: Vec<u8>,
    idle_tag: Option<u32>,
}

impl ImapConn {
    /// Connects and reads the greeting, which must be `* OK` (or
    /// `* PREAUTH`).
    pub async fn open(connector: &Connector) -> Result<ImapConn> {
        let wire = connector.connect().await?;
        let mut conn = ImapConn {
            wire,
            next_tag: 1,
            line: Vec::with_capacity(256),
            batch: Vec::with_capacity(512),
            idle_tag: None,
        };
        match conn.read_response(true).await.context("greeting")? {
            Kind::Untagged { .. }
                if conn.line.starts_with(b"* OK") || conn.line.starts_with(b"* PREAUTH") =>
            {
                Ok(conn)
            }
            _ => bail!("greeting: {}", conn.line_text()),
        }
    }

    /// Runs `commands` (without tags or CRLF) and appends one [`Done`] per
    /// command to `done`, in command order. Pipelined: one write of all of
    /// them, then the replies, matched by tag. Otherwise each command waits
    /// for its tagged reply before the next is written. On an error, `done`
    /// holds the commands completed before it.
    pub async fn run(
        &mut self,
        commands: &[String],
        pipelined: bool,
        out: &mut Untagged,
        done: &mut Vec<Done>,
    ) -> Result<()> {
        if pipelined {
            let first = self.write_batch(commands).await?;
            let sent = Instant::now();
            let mut replies: Vec<Option<Done>> = vec![None; commands.len()];
            self.read_until(first, &mut replies, sent, out).await?;
            done.extend(replies.into_iter().flatten());
        } else {
            for command in commands {
                let first = self.write_batch(std::slice::from_ref(command)).await?;
                let sent = Instant::now();
                let mut reply = [None];
                self.read_until(first, &mut reply, sent, out).await?;
                done.extend(reply.into_iter().flatten());
            }
        }
        Ok(())
    }

    /// Raises the longest response line accepted (SORT and THREAD of a big mailbox are one
    /// line).
    pub fn set_max_line(&mut self, max: usize) {
        self.wire.set_max_line(max);
    }

    /// A session logged in as `user`, the LOGIN command (for more sessions of the same user)
    /// and how many messages the INBOX holds (STATUS, RFC 9051 §6.3.11).
    pub async fn login_counting_inbox(
        connector: &Connector,
        user: &str,
        password: &str,
    ) -> Result<(ImapConn, String, u64)> {
        let login = format!("LOGIN {} {}", quote(user), quote(password));
        let mut conn = ImapConn::open(connector).await?;
        let mut untagged = Untagged::default();
        conn.expect_ok(&login, &mut untagged)
            .await
            .with_context(|| format!("LOGIN as {user}"))?;
        conn.expect_ok("STATUS INBOX (MESSAGES)", &mut untagged)
            .await?;
        let have = untagged.messages.context("no MESSAGES in STATUS")?;
        Ok((conn, login, have))
    }

    /// One command; its tagged reply.
    pub async fn command(&mut self, command: &str, out: &mut Untagged) -> Result<Done> {
        let mut done = Vec::with_capacity(1);
        self.run(&[command.to_owned()], false, out, &mut done)
            .await?;
        done.pop().context("no reply")
    }

    /// One command that must succeed.
    pub async fn expect_ok(&mut self, command: &str, out: &mut Untagged) -> Result<()> {
        let done = self.command(command, out).await?;
        if done.status != Status::Ok {
            bail!("{}", done.text);
        }
        Ok(())
    }

    /// One command that must succeed, timed from writing it to its tagged reply (microseconds).
    pub async fn timed_ok(&mut self, command: &str, out: &mut Untagged) -> Result<u32> {
        let started = Instant::now();
        let done = self.command(command, out).await?;
        let micros = crate::stats::micros(started.elapsed());
        if done.status != Status::Ok {
            bail!("{command}: {}", done.text);
        }
        Ok(micros)
    }

    /// Sends IDLE and waits for the server's `+` continuation.
    pub async fn idle(&mut self) -> Result<()> {
        let tag = self.write_batch(&["IDLE".to_owned()]).await?;
        let mut untagged = Untagged::default();
        for _ in 0..MAX_RESPONSES {
            match self.read_response(true).await? {
                Kind::Continuation => {
                    self.idle_tag = Some(tag);
                    return Ok(());
                }
                Kind::Tagged(..) => bail!("IDLE refused: {}", self.line_text()),
                Kind::Untagged { literals, bytes } => {
                    self.absorb(literals, bytes, &mut untagged);
                    if let Some(bye) = untagged.bye.take() {
                        bail!("IDLE: {bye}");
                    }
                }
            }
        }
        bail!("IDLE: no continuation after {MAX_RESPONSES} responses")
    }

    /// Waits, without a timeout, for the next response in IDLE. The caller
    /// bounds the wait; the read is cancel-safe between responses.
    pub async fn idle_event(&mut self) -> Result<IdleEvent> {
        match self.read_response(false).await? {
            Kind::Untagged { literals, bytes } => {
                let mut untagged = Untagged::default();
                self.absorb(literals, bytes, &mut untagged);
                Ok(if let Some(bye) = untagged.bye {
                    IdleEvent::Bye(bye)
                } else if let Some(n) = untagged.exists {
                    IdleEvent::Exists(n)
                } else {
                    IdleEvent::Other
                })
            }
            Kind::Tagged(..) => bail!("IDLE ended by the server: {}", self.line_text()),
            Kind::Continuation => Ok(IdleEvent::Other),
        }
    }

    /// Ends IDLE with DONE and reads the IDLE command's tagged reply.
    pub async fn idle_done(&mut self) -> Result<()> {
        let tag = self.idle_tag.take().context("not in IDLE")?;
        self.wire.write_all(b"DONE\r\n").await?;
        let mut reply = [None];
        let mut untagged = Untagged::default();
        self.read_until(tag, &mut reply, Instant::now(), &mut untagged)
            .await?;
        match reply[0].take() {
            Some(done) if done.status == Status::Ok => Ok(()),
            Some(done) => bail!("{}", done.text),
            None => bail!("no reply to DONE"),
        }
    }

    /// LOGOUT; the BYE that comes first is expected.
    pub async fn logout(&mut self) -> Result<Done> {
        let mut untagged = Untagged::default();
        self.command("LOGOUT", &mut untagged).await
    }

    /// APPEND of `message` to `mailbox` with a synchronizing literal (RFC 9051
    /// §6.3.12, §4.3): the command line, the server's `+`, then the message.
    /// Its tagged reply (also when the server refuses before the literal).
    pub async fn append(
        &mut self,
        mailbox: &str,
        message: &[u8],
        out: &mut Untagged,
    ) -> Result<Done> {
        let command = format!("APPEND {} {{{}}}", quote(mailbox), message.len());
        let tag = self.write_batch(&[command]).await?;
        let sent = Instant::now();
        for _ in 0..MAX_RESPONSES {
            match self.read_response(true).await? {
                Kind::Continuation => {
                    self.batch.clear();
                    self.batch.extend_from_slice(message);
                    self.batch.extend_from_slice(b"\r\n");
                    self.wire.write_all(&self.batch).await?;
                    let mut reply = [None];
                    self.read_until(tag, &mut reply, sent, out).await?;
                    return reply[0].take().context("no reply to APPEND");
                }
                Kind::Tagged(t, status) if t == tag => {
                    return Ok(self.done(status, sent, Instant::now()));
                }
                Kind::Tagged(..) => bail!("reply with an unknown tag: {}", self.line_text()),
                Kind::Untagged { literals, bytes } => self.absorb(literals, bytes, out),
            }
        }
        bail!("APPEND: no continuation after {MAX_RESPONSES} responses")
    }

    /// MULTIAPPEND (RFC 3502) of `messages` to `mailbox` in one command, each a non-synchronizing
    /// literal (LITERAL+, RFC 7888 §3), so the whole command is one write: its tagged reply.
    /// The messages are bytes (8-bit mail need not be UTF-8).
    pub async fn multiappend(
        &mut self,
        mailbox: &str,
        messages: &[&[u8]],
        out: &mut Untagged,
    ) -> Result<Done> {
        let tag = self.next_tag;
        self.next_tag = self.next_tag.wrapping_add(1).max(1);
        self.batch.clear();
        let _ = write!(Batch(&mut self.batch), "A{tag} APPEND {}", quote(mailbox));
        for message in messages {
            let _ = write!(Batch(&mut self.batch), " {{{}+}}\r\n", message.len());
            self.batch.extend_from_slice(message);
        }
        self.batch.extend_from_slice(b"\r\n");
        self.wire.write_all(&self.batch).await?;
        let sent = Instant::now();
        let mut reply = [None];
        self.read_until(tag, &mut reply, sent, out).await?;
        reply[0].take().context("no reply to APPEND")
    }

    /// The [`Done`] of the tagged reply in `self.line`.
    fn done(&self, status: Status, sent: Instant, at: Instant) -> Done {
        // Without the tag, so that repeats are counted together.
        let text = if status == Status::Ok {
            String::new()
        } else {
            let line = self.line_text();
            line.split_once(' ')
                .map_or(line.clone(), |(_, rest)| rest.to_owned())
        };
        Done {
            status,
            text,
            sent,
            at,
        }
    }

    /// Writes the commands with consecutive tags; returns the first tag.
    async fn write_batch(&mut self, commands: &[String]) -> Result<u32> {
        let first = self.next_tag;
        self.batch.clear();
        for command in commands {
            let tag = self.next_tag;
            self.next_tag = self.next_tag.wrapping_add(1).max(1);
            let _ = write!(Batch(&mut self.batch), "A{tag} {command}\r\n");
        }
        self.wire.write_all(&self.batch).await?;
        Ok(first)
    }

    /// Reads responses until every tag `first..first + replies.len()` has
    /// its tagged reply.
    async fn read_until(
        &mut self,
        first: u32,
        replies: &mut [Option<Done>],
        sent: Instant,
        out: &mut Untagged,
    ) -> Result<()> {
        let mut left = replies.len();
        for _ in 0..MAX_RESPONSES {
            if left == 0 {
                return Ok(());
            }
            match self.read_response(true).await? {
                Kind::Tagged(tag, status) => {
                    let at = Instant::now();
                    let index = tag.wrapping_sub(first) as usize;
                    let Some(slot) = replies.get_mut(index) else {
                        bail!("reply with an unknown tag: {}", self.line_text());
                    };
                    if slot.is_some() {
                        bail!("second reply for one tag: {}", self.line_text());
                    }
                    *slot = Some(self.done(status, sent, at));
                    left -= 1;
                }
                Kind::Untagged { literals, bytes } => self.absorb(literals, bytes, out),
                Kind::Continuation => {
                    bail!("unexpected continuation: {}", self.line_text())
                }
            }
        }
        bail!("more than {MAX_RESPONSES} responses to one batch")
    }

    /// Reads one whole response into `self.line`, skipping literals.
    async fn read_response(&mut self, timed: bool) -> Result<Kind> {
        self.line.clear();
        let mut literals = 0;
        let mut bytes = 0;
        loop {
            let part = if timed || literals > 0 {
                self.wire.read_line_raw().await?
            } else {
                self.wire.read_line_raw_untimed().await?
            };
            self.line.extend_from_slice(part);
            let Some(n) = literal_size(part) else {
                break;
            };
            if n > MAX_LITERAL {
                bail!("literal of {n} bytes, more than {MAX_LITERAL}");
            }
            literals += 1;
            if literals > MAX_LITERALS {
                bail!("more than {MAX_LITERALS} literals in one response");
            }
            bytes += n;
            self.wire.skip(n).await?;
        }
        Ok(classify(&self.line, literals, bytes))
    }

    /// Notes what an untagged response says.
    fn absorb(&self, literals: usize, bytes: u64, out: &mut Untagged) {
        let line = &self.line;
        let Some(rest) = line.strip_prefix(b"* ") else {
            return;
        };
        out.literal_bytes += bytes;
        if [&b"SEARCH"[..], b"SORT", b"THREAD"]
            .iter()
            .any(|k| rest.starts_with(k))
        {
            out.data_numbers += rest
                .split(|&b| matches!(b, b' ' | b'(' | b')'))
                .filter(|t| leading_number(t).is_some())
                .count() as u64;
            out.data_digest = rest.iter().fold(
                if out.data_digest == 0 {
                    0xcbf2_9ce4_8422_2325
                } else {
                    out.data_digest
                },
                |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3),
            );
        }
        if rest.starts_with(b"BYE") {
            out.bye = Some(self.line_text());
        } else if rest.starts_with(b"BAD") {
            if out.record {
                out.events.push(Event::Bad(self.line_text()));
            }
        } else if let Some(code) = rest.strip_prefix(b"OK [UIDNEXT ") {
            out.uidnext = leading_number(code);
        } else if let Some(hits) = rest.strip_prefix(b"SEARCH") {
            let n = hits
                .split(|&b| b == b' ')
                .filter(|t| leading_number(t).is_some())
                .count() as u64;
            *out.search_hits.get_or_insert(0) += n;
        } else if rest.starts_with(b"STATUS ") {
            if let Some(n) = number_after(rest, b"MESSAGES ") {
                out.messages = Some(n);
            }
        } else if let Some(n) = leading_number(rest) {
            let after = &rest[rest.iter().position(|&b| b == b' ').unwrap_or(rest.len())..];
            let uid = || number_after(after, b"UID ").map(|uid| uid as u32);
            let event = if after.starts_with(b" EXISTS") {
                out.exists = Some(n);
                Event::Exists(n)
            } else if after.starts_with(b" EXPUNGE") {
                Event::Expunge(n)
            } else if after.starts_with(b" FETCH") {
                out.fetches += 1;
                if literals > 0 {
                    out.fetched_literals += 1;
                }
                out.uids.extend(uid());
                Event::Fetch { seq: n, uid: uid() }
            } else {
                return;
            };
            if out.record {
                out.events.push(event);
            }
        }
    }

    fn line_text(&self) -> String {
        let text = String::from_utf8_lossy(&self.line);
        let mut end = text.len().min(MAX_TEXT);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text[..end].to_owned()
    }
}

/// `write!` into a byte vector.
struct Batch<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for Batch<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

fn classify(line: &[u8], literals: usize, bytes: u64) -> Kind {
    if line.starts_with(b"* ") || line == b"*" {
        return Kind::Untagged { literals, bytes };
    }
    if line.starts_with(b"+") {
        return Kind::Continuation;
    }
    let mut words = line.splitn(3, |&b| b == b' ');
    let tag = words
        .next()
        .and_then(|t| t.strip_prefix(b"A"))
        .and_then(|t| std::str::from_utf8(t).ok())
        .and_then(|t| t.parse::<u32>().ok());
    let status = match words.next().map(<[u8]>::to_ascii_uppercase).as_deref() {
        Some(b"OK") => Some(Status::Ok),
        Some(b"NO") => Some(Status::No),
        Some(b"BAD") => Some(Status::Bad),
        _ => None,
    };
    match (tag, status) {
        (Some(tag), Some(status)) => Kind::Tagged(tag, status),
        // A line that is none of the three: kept as untagged data, and the
        // command it belongs to times out if its reply never comes.
        _ => Kind::Untagged { literals, bytes },
    }
}

/// `... {123}` or `... ~{123}` or `... {123+}` at the end of a line: 123.
fn literal_size(line: &[u8]) -> Option<u64> {
    let inner = line.strip_suffix(b"}")?;
    let open = inner.iter().rposition(|&b| b == b'{')?;
    let digits = &inner[open + 1..];
    let digits = digits.strip_suffix(b"+").unwrap_or(digits);
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// The decimal number at the start of `bytes`.
fn leading_number(bytes: &[u8]) -> Option<u64> {
    let end = bytes
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(bytes.len());
    if end == 0 || end > 19 {
        return None;
    }
    std::str::from_utf8(&bytes[..end]).ok()?.parse().ok()
}

/// The number after `key` (which must start the text or follow a space or
/// parenthesis).
fn number_after(bytes: &[u8], key: &[u8]) -> Option<u64> {
    let mut from = 0;
    while let Some(at) = bytes[from..].windows(key.len()).position(|w| w == key) {
        let at = from + at;
        if at == 0 || matches!(bytes[at - 1], b' ' | b'(') {
            return leading_number(&bytes[at + key.len()..]);
        }
        from = at + 1;
    }
    None
}

/// An IMAP quoted string (RFC 9051 §4.3).
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_markers() {
        assert_eq!(literal_size(b"* 1 FETCH (BODY[] {123}"), Some(123));
        assert_eq!(literal_size(b"* 1 FETCH (BINARY[] ~{7}"), Some(7));
        assert_eq!(literal_size(b"A1 LOGIN {4+}"), Some(4));
        for none in [&b"* OK done"[..], b"{}", b"{x}", b"* OK {12"] {
            assert_eq!(literal_size(none), None, "{none:?}");
        }
    }

    #[test]
    fn numbers() {
        assert_eq!(leading_number(b"42 EXISTS"), Some(42));
        assert_eq!(leading_number(b"x"), None);
        assert_eq!(
            number_after(b"(FLAGS () UID 17 RFC822.SIZE 5)", b"UID "),
            Some(17)
        );
        assert_eq!(number_after(b"(XUID 3 UID 4)", b"UID "), Some(4));
        assert_eq!(number_after(b"(FLAGS ())", b"UID "), None);
    }

    #[test]
    fn tagged_lines() {
        assert!(matches!(
            classify(b"A12 OK done", 0, 0),
            Kind::Tagged(12, Status::Ok)
        ));
        assert!(matches!(
            classify(b"A3 no [AUTHENTICATIONFAILED] nope", 0, 0),
            Kind::Tagged(3, Status::No)
        ));
        assert!(matches!(
            classify(b"A4 BAD what", 0, 0),
            Kind::Tagged(4, Status::Bad)
        ));
        assert!(matches!(classify(b"+ idling", 0, 0), Kind::Continuation));
        assert!(matches!(
            classify(b"* 3 EXISTS", 0, 0),
            Kind::Untagged { .. }
        ));
        assert!(matches!(
            classify(b"B1 OK other", 0, 0),
            Kind::Untagged { .. }
        ));
    }

    /// A scripted server: the greeting, then for each command line read, the
    /// next canned answer (`{tag}` stands for the last command's tag).
    async fn scripted(answers: &'static [&'static str]) -> std::net::SocketAddr {
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let (read, mut write) = stream.into_split();
            let mut lines = BufReader::new(read).lines();
            write.write_all(b"* OK ready\r\n").await.unwrap();
            let mut tag = String::new();
            for answer in answers {
                let line = lines.next_line().await.unwrap().unwrap();
                // A literal's line keeps the tag of its command.
                if line.starts_with('A') && line.contains(' ') {
                    tag = line.split(' ').next().unwrap().to_owned();
                }
                let answer = answer.replace("{tag}", &tag);
                write.write_all(answer.as_bytes()).await.unwrap();
            }
        });
        addr
    }

    #[tokio::test]
    async fn records_mailbox_events_and_appends() {
        let addr = scripted(&[
            "* 3 EXISTS\r\n* 2 EXPUNGE\r\n* BAD junk\r\n* 1 FETCH (UID 7 BODY[] {3}\r\nabc)\r\n\
             * 2 FETCH (FLAGS (\\Seen))\r\n{tag} OK done\r\n",
            "+ go on\r\n",
            "* 4 EXISTS\r\n{tag} OK [APPENDUID 1 9] appended\r\n",
            "{tag} NO [OVERQUOTA] full\r\n",
        ])
        .await;
        let connector = Connector::new(addr, false, std::time::Duration::from_secs(5), 1).unwrap();
        let mut conn = ImapConn::open(&connector).await.unwrap();
        let mut out = Untagged {
            record: true,
            ..Untagged::default()
        };
        let done = conn.command("NOOP", &mut out).await.unwrap();
        assert_eq!(done.status, Status::Ok);
        assert_eq!(
            out.events,
            [
                Event::Exists(3),
                Event::Expunge(2),
                Event::Bad("* BAD junk".into()),
                Event::Fetch {
                    seq: 1,
                    uid: Some(7)
                },
                Event::Fetch { seq: 2, uid: None },
            ]
        );
        assert_eq!(out.fetched_literals, 1);
        // The literal line (the message and its CRLF) is read as a command by the script.
        let done = conn.append("INBOX", b"hello", &mut out).await.unwrap();
        assert_eq!(done.status, Status::Ok);
        assert_eq!(out.events.last(), Some(&Event::Exists(4)));
        let done = conn.append("INBOX", b"x", &mut out).await.unwrap();
        assert_eq!(
            (done.status, done.text.as_str()),
            (Status::No, "NO [OVERQUOTA] full")
        );
    }

    #[test]
    fn quoting() {
        assert_eq!(quote("u1@bench.test"), "\"u1@bench.test\"");
        assert_eq!(quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
    }
}
