#!/usr/bin/env bash
# Delivery with the full-text index on and off (issue 12's aim: within 10%), measured in rounds
# that alternate the order, after a warm-up round of each that is not counted: on this machine
# the first target of a `kantor-bench smtp` run is often the slower, whatever it is, so one run
# in one order says little (docs/benchmarks.md, "Delivery with the full-text index on and off").
#
#   bash server/bench/index-on-off.sh [--rounds N] [--messages M] [--connections C] [--size B]
#                                     [--on-config FILE]
#
# Starts two fresh servers (server/bench/kantor-bench.toml: index on, SMTP 2525, POP3 2110,
# metrics on 2080, or --on-config, a variant on the same ports; kantor-bench-nosearch.toml: index off, SMTP 4525, POP3 4110) in /tmp/kb-idx-on
# and /tmp/kb-idx-off, 50 users each, and the benchmarks' DNS (dns.sh). Each round sends M
# messages to each server, one after the other, in the order off,on then on,off then ... After
# each round it waits until the index has caught up (`kantor_search_lag_changes 0`) and prints
# that wait, and each server's CPU (user+system, /proc) per delivered message, so that the
# indexer's cost shows even when it ran after the deliveries. Ends with the medians and their
# ratio. Needs a release build (`cargo build --release -p kantor -p kantor-bench`).
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=6 messages=5000 connections=20 size=10240
config_on=server/bench/kantor-bench.toml config_off=server/bench/kantor-bench-nosearch.toml
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="${2:?}"; shift 2 ;;
    --messages) messages="${2:?}"; shift 2 ;;
    --connections) connections="${2:?}"; shift 2 ;;
    --size) size="${2:?}"; shift 2 ;;
    --on-config) config_on="${2:?}"; shift 2 ;;
    *) sed -n '2,17p' "$0" >&2; exit 2 ;;
  esac
done
kantor=./target/release/kantor bench=./target/release/kantor-bench
[ -x "$kantor" ] && [ -x "$bench" ] || { echo "build first: cargo build --release -p kantor -p kantor-bench" >&2; exit 1; }

declare -A pid data smtp pop3
data[on]=/tmp/kb-idx-on data[off]=/tmp/kb-idx-off
smtp[on]=127.0.0.1:2525 pop3[on]=127.0.0.1:2110
smtp[off]=127.0.0.1:4525 pop3[off]=127.0.0.1:4110

stop() { for k in on off; do [ -n "${pid[$k]:-}" ] && kill "${pid[$k]}" 2>/dev/null || true; done; }
trap stop EXIT
bash server/bench/dns.sh >/dev/null
for k in on off; do
  pkill -f "release/kantor serve --data ${data[$k]}" 2>/dev/null || true
  sleep 0.5
  rm -rf "${data[$k]}"
  config=config_$k
  "$kantor" serve --data "${data[$k]}" --config "${!config}" --domain bench.test \
    > "${data[$k]}.log" 2>&1 &
  pid[$k]=$!
done
for k in on off; do
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/${smtp[$k]%:*}/${smtp[$k]#*:}") 2>/dev/null && break
    sleep 0.2
  done
  bash server/bench/setup-kantor.sh --data "${data[$k]}" --users 50 >/dev/null
done

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
lag() { curl -s http://127.0.0.1:2080/metrics | awk '$1 == "kantor_search_lag_changes" {print $2}'; }
# Seconds until the index has caught up (0.1 s polls, at most 120 s).
catch_up() {
  local start; start=$(date +%s.%N)
  for _ in $(seq 1 1200); do
    [ "$(lag)" = 0 ] && break
    sleep 0.1
  done
  echo "$(date +%s.%N) - $start" | bc
}
# One server's delivered/s for M messages, and its CPU ticks a message (the index's catch-up
# included).
run_one() {
  local k=$1 n=$2 before after line rate
  before=$(cpu_ticks "${pid[$k]}")
  line=$("$bench" smtp --target "$k=${smtp[$k]},pop3=${pop3[$k]}" --from sender@remote.example \
    --messages "$n" --connections "$connections" --size "$size" --users 50 --json | grep '^{')
  rate=$(echo "$line" | sed -n 's/.*"delivered_per_sec":\([0-9.]*\).*/\1/p')
  [ "$k" = on ] && waited=$(catch_up) || waited=-
  after=$(cpu_ticks "${pid[$k]}")
  local hz; hz=$(getconf CLK_TCK)
  echo "$rate $(echo "scale=3; ($after - $before) * 1000 / $hz / $n" | bc) $waited"
}

echo "warm-up: 1000 messages each (not counted)"
run_one off 1000 >/dev/null
run_one on 1000 >/dev/null
printf '%-6s %-8s %12s %12s %14s %14s %10s\n' round order "off msg/s" "on msg/s" "off CPU ms/msg" "on CPU ms/msg" "lag 0 after"
rates_on=() rates_off=() cpu_on=() cpu_off=()
for r in $(seq 1 "$rounds"); do
  if [ $((r % 2)) = 1 ]; then order="off on"; else order="on off"; fi
  declare -A got=()
  for k in $order; do got[$k]=$(run_one "$k" "$messages"); done
  read -r off_rate off_cpu _ <<< "${got[off]}"
  read -r on_rate on_cpu waited <<< "${got[on]}"
  rates_on+=("$on_rate") rates_off+=("$off_rate") cpu_on+=("$on_cpu") cpu_off+=("$off_cpu")
  printf '%-6s %-8s %12s %12s %14s %14s %9ss\n' "$r" "${order// /,}" "$off_rate" "$on_rate" "$off_cpu" "$on_cpu" "$waited"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
m_on=$(median "${rates_on[@]}") m_off=$(median "${rates_off[@]}")
c_on=$(median "${cpu_on[@]}") c_off=$(median "${cpu_off[@]}")
echo "median delivered/s: off $m_off, on $m_on, on/off $(echo "scale=3; $m_on / $m_off" | bc)"
echo "median server CPU ms a message: off $c_off, on $c_on, on/off $(echo "scale=3; $c_on / $c_off" | bc)"
