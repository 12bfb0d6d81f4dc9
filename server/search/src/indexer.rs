//! The indexer: the one writer of the index, fed by the store's change log (the indexing queue
//! is the log itself, written in each email's own transaction, so no entry can be missed).
//!
//! - At first start (or when the index is of another [`VERSION`], or was deleted) it builds the
//!   index from the live emails, in id order, committing as it goes with a checkpoint marked
//!   `building`: after a crash the build resumes where its last commit was.
//! - Then it follows the log from the checkpoint's change id: an email created above the
//!   checkpoint's email id is indexed (emails never change content: one filed in another
//!   mailbox is already there), an email destroyed (out of its last mailbox) and a removed
//!   account are deleted. Each batch is one commit whose payload is the new checkpoint, so index
//!   and checkpoint move together: a kill at any moment loses nothing, the log is read again
//!   from the last commit.
//!
//! It runs on a thread of its own and only reads the store: deliveries never wait for it.

use crate::SearchError;
use crate::document::document;
use crate::extract::{IndexLimits, Texts};
use crate::index::{Checkpoint, SearchIndex, VERSION, read_checkpoint};
use crate::language::Analyzers;
use kantor_store::{AccountId, FeedAction, IndexEmail, Store};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tantivy::{IndexWriter, TantivyDocument, Term};

/// Change-log rows read at once.
const FEED_PAGE: usize = 2000;
/// Emails read and indexed between two commits of a build.
const BUILD_BATCH: usize = 2000;
/// Emails asked of the store at once.
const READ_BATCH: usize = 200;
/// The least time between two commits while the log keeps moving (once it stops, the rest is
/// committed at once). A commit writes and fsyncs
/// segment files (and starts merges): committed per page under a burst of deliveries, it took
/// the disk and the cores from the deliveries themselves (5,000 deliveries of 10 KiB: 0.41x
/// the rate without the index). Emails the index has not reached are scanned, so a later
/// commit costs only the speed of searching the newest mail.
const COMMIT_EVERY: Duration = Duration::from_secs(1);

/// Time between two looks at the log while the indexer gives way to a burst of deliveries.
const BURST_LOOK: Duration = Duration::from_millis(100);
/// Rows the log must grow by between two looks for the deliveries to count as a burst: a
/// delivery writes two, so 50 deliveries, which is 200 a second between looks `poll_ms`
/// (250) apart once caught up and 500 a second between looks [`BURST_LOOK`] apart while
/// waiting.
const BURST_ROWS: i64 = 100;

/// The index's writer and where it stands.
pub struct Indexer {
    store: Store,
    index: Arc<SearchIndex>,
    writer: IndexWriter<TantivyDocument>,
    limits: IndexLimits,
    /// The analysers of the messages' words, built once.
    words: Analyzers,
    checkpoint: Checkpoint,
    committed: Instant,
    /// The checkpoint moved since the last commit.
    uncommitted: bool,
    /// The log's last row at the previous look ([`Indexer::gives_way`]).
    seen_head: i64,
    /// Since when new rows have been left for later.
    deferring_since: Option<Instant>,
}

impl Indexer {
    /// Takes the index's writer (one per index: [`SearchError::Busy`] when another process,
    /// a running server, holds it), with `memory` bytes for tantivy's indexing buffer.
    pub fn new(
        store: Store,
        index: Arc<SearchIndex>,
        limits: IndexLimits,
        memory: usize,
    ) -> Result<Indexer, SearchError> {
        let writer = match index.index.writer_with_num_threads(1, memory.max(15 << 20)) {
            Ok(w) => w,
            Err(tantivy::TantivyError::LockFailure(..)) => {
                return Err(SearchError::Busy(index.dir().display().to_string()));
            }
            Err(e) => return Err(e.into()),
        };
        index.set_limits(limits);
        let mut checkpoint = read_checkpoint(&index.index).unwrap_or_default();
        // Rows the index never applied were pruned from the log (an index left behind longer
        // than `store.change_log_days`, or restored from an old copy): only a rebuild knows
        // what they did.
        let first = store.first_change_id()?;
        if checkpoint.version == VERSION && !checkpoint.building && first > checkpoint.change + 1 {
            tracing::warn!(
                checkpoint = checkpoint.change,
                first,
                "search: the change log was pruned past the index; rebuilding it"
            );
            checkpoint.version = 0;
        }
        if checkpoint.version == VERSION && checkpoint.stemming != limits.stemming {
            tracing::info!(
                stemming = limits.stemming,
                "search: [search] stemming changed; rebuilding the index"
            );
            checkpoint.version = 0;
        }
        Ok(Indexer {
            store,
            index,
            writer,
            limits,
            words: Analyzers::default(),
            checkpoint,
            committed: Instant::now(),
            uncommitted: false,
            seen_head: 0,
            deferring_since: None,
        })
    }

    /// Where the index stands.
    pub fn checkpoint(&self) -> Checkpoint {
        self.checkpoint
    }

    /// Builds or resumes building the index if needed, then follows the log forever, looking
    /// every `poll` once it has caught up, and leaving a burst's mail for after it for at most
    /// `defer` ([`Indexer::gives_way`]). Errors are logged and retried after a pause.
    pub fn run(mut self, poll: Duration, defer: Duration) {
        self.show_stats();
        loop {
            if self.gives_way(defer) {
                std::thread::sleep(BURST_LOOK);
                continue;
            }
            match self.step() {
                Ok(true) => {}
                Ok(false) => std::thread::sleep(poll),
                Err(e) => {
                    tracing::warn!(error = %e, "search: indexing failed; retrying");
                    let _ = self.writer.rollback();
                    self.checkpoint = read_checkpoint(&self.index.index).unwrap_or_default();
                    std::thread::sleep(poll.max(Duration::from_secs(5)));
                }
            }
        }
    }

    /// Whether to leave the log's new rows for later: while a burst of deliveries goes on (the
    /// log grew by [`BURST_ROWS`] since the last look) and the first row left has waited less
    /// than `defer`. Indexing beside a burst of deliveries slowed them by 7-15% on 2 cores,
    /// even with the indexer under `SCHED_IDLE` (docs/benchmarks.md, session 24); after the
    /// burst the index catches up at about 2,000 messages a second, and searches meanwhile
    /// scan what it has not reached. Once `defer` is over it indexes until caught up.
    pub fn gives_way(&mut self, defer: Duration) -> bool {
        if defer.is_zero() || self.checkpoint.building || self.checkpoint.version != VERSION {
            return false;
        }
        let Ok(head) = self.store.last_change_id() else {
            return false;
        };
        let burst = head - self.seen_head >= BURST_ROWS;
        self.seen_head = head;
        if head <= self.checkpoint.change {
            self.deferring_since = None;
            return false;
        }
        if !burst {
            return false;
        }
        let since = *self.deferring_since.get_or_insert_with(Instant::now);
        let waits = since.elapsed() < defer;
        if waits {
            // `/metrics` shows the rows left behind while waiting.
            self.show_lag_at(head);
        }
        waits
    }

    /// One step: a batch of the build, or of the log. False when there was nothing to do.
    pub fn step(&mut self) -> Result<bool, SearchError> {
        if self.checkpoint.version != VERSION {
            self.start_build()?;
        }
        if self.checkpoint.building {
            self.build_batch()?;
            return Ok(true);
        }
        self.follow()
    }

    /// Empties the index and starts building it again from the live emails.
    pub fn start_build(&mut self) -> Result<(), SearchError> {
        self.writer.delete_all_documents()?;
        self.checkpoint = Checkpoint {
            version: VERSION,
            change: self.store.last_change_id()?,
            email: 0,
            building: true,
            stemming: self.limits.stemming,
        };
        tracing::info!(
            emails = self.store.count_live_emails(None)?,
            "search: building the full-text index"
        );
        self.commit()
    }

    /// Goes on building until done, telling `progress` (emails done, emails in all).
    pub fn finish_build(&mut self, progress: &mut dyn FnMut(u64, u64)) -> Result<(), SearchError> {
        let total = self.store.count_live_emails(None)?;
        let mut done = 0;
        while self.checkpoint.building {
            done += self.build_batch()? as u64;
            progress(done.min(total), total);
        }
        Ok(())
    }

    /// Indexes the next live emails of a build, one commit; the build ends when none is left.
    /// Returns how many emails it went through.
    fn build_batch(&mut self) -> Result<usize, SearchError> {
        let emails = self
            .store
            .live_emails_after(None, self.checkpoint.email, BUILD_BATCH)?;
        match emails.last() {
            Some(last) => {
                let last = last.id;
                for email in &emails {
                    self.add(email)?;
                }
                self.checkpoint.email = last;
            }
            None => {
                self.checkpoint.building = false;
                tracing::info!("search: the full-text index is built");
            }
        }
        self.commit()?;
        Ok(emails.len())
    }

    /// Indexes again the live emails of one account (those the index covers; newer ones come
    /// with the log), in one commit, telling `progress` (emails done, emails in all).
    pub fn reindex_account(
        &mut self,
        account: AccountId,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<u64, SearchError> {
        let total = self.store.count_live_emails(Some(account))?;
        self.writer.delete_term(Term::from_field_u64(
            self.index.fields.account,
            account as u64,
        ));
        let (mut after, mut done) = (0, 0);
        loop {
            let emails = self
                .store
                .live_emails_after(Some(account), after, READ_BATCH)?;
            let Some(last) = emails.last() else { break };
            after = last.id;
            let covered = self.checkpoint.email;
            for email in emails.iter().filter(|e| e.id <= covered) {
                self.add(email)?;
                done += 1;
            }
            progress(done.min(total), total);
        }
        self.commit()?;
        Ok(done)
    }

    /// Applies the next page of the log; false when there was none.
    fn follow(&mut self) -> Result<bool, SearchError> {
        let page = self.store.index_feed(self.checkpoint.change, FEED_PAGE)?;
        if page.until <= self.checkpoint.change {
            // Caught up: the burst (if any) is over, so what it left is committed now.
            if self.uncommitted {
                self.commit()?;
                self.show_lag()?;
            }
            return Ok(false);
        }
        let (mut created, mut destroyed, mut accounts) = (Vec::new(), Vec::new(), Vec::new());
        for entry in &page.entries {
            match entry.action {
                FeedAction::EmailCreated(id) if id > self.checkpoint.email => created.push(id),
                FeedAction::EmailCreated(_) => {}
                FeedAction::EmailDestroyed(id) => destroyed.push(id),
                FeedAction::AccountDestroyed => accounts.push(entry.account_id),
            }
        }
        created.sort_unstable();
        created.dedup();
        for ids in created.chunks(READ_BATCH) {
            for email in self.store.index_emails(ids)? {
                self.add(&email)?;
            }
        }
        let fields = self.index.fields;
        for id in destroyed {
            self.writer
                .delete_term(Term::from_field_u64(fields.email, id as u64));
        }
        for account in accounts {
            self.writer
                .delete_term(Term::from_field_u64(fields.account, account as u64));
        }
        self.checkpoint.change = page.until;
        if let Some(&last) = created.last() {
            self.checkpoint.email = self.checkpoint.email.max(last);
        }
        self.uncommitted = true;
        if self.committed.elapsed() >= COMMIT_EVERY {
            self.commit()?;
        }
        self.show_lag()?;
        Ok(true)
    }

    /// How far searches' view of the index (the last commit) is behind the log, in `/metrics`.
    fn show_lag(&self) -> Result<(), SearchError> {
        self.show_lag_at(self.store.last_change_id()?);
        Ok(())
    }

    /// [`Indexer::show_lag`] with the log's last row `head` already read.
    fn show_lag_at(&self, head: i64) {
        let visible = self.index.checkpoint().map_or(0, |c| c.change);
        kantor_metrics::metrics()
            .search_lag_changes
            .set((head - visible).max(0));
    }

    /// Adds one email's document (replacing any of the same id).
    fn add(&mut self, email: &IndexEmail) -> Result<(), SearchError> {
        let raw = match self.store.read_blob(&email.blob) {
            Ok(raw) => raw,
            Err(e) => {
                // The collector may have taken it since it was listed: nothing to index.
                tracing::debug!(email = email.id, error = %e, "search: message unreadable");
                return Ok(());
            }
        };
        let texts = Texts::of(&raw, &self.limits);
        drop(raw);
        let f = self.index.fields;
        self.writer
            .delete_term(Term::from_field_u64(f.email, email.id as u64));
        let doc = document(
            &f,
            &mut self.words,
            &self.limits,
            email.account_id,
            email.id,
            &texts,
        );
        self.writer.add_document(doc)?;
        kantor_metrics::metrics().search_indexed.inc();
        Ok(())
    }

    /// Commits with the checkpoint as payload, then shows the commit to searches.
    fn commit(&mut self) -> Result<(), SearchError> {
        let payload = serde_json::to_string(&self.checkpoint).unwrap_or_default();
        let mut prepared = self.writer.prepare_commit()?;
        prepared.set_payload(&payload);
        prepared.commit()?;
        self.committed = Instant::now();
        self.uncommitted = false;
        self.index.publish(Some(self.checkpoint))?;
        self.show_stats();
        Ok(())
    }

    /// The index's documents and size in `/metrics`.
    fn show_stats(&self) {
        let stats = self.index.stats();
        let m = kantor_metrics::metrics();
        m.search_documents.set(stats.documents as i64);
        m.search_index_bytes.set(stats.bytes as i64);
    }
}
