//! THREAD (RFC 5256 §4): ORDEREDSUBJECT and REFERENCES, step by step as the RFC gives them.
//! Sent dates follow §2.2 (the Date header in UTC, else INTERNALDATE; ties by sequence
//! number); subjects are base subjects (§2.1), compared case-insensitively.

use crate::keys::{ORDERED_SUBJECT_COLUMNS, THREAD_COLUMNS};
use crate::search::Lazy;
use crate::search::{SearchContext, SearchError, check_charset, scan};
use kantor_imap_proto::command::search::SearchKey;
use kantor_imap_proto::command::sort::ThreadAlgorithm;
use kantor_imap_proto::response::data::ThreadNode;
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
) -> Result<Vec<ThreadNode>, SearchError> {
    check_charset(charset)?;
    let references = match algorithm {
        ThreadAlgorithm::OrderedSubject => false,
        ThreadAlgorithm::References => true,
        ThreadAlgorithm::Other(_) => return Ok(Vec::new()),
    };
    let columns: &[_] = if references {
        &THREAD_COLUMNS
    } else {
        &ORDERED_SUBJECT_COLUMNS
    };
    let mut collect = Collect::new(references);
    let msgs: Vec<Info> = scan(context, key, columns, |m| info(m, &mut collect))?
        .into_iter()
        .map(|(seq, mut info)| {
            info.seq = seq;
            info
        })
        .collect();
    let threading = collect.finish(msgs);
    Ok(if references {
        References::new(&threading).run()
    } else {
        ordered_subject(&threading.msgs)
    })
}

/// What THREAD reads of a message: its stored keys, or its header.
fn info(m: &mut Lazy<'_>, collect: &mut Collect) -> Result<Info, SearchError> {
    let internal = m.summary.internal_date;
    if let Some(stored) = m.stored {
        return Ok(collect.add(
            stored.sent.unwrap_or(internal),
            &stored.subject,
            stored.reply,
            stored.message_id.as_deref(),
            stored.references.iter().map(String::as_str),
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

fn node(seq: u32, children: Vec<ThreadNode>) -> ThreadNode {
    ThreadNode {
        id: NonZeroU32::new(seq),
        children,
    }
}

/// ORDEREDSUBJECT: sort by base subject then sent date, split into threads of one subject,
/// first message at the root and the others its children, threads ordered by their first
/// message's sent date.
fn ordered_subject(msgs: &[Info]) -> Vec<ThreadNode> {
    // Sequence numbers are distinct: no two keys are equal, so an unstable sort is exact.
    let mut sorted: Vec<&Info> = msgs.iter().collect();
    sorted.sort_unstable_by_key(|m| (m.subject, m.sent, m.seq));
    let mut threads: Vec<Vec<&Info>> = Vec::new();
    for m in sorted {
        match threads.last_mut() {
            Some(t) if t[0].subject == m.subject => t.push(m),
            _ => threads.push(vec![m]),
        }
    }
    threads.sort_unstable_by_key(|t| (t[0].sent, t[0].seq));
    threads
        .into_iter()
        .map(|t| {
            let children = t[1..].iter().map(|m| node(m.seq, Vec::new())).collect();
            node(t[0].seq, children)
        })
        .collect()
}

/// One container of the REFERENCES algorithm: a message, or a dummy.
#[derive(Debug, Clone, Default)]
struct Node {
    msg: Option<usize>,
    parent: Option<usize>,
    children: Vec<usize>,
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

    fn add(&mut self, msg: Option<usize>) -> usize {
        self.nodes.push(Node {
            msg,
            ..Node::default()
        });
        self.nodes.len() - 1
    }

    /// Whether making `parent` the parent of `child` would create a loop.
    fn would_loop(&self, parent: usize, child: usize) -> bool {
        let mut cur = Some(parent);
        while let Some(n) = cur {
            if n == child {
                return true;
            }
            cur = self.nodes[n].parent;
        }
        false
    }

    fn link(&mut self, parent: usize, child: usize) {
        self.nodes[child].parent = Some(parent);
        self.nodes[parent].children.push(child);
    }

    fn unlink(&mut self, child: usize) {
        if let Some(parent) = self.nodes[child].parent.take() {
            self.nodes[parent].children.retain(|&c| c != child);
        }
    }

    fn is_dummy(&self, n: usize) -> bool {
        self.nodes[n].msg.is_none()
    }

    fn is_reply(&self, n: usize) -> bool {
        self.nodes[n].msg.is_some_and(|i| self.msgs[i].reply)
    }

    /// The message standing for `n`: itself, or a dummy's first child.
    fn first_msg(&self, n: usize) -> Option<&'a Info> {
        let mut cur = n;
        loop {
            match self.nodes[cur].msg {
                Some(i) => return Some(&self.msgs[i]),
                None => cur = *self.nodes[cur].children.first()?,
            }
        }
    }

    fn date_key(&self, n: usize) -> (i64, u32) {
        self.first_msg(n)
            .map_or((i64::MAX, u32::MAX), |m| (m.sent, m.seq))
    }

    /// Nodes under `root` in post-order (children before their parent), `root` last.
    fn post_order(&self, root: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut stack = vec![(root, false)];
        while let Some((n, expanded)) = stack.pop() {
            if expanded {
                out.push(n);
            } else {
                stack.push((n, true));
                stack.extend(self.nodes[n].children.iter().rev().map(|&c| (c, false)));
            }
        }
        out
    }

    fn sort_children(&mut self, n: usize) {
        let mut children = std::mem::take(&mut self.nodes[n].children);
        children.sort_by_key(|&c| self.date_key(c));
        self.nodes[n].children = children;
    }

    fn run(mut self) -> Vec<ThreadNode> {
        // (1) Link messages by their references; `table` holds the container of each ID.
        let (msgs, threading) = (self.msgs, self.threading);
        let mut table: Vec<Option<usize>> = vec![None; threading.ids];
        let mut refs: Vec<usize> = Vec::new();
        for (i, msg) in msgs.iter().enumerate() {
            let current = match msg.id.map(|id| (id as usize, table[id as usize])) {
                Some((_, Some(n))) if self.is_dummy(n) => {
                    self.nodes[n].msg = Some(i);
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
                if self.nodes[child].parent.is_none() && !self.would_loop(parent, child) {
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
        let parentless: Vec<usize> = (0..self.nodes.len())
            .filter(|&n| self.nodes[n].parent.is_none())
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
    fn prune_and_sort(&mut self, root: usize) {
        let mut kept = Vec::new();
        for n in self.post_order(root) {
            let mut children = std::mem::take(&mut self.nodes[n].children);
            kept.clear();
            for &c in &children {
                let grandchildren = self.nodes[c].children.len();
                if !self.is_dummy(c) || (n == root && grandchildren > 1) {
                    kept.push(c);
                } else if grandchildren > 0 {
                    kept.append(&mut self.nodes[c].children);
                }
            }
            for &c in &kept {
                self.nodes[c].parent = Some(n);
            }
            children.clear();
            children.extend_from_slice(&kept);
            self.nodes[n].children = children;
            self.sort_children(n);
        }
    }

    /// (5) Gather the root's children that have the same base subject.
    fn merge_subjects(&mut self, root: usize) {
        // Subjects by rank; the empty subject takes part in no merge.
        let empty = self.threading.empty_subject;
        let subject = |s: &Self, n: usize| {
            s.first_msg(n)
                .map(|m| m.subject)
                .filter(|&r| Some(r) != empty)
                .map(|r| r as usize)
        };
        let mut table: Vec<Option<usize>> = vec![None; self.threading.subjects];
        let top = self.nodes[root].children.clone();
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
            if self.nodes[n].parent != Some(root) {
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
                let children = std::mem::take(&mut self.nodes[n].children);
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
                match self.nodes[root].children.iter().position(|&c| c == t) {
                    Some(pos) => self.nodes[root].children[pos] = dummy,
                    None => self.nodes[root].children.push(dummy),
                }
                self.nodes[dummy].parent = Some(root);
                self.nodes[t].parent = None;
                self.unlink(n);
                self.link(dummy, t);
                self.link(dummy, n);
                table[subj] = Some(dummy);
            }
        }
    }

    /// (6) Sorts every set of siblings, deepest first, and returns the tree under `root` as
    /// THREAD response nodes, built bottom-up in the same pass.
    fn into_threads(mut self, root: usize) -> Vec<ThreadNode> {
        let mut built: Vec<Option<ThreadNode>> = Vec::new();
        built.resize_with(self.nodes.len(), || None);
        for n in self.post_order(root) {
            self.sort_children(n);
            let children = self.nodes[n]
                .children
                .iter()
                .filter_map(|&c| built[c].take())
                .collect();
            let seq = self.nodes[n].msg.map_or(0, |i| self.msgs[i].seq);
            built[n] = Some(node(seq, children));
        }
        built[root]
            .take()
            .map(|mut r| std::mem::take(&mut r.children))
            .unwrap_or_default()
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
        let mut collect = Collect::new(references);
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

    fn shape(nodes: &[ThreadNode]) -> String {
        nodes
            .iter()
            .map(|n| {
                let id = n.id.map_or("-".to_string(), |i| i.to_string());
                format!("{id}[{}]", shape(&n.children))
            })
            .collect::<Vec<_>>()
            .join(" ")
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
