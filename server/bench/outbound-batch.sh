#!/usr/bin/env bash
# Outbound delivery of N queued messages for one domain to a remote SMTP server (aiosmtpd,
# tests/python/smtp_peer.py, found through dnsmasq), with `[outbound] max_messages_per_connection`
# = PER: the messages are submitted while the server is down, Kantor is killed and started again
# once the server is up, and the time from that start to the server holding all N is printed.
# Usage: server/bench/outbound-batch.sh PER [N]   (after `cargo build -p kantor`; needs dnsmasq,
# python3 with aiosmtpd; CARGO_TARGET_DIR as for the build).
set -eu
PER=$1; N=${2:-2000}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
K=${CARGO_TARGET_DIR:-$ROOT/target}/debug/kantor
D=$(mktemp -d)
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true; rm -rf "$D"' EXIT
free() { python3 -c "import socket;s=socket.socket(socket.AF_INET,socket.$1);s.bind(('127.0.0.1',0));print(s.getsockname()[1])"; }
P=$(free SOCK_STREAM); DP=$(free SOCK_DGRAM)
dnsmasq --port="$DP" --listen-address=127.0.0.1 --bind-interfaces --no-resolv --no-hosts \
  --keep-in-foreground --pid-file= --local=/test/ --mx-host=b.test,mx.b.test,10 \
  --host-record=mx.b.test,127.0.0.1 & PIDS+=($!)
mkdir "$D/peer"
cat > "$D/k.toml" <<CONF
[server]
hostname = "mail.one.test"
[listeners]
smtp = "127.0.0.1:0"
submission = "127.0.0.1:0"
submissions = ""
pop3 = ""
pop3s = ""
imap = ""
imaps = ""
https = ""
http = ""
[resolver]
nameservers = ["127.0.0.1:$DP"]
[outbound]
smtp_port = $P
retry_schedule_secs = [1]
max_messages_per_connection = $PER
CONF
start() {
  : > "$D/out.log"
  "$K" serve --domain one.test --data "$D/data" --config "$D/k.toml" > "$D/out.log" 2>/dev/null &
  KP=$!; PIDS+=($KP)
  until grep -q "kantor: ready" "$D/out.log"; do sleep 0.05; done
}
start
echo Secret-pass-1 | "$K" admin --data "$D/data" user add jo@one.test --password-stdin >/dev/null
SUB=$(grep "listening submission" "$D/out.log" | awk '{print $4}')
python3 - "$SUB" "$N" <<'PY'
import smtplib, ssl, sys
host, port = sys.argv[1].rsplit(":", 1)
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP(host, int(port)); s.starttls(context=ctx); s.login("jo@one.test", "Secret-pass-1")
for i in range(int(sys.argv[2])):
    s.sendmail("jo@one.test", [f"u{i % 7}@b.test"],
               f"From: jo@one.test\r\nTo: u@b.test\r\nSubject: m{i}\r\n\r\n" + "body line\r\n" * 40)
s.quit()
PY
sleep 1.5; kill -9 "$KP"; wait "$KP" 2>/dev/null || true; sleep 1.2
python3 "$ROOT/tests/python/smtp_peer.py" "$D/peer" "$P" >/dev/null & PIDS+=($!)
sleep 0.5
T0=$(date +%s.%N); start
until [ "$(ls "$D/peer" | grep -c json)" -ge "$N" ]; do sleep 0.05; done
T1=$(date +%s.%N)
echo "max_messages_per_connection=$PER messages=$N seconds=$(echo "$T1 - $T0" | bc)"
