//! The IMAP load: `clients` clients, each logged in as its own user, doing
//! rounds of a mail client's usual commands as fast as the server answers.
//!
//! Before the clock starts, every client logs in once, selects INBOX and
//! reads the UIDs of its newest `headers` messages (`FETCH a:b (UID)`), so
//! every round, pipelined or not, knows the UID range to fetch. Then all
//! clients start together and run rounds:
//!
//! | mode | a round |
//! | --- | --- |
//! | relogin | connect, LOGIN, SELECT, UID FETCH headers, UID FETCH body, UID STORE +FLAGS, UID STORE -FLAGS, UID SEARCH, LOGOUT |
//! | persistent | SELECT, UID FETCH headers, UID FETCH body, UID STORE +FLAGS, UID STORE -FLAGS, UID SEARCH (one session per client, logged in before the clock starts) |
//!
//! The body fetched and flagged goes round the newest UIDs. `-FLAGS` undoes
//! `+FLAGS`, and BODY.PEEK leaves `\Seen` alone, so the mailboxes end as
//! they began. A command's latency runs from writing it (with pipelining:
//! writing the round's batch) to reading its tagged reply. Each client keeps
//! its own figures; they are merged at the end.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use tokio::sync::watch;

use crate::cli::{Mode, Stop};
use crate::connector::Connector;
use crate::imap_client::{Done, ImapConn, Status, Untagged, quote};
use crate::stats::{self, Samples};

/// A client gives up after this many failed rounds in a row.
const MAX_FAILED_ROUNDS: u32 = 3;

/// The commands of a round, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    Login,
    Select,
    FetchHeaders,
    FetchBody,
    FlagAdd,
    FlagRemove,
    Search,
    Logout,
}

impl Cmd {
    /// Every command, in report order.
    pub const ALL: [Cmd; 8] = [
        Cmd::Login,
        Cmd::Select,
        Cmd::FetchHeaders,
        Cmd::FetchBody,
        Cmd::FlagAdd,
        Cmd::FlagRemove,
        Cmd::Search,
        Cmd::Logout,
    ];

    /// Its name in reports.
    pub fn label(self) -> &'static str {
        match self {
            Cmd::Login => "LOGIN",
            Cmd::Select => "SELECT",
            Cmd::FetchHeaders => "FETCH headers",
            Cmd::FetchBody => "FETCH body",
            Cmd::FlagAdd => "STORE +FLAGS",
            Cmd::FlagRemove => "STORE -FLAGS",
            Cmd::Search => "SEARCH",
            Cmd::Logout => "LOGOUT",
        }
    }

    /// Its name in JSON.
    pub fn key(self) -> &'static str {
        match self {
            Cmd::Login => "login",
            Cmd::Select => "select",
            Cmd::FetchHeaders => "fetch_headers",
            Cmd::FetchBody => "fetch_body",
            Cmd::FlagAdd => "store_add",
            Cmd::FlagRemove => "store_remove",
            Cmd::Search => "search",
            Cmd::Logout => "logout",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// What to run, where.
pub struct ImapPlan {
    /// Opens connections to the server.
    pub connector: Arc<Connector>,
    /// One user per client.
    pub users: Vec<String>,
    /// Password of every user.
    pub password: String,
    pub mode: Mode,
    pub pipelining: bool,
    pub stop: Stop,
    /// Headers fetched per round (the newest N messages).
    pub headers: u32,
    /// Key of UID SEARCH.
    pub search: String,
    /// Bound of each client's preparation.
    pub prepare_timeout: Duration,
}

/// What the load did.
#[derive(Debug, Default)]
pub struct ImapOutcome {
    /// Latencies of commands answered OK, microseconds, per [`Cmd`].
    pub latencies_us: [Vec<u32>; 8],
    /// Connect and greeting (and TLS handshake) times of the rounds'
    /// connections, microseconds.
    pub connect_us: Vec<u32>,
    /// Commands answered OK.
    pub ok: u64,
    /// Commands answered NO or BAD, rounds cut by an I/O error, a timeout
    /// or a BYE, rounds that fetched fewer messages than asked, and clients
    /// that could not prepare.
    pub errors: u64,
    pub samples: Samples,
    /// Rounds completed without an error.
    pub rounds: u64,
    /// Rounds started.
    pub rounds_started: u64,
    /// Sessions opened during the measured rounds.
    pub sessions: u64,
    /// Clients that prepared (logged in and read their UIDs).
    pub ready: u32,
    /// From the start to the last tagged reply.
    pub elapsed: Duration,
    /// Literal bytes received (headers and bodies).
    pub fetched_bytes: u64,
    /// Smallest and largest INBOX (EXISTS at the preparation's SELECT).
    pub inbox: Option<(u64, u64)>,
    last_reply: Option<Instant>,
}

impl ImapOutcome {
    fn note(&mut self, text: String) {
        self.errors += 1;
        self.samples.note(text);
    }

    fn merge(&mut self, other: ImapOutcome) {
        for (all, part) in self.latencies_us.iter_mut().zip(other.latencies_us) {
            all.extend(part);
        }
        self.connect_us.extend(other.connect_us);
        self.ok += other.ok;
        self.errors += other.errors;
        self.samples.merge(other.samples);
        self.rounds += other.rounds;
        self.rounds_started += other.rounds_started;
        self.sessions += other.sessions;
        self.ready += other.ready;
        self.fetched_bytes += other.fetched_bytes;
        self.inbox = stats::span(self.inbox, other.inbox);
        self.last_reply = self.last_reply.max(other.last_reply);
    }

    /// Every command's latency together.
    pub fn all_latencies(&self) -> Vec<u32> {
        self.latencies_us.iter().flatten().copied().collect()
    }
}

/// The newest messages of a client's INBOX, read before the clock starts.
#[derive(Debug, Clone)]
struct View {
    /// UIDs, ascending.
    uids: Vec<u32>,
    /// Messages in the INBOX.
    exists: u64,
}

/// Runs the plan and returns the merged figures.
pub async fn run(plan: ImapPlan) -> ImapOutcome {
    let plan = Arc::new(plan);
    let clients = plan.users.len();
    let ready = Arc::new(AtomicU32::new(0));
    let (go, go_rx) = watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    for index in 0..clients {
        tasks.spawn(client(
            Arc::clone(&plan),
            index,
            Arc::clone(&ready),
            go_rx.clone(),
        ));
    }
    // Bounded by the preparation timeout (each client counts itself ready
    // within it, prepared or not).
    let deadline = Instant::now() + plan.prepare_timeout + Duration::from_secs(1);
    while (ready.load(Ordering::Relaxed) as usize) < clients && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let started = Instant::now();
    let _ = go.send(true);
    let mut outcome = ImapOutcome::default();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(part) => outcome.merge(part),
            Err(e) => outcome.note(format!("client failed: {e}")),
        }
    }
    outcome.elapsed = outcome
        .last_reply
        .map(|t| t.saturating_duration_since(started))
        .unwrap_or_default();
    outcome
}

async fn client(
    plan: Arc<ImapPlan>,
    index: usize,
    ready: Arc<AtomicU32>,
    mut go: watch::Receiver<bool>,
) -> ImapOutcome {
    let user = &plan.users[index];
    let mut out = ImapOutcome::default();
    let prepared = tokio::time::timeout(plan.prepare_timeout, prepare(&plan, user)).await;
    ready.fetch_add(1, Ordering::Relaxed);
    if go.wait_for(|&go| go).await.is_err() {
        return out;
    }
    let (mut session, view) = match prepared {
        Ok(Ok(prepared)) => prepared,
        Ok(Err(e)) => {
            out.note(format!("before the run: {e:#}"));
            return out;
        }
        Err(_) => {
            out.note("before the run: timed out".to_owned());
            return out;
        }
    };
    out.ready = 1;
    out.inbox = Some((view.exists, view.exists));
    let started = Instant::now();
    let mut failed_rounds = 0;
    let mut round: u64 = 0;
    // Bounded: by the round count or the deadline, and by failures.
    loop {
        let more = match plan.stop {
            Stop::Rounds(n) => round < n,
            Stop::After(d) => started.elapsed() < d,
        };
        if !more {
            break;
        }
        if failed_rounds >= MAX_FAILED_ROUNDS {
            out.samples.note(format!(
                "a client gave up after {MAX_FAILED_ROUNDS} failed rounds in a row"
            ));
            break;
        }
        let uid = view.uids[(round % view.uids.len() as u64) as usize];
        round += 1;
        out.rounds_started += 1;
        let clean = match plan.mode {
            Mode::Relogin => relogin_round(&plan, user, &view, uid, &mut out).await,
            Mode::Persistent => {
                persistent_round(&plan, user, &view, uid, &mut session, &mut out).await
            }
        };
        if clean {
            out.rounds += 1;
            failed_rounds = 0;
        } else {
            failed_rounds += 1;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    if let Some(mut conn) = session {
        let _ = conn.logout().await;
    }
    out
}

/// Logs in, selects INBOX and reads the UIDs of the newest messages; keeps
/// the session in persistent mode.
async fn prepare(plan: &ImapPlan, user: &str) -> Result<(Option<ImapConn>, View)> {
    let mut conn = ImapConn::open(&plan.connector).await?;
    let mut untagged = Untagged::default();
    conn.expect_ok(&login(user, &plan.password), &mut untagged)
        .await
        .map_err(|e| e.context("LOGIN"))?;
    conn.expect_ok("SELECT INBOX", &mut untagged)
        .await
        .map_err(|e| e.context("SELECT INBOX"))?;
    let exists = untagged.exists.unwrap_or(0);
    if exists == 0 {
        bail!("an INBOX is empty: fill them with --prefill-per-user");
    }
    let first = exists.saturating_sub(u64::from(plan.headers) - 1).max(1);
    let mut fetched = Untagged::default();
    conn.expect_ok(&format!("FETCH {first}:{exists} (UID)"), &mut fetched)
        .await
        .map_err(|e| e.context("FETCH (UID)"))?;
    let mut uids = fetched.uids;
    uids.sort_unstable();
    uids.dedup();
    if uids.is_empty() {
        bail!("FETCH {first}:{exists} (UID) returned no UID");
    }
    let session = match plan.mode {
        Mode::Persistent => Some(conn),
        Mode::Relogin => {
            let _ = conn.logout().await;
            None
        }
    };
    Ok((session, View { uids, exists }))
}

fn login(user: &str, password: &str) -> String {
    format!("LOGIN {} {}", quote(user), quote(password))
}

/// SELECT through SEARCH, for message `uid`.
fn mailbox_commands(plan: &ImapPlan, view: &View, uid: u32) -> [(Cmd, String); 6] {
    let (lo, hi) = (view.uids[0], view.uids[view.uids.len() - 1]);
    [
        (Cmd::Select, "SELECT INBOX".to_owned()),
        (
            Cmd::FetchHeaders,
            format!(
                "UID FETCH {lo}:{hi} (UID FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS (FROM TO SUBJECT DATE MESSAGE-ID)])"
            ),
        ),
        (Cmd::FetchBody, format!("UID FETCH {uid} (BODY.PEEK[])")),
        (Cmd::FlagAdd, format!("UID STORE {uid} +FLAGS (\\Flagged)")),
        (
            Cmd::FlagRemove,
            format!("UID STORE {uid} -FLAGS (\\Flagged)"),
        ),
        (Cmd::Search, format!("UID SEARCH {}", plan.search)),
    ]
}

/// A new session up to the greeting, timed and counted; `None` (noted) when it fails.
async fn connect(plan: &ImapPlan, out: &mut ImapOutcome) -> Option<ImapConn> {
    let connecting = Instant::now();
    match ImapConn::open(&plan.connector).await {
        Ok(conn) => {
            out.connect_us.push(stats::micros(connecting.elapsed()));
            out.sessions += 1;
            Some(conn)
        }
        Err(e) => {
            out.note(format!("connect: {e:#}"));
            None
        }
    }
}

/// Connect, LOGIN .. LOGOUT. Whether the round went without an error.
async fn relogin_round(
    plan: &ImapPlan,
    user: &str,
    view: &View,
    uid: u32,
    out: &mut ImapOutcome,
) -> bool {
    let Some(mut conn) = connect(plan, out).await else {
        return false;
    };
    let mut commands = Vec::with_capacity(8);
    commands.push((Cmd::Login, login(user, &plan.password)));
    commands.extend(mailbox_commands(plan, view, uid));
    commands.push((Cmd::Logout, "LOGOUT".to_owned()));
    let result = run_commands(plan, &mut conn, &commands, view, out).await;
    // The BYE before LOGOUT's reply is expected.
    result.is_ok_and(|clean| clean)
}

/// SELECT .. SEARCH on the client's session (reconnecting and logging in
/// again first if an error closed it).
async fn persistent_round(
    plan: &ImapPlan,
    user: &str,
    view: &View,
    uid: u32,
    session: &mut Option<ImapConn>,
    out: &mut ImapOutcome,
) -> bool {
    let mut conn = match session.take() {
        Some(conn) => conn,
        None => {
            let Some(mut conn) = connect(plan, out).await else {
                return false;
            };
            let commands = [(Cmd::Login, login(user, &plan.password))];
            match run_commands(plan, &mut conn, &commands, view, out).await {
                Ok(true) => {}
                _ => return false,
            }
            conn
        }
    };
    let commands = mailbox_commands(plan, view, uid);
    match run_commands(plan, &mut conn, &commands, view, out).await {
        Ok(clean) => {
            *session = Some(conn);
            clean
        }
        // The session is broken: the next round opens another.
        Err(()) => false,
    }
}

/// Runs one round's commands and books their replies. `Ok(clean)` when
/// the session is still usable, `Err(())` when it broke (I/O error,
/// timeout, or the server said BYE outside LOGOUT).
async fn run_commands(
    plan: &ImapPlan,
    conn: &mut ImapConn,
    commands: &[(Cmd, String)],
    view: &View,
    out: &mut ImapOutcome,
) -> Result<bool, ()> {
    let texts: Vec<String> = commands.iter().map(|(_, text)| text.clone()).collect();
    let mut untagged = Untagged::default();
    let mut done: Vec<Done> = Vec::with_capacity(commands.len());
    let result = conn
        .run(&texts, plan.pipelining, &mut untagged, &mut done)
        .await;
    out.fetched_bytes += untagged.literal_bytes;
    let mut clean = true;
    for ((cmd, _), reply) in commands.iter().zip(&done) {
        if reply.status == Status::Ok {
            out.latencies_us[cmd.index()].push(stats::micros(reply.at - reply.sent));
            out.ok += 1;
            out.last_reply = out.last_reply.max(Some(reply.at));
        } else {
            clean = false;
            out.note(format!("{}: {}", cmd.label(), reply.text));
        }
    }
    if let Err(e) = result {
        let cmd = commands.get(done.len()).map_or("?", |(cmd, _)| cmd.label());
        // A BYE explains the broken connection better than the read error.
        match &untagged.bye {
            Some(bye) => out.note(format!("{cmd}: {bye}")),
            None => out.note(format!("{cmd}: {e:#}")),
        }
        return Err(());
    }
    let logged_out = commands.last().is_some_and(|(cmd, _)| *cmd == Cmd::Logout);
    if let Some(bye) = untagged.bye
        && !logged_out
    {
        out.note(format!("unexpected {bye}"));
        return Err(());
    }
    if commands.iter().any(|(cmd, _)| *cmd == Cmd::FetchHeaders) {
        // Every header and the body come as literals.
        let want = view.uids.len() as u64 + 1;
        if untagged.fetched_literals < want && clean {
            out.note(format!(
                "FETCH: {} of {want} messages came back with headers or body",
                untagged.fetched_literals
            ));
            clean = false;
        }
    }
    Ok(clean)
}
