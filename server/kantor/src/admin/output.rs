//! What `kantor admin` prints: JSON for scripts, and the forms of a few values.

use anyhow::Result;
use kantor_directory::admin::format_size;

/// After `--force` added an alias target or group member that names nothing: says so.
pub(super) fn warn_if_dangling(name: &str, exists: bool) {
    if !exists {
        eprintln!("kantor: warning: {name} is no user, alias or group (yet)");
    }
}

/// Prints `value` as indented JSON.
pub(super) fn json(value: &serde_json::Value) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// A quota for people: `10.0 MiB`, or `unlimited` for 0.
pub(super) fn quota(bytes: u64) -> String {
    match bytes {
        0 => "unlimited".into(),
        n => format_size(n),
    }
}

/// A Unix time as RFC 3339 in UTC (`2026-05-01T09:30:00Z`).
pub(super) fn timestamp(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_else(|| secs.to_string())
}

/// An alias's own address: `local@domain`, or `@domain` for a catch-all.
pub(super) fn alias_address(alias: &kantor_store::Alias) -> String {
    format!("{}@{}", alias.local, alias.domain)
}

/// A group's address.
pub(super) fn group_address(group: &kantor_store::Group) -> String {
    format!("{}@{}", group.local, group.domain)
}
