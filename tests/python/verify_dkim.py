"""Verifies every DKIM-Signature of a message with dkimpy (RFC 6376, RFC 8463), the public keys
taken from zone-file lines (what `kantor admin domain dns` prints) instead of DNS.

Usage: verify_dkim.py MESSAGE_FILE ZONE_FILE
Prints one line per signature, "d=DOMAIN s=SELECTOR a=ALGORITHM pass|fail", and exits 1 unless
there is at least one signature and every one passes."""

import re
import sys

import dkim


def records(zone_path):
    """TXT records by name (with the final dot), their strings joined."""
    found = {}
    for line in open(zone_path, encoding="utf-8"):
        parts = line.split("\t")
        if len(parts) >= 5 and parts[3] == "TXT":
            found[parts[0].encode()] = "".join(re.findall(r'"([^"]*)"', parts[4])).encode()
    return found


def main():
    message = open(sys.argv[1], "rb").read()
    txt = records(sys.argv[2])

    def dnsfunc(name, timeout=5):
        return txt.get(name if name.endswith(b".") else name + b".", b"")

    verifier = dkim.DKIM(message)
    count = len([h for h in verifier.headers if h[0].lower() == b"dkim-signature"])
    ok = count > 0
    for i in range(count):
        try:
            passed = verifier.verify(idx=i, dnsfunc=dnsfunc)
        except dkim.ValidationError as e:
            print("signature %d: %s" % (i, e))
            passed = False
        sig = verifier.signature_fields
        print(
            "d=%s s=%s a=%s %s"
            % (sig[b"d"].decode(), sig[b"s"].decode(), sig[b"a"].decode(), "pass" if passed else "fail")
        )
        ok = ok and passed
    sys.exit(0 if ok else 1)


main()
