"""Issue 13: what each member's own \\Seen in a shared account costs (docs/benchmarks.md,
"Per-member \\Seen in a shared mailbox"). On a server set up by setup-kantor.sh, with
`kantor admin shared add team@DOMAIN --member u1@DOMAIN --member u2@DOMAIN` done: u1 APPENDs
--messages messages to the shared INBOX, every other one with \\Seen (so u1 has a row for half
of them, u2 none), then SELECT, STATUS (UNSEEN), FETCH 1:* (FLAGS) and SEARCH UNSEEN are timed
--repeat times on each member's session, from the command to its tagged OK."""
import argparse
import imaplib
import statistics
import time

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, default=2143)
parser.add_argument("--domain", default="bench.test")
parser.add_argument("--password", default="pass")
parser.add_argument("--messages", type=int, default=10000)
parser.add_argument("--repeat", type=int, default=50)
args = parser.parse_args()
box = f'"Shared Folders/team@{args.domain}/INBOX"'


def login(user):
    imap = imaplib.IMAP4("127.0.0.1", args.port)
    imap.login(f"{user}@{args.domain}", args.password)
    return imap


def timed(imap, command):
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        typ, data = command(imap)
        times.append((time.perf_counter() - start) * 1000)
        assert typ == "OK", (typ, data)
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.99) - 1)]


first, second = login("u1"), login("u2")
body = b"Subject: x\r\n\r\n" + b"text " * 2000 + b"\r\n"
start = time.time()
for n in range(args.messages):
    typ, data = first.append(box, "(\\Seen)" if n % 2 == 0 else None, None, body)
    assert typ == "OK", (typ, data)
print(f"appended {args.messages} in {time.time() - start:.1f} s")
for name, imap in (("u1 (half seen)", first), ("u2 (none seen)", second)):
    imap.select(box)
    print(name, imap.status(box, "(UNSEEN)")[1][0].decode())
    for what, command in (
        ("SELECT", lambda i: i.select(box)),
        ("STATUS UNSEEN", lambda i: i.status(box, "(UNSEEN)")),
        ("FETCH 1:* FLAGS", lambda i: i.fetch("1:*", "(FLAGS)")),
        ("SEARCH UNSEEN", lambda i: i.search(None, "UNSEEN")),
    ):
        p50, p99 = timed(imap, command)
        print(f"  {what:18} p50 {p50:7.2f} ms  p99 {p99:7.2f} ms")
