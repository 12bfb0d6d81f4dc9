"""Full-text search through clients nobody here wrote (tests/search_fts.rs): Python's smtplib
delivers a corpus, imaplib runs UID SEARCH. Usage:

  fts.py deliver SMTP_PORT FILE               FILE: JSON [{"to": ADDRESS, "raw": MESSAGE}, ...]
  fts.py search IMAPS_PORT USER PASSWORD FILE FILE: JSON [[CRITERIA, LITERAL or null], ...]

A search prints one JSON list of UID lists, one per query. CRITERIA is sent as written; a
LITERAL (UTF-8 text) follows it as an IMAP literal, with CHARSET UTF-8 before the criteria.
"""
import imaplib
import json
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
            smtp.sendmail("sender@remote.example", [m["to"]], m["raw"].encode("ascii"))


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


if __name__ == "__main__":
    if sys.argv[1] == "deliver":
        deliver(*sys.argv[2:4])
    else:
        search(*sys.argv[2:6])
