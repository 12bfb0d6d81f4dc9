use super::*;
use crate::command::fetch::Part;

fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap()
}

fn base(mailbox: &str, uidvalidity: u32) -> Option<Base<'_>> {
    Some(Base {
        mailbox,
        uidvalidity: NonZeroU32::new(uidvalidity),
    })
}

fn parse(url: &str) -> Result<MessagePartUrl, UrlError> {
    parse_message_url(url, base("Drafts", 77))
}

#[test]
fn absolute_path_forms() {
    // RFC 4469 §4's example URLs.
    let u = parse("/Drafts;UIDVALIDITY=385759045/;UID=20/;section=HEADER").unwrap();
    assert_eq!(u.authority, None);
    assert_eq!(u.mailbox, "Drafts");
    assert_eq!(u.uidvalidity, Some(nz(385_759_045)));
    assert_eq!(u.uid, nz(20));
    assert_eq!(u.section, Some(Section::Header(None)));
    assert_eq!(u.partial, None);
    let u = parse("/Drafts;UIDVALIDITY=385759045/;UID=20/;section=1.MIME").unwrap();
    assert_eq!(
        u.section,
        Some(Section::Mime(Part::new(vec![nz(1)]).unwrap()))
    );
    // No UIDVALIDITY, no section: the whole message.
    let u = parse("/INBOX/;UID=3").unwrap();
    assert_eq!(
        (u.mailbox.as_str(), u.uidvalidity, u.uid),
        ("INBOX", None, nz(3))
    );
    assert_eq!(u.section, None);
    // Hierarchy, %-encoded UTF-8, case-insensitive parameters, partial.
    let u =
        parse("/Work/Caf%C3%A9%20Bar;uidvalidity=9/;uid=4/;Section=2.TEXT/;partial=10.5").unwrap();
    assert_eq!(u.mailbox, "Work/Café Bar");
    assert_eq!(u.uidvalidity, Some(nz(9)));
    assert_eq!(u.section, Some(Section::Text(Part::new(vec![nz(2)]))));
    assert_eq!(
        u.partial,
        Some(UrlPartial {
            offset: 10,
            length: Some(nz(5))
        })
    );
    let u = parse("/INBOX/;UID=3/;PARTIAL=100").unwrap();
    assert_eq!(
        u.partial,
        Some(UrlPartial {
            offset: 100,
            length: None
        })
    );
    // HEADER.FIELDS with its list %-encoded.
    let u = parse("/INBOX/;UID=3/;SECTION=HEADER.FIELDS%20(Subject%20From)").unwrap();
    assert_eq!(
        u.section,
        Some(Section::HeaderFields {
            part: None,
            fields: vec!["Subject".into(), "From".into()],
            not: false
        })
    );
}

#[test]
fn absolute_urls_keep_their_server() {
    let u = parse("imap://joe@mail.example.test/INBOX;UIDVALIDITY=5/;UID=1").unwrap();
    let a = u.authority.unwrap();
    assert_eq!(a.user.as_deref(), Some("joe"));
    assert_eq!(a.host, "mail.example.test");
    assert_eq!(a.port, None);
    assert_eq!(u.mailbox, "INBOX");
    let u = parse("IMAP://a%40b.example;AUTH=*@[::1]:143/x/;UID=2").unwrap();
    let a = u.authority.unwrap();
    assert_eq!(a.user.as_deref(), Some("a@b.example"));
    assert_eq!(a.auth.as_deref(), Some("*"));
    assert_eq!((a.host.as_str(), a.port), ("[::1]", Some(143)));
    // A network-path reference has a server too.
    let u = parse("//other.example/INBOX/;UID=1").unwrap();
    assert_eq!(u.authority.unwrap().host, "other.example");
}

#[test]
fn relative_urls_resolve_against_the_selected_mailbox() {
    // `;UID=` names a message of the selected mailbox, with its UIDVALIDITY.
    let u = parse(";UID=20/;SECTION=1").unwrap();
    assert_eq!(u.mailbox, "Drafts");
    assert_eq!(u.uidvalidity, Some(nz(77)));
    assert_eq!(u.uid, nz(20));
    assert_eq!(
        u.section,
        Some(Section::Part(Part::new(vec![nz(1)]).unwrap()))
    );
    // A relative path is below the selected mailbox; `..` climbs (RFC 3986 §5.2.4).
    let u = parse("Sub;UIDVALIDITY=3/;UID=2").unwrap();
    assert_eq!(
        (u.mailbox.as_str(), u.uidvalidity),
        ("Drafts/Sub", Some(nz(3)))
    );
    let u = parse_message_url("../Other/;UID=2", base("A/B", 1)).unwrap();
    assert_eq!((u.mailbox.as_str(), u.uidvalidity), ("A/Other", None));
    let u = parse_message_url("./;UID=2", base("Caf\u{e9};x", 1)).unwrap();
    assert_eq!(u.mailbox, "Caf\u{e9};x");
    // Without a selected mailbox there is nothing to resolve against.
    assert_eq!(parse_message_url(";UID=1", None), Err(UrlError::NoBase));
    assert_eq!(
        parse_message_url("INBOX/;UID=1", None),
        Err(UrlError::NoBase)
    );
    assert!(parse_message_url("/INBOX/;UID=1", None).is_ok());
}

#[test]
fn urls_that_name_no_message_part() {
    for (url, error) in [
        ("http://example.com/x", UrlError::NotImap),
        ("mailto:a@b", UrlError::NotImap),
        ("/INBOX", UrlError::NotAMessage),
        ("/INBOX;UIDVALIDITY=3", UrlError::NotAMessage),
        ("/INBOX?SUBJECT%20x", UrlError::NotAMessage),
        ("imap://host", UrlError::NotAMessage),
        ("imap://host/", UrlError::NotAMessage),
        (";SECTION=1", UrlError::NotAMessage),
        (";PARTIAL=1.2", UrlError::NotAMessage),
        (
            "imap://joe@host/INBOX/;UID=1;URLAUTH=anonymous:internal:0123456789abcdef0123456789abcdef",
            UrlError::Urlauth,
        ),
    ] {
        assert_eq!(parse(url), Err(error), "{url}");
    }
    for url in [
        "",
        "/INBOX/;UID=0",
        "/INBOX/;UID=x",
        "/INBOX/;UID=4294967296",
        "/INBOX;UIDVALIDITY=0/;UID=1",
        "/INBOX;FOO=1/;UID=1",
        "/;UID=1",
        "/INBOX/;UID=1/;SECTION=",
        "/INBOX/;UID=1/;SECTION=1..2",
        "/INBOX/;UID=1/;SECTION=BOGUS",
        "/INBOX/;UID=1/;PARTIAL=a",
        "/INBOX/;UID=1/;PARTIAL=1.0",
        "/INBOX/;UID=1/;FOO=1",
        "/IN BOX/;UID=1",
        "/INB%ZZOX/;UID=1",
        "/INB%FFOX/;UID=1",
        "/INBOX/;UID=1#frag",
        "imap:/INBOX/;UID=1",
        "imap://@host/INBOX/;UID=1",
        "imap://host:99999/INBOX/;UID=1",
        "imap://[::1/INBOX/;UID=1",
        "/Caf\u{e9}/;UID=1",
    ] {
        assert!(
            matches!(parse(url), Err(UrlError::Syntax(_))),
            "{url:?}: {:?}",
            parse(url)
        );
    }
}

#[test]
fn mailbox_names_encode_and_decode() {
    let name = "Work/Caf\u{e9} 100%;[x]";
    let enc = encode_mailbox(name);
    assert_eq!(enc, "Work/Caf%C3%A9%20100%25%3B%5Bx%5D");
    let u = parse(&format!("/{enc}/;UID=1")).unwrap();
    assert_eq!(u.mailbox, name);
}
