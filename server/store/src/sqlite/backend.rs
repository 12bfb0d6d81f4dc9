//! [`SqliteBackend`] as a [`crate::Backend`]: each trait method calls the inherent method of the
//! same name (inherent methods take precedence), kept in the file of its entity.

use super::SqliteBackend;
use crate::backend::{
    BlobBackend, BoxFuture, DirectoryBackend, MailBackend, MaintenanceBackend, QueueBackend,
};
use crate::changes::{AccountChanges, Change, ChangePage, ObjectKind};
use crate::keys::{KeyColumn, KeysRef};
use crate::{
    Account, AccountId, AccountState, Actor, Alias, BlobHash, BlobRef, Delivered, Domain,
    FlagChange, FlagResult, GcReport, Group, IncomingMessage, Mailbox, MailboxId, MailboxRole,
    MessageId, MessageMeta, MessageSummary, Modseq, NewAccount, NewMessage, OutgoingMessage,
    Principal, QueueEntry, Renamed, Result, SendGrant, SendLevel, TreeRename, Uid,
};
use std::time::Duration;

impl DirectoryBackend for SqliteBackend {
    fn domain(&self, name: &str) -> Result<Option<Domain>> {
        self.domain(name)
    }

    fn domains(&self) -> Result<Vec<Domain>> {
        self.domains()
    }

    fn add_domain<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Domain>> {
        Box::pin(self.add_domain(name))
    }

    fn remove_domain<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.remove_domain(name))
    }

    fn account(&self, id: AccountId) -> Result<Option<Account>> {
        self.account(id)
    }

    fn account_by_address(&self, local: &str, domain: &str) -> Result<Option<Account>> {
        self.account_by_address(local, domain)
    }

    fn accounts(&self, domain: Option<&str>) -> Result<Vec<Account>> {
        self.accounts(domain)
    }

    fn create_account(&self, new: NewAccount) -> BoxFuture<'_, Result<Account>> {
        Box::pin(self.create_account(new))
    }

    fn create_shared_account<'a>(
        &'a self,
        local: &'a str,
        domain: &'a str,
    ) -> BoxFuture<'a, Result<Account>> {
        Box::pin(self.create_shared_account(local, domain))
    }

    fn set_password_hash(&self, id: AccountId, hash: String) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.set_password_hash(id, hash))
    }

    fn set_quota(&self, id: AccountId, bytes: u64) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.set_quota(id, bytes))
    }

    fn remove_account(&self, id: AccountId) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.remove_account(id))
    }

    fn account_state(&self, id: AccountId) -> Result<AccountState> {
        self.account_state(id)
    }

    fn set_disabled(&self, id: AccountId, disabled: bool) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.set_disabled(id, disabled))
    }

    fn reset_auth(&self, id: AccountId) -> BoxFuture<'_, Result<u64>> {
        Box::pin(self.reset_auth(id))
    }

    fn record_login(&self, id: AccountId, at: i64) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.record_login(id, at))
    }

    fn record_lockout(
        &self,
        id: AccountId,
        source: String,
        until: i64,
    ) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.record_lockout(id, source, until))
    }

    fn lockouts(&self, id: AccountId, now: i64) -> Result<Vec<crate::Lockout>> {
        self.lockouts(id, now)
    }

    fn add_app_password(
        &self,
        new: crate::NewAppPassword,
    ) -> BoxFuture<'_, Result<crate::AppPassword>> {
        Box::pin(self.add_app_password(new))
    }

    fn app_passwords(&self, account_id: AccountId) -> Result<Vec<crate::AppPassword>> {
        self.app_passwords(account_id)
    }

    fn app_password_by_hash(&self, hash: &[u8]) -> Result<Option<crate::AppPassword>> {
        self.app_password_by_hash(hash)
    }

    fn remove_app_password(
        &self,
        account_id: AccountId,
        name: String,
    ) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.remove_app_password(account_id, name))
    }

    fn record_app_password_use(&self, id: i64, at: i64) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.record_app_password_use(id, at))
    }

    fn rename_account<'a>(
        &'a self,
        id: AccountId,
        local: &'a str,
        domain: &'a str,
    ) -> BoxFuture<'a, Result<Renamed>> {
        Box::pin(self.rename_account(id, local, domain))
    }

    fn alias_targets(&self, local: &str, domain: &str) -> Result<Vec<String>> {
        self.alias_targets(local, domain)
    }

    fn aliases(&self, domain: Option<&str>) -> Result<Vec<Alias>> {
        self.aliases(domain)
    }

    fn aliases_to(&self, target: &str) -> Result<Vec<Alias>> {
        self.aliases_to(target)
    }

    fn add_alias(&self, alias: Alias) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.add_alias(alias))
    }

    fn remove_alias<'a>(
        &'a self,
        local: &'a str,
        domain: &'a str,
        target: Option<&'a str>,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.remove_alias(local, domain, target))
    }

    fn group(&self, local: &str, domain: &str) -> Result<Option<Group>> {
        self.group(local, domain)
    }

    fn groups(&self, domain: Option<&str>) -> Result<Vec<Group>> {
        self.groups(domain)
    }

    fn groups_with_member(&self, member: &str) -> Result<Vec<Group>> {
        self.groups_with_member(member)
    }

    fn add_group<'a>(&'a self, local: &'a str, domain: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.add_group(local, domain))
    }

    fn remove_group<'a>(&'a self, local: &'a str, domain: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.remove_group(local, domain))
    }

    fn add_group_member<'a>(
        &'a self,
        local: &'a str,
        domain: &'a str,
        member: &'a str,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.add_group_member(local, domain, member))
    }

    fn remove_group_member<'a>(
        &'a self,
        local: &'a str,
        domain: &'a str,
        member: &'a str,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.remove_group_member(local, domain, member))
    }

    fn set_group_sender<'a>(
        &'a self,
        local: &'a str,
        domain: &'a str,
        account: AccountId,
        allowed: bool,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.set_group_sender(local, domain, account, allowed))
    }

    fn send_grants(&self, grantor: Option<Principal>) -> Result<Vec<SendGrant>> {
        self.send_grants(grantor)
    }

    fn send_grants_to(&self, account: AccountId, groups: &[i64]) -> Result<Vec<SendGrant>> {
        self.send_grants_to(account, groups)
    }

    fn set_send_grant(
        &self,
        grantor: Principal,
        grantee: Principal,
        level: Option<SendLevel>,
    ) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.set_send_grant(grantor, grantee, level))
    }

    fn copies_to_sent(&self, account: AccountId) -> Result<bool> {
        self.copies_to_sent(account)
    }

    fn set_copies_to_sent(&self, account: AccountId, on: bool) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.set_copies_to_sent(account, on))
    }
}

impl MailBackend for SqliteBackend {
    fn mailboxes(&self, actor: Actor, account_id: AccountId) -> Result<Vec<Mailbox>> {
        self.mailboxes(actor, account_id)
    }

    fn shared_mailboxes(&self, actor: Actor) -> Result<Vec<crate::SharedMailbox>> {
        self.shared_mailboxes(actor)
    }

    fn my_rights(&self, actor: Actor, mailbox: MailboxId) -> Result<crate::Rights> {
        self.my_rights(actor, mailbox)
    }

    fn acl(&self, actor: Actor, mailbox: MailboxId) -> Result<Vec<crate::AclEntry>> {
        self.acl(actor, mailbox)
    }

    fn set_acl<'a>(
        &'a self,
        actor: Actor,
        mailbox: MailboxId,
        identifier: &'a str,
        rights: Option<crate::Rights>,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.set_acl(actor, mailbox, identifier, rights))
    }

    fn mailbox(&self, actor: Actor, id: MailboxId) -> Result<Option<Mailbox>> {
        self.mailbox(actor, id)
    }

    fn mailbox_by_role(
        &self,
        actor: Actor,
        account_id: AccountId,
        role: MailboxRole,
    ) -> Result<Option<Mailbox>> {
        self.mailbox_by_role(actor, account_id, role)
    }

    fn mailbox_by_name(
        &self,
        actor: Actor,
        account_id: AccountId,
        name: &str,
    ) -> Result<Option<Mailbox>> {
        self.mailbox_by_name(actor, account_id, name)
    }

    fn create_mailbox_path<'a>(
        &'a self,
        actor: Actor,
        account_id: AccountId,
        name: &'a str,
        role: Option<MailboxRole>,
    ) -> BoxFuture<'a, Result<Vec<Mailbox>>> {
        Box::pin(self.create_mailbox_path(actor, account_id, name, role))
    }

    fn create_mailbox<'a>(
        &'a self,
        actor: Actor,
        account_id: AccountId,
        name: &'a str,
        role: Option<MailboxRole>,
    ) -> BoxFuture<'a, Result<Mailbox>> {
        Box::pin(self.create_mailbox(actor, account_id, name, role))
    }

    fn rename_mailbox_tree<'a>(
        &'a self,
        actor: Actor,
        account_id: AccountId,
        id: MailboxId,
        to: &'a str,
    ) -> BoxFuture<'a, Result<TreeRename>> {
        Box::pin(self.rename_mailbox_tree(actor, account_id, id, to))
    }

    fn delete_mailbox(
        &self,
        actor: Actor,
        account_id: AccountId,
        id: MailboxId,
    ) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.delete_mailbox(actor, account_id, id))
    }

    fn claim_recent(&self, actor: Actor, id: MailboxId, up_to: Uid) -> BoxFuture<'_, Result<Uid>> {
        Box::pin(self.claim_recent(actor, id, up_to))
    }

    fn unclaimed_recent(&self, actor: Actor, id: MailboxId) -> Result<u32> {
        self.unclaimed_recent(actor, id)
    }

    fn subscriptions(&self, actor: Actor, account_id: AccountId) -> Result<Vec<String>> {
        self.subscriptions(actor, account_id)
    }

    fn set_subscribed<'a>(
        &'a self,
        actor: Actor,
        account_id: AccountId,
        name: &'a str,
        subscribed: bool,
    ) -> BoxFuture<'a, Result<bool>> {
        Box::pin(self.set_subscribed(actor, account_id, name, subscribed))
    }

    fn messages(&self, actor: Actor, mailbox_id: MailboxId) -> Result<Vec<MessageSummary>> {
        self.messages(actor, mailbox_id)
    }

    fn messages_after_uid(
        &self,
        actor: Actor,
        mailbox_id: MailboxId,
        uid: Uid,
    ) -> Result<Vec<MessageSummary>> {
        self.messages_after_uid(actor, mailbox_id, uid)
    }

    fn message_by_uid(
        &self,
        actor: Actor,
        mailbox_id: MailboxId,
        uid: Uid,
    ) -> Result<Option<MessageSummary>> {
        self.message_by_uid(actor, mailbox_id, uid)
    }

    fn message_summaries(
        &self,
        actor: Actor,
        mailbox_id: MailboxId,
        uids: &[Uid],
    ) -> Result<Vec<MessageSummary>> {
        self.message_summaries(actor, mailbox_id, uids)
    }

    fn message_meta(
        &self,
        actor: Actor,
        account_id: AccountId,
        id: MessageId,
    ) -> Result<MessageMeta> {
        self.message_meta(actor, account_id, id)
    }

    fn message_metas(
        &self,
        actor: Actor,
        account_id: AccountId,
        ids: &[MessageId],
    ) -> Result<Vec<Option<MessageMeta>>> {
        self.message_metas(actor, account_id, ids)
    }

    fn message_listings(
        &self,
        actor: Actor,
        account_id: AccountId,
        ids: &[MessageId],
    ) -> Result<Vec<Option<kantor_message::MetaListing>>> {
        self.message_listings(actor, account_id, ids)
    }

    fn message_envelopes(
        &self,
        actor: Actor,
        account_id: AccountId,
        ids: &[MessageId],
    ) -> Result<Vec<Option<crate::meta::Envelope>>> {
        self.message_envelopes(actor, account_id, ids)
    }

    fn emails(
        &self,
        actor: Actor,
        account_id: AccountId,
        ids: &[MessageId],
    ) -> Result<Vec<Option<crate::EmailRecord>>> {
        self.emails(actor, account_id, ids)
    }

    fn email_listing(
        &self,
        actor: Actor,
        account_id: AccountId,
    ) -> Result<Vec<crate::EmailListing>> {
        self.email_listing(actor, account_id)
    }

    fn email_listing_among(
        &self,
        actor: Actor,
        account_id: AccountId,
        ids: &[MessageId],
        above: MessageId,
    ) -> Result<Vec<crate::EmailListing>> {
        self.email_listing_among(actor, account_id, ids, above)
    }

    fn visit_mailbox_by_date(
        &self,
        actor: Actor,
        mailbox_id: MailboxId,
        newest_first: bool,
        expected_rows: usize,
        visit: &mut dyn FnMut(crate::EmailListing) -> bool,
    ) -> Result<()> {
        self.visit_mailbox_by_date(actor, mailbox_id, newest_first, expected_rows, visit)
    }

    fn vacation(&self, actor: Actor, account_id: AccountId) -> Result<crate::Vacation> {
        self.vacation(actor, account_id)
    }

    fn identities(&self, actor: Actor, account_id: AccountId) -> Result<Vec<crate::Identity>> {
        self.identities(actor, account_id)
    }

    fn put_identity(
        &self,
        actor: Actor,
        account_id: AccountId,
        identity: crate::Identity,
    ) -> BoxFuture<'_, Result<i64>> {
        Box::pin(self.put_identity(actor, account_id, identity))
    }

    fn destroy_identity(
        &self,
        actor: Actor,
        account_id: AccountId,
        id: i64,
    ) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.destroy_identity(actor, account_id, id))
    }

    fn share_notifications(
        &self,
        actor: Actor,
        account_id: AccountId,
    ) -> Result<Vec<crate::ShareNotification>> {
        self.share_notifications(actor, account_id)
    }

    fn destroy_share_notification(
        &self,
        actor: Actor,
        account_id: AccountId,
        id: i64,
    ) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.destroy_share_notification(actor, account_id, id))
    }

    fn record_submission(
        &self,
        actor: Actor,
        account_id: AccountId,
        submission: crate::EmailSubmission,
    ) -> BoxFuture<'_, Result<i64>> {
        Box::pin(self.record_submission(actor, account_id, submission))
    }

    fn submissions(
        &self,
        actor: Actor,
        account_id: AccountId,
    ) -> Result<Vec<crate::EmailSubmission>> {
        self.submissions(actor, account_id)
    }

    fn set_vacation(
        &self,
        actor: Actor,
        account_id: AccountId,
        vacation: crate::Vacation,
    ) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.set_vacation(actor, account_id, vacation))
    }

    fn sieve_scripts(
        &self,
        actor: Actor,
        account_id: AccountId,
    ) -> Result<Vec<crate::SieveScript>> {
        self.sieve_scripts(actor, account_id)
    }

    fn active_sieve_script(
        &self,
        actor: Actor,
        account_id: AccountId,
    ) -> Result<Option<crate::SieveScript>> {
        self.active_sieve_script(actor, account_id)
    }

    fn put_sieve_script(
        &self,
        actor: Actor,
        account_id: AccountId,
        name: String,
        content: String,
        max_scripts: u32,
    ) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.put_sieve_script(actor, account_id, name, content, max_scripts))
    }

    fn create_sieve_script(
        &self,
        actor: Actor,
        account_id: AccountId,
        name: String,
        content: String,
        max_scripts: u32,
    ) -> BoxFuture<'_, Result<i64>> {
        Box::pin(self.create_sieve_script(actor, account_id, name, content, max_scripts))
    }

    fn update_sieve_script(
        &self,
        actor: Actor,
        account_id: AccountId,
        id: i64,
        name: Option<String>,
        content: Option<String>,
    ) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.update_sieve_script(actor, account_id, id, name, content))
    }

    fn activate_sieve_script(
        &self,
        actor: Actor,
        account_id: AccountId,
        name: Option<String>,
    ) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.activate_sieve_script(actor, account_id, name))
    }

    fn rename_sieve_script(
        &self,
        actor: Actor,
        account_id: AccountId,
        old: String,
        new: String,
    ) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.rename_sieve_script(actor, account_id, old, new))
    }

    fn delete_sieve_script(
        &self,
        actor: Actor,
        account_id: AccountId,
        name: String,
    ) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.delete_sieve_script(actor, account_id, name))
    }

    fn sieve_replied(
        &self,
        actor: Actor,
        account_id: AccountId,
        key: &str,
        now: i64,
    ) -> Result<bool> {
        self.sieve_replied(actor, account_id, key, now)
    }

    fn record_sieve_reply(
        &self,
        actor: Actor,
        account_id: AccountId,
        key: String,
        expires_at: i64,
    ) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.record_sieve_reply(actor, account_id, key, expires_at))
    }

    fn record_upload(
        &self,
        actor: Actor,
        account_id: AccountId,
        blob: crate::BlobRef,
        media_type: String,
    ) -> BoxFuture<'_, Result<crate::Upload>> {
        Box::pin(self.record_upload(actor, account_id, blob, media_type))
    }

    fn upload(
        &self,
        actor: Actor,
        account_id: AccountId,
        blob: &crate::BlobHash,
    ) -> Result<Option<crate::Upload>> {
        self.upload(actor, account_id, blob)
    }

    fn account_has_blob(
        &self,
        actor: Actor,
        account_id: AccountId,
        blob: &crate::BlobHash,
    ) -> Result<bool> {
        self.account_has_blob(actor, account_id, blob)
    }

    fn thread_emails(
        &self,
        actor: Actor,
        account_id: AccountId,
        thread_id: i64,
    ) -> Result<Vec<MessageId>> {
        self.thread_emails(actor, account_id, thread_id)
    }

    fn visit_message_keys(
        &self,
        actor: Actor,
        mailbox_id: MailboxId,
        wanted: &[KeyColumn],
        visit: &mut dyn FnMut(KeysRef<'_>) -> bool,
    ) -> Result<()> {
        self.visit_message_keys(actor, mailbox_id, wanted, visit)
    }

    fn append(
        &self,
        actor: Actor,
        messages: Vec<NewMessage>,
    ) -> BoxFuture<'_, Result<Vec<Delivered>>> {
        Box::pin(self.append(actor, messages))
    }

    fn deliver(&self, message: IncomingMessage) -> BoxFuture<'_, Result<Vec<Delivered>>> {
        Box::pin(self.deliver(message))
    }

    fn set_flags(
        &self,
        actor: Actor,
        account_id: AccountId,
        mailbox_id: MailboxId,
        uids: Vec<Uid>,
        change: FlagChange,
    ) -> BoxFuture<'_, Result<FlagResult>> {
        Box::pin(self.set_flags(actor, account_id, mailbox_id, uids, change))
    }

    fn copy_messages(
        &self,
        actor: Actor,
        account_id: AccountId,
        from: MailboxId,
        uids: Vec<Uid>,
        to: MailboxId,
    ) -> BoxFuture<'_, Result<Vec<(Uid, Uid)>>> {
        Box::pin(self.copy_messages(actor, account_id, from, uids, to))
    }

    fn move_messages(
        &self,
        actor: Actor,
        account_id: AccountId,
        from: MailboxId,
        uids: Vec<Uid>,
        to: MailboxId,
    ) -> BoxFuture<'_, Result<Vec<(Uid, Uid)>>> {
        Box::pin(self.move_messages(actor, account_id, from, uids, to))
    }

    fn expunge(
        &self,
        actor: Actor,
        account_id: AccountId,
        mailbox_id: MailboxId,
        uids: Vec<Uid>,
    ) -> BoxFuture<'_, Result<Vec<Uid>>> {
        Box::pin(self.expunge(actor, account_id, mailbox_id, uids))
    }

    fn changes_since(
        &self,
        actor: Actor,
        account_id: AccountId,
        since: Modseq,
    ) -> Result<Vec<Change>> {
        self.changes_since(actor, account_id, since)
    }

    fn changes_page(
        &self,
        actor: Actor,
        account_id: AccountId,
        since: Modseq,
        max: usize,
        objects: &[ObjectKind],
    ) -> Result<ChangePage> {
        self.changes_page(actor, account_id, since, max, objects)
    }

    fn watch_account(&self, account_id: AccountId) -> AccountChanges {
        self.watch_account(account_id)
    }
}

impl QueueBackend for SqliteBackend {
    fn enqueue(&self, message: OutgoingMessage) -> BoxFuture<'_, Result<Vec<i64>>> {
        Box::pin(self.enqueue(message))
    }

    fn queue_entries(&self) -> Result<Vec<QueueEntry>> {
        self.queue_entries()
    }

    fn dkim_keys(&self, domain: &str) -> Result<Vec<crate::DkimKey>> {
        self.dkim_keys(domain)
    }

    fn add_dkim_key(&self, domain: String, key: crate::DkimKey) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.add_dkim_key(domain, key))
    }

    fn due_queue_entries(&self, now: i64, limit: usize) -> Result<Vec<QueueEntry>> {
        self.due_queue_entries(now, limit)
    }

    fn record_queue_outcome(
        &self,
        id: i64,
        outcome: crate::QueueOutcome,
    ) -> BoxFuture<'_, Result<bool>> {
        Box::pin(self.record_queue_outcome(id, outcome))
    }

    fn delete_queue_entry(&self, id: i64) -> BoxFuture<'_, Result<bool>> {
        Box::pin(self.delete_queue_entry(id))
    }

    fn sts_policy(&self, domain: &str) -> Result<Option<crate::CachedStsPolicy>> {
        self.sts_policy(domain)
    }

    fn put_sts_policy(&self, policy: crate::CachedStsPolicy) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.put_sts_policy(policy))
    }

    fn record_tls_result(&self, result: crate::TlsResult) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.record_tls_result(result))
    }

    fn tls_results(&self, day: &str) -> Result<Vec<(crate::TlsResult, u64)>> {
        self.tls_results(day)
    }

    fn unreported_tls_days(&self, before: &str) -> Result<Vec<String>> {
        self.unreported_tls_days(before)
    }

    fn mark_tls_day_reported(&self, day: String) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.mark_tls_day_reported(day))
    }
}

impl MaintenanceBackend for SqliteBackend {
    fn collect_garbage(&self, grace: Duration) -> BoxFuture<'_, Result<GcReport>> {
        Box::pin(self.collect_garbage(grace))
    }

    fn prune_changes(&self, max_age: Duration) -> BoxFuture<'_, Result<u64>> {
        Box::pin(self.prune_changes(max_age))
    }

    fn backfill_keys(&self) -> BoxFuture<'_, Result<u64>> {
        Box::pin(self.backfill_keys())
    }

    fn backfill_meta(&self) -> BoxFuture<'_, Result<u64>> {
        Box::pin(self.backfill_meta())
    }

    fn search_index_dir(&self) -> std::path::PathBuf {
        self.search_index_dir()
    }

    fn last_change_id(&self) -> Result<i64> {
        self.last_change_id()
    }

    fn first_change_id(&self) -> Result<i64> {
        self.first_change_id()
    }

    fn index_feed(&self, after: i64, max: usize) -> Result<crate::FeedPage> {
        self.index_feed(after, max)
    }

    fn index_emails(&self, ids: &[MessageId]) -> Result<Vec<crate::IndexEmail>> {
        self.index_emails(ids)
    }

    fn live_emails_after(
        &self,
        account: Option<AccountId>,
        after: MessageId,
        max: usize,
    ) -> Result<Vec<crate::IndexEmail>> {
        self.live_emails_after(account, after, max)
    }

    fn count_live_emails(&self, account: Option<AccountId>) -> Result<u64> {
        self.count_live_emails(account)
    }
}

impl BlobBackend for SqliteBackend {
    fn put_blob<'a>(&'a self, blob: &'a BlobRef) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.put_blob(blob))
    }

    fn read_blob(&self, hash: &BlobHash) -> Result<Vec<u8>> {
        self.read_blob(hash)
    }

    fn read_blob_header(&self, hash: &BlobHash) -> Result<Vec<u8>> {
        self.read_blob_header(hash)
    }

    fn spool(&self) -> Result<crate::Spool> {
        Ok(self.blobs.spool()?)
    }
}
