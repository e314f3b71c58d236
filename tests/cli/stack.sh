# stack.sh - a private stack for a command-line suite: a PostgreSQL cluster
# (scripts/pg.sh), a development PKI (scripts/dev-certs.sh) and one sscd, all
# under $tmp; and the helpers that run ssc against it. Sourced after lib.sh,
# never run.
#
#   stack_workdir PREFIX  $tmp, $pg and the EXIT trap that cleans them up
#   stack_setup CERT...   certificates CERT... (plus the server's) in $certs,
#                         the cluster in $pg, $owner_url and $app_url, a free
#                         $port and $tmp/sscd.ini
#   stack_start           starts sscd ($sscd_pid) and waits until it answers
#   as WHO ARGS...        runs ssc as certificate WHO, captured (lib.sh)
#   expect NAME RC        the last run's exit status, no stderr on success
#   js EXPR / check NAME EXPR
#                         a Python expression over the last run's JSON (d)
#
# The suite sets $src, $sscd_bin and $ssc_bin and defines die.

# stack_workdir PREFIX: a scratch directory $tmp (/tmp/PREFIX.XXXXXX, in
# /tmp rather than $TMPDIR so that the cluster's socket path stays short),
# the cluster's directory $pg in it, and an EXIT trap that kills sscd and
# stops the cluster and removes both (KEEP=1 keeps them).
stack_workdir() {
  tmp=$(mktemp -d "/tmp/$1.XXXXXX")
  chmod 755 "$tmp"
  pg=$tmp/pg
  sscd_pid=""
  trap stack_cleanup EXIT
}

stack_cleanup() {
  if [ -n "$sscd_pid" ] && kill -0 "$sscd_pid" 2>/dev/null; then
    kill -KILL "$sscd_pid" 2>/dev/null
  fi
  if [ -z "${KEEP:-}" ]; then
    bash "$src/scripts/pg.sh" stop "$pg" immediate >/dev/null 2>&1
    rm -rf "$tmp"
  else
    echo "kept $tmp (cluster: scripts/pg.sh stop $pg)" >&2
  fi
}

stack_setup() {
  certs=$tmp/certs
  bash "$src/scripts/dev-certs.sh" "$certs" "$@" >"$tmp/certs.log" 2>&1 ||
    die "could not make certificates: $(cat "$tmp/certs.log")"

  bash "$src/scripts/pg.sh" setup "$pg" >"$tmp/urls" 2>"$tmp/pg.log" ||
    die "could not set up PostgreSQL: $(cat "$tmp/pg.log")"
  owner_url=$(grep 'user=ssc_owner' "$tmp/urls")
  app_url=$(grep 'user=ssc_app' "$tmp/urls")
  [ -n "$owner_url" ] && [ -n "$app_url" ] || die "pg.sh setup printed: $(cat "$tmp/urls")"

  port=$(free_port)
  cat >"$tmp/sscd.ini" <<INI
[server]
listen = 127.0.0.1:$port
threads = 2
shutdown_grace_s = 5

[tls]
cert = certs/server.pem
key = certs/server.key
client_ca = certs/ca.pem

[database]
url = $app_url
owner_url = $owner_url
INI
}

stack_start() {
  local ready=0
  "$sscd_bin" --config "$tmp/sscd.ini" >"$tmp/sscd.out" 2>"$tmp/sscd.err" &
  sscd_pid=$!
  for _ in $(seq 100); do
    as admin --timeout 1 health
    if [ "$rc" -eq 0 ]; then
      ready=1
      break
    fi
    kill -0 "$sscd_pid" 2>/dev/null || break
    sleep 0.1
  done
  [ "$ready" -eq 1 ] || die "sscd did not come up; its stderr: $(cat "$tmp/sscd.err")"
}

# Runs ssc as WHO (a certificate in $certs) with a clean environment;
# stdout, stderr and status land in $out, $err, $rc.
as() {
  local who=$1
  shift
  capture env -i PATH="$PATH" HOME="$tmp" ${ASAN_OPTIONS:+ASAN_OPTIONS=$ASAN_OPTIONS} \
    ${UBSAN_OPTIONS:+UBSAN_OPTIONS=$UBSAN_OPTIONS} \
    SSC_ENDPOINT="localhost:$port" SSC_CA="$certs/ca.pem" \
    SSC_CERT="$certs/$who.pem" SSC_KEY="$certs/$who.key" SSC_TIMEOUT=10 \
    "$ssc_bin" "$@"
}

# expect NAME RC : checks the status of the last run, and that a success
# wrote nothing on stderr.
expect() {
  local name=$1 want_rc=$2
  if [ "$rc" -ne "$want_rc" ]; then
    fail "$name" "exit status $rc, want $want_rc (stderr: $err)"
  elif [ "$want_rc" -eq 0 ] && [ -n "$err" ]; then
    fail "$name" "unexpected stderr: $err"
  else
    pass "$name"
  fi
}

# js EXPR : evaluates the Python expression EXPR with d = the JSON document
# in $out and prints the result; fails (status 1) when $out is not one JSON
# document.
js() {
  printf '%s' "$out" | "$python" -c '
import json, sys
d = json.load(sys.stdin)
r = eval(sys.argv[1])
print(json.dumps(r) if isinstance(r, (dict, list, bool)) or r is None else r)
' "$1" 2>"$tmp/js.err"
}

# check NAME EXPR : passes when the Python expression EXPR (over d, the JSON
# in $out) is true.
check() {
  local name=$1 expr=$2 got
  got=$(js "$expr")
  if [ "$got" = "true" ]; then
    pass "$name"
  else
    fail "$name" "$expr is ${got:-an error: $(cat "$tmp/js.err")}; stdout: ${out:0:600}"
  fi
}
