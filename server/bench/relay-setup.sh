#!/usr/bin/env bash
# Prepares `kantor-bench relay` (docs/benchmarks.md, "Relay"): the DNS and routing that send mail
# for remote.test and deferred.test to the load tool's sink on 127.0.0.1:2600.
#   - server/bench/dns.sh: dnsmasq on 127.0.0.1:5354 (Kantor's [resolver]): MX of remote.test and
#     deferred.test -> mx.remote.test -> 127.0.0.1, and SPF for corp.test;
#   - the sender corp.test with sender@corp.test / pass in Kantor's data directory (DKIM keys are
#     made when the domain is added);
#   - Postfix of ../shared/peers/peers.sh (if running): transport_maps sending both domains to
#     [127.0.0.1]:2600, as Kantor's MX lookup does; it relays for loopback (mynetworks).
#
#   bash server/bench/relay-setup.sh --data DIR [--kantor BIN]      (stop: relay-setup.sh stop)
set -euo pipefail

data="" kantor="${KANTOR:-./target/release/kantor}"
if [ "${1:-}" = stop ]; then
  bash "$(dirname "$0")/dns.sh" stop
  if command -v postconf >/dev/null && [ -n "$(postconf -h transport_maps 2>/dev/null)" ]; then
    postconf -e "transport_maps =" && postfix reload >/dev/null 2>&1 || true
  fi
  exit 0
fi
while [ $# -gt 0 ]; do
  case "$1" in
    --data) data="${2:?}"; shift 2 ;;
    --kantor) kantor="${2:?}"; shift 2 ;;
    *) echo "relay-setup.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
done
[ -n "$data" ] || { echo "relay-setup.sh: --data DIR is required" >&2; exit 2; }

bash "$(dirname "$0")/dns.sh" >/dev/null

admin() { "$kantor" admin --data "$data" "$@"; }
admin domain list 2>/dev/null | grep -qw corp.test || admin domain add corp.test
admin user list --domain corp.test 2>/dev/null | grep -qw sender@corp.test \
  || printf pass | admin user add sender@corp.test --password-stdin

if command -v postconf >/dev/null && [ -f /var/spool/postfix/pid/master.pid ]; then
  postconf -e "transport_maps = inline:{remote.test=smtp:[127.0.0.1]:2600, deferred.test=smtp:[127.0.0.1]:2600}"
  postfix reload >/dev/null 2>&1
  echo "postfix: remote.test and deferred.test go to [127.0.0.1]:2600"
fi
echo "dnsmasq on 127.0.0.1:5354 (server/bench/dns.sh); sender@corp.test / pass in $data"
