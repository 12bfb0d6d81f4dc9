#!/usr/bin/env bash
# Creates the benchmark's mailboxes in a Kantor data directory: the domain bench.test and the users
# u1..u200@bench.test with password "pass", the same as the peers (../shared/peers/peers.sh).
# Runs `kantor admin`, which works whether or not the server is running. Safe to run again: a domain
# or user that already exists is left as it is.
#
#   bash server/bench/setup-kantor.sh --data DIR [--users N] [--domain D] [--password P] [--kantor BIN]
#
# --kantor defaults to $KANTOR, else ./target/release/kantor if built, else `kantor` on the PATH.
set -euo pipefail

usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

data="" users=200 domain=bench.test password=pass kantor="${KANTOR:-}"
while [ $# -gt 0 ]; do
  case "$1" in
    --data) data="${2:?}"; shift 2 ;;
    --users) users="${2:?}"; shift 2 ;;
    --domain) domain="${2:?}"; shift 2 ;;
    --password) password="${2:?}"; shift 2 ;;
    --kantor) kantor="${2:?}"; shift 2 ;;
    -h|--help) usage ;;
    *) echo "setup-kantor.sh: unknown argument: $1" >&2; usage ;;
  esac
done
[ -n "$data" ] || { echo "setup-kantor.sh: --data DIR is required" >&2; usage; }
case "$users" in ''|*[!0-9]*) echo "setup-kantor.sh: --users must be a number" >&2; exit 2 ;; esac
if [ -z "$kantor" ]; then
  if [ -x ./target/release/kantor ]; then kantor=./target/release/kantor; else kantor=kantor; fi
fi
command -v "$kantor" >/dev/null || { echo "setup-kantor.sh: $kantor not found (build with cargo build --release -p kantor)" >&2; exit 1; }

admin() { "$kantor" admin --data "$data" "$@"; }

# Adds something unless `list` already shows it; a failure for any other reason stops the script.
add_once() {
  local name="$1" list_cmd="$2"; shift 2
  local out
  if out=$("$@" 2>&1); then return 0; fi
  if $list_cmd 2>/dev/null | grep -qiF -- "$name"; then return 0; fi
  echo "setup-kantor.sh: could not add $name: $out" >&2
  exit 1
}

list_domains() { admin domain list; }
list_users() { admin user list --domain "$domain"; }

add_once "$domain" list_domains admin domain add "$domain"
existing=$(list_users 2>/dev/null || true)
created=0
for i in $(seq 1 "$users"); do
  address="u$i@$domain"
  # Exact match of the address as a word, so u1 does not match u10.
  if printf '%s\n' "$existing" | grep -qiw -- "$address"; then continue; fi
  if ! out=$(printf '%s' "$password" | admin user add "$address" --password-stdin 2>&1); then
    echo "setup-kantor.sh: could not add $address: $out" >&2
    exit 1
  fi
  created=$((created + 1))
done
echo "setup-kantor.sh: domain $domain ready, $created users created, u1..u$users@$domain (password set by --password)"
