//! IMAP flags (RFC 9051 §2.3.2) and the store's representation: system flags as a bit set,
//! keywords as strings. `\Recent` is per session (`view::recent`) and cannot be set.

use crate::view::{Entry, MailboxView};
use kantor_imap_proto::types::Atom;
use kantor_imap_proto::{Flag, FlagFetch, FlagPerm};
use kantor_store::Flags;

const SYSTEM: [(Flags, Flag); 5] = [
    (Flags::ANSWERED, Flag::Answered),
    (Flags::FLAGGED, Flag::Flagged),
    (Flags::DELETED, Flag::Deleted),
    (Flags::SEEN, Flag::Seen),
    (Flags::DRAFT, Flag::Draft),
];

/// Flags from a command, split for the store. `Err` names a flag that cannot be stored
/// (`\Recent` or another `\` extension), which the command refuses.
pub(crate) fn split(flags: &[Flag]) -> Result<(Flags, Vec<String>), String> {
    let mut system = Flags::default();
    let mut keywords = Vec::new();
    for flag in flags {
        match flag {
            Flag::Keyword(k) => keywords.push(k.as_str().to_string()),
            Flag::Extension(e) => return Err(format!("\\{e} cannot be set")),
            other => {
                if let Some((bit, _)) = SYSTEM.iter().find(|(_, f)| f == other) {
                    system = system.with(*bit);
                }
            }
        }
    }
    Ok((system, keywords))
}

/// A message's flags for FETCH FLAGS: its flags and keywords, and `\Recent` if the session has
/// it (RFC 3501 §2.3.2).
pub(crate) fn fetch_flags(entry: &Entry) -> Vec<FlagFetch> {
    let message = &entry.message;
    let mut out: Vec<FlagFetch> = to_flags(message.flags, &message.keywords)
        .into_iter()
        .map(FlagFetch::Flag)
        .collect();
    if entry.recent {
        out.push(FlagFetch::Recent);
    }
    out
}

/// Flags and keywords as IMAP flags. Keywords that are not atoms (never stored by IMAP, but
/// another protocol might) are left out rather than sent broken.
pub(crate) fn to_flags(flags: Flags, keywords: &[String]) -> Vec<Flag> {
    let system = SYSTEM
        .iter()
        .filter(|(bit, _)| flags.contains(*bit))
        .map(|(_, flag)| flag.clone());
    let keywords = keywords
        .iter()
        .filter_map(|k| Atom::new(k.as_str()).ok().map(Flag::Keyword));
    system.chain(keywords).collect()
}

/// `* FLAGS (...)`: the system flags and every keyword in use in the mailbox (RFC 9051 §7.3.5).
pub(crate) fn defined(view: &MailboxView) -> Vec<Flag> {
    let keywords: Vec<String> = view.keywords().map(str::to_string).collect();
    to_flags(
        Flags(
            Flags::ANSWERED.0
                | Flags::FLAGGED.0
                | Flags::DELETED.0
                | Flags::SEEN.0
                | Flags::DRAFT.0,
        ),
        &keywords,
    )
}

/// `PERMANENTFLAGS`: all of FLAGS and `\*` (any new keyword) when writable, none when read-only
/// (RFC 9051 §6.3.3).
pub(crate) fn permanent(view: &MailboxView) -> Vec<FlagPerm> {
    if view.read_only {
        return Vec::new();
    }
    defined(view)
        .into_iter()
        .map(FlagPerm::Flag)
        .chain([FlagPerm::Any])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_and_join() {
        let flags = [
            Flag::Seen,
            Flag::Deleted,
            Flag::Keyword(Atom::new("$Junk").unwrap()),
        ];
        let (system, keywords) = split(&flags).unwrap();
        assert!(system.contains(Flags::SEEN) && system.contains(Flags::DELETED));
        assert!(!system.contains(Flags::FLAGGED));
        assert_eq!(keywords, ["$Junk"]);
        assert_eq!(
            to_flags(system, &keywords),
            [
                Flag::Deleted,
                Flag::Seen,
                Flag::Keyword(Atom::new("$Junk").unwrap())
            ]
        );
        let recent = Flag::parse("\\Recent").unwrap();
        assert!(split(&[recent]).is_err());
    }
}
