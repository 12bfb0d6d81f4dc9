//! Plain data the store hands out: identifiers, directory entries, mailboxes and messages.

use serde::{Deserialize, Serialize};

/// An account (mailbox owner).
pub type AccountId = i64;
/// A mailbox (folder) of one account.
pub type MailboxId = i64;
/// A stored message (one copy in one mailbox).
pub type MessageId = i64;
/// An IMAP UID (RFC 9051 §2.3.1.1): strictly increasing per mailbox.
pub type Uid = u32;
/// The account's change counter: IMAP MODSEQ (RFC 7162) and JMAP state derive from it.
pub type Modseq = u64;

/// A mail domain this server is the final destination for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domain {
    pub id: i64,
    pub name: String,
}

/// A DKIM signing key of a domain (RFC 6376 §3.6, RFC 8463).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DkimKey {
    pub selector: String,
    /// `rsa-sha256` or `ed25519-sha256`.
    pub algorithm: String,
    /// PKCS#8 DER.
    pub private_key: Vec<u8>,
    /// The base64 of the DNS record's `p=`.
    pub public_key: String,
    pub created_at: i64,
}

/// An MTA-STS policy as cached for a destination domain (RFC 8461 §5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedStsPolicy {
    pub domain: String,
    /// The `id=` of the `_mta-sts` TXT record the policy was fetched with.
    pub id: String,
    /// The policy text as fetched.
    pub policy: String,
    pub fetched_at: i64,
    pub expires_at: i64,
}

/// One outbound TLS session's result, as TLS-RPT counts it (RFC 8460 §4).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct TlsResult {
    /// The UTC day, `YYYY-MM-DD`.
    pub day: String,
    pub domain: String,
    /// `sts`, `tlsa` or `no-policy-found` (§4.4).
    pub policy_type: String,
    /// The policy's lines joined by newlines (empty for none).
    pub policy_string: String,
    /// The MX host and the address the session went to (§4.4 `receiving-mx-hostname`,
    /// `receiving-ip`; empty when no session was opened, as for a policy that failed).
    pub mx_host: String,
    pub receiving_ip: String,
    /// Our end of the session: its socket's local address (§4.4 `sending-mta-ip`; empty when
    /// no session was opened).
    pub sending_ip: String,
    /// The name the receiving server announced in its EHLO reply or greeting (§4.4
    /// `receiving-mx-helo`; empty when unknown, and for a success).
    pub helo: String,
    /// `success`, or a result type of §4.3 (`certificate-host-mismatch`, ...).
    pub result: String,
    /// A failure's reason in a few words (§4.4 `failure-reason-code`: the TLS library's error,
    /// the server's reply to STARTTLS; bounded by the caller; empty for a success).
    pub reason: String,
}

/// A user or shared mailbox account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: AccountId,
    pub local: String,
    pub domain: String,
    pub password_hash: String,
    pub is_admin: bool,
    /// Quota in bytes; 0 means unlimited.
    pub quota_bytes: u64,
    pub used_bytes: u64,
    pub modseq: Modseq,
    /// Refused at every login and ended at every session's next command; still receives mail.
    pub disabled: bool,
    /// The last successful login, in Unix seconds (to the minute); `None`: never.
    pub last_login_at: Option<i64>,
    /// Raised by an unlock: failed-login counters kept under an older generation no longer
    /// count (`kantor-directory`'s throttle).
    pub auth_generation: u64,
    /// A shared mailbox account (`kantor admin shared add`): nobody logs in to it; its members
    /// reach it through its mailboxes' ACLs.
    pub shared: bool,
}

impl Account {
    /// The account's primary address, `local@domain`.
    pub fn address(&self) -> String {
        format!("{}@{}", self.local, self.domain)
    }
}

/// Whether an account may still be used, as an open session asks before each command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountState {
    Active,
    /// Disabled by an administrator: no logins, open sessions end.
    Disabled,
    /// Removed: it and its mail are gone.
    Removed,
}

/// A source address locked out of an account by the failed-login throttle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lockout {
    /// The source address, as the logs write it.
    pub source: String,
    /// Refused until then (Unix seconds).
    pub until: i64,
}

/// An app password of an account (migration 0020), without its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppPassword {
    pub id: i64,
    pub account_id: AccountId,
    /// The name the user gave it, unique in the account.
    pub name: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds, to within the directory's recording interval; `None`: never used.
    pub last_used_at: Option<i64>,
}

/// What the store is given to add an app password: the hash of its secret, never the secret.
#[derive(Debug, Clone)]
pub struct NewAppPassword {
    pub account_id: AccountId,
    pub name: String,
    pub secret_hash: Vec<u8>,
    pub created_at: i64,
}

/// What renaming an account carried over to its new address.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Renamed {
    /// Alias targets that named the old address.
    pub alias_targets: u64,
    /// Group memberships that named the old address.
    pub group_memberships: u64,
}

/// What a new account is created with.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub local: String,
    pub domain: String,
    pub password_hash: String,
    pub is_admin: bool,
    pub quota_bytes: u64,
}

/// An alias: mail to `local@domain` (catch-all when `local` is empty) goes to `target`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alias {
    pub local: String,
    pub domain: String,
    pub target: String,
}

/// A distribution list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub id: i64,
    pub local: String,
    pub domain: String,
    /// Member addresses (users, aliases or other groups).
    pub members: Vec<String>,
    /// Addresses of the accounts allowed to send as the group.
    pub senders: Vec<String>,
}

/// Who grants, or is granted, a right to send for others: an account or a group (by id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Principal {
    Account(AccountId),
    Group(i64),
}

/// How a grantee may send with a grantor's address (RFC 5322 §3.6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SendLevel {
    /// "Send on Behalf": From is the grantor, Sender the grantee's own address.
    OnBehalf,
    /// "Send As": From is the grantor, and nothing need say who sent it.
    As,
}

impl SendLevel {
    /// The level as stored and shown (`as`, `on-behalf`).
    pub fn as_str(self) -> &'static str {
        match self {
            SendLevel::As => "as",
            SendLevel::OnBehalf => "on-behalf",
        }
    }
}

/// A notice that the user's rights on another account's mailbox changed (JMAP Sharing, RFC
/// 9670 §5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareNotification {
    pub id: i64,
    /// When, in Unix seconds.
    pub created: i64,
    /// Who changed it: a user's address, or `None` for the administrator.
    pub changed_by: Option<String>,
    pub changed_by_account: Option<AccountId>,
    /// The mailbox's account, the mailbox and its name at the time.
    pub object_account: AccountId,
    pub mailbox: MailboxId,
    pub name: String,
    pub old_rights: crate::Rights,
    pub new_rights: crate::Rights,
}

/// A right to send for others: `grantee` may send with `grantor`'s address at `level`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendGrant {
    pub grantor: Principal,
    pub grantor_address: String,
    pub grantee: Principal,
    pub grantee_address: String,
    pub level: SendLevel,
}

/// The special-use role of a mailbox (RFC 6154; JMAP Mailbox/role).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MailboxRole {
    Inbox,
    Drafts,
    Sent,
    Junk,
    Trash,
    Archive,
}

impl MailboxRole {
    /// The mailboxes every account gets at creation, with their names.
    pub const DEFAULTS: [(MailboxRole, &'static str); 6] = [
        (MailboxRole::Inbox, "INBOX"),
        (MailboxRole::Drafts, "Drafts"),
        (MailboxRole::Sent, "Sent"),
        (MailboxRole::Junk, "Junk"),
        (MailboxRole::Trash, "Trash"),
        (MailboxRole::Archive, "Archive"),
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MailboxRole::Inbox => "inbox",
            MailboxRole::Drafts => "drafts",
            MailboxRole::Sent => "sent",
            MailboxRole::Junk => "junk",
            MailboxRole::Trash => "trash",
            MailboxRole::Archive => "archive",
        }
    }

    pub fn parse(s: &str) -> Option<MailboxRole> {
        Self::DEFAULTS
            .iter()
            .map(|(role, _)| *role)
            .find(|role| role.as_str() == s)
    }
}

/// A mailbox with its counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    pub id: MailboxId,
    pub account_id: AccountId,
    pub name: String,
    pub role: Option<MailboxRole>,
    pub uidvalidity: u32,
    pub uidnext: Uid,
    pub highest_modseq: Modseq,
    pub total: u32,
    pub unseen: u32,
    pub size: u64,
    /// Whether the mailbox's current name is in the account's subscriptions (RFC 9051 §6.3.7);
    /// subscriptions are names, kept apart ([`crate::Mail::subscriptions`]).
    pub subscribed: bool,
    /// The highest UID a read-write IMAP session has claimed as `\Recent` (RFC 3501 §2.3.2):
    /// messages above it are recent for the next one ([`crate::Mail::claim_recent`]).
    pub recent_uid: Uid,
}

/// The IMAP system flags (RFC 9051 §2.3.2), stored as a bit set. `\Recent` is per session and
/// never stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Flags(pub u32);

impl Flags {
    pub const SEEN: Flags = Flags(1);
    pub const ANSWERED: Flags = Flags(2);
    pub const FLAGGED: Flags = Flags(4);
    pub const DELETED: Flags = Flags(8);
    pub const DRAFT: Flags = Flags(16);

    pub fn contains(self, other: Flags) -> bool {
        self.0 & other.0 == other.0
    }
    pub fn with(self, other: Flags) -> Flags {
        Flags(self.0 | other.0)
    }
    pub fn without(self, other: Flags) -> Flags {
        Flags(self.0 & !other.0)
    }
}

/// What is needed to list a mailbox's messages without reading their bodies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageSummary {
    pub id: MessageId,
    pub uid: Uid,
    pub modseq: Modseq,
    pub flags: Flags,
    /// Keywords other than the system flags (RFC 9051 §2.3.2), as first set.
    pub keywords: Vec<String>,
    pub size: u64,
    pub blob: crate::BlobHash,
    pub internal_date: i64,
    /// When the message was stored in this mailbox (RFC 8514 SAVEDATE).
    pub saved_date: i64,
    pub thread_id: i64,
}

/// An email apart from any mailbox, with the mailboxes it is filed in (JMAP Email, RFC 8621
/// §4.1.1): its id is the IMAP EMAILID's number, its thread the THREADID's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailRecord {
    pub id: MessageId,
    pub thread_id: i64,
    pub blob: crate::BlobHash,
    pub size: u64,
    /// INTERNALDATE, unix seconds (JMAP `receivedAt`).
    pub received_at: i64,
    /// `\Seen`, `\Answered`, `\Flagged`, `\Draft` (`\Deleted` is per mailbox, IMAP's own).
    pub flags: Flags,
    pub keywords: Vec<String>,
    /// Where it is filed: each mailbox with the email's UID there (none once destroyed).
    pub filed: Vec<(MailboxId, Uid)>,
    /// The account's modseq when the email came to be (0: before JMAP existed).
    pub created_modseq: Modseq,
    /// A tombstone: taken out of its last mailbox (kept until the collector removes it).
    pub destroyed: bool,
}

/// Who a user sends as (JMAP Identity, RFC 8621 §6).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    /// Global, never reused; 0 for one not created yet.
    pub id: i64,
    /// The address; `None` for the primary identity, whose address is the account's.
    pub email: Option<String>,
    pub name: String,
    /// EmailAddress[] as JSON, or none.
    pub reply_to: Option<String>,
    /// EmailAddress[] as JSON, or none.
    pub bcc: Option<String>,
    pub text_signature: String,
    pub html_signature: String,
}

/// A message sent over JMAP (RFC 8621 §7), as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailSubmission {
    /// Global, never reused; 0 for one not recorded yet.
    pub id: i64,
    pub identity_id: String,
    pub email_id: crate::MessageId,
    pub thread_id: i64,
    /// The SMTP envelope as JMAP's Envelope object (JSON).
    pub envelope: String,
    /// Unix seconds.
    pub send_at: i64,
    /// The queue ids of its remote recipients (when recording it: linked to it).
    pub queue_ids: Vec<i64>,
    /// Where each remote recipient's delivery stands (when read).
    pub delivery: Vec<SubmissionDelivery>,
}

/// A remote recipient of a submission and its delivery, from the queue (RFC 8621 §7
/// `deliveryStatus`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmissionDelivery {
    pub address: String,
    pub status: QueueStatus,
    /// The last temporary or the permanent error.
    pub last_error: Option<String>,
    /// The accepting server's reply.
    pub remote_reply: Option<String>,
}

/// An account's out-of-office reply (JMAP VacationResponse, RFC 8621 §8); dates in Unix
/// seconds, UTC.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vacation {
    pub enabled: bool,
    pub from_date: Option<i64>,
    pub to_date: Option<i64>,
    pub subject: Option<String>,
    pub text_body: Option<String>,
    pub html_body: Option<String>,
}

/// One of an account's Sieve scripts (RFC 5228), named as ManageSieve names it (RFC 5804).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SieveScript {
    pub id: i64,
    pub name: String,
    pub content: String,
    /// The one script run at delivery (at most one per account).
    pub active: bool,
}

/// A blob an account uploaded (JMAP upload, RFC 8620 §6.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub blob: crate::BlobHash,
    pub size: u64,
    /// The media type the client gave.
    pub media_type: String,
    /// Unix seconds.
    pub created_at: i64,
}

/// What a query over all of an account's emails sorts and collapses by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmailListing {
    pub id: MessageId,
    pub thread_id: i64,
    pub received_at: i64,
    pub size: u64,
}

/// A message added to one mailbox by its owner (IMAP APPEND, JMAP Email/import).
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub account_id: AccountId,
    pub mailbox_id: MailboxId,
    pub blob: crate::BlobRef,
    pub flags: Flags,
    pub keywords: Vec<String>,
    pub internal_date: i64,
}

/// How a flag change combines with the flags a message has (IMAP STORE, RFC 9051 §6.4.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagOperation {
    Add,
    Remove,
    Replace,
}

/// A flag change for a set of messages, optionally conditional (RFC 7162 §3.1.3 UNCHANGEDSINCE).
#[derive(Debug, Clone)]
pub struct FlagChange {
    pub operation: FlagOperation,
    pub flags: Flags,
    pub keywords: Vec<String>,
    pub unchanged_since: Option<Modseq>,
}

/// A message's flags after a flag change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagState {
    pub id: MessageId,
    pub uid: Uid,
    pub flags: Flags,
    pub keywords: Vec<String>,
    pub modseq: Modseq,
    /// Whether this change altered the message (and so gave it a new modseq).
    pub changed: bool,
}

/// The outcome of a flag change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlagResult {
    /// Every message of the request still present, with its flags now.
    pub states: Vec<FlagState>,
    /// UIDs left alone because they changed after `unchanged_since` (RFC 7162 MODIFIED).
    pub modified: Vec<Uid>,
}

/// Where a delivered message landed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    pub account_id: AccountId,
    pub mailbox_id: MailboxId,
    pub message_id: MessageId,
    pub uid: Uid,
    pub modseq: Modseq,
}

/// A message for local delivery to one or more accounts (each gets its own copy, all sharing
/// one blob), in each recipient's INBOX or another mailbox found by its role.
#[derive(Debug, Clone)]
pub struct IncomingMessage {
    pub blob: crate::BlobRef,
    pub recipients: Vec<AccountId>,
    pub flags: Flags,
    /// Unix seconds; IMAP INTERNALDATE (RFC 9051 §2.3.3).
    pub internal_date: i64,
    /// What to do with recipients the message would take past their quota.
    pub quota: QuotaRule,
    /// The special-use mailbox each copy is filed in (`Junk` for mail that failed its
    /// sender's DMARC policy, RFC 7489 §6.3 "quarantine"); a recipient without a mailbox of that
    /// role gets it in its INBOX.
    pub mailbox: MailboxRole,
}

/// How a delivery treats recipients without room for the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaRule {
    /// Deliver to everyone regardless (the server's own messages).
    Ignore,
    /// Refuse the whole delivery (`StoreError::QuotaExceeded`) if any recipient lacks room.
    RefuseAll,
    /// Deliver to those with room and leave out the others (the caller sees who is missing
    /// from the result, and bounces for them); `QuotaExceeded` only when nobody has room.
    SkipFull,
}

/// One remote recipient of a submitted message, with its DSN parameters (RFC 3461).
#[derive(Debug, Clone, Default)]
pub struct QueueRecipient {
    pub address: String,
    pub notify: Option<String>,
    pub orcpt: Option<String>,
}

/// A submitted message waiting for outbound delivery.
#[derive(Debug, Clone)]
pub struct OutgoingMessage {
    pub blob: crate::BlobRef,
    pub account_id: Option<AccountId>,
    pub mail_from: String,
    pub recipients: Vec<QueueRecipient>,
    pub envid: Option<String>,
    pub ret: Option<String>,
}

/// One recipient of a queued outbound message: what the delivery worker needs, and where its
/// delivery stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueEntry {
    pub id: i64,
    /// The submitting account (none for mail relayed without login).
    pub account_id: Option<AccountId>,
    /// The envelope sender; empty for a bounce (RFC 5321 §4.5.5).
    pub mail_from: String,
    pub rcpt_to: String,
    pub blob: crate::BlobHash,
    /// DSN parameters given at submission (RFC 3461).
    pub envid: Option<String>,
    pub ret: Option<String>,
    pub notify: Option<String>,
    pub orcpt: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    pub attempts: u32,
    pub next_attempt_at: i64,
    pub status: QueueStatus,
    pub last_error: Option<String>,
    /// The remote server's reply when delivered.
    pub remote_reply: Option<String>,
    /// Whether the sender was told of a delay.
    pub warned: bool,
}

/// Where a queued recipient's delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueStatus {
    Queued,
    Deferred,
    Delivered,
    Bounced,
}

impl QueueStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            QueueStatus::Queued => "queued",
            QueueStatus::Deferred => "deferred",
            QueueStatus::Delivered => "delivered",
            QueueStatus::Bounced => "bounced",
        }
    }

    pub fn parse(text: &str) -> Option<QueueStatus> {
        [
            QueueStatus::Queued,
            QueueStatus::Deferred,
            QueueStatus::Delivered,
            QueueStatus::Bounced,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    /// Delivered or bounced: nothing more will be tried.
    pub fn is_final(self) -> bool {
        matches!(self, QueueStatus::Delivered | QueueStatus::Bounced)
    }
}

/// What one delivery attempt of a queued recipient came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueOutcome {
    /// Accepted by the remote server, with its reply.
    Delivered(String),
    /// A temporary failure: tried again at `retry_at` (unix seconds).
    Deferred { error: String, retry_at: i64 },
    /// A permanent failure, or expiry: the sender is told.
    Bounced(String),
    /// The sender was told of the delay (the status is unchanged).
    Warned,
    /// An operator asked for it to be tried now.
    RetryNow,
}

/// What one collection removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct GcReport {
    /// Tombstoned emails removed.
    pub emails: u64,
    /// Blobs deleted (rows and files) whose last reference went before the cutoff.
    pub blobs: u64,
    /// Blob files deleted that no row referenced.
    pub orphan_files: u64,
    /// Bytes of the deleted blobs that had rows (orphans' sizes are not known).
    pub bytes: u64,
}
