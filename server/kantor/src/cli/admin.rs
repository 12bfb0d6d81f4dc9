//! `kantor admin`'s commands and arguments (docs/admin.md has them with examples).

use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Args)]
pub struct AdminArgs {
    /// Data directory of the server to manage.
    #[arg(long, default_value = "./kantor-data", env = "KANTOR_DATA")]
    pub data: PathBuf,
    #[command(subcommand)]
    pub command: AdminCommand,
}

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Mail domains this server receives for.
    #[command(subcommand)]
    Domain(DomainCommand),
    /// User accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Extra addresses for a user or group; `@domain` is the domain's catch-all.
    #[command(subcommand)]
    Alias(AliasCommand),
    /// Groups (distribution lists).
    #[command(subcommand)]
    Group(GroupCommand),
    /// Rights to send for others, "Send As" and "Send on Behalf" (RFC 5322 §3.6.2), checked at
    /// submission, and the Sent copies of such mail.
    #[command(subcommand)]
    SendRights(SendRightsCommand),
    /// Shared mailboxes: accounts nobody logs in to, read by their members.
    #[command(subcommand)]
    Shared(crate::cli::sharing::SharedCommand),
    /// Rights on mailboxes (IMAP ACL, RFC 4314), for any account.
    #[command(subcommand)]
    Acl(crate::cli::sharing::AclCommand),
    /// Delegation: an assistant or deputy reads, files or sends another user's mail, at a
    /// level (mailbox rights and send rights set together).
    #[command(subcommand)]
    Delegate(crate::cli::sharing::DelegateCommand),
    /// App passwords: a secret per client, usable where the password is (and as an HTTP
    /// Bearer token), revocable one by one.
    #[command(subcommand)]
    AppPassword(AppPasswordCommand),
    /// The outbound queue.
    #[command(subcommand)]
    Queue(QueueCommand),
    /// TLS-RPT reports (RFC 8460) of outbound TLS sessions.
    #[command(subcommand)]
    TlsReport(TlsReportCommand),
    /// Delete what nothing references any more: expunged emails and their blobs, and blob
    /// files left by refused deliveries, once older than the grace period. The server does
    /// this by itself every `store.gc_interval_secs`.
    Gc {
        /// Keep anything released less than this many seconds ago (sessions may still read
        /// it). Default: the configured `store.gc_grace_secs`.
        #[arg(long)]
        grace: Option<u64>,
        /// Also prune the change log of changes older than this many days. Default: the
        /// configured `store.change_log_days`.
        #[arg(long)]
        change_log_days: Option<u64>,
    },
    /// Rebuild the full-text index (under DATA/search/) from the stored mail, with progress,
    /// or index one account's mail again. Stop the server first: it holds the index (and
    /// rebuilds a missing one by itself at start).
    Reindex {
        /// Only this user's mail (an address), instead of the whole index.
        #[arg(long)]
        account: Option<String>,
        /// The server's configuration file, for its `[search]` limits and `stemming` (an index
        /// built otherwise is rebuilt at the server's next start). Default: the embedded
        /// defaults.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// The full-text index: documents, size on disk, and how far it is behind the change log.
    IndexStatus(JsonArg),
}

/// A listing's options: which domain, and in which form.
#[derive(Args)]
pub struct ListArgs {
    /// Only this domain's entries (a domain that is not local is an error).
    #[arg(long)]
    pub domain: Option<String>,
    /// Print a JSON array instead of lines, for scripts.
    #[arg(long)]
    pub json: bool,
}

/// Print JSON instead of lines.
#[derive(Args)]
pub struct JsonArg {
    /// Print JSON instead of lines, for scripts.
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand)]
pub enum QueueCommand {
    /// List queued recipients: waiting (queued, deferred) and, as history, delivered or bounced.
    List(JsonArg),
    /// Show one queued recipient: its envelope, status, attempts and last reply or error.
    Show {
        /// The recipient's queue id (`queue list` shows it).
        id: i64,
        /// Print JSON instead of lines, for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Try a waiting recipient now.
    Retry {
        /// The recipient's queue id.
        id: i64,
    },
    /// Remove a recipient from the queue without telling the sender.
    Delete {
        /// The recipient's queue id.
        id: i64,
    },
    /// Give up on a waiting recipient now: bounced, and the sender gets a DSN.
    Bounce {
        /// The recipient's queue id.
        id: i64,
        /// The server's configuration file, for `[server] hostname` and the `[sieve]` limits
        /// the DSN's delivery runs with. Default: the embedded defaults.
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
pub enum TlsReportCommand {
    /// Send a day's reports now to the domains that ask for them (`_smtp._tls` TXT): mail is
    /// queued for the running server's worker, HTTPS reports are posted at once. The server
    /// sends each ended day's reports by itself.
    Send {
        /// The UTC day (YYYY-MM-DD), or `today`. Default: yesterday.
        #[arg(long)]
        date: Option<String>,
        /// The server's configuration file (for `[server] hostname`, `[resolver]` and
        /// `[outbound]`). Default: the embedded defaults.
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
pub enum DomainCommand {
    /// Receive mail for a new domain.
    Add {
        /// The domain name, e.g. example.com.
        name: String,
    },
    /// List the local domains.
    List(JsonArg),
    /// Print every DNS record the domain needs (MX, SPF, DKIM, DMARC, MTA-STS, TLS-RPT, SRV), as
    /// zone-file lines ready to paste.
    Dns {
        /// The domain name.
        name: String,
        /// The mail server's host name (default: `[server] hostname` of `--config`, else this
        /// machine's).
        #[arg(long)]
        hostname: Option<String>,
        /// The server's configuration file, for the MTA-STS policy it serves (`[mta_sts]`).
        /// Default: the embedded defaults.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Stop receiving mail for a domain; only once it has no users, aliases or groups left.
    Remove {
        /// The domain name.
        name: String,
        /// Do not ask for confirmation.
        #[arg(long, short)]
        yes: bool,
    },
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create a user; without --password-stdin a password is generated and printed.
    Add {
        /// The user's address, e.g. alice@example.com.
        address: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        /// Quota, e.g. 500M, 1.5G or 2 GiB (0 or unlimited: no limit).
        #[arg(long, default_value = "0")]
        quota: String,
        /// Make the user an administrator.
        #[arg(long)]
        admin: bool,
    },
    /// List users with their usage, quota and status.
    List(ListArgs),
    /// Show a user: aliases and groups, quota, last login, whether disabled.
    Show {
        /// The user's address.
        address: String,
        #[command(flatten)]
        json: JsonArg,
    },
    /// Set a user's password (from standard input, or generated and printed).
    Passwd {
        /// The user's address.
        address: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a user's quota.
    Quota {
        /// The user's address.
        address: String,
        /// The quota, e.g. 500M, 1.5G or 2 GiB (0 or unlimited: no limit).
        size: String,
    },
    /// Refuse the user's logins and end its open sessions (mail is still delivered).
    ///
    /// Every protocol refuses the user's password with a message saying that the account is
    /// disabled; its open IMAP and POP3 sessions end at their next command (an idling IMAP
    /// session within a second), and a submission session refuses its next message.
    Disable {
        /// The user's address.
        address: String,
    },
    /// Allow a disabled user to log in again.
    Enable {
        /// The user's address.
        address: String,
    },
    /// Forget the user's failed logins (also in the running server).
    ///
    /// Addresses refused for this account after too many wrong passwords may try again at
    /// once. An address refused for guessing many accounts stays refused until its lockout
    /// ends.
    Unlock {
        /// The user's address.
        address: String,
    },
    /// Give a user a new address, keeping its mail; aliases and groups follow.
    ///
    /// The account keeps its id, mail, password, quota and "Send As" rights; alias targets
    /// and group members naming the old address name the new one. The old address is free
    /// again afterwards (add it as an alias to keep receiving its mail).
    Rename {
        /// The user's current address.
        old: String,
        /// The new address (in any local domain).
        new: String,
    },
    /// Delete a user and all its mail, and end its open sessions (asks first).
    Remove {
        /// The user's address.
        address: String,
        /// Do not ask for confirmation.
        #[arg(long, short)]
        yes: bool,
    },
}

#[derive(Subcommand)]
pub enum AliasCommand {
    /// Deliver mail for ALIAS (or, for @domain, any unknown address of the domain) to TARGET.
    Add {
        /// The alias address, or @domain for the domain's catch-all.
        alias: String,
        /// A local user, alias or group that receives the mail.
        target: String,
        /// Add it even if TARGET is no user, alias or group (yet); a warning says so.
        #[arg(long)]
        force: bool,
    },
    /// List aliases and catch-alls.
    List(ListArgs),
    /// Remove one target of an alias, or the whole alias.
    Remove {
        /// The alias address, or @domain for the catch-all.
        alias: String,
        /// Only this target (default: all of them).
        target: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum GroupCommand {
    /// Create a group.
    Add {
        /// The group's address, e.g. team@example.com.
        address: String,
    },
    /// List groups with their members and permitted senders.
    List(ListArgs),
    /// Delete a group (its members keep their own addresses).
    Remove {
        /// The group's address.
        address: String,
    },
    /// Add a member: each account the member reaches receives one copy.
    AddMember {
        /// The group's address.
        group: String,
        /// A local user, alias or group.
        member: String,
        /// Add it even if MEMBER is no user, alias or group (yet); a warning says so.
        #[arg(long)]
        force: bool,
    },
    /// Remove a member.
    RemoveMember {
        /// The group's address.
        group: String,
        /// The member's address.
        member: String,
    },
    /// Allow a user to send as the group ("Send As").
    AllowSender {
        /// The group's address.
        group: String,
        /// The user's address.
        user: String,
    },
    /// Stop a user from sending as the group.
    DenySender {
        /// The group's address.
        group: String,
        /// The user's address.
        user: String,
    },
}

#[derive(Subcommand)]
pub enum SendRightsCommand {
    /// Let GRANTEE send with GRANTOR's address in From (replacing a grant of another level).
    Grant {
        /// Whose address may be used: a user, a shared mailbox or a group.
        grantor: String,
        /// Who may use it: a user, or a group (each of its members).
        grantee: String,
        /// `as`: From GRANTOR, nothing else needed; `on-behalf`: From GRANTOR with `Sender:`
        /// the grantee's own address.
        #[arg(long, value_enum)]
        level: SendLevelArg,
    },
    /// Take back what GRANTOR granted GRANTEE; the next message is checked without it.
    Revoke {
        /// The user, shared mailbox or group that granted it.
        grantor: String,
        /// The user or group it was granted to.
        grantee: String,
    },
    /// List grants: grantor, grantee, level.
    List {
        /// Only this grantor's grants (a user, shared mailbox or group).
        grantor: Option<String>,
        /// Print a JSON array instead of lines, for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Keep a copy of what others send as USER, or on its behalf, in USER's Sent mailbox.
    CopyToSent {
        /// The user or shared mailbox whose Sent mailbox gets the copies.
        user: String,
        /// Stop keeping copies.
        #[arg(long)]
        off: bool,
    },
}

/// How a grantee may use a grantor's address.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum SendLevelArg {
    /// "Send As": From is the grantor; nothing says who sent it.
    As,
    /// "Send on Behalf": From is the grantor, Sender the grantee's own address.
    OnBehalf,
}

#[derive(Subcommand)]
pub enum AppPasswordCommand {
    /// Make an app password; its secret is printed once, and not kept.
    Add {
        /// The user's address.
        user: String,
        /// A name for it, unique for the user (default: app- and a few random characters).
        #[arg(long)]
        name: Option<String>,
    },
    /// List a user's app passwords: name, created, last used (to within five minutes).
    List {
        /// The user's address.
        user: String,
        /// Print a JSON array instead of lines, for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Revoke an app password: it fails from its next use on.
    Revoke {
        /// The user's address.
        user: String,
        /// The app password's name.
        name: String,
    },
}
