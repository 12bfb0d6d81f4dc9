//! [`Mail`]: the store as one [`Actor`] sees it. Every mail operation is a method of this and
//! names what it acts on (an account, a mailbox, messages by UID); the backend checks the
//! actor's rights ([`crate::access::rights`]) inside the operation.

use crate::backend::Backend;
use crate::changes::{Change, ChangePage, ObjectKind};
use crate::keys::{KeyColumn, KeysRef, KeysTable};
use crate::{
    AccountId, Actor, Delivered, FlagChange, FlagResult, Mailbox, MailboxId, MailboxRole,
    MessageId, MessageMeta, MessageSummary, Modseq, NewMessage, Result, Store, TreeRename, Uid,
};

/// The store as one actor sees it: every mail operation (mailboxes, messages, flags, the change
/// log, subscriptions) is a method of this, checked against the actor's rights. Cheap to clone;
/// dereferences to the [`Store`] for what is not an account's mail (blobs by content hash,
/// wake-ups, the directory).
#[derive(Clone)]
pub struct Mail {
    store: Store,
    actor: Actor,
}

impl std::ops::Deref for Mail {
    type Target = Store;

    fn deref(&self) -> &Store {
        &self.store
    }
}

impl Mail {
    pub(crate) fn new(store: Store, actor: Actor) -> Mail {
        Mail { store, actor }
    }

    pub fn actor(&self) -> Actor {
        self.actor
    }

    fn backend(&self) -> &dyn Backend {
        &*self.store.backend
    }

    /// All mailboxes of an account the actor may see, by name.
    pub fn mailboxes(&self, account_id: AccountId) -> Result<Vec<Mailbox>> {
        self.backend().mailboxes(self.actor, account_id)
    }

    /// Every mailbox of other accounts the actor may see (RFC 4314 `l`), with its owner and the
    /// rights held, by owner and name. Their unseen counts are the emails' own `\Seen`, not a
    /// shared account member's (LIST does not count them): [`Mail::mailbox`] gives those.
    pub fn shared_mailboxes(&self) -> Result<Vec<crate::SharedMailbox>> {
        self.backend().shared_mailboxes(self.actor)
    }

    /// The actor's rights on a mailbox (RFC 4314 §3.7 MYRIGHTS): every right for its owner,
    /// else its ACL's grants; `NotFound` when none at all. Decided anew at every call.
    pub fn my_rights(&self, mailbox: MailboxId) -> Result<crate::Rights> {
        self.backend().my_rights(self.actor, mailbox)
    }

    /// A mailbox's ACL entries (RFC 4314 §3.3 GETACL; the owner's implicit rights are not
    /// among them). Needs `a`.
    pub fn acl(&self, mailbox: MailboxId) -> Result<Vec<crate::AclEntry>> {
        self.backend().acl(self.actor, mailbox)
    }

    /// Sets (SETACL, RFC 4314 §3.1) or with `None` removes (DELETEACL, §3.2) the rights of a
    /// user or group (by address) or `anyone` on a mailbox, logged as a mailbox update in the
    /// owner's change log. Needs `a`; the owner's own rights are no entry.
    pub async fn set_acl(
        &self,
        mailbox: MailboxId,
        identifier: &str,
        rights: Option<crate::Rights>,
    ) -> Result<()> {
        self.backend()
            .set_acl(self.actor, mailbox, identifier, rights)
            .await
    }

    /// A mailbox by id, if it exists and the actor may see it.
    pub fn mailbox(&self, id: MailboxId) -> Result<Option<Mailbox>> {
        self.backend().mailbox(self.actor, id)
    }

    pub fn mailbox_by_role(
        &self,
        account_id: AccountId,
        role: MailboxRole,
    ) -> Result<Option<Mailbox>> {
        self.backend().mailbox_by_role(self.actor, account_id, role)
    }

    /// The mailbox with exactly this name (protocols normalise INBOX before asking).
    pub fn mailbox_by_name(&self, account_id: AccountId, name: &str) -> Result<Option<Mailbox>> {
        self.backend().mailbox_by_name(self.actor, account_id, name)
    }

    /// Creates a mailbox and any missing parents, in one transaction (IMAP CREATE, RFC 9051
    /// §6.3.4; with a special-use role, RFC 6154). Returns what was created, parents first and
    /// the mailbox last.
    pub async fn create_mailbox_path(
        &self,
        account_id: AccountId,
        name: &str,
        role: Option<MailboxRole>,
    ) -> Result<Vec<Mailbox>> {
        self.backend()
            .create_mailbox_path(self.actor, account_id, name, role)
            .await
    }

    /// Creates one mailbox whose parents exist or are not wanted (see
    /// [`Mail::create_mailbox_path`]).
    pub async fn create_mailbox(
        &self,
        account_id: AccountId,
        name: &str,
        role: Option<MailboxRole>,
    ) -> Result<Mailbox> {
        self.backend()
            .create_mailbox(self.actor, account_id, name, role)
            .await
    }

    /// Renames a mailbox and its whole subtree to `to` in one transaction (RFC 9051 §6.3.6),
    /// creating missing parents of `to`. UIDVALIDITY and UIDs are kept: the messages did not
    /// change. Renaming INBOX creates `to`, moves INBOX's messages there and leaves INBOX (and
    /// its children) where they are.
    pub async fn rename_mailbox_tree(
        &self,
        account_id: AccountId,
        id: MailboxId,
        to: &str,
    ) -> Result<TreeRename> {
        self.backend()
            .rename_mailbox_tree(self.actor, account_id, id, to)
            .await
    }

    /// Deletes a mailbox and its messages (RFC 9051 §6.3.5). The INBOX cannot be deleted.
    pub async fn delete_mailbox(&self, account_id: AccountId, id: MailboxId) -> Result<()> {
        self.backend()
            .delete_mailbox(self.actor, account_id, id)
            .await
    }

    /// Claims the messages up to `up_to` that no read-write session has been told about
    /// (IMAP `\Recent`, RFC 3501 §2.3.2) and returns the highest UID claimed before: the
    /// caller's recent messages are those above it. Not a change to the mailbox (no modseq, no
    /// log entry); a claim lost in a crash only makes messages recent once more.
    pub async fn claim_recent(&self, id: MailboxId, up_to: Uid) -> Result<Uid> {
        self.backend().claim_recent(self.actor, id, up_to).await
    }

    /// How many messages of a mailbox no read-write session has claimed as `\Recent` yet
    /// (STATUS RECENT, RFC 3501 §6.3.10).
    pub fn unclaimed_recent(&self, id: MailboxId) -> Result<u32> {
        self.backend().unclaimed_recent(self.actor, id)
    }

    /// The account's subscribed names, sorted; some may name no mailbox.
    pub fn subscriptions(&self, account_id: AccountId) -> Result<Vec<String>> {
        self.backend().subscriptions(self.actor, account_id)
    }

    /// Subscribes (SUBSCRIBE, RFC 9051 §6.3.7) or unsubscribes (UNSUBSCRIBE, §6.3.8) a name,
    /// whether or not a mailbox has it. Returns whether the list changed: subscribing a
    /// subscribed name or unsubscribing one that is not is no change.
    pub async fn set_subscribed(
        &self,
        account_id: AccountId,
        name: &str,
        subscribed: bool,
    ) -> Result<bool> {
        self.backend()
            .set_subscribed(self.actor, account_id, name, subscribed)
            .await
    }

    /// The messages of a mailbox in UID order, without their bodies.
    pub fn messages(&self, mailbox_id: MailboxId) -> Result<Vec<MessageSummary>> {
        self.backend().messages(self.actor, mailbox_id)
    }

    /// Messages of a mailbox with a UID above `uid`, in UID order (what arrived since a view
    /// was last synchronised).
    pub fn messages_after_uid(
        &self,
        mailbox_id: MailboxId,
        uid: Uid,
    ) -> Result<Vec<MessageSummary>> {
        self.backend()
            .messages_after_uid(self.actor, mailbox_id, uid)
    }

    /// The message with this UID in a mailbox, if it is still there (an IMAP URL's `;UID=`,
    /// RFC 5092).
    pub fn message_by_uid(
        &self,
        mailbox_id: MailboxId,
        uid: Uid,
    ) -> Result<Option<MessageSummary>> {
        self.backend().message_by_uid(self.actor, mailbox_id, uid)
    }

    /// The current summaries of the messages at these UIDs that are still in `mailbox_id`.
    pub fn message_summaries(
        &self,
        mailbox_id: MailboxId,
        uids: &[Uid],
    ) -> Result<Vec<MessageSummary>> {
        self.backend()
            .message_summaries(self.actor, mailbox_id, uids)
    }

    /// The metadata extracted from one of the account's emails when it was stored (also of an
    /// email expunged moments ago, until the collector removes it).
    pub fn message_meta(&self, account_id: AccountId, id: MessageId) -> Result<MessageMeta> {
        self.backend().message_meta(self.actor, account_id, id)
    }

    /// The stored metadata of these emails of `account_id`, in the order asked, in one read
    /// (also of an email expunged moments ago, until the collector removes it). `None` for an
    /// email the account does not have, and for metadata of another layout
    /// ([`crate::meta::META_VERSION`]): parse the message instead.
    pub fn message_metas(
        &self,
        account_id: AccountId,
        ids: &[MessageId],
    ) -> Result<Vec<Option<MessageMeta>>> {
        self.backend().message_metas(self.actor, account_id, ids)
    }

    /// [`Mail::message_metas`] without the body structures (a message list: JMAP Email/get
    /// of envelope properties, preview and attachment flag).
    pub fn message_listings(
        &self,
        account_id: AccountId,
        ids: &[MessageId],
    ) -> Result<Vec<Option<kantor_message::MetaListing>>> {
        self.backend().message_listings(self.actor, account_id, ids)
    }

    /// [`Mail::message_metas`], the envelopes alone: the rest of each row is not built (a
    /// message list).
    pub fn message_envelopes(
        &self,
        account_id: AccountId,
        ids: &[MessageId],
    ) -> Result<Vec<Option<crate::meta::Envelope>>> {
        self.backend()
            .message_envelopes(self.actor, account_id, ids)
    }

    /// The account's emails with these ids, in the order asked, each with the mailboxes it is
    /// filed in (JMAP Email/get), tombstones marked `destroyed`; `None` for an id the account
    /// does not have.
    pub fn emails(
        &self,
        account_id: AccountId,
        ids: &[MessageId],
    ) -> Result<Vec<Option<crate::EmailRecord>>> {
        self.backend().emails(self.actor, account_id, ids)
    }

    /// Every email of the account, newest first (JMAP Email/query without a mailbox).
    pub fn email_listing(&self, account_id: AccountId) -> Result<Vec<crate::EmailListing>> {
        self.backend().email_listing(self.actor, account_id)
    }

    /// [`Mail::email_listing`] of the emails among `ids` or with an id above `above` only: what
    /// a query the full-text index narrowed to those sorts and filters.
    pub fn email_listing_among(
        &self,
        account_id: AccountId,
        ids: &[MessageId],
        above: MessageId,
    ) -> Result<Vec<crate::EmailListing>> {
        self.backend()
            .email_listing_among(self.actor, account_id, ids, above)
    }

    /// The emails of a mailbox by received date, newest first when `newest_first`, handed to
    /// `visit` until it returns false (JMAP Email/query's first page reads only that page);
    /// `expected_rows` says about how far the caller will go.
    pub fn visit_mailbox_by_date(
        &self,
        mailbox_id: MailboxId,
        newest_first: bool,
        expected_rows: usize,
        visit: &mut dyn FnMut(crate::EmailListing) -> bool,
    ) -> Result<()> {
        self.backend().visit_mailbox_by_date(
            self.actor,
            mailbox_id,
            newest_first,
            expected_rows,
            visit,
        )
    }

    /// The account's out-of-office reply (off when never set).
    pub fn vacation(&self, account_id: AccountId) -> Result<crate::Vacation> {
        self.backend().vacation(self.actor, account_id)
    }

    /// The account's sending identities (RFC 8621 §6), the primary one first.
    pub fn identities(&self, account_id: AccountId) -> Result<Vec<crate::Identity>> {
        self.backend().identities(self.actor, account_id)
    }

    /// Creates (id 0) or updates an identity, logged; its id. The caller checked the address.
    pub async fn put_identity(
        &self,
        account_id: AccountId,
        identity: crate::Identity,
    ) -> Result<i64> {
        self.backend()
            .put_identity(self.actor, account_id, identity)
            .await
    }

    /// The account's notices of changed rights on others' mailboxes (RFC 9670 §5), oldest
    /// first; its owner's alone.
    pub fn share_notifications(
        &self,
        account_id: AccountId,
    ) -> Result<Vec<crate::ShareNotification>> {
        self.backend().share_notifications(self.actor, account_id)
    }

    /// Dismisses a notice of changed rights, logged as destroyed.
    pub async fn destroy_share_notification(&self, account_id: AccountId, id: i64) -> Result<()> {
        self.backend()
            .destroy_share_notification(self.actor, account_id, id)
            .await
    }

    /// Destroys an identity other than the primary one, logged.
    pub async fn destroy_identity(&self, account_id: AccountId, id: i64) -> Result<()> {
        self.backend()
            .destroy_identity(self.actor, account_id, id)
            .await
    }

    /// Records a message sent over JMAP (RFC 8621 §7), logged as a created submission; its id.
    pub async fn record_submission(
        &self,
        account_id: AccountId,
        submission: crate::EmailSubmission,
    ) -> Result<i64> {
        self.backend()
            .record_submission(self.actor, account_id, submission)
            .await
    }

    /// The account's recorded submissions, oldest first.
    pub fn submissions(&self, account_id: AccountId) -> Result<Vec<crate::EmailSubmission>> {
        self.backend().submissions(self.actor, account_id)
    }

    /// Replaces the account's out-of-office reply: an account change (logged, announced).
    pub async fn set_vacation(
        &self,
        account_id: AccountId,
        vacation: crate::Vacation,
    ) -> Result<()> {
        self.backend()
            .set_vacation(self.actor, account_id, vacation)
            .await
    }

    /// The account's Sieve scripts (RFC 5228) in name order.
    pub fn sieve_scripts(&self, account_id: AccountId) -> Result<Vec<crate::SieveScript>> {
        self.backend().sieve_scripts(self.actor, account_id)
    }

    /// The account's active Sieve script, the one delivery runs.
    pub fn active_sieve_script(&self, account_id: AccountId) -> Result<Option<crate::SieveScript>> {
        self.backend().active_sieve_script(self.actor, account_id)
    }

    /// Stores a script (its content replaced if the name exists, else added while the account
    /// has fewer than `max_scripts`), logged. The caller checked that it compiles.
    pub async fn put_sieve_script(
        &self,
        account_id: AccountId,
        name: String,
        content: String,
        max_scripts: u32,
    ) -> Result<()> {
        self.backend()
            .put_sieve_script(self.actor, account_id, name, content, max_scripts)
            .await
    }

    /// Adds a script under a new name (`AlreadyExists` if taken) while the account has fewer
    /// than `max_scripts`, logged; its id. The caller checked that it compiles.
    pub async fn create_sieve_script(
        &self,
        account_id: AccountId,
        name: String,
        content: String,
        max_scripts: u32,
    ) -> Result<i64> {
        self.backend()
            .create_sieve_script(self.actor, account_id, name, content, max_scripts)
            .await
    }

    /// Renames and/or rewrites the script `id` in one logged change (`AlreadyExists` when
    /// another script has the name). The caller checked that the content compiles.
    pub async fn update_sieve_script(
        &self,
        account_id: AccountId,
        id: i64,
        name: Option<String>,
        content: Option<String>,
    ) -> Result<()> {
        self.backend()
            .update_sieve_script(self.actor, account_id, id, name, content)
            .await
    }

    /// Makes the named script the active one, or deactivates all with `None`, logged.
    pub async fn activate_sieve_script(
        &self,
        account_id: AccountId,
        name: Option<String>,
    ) -> Result<()> {
        self.backend()
            .activate_sieve_script(self.actor, account_id, name)
            .await
    }

    /// Renames a script, logged (`AlreadyExists` when the new name is taken).
    pub async fn rename_sieve_script(
        &self,
        account_id: AccountId,
        old: String,
        new: String,
    ) -> Result<()> {
        self.backend()
            .rename_sieve_script(self.actor, account_id, old, new)
            .await
    }

    /// Deletes a script, logged (`InUse` for the active one).
    pub async fn delete_sieve_script(&self, account_id: AccountId, name: String) -> Result<()> {
        self.backend()
            .delete_sieve_script(self.actor, account_id, name)
            .await
    }

    /// Whether the account's vacation answered under `key` and may not yet answer again.
    pub fn sieve_replied(&self, account_id: AccountId, key: &str, now: i64) -> Result<bool> {
        self.backend()
            .sieve_replied(self.actor, account_id, key, now)
    }

    /// Records a vacation answer under `key`, not to be repeated before `expires_at`.
    pub async fn record_sieve_reply(
        &self,
        account_id: AccountId,
        key: String,
        expires_at: i64,
    ) -> Result<()> {
        self.backend()
            .record_sieve_reply(self.actor, account_id, key, expires_at)
            .await
    }

    /// Stores an uploaded blob (fsynced) as the account's (JMAP upload, RFC 8620 §6.1): kept
    /// for the collector's grace period unless an email is made of it.
    pub async fn record_upload(
        &self,
        account_id: AccountId,
        blob: crate::BlobRef,
        media_type: String,
    ) -> Result<crate::Upload> {
        self.backend()
            .record_upload(self.actor, account_id, blob, media_type)
            .await
    }

    /// The account's upload of `blob`, if it has one (not yet collected).
    pub fn upload(
        &self,
        account_id: AccountId,
        blob: &crate::BlobHash,
    ) -> Result<Option<crate::Upload>> {
        self.backend().upload(self.actor, account_id, blob)
    }

    /// Whether one of the account's emails is made of `blob` (JMAP download, RFC 8620 §6.2):
    /// only then may the account read it.
    pub fn account_has_blob(&self, account_id: AccountId, blob: &crate::BlobHash) -> Result<bool> {
        self.backend()
            .account_has_blob(self.actor, account_id, blob)
    }

    /// The emails of a thread, oldest first (JMAP Thread/get, RFC 8621 §3).
    pub fn thread_emails(&self, account_id: AccountId, thread_id: i64) -> Result<Vec<MessageId>> {
        self.backend()
            .thread_emails(self.actor, account_id, thread_id)
    }

    /// The keys of the messages of a mailbox that have keys of the current version, in UID
    /// order, with only `wanted` read (one read; `complete` false for an email whose keys
    /// were too large to keep). Messages without such keys are left out: read them.
    pub fn message_keys(&self, mailbox_id: MailboxId, wanted: &[KeyColumn]) -> Result<KeysTable> {
        let mut table = KeysTable::new(wanted, 0);
        self.visit_message_keys(mailbox_id, wanted, &mut |keys| {
            table.push_copy(keys);
            true
        })?;
        Ok(table)
    }

    /// [`Mail::message_keys`] one message at a time, without gathering them: `visit` is called
    /// for each, in UID order, until it returns false. It runs inside the read: it may read
    /// blobs, not make other store calls.
    pub fn visit_message_keys(
        &self,
        mailbox_id: MailboxId,
        wanted: &[KeyColumn],
        visit: &mut dyn FnMut(KeysRef<'_>) -> bool,
    ) -> Result<()> {
        self.backend()
            .visit_message_keys(self.actor, mailbox_id, wanted, visit)
    }

    /// Adds messages to chosen mailboxes in one transaction (IMAP APPEND and MULTIAPPEND,
    /// RFC 3502: all or none). Quota is enforced.
    pub async fn append(&self, messages: Vec<NewMessage>) -> Result<Vec<Delivered>> {
        self.backend().append(self.actor, messages).await
    }

    /// Changes flags and keywords of messages in a mailbox (RFC 9051 §6.4.6; UNCHANGEDSINCE,
    /// RFC 7162 §3.1.3). Only messages whose flags really change get the new modseq. Flags other
    /// than `\Deleted` belong to the email, so every mailbox it is filed in sees the change.
    pub async fn set_flags(
        &self,
        account_id: AccountId,
        mailbox_id: MailboxId,
        uids: Vec<Uid>,
        change: FlagChange,
    ) -> Result<FlagResult> {
        self.backend()
            .set_flags(self.actor, account_id, mailbox_id, uids, change)
            .await
    }

    /// Copies messages to another mailbox of the same account (RFC 9051 §6.4.7): each email is
    /// filed in the destination too, with a new UID there (JMAP sees one email in two
    /// mailboxes); an email already in the destination (a copy into its own mailbox) is
    /// duplicated as a new email sharing the blob. Returns (source UID, new UID) pairs for
    /// COPYUID (RFC 4315).
    pub async fn copy_messages(
        &self,
        account_id: AccountId,
        from: MailboxId,
        uids: Vec<Uid>,
        to: MailboxId,
    ) -> Result<Vec<(Uid, Uid)>> {
        self.backend()
            .copy_messages(self.actor, account_id, from, uids, to)
            .await
    }

    /// Moves messages to another mailbox (RFC 6851): each email keeps its id (RFC 8474 EMAILID)
    /// and gets a new UID in the destination; the source sees it expunged. Returns (source UID,
    /// new UID) pairs.
    pub async fn move_messages(
        &self,
        account_id: AccountId,
        from: MailboxId,
        uids: Vec<Uid>,
        to: MailboxId,
    ) -> Result<Vec<(Uid, Uid)>> {
        self.backend()
            .move_messages(self.actor, account_id, from, uids, to)
            .await
    }

    /// Removes messages from a mailbox (IMAP EXPUNGE, POP3 UPDATE state) in one transaction.
    /// Returns the UIDs removed; UIDs not in the mailbox are skipped. An email removed from its
    /// last mailbox becomes a tombstone: sessions that have not heard of the expunge can still
    /// read it until the collector removes it after the grace period.
    pub async fn expunge(
        &self,
        account_id: AccountId,
        mailbox_id: MailboxId,
        uids: Vec<Uid>,
    ) -> Result<Vec<Uid>> {
        self.backend()
            .expunge(self.actor, account_id, mailbox_id, uids)
            .await
    }

    /// The account's change log after `since` (exclusive), oldest first. Fails with
    /// [`crate::StoreError::ChangesPruned`] when the log was pruned past `since`.
    pub fn changes_since(&self, account_id: AccountId, since: Modseq) -> Result<Vec<Change>> {
        self.backend().changes_since(self.actor, account_id, since)
    }

    /// At most `max` changes after `since` (more only when one modseq alone has more), of the
    /// kinds in `objects` (all kinds when empty), oldest first.
    pub fn changes_page(
        &self,
        account_id: AccountId,
        since: Modseq,
        max: usize,
        objects: &[ObjectKind],
    ) -> Result<ChangePage> {
        self.backend()
            .changes_page(self.actor, account_id, since, max, objects)
    }
}
