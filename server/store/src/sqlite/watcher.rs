//! Wake-ups for commits made by other processes: `kantor admin`, and tomorrow a second server
//! node on the same database. This process's writer wakes listeners right after its own commits;
//! a commit by another process is seen here, by following the change log's global sequence
//! (`changes.id`, never reused) every [`POLL_INTERVAL`], so every listening session hears of it
//! within a second whatever process made it. A PostgreSQL backend will use LISTEN/NOTIFY instead.

use super::error::DbResult;
use crate::AccountId;
use crate::changes::{ChangeEvent, ChangeHub};
use rusqlite::{Connection, params};
use std::path::PathBuf;
use std::sync::Weak;
use std::time::Duration;

/// How often the change log is looked at for other processes' commits.
pub(super) const POLL_INTERVAL: Duration = Duration::from_millis(250);

/// Starts the watcher thread; it stops once the store (the hub) is gone.
pub(super) fn start(db_path: PathBuf, hub: Weak<ChangeHub>) -> DbResult<()> {
    let conn = super::open_connection(&db_path, true)?;
    let mut cursor = last_change(&conn)?;
    std::thread::Builder::new()
        .name("kantor-store-watcher".into())
        .spawn(move || {
            loop {
                std::thread::sleep(POLL_INTERVAL);
                let Some(hub) = hub.upgrade() else { break };
                match changed_since(&conn, cursor) {
                    Ok((events, last)) => {
                        cursor = last.max(cursor);
                        events.into_iter().for_each(|event| hub.publish(event));
                    }
                    Err(e) => tracing::warn!(error = %e, "store: cannot read the change log"),
                }
            }
        })?;
    Ok(())
}

fn last_change(conn: &Connection) -> DbResult<i64> {
    Ok(conn.query_row("SELECT COALESCE(MAX(id), 0) FROM changes", [], |r| r.get(0))?)
}

/// The accounts with log rows after `cursor`, each at its highest modseq, and the last row.
fn changed_since(conn: &Connection, cursor: i64) -> DbResult<(Vec<ChangeEvent>, i64)> {
    let mut last = cursor;
    let events = conn
        .prepare_cached(
            "SELECT account_id, MAX(modseq), MAX(id) FROM changes WHERE id > ?1 GROUP BY account_id",
        )?
        .query_map(params![cursor], |r| {
            Ok((r.get::<_, AccountId>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
        })?
        .map(|row| {
            let (account_id, modseq, id) = row?;
            last = last.max(id);
            Ok(ChangeEvent {
                account_id,
                modseq: modseq as u64,
            })
        })
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((events, last))
}
