#!/usr/bin/env bash
# The benchmarks' DNS (docs/benchmarks.md): dnsmasq on 127.0.0.1:5354, which the benchmark
# configurations (server/bench/kantor-*.toml, [resolver]) ask. It answers at once for .test and
# .example (NXDOMAIN for any name not below), so the SPF/DKIM/DMARC checks of port 25 cost a
# loopback query instead of the machine's resolver timing out, and it serves the records of the
# `relay` benchmark: remote.test and deferred.test with mx.remote.test (127.0.0.1) as MX, and
# SPF for corp.test.
#
#   bash server/bench/dns.sh          (again: restarts it)
#   bash server/bench/dns.sh stop
set -euo pipefail
pid_file=/tmp/kantor-bench-dnsmasq.pid
[ -f "$pid_file" ] && kill "$(cat "$pid_file")" 2>/dev/null || true
rm -f "$pid_file"
[ "${1:-}" = stop ] && exit 0
command -v dnsmasq >/dev/null || { echo "dns.sh: dnsmasq is needed (apt-get install dnsmasq-base)" >&2; exit 1; }
dnsmasq --port=5354 --listen-address=127.0.0.1 --bind-interfaces --no-resolv --no-hosts \
  --pid-file="$pid_file" --local=/test/ --local=/example/ \
  --mx-host=remote.test,mx.remote.test,10 --mx-host=deferred.test,mx.remote.test,10 \
  --host-record=mx.remote.test,127.0.0.1 \
  --txt-record=corp.test,"v=spf1 ip4:127.0.0.0/8 -all"
echo "dnsmasq on 127.0.0.1:5354"
