//! `kantor`: the Kantor groupware mail server in one binary.
//!
//! - `cli`: the command line (clap).
//! - `serve`: `kantor serve`: opens the store, bootstraps a first domain and administrator,
//!   binds the listeners and runs the protocol servers.
//! - `admin`: `kantor admin`: manages the directory, also while the server runs.
//! - `logging`: `tracing` output, human-readable or JSON.
//! - `process`: allocator tuning and the open-file limit, done before anything else.

mod admin;
mod cli;
mod logging;
mod process;
mod serve;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    process::tune_allocator();
    process::raise_open_file_limit();
    process::private_files();
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
