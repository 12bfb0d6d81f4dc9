//! Language-aware search (issue 12) end to end: English, German, French and Japanese mail
//! delivered with Python's smtplib; JMAP Email/query (curl) finds other forms of a word in the
//! message's own language besides substrings (RFC 8621 §4.4.1), while imaplib's UID SEARCH
//! still answers substrings only (RFC 9051 §6.4.4); another account's mail never shows; with
//! `[search] stemming = false` only substrings match, and turning it on rebuilds the index.

mod common;
use common::fts::*;
use common::*;
use serde_json::json;

const JO: &str = "jo@example.test";
const KIM: &str = "kim@example.test";

/// A message of UTF-8 text (base64, the subject an RFC 2047 word): smtplib sends ASCII.
fn mail(to: &'static str, subject: &str, body: &str) -> (&'static str, String) {
    use base64::Engine;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    (
        to,
        format!(
            "From: Someone <someone@corp.example>\r\nTo: {to}\r\nSubject: =?utf-8?b?{}?=\r\n\
MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\
Content-Transfer-Encoding: base64\r\n\r\n{}\r\n",
            b64(subject),
            b64(body)
        ),
    )
}

/// Jo's UIDs 1-5 and Kim's 1.
fn corpus() -> Vec<(&'static str, String)> {
    vec![
        mail(
            JO,
            "Weekend plans",
            "I usually go for long runs in the garden before breakfast. Afterwards my \
neighbours walked home with me and we talked about the weather for a while.",
        ),
        mail(
            JO,
            "Umzug",
            "Die Häuser in unserer Straße werden im nächsten Jahr renoviert. Wir haben \
lange mit dem Vermieter darüber gesprochen und warten auf seine Antwort.",
        ),
        mail(
            JO,
            "Soirée",
            "Hier soir, les enfants chantaient dans le jardin de la maison avec leurs amis \
pendant que nous préparions le dîner.",
        ),
        mail(
            JO,
            "会議",
            "東京都庁で打ち合わせをします。明日の午後三時に会いましょう。よろしくお願いします。",
        ),
        mail(
            JO,
            "Status",
            "The mail server is running again after the outage this morning, and the \
nightly backups of the database are complete.",
        ),
        mail(
            KIM,
            "Kim's training",
            "I went on three long runs this week and my legs are tired from the hills \
around the lake.",
        ),
    ]
}

#[test]
fn words_in_their_language_through_jmap_substrings_through_imap() {
    let server = TestServer::start("[imap]\nallow_plaintext_auth = true\n");
    server.add_user(JO);
    server.add_user(KIM);
    deliver(&server, &corpus());
    wait_indexed(&server, 6);
    let jmap = Jmap::new(&server, JO);
    let subjects = |filter| jmap.subjects(filter);

    // English: "running" finds "runs" (a stem match) and "running" (a substring match too).
    assert_eq!(
        subjects(json!({"body": "running"})),
        ["Status", "Weekend plans"]
    );
    assert_eq!(subjects(json!({"text": "walking"})), ["Weekend plans"]);
    // Subject words: "planning" finds "plans", through `subject` and `text` (not `body`).
    assert_eq!(subjects(json!({"subject": "planning"})), ["Weekend plans"]);
    assert_eq!(subjects(json!({"text": "planning"})), ["Weekend plans"]);
    assert!(subjects(json!({"body": "planning"})).is_empty());
    // German: "Haus" finds "Häuser" (not a substring of it: Ä is not A).
    assert_eq!(subjects(json!({"body": "Haus"})), ["Umzug"]);
    assert_eq!(subjects(json!({"body": "Antworten"})), ["Umzug"]);
    // French: "chanter" finds "chantaient".
    assert_eq!(subjects(json!({"body": "chanter"})), ["Soirée"]);
    // A German rule is not applied to English mail: German stems "gardes" and "garden" alike
    // ("gard"), English does not, and the English mail has only "garden".
    assert!(subjects(json!({"body": "gardes"})).is_empty());
    assert_eq!(subjects(json!({"body": "garden"})), ["Weekend plans"]);
    // Every word of the needle, each in its form: two words of one mail, not of two.
    assert_eq!(
        subjects(json!({"body": "walking neighbour"})),
        ["Weekend plans"]
    );
    assert!(subjects(json!({"body": "walking Häuser"})).is_empty());
    // Substrings are never lost: a piece of a word is no word, yet found.
    assert_eq!(subjects(json!({"body": "unnin"})), ["Status"]);
    assert_eq!(subjects(json!({"body": "ightly backu"})), ["Status"]);
    // Japanese (no spaces): substrings, by the trigram index.
    assert_eq!(subjects(json!({"body": "打ち合わせ"})), ["会議"]);
    assert_eq!(subjects(json!({"text": "会いましょう"})), ["会議"]);
    // Under NOT, the stem matches count too.
    assert_eq!(
        subjects(json!({"operator": "NOT", "conditions": [{"body": "running"}]})),
        ["Soirée", "Umzug", "会議"]
    );

    // IMAP SEARCH: substrings only (RFC 9051 §6.4.4), never a stem-only match.
    let queries = [
        ("BODY running", None),
        ("BODY walking", None),
        ("SUBJECT planning", None),
        ("BODY Haus", None),
        ("BODY chanter", None),
        ("BODY runs", None),
        ("BODY", Some("Häuser")),
        ("BODY", Some("打ち合わせ")),
        ("TEXT unnin", None),
    ];
    assert_eq!(
        search(&server, JO, &queries),
        vec![
            vec![5],
            vec![],
            vec![],
            vec![],
            vec![],
            vec![1],
            vec![2],
            vec![4],
            vec![5]
        ]
    );

    // Another account's mail never shows, whichever way it matches.
    let kim = Jmap::new(&server, KIM);
    assert_eq!(kim.subjects(json!({"body": "running"})), ["Kim's training"]);
    assert!(kim.subjects(json!({"body": "Haus"})).is_empty());
    assert!(kim.subjects(json!({"body": "walking"})).is_empty());
    assert_eq!(
        search(&server, KIM, &[("BODY running", None), ("BODY runs", None)]),
        vec![vec![], vec![1]]
    );
}

#[test]
fn stemming_off_then_on_rebuilds_the_index() {
    let off = "[search]\nstemming = false\n";
    let mut server = TestServer::start(off);
    server.add_user(JO);
    deliver(&server, &corpus()[..5]);
    wait_indexed(&server, 5);
    let found =
        |server: &TestServer, needle: &str| Jmap::new(server, JO).subjects(json!({"body": needle}));
    // Off: substrings only.
    assert_eq!(found(&server, "running"), ["Status"]);
    assert!(found(&server, "Haus").is_empty());
    // On: the index is rebuilt at start with each message's words.
    server.restart_with("");
    wait_indexed(&server, 5);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while found(&server, "Haus").is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "no words after the rebuild"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert_eq!(found(&server, "running"), ["Status", "Weekend plans"]);
    assert_eq!(found(&server, "Haus"), ["Umzug"]);
    // `kantor admin reindex` builds what the configuration it is given says.
    server.kill9();
    let config = server.data().join("no-stemming.toml");
    std::fs::write(&config, off).unwrap();
    let config = config.to_string_lossy().into_owned();
    server.admin_ok(&["reindex", "--config", &config], "");
    let status = server.admin_ok(&["index-status"], "");
    assert!(status.contains("matches:     substrings only"), "{status}");
    server.admin_ok(&["reindex"], "");
    let status = server.admin_ok(&["index-status"], "");
    assert!(status.contains("stemmed words"), "{status}");
}
