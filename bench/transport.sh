#!/usr/bin/env bash
# transport.sh - sscd's gRPC transport against nghttpd, measured in one run.
#
#   bench/transport.sh [--build DIR] [--duration SECONDS] [--connections N]
#                      [--streams M] [--warm-up SECONDS] [--rounds R]
#                      [--skip-idle]
#
# Throughput and latency: h2load (Debian nghttp2-client) over TLS, with the
# same -c/-m/-D/--warm-up-time for every run, against
#   1. sscd, POST /grpc.health.v1.Health/Check: the smallest unary call
#      (a 5-byte gRPC frame carrying an empty HealthCheckRequest);
#   2. sscd, POST /grpc.testing.TestService/UnaryCall: a SimpleRequest with a
#      1024-byte payload asking for a 1024-byte payload back;
#   and, as the reference for each, nghttpd (Debian nghttp2-server) serving a
#   static 1-byte file, sent the very same request (method, headers, body) so
#   that h2load's side of the work is the same; only the server differs.
# The server runs on core 0 and h2load on core 1 (taskset); sscd has
# threads = 1 and nghttpd one worker. The runs are interleaved (sscd, nghttpd,
# sscd, nghttpd, ...) for --rounds rounds and the medians are reported, so a
# burst of load from elsewhere on the machine hits both sides alike.
#
# For each run: requests/s (h2load's figure over the measured period), and
# p50/p99 latency computed from h2load's --log-file (one line per request:
# start time in µs, status, µs until the end of the response); h2load's own
# "time for request" line has min/max/mean/sd but no percentiles.
#
# Idle connections: bench/idle_conns.py opens 1,000 HTTP/2 TLS connections
# (after 50 warm-up ones) to a freshly started sscd, then to a freshly started
# nghttpd, and reports the growth of the server's VmRSS per connection.
#
# Targets (printed with the figures; "TARGET MISSED" when missed):
#   sscd/nghttpd requests/s >= 0.5 for Health/Check
#   <= 40 KiB resident memory per idle TLS connection in sscd
# This is a benchmark, not a test: it exits 0 whether or not the targets are
# met, and non-zero only when it cannot measure (missing tool, server that
# does not start, calls that fail).
#
# Needs: h2load and nghttp (nghttp2-client), nghttpd (nghttp2-server),
# taskset (util-linux), ss (iproute2), openssl, and Debian's /usr/bin/python3
# with grpcio (python3-grpcio) for the pre-flight calls. Every process it
# starts is stopped on exit.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build
duration=10
connections=16
streams=10
warmup=2
rounds=3
skip_idle=0
py=/usr/bin/python3 # Debian's: it has grpcio; a python3 earlier on PATH may not

usage() {
  sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

die() {
  echo "transport.sh: $*" >&2
  exit 1
}

positive() { # NAME VALUE
  [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 must be a positive integer, not \"$2\""
}

while [ $# -gt 0 ]; do
  case $1 in
  --build) build=${2:?}; shift 2 ;;
  --build=*) build=${1#*=}; shift ;;
  --duration) duration=${2:?}; shift 2 ;;
  --duration=*) duration=${1#*=}; shift ;;
  --connections) connections=${2:?}; shift 2 ;;
  --connections=*) connections=${1#*=}; shift ;;
  --streams) streams=${2:?}; shift 2 ;;
  --streams=*) streams=${1#*=}; shift ;;
  --warm-up) warmup=${2:?}; shift 2 ;;
  --warm-up=*) warmup=${1#*=}; shift ;;
  --rounds) rounds=${2:?}; shift 2 ;;
  --rounds=*) rounds=${1#*=}; shift ;;
  --skip-idle) skip_idle=1; shift ;;
  -h | --help) usage ;;
  *) echo "transport.sh: unknown option $1" >&2; usage ;;
  esac
done
positive --duration "$duration"
positive --connections "$connections"
positive --streams "$streams"
positive --rounds "$rounds"
[[ $warmup =~ ^[0-9]+$ ]] || die "--warm-up must be a whole number of seconds"

sscd=$build/daemon/sscd
[ -x "$sscd" ] || die "no $sscd: build first (cmake -S . -B $build && cmake --build $build) or pass --build DIR"
for tool in h2load nghttpd taskset ss openssl; do
  command -v "$tool" >/dev/null ||
    die "$tool not found (apt-get install nghttp2-client nghttp2-server util-linux iproute2 openssl)"
done
if ! [ -x "$py" ] || ! "$py" -c 'import grpc' 2>/dev/null; then
  die "$py cannot import grpc (apt-get install python3-grpcio)"
fi

# Two cores: the server on core 0, the load generator on core 1. With fewer,
# both share core 0 and the figures mean less (said in the output).
ncpu=$(nproc)
server_cpu=0
client_cpu=1
if [ "$ncpu" -lt 2 ]; then
  client_cpu=0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ssc-bench.XXXXXX")
pids=()

# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    stop_pid "$pid"
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits until pid listens on port, and makes sure nobody else does: sscd sets
# SO_REUSEPORT, so another sscd on this machine bound to the same port would
# silently take half of the connections. Returns 1 on a foreign listener.
wait_listening() { # PID PORT LOG
  local pid=$1 port=$2 log=$3 listeners
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || {
      cat "$log" >&2
      die "server pid $pid exited during start-up (log above)"
    }
    listeners=$(ss -Htlnp "sport = :$port" 2>/dev/null || true)
    if grep -q "pid=$pid," <<<"$listeners"; then
      if grep -o 'pid=[0-9]*' <<<"$listeners" | grep -vqx "pid=$pid"; then
        echo "transport.sh: another process also listens on port $port:" >&2
        echo "$listeners" >&2
        return 1
      fi
      return 0
    fi
    sleep 0.1
  done
  die "server pid $pid did not listen on 127.0.0.1:$port within 10 s"
}

# Starts a server with "$@" (the port is substituted for @PORT@), pinned to
# the server core. Sets server_pid and server_port.
start_server() { # NAME CMD...
  local name=$1 port log
  shift
  for _ in 1 2 3; do
    port=$(free_port)
    log=$tmp/$name.$port.log
    local args=("${@//@PORT@/$port}")
    if [ "$name" = sscd ]; then
      write_sscd_ini "$port"
    fi
    taskset -c "$server_cpu" "${args[@]}" >"$log" 2>&1 &
    server_pid=$!
    pids+=("$server_pid")
    if wait_listening "$server_pid" "$port" "$log"; then
      server_port=$port
      return 0
    fi
    stop_pid "$server_pid"
  done
  die "could not get a port of our own for $name"
}

write_sscd_ini() { # PORT
  cat >"$tmp/sscd.ini" <<INI
; written by bench/transport.sh
[server]
listen = 127.0.0.1:$1
threads = 1
shutdown_grace_s = 1

[tls]
cert = $tmp/certs/server.pem
key = $tmp/certs/server.key
client_ca = $tmp/certs/ca.pem
; h2load cannot present a client certificate, so the benchmark asks for one
; without requiring it. The handshake cost per connection is therefore not
; that of production (client_auth = require), but h2load keeps its
; connections open for the whole run, so it does not weigh on requests/s.
client_auth = optional

[testing]
interop_service = true

[limits]
max_concurrent_streams = 100
idle_timeout_s = 300
INI
}

start_sscd() {
  start_server sscd "$sscd" --config "$tmp/sscd.ini"
}

start_nghttpd() {
  start_server nghttpd nghttpd -a 127.0.0.1 -d "$tmp/htdocs" @PORT@ \
    "$tmp/certs/server.key" "$tmp/certs/server.pem"
}

# --- inputs ------------------------------------------------------------------

bash "$root/scripts/dev-certs.sh" "$tmp/certs"
mkdir -p "$tmp/htdocs"
printf 'x' >"$tmp/htdocs/one" # nghttpd's 1-byte static file

# The gRPC frames h2load posts: 1 byte "not compressed", 4 bytes big-endian
# length, the protobuf message.
# Health/Check: an empty HealthCheckRequest.
printf '\x00\x00\x00\x00\x00' >"$tmp/health.bin"
# UnaryCall: SimpleRequest{response_size = 1024 (field 2, varint 0x80 0x08),
# payload = Payload{body = 1024 zero bytes (field 2)} (field 3)}:
#   10 80 08             response_size = 1024
#   1a 83 08             payload, 1027 bytes long
#     12 80 08 00 x 1024 body, 1024 bytes long
# 1033 (0x409) bytes in all.
{
  printf '\x00\x00\x00\x04\x09'
  printf '\x10\x80\x08\x1a\x83\x08\x12\x80\x08'
  head -c 1024 /dev/zero
} >"$tmp/unary.bin"
[ "$(stat -c %s "$tmp/unary.bin")" -eq 1038 ] || die "unary.bin has the wrong size"

# --- pre-flight: the calls h2load will make do succeed ------------------------

# h2load counts HTTP 2xx as success, but gRPC reports errors in a grpc-status
# trailer of a 200 response, which h2load never looks at. So first make each
# call once with grpcio from the very same bytes and check the answer.
preflight() { # PORT
  "$py" - "$1" "$tmp/certs/ca.pem" "$tmp/health.bin" "$tmp/unary.bin" <<'PY'
import sys
import grpc

port, ca, health, unary = sys.argv[1:5]


def message(path):
    data = open(path, "rb").read()
    assert data[0] == 0 and int.from_bytes(data[1:5], "big") == len(data) - 5
    return data[5:]


def fields(buf):
    """(field number, wire type, value) of a protobuf message, top level."""
    i = 0
    while i < len(buf):
        key, i = varint(buf, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = varint(buf, i)
        elif wt == 2:
            n, i = varint(buf, i)
            v, i = buf[i:i + n], i + n
        else:
            raise ValueError("unexpected wire type %d" % wt)
        yield num, wt, v


def varint(buf, i):
    v = shift = 0
    while True:
        b = buf[i]
        i += 1
        v |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return v, i


creds = grpc.ssl_channel_credentials(open(ca, "rb").read())
with grpc.secure_channel("127.0.0.1:" + port, creds, options=[
        ("grpc.ssl_target_name_override", "localhost")]) as ch:
    try:
        r = ch.unary_unary("/grpc.health.v1.Health/Check")(
            message(health), timeout=10)
        status = dict((n, v) for n, _, v in fields(r)).get(1, 0)
        if status != 1:
            sys.exit("Health/Check answered status %d, not SERVING" % status)
        r = ch.unary_unary("/grpc.testing.TestService/UnaryCall")(
            message(unary), timeout=10)
        payload = dict((n, v) for n, _, v in fields(r)).get(1, b"")
        body = dict((n, v) for n, _, v in fields(payload)).get(2, b"")
        if len(body) != 1024:
            sys.exit("UnaryCall returned a %d-byte payload, not 1024"
                     % len(body))
    except grpc.RpcError as e:
        sys.exit("call failed: %s %s" % (e.code(), e.details()))
PY
}

# --- h2load runs -----------------------------------------------------------

cpu_ticks() { # PID -> utime + stime of the whole process, in clock ticks
  awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}

# Runs h2load against URL and sets
#   rps       requests/s over the measured period (h2load's own figure)
#   p50, p99  latency percentiles in ms, from h2load's per-request log
#   srv_cpu   CPU the server used during the measured period, % of one core
#   srv_us    server CPU time per request, µs
#   cli_cpu   CPU h2load used during the measured period, % of one core
# and fails on any request h2load did not see succeed. The CPU figures come
# from /proc/PID/stat read at the start and the end of the measured period
# (after the warm-up); they show which side was the bottleneck, and the
# server's CPU time per request depends much less than requests/s on what
# else runs on the machine.
run_h2load() { # LABEL URL BODY SERVER_PID
  local label=$1 url=$2 body=$3 spid=$4 out log hpid rc=0 samples
  out=$tmp/$label.out
  log=$tmp/$label.log
  samples=$tmp/$label.cpu
  taskset -c "$client_cpu" h2load -t 1 -c "$connections" -m "$streams" \
    -D "$duration" --warm-up-time "$warmup" \
    -H 'content-type: application/grpc' -H 'te: trailers' -d "$body" \
    --log-file="$log" "$url" >"$out" 2>&1 &
  hpid=$!
  pids+=("$hpid")
  # The window: from 0.2 s into the measured period to 0.3 s before its end
  # (h2load must still be there to be read).
  sleep "$(awk -v w="$warmup" 'BEGIN { print w + 0.2 }')"
  echo "$(cpu_ticks "$spid") $(cpu_ticks "$hpid") $(date +%s%N)" >"$samples"
  sleep "$(awk -v d="$duration" 'BEGIN { print (d > 1 ? d - 0.5 : d / 2) }')"
  echo "$(cpu_ticks "$spid") $(cpu_ticks "$hpid") $(date +%s%N)" >>"$samples"
  wait "$hpid" || rc=$?
  if [ "$rc" -ne 0 ]; then
    cat "$out" >&2
    die "h2load failed against $url"
  fi
  # finished in 12.00s, 21300.00 req/s, 790.43KB/s
  rps=$(awk '/^finished in/ { v = $4; sub(/,$/, "", v); print int(v + 0.5) }' "$out")
  # requests: 106500 total, 106500 started, 106500 done, 106500 succeeded, ...
  local total="" succeeded=""
  read -r total succeeded < <(awk '/^requests:/ { print $2, $8 }' "$out") || true
  if [ -z "$rps" ] || [ -z "$total" ] || [ "$total" -eq 0 ]; then
    cat "$out" >&2
    die "$label: no requests measured (h2load output above)"
  fi
  if [ "$succeeded" != "$total" ]; then
    cat "$out" >&2
    die "$label: only $succeeded of $total requests succeeded (h2load output above)"
  fi
  local bad
  bad=$(awk -F'\t' '$2 != 200' "$log" | wc -l)
  [ "$bad" -eq 0 ] || die "$label: $bad requests in h2load's log without status 200"
  # CPU per request: the server's CPU time in the window over the requests
  # that ended in it (log: start time in µs since the epoch, status, µs).
  srv_cpu=0 srv_us=0 cli_cpu=0
  read -r srv_cpu srv_us cli_cpu < <(awk -F'\t' -v hz="$(getconf CLK_TCK)" '
    FNR == NR {
      split($0, f, " ")
      if (FNR == 1) { s0 = f[1]; c0 = f[2]; t0 = f[3] / 1000 }
      else { s1 = f[1]; c1 = f[2]; t1 = f[3] / 1000 }
      next
    }
    $1 + $3 >= t0 && $1 + $3 < t1 { n++ }
    END {
      wall = (t1 - t0) / 1e6; s = (s1 - s0) / hz; c = (c1 - c0) / hz
      if (wall <= 0 || n == 0) { print "0 0 0"; exit }
      printf "%.0f %.1f %.0f\n", 100 * s / wall, 1e6 * s / n, 100 * c / wall
    }' "$samples" "$log") || true
  # Nearest-rank percentiles of column 3 (µs until the end of the response).
  p50=0 p99=0
  # shellcheck disable=SC2034 # p50 is read through ${!f} in record()
  read -r p50 p99 < <(cut -f3 "$log" | sort -n | awk '
    { v[NR] = $1 }
    END {
      r50 = int(NR * 0.50); if (r50 < NR * 0.50) r50++
      r99 = int(NR * 0.99); if (r99 < NR * 0.99) r99++
      printf "%.2f %.2f\n", v[r50] / 1000, v[r99] / 1000
    }') || true
}

median() { # VALUES... -> the median (mean of the middle two for an even count)
  printf '%s\n' "$@" | sort -g | awk '
    { v[NR] = $1 }
    END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

echo "transport benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(h2load --version | head -1), $ncpu cores"
echo "load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "h2load over TLS: -c $connections -m $streams -D $duration --warm-up-time $warmup, $rounds round(s), interleaved; medians below"
if [ "$client_cpu" = "$server_cpu" ]; then
  echo "WARNING: one core only: server and h2load share core 0; the figures mean little"
else
  echo "server pinned to core $server_cpu (sscd threads = 1, nghttpd 1 worker), h2load to core $client_cpu"
fi
echo

start_sscd
sscd_pid=$server_pid
sscd_port=$server_port
preflight "$sscd_port" || die "sscd failed the pre-flight calls"
start_nghttpd
nghttpd_pid=$server_pid
nghttpd_port=$server_port

calls=(health unary)
declare -A call_name=([health]="Health/Check" [unary]="UnaryCall 1 KiB")
declare -A sscd_url=(
  [health]="https://127.0.0.1:$sscd_port/grpc.health.v1.Health/Check"
  [unary]="https://127.0.0.1:$sscd_port/grpc.testing.TestService/UnaryCall")
declare -A body=([health]=$tmp/health.bin [unary]=$tmp/unary.bin)
ref_url="https://127.0.0.1:$nghttpd_port/one"
declare -A res # res[SERVER.CALL.FIELD] = the values of the rounds, space-separated
fields=(rps p50 p99 srv_cpu srv_us cli_cpu)

record() { # SERVER CALL ROUND
  local f
  for f in "${fields[@]}"; do
    res[$1.$2.$f]+="${!f} "
  done
  local note=""
  # On a quiet machine one side or the other runs its core flat out.
  if [ "$srv_cpu" -lt 85 ] && [ "$cli_cpu" -lt 85 ]; then
    note="  (disturbed)"
    disturbed=$((disturbed + 1))
  fi
  runs=$((runs + 1))
  printf 'round %d  %-16s %-8s %7d req/s  p99 %7.2f ms  server %3d%% CPU %6.1f us/req  h2load %3d%% CPU%s\n' \
    "$3" "${call_name[$2]}" "$1" "$rps" "$p99" "$srv_cpu" "$srv_us" "$cli_cpu" "$note"
}
runs=0
disturbed=0

for r in $(seq "$rounds"); do
  for c in "${calls[@]}"; do
    run_h2load "sscd.$c.$r" "${sscd_url[$c]}" "${body[$c]}" "$sscd_pid"
    record sscd "$c" "$r"
    s_rps=$rps
    run_h2load "nghttpd.$c.$r" "$ref_url" "${body[$c]}" "$nghttpd_pid"
    record nghttpd "$c" "$r"
    printf 'round %d  %-16s ratio sscd/nghttpd %.2f\n' "$r" "${call_name[$c]}" \
      "$(ratio "$s_rps" "$rps")"
  done
done
kill -0 "$sscd_pid" 2>/dev/null || die "sscd died during the runs"
preflight "$sscd_port" || die "sscd failed the calls after the runs"
stop_pid "$sscd_pid"
stop_pid "$nghttpd_pid"

med() { # SERVER CALL FIELD
  # shellcheck disable=SC2086 # the per-round list is split on purpose
  median ${res[$1.$2.$3]}
}

echo
echo "medians of $rounds round(s):"
printf '%-16s %-8s %8s %8s %8s %11s %11s %11s\n' call server "req/s" "p50 ms" \
  "p99 ms" "server CPU" "server us" "h2load CPU"
printf '%-16s %-8s %8s %8s %8s %11s %11s %11s\n' "" "" "" "" "" "" "per req" ""
declare -A ratio_of eff_of
for c in "${calls[@]}"; do
  for s in sscd nghttpd; do
    printf '%-16s %-8s %8.0f %8.2f %8.2f %10.0f%% %11.1f %10.0f%%\n' \
      "${call_name[$c]}" "$s" "$(med "$s" "$c" rps)" "$(med "$s" "$c" p50)" \
      "$(med "$s" "$c" p99)" "$(med "$s" "$c" srv_cpu)" \
      "$(med "$s" "$c" srv_us)" "$(med "$s" "$c" cli_cpu)"
  done
  ratio_of[$c]=$(ratio "$(med sscd "$c" rps)" "$(med nghttpd "$c" rps)")
  eff_of[$c]=$(ratio "$(med nghttpd "$c" srv_us)" "$(med sscd "$c" srv_us)")
done
echo
for c in "${calls[@]}"; do
  printf '%-16s sscd/nghttpd: requests/s %s, requests per server CPU-second %s\n' \
    "${call_name[$c]}" "${ratio_of[$c]}" "${eff_of[$c]}"
done
echo "(the UnaryCall reference is nghttpd's 1-byte file sent the same 1 KiB request;"
echo " sscd also has to answer 1 KiB, so that ratio is a little pessimistic)"
if [ "$disturbed" -gt 0 ]; then
  echo
  echo "WARNING: $disturbed of $runs runs were disturbed: neither the server nor h2load"
  echo "reached 85% of its core, so other processes took the CPU. Their requests/s"
  echo "(and the requests/s ratio) understate what the server can do; the CPU time"
  echo "per request holds up much better. Load average now: $(cut -d' ' -f1-3 /proc/loadavg)."
fi
echo
if awk -v r="${ratio_of[health]}" 'BEGIN { exit !(r >= 0.5) }'; then
  echo "target: sscd/nghttpd requests/s >= 0.50 for Health/Check: met (${ratio_of[health]})"
else
  echo "TARGET MISSED: sscd/nghttpd requests/s >= 0.50 for Health/Check: got ${ratio_of[health]}"
fi

# --- idle connections --------------------------------------------------------

# Three measurements, each on a freshly started server: sscd with clients
# that present no certificate (what the target is about), sscd with clients
# that present one (every production client does: client_auth = require), and
# nghttpd for reference.
idle() { # LABEL PID PORT [idle_conns.py options...] -> sets kib
  local label=$1 pid=$2 port=$3 out
  shift 3
  if ! out=$(taskset -c "$client_cpu" "$py" "$root/bench/idle_conns.py" \
    --port "$port" --pid "$pid" --ca "$tmp/certs/ca.pem" --label "$label" \
    "$@" 2>&1); then
    echo "$out" >&2
    kib=""
    return 0
  fi
  kib=$(sed -n 's/^kib_per_conn=\([0-9.]*\) .*/\1/p' <<<"$out")
  grep -v '^kib_per_conn=' <<<"$out"
}

idle_target() { # WHAT KIB
  if [ -z "$2" ]; then
    echo "TARGET MISSED: <= 40 KiB per idle connection, $1: could not measure (see above)"
  elif awk -v k="$2" 'BEGIN { exit !(k <= 40) }'; then
    echo "target: <= 40 KiB per idle connection, $1: met ($2 KiB)"
  else
    echo "TARGET MISSED: <= 40 KiB per idle connection, $1: got $2 KiB"
  fi
}

if [ "$skip_idle" -eq 0 ]; then
  echo
  start_sscd
  idle sscd "$server_pid" "$server_port"
  sscd_kib=$kib
  stop_pid "$server_pid"
  start_sscd
  idle sscd+cert "$server_pid" "$server_port" \
    --cert "$tmp/certs/admin.pem" --key "$tmp/certs/admin.key"
  sscd_cert_kib=$kib
  stop_pid "$server_pid"
  start_nghttpd
  idle nghttpd "$server_pid" "$server_port"
  nghttpd_kib=$kib
  stop_pid "$server_pid"
  echo
  echo "resident memory per idle HTTP/2 TLS connection (growth of VmRSS over 1000 connections):"
  printf '  %-40s %6s KiB\n' "sscd, client without a certificate" "${sscd_kib:-?}" \
    "sscd, client with a certificate" "${sscd_cert_kib:-?}" \
    "nghttpd (reference), no certificate" "${nghttpd_kib:-?}"
  echo
  idle_target "sscd" "$sscd_kib"
  idle_target "sscd with client certificates (as in production)" "$sscd_cert_kib"
fi
exit 0
