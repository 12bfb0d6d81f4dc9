//! `[search]`: the full-text index (kantor-search).

use serde::Deserialize;

/// `[search]`: the full-text index under `DATA/search/`, fed from the change log by a task of
/// `kantor serve`; IMAP SEARCH and JMAP Email/query read candidates from it.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SearchConfig {
    /// Keep and use the index (false: every text search scans the messages).
    pub enabled: bool,
    /// MiB of memory for tantivy's indexing buffer (at least 15).
    pub writer_memory_mib: usize,
    /// KiB of one field's text indexed per message (body, headers...); a message with a longer
    /// text is a candidate of every search, and the scan decides.
    pub max_field_kib: usize,
    /// MiB of a message past which only its header fields are indexed (the same rule).
    pub max_message_mib: usize,
    /// Milliseconds between two looks at the change log once the index has caught up.
    pub poll_ms: u64,
}

impl Default for SearchConfig {
    fn default() -> Self {
        SearchConfig {
            enabled: true,
            writer_memory_mib: 64,
            max_field_kib: 1024,
            max_message_mib: 64,
            poll_ms: 250,
        }
    }
}
