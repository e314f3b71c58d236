#!/usr/bin/env bash
# The main job: install what is missing, build, create development
# certificates under var/, start sscd and talk to it through ssc.
#
# sscd keeps running afterwards (var/sscd.pid, log in var/sscd.log); running
# this script again restarts it. `scripts/run.sh --stop` stops it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
var=$root/var
port=${SSC_PORT:-50051}

stop_sscd() {
  if [ -f "$var/sscd.pid" ] && kill -0 "$(cat "$var/sscd.pid")" 2>/dev/null; then
    kill -TERM "$(cat "$var/sscd.pid")"
    for _ in $(seq 50); do
      kill -0 "$(cat "$var/sscd.pid")" 2>/dev/null || break
      sleep 0.1
    done
  fi
  rm -f "$var/sscd.pid"
}

if [ "${1:-}" = "--stop" ]; then
  stop_sscd
  exit 0
fi

echo "==> installing missing packages"
bash "$root/scripts/deps.sh"
echo "==> building"
bash "$root/scripts/build.sh" "$root/build"

mkdir -p "$var"
echo "==> development certificates in var/certs"
bash "$root/scripts/dev-certs.sh" "$var/certs"

cat > "$var/sscd.ini" <<INI
; written by scripts/run.sh
[server]
listen = 127.0.0.1:$port
shutdown_grace_s = 10

[tls]
cert = certs/server.pem
key = certs/server.key
client_ca = certs/ca.pem
client_auth = require
INI

stop_sscd
echo "==> starting sscd on 127.0.0.1:$port"
"$root/build/daemon/sscd" --config "$var/sscd.ini" >>"$var/sscd.log" 2>&1 &
echo $! >"$var/sscd.pid"

export SSC_ENDPOINT=localhost:$port SSC_CA=$var/certs/ca.pem \
  SSC_CERT=$var/certs/admin.pem SSC_KEY=$var/certs/admin.key
ssc=$root/build/client/ssc
for _ in $(seq 100); do
  "$ssc" health >/dev/null 2>&1 && break
  kill -0 "$(cat "$var/sscd.pid")" 2>/dev/null || { cat "$var/sscd.log"; exit 1; }
  sleep 0.1
done

echo "==> ssc health"
"$ssc" health
echo "==> ssc health --json"
"$ssc" --json health

cat <<MSG

sscd is running (pid $(cat "$var/sscd.pid"), log var/sscd.log). To use it:
  export SSC_ENDPOINT=$SSC_ENDPOINT SSC_CA=$SSC_CA \\
         SSC_CERT=$SSC_CERT SSC_KEY=$SSC_KEY
  build/client/ssc health
Stop it with: scripts/run.sh --stop
MSG
