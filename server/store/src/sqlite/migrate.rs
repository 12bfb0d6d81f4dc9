//! Migrations: the numbered SQL files of `schema/`, applied in order at start, each in its own
//! transaction, and recorded in `schema_migrations`.

use crate::Result;
use rusqlite::Connection;

/// Every migration, in order. Add new files here; never edit one that has shipped.
const MIGRATIONS: &[(u32, &str, &str)] = &[
    (
        1,
        "0001_init",
        include_str!("../../../../schema/0001_init.sql"),
    ),
    (
        2,
        "0002_recent",
        include_str!("../../../../schema/0002_recent.sql"),
    ),
    (
        3,
        "0003_subscriptions",
        include_str!("../../../../schema/0003_subscriptions.sql"),
    ),
    (
        4,
        "0004_message_summaries",
        include_str!("../../../../schema/0004_message_summaries.sql"),
    ),
];

/// Applies the migrations not yet recorded. Safe to run concurrently from several processes:
/// each migration runs under an immediate (write-locked) transaction and re-checks the record.
pub(super) fn apply(conn: &mut Connection) -> Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
    )?;
    for &(version, name, sql) in MIGRATIONS {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let done: bool = tx.query_row(
            "SELECT EXISTS(SELECT 1 FROM schema_migrations WHERE version = ?1)",
            [version],
            |r| r.get(0),
        )?;
        if !done {
            tracing::info!(version, name, "applying schema migration");
            tx.execute_batch(sql)?;
            tx.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
                rusqlite::params![version, name, super::now()],
            )?;
        }
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_apply_once() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        super::apply(&mut conn).unwrap();
        super::apply(&mut conn).unwrap();
        let n: i64 = conn
            .query_row("SELECT COUNT(*) FROM schema_migrations", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n as usize, super::MIGRATIONS.len());
    }

    /// 0003 turns the `subscribed` column into rows of `subscriptions` and drops it.
    #[test]
    fn subscriptions_move_out_of_mailboxes() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        for &(_, _, sql) in &super::MIGRATIONS[..2] {
            conn.execute_batch(sql).unwrap();
        }
        conn.execute_batch(
            "CREATE TABLE schema_migrations (
                 version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL);
             INSERT INTO schema_migrations VALUES (1, '0001_init', 0), (2, '0002_recent', 0);
             INSERT INTO domains (id, name, created_at) VALUES (1, 'example.com', 0);
             INSERT INTO accounts (id, domain_id, local, password_hash, created_at)
                 VALUES (1, 1, 'alice', 'x', 0);
             INSERT INTO mailboxes (account_id, name, uidvalidity, subscribed)
                 VALUES (1, 'INBOX', 1, 1), (1, 'Hidden', 2, 0), (1, 'Work', 3, 1);",
        )
        .unwrap();
        super::apply(&mut conn).unwrap();
        let names: Vec<String> = conn
            .prepare("SELECT name FROM subscriptions WHERE account_id = 1 ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(names, ["INBOX", "Work"]);
        let column = conn.prepare("SELECT subscribed FROM mailboxes");
        assert!(column.is_err(), "the column is gone");
    }
}
