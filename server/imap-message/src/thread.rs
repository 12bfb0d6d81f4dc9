//! THREAD (RFC 5256 §4): ORDEREDSUBJECT and REFERENCES, step by step as the RFC gives them.
//! Sent dates follow §2.2 (the Date header in UTC, else INTERNALDATE; ties by sequence
//! number); subjects are base subjects (§2.1), compared case-insensitively.

use crate::keys::{ORDERED_SUBJECT_COLUMNS, THREAD_COLUMNS};
use crate::lazy::Lazy;
use crate::search::{SearchContext, SearchError, check_charset, scan};
use kantor_imap_proto::command::search::SearchKey;
use kantor_imap_proto::command::sort::ThreadAlgorithm;
use kantor_imap_proto::response::data::{ThreadEntry, Threads};
use kantor_message::threading::{Collect, Info, Threading, threading};
use std::num::NonZeroU32;

/// The threads of the messages matching `key`, with sequence numbers as node ids. An
/// algorithm other than ORDEREDSUBJECT and REFERENCES yields no threads (the session refuses
/// those before searching).
pub fn thread(
    context: &SearchContext<'_>,
    algorithm: ThreadAlgorithm,
    charset: &str,
    key: &SearchKey,
) -> Result<Threads, SearchError> {
    check_charset(charset)?;
    let references = match algorithm {
        ThreadAlgorithm::OrderedSubject => false,
        ThreadAlgorithm::References => true,
        ThreadAlgorithm::Other(_) => return Ok(Threads::default()),
    };
    let columns: &[_] = if references {
        &THREAD_COLUMNS
    } else {
        &ORDERED_SUBJECT_COLUMNS
    };
    let mut collect = Collect::new(references, context.messages.len());
    let msgs = scan(context, key, columns, |m| info(m, &mut collect))?;
    let threading = collect.finish(msgs);
    Ok(if references {
        References::new(&threading).run()
    } else {
        ordered_subject(&threading.msgs)
    })
}

/// What THREAD reads of a message: its stored keys, or its header.
fn info(m: &mut Lazy<'_>, collect: &mut Collect) -> Result<Info, SearchError> {
    let mut info = stored_or_read(m, collect)?;
    info.seq = m.seq;
    Ok(info)
}

fn stored_or_read(m: &mut Lazy<'_>, collect: &mut Collect) -> Result<Info, SearchError> {
    let internal = m.summary.internal_date;
    if let Some(stored) = m.stored {
        return Ok(collect.add(
            stored.row.sent.unwrap_or(internal),
            stored.subject(),
            stored.row.reply,
            stored.message_id(),
            stored.references(),
        ));
    }
    let loaded = m.get()?;
    let sent = loaded.sent_date().map_or(internal, |d| d.unix);
    let (subject, reply, id, refs) = threading(&loaded.root.fields(&loaded.raw));
    Ok(collect.add(
        sent,
        &subject,
        reply,
        id.as_deref(),
        refs.iter().map(String::as_str),
    ))
}

fn entry(seq: u32, children: usize) -> ThreadEntry {
    ThreadEntry {
        id: NonZeroU32::new(seq),
        children: u32::try_from(children).unwrap_or(u32::MAX),
    }
}

/// ORDEREDSUBJECT: sort by base subject then sent date, split into threads of one subject,
/// first message at the root and the others its children, threads ordered by their first
/// message's sent date.
fn ordered_subject(msgs: &[Info]) -> Threads {
    // Sequence numbers are distinct: no two keys are equal, so an unstable sort is exact.
    let mut sorted: Vec<&Info> = msgs.iter().collect();
    sorted.sort_unstable_by_key(|m| (m.subject, m.sent, m.seq));
    let mut threads: Vec<&[&Info]> = sorted.chunk_by(|a, b| a.subject == b.subject).collect();
    threads.sort_unstable_by_key(|t| (t[0].sent, t[0].seq));
    let mut nodes = Vec::with_capacity(msgs.len());
    for t in threads {
        nodes.push(entry(t[0].seq, t.len() - 1));
        nodes.extend(t[1..].iter().map(|m| entry(m.seq, 0)));
    }
    Threads { nodes }
}

/// A container's number: its place in [`References::nodes`] (32 bits: 100,000 messages make
/// a few hundred thousand containers, written once each, and their size is what they cost).
type Id = u32;

/// One container of the REFERENCES algorithm: a message (its place in the messages), or a
/// dummy.
#[derive(Debug, Clone, Default)]
struct Node {
    msg: Option<u32>,
    parent: Option<Id>,
    children: Vec<Id>,
}

struct References<'a> {
    threading: &'a Threading,
    msgs: &'a [Info],
    nodes: Vec<Node>,
}

impl<'a> References<'a> {
    fn new(threading: &'a Threading) -> Self {
        References {
            threading,
            msgs: &threading.msgs,
            nodes: Vec::with_capacity(threading.ids + threading.msgs.len() + 1),
        }
    }

    fn add(&mut self, msg: Option<u32>) -> Id {
        self.nodes.push(Node {
            msg,
            ..Node::default()
        });
        (self.nodes.len() - 1) as Id
    }

    /// Whether making `parent` the parent of `child` would create a loop.
    fn would_loop(&self, parent: Id, child: Id) -> bool {
        let mut cur = Some(parent);
        while let Some(n) = cur {
            if n == child {
                return true;
            }
            cur = self.nodes[n as usize].parent;
        }
        false
    }

    fn link(&mut self, parent: Id, child: Id) {
        self.nodes[child as usize].parent = Some(parent);
        self.nodes[parent as usize].children.push(child);
    }

    fn unlink(&mut self, child: Id) {
        if let Some(parent) = self.nodes[child as usize].parent.take() {
            self.nodes[parent as usize].children.retain(|&c| c != child);
        }
    }

    fn is_dummy(&self, n: Id) -> bool {
        self.nodes[n as usize].msg.is_none()
    }

    fn is_reply(&self, n: Id) -> bool {
        self.nodes[n as usize]
            .msg
            .is_some_and(|i| self.msgs[i as usize].reply)
    }

    /// The message standing for `n`: itself, or a dummy's first child.
    fn first_msg(&self, n: Id) -> Option<&'a Info> {
        let mut cur = n;
        loop {
            match self.nodes[cur as usize].msg {
                Some(i) => return Some(&self.msgs[i as usize]),
                None => cur = *self.nodes[cur as usize].children.first()?,
            }
        }
    }

    fn date_key(&self, n: Id) -> (i64, u32) {
        self.first_msg(n)
            .map_or((i64::MAX, u32::MAX), |m| (m.sent, m.seq))
    }

    /// Nodes under `root` in post-order (children before their parent), `root` last.
    fn post_order(&self, root: Id) -> Vec<Id> {
        let mut out = Vec::with_capacity(self.nodes.len());
        let mut stack = vec![(root, false)];
        while let Some((n, expanded)) = stack.pop() {
            if expanded {
                out.push(n);
            } else {
                stack.push((n, true));
                stack.extend(
                    self.nodes[n as usize]
                        .children
                        .iter()
                        .rev()
                        .map(|&c| (c, false)),
                );
            }
        }
        out
    }

    fn sort_children(&mut self, n: Id) {
        let mut children = std::mem::take(&mut self.nodes[n as usize].children);
        children.sort_by_key(|&c| self.date_key(c));
        self.nodes[n as usize].children = children;
    }

    fn run(mut self) -> Threads {
        // (1) Link messages by their references; `table` holds the container of each ID.
        let (msgs, threading) = (self.msgs, self.threading);
        let mut table: Vec<Option<Id>> = vec![None; threading.ids];
        let mut refs: Vec<Id> = Vec::new();
        for (i, msg) in (0..).zip(msgs) {
            let current = match msg.id.map(|id| (id as usize, table[id as usize])) {
                Some((_, Some(n))) if self.is_dummy(n) => {
                    self.nodes[n as usize].msg = Some(i);
                    n
                }
                Some((id, None)) => {
                    let n = self.add(Some(i));
                    table[id] = Some(n);
                    n
                }
                // No ID, or a duplicate: a unique ID of its own.
                _ => self.add(Some(i)),
            };
            refs.clear();
            for &r in &threading.refs[msg.refs.clone()] {
                let n = match table[r as usize] {
                    Some(n) => n,
                    None => {
                        let n = self.add(None);
                        table[r as usize] = Some(n);
                        n
                    }
                };
                refs.push(n);
            }
            // (A) Each reference is the parent of the next, unless already parented or looping.
            for pair in refs.windows(2) {
                let (parent, child) = (pair[0], pair[1]);
                if self.nodes[child as usize].parent.is_none() && !self.would_loop(parent, child) {
                    self.link(parent, child);
                }
            }
            // (B) The last reference is the parent of this message.
            self.unlink(current);
            if let Some(&parent) = refs.last()
                && !self.would_loop(parent, current)
            {
                self.link(parent, current);
            }
        }
        // (2) The parentless nodes go under a root.
        let parentless: Vec<Id> = (0..self.nodes.len() as Id)
            .filter(|&n| self.nodes[n as usize].parent.is_none())
            .collect();
        let root = self.add(None);
        for &n in &parentless {
            self.link(root, n);
        }
        // (3) and (4) in one pass.
        self.prune_and_sort(root);
        self.merge_subjects(root);
        // (6) with the response built in the same pass.
        self.into_threads(root)
    }

    /// (3) Dummies without children go; dummies with children are replaced by them, except
    /// at the root where that would promote more than one child. (4) Siblings are sorted by
    /// sent date (a dummy by its first child), deepest first, as each node's children are
    /// final once its subtree is pruned. Siblings never tie (no two stand for one message), so
    /// sorting a list before it is spliced into its parent's changes nothing.
    fn prune_and_sort(&mut self, root: Id) {
        let mut kept = Vec::new();
        for n in self.post_order(root) {
            let mut children = std::mem::take(&mut self.nodes[n as usize].children);
            kept.clear();
            for &c in &children {
                let grandchildren = self.nodes[c as usize].children.len();
                if !self.is_dummy(c) || (n == root && grandchildren > 1) {
                    kept.push(c);
                } else if grandchildren > 0 {
                    kept.append(&mut self.nodes[c as usize].children);
                }
            }
            for &c in &kept {
                self.nodes[c as usize].parent = Some(n);
            }
            children.clear();
            children.extend_from_slice(&kept);
            self.nodes[n as usize].children = children;
            self.sort_children(n);
        }
    }

    /// (5) Gather the root's children that have the same base subject.
    fn merge_subjects(&mut self, root: Id) {
        // Subjects by rank; the empty subject takes part in no merge.
        let empty = self.threading.empty_subject;
        let subject = |s: &Self, n: Id| {
            s.first_msg(n)
                .map(|m| m.subject)
                .filter(|&r| Some(r) != empty)
                .map(|r| r as usize)
        };
        let mut table: Vec<Option<Id>> = vec![None; self.threading.subjects];
        let top = self.nodes[root as usize].children.clone();
        // (B) One container per subject, preferring dummies, then non-replies.
        for &n in &top {
            let Some(subj) = subject(self, n) else {
                continue;
            };
            match table[subj] {
                None => table[subj] = Some(n),
                Some(t) => {
                    if !self.is_dummy(t)
                        && (self.is_dummy(n) || (self.is_reply(t) && !self.is_reply(n)))
                    {
                        table[subj] = Some(n);
                    }
                }
            }
        }
        // (C) Merge threads with the same subject.
        for n in top {
            if self.nodes[n as usize].parent != Some(root) {
                continue;
            }
            let Some(subj) = subject(self, n) else {
                continue;
            };
            let Some(t) = table[subj] else {
                continue;
            };
            if t == n {
                continue;
            }
            let (n_dummy, t_dummy) = (self.is_dummy(n), self.is_dummy(t));
            if n_dummy && t_dummy {
                let children = std::mem::take(&mut self.nodes[n as usize].children);
                self.unlink(n);
                for c in children {
                    self.link(t, c);
                }
            } else if t_dummy || (!n_dummy && self.is_reply(n) && !self.is_reply(t)) {
                self.unlink(n);
                self.link(t, n);
            } else if n_dummy {
                self.unlink(t);
                self.link(n, t);
                table[subj] = Some(n);
            } else {
                let dummy = self.add(None);
                match self.nodes[root as usize]
                    .children
                    .iter()
                    .position(|&c| c == t)
                {
                    Some(pos) => self.nodes[root as usize].children[pos] = dummy,
                    None => self.nodes[root as usize].children.push(dummy),
                }
                self.nodes[dummy as usize].parent = Some(root);
                self.nodes[t as usize].parent = None;
                self.unlink(n);
                self.link(dummy, t);
                self.link(dummy, n);
                table[subj] = Some(dummy);
            }
        }
    }

    /// (6) Sorts every set of siblings, deepest first, and returns the tree under `root` as
    /// the THREAD response's nodes, in preorder.
    fn into_threads(mut self, root: Id) -> Threads {
        for n in self.post_order(root) {
            self.sort_children(n);
        }
        let mut nodes = Vec::with_capacity(self.msgs.len());
        let mut stack: Vec<Id> = self.nodes[root as usize]
            .children
            .iter()
            .rev()
            .copied()
            .collect();
        while let Some(n) = stack.pop() {
            let node = &self.nodes[n as usize];
            let seq = node.msg.map_or(0, |i| self.msgs[i as usize].seq);
            nodes.push(entry(seq, node.children.len()));
            stack.extend(node.children.iter().rev());
        }
        Threads { nodes }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kantor_message::subject::base_subject;
    use kantor_message::text::fold;

    /// A message sent `seq` minutes after the epoch.
    struct Msg {
        seq: u32,
        subject: &'static str,
        id: Option<&'static str>,
        refs: Vec<&'static str>,
    }

    fn msg(
        seq: u32,
        subject: &'static str,
        id: Option<&'static str>,
        refs: &[&'static str],
    ) -> Msg {
        Msg {
            seq,
            subject,
            id,
            refs: refs.to_vec(),
        }
    }

    fn collect(msgs: &[Msg], references: bool) -> Threading {
        let mut collect = Collect::new(references, msgs.len());
        let infos = msgs
            .iter()
            .map(|m| {
                let (base, reply) = base_subject(m.subject);
                let sent = i64::from(m.seq) * 60;
                let refs = m.refs.iter().copied();
                let mut info = collect.add(sent, &fold(&base), reply, m.id, refs);
                info.seq = m.seq;
                info
            })
            .collect();
        collect.finish(infos)
    }

    /// The threads as `id[children]`, `-` for a dummy.
    fn shape(threads: &Threads) -> String {
        fn one(nodes: &[ThreadEntry], at: &mut usize) -> String {
            let node = nodes[*at];
            *at += 1;
            let children: Vec<String> = (0..node.children).map(|_| one(nodes, at)).collect();
            let id = node.id.map_or("-".to_string(), |i| i.to_string());
            format!("{id}[{}]", children.join(" "))
        }
        let mut at = 0;
        let mut out = Vec::new();
        while at < threads.nodes.len() {
            out.push(one(&threads.nodes, &mut at));
        }
        out.join(" ")
    }

    fn references(msgs: &[Msg]) -> String {
        shape(&References::new(&collect(msgs, true)).run())
    }

    #[test]
    fn same_subject_without_replies_gets_a_dummy() {
        // RFC 5256 §4 (5)(C): neither is a reply, so both go under a new dummy.
        let msgs = [msg(1, "hello", None, &[]), msg(2, "hello", None, &[])];
        assert_eq!(references(&msgs), "-[1[] 2[]]");
    }

    #[test]
    fn a_reply_goes_under_the_original_even_when_older() {
        let msgs = [msg(1, "Re: hello", None, &[]), msg(2, "hello", None, &[])];
        assert_eq!(references(&msgs), "2[1[]]");
    }

    #[test]
    fn dummies_with_one_subject_merge() {
        let msgs = [
            msg(1, "Re: topic", Some("a@x"), &["x1@x"]),
            msg(2, "Re: topic", Some("b@x"), &["x1@x"]),
            msg(3, "Re: topic", Some("c@x"), &["x2@x"]),
            msg(4, "Re: topic", Some("d@x"), &["x2@x"]),
        ];
        assert_eq!(references(&msgs), "-[1[] 2[] 3[] 4[]]");
    }

    #[test]
    fn loops_duplicates_and_truncated_references() {
        // 1 refers to 2 and 2 to 1: the second link would close a loop.
        let msgs = [
            msg(1, "a", Some("a@x"), &["b@x"]),
            msg(2, "b", Some("b@x"), &["a@x"]),
        ];
        assert_eq!(references(&msgs), "2[1[]]");
        // A loop of three, the first ID referred to before its message comes (its dummy is
        // then filled): 3 <- 1 <- 2, and 3's reference to 2 would close the loop.
        let msgs = [
            msg(1, "a", Some("a@x"), &["c@x"]),
            msg(2, "b", Some("b@x"), &["a@x"]),
            msg(3, "c", Some("c@x"), &["b@x"]),
        ];
        assert_eq!(references(&msgs), "3[1[2[]]]");
        // A duplicate Message-ID gets an ID of its own; a message referring to itself.
        let msgs = [
            msg(1, "x", Some("same@x"), &[]),
            msg(2, "y", Some("same@x"), &["same@x"]),
            msg(3, "z", Some("self@x"), &["self@x"]),
        ];
        assert_eq!(references(&msgs), "1[2[]] 3[]");
        // (1)(A) keeps an existing parent; the dummy for x@x goes, 3 moves up.
        let msgs = [
            msg(1, "r", Some("r@x"), &[]),
            msg(2, "s", Some("s@x"), &[]),
            msg(3, "t", Some("c@x"), &["r@x", "x@x"]),
            msg(4, "u", Some("d@x"), &["s@x", "c@x"]),
        ];
        assert_eq!(references(&msgs), "1[3[4[]]] 2[]");
        // (1)(B): a message's own last reference replaces the parent another message gave it.
        let msgs = [
            msg(1, "r", Some("r@x"), &[]),
            msg(2, "t", Some("t@x"), &["r@x", "c@x"]),
            msg(3, "c", Some("c@x"), &["s@x"]),
        ];
        assert_eq!(references(&msgs), "1[] 3[2[]]");
    }

    #[test]
    fn ordered_subject_flattens() {
        let msgs = [
            msg(1, "b", None, &[]),
            msg(2, "a", None, &[]),
            msg(3, "Re: b", None, &[]),
            msg(4, "RE: B", None, &[]),
        ];
        assert_eq!(
            shape(&ordered_subject(&collect(&msgs, false).msgs)),
            "1[3[] 4[]] 2[]"
        );
    }
}
