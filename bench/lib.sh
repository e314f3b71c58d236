# shellcheck shell=bash
# lib.sh - what the bench scripts share (sourced after they set root).
#
#   stop_pid PID   SIGTERM, up to 5 s for PID to end, then SIGKILL; reaps it

stop_pid() {
  local pid=$1
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
