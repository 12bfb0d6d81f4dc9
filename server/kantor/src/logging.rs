//! Logging with `tracing` on stderr: human-readable lines by default, JSON with `--log-format
//! json`. `RUST_LOG` overrides the level (default `info`, [`DEFAULT_FILTER`]). Colours only on a terminal: a log file
//! or journald gets plain text. A session's lines carry its span (`imap{session=7
//! peer=192.0.2.1:50000}`): its number and the peer's address.

use crate::cli::LogFormat;
use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

/// The default filter: `info`, but only errors of the PDF reader that reads attachments for the
/// full-text index, which otherwise warns twice for every malformed PDF a sender mails in (the
/// indexer logs what it could not read itself).
const DEFAULT_FILTER: &str = "info,lopdf=error";

pub fn init(format: LogFormat) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}
