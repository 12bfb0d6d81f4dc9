//! `kantor admin reindex` and `kantor admin index-status`: the full-text index under
//! `DATA/search/` (kantor-search). Reindexing takes the index's writer, which a running server
//! holds: it is for a stopped server (the server rebuilds an index that is missing or of
//! another version by itself at start, and `rm -r DATA/search` is always safe).

use super::output;
use anyhow::Result;
use kantor_config::Config;
use kantor_directory::Directory;
use kantor_directory::admin::format_size;
use kantor_search::{Indexer, SearchIndex};
use std::io::Write;
use std::time::Instant;

/// Rebuilds the whole index, or indexes one account's emails again, printing progress.
pub(super) fn reindex(d: &Directory, account: Option<String>, config: &Config) -> Result<()> {
    let store = d.store().clone();
    let account = account.map(|a| d.user(&a)).transpose()?;
    let index = SearchIndex::open(&store.search_index_dir())?;
    let config = &config.search;
    let mut indexer = Indexer::new(
        store.clone(),
        index.clone(),
        crate::serve::index_limits(config),
        config.writer_memory_mib << 20,
    )?;
    let started = Instant::now();
    let mut last = Instant::now();
    let mut progress = |done: u64, total: u64| {
        if last.elapsed().as_millis() >= 500 || done == total {
            last = Instant::now();
            let rate = done as f64 / started.elapsed().as_secs_f64().max(0.001);
            eprint!("\rindexed {done} of {total} emails ({rate:.0}/s)   ");
            let _ = std::io::stderr().flush();
        }
    };
    let done = match &account {
        Some(a) => {
            if indexer.checkpoint().version != kantor_search::index::VERSION
                || indexer.checkpoint().building
            {
                anyhow::bail!(
                    "the index is not built yet: run `kantor admin reindex` without --account"
                );
            }
            indexer.reindex_account(a.id, &mut progress)?
        }
        None => {
            indexer.start_build()?;
            indexer.finish_build(&mut progress)?;
            // Whatever happened in the log meanwhile.
            while indexer.step()? {}
            index.stats().documents
        }
    };
    eprintln!();
    let what = account.map_or("every account".to_string(), |a| a.address());
    println!(
        "indexed {done} emails of {what} in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The index's size and how far it is behind the change log.
pub(super) fn status(d: &Directory, json: bool) -> Result<()> {
    let store = d.store();
    let index = SearchIndex::open(&store.search_index_dir())?;
    let stats = index.stats();
    let last = store.last_change_id()?;
    let (change, building, stemming) = stats
        .checkpoint
        .map_or((0, true, false), |c| (c.change, c.building, c.stemming));
    let lag = (last - change).max(0);
    if json {
        return output::json(&serde_json::json!({
            "documents": stats.documents,
            "bytes": stats.bytes,
            "checkpoint": change,
            "last_change": last,
            "lag_changes": lag,
            "building": building,
            "stemming": stemming,
        }));
    }
    println!("documents:   {}", stats.documents);
    println!("size:        {}", format_size(stats.bytes));
    println!("checkpoint:  change {change} of {last} ({lag} behind)");
    let words = match stemming {
        true => "substrings and stemmed words ([search] stemming)",
        false => "substrings only",
    };
    println!("matches:     {words}");
    if building {
        println!("state:       building");
    }
    Ok(())
}
