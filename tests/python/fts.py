"""Full-text search through clients nobody here wrote (tests/search_fts.rs, search_corpus.rs):
Python's smtplib delivers a corpus (or imaplib APPENDs one), imaplib runs UID SEARCH. Usage:

  fts.py deliver SMTP_PORT FILE               FILE: JSON [{"to": ADDRESS, "raw": MESSAGE}, ...]
                                              (a MESSAGE with UTF-8 goes with SMTPUTF8)
  fts.py search IMAPS_PORT USER PASSWORD FILE FILE: JSON [[CRITERIA, LITERAL or null], ...]
  fts.py append IMAPS_PORT USER PASSWORD FILE FILE: JSON [PATH, ...] of raw messages
  fts.py emailids IMAPS_PORT USER PASSWORD     prints JSON {UID: EMAILID} of the INBOX

APPEND puts each message file in the INBOX in order (UIDs 1, 2, ...), as it is but for a first
line "From ..." (an mbox separator, not a header field); imaplib sends it with CRLF line ends.

A search prints one JSON list of UID lists, one per query. CRITERIA is sent as written; a
LITERAL (UTF-8 text) follows it as an IMAP literal, with CHARSET UTF-8 before the criteria.
"""
import imaplib
import json
import re
import smtplib
import ssl
import sys

HOST = "127.0.0.1"
CTX = ssl._create_unverified_context()


def deliver(port, path):
    with open(path, encoding="utf-8") as f:
        messages = json.load(f)
    with smtplib.SMTP(HOST, int(port), timeout=120) as smtp:
        for m in messages:
            raw = m["raw"]
            if raw.isascii():
                smtp.sendmail("sender@remote.example", [m["to"]], raw.encode("ascii"))
            else:
                # UTF-8 header fields (RFC 6532) go with SMTPUTF8 (RFC 6531).
                smtp.sendmail(
                    "sender@remote.example",
                    [m["to"]],
                    raw.encode("utf-8"),
                    mail_options=["SMTPUTF8"],
                )


def search(port, user, password, path):
    with open(path, encoding="utf-8") as f:
        queries = json.load(f)
    imap = imaplib.IMAP4_SSL(HOST, int(port), ssl_context=CTX)
    imap.login(user, password)
    imap.select("INBOX")
    results = []
    for criteria, literal in queries:
        if literal is None:
            typ, data = imap.uid("SEARCH", criteria)
        else:
            imap.literal = literal.encode("utf-8")
            typ, data = imap.uid("SEARCH", "CHARSET UTF-8 " + criteria)
        assert typ == "OK", (criteria, typ, data)
        results.append([int(n) for n in data[0].split()])
    imap.logout()
    print(json.dumps(results))


def append(port, user, password, path):
    with open(path, encoding="utf-8") as f:
        paths = json.load(f)
    imap = imaplib.IMAP4_SSL(HOST, int(port), ssl_context=CTX)
    imap.login(user, password)
    for p in paths:
        with open(p, "rb") as f:
            raw = f.read()
        if raw.startswith(b"From "):
            raw = raw.split(b"\n", 1)[1]
        typ, data = imap.append("INBOX", None, None, raw)
        assert typ == "OK", (p, typ, data)
    imap.logout()


def emailids(port, user, password):
    imap = imaplib.IMAP4_SSL(HOST, int(port), ssl_context=CTX)
    imap.login(user, password)
    imap.select("INBOX", readonly=True)
    typ, data = imap.uid("FETCH", "1:*", "(EMAILID)")
    assert typ == "OK", (typ, data)
    ids = {}
    for line in data:
        m = re.search(rb"UID (\d+)", line)
        e = re.search(rb"EMAILID \(([^)]+)\)", line)
        assert m and e, line
        ids[int(m.group(1))] = e.group(1).decode()
    imap.logout()
    print(json.dumps(ids))


if __name__ == "__main__":
    if sys.argv[1] == "deliver":
        deliver(*sys.argv[2:4])
    elif sys.argv[1] == "append":
        append(*sys.argv[2:6])
    elif sys.argv[1] == "emailids":
        emailids(*sys.argv[2:5])
    else:
        search(*sys.argv[2:6])
