//! Mailbox commands of the authenticated state: SELECT and EXAMINE with
//! CONDSTORE and QRESYNC (RFC 9051 §6.3.2-3, RFC 7162 §3.1.8, §3.2.5),
//! CREATE with USE (RFC 6154 §5), DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE.

use super::CommandBody;
use crate::parser::{PResult, Parser, Syntax};
use crate::types::{Mailbox, SeqList, SequenceSet, SpecialUse};
use std::num::NonZeroU32;

/// SELECT or EXAMINE and its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Select {
    /// The mailbox to open.
    pub mailbox: Mailbox,
    /// `(CONDSTORE)`: enables CONDSTORE (RFC 7162 §3.1.8).
    pub condstore: bool,
    /// `(QRESYNC (...))` (RFC 7162 §3.2.5); valid only after
    /// `ENABLE QRESYNC`, which the session checks.
    pub qresync: Option<QResync>,
}

/// The QRESYNC select parameter: what the client last knew.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QResync {
    /// The UIDVALIDITY the client's cache is for.
    pub uid_validity: NonZeroU32,
    /// The last known HIGHESTMODSEQ.
    pub mod_seq: u64,
    /// The UIDs the client knows of; all UIDs when absent.
    pub known_uids: Option<SeqList>,
    /// `(known-sequence-set known-uid-set)`: message numbers and their UIDs,
    /// to find expunges more cheaply.
    pub seq_match: Option<(SeqList, SeqList)>,
}

/// `CREATE mailbox [(USE (...))]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Create {
    /// The mailbox to create.
    pub mailbox: Mailbox,
    /// Special uses asked for (RFC 6154 §5); empty when none.
    pub special_use: Vec<SpecialUse>,
}

/// `SP mailbox`, for DELETE, SUBSCRIBE and UNSUBSCRIBE.
pub(crate) fn parse_one_mailbox(p: &mut Parser<'_>) -> PResult<Mailbox> {
    p.sp()?;
    p.mailbox()
}

/// ```text
/// select         = "SELECT" SP mailbox [select-params]
/// examine        = "EXAMINE" SP mailbox [select-params]
/// select-params  = SP "(" select-param *(SP select-param) ")"
/// select-param   =/ condstore-param / "QRESYNC" SP "(" uidvalidity SP
///                   mod-sequence-value [SP known-uids]
///                   [SP seq-match-data] ")"
/// condstore-param = "CONDSTORE"
/// known-uids     = sequence-set
/// seq-match-data = "(" known-sequence-set SP known-uid-set ")"
/// ```
/// (RFC 9051 §9, RFC 4466 §2.1, RFC 7162 §7.)
pub(crate) fn parse_select(p: &mut Parser<'_>) -> PResult<Select> {
    p.sp()?;
    let mailbox = p.mailbox()?;
    let mut select = Select {
        mailbox,
        condstore: false,
        qresync: None,
    };
    if p.eat(b' ') {
        p.nonempty_paren_list(|p| {
            match p.word()?.as_str() {
                "CONDSTORE" if !select.condstore => select.condstore = true,
                "QRESYNC" if select.qresync.is_none() => {
                    p.sp()?;
                    select.qresync = Some(parse_qresync(p)?);
                }
                _ => return Err(Syntax("unknown or repeated select parameter")),
            }
            Ok(())
        })?;
    }
    Ok(select)
}

fn seq_list(p: &mut Parser<'_>) -> PResult<SeqList> {
    match p.sequence_set()? {
        SequenceSet::Set(list) => Ok(list),
        SequenceSet::Saved => Err(Syntax("$ is not allowed here")),
    }
}

fn parse_qresync(p: &mut Parser<'_>) -> PResult<QResync> {
    p.expect(b'(', "expected '('")?;
    let uid_validity = p.nz_number()?;
    p.sp()?;
    let mod_seq = p.number64()?;
    let mut known_uids = None;
    let mut seq_match = None;
    if p.eat(b' ') {
        if p.peek() != Some(b'(') {
            known_uids = Some(seq_list(p)?);
            if p.eat(b' ') && p.peek() != Some(b'(') {
                return Err(Syntax("expected sequence match data"));
            }
        }
        if p.peek() == Some(b'(') {
            p.eat(b'(');
            let seqs = seq_list(p)?;
            p.sp()?;
            let uids = seq_list(p)?;
            p.expect(b')', "expected ')'")?;
            seq_match = Some((seqs, uids));
        }
    }
    p.expect(b')', "expected ')'")?;
    Ok(QResync {
        uid_validity,
        mod_seq,
        known_uids,
        seq_match,
    })
}

/// ```text
/// create        = "CREATE" SP mailbox [create-params]
/// create-params = SP "(" create-param *(SP create-param) ")"
/// create-param  =/ "USE" SP "(" [use-attr *(SP use-attr)] ")"
/// ```
/// (RFC 9051 §9, RFC 4466 §2.2, RFC 6154 §6.)
pub(crate) fn parse_create(p: &mut Parser<'_>) -> PResult<CommandBody> {
    p.sp()?;
    let mailbox = p.mailbox()?;
    let mut special_use = Vec::new();
    if p.eat(b' ') {
        p.nonempty_paren_list(|p| {
            if p.word()? != "USE" {
                return Err(Syntax("unknown CREATE parameter"));
            }
            p.sp()?;
            special_use.extend(p.paren_list(|p| {
                p.expect(b'\\', "expected a special-use attribute")?;
                let name = format!("\\{}", p.atom()?);
                SpecialUse::parse(&name).ok_or(Syntax("invalid special-use attribute"))
            })?);
            Ok(())
        })?;
    }
    Ok(CommandBody::Create(Create {
        mailbox,
        special_use,
    }))
}

/// ```text
/// rename = "RENAME" SP mailbox SP mailbox
/// ```
pub(crate) fn parse_rename(p: &mut Parser<'_>) -> PResult<CommandBody> {
    p.sp()?;
    let from = p.mailbox()?;
    p.sp()?;
    let to = p.mailbox()?;
    Ok(CommandBody::Rename { from, to })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::test_util::*;

    fn select(line: &str) -> Select {
        match parse(line) {
            Ok(CommandBody::Select(s) | CommandBody::Examine(s)) => s,
            other => panic!("{line}: {other:?}"),
        }
    }

    #[test]
    fn select_and_examine() {
        let s = select("A142 SELECT INBOX");
        assert!(s.mailbox.is_inbox() && !s.condstore && s.qresync.is_none());
        assert!(select("a EXAMINE \"blurdybloop\"").mailbox.as_str() == "blurdybloop");
        // RFC 7162 §3.1.8.
        assert!(select("a SELECT INBOX (CONDSTORE)").condstore);
        // RFC 7162 §3.2.5.1.
        let q = select("A02 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))")
            .qresync
            .unwrap();
        assert_eq!(q.uid_validity.get(), 67_890_007);
        assert_eq!(q.mod_seq, 20_050_715_194_045_000);
        assert_eq!(q.known_uids.unwrap().to_string(), "41,43:211,214:541");
        let q = select(
            "B04 SELECT INBOX (QRESYNC (67890007 90060115194045000 1:29997 (5000,7500,9000,9990:9999 15000,22500,27000,29970,29973,29976,29979,29982,29985,29988,29991,29994,29997)))",
        )
        .qresync
        .unwrap();
        let (seqs, uids) = q.seq_match.unwrap();
        assert_eq!(seqs.to_string(), "5000,7500,9000,9990:9999");
        assert_eq!(uids.ranges().len(), 13);
        let q = select("a SELECT x (QRESYNC (1 2 (1:3 4:6)) CONDSTORE)");
        assert!(q.condstore && q.qresync.unwrap().known_uids.is_none());
        assert_bad(&[
            "a SELECT",
            "a SELECT INBOX ()",
            "a SELECT INBOX (FOO)",
            "a SELECT INBOX (CONDSTORE CONDSTORE)",
            "a SELECT INBOX (QRESYNC (0 1))",
            "a SELECT INBOX (QRESYNC (1))",
            "a SELECT INBOX (QRESYNC (1 2 $))",
            "a SELECT INBOX (QRESYNC (1 2 1:5 3))",
            "a SELECT INBOX (QRESYNC (1 2 (1:5)))",
            "a SELECT INBOX x",
        ]);
    }

    #[test]
    fn create_delete_rename() {
        assert_eq!(
            parse("A003 CREATE owatagusiam/"),
            Ok(CommandBody::Create(Create {
                mailbox: Mailbox::new("owatagusiam/"),
                special_use: vec![]
            }))
        );
        // RFC 6154 §5.3.
        assert_eq!(
            parse("t1 CREATE \"Important Messages\" (USE (\\Important))"),
            Ok(CommandBody::Create(Create {
                mailbox: Mailbox::new("Important Messages"),
                special_use: vec![SpecialUse::parse("\\Important").unwrap()]
            }))
        );
        let Ok(CommandBody::Create(c)) = parse("a CREATE Drafts (USE (\\Drafts \\Sent))") else {
            panic!()
        };
        assert_eq!(c.special_use, [SpecialUse::Drafts, SpecialUse::Sent]);
        assert_eq!(
            parse("a DELETE blurdybloop"),
            Ok(CommandBody::Delete(Mailbox::new("blurdybloop")))
        );
        assert_eq!(
            parse("A683 RENAME blurdybloop sarasoop"),
            Ok(CommandBody::Rename {
                from: Mailbox::new("blurdybloop"),
                to: Mailbox::new("sarasoop")
            })
        );
        assert_eq!(
            parse("a SUBSCRIBE #news.comp.mail.mime"),
            Ok(CommandBody::Subscribe(Mailbox::new("#news.comp.mail.mime")))
        );
        assert_eq!(
            parse("a UNSUBSCRIBE inbox"),
            Ok(CommandBody::Unsubscribe(Mailbox::INBOX))
        );
        assert_bad(&[
            "a CREATE",
            "a CREATE x (USE (Drafts))",
            "a CREATE x (FOO (\\Drafts))",
            "a CREATE x ()",
            "a DELETE",
            "a DELETE a b",
            "a RENAME a",
            "a RENAME a b c",
        ]);
    }
}
