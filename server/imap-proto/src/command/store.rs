//! STORE (RFC 9051 §6.4.6) with the UNCHANGEDSINCE modifier (RFC 7162
//! §3.1.3).

use super::CommandBody;
use crate::parser::{PResult, Parser, Syntax};
use crate::types::{Flag, SequenceSet};

/// How STORE changes the flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreMode {
    /// `FLAGS`: replace.
    Replace,
    /// `+FLAGS`: add.
    Add,
    /// `-FLAGS`: remove.
    Remove,
}

/// `STORE` / `UID STORE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Store {
    /// `UID STORE`: the set holds UIDs.
    pub uid: bool,
    /// The messages.
    pub set: SequenceSet,
    /// Replace, add or remove.
    pub mode: StoreMode,
    /// `.SILENT`: no untagged FETCH for the change itself.
    pub silent: bool,
    /// The flags.
    pub flags: Vec<Flag>,
    /// `UNCHANGEDSINCE modseq` (RFC 7162 §3.1.3).
    pub unchanged_since: Option<u64>,
}

/// ```text
/// store           = "STORE" SP sequence-set [store-modifiers] SP
///                   store-att-flags
/// store-modifiers = SP "(" store-modifier *(SP store-modifier) ")"
/// store-modifier  =/ "UNCHANGEDSINCE" SP mod-sequence-valzer
/// store-att-flags = (["+" / "-"] "FLAGS" [".SILENT"]) SP
///                   (flag-list / (flag *(SP flag)))
/// ```
/// (RFC 9051 §9, RFC 4466 §2.5, RFC 7162 §7.)
pub(crate) fn parse_store(p: &mut Parser<'_>, uid: bool) -> PResult<CommandBody> {
    p.sp()?;
    let set = p.sequence_set()?;
    p.sp()?;
    let mut unchanged_since = None;
    if p.peek() == Some(b'(') {
        p.nonempty_paren_list(|p| {
            if p.word()? != "UNCHANGEDSINCE" || unchanged_since.is_some() {
                return Err(Syntax("unknown or repeated STORE modifier"));
            }
            p.sp()?;
            unchanged_since = Some(p.number64()?);
            Ok(())
        })?;
        p.sp()?;
    }
    let mode = if p.eat(b'+') {
        StoreMode::Add
    } else if p.eat(b'-') {
        StoreMode::Remove
    } else {
        StoreMode::Replace
    };
    let silent = match p.word()?.as_str() {
        "FLAGS" => false,
        "FLAGS.SILENT" => true,
        _ => return Err(Syntax("expected FLAGS, +FLAGS or -FLAGS")),
    };
    p.sp()?;
    let flags = if p.peek() == Some(b'(') {
        p.flag_list()?
    } else {
        let mut flags = vec![p.flag()?];
        while p.eat(b' ') {
            flags.push(p.flag()?);
        }
        flags
    };
    Ok(CommandBody::Store(Store {
        uid,
        set,
        mode,
        silent,
        flags,
        unchanged_since,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::test_util::*;

    fn store(line: &str) -> Store {
        match parse(line) {
            Ok(CommandBody::Store(s)) => s,
            other => panic!("{line}: {other:?}"),
        }
    }

    #[test]
    fn store_forms() {
        // RFC 9051 §6.4.6.
        let s = store("A003 STORE 2:4 +FLAGS (\\Deleted)");
        assert_eq!(
            (s.mode, s.silent, s.flags.as_slice()),
            (StoreMode::Add, false, [Flag::Deleted].as_slice())
        );
        let s = store("a UID STORE 1:* -FLAGS.SILENT \\Seen $Junk");
        assert!(s.uid && s.silent && s.mode == StoreMode::Remove);
        assert_eq!(s.flags, [Flag::Seen, Flag::keyword("$Junk").unwrap()]);
        let s = store("a STORE 1 FLAGS ()");
        assert!(s.flags.is_empty() && s.mode == StoreMode::Replace);
        // RFC 7162 §3.1.3.
        let s = store("d105 STORE 7,5,9 (UNCHANGEDSINCE 320162338) +FLAGS.SILENT (\\Deleted)");
        assert_eq!(s.unchanged_since, Some(320_162_338));
        let s = store("a STORE $ (UNCHANGEDSINCE 0) flags.silent (\\Seen)");
        assert_eq!((s.unchanged_since, s.set), (Some(0), SequenceSet::Saved));
        assert_bad(&[
            "a STORE",
            "a STORE 1",
            "a STORE 1 FLAGS",
            "a STORE 1 +FLAGS",
            "a STORE 1 *FLAGS (\\Seen)",
            "a STORE 1 FLAGS.LOUD (\\Seen)",
            "a STORE 1 +FLAGS (\\Seen",
            "a STORE 1 (FOO 1) +FLAGS (\\Seen)",
            "a STORE 1 () +FLAGS (\\Seen)",
            "a STORE 1 +FLAGS (\\*)",
            "a STORE 1 +FLAGS \\Seen ",
        ]);
    }
}
