//! Mailbox names as IMAP sees them (RFC 9051 §5.1): `/` separates hierarchy levels, `INBOX` is
//! case-insensitive, and LIST patterns use `*` (anything) and `%` (anything but the separator).

/// The hierarchy delimiter advertised in LIST and NAMESPACE: the store's.
pub const DELIMITER: char = kantor_store::HIERARCHY_DELIMITER;

/// Normalises a client-supplied name: any case of `INBOX` (alone or as the first level) is INBOX.
pub fn normalize(name: &str) -> String {
    match name.split_once(DELIMITER) {
        Some((first, rest)) if first.eq_ignore_ascii_case("INBOX") => {
            format!("INBOX{DELIMITER}{rest}")
        }
        None if name.eq_ignore_ascii_case("INBOX") => "INBOX".to_string(),
        _ => name.to_string(),
    }
}

/// Why a name cannot be created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidName {
    Empty,
    /// Empty level, such as `a//b` or a trailing `/` left after trimming.
    EmptyLevel,
    /// Contains `*`, `%` or control characters, which LIST could not match back.
    BadCharacter,
}

/// Checks a name for CREATE/RENAME. A trailing delimiter is allowed and dropped (RFC 9051
/// §6.3.4: "the server SHOULD create the name without the delimiter").
pub fn validate(name: &str) -> Result<String, InvalidName> {
    let name = name.strip_suffix(DELIMITER).unwrap_or(name);
    if name.is_empty() {
        return Err(InvalidName::Empty);
    }
    if name.split(DELIMITER).any(str::is_empty) {
        return Err(InvalidName::EmptyLevel);
    }
    if name.chars().any(|c| c == '*' || c == '%' || c.is_control()) {
        return Err(InvalidName::BadCharacter);
    }
    Ok(normalize(name))
}

/// The names of the levels above `name` (`a/b/c` → `a`, `a/b`).
pub use kantor_store::ancestors;

/// Whether `child` is below `parent` in the hierarchy.
pub fn is_descendant(child: &str, parent: &str) -> bool {
    child.len() > parent.len() + 1
        && child.starts_with(parent)
        && child[parent.len()..].starts_with(DELIMITER)
}

/// Whether `name` matches a LIST pattern (RFC 9051 §6.3.9) after joining it to `reference`.
/// `*` matches anything, `%` anything except the delimiter; INBOX matches case-insensitively.
pub fn matches(reference: &str, pattern: &str, name: &str) -> bool {
    let full = join(reference, pattern);
    let full = normalize(&full);
    glob(full.as_bytes(), name.as_bytes())
}

/// Reference and pattern joined as RFC 9051 §6.3.9 describes: a pattern starting with the
/// delimiter ignores the reference.
fn join(reference: &str, pattern: &str) -> String {
    if reference.is_empty() || pattern.starts_with(DELIMITER) {
        pattern.to_string()
    } else {
        format!("{reference}{pattern}")
    }
}

/// Iterative wildcard matching with backtracking to the last `*` or `%`.
fn glob(pattern: &[u8], name: &[u8]) -> bool {
    let (mut p, mut n) = (0, 0);
    let mut backtrack: Option<(usize, usize, bool)> = None; // (pattern pos after wildcard, name pos, is_star)
    while n < name.len() {
        match pattern.get(p) {
            Some(b'*') => {
                backtrack = Some((p + 1, n, true));
                p += 1;
            }
            Some(b'%') => {
                backtrack = Some((p + 1, n, false));
                p += 1;
            }
            Some(&c) if c == name[n] => {
                p += 1;
                n += 1;
            }
            _ => match backtrack {
                Some((bp, bn, star)) if star || name[bn] != DELIMITER as u8 => {
                    backtrack = Some((bp, bn + 1, star));
                    p = bp;
                    n = bn + 1;
                }
                _ => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*' || c == b'%')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inbox_is_case_insensitive() {
        assert_eq!(normalize("inbox"), "INBOX");
        assert_eq!(normalize("InBox/Sub"), "INBOX/Sub");
        assert_eq!(normalize("Inboxes"), "Inboxes");
    }

    #[test]
    fn validation() {
        assert_eq!(validate("Work/"), Ok("Work".into()));
        assert_eq!(validate(""), Err(InvalidName::Empty));
        assert_eq!(validate("a//b"), Err(InvalidName::EmptyLevel));
        assert_eq!(validate("a*b"), Err(InvalidName::BadCharacter));
        assert_eq!(ancestors("a/b/c").collect::<Vec<_>>(), ["a", "a/b"]);
        assert!(is_descendant("a/b", "a") && !is_descendant("ab", "a") && !is_descendant("a", "a"));
    }

    #[test]
    fn list_patterns_rfc_9051_examples() {
        let names = [
            "INBOX",
            "Drafts",
            "Work",
            "Work/2026",
            "Work/2026/Q1",
            "Worker",
        ];
        let list = |reference: &str, pattern: &str| -> Vec<&str> {
            names
                .iter()
                .copied()
                .filter(|n| matches(reference, pattern, n))
                .collect()
        };
        assert_eq!(list("", "*"), names);
        assert_eq!(list("", "%"), ["INBOX", "Drafts", "Work", "Worker"]);
        assert_eq!(list("", "Work/%"), ["Work/2026"]);
        assert_eq!(list("Work/", "%"), ["Work/2026"]);
        assert_eq!(list("Work/", "*"), ["Work/2026", "Work/2026/Q1"]);
        assert_eq!(
            list("", "Work*"),
            ["Work", "Work/2026", "Work/2026/Q1", "Worker"]
        );
        assert_eq!(list("", "Work%"), ["Work", "Worker"]);
        assert_eq!(
            list("Work/", "/Drafts"),
            Vec::<&str>::new(),
            "absolute pattern ignores reference"
        );
        assert_eq!(list("", "inbox"), ["INBOX"]);
        assert_eq!(list("", "%/%/%"), ["Work/2026/Q1"]);
        assert_eq!(list("", "*2026"), ["Work/2026"]);
    }
}
