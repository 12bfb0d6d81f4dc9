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
                    "status": q.status.as_str(),
                    "attempts": q.attempts,
                    "next_attempt": output::timestamp(q.next_attempt_at),
                    "last_error": q.last_error,
                    "remote_reply": q.remote_reply,
                    "blob": q.blob.to_string(),
                })
            })
            .collect();
        return output::json(&entries.into());
    }
    for q in entries {
        let detail = match (&q.remote_reply, &q.last_error) {
            (Some(reply), _) => reply.clone(),
            (None, Some(error)) => error.clone(),
            (None, None) => String::new(),
        };
        println!(
            "{}  {}  from <{}> to <{}>  attempts {}  {detail}",
            q.id,
            q.status.as_str(),
            q.mail_from,
            q.rcpt_to,
            q.attempts
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
