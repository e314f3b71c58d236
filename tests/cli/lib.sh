# lib.sh - what the ssc command-line suites share; sourced, never run.
#
#   . "$(dirname "$0")/lib.sh"     # after setting $tmp (a scratch directory)
#
# pass NAME / fail NAME WHY count and print one line per case; finish prints
# "N passed, M failed" and returns non-zero when any failed. capture CMD...
# runs a command with stdout, stderr and exit status landing in $out, $err
# and $rc (stderr also appended to $tmp/ssc-all.log, which the suites scan
# for sanitizer reports); expect_err then checks a failure the way a user
# sees one.

python=/usr/bin/python3
passed=0
failed=0

pass() {
  echo "PASS $1"
  passed=$((passed + 1))
}

fail() {
  echo "FAIL $1: $2"
  failed=$((failed + 1))
}

finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

# A TCP port nobody listens on right now.
free_port() {
  "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

capture() {
  "$@" >"$tmp/ssc.out" 2>"$tmp/ssc.err"
  rc=$?
  out=$(cat "$tmp/ssc.out")
  err=$(cat "$tmp/ssc.err")
  cat "$tmp/ssc.err" >>"$tmp/ssc-all.log"
}

# expect_err NAME RC PATTERN : a failure with exactly one stderr line
# matching the extended regular expression PATTERN, and nothing on stdout.
expect_err() {
  local name=$1 want_rc=$2 pattern=$3 lines
  lines=$(printf '%s' "$err" | grep -c '')
  if [ "$rc" -ne "$want_rc" ]; then
    fail "$name" "exit status $rc, want $want_rc (stderr: $err)"
  elif [ "$lines" -ne 1 ]; then
    fail "$name" "$lines stderr lines, want 1: $err"
  elif ! printf '%s' "$err" | grep -Eq -- "$pattern"; then
    fail "$name" "stderr \"$err\" does not match /$pattern/"
  elif [ -n "$out" ]; then
    fail "$name" "unexpected stdout \"$out\""
  else
    pass "$name"
  fi
}
