"""Sending for others ("Send As", "Send on Behalf"; RFC 5322 §3.6.2, RFC 6409 §8.1) driven by
Python's smtplib over the submission port (STARTTLS, AUTH), the delivered messages and the
grantor's Sent copies read back with imaplib.

Run by tests/send_as.rs, which sets up with `kantor admin`:
- BOSS, copying what others send for it to its Sent (`send-rights copy-to-sent`);
- DAN may send as BOSS; ANN on behalf of BOSS and of the group SALES; EVE has no right;
- GUS is a member of the group HELPERS, which may send as BOSS;
- JO is a user of an IDN domain (bücher.test), RCPT receives;
- KIM starts with no right: BOSS grants it over IMAP ACL (`0`, `1` on the INBOX).
Environment: KANTOR_SUBMISSION, KANTOR_IMAPS, KANTOR_PASSWORD, KANTOR_DOMAIN and the users'
addresses; prints 'N passed, N failed'.
"""
import email
import imaplib
import os
import smtplib
import time

import harness
from harness import CTX, HOST

SUB, IMAPS = int(os.environ["KANTOR_SUBMISSION"]), int(os.environ["KANTOR_IMAPS"])
PASSWORD = os.environ["KANTOR_PASSWORD"]
BOSS, DAN, ANN, EVE, GUS, JO, RCPT, SALES, KIM = (
    os.environ[k] for k in ("BOSS", "DAN", "ANN", "EVE", "GUS", "JO", "RCPT", "SALES", "KIM")
)
imaplib.Commands.setdefault("LISTRIGHTS", ("AUTH", "SELECTED"))


def submit(user, header, mail_from=None, subject=None):
    """Sends a message from `user` (logged in) to RCPT; `header` holds the author fields.
    Returns the subject, unique per call."""
    subject = subject or f"s{time.monotonic_ns()}"
    message = f"{header}To: {RCPT}\r\nSubject: {subject}\r\n\r\nbody of {subject}\r\n"
    with smtplib.SMTP(HOST, SUB, timeout=30) as s:
        s.starttls(context=CTX)
        s.login(user, PASSWORD)
        s.sendmail(mail_from or user, [RCPT], message.encode())
    return subject


def refused(user, header, mail_from=None):
    """The (code, text) a message from `user` is refused with at the end of DATA."""
    try:
        submit(user, header, mail_from)
    except smtplib.SMTPDataError as e:
        return e.smtp_code, e.smtp_error.decode()
    raise AssertionError(f"accepted: {header!r}")


def fetch(user, mailbox, subject):
    """The message of `user`'s `mailbox` with `subject` (parsed), or None."""
    imap = imaplib.IMAP4_SSL(HOST, IMAPS, ssl_context=CTX, timeout=30)
    try:
        imap.login(user, PASSWORD)
        typ, _ = imap.select(mailbox, readonly=True)
        assert typ == "OK", mailbox
        typ, data = imap.uid("SEARCH", "HEADER", "Subject", subject)
        uids = data[0].split()
        if not uids:
            return None
        typ, data = imap.uid("FETCH", uids[-1], "(FLAGS BODY.PEEK[])")
        flags = data[0][0].decode()
        message = email.message_from_bytes(data[0][1])
        message["X-Test-Flags"] = flags
        return message
    finally:
        imap.logout()


def test_send_as_allowed_and_delivered_as_sent():
    subject = submit(DAN, f"From: The Boss <{BOSS}>\r\n", mail_from=BOSS)
    got = fetch(RCPT, "INBOX", subject)
    assert got is not None
    assert got["From"] == f"The Boss <{BOSS}>", got["From"]
    assert got["Sender"] is None, "nothing says who sent it"
    assert got["Return-Path"] == f"<{BOSS}>", got["Return-Path"]


def test_send_as_refused_without_the_right():
    code, text = refused(EVE, f"From: {BOSS}\r\n")
    assert code == 550 and text.startswith("5.7.1") and BOSS in text, (code, text)
    try:
        submit(EVE, f"From: {EVE}\r\n", mail_from=BOSS)
        raise AssertionError("MAIL FROM accepted")
    except smtplib.SMTPSenderRefused as e:
        assert e.smtp_code == 553 and BOSS in e.smtp_error.decode(), e


def test_on_behalf_with_own_sender():
    subject = submit(ANN, f"From: {BOSS}\r\nSender: Ann <{ANN}>\r\n")
    got = fetch(RCPT, "INBOX", subject)
    assert got["From"] == BOSS and got["Sender"] == f"Ann <{ANN}>", (got["From"], got["Sender"])


def test_on_behalf_refused_without_sender_or_with_another():
    code, text = refused(ANN, f"From: {BOSS}\r\n")
    assert code == 550 and "on behalf of" in text and BOSS in text, text
    code, text = refused(ANN, f"From: {BOSS}\r\nSender: {DAN}\r\n")
    assert code == 550 and DAN in text and text.startswith("5.7.1 Sender"), text
    # A Sender is one address (RFC 5322 §3.6.2).
    code, text = refused(ANN, f"From: {BOSS}\r\nSender: {ANN}, {ANN}\r\n")
    assert code == 550 and "single" in text, text
    # Without any right, a Sender of one's own does not help.
    code, text = refused(EVE, f"From: {BOSS}\r\nSender: {EVE}\r\n")
    assert code == 550 and BOSS in text, text


def test_send_as_through_a_group_grantee_and_for_a_group_grantor():
    subject = submit(GUS, f"From: {BOSS}\r\n", mail_from=BOSS)
    assert fetch(RCPT, "INBOX", subject)["From"] == BOSS
    subject = submit(ANN, f"From: Sales <{SALES}>\r\nSender: {ANN}\r\n", mail_from=SALES)
    assert fetch(RCPT, "INBOX", subject)["Sender"] == ANN
    code, text = refused(ANN, f"From: {SALES}\r\n")
    assert code == 550 and SALES in text, text


def test_resent_from_is_checked():
    code, text = refused(EVE, f"From: {EVE}\r\nResent-From: {BOSS}\r\n")
    assert code == 550 and "Resent-From" in text and BOSS in text, text
    code, text = refused(ANN, f"From: {ANN}\r\nResent-From: {BOSS}\r\n")
    assert code == 550 and "Resent-Sender" in text, text
    subject = submit(ANN, f"From: {ANN}\r\nResent-From: {BOSS}\r\nResent-Sender: {ANN}\r\n")
    got = fetch(RCPT, "INBOX", subject)
    assert got["Resent-From"] == BOSS and got["Resent-Sender"] == ANN


def test_several_from_addresses_need_a_sender():
    code, text = refused(DAN, f"From: {DAN}, {BOSS}\r\n")
    assert code == 550 and "needs a Sender" in text, text
    subject = submit(DAN, f"From: {DAN}, {BOSS}\r\nSender: {DAN}\r\n")
    assert fetch(RCPT, "INBOX", subject)["Sender"] == DAN
    # Two From fields are read as one list: the second one is checked too.
    code, text = refused(EVE, f"From: {EVE}\r\nFrom: {BOSS}\r\nSender: {EVE}\r\n")
    assert code == 550 and BOSS in text, text


def test_group_syntax_case_and_idn():
    local, domain = BOSS.split("@")
    header = f"From: Boss Team: {local.upper()}@{domain.upper()};\r\n"
    subject = submit(DAN, header, mail_from=BOSS)
    assert fetch(RCPT, "INBOX", subject) is not None
    code, text = refused(DAN, "From: undisclosed-recipients:;\r\n")
    assert code == 550 and "holds no address" in text, text
    # JO's own address, written in its ASCII (punycode) form.
    jo_local, jo_domain = JO.split("@")
    ascii_jo = f"{jo_local}@{jo_domain.encode('idna').decode()}"
    subject = submit(ascii_jo, f"From: Jo <{ascii_jo}>\r\n", mail_from=ascii_jo)
    assert fetch(RCPT, "INBOX", subject) is not None
    code, text = refused(ascii_jo, f"From: {BOSS}\r\n", mail_from=ascii_jo)
    assert code == 550, text


def test_sent_copy_in_the_grantors_sent():
    subject = submit(DAN, f"From: {BOSS}\r\n", mail_from=BOSS)
    copy = fetch(BOSS, "Sent", subject)
    assert copy is not None, "no copy in the grantor's Sent"
    assert copy["From"] == BOSS and "\\Seen" in copy["X-Test-Flags"], copy["X-Test-Flags"]
    assert copy["Received"] is None, "the copy is the message as submitted"
    subject = submit(ANN, f"From: {BOSS}\r\nSender: {ANN}\r\n")
    assert fetch(BOSS, "Sent", subject)["Sender"] == ANN
    # SALES is a group: no mailbox, no copy; the sender's own Sent is the client's business.
    subject = submit(DAN, f"From: {DAN}\r\n")
    assert fetch(BOSS, "Sent", subject) is None
    assert fetch(DAN, "Sent", subject) is None


def imap_login(user):
    imap = imaplib.IMAP4_SSL(HOST, IMAPS, ssl_context=CTX, timeout=30)
    imap.login(user, PASSWORD)
    return imap


def acl_of(imap, mailbox, who):
    """The rights string GETACL gives `who` on `mailbox`, or None."""
    typ, data = imap.getacl(mailbox)
    assert typ == "OK", data
    words = b" ".join(data).decode().split()
    pairs = dict(zip(words[1::2], words[2::2]))
    return pairs.get(who)


def test_user_grants_sending_over_imap_acl():
    """The owner grants on behalf (`0`) and as (`1`) with SETACL on the INBOX (RFC 4314 §2.1
    leaves digits to the server); submission honours it at once, a delegate with `a` cannot
    pass it on, DELETEACL takes it back."""
    code, _ = refused(KIM, f"From: {BOSS}\r\nSender: {KIM}\r\n")
    assert code == 550
    boss = imap_login(BOSS)
    try:
        typ, data = boss._simple_command("LISTRIGHTS", "INBOX", KIM)
        assert typ == "OK", data
        listed = boss._untagged_response(typ, data, "LISTRIGHTS")[1][0].decode()
        assert listed.endswith(" 0 1"), listed
        typ, data = boss.setacl("INBOX", KIM, "0")
        assert typ == "OK", data
        assert acl_of(boss, "INBOX", KIM) == "0"
        subject = submit(KIM, f"From: {BOSS}\r\nSender: {KIM}\r\n")
        assert fetch(RCPT, "INBOX", subject)["Sender"] == KIM
        code, text = refused(KIM, f"From: {BOSS}\r\n")
        assert code == 550 and "on behalf of" in text, text

        # Send As, and a delegate who administers the INBOX may not pass sending on.
        typ, data = boss.setacl("INBOX", KIM, "lra1")
        assert typ == "OK", data
        assert acl_of(boss, "INBOX", KIM) == "lra1"
        subject = submit(KIM, f"From: {BOSS}\r\n", mail_from=BOSS)
        assert fetch(RCPT, "INBOX", subject)["From"] == BOSS
        kim = imap_login(KIM)
        try:
            theirs = f'"Other Users/{BOSS}/INBOX"'
            typ, data = kim.myrights(theirs)
            assert typ == "OK" and data[0].decode().endswith(" lra1"), data
            typ, data = kim.setacl(theirs, EVE, "lr0")
            assert typ == "NO" and b"NOPERM" in data[0], data
            typ, data = kim.setacl(theirs, EVE, "lr")
            assert typ == "OK", data
        finally:
            kim.logout()
        code, _ = refused(EVE, f"From: {BOSS}\r\nSender: {EVE}\r\n")
        assert code == 550
        typ, data = boss.setacl("Sent", KIM, "0")
        assert typ == "NO" and b"INBOX" in data[0], data

        typ, data = boss.deleteacl("INBOX", KIM)
        assert typ == "OK", data
        assert acl_of(boss, "INBOX", KIM) is None
        code, text = refused(KIM, f"From: {BOSS}\r\nSender: {KIM}\r\n")
        assert code == 550 and BOSS in text, text
        boss.deleteacl("INBOX", EVE)
    finally:
        boss.logout()


harness.run(globals())
