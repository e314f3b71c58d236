#!/usr/bin/env bash
# pg.sh - a private PostgreSQL 15 cluster for development and tests.
#
#   pg.sh init DIR                  initdb (trust auth, UTF8); no-op when DIR holds a cluster
#   pg.sh start DIR                 start it; no-op when it is running
#   pg.sh stop DIR [fast|immediate] stop it (default fast); no-op when it is stopped
#   pg.sh status DIR                "running (pid N)" and exit 0, or "not running" and exit 3
#   pg.sh setup DIR                 init + start + roles ssc_owner, ssc_app + database ssc;
#                                   prints the owner and the app URL
#   pg.sh url DIR owner|app         the libpq URL of ssc as that role
#
# The cluster listens on no TCP address: its only socket is in DIR itself, so
# any number of clusters coexist and nothing outside can reach them. initdb
# and postgres refuse to run as root; as root they run as the `postgres`
# system user, which then owns DIR and is given the right to traverse every
# parent of DIR (setfacl u:postgres:x) where it lacks it. Quiet on success
# except for what status, setup and url print.
set -euo pipefail

bindir=${SSC_PG_BINDIR:-/usr/lib/postgresql/15/bin}
pg_user=postgres

die() {
  echo "pg.sh: $*" >&2
  exit 1
}

usage() {
  echo "usage: pg.sh init|start|status|setup DIR | stop DIR [fast|immediate] | url DIR owner|app" >&2
  exit 2
}

is_root() {
  [ "$(id -u)" -eq 0 ]
}

# Runs a server program as the cluster's owner: the postgres user when we are
# root, else ourselves.
as_pg() {
  if is_root; then
    runuser -u "$pg_user" -- "$@"
  else
    "$@"
  fi
}

# The absolute, normalised form of DIR (which need not exist yet). The socket
# path DIR/.s.PGSQL.5432 must fit in sun_path, and DIR goes into server
# options and URLs unquoted, so odd characters are refused here.
abs_dir() {
  local d=$1
  case $d in
    /*) ;;
    *) d=$PWD/$d ;;
  esac
  d=$(realpath -m -- "$d")
  case $d in
    *[[:space:]\'\"\\\$\`]*) die "$d: the directory path may not contain whitespace, quotes, \\, \$ or \`" ;;
  esac
  [ ${#d} -le 90 ] || die "$d: path too long for a unix socket (at most 90 characters)"
  printf '%s\n' "$d"
}

ensure_pg_user() {
  if ! getent passwd "$pg_user" >/dev/null; then
    useradd --system --user-group --home-dir /var/lib/postgresql --no-create-home \
      --shell /bin/bash "$pg_user"
  fi
}

ensure_setfacl() {
  command -v setfacl >/dev/null && return 0
  echo "pg.sh: installing acl (for setfacl)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends acl >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null 2>&1 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends acl >/dev/null; } ||
    die "could not install acl: the postgres user cannot reach the cluster directory"
}

# As root: lets the postgres user traverse every parent of $1.
grant_traverse() {
  local d=$1 p=""
  local IFS=/
  for part in $d; do
    [ -n "$part" ] || continue
    p=$p/$part
    [ "$p" = "$d" ] && break
    if ! runuser -u "$pg_user" -- test -x "$p"; then
      ensure_setfacl
      setfacl -m "u:$pg_user:x" "$p"
      runuser -u "$pg_user" -- test -x "$p" || die "$p: the postgres user still cannot traverse it"
    fi
  done
}

cmd_init() {
  local dir=$1 locale=C log
  [ -f "$dir/PG_VERSION" ] && return 0
  [ -x "$bindir/initdb" ] || die "$bindir/initdb not found (install postgresql-15)"
  if locale -a 2>/dev/null | grep -qix 'c\.utf-\?8'; then
    locale=C.UTF-8
  fi
  mkdir -p "$dir"
  chmod 700 "$dir"
  if is_root; then
    ensure_pg_user
    chown "$pg_user:" "$dir"
    grant_traverse "$dir"
  fi
  log=$(mktemp)
  if ! as_pg "$bindir/initdb" -D "$dir" --auth=trust --username=postgres -E UTF8 \
    --locale="$locale" --no-sync >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    die "initdb failed in $dir"
  fi
  rm -f "$log"
  # The same settings are passed again at start (the directory may move);
  # here they make a bare `pg_ctl start` on the cluster behave the same.
  as_pg tee -a "$dir/postgresql.conf" >/dev/null <<CONF

# pg.sh: a private cluster, reachable only through its socket in the data directory
listen_addresses = ''
unix_socket_directories = '$dir'
CONF
}

is_running() {
  [ -f "$1/PG_VERSION" ] && as_pg "$bindir/pg_ctl" -D "$1" status >/dev/null 2>&1
}

cmd_start() {
  local dir=$1
  [ -f "$dir/PG_VERSION" ] || die "$dir: no cluster here (run pg.sh init first)"
  is_running "$dir" && return 0
  if is_root; then
    grant_traverse "$dir"
  fi
  if ! as_pg "$bindir/pg_ctl" -D "$dir" -w -t 60 -l "$dir/log" \
    -o "-k $dir -c listen_addresses=" start >/dev/null 2>&1; then
    tail -n 20 "$dir/log" >&2 || true
    die "could not start the cluster in $dir"
  fi
}

cmd_stop() {
  local dir=$1 mode=${2:-fast}
  case $mode in
    fast | immediate) ;;
    *) usage ;;
  esac
  is_running "$dir" || return 0
  as_pg "$bindir/pg_ctl" -D "$dir" -m "$mode" -w -t 60 stop >/dev/null 2>&1 ||
    die "could not stop the cluster in $dir"
}

cmd_status() {
  local dir=$1
  if is_running "$dir"; then
    echo "running (pid $(head -n 1 "$dir/postmaster.pid"))"
  else
    echo "not running"
    exit 3
  fi
}

# DIR percent-encoded for the host parameter of a URL.
url_path() {
  local s=$1 out="" c i
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case $c in
      [A-Za-z0-9/._~-]) out+=$c ;;
      *) out+=$(printf '%%%02X' "'$c") ;;
    esac
  done
  printf '%s' "$out"
}

cmd_url() {
  local dir=$1 who=${2:-}
  case $who in
    owner) who=ssc_owner ;;
    app) who=ssc_app ;;
    *) usage ;;
  esac
  echo "postgresql:///ssc?host=$(url_path "$dir")&user=$who"
}

# psql as the bootstrap superuser over the cluster's socket.
su_psql() {
  "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$1" -U postgres -d postgres "${@:2}"
}

cmd_setup() {
  local dir=$1
  cmd_init "$dir"
  cmd_start "$dir"
  # ssc_app may already exist: migration 0001 creates it NOLOGIN when missing.
  su_psql "$dir" <<'SQL'
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'ssc_owner') THEN
    ALTER ROLE ssc_owner LOGIN SUPERUSER;
  ELSE
    CREATE ROLE ssc_owner LOGIN SUPERUSER;
  END IF;
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'ssc_app') THEN
    ALTER ROLE ssc_app LOGIN NOSUPERUSER NOBYPASSRLS;
  ELSE
    CREATE ROLE ssc_app LOGIN NOSUPERUSER NOBYPASSRLS;
  END IF;
END
$$;
SQL
  if [ -z "$(su_psql "$dir" -tA -c "SELECT 1 FROM pg_database WHERE datname = 'ssc'")" ]; then
    su_psql "$dir" -c "CREATE DATABASE ssc OWNER ssc_owner"
  fi
  cmd_url "$dir" owner
  cmd_url "$dir" app
}

[ $# -ge 2 ] || usage
cmd=$1
dir=$(abs_dir "$2")
case $cmd in
  init) [ $# -eq 2 ] || usage; cmd_init "$dir" ;;
  start) [ $# -eq 2 ] || usage; cmd_start "$dir" ;;
  stop) [ $# -le 3 ] || usage; cmd_stop "$dir" "${3:-fast}" ;;
  status) [ $# -eq 2 ] || usage; cmd_status "$dir" ;;
  setup) [ $# -eq 2 ] || usage; cmd_setup "$dir" ;;
  url) [ $# -eq 3 ] || usage; cmd_url "$dir" "$3" ;;
  *) usage ;;
esac
