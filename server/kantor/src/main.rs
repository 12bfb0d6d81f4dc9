//! `kantor`: the Kantor groupware mail server in one binary.
//!
//! - `cli`: the command line (clap).
//! - `serve`: `kantor serve`: opens the store, bootstraps a first domain and administrator,
//!   binds the listeners and runs the protocol servers.
//! - `admin`: `kantor admin`: manages the directory, also while the server runs.
//! - `logging`: `tracing` output, human-readable or JSON.
//! - `memory`: allocator tuning, so resident memory follows the working set.

mod admin;
mod cli;
mod logging;
mod memory;
mod serve;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    memory::tune_allocator();
    let cli = cli::Cli::parse();
    let result = match cli.command {
        cli::Command::Serve(args) => serve::run(args),
        cli::Command::Admin(args) => admin::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kantor: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
