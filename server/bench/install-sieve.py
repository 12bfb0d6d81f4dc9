#!/usr/bin/env python3
"""Uploads and activates one Sieve script for u1..uN@DOMAIN over ManageSieve with PyPI's
sievelib (docs/benchmarks.md, "Sieve"). The server must allow AUTHENTICATE without STARTTLS
(`[sieve] managesieve_allow_plaintext_auth = true`, loopback only).

    python3 server/bench/install-sieve.py --port 4190 --users 200 server/bench/sieve-20-rules.sieve
"""
import argparse

from sievelib.managesieve import Client

parser = argparse.ArgumentParser()
parser.add_argument("script")
parser.add_argument("--host", default="127.0.0.1")
parser.add_argument("--port", type=int, default=4190)
parser.add_argument("--users", type=int, default=200)
parser.add_argument("--domain", default="bench.test")
parser.add_argument("--password", default="pass")
args = parser.parse_args()
script = open(args.script).read()
for n in range(1, args.users + 1):
    client = Client(args.host, args.port)
    user = f"u{n}@{args.domain}"
    if not client.connect(user, args.password, authmech="PLAIN"):
        raise SystemExit(f"{user}: cannot log in: {client.errmsg}")
    if not (client.putscript("bench", script) and client.setactive("bench")):
        raise SystemExit(f"{user}: {client.errmsg}")
    client.logout()
print(f"installed for {args.users} users")
