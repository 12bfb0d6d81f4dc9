//! NOTIFY for other accounts' mailboxes (RFC 5465 §6.4-6.6 over the namespaces of RFC 2342): a
//! shared mailbox account's (`Shared Folders/sales@corp.test/INBOX`) and another user's folders
//! shared with this user (`Other Users/bob@corp.test/Projects`), which `subscribed`, `subtree`
//! and `mailboxes` may name; `personal` and `inboxes` never do (§6.2-6.3: the user's own
//! namespace).
//!
//! Each such account is followed through its own one change log, from this session's cursor
//! there, as the store lets this user see it (`Mail::visible_changes_page`: an email's entries
//! only for the mailboxes the user may read, RFC 4314 `r`; a mailbox they can no longer see,
//! `l`, as destroyed). Rights are read at every read of the log, so a right withdrawn stops the
//! events at the next commit: a mailbox no longer visible is told `\NonExistent` when
//! MailboxName is asked (§5.4), and an account where none is visible any more is no longer
//! watched. Names are the user's (the namespace prefix, then the name in the owner's account).
//!
//! In a shared account `\Seen` is each member's own: the log says that an email changed, not
//! whose `\Seen`, so for the mailboxes whose FlagChange is reported each message's flags as
//! this user sees them are remembered (a digest per message, at most [`MAX_REMEMBERED`] per
//! session) and a change is told only when they differ; another member reading a message is no
//! FlagChange here. STATUS UNSEEN is this user's own count (`Mail::mailbox`).
//!
//! Bounds: the accounts watched are those in which, at `NOTIFY SET`, the user could see a
//! mailbox that a group with events matches (none are looked up unless a group can name another
//! namespace: [`Config::may_reach_others`]); a share granted later is followed from the next
//! `NOTIFY SET`.

use super::filter::{Config, Events};
use super::respond;
use super::translate::{self, Known, KnownMailbox, ListNotice, Notice};
use crate::access::{self, Namespace};
use crate::session::output::Output;
use kantor_imap_proto::Data;
use kantor_store::changes::{Change, ChangeKind, ObjectKind};
use kantor_store::{
    AccountId, Mail, MailboxId, MessageSummary, Modseq, Rights, SharedMailbox, StoreError, Uid,
};
use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};

/// Messages whose flags a session remembers, over all the other accounts' mailboxes whose
/// FlagChange it reports; a mailbox beyond that has every logged flag change told.
pub(crate) const MAX_REMEMBERED: usize = 100_000;

/// Changes read from another account's log at a time.
const PAGE: usize = 1000;

/// Another account whose mailboxes a `NOTIFY SET` covers.
#[derive(Debug)]
pub(crate) struct Other {
    pub account_id: AccountId,
    /// Its namespace prefix (`Shared Folders/sales@corp.test/`).
    prefix: String,
    /// How far its log has been read.
    modseq: Modseq,
    /// Its mailboxes the user may see, as the client knows them (prefixed names).
    known: Known,
    /// Modseqs of this session's own writes there, not reported back (§5).
    own: Vec<Modseq>,
    /// Per mailbox whose FlagChange is reported: each message's flags as this user sees them.
    flags: HashMap<MailboxId, HashMap<Uid, u64>>,
}

/// The other accounts watched, and the user's subscriptions to names in them.
#[derive(Debug, Default)]
pub(crate) struct Others {
    accounts: Vec<Other>,
    /// The user's subscribed names in the other namespaces, as the client sees them.
    subscriptions: HashSet<String>,
}

impl Others {
    /// The accounts where the user sees a mailbox `config` wants events for, each read from
    /// its log's modseq now on.
    pub fn watch(store: &Mail, own: AccountId, config: &Config) -> Result<Others, StoreError> {
        if !config.may_reach_others() {
            return Ok(Others::default());
        }
        let subscriptions: HashSet<String> = store
            .subscriptions(own)?
            .into_iter()
            .filter(|name| access::is_other_namespace(name))
            .collect();
        let wanted = |shared: &SharedMailbox| {
            config.events_for(known_mailbox(shared, &subscriptions).info())
        };
        let mut ids: Vec<AccountId> = store
            .shared_mailboxes()?
            .iter()
            .filter(|s| !wanted(s).is_empty())
            .map(|s| s.mailbox.account_id)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let mut others = Others {
            accounts: Vec::with_capacity(ids.len()),
            subscriptions,
        };
        if ids.is_empty() {
            return Ok(others);
        }
        // Each log's modseq before the listing: what is logged after it is reported.
        for id in ids {
            if let Some(account) = store.account(id)? {
                others.accounts.push(Other {
                    account_id: id,
                    prefix: String::new(),
                    modseq: account.modseq,
                    known: Known::new(),
                    own: Vec::new(),
                    flags: HashMap::new(),
                });
            }
        }
        let mut remembered = 0;
        for shared in store.shared_mailboxes()? {
            let id = shared.mailbox.account_id;
            let Some(other) = others.accounts.iter_mut().find(|a| a.account_id == id) else {
                continue;
            };
            let known = known_mailbox(&shared, &others.subscriptions);
            other.prefix = prefix(&shared);
            let total = shared.mailbox.total as usize;
            if config.events_for(known.info()).contains(Events::FLAGS)
                && shared.rights.contains(Rights::READ)
                && remembered + total <= MAX_REMEMBERED
            {
                let digests = (store.messages(shared.mailbox.id)?.iter())
                    .map(|m| (m.uid, digest(m)))
                    .collect();
                remembered += total;
                other.flags.insert(shared.mailbox.id, digests);
            }
            other.known.insert(shared.mailbox.id, known);
        }
        Ok(others)
    }

    /// The accounts watched.
    pub fn account_ids(&self) -> impl Iterator<Item = AccountId> + '_ {
        self.accounts.iter().map(|a| a.account_id)
    }

    /// A write of this session to `account`, logged under `modseq`; false when that account
    /// is not watched here.
    pub fn own_write(&mut self, account: AccountId, modseq: Modseq) -> bool {
        match self.accounts.iter_mut().find(|a| a.account_id == account) {
            Some(other) => {
                if modseq > other.modseq {
                    other.own.push(modseq);
                }
                true
            }
            None => false,
        }
    }

    /// The client created, renamed or now knows this mailbox of another account.
    pub fn learn(&mut self, mailbox: &kantor_store::Mailbox) {
        let subscriptions = &self.subscriptions;
        let account = mailbox.account_id;
        if let Some(other) = self.accounts.iter_mut().find(|a| a.account_id == account) {
            let name = format!("{}{}", other.prefix, mailbox.name);
            let known = KnownMailbox {
                subscribed: subscriptions.contains(&name),
                name,
                personal: false,
            };
            other.known.insert(mailbox.id, known);
        }
    }

    /// The client (un)subscribed a name in another namespace (`mailbox`: the mailbox of that
    /// name, when one exists).
    pub fn learn_subscription(&mut self, name: &str, mailbox: Option<MailboxId>, subscribed: bool) {
        match subscribed {
            true => self.subscriptions.insert(name.to_string()),
            false => self.subscriptions.remove(name),
        };
        for other in &mut self.accounts {
            if let Some(known) = mailbox.and_then(|id| other.known.get_mut(&id)) {
                known.subscribed = subscribed;
            }
        }
    }

    /// The client deleted this mailbox.
    pub fn forget(&mut self, id: MailboxId) {
        for other in &mut self.accounts {
            other.known.remove(&id);
            other.flags.remove(&id);
        }
    }

    /// Queues what changed in the watched accounts since the last call. An account where the
    /// user can no longer see any mailbox is dropped, its mailboxes told `\NonExistent` where
    /// MailboxName is asked. Any other failure to read a log is the caller's overflow (§5.8).
    pub fn deliver(
        &mut self,
        store: &Mail,
        config: &Config,
        selected: Option<MailboxId>,
        condstore: bool,
        out: &mut Output,
    ) -> Result<(), StoreError> {
        let subscriptions = &self.subscriptions;
        let mut failure = None;
        self.accounts.retain_mut(|other| {
            match other.catch_up(store, config, subscriptions, selected, condstore, out) {
                Ok(true) => true,
                Ok(false) => {
                    other.lost(config, out);
                    false
                }
                Err(e) => {
                    failure = Some(e);
                    true
                }
            }
        });
        failure.map_or(Ok(()), Err)
    }

    /// The user's subscriptions changed elsewhere (another session): re-read, and a LIST for
    /// each known mailbox whose state changed where SubscriptionChange is asked (§5.5).
    pub fn resubscribe(
        &mut self,
        store: &Mail,
        own: AccountId,
        config: &Config,
        out: &mut Output,
    ) -> Result<(), StoreError> {
        self.subscriptions = store
            .subscriptions(own)?
            .into_iter()
            .filter(|name| access::is_other_namespace(name))
            .collect();
        for other in &mut self.accounts {
            let mut notices = Vec::new();
            for known in other.known.values_mut() {
                let now = self.subscriptions.contains(&known.name);
                if now == known.subscribed {
                    continue;
                }
                let before = config.events_for(known.info());
                known.subscribed = now;
                if (before | config.events_for(known.info())).contains(Events::SUBSCRIPTION) {
                    notices.push(Notice::List(ListNotice {
                        name: known.name.clone(),
                        old_name: None,
                        exists: true,
                        subscribed: now,
                    }));
                }
            }
            respond::notices(out, store, &other.known, &other.prefix, notices, false);
        }
        Ok(())
    }
}

impl Other {
    /// Reads this account's log up to now and queues its notices; false when the user may no
    /// longer read it at all.
    fn catch_up(
        &mut self,
        store: &Mail,
        config: &Config,
        subscriptions: &HashSet<String>,
        selected: Option<MailboxId>,
        condstore: bool,
        out: &mut Output,
    ) -> Result<bool, StoreError> {
        loop {
            let page = match store.visible_changes_page(self.account_id, self.modseq, PAGE, &[]) {
                Ok(page) => page,
                Err(StoreError::NotFound(_) | StoreError::Forbidden(_)) => return Ok(false),
                Err(e) => return Err(e),
            };
            let mut changes = page.changes;
            self.screen(store, &mut changes);
            let prefix = &self.prefix;
            let mut current = |id: MailboxId| match store.mailbox(id) {
                Ok(mailbox) => mailbox.map(|m| {
                    let name = format!("{prefix}{}", m.name);
                    KnownMailbox {
                        subscribed: subscriptions.contains(&name),
                        name,
                        personal: false,
                    }
                }),
                Err(e) => {
                    tracing::warn!(error = %e, "imap: cannot read a shared mailbox for NOTIFY");
                    None
                }
            };
            let notices = translate::translate(
                config,
                selected,
                &mut self.known,
                &changes,
                &self.own,
                &mut current,
            );
            self.modseq = self.modseq.max(page.until);
            let known = &self.known;
            self.flags.retain(|id, _| known.contains_key(id));
            respond::notices(out, store, &self.known, &self.prefix, notices, condstore);
            if !page.has_more {
                break;
            }
        }
        let cursor = self.modseq;
        self.own.retain(|&m| m > cursor);
        Ok(true)
    }

    /// Keeps of `changes` the flag changes that change what this user sees (another member's
    /// `\Seen` does not), where the mailbox's flags are remembered; learns arrivals and
    /// expunges there.
    fn screen(&mut self, store: &Mail, changes: &mut Vec<Change>) {
        changes.retain(|change| {
            let (ObjectKind::Email, Some(mailbox), Some(uid)) =
                (change.object, change.mailbox_id, change.uid)
            else {
                return true;
            };
            let Some(memory) = self.flags.get_mut(&mailbox) else {
                return true;
            };
            if change.kind == ChangeKind::Destroyed {
                memory.remove(&uid);
                return true;
            }
            match store.message_by_uid(mailbox, uid) {
                Ok(Some(message)) => {
                    let now = digest(&message);
                    let before = memory.insert(uid, now);
                    change.kind == ChangeKind::Created || before != Some(now)
                }
                Ok(None) => {
                    memory.remove(&uid);
                    true
                }
                Err(_) => true,
            }
        });
    }

    /// The user can no longer see this account: `\NonExistent` for its mailboxes where
    /// MailboxName is asked (§5.4).
    fn lost(&mut self, config: &Config, out: &mut Output) {
        let none = Known::new();
        for mailbox in self.known.values() {
            if config
                .events_for(mailbox.info())
                .contains(Events::MAILBOX_NAME)
            {
                let list = ListNotice {
                    name: mailbox.name.clone(),
                    old_name: None,
                    exists: false,
                    subscribed: false,
                };
                out.data(Data::List(respond::list_item(&none, list)));
            }
        }
        self.known.clear();
    }
}

fn prefix(shared: &SharedMailbox) -> String {
    Namespace::Other {
        owner: shared.owner.clone(),
        shared: shared.owner_shared,
    }
    .prefix()
}

fn known_mailbox(shared: &SharedMailbox, subscriptions: &HashSet<String>) -> KnownMailbox {
    let name = format!("{}{}", prefix(shared), shared.mailbox.name);
    KnownMailbox {
        subscribed: subscriptions.contains(&name),
        name,
        personal: false,
    }
}

/// What the user sees of a message's flags and keywords, in a word.
fn digest(message: &MessageSummary) -> u64 {
    let mut keywords: Vec<String> = message
        .keywords
        .iter()
        .map(|k| k.to_ascii_lowercase())
        .collect();
    keywords.sort_unstable();
    let mut hasher = DefaultHasher::new();
    message.flags.0.hash(&mut hasher);
    keywords.hash(&mut hasher);
    hasher.finish()
}
