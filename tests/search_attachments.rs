//! The text of office attachments in the full-text index (issue 12): documents made by the
//! formats' own libraries (python-docx, openpyxl, python-pptx, odfpy, fpdf2; see
//! tests/python/office_mail.py) are mailed with smtplib, then found by JMAP Email/query `text`
//! and `body` (curl), which confirm what the index names by reading the attachments again. A
//! zip bomb and a broken PDF are indexed by name only and break nothing; IMAP SEARCH keeps
//! RFC 9051 semantics (attachment names are in the MIME headers TEXT reads, their content is
//! not in BODY).

mod common;
use common::fts::*;
use common::*;
use serde_json::json;

const JO: &str = "jo@example.test";

#[test]
fn office_attachments_are_searchable_and_bounded() {
    let server = TestServer::start("[imap]\nallow_plaintext_auth = true\n");
    server.add_user(JO);
    let dir = server.data().join("documents");
    python(
        "office_mail.py",
        &[&server.port("smtp").to_string(), JO, dir.to_str().unwrap()],
    );
    wait_indexed(&server, 8);
    let jmap = Jmap::new(&server, JO);
    let found = |filter| jmap.subjects(filter);
    for (needle, subject) in [
        ("okonkwo", "Attached report.docx"),
        ("lighthouse maintenance", "Attached report.docx"),
        ("lamp is cleaned", "Attached report.docx"),
        ("Zanzibar", "Attached figures.xlsx"),
        ("98765.25", "Attached figures.xlsx"),
        ("revenue forecast", "Attached figures.xlsx"),
        ("Ptarmigan", "Attached deck.pptx"),
        ("quarterly kickoff", "Attached deck.pptx"),
        ("Gezeitenkraftwerk", "Attached letter.odt"),
        ("北京开会", "Attached letter.odt"),
        ("Marzipan Holdings", "Attached scan.pdf"),
        ("nothing attached", "Plain"),
    ] {
        assert_eq!(found(json!({"text": needle})), [subject], "text {needle}");
        assert_eq!(found(json!({"body": needle})), [subject], "body {needle}");
    }
    // Past the unpacked-size cap: name only, and the other mail is still found.
    assert!(found(json!({"text": "Bombastic"})).is_empty());
    assert_eq!(
        found(
            json!({"operator": "AND", "conditions": [{"body": "zanzibar"}, {"hasAttachment": true}]})
        ),
        ["Attached figures.xlsx"]
    );
    assert!(
        found(json!({"operator": "NOT", "conditions": [{"text": "find the file"}]})) == ["Plain"]
    );

    // IMAP: names are in the MIME headers SEARCH TEXT reads; the documents' text is no part
    // of what BODY reads (RFC 9051 §6.4.4), so BODY does not find it.
    let answers = search(
        &server,
        JO,
        &[
            ("TEXT report.docx", None),
            ("TEXT broken.pdf", None),
            ("BODY Okonkwo", None),
            ("BODY \"find the file\"", None),
        ],
    );
    assert_eq!(
        answers,
        vec![vec![1], vec![7], vec![], vec![1, 2, 3, 4, 5, 6, 7]]
    );
}
