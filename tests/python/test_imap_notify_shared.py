"""NOTIFY (RFC 5465) over other accounts' mailboxes (RFC 2342 namespaces, RFC 4314 rights),
driven by Python's imaplib against a running Kantor: a member of a shared mailbox hears of mail
delivered there over SMTP (smtplib) as a STATUS with their own counts, under the name they see
it by, with `subtree`, `mailboxes` and `subscribed`, never with `personal`; another member
reading a message is no FlagChange for them; rights withdrawn (DELETEACL by an owner, `kantor
admin acl delete`) stop the events at once.

Run by tests/imap_notify_shared.rs with KANTOR_IMAPS, KANTOR_SMTP (ports), KANTOR_OWNER (a user
who shares a folder), KANTOR_MEMBER_A and KANTOR_MEMBER_B (members of KANTOR_SHARED, a shared
mailbox made with `kantor admin shared add`), KANTOR_PASSWORD, and KANTOR_BIN / KANTOR_DATA (to
run `kantor admin --data DATA ...`) in the environment; prints 'N passed, N failed'.
"""
import imaplib
import os
import re
import socket
import subprocess
import time

import harness
from harness import CTX, HOST, deliver

IMAPS = int(os.environ["KANTOR_IMAPS"])
OWNER, A, B = (os.environ[k] for k in ("KANTOR_OWNER", "KANTOR_MEMBER_A", "KANTOR_MEMBER_B"))
SHARED, PASSWORD = os.environ["KANTOR_SHARED"], os.environ["KANTOR_PASSWORD"]
BIN, DATA = os.environ["KANTOR_BIN"], os.environ["KANTOR_DATA"]
SALES_INBOX = f"Shared Folders/{SHARED}/INBOX"
imaplib.Commands.setdefault("NOTIFY", ("AUTH", "SELECTED"))
STATUS_LINE = re.compile(r'^\* STATUS (?:"([^"]*)"|(\S+)) \((.*)\)$')
# How long a notification may take (another process's commit is seen within 250 ms).
SOON = 3.0


def login(user):
    imap = imaplib.IMAP4_SSL(HOST, IMAPS, ssl_context=CTX, timeout=30)
    imap.login(user, PASSWORD)
    return imap


def q(name):
    return '"' + name + '"'


def ok(result):
    typ, data = result
    assert typ == "OK", (typ, data)
    return data


def notify(imap, groups):
    return ok(imap._simple_command("NOTIFY", "SET " + groups))


def unsolicited(imap, wait, until=None):
    """The lines the server sends within `wait` seconds while no command is sent; stops early
    at a line for which `until` is true."""
    lines = []
    deadline = time.monotonic() + wait
    try:
        while (left := deadline - time.monotonic()) > 0:
            imap.sock.settimeout(left)
            try:
                line = imap.readline()
            except (TimeoutError, socket.timeout):
                # The socket's reader refuses to read again after a timeout unless told.
                imap.file.raw._timeout_occurred = False
                break
            text = line.decode().rstrip("\r\n")
            lines.append(text)
            if until and until(text):
                break
    finally:
        imap.sock.settimeout(30)
    return lines


def status_of(line, name):
    """The values of `* STATUS name (...)`, or None for another line."""
    m = STATUS_LINE.match(line)
    if not m or (m.group(1) or m.group(2)) != name:
        return None
    items = m.group(3).split()
    return {items[i]: int(items[i + 1]) for i in range(0, len(items), 2)}


def told_status(imap, name):
    lines = unsolicited(imap, SOON, lambda line: status_of(line, name) is not None)
    found = [status_of(line, name) for line in lines if status_of(line, name)]
    assert found, f"no STATUS for {name} within {SOON}s: {lines}"
    return found[-1]


def quiet_about(imap, name, wait=1.5):
    lines = unsolicited(imap, wait)
    assert not [line for line in lines if name in line], (name, lines)
    return lines


def status(imap, name):
    data = ok(imap.status(q(name), "(MESSAGES UIDNEXT UNSEEN)"))[0].decode()
    return status_of("* STATUS " + data, name)


def admin(*args):
    out = subprocess.run([BIN, "admin", "--data", DATA, *args], capture_output=True, text=True)
    assert out.returncode == 0, (args, out.stdout, out.stderr)
    return out.stdout


def test_subtree_tells_a_delivery_with_the_members_own_counts():
    a = login(A)
    before = status(a, SALES_INBOX)
    notify(a, f"(subtree {q('Shared Folders/' + SHARED)} (MessageNew MessageExpunge FlagChange))")
    deliver(SHARED, "first for the team")
    got = told_status(a, SALES_INBOX)
    assert got["MESSAGES"] == before["MESSAGES"] + 1, (before, got)
    assert got["UIDNEXT"] == before["UIDNEXT"] + 1, (before, got)
    assert got["UNSEEN"] == before["UNSEEN"] + 1, (before, got)
    assert "UIDVALIDITY" in got and "HIGHESTMODSEQ" in got, got
    a.logout()


def test_another_members_seen_is_no_flag_change():
    deliver(SHARED, "read by b")
    a, b = login(A), login(B)
    notify(a, f"(subtree {q('Shared Folders/' + SHARED)} (MessageNew MessageExpunge FlagChange))")
    quiet_about(a, SALES_INBOX)
    mine = status(a, SALES_INBOX)
    ok(b.select(q(SALES_INBOX)))
    ok(b.store("1:*", "+FLAGS", "(\\Seen)"))
    quiet_about(a, SALES_INBOX)
    # A shared flag is a FlagChange for every member: told, A's UNSEEN still A's own.
    ok(b.store("1", "+FLAGS", "(\\Flagged)"))
    got = told_status(a, SALES_INBOX)
    assert got["UNSEEN"] == mine["UNSEEN"] and mine["UNSEEN"] > 0, (mine, got)
    assert status(b, SALES_INBOX)["UNSEEN"] == 0
    b.logout()
    a.logout()


def test_mailboxes_and_subscribed_name_the_shared_folder():
    a = login(A)
    notify(a, f"(mailboxes {q(SALES_INBOX)} (MessageNew MessageExpunge))")
    before = status(a, SALES_INBOX)
    deliver(SHARED, "named")
    assert told_status(a, SALES_INBOX)["MESSAGES"] == before["MESSAGES"] + 1
    # Subscribed: only while the user is subscribed to it.
    notify(a, "(subscribed (MessageNew MessageExpunge))")
    deliver(SHARED, "not subscribed yet")
    quiet_about(a, SALES_INBOX)
    ok(a.subscribe(q(SALES_INBOX)))
    notify(a, "(subscribed (MessageNew MessageExpunge))")
    before = status(a, SALES_INBOX)
    deliver(SHARED, "subscribed")
    assert told_status(a, SALES_INBOX)["MESSAGES"] == before["MESSAGES"] + 1
    ok(a.unsubscribe(q(SALES_INBOX)))
    a.logout()


def test_personal_never_tells_the_shared_folder():
    a = login(A)
    notify(a, "(personal (MessageNew MessageExpunge FlagChange))")
    deliver(SHARED, "not personal")
    quiet_about(a, SALES_INBOX)
    # The same session hears of its own INBOX: the silence above is the filter's.
    deliver(A, "personal")
    assert told_status(a, "INBOX")["MESSAGES"] >= 1
    a.logout()


def test_selected_shared_folder_keeps_exists_and_fetch():
    a, b = login(A), login(B)
    typ, data = a.select(q(SALES_INBOX))
    assert typ == "OK", data
    count = int(data[0])
    notify(a, f"(selected (MessageNew (UID) MessageExpunge FlagChange)) (subtree {q('Shared Folders')} (MessageNew MessageExpunge))")
    deliver(SHARED, "while selected")
    lines = unsolicited(a, SOON, lambda line: "FETCH" in line)
    assert f"* {count + 1} EXISTS" in lines, lines
    assert any(re.match(rf"^\* {count + 1} FETCH \(UID \d+\)$", line) for line in lines), lines
    assert not [line for line in lines if line.startswith("* STATUS")], lines
    # Another member's expunge in the selected mailbox.
    ok(b.select(q(SALES_INBOX)))
    ok(b.store("1", "+FLAGS", "(\\Deleted)"))
    ok(b.expunge())
    lines = unsolicited(a, SOON, lambda line: "EXPUNGE" in line)
    assert "* 1 EXPUNGE" in lines, lines
    b.logout()
    a.logout()


def test_owner_withdrawing_rights_stops_the_events():
    owner = login(OWNER)
    ok(owner.create("Projects"))
    ok(owner.setacl("Projects", A, "lr"))
    a = login(A)
    name = f"Other Users/{OWNER}/Projects"
    notify(a, f"(subtree {q('Other Users')} (MessageNew MessageExpunge MailboxName))")
    ok(owner.append("Projects", None, None, b"Subject: plan\r\n\r\nbody\r\n"))
    assert told_status(a, name)["MESSAGES"] == 1
    ok(owner.deleteacl("Projects", A))
    lines = unsolicited(a, SOON, lambda line: "NonExistent" in line)
    assert f'* LIST (\\NonExistent) "/" "{name}"' in lines, lines
    ok(owner.append("Projects", None, None, b"Subject: secret\r\n\r\nbody\r\n"))
    quiet_about(a, name)
    owner.logout()
    a.logout()


def test_admin_withdrawing_rights_stops_the_events():
    a = login(A)
    notify(a, f"(subtree {q('Shared Folders/' + SHARED)} (MessageNew MessageExpunge MailboxName))")
    deliver(SHARED, "before")
    told_status(a, SALES_INBOX)
    admin("acl", "delete", SHARED, A)
    lines = unsolicited(a, SOON, lambda line: "NonExistent" in line and SALES_INBOX in line)
    assert f'* LIST (\\NonExistent) "/" "{SALES_INBOX}"' in lines, lines
    deliver(SHARED, "after")
    quiet_about(a, SALES_INBOX)
    # B, still a member, hears of it.
    b = login(B)
    notify(b, f"(mailboxes {q(SALES_INBOX)} (MessageNew MessageExpunge))")
    deliver(SHARED, "for b")
    told_status(b, SALES_INBOX)
    b.logout()
    a.logout()


harness.run(globals())
