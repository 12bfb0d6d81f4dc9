//! `imap-shared`: many sessions of ONE user on ONE mailbox at once, the
//! normal case for a shared inbox, with every reply checked.
//!
//! Before the clock starts, a feeder session fills the user's INBOX to
//! `messages` by APPEND, then every client logs in as that user, selects
//! INBOX and reads every UID (`FETCH 1:* (UID)`). Then all clients run
//! rounds for `duration`, while `feeders` sessions keep the INBOX topped up
//! (a session expunges only while it sees the INBOX at least half full):
//!
//! ```text
//! FETCH s:* (UID FLAGS)                      only when EXISTS announced messages whose UID it lacks
//! UID FETCH a,b,c (UID FLAGS ENVELOPE)       three UIDs the session knows
//! UID FETCH x (UID BODY.PEEK[])              one of them
//! UID STORE x +FLAGS (\Flagged) / -FLAGS ... \Flagged, \Seen, $Shared in turn, set then cleared
//! UID STORE d +FLAGS.SILENT (\Deleted)       every k-th round, on another known UID
//! UID EXPUNGE d                              (RFC 4315)
//! NOOP
//! ```
//!
//! Each session follows its own sequence number → UID map ([`SeqModel`])
//! from the EXISTS, EXPUNGE and FETCH responses it reads, and counts as an
//! error every tagged NO and BAD (by command and response code), every
//! untagged BAD, every broken connection (I/O error, timeout, BYE) and every
//! response its map contradicts. After a contradiction it selects INBOX
//! again to start from the server's word.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use tokio::sync::watch;

use crate::connector::Connector;
use crate::imap_client::{Event, ImapConn, Status, Untagged, quote};
use crate::message::{MessageFactory, xorshift};
use crate::seq_model::{SeqModel, Violation};
use crate::shared_tally::{Class, Op, SharedOutcome};
use crate::stats;

/// A session gives up after this many broken connections in a row.
const MAX_BROKEN: u32 = 3;
/// Most APPENDs between two STATUS of the feeder.
const APPEND_BATCH: u64 = 20;
/// Flags the rounds set and clear in turn.
const FLAGS: [&str; 3] = ["\\Flagged", "\\Seen", "$Shared"];
/// What to run, where.
pub struct SharedPlan {
    pub connector: Arc<Connector>,
    /// The one user every session logs in as.
    pub user: String,
    pub password: String,
    pub clients: u32,
    pub duration: Duration,
    /// The INBOX is filled to this many messages, and kept there.
    pub messages: u64,
    /// Every k-th round expunges a message (0: never).
    pub expunge_every: u64,
    /// Sessions appending during the run.
    pub feeders: u32,
    pub factory: MessageFactory,
    /// Bound of the first fill.
    pub fill_timeout: Duration,
    /// Bound of each client's preparation.
    pub prepare_timeout: Duration,
}

/// One client session: its connection and its map of the INBOX.
struct Session {
    conn: ImapConn,
    model: SeqModel,
    /// A response contradicted the map: SELECT again.
    resync: bool,
}

impl Session {
    /// Connects, logs in, selects INBOX and reads every UID. `None` (noted)
    /// when that fails.
    async fn open(plan: &SharedPlan, out: &mut SharedOutcome) -> Option<Session> {
        let conn = match ImapConn::open(&plan.connector).await {
            Ok(conn) => conn,
            Err(e) => {
                out.broken(Op::Login, &e, None);
                return None;
            }
        };
        let mut session = Session {
            conn,
            model: SeqModel::default(),
            resync: false,
        };
        let login = login(&plan.user, &plan.password);
        match session.exec(Op::Login, &login, out).await {
            Ok((Status::Ok, _)) => {}
            _ => return None,
        }
        session.select(out).await.ok()?;
        Some(session)
    }

    /// SELECT INBOX, then the UID of every message.
    async fn select(&mut self, out: &mut SharedOutcome) -> Result<(), ()> {
        self.model.clear();
        self.resync = false;
        if self.exec(Op::Select, "SELECT INBOX", out).await?.0 != Status::Ok {
            return Err(());
        }
        if self.model.len() > 0 {
            self.exec(Op::Sync, "FETCH 1:* (UID)", out).await?;
        }
        Ok(())
    }

    /// Runs one command, checks the responses it brought against the map,
    /// and books its reply. `Err(())` when the connection broke (noted).
    async fn exec(
        &mut self,
        op: Op,
        command: &str,
        out: &mut SharedOutcome,
    ) -> Result<(Status, Untagged), ()> {
        let mut untagged = Untagged {
            record: true,
            ..Untagged::default()
        };
        let result = self.conn.command(command, &mut untagged).await;
        // The responses came before the reply (or the break), in order.
        for event in std::mem::take(&mut untagged.events) {
            if matches!(event, Event::Expunge(_)) {
                out.expunge_responses += 1;
            }
            if let Err(v) = self.model.apply(&event) {
                let class = match v {
                    Violation::UntaggedBad(_) => Class::UntaggedBad,
                    _ => {
                        self.resync = true;
                        Class::Protocol
                    }
                };
                out.errors
                    .note(class, v.kind().to_owned(), format!("{}: {v}", op.label()));
            }
        }
        let done = match result {
            Ok(done) => done,
            Err(e) => {
                out.broken(op, &e, untagged.bye.as_ref());
                return Err(());
            }
        };
        out.book(op, &done);
        if let Some(bye) = &untagged.bye {
            out.broken(op, &anyhow::anyhow!("BYE"), Some(bye));
            return Err(());
        }
        Ok((done.status, untagged))
    }

    /// One round (see the module comment).
    async fn round(
        &mut self,
        plan: &SharedPlan,
        n: u64,
        rng: &mut u64,
        out: &mut SharedOutcome,
    ) -> Result<(), ()> {
        if self.resync {
            out.resyncs += 1;
            self.select(out).await?;
        } else if let Some(first) = self.model.first_unknown() {
            self.exec(Op::Sync, &format!("FETCH {first}:* (UID FLAGS)"), out)
                .await?;
        }
        let mut picks: Vec<u32> = (0..3)
            .filter_map(|_| self.model.known_near(xorshift(rng)))
            .collect();
        picks.sort_unstable();
        picks.dedup();
        let Some(&uid) = picks.get((n % 3) as usize % picks.len().max(1)) else {
            self.exec(Op::Noop, "NOOP", out).await?;
            return Ok(());
        };
        let set = picks
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let meta = format!("UID FETCH {set} (UID FLAGS ENVELOPE)");
        self.exec(Op::FetchMeta, &meta, out).await?;
        let body = format!("UID FETCH {uid} (UID BODY.PEEK[])");
        let (status, fetched) = self.exec(Op::FetchBody, &body, out).await?;
        if status == Status::Ok && fetched.fetched_literals == 0 && self.model.contains(uid) {
            out.empty_fetches += 1;
        }
        let flag = FLAGS[(n / 2 % FLAGS.len() as u64) as usize];
        let sign = if n.is_multiple_of(2) { '+' } else { '-' };
        let store = format!("UID STORE {uid} {sign}FLAGS ({flag})");
        self.exec(Op::Store, &store, out).await?;
        // Not below half the level, so that the INBOX never runs dry when
        // the expunges outrun the feeders.
        let k = plan.expunge_every;
        if k > 0
            && n % k == k - 1
            && self.model.len() as u64 >= plan.messages / 2
            && let Some(doomed) = self.model.known_near(xorshift(rng))
        {
            let delete = format!("UID STORE {doomed} +FLAGS.SILENT (\\Deleted)");
            self.exec(Op::Delete, &delete, out).await?;
            let expunge = format!("UID EXPUNGE {doomed}");
            if self.exec(Op::Expunge, &expunge, out).await?.0 == Status::Ok {
                out.expunged += 1;
            }
        }
        self.exec(Op::Noop, "NOOP", out).await?;
        Ok(())
    }
}

fn login(user: &str, password: &str) -> String {
    format!("LOGIN {} {}", quote(user), quote(password))
}

/// Runs the plan: the first fill, then the clients and the feeder together.
pub async fn run(plan: SharedPlan) -> Result<SharedOutcome> {
    let plan = Arc::new(plan);
    let mut feeders = Vec::with_capacity(plan.feeders as usize);
    for _ in 0..plan.feeders.max(1) {
        feeders.push(Feeder::open(&plan).await.context("feeder")?);
    }
    let feeder = &mut feeders[0];
    let filling = Instant::now();
    let mut fill = SharedOutcome::default();
    // Bounded by the fill timeout; each top-up by the I/O timeout.
    loop {
        let before = fill.appended;
        let count = feeder
            .top_up(&plan, 1, &mut fill)
            .await
            .context("filling")?;
        if fill.errors.total() > 0 {
            bail!("filling: {}", fill.errors.texts.texts().join("; "));
        }
        if count.is_some_and(|n| n >= plan.messages) && fill.appended == before {
            break;
        }
        if filling.elapsed() > plan.fill_timeout {
            bail!(
                "filling: {} appended, INBOX not full after {:?}",
                fill.appended,
                plan.fill_timeout
            );
        }
    }

    let prefill_secs = filling.elapsed().as_secs_f64();
    let clients = plan.clients as usize;
    let ready = Arc::new(AtomicU32::new(0));
    let (go, go_rx) = watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    for index in 0..clients {
        let (plan, ready, go) = (Arc::clone(&plan), Arc::clone(&ready), go_rx.clone());
        tasks.spawn(client(plan, index, ready, go));
    }
    let deadline = Instant::now() + plan.prepare_timeout + Duration::from_secs(1);
    while (ready.load(Ordering::Relaxed) as usize) < clients && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let started = Instant::now();
    let _ = go.send(true);
    let (stop, stop_rx) = watch::channel(false);
    let feeding: Vec<_> = feeders
        .into_iter()
        .map(|f| tokio::spawn(f.feed(Arc::clone(&plan), stop_rx.clone())))
        .collect();
    let mut outcome = SharedOutcome::default();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(part) => outcome.merge(part),
            Err(e) => outcome.errors.note(
                Class::Io,
                "client task failed".into(),
                format!("client task failed: {e}"),
            ),
        }
    }
    let _ = stop.send(true);
    for feeder in feeding {
        if let Ok(fed) = feeder.await {
            outcome.merge(fed);
        }
    }
    outcome.prefilled = fill.appended;
    outcome.prefill_secs = prefill_secs;
    outcome.elapsed = outcome
        .last_reply
        .map(|t| t.saturating_duration_since(started))
        .unwrap_or_default();
    Ok(outcome)
}

async fn client(
    plan: Arc<SharedPlan>,
    index: usize,
    ready: Arc<AtomicU32>,
    mut go: watch::Receiver<bool>,
) -> SharedOutcome {
    let mut out = SharedOutcome::default();
    let mut rng = (index as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let prepared = tokio::time::timeout(plan.prepare_timeout, Session::open(&plan, &mut out)).await;
    ready.fetch_add(1, Ordering::Relaxed);
    if go.wait_for(|&go| go).await.is_err() {
        return out;
    }
    let mut session = match prepared {
        Ok(Some(session)) => Some(session),
        Ok(None) => return out,
        Err(_) => {
            let text = "before the run: timed out".to_owned();
            out.errors.note(Class::Io, text.clone(), text);
            return out;
        }
    };
    out.ready = 1;
    let started = Instant::now();
    let mut broken = 0;
    let mut n: u64 = 0;
    // Bounded by the duration, and by broken connections.
    while started.elapsed() < plan.duration && broken < MAX_BROKEN {
        let mut current = match session.take() {
            Some(s) => s,
            None => match Session::open(&plan, &mut out).await {
                Some(s) => s,
                None => {
                    broken += 1;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let errors = out.errors.total();
        let result = current.round(&plan, n, &mut rng, &mut out).await;
        n += 1;
        out.rounds += 1;
        if out.errors.total() == errors {
            out.clean_rounds += 1;
        }
        if result.is_ok() {
            session = Some(current);
            broken = 0;
        } else {
            broken += 1;
        }
    }
    if let Some(mut s) = session {
        let _ = s.conn.logout().await;
    }
    out
}

/// The session that keeps the INBOX full, by APPEND, outside the INBOX's
/// sessions (authenticated, nothing selected).
struct Feeder {
    conn: ImapConn,
    next: u64,
    message: Vec<u8>,
}

impl Feeder {
    async fn open(plan: &SharedPlan) -> Result<Feeder> {
        let mut conn = ImapConn::open(&plan.connector).await?;
        let mut untagged = Untagged::default();
        conn.expect_ok(&login(&plan.user, &plan.password), &mut untagged)
            .await
            .context("LOGIN")?;
        Ok(Feeder {
            conn,
            next: 0,
            message: Vec::new(),
        })
    }

    /// Reads the INBOX size and appends its share (one of `feeders`) of the
    /// shortfall, at most [`APPEND_BATCH`] messages. The size read (`None`
    /// if STATUS failed).
    async fn top_up(
        &mut self,
        plan: &SharedPlan,
        feeders: u32,
        out: &mut SharedOutcome,
    ) -> Result<Option<u64>> {
        let mut untagged = Untagged::default();
        let done = self
            .conn
            .command("STATUS INBOX (MESSAGES)", &mut untagged)
            .await?;
        out.book(Op::Status, &done);
        let Some(count) = untagged.messages.filter(|_| done.status == Status::Ok) else {
            return Ok(None);
        };
        let share = plan
            .messages
            .saturating_sub(count)
            .div_ceil(u64::from(feeders.max(1)));
        for _ in 0..share.min(APPEND_BATCH) {
            plan.factory.write(self.next, &plan.user, &mut self.message);
            self.next += 1;
            // The factory writes SMTP's wire form, ended by ".\r\n".
            let len = self.message.len().saturating_sub(3);
            self.message.truncate(len);
            let done = self
                .conn
                .append("INBOX", &self.message, &mut untagged)
                .await?;
            out.book(Op::Append, &done);
            if done.status == Status::Ok {
                out.appended += 1;
            }
        }
        Ok(Some(count))
    }

    /// Tops the INBOX up until told to stop.
    async fn feed(
        mut self,
        plan: Arc<SharedPlan>,
        mut stop: watch::Receiver<bool>,
    ) -> SharedOutcome {
        let mut out = SharedOutcome::default();
        let mut broken = 0;
        // Bounded by the stop signal, and by broken connections.
        while !*stop.borrow() && broken < MAX_BROKEN {
            let appended = out.appended;
            match self.top_up(&plan, plan.feeders, &mut out).await {
                Ok(count) => {
                    broken = 0;
                    out.inbox = stats::span(out.inbox, count.map(|n| (n, n)));
                    if out.appended == appended {
                        let _ =
                            tokio::time::timeout(Duration::from_millis(10), stop.changed()).await;
                    }
                }
                Err(e) => {
                    broken += 1;
                    out.broken(Op::Append, &e, None);
                    match Feeder::open(&plan).await {
                        Ok(fresh) => self.conn = fresh.conn,
                        Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                    }
                }
            }
        }
        let _ = self.conn.logout().await;
        out
    }
}
