"""Several imaplib sessions on one user's INBOX at once, for a few seconds: each FETCHes the
bodies (BODY.PEEK[]) of every message, sets flags, APPENDs a message, COPYs it to Archive, MOVEs
the copy back, marks both \\Deleted and EXPUNGEs them (or UID EXPUNGE), while the others fetch
them. Every command must succeed; at the end INBOX and Archive hold as many messages as the
replies (APPENDUID, COPYUID) and the expunges imply.

Run by tests/imap_external.rs with KANTOR_IMAPS, KANTOR_USER and KANTOR_PASSWORD in the
environment; prints 'N passed, N failed'.
"""
import imaplib
import os
import random
import re
import threading
import time

import harness
from harness import CTX, HOST

IMAPS = int(os.environ["KANTOR_IMAPS"])
USER, PASSWORD = os.environ["KANTOR_USER"], os.environ["KANTOR_PASSWORD"]
SESSIONS, SEEDS, SECONDS = 6, 30, 4.0


def login():
    imap = imaplib.IMAP4_SSL(HOST, IMAPS, ssl_context=CTX, timeout=30)
    imap.login(USER, PASSWORD)
    return imap


def ok(result, what):
    typ, data = result
    assert typ == "OK", (what, typ, data)
    return data


def new_uid(imap, code, result, what):
    """Checks a command's result; returns the new UID in its APPENDUID or COPYUID code (RFC
    4315), which imaplib keeps among the untagged responses (cleared before the command)."""
    ok(result, what)
    data = imap.response(code)[1][-1]
    match = re.fullmatch(rb"\d+ (?:\d+ )?(\d+)", data or b"")
    assert match, (what, data)
    return match.group(1).decode()


def session(n, tally, failures):
    rng = random.Random(n)
    counts = {"appended": 0, "copied": 0, "moved_back": 0, "expunged": 0, "fetched": 0}
    try:
        imap = login()
        ok(imap.select("INBOX"), "SELECT")
        deadline = time.monotonic() + SECONDS
        while time.monotonic() < deadline:
            # Bodies of any messages, some of which another session may be expunging now.
            uids = ok(imap.uid("SEARCH", "ALL"), "UID SEARCH")[0].split()
            for uid in rng.sample(uids, min(3, len(uids))):
                data = ok(imap.uid("FETCH", uid, "(FLAGS BODY.PEEK[])"), "UID FETCH")
                for item in data:
                    if isinstance(item, tuple):
                        assert item[1].startswith(b"Subject: "), item
                        counts["fetched"] += 1
            for item in ok(imap.fetch("1:*", "(FLAGS BODY.PEEK[])"), "FETCH"):
                if isinstance(item, tuple):
                    assert item[1].startswith(b"Subject: "), item
                    counts["fetched"] += 1
            ok(imap.uid("STORE", rng.choice(uids), "+FLAGS", f"($seen{n} \\Flagged)"), "STORE")
            # A message of this session's own (its content too: nothing else shares its blob),
            # copied to Archive, the copy moved back, both expunged.
            imap.response("APPENDUID")
            body = f"Subject: {n}-{counts['appended']}\r\n\r\n{'text ' * 400}\r\n".encode()
            own = new_uid(imap, "APPENDUID", imap.append("INBOX", None, None, body), "APPEND")
            counts["appended"] += 1
            imap.response("COPYUID")
            copy = new_uid(imap, "COPYUID", imap.uid("COPY", own, "Archive"), "UID COPY")
            counts["copied"] += 1
            if rng.random() < 0.3:
                continue  # the copy stays in Archive
            ok(imap.select("Archive"), "SELECT Archive")
            back = new_uid(imap, "COPYUID", imap.uid("MOVE", copy, "INBOX"), "UID MOVE")
            counts["moved_back"] += 1
            ok(imap.select("INBOX"), "SELECT INBOX")
            if rng.random() < 0.3:
                continue  # the message moved back stays in INBOX
            both = f"{own},{back}"
            ok(imap.uid("STORE", both, "+FLAGS", "(\\Deleted)"), "STORE \\Deleted")
            if rng.random() < 0.5:
                ok(imap.expunge(), "EXPUNGE")
            else:
                ok(imap.uid("EXPUNGE", both), "UID EXPUNGE")
            left = ok(imap.uid("SEARCH", "UID", both), "UID SEARCH")[0]
            assert left == b"", f"UIDs {left} still in INBOX after their expunge"
            counts["expunged"] += 2
        imap.logout()
    except Exception as e:  # reported by the main thread
        failures.append(f"session {n}: {e!r}")
    tally.append(counts)


def test_sessions_fetch_flag_copy_move_and_expunge_in_one_inbox():
    imap = login()
    for i in range(SEEDS):
        ok(imap.append("INBOX", None, None, f"Subject: seed {i}\r\n\r\n{'body ' * 400}\r\n".encode()), "APPEND")
    tally, failures = [], []
    threads = [threading.Thread(target=session, args=(n, tally, failures)) for n in range(SESSIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures
    total = {k: sum(c[k] for c in tally) for k in tally[0]}
    print(f"  {total}")
    assert total["expunged"] > 10 and total["fetched"] > 50, total
    inbox = int(ok(imap.select("INBOX"), "SELECT INBOX")[0])
    assert inbox == SEEDS + total["appended"] + total["moved_back"] - total["expunged"], (inbox, total)
    archive = int(ok(imap.select("Archive"), "SELECT Archive")[0])
    assert archive == total["copied"] - total["moved_back"], (archive, total)
    imap.logout()


if __name__ == "__main__":
    harness.run(globals())
