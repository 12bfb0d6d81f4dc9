//! What a storage backend implements: the [`Backend`] traits, one per concern. [`crate::Store`]
//! and [`crate::Mail`] are the front every protocol uses; each of their operations forwards to
//! the method of the same name here, whose meaning, rights and errors are the front's (read
//! them there). SQLite ([`crate::SqliteBackend`]) is the embedded backend; a PostgreSQL one
//! (blobs in an S3-compatible [`crate::BlobStore`], wake-ups by LISTEN/NOTIFY) implements the
//! same traits, in this crate, so no protocol crate changes.
//!
//! Mail operations take the acting [`Actor`] and check its rights themselves, with
//! [`crate::access::rights`] (inside their transaction for writes). Directory, queue and
//! maintenance operations are the server's own acts. Reads answer on the caller's thread and
//! leave the async worker themselves when they may take long (`block_in_place`); writes return
//! a [`BoxFuture`] that resolves once the change is durable.

use crate::changes::{AccountChanges, Change, ChangePage, ObjectKind};
use crate::keys::{KeyColumn, KeysRef};
use crate::{
    Account, AccountId, AccountState, Actor, Alias, BlobHash, BlobRef, Delivered, Domain,
    FlagChange, FlagResult, GcReport, Group, IncomingMessage, Mailbox, MailboxId, MailboxRole,
    MessageId, MessageMeta, MessageSummary, Modseq, NewAccount, NewMessage, OutgoingMessage,
    Principal, QueueEntry, Renamed, Result, SendGrant, SendLevel, TreeRename, Uid,
};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// The future of a backend's asynchronous operation (`async fn` in a trait is not
/// dyn-compatible).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A complete backend: every concern below. Implemented for any type that implements them all.
pub trait Backend:
    DirectoryBackend + MailBackend + QueueBackend + MaintenanceBackend + BlobBackend
{
}

impl<T> Backend for T where
    T: DirectoryBackend + MailBackend + QueueBackend + MaintenanceBackend + BlobBackend
{
}

/// Domains, accounts, aliases and groups (the rules are `kantor-directory`'s).
pub trait DirectoryBackend: Send + Sync + 'static {
    fn domain(&self, name: &str) -> Result<Option<Domain>>;
    fn domains(&self) -> Result<Vec<Domain>>;
    fn add_domain<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Domain>>;
    fn remove_domain<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<()>>;
    fn account(&self, id: AccountId) -> Result<Option<Account>>;
    fn account_by_address(&self, local: &str, domain: &str) -> Result<Option<Account>>;
    fn accounts(&self, domain: Option<&str>) -> Result<Vec<Account>>;
    fn create_account(&self, new: NewAccount) -> BoxFuture<'_, Result<Account>>;
    fn create_shared_account<'a>(
        &'a self,
        local: &'a str,
        domain: &'a str,
    ) -> BoxFuture<'a, Result<Account>>;
    fn set_password_hash(&self, id: AccountId, hash: String) -> BoxFuture<'_, Result<()>>;
    fn set_quota(&self, id: AccountId, bytes: u64) -> BoxFuture<'_, Result<()>>;
    fn remove_account(&self, id: AccountId) -> BoxFuture<'_, Result<()>>;
    fn account_state(&self, id: AccountId) -> Result<AccountState>;
    fn set_disabled(&self, id: AccountId, disabled: bool) -> BoxFuture<'_, Result<()>>;
    fn reset_auth(&self, id: AccountId) -> BoxFuture<'_, Result<u64>>;
    fn record_login(&self, id: AccountId, at: i64) -> BoxFuture<'_, Result<()>>;
    fn record_lockout(
        &self,
        id: AccountId,
        source: String,
        until: i64,
    ) -> BoxFuture<'_, Result<()>>;
    fn lockouts(&self, id: AccountId, now: i64) -> Result<Vec<crate::Lockout>>;
    fn add_app_password(
        &self,
        new: crate::NewAppPassword,
    ) -> BoxFuture<'_, Result<crate::AppPassword>>;
    fn app_passwords(&self, account_id: AccountId) -> Result<Vec<crate::AppPassword>>;
    fn app_password_by_hash(&self, hash: &[u8]) -> Result<Option<crate::AppPassword>>;
    fn remove_app_password(&self, account_id: AccountId, name: String)
    -> BoxFuture<'_, Result<()>>;
    fn record_app_password_use(&self, id: i64, at: i64) -> BoxFuture<'_, Result<()>>;
    fn rename_account<'a>(
        &'a self,
        id: AccountId,
        local: &'a str,
        domain: &'a str,
    ) -> BoxFuture<'a, Result<Renamed>>;
    fn alias_targets(&self, local: &str, domain: &str) -> Result<Vec<String>>;
    fn aliases(&self, domain: Option<&str>) -> Result<Vec<Alias>>;
    fn aliases_to(&self, target: &str) -> Result<Vec<Alias>>;
    fn add_alias(&self, alias: Alias) -> BoxFuture<'_, Result<()>>;
    fn remove_alias<'a>(
        &'a self,
        local: &'a str,
        domain: &'a str,
        target: Option<&'a str>,
    ) -> BoxFuture<'a, Result<()>>;
    fn group(&self, local: &str, domain: &str) -> Result<Option<Group>>;
    fn groups(&self, domain: Option<&str>) -> Result<Vec<Group>>;
    fn groups_with_member(&self, member: &str) -> Result<Vec<Group>>;
    fn add_group<'a>(&'a self, local: &'a str, domain: &'a str) -> BoxFuture<'a, Result<()>>;
    fn remove_group<'a>(&'a self, local: &'a str, domain: &'a str) -> BoxFuture<'a, Result<()>>;
    fn add_group_member<'a>(
        &'a self,
        local: &'a str,
        domain: &'a str,
        member: &'a str,
    ) -> BoxFuture<'a, Result<()>>;
    fn remove_group_member<'a>(
        &'a self,
        local: &'a str,
        domain: &'a str,
        member: &'a str,
    ) -> BoxFuture<'a, Result<()>>;
    fn set_group_sender<'a>(
        &'a self,
        local: &'a str,
        domain: &'a str,
        account: AccountId,
        allowed: bool,
    ) -> BoxFuture<'a, Result<()>>;
    fn send_grants(&self, grantor: Option<Principal>) -> Result<Vec<SendGrant>>;
    fn send_grants_to(&self, account: AccountId, groups: &[i64]) -> Result<Vec<SendGrant>>;
    fn set_send_grant(
        &self,
        grantor: Principal,
        grantee: Principal,
        level: Option<SendLevel>,
    ) -> BoxFuture<'_, Result<()>>;
    fn copies_to_sent(&self, account: AccountId) -> Result<bool>;
    fn set_copies_to_sent(&self, account: AccountId, on: bool) -> BoxFuture<'_, Result<()>>;
}

/// An account's mail as an actor sees it: mailboxes, subscriptions, messages, flags, the
/// change log and its wake-ups; and delivery, the server's own act.
pub trait MailBackend: Send + Sync + 'static {
    fn mailboxes(&self, actor: Actor, account_id: AccountId) -> Result<Vec<Mailbox>>;
    fn shared_mailboxes(&self, actor: Actor) -> Result<Vec<crate::SharedMailbox>>;
    fn my_rights(&self, actor: Actor, mailbox: MailboxId) -> Result<crate::Rights>;
    fn acl(&self, actor: Actor, mailbox: MailboxId) -> Result<Vec<crate::AclEntry>>;
    fn set_acl<'a>(
        &'a self,
        actor: Actor,
        mailbox: MailboxId,
        identifier: &'a str,
        rights: Option<crate::Rights>,
    ) -> BoxFuture<'a, Result<()>>;
    fn mailbox(&self, actor: Actor, id: MailboxId) -> Result<Option<Mailbox>>;
    fn mailbox_by_role(
        &self,
        actor: Actor,
        account_id: AccountId,
        role: MailboxRole,
    ) -> Result<Option<Mailbox>>;
    fn mailbox_by_name(
        &self,
        actor: Actor,
        account_id: AccountId,
        name: &str,
    ) -> Result<Option<Mailbox>>;
    fn create_mailbox_path<'a>(
        &'a self,
        actor: Actor,
        account_id: AccountId,
        name: &'a str,
        role: Option<MailboxRole>,
    ) -> BoxFuture<'a, Result<Vec<Mailbox>>>;
    fn create_mailbox<'a>(
        &'a self,
        actor: Actor,
        account_id: AccountId,
        name: &'a str,
        role: Option<MailboxRole>,
    ) -> BoxFuture<'a, Result<Mailbox>>;
    fn rename_mailbox_tree<'a>(
        &'a self,
        actor: Actor,
        account_id: AccountId,
        id: MailboxId,
        to: &'a str,
    ) -> BoxFuture<'a, Result<TreeRename>>;
    fn delete_mailbox(
        &self,
        actor: Actor,
        account_id: AccountId,
        id: MailboxId,
    ) -> BoxFuture<'_, Result<()>>;
    fn claim_recent(&self, actor: Actor, id: MailboxId, up_to: Uid) -> BoxFuture<'_, Result<Uid>>;
    fn unclaimed_recent(&self, actor: Actor, id: MailboxId) -> Result<u32>;
    fn subscriptions(&self, actor: Actor, account_id: AccountId) -> Result<Vec<String>>;
    fn set_subscribed<'a>(
        &'a self,
        actor: Actor,
        account_id: AccountId,
        name: &'a str,
        subscribed: bool,
    ) -> BoxFuture<'a, Result<bool>>;
    fn messages(&self, actor: Actor, mailbox_id: MailboxId) -> Result<Vec<MessageSummary>>;
    fn messages_after_uid(
        &self,
        actor: Actor,
        mailbox_id: MailboxId,
        uid: Uid,
    ) -> Result<Vec<MessageSummary>>;
    fn message_by_uid(
        &self,
        actor: Actor,
        mailbox_id: MailboxId,
        uid: Uid,
    ) -> Result<Option<MessageSummary>>;
    fn message_summaries(
        &self,
        actor: Actor,
        mailbox_id: MailboxId,
        uids: &[Uid],
    ) -> Result<Vec<MessageSummary>>;
    fn message_meta(
        &self,
        actor: Actor,
        account_id: AccountId,
        id: MessageId,
    ) -> Result<MessageMeta>;
    fn message_metas(
        &self,
        actor: Actor,
        account_id: AccountId,
        ids: &[MessageId],
    ) -> Result<Vec<Option<MessageMeta>>>;
    fn message_listings(
        &self,
        actor: Actor,
        account_id: AccountId,
        ids: &[MessageId],
    ) -> Result<Vec<Option<kantor_message::MetaListing>>>;
    fn message_envelopes(
        &self,
        actor: Actor,
        account_id: AccountId,
        ids: &[MessageId],
    ) -> Result<Vec<Option<crate::meta::Envelope>>>;
    fn emails(
        &self,
        actor: Actor,
        account_id: AccountId,
        ids: &[MessageId],
    ) -> Result<Vec<Option<crate::EmailRecord>>>;
    fn email_listing(
        &self,
        actor: Actor,
        account_id: AccountId,
    ) -> Result<Vec<crate::EmailListing>>;
    fn email_listing_among(
        &self,
        actor: Actor,
        account_id: AccountId,
        ids: &[MessageId],
        above: MessageId,
    ) -> Result<Vec<crate::EmailListing>>;
    fn visit_mailbox_by_date(
        &self,
        actor: Actor,
        mailbox_id: MailboxId,
        newest_first: bool,
        expected_rows: usize,
        visit: &mut dyn FnMut(crate::EmailListing) -> bool,
    ) -> Result<()>;
    fn vacation(&self, actor: Actor, account_id: AccountId) -> Result<crate::Vacation>;
    fn identities(&self, actor: Actor, account_id: AccountId) -> Result<Vec<crate::Identity>>;
    fn put_identity(
        &self,
        actor: Actor,
        account_id: AccountId,
        identity: crate::Identity,
    ) -> BoxFuture<'_, Result<i64>>;
    fn destroy_identity(
        &self,
        actor: Actor,
        account_id: AccountId,
        id: i64,
    ) -> BoxFuture<'_, Result<()>>;
    fn share_notifications(
        &self,
        actor: Actor,
        account_id: AccountId,
    ) -> Result<Vec<crate::ShareNotification>>;
    fn destroy_share_notification(
        &self,
        actor: Actor,
        account_id: AccountId,
        id: i64,
    ) -> BoxFuture<'_, Result<()>>;
    fn record_submission(
        &self,
        actor: Actor,
        account_id: AccountId,
        submission: crate::EmailSubmission,
    ) -> BoxFuture<'_, Result<i64>>;
    fn submissions(
        &self,
        actor: Actor,
        account_id: AccountId,
    ) -> Result<Vec<crate::EmailSubmission>>;
    fn set_vacation(
        &self,
        actor: Actor,
        account_id: AccountId,
        vacation: crate::Vacation,
    ) -> BoxFuture<'_, Result<()>>;
    fn sieve_scripts(&self, actor: Actor, account_id: AccountId)
    -> Result<Vec<crate::SieveScript>>;
    fn active_sieve_script(
        &self,
        actor: Actor,
        account_id: AccountId,
    ) -> Result<Option<crate::SieveScript>>;
    fn put_sieve_script(
        &self,
        actor: Actor,
        account_id: AccountId,
        name: String,
        content: String,
        max_scripts: u32,
    ) -> BoxFuture<'_, Result<()>>;
    fn create_sieve_script(
        &self,
        actor: Actor,
        account_id: AccountId,
        name: String,
        content: String,
        max_scripts: u32,
    ) -> BoxFuture<'_, Result<i64>>;
    fn update_sieve_script(
        &self,
        actor: Actor,
        account_id: AccountId,
        id: i64,
        name: Option<String>,
        content: Option<String>,
    ) -> BoxFuture<'_, Result<()>>;
    fn activate_sieve_script(
        &self,
        actor: Actor,
        account_id: AccountId,
        name: Option<String>,
    ) -> BoxFuture<'_, Result<()>>;
    fn rename_sieve_script(
        &self,
        actor: Actor,
        account_id: AccountId,
        old: String,
        new: String,
    ) -> BoxFuture<'_, Result<()>>;
    fn delete_sieve_script(
        &self,
        actor: Actor,
        account_id: AccountId,
        name: String,
    ) -> BoxFuture<'_, Result<()>>;
    fn sieve_replied(
        &self,
        actor: Actor,
        account_id: AccountId,
        key: &str,
        now: i64,
    ) -> Result<bool>;
    fn record_sieve_reply(
        &self,
        actor: Actor,
        account_id: AccountId,
        key: String,
        expires_at: i64,
    ) -> BoxFuture<'_, Result<()>>;
    fn record_upload(
        &self,
        actor: Actor,
        account_id: AccountId,
        blob: crate::BlobRef,
        media_type: String,
    ) -> BoxFuture<'_, Result<crate::Upload>>;
    fn upload(
        &self,
        actor: Actor,
        account_id: AccountId,
        blob: &crate::BlobHash,
    ) -> Result<Option<crate::Upload>>;
    fn account_has_blob(
        &self,
        actor: Actor,
        account_id: AccountId,
        blob: &crate::BlobHash,
    ) -> Result<bool>;
    fn thread_emails(
        &self,
        actor: Actor,
        account_id: AccountId,
        thread_id: i64,
    ) -> Result<Vec<MessageId>>;
    fn visit_message_keys(
        &self,
        actor: Actor,
        mailbox_id: MailboxId,
        wanted: &[KeyColumn],
        visit: &mut dyn FnMut(KeysRef<'_>) -> bool,
    ) -> Result<()>;
    fn append(
        &self,
        actor: Actor,
        messages: Vec<NewMessage>,
    ) -> BoxFuture<'_, Result<Vec<Delivered>>>;
    /// The server's own act (SMTP, later Sieve): no actor.
    fn deliver(&self, message: IncomingMessage) -> BoxFuture<'_, Result<Vec<Delivered>>>;
    fn set_flags(
        &self,
        actor: Actor,
        account_id: AccountId,
        mailbox_id: MailboxId,
        uids: Vec<Uid>,
        change: FlagChange,
    ) -> BoxFuture<'_, Result<FlagResult>>;
    fn copy_messages(
        &self,
        actor: Actor,
        account_id: AccountId,
        from: MailboxId,
        uids: Vec<Uid>,
        to: MailboxId,
    ) -> BoxFuture<'_, Result<Vec<(Uid, Uid)>>>;
    fn move_messages(
        &self,
        actor: Actor,
        account_id: AccountId,
        from: MailboxId,
        uids: Vec<Uid>,
        to: MailboxId,
    ) -> BoxFuture<'_, Result<Vec<(Uid, Uid)>>>;
    fn expunge(
        &self,
        actor: Actor,
        account_id: AccountId,
        mailbox_id: MailboxId,
        uids: Vec<Uid>,
    ) -> BoxFuture<'_, Result<Vec<Uid>>>;
    fn changes_since(
        &self,
        actor: Actor,
        account_id: AccountId,
        since: Modseq,
    ) -> Result<Vec<Change>>;
    fn changes_page(
        &self,
        actor: Actor,
        account_id: AccountId,
        since: Modseq,
        max: usize,
        objects: &[ObjectKind],
    ) -> Result<ChangePage>;
    /// Wakes after every commit to the account, this process's and any other's (SQLite: the
    /// writer and a watcher of the log; PostgreSQL: LISTEN/NOTIFY).
    fn watch_account(&self, account_id: AccountId) -> AccountChanges;
}

/// The outbound queue.
pub trait QueueBackend: Send + Sync + 'static {
    fn enqueue(&self, message: OutgoingMessage) -> BoxFuture<'_, Result<Vec<i64>>>;
    fn queue_entries(&self) -> Result<Vec<QueueEntry>>;
    fn dkim_keys(&self, domain: &str) -> Result<Vec<crate::DkimKey>>;
    fn add_dkim_key(&self, domain: String, key: crate::DkimKey) -> BoxFuture<'_, Result<()>>;
    fn due_queue_entries(&self, now: i64, limit: usize) -> Result<Vec<QueueEntry>>;
    fn record_queue_outcome(
        &self,
        id: i64,
        outcome: crate::QueueOutcome,
    ) -> BoxFuture<'_, Result<bool>>;
    fn delete_queue_entry(&self, id: i64) -> BoxFuture<'_, Result<bool>>;
    fn sts_policy(&self, domain: &str) -> Result<Option<crate::CachedStsPolicy>>;
    fn put_sts_policy(&self, policy: crate::CachedStsPolicy) -> BoxFuture<'_, Result<()>>;
    fn record_tls_result(&self, result: crate::TlsResult) -> BoxFuture<'_, Result<()>>;
    fn tls_results(&self, day: &str) -> Result<Vec<(crate::TlsResult, u64)>>;
    fn unreported_tls_days(&self, before: &str) -> Result<Vec<String>>;
    fn mark_tls_day_reported(&self, day: String) -> BoxFuture<'_, Result<()>>;
}

/// Work in the background: the collector, pruning the log, search and sort keys, metadata of
/// older layouts.
pub trait MaintenanceBackend: Send + Sync + 'static {
    fn collect_garbage(&self, grace: Duration) -> BoxFuture<'_, Result<GcReport>>;
    fn prune_changes(&self, max_age: Duration) -> BoxFuture<'_, Result<u64>>;
    fn backfill_keys(&self) -> BoxFuture<'_, Result<u64>>;
    fn backfill_meta(&self) -> BoxFuture<'_, Result<u64>>;
    fn search_index_dir(&self) -> std::path::PathBuf;
    fn last_change_id(&self) -> Result<i64>;
    fn first_change_id(&self) -> Result<i64>;
    fn index_feed(&self, after: i64, max: usize) -> Result<crate::FeedPage>;
    fn index_emails(&self, ids: &[MessageId]) -> Result<Vec<crate::IndexEmail>>;
    fn live_emails_after(
        &self,
        account: Option<AccountId>,
        after: MessageId,
        max: usize,
    ) -> Result<Vec<crate::IndexEmail>>;
    fn count_live_emails(&self, account: Option<AccountId>) -> Result<u64>;
}

/// Message bodies by content hash ([`crate::BlobStore`] underneath, as the backend keeps it).
pub trait BlobBackend: Send + Sync + 'static {
    fn put_blob<'a>(&'a self, blob: &'a BlobRef) -> BoxFuture<'a, Result<()>>;
    fn read_blob(&self, hash: &BlobHash) -> Result<Vec<u8>>;
    fn read_blob_header(&self, hash: &BlobHash) -> Result<Vec<u8>>;
    fn spool(&self) -> Result<crate::Spool>;
}

/// The traits stay dyn-compatible: the front holds an `Arc<dyn Backend>`.
const _: fn(&dyn Backend) = |_| {};
