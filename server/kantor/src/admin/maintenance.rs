//! `kantor admin queue ...` and `kantor admin gc`.

use super::output;
use crate::cli::admin::QueueCommand;
use anyhow::Result;
use kantor_directory::Directory;
use kantor_directory::admin::format_size;
use std::time::Duration;

pub(super) fn queue(d: &Directory, command: QueueCommand) -> Result<()> {
    let QueueCommand::List(args) = command;
    let entries = d.store().queue_entries()?;
    if args.json {
        let entries: Vec<_> = entries
            .iter()
            .map(|q| {
                serde_json::json!({
                    "id": q.id,
                    "from": q.mail_from,
                    "to": q.rcpt_to,
                    "attempts": q.attempts,
                    "next_attempt": output::timestamp(q.next_attempt_at),
                    "blob": q.blob.to_string(),
                })
            })
            .collect();
        return output::json(&entries.into());
    }
    for q in entries {
        println!(
            "{}  from <{}> to <{}>  attempts {}  blob {}",
            q.id, q.mail_from, q.rcpt_to, q.attempts, q.blob
        );
    }
    Ok(())
}

pub(super) async fn gc(d: &Directory, grace: Option<u64>, days: Option<u64>) -> Result<()> {
    let defaults = kantor_config::StoreConfig::default();
    let grace = grace.unwrap_or(defaults.gc_grace_secs);
    let days = days.unwrap_or(defaults.change_log_days);
    let report = d
        .store()
        .collect_garbage(Duration::from_secs(grace))
        .await?;
    let pruned = d
        .store()
        .prune_changes(Duration::from_secs(days * 86_400))
        .await?;
    println!(
        "removed {} expunged emails, {} blobs ({}), {} unreferenced blob files, \
         {pruned} change log entries",
        report.emails,
        report.blobs,
        format_size(report.bytes),
        report.orphan_files
    );
    Ok(())
}
