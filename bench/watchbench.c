/*
 * watchbench.c - ssc-watchbench: the parts of bench/watch.sh that must keep
 * up with many streams and stamp every change as it arrives.
 *
 *   ssc-watchbench watch --endpoint HOST:PORT --ca FILE --cert FILE --key FILE
 *                        [--connections C] [--streams S] [--cold]
 *                        --expect FILE [--grace SECONDS] [--dump FILE]
 *                        [--capacity N]
 *   ssc-watchbench listen --db URL [--listeners K] --expect FILE
 *                         [--grace SECONDS] [--dump FILE] [--capacity N]
 *   ssc-watchbench write --db URL --entity-id ID [--changes M] [--rate R]
 *
 * watch: C connections (one ssc_client each, on one libuv loop) with S calls
 * of ssc.v1.Changes/Watch each, every one WatchChangesRequest{from_now =
 * true}: C x S watchers. Each change is stamped with CLOCK_REALTIME when the
 * client library hands it over, and only its seq (field 1) is read. Each
 * connection first makes one Health/Check call and opens its watches when
 * that is answered, as a client whose channel is already up does. With
 * --cold the watches go out with the connection's first bytes instead:
 * sscd then refuses with RESOURCE_EXHAUSTED ("server request buffers are
 * full") the streams past 89 of 100, as if it charged each stream opened
 * before it has the client's SETTINGS acknowledgement HTTP/2's default
 * window of 65,535 bytes rather than its own 16 KiB (seen 2026-12-04;
 * bench/README.md).
 *
 * listen: the reference, the same work without sscd: K libpq connections,
 * each LISTENs on ssc_changes and, after each wake-up, reads what is new with
 *   SELECT seq, at, principal, method, entity, entity_id, after
 *     FROM ssc.audit WHERE seq > $1 ORDER BY seq
 * ($1 the last seq it has; at start the newest seq, as from_now does), as
 * prepared statement, text results, every column looked at. Notifications
 * that come while a read is out make one more read once it is in, as
 * sscd's hub does. Every row of a result is stamped when the result is in.
 * All K on one thread (ppoll), as all watchers are in watch mode.
 *
 * Both receivers keep every arrival (seq and time) in memory until the end;
 * --capacity N makes room for N per receiver at start (and touches it), so
 * that no array grows during the measurement: a thousand of them growing at
 * once held up the watch client by up to 100 ms.
 *
 * Both receivers print "ready" once every watcher or listener has received
 * a change (bench/watch.sh writes probe changes until then: a from_now
 * watch that has seen one is live). On SIGUSR1 they read the --expect file,
 * one "SEQ AT_US" line per measured change (AT_US: the audit row's at, in
 * µs since the epoch), wait until each receiver has the last of them (or
 * has ended) or --grace seconds (default 10) pass, and print one line
 *   result receivers=N changes=M delivered=D missing=.. duplicates=..
 *          out_of_order=.. extra=.. closed=.. p50_us=.. ... all_max_us=..
 * where the latencies are arrival minus the row's at, over every first
 * arrival of a measured change at a receiver; first_* and all_* are per
 * change: the latency at which the first and the last receiver had it.
 * Duplicates and out-of-order arrivals count every change, the probes too.
 * --dump FILE also writes "SEQ AT_US RECEIVERS FIRST_US LAST_US" per
 * measured change, followed (for at most 64 connections) by the latency of
 * the last receiver on each connection. Then they keep their connections
 * until SIGTERM or SIGINT, so that the script can read the CPU time of the
 * processes before the connections close.
 *
 * write: M changes at R per second on a fixed schedule (change i is due at
 * i / R seconds; one that is late goes at once), each its own transaction:
 *   SELECT ssc.audit_append('organisation', ID, NULL,
 *            jsonb_build_object('n', i, 'at', clock_timestamp()))
 * Prints "written changes=M seconds=.. commit_p50_us=.. commit_p99_us=..
 * commit_max_us=.. behind_max_us=..": the round trip of each commit and how
 * late the latest one started.
 *
 * Connections to PostgreSQL carry application_name ssc-watchbench-listen or
 * ssc-watchbench-write, so the script finds their backends.
 *
 * Entry point: main().
 */
#include "client.h"
#include "err.h"
#include "mem.h"
#include "status.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WATCH_PATH "/ssc.v1.Changes/Watch"
#define HEALTH_PATH "/grpc.health.v1.Health/Check"
#define MAX_RECEIVERS 100000u
#define MAX_EXPECT 10000000u
#define MAX_DUMP_GROUPS 64u
#define READ_SQL                                                               \
    "SELECT seq, at, principal, method, entity, entity_id, after "             \
    "FROM ssc.audit WHERE seq > $1 ORDER BY seq"
#define WRITE_SQL                                                              \
    "SELECT ssc.audit_append('organisation', $1, NULL, "                       \
    "jsonb_build_object('n', $2::int, 'at', clock_timestamp()))"

/* ---- options ------------------------------------------------------------ */

typedef struct wb_opts {
    const char *mode;
    ssc_client_opts client;
    unsigned connections;
    unsigned streams;
    int cold;
    const char *db;
    unsigned listeners;
    const char *expect;
    const char *dump;
    unsigned capacity;
    double grace_s;
    const char *entity_id;
    unsigned changes;
    double rate;
} wb_opts;

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Says what is wrong on stderr and returns -1. */
static int fail(const char *fmt, ...)
{
    va_list ap;

    fputs("ssc-watchbench: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return -1;
}

static void usage(FILE *f)
{
    fputs("usage: ssc-watchbench watch --endpoint HOST:PORT --ca FILE --cert "
          "FILE --key FILE\n"
          "                            [--connections C] [--streams S] "
          "[--cold]\n"
          "                            --expect FILE [--grace S] [--dump "
          "FILE] [--capacity N]\n"
          "       ssc-watchbench listen --db URL [--listeners K] --expect "
          "FILE\n"
          "                             [--grace S] [--dump FILE] "
          "[--capacity N]\n"
          "       ssc-watchbench write --db URL --entity-id ID [--changes M] "
          "[--rate R]\n"
          "The receivers of bench/watch.sh (Changes/Watch streams, or libpq\n"
          "LISTEN clients as the reference) and its writer; the header of\n"
          "bench/watchbench.c says what each prints.\n",
          f);
}

/* Parses a whole number in [min, max]. Returns 0 or -1. */
static int parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
    char *end;
    unsigned long v;

    if (s[0] < '0' || s[0] > '9')
        return -1;
    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return -1;
    *out = (unsigned)v;
    return 0;
}

static int parse_positive(const char *s, double max, double *out)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !(v > 0 && v <= max))
        return -1;
    *out = v;
    return 0;
}

enum {
    OPT_ENDPOINT = 256,
    OPT_CA,
    OPT_CERT,
    OPT_KEY,
    OPT_CONNECTIONS,
    OPT_STREAMS,
    OPT_COLD,
    OPT_DB,
    OPT_LISTENERS,
    OPT_EXPECT,
    OPT_DUMP,
    OPT_CAPACITY,
    OPT_GRACE,
    OPT_ENTITY_ID,
    OPT_CHANGES,
    OPT_RATE,
    OPT_HELP
};

static const struct option long_opts[] = {
    {"endpoint", required_argument, NULL, OPT_ENDPOINT},
    {"ca", required_argument, NULL, OPT_CA},
    {"cert", required_argument, NULL, OPT_CERT},
    {"key", required_argument, NULL, OPT_KEY},
    {"connections", required_argument, NULL, OPT_CONNECTIONS},
    {"streams", required_argument, NULL, OPT_STREAMS},
    {"cold", no_argument, NULL, OPT_COLD},
    {"db", required_argument, NULL, OPT_DB},
    {"listeners", required_argument, NULL, OPT_LISTENERS},
    {"expect", required_argument, NULL, OPT_EXPECT},
    {"dump", required_argument, NULL, OPT_DUMP},
    {"capacity", required_argument, NULL, OPT_CAPACITY},
    {"grace", required_argument, NULL, OPT_GRACE},
    {"entity-id", required_argument, NULL, OPT_ENTITY_ID},
    {"changes", required_argument, NULL, OPT_CHANGES},
    {"rate", required_argument, NULL, OPT_RATE},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0}};

/* Handles one option. Returns 0, -1 on a bad value, 1 for --help. */
static int one_opt(int opt, const char *arg, wb_opts *o)
{
    switch (opt) {
    case OPT_ENDPOINT:
        o->client.endpoint = arg;
        return 0;
    case OPT_CA:
        o->client.ca_file = arg;
        return 0;
    case OPT_CERT:
        o->client.cert_file = arg;
        return 0;
    case OPT_KEY:
        o->client.key_file = arg;
        return 0;
    case OPT_CONNECTIONS:
        if (parse_uint(arg, 1, 10000, &o->connections) != 0)
            return fail("--connections: need 1..10000, not \"%s\"", arg);
        return 0;
    case OPT_STREAMS:
        if (parse_uint(arg, 1, 10000, &o->streams) != 0)
            return fail("--streams: need 1..10000, not \"%s\"", arg);
        return 0;
    case OPT_COLD:
        o->cold = 1;
        return 0;
    case OPT_DB:
        o->db = arg;
        return 0;
    case OPT_LISTENERS:
        if (parse_uint(arg, 1, 10000, &o->listeners) != 0)
            return fail("--listeners: need 1..10000, not \"%s\"", arg);
        return 0;
    case OPT_EXPECT:
        o->expect = arg;
        return 0;
    case OPT_DUMP:
        o->dump = arg;
        return 0;
    case OPT_CAPACITY:
        if (parse_uint(arg, 0, MAX_EXPECT, &o->capacity) != 0)
            return fail("--capacity: need 0..%u, not \"%s\"", MAX_EXPECT, arg);
        return 0;
    case OPT_GRACE:
        if (parse_positive(arg, 3600, &o->grace_s) != 0)
            return fail("--grace: need seconds above 0, not \"%s\"", arg);
        return 0;
    case OPT_ENTITY_ID:
        o->entity_id = arg;
        return 0;
    case OPT_CHANGES:
        if (parse_uint(arg, 1, MAX_EXPECT, &o->changes) != 0)
            return fail("--changes: need 1..%u, not \"%s\"", MAX_EXPECT, arg);
        return 0;
    case OPT_RATE:
        if (parse_positive(arg, 1e6, &o->rate) != 0)
            return fail("--rate: need changes per second above 0, not \"%s\"",
                        arg);
        return 0;
    case OPT_HELP:
        return 1;
    default:
        return -1;
    }
}

/* What each mode needs. Returns 0 or -1. */
static int check_mode(const wb_opts *o)
{
    if (strcmp(o->mode, "watch") == 0) {
        if (o->client.endpoint == NULL || o->client.ca_file == NULL ||
            o->client.cert_file == NULL || o->client.key_file == NULL ||
            o->expect == NULL)
            return fail("watch: --endpoint, --ca, --cert, --key and --expect "
                        "are required");
        if ((uint64_t)o->connections * o->streams > MAX_RECEIVERS)
            return fail("watch: at most %u watchers", MAX_RECEIVERS);
        return 0;
    }
    if (strcmp(o->mode, "listen") == 0) {
        if (o->db == NULL || o->expect == NULL)
            return fail("listen: --db and --expect are required");
        return 0;
    }
    if (strcmp(o->mode, "write") == 0) {
        if (o->db == NULL || o->entity_id == NULL)
            return fail("write: --db and --entity-id are required");
        return 0;
    }
    return fail("unknown mode \"%s\" (watch, listen or write)", o->mode);
}

/* Fills o from argv. Returns 0, -1 on a usage error, 1 for --help. */
static int parse_args(int argc, char **argv, wb_opts *o)
{
    int opt, rc;

    memset(o, 0, sizeof(*o));
    o->connections = 10;
    o->streams = 100;
    o->listeners = 10;
    o->grace_s = 10;
    o->changes = 2000;
    o->rate = 200;
    o->client.user_agent = "ssc-watchbench";
    if (argc < 2)
        return fail("a mode is required: watch, listen or write");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return 1;
    o->mode = argv[1];
    optind = 2;
    while ((opt = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
        rc = one_opt(opt == 'h' ? OPT_HELP : opt, optarg, o);
        if (rc != 0)
            return rc;
    }
    if (optind < argc)
        return fail("unexpected argument \"%s\"", argv[optind]);
    return check_mode(o);
}

/* ---- clocks ------------------------------------------------------------- */

static int64_t realtime_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- receivers and the analysis ---------------------------------------- */

typedef struct arrival {
    int64_t seq;
    int64_t t_us; /* CLOCK_REALTIME */
} arrival;

typedef struct run run;

/* One watcher or listener: every change it got, in arrival order. */
typedef struct receiver {
    run *g;
    arrival *a;
    size_t n;
    size_t cap;
    int64_t max_seq;
    int closed;   /* ended before the run did */
    int complete; /* has the last expected change, or has ended */
} receiver;

struct run {
    receiver *r;
    size_t nr;
    size_t group;  /* receivers per connection */
    size_t nready; /* receivers with a change */
    const char *expect_path;
    const char *dump_path;
    double grace_s;
    int64_t *eseq; /* the measured changes, ascending */
    int64_t *eat;  /* their audit at, µs since the epoch */
    size_t ne;
    int loaded;
    size_t ncomplete;
    size_t nclosed;
    int reported;
    int stopping;
    uint64_t bad_messages;
    char *first_error;
};

static void run_init(run *g, size_t nr, size_t group, const wb_opts *o)
{
    memset(g, 0, sizeof(*g));
    g->nr = nr;
    g->group = group;
    g->r = ssc_xcalloc(nr, sizeof(*g->r));
    for (size_t i = 0; i < nr; i++) {
        g->r[i].g = g;
        /* Room for what is to come, its pages touched now: growing a
         * thousand arrays at once mid-run stalls the receiver. */
        if (o->capacity > 0) {
            g->r[i].cap = o->capacity;
            g->r[i].a = ssc_xmalloc(o->capacity * sizeof(*g->r[i].a));
            memset(g->r[i].a, 0, o->capacity * sizeof(*g->r[i].a));
        }
    }
    g->expect_path = o->expect;
    g->dump_path = o->dump;
    g->grace_s = o->grace_s;
}

static void run_free(run *g)
{
    for (size_t i = 0; i < g->nr; i++)
        free(g->r[i].a);
    free(g->r);
    free(g->eseq);
    free(g->eat);
    free(g->first_error);
}

static void report(run *g);

static void mark_complete(receiver *r)
{
    if (r->complete)
        return;
    r->complete = 1;
    r->g->ncomplete++;
}

/* Reports once every receiver is complete. */
static void check_done(run *g)
{
    if (g->loaded && !g->reported && g->ncomplete == g->nr)
        report(g);
}

static void arrived(receiver *r, int64_t seq, int64_t t_us)
{
    run *g = r->g;

    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 256;
        r->a = ssc_xrealloc(r->a, r->cap * sizeof(*r->a));
    }
    r->a[r->n].seq = seq;
    r->a[r->n].t_us = t_us;
    r->n++;
    if (r->n == 1 && ++g->nready == g->nr) {
        printf("ready\n");
        fflush(stdout);
    }
    if (seq > r->max_seq)
        r->max_seq = seq;
    if (g->loaded && g->ne > 0 && seq >= g->eseq[g->ne - 1]) {
        mark_complete(r);
        check_done(g);
    }
}

/* The receiver ended before the run: it will get nothing more. */
static void ended(receiver *r, const char *status, const char *message)
{
    run *g = r->g;

    r->closed = 1;
    g->nclosed++;
    if (g->first_error == NULL) {
        size_t n = strlen(status) + strlen(message) + 3;

        g->first_error = ssc_xmalloc(n);
        snprintf(g->first_error, n, "%s: %s", status, message);
        fprintf(stderr, "ssc-watchbench: a receiver ended early: %s\n",
                g->first_error);
    }
    if (g->loaded) {
        mark_complete(r);
        check_done(g);
    }
}

/* Reads "SEQ AT_US" lines. Returns 0 or -1. */
static int load_expect(run *g)
{
    FILE *f = fopen(g->expect_path, "r");
    char line[128];
    size_t cap = 0;
    int rc = 0;

    if (f == NULL)
        return fail("could not open %s", g->expect_path);
    while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
        char *end;
        long long seq, at;

        errno = 0;
        seq = strtoll(line, &end, 10);
        at = strtoll(end, &end, 10);
        if (errno != 0 || (*end != '\n' && *end != '\0') || seq <= 0 ||
            (g->ne > 0 && seq <= g->eseq[g->ne - 1]) || g->ne == MAX_EXPECT) {
            rc = fail("%s: bad line \"%s\" (want ascending \"SEQ AT_US\")",
                      g->expect_path, line);
            break;
        }
        if (g->ne == cap) {
            cap = cap ? cap * 2 : 4096;
            g->eseq = ssc_xrealloc(g->eseq, cap * sizeof(*g->eseq));
            g->eat = ssc_xrealloc(g->eat, cap * sizeof(*g->eat));
        }
        g->eseq[g->ne] = seq;
        g->eat[g->ne] = at;
        g->ne++;
    }
    fclose(f);
    if (rc == 0 && g->ne == 0)
        rc = fail("%s: no changes", g->expect_path);
    return rc;
}

/* The expected changes are in: counts the receivers that are done. Returns
 * 0 or -1. */
static int expect_loaded(run *g)
{
    if (g->loaded)
        return 0;
    if (load_expect(g) != 0)
        return -1;
    g->loaded = 1;
    g->ncomplete = 0;
    for (size_t i = 0; i < g->nr; i++) {
        receiver *r = &g->r[i];

        r->complete = 0;
        if (r->closed || r->max_seq >= g->eseq[g->ne - 1])
            mark_complete(r);
    }
    check_done(g);
    return 0;
}

/* Index of seq among the expected changes, or -1. */
static long expect_index(const run *g, int64_t seq)
{
    size_t lo = 0, hi = g->ne;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (g->eseq[mid] < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < g->ne && g->eseq[lo] == seq ? (long)lo : -1;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return (x > y) - (x < y);
}

/* Nearest-rank percentile of n sorted values; 0 when there are none. */
static uint32_t pct(const uint32_t *v, size_t n, double p)
{
    size_t rank;

    if (n == 0)
        return 0;
    rank = (size_t)(p / 100.0 * (double)n + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return v[rank - 1];
}

typedef struct tally {
    uint64_t delivered, missing, duplicates, out_of_order, extra, negative;
} tally;

/* Per measured change: how many receivers had it, and the latency of the
 * first and of the last of them. */
typedef struct per_change {
    uint32_t count;
    uint32_t first;
    uint32_t last;
} per_change;

/* Goes through one receiver's arrivals: counts, and each first arrival of a
 * measured change as a latency (into lat and into its per_change). seen is
 * a bitmap over [lo, hi] of the seqs the whole run saw. */
static void analyse_one(const run *g, const receiver *r, uint8_t *seen,
                        int64_t lo, size_t bits, uint32_t *lat, size_t *nlat,
                        per_change *pc, tally *t)
{
    int64_t prev = 0;
    uint64_t got = 0;

    memset(seen, 0, (bits + 7) / 8);
    for (size_t i = 0; i < r->n; i++) {
        int64_t seq = r->a[i].seq, us;
        size_t bit = (size_t)(seq - lo);
        uint32_t v;
        long k;

        if (seen[bit / 8] & (1u << (bit % 8))) {
            t->duplicates++;
            continue;
        }
        seen[bit / 8] |= (uint8_t)(1u << (bit % 8));
        if (seq < prev)
            t->out_of_order++;
        else
            prev = seq;
        k = expect_index(g, seq);
        if (k < 0) {
            if (seq > g->eseq[0])
                t->extra++;
            continue;
        }
        got++;
        us = r->a[i].t_us - g->eat[k];
        if (us < 0) {
            t->negative++;
            us = 0;
        }
        v = us > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)us;
        lat[(*nlat)++] = v;
        if (pc[k].count == 0 || v < pc[k].first)
            pc[k].first = v;
        if (v > pc[k].last)
            pc[k].last = v;
        pc[k].count++;
    }
    t->delivered += got;
    t->missing += g->ne - got;
}

/* The latency at which the last receiver of each group had each change:
 * into glast[k * ngroups + group], 0 for none. */
static void group_last(const run *g, size_t ngroups, uint32_t *glast)
{
    for (size_t i = 0; i < g->nr; i++) {
        const receiver *r = &g->r[i];
        size_t grp = i / g->group;

        for (size_t j = 0; j < r->n; j++) {
            long k = expect_index(g, r->a[j].seq);
            int64_t us;

            if (k < 0)
                continue;
            us = r->a[j].t_us - g->eat[k];
            if (us > 0 && us <= (int64_t)UINT32_MAX &&
                (uint32_t)us > glast[(size_t)k * ngroups + grp])
                glast[(size_t)k * ngroups + grp] = (uint32_t)us;
        }
    }
}

/* "SEQ AT_US RECEIVERS FIRST_US LAST_US" per measured change, then the last
 * receiver's latency in each group (connection) when there are at most
 * MAX_DUMP_GROUPS of them. */
static void dump(const run *g, const per_change *pc)
{
    FILE *f = fopen(g->dump_path, "w");
    size_t ngroups = (g->nr + g->group - 1) / g->group;
    uint32_t *glast = NULL;

    if (f == NULL) {
        fail("could not write %s", g->dump_path);
        return;
    }
    if (ngroups <= MAX_DUMP_GROUPS) {
        glast = ssc_xcalloc(g->ne * ngroups + 1, sizeof(*glast));
        group_last(g, ngroups, glast);
    }
    for (size_t k = 0; k < g->ne; k++) {
        fprintf(f, "%" PRId64 " %" PRId64 " %u %u %u", g->eseq[k], g->eat[k],
                pc[k].count, pc[k].first, pc[k].last);
        for (size_t j = 0; glast != NULL && j < ngroups; j++)
            fprintf(f, " %u", glast[k * ngroups + j]);
        fputc('\n', f);
    }
    free(glast);
    if (fclose(f) != 0)
        fail("could not write %s", g->dump_path);
}

static void report(run *g)
{
    int64_t lo = INT64_MAX, hi = 0;
    size_t bits, nlat = 0, nc = 0;
    uint8_t *seen;
    uint32_t *lat, *first, *last;
    per_change *pc;
    tally t = {0};

    g->reported = 1;
    for (size_t i = 0; i < g->nr; i++)
        for (size_t j = 0; j < g->r[i].n; j++) {
            if (g->r[i].a[j].seq < lo)
                lo = g->r[i].a[j].seq;
            if (g->r[i].a[j].seq > hi)
                hi = g->r[i].a[j].seq;
        }
    if (lo > hi)
        lo = hi = 0;
    bits = (size_t)(hi - lo) + 1;
    seen = ssc_xmalloc((bits + 7) / 8);
    lat = ssc_xmalloc((g->nr * g->ne + 1) * sizeof(*lat));
    pc = ssc_xcalloc(g->ne, sizeof(*pc));
    first = ssc_xcalloc(g->ne, sizeof(*first));
    last = ssc_xcalloc(g->ne, sizeof(*last));
    for (size_t i = 0; i < g->nr; i++)
        analyse_one(g, &g->r[i], seen, lo, bits, lat, &nlat, pc, &t);
    if (g->dump_path != NULL)
        dump(g, pc);
    /* The per-change figures count the changes some receiver had. */
    for (size_t k = 0; k < g->ne; k++)
        if (pc[k].count > 0) {
            first[nc] = pc[k].first;
            last[nc] = pc[k].last;
            nc++;
        }
    qsort(lat, nlat, sizeof(*lat), cmp_u32);
    qsort(first, nc, sizeof(*first), cmp_u32);
    qsort(last, nc, sizeof(*last), cmp_u32);
    printf("result receivers=%zu changes=%zu delivered=%" PRIu64
           " missing=%" PRIu64 " duplicates=%" PRIu64 " out_of_order=%" PRIu64
           " extra=%" PRIu64 " closed=%zu bad_messages=%" PRIu64
           " negative=%" PRIu64,
           g->nr, g->ne, t.delivered, t.missing, t.duplicates, t.out_of_order,
           t.extra, g->nclosed, g->bad_messages, t.negative);
    printf(" p50_us=%u p90_us=%u p99_us=%u p999_us=%u max_us=%u",
           pct(lat, nlat, 50), pct(lat, nlat, 90), pct(lat, nlat, 99),
           pct(lat, nlat, 99.9), nlat ? lat[nlat - 1] : 0);
    printf(" first_p50_us=%u first_p99_us=%u first_max_us=%u",
           pct(first, nc, 50), pct(first, nc, 99), nc ? first[nc - 1] : 0);
    printf(" all_p50_us=%u all_p99_us=%u all_max_us=%u\n", pct(last, nc, 50),
           pct(last, nc, 99), nc ? last[nc - 1] : 0);
    if (g->first_error != NULL)
        printf("first_error %s\n", g->first_error);
    fflush(stdout);
    free(seen);
    free(lat);
    free(pc);
    free(first);
    free(last);
}

/* ---- watch: Changes/Watch streams ------------------------------------- */

typedef struct watch_run {
    run g;
    uv_loop_t loop;
    ssc_client **clients;
    unsigned nclients;
    uv_signal_t sig_usr1, sig_term, sig_int;
    uv_timer_t grace;
} watch_run;

/* The seq (field 1) of a serialized Change, or 0. */
static int64_t change_seq(const uint8_t *p, size_t len)
{
    size_t i = 0;

    while (i < len) {
        uint64_t key = 0, v = 0;
        unsigned shift = 0;

        while (i < len && shift < 64) { /* the key */
            key |= (uint64_t)(p[i] & 0x7f) << shift;
            shift += 7;
            if (!(p[i++] & 0x80))
                break;
        }
        shift = 0;
        switch (key & 7) {
        case 0: /* varint */
            while (i < len && shift < 64) {
                v |= (uint64_t)(p[i] & 0x7f) << shift;
                shift += 7;
                if (!(p[i++] & 0x80))
                    break;
            }
            if ((key >> 3) == 1)
                return v > 0 && v <= INT64_MAX ? (int64_t)v : 0;
            break;
        case 2: /* length-delimited */
            while (i < len && shift < 64) {
                v |= (uint64_t)(p[i] & 0x7f) << shift;
                shift += 7;
                if (!(p[i++] & 0x80))
                    break;
            }
            if (v > len - i)
                return 0;
            i += (size_t)v;
            break;
        default:
            return 0;
        }
    }
    return 0;
}

static void on_message(ssc_client_call *call, const uint8_t *msg, size_t len)
{
    receiver *r = ssc_client_call_data(call);
    int64_t t = realtime_us();
    int64_t seq = change_seq(msg, len);

    if (seq <= 0) {
        r->g->bad_messages++;
        return;
    }
    arrived(r, seq, t);
}

static void on_close(ssc_client_call *call, ssc_client_result *res)
{
    receiver *r = ssc_client_call_data(call);

    if (r->g->stopping)
        return;
    ended(r, ssc_status_name(res->code), res->message ? res->message : "");
}

static const ssc_client_call_cbs watch_cbs = {.on_message = on_message,
                                              .on_close = on_close};

static void on_grace(uv_timer_t *t)
{
    watch_run *w = container_of(t, watch_run, grace);

    if (!w->g.reported)
        report(&w->g);
}

static void on_usr1(uv_signal_t *s, int signum)
{
    watch_run *w = container_of(s, watch_run, sig_usr1);

    (void)signum;
    if (w->g.loaded)
        return;
    if (expect_loaded(&w->g) != 0)
        exit(2);
    if (!w->g.reported) {
        uv_update_time(&w->loop);
        uv_timer_start(&w->grace, on_grace,
                       (uint64_t)(w->g.grace_s * 1000 + 0.5), 0);
    }
}

static void on_closed(uv_handle_t *h)
{
    (void)h;
}

static void watch_stop(watch_run *w)
{
    if (w->g.stopping)
        return;
    w->g.stopping = 1;
    for (unsigned i = 0; i < w->nclients; i++)
        ssc_client_free(w->clients[i]);
    uv_close((uv_handle_t *)&w->sig_usr1, on_closed);
    uv_close((uv_handle_t *)&w->sig_term, on_closed);
    uv_close((uv_handle_t *)&w->sig_int, on_closed);
    uv_close((uv_handle_t *)&w->grace, on_closed);
}

static void on_term(uv_signal_t *s, int signum)
{
    watch_run *w = signum == SIGINT ? container_of(s, watch_run, sig_int)
                                    : container_of(s, watch_run, sig_term);

    watch_stop(w);
}

/* Starts every watch of client i. */
static void start_watches(watch_run *w, unsigned i)
{
    static const uint8_t from_now[] = {0x18, 0x01}; /* field 3 = true */
    size_t per = w->g.nr / w->nclients;

    for (size_t k = i * per; k < (i + 1) * per; k++) {
        ssc_client_call *call;
        int rc = ssc_client_call_start(w->clients[i], WATCH_PATH, NULL, 0,
                                       &watch_cbs, &w->g.r[k], &call);

        if (rc != 0) {
            fail("could not start a watch: %s", ssc_strerror(rc));
            exit(1);
        }
        ssc_client_call_send(call, from_now, sizeof(from_now));
        ssc_client_call_half_close(call);
    }
}

/* The connection's first call: once it is answered, sscd has had the
 * client's acknowledgement of its SETTINGS, and the watches go out. */
typedef struct warm {
    watch_run *w;
    unsigned i;
} warm;

static void on_warm_close(ssc_client_call *call, ssc_client_result *res)
{
    warm *c = ssc_client_call_data(call);

    if (c->w->g.stopping)
        return;
    if (res->code != SSC_STATUS_OK) {
        fail("Health/Check on connection %u: %s: %s", c->i,
             ssc_status_name(res->code), res->message ? res->message : "");
        exit(1);
    }
    start_watches(c->w, c->i);
}

static const ssc_client_call_cbs warm_cbs = {.on_close = on_warm_close};

static int watch_main(const wb_opts *o)
{
    watch_run *w = ssc_xcalloc(1, sizeof(*w));
    warm *warms = ssc_xcalloc(o->connections, sizeof(*warms));
    char err[512];

    run_init(&w->g, (size_t)o->connections * o->streams, o->streams, o);
    uv_loop_init(&w->loop);
    w->nclients = o->connections;
    w->clients = ssc_xcalloc(o->connections, sizeof(*w->clients));
    /* Failures here end the process: there is nothing to measure. */
    for (unsigned i = 0; i < o->connections; i++) {
        ssc_client_call *call;

        if (ssc_client_new(&w->loop, &o->client, &w->clients[i], err,
                           sizeof(err)) != 0) {
            fail("%s", err);
            exit(1);
        }
        if (o->cold) {
            start_watches(w, i);
            continue;
        }
        warms[i].w = w;
        warms[i].i = i;
        if (ssc_client_call_start(w->clients[i], HEALTH_PATH, NULL, 10000,
                                  &warm_cbs, &warms[i], &call) != 0) {
            fail("could not start Health/Check");
            exit(1);
        }
        ssc_client_call_send(call, NULL, 0);
        ssc_client_call_half_close(call);
    }
    uv_signal_init(&w->loop, &w->sig_usr1);
    uv_signal_init(&w->loop, &w->sig_term);
    uv_signal_init(&w->loop, &w->sig_int);
    uv_timer_init(&w->loop, &w->grace);
    uv_signal_start(&w->sig_usr1, on_usr1, SIGUSR1);
    uv_signal_start(&w->sig_term, on_term, SIGTERM);
    uv_signal_start(&w->sig_int, on_term, SIGINT);
    uv_run(&w->loop, UV_RUN_DEFAULT);
    uv_loop_close(&w->loop);
    free(w->clients);
    free(warms);
    run_free(&w->g);
    free(w);
    return 0;
}

/* ---- listen: the libpq reference --------------------------------------- */

typedef struct listener {
    PGconn *pg;
    int64_t last; /* the last seq read */
    int busy;     /* a read is out */
    int pending;  /* a notification came since the read went out */
} listener;

static volatile sig_atomic_t got_usr1, got_term;

static void on_signal(int signum)
{
    if (signum == SIGUSR1)
        got_usr1 = 1;
    else
        got_term = 1;
}

static PGconn *connect_db(const char *url, const char *app)
{
    const char *keys[] = {"dbname", "application_name", NULL};
    const char *vals[] = {url, app, NULL};
    PGconn *pg = PQconnectdbParams(keys, vals, 1);

    if (pg == NULL || PQstatus(pg) != CONNECTION_OK) {
        fail("could not connect to %s: %s", url,
             pg ? PQerrorMessage(pg) : "out of memory");
        PQfinish(pg);
        return NULL;
    }
    return pg;
}

/* Runs one command; returns its single value as a number in *v when v is
 * given. Returns 0 or -1. */
static int exec_simple(PGconn *pg, const char *sql, int64_t *v)
{
    PGresult *res = PQexec(pg, sql);
    ExecStatusType st = PQresultStatus(res);
    int rc = 0;

    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        rc = fail("%s: %s", sql, PQerrorMessage(pg));
    else if (v != NULL) {
        char *end;

        errno = 0;
        *v =
            PQntuples(res) == 1 ? strtoll(PQgetvalue(res, 0, 0), &end, 10) : -1;
        if (*v < 0 || errno != 0)
            rc = fail("%s: not a number", sql);
    }
    PQclear(res);
    return rc;
}

static int listener_open(listener *l, const char *url)
{
    PGresult *res;
    int ok;

    l->pg = connect_db(url, "ssc-watchbench-listen");
    if (l->pg == NULL)
        return -1;
    if (exec_simple(l->pg, "LISTEN ssc_changes", NULL) != 0)
        return -1;
    res = PQprepare(l->pg, "read", READ_SQL, 1, NULL);
    ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    if (!ok)
        return fail("could not prepare the read: %s", PQerrorMessage(l->pg));
    /* from_now: start after the newest change */
    return exec_simple(l->pg, "SELECT coalesce(max(seq), 0) FROM ssc.audit",
                       &l->last);
}

static void listener_fail(listener *l, receiver *r, const char *what)
{
    char msg[256];

    snprintf(msg, sizeof(msg), "%s: %s", what, PQerrorMessage(l->pg));
    PQfinish(l->pg);
    l->pg = NULL;
    ended(r, "ERROR", msg);
}

static volatile size_t sink; /* the columns' lengths, so they are read */

/* A read is in: each row is a change, stamped now. */
static void take_rows(listener *l, receiver *r, const PGresult *res)
{
    int64_t t = realtime_us();
    int rows = PQntuples(res), cols = PQnfields(res);
    size_t len = 0;

    for (int i = 0; i < rows; i++) {
        char *end;
        int64_t seq;

        for (int c = 0; c < cols; c++)
            len += (size_t)PQgetlength(res, i, c) +
                   (unsigned char)PQgetvalue(res, i, c)[0];
        errno = 0;
        seq = strtoll(PQgetvalue(res, i, 0), &end, 10);
        if (errno != 0 || *end != '\0' || seq <= 0) {
            r->g->bad_messages++;
            continue;
        }
        if (seq > l->last)
            l->last = seq;
        arrived(r, seq, t);
    }
    sink += len;
}

static void listener_read(listener *l, receiver *r)
{
    char last[24];
    const char *v[1] = {last};

    snprintf(last, sizeof(last), "%" PRId64, l->last);
    if (!PQsendQueryPrepared(l->pg, "read", 1, v, NULL, NULL, 0)) {
        listener_fail(l, r, "could not send the read");
        return;
    }
    l->busy = 1;
    l->pending = 0;
}

/* The socket is readable: results, notifications, the next read. */
static void listener_service(listener *l, receiver *r)
{
    PGnotify *n;

    if (!PQconsumeInput(l->pg)) {
        listener_fail(l, r, "connection lost");
        return;
    }
    while (l->busy && !PQisBusy(l->pg)) {
        PGresult *res = PQgetResult(l->pg);

        if (res == NULL) {
            l->busy = 0;
            break;
        }
        if (PQresultStatus(res) == PGRES_TUPLES_OK) {
            take_rows(l, r, res);
        } else {
            PQclear(res);
            listener_fail(l, r, "the read failed");
            return;
        }
        PQclear(res);
    }
    while ((n = PQnotifies(l->pg)) != NULL) {
        l->pending = 1;
        PQfreemem(n);
    }
    if (!l->busy && l->pending)
        listener_read(l, r);
}

static int listen_main(const wb_opts *o)
{
    run g;
    listener *ls = ssc_xcalloc(o->listeners, sizeof(*ls));
    struct pollfd *fds = ssc_xcalloc(o->listeners, sizeof(*fds));
    struct sigaction sa;
    sigset_t block, orig;
    int64_t deadline = 0; /* mono ns; 0: none */
    int rc = 0;

    run_init(&g, o->listeners, 1, o);
    for (unsigned i = 0; i < o->listeners; i++)
        if (listener_open(&ls[i], o->db) != 0) {
            rc = -1;
            goto out;
        }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal; /* no SA_RESTART: ppoll returns EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigprocmask(SIG_BLOCK, &block, &orig);
    while (!got_term) {
        struct timespec ts, *tp = NULL;

        for (unsigned i = 0; i < o->listeners; i++) {
            fds[i].fd = ls[i].pg ? PQsocket(ls[i].pg) : -1;
            fds[i].events = POLLIN;
            fds[i].revents = 0;
        }
        if (deadline != 0 && !g.reported) {
            int64_t left = deadline - mono_ns();

            if (left < 0)
                left = 0;
            ts.tv_sec = (time_t)(left / 1000000000);
            ts.tv_nsec = (long)(left % 1000000000);
            tp = &ts;
        }
        /* Signals are let in only while waiting, so none is missed. */
        if (ppoll(fds, o->listeners, tp, &orig) < 0 && errno != EINTR) {
            rc = fail("ppoll: %s", strerror(errno));
            break;
        }
        if (got_usr1 && !g.loaded) {
            if (expect_loaded(&g) != 0) {
                rc = -1;
                break;
            }
            deadline = mono_ns() + (int64_t)(g.grace_s * 1e9);
        }
        for (unsigned i = 0; i < o->listeners; i++)
            if (ls[i].pg != NULL && (fds[i].revents & (POLLIN | POLLERR)))
                listener_service(&ls[i], &g.r[i]);
        if (deadline != 0 && !g.reported && mono_ns() >= deadline)
            report(&g);
    }
out:
    for (unsigned i = 0; i < o->listeners; i++)
        PQfinish(ls[i].pg);
    free(ls);
    free(fds);
    run_free(&g);
    return rc;
}

/* ---- write: the changes ------------------------------------------------- */

static int write_main(const wb_opts *o)
{
    PGconn *pg = connect_db(o->db, "ssc-watchbench-write");
    uint32_t *rtt;
    int64_t t0, period, behind_max = 0;
    PGresult *res;
    int ok;

    if (pg == NULL)
        return -1;
    res = PQprepare(pg, "write", WRITE_SQL, 2, NULL);
    ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    if (!ok) {
        fail("could not prepare the write: %s", PQerrorMessage(pg));
        PQfinish(pg);
        return -1;
    }
    rtt = ssc_xcalloc(o->changes, sizeof(*rtt));
    period = (int64_t)(1e9 / o->rate);
    t0 = mono_ns();
    for (unsigned i = 0; i < o->changes; i++) {
        int64_t due = t0 + (int64_t)i * period, s, e;
        char n[16];
        const char *v[2] = {o->entity_id, n};

        if (mono_ns() < due) {
            struct timespec ts = {.tv_sec = (time_t)(due / 1000000000),
                                  .tv_nsec = (long)(due % 1000000000)};

            while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
                   EINTR)
                ;
        }
        s = mono_ns();
        if (s - due > behind_max)
            behind_max = s - due;
        snprintf(n, sizeof(n), "%u", i + 1);
        res = PQexecPrepared(pg, "write", 2, v, NULL, NULL, 0);
        e = mono_ns();
        ok = PQresultStatus(res) == PGRES_TUPLES_OK;
        PQclear(res);
        if (!ok) {
            fail("change %u failed: %s", i + 1, PQerrorMessage(pg));
            PQfinish(pg);
            free(rtt);
            return -1;
        }
        rtt[i] = (uint32_t)((e - s) / 1000);
    }
    {
        double secs = (double)(mono_ns() - t0) / 1e9;

        qsort(rtt, o->changes, sizeof(*rtt), cmp_u32);
        printf("written changes=%u seconds=%.3f rate=%.1f commit_p50_us=%u "
               "commit_p99_us=%u commit_max_us=%u behind_max_us=%" PRId64 "\n",
               o->changes, secs, (double)o->changes / secs,
               pct(rtt, o->changes, 50), pct(rtt, o->changes, 99),
               rtt[o->changes - 1], behind_max / 1000);
    }
    free(rtt);
    PQfinish(pg);
    return 0;
}

int main(int argc, char **argv)
{
    wb_opts o;
    int rc = parse_args(argc, argv, &o);

    if (rc != 0) {
        if (rc > 0) {
            usage(stdout);
            return 0;
        }
        usage(stderr);
        return 2;
    }
    if (strcmp(o.mode, "watch") == 0)
        rc = watch_main(&o);
    else if (strcmp(o.mode, "listen") == 0)
        rc = listen_main(&o);
    else
        rc = write_main(&o);
    return rc == 0 ? 0 : 1;
}
