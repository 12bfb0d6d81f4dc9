"""Prints the Subject of every message in a POP3 maildrop, one per line, using Python's poplib
over implicit TLS. Used by the Rust end-to-end tests to check what arrived.

usage: pop3_subjects.py HOST PORT USER PASSWORD
"""
import poplib
import ssl
import sys

host, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
pop = poplib.POP3_SSL(host, port, context=ssl._create_unverified_context(), timeout=60)
pop.user(user)
pop.pass_(password)
count, _size = pop.stat()
for n in range(1, count + 1):
    _resp, lines, _octets = pop.top(n, 0)
    subject = next((l[8:].strip().decode() for l in lines if l.lower().startswith(b"subject:")), "")
    print(subject)
pop.quit()
