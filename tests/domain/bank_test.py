#!/usr/bin/python3
"""The bank test (issue 11): the money rules under concurrent approvals,
releases, disbursements and reversals from many clients over three sscd on
one PostgreSQL, while one sscd is killed with SIGKILL and restarted and
PostgreSQL is stopped with `pg_ctl stop -m immediate` and restarted; then
the database itself (psql as the owner) is checked.

Setup (through the API, as the people would do it): the domain world, four
more secretariat principals (sec-1 .. sec-4 besides secretariat), three DKK
pools (fiscal years 2026-2028) whose totals hold what is already allocated
plus about half of what the applications under review ask for, and
collaborations led by an agency of ministry-a:
  - review collaborations in matchmaking, four applications each for the
    inception phase, created and submitted by ministry-a and put under
    review by the secretariat: 60 % ask for up to DKK 10 million (one
    approval), 40 % for DKK 12-30 million (two approvals by different
    principals); each has its pool and its approved amount (the requested
    amount or 80 % of it);
  - allocations made before the run (applications approved in setup): on
    "release" collaborations, moved on to the long-term phase afterwards,
    so their inception allocations may be released, and on collaborations
    that stay in inception, whose allocations may not be.

The run: a shuffled list of logical operations, each with its own
idempotency key, worked by --threads client threads spread over the three
sscd (operation i starts on instance i % 3):
  approve   Applications/Approve by the application's planned principals
            (1 or 2), sometimes a third one (it may complete it if an
            earlier completion was refused, or find it decided), sometimes
            the same principal again with a new key (refused: repeat
            approver, or decided); the completing approval allocates,
            or is refused when the pool cannot hold it (over-commit);
  disburse  Disbursements/Add on the allocations made in setup and on
            those the run's approvals make, about 1.25 times what each
            holds in all (the rest is refused), each with a unique
            reference;
  reverse   Disbursements/Reverse of a disbursement that got OK, with a
            unique reason; sometimes two at once for the same one (one is
            refused);
  release   Allocations/Release of the release collaborations' allocations
            (sometimes twice: the second gives back only what reversals
            freed since, or is refused) and of some that may not be
            released yet (refused: the phase has not closed).
A call failing UNAVAILABLE, DEADLINE_EXCEEDED, ABORTED, CANCELLED or with a
broken connection is retried with the same key and request on the next
instance, after a short back-off, until it gets a definite answer or
--budget seconds pass; every operation's final outcome is recorded (OK,
refused with the rule's code and message, or unknown).

Faults: when a quarter of the planned operations are done, the third sscd
is killed with SIGKILL and started again 0.5 s later; when 55 % are done,
PostgreSQL is stopped with `pg_ctl stop -m immediate` and started again
1.5 s later (the sscd reconnect by themselves). Operations past 35 % (and
65 %) wait until the fault has happened, so each fault falls in the middle
of the run. The database keeps synchronous_commit on (ALTER DATABASE; the
harness's cluster runs with it off, which would let an immediate stop lose
commits already answered OK, as PostgreSQL documents).

Checked afterwards, in the tables:
  - every pool: committed <= total, committed = sum(amount - released) over
    its allocations, disbursed = the sum of its allocations' disbursed =
    the net of their disbursements (reversals negative), its allocation
    count;
  - every allocation: disbursed + released <= amount, disbursed = the net
    of its disbursements; an allocation exactly for each approved
    application, of the amount and pool its approvals agreed, with as many
    approvals as its tier needs;
  - every operation that got OK is in the database exactly once, found by
    what it wrote (an approval by application and principal, a
    disbursement by its reference, a reversal by its reason, a release by
    the allocation's audited releases), and its key is on record; every
    operation refused wrote nothing and left no key; an operation retried
    with its key is there exactly once ("replayed" counts those whose
    write came from an earlier attempt);
  - a sample of OK operations sent again with their keys after the run
    gives the first answer and writes nothing;
  - audit entries: one per approval, allocation, release and
    disbursement; ssc.audit_verify() is ok;
  - no deadlock in PostgreSQL's log (0031 "Locks"; statement timeouts
    are counted).

Prints the counts per operation kind (OK, refused by rule, retried,
replayed, unknown), the faults and the invariants, then PASS/FAIL per case
and "N passed, M failed". The ctest run is small (--ops 400); bench/bank.sh
runs it at full scale.

    /usr/bin/python3 tests/domain/bank_test.py --sscd BUILD/daemon/sscd \\
        --source . [--ops N] [--threads T] [--seed S] [--budget SECONDS] \\
        [--min-ops N] [--keep] [-v]
"""

import collections
import concurrent.futures
import os
import random
import re
import shutil
import sys
import tempfile
import threading
import time
import traceback
import types

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)

import domain_env as E  # noqa: E402
from domain_env import H, check, log  # noqa: E402

import grpc  # noqa: E402

SECS = ("secretariat", "sec-1", "sec-2", "sec-3", "sec-4")
DKK = "DKK"
M = 100 * 1000 * 1000          # DKK 1 million in minor units
TIER1_MAX = 10 * M             # the default tiers (0030)
TIER2_MAX = 39 * M
SC = grpc.StatusCode
RETRYABLE = (SC.UNAVAILABLE, SC.DEADLINE_EXCEEDED, SC.ABORTED, SC.CANCELLED)
# grpcio reports a connection cut under a call as UNAVAILABLE, now and then
# as UNKNOWN or INTERNAL with one of these.
BROKEN = re.compile(r"Socket closed|Stream removed|RST_STREAM|Connection reset|"
                    r"failed to connect|GOAWAY|Broken pipe|connection", re.I)
FP = E.FAILED_PRECONDITION
# (kind, code, message pattern, what the rule is called in the counts)
RULES = (
    ("approve", FP, r"would be over-committed", "over-commit"),
    ("approve", FP, r"has already approved version", "repeat approver"),
    ("approve", FP, r"is (approved|rejected); an approval is recorded only while",
     "already decided"),
    ("disburse", FP, r"a disbursement of .* would pass it", "over the allocation"),
    ("reverse", FP, r"was reversed already", "reversed already"),
    ("release", FP, r"has nothing left to release", "nothing left"),
    ("release", FP, r"which has not closed", "phase not closed"),
)
KINDS = ("approve", "disburse", "reverse", "release")


class BankEnv(E.DomainEnv):
    MODULES = E.DomainEnv.MODULES + ("pools", "applications", "allocations")
    EXTRA_CLIENTS = E.DomainEnv.EXTRA_CLIENTS + ("sec-1", "sec-2", "sec-3", "sec-4")

    def start_postgres(self):
        # A directory of its own, not /tmp/ssc-pg-* (the run restarts the
        # cluster, so nothing else may take it for a leftover); removed at
        # teardown unless kept.
        base = tempfile.mkdtemp(prefix="ssc-bank-pg-", dir="/tmp")
        self.pg = pg = E.P.Postgres(base=base, keep=self.args.keep).setup()
        log("    PostgreSQL in %s" % pg.dir)
        if self.args.async_commit:
            log("    synchronous_commit left off (--async-commit)")
            return pg
        # The harness runs the cluster with synchronous_commit off (speed);
        # then an immediate stop may lose commits already answered OK, which
        # PostgreSQL documents. The bank test needs what a deployment has.
        pg.psql("ALTER DATABASE ssc SET synchronous_commit = on",
                role="postgres", db="postgres")
        return pg

    def teardown(self, runner):
        rc = super().teardown(runner)
        if self.pg is not None and not (self.args.keep or rc != 0):
            shutil.rmtree(self.pg.dir, ignore_errors=True)
        return rc

    def pools(self, client="secretariat", channel=None, sscd=None):
        return self._stub("pools", "PoolsStub", client, channel, sscd)

    def apps(self, client="secretariat", channel=None, sscd=None):
        return self._stub("applications", "ApplicationsStub", client, channel, sscd)

    def allocs(self, client="secretariat", channel=None, sscd=None):
        return self._stub("allocations", "AllocationsStub", client, channel, sscd)

    def disbs(self, client="secretariat", channel=None, sscd=None):
        return self._stub("allocations", "DisbursementsStub", client, channel, sscd)


# --------------------------------------------------------------------------
# calls with retries


class Caller:
    """Channels per (client, instance) with a quick reconnect, and the
    retry loop every call goes through (setup and run alike)."""

    def __init__(self, env, budget, timeout=15.0):
        self.env = env
        self.budget = budget
        self.timeout = timeout
        self.lock = threading.Lock()
        self.chans = {}

    def channel(self, client, k):
        with self.lock:
            ch = self.chans.get((client, k))
            if ch is None:
                ch = H.grpc_channel(self.env.daemons[k].target, self.env.certs,
                                    client=client, options=[
                                        ("grpc.initial_reconnect_backoff_ms", 100),
                                        ("grpc.min_reconnect_backoff_ms", 100),
                                        ("grpc.max_reconnect_backoff_ms", 1000)])
                self.chans[(client, k)] = ch
            return ch

    def close(self):
        with self.lock:
            for ch in self.chans.values():
                ch.close()
            self.chans = {}

    @staticmethod
    def transient(code, details):
        if code in RETRYABLE:
            return True
        return code in (grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL) and \
            bool(BROKEN.search(details or ""))

    def call(self, client, fn, start=0, trace=None):
        """fn(channel, timeout) -> response, retried (see the top). Returns
        (code, details, response); code None when the budget ran out.
        trace(event, instance, code) is told of every attempt."""
        k = start % len(self.env.daemons)
        until = time.monotonic() + self.budget
        n = 0
        while True:
            n += 1
            if trace:
                trace("start", k, None)
            try:
                r = fn(self.channel(client, k), self.timeout)
                if trace:
                    trace("end", k, E.OK)
                return E.OK, "", r
            except grpc.RpcError as e:
                code, det = e.code(), e.details() or ""
                if trace:
                    trace("end", k, code)
                if not self.transient(code, det):
                    return code, det, None
                if time.monotonic() >= until:
                    return None, "%s after %d attempts: %s" % (code.name, n, det), None
            time.sleep(min(0.5, 0.02 * (2 ** min(n, 5))) * (0.5 + random.random()))
            k = (k + 1) % len(self.env.daemons)

    def must(self, client, fn, what, start=0):
        code, det, r = self.call(client, fn, start)
        if code != E.OK:
            raise E.CaseFailure("%s: %s %s" % (what, code.name if code else "no answer",
                                               det))
        return r


# --------------------------------------------------------------------------
# the plan


class Plan:
    """Everything the setup makes and the run does, drawn from the seed."""

    def __init__(self, ops, seed):
        rng = random.Random(seed)
        self.rng = rng
        self.n_apps = max(40, int(ops * 0.2))
        self.n_premade = max(12, int(ops * 0.03))
        self.n_review_collabs = (self.n_apps + 3) // 4
        self.apps = []        # review applications
        for i in range(self.n_apps):
            tier = 1 if rng.random() < 0.6 else 2
            if tier == 1:
                req = rng.randrange(2 * M, 95 * M // 10, 100 * 1000)
            else:
                req = rng.randrange(12 * M, 30 * M, 100 * 1000)
            assert (req <= TIER1_MAX) == (tier == 1) and req <= TIER2_MAX
            amount = req if rng.random() < 0.7 else (req * 8 // 10) // 10000 * 10000
            approvers = rng.sample(SECS, 3)
            self.apps.append(types.SimpleNamespace(
                i=i, collab=i // 4, tier=tier, requested=req, amount=amount,
                pool=rng.randrange(3), approvers=approvers,
                third=rng.random() < 0.25, repeat=rng.random() < 0.1, id=None))
        # Allocations made in setup: 60 % on release collaborations (two
        # each), the rest on collaborations that stay in inception.
        n_rel = (int(self.n_premade * 0.6) + 1) // 2 * 2
        self.premade = []
        for j in range(self.n_premade):
            release = j < n_rel
            self.premade.append(types.SimpleNamespace(
                j=j, release=release, collab=j // 2 if release else None,
                requested=rng.randrange(2 * M, 8 * M, 100 * 1000),
                pool=rng.randrange(3), id=None, alloc_id=None))
        self.n_release_collabs = n_rel // 2
        self.n_inphase = self.n_premade - n_rel
        totals = [0, 0, 0]
        for p in self.premade:
            totals[p.pool] += p.requested
        for a in self.apps:
            totals[a.pool] += a.amount // 2
        self.pool_totals = totals


class Op:
    __slots__ = ("n", "kind", "client", "key", "target", "amount", "tag", "req",
                 "code", "details", "resp", "attempts", "codes", "t_last",
                 "outcome", "rule", "spawned_by", "instances")

    def __init__(self, n, kind, client, target, amount=0, spawned_by=None):
        self.n = n
        self.kind = kind
        self.client = client
        self.target = target       # application, allocation or disbursement id
        self.amount = amount
        self.key = ""
        self.tag = ""
        self.req = None
        self.code = None
        self.details = ""
        self.resp = None
        self.attempts = 0
        self.codes = []
        self.t_last = 0.0
        self.outcome = None
        self.rule = None
        self.spawned_by = spawned_by
        self.instances = set()


# --------------------------------------------------------------------------
# setup


def app_request(pb, key, collab_id, requested, title):
    cof = requested // 10 // 100 * 100
    return pb.CreateApplicationRequest(
        idempotency_key=key, collaboration_id=collab_id, phase=pb.PHASE_INCEPTION,
        title=title, narrative="bank test", starts_on="2026-01-01",
        ends_on="2027-12-31", currency=DKK,
        budget=[pb.BudgetLine(category=pb.BUDGET_CATEGORY_STAFF_COMPENSATION,
                              year=2026, amount=pb.Money(amount_minor=requested + cof,
                                                         currency=DKK),
                              description="staff")],
        cofinancing=[pb.CoFinancingLine(funder_name="EU Interreg",
                                        amount=pb.Money(amount_minor=cof, currency=DKK))])


def setup_funding(env, bank):
    pb, w, plan, c = env.pb, env.world, bank.plan, bank.caller
    run = bank.run_id
    t0 = time.monotonic()
    for i, client in enumerate(SECS[1:]):
        w.principals[client] = env.add_principal(client, pb.ROLE_SECRETARIAT, w.sac.id,
                                                 key="%s-p-%d" % (run, i))
    for k, d in enumerate(env.daemons):
        env.wait_serving(d, SECS + ("ministry-a",))
    bank.principal_ids = {cl: w.principals[cl].id for cl in SECS}
    bank.pools = []
    for i, total in enumerate(plan.pool_totals):
        req = pb.CreatePoolRequest(idempotency_key="%s-pool-%d" % (run, i),
                                   name="Bank pool %d" % (2026 + i),
                                   fiscal_year=2026 + i,
                                   total=pb.Money(amount_minor=total, currency=DKK))
        bank.pools.append(c.must("secretariat", lambda ch, t, r=req: env.pools(
            channel=ch).Create(r, timeout=t), "pool %d" % i).id)

    def collab(name, n):
        req = pb.CreateCollaborationRequest(
            idempotency_key="%s-c-%s" % (run, name), title="Bank %s" % name,
            lead_id=w.agency_b.id, country="VN", partner_ids=[w.erea.id],
            sectors=[pb.SectorShare(code="23110", percentage=100)])
        return c.must("ministry-a", lambda ch, t: env.collabs(channel=ch).Create(
            req, timeout=t), "collaboration " + name, n).id

    def under_review(key, collab_id, requested, title, n):
        a = c.must("ministry-a", lambda ch, t: env.apps(channel=ch).Create(
            app_request(pb, key + "-new", collab_id, requested, title), timeout=t),
            title + " create", n)
        step = pb.ApplicationStepRequest
        c.must("ministry-a", lambda ch, t: env.apps(channel=ch).Submit(
            step(idempotency_key=key + "-sub", id=a.id), timeout=t), title + " submit", n)
        c.must("secretariat", lambda ch, t: env.apps(channel=ch).StartReview(
            step(idempotency_key=key + "-rev", id=a.id), timeout=t), title + " review", n)
        return a.id

    def premade_allocation(p, collab_id):
        p.id = under_review("%s-pa-%d" % (run, p.j), collab_id, p.requested,
                            "Bank allocated %d" % p.j, p.j)
        req = pb.ApproveRequest(idempotency_key="%s-pa-%d-ok" % (run, p.j), id=p.id,
                                pool_id=bank.pools[p.pool],
                                amount=pb.Money(amount_minor=p.requested, currency=DKK))
        r = c.must("secretariat", lambda ch, t: env.apps(channel=ch).Approve(
            req, timeout=t), "approve allocated %d" % p.j, p.j)
        check(r.status == pb.APPLICATION_STATUS_APPROVED and r.allocation_id,
              "setup approval %d did not allocate: %s" % (p.j, r))
        p.alloc_id = r.allocation_id

    def release_collab(n):
        cid = collab("release-%d" % n, n)
        for p in plan.premade:
            if p.release and p.collab == n:
                premade_allocation(p, cid)
        tr = pb.TransitionRequest(idempotency_key="%s-c-release-%d-lt" % (run, n), id=cid,
                                  to_phase=pb.PHASE_LONG_TERM)
        c.must("ministry-a", lambda ch, t: env.collabs(channel=ch).Transition(
            tr, timeout=t), "release collaboration %d to long_term" % n, n)

    def inphase(p):
        premade_allocation(p, collab("inphase-%d" % p.j, p.j))

    def review_collab(n):
        cid = collab("review-%d" % n, n)
        for a in plan.apps:
            if a.collab == n:
                a.id = under_review("%s-a-%d" % (run, a.i), cid, a.requested,
                                    "Bank application %d" % a.i, a.i)

    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        futs = [ex.submit(release_collab, n) for n in range(plan.n_release_collabs)]
        futs += [ex.submit(inphase, p) for p in plan.premade if not p.release]
        futs += [ex.submit(review_collab, n) for n in range(plan.n_review_collabs)]
        for f in futs:
            f.result()
    n_calls = (len(SECS) - 1) + 3 + plan.n_premade * 4 + plan.n_release_collabs * 2 + \
        plan.n_inphase + plan.n_review_collabs + plan.n_apps * 3
    log("    setup: %d pools (DKK %s), %d review applications (%d needing two "
        "approvals) on %d collaborations, %d allocations made (%d releasable), "
        "%d calls in %.1f s" % (
            len(bank.pools), ", ".join("%.1f M" % (t / M) for t in plan.pool_totals),
            plan.n_apps, sum(1 for a in plan.apps if a.tier == 2),
            plan.n_review_collabs, plan.n_premade, plan.n_premade - plan.n_inphase,
            n_calls, time.monotonic() - t0))
    # What was allocated in setup, for the checks.
    bank.setup_allocs = {p.alloc_id: p for p in plan.premade}


# --------------------------------------------------------------------------
# the run


class Run:
    def __init__(self, env, bank, threads):
        self.env = env
        self.bank = bank
        self.plan = bank.plan
        self.rng = random.Random(bank.seed + 1)
        self.threads = threads
        self.cv = threading.Condition()
        self.queue = collections.deque()
        self.ops = []
        self.pending = 0
        self.started = 0
        self.done = 0
        self.inflight = [0, 0, 0]        # calls in flight per instance
        self.allocs = {}                  # allocation id -> amount (known to the run)
        self.events = [threading.Event(), threading.Event()]
        self.fault_log = []
        self.fault_errors = []
        self.gates = (0, 0)
        self.thresholds = (0, 0)

    # ---- operations

    def new_op(self, kind, client, target, amount=0, spawned_by=None):
        with self.cv:
            op = Op(len(self.ops), kind, client, target, amount, spawned_by)
            self.ops.append(op)
        op.key = "%s-op-%d" % (self.bank.run_id, op.n)
        pb = self.env.pb
        money = pb.Money(amount_minor=amount, currency=DKK)
        if kind == "approve":
            app = target
            op.target = app.id
            op.req = pb.ApproveRequest(idempotency_key=op.key, id=app.id,
                                       pool_id=self.bank.pools[app.pool], amount=money)
        elif kind == "disburse":
            op.tag = "bank-d-%d" % op.n
            op.req = pb.AddDisbursementRequest(
                idempotency_key=op.key, allocation_id=target,
                kind=pb.DISBURSEMENT_KIND_ADVANCE if op.n % 2 else
                pb.DISBURSEMENT_KIND_EXPENSE, amount=money, reference=op.tag)
        elif kind == "reverse":
            op.tag = "bank-r-%d" % op.n
            op.req = pb.ReverseDisbursementRequest(idempotency_key=op.key, id=target,
                                                   reason=op.tag)
        elif kind == "release":
            op.req = pb.ReleaseAllocationRequest(idempotency_key=op.key, id=target,
                                                 reason="bank release %d" % op.n)
        return op

    def call_fn(self, op):
        env = self.env
        if op.kind == "approve":
            return lambda ch, t: env.apps(channel=ch).Approve(op.req, timeout=t)
        if op.kind == "disburse":
            return lambda ch, t: env.disbs(channel=ch).Add(op.req, timeout=t)
        if op.kind == "reverse":
            return lambda ch, t: env.disbs(channel=ch).Reverse(op.req, timeout=t)
        return lambda ch, t: env.allocs(channel=ch).Release(op.req, timeout=t)

    def disbursements_for(self, alloc_id, amount, total_share, lo, hi, spawned_by=None):
        """Disbursement ops of random shares of amount adding up to about
        total_share of it."""
        out = []
        left = amount * total_share
        while left > 0:
            x = max(100, int(amount * self.rng.uniform(lo, hi)) // 100 * 100)
            out.append(self.new_op("disburse", self.rng.choice(SECS), alloc_id, x,
                                   spawned_by))
            left -= x
        return out

    def initial_ops(self):
        plan, rng = self.plan, self.rng
        ops = []
        for a in plan.apps:
            need = a.approvers[:a.tier]
            for cl in need:
                ops.append(self.new_op("approve", cl, a, a.amount))
            if a.third:
                ops.append(self.new_op("approve", a.approvers[a.tier], a, a.amount))
            if a.repeat:
                ops.append(self.new_op("approve", need[0], a, a.amount))
        for p in plan.premade:
            self.allocs[p.alloc_id] = p.requested
            ops += self.disbursements_for(p.alloc_id, p.requested, 1.25, 0.05, 0.2)
            if p.release:
                ops.append(self.new_op("release", rng.choice(SECS), p.alloc_id))
                if rng.random() < 0.5:
                    ops.append(self.new_op("release", rng.choice(SECS), p.alloc_id))
            elif rng.random() < 0.5:
                ops.append(self.new_op("release", rng.choice(SECS), p.alloc_id))
        rng.shuffle(ops)
        return ops

    def followups(self, op):
        """What an answer makes possible: disbursements out of a new
        allocation, reversals of a disbursement."""
        if op.code != E.OK:
            return []
        pb, rng = self.env.pb, self.rng
        if op.kind == "approve" and op.resp.status == pb.APPLICATION_STATUS_APPROVED:
            self.allocs[op.resp.allocation_id] = op.amount
            if rng.random() < 0.6:
                return self.disbursements_for(op.resp.allocation_id, op.amount, 1.2,
                                              0.2, 0.45, op.n)
        if op.kind == "disburse":
            x = rng.random()
            if x < 0.25:
                return [self.new_op("reverse", rng.choice(SECS), op.resp.id, 0, op.n)]
            if x < 0.32:
                return [self.new_op("reverse", cl, op.resp.id, 0, op.n)
                        for cl in rng.sample(SECS, 2)]
        return []

    def submit(self, ops, anywhere=True):
        with self.cv:
            for op in ops:
                if anywhere and self.queue:
                    self.queue.insert(self.rng.randrange(len(self.queue) + 1), op)
                else:
                    self.queue.append(op)
                self.pending += 1
            self.cv.notify_all()

    def worker(self):
        caller = self.bank.caller
        while True:
            with self.cv:
                while not self.queue and self.pending > 0:
                    self.cv.wait(0.5)
                if not self.queue:
                    return
                op = self.queue.popleft()
                k = self.started
                self.started += 1
            for gate, ev in zip(self.gates, self.events):
                if k >= gate:
                    ev.wait(120)

            def trace(what, inst, code, op=op):
                with self.cv:
                    if what == "start":
                        op.attempts += 1
                        op.t_last = time.time()
                        op.instances.add(inst)
                        self.inflight[inst] += 1
                    else:
                        self.inflight[inst] -= 1
                        if code != E.OK and caller.transient(code, ""):
                            op.codes.append(code.name)

            try:
                code, det, resp = caller.call(op.client, self.call_fn(op), op.n, trace)
            except Exception:  # noqa: BLE001 - recorded as unexpected
                code, det, resp = grpc.StatusCode.UNKNOWN, traceback.format_exc(), None
            op.code, op.details, op.resp = code, det, resp
            classify(op)
            with self.cv:
                more = self.followups(op)
            if more:
                self.submit(more)
            with self.cv:
                self.pending -= 1
                self.done += 1
                self.cv.notify_all()

    # ---- faults

    def wait_done(self, n):
        with self.cv:
            while self.done < n and self.pending > 0:
                self.cv.wait(0.05)
            return self.done >= n

    def faults(self):
        env = self.env
        try:
            victim = env.daemons[2]
            if self.wait_done(self.thresholds[0]):
                with self.cv:
                    inflight = list(self.inflight)
                    at = self.done
                t = time.monotonic()
                victim.signal(9)
                victim.wait(10)
                self.events[0].set()
                time.sleep(0.5)
                victim.start()
                self.fault_log.append(
                    "%s killed with SIGKILL after %d operations, with %d calls in flight "
                    "on it (%d on the others); listening again %.1f s later" % (
                        victim.name, at, inflight[2], inflight[0] + inflight[1],
                        time.monotonic() - t))
            self.events[0].set()
            if self.wait_done(self.thresholds[1]):
                with self.cv:
                    inflight = sum(self.inflight)
                    at = self.done
                t = time.monotonic()
                rc = env.pg.stop("immediate")
                self.events[1].set()
                if rc != 0:
                    self.fault_errors.append("pg_ctl stop -m immediate exited %d" % rc)
                time.sleep(1.5)
                env.pg.restart()
                self.fault_log.append(
                    "PostgreSQL stopped with -m immediate after %d operations, with %d "
                    "calls in flight; accepting connections again %.1f s later" % (
                        at, inflight, time.monotonic() - t))
        except Exception:  # noqa: BLE001 - reported by the run case
            self.fault_errors.append(traceback.format_exc())
        finally:
            for ev in self.events:
                ev.set()

    def go(self):
        ops = self.initial_ops()
        n = len(ops)
        self.thresholds = (n // 4, n * 55 // 100)
        self.gates = (n * 35 // 100, n * 65 // 100)
        self.submit(ops, anywhere=False)
        log("    run: %d operations planned (more follow from the answers), %d client "
            "threads over %d sscd" % (n, self.threads, len(self.env.daemons)))
        t0 = time.monotonic()
        ft = threading.Thread(target=self.faults, name="faults", daemon=True)
        ft.start()
        ths = [threading.Thread(target=self.worker, name="bank-%d" % i, daemon=True)
               for i in range(self.threads)]
        for th in ths:
            th.start()
        for th in ths:
            th.join()
        ft.join(60)
        self.seconds = time.monotonic() - t0
        return self


def classify(op):
    if op.code == E.OK:
        op.outcome = "ok"
        return
    if op.code is None:
        op.outcome = "unknown"
        return
    for kind, code, pat, name in RULES:
        if kind == op.kind and code == op.code and re.search(pat, op.details or ""):
            op.outcome = "refused"
            op.rule = name
            return
    op.outcome = "unexpected"


# --------------------------------------------------------------------------
# the cases


def case_setup(env, bank):
    setup_funding(env, bank)


def case_run(env, bank):
    run = Run(env, bank, bank.args.threads).go()
    bank.run = run
    ops = run.ops
    log("    %d operations in %.1f s (%.0f per second), faults:" % (
        len(ops), run.seconds, len(ops) / max(run.seconds, 0.001)))
    for f in run.fault_log:
        log("      " + f)
    check(not run.fault_errors, "fault injection failed:\n%s" % "\n".join(run.fault_errors))
    check(len(run.fault_log) == 2, "both faults should have happened during the run: %s"
          % run.fault_log)
    check_all_up(env)
    unexpected = [(op.n, op.kind, op.code.name, op.details) for op in ops
                  if op.outcome == "unexpected"]
    unknown = [(op.n, op.kind, op.details) for op in ops if op.outcome == "unknown"]
    check(not unexpected, "%d operations ended with an answer no rule explains: %s" % (
        len(unexpected), unexpected[:8]))
    check(not unknown, "%d operations got no definite answer within the retry budget "
          "(%s s): %s" % (len(unknown), bank.args.budget, unknown[:8]))
    check(len(ops) >= bank.args.min_ops, "%d operations, fewer than --min-ops %d" % (
        len(ops), bank.args.min_ops))
    retried = sum(1 for op in ops if op.attempts > 1)
    check(retried > 0, "no operation needed a retry: the faults hit nothing")
    for kind in KINDS:
        check(any(op.kind == kind and op.outcome == "ok" for op in ops),
              "no %s succeeded" % kind)


def check_all_up(env):
    for d in env.daemons:
        check(d.alive(), "%s is not running: %s" % (d.name, d.died_problem()))
    for d in env.daemons:
        env.wait_serving(d, ("admin",))


def money_rows(env):
    pools = env.pg.rows(
        "SELECT p.id, p.total_minor, p.committed_minor, p.disbursed_minor, p.allocations, "
        "coalesce((SELECT sum(a.amount_minor - a.released_minor) FROM ssc.allocations a "
        "WHERE a.pool_id = p.id), 0), "
        "coalesce((SELECT sum(a.disbursed_minor) FROM ssc.allocations a "
        "WHERE a.pool_id = p.id), 0), "
        "(SELECT count(*) FROM ssc.allocations a WHERE a.pool_id = p.id), "
        "coalesce((SELECT sum(CASE WHEN d.kind = 'reversal' THEN -d.amount_minor "
        "ELSE d.amount_minor END) FROM ssc.disbursements d JOIN ssc.allocations a "
        "ON a.id = d.allocation_id WHERE a.pool_id = p.id), 0) "
        "FROM ssc.pools p ORDER BY p.id")
    allocs = env.pg.rows(
        "SELECT a.id, a.application_id, a.pool_id, a.amount_minor, a.disbursed_minor, "
        "a.released_minor, coalesce((SELECT sum(CASE WHEN d.kind = 'reversal' THEN "
        "-d.amount_minor ELSE d.amount_minor END) FROM ssc.disbursements d "
        "WHERE d.allocation_id = a.id), 0), "
        "(SELECT count(*) FROM ssc.audit x WHERE x.entity = 'allocation' AND "
        "x.entity_id = a.id::text AND x.before IS NOT NULL), "
        "(SELECT count(*) FROM ssc.audit x WHERE x.entity = 'allocation' AND "
        "x.entity_id = a.id::text AND x.before IS NULL) "
        "FROM ssc.allocations a ORDER BY a.id")
    return ([[int(v) for v in r] for r in pools], [[int(v) for v in r] for r in allocs])


def case_money(env, bank):
    """The pools' and allocations' figures against their rows."""
    pools, allocs = money_rows(env)
    bad = []
    for pid, total, comm, disb, nall, s_comm, s_disb, n, net in pools:
        if not 0 <= disb <= comm <= total:
            bad.append("pool %d: not 0 <= disbursed %d <= committed %d <= total %d" % (
                pid, disb, comm, total))
        if comm != s_comm:
            bad.append("pool %d: committed %d, its allocations hold %d" % (pid, comm, s_comm))
        if disb != s_disb or disb != net:
            bad.append("pool %d: disbursed %d, its allocations %d, their disbursements "
                       "%d net" % (pid, disb, s_disb, net))
        if nall != n:
            bad.append("pool %d: counts %d allocations, has %d" % (pid, nall, n))
    for aid, _app, _pool, amount, disb, rel, net, _rels, ins in allocs:
        if not (disb >= 0 and rel >= 0 and disb + rel <= amount):
            bad.append("allocation %d: disbursed %d + released %d > amount %d" % (
                aid, disb, rel, amount))
        if disb != net:
            bad.append("allocation %d: disbursed %d, its disbursements %d net" % (
                aid, disb, net))
        if ins != 1:
            bad.append("allocation %d: %d audit entries of its creation" % (aid, ins))
    # Applications: approved exactly when allocated, as agreed.
    apps = env.pg.rows(
        "SELECT a.id, a.status, a.submitted_version, "
        "(SELECT count(*) FROM ssc.application_approvals x WHERE x.application_id = a.id "
        "AND x.version = a.submitted_version), "
        "(SELECT min(x.amount_minor) || ':' || max(x.amount_minor) || ':' || min(x.pool_id) "
        "|| ':' || max(x.pool_id) FROM ssc.application_approvals x WHERE "
        "x.application_id = a.id), "
        "(SELECT count(*) FROM ssc.allocations l WHERE l.application_id = a.id), "
        "(SELECT l.amount_minor || ':' || l.pool_id FROM ssc.allocations l "
        "WHERE l.application_id = a.id), "
        "(SELECT c.phase FROM ssc.collaborations c WHERE c.id = a.collaboration_id) "
        "FROM ssc.applications a ORDER BY a.id")
    plan_of = {a.id: a for a in bank.plan.apps}
    approved = 0
    for aid, status, _ver, napp, agreed, nalloc, alloc, phase in apps:
        aid, napp, nalloc = int(aid), int(napp), int(nalloc)
        a = plan_of.get(aid)
        if status == "approved":
            approved += 1
            if nalloc != 1:
                bad.append("application %d approved with %d allocations" % (aid, nalloc))
            lo, hi, plo, phi = agreed.split(":")
            if lo != hi or plo != phi or alloc != "%s:%s" % (lo, plo):
                bad.append("application %d: approvals %s, allocation %s" % (aid, agreed,
                                                                           alloc))
            if a and napp != a.tier:
                bad.append("application %d (tier of %d approvals) approved with %d" % (
                    aid, a.tier, napp))
            if phase == "matchmaking":
                bad.append("application %d approved, its collaboration still in "
                           "matchmaking" % aid)
        else:
            if nalloc != 0:
                bad.append("application %d is %s with an allocation" % (aid, status))
            if a and status != "under_review":
                bad.append("application %d is %s" % (aid, status))
            if a and napp >= a.tier:
                bad.append("application %d has %d approvals, not approved" % (aid, napp))
    bank.money = (pools, allocs, approved)
    log("    %d pools, %d allocations, %d applications approved: figures consistent%s" % (
        len(pools), len(allocs), approved, "" if not bad else " EXCEPT:"))
    for p in pools:
        log("      pool %d: total DKK %.2f M, committed %.2f M, disbursed %.2f M, "
            "%d allocations" % (p[0], p[1] / M, p[2] / M, p[3] / M, p[4]))
    check(not bad, "%d problems:\n%s" % (len(bad), "\n".join(bad[:30])))


def case_exactly_once(env, bank):
    """Every OK operation wrote once, every refusal nothing; keys on record
    exactly for the OK ones."""
    run, pg = bank.run, env.pg
    ops = run.ops
    bad = []
    pid_of = bank.principal_ids
    # approvals by (application, principal)
    rows = pg.rows("SELECT application_id, principal_id, count(*) FROM "
                   "ssc.application_approvals GROUP BY 1, 2")
    have = {(int(a), int(p)): int(n) for a, p, n in rows}
    want = collections.Counter()
    for op in ops:
        if op.kind == "approve" and op.outcome == "ok":
            want[(op.target, pid_of[op.client])] += 1
    for op in ops:
        if op.kind == "approve":
            k = (op.target, pid_of[op.client])
            if have.get(k, 0) != want[k]:
                bad.append("approval of application %d by %s: %d rows, %d OK operations"
                           % (op.target, op.client, have.get(k, 0), want[k]))
    # setup approvals are the others
    setup_pairs = {(p.id, pid_of["secretariat"]) for p in bank.plan.premade}
    extra = [k for k in have if k not in want and k not in setup_pairs]
    if extra:
        bad.append("approvals no operation made: %s" % extra[:10])
    # disbursements by reference, reversals by reason
    rows = pg.rows("SELECT id, kind, reference, reason, allocation_id, amount_minor, "
                   "coalesce(reverses_id, 0) FROM ssc.disbursements")
    by_ref = collections.defaultdict(list)
    by_reason = collections.defaultdict(list)
    for r in rows:
        if r[1] == "reversal":
            by_reason[r[3]].append(r)
        else:
            by_ref[r[2]].append(r)
    tags = set()
    for op in ops:
        if op.kind not in ("disburse", "reverse"):
            continue
        tags.add(op.tag)
        found = (by_ref if op.kind == "disburse" else by_reason).get(op.tag, [])
        n = 1 if op.outcome == "ok" else 0
        if len(found) != n:
            bad.append("%s op %d (%s, %d attempts): %d rows" % (
                op.kind, op.n, op.outcome, op.attempts, len(found)))
        elif n and int(found[0][0]) != op.resp.id:
            bad.append("%s op %d answered id %d, the row is %s" % (op.kind, op.n,
                                                                   op.resp.id, found[0][0]))
        elif n and op.kind == "disburse" and (int(found[0][4]), int(found[0][5])) != (
                op.target, op.amount):
            bad.append("disbursement op %d: row %s" % (op.n, found[0]))
        elif n and op.kind == "reverse" and int(found[0][6]) != op.target:
            bad.append("reversal op %d: row %s" % (op.n, found[0]))
    strays = [r for r in rows if (r[2] if r[1] != "reversal" else r[3]) not in tags]
    if strays:
        bad.append("%d disbursements no operation made: %s" % (len(strays), strays[:5]))
    # releases: audited releases per allocation = OK release operations
    _pools, allocs = money_rows(env)
    rel_rows = {r[0]: r[7] for r in allocs}
    want_rel = collections.Counter(op.target for op in ops
                                   if op.kind == "release" and op.outcome == "ok")
    for aid in set(rel_rows) | set(want_rel):
        if rel_rows.get(aid, 0) != want_rel[aid]:
            bad.append("allocation %d: %d releases audited, %d OK release operations" % (
                aid, rel_rows.get(aid, 0), want_rel[aid]))
    # keys: on record exactly for the OK operations
    rows = pg.rows("SELECT principal_id, key, extract(epoch FROM created_at) FROM "
                   "ssc.idempotency WHERE key LIKE %s" % E.sql_literal(bank.run_id + "-op-%"))
    keys = {(int(p), k): float(t) for p, k, t in rows}
    replayed = collections.Counter()
    for op in ops:
        k = (pid_of[op.client], op.key)
        if op.outcome == "ok":
            if k not in keys:
                bad.append("%s op %d got OK but its key is not on record" % (op.kind, op.n))
            elif op.attempts > 1 and keys[k] < op.t_last:
                replayed[op.kind] += 1
        elif k in keys:
            bad.append("%s op %d was %s (%s) but its key is on record" % (
                op.kind, op.n, op.outcome, op.details))
    if len(keys) != sum(1 for op in ops if op.outcome == "ok"):
        bad.append("%d keys on record for %d OK operations" % (
            len(keys), sum(1 for op in ops if op.outcome == "ok")))
    bank.replayed = replayed
    check(not bad, "%d problems:\n%s" % (len(bad), "\n".join(bad[:30])))
    log("    every OK operation found once, every refused one absent; %d retried "
        "operations answered from an earlier attempt's commit" % sum(replayed.values()))


def case_replay_after(env, bank):
    """A sample of OK operations sent again with their keys, each to another
    instance: the first answer, nothing written."""
    run = bank.run
    rng = random.Random(bank.seed + 2)
    oks = [op for op in run.ops if op.outcome == "ok"]
    sample = rng.sample(oks, min(len(oks), 60))
    before = env.pg.rows("SELECT (SELECT count(*) FROM ssc.audit), "
                         "(SELECT count(*) FROM ssc.disbursements), "
                         "(SELECT count(*) FROM ssc.application_approvals)")
    bad = []
    for op in sample:
        code, det, r = bank.caller.call(op.client, run.call_fn(op), op.n + 1)
        if code != E.OK or r != op.resp:
            bad.append("%s op %d again: %s %s" % (op.kind, op.n,
                                                  code.name if code else None, det))
    after = env.pg.rows("SELECT (SELECT count(*) FROM ssc.audit), "
                        "(SELECT count(*) FROM ssc.disbursements), "
                        "(SELECT count(*) FROM ssc.application_approvals)")
    if before != after:
        bad.append("the replays wrote: audit, disbursements, approvals %s -> %s" % (
            before, after))
    check(not bad, "\n".join(bad[:20]))
    log("    %d OK operations sent again: the same answers, nothing written" % len(sample))


def case_audit(env, bank):
    pg = env.pg
    counts = pg.rows(
        "SELECT (SELECT count(*) FROM ssc.audit WHERE entity = 'disbursement'), "
        "(SELECT count(*) FROM ssc.disbursements), "
        "(SELECT count(*) FROM ssc.audit WHERE entity = 'application_approval'), "
        "(SELECT count(*) FROM ssc.application_approvals)")[0]
    check(counts[0] == counts[1], "audit entries of disbursements %s, rows %s" % (
        counts[0], counts[1]))
    check(counts[2] == counts[3], "audit entries of approvals %s, rows %s" % (
        counts[2], counts[3]))
    v = pg.scalar("SELECT ssc.audit_verify()::text")
    check('"ok": true' in v, "ssc.audit_verify(): %s" % v)
    log("    ssc.audit_verify(): %s" % v)


def case_no_deadlocks(env, bank):
    """The writers take their locks in one order (0031 "Locks"): PostgreSQL
    found no deadlock among them. Statement timeouts are counted, not
    judged (a slow machine may cause them; the call is retried)."""
    try:
        with open(env.pg.logfile, "rb") as f:
            text = f.read().decode("utf-8", "replace")
    except OSError as e:
        raise E.CaseFailure("cannot read the PostgreSQL log: %s" % e)
    bank.deadlocks = text.count("ERROR:  deadlock detected")
    bank.timeouts = text.count("canceling statement due to statement timeout")
    first = re.search(r"ERROR:  deadlock detected\n(?:.*\n){0,8}", text)
    check(bank.deadlocks == 0, "%d deadlocks in the PostgreSQL log; the first:\n%s" % (
        bank.deadlocks, first.group(0) if first else ""))
    log("    no deadlock in the PostgreSQL log (%d statements ran out of their call's "
        "deadline)" % bank.timeouts)


def report(bank):
    run = getattr(bank, "run", None)
    if run is None:
        return
    ops = run.ops
    replayed = getattr(bank, "replayed", collections.Counter())
    log("")
    log("bank: %d operations, %.1f s, seed %d" % (len(ops), run.seconds, bank.seed))
    log("  %-9s %6s %6s %8s %8s %9s %8s %8s %10s" % (
        "kind", "ops", "OK", "refused", "retried", "retry-OK", "replayed", "unknown",
        "unexpected"))
    for kind in KINDS + ("all",):
        sel = [op for op in ops if kind == "all" or op.kind == kind]
        log("  %-9s %6d %6d %8d %8d %9d %8d %8d %10d" % (
            kind, len(sel), sum(op.outcome == "ok" for op in sel),
            sum(op.outcome == "refused" for op in sel),
            sum(op.attempts > 1 for op in sel),
            sum(op.attempts > 1 and op.outcome == "ok" for op in sel),
            sum(replayed.values()) if kind == "all" else replayed[kind],
            sum(op.outcome == "unknown" for op in sel),
            sum(op.outcome == "unexpected" for op in sel)))
    rules = collections.Counter((op.kind, op.rule) for op in ops if op.outcome == "refused")
    log("  refused by rule: " + ", ".join("%s %s %d" % (k, r, n) for (k, r), n in
                                          sorted(rules.items())))
    codes = collections.Counter(c for op in ops for c in op.codes)
    log("  failed attempts (retried): %s; attempts in all %d" % (
        ", ".join("%s %d" % kv for kv in sorted(codes.items())) or "none",
        sum(op.attempts for op in ops)))
    moved = sum(1 for op in ops if len(op.instances) > 1)
    log("  operations answered by another instance than they started on: %d" % moved)
    for f in run.fault_log:
        log("  fault: " + f)
    if hasattr(bank, "deadlocks"):
        log("  PostgreSQL log: %d deadlocks, %d statement timeouts" % (bank.deadlocks,
                                                                     bank.timeouts))
    money = getattr(bank, "money", None)
    if money:
        pools, allocs, approved = money
        log("  invariants: %d pools committed <= total and = sum(amount - released), "
            "disbursed = net disbursements; %d allocations disbursed + released <= amount"
            "; %d applications approved, each with one allocation as agreed" % (
                len(pools), len(allocs), approved))


def main():
    p = H.common_args(__doc__.splitlines()[0])
    p.add_argument("--ops", type=int, default=400,
                   help="operations to plan (about; answers add some)")
    p.add_argument("--threads", type=int, default=16, help="client threads")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--budget", type=float, default=90.0,
                   help="seconds an operation is retried for")
    p.add_argument("--min-ops", type=int, default=0,
                   help="fail the run when fewer operations were made")
    p.add_argument("--async-commit", action="store_true",
                   help="leave the harness's synchronous_commit = off: commits "
                   "answered OK may then be lost at the immediate stop, which the "
                   "checks should report (a check of the checks)")
    args = p.parse_args()
    args.source = os.path.abspath(args.source or os.path.join(HERE, "..", ".."))
    seed = args.seed if args.seed is not None else int(time.time()) % 100000
    runner = H.Runner("bank", only=args.only, verbose=args.verbose)
    env = BankEnv(args, "bank")
    bank = types.SimpleNamespace(args=args, seed=seed, run_id="bank%d" % seed,
                                 plan=Plan(args.ops, seed))
    log("    seed %d, --ops %d, --threads %d" % (seed, args.ops, args.threads))
    runner.after_each = lambda name: [
        d.died_problem() for d in getattr(env, "daemons", []) if not d.alive()]
    try:
        env.setup()
        env.daemons = [env.sscd, env.start_other("bank-b", clients=SECS),
                       env.start_other("bank-c", clients=SECS)]
        env.sscd_down_ok = True
        bank.caller = Caller(env, args.budget)
    except Exception:  # noqa: BLE001 - report and stop
        runner.record("setup", ["could not set up:\n" + traceback.format_exc()])
        return env.teardown(runner)
    cases = [("setup_funding", case_setup), ("run", case_run), ("money", case_money),
             ("exactly_once", case_exactly_once), ("replay_after", case_replay_after),
             ("audit", case_audit), ("no_deadlocks", case_no_deadlocks)]
    for name, fn in cases:
        runner.run(name, fn, env, bank, timeout=900 + args.ops * 0.2)
        if name in runner.failed and not getattr(bank, "run", None):
            break  # nothing ran, nothing to check
    report(bank)
    bank.caller.close()
    return env.teardown(runner)


if __name__ == "__main__":
    sys.exit(main())
