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
    /// MiB of one attachment (decoded) past which its text is not read: it is indexed by name.
    pub attachment_max_mib: usize,
    /// MiB one attachment may unpack to (zip entries of DOCX/XLSX/PPTX/OpenDocument, PDF
    /// streams): past it the attachment is indexed by name (a zip bomb stops here).
    pub attachment_unpacked_mib: u64,
    /// KiB of text kept of one attachment.
    pub attachment_text_kib: usize,
    /// Milliseconds one attachment's text may take to read; past it the attachment is indexed
    /// by name and the failure logged.
    pub attachment_timeout_ms: u64,
    /// Detect each message's language and index its words stemmed in that language, so that
    /// JMAP Email/query's `text`, `body` and `subject` also find other forms of a word
    /// ("running" finds "runs" in English mail) besides substrings (IMAP SEARCH stays
    /// substrings only). Changing it rebuilds the index at the next start.
    pub stemming: bool,
    /// Milliseconds between two looks at the change log once the index has caught up.
    pub poll_ms: u64,
    /// Milliseconds the indexer may leave new mail for later while a burst of deliveries goes
    /// on (the change log growing by 100 rows, 50 deliveries, or more between two of its
    /// looks: 200 to 500 deliveries a second), so that the burst has the cores; past it, it
    /// indexes until caught up. 0: never wait.
    pub burst_defer_ms: u64,
}

impl Default for SearchConfig {
    fn default() -> Self {
        SearchConfig {
            enabled: true,
            writer_memory_mib: 64,
            max_field_kib: 1024,
            max_message_mib: 64,
            attachment_max_mib: 32,
            attachment_unpacked_mib: 64,
            attachment_text_kib: 1024,
            attachment_timeout_ms: 10_000,
            stemming: true,
            poll_ms: 250,
            burst_defer_ms: 5000,
        }
    }
}
