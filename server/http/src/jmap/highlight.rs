//! Highlighting for SearchSnippet (RFC 8621 §5): `&`, `<` and `>` escaped, every match of a
//! needle wrapped in `<mark></mark>`. Needles match as Email/query matches them: folded
//! (kantor-message's `fold`) substrings, so highlighting marks exactly what the filter found.

use kantor_message::text::fold;

/// Most octets of a preview (§5: "MUST NOT be bigger than 255 octets in size").
pub(crate) const PREVIEW_OCTETS: usize = 255;
/// Characters of context kept before the first match in a preview.
const LEAD: usize = 40;

/// The ranges of `text`'s characters (by index) that match any of the (folded) needles,
/// merged and in order.
fn matches(text: &[char], needles: &[String]) -> Vec<(usize, usize)> {
    // The folded text, with the index of the character each folded byte comes from.
    let (mut folded, mut origin) = (String::new(), Vec::new());
    for (i, c) in text.iter().enumerate() {
        let f = fold(&c.to_string());
        origin.extend(std::iter::repeat_n(i, f.len()));
        folded.push_str(&f);
    }
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    for needle in needles.iter().filter(|n| !n.is_empty()) {
        for (at, _) in folded.match_indices(needle.as_str()) {
            let end = origin[at + needle.len() - 1] + 1;
            ranges.push((origin[at], end));
        }
    }
    ranges.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (start, end) in ranges {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

fn escape(c: char, out: &mut String) {
    match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        c => out.push(c),
    }
}

/// `text` escaped with its matches marked, from character `from`, at most `max` octets (a
/// mark opened is always closed); `None` when nothing matches.
fn render(text: &[char], needles: &[String], from: usize, max: usize) -> Option<String> {
    let ranges = matches(text, needles);
    if ranges.is_empty() {
        return None;
    }
    let (mut out, mut open) = (String::new(), false);
    let mut next = ranges.iter().peekable();
    while next.peek().is_some_and(|r| r.1 <= from) {
        next.next();
    }
    for (i, &c) in text.iter().enumerate().skip(from) {
        let mut piece = String::new();
        if open && next.peek().is_some_and(|r| r.1 == i) {
            piece.push_str("</mark>");
            open = false;
            next.next();
        }
        if !open && next.peek().is_some_and(|r| r.0 <= i && i < r.1) {
            piece.push_str("<mark>");
            open = true;
        }
        escape(c, &mut piece);
        let closing = if open { "</mark>".len() } else { 0 };
        if out.len() + piece.len() + closing > max {
            break;
        }
        out.push_str(&piece);
    }
    if open {
        out.push_str("</mark>");
    }
    Some(out)
}

/// The subject, escaped and marked, when a needle matches it.
pub(crate) fn subject(subject: &str, needles: &[String]) -> Option<String> {
    let text: Vec<char> = subject.chars().collect();
    render(&text, needles, 0, usize::MAX)
}

/// The part of a body text around its first match, white space collapsed, escaped and marked,
/// at most [`PREVIEW_OCTETS`]; `None` when no needle matches.
pub(crate) fn preview(body: &str, needles: &[String]) -> Option<String> {
    let collapsed = body.split_whitespace().collect::<Vec<_>>().join(" ");
    let text: Vec<char> = collapsed.chars().collect();
    let first = matches(&text, needles).first()?.0;
    // Start at a word boundary some characters before the match.
    let mut from = first.saturating_sub(LEAD);
    while from > 0 && from < first && text[from - 1] != ' ' {
        from += 1;
    }
    render(&text, needles, from, PREVIEW_OCTETS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn needles(list: &[&str]) -> Vec<String> {
        list.iter().map(|n| fold(n)).collect()
    }

    #[test]
    fn marks_escape_and_case() {
        assert_eq!(
            subject("Fish & <Chips> and chips", &needles(&["chips"])).unwrap(),
            "Fish &amp; &lt;<mark>Chips</mark>&gt; and <mark>chips</mark>"
        );
        assert_eq!(
            subject("Grüße aus Köln", &needles(&["GRÜSSE", "köln"])).unwrap(),
            "<mark>Grüße</mark> aus <mark>Köln</mark>"
        );
        assert_eq!(
            subject("overlapping", &needles(&["overl", "lapping"])).unwrap(),
            "<mark>overlapping</mark>"
        );
        assert_eq!(subject("nothing", &needles(&["else"])), None);
        assert_eq!(
            subject("東京都庁で会議", &needles(&["東京"])).unwrap(),
            "<mark>東京</mark>都庁で会議"
        );
    }

    #[test]
    fn previews_start_near_the_match_and_fit() {
        let body = format!(
            "{} the needle here\n\n{}",
            "word ".repeat(100),
            "tail ".repeat(100)
        );
        let p = preview(&body, &needles(&["needle"])).unwrap();
        assert!(p.len() <= PREVIEW_OCTETS, "{}", p.len());
        assert!(p.starts_with("word "), "{p}");
        assert!(p.contains("the <mark>needle</mark> here tail"), "{p}");
        let long = format!("x {}", "needle ".repeat(100));
        let p = preview(&long, &needles(&["needle"])).unwrap();
        assert!(p.len() <= PREVIEW_OCTETS && p.ends_with("</mark>"), "{p}");
        assert_eq!(preview("no match", &needles(&["needle"])), None);
    }
}
