//! `kantor admin shared ...` and `kantor admin acl ...`: shared mailboxes and mailbox rights
//! (RFC 4314).

use clap::Subcommand;

/// The rights a member of a shared mailbox gets unless told otherwise: everything but `a`
/// (administer: changing the rights stays the administrator's).
pub const DEFAULT_MEMBER_RIGHTS: &str = "lrswipkxte";

#[derive(Subcommand)]
pub enum SharedCommand {
    /// Create a shared mailbox: an account nobody logs in to, whose mail its members read
    /// (IMAP: under "Shared Folders/ADDRESS/").
    Add {
        /// The shared mailbox's address, e.g. sales@example.com.
        address: String,
        /// A user or group (address) to give access to every folder; repeat for more.
        #[arg(long = "member")]
        members: Vec<String>,
        /// The members' rights (RFC 4314 letters).
        #[arg(long, default_value = DEFAULT_MEMBER_RIGHTS)]
        rights: String,
    },
    /// List shared mailboxes and who holds rights on their INBOX.
    List {
        /// Print a JSON array instead of lines, for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Delete a shared mailbox and all its mail.
    Remove {
        /// The shared mailbox's address.
        address: String,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// Members of a shared mailbox.
    #[command(subcommand)]
    Member(MemberCommand),
}

#[derive(Subcommand)]
pub enum MemberCommand {
    /// Give a user or group rights on every folder of the shared mailbox.
    Add {
        /// The shared mailbox's address.
        shared: String,
        /// The user's or group's address.
        member: String,
        /// The rights (RFC 4314 letters).
        #[arg(long, default_value = DEFAULT_MEMBER_RIGHTS)]
        rights: String,
    },
    /// Take a user's or group's rights on every folder of the shared mailbox away.
    Remove {
        /// The shared mailbox's address.
        shared: String,
        /// The user's or group's address.
        member: String,
    },
}

#[derive(Subcommand)]
pub enum AclCommand {
    /// Show the rights on an account's mailboxes (the owner holds all of them implicitly).
    Get {
        /// The address of the account that owns the mailboxes (a user or shared mailbox).
        owner: String,
        /// Only this mailbox (its name in the owner's account, e.g. INBOX or Sales/2026);
        /// default: every mailbox.
        #[arg(long)]
        mailbox: Option<String>,
        /// Print a JSON array instead of lines, for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Set a grantee's rights, replacing what it held.
    Set {
        /// The address of the account that owns the mailboxes.
        owner: String,
        /// A user's or group's address, or `anyone` (every logged-in user).
        grantee: String,
        /// The rights, RFC 4314 letters from `lrswipkxtea`, and on the INBOX `0` (send on
        /// behalf of the owner) or `1` (send as the owner); empty removes the entry.
        rights: String,
        /// Only this mailbox; default: every mailbox of the owner.
        #[arg(long)]
        mailbox: Option<String>,
    },
    /// Remove a grantee's entry.
    Delete {
        /// The address of the account that owns the mailboxes.
        owner: String,
        /// A user's or group's address, or `anyone`.
        grantee: String,
        /// Only this mailbox; default: every mailbox of the owner.
        #[arg(long)]
        mailbox: Option<String>,
    },
}

/// What a delegate may do with the owner's mail (Exchange's delegate levels).
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum DelegateLevel {
    /// Read the mailboxes (`lr`).
    Read,
    /// Read, file, flag, delete and create folders (`lrswipkxte`, all but `a`).
    ReadWrite,
    /// Read-write, and send with `From:` the owner and `Sender:` the delegate.
    SendOnBehalf,
    /// Read-write, and send as the owner.
    SendAs,
}

#[derive(Subcommand)]
pub enum DelegateCommand {
    /// Give DELEGATE access to OWNER's mail at a level: mailbox rights (IMAP ACL, RFC 4314) on
    /// every mailbox, or one, and for the send levels the right to send for OWNER.
    Grant {
        /// The address of the user (or shared mailbox) whose mail is delegated.
        owner: String,
        /// The user (or group) who gets access.
        delegate: String,
        /// How much the delegate may do.
        #[arg(long, value_enum)]
        level: DelegateLevel,
        /// Only this mailbox (its name in the owner's account); default: every mailbox.
        #[arg(long)]
        mailbox: Option<String>,
    },
    /// Take a delegation back: DELEGATE's rights on every mailbox of OWNER and any right to
    /// send for OWNER.
    Revoke {
        /// The address of the user (or shared mailbox) whose mail was delegated.
        owner: String,
        /// The user (or group) who had access.
        delegate: String,
    },
}
