//! Reading the keys the store keeps of each email for SEARCH, SORT and THREAD
//! (`kantor_store::keys`): kantor-message's `keys` computes them when the email is stored, with
//! the same functions that compute them from the message's bytes when no keys are kept (the
//! base subject and reply mark, RFC 5256 §2.1, §4; the SORT values of the first From/To/Cc
//! address, RFC 5256 §3, and display names, RFC 5957 §3; the sent date, RFC 5256 §2.2; the
//! message ID and references, RFC 5256 §4; the decoded texts header SEARCH keys match, RFC 9051
//! §6.4.4). So reading the keys and reading the message answer alike; the tests compare them.
//! This module says which stored columns a command reads, and answers from them.
//!
//! A scan over most of a mailbox visits the keys of all its messages in one query
//! ([`read_stored`], `search::scan_among`); a message whose keys are missing (stored before they
//! existed and not yet backfilled, of another version, or too large to keep) is read as before.

use kantor_imap_proto::command::search::SearchKey;
use kantor_imap_proto::command::sort::SortKey;
use kantor_store::keys::{ADDRESS_FIELDS, SEARCH_FIELDS, TEXT_SEPARATOR};
use kantor_store::{KeyColumn, KeysRef};

/// The columns THREAD=REFERENCES reads (RFC 5256 §4).
pub(crate) const THREAD_COLUMNS: [KeyColumn; 3] =
    [KeyColumn::Sent, KeyColumn::Subject, KeyColumn::Threading];
/// The columns THREAD=ORDEREDSUBJECT reads: no IDs or references (RFC 5256 §4).
pub(crate) const ORDERED_SUBJECT_COLUMNS: [KeyColumn; 2] = [KeyColumn::Sent, KeyColumn::Subject];

/// The column holding a SORT key's value; `None` for ARRIVAL and SIZE (in the summary).
pub(crate) fn sort_column(key: SortKey) -> Option<KeyColumn> {
    Some(match key {
        SortKey::Arrival | SortKey::Size => return None,
        SortKey::Date => KeyColumn::Sent,
        SortKey::Subject => KeyColumn::Subject,
        SortKey::From => KeyColumn::SortFrom,
        SortKey::To => KeyColumn::SortTo,
        SortKey::Cc => KeyColumn::SortCc,
        SortKey::DisplayFrom => KeyColumn::DisplayFrom,
        SortKey::DisplayTo => KeyColumn::DisplayTo,
    })
}

/// Adds the columns the header keys of `key` can be answered from.
pub(crate) fn search_columns(key: &SearchKey, out: &mut Vec<KeyColumn>) {
    use SearchKey as K;
    let mut add = |column| {
        if !out.contains(&column) {
            out.push(column);
        }
    };
    match key {
        K::From(_) | K::To(_) | K::Cc(_) | K::Bcc(_) | K::Subject(_) | K::Header(..) => {
            let name = field_name(key).unwrap_or_default();
            if let Some(i) = field_index(name) {
                add(KeyColumn::Field(i));
            }
            if !matches!(key, K::Subject(_) | K::Header(..))
                && let Some(i) = ADDRESS_FIELDS.iter().position(|f| *f == name)
            {
                add(KeyColumn::Addresses(i));
            }
        }
        K::Not(k) => search_columns(k, out),
        K::Or(a, b) => {
            search_columns(a, out);
            search_columns(b, out);
        }
        K::And(keys) => keys.iter().for_each(|k| search_columns(k, out)),
        _ => {}
    }
}

fn field_name(key: &SearchKey) -> Option<&str> {
    use SearchKey as K;
    Some(match key {
        K::From(_) => "From",
        K::To(_) => "To",
        K::Cc(_) => "Cc",
        K::Bcc(_) => "Bcc",
        K::Subject(_) => "Subject",
        K::Header(name, _) => name,
        _ => return None,
    })
}

/// Where a field's texts are kept (field names are case-insensitive, RFC 5322 §1.2.2).
fn field_index(name: &str) -> Option<usize> {
    SEARCH_FIELDS
        .iter()
        .position(|f| f.eq_ignore_ascii_case(name))
}

/// Whether the stored texts of the fields called `name` contain `needle` (folded), as a header
/// key matches them (the empty string matches any message with such a field); with
/// `addresses`, the parsed addresses of an address field count too. `None` when the keys
/// cannot tell (the field is not kept, or the needle holds the separator).
pub(crate) fn contains(
    keys: KeysRef<'_>,
    name: &str,
    needle: &str,
    addresses: bool,
) -> Option<bool> {
    if needle.contains(TEXT_SEPARATOR) {
        return None;
    }
    let Some(texts) = keys.field(field_index(name)?)? else {
        return Some(false);
    };
    if needle.is_empty() || texts.contains(needle) {
        return Some(true);
    }
    if !addresses {
        return Some(false);
    }
    let i = ADDRESS_FIELDS
        .iter()
        .position(|f| f.eq_ignore_ascii_case(name))?;
    Some(keys.addresses(i)?.is_some_and(|t| t.contains(needle)))
}

/// Whether a scan of `candidates` of the `messages` of a mailbox reads the stored `columns`
/// of the whole mailbox: when it covers enough of it for one read of the mailbox to beat
/// reading the candidates' headers.
pub(crate) fn read_stored(columns: &[KeyColumn], candidates: usize, messages: usize) -> bool {
    !columns.is_empty() && candidates > 0 && candidates * 8 >= messages
}
