//! A small corpus stored through a real [`Store`] in a temporary directory: twelve messages
//! with plain, multipart, nested message/rfc822, encoded-word, quoted-printable, base64,
//! group-syntax, header-only, unparsable and unknown-encoding content, and replies with
//! References for threading. Message `n` has UID `n`, sequence number `n` and the internal
//! date 2024-01-`n` 01:00:00 UTC.

#![allow(dead_code)]

use kantor_imap_message::Message;
use kantor_imap_message::fetch::{MetaNeed, StoredMeta, read_metas};
use kantor_imap_message::search::SearchContext;
use kantor_store::*;

/// RFC 9051 §6.3.12's APPEND example.
pub const M1: &str = "Date: Mon, 7 Feb 1994 21:52:25 -0800 (PST)\r\n\
From: Fred Foobar <foobar@Blurdybloop.example>\r\n\
Subject: afternoon meeting\r\n\
To: mooch@owatagu.siam.edu.example\r\n\
Message-Id: <B27397-0100000@Blurdybloop.example>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n\
\r\n\
Hello Joe, do you think we can meet at 3:30 tomorrow?\r\n";

/// multipart/mixed: quoted-printable UTF-8 text and a base64 PDF attachment.
pub const M2: &str = "Date: Tue, 02 Jan 2024 10:00:00 +0000\r\n\
From: \"Doe, Jane\" <jane@example.com>\r\n\
Sender: secretary@example.com\r\n\
Reply-To: replies@example.com\r\n\
To: Bob <bob@example.org>, carol@example.org\r\n\
Cc: Dave <dave@example.net>\r\n\
Subject: Quarterly report\r\n\
Message-ID: <report-1@example.com>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"mix\"\r\n\
\r\n\
This is a multi-part message in MIME format.\r\n\
--mix\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Content-Transfer-Encoding: quoted-printable\r\n\
\r\n\
Hi Bob,\r\n\
the report is attached. Caf=C3=A9 at noon?\r\n\
--mix\r\n\
Content-Type: application/pdf; name=\"report.pdf\"\r\n\
Content-Disposition: attachment; filename=\"report.pdf\"\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
JVBERi0xLjQKJcfs\r\n\
--mix--\r\n";

/// A forward: text, an attached message (multipart/alternative inside), an inline image.
pub const M3: &str = "Date: Wed, 03 Jan 2024 09:30:00 +0100\r\n\
From: Alice <alice@example.com>\r\n\
To: bob@example.org\r\n\
Subject: Fwd: Lunch\r\n\
Message-ID: <fwd-lunch@example.com>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=outer\r\n\
\r\n\
--outer\r\n\
Content-Type: text/plain\r\n\
\r\n\
See the forwarded message.\r\n\
--outer\r\n\
Content-Type: message/rfc822\r\n\
Content-Description: forwarded message\r\n\
\r\n\
From: Carol <carol@example.org>\r\n\
To: alice@example.com\r\n\
Subject: Lunch\r\n\
Date: Tue, 02 Jan 2024 12:00:00 +0000\r\n\
Message-ID: <lunch@example.org>\r\n\
Content-Type: multipart/alternative; boundary=\"alt\"\r\n\
\r\n\
--alt\r\n\
Content-Type: text/plain; charset=us-ascii\r\n\
\r\n\
Lunch at noon?\r\n\
--alt\r\n\
Content-Type: text/html; charset=us-ascii\r\n\
\r\n\
<p>Lunch at <b>noon</b>?</p>\r\n\
--alt--\r\n\
\r\n\
--outer\r\n\
Content-Type: image/png\r\n\
Content-Transfer-Encoding: base64\r\n\
Content-ID: <logo@example.com>\r\n\
Content-Disposition: inline\r\n\
\r\n\
iVBORw0KGgo=\r\n\
--outer--\r\n";

/// Encoded-words in From, To and Subject; a base64 UTF-8 body; sent on 4 Jan in its own zone,
/// 5 Jan in UTC.
pub const M4: &str = "Date: Thu, 04 Jan 2024 23:30:00 -0500\r\n\
From: =?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be.example>\r\n\
To: =?utf-8?b?SsO2cmc=?= <joerg@example.de>\r\n\
Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=\r\n\
Message-ID: <koeln@example.de>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
SGFsbG8gYXVzIEvDtmxuIQ0KQmlzIGJhbGQuDQo=\r\n";

/// A reply to M1.
pub const M5: &str = "Date: Tue, 8 Feb 1994 08:00:00 -0800\r\n\
From: mooch@owatagu.siam.edu.example\r\n\
To: Fred Foobar <foobar@Blurdybloop.example>\r\n\
Subject: Re: afternoon meeting\r\n\
Message-ID: <reply-1@owatagu.siam.edu.example>\r\n\
In-Reply-To: <B27397-0100000@Blurdybloop.example>\r\n\
References: <B27397-0100000@Blurdybloop.example>\r\n\
\r\n\
3:30 works for me.\r\n";

/// A reply to M5, with a folded References field.
pub const M6: &str = "Date: Tue, 8 Feb 1994 09:15:00 -0800\r\n\
From: Fred Foobar <foobar@Blurdybloop.example>\r\n\
To: mooch@owatagu.siam.edu.example\r\n\
Subject: Re: Re: afternoon meeting\r\n\
Message-ID: <reply-2@Blurdybloop.example>\r\n\
In-Reply-To: <reply-1@owatagu.siam.edu.example>\r\n\
References: <B27397-0100000@Blurdybloop.example>\r\n\
\x20<reply-1@owatagu.siam.edu.example>\r\n\
\r\n\
See you then.\r\n";

/// Groups, no Date, no Message-ID; a forwarded subject.
pub const M7: &str = "From: Status Bot <bot@example.com>\r\n\
To: undisclosed-recipients:;\r\n\
Bcc: Team: ann@example.com, \"Ben B.\" <ben@example.com>;\r\n\
Subject: [list] Fwd: Status (fwd)\r\n\
X-Priority: 1\r\n\
\r\n\
Status is green.\r\n";

/// A header and nothing else: no blank line, no body.
pub const M8: &str = "From: nobody@example.com\r\n\
Subject: Status\r\n\
Date: Sat, 06 Jan 2024 08:00:00 +0000\r\n\
Message-ID: <status@example.com>\r\n";

/// Not a message at all.
pub const M9: &[u8] = b"\x00\xff\xfe garbage without a header\r\n\x01\x02";

/// A part in an encoding BINARY cannot undo.
pub const M10: &str = "From: uu@example.com\r\n\
Subject: uuencoded\r\n\
Date: Wed, 10 Jan 2024 09:00:00 +0000\r\n\
Content-Type: application/octet-stream\r\n\
Content-Transfer-Encoding: x-uuencode\r\n\
\r\n\
begin 644 x\r\n\
end\r\n";

/// Two replies to a message that is not in the mailbox.
pub const M11: &str = "From: Erin <erin@example.com>\r\n\
To: list@example.com\r\n\
Subject: Re: Party planning\r\n\
Date: Thu, 11 Jan 2024 10:00:00 +0000\r\n\
Message-ID: <party-2@example.com>\r\n\
References: <party-1@example.com>\r\n\
\r\n\
I bring cake.\r\n";

pub const M12: &str = "From: Frank <frank@example.com>\r\n\
To: list@example.com\r\n\
Subject: Re: Party planning\r\n\
Date: Wed, 10 Jan 2024 10:00:00 +0000\r\n\
Message-ID: <party-3@example.com>\r\n\
In-Reply-To: <party-1@example.com> (Erin's message)\r\n\
\r\n\
I bring drinks.\r\n";

/// Messages that make the header code work: encoded words (Q and B, adjacent, in names and
/// subjects), missing and repeated fields, groups, comments, odd and missing dates, long and
/// quoted References, reply and forward markers, 8-bit headers.
pub const ODD: [&[u8]; 12] = [
    b"From: =?utf-8?q?J=C3=B6rg?= <joerg@example.com>, Ann <ann@x.test>\r\n\
To: undisclosed-recipients:;\r\nSubject: =?utf-8?b?R3LDvMOfZQ==?= =?utf-8?q?_aus_K=C3=B6ln?=\r\n\
Date: 31 Feb 2024 10:00:00 +0000\r\nMessage-ID: <\"quoted id\"@x.test>\r\n\r\nbody\r\n",
    b"From: <user (comment)@ domain.org>\r\nSubject: [list] Re: Fwd: Plan (fwd)\r\n\
Date: Mon, 2 Feb 99 10:00:00 EST\r\nReferences: <\"quoted id\"@x.test> (a comment <c@d>)\r\n\r\nx\r\n",
    b"Subject: no from, no date\r\nCc: Team: a@x.test, b@x.test;, solo@y.test\r\nBcc: hidden@z.test\r\n\r\nx\r\n",
    b"From: first@x.test\r\nFrom: second@x.test\r\nSubject: Re: =?iso-8859-1?q?caf=E9?=\r\n\
Date: 1 Jan 2020 23:30 +0200\r\nIn-Reply-To: <a@x.test> <b@x.test>\r\n\r\nx\r\n",
    b"From: \"Doe, Jane\" <jane@example.com>\r\nSender: sec@example.com\r\nReply-To: r@example.com\r\n\
To: Bob <bob@example.org>,\r\n carol@example.org\r\nSubject:\r\n\
Date: Tue, 02 Jan 2024 10:00:00 +0000\r\nMessage-ID: <m5@x.test>\r\n\r\nx\r\n",
    b"From: Caf\xc3\xa9 Owner <owner@caf\xc3\xa9.test>\r\nSubject: Gr\xc3\xbc\xc3\x9fe\r\nDate: not a date\r\n\r\nx\r\n",
    b"Subject: [fwd: Re: hello]\r\nMessage-ID: <m7@x.test>\r\nReferences: <m5@x.test>\r\n\r\n",
    b"Subject: RE: hello\r\nMessage-ID: <m8@x.test>\r\nReferences: <m7@x.test> <m5@x.test>\r\n\r\nx\r\n",
    b"\xff\xfe not a message at all",
    b"From: a@b.test\r\nSubject: Re: hello\r\nMessage-ID: <m10@x.test>\r\nIn-Reply-To: <m7@x.test>\r\n\r\nx\r\n",
    b"From: Zed <zed@x.test>\r\nSubject: hello\r\nMessage-ID: <m7@x.test>\r\n\r\nduplicate id\r\n",
    b"From: =?utf-8?q?=00nul?= <nul@x.test>\r\nSubject: =?utf-8?q?a=00b?=\r\n\r\nx\r\n",
];

/// 2024-01-01 00:00:00 UTC.
pub const JAN_1_2024: i64 = 1_704_067_200;

pub fn raw(n: usize) -> &'static [u8] {
    match n {
        1 => M1.as_bytes(),
        2 => M2.as_bytes(),
        3 => M3.as_bytes(),
        4 => M4.as_bytes(),
        5 => M5.as_bytes(),
        6 => M6.as_bytes(),
        7 => M7.as_bytes(),
        8 => M8.as_bytes(),
        9 => M9,
        10 => M10.as_bytes(),
        11 => M11.as_bytes(),
        12 => M12.as_bytes(),
        _ => panic!("no message {n}"),
    }
}

/// The flags and keywords message `n` is stored with.
fn flags(n: usize) -> (Flags, Vec<String>) {
    match n {
        1 => (Flags::SEEN, vec![]),
        2 => (
            Flags::SEEN.with(Flags::FLAGGED),
            vec!["$Forwarded".to_string()],
        ),
        3 => (Flags::ANSWERED, vec![]),
        5 => (Flags::SEEN.with(Flags::ANSWERED), vec![]),
        7 => (Flags::DELETED.with(Flags::DRAFT), vec![]),
        11 => (Flags::default(), vec!["$Junk".to_string()]),
        _ => (Flags::default(), vec![]),
    }
}

pub struct Corpus {
    _dir: tempfile::TempDir,
    pub store: Mail,
    pub account: AccountId,
    pub inbox: MailboxId,
    pub summaries: Vec<MessageSummary>,
}

/// The corpus messages that are `\Recent` in the test view (one of them seen).
pub const RECENT: [usize; 3] = [2, 11, 12];

impl Corpus {
    /// The session's view: message `n` at sequence number `n`, `\Recent` for those in
    /// [`RECENT`].
    pub fn view(&self) -> Vec<Message<'_>> {
        (1..=self.summaries.len())
            .map(|n| self.message(n))
            .collect()
    }

    /// The metadata the store kept of message `n`, as much as `need` reads.
    pub fn meta(&self, n: usize, need: MetaNeed) -> StoredMeta {
        let id = self.summaries[n - 1].id;
        let mut metas = read_metas(&self.store, self.account, &[id], need).unwrap();
        metas.remove(0).expect("stored metadata")
    }

    pub fn message(&self, n: usize) -> Message<'_> {
        Message {
            seq: n as u32,
            summary: &self.summaries[n - 1],
            recent: RECENT.contains(&n),
        }
    }

    pub fn context<'a>(&'a self, view: &'a [Message<'a>], saved: &'a [Uid]) -> SearchContext<'a> {
        SearchContext {
            store: &self.store,
            mailbox_id: self.inbox,
            messages: view,
            saved,
            index: None,
        }
    }
}

/// Stores the twelve messages, one APPEND each (so each has its own MODSEQ).
pub async fn corpus() -> Corpus {
    let messages: Vec<Stored> = (1..=12).map(|n| (raw(n), flags(n))).collect();
    // With the keys kept at delivery, as the server stores mail (tests/stored_keys.rs compares
    // them with reading the messages).
    store_all(messages, true).await
}

/// A corpus of other messages, without flags, message `n` of the slice at sequence number
/// `n + 1`.
#[allow(dead_code)]
pub async fn corpus_of(messages: &[&'static [u8]]) -> Corpus {
    let messages = messages
        .iter()
        .map(|raw| (*raw, (Flags::default(), Vec::new())))
        .collect();
    store_all(messages, false).await
}

/// [`corpus_of`], each message given its search and sort keys as it is stored (`keys`), or
/// not.
#[allow(dead_code)]
pub async fn corpus_keyed(messages: &[&'static [u8]], keys: bool) -> Corpus {
    let messages = messages
        .iter()
        .map(|raw| (*raw, (Flags::default(), Vec::new())))
        .collect();
    store_all(messages, keys).await
}

/// A message to store, with its flags and keywords.
type Stored = (&'static [u8], (Flags, Vec<String>));

async fn store_all(messages: Vec<Stored>, keys: bool) -> Corpus {
    let dir = tempfile::tempdir().unwrap();
    let backend = SqliteBackend::open(dir.path(), StoreOptions::default()).unwrap();
    let backend = std::sync::Arc::new(backend);
    let (store, account, inbox) =
        kantor_store::testing::with_alice(Store::with_backend(backend.clone())).await;
    let count = messages.len();
    for (i, (raw, (flags, keywords))) in messages.into_iter().enumerate() {
        store
            .append(vec![NewMessage {
                account_id: account.id,
                mailbox_id: inbox,
                blob: BlobRef::new(raw.to_vec()),
                flags,
                keywords,
                internal_date: JAN_1_2024 + i as i64 * 86_400 + 3_600,
            }])
            .await
            .unwrap();
    }
    if !keys {
        // As if stored before the keys existed: readers read the messages.
        kantor_store::testing::forget_keys(&backend).await;
    }
    let summaries = store.messages(inbox).unwrap();
    assert_eq!(summaries.len(), count);
    Corpus {
        _dir: dir,
        store,
        account: account.id,
        inbox,
        summaries,
    }
}
