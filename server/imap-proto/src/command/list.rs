//! LIST with LIST-EXTENDED (RFC 9051 §6.3.9, RFC 5258), SPECIAL-USE
//! (RFC 6154) and LIST-STATUS (RFC 5819); LSUB (RFC 3501 §6.3.9).

use super::CommandBody;
use super::status::{StatusItem, parse_status_items};
use crate::parser::{PResult, Parser, Syntax};
use crate::types::ListPattern;

/// Selection options: which mailboxes LIST returns (RFC 5258 §3.1,
/// RFC 6154 §3).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListSelect {
    /// `SUBSCRIBED`: subscribed names only, existing or not.
    pub subscribed: bool,
    /// `REMOTE`: include remote mailboxes.
    pub remote: bool,
    /// `RECURSIVEMATCH`: also names with matching children (CHILDINFO);
    /// only together with another selection option.
    pub recursive_match: bool,
    /// `SPECIAL-USE`: special-use mailboxes only.
    pub special_use: bool,
}

/// Return options: what LIST says about each mailbox (RFC 5258 §3.2,
/// RFC 6154 §3, RFC 5819 §2).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListReturn {
    /// `SUBSCRIBED`: add `\Subscribed`.
    pub subscribed: bool,
    /// `CHILDREN`: add `\HasChildren` / `\HasNoChildren`.
    pub children: bool,
    /// `SPECIAL-USE`: add the special-use attributes.
    pub special_use: bool,
    /// `STATUS (...)`: send a STATUS response after each selectable
    /// mailbox's LIST response.
    pub status: Option<Vec<StatusItem>>,
}

/// `LIST [(select-options)] reference pattern(s) [RETURN (options)]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct List {
    /// The reference name, wire form (`""` for none).
    pub reference: String,
    /// One pattern, or several in parentheses (RFC 5258 §3).
    pub patterns: Vec<ListPattern>,
    /// Selection options.
    pub select: ListSelect,
    /// Return options.
    pub ret: ListReturn,
    /// Whether the extended syntax was used (selection options, several
    /// patterns, or RETURN), which changes some replies (RFC 5258 §3).
    pub extended: bool,
}

/// `LSUB reference pattern`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lsub {
    /// The reference name, wire form.
    pub reference: String,
    /// The pattern.
    pub pattern: ListPattern,
}

/// ```text
/// list             = "LIST" [SP list-select-opts] SP mailbox SP mbox-or-pat
///                    [SP list-return-opts]
/// list-select-opts = "(" [list-select-opt *(SP list-select-opt)] ")"
/// list-select-opt  = "SUBSCRIBED" / "REMOTE" / "RECURSIVEMATCH" /
///                    "SPECIAL-USE"
/// mbox-or-pat      = list-mailbox / patterns
/// patterns         = "(" list-mailbox *(SP list-mailbox) ")"
/// list-return-opts = "RETURN" SP "(" [return-option *(SP return-option)] ")"
/// return-option    = "SUBSCRIBED" / "CHILDREN" / "SPECIAL-USE" /
///                    status-option
/// status-option    = "STATUS" SP "(" status-att *(SP status-att) ")"
/// ```
/// (RFC 9051 §9, RFC 5258 §6, RFC 6154 §6, RFC 5819 §6.) Unknown options
/// and RECURSIVEMATCH alone are BAD (RFC 5258 §3).
pub(crate) fn parse_list(p: &mut Parser<'_>) -> PResult<CommandBody> {
    p.sp()?;
    let mut select = ListSelect::default();
    let mut extended = false;
    if p.peek() == Some(b'(') {
        extended = true;
        p.paren_list(|p| {
            match p.word()?.as_str() {
                "SUBSCRIBED" => select.subscribed = true,
                "REMOTE" => select.remote = true,
                "RECURSIVEMATCH" => select.recursive_match = true,
                "SPECIAL-USE" => select.special_use = true,
                _ => return Err(Syntax("unknown LIST selection option")),
            }
            Ok(())
        })?;
        if select.recursive_match && !select.subscribed && !select.special_use {
            return Err(Syntax("RECURSIVEMATCH needs another selection option"));
        }
        p.sp()?;
    }
    let reference = p.astring_utf8()?;
    p.sp()?;
    let patterns = if p.peek() == Some(b'(') {
        extended = true;
        p.nonempty_paren_list(Parser::list_mailbox)?
    } else {
        vec![p.list_mailbox()?]
    };
    let mut ret = ListReturn::default();
    if p.eat(b' ') {
        if !p.eat_word("RETURN") {
            return Err(Syntax("expected RETURN"));
        }
        extended = true;
        p.sp()?;
        p.paren_list(|p| {
            match p.word()?.as_str() {
                "SUBSCRIBED" => ret.subscribed = true,
                "CHILDREN" => ret.children = true,
                "SPECIAL-USE" => ret.special_use = true,
                "STATUS" if ret.status.is_none() => {
                    p.sp()?;
                    ret.status = Some(parse_status_items(p)?);
                }
                _ => return Err(Syntax("unknown LIST return option")),
            }
            Ok(())
        })?;
    }
    Ok(CommandBody::List(List {
        reference,
        patterns,
        select,
        ret,
        extended,
    }))
}

/// ```text
/// lsub = "LSUB" SP mailbox SP list-mailbox
/// ```
/// (RFC 3501 §9.)
pub(crate) fn parse_lsub(p: &mut Parser<'_>) -> PResult<CommandBody> {
    p.sp()?;
    let reference = p.astring_utf8()?;
    p.sp()?;
    let pattern = p.list_mailbox()?;
    Ok(CommandBody::Lsub(Lsub { reference, pattern }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::test_util::*;

    fn list(line: &str) -> List {
        match parse(line) {
            Ok(CommandBody::List(l)) => l,
            other => panic!("{line}: {other:?}"),
        }
    }

    fn patterns(l: &List) -> Vec<&str> {
        l.patterns.iter().map(ListPattern::as_str).collect()
    }

    #[test]
    fn basic_list() {
        // RFC 9051 §6.3.9.
        let l = list("A101 LIST \"\" \"\"");
        assert_eq!((l.reference.as_str(), patterns(&l)), ("", vec![""]));
        assert!(!l.extended);
        let l = list("A102 LIST #news.comp.mail.misc \"\"");
        assert_eq!(l.reference, "#news.comp.mail.misc");
        let l = list("A202 LIST ~/Mail/ %");
        assert_eq!((l.reference.as_str(), patterns(&l)), ("~/Mail/", vec!["%"]));
        let l = list("a LIST \"\" *");
        assert_eq!(patterns(&l), ["*"]);
        let l = list("a LIST \"\" INBOX/%/foo*");
        assert_eq!(patterns(&l), ["INBOX/%/foo*"]);
    }

    #[test]
    fn extended_list() {
        // RFC 5258 §5 examples.
        let l = list("A02 LIST (SUBSCRIBED) \"\" \"*\"");
        assert!(l.select.subscribed && l.extended);
        let l = list("A03 LIST () \"\" \"%\" RETURN (CHILDREN)");
        assert!(l.ret.children && l.select == ListSelect::default());
        let l = list("A04 LIST (REMOTE) \"\" \"%\" RETURN (CHILDREN)");
        assert!(l.select.remote);
        let l = list("C04 LIST (SUBSCRIBED RECURSIVEMATCH) \"\" \"%\" RETURN (CHILDREN)");
        assert!(l.select.recursive_match);
        let l = list("BBB LIST \"\" (\"INBOX\" \"Drafts\" \"Sent/%\")");
        assert_eq!(patterns(&l), ["INBOX", "Drafts", "Sent/%"]);
        assert!(l.extended);
        // RFC 6154 §5.1, §5.2.
        let l = list("t1 LIST \"\" \"%\" RETURN (SPECIAL-USE)");
        assert!(l.ret.special_use);
        let l = list("t3 LIST (SPECIAL-USE) \"\" \"*\"");
        assert!(l.select.special_use);
        // RFC 5819 §5.
        let l = list("A01 LIST \"\" % RETURN (STATUS (MESSAGES UNSEEN))");
        assert_eq!(
            l.ret.status,
            Some(vec![StatusItem::Messages, StatusItem::Unseen])
        );
        let l = list("a LIST \"\" % RETURN ()");
        assert!(l.extended && l.ret == ListReturn::default());
        assert_bad(&[
            "a LIST",
            "a LIST \"\"",
            "a LIST (RECURSIVEMATCH) \"\" %",
            "a LIST (FOO) \"\" %",
            "a LIST \"\" % RETURN (FOO)",
            "a LIST \"\" % RETURN",
            "a LIST \"\" % (CHILDREN)",
            "a LIST \"\" ()",
            "a LIST \"\" % RETURN (STATUS ())",
            "a LIST \"\" % RETURN (STATUS (MESSAGES) STATUS (UNSEEN))",
            "a LIST \"\" (%",
        ]);
    }

    #[test]
    fn lsub() {
        let Ok(CommandBody::Lsub(l)) = parse("A002 LSUB \"#news.\" \"comp.mail.*\"") else {
            panic!()
        };
        assert_eq!(
            (l.reference.as_str(), l.pattern.as_str()),
            ("#news.", "comp.mail.*")
        );
        assert_bad(&["a LSUB", "a LSUB \"\"", "a LSUB \"\" * x"]);
    }
}
