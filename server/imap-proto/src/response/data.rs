//! Untagged data responses (RFC 9051 §7.2-7.5, with ESEARCH RFC 4731 /
//! RFC 5267, SORT and THREAD RFC 5256, VANISHED RFC 7162, NAMESPACE,
//! ID RFC 2971, QUOTA RFC 9208 and LIST-EXTENDED RFC 5258).

use super::encode::{
    EncodeOptions, write_astring, write_delimiter, write_mailbox, write_mailbox_string,
    write_nstring, write_string,
};
use super::fetch::FetchItem;
use crate::command::quota::QuotaResource;
use crate::command::search::PartialRange;
use crate::types::{Atom, Capability, Flag, ObjectId, SeqList, SpecialUse, Tag};
use std::fmt;
use std::num::NonZeroU32;

/// An untagged data response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Data {
    /// `* CAPABILITY ...` (§7.2.2).
    Capability(Vec<Capability>),
    /// `* ENABLED ...` (RFC 5161 §3.2).
    Enabled(Vec<Capability>),
    /// `* FLAGS (...)` (§7.3.5).
    Flags(Vec<Flag>),
    /// `* LIST ...` (§7.3.1).
    List(ListItem),
    /// `* LSUB ...` (RFC 3501 §7.2.3).
    Lsub(ListItem),
    /// `* STATUS mailbox (...)` (§7.3.2).
    Status {
        /// The mailbox name, UTF-8.
        mailbox: String,
        /// The values, in the order asked.
        items: Vec<StatusValue>,
    },
    /// `* ESEARCH ...` (§7.3.4).
    Esearch(Esearch),
    /// `* SEARCH n...` (RFC 3501 §7.2.5), with RFC 7162's `(MODSEQ n)`.
    Search {
        /// Matching numbers or UIDs.
        ids: Vec<NonZeroU32>,
        /// The highest mod-sequence of the matches, when MODSEQ was searched.
        modseq: Option<u64>,
    },
    /// `* SORT n...` (RFC 5256 §4).
    Sort {
        /// Numbers or UIDs in sorted order.
        ids: Vec<NonZeroU32>,
        /// As for SEARCH.
        modseq: Option<u64>,
    },
    /// `* THREAD (...)...` (RFC 5256 §4): the thread roots.
    Thread(Threads),
    /// `* n EXISTS` (§7.4.1).
    Exists(u32),
    /// `* n RECENT` (RFC 3501 §7.3.2).
    Recent(u32),
    /// `* n EXPUNGE` (§7.5.1).
    Expunge(NonZeroU32),
    /// `* VANISHED [(EARLIER)] uids` (RFC 7162 §3.2.10).
    Vanished {
        /// `(EARLIER)`: reply to a QRESYNC or CHANGEDSINCE fetch.
        earlier: bool,
        /// The expunged UIDs.
        uids: SeqList,
    },
    /// `* n FETCH (...)` (§7.5.2).
    Fetch {
        /// The message number.
        seq: NonZeroU32,
        /// The items.
        items: Vec<FetchItem>,
    },
    /// `* NAMESPACE ...` (§7.3.3).
    Namespace(Namespaces),
    /// `* ID ...` (RFC 2971 §3.2): `None` for NIL.
    Id(Option<Vec<(String, Option<String>)>>),
    /// `* QUOTA root (...)` (RFC 9208 §5.1).
    Quota {
        /// The quota root.
        root: String,
        /// Usage and limit per resource.
        resources: Vec<QuotaUsage>,
    },
    /// `* ACL mailbox (identifier rights)...` (RFC 4314 §3.6).
    Acl {
        /// The mailbox, UTF-8.
        mailbox: String,
        /// Identifier and rights string, per entry.
        entries: Vec<(String, String)>,
    },
    /// `* LISTRIGHTS mailbox identifier required optional...` (RFC 4314 §3.7).
    ListRights {
        /// The mailbox, UTF-8.
        mailbox: String,
        identifier: String,
        /// Rights always granted to the identifier (may be empty).
        required: String,
        /// Groups of rights that can be granted, each on its own.
        optional: Vec<String>,
    },
    /// `* MYRIGHTS mailbox rights` (RFC 4314 §3.8).
    MyRights {
        /// The mailbox, UTF-8.
        mailbox: String,
        rights: String,
    },
    /// `* QUOTAROOT mailbox root...` (RFC 9208 §5.2).
    QuotaRoot {
        /// The mailbox asked about, UTF-8.
        mailbox: String,
        /// Its quota roots.
        roots: Vec<String>,
    },
}

/// A mailbox attribute in LIST/LSUB responses (RFC 9051 §7.3.1, RFC 5258,
/// RFC 6154).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ListAttribute {
    /// `\Noinferiors`
    NoInferiors,
    /// `\Noselect`
    NoSelect,
    /// `\Marked`
    Marked,
    /// `\Unmarked`
    Unmarked,
    /// `\NonExistent`
    NonExistent,
    /// `\Subscribed`
    Subscribed,
    /// `\Remote`
    Remote,
    /// `\HasChildren`
    HasChildren,
    /// `\HasNoChildren`
    HasNoChildren,
    /// `\All`, `\Drafts`, ... (RFC 6154).
    SpecialUse(SpecialUse),
    /// Another `\` atom.
    Other(Atom),
}

impl fmt::Display for ListAttribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            ListAttribute::NoInferiors => "\\Noinferiors",
            ListAttribute::NoSelect => "\\Noselect",
            ListAttribute::Marked => "\\Marked",
            ListAttribute::Unmarked => "\\Unmarked",
            ListAttribute::NonExistent => "\\NonExistent",
            ListAttribute::Subscribed => "\\Subscribed",
            ListAttribute::Remote => "\\Remote",
            ListAttribute::HasChildren => "\\HasChildren",
            ListAttribute::HasNoChildren => "\\HasNoChildren",
            ListAttribute::SpecialUse(u) => return u.fmt(f),
            ListAttribute::Other(a) => return write!(f, "\\{a}"),
        };
        f.write_str(name)
    }
}

/// One LIST or LSUB response.
///
/// ```text
/// mailbox-list = "(" [mbx-list-flags] ")" SP
///                (DQUOTE QUOTED-CHAR DQUOTE / nil) SP mailbox
///                [SP mbox-list-extended]
/// mbox-list-extended-item = "CHILDINFO" SP "(" "SUBSCRIBED" ")" /
///                "OLDNAME" SP "(" mailbox ")"
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListItem {
    /// The attributes.
    pub attributes: Vec<ListAttribute>,
    /// The hierarchy delimiter; `None` for a flat namespace.
    pub delimiter: Option<char>,
    /// The name, UTF-8 (written as modified UTF-7 for IMAP4rev1 clients).
    pub mailbox: String,
    /// `CHILDINFO ("SUBSCRIBED")` (RFC 5258 §3.5): a child matches the
    /// SUBSCRIBED selection though this mailbox does not.
    pub child_info_subscribed: bool,
    /// `OLDNAME (name)` (RFC 9051 §6.3.9.7): the name before a RENAME.
    pub old_name: Option<String>,
}

/// A STATUS value (RFC 9051 §7.3.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusValue {
    /// `MESSAGES n`
    Messages(u32),
    /// `UIDNEXT n`
    UidNext(NonZeroU32),
    /// `UIDVALIDITY n`
    UidValidity(NonZeroU32),
    /// `UNSEEN n`
    Unseen(u32),
    /// `DELETED n`
    Deleted(u32),
    /// `SIZE n`
    Size(u64),
    /// `RECENT n` (IMAP4rev1)
    Recent(u32),
    /// `HIGHESTMODSEQ n` (RFC 7162)
    HighestModSeq(u64),
    /// `APPENDLIMIT n` or `APPENDLIMIT NIL` (RFC 7889)
    AppendLimit(Option<u64>),
    /// `MAILBOXID (id)` (RFC 8474)
    MailboxId(ObjectId),
    /// `DELETED-STORAGE n` (RFC 9208)
    DeletedStorage(u64),
}

impl StatusValue {
    fn encode(&self) -> String {
        match self {
            StatusValue::Messages(n) => format!("MESSAGES {n}"),
            StatusValue::UidNext(n) => format!("UIDNEXT {n}"),
            StatusValue::UidValidity(n) => format!("UIDVALIDITY {n}"),
            StatusValue::Unseen(n) => format!("UNSEEN {n}"),
            StatusValue::Deleted(n) => format!("DELETED {n}"),
            StatusValue::Size(n) => format!("SIZE {n}"),
            StatusValue::Recent(n) => format!("RECENT {n}"),
            StatusValue::HighestModSeq(n) => format!("HIGHESTMODSEQ {n}"),
            StatusValue::AppendLimit(Some(n)) => format!("APPENDLIMIT {n}"),
            StatusValue::AppendLimit(None) => "APPENDLIMIT NIL".into(),
            StatusValue::MailboxId(id) => format!("MAILBOXID ({})", id.as_str()),
            StatusValue::DeletedStorage(n) => format!("DELETED-STORAGE {n}"),
        }
    }
}

/// An ESEARCH response (RFC 9051 §7.3.4, RFC 4731 §3.1, RFC 5267 §4.4,
/// RFC 7162 §3.1.5).
///
/// ```text
/// esearch-response  = "ESEARCH" [search-correlator] [SP "UID"]
///                     *(SP search-return-data)
/// search-correlator = SP "(" "TAG" SP tag-string ")"
/// search-return-data = "MIN" SP nz-number / "MAX" SP nz-number /
///                     "ALL" SP sequence-set / "COUNT" SP number /
///                     "MODSEQ" SP mod-sequence-value /
///                     "PARTIAL" SP "(" partial-range SP partial-results ")"
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Esearch {
    /// The command's tag.
    pub tag: Option<Tag>,
    /// `UID`: the results are UIDs.
    pub uid: bool,
    /// `MIN n`
    pub min: Option<NonZeroU32>,
    /// `MAX n`
    pub max: Option<NonZeroU32>,
    /// `ALL set` (omitted when nothing matched).
    pub all: Option<SeqList>,
    /// `COUNT n`
    pub count: Option<u32>,
    /// `MODSEQ n`
    pub modseq: Option<u64>,
    /// `PARTIAL (range results)`; results `None` is NIL.
    pub partial: Option<(PartialRange, Option<SeqList>)>,
    /// `ADDTO (position set ...)` (RFC 5267 §4.3): results added to an
    /// UPDATE context, each at a position (0 = unknown).
    pub add_to: Vec<(u32, SeqList)>,
    /// `REMOVEFROM (position set ...)` (RFC 5267 §4.3).
    pub remove_from: Vec<(u32, SeqList)>,
}

/// The threads of a THREAD response (RFC 5256 §4) as one forest in preorder: each node is
/// followed by its children's subtrees, oldest first. Flat, so that 100,000 messages make
/// one allocation, and no deep thread can exhaust the stack.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Threads {
    pub nodes: Vec<ThreadEntry>,
}

/// One node of [`Threads`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThreadEntry {
    /// The message; `None` for a placeholder whose children are siblings.
    pub id: Option<NonZeroU32>,
    /// How many replies it has (the subtrees after it).
    pub children: u32,
}

/// One NAMESPACE description: a prefix and its delimiter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamespaceDescr {
    /// The prefix, UTF-8, e.g. `""` or `"Other Users/"`.
    pub prefix: String,
    /// The hierarchy delimiter.
    pub delimiter: Option<char>,
}

/// The three NAMESPACE lists (RFC 9051 §7.3.3); an empty list is NIL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Namespaces {
    /// Personal namespaces.
    pub personal: Vec<NamespaceDescr>,
    /// Other users' namespaces.
    pub other_users: Vec<NamespaceDescr>,
    /// Shared namespaces.
    pub shared: Vec<NamespaceDescr>,
}

/// A resource's usage and limit in a QUOTA response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaUsage {
    /// The resource.
    pub resource: QuotaResource,
    /// Current usage.
    pub usage: u64,
    /// Limit.
    pub limit: u64,
}

fn put(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(s.as_bytes());
}

fn write_ids(ids: &[NonZeroU32], modseq: Option<u64>, out: &mut Vec<u8>) {
    for id in ids {
        put(out, &format!(" {id}"));
    }
    if let (Some(m), false) = (modseq, ids.is_empty()) {
        put(out, &format!(" (MODSEQ {m})"));
    }
}

fn write_list_item(keyword: &str, item: &ListItem, opts: EncodeOptions, out: &mut Vec<u8>) {
    let attrs: Vec<String> = item.attributes.iter().map(ToString::to_string).collect();
    put(out, &format!("{keyword} ({}) ", attrs.join(" ")));
    write_delimiter(item.delimiter, out);
    out.push(b' ');
    write_mailbox(&item.mailbox, opts, out);
    if item.child_info_subscribed || item.old_name.is_some() {
        out.extend_from_slice(b" (");
        if item.child_info_subscribed {
            out.extend_from_slice(b"\"CHILDINFO\" (\"SUBSCRIBED\")");
        }
        if let Some(old) = &item.old_name {
            if item.child_info_subscribed {
                out.push(b' ');
            }
            out.extend_from_slice(b"\"OLDNAME\" (");
            write_mailbox(old, opts, out);
            out.push(b')');
        }
        out.push(b')');
    }
}

fn write_namespace(list: &[NamespaceDescr], opts: EncodeOptions, out: &mut Vec<u8>) {
    if list.is_empty() {
        put(out, "NIL");
        return;
    }
    out.push(b'(');
    for d in list {
        out.push(b'(');
        write_mailbox_string(&d.prefix, opts, out);
        out.push(b' ');
        write_delimiter(d.delimiter, out);
        out.push(b')');
    }
    out.push(b')');
}

/// Writes `(...)` for the thread at `nodes[*at]` and moves past it: a single reply continues
/// the chain, several replies become nested lists (`thread-nested = 2*thread-list`). A node
/// count running past the end closes what is open.
fn write_thread(nodes: &[ThreadEntry], at: &mut usize, out: &mut Vec<u8>) {
    // Per open list of replies, how many are still to be written.
    let mut remaining: Vec<u32> = Vec::new();
    loop {
        out.push(b'(');
        let mut wrote = false;
        let children = loop {
            let Some(node) = nodes.get(*at) else {
                break 0;
            };
            *at += 1;
            if let Some(id) = node.id {
                if wrote {
                    out.push(b' ');
                }
                put(out, &id.to_string());
                wrote = true;
            }
            if node.children != 1 {
                break node.children;
            }
        };
        if children >= 2 && *at < nodes.len() {
            if wrote {
                out.push(b' ');
            }
            remaining.push(children);
            continue;
        }
        out.push(b')');
        // This chain was the last reply of every list it closes.
        loop {
            let Some(left) = remaining.last_mut() else {
                return;
            };
            *left -= 1;
            if *left > 0 && *at < nodes.len() {
                break;
            }
            remaining.pop();
            out.push(b')');
        }
    }
}

impl Data {
    pub(crate) fn encode(&self, opts: EncodeOptions, out: &mut Vec<u8>) {
        put(out, "* ");
        match self {
            Data::Capability(caps) | Data::Enabled(caps) => {
                put(
                    out,
                    if matches!(self, Data::Capability(_)) {
                        "CAPABILITY"
                    } else {
                        "ENABLED"
                    },
                );
                for cap in caps {
                    put(out, &format!(" {}", cap.as_str()));
                }
            }
            Data::Flags(flags) => {
                let list: Vec<String> = flags.iter().map(ToString::to_string).collect();
                put(out, &format!("FLAGS ({})", list.join(" ")));
            }
            Data::List(item) => write_list_item("LIST", item, opts, out),
            Data::Lsub(item) => write_list_item("LSUB", item, opts, out),
            Data::Status { mailbox, items } => {
                put(out, "STATUS ");
                write_mailbox(mailbox, opts, out);
                let list: Vec<String> = items.iter().map(StatusValue::encode).collect();
                put(out, &format!(" ({})", list.join(" ")));
            }
            Data::Esearch(e) => {
                put(out, "ESEARCH");
                if let Some(tag) = &e.tag {
                    put(out, " (TAG ");
                    write_string(tag.as_str().as_bytes(), opts, out);
                    put(out, ")");
                }
                if e.uid {
                    put(out, " UID");
                }
                if let Some(n) = e.min {
                    put(out, &format!(" MIN {n}"));
                }
                if let Some(n) = e.max {
                    put(out, &format!(" MAX {n}"));
                }
                if let Some(set) = &e.all {
                    put(out, &format!(" ALL {set}"));
                }
                if let Some(n) = e.count {
                    put(out, &format!(" COUNT {n}"));
                }
                if let Some(n) = e.modseq {
                    put(out, &format!(" MODSEQ {n}"));
                }
                if let Some((range, results)) = &e.partial {
                    // The requested range, lowest first: 500:400 is the same as 400:500
                    // (RFC 9394 §3.1, RFC 5267 §4.4).
                    let range = match *range {
                        PartialRange::First(a, b) => format!("{}:{}", a.min(b), a.max(b)),
                        PartialRange::Last(a, b) => format!("-{}:-{}", a.min(b), a.max(b)),
                    };
                    let results = results
                        .as_ref()
                        .map_or("NIL".to_string(), ToString::to_string);
                    put(out, &format!(" PARTIAL ({range} {results})"));
                }
                for (name, list) in [("ADDTO", &e.add_to), ("REMOVEFROM", &e.remove_from)] {
                    if !list.is_empty() {
                        let pairs: Vec<String> = list
                            .iter()
                            .map(|(pos, set)| format!("{pos} {set}"))
                            .collect();
                        put(out, &format!(" {name} ({})", pairs.join(" ")));
                    }
                }
            }
            Data::Search { ids, modseq } => {
                put(out, "SEARCH");
                write_ids(ids, *modseq, out);
            }
            Data::Sort { ids, modseq } => {
                put(out, "SORT");
                write_ids(ids, *modseq, out);
            }
            Data::Thread(threads) => {
                put(out, "THREAD");
                if !threads.nodes.is_empty() {
                    out.push(b' ');
                }
                let mut at = 0;
                while at < threads.nodes.len() {
                    write_thread(&threads.nodes, &mut at, out);
                }
            }
            Data::Exists(n) => put(out, &format!("{n} EXISTS")),
            Data::Recent(n) => put(out, &format!("{n} RECENT")),
            Data::Expunge(n) => put(out, &format!("{n} EXPUNGE")),
            Data::Vanished { earlier, uids } => {
                put(
                    out,
                    &format!(
                        "VANISHED {}{uids}",
                        if *earlier { "(EARLIER) " } else { "" }
                    ),
                );
            }
            Data::Fetch { seq, items } => {
                put(out, &format!("{seq} FETCH ("));
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b' ');
                    }
                    item.encode(opts, out);
                }
                out.push(b')');
            }
            Data::Namespace(ns) => {
                put(out, "NAMESPACE ");
                write_namespace(&ns.personal, opts, out);
                out.push(b' ');
                write_namespace(&ns.other_users, opts, out);
                out.push(b' ');
                write_namespace(&ns.shared, opts, out);
            }
            Data::Id(None) => put(out, "ID NIL"),
            Data::Id(Some(pairs)) => {
                put(out, "ID (");
                for (i, (k, v)) in pairs.iter().enumerate() {
                    if i > 0 {
                        out.push(b' ');
                    }
                    write_string(k.as_bytes(), opts, out);
                    out.push(b' ');
                    write_nstring(v.as_deref().map(str::as_bytes), opts, out);
                }
                out.push(b')');
            }
            Data::Quota { root, resources } => {
                put(out, "QUOTA ");
                write_astring(root.as_bytes(), opts, out);
                let list: Vec<String> = resources
                    .iter()
                    .map(|r| format!("{} {} {}", r.resource, r.usage, r.limit))
                    .collect();
                put(out, &format!(" ({})", list.join(" ")));
            }
            Data::Acl { mailbox, entries } => {
                put(out, "ACL ");
                write_mailbox(mailbox, opts, out);
                for (identifier, rights) in entries {
                    out.push(b' ');
                    write_astring(identifier.as_bytes(), opts, out);
                    out.push(b' ');
                    write_astring(rights.as_bytes(), opts, out);
                }
            }
            Data::ListRights {
                mailbox,
                identifier,
                required,
                optional,
            } => {
                put(out, "LISTRIGHTS ");
                write_mailbox(mailbox, opts, out);
                out.push(b' ');
                write_astring(identifier.as_bytes(), opts, out);
                out.push(b' ');
                write_astring(required.as_bytes(), opts, out);
                for rights in optional {
                    out.push(b' ');
                    write_astring(rights.as_bytes(), opts, out);
                }
            }
            Data::MyRights { mailbox, rights } => {
                put(out, "MYRIGHTS ");
                write_mailbox(mailbox, opts, out);
                out.push(b' ');
                write_astring(rights.as_bytes(), opts, out);
            }
            Data::QuotaRoot { mailbox, roots } => {
                put(out, "QUOTAROOT ");
                write_mailbox(mailbox, opts, out);
                for root in roots {
                    out.push(b' ');
                    write_astring(root.as_bytes(), opts, out);
                }
            }
        }
        put(out, "\r\n");
    }
}
