//! Commands valid in any state with arguments: ID (RFC 2971) and ENABLE
//! (RFC 5161). CAPABILITY, NOOP and LOGOUT take none (RFC 9051 §6.1).

use super::CommandBody;
use crate::parser::{PResult, Parser, Syntax};
use crate::types::Capability;

/// ```text
/// id             = "ID" SP id-params-list
/// id-params-list = "(" *(string SP nstring) ")" / nil
/// ```
/// (RFC 2971 §4; pairs are separated by SP.)
pub(crate) fn parse_id(p: &mut Parser<'_>) -> PResult<CommandBody> {
    p.sp()?;
    if p.eat_word("NIL") {
        return Ok(CommandBody::Id(None));
    }
    let pairs = p.paren_list(|p| {
        let key = p.string_utf8()?;
        p.sp()?;
        Ok((key, p.nstring_utf8()?))
    })?;
    Ok(CommandBody::Id(Some(pairs)))
}

/// ```text
/// enable = "ENABLE" 1*(SP capability)
/// ```
/// (RFC 5161 §4, RFC 9051 §9.)
pub(crate) fn parse_enable(p: &mut Parser<'_>) -> PResult<CommandBody> {
    let mut caps = Vec::new();
    while p.eat(b' ') {
        let atom = p.atom()?;
        caps.push(Capability::parse(atom).map_err(|_| Syntax("invalid capability"))?);
    }
    if caps.is_empty() {
        return Err(Syntax("ENABLE needs at least one capability"));
    }
    Ok(CommandBody::Enable(caps))
}

#[cfg(test)]
mod tests {
    use crate::command::CommandBody;
    use crate::command::test_util::*;
    use crate::types::{Atom, Capability};

    #[test]
    fn id() {
        // RFC 2971 §3.3.
        let body = parse(
            r#"a023 ID ("name" "sodr" "version" "19.34" "vendor" "Pink Floyd Music Limited")"#,
        );
        let Ok(CommandBody::Id(Some(pairs))) = body else {
            panic!("{body:?}")
        };
        assert_eq!(pairs.len(), 3);
        assert_eq!(
            pairs[2],
            ("vendor".into(), Some("Pink Floyd Music Limited".into()))
        );
        assert_eq!(parse("a ID NIL"), Ok(CommandBody::Id(None)));
        assert_eq!(parse("a ID ()"), Ok(CommandBody::Id(Some(vec![]))));
        assert_eq!(
            parse(r#"a ID ("os" NIL)"#),
            Ok(CommandBody::Id(Some(vec![("os".into(), None)])))
        );
        assert_bad(&[
            "a ID",
            "a ID (name \"x\")",
            "a ID (\"name\")",
            "a ID (\"a\" \"b\" )",
            "a ID nil x",
        ]);
    }

    #[test]
    fn enable() {
        // RFC 5161 §3.1 and RFC 9051 §6.3.1.
        assert_eq!(
            parse("t2 ENABLE CONDSTORE X-GOOD-IDEA"),
            Ok(CommandBody::Enable(vec![
                Capability::CondStore,
                Capability::Other(Atom::new("X-GOOD-IDEA").unwrap())
            ]))
        );
        assert_eq!(
            parse("a ENABLE IMAP4rev2 utf8=accept qresync"),
            Ok(CommandBody::Enable(vec![
                Capability::Imap4Rev2,
                Capability::Utf8Accept,
                Capability::QResync
            ]))
        );
        assert_bad(&["a ENABLE", "a ENABLE ", "a ENABLE (X)"]);
    }
}
