//! `kantor admin`: directory management on the server's data directory. It opens the same store
//! as the running server (SQLite handles the concurrency) and the server reads the directory on
//! every lookup, so a change takes effect at once without a restart.
//!
//! One file per entity (`domain`, `user`, `alias`, `group`, `send_rights`, `sharing` for shared
//! mailboxes and ACLs, `app_password`, `maintenance` for the queue and
//! the collector); `output` prints. Every command that changes something prints one line
//! saying what it did; listings print one line per entry, or JSON with `--json`; errors are
//! one line on standard error (exit code 1).

mod alias;
mod app_password;
mod domain;
mod group;
mod maintenance;
mod output;
mod search;
mod send_rights;
mod sharing;
mod tls_report;
mod user;

use crate::cli::admin::{AdminArgs, AdminCommand};
use anyhow::{Context, Result, bail};
use kantor_directory::{AuthPolicy, Directory};
use kantor_store::{Store, StoreOptions};
use std::io::{BufRead, Write};

pub fn run(args: AdminArgs) -> Result<()> {
    if !Store::exists_in(&args.data) {
        bail!(
            "no Kantor data in {} (start `kantor serve --data {0}` once, or pass --data)",
            args.data.display()
        );
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let store = Store::open(
            &args.data,
            StoreOptions {
                max_batch: 16,
                read_connections: 1,
                header_cache_bytes: 0,
                ..StoreOptions::default()
            },
        )?;
        let directory = Directory::new(store, AuthPolicy::default());
        execute(&directory, args.command).await
    })
}

async fn execute(d: &Directory, command: AdminCommand) -> Result<()> {
    match command {
        AdminCommand::Domain(c) => domain::run(d, c).await,
        AdminCommand::User(c) => user::run(d, c).await,
        AdminCommand::Alias(c) => alias::run(d, c).await,
        AdminCommand::Group(c) => group::run(d, c).await,
        AdminCommand::SendRights(c) => send_rights::run(d, c).await,
        AdminCommand::Shared(c) => sharing::shared(d, c).await,
        AdminCommand::Acl(c) => sharing::acl(d, c).await,
        AdminCommand::Delegate(c) => sharing::delegate(d, c).await,
        AdminCommand::AppPassword(c) => app_password::run(d, c).await,
        AdminCommand::Queue(c) => maintenance::queue(d, c).await,
        AdminCommand::TlsReport(c) => tls_report::run(d, c).await,
        AdminCommand::Gc {
            grace,
            change_log_days,
        } => maintenance::gc(d, grace, change_log_days).await,
        AdminCommand::Reindex { account, config } => {
            search::reindex(d, account, &server_config(config.as_deref())?)
        }
        AdminCommand::IndexStatus(args) => search::status(d, args.json),
    }
}

/// Asks `question` on standard error and reads the answer from standard input (a terminal or
/// a pipe); anything but `y` or `yes`, end of input included, refuses. `--yes` skips it.
fn confirm(question: &str, yes: bool) -> Result<()> {
    if yes {
        return Ok(());
    }
    eprint!("{question} [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .context("reading the answer from standard input")?;
    match answer.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" => Ok(()),
        _ => bail!("nothing done: answer y to confirm, or pass --yes"),
    }
}

/// The server's configuration file given to a command, or the embedded defaults without one.
fn server_config(path: Option<&std::path::Path>) -> Result<kantor_config::Config> {
    Ok(match path {
        Some(path) => kantor_config::Config::load(path)?,
        None => kantor_config::Config::default(),
    })
}
