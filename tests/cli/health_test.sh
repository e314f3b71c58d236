#!/usr/bin/env bash
# health_test.sh - `ssc health` end to end against a throwaway sscd.
#
#   tests/cli/health_test.sh SSCD SSC SOURCE_DIR
#
# Makes a development PKI with scripts/dev-certs.sh in a temp dir, starts sscd
# on a free port, and checks what a user of ssc sees: output, --json, exit
# statuses per failure class (one stderr line each), settings from flags,
# environment and config file with their precedence, and that SIGTERM drains
# sscd to exit status 0. Prints one line per case and "N passed, M failed".
set -uo pipefail

if [ $# -ne 3 ]; then
  echo "usage: $0 SSCD SSC SOURCE_DIR" >&2
  exit 2
fi
sscd_bin=$1
ssc_bin=$2
src=$3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ssc-cli-test.XXXXXX")
sscd_pid=""
cleanup() {
  if [ -n "$sscd_pid" ] && kill -0 "$sscd_pid" 2>/dev/null; then
    kill -KILL "$sscd_pid" 2>/dev/null
  fi
  if [ -z "${KEEP:-}" ]; then
    rm -rf "$tmp"
  else
    echo "kept $tmp" >&2
  fi
}
trap cleanup EXIT
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

# Runs ssc with a clean environment plus the given VAR=value words before
# "--"; stdout, stderr and status land in $out, $err, $rc.
run_ssc() {
  local envs=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    envs+=("$1")
    shift
  done
  shift
  capture env -i PATH="$PATH" HOME="$tmp/home" ${ASAN_OPTIONS:+ASAN_OPTIONS=$ASAN_OPTIONS} \
    "${envs[@]}" "$ssc_bin" "$@"
}

# expect NAME RC [STDOUT] : checks the last run_ssc.
expect() {
  local name=$1 want_rc=$2 want_out=${3-}
  if [ "$rc" -ne "$want_rc" ]; then
    fail "$name" "exit status $rc, want $want_rc (stderr: $err)"
  elif [ $# -ge 3 ] && [ "$out" != "$want_out" ]; then
    fail "$name" "stdout \"$out\", want \"$want_out\""
  else
    pass "$name"
  fi
}

# ---- setup ----------------------------------------------------------------

certs=$tmp/certs
if ! bash "$src/scripts/dev-certs.sh" "$certs" admin >"$tmp/certs.log" 2>&1; then
  echo "could not make certificates:" >&2
  cat "$tmp/certs.log" >&2
  exit 1
fi
# A second CA, which sscd does not trust and which does not sign sscd.
bash "$src/scripts/dev-certs.sh" "$tmp/other" admin >/dev/null 2>&1 || exit 1
mkdir -p "$tmp/home"

port=$(free_port)
dead_port=$(free_port)
while [ "$dead_port" = "$port" ]; do
  dead_port=$(free_port)
done
cat >"$tmp/sscd.ini" <<EOF
[server]
listen = 127.0.0.1:$port
threads = 2
shutdown_grace_s = 5

[tls]
cert = certs/server.pem
key = certs/server.key
client_ca = certs/ca.pem
EOF

"$sscd_bin" --config "$tmp/sscd.ini" >"$tmp/sscd.out" 2>"$tmp/sscd.err" &
sscd_pid=$!

creds=(--ca "$certs/ca.pem" --cert "$certs/admin.pem" --key "$certs/admin.key")
ready=0
for _ in $(seq 100); do
  run_ssc -- --endpoint "localhost:$port" --timeout 1 "${creds[@]}" health
  if [ "$rc" -eq 0 ]; then
    ready=1
    break
  fi
  if ! kill -0 "$sscd_pid" 2>/dev/null; then
    break
  fi
  sleep 0.1
done
if [ "$ready" -ne 1 ]; then
  echo "sscd did not come up; its stderr:" >&2
  cat "$tmp/sscd.err" >&2
  exit 1
fi

ep=(--endpoint "localhost:$port")

# ---- output -----------------------------------------------------------------

run_ssc -- "${ep[@]}" "${creds[@]}" health
expect "health prints SERVING" 0 "SERVING"

run_ssc -- "${ep[@]}" "${creds[@]}" health --json
expect "health --json" 0 '{"status":"SERVING"}'

run_ssc -- --json "${ep[@]}" "${creds[@]}" health grpc.health.v1.Health
expect "health SERVICE with --json first" 0 '{"status":"SERVING"}'

run_ssc -- "${ep[@]}" "${creds[@]}" health no.such.Service
expect_err "unknown service is NOT_FOUND (6)" 6 \
  '^ssc: health: NOT_FOUND: '

# ---- failure classes -----------------------------------------------------

run_ssc -- --endpoint "127.0.0.1:$dead_port" "${creds[@]}" health
expect_err "wrong port: exit 3, one line" 3 \
  "^ssc: health: UNAVAILABLE: could not connect to 127\\.0\\.0\\.1:$dead_port: connection refused\$"

run_ssc -- "${ep[@]}" --ca "$tmp/other/ca.pem" --cert "$certs/admin.pem" \
  --key "$certs/admin.key" health
expect_err "wrong CA: exit 3" 3 \
  "^ssc: health: UNAVAILABLE: tls handshake with localhost:$port failed: certificate verify failed"

run_ssc -- "${ep[@]}" --ca "$certs/ca.pem" --cert "$tmp/other/admin.pem" \
  --key "$tmp/other/admin.key" health
expect_err "untrusted client certificate: exit 3" 3 \
  "^ssc: health: UNAVAILABLE: tls handshake with localhost:$port failed"

run_ssc -- "${ep[@]}" --ca "$certs/ca.pem" health
expect_err "no client certificate: exit 3" 3 \
  "^ssc: health: UNAVAILABLE: .*no client certificate was offered"

run_ssc -- "${ep[@]}" --ca "$certs/ca.pem" --cert "$tmp/missing.pem" \
  --key "$certs/admin.key" health
expect_err "missing cert file: exit 2" 2 \
  "^ssc: health: could not read certificate $tmp/missing\\.pem: No such file or directory\$"

run_ssc -- "${ep[@]}" health
expect_err "no CA configured: exit 2" 2 '^ssc: health: no CA certificate configured'

run_ssc -- "${ep[@]}" "${creds[@]}" --timeout soon health
expect_err "bad --timeout: exit 2" 2 '^ssc: invalid --timeout "soon"'

run_ssc -- --endpoint "localhost" "${creds[@]}" health
expect_err "endpoint without port: exit 2" 2 '^ssc: health: invalid endpoint'

run_ssc -- "${creds[@]}" health --bogus
rc_usage=$rc
if [ "$rc_usage" -eq 2 ] && printf '%s' "$err" | grep -q 'unknown option "--bogus"'; then
  pass "unknown option: exit 2"
else
  fail "unknown option: exit 2" "status $rc_usage, stderr: $err"
fi

run_ssc -- frobnicate
if [ "$rc" -eq 2 ] && printf '%s' "$err" | grep -q 'unknown command "frobnicate"'; then
  pass "unknown command: exit 2"
else
  fail "unknown command: exit 2" "status $rc, stderr: $err"
fi

# ---- help -------------------------------------------------------------------

run_ssc -- --help
if [ "$rc" -eq 0 ] && printf '%s' "$out" | grep -q '^Exit status:' &&
  printf '%s' "$out" | grep -q '^  health '; then
  pass "ssc --help lists commands and exit statuses"
else
  fail "ssc --help" "status $rc, stdout: $out"
fi

run_ssc -- help health
if [ "$rc" -eq 0 ] && printf '%s' "$out" | grep -q '^usage: ssc health'; then
  pass "ssc help health"
else
  fail "ssc help health" "status $rc, stdout: $out"
fi

run_ssc -- --version
if [ "$rc" -eq 0 ] && printf '%s' "$out" | grep -Eq '^ssc [0-9]+\.[0-9]+'; then
  pass "ssc --version"
else
  fail "ssc --version" "status $rc, stdout: $out"
fi

# ---- settings: environment, config file, precedence ----------------------

run_ssc SSC_ENDPOINT="localhost:$port" SSC_CA="$certs/ca.pem" \
  SSC_CERT="$certs/admin.pem" SSC_KEY="$certs/admin.key" -- health
expect "settings from the environment" 0 "SERVING"

run_ssc SSC_ENDPOINT="127.0.0.1:$dead_port" SSC_CA="$certs/ca.pem" \
  SSC_CERT="$certs/admin.pem" SSC_KEY="$certs/admin.key" -- "${ep[@]}" health
expect "flag beats environment" 0 "SERVING"

run_ssc SSC_TIMEOUT="never" SSC_CA="$certs/ca.pem" -- "${ep[@]}" health
expect_err "bad SSC_TIMEOUT: exit 2" 2 '^ssc: invalid SSC_TIMEOUT "never"'

# Relative paths in the file are relative to the file.
mkdir -p "$tmp/conf"
cat >"$tmp/conf/ssc.ini" <<EOF
[client]
endpoint = localhost:$port
ca = ../certs/ca.pem
cert = ../certs/admin.pem
key = ../certs/admin.key
timeout = 5
EOF
run_ssc -- --config "$tmp/conf/ssc.ini" health
expect "settings from --config" 0 "SERVING"

run_ssc SSC_CONFIG="$tmp/conf/ssc.ini" -- health --json
expect "settings from SSC_CONFIG" 0 '{"status":"SERVING"}'

mkdir -p "$tmp/xdg/ssc"
cp "$tmp/conf/ssc.ini" "$tmp/xdg/ssc/ssc.ini"
sed -i 's|\.\./certs|../../certs|' "$tmp/xdg/ssc/ssc.ini"
run_ssc XDG_CONFIG_HOME="$tmp/xdg" -- health
expect "default config file under XDG_CONFIG_HOME" 0 "SERVING"

run_ssc SSC_ENDPOINT="localhost:$port" -- --config "$tmp/conf/ssc.ini" \
  --endpoint "127.0.0.1:$dead_port" health
expect "flag beats environment and file" 3

sed "s|^endpoint = .*|endpoint = 127.0.0.1:$dead_port|" "$tmp/conf/ssc.ini" \
  >"$tmp/conf/dead.ini"
run_ssc SSC_ENDPOINT="localhost:$port" -- --config "$tmp/conf/dead.ini" health
expect "environment beats file" 0 "SERVING"

printf '[client]\nendpoint = localhost:%s\nhots = x\n' "$port" >"$tmp/conf/bad.ini"
run_ssc -- --config "$tmp/conf/bad.ini" health
expect_err "unknown key in config: exit 2" 2 \
  "^ssc: $tmp/conf/bad\\.ini:3: unknown key \"hots\" in \\[client\\]\$"

run_ssc -- --config "$tmp/conf/none.ini" health
expect_err "missing config file: exit 2" 2 \
  "^ssc: could not read config file $tmp/conf/none\\.ini"

# ---- --watch and the drain ------------------------------------------------

env -i PATH="$PATH" HOME="$tmp/home" ${ASAN_OPTIONS:+ASAN_OPTIONS=$ASAN_OPTIONS} \
  "$ssc_bin" "${ep[@]}" "${creds[@]}" health --watch \
  >"$tmp/watch.out" 2>"$tmp/watch.err" &
watch_pid=$!
for _ in $(seq 50); do
  [ -s "$tmp/watch.out" ] && break
  sleep 0.1
done
if [ "$(head -n 1 "$tmp/watch.out")" = "SERVING" ]; then
  pass "health --watch prints the current status"
else
  fail "health --watch" "stdout: $(cat "$tmp/watch.out"), stderr: $(cat "$tmp/watch.err")"
fi

kill -TERM "$sscd_pid"
sscd_rc=0
wait "$sscd_pid" || sscd_rc=$?
sscd_pid=""
if [ "$sscd_rc" -eq 0 ]; then
  pass "SIGTERM: sscd exits 0"
else
  fail "SIGTERM: sscd exits 0" "exit status $sscd_rc; stderr: $(cat "$tmp/sscd.err")"
fi

watch_rc=0
wait "$watch_pid" || watch_rc=$?
if grep -q '^NOT_SERVING$' "$tmp/watch.out" && [ "$watch_rc" -ne 0 ]; then
  pass "health --watch sees the drain (NOT_SERVING, exit $watch_rc)"
else
  fail "health --watch sees the drain" \
    "exit $watch_rc, stdout: $(tr '\n' ' ' <"$tmp/watch.out") stderr: $(cat "$tmp/watch.err")"
fi

# ---- sanitizers -------------------------------------------------------------

sanitizer='ERROR: AddressSanitizer|runtime error:|LeakSanitizer'
logs=("$tmp/ssc-all.log" "$tmp/sscd.err" "$tmp/watch.err")
if grep -qE "$sanitizer" "${logs[@]}" 2>/dev/null; then
  fail "no sanitizer reports" "$(grep -hE "$sanitizer" "${logs[@]}" | head -5)"
else
  pass "no sanitizer reports"
fi

finish
