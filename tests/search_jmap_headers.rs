//! JMAP Email/query's header conditions with the full-text index (issue 12; RFC 8621 §4.4.1
//! `from`, `to`, `cc`, `bcc`, `subject` and `text`): the index narrows them with trigrams a
//! match is sure to hold (`http/src/jmap/header_needles.rs`), never losing one. Mail with
//! tricky address fields (quoted display names with commas and quotes, RFC 2047 names, UTF-8
//! names and addresses sent with SMTPUTF8, groups, a comment as the name, a bare local part, a
//! folded field, a second To field) is delivered with smtplib and queried with curl, with the
//! index and then, on the same data, with `[search] enabled = false`: needles across the
//! `name <email>` boundaries, across mailboxes and of one or two characters give the same ids,
//! and so do AND, OR and NOT of header and body needles (the narrowed listing's covers).

mod common;
use common::fts::*;
use common::*;
use serde_json::{Value, json};

const JO: &str = "jo@example.test";

fn corpus() -> Vec<(&'static str, String)> {
    let mail = |header: &str, body: &str| {
        (
            JO,
            format!("{header}Date: Mon, 2 Feb 2026 10:00:00 +0000\r\n\r\n{body}\r\n"),
        )
    };
    vec![
        mail(
            "From: \"Doe, John \\\"Jack\\\"\" <john.doe@example.com>\r\nTo: jo@example.test\r\n\
Cc: Ann <ann@corp.example>, bob@x.org (Bob B)\r\nSubject: Quoted name\r\n",
            "Minutes of the meeting with Kim.",
        ),
        mail(
            "From: =?utf-8?q?J=C3=BCrgen_Gro=C3=9F?= <jg@example.de>\r\n\
To: \"Kim Lee\" <kim@y.test>\r\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=\r\n",
            "Bis bald.",
        ),
        mail(
            "From: Jürgen Müller <jürgen@bücher.example>\r\n\
To: 東京 太郎 <taro@例え.jp>, jo@example.test\r\nSubject: Umlaut address\r\n",
            "Hallo.",
        ),
        mail(
            "From: Team Lead <lead@x.test>\r\n\
To: Team: a@x.test, \"Kim Lee\" <kim@y.test>;, c@z.test\r\n\
Cc: undisclosed-recipients:;\r\nSubject: Group\r\n",
            "Plans for the team.",
        ),
        mail(
            "From: ann@corp.example (Ann Comment)\r\nTo: jo@example.test\r\n\
Bcc: Secret Agent <agent007@mi6.example>\r\nSubject: Blind\r\n",
            "Nothing to see.",
        ),
        mail(
            "From: nobody\r\nTo: Very Long Name\r\n <long.name@example.org>\r\n\
To: second@y.test\r\nSubject: Folded and bare\r\n",
            "Short.",
        ),
    ]
}

/// Filters and the subjects each must find.
fn expected(inbox: &str) -> Vec<(Value, Vec<&'static str>)> {
    const QUOTED: &str = "Quoted name";
    const GRUSS: &str = "Grüße aus Köln";
    const UMLAUT: &str = "Umlaut address";
    const GROUP: &str = "Group";
    const BLIND: &str = "Blind";
    const BARE: &str = "Folded and bare";
    let on = |name: &str, needle: &str| {
        let mut condition = serde_json::Map::new();
        condition.insert(name.to_string(), json!(needle));
        Value::Object(condition)
    };
    vec![
        (on("from", "john"), vec![QUOTED]),
        (on("from", "doe, john \"jack\""), vec![QUOTED]),
        // Across the end of the name: `"JACK" <JOHN.DOE@...`.
        (on("from", "jack\" <john.d"), vec![QUOTED]),
        (on("from", "r <j"), vec![UMLAUT]),
        (on("from", "s <jg"), vec![GRUSS]),
        (on("from", "jo"), vec![QUOTED]),
        (on("from", "j"), vec![GRUSS, QUOTED, UMLAUT]),
        (on("from", "jürgen"), vec![GRUSS, UMLAUT]),
        // Folded: ß is SS.
        (on("from", "groß"), vec![GRUSS]),
        (on("from", "müller <jürgen@bü"), vec![UMLAUT]),
        // A comment stands for the missing display name.
        (on("from", "ann comment <ann@"), vec![BLIND]),
        (on("from", " <nobody>"), vec![BARE]),
        (on("from", "ann"), vec![BLIND]),
        (on("from", "example"), vec![BLIND, GRUSS, QUOTED, UMLAUT]),
        (on("to", "kim lee <kim@y"), vec![GROUP, GRUSS]),
        // Across two mailboxes of a group.
        (on("to", "a@x.test>, kim"), vec![GROUP]),
        (on("to", "test>,  <c@z"), vec![GROUP]),
        // A group's name is not an address (§4.1.2.3 flattens groups).
        (on("to", "team"), vec![]),
        (on("to", "太郎 <taro"), vec![UMLAUT]),
        (on("to", "例え.jp"), vec![UMLAUT]),
        // Only the first To field counts.
        (on("to", "second@y"), vec![]),
        (on("to", "very long name <long.name"), vec![BARE]),
        (on("to", "jo@example.test"), vec![BLIND, QUOTED, UMLAUT]),
        (on("cc", "example>, bob b <bob@"), vec![QUOTED]),
        (on("cc", "bob"), vec![QUOTED]),
        (on("cc", "undisclosed"), vec![]),
        (on("bcc", "agent007"), vec![BLIND]),
        (on("bcc", "secret agent <agent"), vec![BLIND]),
        (on("bcc", "x"), vec![BLIND]),
        (on("subject", "grüße"), vec![GRUSS]),
        (on("subject", "aus k"), vec![GRUSS]),
        (on("subject", "gr"), vec![GROUP, GRUSS]),
        (on("text", "kim"), vec![GROUP, GRUSS, QUOTED]),
        (on("text", "secret agent"), vec![BLIND]),
        (on("text", "jack\" <john"), vec![QUOTED]),
        (on("text", "jürgen"), vec![GRUSS, UMLAUT]),
        (on("text", "grüße"), vec![GRUSS]),
        (on("text", "e <"), vec![BARE, GROUP, GRUSS]),
        (on("text", "e <kim@y.test"), vec![GROUP, GRUSS]),
        (on("text", "meeting"), vec![QUOTED]),
        (on("text", "ß"), vec![GRUSS, UMLAUT]),
        (
            json!({"operator": "OR", "conditions": [on("from", "jürgen"), on("to", "kim lee")]}),
            vec![GROUP, GRUSS, UMLAUT],
        ),
        (
            json!({"operator": "NOT", "conditions": [on("from", "john")]}),
            vec![BLIND, BARE, GROUP, GRUSS, UMLAUT],
        ),
        (json!({"from": "ann", "text": "blind"}), vec![BLIND]),
        // Header and body needles together: the index's answers narrow by the smallest
        // cover (AND: one member's; OR: every member's), or not at all (an unbounded member).
        (
            json!({"operator": "AND", "conditions": [on("from", "example"), on("body", "meeting")]}),
            vec![QUOTED],
        ),
        (
            json!({"operator": "OR", "conditions": [on("body", "plans"), on("from", "jürgen")]}),
            vec![GROUP, GRUSS, UMLAUT],
        ),
        (
            json!({"operator": "OR", "conditions": [on("from", "ann"), {"hasKeyword": "$flagged"}]}),
            vec![BLIND],
        ),
        (
            json!({"operator": "AND", "conditions": [
                on("text", "kim"),
                {"operator": "NOT", "conditions": [on("from", "john")]},
            ]}),
            vec![GROUP, GRUSS],
        ),
        (
            json!({"operator": "AND", "conditions": [
                {"operator": "OR", "conditions": [on("body", "hallo"), on("body", "bis bald")]},
                on("from", "example"),
            ]}),
            vec![GRUSS, UMLAUT],
        ),
        (
            json!({"inMailbox": inbox, "from": "example"}),
            vec![BLIND, GRUSS, QUOTED, UMLAUT],
        ),
    ]
}

/// Each filter's ids (sorted) after checking its subjects.
fn answers(server: &TestServer) -> Vec<Vec<String>> {
    let jmap = Jmap::new(server, JO);
    jmap.checked_ids(expected(&jmap.inbox()))
}

#[test]
fn header_conditions_with_and_without_the_index() {
    let corpus = corpus();
    assert_eq!(corpus.len(), 6);
    let (indexed, scanned) = with_and_without_index(JO, &corpus, answers);
    assert_eq!(indexed, scanned);
}
