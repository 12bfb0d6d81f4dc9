//! Response-by-response checks found by running Dovecot's imaptest scripts against Kantor: each
//! test pins one RFC rule a compliance suite exercises.

mod common;
use common::*;

const PLAINTEXT: &str = "[imap]\nallow_plaintext_auth = true\n";

fn login() -> (TestServer, ImapClient) {
    let server = TestServer::start(PLAINTEXT);
    let user = format!("compliance@{DOMAIN}");
    server.add_user(&user);
    let imap = ImapClient::login(server.addr("imap"), &user);
    (server, imap)
}

/// RFC 3501 §6.3.9: with `%`, a subscribed `a/b/c` under an unsubscribed `a/b` makes LSUB
/// return `a/b` flagged \Noselect, and not `a/b/c` itself.
#[test]
fn lsub_percent_returns_unsubscribed_parent_as_noselect() {
    let (_server, mut imap) = login();
    imap.ok("CREATE top/mid/leaf");
    imap.ok("UNSUBSCRIBE top");
    imap.ok("UNSUBSCRIBE top/mid");
    imap.ok("SUBSCRIBE top/mid/leaf");
    let lsub = imap.ok("LSUB \"\" top/%");
    assert_eq!(lsub.len(), 2, "{lsub:?}");
    assert_eq!(lsub[0], "* LSUB (\\Noselect) \"/\" top/mid\r\n", "{lsub:?}");
    let all = imap.ok("LSUB \"\" top/*");
    assert_eq!(all.len(), 3, "{all:?}");
    assert_eq!(all[0], "* LSUB (\\Noselect) \"/\" top/mid\r\n", "{all:?}");
    assert_eq!(all[1], "* LSUB () \"/\" top/mid/leaf\r\n", "{all:?}");
    imap.ok("SUBSCRIBE top/mid");
    let subscribed = imap.ok("LSUB \"\" top/%");
    assert_eq!(
        subscribed[0], "* LSUB () \"/\" top/mid\r\n",
        "{subscribed:?}"
    );
}

/// RFC 9051 §6.4.5: BODY[1.TEXT] of a message/rfc822 part holding a multipart is everything after
/// the inner header, the multipart's epilogue included.
#[test]
fn encapsulated_multipart_text_includes_epilogue() {
    let (_server, mut imap) = login();
    let message = b"From: a@example.org\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\nContent-Type: multipart/digest; boundary=\"foo\"\r\n\r\nprologue\r\n--foo\r\n\r\nSubject: m1\r\n\r\nm1 body\r\n--foo--\r\n\r\nepilogue\r\n";
    let done = imap.append("INBOX", "", message);
    assert_eq!(tagged_status(&done), "OK", "{done:?}");
    imap.ok("SELECT INBOX");
    let text =
        b"prologue\r\n--foo\r\n\r\nSubject: m1\r\n\r\nm1 body\r\n--foo--\r\n\r\nepilogue\r\n";
    let fetch = imap.ok("FETCH 1 BODY.PEEK[1.TEXT]");
    let expected = format!(
        "* 1 FETCH (BODY[1.TEXT] {{{}}}\r\n{})\r\n",
        text.len(),
        String::from_utf8_lossy(text)
    );
    assert_eq!(fetch[0], expected, "{fetch:?}");
}

/// RFC 4731 §3.2: with RETURN (MIN) or (MAX) alone, the MODSEQ is that of the returned message;
/// with ALL it is the highest of all found.
#[test]
fn esearch_modseq_follows_min_and_max() {
    let (_server, mut imap) = login();
    for body in ["a", "b", "c"] {
        let message = format!("Subject: {body}\r\n\r\n{body}\r\n");
        let done = imap.append("INBOX", "", message.as_bytes());
        assert_eq!(tagged_status(&done), "OK", "{done:?}");
    }
    imap.ok("ENABLE CONDSTORE");
    imap.ok("SELECT INBOX");
    let modseq = |line: &str| -> u64 {
        let at = line.find("MODSEQ (").expect("MODSEQ") + 8;
        line[at..].split(')').next().unwrap().parse().unwrap()
    };
    let m1 = modseq(&imap.ok("STORE 1 +FLAGS \\Seen")[0]);
    let m3 = modseq(&imap.ok("STORE 3 +FLAGS \\Seen")[0]);
    let m2 = modseq(&imap.ok("STORE 2 +FLAGS \\Seen")[0]);
    assert!(m1 < m3 && m3 < m2);
    let min = imap.ok("SEARCH RETURN (MIN) 1:3 MODSEQ 1");
    assert!(
        min[0].ends_with(&format!(" MIN 1 MODSEQ {m1}\r\n")),
        "{min:?}"
    );
    let max = imap.ok("SEARCH RETURN (MAX) 1:3 MODSEQ 1");
    assert!(
        max[0].ends_with(&format!(" MAX 3 MODSEQ {m3}\r\n")),
        "{max:?}"
    );
    let all = imap.ok("SEARCH RETURN (ALL) 1:3 MODSEQ 1");
    assert!(
        all[0].ends_with(&format!(" ALL 1:3 MODSEQ {m2}\r\n")),
        "{all:?}"
    );
}
