"""IMAP ACL (RFC 4314), NAMESPACE (RFC 2342) and shared mailboxes, driven by Python's imaplib
against a running Kantor.

Run by tests/imap_acl.rs with KANTOR_IMAPS, KANTOR_SMTP (ports), KANTOR_OWNER, KANTOR_MEMBER,
KANTOR_OUTSIDER (users), KANTOR_SHARED (a shared mailbox whose members are the owner and the
member, made with `kantor admin shared add`) and KANTOR_PASSWORD in the environment; prints
'N passed, N failed'.
"""
import imaplib
import os
import re

import harness
from harness import CTX, HOST, deliver

IMAPS = int(os.environ["KANTOR_IMAPS"])
OWNER, MEMBER, OUTSIDER = (os.environ[k] for k in ("KANTOR_OWNER", "KANTOR_MEMBER", "KANTOR_OUTSIDER"))
SHARED, PASSWORD = os.environ["KANTOR_SHARED"], os.environ["KANTOR_PASSWORD"]
imaplib.Commands.setdefault("LISTRIGHTS", ("AUTH", "SELECTED"))


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


def no(result, code=None):
    typ, data = result
    assert typ == "NO", (typ, data)
    if code:
        assert code in str(data), (code, data)
    return data


def other(name, owner=OWNER):
    return f"Other Users/{owner}/{name}"


def listed(imap, pattern="*"):
    names = []
    for line in ok(imap.list('""', q(pattern))):
        if line is None:
            continue
        text = line.decode()
        names.append(re.search(r'"/" (.*)$', text).group(1).strip('"'))
    return names


def grant(folder, who, rights):
    owner = login(OWNER)
    ok(owner.setacl(q(folder), who, rights))
    owner.logout()


def append_message(imap, mailbox, subject):
    ok(imap.append(q(mailbox), None, None, f"Subject: {subject}\r\n\r\nbody\r\n".encode()))


def test_capabilities_and_namespace():
    imap = login(MEMBER)
    assert "ACL" in imap.capabilities and "RIGHTS=TEXK" in [c.upper() for c in imap.capabilities], imap.capabilities
    data = ok(imap.namespace())[0].decode()
    assert data == '(("" "/")) (("Other Users/" "/")) (("Shared Folders/" "/"))', data
    imap.logout()


def test_owner_shares_a_folder_and_the_member_sees_it():
    owner = login(OWNER)
    ok(owner.create("Projects"))
    append_message(owner, "Projects", "plan")
    # Nothing granted yet: the member sees no name of the owner's.
    member = login(MEMBER)
    assert not [n for n in listed(member) if n.startswith("Other Users")], listed(member)
    no(member.select(q(other("Projects"))), "NONEXISTENT")
    ok(owner.setacl("Projects", MEMBER, "lr"))
    acl = ok(owner.getacl("Projects"))[0].decode()
    assert f"{OWNER} lrswipkxtea" in acl and f"{MEMBER} lr" in acl, acl
    ok(owner.setacl("Projects", MEMBER, "+s"))
    assert f"{MEMBER} lrs" in ok(owner.getacl("Projects"))[0].decode()
    ok(owner.setacl("Projects", MEMBER, "-s"))
    assert f"{MEMBER} lr" in ok(owner.getacl("Projects"))[0].decode()
    names = listed(member)
    assert other("Projects") in names and "Other Users" in names, names
    assert other("INBOX") not in names, names
    # LIST with %: levels one at a time.
    assert listed(member, "Other Users/%") == [f"Other Users/{OWNER}"], listed(member, "Other Users/%")
    rights = ok(member.myrights(q(other("Projects"))))[0].decode()
    assert rights.endswith(" lr"), rights
    # Read-only: r without s w i t e.
    try:
        member.select(q(other("Projects")))
        raise AssertionError("SELECT without write rights was read-write")
    except imaplib.IMAP4.readonly:
        pass
    typ, data = member.examine(q(other("Projects"))) if hasattr(member, "examine") else member.select(q(other("Projects")), readonly=True)
    assert typ == "OK", data
    body = ok(member.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])"))
    assert b"plan" in body[0][1], body
    # `a` is the owner's: the member may neither read nor change the ACL.
    no(member.getacl(q(other("Projects"))), "NOPERM")
    no(member.setacl(q(other("Projects")), OUTSIDER, "lr"), "NOPERM")
    member.logout()
    owner.logout()


def test_rights_matrix():
    """Each right, granted then withheld, changes what the member can do."""
    owner = login(OWNER)
    ok(owner.create("Matrix"))
    for i in range(3):
        append_message(owner, "Matrix", f"m{i}")
    owner.logout()
    name = q(other("Matrix"))

    def with_rights(rights):
        grant("Matrix", MEMBER, rights)
        imap = login(MEMBER)
        return imap

    # r: SELECT/FETCH.
    imap = with_rights("l")
    no(imap.select(name, readonly=True), "NOPERM")
    assert other("Matrix") in listed(imap)
    imap.logout()
    # l withheld: not listed, not found.
    imap = with_rights("r")
    assert other("Matrix") not in listed(imap)
    imap.logout()
    # s: \Seen; w: other flags; t: \Deleted.
    for right, flag in (("s", "\\Seen"), ("w", "\\Flagged"), ("t", "\\Deleted")):
        imap = with_rights("lrs" if right != "s" else "lrw")
        ok(imap.select(name))
        no(imap.store("1", "+FLAGS", flag), "NOPERM")
        imap.logout()
        imap = with_rights("lr" + right)
        ok(imap.select(name))
        ok(imap.store("1", "+FLAGS", flag))
        ok(imap.store("1", "-FLAGS", flag))
        imap.logout()
    # A STORE of flags some of which the user may change changes those, and does not fail
    # (RFC 4314 §4: a tagged NO to STORE is handled badly by clients).
    imap = with_rights("lrs")
    ok(imap.select(name))
    typ, data = imap.store("1", "+FLAGS", "(\\Seen \\Flagged)")
    assert typ == "OK", (typ, data)
    typ, data = imap.fetch("1", "(FLAGS)")
    assert typ == "OK" and b"\\Seen" in data[0] and b"\\Flagged" not in data[0], data
    ok(imap.store("1", "-FLAGS", "\\Seen"))
    imap.logout()
    # i: APPEND and COPY into.
    imap = with_rights("lr")
    no(imap.append(name, None, None, b"Subject: no\r\n\r\nx\r\n"), "NOPERM")
    imap.logout()
    imap = with_rights("lri")
    append_message(imap, other("Matrix"), "by member")
    ok(imap.select("INBOX"))
    imap.logout()
    # k: CREATE below it.
    imap = with_rights("lr")
    no(imap.create(q(other("Matrix/Sub"))))
    imap.logout()
    imap = with_rights("lrk")
    ok(imap.create(q(other("Matrix/Sub"))))
    # The new folder inherits the parent's rights: the member sees it.
    assert other("Matrix/Sub") in listed(imap), listed(imap)
    # x: DELETE.
    no(imap.delete(q(other("Matrix/Sub"))), "NOPERM")
    imap.logout()
    imap = with_rights("lrkx")
    owner = login(OWNER)
    ok(owner.setacl(q("Matrix/Sub"), MEMBER, "lrx"))
    owner.logout()
    ok(imap.delete(q(other("Matrix/Sub"))))
    # RENAME: x on the mailbox and k where the new name goes (the top of another's account is
    # its owner's alone).
    owner = login(OWNER)
    ok(owner.create(q("Matrix/Old")))
    owner.logout()
    ok(imap.rename(q(other("Matrix/Old")), q(other("Matrix/New"))))
    assert other("Matrix/New") in listed(imap), listed(imap)
    no(imap.rename(q(other("Matrix/New")), q(other("Top"))))
    ok(imap.delete(q(other("Matrix/New"))))
    imap.logout()
    # e: EXPUNGE (with t to mark first).
    imap = with_rights("lrt")
    ok(imap.select(name))
    ok(imap.store("1", "+FLAGS", "\\Deleted"))
    no(imap.expunge(), "NOPERM")
    imap.logout()
    imap = with_rights("lrte")
    ok(imap.select(name))
    count = int(ok(imap.select(name))[0])
    ok(imap.expunge())
    assert int(ok(imap.select(name))[0]) == count - 1
    imap.logout()
    # a: the member administers.
    imap = with_rights("lra")
    ok(imap.setacl(name, OUTSIDER, "l"))
    assert OUTSIDER in ok(imap.getacl(name))[0].decode()
    ok(imap.deleteacl(name, OUTSIDER))
    typ, data = imap._simple_command("LISTRIGHTS", name, OUTSIDER)
    assert typ == "OK", data
    lr = imap._untagged_response(typ, data, "LISTRIGHTS")[1][0].decode()
    assert lr.endswith('"" l r s w i p k x t e a'), lr
    imap.logout()


def shared_folder(name, rights):
    """The owner's new folder `name` with one message, shared with the member; both logged in,
    the member with the folder selected."""
    owner = login(OWNER)
    ok(owner.create(name))
    append_message(owner, name, f"in {name}")
    ok(owner.setacl(name, MEMBER, rights))
    member = login(MEMBER)
    ok(member.select(q(other(name))))
    return owner, member


def test_revocation_reaches_an_open_session():
    owner, member = shared_folder("Revoked", "lrs")
    ok(member.fetch("1", "(FLAGS)"))
    ok(owner.deleteacl("Revoked", MEMBER))
    # The next command of the open session is refused.
    typ, data = member.fetch("1", "(BODY.PEEK[])")
    assert typ == "NO", (typ, data)
    assert other("Revoked") not in listed(member)
    member.logout()
    owner.logout()


def test_member_changes_reach_the_owners_session():
    owner, member = shared_folder("Together", "lrsw")
    ok(owner.select("Together"))
    ok(member.store("1", "+FLAGS", "\\Flagged"))
    member.logout()
    ok(owner.noop())
    flags = ok(owner.fetch("1", "(FLAGS)"))[0].decode()
    assert "\\Flagged" in flags, flags
    owner.logout()


def test_shared_mailbox_delivery_and_two_members():
    no_login = imaplib.IMAP4_SSL(HOST, IMAPS, ssl_context=CTX, timeout=30)
    try:
        no_login.login(SHARED, PASSWORD)
        raise AssertionError("logged in to a shared mailbox")
    except imaplib.IMAP4.error as e:
        assert "AUTHENTICATIONFAILED" in str(e), e
    deliver(SHARED, "for the team")
    inbox = f"Shared Folders/{SHARED}/INBOX"
    first, second = login(OWNER), login(MEMBER)
    for imap in (first, second):
        assert inbox in listed(imap), listed(imap)
        assert inbox in listed(imap, "Shared Folders/*")
        ok(imap.select(q(inbox)))
        data = ok(imap.search(None, "SUBJECT", '"for the team"'))
        assert data[0].split(), data
    # One member files a reply in the shared mailbox; the other sees it.
    append_message(first, inbox, "answer from the team")
    ok(second.noop())
    data = ok(second.search(None, "SUBJECT", '"answer from the team"'))
    assert data[0].split(), data
    # COPY from the shared mailbox into the member's own INBOX.
    ok(second.copy("1", "INBOX"))
    ok(second.select("INBOX"))
    assert ok(second.search(None, "SUBJECT", '"for the team"'))[0].split()
    # Subscriptions keep the name the member sees.
    ok(second.subscribe(q(inbox)))
    subscribed = [line.decode() for line in ok(second.lsub('""', "*")) if line]
    assert any(line.endswith(f'"{inbox}"') for line in subscribed), subscribed
    first.logout()
    second.logout()
    outsider = login(OUTSIDER)
    assert not [n for n in listed(outsider) if "/" in n and n.split("/")[0] in ("Shared Folders", "Other Users")]
    no(outsider.select(q(inbox)), "NONEXISTENT")
    no(outsider.status(q(inbox), "(MESSAGES)"))
    no(outsider.getacl(q(inbox)))
    no(outsider.myrights(q(inbox)))
    outsider.logout()



def flags_of(imap, n):
    return re.search(r"FLAGS \(([^)]*)\)", ok(imap.fetch(n, "(FLAGS)"))[0].decode()).group(1).split()


def unseen_count(user, mailbox):
    imap = login(user)
    line = ok(imap.status(mailbox, "(UNSEEN)"))[0].decode()
    imap.logout()
    return int(re.search(r"UNSEEN (\d+)", line).group(1))


def test_each_member_has_their_own_seen_in_a_shared_mailbox():
    """In a shared mailbox \\Seen is each member's own; other flags are shared."""
    inbox = q(f"Shared Folders/{SHARED}/INBOX")
    deliver(SHARED, "read state one")
    deliver(SHARED, "read state two")
    unseen = {user: unseen_count(user, inbox) for user in (OWNER, MEMBER)}
    first, again, second = login(OWNER), login(OWNER), login(MEMBER)
    for imap in (first, again, second):
        ok(imap.select(inbox))
    one = ok(first.search(None, "SUBJECT", '"read state one"'))[0].split()[-1]
    two = ok(first.search(None, "SUBJECT", '"read state two"'))[0].split()[-1]
    ok(first.store(one, "+FLAGS", "(\\Seen \\Flagged)"))
    # The first member's other session hears of both; the second sees only \\Flagged.
    ok(again.noop())
    assert {"\\Seen", "\\Flagged"} <= set(flags_of(again, one)), flags_of(again, one)
    ok(second.noop())
    assert "\\Flagged" in flags_of(second, one) and "\\Seen" not in flags_of(second, one)
    assert one in ok(second.search(None, "UNSEEN"))[0].split()
    assert one not in ok(first.search(None, "UNSEEN"))[0].split()
    assert unseen_count(OWNER, inbox) == unseen[OWNER] - 1
    assert unseen_count(MEMBER, inbox) == unseen[MEMBER]
    # Reading a body (not PEEK) sets the reader's own \\Seen (RFC 9051 §6.4.5), nobody else's.
    ok(second.fetch(two, "(BODY[])"))
    assert "\\Seen" in flags_of(second, two)
    assert "\\Seen" not in flags_of(first, two)
    assert unseen_count(MEMBER, inbox) == unseen[MEMBER] - 1
    # Taking it back is the member's own too.
    ok(first.store(one, "-FLAGS", "(\\Seen)"))
    assert "\\Seen" not in flags_of(first, one) and "\\Flagged" in flags_of(first, one)
    # APPEND with \\Seen: seen by who filed it only.
    ok(first.append(inbox, "(\\Seen)", None, b"Subject: filed read\r\n\r\nbody\r\n"))
    ok(second.noop())
    filed = ok(second.search(None, "SUBJECT", '"filed read"'))[0].split()[-1]
    assert "\\Seen" not in flags_of(second, filed)
    ok(first.noop())
    assert "\\Seen" in flags_of(first, filed)
    for imap in (first, again, second):
        imap.logout()


def test_a_delegate_shares_the_owners_seen():
    """In a personal folder shared with a delegate, \\Seen is the owner's (as Exchange's
    delegates read the boss's mail): what the delegate reads is read for the owner."""
    owner, member = shared_folder("Delegated", "lrs")
    ok(owner.select("Delegated"))
    assert "\\Seen" not in flags_of(owner, "1")
    ok(member.store("1", "+FLAGS", "(\\Seen)"))
    ok(owner.noop())
    assert "\\Seen" in flags_of(owner, "1")
    member.logout()
    owner.logout()


if __name__ == "__main__":
    harness.run(globals())
