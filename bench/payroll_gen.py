#!/usr/bin/python3
"""payroll_gen.py - the world and the payroll file of bench/payroll.sh,
deterministic for (--lines N, --seed S).

    payroll_gen.py --lines N --seed S --out DIR

Writes into DIR (made if missing):

  world.sql      psql script, run as the owner role (ssc_owner) on a freshly
                 migrated database with -v recon_fp=<hex SHA-256 of the
                 reconciler's certificate>. It bootstraps an admin (as
                 fixtures.psql does), then works as ssc_app through the SQL
                 API after ssc.begin_call, each step by the role that takes
                 it, so every trigger, audit entry and RLS policy runs:
                 organisations (13 Danish authorities, the secretariat,
                 partner authorities, embassies) by the admin; principals
                 (two secretariat desks, a ministry desk per authority, the
                 reconciler by fingerprint); collaborations, two DKK pools
                 and the secondments by the secretariat; per collaboration an
                 inception application (2023) and then a long-term one
                 (2024-2025), created and submitted by the lead's ministry
                 desk, reviewed and approved by the secretariat with what
                 its tier asks (approvals, council recommendation,
                 ministerial sign-off), so each collaboration holds two
                 allocations; locked months (ssc.payroll_lock, as the
                 reconciler). Secondments go 200 to a transaction: each
                 audit entry updates the one audit_head row, and every
                 later read of it in the same transaction (the next entry,
                 the deferred audit_notify at commit) walks the versions
                 left before it, so the cost per transaction grows with the
                 square of its entries (1,000 to a transaction took 1.5 s
                 per 1,000, 200 take 0.6 s). After 1, 2, 4, 8, ... chunks
                 world.sql analyses ssc.secondments as the owner: planned
                 for the few rows there were, the triggers' lookups scan the
                 table, and each chunk took longer than the one before.
  payroll.csv    the file for `ssc payroll import`: header
                 organisation,employee,month,hours,amount,currency,collaboration
                 and N lines (organisation by short name, but the Danish
                 Tax Agency's by its id, 14, which world.sql checks; month
                 YYYY-MM, hours and amount with two decimals, DKK but a few
                 in EUR).
  payroll.copy   the same lines in the COPY text format sscd writes into
                 pg_temp.payroll_staging (daemon/services/payroll_import.c,
                 put_line): line_no, organisation, employee_ref, month,
                 hours_hundredths, amount_minor, currency, collaboration,
                 tab-separated, the line number being the line's in the CSV
                 file (the header is line 1). sscd's content hash is the
                 SHA-256 of exactly these bytes.
  expected.txt   "KEY COUNT" lines: lines, the count per flag (the nine of
                 0034) and per kind of unknown reference
                 (unknown_reference.organisation, .collaboration, .employee).
  expected_flags.tsv  "line_no<TAB>flag" for every line, to find the lines
                 where the database disagrees.

The scale. The issue asks for one million lines over 36 months (2023-01 to
2025-12), 13 authorities and "about 2,000 employees", about 5 % flagged.
One line is one employee-month, and a second line for the same employee and
month (on any collaboration) is a DUPLICATE_CLAIM; so ~950,000 accepted
lines need ~950,000 distinct employee-months, about 26,400 employees for 36
months. "About 2,000 employees" is read per authority: 13 x ~2,100 = ~27,300
employees (for N = 1,000,000; the count follows N: E = round(N x 0.982 /
36)), each seconded to one of the four collaborations its authority leads.

What the lines are. Every employee has one "primary" line per month of the
36 (E x 36 lines, ~98.2 %), and ~1.8 % are extra lines. Flags are designed
in, each about 0.5 % of the lines:
  unknown_reference  extra lines: an organisation that is not registered
                     (SDFE, the agency renamed SDFI in 2022, or id 99999), a
                     collaboration reference that is not registered, or an
                     employee_ref the authority has no secondment for;
  period_locked      every line of three locked organisation-months;
  no_cover           extra lines: an employee on another collaboration of
                     the authority (no secondment there), or in EUR;
  outside_period     late starters' lines before their secondment starts
                     (2.5 % of the employees start 1 to 6 months late, half
                     of them on the 15th: a pro rata first month), and
                     movers' first two months after moving to another
                     collaboration (6 % move in 2024), still booked on the
                     old one;
  rate_exceeded      0.6 % of the other primary lines claim more than the
                     month's cap (monthly rate x share, pro rata);
  duplicate_claim    extra lines: an employee-month sent twice;
  hours_exceeded     3.7 % of the employees work 160 h a month at their share
                     (the rest at most 137.50 h): the 11th and 12th month of
                     each year pass 1,720 h x share;
  allocation_exceeded  the long-term allocations of every second
                     collaboration are approved for less than their lines
                     claim: the last ~2 % (by month, employee, line) run them
                     out.
The inception allocations and the other long-term ones hold what their lines
claim and 2 % more. The counts in expected.txt are not estimates: the script
classifies every line by 0034's rules (header comment: first flag in order,
cover and pro rata cap, duplicates by line number, year hours in the order
month, line number, the allocation in the order month, employee_ref, line
number), and checks that each designed flag of the first steps came out as
designed. Employee references are the authority's short name and five
digits (ENS-00042), so their order is the same in every collation.

Lines are ordered by month, then authority, then employee (monthly payroll
runs one after another); the extra lines follow the primary line of their
employee-month. Only random.Random(seed).random() is used, which every
Python 3 gives the same sequence for a seed.
"""

import argparse
import datetime
import hashlib
import json
import os
import random
import sys

MONTHS = [(2023 + i // 12, 1 + i % 12) for i in range(36)]

# short name, name, parent (short name), DAC sector, partner authority kind
AUTHORITIES = [
    ("KEFM", "Ministry of Climate, Energy and Utilities", None, "23110", "Ministry of energy"),
    ("ENS", "Danish Energy Agency", "KEFM", "23111", "National energy agency"),
    ("DMI", "Danish Meteorological Institute", "KEFM", "15143", "National meteorological service"),
    ("FSR", "Danish Utility Regulator", "KEFM", "23112", "Energy regulatory commission"),
    ("MIM", "Ministry of Environment of Denmark", None, "41010", "Ministry of environment"),
    ("MST", "Danish Environmental Protection Agency", "MIM", "41020",
     "Environmental protection agency"),
    ("FVST", "Danish Veterinary and Food Administration", None, "43073", "Food safety authority"),
    ("DST", "Statistics Denmark", None, "16062", "National statistics office"),
    ("SST", "Danish Health Authority", None, "12110", "Ministry of health"),
    ("SFS", "Danish Maritime Authority", None, "21040", "Maritime administration"),
    ("ERST", "Danish Business Authority", None, "25010", "Business registration agency"),
    ("AT", "Danish Working Environment Authority", None, "16070", "Labour inspectorate"),
    ("SKTST", "Danish Tax Agency", None, "15114", "Revenue authority"),
]
# relative size of each authority's staff on the programme
WEIGHTS = [0.8, 1.3, 1.1, 0.7, 0.8, 1.1, 0.9, 1.2, 1.0, 0.9, 1.1, 0.9, 1.2]
COUNTRIES = [
    ("VN", "Viet Nam"), ("CN", "China"), ("IN", "India"), ("ID", "Indonesia"), ("KE", "Kenya"),
    ("ZA", "South Africa"), ("MX", "Mexico"), ("BR", "Brazil"), ("CO", "Colombia"),
    ("TR", "Turkiye"), ("UA", "Ukraine"), ("ET", "Ethiopia"), ("GH", "Ghana"), ("EG", "Egypt"),
    ("US", "United States"), ("KR", "Republic of Korea"),
]
COLLABS_PER_AUTHORITY = 4
COLLAB_WEIGHTS = [0.4, 0.3, 0.2, 0.1]
SHARES = [(10000, 0.30), (7500, 0.10), (5000, 0.30), (2500, 0.20), (2000, 0.10)]
FIRST = ["Anne", "Mette", "Hanne", "Susanne", "Lene", "Maria", "Camilla", "Louise", "Sofie",
         "Ida", "Peter", "Jens", "Lars", "Henrik", "Søren", "Niels", "Anders", "Rasmus",
         "Mikkel", "Frederik", "Karen", "Kirsten", "Jesper", "Thomas", "Martin"]
LAST = ["Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen",
        "Sørensen", "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen",
        "Thomsen", "Christiansen", "Poulsen", "Johansen", "Møller", "Mortensen"]

ACCEPTED_SHARE = 0.982     # primary lines (employee-months) of all lines
LATE = 0.025               # employees starting 1-6 months late
MOVERS = 0.06              # employees moving to another collaboration in 2024
OVERTIME = 0.037           # employees at 160 h a month
RATE = 0.006               # primary lines above the cap
ALLOC = 0.006              # lines past their allocation (of all lines)
LOCKS = 3                  # locked organisation-months
UNKNOWN_ORGS = ("SDFE", "99999")
BY_ID = ("SKTST",)         # authorities whose payroll system exports their ssc id

FLAGS = ("accepted", "no_cover", "outside_period", "rate_exceeded", "hours_exceeded",
         "duplicate_claim", "allocation_exceeded", "unknown_reference", "period_locked")
INCEPTION = (datetime.date(2023, 1, 1), datetime.date(2023, 12, 31))
LONG_TERM = (datetime.date(2024, 1, 1), datetime.date(2025, 12, 31))

# tiers of 0030 (DKK minor units): for the application's narrative only;
# world.sql takes the steps the database asks for.


def month_bounds(t):
    y, m = MONTHS[t]
    first = datetime.date(y, m, 1)
    nxt = datetime.date(y + (m == 12), m % 12 + 1, 1)
    return first, nxt - datetime.timedelta(days=1)


M0 = [month_bounds(t)[0].toordinal() for t in range(36)]
M1 = [month_bounds(t)[1].toordinal() for t in range(36)]
MTEXT = ["%04d-%02d" % MONTHS[t] for t in range(36)]


class Rng:
    def __init__(self, seed):
        self.r = random.Random(seed)

    def u(self):
        return self.r.random()

    def below(self, n):
        return min(int(self.r.random() * n), n - 1)

    def pick(self, weighted):
        x = self.r.random() * sum(w for _, w in weighted)
        for v, w in weighted:
            x -= w
            if x < 0:
                return v
        return weighted[-1][0]


def fail(msg):
    sys.stderr.write("payroll_gen.py: %s\n" % msg)
    sys.exit(1)


def sql_text(s):
    return "'" + s.replace("'", "''") + "'"


def copy_text(s):
    return (s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
            .replace("\r", "\\r"))


def csv_field(s):
    if any(c in s for c in ',"\r\n'):
        return '"' + s.replace('"', '""') + '"'
    return s


def two_dec(v):
    return "%d.%02d" % (v // 100, v % 100)


class Secondment:
    __slots__ = ("collab", "start", "end", "share", "monthly", "currency")

    def __init__(self, collab, start, end, share, monthly, currency="DKK"):
        self.collab, self.start, self.end = collab, start, end
        self.share, self.monthly, self.currency = share, monthly, currency


def cap_of(secs, collab, currency, t):
    """0034's cover for one line: (n, n_in, cap) over the employee's
    secondments on collab in currency."""
    n = n_in = cap = 0
    m0, m1 = M0[t], M1[t]
    dim = m1 - m0 + 1
    for s in secs:
        if s.collab != collab or s.currency != currency:
            continue
        n += 1
        if s.start <= m1 and s.end >= m0:
            n_in += 1
            days = min(s.end, m1) - max(s.start, m0) + 1
            cap += (s.monthly * s.share * days) // (10000 * dim)
    return n, n_in, cap


def year_limit(secs, year):
    """floor(1,720 h x the year's share of full time), in hundredths."""
    y0 = datetime.date(year, 1, 1).toordinal()
    y1 = datetime.date(year, 12, 31).toordinal()
    total = 0
    for s in secs:
        if s.start <= y1 and s.end >= y0:
            total += s.share * (min(s.end, y1) - max(s.start, y0) + 1)
    return (172000 * total) // (10000 * (y1 - y0 + 1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lines", type=int, default=1000000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    n_lines = a.lines
    if n_lines < 1000:
        fail("--lines must be at least 1000")
    rng = Rng(a.seed)
    os.makedirs(a.out, exist_ok=True)

    # ---- the world -----------------------------------------------------------
    n_auth = len(AUTHORITIES)
    employees = round(n_lines * ACCEPTED_SHARE / 36)
    if employees * 36 > n_lines:
        employees = n_lines // 36
    wsum = sum(WEIGHTS)
    per_auth = [max(1, int(employees * w / wsum)) for w in WEIGHTS]
    i = 0
    while sum(per_auth) < employees:
        per_auth[i % n_auth] += 1
        i += 1
    while sum(per_auth) > employees:
        j = max(range(n_auth), key=lambda k: per_auth[k])
        per_auth[j] -= 1
    if max(per_auth) >= 90000:
        fail("too many employees per authority for five-digit references")

    collabs = []   # (auth index, j, reference, country code, country name)
    for ai, auth in enumerate(AUTHORITIES):
        for j in range(COLLABS_PER_AUTHORITY):
            cc, cname = COUNTRIES[(ai * 3 + j * 4) % len(COUNTRIES)]
            collabs.append((ai, j, "SSC-%s-%s-%d" % (cc, auth[0], j + 1), cc, cname))
    collab_of = {c[2]: k for k, c in enumerate(collabs)}
    # what the file calls each authority: its short name, or its id for those
    # in BY_ID (ids as world.sql makes them: the secretariat 1, then these)
    org_field = [str(ai + 2) if auth[0] in BY_ID else auth[0]
                 for ai, auth in enumerate(AUTHORITIES)]
    auth_of = {f: ai for ai, f in enumerate(org_field)}

    # employees: (auth, ref, name, kind, secondments, hours per full month)
    emps = []
    secs_of = {}   # (auth, ref) -> [Secondment]
    for ai, auth in enumerate(AUTHORITIES):
        for k in range(per_auth[ai]):
            ref = "%s-%05d" % (auth[0], k + 1)
            name = "%s %s" % (FIRST[rng.below(len(FIRST))], LAST[rng.below(len(LAST))])
            cj = rng.pick(list(enumerate(COLLAB_WEIGHTS)))
            c = ai * COLLABS_PER_AUTHORITY + cj
            share = rng.pick(SHARES)
            monthly = 3200000 + rng.below(721) * 5000   # DKK 32,000 to 68,000
            x = rng.u()
            if k == 0 and ai < 3:
                # one of each kind whatever N, so that a small file has every flag
                x = (LATE + MOVERS + OVERTIME / 2, LATE / 2, LATE + MOVERS / 2)[ai]
            if x < LATE:
                kind = "late"
                t = 1 + rng.below(6)
                day = 1 if rng.u() < 0.5 else 15
                y, m = MONTHS[t]
                secs = [Secondment(c, datetime.date(y, m, day).toordinal(),
                                   LONG_TERM[1].toordinal(), share, monthly)]
                move = None
            elif x < LATE + MOVERS:
                kind = "mover"
                t = 12 + rng.below(12)   # moves on the first of a month in 2024
                c2 = ai * COLLABS_PER_AUTHORITY + (cj + 1 + rng.below(COLLABS_PER_AUTHORITY - 1)) \
                    % COLLABS_PER_AUTHORITY
                secs = [Secondment(c, INCEPTION[0].toordinal(), M0[t] - 1, share, monthly),
                        Secondment(c2, M0[t], LONG_TERM[1].toordinal(), share,
                                   monthly * 103 // 100 // 5000 * 5000)]
                move = (t, c2)
            elif x < LATE + MOVERS + OVERTIME:
                kind = "overtime"
                secs = [Secondment(c, INCEPTION[0].toordinal(), LONG_TERM[1].toordinal(), share,
                                   monthly)]
                move = None
            else:
                kind = "regular"
                secs = [Secondment(c, INCEPTION[0].toordinal(), LONG_TERM[1].toordinal(), share,
                                   monthly)]
                move = None
            emps.append((ai, ref, name, kind, secs, c, move))
            secs_of[(ai, ref)] = secs

    locks = set()
    while len(locks) < LOCKS:
        locks.add((rng.below(n_auth), rng.below(6)))

    # ---- the lines --------------------------------------------------------------
    # a line: [sort key, organisation, employee_ref, t, hours, amount, currency,
    #          collaboration, designed flag (None: a candidate), unknown kind]
    lines = []
    candidates = []   # indexes of primary lines that are candidates (for duplicates)
    for ei, (ai, ref, name, kind, secs, c, move) in enumerate(emps):
        short = org_field[ai]
        share = secs[0].share
        full_cap = cap_of(secs, secs[-1].collab, "DKK", 35)[2]
        for t in range(36):
            lc = c
            design = None
            if move is not None and t >= move[0]:
                lc = move[1]
                if t < move[0] + 2:
                    lc = c          # still booked on the old collaboration
                    design = "outside_period"
            n, n_in, cap = cap_of(secs, lc, "DKK", t)
            if n_in == 0 and design is None:
                design = "outside_period"
            if design is None:
                days = 0
                for s in secs:
                    if s.collab == lc and s.start <= M1[t] and s.end >= M0[t]:
                        days += min(s.end, M1[t]) - max(s.start, M0[t]) + 1
                dim = M1[t] - M0[t] + 1
                if kind == "overtime":
                    hours = 16000 * share // 10000
                else:
                    hours = int(13750 * share * days // (10000 * dim) * (0.92 + 0.08 * rng.u()))
                if rng.u() < RATE:
                    amount = cap + 1 + rng.below(max(1, cap // 12))
                    design = "rate_exceeded"
                elif rng.u() < 0.4:
                    amount = cap
                else:
                    amount = max(1, cap - rng.below(max(1, cap // 25)))
            else:
                hours = int(13750 * share // 10000 * (0.92 + 0.08 * rng.u()))
                amount = max(1, full_cap - rng.below(max(1, full_cap // 25)))
            if (ai, t) in locks:
                design = "period_locked"
            if design is None:
                candidates.append(len(lines))
            lines.append([(t, ai, ei, 0), short, ref, t, hours, amount, "DKK", collabs[lc][2],
                          design, None])

    extras = n_lines - len(lines)
    seq = 0
    unknown_refs = 0
    for _ in range(extras):
        seq += 1
        x = rng.u()
        if x < 1 / 3:
            # the same employee-month again
            src = lines[candidates[rng.below(len(candidates))]]
            t, ai, ei, _s = src[0]
            lines.append([(t, ai, ei, seq)] + src[1:8] + ["duplicate_claim", None])
        elif x < 2 / 3:
            ei = rng.below(len(emps))
            ai, ref, name, kind, secs, c, move = emps[ei]
            t = rng.below(36)
            on = {s.collab for s in secs}
            others = [ai * COLLABS_PER_AUTHORITY + j for j in range(COLLABS_PER_AUTHORITY)
                      if ai * COLLABS_PER_AUTHORITY + j not in on]
            hours = 13750 * secs[0].share // 10000
            amount = secs[0].monthly * secs[0].share // 10000
            if rng.u() < 0.2 or not others:
                lc, cur = secs[-1].collab, "EUR"
                amount = amount * 100 // 746
            else:
                lc, cur = others[rng.below(len(others))], "DKK"
            design = "period_locked" if (ai, t) in locks else "no_cover"
            lines.append([(t, ai, ei, seq), org_field[ai], ref, t, hours, amount, cur,
                          collabs[lc][2], design, None])
        else:
            t = rng.below(36)
            y = rng.u()
            ei = rng.below(len(emps))
            ai, ref, name, kind, secs, c, move = emps[ei]
            hours = 13750 * secs[0].share // 10000
            amount = secs[0].monthly * secs[0].share // 10000
            unknown_refs += 1
            if y < 0.25:
                org = UNKNOWN_ORGS[rng.below(2)]
                key = (t, n_auth + UNKNOWN_ORGS.index(org), unknown_refs, seq)
                lines.append([key, org, "%s-%05d" % (org, 1 + rng.below(500)), t, hours, amount,
                              "DKK", collabs[c][2], "unknown_reference", "organisation"])
            elif y < 0.5:
                cc = collabs[c][3]
                lines.append([(t, ai, ei, seq), org_field[ai], ref, t, hours, amount, "DKK",
                              "SSC-%s-%s-%d" % (cc, AUTHORITIES[ai][0], COLLABS_PER_AUTHORITY + 1),
                              "unknown_reference", "collaboration"])
            else:
                tmp = "%s-T%04d" % (AUTHORITIES[ai][0], 1 + rng.below(9999))
                lines.append([(t, ai, len(emps) + rng.below(10000), seq), org_field[ai], tmp,
                              t, hours, amount, "DKK", collabs[c][2], "unknown_reference",
                              "employee"])
    lines.sort(key=lambda ln: ln[0])

    # ---- 0034's classification, line by line ---------------------------------
    n = len(lines)
    flag = [None] * n
    org_idx = [None] * n
    for i, ln in enumerate(lines):
        no = i + 2
        ai = auth_of.get(ln[1])
        org_idx[i] = ai
        ck = collab_of.get(ln[7])
        secs = secs_of.get((ai, ln[2])) if ai is not None else None
        if ai is None or ck is None or secs is None:
            f = "unknown_reference"
        elif (ai, ln[3]) in locks:
            f = "period_locked"
        else:
            cn, cin, cap = cap_of(secs, ck, ln[6], ln[3])
            if cn == 0:
                f = "no_cover"
            elif cin == 0:
                f = "outside_period"
            elif ln[5] > cap:
                f = "rate_exceeded"
            else:
                f = None
        flag[i] = f
    first = {}
    for i, ln in enumerate(lines):
        if flag[i] is None:
            k = (org_idx[i], ln[2], ln[3])
            if k in first:
                flag[i] = "duplicate_claim"
            else:
                first[k] = i
    # designed flags of these steps must have come out as designed
    bad = [(i + 2, lines[i][8], flag[i]) for i in range(n)
           if lines[i][8] is not None and lines[i][8] != flag[i]
           or lines[i][8] is None and flag[i] is not None]
    if bad:
        fail("the design and 0034's rules disagree on %d lines, e.g. %s" % (len(bad), bad[:5]))
    # hours: per employee and year, in the order month, line number
    year_sum = {}
    limits = {}
    for i, ln in enumerate(lines):   # lines are in month order already
        if flag[i] is not None:
            continue
        year = MONTHS[ln[3]][0]
        k = (org_idx[i], ln[2], year)
        if k not in limits:
            limits[k] = year_limit(secs_of[(org_idx[i], ln[2])], year)
        year_sum[k] = year_sum.get(k, 0) + ln[4]
        if year_sum[k] > limits[k]:
            flag[i] = "hours_exceeded"
    # allocations: inception (2023) and long-term (2024-2025) per
    # collaboration, the lines in the order month, employee_ref, line number
    per_alloc = {}
    for i, ln in enumerate(lines):
        if flag[i] is None:
            key = (collab_of[ln[7]], 0 if ln[3] < 12 else 1)
            per_alloc.setdefault(key, []).append((ln[3], ln[2], i))
    tight = [(k, 1) for k in range(len(collabs)) if k % 2 == 0]
    tight_lines = sum(len(per_alloc.get(k, ())) for k in tight)
    cut = min(0.5, ALLOC * n_lines / tight_lines) if tight_lines else 0
    amounts = {}
    tight = set(tight)
    for k in range(len(collabs)):
        for phase in (0, 1):
            items = sorted(per_alloc.get((k, phase), ()))
            total = sum(lines[i][5] for _, _, i in items)
            if (k, phase) in tight and items:
                keep = len(items) - max(1, round(cut * len(items)))
                amount = sum(lines[i][5] for _, _, i in items[:keep])
                for _, _, i in items[keep:]:
                    flag[i] = "allocation_exceeded"
                amount = max(amount, 1)
            else:
                amount = max(100000000, -(-total * 102 // 100) // 100000 * 100000 + 100000)
            amounts[(k, phase)] = amount
    counts = {f: 0 for f in FLAGS}
    unknown_kinds = {"organisation": 0, "collaboration": 0, "employee": 0}
    for i in range(n):
        if flag[i] is None:
            flag[i] = "accepted"
        counts[flag[i]] += 1
        if lines[i][9] is not None:
            unknown_kinds[lines[i][9]] += 1

    # ---- the files ------------------------------------------------------------
    with open(os.path.join(a.out, "payroll.csv"), "w", encoding="utf-8", newline="") as csv, \
            open(os.path.join(a.out, "payroll.copy"), "wb") as cp, \
            open(os.path.join(a.out, "expected_flags.tsv"), "w", encoding="utf-8") as ef:
        out_csv = ["organisation,employee,month,hours,amount,currency,collaboration\n"]
        out_cp = []
        out_ef = []
        sha = hashlib.sha256()
        cf = {}   # each text's CSV and COPY forms, made once
        for i, ln in enumerate(lines):
            no = i + 2
            mt = MTEXT[ln[3]]
            f = []
            for v in (ln[1], ln[2], ln[6], ln[7]):
                e = cf.get(v)
                if e is None:
                    e = cf[v] = (csv_field(v), copy_text(v))
                f.append(e)
            out_csv.append("%s,%s,%s,%s,%s,%s,%s\n" % (
                f[0][0], f[1][0], mt, two_dec(ln[4]), two_dec(ln[5]), f[2][0], f[3][0]))
            out_cp.append("%d\t%s\t%s\t%s\t%d\t%d\t%s\t%s\n" % (
                no, f[0][1], f[1][1], mt, ln[4], ln[5], f[2][1], f[3][1]))
            out_ef.append("%d\t%s\n" % (no, flag[i]))
            if len(out_cp) >= 50000:
                b = "".join(out_cp).encode()
                sha.update(b)
                cp.write(b)
                csv.write("".join(out_csv))
                ef.write("".join(out_ef))
                out_csv, out_cp, out_ef = [], [], []
        b = "".join(out_cp).encode()
        sha.update(b)
        cp.write(b)
        csv.write("".join(out_csv))
        ef.write("".join(out_ef))
    with open(os.path.join(a.out, "expected.txt"), "w") as f:
        f.write("lines %d\n" % n)
        for fl in FLAGS:
            f.write("%s %d\n" % (fl, counts[fl]))
        for k, v in unknown_kinds.items():
            f.write("unknown_reference.%s %d\n" % (k, v))
        f.write("employees %d\n" % len(emps))
        f.write("secondments %d\n" % sum(len(e[4]) for e in emps))
        f.write("collaborations %d\n" % len(collabs))
        f.write("content_hash %s\n" % sha.hexdigest())

    write_world(a.out, collabs, emps, locks, amounts)


def write_world(out, collabs, emps, locks, amounts):
    w = []
    p = w.append
    p("-- world.sql: written by bench/payroll_gen.py; run by psql as the owner\n"
      "-- (ssc_owner) with -v recon_fp=FINGERPRINT on a freshly migrated database.\n"
      "\\set ON_ERROR_STOP 1\n"
      "\\if :{?recon_fp}\n\\else\n"
      "DO $$ BEGIN RAISE EXCEPTION 'world.sql: pass -v recon_fp=<the reconciler certificate''s "
      "SHA-256 in hex>'; END $$;\n\\endif\n"
      "SET client_encoding = 'UTF8';\nSET client_min_messages = warning;\n"
      "SELECT count(*) FROM ssc.bootstrap_admin('CN=bench admin', '', 'Bench operator');\n"
      "\\c - ssc_app\n"
      "SET client_encoding = 'UTF8';\nSET client_min_messages = warning;\n")
    # organisations, as the admin
    p("BEGIN;\nSELECT count(*) FROM ssc.begin_call('', 'CN=bench admin', '{admin}', "
      "'/bench/world');\n")
    p("SELECT count(*) FROM ssc.org_create('', NULL, 'Secretariat for Authority Cooperation', "
      "'MYS', 'secretariat', 'DK', 0);\n")
    for short, name, parent, _s, _k in AUTHORITIES:
        par = "0" if parent is None else \
            "(SELECT id FROM ssc.organisations WHERE short_name = %s)" % sql_text(parent)
        p("SELECT count(*) FROM ssc.org_create('', NULL, %s, %s, 'danish_authority', 'DK', %s);\n"
          % (sql_text(name), sql_text(short), par))
    used = sorted({(c[3], c[4]) for c in collabs})
    for cc, cname in used:
        p("SELECT count(*) FROM ssc.org_create('', NULL, %s, '', 'embassy', %s, 0);\n"
          % (sql_text("Embassy of Denmark in " + cname), sql_text(cc)))
    for ai, j, ref, cc, cname in collabs:
        p("SELECT count(*) FROM ssc.org_create('', NULL, %s, '', 'partner_authority', %s, 0);\n"
          % (sql_text("%s of %s" % (AUTHORITIES[ai][4], cname)), sql_text(cc)))
    # principals
    sec_org = "(SELECT id FROM ssc.organisations WHERE short_name = 'MYS')"
    p("SELECT count(*) FROM ssc.principal_add('', NULL, 'CN=bench secretariat 1', '', %s, "
      "'secretariat', 'Secretariat desk 1');\n" % sec_org)
    p("SELECT count(*) FROM ssc.principal_add('', NULL, 'CN=bench secretariat 2', '', %s, "
      "'secretariat', 'Secretariat desk 2');\n" % sec_org)
    p("SELECT count(*) FROM ssc.principal_add('', NULL, '', :'recon_fp', %s, 'reconciler', "
      "'Payroll reconciliation job');\n" % sec_org)
    for short, name, _p, _s, _k in AUTHORITIES:
        p("SELECT count(*) FROM ssc.principal_add('', NULL, %s, '', "
          "(SELECT id FROM ssc.organisations WHERE short_name = %s), 'ministry', %s);\n"
          % (sql_text("CN=bench ministry " + short), sql_text(short), sql_text(short + " desk")))
    # payroll.csv names these by id
    for ai, auth in enumerate(AUTHORITIES):
        if auth[0] in BY_ID:
            p("DO $$ BEGIN\n  IF (SELECT id FROM ssc.organisations WHERE short_name = %s)\n"
              "     IS DISTINCT FROM %d THEN\n"
              "    RAISE EXCEPTION 'world.sql: %s is not organisation %d, as payroll.csv says';\n"
              "  END IF;\nEND $$;\n" % (sql_text(auth[0]), ai + 2, auth[0], ai + 2))
    p("COMMIT;\n")

    # collaborations and pools, as the secretariat
    p("BEGIN;\nSELECT count(*) FROM ssc.begin_call('', 'CN=bench secretariat 1', '{secretariat}', "
      "'/bench/world');\n")
    for ai, j, ref, cc, cname in collabs:
        short, name, _p, sector, kind = AUTHORITIES[ai]
        req = {"title": "%s and the %s of %s" % (name, kind.lower(), cname), "reference": ref,
               "country": cc, "sectors": [{"code": sector, "percentage": 100}],
               "started_on": "2022-%02d-01" % (1 + (ai + j) % 12)}
        p("SELECT count(*) FROM ssc.collab_create(%s::jsonb || jsonb_build_object("
          "'lead_id', (SELECT id FROM ssc.organisations WHERE short_name = %s), "
          "'partner_ids', jsonb_build_array((SELECT id FROM ssc.organisations WHERE name = %s "
          "AND country = %s)), 'embassy_id', (SELECT id FROM ssc.organisations WHERE name = %s)), "
          "NULL);\n"
          % (sql_text(json.dumps(req)), sql_text(short),
             sql_text("%s of %s" % (kind, cname)), sql_text(cc),
             sql_text("Embassy of Denmark in " + cname)))
    for phase, year in ((0, 2023), (1, 2024)):
        total = sum(v for (k, ph), v in amounts.items() if ph == phase)
        total = -(-total * 5 // 4) // 100000000 * 100000000 + 100000000
        p("SELECT count(*) FROM ssc.pool_create(%s::jsonb, NULL);\n" % sql_text(json.dumps(
            {"name": "Strategic Sector Cooperation %d" % year, "fiscal_year": year,
             "total": {"amount_minor": total, "currency": "DKK"}})))
    p("COMMIT;\n")

    # secondments, as the secretariat, 200 to a transaction
    rows = []
    for ai, ref, name, kind, secs, c, move in emps:
        for s in secs:
            rows.append("(%s,%s,%s,%s,'%s','%s',%d,%d)" % (
                sql_text(AUTHORITIES[ai][0]), sql_text(ref), sql_text(name),
                sql_text(collabs[s.collab][2]), datetime.date.fromordinal(s.start).isoformat(),
                datetime.date.fromordinal(s.end).isoformat(), s.share, s.monthly))
    for n, k in enumerate(range(0, len(rows), 200)):
        if n & (n - 1) == 0 and n > 0:
            # statistics that keep up with the table (autovacuum looks once a
            # minute): planned for the few rows there were, the triggers'
            # lookups scan the table, and each chunk takes longer than the last
            p("\\c - ssc_owner\nANALYZE ssc.secondments;\n\\c - ssc_app\n"
              "SET client_encoding = 'UTF8';\nSET client_min_messages = warning;\n")
        p("BEGIN;\nSELECT count(*) FROM ssc.begin_call('', 'CN=bench secretariat 1', "
          "'{secretariat}', '/ssc.v1.Secondments/Create');\n")
        p("SELECT count(ssc.secondment_create(jsonb_build_object('collaboration_id', c.id, "
          "'employer_id', o.id, 'employee_ref', v.ref, 'expert_name', v.name, 'host_id', "
          "c.partner_ids[1], 'starts_on', v.s, 'ends_on', v.e, 'share_bp', v.share, "
          "'monthly_compensation', jsonb_build_object('amount_minor', v.m, 'currency', 'DKK')), "
          "NULL))\n  FROM (VALUES\n")
        p(",\n".join(rows[k:k + 200]))
        p(") v (org, ref, name, collab, s, e, share, m)\n"
          "  JOIN ssc.organisations o ON o.short_name = v.org\n"
          "  JOIN ssc.collaborations c ON c.reference = v.collab;\nCOMMIT;\n")

    # applications: inception for 2023, then long-term for 2024-2025
    apps = []
    for phase, (start, end) in ((0, INCEPTION), (1, LONG_TERM)):
        for k, (ai, j, ref, cc, cname) in enumerate(collabs):
            amount = amounts[(k, phase)]
            years = list(range(start.year, end.year + 1))
            # what was asked: the staff cost rounded up to DKK 100,000 a
            # year, travel and workshops on top; the approval may be lower
            per_year = -(-amount // len(years)) // 10000000 * 10000000 + 10000000
            budget = []
            for y in years:
                budget.append({"category": "staff_compensation", "year": y,
                               "amount": {"amount_minor": per_year, "currency": "DKK"}})
                budget.append({"category": "travel", "year": y,
                               "amount": {"amount_minor": 25000000, "currency": "DKK"}})
            apps.append({"collab": ref, "lead": AUTHORITIES[ai][0],
                         "phase": "inception" if phase == 0 else "long_term",
                         "title": "%s %s" % ("Inception" if phase == 0 else "Long-term cooperation",
                                             ref),
                         "starts_on": start.isoformat(), "ends_on": end.isoformat(),
                         "budget": budget, "amount": amount, "fiscal_year": start.year})
    p("DO $do$\nDECLARE\n  r record;\n  v jsonb;\n  a bigint;\n  pool bigint;\n  step int;\n"
      "BEGIN\n  FOR r IN SELECT * FROM jsonb_to_recordset(%s::jsonb)\n"
      "      AS x (collab text, lead text, phase text, title text, starts_on text, ends_on text,\n"
      "            budget jsonb, amount bigint, fiscal_year int) LOOP\n"
      "    PERFORM ssc.begin_call('', 'CN=bench ministry ' || r.lead, '{ministry}', "
      "'/ssc.v1.Applications/Create');\n"
      "    a := ssc.application_create(jsonb_build_object('collaboration_id',\n"
      "           (SELECT id FROM ssc.collaborations WHERE reference = r.collab), "
      "'phase', r.phase,\n"
      "           'title', r.title, 'starts_on', r.starts_on, 'ends_on', r.ends_on, "
      "'currency', 'DKK',\n"
      "           'budget', r.budget), NULL) ->> 'id';\n"
      "    PERFORM ssc.begin_call('', 'CN=bench ministry ' || r.lead, '{ministry}', "
      "'/ssc.v1.Applications/Submit');\n"
      "    PERFORM ssc.application_submit(jsonb_build_object('id', a), NULL);\n"
      "    PERFORM ssc.begin_call('', 'CN=bench secretariat 1', '{secretariat}', "
      "'/ssc.v1.Applications/StartReview');\n"
      "    PERFORM ssc.application_start_review(jsonb_build_object('id', a), NULL);\n"
      "    SELECT id INTO pool FROM ssc.pools WHERE fiscal_year = r.fiscal_year "
      "AND currency = 'DKK';\n"
      "    -- what the tier asks for: approvals by two desks, the council, the minister\n"
      "    step := 0;\n"
      "    LOOP\n"
      "      step := step + 1;\n"
      "      PERFORM ssc.begin_call('', 'CN=bench secretariat ' || CASE WHEN step = 2 THEN '2' "
      "ELSE '1' END,\n"
      "                             '{secretariat}', '/bench/decision');\n"
      "      v := CASE step\n"
      "        WHEN 1 THEN ssc.application_approve(jsonb_build_object('id', a, 'pool_id', pool,\n"
      "               'amount', jsonb_build_object('amount_minor', r.amount, "
      "'currency', 'DKK')), NULL)\n"
      "        WHEN 2 THEN ssc.application_approve(jsonb_build_object('id', a, 'pool_id', pool,\n"
      "               'amount', jsonb_build_object('amount_minor', r.amount, "
      "'currency', 'DKK')), NULL)\n"
      "        WHEN 3 THEN ssc.application_recommend(jsonb_build_object('id', a, 'on_date', "
      "'2022-11-24',\n"
      "               'reference', 'UPR ' || r.collab), NULL)\n"
      "        WHEN 4 THEN ssc.application_signoff(jsonb_build_object('id', a, 'on_date', "
      "'2022-12-01',\n"
      "               'reference', 'M ' || r.collab, 'signed_by', 'Minister for Development "
      "Cooperation'), NULL)\n"
      "      END;\n"
      "      EXIT WHEN v ->> 'status' = 'approved';\n"
      "      IF step = 4 THEN\n"
      "        RAISE EXCEPTION 'application %% was not approved: %%', a, v;\n"
      "      END IF;\n"
      "    END LOOP;\n"
      "    COMMIT;  -- each application's decision at its own commit (applications_allocated)\n"
      "  END LOOP;\nEND\n$do$;\n" % sql_text(json.dumps(apps)))

    # locked months, by the reconciler
    p("BEGIN;\nSELECT count(*) FROM ssc.begin_call(:'recon_fp', '', '{reconciler}', "
      "'/ssc.v1.Payroll/Lock');\n")
    for ai, t in sorted(locks):
        p("SELECT count(*) FROM ssc.payroll_lock(jsonb_build_object('organisation_id', "
          "(SELECT id FROM ssc.organisations WHERE short_name = %s), 'month', '%s'), NULL);\n"
          % (sql_text(AUTHORITIES[ai][0]), MTEXT[t]))
    p("COMMIT;\n")
    # what was made, checked
    p("BEGIN;\nSELECT count(*) FROM ssc.begin_call('', 'CN=bench secretariat 1', '{secretariat}', "
      "'/bench/check');\n"
      "DO $$\nBEGIN\n"
      "  IF (SELECT count(*) FROM ssc.secondments) <> %d\n"
      "     OR (SELECT count(*) FROM ssc.allocations) <> %d\n"
      "     OR (SELECT count(*) FROM ssc.collaborations WHERE phase = 'long_term') <> %d THEN\n"
      "    RAISE EXCEPTION 'world.sql: the world is not what was written';\n"
      "  END IF;\nEND\n$$;\nCOMMIT;\n" % (len(rows), len(amounts), len(collabs)))
    with open(os.path.join(out, "world.sql"), "w", encoding="utf-8") as f:
        f.write("".join(w))


if __name__ == "__main__":
    main()
