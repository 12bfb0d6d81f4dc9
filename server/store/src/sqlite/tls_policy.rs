//! Outbound TLS policies: the MTA-STS policies cached per destination domain (RFC 8461 §5) and
//! the TLS sessions counted for TLS-RPT (RFC 8460 §4), with the days already reported.

use super::{SqliteBackend, now};
use crate::{CachedStsPolicy, Result, TlsResult};
use rusqlite::params;

impl SqliteBackend {
    pub(super) fn sts_policy(&self, domain: &str) -> Result<Option<CachedStsPolicy>> {
        self.read(|c| {
            let mut statement = c.prepare_cached(
                "SELECT domain, id, policy, fetched_at, expires_at FROM mta_sts_policies
                 WHERE domain = ?1",
            )?;
            let mut rows = statement.query_map([domain], |r| {
                Ok(CachedStsPolicy {
                    domain: r.get(0)?,
                    id: r.get(1)?,
                    policy: r.get(2)?,
                    fetched_at: r.get(3)?,
                    expires_at: r.get(4)?,
                })
            })?;
            rows.next().transpose()
        })
    }

    pub(super) async fn put_sts_policy(&self, policy: CachedStsPolicy) -> Result<()> {
        self.write(move |ctx| {
            ctx.conn()
                .prepare_cached(
                    "INSERT OR REPLACE INTO mta_sts_policies (domain, id, policy, fetched_at, expires_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![
                    policy.domain,
                    policy.id,
                    policy.policy,
                    policy.fetched_at,
                    policy.expires_at
                ])?;
            Ok(())
        })
        .await
    }

    pub(super) async fn record_tls_result(&self, result: TlsResult) -> Result<()> {
        self.write(move |ctx| {
            ctx.conn()
                .prepare_cached(
                    "INSERT INTO tls_results (day, domain, policy_type, policy_string, mx_host,
                        receiving_ip, sending_ip, receiving_helo, result, failure_reason, count)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 1)
                     ON CONFLICT DO UPDATE SET count = count + 1",
                )?
                .execute(params![
                    result.day,
                    result.domain,
                    result.policy_type,
                    result.policy_string,
                    result.mx_host,
                    result.receiving_ip,
                    result.sending_ip,
                    result.helo,
                    result.result,
                    result.reason
                ])?;
            Ok(())
        })
        .await
    }

    pub(super) fn tls_results(&self, day: &str) -> Result<Vec<(TlsResult, u64)>> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT day, domain, policy_type, policy_string, mx_host, receiving_ip, sending_ip,
                    receiving_helo, result, failure_reason, count
                 FROM tls_results WHERE day = ?1
                 ORDER BY domain, policy_type, policy_string, mx_host, receiving_ip, sending_ip,
                    receiving_helo, result, failure_reason",
            )?
            .query_map([day], |r| {
                Ok((
                    TlsResult {
                        day: r.get(0)?,
                        domain: r.get(1)?,
                        policy_type: r.get(2)?,
                        policy_string: r.get(3)?,
                        mx_host: r.get(4)?,
                        receiving_ip: r.get(5)?,
                        sending_ip: r.get(6)?,
                        helo: r.get(7)?,
                        result: r.get(8)?,
                        reason: r.get(9)?,
                    },
                    r.get::<_, i64>(10)? as u64,
                ))
            })?
            .collect()
        })
    }

    pub(super) fn unreported_tls_days(&self, before: &str) -> Result<Vec<String>> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT DISTINCT day FROM tls_results WHERE day < ?1
                 AND day NOT IN (SELECT day FROM tls_report_days) ORDER BY day",
            )?
            .query_map([before], |r| r.get(0))?
            .collect()
        })
    }

    pub(super) async fn mark_tls_day_reported(&self, day: String) -> Result<()> {
        self.write(move |ctx| {
            ctx.conn()
                .prepare_cached(
                    "INSERT OR REPLACE INTO tls_report_days (day, sent_at) VALUES (?1, ?2)",
                )?
                .execute(params![day, now()])?;
            Ok(())
        })
        .await
    }
}
