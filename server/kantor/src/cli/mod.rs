//! The command line: `kantor serve` here, `kantor admin` in [`admin`]. Every command and
//! argument has a help text (a test walks the tree).

pub mod admin;
pub mod sharing;

pub use admin::AdminArgs;
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
    /// Human-readable lines (colours only on a terminal).
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    /// Every subcommand and every argument, at every depth, says what it is for in `--help`.
    #[test]
    fn every_command_and_argument_has_help() {
        let mut missing = Vec::new();
        let mut stack = vec![(String::from("kantor"), Cli::command())];
        while let Some((path, command)) = stack.pop() {
            if command.get_about().is_none() && path != "kantor" {
                missing.push(path.clone());
            }
            for arg in command.get_arguments() {
                let builtin = matches!(arg.get_id().as_str(), "help" | "version");
                if !builtin && arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("{path} <{}>", arg.get_id()));
                }
            }
            for sub in command.get_subcommands() {
                if sub.get_name() != "help" {
                    stack.push((format!("{path} {}", sub.get_name()), sub.clone()));
                }
            }
        }
        assert!(missing.is_empty(), "without help text: {missing:#?}");
    }
}
