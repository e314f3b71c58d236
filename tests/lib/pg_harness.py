"""pg_harness - a throwaway PostgreSQL 15 cluster for the black-box store suites.

Used by tests/store/*.py (import it with sys.path pointed at this directory,
next to sscd_harness). Runs under Debian's /usr/bin/python3; needs only the
PostgreSQL 15 server binaries and psql.

What it offers:
  Postgres(base=None)    a cluster in a fresh directory under /tmp (or base):
                         init() runs initdb (trust, user postgres, UTF8, C
                         locale); start() runs the postmaster on a private
                         Unix socket only (no TCP), fsync off; stop(mode) with
                         pg_ctl -m fast|immediate|smart; restart() starts it
                         again on the same directory; setup() does init, start
                         and creates the roles ssc_owner (superuser, login) and
                         ssc_app (login, NOSUPERUSER, NOBYPASSRLS) and the
                         database ssc owned by ssc_owner.
  Postgres.url(role, db) a libpq URL for a role over the private socket;
                         owner_url / app_url are the two sscd needs.
  Postgres.psql(sql, role, db)
                         runs SQL with psql -X -At (ON_ERROR_STOP) and returns
                         its output; PsqlError carries stderr on failure.
  Postgres.rows(sql, role, db)
                         the rows of the last statement as lists of strings
                         (None for NULL).
  Postgres.sscd_database_section(db)
                         {"url": app, "owner_url": owner} for sscd's
                         [database] section.

When the tests run as root (the CI container does), initdb and postgres
refuse to run; the cluster directory is then chowned to the `postgres` system
user and every server-side command runs as that user with runuser. psql runs
as whoever we are: the socket uses trust authentication.

The postmaster is started with pg_ctl, so it outlives the thread that started
it (the fault suite restarts it from a case thread). A small guard process,
detached from ours, stops the cluster with -m immediate when this process
dies without cleaning up (ctest timeout, kill -9), so no cluster is leaked.
"""

import atexit
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

PG_BIN = "/usr/lib/postgresql/15/bin"
PSQL = os.path.join(PG_BIN, "psql") if os.path.exists(
    os.path.join(PG_BIN, "psql")) else "psql"

OWNER = "ssc_owner"
APP = "ssc_app"
DB = "ssc"

_LIVE = []

# Runs detached (double fork) until the test process is gone, then stops the
# cluster if it is still running. argv: test pid, pg_ctl command prefix
# (JSON), data dir.
_GUARD = r"""
import json, os, signal, subprocess, sys, time
if os.fork() > 0:
    os._exit(0)
os.setsid()
if os.fork() > 0:
    os._exit(0)
devnull = os.open(os.devnull, os.O_RDWR)
for fd in (0, 1, 2):
    os.dup2(devnull, fd)
pid, prefix, data = int(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
postmaster = None

def read_postmaster():
    try:
        with open(os.path.join(data, "postmaster.pid")) as f:
            return int(f.readline().strip())
    except (OSError, ValueError):
        return None

def is_ours(p):
    try:
        with open("/proc/%d/cmdline" % p, "rb") as f:
            return data.encode() in f.read()
    except OSError:
        return False

while True:
    time.sleep(1.0)
    p = read_postmaster()
    if p:
        postmaster = p
    if not os.path.isdir(data):
        # Someone removed the cluster under it: stop the orphan postmaster.
        if postmaster and is_ours(postmaster):
            os.kill(postmaster, signal.SIGQUIT)
        os._exit(0)
    try:
        os.kill(pid, 0)
        continue
    except ProcessLookupError:
        pass
    except PermissionError:
        continue
    break
if os.path.exists(os.path.join(data, "postmaster.pid")):
    subprocess.run(prefix + ["stop", "-D", data, "-m", "immediate", "-w", "-t", "30"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
elif postmaster and is_ours(postmaster):
    os.kill(postmaster, signal.SIGQUIT)
os._exit(0)
"""


class PsqlError(RuntimeError):
    def __init__(self, msg, returncode, stdout, stderr):
        super().__init__(msg)
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr


def _log(*args):
    print(*args, flush=True)


class Postgres:
    """One private PostgreSQL 15 cluster (see the module docstring)."""

    def __init__(self, base=None, port=5432, keep=False, name="pg"):
        if base is None:
            self.dir = tempfile.mkdtemp(prefix="ssc-pg-", dir="/tmp")
            self._own_dir = True
        else:
            self.dir = os.path.abspath(base)
            os.makedirs(self.dir, exist_ok=True)
            self._own_dir = False
        # The socket directory is the cluster directory itself: short enough
        # for sun_path (mkdtemp under /tmp), private to this cluster.
        self.sockdir = self.dir
        self.data = os.path.join(self.dir, "data")
        self.logfile = os.path.join(self.dir, "postgres.log")
        self.port = port
        self.keep = keep
        self.name = name
        self.as_postgres = os.geteuid() == 0
        self._guard_started = False
        self.started = False
        _LIVE.append(self)

    # ------------------------------------------------------------------
    # running server-side commands

    def _prefix(self):
        if self.as_postgres:
            return ["runuser", "-u", "postgres", "--"]
        return []

    def _run(self, argv, timeout=120, check=True):
        r = subprocess.run(self._prefix() + argv, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=timeout, cwd="/")
        if check and r.returncode != 0:
            raise RuntimeError("%s failed (exit %d):\n%s" %
                               (" ".join(argv), r.returncode, r.stdout))
        return r

    def _chown(self):
        if not self.as_postgres:
            return
        pw = pwd.getpwnam("postgres")
        for root, dirs, files in os.walk(self.dir):
            try:
                os.chown(root, pw.pw_uid, pw.pw_gid)
            except FileNotFoundError:
                continue
            for f in files:
                try:
                    os.chown(os.path.join(root, f), pw.pw_uid, pw.pw_gid)
                except FileNotFoundError:
                    pass
        os.chmod(self.dir, 0o755)  # psql (root or not) must reach the socket

    def _pg_ctl_prefix(self):
        return self._prefix() + [os.path.join(PG_BIN, "pg_ctl")]

    def _start_guard(self):
        if self._guard_started:
            return
        import json
        subprocess.run([sys.executable, "-c", _GUARD, str(os.getpid()),
                        json.dumps(self._pg_ctl_prefix()), self.data],
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=30)
        self._guard_started = True

    # ------------------------------------------------------------------
    # life cycle

    def init(self):
        self._chown()
        self._run([os.path.join(PG_BIN, "initdb"), "-D", self.data, "-A", "trust",
                   "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"],
                  timeout=300)
        return self

    def start(self, timeout=60):
        """Starts the postmaster and waits until it accepts connections."""
        self._chown()
        opts = ("-k %s -c listen_addresses='' -c port=%d -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off "
                "-c max_connections=200 -c unix_socket_permissions=0777" %
                (self.sockdir, self.port))
        r = self._run([os.path.join(PG_BIN, "pg_ctl"), "start", "-D", self.data,
                       "-l", self.logfile, "-w", "-t", str(int(timeout)), "-o",
                       opts], timeout=timeout + 30, check=False)
        if r.returncode != 0:
            raise RuntimeError("pg_ctl start failed (exit %d):\n%s\nlog tail:\n%s"
                               % (r.returncode, r.stdout, self.log_tail()))
        self.started = True
        self._start_guard()
        # pg_ctl -w returns when the postmaster is ready; double-check with
        # a real query so callers can use the cluster at once.
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.psql("SELECT 1", role="postgres", db="postgres", timeout=10)
                break
            except (PsqlError, subprocess.TimeoutExpired):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        return self

    def stop(self, mode="fast", timeout=60):
        """pg_ctl stop -m mode (fast, immediate or smart). Returns pg_ctl's
        exit code (0 when it stopped)."""
        if not os.path.exists(os.path.join(self.data, "postmaster.pid")):
            self.started = False
            return 0
        r = self._run([os.path.join(PG_BIN, "pg_ctl"), "stop", "-D", self.data,
                       "-m", mode, "-w", "-t", str(int(timeout))],
                      timeout=timeout + 30, check=False)
        if r.returncode == 0:
            self.started = False
        return r.returncode

    def restart(self, timeout=60):
        """Starts the cluster again on the same directory (after stop())."""
        return self.start(timeout=timeout)

    def running(self):
        r = self._run([os.path.join(PG_BIN, "pg_ctl"), "status", "-D",
                       self.data], timeout=30, check=False)
        return r.returncode == 0

    def setup(self):
        """init + start + the roles ssc_owner and ssc_app and database ssc."""
        self.init()
        self.start()
        self.psql("CREATE ROLE %s LOGIN SUPERUSER;\n"
                  "CREATE ROLE %s LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
                  "NOBYPASSRLS;\n" % (OWNER, APP), role="postgres", db="postgres")
        self.create_database(DB)
        return self

    def create_database(self, name, owner=OWNER):
        self.psql('CREATE DATABASE "%s" OWNER %s;' % (name, owner),
                  role="postgres", db="postgres")

    def drop_database(self, name):
        self.psql('DROP DATABASE IF EXISTS "%s" WITH (FORCE);' % name,
                  role="postgres", db="postgres")

    def cleanup(self, keep=None):
        """Stops the cluster (immediate) and removes its directory unless
        keep (or self.keep)."""
        try:
            self.stop("immediate")
        except Exception as e:  # noqa: BLE001 - best effort at exit
            _log("pg_harness: stop failed: %s" % e)
        if self in _LIVE:
            _LIVE.remove(self)
        if keep is None:
            keep = self.keep
        if keep:
            _log("kept PostgreSQL directory %s" % self.dir)
        elif self._own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def log_tail(self, lines=40):
        try:
            with open(self.logfile, "rb") as f:
                text = f.read().decode("utf-8", "replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    # ------------------------------------------------------------------
    # connecting

    def url(self, role=APP, db=DB):
        return "postgresql://%s@/%s?host=%s&port=%d" % (
            urllib.parse.quote(role, safe=""), urllib.parse.quote(db, safe=""),
            urllib.parse.quote(self.sockdir, safe=""), self.port)

    @property
    def owner_url(self):
        return self.url(OWNER, DB)

    @property
    def app_url(self):
        return self.url(APP, DB)

    def sscd_database_section(self, db=DB):
        return {"url": self.url(APP, db), "owner_url": self.url(OWNER, db)}

    def psql(self, sql, role=OWNER, db=DB, timeout=60, check=True):
        """Runs sql (one or more statements, read from stdin) with
        psql -X -At -v ON_ERROR_STOP=1; returns stdout. Fields are separated
        by '|' and rows by newlines; use rows() for parsed output."""
        return self._psql(sql, role, db, timeout, check, [])

    def _psql(self, sql, role, db, timeout, check, extra):
        argv = [PSQL, "-X", "-At", "-q", "-v", "ON_ERROR_STOP=1", "-d",
                self.url(role, db)] + extra + ["-f", "-"]
        env = dict(os.environ)
        env.pop("PGOPTIONS", None)
        env["PGCONNECT_TIMEOUT"] = "10"
        r = subprocess.run(argv, input=sql, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=timeout,
                           env=env)
        if check and r.returncode != 0:
            raise PsqlError("psql as %s on %s failed (exit %d): %s\nSQL: %s" %
                            (role, db, r.returncode, r.stderr.strip(),
                             sql.strip()[:500]), r.returncode, r.stdout,
                            r.stderr)
        return r.stdout

    def rows(self, sql, role=OWNER, db=DB, timeout=60):
        """Rows of the output as lists of strings; SQL NULL is None. Fields
        are split on the unit separator, rows on the record separator, so '|'
        and newlines inside values survive. Only one statement should return
        rows (psql ends each result with a plain newline); run the others
        with `\\gset` or as SET."""
        out = self._psql(sql, role, db, timeout, True,
                         ["-F", "\x1f", "-R", "\x1e", "-P", "null=\x01"])
        out = out.rstrip("\n")
        if out == "":
            return []
        result = []
        for rec in out.split("\x1e"):
            rec = rec.strip("\n") if rec.endswith("\n") else rec
            result.append([None if v == "\x01" else v for v in rec.split("\x1f")])
        return result

    def scalar(self, sql, role=OWNER, db=DB, timeout=60):
        """The single value of a one-row, one-column query (None for NULL or
        no row)."""
        r = self.rows(sql, role, db, timeout)
        if not r:
            return None
        return r[-1][0]


def _cleanup_all():
    for pg in list(_LIVE):
        try:
            pg.cleanup()
        except Exception:  # noqa: BLE001
            pass


atexit.register(_cleanup_all)
