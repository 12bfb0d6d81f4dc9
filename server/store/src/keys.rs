//! What SEARCH, SORT and THREAD need of an email, extracted once when it is stored: the sort
//! values of RFC 5256 §3 and RFC 5957, the threading data of RFC 5256 §4, and the texts the
//! header SEARCH keys of RFC 9051 §6.4.4 match.
//!
//! They are kantor-message's ([`EmailKeys`], computed with the very functions readers use on a
//! message's bytes, so the stored keys cannot drift from what reading the message gives): each
//! email stored gets its keys at delivery and APPEND, from the parse that extracts its
//! metadata, and [`crate::Store::backfill_keys`] gives them to the emails stored before, or with
//! another [`VERSION`]. For an email whose keys are missing, of another version or too large
//! ([`EmailKeys::complete`] false), readers read the message itself.

pub use kantor_message::keys::{
    ADDRESS_FIELDS, EmailKeys, REFERENCE_SEPARATOR, SEARCH_FIELDS, SearchTexts, TEXT_SEPARATOR,
    VERSION,
};

/// The groups of keys a reader asks for (one query reads only the columns it needs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyColumn {
    Sent,
    /// Base subject and the reply mark.
    Subject,
    SortFrom,
    SortTo,
    SortCc,
    DisplayFrom,
    DisplayTo,
    /// Message ID and references.
    Threading,
    /// [`SEARCH_FIELDS`]`[i]`.
    Field(usize),
    /// [`ADDRESS_FIELDS`]`[i]`.
    Addresses(usize),
}

/// Where each string key of an email is in a [`KeysTable`] row, in the order the columns give
/// them ([`KeyColumn::texts`]).
const SUBJECT: usize = 0;
const SORT_FROM: usize = 1;
const SORT_TO: usize = 2;
const SORT_CC: usize = 3;
const DISPLAY_FROM: usize = 4;
const DISPLAY_TO: usize = 5;
const MESSAGE_ID: usize = 6;
const REFERENCES: usize = 7;
const FIELDS: usize = 8;
const ADDRESSES: usize = FIELDS + SEARCH_FIELDS.len();
const TEXTS: usize = ADDRESSES + ADDRESS_FIELDS.len();
/// A string key not read.
const NOT_READ: u8 = u8::MAX;
/// The offset of a NULL string in [`KeysTable`].
const NULL: u32 = u32::MAX;

impl KeyColumn {
    /// The string keys the column holds, in the order a backend gives them to
    /// [`KeysTable::push_text`] (the sent date and the reply mark are not strings).
    fn texts(self) -> std::ops::Range<usize> {
        let one = |i: usize| i..i + 1;
        match self {
            KeyColumn::Sent => 0..0,
            KeyColumn::Subject => one(SUBJECT),
            KeyColumn::SortFrom => one(SORT_FROM),
            KeyColumn::SortTo => one(SORT_TO),
            KeyColumn::SortCc => one(SORT_CC),
            KeyColumn::DisplayFrom => one(DISPLAY_FROM),
            KeyColumn::DisplayTo => one(DISPLAY_TO),
            KeyColumn::Threading => MESSAGE_ID..REFERENCES + 1,
            KeyColumn::Field(i) => one(FIELDS + i),
            KeyColumn::Addresses(i) => one(ADDRESSES + i),
        }
    }
}

/// One message of a [`KeysTable`]: what is not a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeysRow {
    pub uid: crate::Uid,
    pub email_id: crate::MessageId,
    /// False when the email has no usable keys (too large to keep): read the message.
    pub complete: bool,
    /// The sent date, when [`KeyColumn::Sent`] was read and the Date header parses.
    pub sent: Option<i64>,
    /// The reply mark, when [`KeyColumn::Subject`] was read.
    pub reply: bool,
    /// Where the row's strings start in the table's text.
    text: usize,
}

impl KeysRow {
    /// A row with the message's summary values; the sent date and reply mark are set by the
    /// backend when read.
    pub fn new(uid: crate::Uid, email_id: crate::MessageId, complete: bool) -> KeysRow {
        KeysRow {
            uid,
            email_id,
            complete,
            sent: None,
            reply: false,
            text: 0,
        }
    }
}

/// The keys of a mailbox's messages as [`crate::Mail::message_keys`] reads them (and one at a
/// time as [`crate::Mail::visit_message_keys`] does): a row per message in UID order, only the
/// columns asked for, every string in one buffer (a read of 100,000 messages makes no
/// allocation per message).
#[derive(Debug, Default)]
pub struct KeysTable {
    rows: Vec<KeysRow>,
    /// `width` per row: where each string read is, from its row's start in `text` (offset
    /// and length; [`NULL`] for NULL). A row's strings are at most a few hundred KiB.
    spans: Vec<(u32, u32)>,
    text: String,
    /// Per string key, its place among a row's spans, or [`NOT_READ`].
    slot: [u8; TEXTS],
    width: usize,
}

impl KeysTable {
    /// An empty table for the columns `wanted` (each read once, in this order).
    pub fn new(wanted: &[KeyColumn], capacity: usize) -> KeysTable {
        let mut slot = [NOT_READ; TEXTS];
        let mut width = 0;
        for column in wanted {
            for text in column.texts() {
                if slot[text] == NOT_READ {
                    slot[text] = width as u8;
                    width += 1;
                }
            }
        }
        KeysTable {
            rows: Vec::with_capacity(capacity),
            spans: Vec::with_capacity(capacity * width),
            text: String::new(),
            slot,
            width,
        }
    }

    /// Starts the next message (backends: then its strings, in the order of the columns).
    pub fn push_row(&mut self, mut row: KeysRow) {
        row.text = self.text.len();
        self.rows.push(row);
    }

    /// The next string of the current message (`None` for NULL).
    pub fn push_text(&mut self, text: Option<&str>) {
        let row_start = self.rows.last().map_or(0, |r| r.text);
        let span = match text {
            Some(t) => {
                let offset = u32::try_from(self.text.len() - row_start).unwrap_or(NULL - 1);
                self.text.push_str(t);
                (offset, u32::try_from(t.len()).unwrap_or(0))
            }
            None => (NULL, 0),
        };
        self.spans.push(span);
    }

    /// Empties the table, keeping its buffers.
    pub fn clear(&mut self) {
        self.rows.clear();
        self.spans.clear();
        self.text.clear();
    }

    /// Adds a message of another table read with the same columns.
    pub fn push_copy(&mut self, keys: KeysRef<'_>) {
        debug_assert_eq!(self.slot, keys.table.slot, "tables of other columns");
        self.push_row(*keys.row);
        for slot in 0..self.width {
            let (offset, len) = keys.table.spans[keys.index * self.width + slot];
            let start = keys.row.text + offset as usize;
            self.push_text(match offset {
                NULL => None,
                _ => keys.table.text.get(start..start + len as usize),
            });
        }
    }

    /// How many messages there are.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn rows(&self) -> &[KeysRow] {
        &self.rows
    }

    /// The message at `index`.
    pub fn get(&self, index: usize) -> Option<KeysRef<'_>> {
        let row = self.rows.get(index)?;
        Some(KeysRef {
            table: self,
            row,
            index,
        })
    }

    /// The message with this UID.
    pub fn find(&self, uid: crate::Uid) -> Option<usize> {
        self.rows.binary_search_by_key(&uid, |r| r.uid).ok()
    }
}

/// One message's keys in a [`KeysTable`], borrowed.
#[derive(Debug, Clone, Copy)]
pub struct KeysRef<'a> {
    table: &'a KeysTable,
    pub row: &'a KeysRow,
    index: usize,
}

impl<'a> KeysRef<'a> {
    /// A string key: `None` when it was not read, `Some(None)` when NULL.
    fn text(&self, key: usize) -> Option<Option<&'a str>> {
        let slot = self.table.slot[key];
        if slot == NOT_READ {
            return None;
        }
        let (offset, len) = self.table.spans[self.index * self.table.width + usize::from(slot)];
        if offset == NULL {
            return Some(None);
        }
        let start = self.row.text + offset as usize;
        Some(self.table.text.get(start..start + len as usize))
    }

    fn value(&self, key: usize) -> &'a str {
        self.text(key).flatten().unwrap_or_default()
    }

    /// The base subject (RFC 5256 §2.1), folded.
    pub fn subject(&self) -> &'a str {
        self.value(SUBJECT)
    }

    /// A SORT text value (RFC 5256 §3, RFC 5957 §3) by its column; "" for another column.
    pub fn sort_text(&self, column: KeyColumn) -> &'a str {
        match column {
            KeyColumn::Subject => self.subject(),
            KeyColumn::SortFrom => self.value(SORT_FROM),
            KeyColumn::SortTo => self.value(SORT_TO),
            KeyColumn::SortCc => self.value(SORT_CC),
            KeyColumn::DisplayFrom => self.value(DISPLAY_FROM),
            KeyColumn::DisplayTo => self.value(DISPLAY_TO),
            _ => "",
        }
    }

    /// The message's own Message ID (RFC 5256 §4).
    pub fn message_id(&self) -> Option<&'a str> {
        self.text(MESSAGE_ID).flatten()
    }

    /// The IDs its REFERENCES parents are taken from (RFC 5256 §4 (1)).
    pub fn references(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        self.value(REFERENCES)
            .split(REFERENCE_SEPARATOR)
            .filter(|id| !id.is_empty())
    }

    /// The search texts of [`SEARCH_FIELDS`]`[i]`: `None` when not read, `Some(None)` when
    /// the message has no such field.
    pub fn field(&self, i: usize) -> Option<Option<&'a str>> {
        self.text(FIELDS + i)
    }

    /// The parsed addresses of [`ADDRESS_FIELDS`]`[i]`, as [`KeysRef::field`].
    pub fn addresses(&self, i: usize) -> Option<Option<&'a str>> {
        self.text(ADDRESSES + i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_keeps_each_string_in_its_place() {
        // Threading then the From texts: message ID, references, From field.
        let wanted = [
            KeyColumn::Threading,
            KeyColumn::Field(0),
            KeyColumn::Threading,
        ];
        let mut table = KeysTable::new(&wanted, 2);
        table.push_row(KeysRow::new(3, 30, true));
        for text in [Some("a@x"), Some("p@x\0q@x"), None] {
            table.push_text(text);
        }
        table.push_row(KeysRow::new(5, 50, true));
        for text in [None, None, Some("bob")] {
            table.push_text(text);
        }
        assert_eq!(table.find(5), Some(1));
        assert_eq!(table.find(4), None);
        let first = table.get(0).unwrap();
        assert_eq!(first.message_id(), Some("a@x"));
        assert_eq!(first.references().collect::<Vec<_>>(), ["p@x", "q@x"]);
        assert_eq!(first.field(0), Some(None), "NULL: no From field");
        assert_eq!(first.field(1), None, "not read");
        assert_eq!(first.subject(), "", "not read");
        let second = table.get(1).unwrap();
        assert_eq!(second.message_id(), None);
        assert_eq!(second.references().count(), 0);
        assert_eq!(second.field(0), Some(Some("bob")));
        // A copy into a table of the same columns reads alike; a cleared table is empty.
        let mut copy = KeysTable::new(&wanted, 0);
        copy.push_copy(second);
        copy.push_copy(first);
        assert_eq!(copy.get(1).unwrap().message_id(), Some("a@x"));
        assert_eq!(copy.get(0).unwrap().field(0), Some(Some("bob")));
        assert_eq!(copy.get(0).unwrap().row.uid, 5);
        copy.clear();
        assert!(copy.is_empty() && copy.get(0).is_none());
    }
}
