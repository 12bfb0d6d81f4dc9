"""Sieve at delivery, driven by clients nobody here wrote: scripts are uploaded with PyPI's
sievelib over ManageSieve (STARTTLS, AUTHENTICATE PLAIN), mail is sent with smtplib to port 25
and looked at with imaplib. Environment: KANTOR_SIEVE, KANTOR_SMTP, KANTOR_SUBMISSION, KANTOR_IMAPS, KANTOR_USER
(whose scripts run), KANTOR_USER2 and KANTOR_USER3 (other local users), KANTOR_PASSWORD."""
import email.utils
import imaplib
import os
import smtplib
import ssl
import time

from sievelib import managesieve

from harness import CTX, HOST, run

# The server's certificate is self-signed: trust it, as the other suites do (harness.CTX).
managesieve.ssllib.create_default_context = ssl._create_unverified_context

USER, USER2, USER3 = (os.environ[k] for k in ("KANTOR_USER", "KANTOR_USER2", "KANTOR_USER3"))
PASSWORD = os.environ["KANTOR_PASSWORD"]
LOCAL, DOMAIN = USER.split("@")


def sieve_client(user=USER):
    client = managesieve.Client(HOST, int(os.environ["KANTOR_SIEVE"]))
    assert client.connect(user, PASSWORD, starttls=True, authmech="PLAIN"), client.errmsg
    return client


def activate(name, script, user=USER):
    client = sieve_client(user)
    assert client.putscript(name, script), client.errmsg
    assert client.setactive(name), client.errmsg
    client.logout()


def send(mail_from, to, subject, body="hello\r\n", headers="", rcpt=None, login=False):
    """Over port 25 from another server, or with `login` over submission as `mail_from` (a
    local user: port 25 refuses unauthenticated mail from a local domain)."""
    date = email.utils.formatdate()
    message = f"From: <{mail_from or 'mailer-daemon@remote.example'}>\r\nTo: <{to}>\r\nSubject: {subject}\r\nDate: {date}\r\n{headers}\r\n{body}"
    port = os.environ["KANTOR_SUBMISSION" if login else "KANTOR_SMTP"]
    with smtplib.SMTP(HOST, int(port), timeout=30) as smtp:
        if login:
            smtp.starttls(context=CTX)
            smtp.login(mail_from, PASSWORD)
        smtp.sendmail(mail_from, rcpt if isinstance(rcpt, list) else [rcpt or to], message)


def imap(user=USER):
    conn = imaplib.IMAP4_SSL(HOST, int(os.environ["KANTOR_IMAPS"]), ssl_context=CTX)
    conn.login(user, PASSWORD)
    return conn


def found(mailbox, subject, user=USER):
    """(flags, header bytes) of each message in `mailbox` whose subject holds `subject`."""
    conn = imap(user)
    typ, _ = conn.select(f'"{mailbox}"', readonly=True)
    if typ != "OK":
        conn.logout()
        return []
    _, data = conn.uid("SEARCH", None, "SUBJECT", f'"{subject}"')
    out = []
    for uid in data[0].split():
        _, fetched = conn.uid("FETCH", uid, "(FLAGS BODY.PEEK[HEADER])")
        out.append((fetched[0][0].decode(), fetched[0][1]))
    conn.logout()
    return out


def wait_for(mailbox, subject, user=USER, count=1):
    deadline = time.time() + 10
    while time.time() < deadline:
        got = found(mailbox, subject, user)
        if len(got) >= count:
            return got
        time.sleep(0.2)
    return found(mailbox, subject, user)


RULES = f"""require ["fileinto", "imap4flags", "mailbox", "envelope", "subaddress", "body",
    "variables", "relational", "comparator-i;ascii-numeric", "copy", "editheader", "reject",
    "date"];
if envelope :detail "to" "lists" {{ fileinto :create "Lists"; stop; }}
if header :contains "subject" "invoice" {{ fileinto :create "Invoices"; stop; }}
if header :contains "subject" "nocreate" {{ fileinto "Missing"; stop; }}
if header :contains "subject" "copyme" {{ fileinto :copy :create "Copies"; }}
if header :value "ge" :comparator "i;ascii-numeric" "X-Priority" "5" {{ addflag "$low"; }}
if body :contains "urgent" {{ addflag "\\\\Flagged"; addflag "$urgent"; }}
if header :matches "subject" "tag *" {{ set "tag" "${{1}}"; addflag "t-${{tag}}"; }}
if header :contains "subject" "edit" {{ addheader "X-Sieved" "yes"; }}
if date :value "ge" "date" "year" "2000" {{ addflag "$recent-year"; }}
if header :contains "subject" "drop" {{ discard; stop; }}
if header :contains "subject" "refuse" {{ reject "not wanted here"; stop; }}
if header :contains "subject" "forward" {{ redirect "{USER2}"; stop; }}
if header :contains "subject" "outside" {{ redirect "someone@remote.example"; stop; }}
"""


def test_scripts_are_managed_and_checked_on_upload():
    client = sieve_client()
    assert "fileinto" in client.get_sieve_capabilities()
    assert client.havespace("one", 100)
    assert client.putscript("one", "keep;\r\nstop;\r\n"), client.errmsg
    # sievelib gives the literal's lines joined by LF.
    assert client.getscript("one") == "keep;\nstop;", client.getscript("one")
    # A script that does not compile is refused, and says where.
    assert not client.putscript("broken", 'if header :contains "a" { keep;\r\n')
    assert b"line" in client.errmsg, client.errmsg
    assert not client.checkscript("fileinto;\r\n")
    assert client.checkscript('require "fileinto"; fileinto "x";\r\n'), client.errmsg
    assert client.renamescript("one", "two"), client.errmsg
    assert client.setactive("two"), client.errmsg
    active, others = client.listscripts()
    assert active == "two" and "broken" not in others, (active, others)
    assert not client.deletescript("two"), "the active script cannot be deleted"
    assert not client.setactive("nope")
    assert client.setactive(""), client.errmsg
    assert client.deletescript("two"), client.errmsg
    assert client.listscripts() == (None, [])
    client.logout()


def test_fileinto_flags_and_envelope():
    activate("rules", RULES)
    send("sender@remote.example", USER, "invoice 1")
    assert wait_for("Invoices", "invoice 1")
    assert not found("INBOX", "invoice 1")
    send("sender@remote.example", f"{LOCAL}+lists@{DOMAIN}", "list post", rcpt=f"{LOCAL}+lists@{DOMAIN}")
    assert wait_for("Lists", "list post")
    # Without :create a missing mailbox is not made: the message lands in INBOX.
    send("sender@remote.example", USER, "nocreate 1")
    assert wait_for("INBOX", "nocreate 1")
    assert not found("Missing", "nocreate 1")
    send("sender@remote.example", USER, "flags 1", body="this is urgent\r\n", headers="X-Priority: 5\r\n")
    (flags, _), = wait_for("INBOX", "flags 1")
    for flag in ("\\Flagged", "$urgent", "$low", "$recent-year"):
        assert flag in flags, flags
    send("sender@remote.example", USER, "tag blue")
    (flags, _), = wait_for("INBOX", "tag blue")
    assert "t-blue" in flags, flags
    send("sender@remote.example", USER, "copyme 1")
    assert wait_for("Copies", "copyme 1") and wait_for("INBOX", "copyme 1")
    send("sender@remote.example", USER, "edit 1")
    (_, header), = wait_for("INBOX", "edit 1")
    assert b"X-Sieved: yes" in header, header


def test_discard_reject_and_redirect():
    activate("rules", RULES)
    send("sender@remote.example", USER, "drop 1")
    # reject: the only recipient's script refused it, so SMTP refuses it (RFC 5429 §2.1).
    try:
        send("sender@remote.example", USER, "refuse 1")
        raise AssertionError("a rejected message was accepted")
    except smtplib.SMTPDataError as e:
        assert e.smtp_code == 550 and b"not wanted here" in e.smtp_error, e
    send("sender@remote.example", USER, "forward 1")
    assert wait_for("INBOX", "forward 1", user=USER2)
    # Redirecting outside is not allowed here: the message is kept instead.
    send("sender@remote.example", USER, "outside 1")
    assert wait_for("INBOX", "outside 1")
    send("sender@remote.example", USER, "marker 1")
    assert wait_for("INBOX", "marker 1")
    for subject in ("drop 1", "refuse 1", "forward 1"):
        assert not found("INBOX", subject), subject


def test_vacation_once_per_period_never_to_lists_bounces_or_robots():
    activate("away", f"""require "vacation";
vacation :days 3 :subject "Away" :addresses ["{USER}"] "I am away.";
""")
    send(USER2, USER, "hello 1", login=True)
    send(USER2, USER, "hello 2", login=True)
    replies = wait_for("INBOX", "Away", user=USER2)
    time.sleep(1)
    assert len(found("INBOX", "Away", user=USER2)) == 1, "one reply per period"
    (_, reply), = replies
    assert b"Auto-Submitted: auto-replied" in reply, reply
    # USER3 writes from a list, as a robot, and a bounce: none is answered...
    send(USER3, USER, "list mail", headers="List-Id: <team.example.test>\r\n", login=True)
    send(USER3, USER, "robot mail", headers="Auto-Submitted: auto-generated\r\n", login=True)
    send("", USER, "bounce mail")
    assert wait_for("INBOX", "bounce mail")
    time.sleep(1)
    assert not found("INBOX", "Away", user=USER3), found("INBOX", "Away", user=USER3)
    # ...but a person is, once.
    send(USER3, USER, "person mail", login=True)
    assert wait_for("INBOX", "Away", user=USER3)


def test_runtime_error_keeps_the_message():
    # sieve-rs knows enotify but this server withholds it: the script fails when run.
    activate("failing", 'require "enotify";\nnotify "mailto:x@example.test";\ndiscard;\n')
    send("sender@remote.example", USER, "fails 1")
    assert wait_for("INBOX", "fails 1")


def test_bounces_to_a_local_sender_go_through_its_rules():
    # USER files the server's delivery status notifications (null reverse-path) in Bounces.
    activate("bounces", """require ["fileinto", "envelope", "mailbox"];
if envelope :is "from" "" { fileinto :create "Bounces"; }
""")
    # USER3's script refuses the message, USER2 takes it: accepted, and USER gets a DSN.
    activate("refuse", """require "reject";
if header :contains "subject" "dsn" { reject "no thanks"; }
""", user=USER3)
    send(USER, USER2, "dsn 1", login=True, rcpt=[USER2, USER3])
    assert wait_for("INBOX", "dsn 1", user=USER2)
    bounces = wait_for("Bounces", "Undelivered Mail Returned")
    assert len(bounces) == 1, bounces
    (_, header), = bounces
    assert b"multipart/report" in header, header
    assert not found("INBOX", "Undelivered Mail Returned"), "the DSN went around USER's rules"


run(globals())
