//! JMAP Email/query by attachment file name (issue 12): `attachmentName` (Cyrus IMAP's name for
//! this extension of RFC 8621 §4.4.1) and `text`, which also looks at file names (§4.4.1 lets it
//! search any part the server can convert). Mail with a plain file name, an RFC 2231 encoded one
//! (continuations, UTF-8), an RFC 2047 encoded one and none (a file name in the body only) is
//! delivered with smtplib and searched with curl, with the full-text index and then, on the same
//! data, with `[search] enabled = false`: the answers are the same ids.

mod common;
use common::fts::*;
use common::*;
use serde_json::{Value, json};

const JO: &str = "jo@example.test";

fn corpus() -> Vec<(&'static str, String)> {
    let mixed = |subject: &str, body: &str, part_header: &str| {
        format!(
            "From: Ann <ann@corp.example>\r\nTo: {JO}\r\nSubject: {subject}\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=b1\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\n{body}\r\n\
--b1\r\n{part_header}Content-Transfer-Encoding: base64\r\n\r\nbm90IHJlYWxseSBhIGRvY3VtZW50Cg==\r\n--b1--\r\n"
        )
    };
    vec![
        (
            JO,
            mixed(
                "Figures for the board",
                "Please find the figures attached.",
                "Content-Type: application/octet-stream; name=\"Quarterly-Report_2026.pdf\"\r\n\
Content-Disposition: attachment; filename=\"Quarterly-Report_2026.pdf\"\r\n",
            ),
        ),
        (
            JO,
            mixed(
                "Offer",
                "Das Angebot liegt bei.",
                "Content-Type: application/octet-stream\r\nContent-Disposition: attachment;\r\n \
filename*0*=utf-8''Angebot%20f%C3%BCr;\r\n filename*1*=%20M%C3%BCller.docx\r\n",
            ),
        ),
        (
            JO,
            mixed(
                "Price list",
                "The prices for March.",
                "Content-Type: application/vnd.ms-excel;\r\n \
name=\"=?utf-8?q?Preis=C3=BCbersicht_M=C3=A4rz.xls?=\"\r\n",
            ),
        ),
        (
            JO,
            format!(
                "From: Ann <ann@corp.example>\r\nTo: {JO}\r\nSubject: No attachment\r\n\r\n\
Budget-Plan_2027.xlsx follows tomorrow, with report_2025.\r\n"
            ),
        ),
    ]
}

/// Filters and the subjects each must find.
fn expected(inbox: &str) -> Vec<(Value, Vec<&'static str>)> {
    let names = |needle: &str| json!({"attachmentName": needle});
    vec![
        (names("report_20"), vec!["Figures for the board"]),
        (
            names("QUARTERLY-REPORT_2026.PDF"),
            vec!["Figures for the board"],
        ),
        (names("müller"), vec!["Offer"]),
        (names("angebot für müller.docx"), vec!["Offer"]),
        (names("preisübersicht märz"), vec!["Price list"]),
        // Shorter than a trigram: answered by the scan even with the index.
        (names("xl"), vec!["Price list"]),
        // Only in a body: no file name holds it.
        (names("budget-plan"), vec![]),
        (json!({"text": "budget-plan"}), vec!["No attachment"]),
        (
            json!({"text": "quarterly-report"}),
            vec!["Figures for the board"],
        ),
        (json!({"text": "müller.docx"}), vec!["Offer"]),
        (
            json!({"text": "report_20"}),
            vec!["Figures for the board", "No attachment"],
        ),
        // `body` keeps to the text parts.
        (json!({"body": "quarterly-report"}), vec![]),
        (
            json!({"operator": "NOT", "conditions": [names("report_20")]}),
            vec!["No attachment", "Offer", "Price list"],
        ),
        (
            json!({"operator": "OR", "conditions": [names("müller"), names("märz")]}),
            vec!["Offer", "Price list"],
        ),
        // One mailbox and a name: not the message list's date-index shortcut.
        (
            json!({"inMailbox": inbox, "attachmentName": "report_20"}),
            vec!["Figures for the board"],
        ),
    ]
}

/// Each filter's ids (sorted) after checking its subjects.
fn answers(server: &TestServer) -> Vec<Vec<String>> {
    let jmap = Jmap::new(server, JO);
    let all = jmap.checked_ids(expected(&jmap.inbox()));
    // An unknown condition is still refused, a name of the wrong type is invalid.
    for (filter, error) in [
        (json!({"attachmentNames": "report"}), "unsupportedFilter"),
        (json!({"attachmentName": 7}), "invalidArguments"),
    ] {
        let answer = jmap.calls(json!([["Email/query",
            {"accountId": &jmap.account, "filter": &filter}, "q"]]));
        assert_eq!(answer[0][0], "error", "{filter}: {answer:?}");
        assert_eq!(answer[0][1]["type"], error, "{filter}: {answer:?}");
    }
    // SearchSnippet/get takes the filter: no subject or body match to mark (§5.1).
    let answer = jmap.calls(json!([["SearchSnippet/get", {"accountId": &jmap.account,
        "filter": {"text": "quarterly-report"}, "emailIds": &all[8]}, "s"]]));
    assert_eq!(answer[0][0], "SearchSnippet/get", "{answer:?}");
    assert_eq!(
        answer[0][1]["list"][0]["subject"],
        Value::Null,
        "{answer:?}"
    );
    all
}

#[test]
fn attachment_names_with_and_without_the_index() {
    let corpus = corpus();
    assert_eq!(corpus.len(), 4);
    let (indexed, scanned) = with_and_without_index(JO, &corpus, answers);
    assert_eq!(indexed, scanned);
}
