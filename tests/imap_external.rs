//! IMAP with clients nobody here wrote: Python's imaplib (tests/python/test_imap.py, and
//! test_imap_shared.py with sessions on one INBOX at once), curl's
//! imap:// and imaps:// URLs, and mbsync (isync) syncing a whole account both ways, then again
//! with nothing to do, and a member's mbsync syncing a shared mailbox's folder.

mod common;
use common::*;
use std::path::Path;

/// Delivers a message over SMTP (port 25).
fn deliver(server: &TestServer, to: &str, subject: &str) {
    let mut smtp = RawClient::connect(server.addr("smtp"));
    smtp.reply();
    smtp.command("EHLO client.example");
    smtp.command("MAIL FROM:<s@remote.example>");
    smtp.command(&format!("RCPT TO:<{to}>"));
    smtp.command("DATA");
    let done = smtp.command(&format!("Subject: {subject}\r\n\r\nbody of {subject}\r\n."));
    assert!(done.starts_with("250"), "{done}");
}

#[test]
fn python_imaplib_suite() {
    let server = TestServer::start("");
    let (user, user2) = (format!("pat@{DOMAIN}"), format!("quinn@{DOMAIN}"));
    server.add_user(&user);
    server.add_user(&user2);
    let env = [
        ("KANTOR_IMAP", server.port("imap").to_string()),
        ("KANTOR_IMAPS", server.port("imaps").to_string()),
        ("KANTOR_SMTP", server.port("smtp").to_string()),
        ("KANTOR_USER", user),
        ("KANTOR_USER2", user2),
        ("KANTOR_PASSWORD", PASSWORD.to_string()),
    ];
    run_python_suite("test_imap.py", &env, 11);
}

/// Six imaplib sessions on one INBOX at once (tests/python/test_imap_shared.py).
#[test]
fn python_imaplib_sessions_share_an_inbox() {
    let server = TestServer::start("");
    let user = format!("shared@{DOMAIN}");
    server.add_user(&user);
    let env = [
        ("KANTOR_IMAPS", server.port("imaps").to_string()),
        ("KANTOR_USER", user),
        ("KANTOR_PASSWORD", PASSWORD.to_string()),
    ];
    run_python_suite("test_imap_shared.py", &env, 1);
}

fn curl(user: &str, extra: &[&str], url: &str) -> String {
    let credentials = format!("{user}:{PASSWORD}");
    let mut args = vec!["-sS", "-k", "--max-time", "20", "-u", &credentials];
    args.extend_from_slice(extra);
    args.push(url);
    run("curl", &args)
}

#[test]
fn curl_lists_fetches_searches_and_uploads() {
    let server = TestServer::start("");
    let user = format!("rene@{DOMAIN}");
    server.add_user(&user);
    deliver(&server, &user, "first");
    deliver(&server, &user, "second");
    let imaps = format!("imaps://127.0.0.1:{}", server.port("imaps"));

    let list = curl(&user, &[], &format!("{imaps}/"));
    assert!(
        list.contains("* LIST (\\HasNoChildren) \"/\" INBOX"),
        "{list}"
    );
    assert!(list.contains("\\Drafts) \"/\" Drafts"), "{list}");

    let message = curl(&user, &[], &format!("{imaps}/INBOX;UID=2"));
    assert!(
        message.contains("Subject: second") && message.contains("body of second"),
        "{message}"
    );

    let search = curl(&user, &[], &format!("{imaps}/INBOX?SUBJECT%20first"));
    assert_eq!(search.trim(), "* SEARCH 1");

    let file = server.data().join("upload.eml");
    std::fs::write(&file, "Subject: uploaded by curl\r\n\r\nhello\r\n").unwrap();
    curl(
        &user,
        &["-T", file.to_str().unwrap()],
        &format!("{imaps}/Drafts"),
    );
    let uploaded = curl(&user, &[], &format!("{imaps}/Drafts;UID=1"));
    assert!(uploaded.contains("Subject: uploaded by curl"), "{uploaded}");

    // Port 143: curl upgrades with STARTTLS before logging in.
    let imap = format!("imap://127.0.0.1:{}", server.port("imap"));
    let first = curl(&user, &["--ssl-reqd"], &format!("{imap}/INBOX;MAILINDEX=1"));
    assert!(first.contains("Subject: first"), "{first}");
    let (refused, out) = run_status(
        "curl",
        &[
            "-sS",
            "--max-time",
            "20",
            "-u",
            &format!("{user}:{PASSWORD}"),
            &format!("{imap}/"),
        ],
    );
    assert!(!refused, "login without TLS must fail: {out}");
}

/// An mbsync configuration syncing every mailbox of `user` into a Maildir tree under `dir`.
fn mbsync_config(server: &TestServer, user: &str, dir: &Path) -> String {
    let config = format!(
        "IMAPAccount kantor\nHost 127.0.0.1\nPort {port}\nUser {user}\nPass {PASSWORD}\nSSLType IMAPS\n\
         CertificateFile {cert}\n\nIMAPStore remote\nAccount kantor\n\n\
         MaildirStore local\nPath {mail}/\nInbox {mail}/INBOX\nSubFolders Verbatim\n\n\
         Channel all\nFar :remote:\nNear :local:\nPatterns *\nCreate Both\nExpunge Both\nSyncState *\n",
        port = server.port("imaps"),
        cert = server.data().join("data/tls/cert.pem").display(),
        mail = dir.join("mail").display(),
    );
    std::fs::create_dir_all(dir.join("mail")).unwrap();
    let path = dir.join("mbsyncrc");
    std::fs::write(&path, config).unwrap();
    path.to_string_lossy().into_owned()
}

/// Runs mbsync with the IMAP conversation logged; returns the commands it sent.
fn mbsync(config: &str) -> Vec<String> {
    let out = run("mbsync", &["-Dn", "-c", config, "-a"]);
    out.lines()
        .filter_map(|l| l.strip_prefix(">>> "))
        .map(|l| {
            l.split_once(' ')
                .map_or(l, |(_, command)| command)
                .to_string()
        })
        .collect()
}

fn maildir_files(dir: &Path) -> Vec<String> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if ["cur", "new"]
                .iter()
                .any(|s| path.parent().unwrap().ends_with(s))
            {
                files.push(
                    path.strip_prefix(dir)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    files.sort();
    files
}

/// Commands that move messages or flags.
fn transfers(commands: &[String]) -> Vec<&String> {
    commands
        .iter()
        .filter(|c| {
            [
                "APPEND", "STORE", "EXPUNGE", "BODY", "MOVE", "COPY", "CREATE", "DELETE",
            ]
            .iter()
            .any(|w| c.contains(w))
        })
        .collect()
}

#[test]
fn mbsync_syncs_both_ways_then_transfers_nothing() {
    let server = TestServer::start("");
    let user = format!("sam@{DOMAIN}");
    server.add_user(&user);
    for subject in ["one", "two", "three"] {
        deliver(&server, &user, subject);
    }
    let dir = tempfile::tempdir().unwrap();
    let config = mbsync_config(&server, &user, dir.path());
    let mail = dir.path().join("mail");

    let first = mbsync(&config);
    assert!(first.iter().any(|c| c.contains("BODY.PEEK[]")), "{first:?}");
    let files = maildir_files(&mail);
    assert_eq!(
        files.iter().filter(|f| f.starts_with("INBOX/")).count(),
        3,
        "{files:?}"
    );

    let again = mbsync(&config);
    assert!(transfers(&again).is_empty(), "nothing to do: {again:?}");

    // Both sides change: a draft written locally, a message read locally, mail arrives.
    std::fs::create_dir_all(mail.join("Drafts/new")).unwrap();
    std::fs::write(
        mail.join("Drafts/new/1700000000.1_1.local"),
        "Subject: local draft\r\n\r\nwritten offline\r\n",
    )
    .unwrap();
    let inbox_file = mail.join(files.iter().find(|f| f.starts_with("INBOX/")).unwrap());
    let name = inbox_file
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let seen = mail
        .join("INBOX/cur")
        .join(format!("{}S", name.trim_end_matches('S')));
    std::fs::create_dir_all(mail.join("INBOX/cur")).unwrap();
    std::fs::rename(&inbox_file, &seen).unwrap();
    deliver(&server, &user, "four");

    let both = mbsync(&config);
    assert!(
        both.iter().any(|c| c.starts_with("APPEND \"Drafts\"")),
        "{both:?}"
    );
    assert!(
        both.iter()
            .any(|c| c.contains("STORE") && c.contains("\\Seen")),
        "{both:?}"
    );
    assert_eq!(
        maildir_files(&mail)
            .iter()
            .filter(|f| f.starts_with("INBOX/"))
            .count(),
        4
    );

    let drafts = curl(
        &user,
        &[],
        &format!("imaps://127.0.0.1:{}/Drafts;UID=1", server.port("imaps")),
    );
    assert!(drafts.contains("written offline"), "{drafts}");

    let last = mbsync(&config);
    assert!(
        transfers(&last).is_empty(),
        "nothing to do after a full sync: {last:?}"
    );
}

/// A member's mbsync (isync) finds a shared mailbox's INBOX under `Shared Folders/` (RFC 2342
/// namespaces, no configuration beyond `Patterns *`), syncs its mail, and a message read
/// locally is read for that member only: another member still sees it unread (curl).
#[test]
fn mbsync_syncs_a_shared_folder_and_its_reads_stay_the_members() {
    let server = TestServer::start("");
    let (ann, ben, sales) = (
        format!("ann@{DOMAIN}"),
        format!("ben@{DOMAIN}"),
        format!("sales@{DOMAIN}"),
    );
    server.add_user(&ann);
    server.add_user(&ben);
    server.admin_ok(
        &["shared", "add", &sales, "--member", &ann, "--member", &ben],
        "",
    );
    deliver(&server, &sales, "for the team");
    let dir = tempfile::tempdir().unwrap();
    let config = mbsync_config(&server, &ann, dir.path());
    let mail = dir.path().join("mail");
    mbsync(&config);
    let folder = format!("Shared Folders/{sales}/INBOX/");
    let files = maildir_files(&mail);
    let shared: Vec<&String> = files.iter().filter(|f| f.starts_with(&folder)).collect();
    assert_eq!(shared.len(), 1, "{files:?}");

    // Read locally, synced: mbsync stores \Seen in the shared folder.
    let file = mail.join(shared[0]);
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    let cur = mail.join(&folder).join("cur");
    std::fs::create_dir_all(&cur).unwrap();
    let read = match name.contains(":2,") {
        true => format!("{}S", name.trim_end_matches('S')),
        false => format!("{name}:2,S"),
    };
    std::fs::rename(&file, cur.join(read)).unwrap();
    let sync = mbsync(&config);
    assert!(
        sync.iter()
            .any(|c| c.contains("STORE") && c.contains("\\Seen")),
        "{sync:?}"
    );

    let url = format!(
        "imaps://127.0.0.1:{}/Shared%20Folders/{}/INBOX",
        server.port("imaps"),
        sales.replace('@', "%40")
    );
    let flags = |user: &str| curl(user, &["-X", "FETCH 1 (FLAGS)"], &url);
    assert!(flags(&ann).contains("\\Seen"), "{}", flags(&ann));
    let bens = flags(&ben);
    assert!(
        bens.contains("FLAGS (") && !bens.contains("\\Seen"),
        "{bens}"
    );
}
