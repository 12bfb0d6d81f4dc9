//! `kantor admin queue ...` and `kantor admin gc`.

use super::output;
use crate::cli::admin::QueueCommand;
use anyhow::{Result, bail};
use kantor_directory::Directory;
use kantor_directory::admin::format_size;
use kantor_store::{QueueEntry, QueueOutcome};
use std::time::Duration;

pub(super) async fn queue(d: &Directory, command: QueueCommand) -> Result<()> {
    match command {
        QueueCommand::List(args) => list(d, args.json),
        QueueCommand::Show { id, json } => show(d, id, json),
        QueueCommand::Retry { id } => act(d, id, QueueOutcome::RetryNow, "will be tried now").await,
        QueueCommand::Delete { id } => match d.store().delete_queue_entry(id).await? {
            true => {
                println!("deleted queue entry {id}");
                Ok(())
            }
            false => bail!("no queue entry {id}"),
        },
        QueueCommand::Bounce { id, config } => {
            bounce(d, id, &super::server_config(config.as_deref())?).await
        }
    }
}

fn entry_json(q: &QueueEntry) -> serde_json::Value {
    serde_json::json!({
        "id": q.id,
        "from": q.mail_from,
        "to": q.rcpt_to,
        "status": q.status.as_str(),
        "attempts": q.attempts,
        "queued": output::timestamp(q.created_at),
        "next_attempt": output::timestamp(q.next_attempt_at),
        "last_error": q.last_error,
        "remote_reply": q.remote_reply,
        "blob": q.blob.to_string(),
    })
}

fn list(d: &Directory, json: bool) -> Result<()> {
    let entries = d.store().queue_entries()?;
    if json {
        let entries: Vec<_> = entries.iter().map(entry_json).collect();
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

fn find(d: &Directory, id: i64) -> Result<QueueEntry> {
    d.store()
        .queue_entries()?
        .into_iter()
        .find(|q| q.id == id)
        .ok_or_else(|| anyhow::anyhow!("no queue entry {id}"))
}

fn show(d: &Directory, id: i64, json: bool) -> Result<()> {
    let q = find(d, id)?;
    if json {
        return output::json(&entry_json(&q));
    }
    println!("id:           {}", q.id);
    println!("from:         <{}>", q.mail_from);
    println!("to:           <{}>", q.rcpt_to);
    println!("status:       {}", q.status.as_str());
    println!("attempts:     {}", q.attempts);
    println!("queued:       {}", output::timestamp(q.created_at));
    if !q.status.is_final() {
        println!("next attempt: {}", output::timestamp(q.next_attempt_at));
    }
    if let Some(reply) = &q.remote_reply {
        println!("reply:        {reply}");
    }
    if let Some(error) = &q.last_error {
        println!("last error:   {error}");
    }
    Ok(())
}

async fn act(d: &Directory, id: i64, outcome: QueueOutcome, done: &str) -> Result<()> {
    find(d, id)?;
    match d.store().record_queue_outcome(id, outcome).await? {
        true => {
            println!("queue entry {id} {done}");
            Ok(())
        }
        false => bail!("queue entry {id} is no longer waiting"),
    }
}

/// Bounces a waiting recipient: the sender gets a DSN, as after a permanent failure.
async fn bounce(d: &Directory, id: i64, config: &kantor_config::Config) -> Result<()> {
    let q = find(d, id)?;
    let why = "5.0.0 returned to the sender by the administrator".to_string();
    act(d, id, QueueOutcome::Bounced(why.clone()), "bounced").await?;
    let original = d.store().read_blob(&q.blob)?;
    let hostname = crate::serve::server_hostname(config);
    // The DSN goes through the sender's rules, as the server's own DSNs do.
    let rules = kantor_sieve::Rules::new(&config.sieve, &hostname);
    kantor_outbound::notify_sender(
        d,
        &rules,
        &hostname,
        &[(&q, why)],
        kantor_outbound::DsnAction::Failed,
        &original,
    )
    .await;
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
