//! NOTIFY (RFC 5465) over shared mailboxes and other users' shared folders, with Python's
//! imaplib and smtplib (tests/python/test_imap_notify_shared.py): a member hears of mail
//! delivered to a shared mailbox under "Shared Folders/..." with `subtree`, `mailboxes` and
//! `subscribed` (never `personal`), with their own UNSEEN; another member's `\Seen` is no
//! FlagChange; a selected shared folder keeps EXISTS / FETCH / EXPUNGE; rights withdrawn by the
//! owner (SETACL) or the administrator (`kantor admin acl delete`) stop the events at once.

mod common;
use common::*;

#[test]
fn python_imaplib_notify_over_shared_mailboxes() {
    let server = TestServer::start("");
    let owner = format!("olivia@{DOMAIN}");
    let (a, b) = (format!("mark@{DOMAIN}"), format!("mia@{DOMAIN}"));
    let shared = format!("sales@{DOMAIN}");
    for user in [&owner, &a, &b] {
        server.add_user(user);
    }
    server.admin_ok(
        &["shared", "add", &shared, "--member", &a, "--member", &b],
        "",
    );
    let env = [
        ("KANTOR_IMAPS", server.port("imaps").to_string()),
        ("KANTOR_SMTP", server.port("smtp").to_string()),
        ("KANTOR_OWNER", owner),
        ("KANTOR_MEMBER_A", a),
        ("KANTOR_MEMBER_B", b),
        ("KANTOR_SHARED", shared),
        ("KANTOR_PASSWORD", PASSWORD.to_string()),
        ("KANTOR_BIN", env!("CARGO_BIN_EXE_kantor").to_string()),
        (
            "KANTOR_DATA",
            server.dir.path().join("data").display().to_string(),
        ),
    ];
    run_python_suite("test_imap_notify_shared.py", &env, 7);
}
