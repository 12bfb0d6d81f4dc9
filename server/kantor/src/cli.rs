//! The command line: `kantor serve` and `kantor admin`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "kantor",
    version,
    about = "Kantor: the office's post room. A groupware mail server."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the server.
    Serve(ServeArgs),
    /// Manage domains, users, aliases and groups (also while the server runs).
    Admin(AdminArgs),
}

#[derive(Args)]
pub struct ServeArgs {
    /// Data directory: database, blobs, generated certificate.
    #[arg(long, default_value = "./kantor-data", env = "KANTOR_DATA")]
    pub data: PathBuf,
    /// Configuration file (TOML); see docs/configuration.md. Without it, the defaults apply.
    #[arg(long, env = "KANTOR_CONFIG")]
    pub config: Option<PathBuf>,
    /// The first domain, created on first start (default: the host name).
    #[arg(long)]
    pub domain: Option<String>,
    /// Log format.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

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
    /// The outbound queue.
    #[command(subcommand)]
    Queue(QueueCommand),
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
}

#[derive(Subcommand)]
pub enum QueueCommand {
    /// List messages waiting for outbound delivery.
    List,
}

#[derive(Subcommand)]
pub enum DomainCommand {
    Add { name: String },
    List,
    Remove { name: String },
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create a user; without --password-stdin a password is generated and printed.
    Add {
        address: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        /// Quota such as 500M or 2G (0 = unlimited).
        #[arg(long, default_value = "0")]
        quota: String,
        /// Make the user an administrator.
        #[arg(long)]
        admin: bool,
    },
    List {
        #[arg(long)]
        domain: Option<String>,
    },
    /// Set a user's password (from standard input, or generated and printed).
    Passwd {
        address: String,
        #[arg(long)]
        password_stdin: bool,
    },
    Remove {
        address: String,
    },
    /// Set a user's quota, such as 500M or 2G (0 = unlimited).
    Quota {
        address: String,
        size: String,
    },
}

#[derive(Subcommand)]
pub enum AliasCommand {
    /// Deliver mail for ALIAS (or, for @domain, any unknown address of the domain) to TARGET.
    Add { alias: String, target: String },
    List {
        #[arg(long)]
        domain: Option<String>,
    },
    /// Remove one target of an alias, or the whole alias.
    Remove {
        alias: String,
        target: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum GroupCommand {
    Add {
        address: String,
    },
    List {
        #[arg(long)]
        domain: Option<String>,
    },
    Remove {
        address: String,
    },
    AddMember {
        group: String,
        member: String,
    },
    RemoveMember {
        group: String,
        member: String,
    },
    /// Allow a user to send as the group.
    AllowSender {
        group: String,
        user: String,
    },
    /// Stop a user from sending as the group.
    DenySender {
        group: String,
        user: String,
    },
}
