#!/usr/bin/env python3
"""LIST and SELECT for a user who sees many folders of other users (issue 13's benchmark:
1,000 shared folders of 50 other users, aim p99 under 50 ms).

Setup (not timed), on a running server whose users were made by setup-kantor.sh (u1..uN,
password "pass"): each of --owners users (u2..) creates --folders - 6 folders beside its six
special-use ones over IMAP, then `kantor admin acl set OWNER VIEWER lr` shares all of them with
the viewer (u1). Measured, on one imaplib session of the viewer, --repeat times each:
`LIST "" "*"` (every name: the viewer's own and the shared ones), `LIST "" "Other Users/%"`,
and SELECT of a shared folder (a different one each time); then MYRIGHTS on one. Prints p50, p99
and max per command in milliseconds, and `--json` one line.

    python3 server/bench/acl_list_select.py --port 2143 --data /tmp/kantor-acl \
        --kantor ./target/release/kantor [--owners 50] [--folders 20] [--repeat 200]
"""
import argparse
import imaplib
import json
import subprocess
import time


def login(args, user):
    imap = imaplib.IMAP4(args.host, args.port, timeout=120)
    imap.login(f"{user}@{args.domain}", args.password)
    return imap


def setup(args):
    viewer = f"u1@{args.domain}"
    for n in range(2, args.owners + 2):
        owner = f"u{n}@{args.domain}"
        imap = login(args, f"u{n}")
        for f in range(max(args.folders - 6, 0)):
            typ, _ = imap.create(f"Folder{f:02}")
            assert typ in ("OK", "NO"), typ  # NO: it exists (a second run)
        imap.logout()
        subprocess.run(
            [args.kantor, "admin", "--data", args.data, "acl", "set", owner, viewer, "lr"],
            check=True,
            capture_output=True,
        )


def percentile(samples, p):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def timed(samples, name, call):
    start = time.perf_counter()
    typ, data = call()
    samples.setdefault(name, []).append((time.perf_counter() - start) * 1000)
    assert typ == "OK", (name, typ, data)
    return data


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=2143)
    parser.add_argument("--domain", default="bench.test")
    parser.add_argument("--password", default="pass")
    parser.add_argument("--data", required=True, help="the server's data directory (for kantor admin)")
    parser.add_argument("--kantor", default="./target/release/kantor")
    parser.add_argument("--owners", type=int, default=50)
    parser.add_argument("--folders", type=int, default=20, help="folders per owner, special-use ones included")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--skip-setup", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not args.skip_setup:
        setup(args)
    imap = login(args, "u1")
    samples = {}
    names = [l for l in timed(samples, 'LIST "" "*"', lambda: imap.list('""', "*")) if l]
    shared = [l.decode().rsplit(' "/" ', 1)[1] for l in names if b"Other Users/" in l and b"Noselect" not in l]
    for i in range(args.repeat):
        timed(samples, 'LIST "" "*"', lambda: imap.list('""', "*"))
        timed(samples, 'LIST "" "Other Users/%"', lambda: imap.list('""', '"Other Users/%"'))
        folder = shared[i % len(shared)]
        timed(samples, "SELECT shared", lambda: imap.select(folder, readonly=True))
        timed(samples, "MYRIGHTS shared", lambda: imap._simple_command("MYRIGHTS", folder))
    imap.logout()
    result = {
        "listed": len(names),
        "shared_folders": len(shared),
        "commands_ms": [
            {"command": k, "p50": round(percentile(v, 50), 2), "p99": round(percentile(v, 99), 2), "max": round(max(v), 2)}
            for k, v in samples.items()
        ],
    }
    if args.json:
        print(json.dumps(result))
        return
    print(f"{result['listed']} names listed, {result['shared_folders']} of them shared folders")
    print(f"{'command':<28}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    for c in result["commands_ms"]:
        print(f"{c['command']:<28}{c['p50']:>10}{c['p99']:>10}{c['max']:>10}")


if __name__ == "__main__":
    imaplib.Commands.setdefault("MYRIGHTS", ("AUTH", "SELECTED"))
    main()
