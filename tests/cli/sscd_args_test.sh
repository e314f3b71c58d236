#!/usr/bin/env bash
# sscd's command line: --help, --version, --check-config, and a bad config
# refused at start with FILE:LINE: reason and exit code 2.
#   sscd_args_test.sh SSCD
set -u
sscd=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

expect() { # name, expected exit code, grep pattern for output, command...
  local name=$1 want=$2 pattern=$3
  shift 3
  out=$("$@" 2>&1)
  rc=$?
  if [ "$rc" -eq "$want" ] && grep -qE -- "$pattern" <<<"$out"; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL $name: exit $rc (want $want), output:"
    echo "$out" | sed 's/^/    /'
  fi
}

touch "$tmp/c.pem" "$tmp/k.pem" "$tmp/ca.pem"
cat >"$tmp/good.ini" <<INI
[server]
listen = 127.0.0.1:50051
[tls]
cert = c.pem
key = k.pem
client_ca = ca.pem
INI
printf '[server]\nlisten = 127.0.0.1:50051\nthreads = lots\n' >"$tmp/bad.ini"
printf '[server]\n[nonsense]\n' >"$tmp/section.ini"
printf '[server]\nlisten = 127.0.0.1:50051\n' >"$tmp/notls.ini"

expect help 0 "usage: sscd" "$sscd" --help
expect version 0 "^sscd [0-9]" "$sscd" --version
expect no-config 2 "usage: sscd" "$sscd"
expect unknown-option 2 "usage: sscd" "$sscd" --frobnicate
expect check-ok 0 "good.ini: ok" "$sscd" --config "$tmp/good.ini" --check-config
expect bad-value 2 "bad.ini:3: .*threads" "$sscd" --config "$tmp/bad.ini"
expect bad-section 2 "section.ini:2: .*nonsense" "$sscd" --config "$tmp/section.ini"
expect missing-tls 2 "notls.ini: \[tls\] cert is required" "$sscd" --config "$tmp/notls.ini"
expect missing-file 2 "nosuch.ini: could not open" "$sscd" --config "$tmp/nosuch.ini"
# Empty PEM files pass the config check but cannot start a server.
expect bad-cert 1 "could not load certificate" "$sscd" --config "$tmp/good.ini"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
