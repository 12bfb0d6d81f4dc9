"""IMAP (RFC 9051, RFC 3501 clients) driven by Python's imaplib against a running Kantor.

Run by tests/imap_external.rs with KANTOR_IMAP, KANTOR_IMAPS, KANTOR_SMTP (ports), KANTOR_USER,
KANTOR_USER2 and KANTOR_PASSWORD in the environment; prints 'N passed, N failed'.
"""
import imaplib
import os
import re
import socket
import zlib

import harness
from harness import CTX, HOST, deliver

IMAP, IMAPS = (int(os.environ[k]) for k in ("KANTOR_IMAP", "KANTOR_IMAPS"))
USER, USER2, PASSWORD = os.environ["KANTOR_USER"], os.environ["KANTOR_USER2"], os.environ["KANTOR_PASSWORD"]


def login(user=USER):
    imap = imaplib.IMAP4_SSL(HOST, IMAPS, ssl_context=CTX, timeout=30)
    imap.login(user, PASSWORD)
    return imap


def ok(result):
    typ, data = result
    assert typ == "OK", (typ, data)
    return data


def test_login_refused_before_starttls_then_works_after():
    imap = imaplib.IMAP4(HOST, IMAP, timeout=30)
    assert "STARTTLS" in imap.capabilities and "LOGINDISABLED" in imap.capabilities, imap.capabilities
    assert "AUTH=PLAIN" not in imap.capabilities
    try:
        imap.login(USER, PASSWORD)
        raise AssertionError("LOGIN accepted before STARTTLS")
    except imaplib.IMAP4.error as e:
        assert "PRIVACYREQUIRED" in str(e) or "LOGINDISABLED" in str(e), e
    imap.starttls(ssl_context=CTX)
    assert "AUTH=PLAIN" in imap.capabilities and "STARTTLS" not in imap.capabilities, imap.capabilities
    ok(imap.login(USER, PASSWORD))
    imap.logout()


def test_authenticate_plain_and_bad_password():
    imap = imaplib.IMAP4_SSL(HOST, IMAPS, ssl_context=CTX, timeout=30)
    try:
        imap.login(USER, "wrong password")
        raise AssertionError("wrong password accepted")
    except imaplib.IMAP4.error as e:
        assert "AUTHENTICATIONFAILED" in str(e), e
    ok(imap.authenticate("PLAIN", lambda _: f"\0{USER}\0{PASSWORD}".encode()))
    ok(imap.select("INBOX"))
    imap.logout()


def test_delivered_mail_is_fetched_and_flagged():
    deliver(USER, "for imaplib", "line one\r\nline two\r\n")
    imap = login()
    count = int(ok(imap.select("INBOX"))[0])
    assert count >= 1, count
    data = ok(imap.fetch(str(count), "(FLAGS RFC822)"))
    raw = data[0][1]
    assert b"Subject: for imaplib" in raw and b"line two" in raw, raw
    flags = ok(imap.fetch(str(count), "(FLAGS)"))[0]
    assert b"\\Seen" in flags, "RFC822 sets \\Seen: %r" % flags
    ok(imap.store(str(count), "+FLAGS", "(\\Flagged)"))
    found = ok(imap.search(None, "FLAGGED"))[0].split()
    assert str(count).encode() in found, found
    ok(imap.uid("STORE", "1:*", "-FLAGS.SILENT", "(\\Flagged)"))
    assert ok(imap.search(None, "FLAGGED")) == [b""]
    imap.logout()


def test_mailboxes_create_rename_delete_and_modified_utf7():
    imap = login(USER2)
    ok(imap.create("Projekte/2026"))
    names = b"\n".join(ok(imap.list('""', "*")))
    assert b'"/" Projekte/2026' in names and b"\\HasChildren" in names, names
    # IMAP4rev1 clients use modified UTF-7 (RFC 3501 §5.1.3): "Été" is "&AMk-t&AOk-".
    ok(imap.create("&AMk-t&AOk-"))
    ok(imap.rename("Projekte", "Archiv/Projekte"))
    names = b"\n".join(ok(imap.list('""', "*")))
    assert b"Archiv/Projekte/2026" in names and b"&AMk-t&AOk-" in names, names
    ok(imap.subscribe("Archiv/Projekte"))
    subscribed = b"\n".join(ok(imap.lsub('""', "Archiv/*")))
    assert b"Archiv/Projekte" in subscribed, subscribed
    ok(imap.delete("&AMk-t&AOk-"))
    typ, _ = imap.delete("INBOX")
    assert typ == "NO"
    typ, data = imap.select("Nope")
    assert typ == "NO" and b"NONEXISTENT" in data[0], data
    imap.logout()


def test_utf8_accept_names_and_8bit_append():
    imap = login(USER2)
    ok(imap.enable("UTF8=ACCEPT"))
    ok(imap.create('"Entwürfe"'))
    names = ok(imap.list('""', "*"))
    assert any("Entwürfe".encode() in n for n in names), names
    imap.logout()
    # The same mailbox for an IMAP4rev1 client: modified UTF-7. imaplib's APPEND in UTF-8 mode
    # wraps the literal wrongly, so the UTF-8 message goes in from this session, as 8-bit data.
    imap = login(USER2)
    names = ok(imap.list('""', "Entw*"))
    assert names == [b'(\\HasNoChildren) "/" Entw&APw-rfe'], names
    message = "Subject: Grüße\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nschöne Grüße\r\n".encode()
    ok(imap.append("Entw&APw-rfe", None, None, message))
    _, code = imap.response("APPENDUID")
    assert re.fullmatch(rb"\d+ 1", code[0]), code
    ok(imap.select("Entw&APw-rfe"))
    body = ok(imap.fetch("1", "(BODY.PEEK[])"))[0][1]
    assert body == message, body
    imap.logout()


def test_copy_move_expunge_with_uidplus():
    imap = login(USER2)
    for i in range(3):
        ok(imap.append("INBOX", None, None, f"Subject: m{i}\r\n\r\nbody\r\n".encode()))
    ok(imap.select("INBOX"))
    ok(imap.uid("COPY", "1:2", "Trash"))
    _, code = imap.response("COPYUID")
    assert re.fullmatch(rb"\d+ 1:2 1:2", code[0]), code
    typ, data = imap.uid("MOVE", "3", "Archive")
    assert typ == "OK", data
    ok(imap.store("1", "+FLAGS", "(\\Deleted)"))
    expunged = ok(imap.expunge())
    assert expunged[-1] == b"1", expunged  # imaplib keeps the MOVE's EXPUNGE too
    assert ok(imap.select("Trash", readonly=True))[0] == b"2"
    typ, _ = imap.store("1", "+FLAGS", "(\\Seen)")
    assert typ == "NO", "EXAMINE is read-only"
    imap.logout()


def test_a_message_expunged_by_another_session_is_still_fetched():
    """RFC 9051 §7.5.1: a session not yet told of an expunge may still address the message;
    the server answers from what the session was shown (body from the blob, kept by the store
    until its collector's grace period is over)."""
    reader, expunger = login(USER2), login(USER2)
    ok(reader.append("INBOX", None, None, b"Subject: going\r\n\r\nread me after the expunge\r\n"))
    count = int(ok(reader.select("INBOX"))[0])
    ok(expunger.select("INBOX"))
    ok(expunger.store(str(count), "+FLAGS", "(\\Deleted)"))
    ok(expunger.expunge())
    data = ok(reader.fetch(str(count), "(FLAGS BODY[])"))
    assert b"read me after the expunge" in data[0][1], data
    # The next command that may announce it does.
    ok(reader.noop())
    assert reader.response("EXPUNGE")[1][-1] == str(count).encode()
    reader.logout()
    expunger.logout()


def test_uidvalidity_is_new_when_a_mailbox_is_deleted_and_created_again():
    imap = login(USER2)
    seen = set()
    for _ in range(3):
        ok(imap.create("Again"))
        status = ok(imap.status("Again", "(UIDVALIDITY)"))[0]
        seen.add(re.search(rb"UIDVALIDITY (\d+)", status).group(1))
        ok(imap.delete("Again"))
    assert len(seen) == 3, seen
    imap.logout()


def test_namespace_quota_id_status():
    imap = login()
    namespace = ok(imap.namespace())[0]
    assert namespace == b'(("" "/")) (("Other Users/" "/")) (("Shared Folders/" "/"))', namespace
    typ, data = imap.getquotaroot("INBOX")
    assert typ == "OK", data
    status = ok(imap.status("INBOX", "(MESSAGES UIDNEXT UIDVALIDITY UNSEEN SIZE)"))[0]
    assert re.search(rb"MESSAGES \d+ UIDNEXT \d+ UIDVALIDITY \d+ UNSEEN \d+ SIZE \d+", status), status
    typ, data = imap.xatom("ID", '("name" "imaplib")')
    assert typ == "OK", data
    imap.logout()


def test_compress_deflate():
    raw = CTX.wrap_socket(socket.create_connection((HOST, IMAPS), timeout=30), server_hostname="x")
    reader = raw.makefile("rb")
    assert reader.readline().startswith(b"* OK")
    raw.sendall(f"a LOGIN {USER} {PASSWORD}\r\n".encode())
    while not reader.readline().startswith(b"a OK"):
        pass
    raw.sendall(b"b COMPRESS DEFLATE\r\n")
    assert reader.readline().startswith(b"b OK"), "COMPRESS refused"
    deflate = zlib.compressobj(wbits=-15)
    inflate = zlib.decompressobj(wbits=-15)
    raw.sendall(deflate.compress(b"c NOOP\r\nd STATUS INBOX (MESSAGES)\r\n") + deflate.flush(zlib.Z_SYNC_FLUSH))
    text = b""
    while b"d OK" not in text:
        chunk = raw.recv(4096)
        assert chunk, "connection closed: %r" % text
        text += inflate.decompress(chunk)
    assert b"c OK" in text and b"* STATUS INBOX (MESSAGES" in text, text
    raw.close()


def test_nul_octets_never_reach_a_literal():
    """RFC 9051 §4.3: a literal carries no NUL. A message with NULs in its header and binary
    body, appended as a literal8 (RFC 3516), comes back with 0x80 in their place in ENVELOPE
    and BODY[...]; BINARY[1] gives the octets as they are, in a literal8."""
    message = (b"From: a@example.test\r\nSubject: nul\x00here\r\n"
               b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n"
               b"\r\nab\x00cd\r\n")
    raw = CTX.wrap_socket(socket.create_connection((HOST, IMAPS), timeout=30), server_hostname="x")
    reader = raw.makefile("rb")
    assert reader.readline().startswith(b"* OK")
    raw.sendall(f"a LOGIN {USER} {PASSWORD}\r\n".encode())
    while not reader.readline().startswith(b"a OK"):
        pass
    raw.sendall(b"b APPEND INBOX ~{%d+}\r\n" % len(message) + message + b"\r\n")
    line = reader.readline()
    while line.startswith(b"*"):
        line = reader.readline()
    found = re.match(rb"b OK \[APPENDUID \d+ (\d+)\]", line)
    assert found, line
    uid = found.group(1).decode()
    raw.close()
    imap = login()
    ok(imap.select("INBOX"))
    for item in ("ENVELOPE", "BODY.PEEK[HEADER]", "BODY.PEEK[1]", "BODY.PEEK[]"):
        data = ok(imap.uid("FETCH", uid, f"({item})"))
        octets = b"".join(b"".join(d) if isinstance(d, tuple) else d for d in data)
        assert b"\x00" not in octets, (item, octets)
        assert b"nul\x80here" in octets or b"ab\x80cd" in octets, (item, octets)
    data = ok(imap.uid("FETCH", uid, "(BINARY.PEEK[1])"))
    assert data[0][0].endswith(b"~{7}"), data
    assert data[0][1] == b"ab\x00cd\r\n", data
    imap.logout()


harness.run(globals())
