//! SORT (RFC 5256 §3), with SORT=DISPLAY (RFC 5957).
//!
//! - ARRIVAL: INTERNALDATE; SIZE: RFC822.SIZE; DATE: the sent date in UTC (RFC 5256 §2.2),
//!   INTERNALDATE when the Date header is missing or does not parse.
//! - FROM, TO, CC: the addr-mailbox of the first address of the ENVELOPE field (a group's
//!   start marker holds the group name); the empty string when there is none.
//! - DISPLAYFROM, DISPLAYTO (RFC 5957 §3-§4): the decoded display name of that address, else
//!   `addr-mailbox@addr-host`, else addr-mailbox, else the empty string.
//! - SUBJECT: the base subject (RFC 5256 §2.1).
//!
//! Strings compare case-insensitively (upper-cased, approximating i;unicode-casemap, RFC 5051).
//! REVERSE flips one criterion; messages equal on every criterion stay in sequence order.

use crate::keys;
use crate::lazy::Lazy;
use crate::search::{SearchContext, SearchError, check_charset, scan, scan_among};
use kantor_imap_proto::command::search::SearchKey;
use kantor_imap_proto::command::sort::{SortCriterion, SortKey};
use kantor_message::envelope::Envelope;
use kantor_message::intern::Interner;
use kantor_message::keys::{address_value, display_value, subject_value};
use kantor_store::KeyColumn;
use std::cmp::Ordering;

/// Sequence numbers of the messages matching `key`, in the order the criteria give.
pub fn sort(
    context: &SearchContext<'_>,
    criteria: &[SortCriterion],
    charset: &str,
    key: &SearchKey,
) -> Result<Vec<u32>, SearchError> {
    Ok(sorted(context, criteria, charset, key)?
        .into_iter()
        .map(|(seq, _)| seq)
        .collect())
}

/// [`sort`] keeping each message's sort values, so messages that match later can be placed
/// among these (RFC 5267 §4.3, CONTEXT=SORT).
pub fn sorted(
    context: &SearchContext<'_>,
    criteria: &[SortCriterion],
    charset: &str,
    key: &SearchKey,
) -> Result<Vec<(u32, SortValues)>, SearchError> {
    check_charset(charset)?;
    let rows = scan(context, key, &columns(criteria), |m| {
        Ok((m.seq, values(criteria, m)?))
    })?;
    Ok(sort_rows(criteria, rows))
}

/// Orders `rows` (in sequence order, as a scan gives them) as [`compare`] does, ties by
/// sequence number. Each value is first replaced by a number ordering as the values of its
/// criterion do (a text by its rank among the distinct texts), so the sort compares numbers
/// in one array rather than strings behind pointers.
fn sort_rows(criteria: &[SortCriterion], rows: Vec<(u32, SortValues)>) -> Vec<(u32, SortValues)> {
    let width = criteria.len();
    let mut keys = vec![0u64; rows.len() * width];
    for (c, criterion) in criteria.iter().enumerate() {
        let mut texts = Interner::default();
        for (r, (_, values)) in rows.iter().enumerate() {
            keys[r * width + c] = match &values.0[c] {
                // Flipping the sign bit orders i64 as u64.
                Value::Number(n) => (*n as u64) ^ (1 << 63),
                Value::Text(t) => u64::from(texts.number(t)),
            };
        }
        let ranks = texts.ranks();
        for r in 0..rows.len() {
            let key = &mut keys[r * width + c];
            if matches!(rows[r].1.0[c], Value::Text(_)) {
                *key = u64::from(ranks[*key as usize]);
            }
            if criterion.reverse {
                *key = !*key;
            }
        }
    }
    // Row indices are distinct and follow sequence numbers: an unstable sort is exact.
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_unstable_by(|&a, &b| {
        keys[a * width..(a + 1) * width]
            .cmp(&keys[b * width..(b + 1) * width])
            .then(a.cmp(&b))
    });
    let mut rows: Vec<Option<(u32, SortValues)>> = rows.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| rows[i].take()).collect()
}

/// Those `candidates` that match `key` (in sequence order), with their sort values; numbers
/// and `*` count in the whole view, as in [`crate::search::search_among`].
pub fn sort_among(
    context: &SearchContext<'_>,
    criteria: &[SortCriterion],
    candidates: &[crate::Message<'_>],
    key: &SearchKey,
) -> Result<Vec<(u32, SortValues)>, SearchError> {
    scan_among(context, candidates, key, &columns(criteria), |m| {
        Ok((m.seq, values(criteria, m)?))
    })
}

/// How two messages compare on the criteria alone; the caller breaks ties by sequence number
/// (equivalently, by UID).
pub fn compare(criteria: &[SortCriterion], a: &SortValues, b: &SortValues) -> Ordering {
    criteria
        .iter()
        .zip(a.0.iter().zip(&b.0))
        .map(|(c, (x, y))| {
            let order = x.cmp(y);
            if c.reverse { order.reverse() } else { order }
        })
        .find(|o| *o != Ordering::Equal)
        .unwrap_or(Ordering::Equal)
}

/// One message's values for the sort criteria, in the criteria's order. A message's sort
/// values never change (they come from its bytes, size and INTERNALDATE).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortValues(Vec<Value>);

/// One sort key's value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Value {
    Number(i64),
    Text(String),
}

/// The stored keys the criteria read.
fn columns(criteria: &[SortCriterion]) -> Vec<KeyColumn> {
    criteria
        .iter()
        .filter_map(|c| keys::sort_column(c.key))
        .collect()
}

fn values(criteria: &[SortCriterion], m: &mut Lazy<'_>) -> Result<SortValues, SearchError> {
    let summary = m.summary;
    let mut out = Vec::with_capacity(criteria.len());
    for criterion in criteria {
        let value = match (criterion.key, m.stored) {
            (SortKey::Arrival, _) => Value::Number(summary.internal_date),
            (SortKey::Size, _) => Value::Number(i64::try_from(summary.size).unwrap_or(i64::MAX)),
            (SortKey::Date, Some(stored)) => {
                Value::Number(stored.row.sent.unwrap_or(summary.internal_date))
            }
            (SortKey::Date, None) => {
                let sent = m.get()?.sent_date();
                Value::Number(sent.map_or(summary.internal_date, |d| d.unix))
            }
            (key, Some(stored)) => {
                let column = keys::sort_column(key).expect("a text key has a column");
                Value::Text(stored.sort_text(column).to_owned())
            }
            (key, None) => {
                let loaded = m.get()?;
                let envelope = Envelope::of(&loaded.root.fields(&loaded.raw));
                Value::Text(text_value(key, &envelope))
            }
        };
        out.push(value);
    }
    Ok(SortValues(out))
}

/// The value of a text sort key (SUBJECT, FROM, TO, CC, DISPLAYFROM, DISPLAYTO), folded, from
/// the message's envelope: kantor-message's sort values, which the stored keys hold too.
pub(crate) fn text_value(key: SortKey, envelope: &Envelope) -> String {
    match key {
        SortKey::Subject => subject_value(envelope.subject.as_deref()),
        SortKey::From => address_value(&envelope.from),
        SortKey::To => address_value(&envelope.to),
        SortKey::Cc => address_value(&envelope.cc),
        SortKey::DisplayFrom => display_value(&envelope.from),
        _ => display_value(&envelope.to),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranked_sort_orders_as_compare() {
        let texts = ["", "A", "AB", "B", "Ä", "A"];
        let numbers = [i64::MIN, -1, 0, 1, i64::MAX, 0];
        let rows: Vec<(u32, SortValues)> = (0..72)
            .map(|i| {
                let values = vec![
                    Value::Text(texts[i % 6].into()),
                    Value::Number(numbers[i / 6 % 6]),
                    Value::Number(numbers[i % 5]),
                ];
                (i as u32 + 1, SortValues(values))
            })
            .collect();
        for reverse in 0..8 {
            let criteria: Vec<SortCriterion> = [SortKey::Subject, SortKey::Date, SortKey::Size]
                .into_iter()
                .enumerate()
                .map(|(i, key)| SortCriterion {
                    reverse: reverse & (1 << i) != 0,
                    key,
                })
                .collect();
            let mut expected = rows.clone();
            expected.sort_by(|(x, a), (y, b)| compare(&criteria, a, b).then(x.cmp(y)));
            assert_eq!(sort_rows(&criteria, rows.clone()), expected);
        }
    }
}
