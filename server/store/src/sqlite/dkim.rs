//! DKIM signing keys of local domains (the directory makes them; outbound signs with them).

use super::{SqliteBackend, now};
use crate::{DkimKey, Result, StoreError};
use rusqlite::params;

impl SqliteBackend {
    /// The keys of a local domain, oldest first.
    pub(super) fn dkim_keys(&self, domain: &str) -> Result<Vec<DkimKey>> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT k.selector, k.algorithm, k.private_key, k.public_key, k.created_at
                 FROM dkim_keys k JOIN domains d ON d.id = k.domain_id WHERE d.name = ?1 ORDER BY k.id",
            )?
            .query_map([domain], |r| {
                Ok(DkimKey {
                    selector: r.get(0)?,
                    algorithm: r.get(1)?,
                    private_key: r.get(2)?,
                    public_key: r.get(3)?,
                    created_at: r.get(4)?,
                })
            })?
            .collect()
        })
    }

    /// Adds a key to a local domain (a selector is used once per domain).
    pub(super) async fn add_dkim_key(&self, domain: String, key: DkimKey) -> Result<()> {
        self.write(move |ctx| {
            let added = ctx
                .conn()
                .prepare_cached(
                    "INSERT INTO dkim_keys (domain_id, selector, algorithm, private_key, public_key, created_at)
                     SELECT id, ?2, ?3, ?4, ?5, ?6 FROM domains WHERE name = ?1",
                )?
                .execute(params![domain, key.selector, key.algorithm, key.private_key, key.public_key, now()])?;
            match added {
                0 => Err(StoreError::NotFound(format!("domain {domain}")).into()),
                _ => Ok(()),
            }
        })
        .await
    }
}
