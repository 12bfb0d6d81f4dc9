//! Migrations: the numbered SQL files of `schema/`, applied in order at start, each in its own
//! transaction, and recorded in `schema_migrations`.

use super::error::DbResult;
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
    (
        5,
        "0005_store_v2",
        include_str!("../../../../schema/0005_store_v2.sql"),
    ),
    (
        6,
        "0006_email_keys",
        include_str!("../../../../schema/0006_email_keys.sql"),
    ),
    (
        7,
        "0007_membership_listing",
        include_str!("../../../../schema/0007_membership_listing.sql"),
    ),
    (
        8,
        "0008_account_admin",
        include_str!("../../../../schema/0008_account_admin.sql"),
    ),
    (
        9,
        "0009_email_texts",
        include_str!("../../../../schema/0009_email_texts.sql"),
    ),
    (
        10,
        "0010_auth_lockouts",
        include_str!("../../../../schema/0010_auth_lockouts.sql"),
    ),
    (
        11,
        "0011_email_created",
        include_str!("../../../../schema/0011_email_created.sql"),
    ),
    (
        12,
        "0012_emails_by_blob",
        include_str!("../../../../schema/0012_emails_by_blob.sql"),
    ),
    (
        13,
        "0013_memberships_by_date",
        include_str!("../../../../schema/0013_memberships_by_date.sql"),
    ),
    (
        14,
        "0014_uploads",
        include_str!("../../../../schema/0014_uploads.sql"),
    ),
    (
        15,
        "0015_vacation",
        include_str!("../../../../schema/0015_vacation.sql"),
    ),
    (
        16,
        "0016_email_submissions",
        include_str!("../../../../schema/0016_email_submissions.sql"),
    ),
    (
        17,
        "0017_identities",
        include_str!("../../../../schema/0017_identities.sql"),
    ),
    (
        18,
        "0018_queue_status",
        include_str!("../../../../schema/0018_queue_status.sql"),
    ),
    (
        19,
        "0019_queue_submission",
        include_str!("../../../../schema/0019_queue_submission.sql"),
    ),
    (
        20,
        "0020_app_passwords",
        include_str!("../../../../schema/0020_app_passwords.sql"),
    ),
    (
        21,
        "0021_dkim_keys",
        include_str!("../../../../schema/0021_dkim_keys.sql"),
    ),
    (
        22,
        "0022_tls_policy",
        include_str!("../../../../schema/0022_tls_policy.sql"),
    ),
    (
        23,
        "0023_mailbox_acl",
        include_str!("../../../../schema/0023_mailbox_acl.sql"),
    ),
    (
        24,
        "0024_member_seen",
        include_str!("../../../../schema/0024_member_seen.sql"),
    ),
    (
        25,
        "0025_send_grants",
        include_str!("../../../../schema/0025_send_grants.sql"),
    ),
    (
        27,
        "0027_sieve_scripts",
        include_str!("../../../../schema/0027_sieve_scripts.sql"),
    ),
    (
        28,
        "0028_sieve_replies",
        include_str!("../../../../schema/0028_sieve_replies.sql"),
    ),
    (
        29,
        "0029_queue_fresh_first",
        include_str!("../../../../schema/0029_queue_fresh_first.sql"),
    ),
    (
        30,
        "0030_share_notifications",
        include_str!("../../../../schema/0030_share_notifications.sql"),
    ),
    (
        31,
        "0031_tls_results_sending_ip",
        include_str!("../../../../schema/0031_tls_results_sending_ip.sql"),
    ),
    (
        32,
        "0032_emails_listing",
        include_str!("../../../../schema/0032_emails_listing.sql"),
    ),
    (
        33,
        "0033_tls_results_helo_reason",
        include_str!("../../../../schema/0033_tls_results_helo_reason.sql"),
    ),
];

/// Applies the migrations not yet recorded. Safe to run concurrently from several processes:
/// each migration runs under an immediate (write-locked) transaction and re-checks the record.
///
/// Foreign keys are not enforced while a migration runs (tables are rebuilt by copy, drop and
/// rename, as SQLite documents); each migration is checked with `PRAGMA foreign_key_check`
/// before it commits, and enforcement is restored after.
pub(super) fn apply(conn: &mut Connection) -> DbResult<()> {
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    let applied = apply_each(conn);
    conn.pragma_update(None, "foreign_keys", "ON")?;
    applied
}

fn apply_each(conn: &mut Connection) -> DbResult<()> {
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
            check_foreign_keys(&tx, name)?;
            tx.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
                rusqlite::params![version, name, super::now()],
            )?;
        }
        tx.commit()?;
    }
    Ok(())
}

/// Refuses a migration that left a row pointing at nothing.
fn check_foreign_keys(conn: &Connection, name: &str) -> DbResult<()> {
    let broken: Vec<String> = conn
        .prepare("PRAGMA foreign_key_check")?
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<_>>()?;
    match broken.first() {
        None => Ok(()),
        Some(table) => Err(crate::StoreError::Corrupt(format!(
            "migration {name} left {} rows with a dangling reference (first in {table})",
            broken.len()
        ))
        .into()),
    }
}

#[cfg(test)]
mod tests {
    /// A database with the first `n` migrations applied and recorded.
    fn applied_up_to(n: usize) -> rusqlite::Connection {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE schema_migrations (
                 version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL);",
        )
        .unwrap();
        for &(version, name, sql) in &super::MIGRATIONS[..n] {
            conn.execute_batch(sql).unwrap();
            conn.execute(
                "INSERT INTO schema_migrations VALUES (?1, ?2, 0)",
                rusqlite::params![version, name],
            )
            .unwrap();
        }
        conn
    }

    /// The column names of `table`.
    fn columns(conn: &rusqlite::Connection, table: &str) -> Vec<String> {
        conn.prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    /// 0009 moves the search texts out of `email_keys` into `email_texts`, and forgets the
    /// keys of version 1 (computed again at start).
    #[test]
    fn search_texts_get_a_table_of_their_own() {
        let mut conn = applied_up_to(8);
        conn.execute_batch(
            "PRAGMA foreign_keys = OFF;
             INSERT INTO email_keys (email_id, v, complete, subject, refs, h_from, a_from)
                 VALUES (1, 1, 1, 'x', '[\"a@x\"]', 'alice', 'alice@x');
             PRAGMA foreign_keys = ON;",
        )
        .unwrap();
        super::apply(&mut conn).unwrap();
        let kept: i64 = conn
            .query_row("SELECT COUNT(*) FROM email_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!(kept, 0);
        let keys = columns(&conn, "email_keys");
        assert!(keys.contains(&"refs".to_string()), "{keys:?}");
        assert!(
            !keys
                .iter()
                .any(|c| c.starts_with("h_") || c.starts_with("a_"))
        );
        let texts = columns(&conn, "email_texts");
        assert_eq!(texts.len(), 13, "{texts:?}");
        assert_eq!(texts[1], "h_from");
    }

    /// 0032: the account's listing (`email_listing`) reads its covering index in order, with
    /// no sort of its own.
    #[test]
    fn the_email_listing_is_read_in_index_order() {
        let conn = applied_up_to(super::MIGRATIONS.len());
        let plan: Vec<String> = conn
            .prepare(&format!(
                "EXPLAIN QUERY PLAN {}",
                super::super::email_records::LISTING
            ))
            .unwrap()
            .query_map([1], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let plan = plan.join("\n");
        assert!(plan.contains("COVERING INDEX emails_listing"), "{plan}");
        assert!(!plan.contains("TEMP B-TREE"), "{plan}");
    }

    /// 0031 adds `sending_ip` to the key of `tls_results`, keeping the counts already made.
    #[test]
    fn tls_results_keep_their_counts_with_a_sending_ip() {
        let before = super::MIGRATIONS.iter().position(|m| m.0 == 31).unwrap();
        let mut conn = applied_up_to(before);
        conn.execute_batch(
            "INSERT INTO tls_results VALUES
                 ('2026-12-06', 'd.test', 'sts', 'p', 'mx.d.test', '192.0.2.1', 'success', 3);",
        )
        .unwrap();
        super::apply(&mut conn).unwrap();
        let row: (String, String, i64) = conn
            .query_row(
                "SELECT receiving_ip, sending_ip, count FROM tls_results",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!(row, ("192.0.2.1".into(), String::new(), 3));
        // The same session from another local address is another row.
        conn.execute_batch(
            "INSERT INTO tls_results (day, domain, policy_type, policy_string, mx_host,
                 receiving_ip, sending_ip, result, count)
             VALUES ('2026-12-06', 'd.test', 'sts', 'p', 'mx.d.test', '192.0.2.1',
                 '198.51.100.7', 'success', 1);",
        )
        .unwrap();
        let n: i64 = conn
            .query_row("SELECT COUNT(*) FROM tls_results", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 2);
    }

    /// 0033 adds the receiving server's greeting name and the failure's reason to the key of
    /// `tls_results` (RFC 8460 §4.4), keeping the rows and counts already made.
    #[test]
    fn tls_results_keep_their_counts_with_a_helo_and_a_reason() {
        let before = super::MIGRATIONS.iter().position(|m| m.0 == 33).unwrap();
        let mut conn = applied_up_to(before);
        conn.execute_batch(
            "INSERT INTO tls_results VALUES
                 ('2026-12-06', 'd.test', 'sts', 'p', 'mx.d.test', '192.0.2.1', '198.51.100.7',
                  'success', 3),
                 ('2026-12-06', 'd.test', 'sts', 'p', 'mx.d.test', '192.0.2.1', '198.51.100.7',
                  'certificate-expired', 2),
                 ('2026-12-07', 'e.test', 'tlsa', 'q', 'mx.e.test', '192.0.2.2', '',
                  'tlsa-invalid', 5);",
        )
        .unwrap();
        super::apply(&mut conn).unwrap();
        let rows: Vec<(String, String, String, String, String, i64)> = conn
            .prepare(
                "SELECT day, sending_ip, receiving_helo, result, failure_reason, count
                 FROM tls_results ORDER BY day, result",
            )
            .unwrap()
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let row = |day: &str, ip: &str, result: &str, count| {
            (
                day.into(),
                ip.into(),
                String::new(),
                result.into(),
                String::new(),
                count,
            )
        };
        assert_eq!(
            rows,
            vec![
                row("2026-12-06", "198.51.100.7", "certificate-expired", 2),
                row("2026-12-06", "198.51.100.7", "success", 3),
                row("2026-12-07", "", "tlsa-invalid", 5),
            ]
        );
        // The same failure with another greeting name, or another reason, is another row.
        for (helo, reason) in [
            ("mx1.d.test", "expired"),
            ("mx1.d.test", "other"),
            ("", "expired"),
        ] {
            conn.execute(
                "INSERT INTO tls_results (day, domain, policy_type, policy_string, mx_host,
                     receiving_ip, sending_ip, receiving_helo, result, failure_reason, count)
                 VALUES ('2026-12-06', 'd.test', 'sts', 'p', 'mx.d.test', '192.0.2.1',
                     '198.51.100.7', ?1, 'certificate-expired', ?2, 1)",
                rusqlite::params![helo, reason],
            )
            .unwrap();
        }
        let n: i64 = conn
            .query_row("SELECT COUNT(*) FROM tls_results", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 6);
    }

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

    /// 0005 splits each message into an email (same id: EMAILID and THREADID unchanged) and its
    /// membership, keeps `\Deleted` per membership, and keeps every other row and id.
    #[test]
    fn messages_become_emails_filed_in_mailboxes() {
        let mut conn = applied_up_to(4);
        conn.execute_batch(
            "INSERT INTO domains (id, name, created_at) VALUES (1, 'example.com', 0);
             INSERT INTO accounts (id, domain_id, local, password_hash, used_bytes, modseq, created_at)
                 VALUES (3, 1, 'alice', 'x', 30, 9, 0);
             INSERT INTO mailboxes (id, account_id, name, role, uidvalidity, uidnext, total)
                 VALUES (1, 3, 'INBOX', 'inbox', 100, 3, 1), (2, 3, 'Archive', 'archive', 101, 2, 1);
             INSERT INTO blobs (hash, size, refcount) VALUES ('aa', 10, 1), ('bb', 20, 1);
             INSERT INTO messages (id, account_id, mailbox_id, uid, modseq, flags, keywords,
                                   blob_hash, size, internal_date, saved_date, thread_id, meta)
                 VALUES (7, 3, 1, 2, 8, 9, '[\"$Work\"]', 'aa', 10, 1000, 1001, 7, '{}'),
                        (8, 3, 2, 1, 9, 0, NULL, 'bb', 20, 2000, 2001, 7, '{\"v\":1}');
             INSERT INTO changes (id, account_id, modseq, object, kind, object_id, mailbox_id, uid)
                 VALUES (40, 3, 9, 1, 1, 8, 2, 1);",
        )
        .unwrap();
        super::apply(&mut conn).unwrap();
        let email: (i64, i64, Option<String>, i64) = conn
            .query_row(
                "SELECT flags, thread_id, keywords, modseq FROM emails WHERE id = 7",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        assert_eq!(
            email,
            (1, 7, Some("[\"$Work\"]".into()), 8),
            "\\Seen stays on the email"
        );
        let filed: Vec<(i64, i64, i64, bool, i64)> = conn
            .prepare("SELECT mailbox_id, uid, email_id, deleted, saved_date FROM memberships ORDER BY email_id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(filed, [(1, 2, 7, true, 1001), (2, 1, 8, false, 2001)]);
        let meta: String = conn
            .query_row("SELECT meta FROM email_meta WHERE email_id = 8", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(meta, "{\"v\":1}");
        let counter: i64 = conn
            .query_row(
                "SELECT value FROM counters WHERE name = 'uidvalidity'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(counter, 101);
        let next_change: i64 = conn
            .query_row(
                "INSERT INTO changes (account_id, modseq, object, kind, object_id) VALUES (3, 10, 3, 2, 3) RETURNING id",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(next_change, 41, "the global change sequence goes on");
        let fk: bool = conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert!(fk, "enforcement is back on");
        // Ids are never reused from now on: removing the highest account frees nothing.
        conn.execute("DELETE FROM accounts WHERE id = 3", [])
            .unwrap();
        let left: i64 = conn
            .query_row("SELECT COUNT(*) FROM memberships", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 0, "its mailboxes and memberships went with it");
        let id: i64 = conn
            .query_row(
                "INSERT INTO accounts (domain_id, local, password_hash, created_at) VALUES (1, 'bob', 'x', 0) RETURNING id",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(id, 4);
    }
}
