/*
 * loadgen.c - ssc-loadgen: a gRPC load generator on ssc's own client library.
 *
 * h2load cannot present a client certificate, and most of sscd's methods need
 * one; this program can. It opens C connections (one ssc_client each: a
 * client is one connection) on one libuv loop, keeps S unary calls in flight
 * on each, and sends the same serialized request every time, or, for methods
 * that must not see the same request twice (Create), that request with field 1
 * (idempotency_key) and optionally a name field made unique per call, and
 * integer fields counted from a first value (--vary-int: each call names
 * another record, such as the next application to approve).
 *
 * Measurement: a call counts when it starts after the warm-up. With
 * --duration the run ends when the time is up and calls still in flight are
 * cancelled and not counted (as h2load does); with --requests it ends when N
 * counted calls have finished. Every counted latency is kept (uint32 µs, up
 * to MAX_SAMPLES) and sorted at the end for exact percentiles.
 *
 * Memory: allocation failure aborts (transport/mem.h); the request is capped
 * at MAX_DATA bytes and the latency array at MAX_SAMPLES entries.
 *
 * Entry point: main().
 */
#include "client.h"
#include "err.h"
#include "hex.h"
#include "mem.h"
#include "status.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define MAX_DATA (4u * 1024 * 1024)
#define MAX_SAMPLES (50u * 1000 * 1000) /* 200 MB of uint32 */
#define MAX_CONNECTIONS 10000
#define MAX_STREAMS 10000
#define NSTATUS 17
#define MAX_NAME_PREFIX 200 /* so prefix + run id + counter fit in 256 */
#define MAX_VARY_INT 4

#ifndef container_of
#endif

typedef enum phase { PHASE_WARMUP, PHASE_MEASURE, PHASE_DONE } phase;

/* --vary-int FIELD:FIRST[:COUNT]: call i (from 0) sets varint field FIELD
 * to FIRST + i, or FIRST + i % COUNT when COUNT is given (0: no COUNT). */
typedef struct lg_vary_int {
    unsigned field;
    uint64_t first;
    uint64_t count;
} lg_vary_int;

typedef struct lg_opts {
    ssc_client_opts client;
    const char *method;
    uint8_t *data; /* the fixed request bytes */
    size_t data_len;
    unsigned connections;
    unsigned streams;
    double duration_s; /* 0 with --requests */
    uint64_t requests; /* 0 with --duration */
    double warmup_s;
    uint64_t timeout_ms;
    int vary_key;
    const char *name_prefix; /* --template-name, or NULL */
    unsigned name_field;
    lg_vary_int vary_int[MAX_VARY_INT];
    unsigned nvary_int;
    int json;
} lg_opts;

typedef struct lg lg;

/* One in-flight slot: S per connection, reused call after call. */
typedef struct lg_slot {
    lg *lg;
    ssc_client *client;
    uint64_t t0; /* uv_hrtime() at the start of its current call */
    unsigned measured : 1;
    unsigned busy : 1;
} lg_slot;

struct lg {
    uv_loop_t loop;
    const lg_opts *o;
    ssc_client **clients;
    lg_slot *slots;
    size_t nslots;
    uv_timer_t warm_timer;
    uv_timer_t end_timer;
    uv_signal_t sigint;
    phase phase;
    uint64_t measure_start; /* ns */
    uint64_t measure_end;
    uint64_t started;  /* counted calls started */
    uint64_t finished; /* counted calls finished */
    uint64_t by_status[NSTATUS];
    uint32_t *lat; /* µs, one per counted call up to MAX_SAMPLES */
    size_t nlat;
    size_t lat_alloc;
    char *first_error; /* "STATUS: message" of the first counted failure */
    uint64_t seq;      /* numbers unique requests */
    char key_prefix[20];
    ssc_buf msg; /* the request being built when requests vary */
};

/* ---- command line --------------------------------------------------------
 */

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: ssc-loadgen --endpoint HOST:PORT --ca FILE [--cert FILE --key "
        "FILE]\n"
        "                   --method /pkg.Service/Method [--data FILE | "
        "--data-hex HEX]\n"
        "                   [--connections C] [--streams S]\n"
        "                   [--duration SECONDS | --requests N] [--warmup "
        "SECONDS]\n"
        "                   [--timeout-ms T] [--vary-key] [--template-name "
        "PREFIX]\n"
        "                   [--name-field N] [--vary-int FIELD:FIRST[:COUNT]]\n"
        "                   [--json]\n\n"
        "Keeps S unary calls in flight on each of C connections and reports\n"
        "requests/s, statuses and latency percentiles. The request is the\n"
        "serialized protobuf in FILE or HEX (default: the empty message).\n"
        "  --connections C    TLS connections, one client each (default 1)\n"
        "  --streams S        calls in flight per connection (default 1)\n"
        "  --duration SECONDS measured time (default 10)\n"
        "  --requests N       measure N calls instead of a duration\n"
        "  --warmup SECONDS   calls before the measurement, not counted "
        "(default 0)\n"
        "  --timeout-ms T     deadline of each call (default 0: none)\n"
        "  --vary-key         set field 1 (idempotency_key) to a unique "
        "string\n"
        "  --template-name P  set the name field to P + a unique number\n"
        "  --name-field N     the name field's number (default 2)\n"
        "  --vary-int FIELD:FIRST[:COUNT]\n"
        "                     set varint field FIELD to FIRST + i in call i\n"
        "                     (from 0), or FIRST + i %% COUNT; up to 4 times\n"
        "  --json             print one JSON line instead of the text block\n");
}

/* Says what is wrong on stderr and returns -1. */
static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int fail(const char *fmt, ...)
{
    va_list ap;

    fputs("ssc-loadgen: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return -1;
}

/* Parses a whole unsigned number in [min, max]. Returns 0 or -1. */
static int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    char *end;
    unsigned long long v;

    if (s[0] < '0' || s[0] > '9')
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse_seconds(const char *s, double *out)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !(v >= 0 && v <= 86400))
        return -1;
    *out = v;
    return 0;
}

static int parse_hex(const char *s, lg_opts *o)
{
    size_t n = strlen(s);

    if (n % 2 != 0 || n / 2 > MAX_DATA)
        return fail("--data-hex: need an even number of hex digits, at most "
                    "%u bytes",
                    MAX_DATA);
    o->data = ssc_xmalloc(n / 2 + 1);
    for (size_t i = 0; i < n / 2; i++) {
        int hi = ssc_hex_value(s[2 * i]), lo = ssc_hex_value(s[2 * i + 1]);

        if (hi < 0 || lo < 0)
            return fail("--data-hex: not hex: \"%s\"", s);
        o->data[i] = (uint8_t)(hi << 4 | lo);
    }
    o->data_len = n / 2;
    return 0;
}

static int read_data(const char *path, lg_opts *o)
{
    FILE *f = fopen(path, "rb");
    size_t n;
    int rc = -1;

    if (f == NULL)
        return fail("could not open --data file %s", path);
    o->data = ssc_xmalloc(MAX_DATA + 1);
    n = fread(o->data, 1, MAX_DATA + 1, f);
    if (ferror(f))
        fail("could not read --data file %s", path);
    else if (n > MAX_DATA)
        fail("--data file %s is larger than 4 MiB", path);
    else
        rc = 0;
    o->data_len = n;
    fclose(f);
    return rc;
}

/* Parses FIELD:FIRST[:COUNT] into the next --vary-int. Returns 0 or -1. */
static int parse_vary_int(const char *s, lg_opts *o)
{
    char buf[64], *first, *count;
    uint64_t field;
    lg_vary_int *v = &o->vary_int[o->nvary_int];

    if (o->nvary_int == MAX_VARY_INT)
        return fail("--vary-int: at most %d times", MAX_VARY_INT);
    if (strlen(s) >= sizeof(buf))
        return fail("--vary-int: need FIELD:FIRST[:COUNT], not \"%s\"", s);
    memcpy(buf, s, strlen(s) + 1);
    first = strchr(buf, ':');
    if (first == NULL)
        return fail("--vary-int: need FIELD:FIRST[:COUNT], not \"%s\"", s);
    *first++ = '\0';
    count = strchr(first, ':');
    if (count != NULL)
        *count++ = '\0';
    if (parse_u64(buf, 1, 536870911, &field) != 0 ||
        parse_u64(first, 0, INT64_MAX, &v->first) != 0 ||
        (count != NULL && parse_u64(count, 1, INT64_MAX, &v->count) != 0))
        return fail("--vary-int: need FIELD:FIRST[:COUNT] (a field number, "
                    "a first value and a count above 0), not \"%s\"",
                    s);
    v->field = (unsigned)field;
    o->nvary_int++;
    return 0;
}

enum {
    OPT_ENDPOINT = 256,
    OPT_CA,
    OPT_CERT,
    OPT_KEY,
    OPT_METHOD,
    OPT_DATA,
    OPT_DATA_HEX,
    OPT_CONNECTIONS,
    OPT_STREAMS,
    OPT_DURATION,
    OPT_REQUESTS,
    OPT_WARMUP,
    OPT_TIMEOUT,
    OPT_VARY_KEY,
    OPT_TEMPLATE_NAME,
    OPT_NAME_FIELD,
    OPT_VARY_INT,
    OPT_JSON,
    OPT_HELP
};

static const struct option long_opts[] = {
    {"endpoint", required_argument, NULL, OPT_ENDPOINT},
    {"ca", required_argument, NULL, OPT_CA},
    {"cert", required_argument, NULL, OPT_CERT},
    {"key", required_argument, NULL, OPT_KEY},
    {"method", required_argument, NULL, OPT_METHOD},
    {"data", required_argument, NULL, OPT_DATA},
    {"data-hex", required_argument, NULL, OPT_DATA_HEX},
    {"connections", required_argument, NULL, OPT_CONNECTIONS},
    {"streams", required_argument, NULL, OPT_STREAMS},
    {"duration", required_argument, NULL, OPT_DURATION},
    {"requests", required_argument, NULL, OPT_REQUESTS},
    {"warmup", required_argument, NULL, OPT_WARMUP},
    {"timeout-ms", required_argument, NULL, OPT_TIMEOUT},
    {"vary-key", no_argument, NULL, OPT_VARY_KEY},
    {"template-name", required_argument, NULL, OPT_TEMPLATE_NAME},
    {"name-field", required_argument, NULL, OPT_NAME_FIELD},
    {"vary-int", required_argument, NULL, OPT_VARY_INT},
    {"json", no_argument, NULL, OPT_JSON},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0}};

/* Handles one option that takes a number. Returns 0 or -1. */
static int number_opt(int opt, const char *arg, lg_opts *o)
{
    uint64_t v;

    switch (opt) {
    case OPT_CONNECTIONS:
        if (parse_u64(arg, 1, MAX_CONNECTIONS, &v) != 0)
            return fail("--connections: need 1..10000, not \"%s\"", arg);
        o->connections = (unsigned)v;
        return 0;
    case OPT_STREAMS:
        if (parse_u64(arg, 1, MAX_STREAMS, &v) != 0)
            return fail("--streams: need 1..10000, not \"%s\"", arg);
        o->streams = (unsigned)v;
        return 0;
    case OPT_REQUESTS:
        if (parse_u64(arg, 1, UINT64_MAX, &o->requests) != 0)
            return fail("--requests: need a positive number, not \"%s\"", arg);
        return 0;
    case OPT_TIMEOUT:
        if (parse_u64(arg, 0, 86400000, &o->timeout_ms) != 0)
            return fail("--timeout-ms: need 0..86400000, not \"%s\"", arg);
        return 0;
    case OPT_NAME_FIELD:
        if (parse_u64(arg, 2, 536870911, &v) != 0)
            return fail("--name-field: need a field number above 1, not "
                        "\"%s\"",
                        arg);
        o->name_field = (unsigned)v;
        return 0;
    default:
        return -1;
    }
}

/* Handles one option. Returns 0, -1 on a bad value, 1 for --help. */
static int one_opt(int opt, const char *arg, lg_opts *o)
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
    case OPT_METHOD:
        o->method = arg;
        return 0;
    case OPT_DATA:
        free(o->data);
        return read_data(arg, o);
    case OPT_DATA_HEX:
        free(o->data);
        return parse_hex(arg, o);
    case OPT_DURATION:
        if (parse_seconds(arg, &o->duration_s) != 0 || o->duration_s <= 0)
            return fail("--duration: need seconds above 0, not \"%s\"", arg);
        return 0;
    case OPT_WARMUP:
        if (parse_seconds(arg, &o->warmup_s) != 0)
            return fail("--warmup: need seconds, not \"%s\"", arg);
        return 0;
    case OPT_VARY_KEY:
        o->vary_key = 1;
        return 0;
    case OPT_TEMPLATE_NAME:
        if (strlen(arg) > MAX_NAME_PREFIX)
            return fail("--template-name: at most %d bytes", MAX_NAME_PREFIX);
        o->name_prefix = arg;
        return 0;
    case OPT_VARY_INT:
        return parse_vary_int(arg, o);
    case OPT_JSON:
        o->json = 1;
        return 0;
    case OPT_HELP:
        return 1;
    default:
        return number_opt(opt, arg, o);
    }
}

/* Fills o from argv. Returns 0, -1 on a usage error, 1 for --help. */
static int parse_args(int argc, char **argv, lg_opts *o)
{
    int opt, rc;

    memset(o, 0, sizeof(*o));
    o->connections = 1;
    o->streams = 1;
    o->name_field = 2;
    o->client.user_agent = "ssc-loadgen";
    while ((opt = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
        rc = one_opt(opt == 'h' ? OPT_HELP : opt, optarg, o);
        if (rc != 0)
            return rc;
    }
    if (optind < argc)
        return fail("unexpected argument \"%s\"", argv[optind]);
    if (o->client.endpoint == NULL || o->client.ca_file == NULL ||
        o->method == NULL)
        return fail("--endpoint, --ca and --method are required");
    if (o->requests != 0 && o->duration_s != 0)
        return fail("give --duration or --requests, not both");
    if (o->requests == 0 && o->duration_s == 0)
        o->duration_s = 10;
    return 0;
}

/* ---- requests ----------------------------------------------------------- */

static void put_varint(ssc_buf *b, uint64_t v)
{
    uint8_t tmp[10];
    size_t n = 0;

    do {
        tmp[n] = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v != 0)
            tmp[n] |= 0x80;
        n++;
    } while (v != 0);
    ssc_buf_append(b, tmp, n);
}

/* Appends a length-delimited field (wire type 2). */
static void put_bytes_field(ssc_buf *b, unsigned field, const char *s)
{
    size_t n = strlen(s);

    put_varint(b, (uint64_t)field << 3 | 2);
    put_varint(b, n);
    ssc_buf_append(b, s, n);
}

/* The request of the next call: the fixed bytes, then the varying fields.
 * When a non-repeated field appears more than once, protobuf keeps the last
 * value, so fields appended after the fixed bytes override any value they
 * carry. */
static void build_request(lg *g, const uint8_t **msg, size_t *len)
{
    const lg_opts *o = g->o;
    char s[256];

    if (!o->vary_key && o->name_prefix == NULL && o->nvary_int == 0) {
        *msg = o->data;
        *len = o->data_len;
        return;
    }
    g->seq++;
    g->msg.len = 0;
    ssc_buf_append(&g->msg, o->data, o->data_len);
    if (o->vary_key) {
        snprintf(s, sizeof(s), "%s-%" PRIu64, g->key_prefix, g->seq);
        put_bytes_field(&g->msg, 1, s);
    }
    if (o->name_prefix != NULL) {
        snprintf(s, sizeof(s), "%s%s-%" PRIu64, o->name_prefix, g->key_prefix,
                 g->seq);
        put_bytes_field(&g->msg, o->name_field, s);
    }
    for (unsigned i = 0; i < o->nvary_int; i++) {
        const lg_vary_int *v = &o->vary_int[i];
        uint64_t n = g->seq - 1;

        put_varint(&g->msg, (uint64_t)v->field << 3); /* wire type 0 */
        put_varint(&g->msg, v->first + (v->count ? n % v->count : n));
    }
    *msg = g->msg.data;
    *len = g->msg.len;
}

/* A random run id, so that keys and names differ from one run to the next. */
static void make_key_prefix(lg *g)
{
    uint8_t r[4] = {0};

    if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
        uint64_t t = uv_hrtime();

        memcpy(r, &t, sizeof(r));
    }
    snprintf(g->key_prefix, sizeof(g->key_prefix), "lg%02x%02x%02x%02x", r[0],
             r[1], r[2], r[3]);
}

/* ---- calls -------------------------------------------------------------- */

static void finish(lg *g);

static void record(lg *g, int code, const char *message, uint64_t us)
{
    if (code < 0 || code >= NSTATUS)
        code = SSC_STATUS_UNKNOWN;
    g->by_status[code]++;
    if (code != SSC_STATUS_OK && g->first_error == NULL) {
        size_t n = strlen(ssc_status_name(code)) + strlen(message) + 3;

        g->first_error = ssc_xmalloc(n);
        snprintf(g->first_error, n, "%s: %s", ssc_status_name(code), message);
    }
    if (g->nlat == MAX_SAMPLES)
        return;
    if (g->nlat == g->lat_alloc) {
        g->lat_alloc = g->lat_alloc ? g->lat_alloc * 2 : 65536;
        if (g->lat_alloc > MAX_SAMPLES)
            g->lat_alloc = MAX_SAMPLES;
        g->lat = ssc_xrealloc(g->lat, g->lat_alloc * sizeof(*g->lat));
    }
    g->lat[g->nlat++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

/* Non-zero when another counted call may start. */
static int may_start(const lg *g)
{
    if (g->phase == PHASE_DONE)
        return 0;
    return g->o->requests == 0 || g->phase == PHASE_WARMUP ||
           g->started < g->o->requests;
}

static void start_call(lg_slot *slot);

static void on_close(ssc_client_call *call, ssc_client_result *res)
{
    lg_slot *slot = ssc_client_call_data(call);
    lg *g = slot->lg;
    uint64_t us = (uv_hrtime() - slot->t0) / 1000;

    slot->busy = 0;
    if (g->phase == PHASE_DONE)
        return;
    if (slot->measured) {
        record(g, res->code, res->message ? res->message : "", us);
        g->finished++;
        if (g->o->requests != 0 && g->finished == g->o->requests) {
            finish(g);
            return;
        }
    }
    start_call(slot);
}

static const ssc_client_call_cbs call_cbs = {.on_close = on_close};

static void start_call(lg_slot *slot)
{
    lg *g = slot->lg;
    ssc_client_call *call;
    const uint8_t *msg;
    size_t len;
    int rc;

    if (!may_start(g))
        return;
    build_request(g, &msg, &len);
    slot->t0 = uv_hrtime();
    slot->measured = g->phase == PHASE_MEASURE;
    rc = ssc_client_call_start(slot->client, g->o->method, NULL,
                               g->o->timeout_ms, &call_cbs, slot, &call);
    if (rc != 0) {
        fprintf(stderr, "ssc-loadgen: could not start a call of %s: %s\n",
                g->o->method, ssc_strerror(rc));
        exit(2);
    }
    slot->busy = 1;
    if (slot->measured)
        g->started++;
    /* Neither can fail on a call that has just started. */
    ssc_client_call_send(call, msg, len);
    ssc_client_call_half_close(call);
}

/* ---- the run ------------------------------------------------------------ */

static void on_handle_closed(uv_handle_t *h)
{
}

/* Ends the run: calls in flight are cancelled (and not counted), the clients
 * and the timers close, and uv_run() returns. */
static void finish(lg *g)
{
    if (g->phase == PHASE_DONE)
        return;
    if (g->phase == PHASE_WARMUP)
        g->measure_start = uv_hrtime();
    g->phase = PHASE_DONE;
    g->measure_end = uv_hrtime();
    for (unsigned i = 0; i < g->o->connections; i++)
        ssc_client_free(g->clients[i]);
    uv_close((uv_handle_t *)&g->warm_timer, on_handle_closed);
    uv_close((uv_handle_t *)&g->end_timer, on_handle_closed);
    uv_close((uv_handle_t *)&g->sigint, on_handle_closed);
}

static void on_end(uv_timer_t *t)
{
    finish(container_of(t, lg, end_timer));
}

static void on_sigint(uv_signal_t *s, int signum)
{
    finish(container_of(s, lg, sigint));
}

static void begin_measure(lg *g)
{
    g->phase = PHASE_MEASURE;
    g->measure_start = uv_hrtime();
    /* The loop's clock is cached; the end timer must count from now. */
    uv_update_time(&g->loop);
    if (g->o->duration_s > 0)
        uv_timer_start(&g->end_timer, on_end,
                       (uint64_t)(g->o->duration_s * 1000 + 0.5), 0);
}

/* Calls in flight finish uncounted; the calls their slots start next count. */
static void on_warm(uv_timer_t *t)
{
    begin_measure(container_of(t, lg, warm_timer));
}

/* Creates the clients and the slots. Returns 0, or -1 after saying why. */
static int setup(lg *g, const lg_opts *o)
{
    char err[512];

    memset(g, 0, sizeof(*g));
    g->o = o;
    uv_loop_init(&g->loop);
    uv_timer_init(&g->loop, &g->warm_timer);
    uv_timer_init(&g->loop, &g->end_timer);
    uv_signal_init(&g->loop, &g->sigint);
    ssc_buf_init(&g->msg, 0);
    make_key_prefix(g);
    g->clients = ssc_xcalloc(o->connections, sizeof(*g->clients));
    g->nslots = (size_t)o->connections * o->streams;
    g->slots = ssc_xcalloc(g->nslots, sizeof(*g->slots));
    for (unsigned i = 0; i < o->connections; i++) {
        if (ssc_client_new(&g->loop, &o->client, &g->clients[i], err,
                           sizeof(err)) != 0)
            return fail("%s", err);
    }
    for (size_t i = 0; i < g->nslots; i++) {
        g->slots[i].lg = g;
        g->slots[i].client = g->clients[i / o->streams];
    }
    return 0;
}

static void run(lg *g)
{
    uv_signal_start(&g->sigint, on_sigint, SIGINT);
    if (g->o->warmup_s > 0)
        uv_timer_start(&g->warm_timer, on_warm,
                       (uint64_t)(g->o->warmup_s * 1000 + 0.5), 0);
    else
        begin_measure(g);
    for (size_t i = 0; i < g->nslots; i++)
        start_call(&g->slots[i]);
    uv_run(&g->loop, UV_RUN_DEFAULT);
}

/* ---- report ------------------------------------------------------------- */

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return (x > y) - (x < y);
}

/* Nearest-rank percentile of the sorted samples; 0 when there are none. */
static uint32_t pct(const lg *g, double p)
{
    size_t rank;

    if (g->nlat == 0)
        return 0;
    rank = (size_t)(p / 100.0 * (double)g->nlat + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > g->nlat)
        rank = g->nlat;
    return g->lat[rank - 1];
}

typedef struct lg_summary {
    double seconds;
    double rps;
    uint64_t ok;
    uint64_t failed;
    uint32_t p50, p90, p99, max;
} lg_summary;

static void summarise(lg *g, lg_summary *s)
{
    qsort(g->lat, g->nlat, sizeof(*g->lat), cmp_u32);
    s->seconds = (double)(g->measure_end - g->measure_start) / 1e9;
    s->ok = g->by_status[SSC_STATUS_OK];
    s->failed = g->finished - s->ok;
    s->rps = s->seconds > 0 ? (double)g->finished / s->seconds : 0;
    s->p50 = pct(g, 50);
    s->p90 = pct(g, 90);
    s->p99 = pct(g, 99);
    s->max = g->nlat ? g->lat[g->nlat - 1] : 0;
}

/* Writes s as a JSON string body (the characters between the quotes). */
static void json_str(const char *s)
{
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
}

static void report_json(const lg *g, const lg_summary *s)
{
    const char *sep = "";

    printf("{\"method\":\"");
    json_str(g->o->method);
    printf("\",\"connections\":%u,\"streams\":%u,\"seconds\":%.3f,"
           "\"requests\":%" PRIu64 ",\"succeeded\":%" PRIu64
           ",\"failed\":%" PRIu64 ",\"failed_by_status\":{",
           g->o->connections, g->o->streams, s->seconds, g->finished, s->ok,
           s->failed);
    for (int i = 1; i < NSTATUS; i++) {
        if (g->by_status[i] == 0)
            continue;
        printf("%s\"%s\":%" PRIu64, sep, ssc_status_name(i), g->by_status[i]);
        sep = ",";
    }
    printf("},\"rps\":%.1f,\"latency_us\":{\"p50\":%u,\"p90\":%u,\"p99\":%u,"
           "\"max\":%u},\"samples\":%zu,\"first_error\":",
           s->rps, s->p50, s->p90, s->p99, s->max, g->nlat);
    if (g->first_error == NULL) {
        printf("null}\n");
        return;
    }
    putchar('"');
    json_str(g->first_error);
    printf("\"}\n");
}

static void report_text(const lg *g, const lg_summary *s)
{
    printf("%s on %s: %u connections x %u streams, %.2f s measured\n",
           g->o->method, g->o->client.endpoint, g->o->connections,
           g->o->streams, s->seconds);
    printf("  requests   %" PRIu64 " total, %" PRIu64 " succeeded, %" PRIu64
           " failed\n",
           g->finished, s->ok, s->failed);
    for (int i = 1; i < NSTATUS; i++)
        if (g->by_status[i] != 0)
            printf("  failed     %s %" PRIu64 "\n", ssc_status_name(i),
                   g->by_status[i]);
    if (g->first_error != NULL)
        printf("  first      %s\n", g->first_error);
    printf("  throughput %.1f requests/s\n", s->rps);
    printf("  latency    p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, max %.3f ms\n",
           s->p50 / 1e3, s->p90 / 1e3, s->p99 / 1e3, s->max / 1e3);
    if (g->nlat < g->finished)
        printf("  (latencies of the first %zu calls only)\n", g->nlat);
}

static void cleanup(lg *g, lg_opts *o)
{
    uv_loop_close(&g->loop);
    free(g->clients);
    free(g->slots);
    free(g->lat);
    free(g->first_error);
    ssc_buf_reset(&g->msg);
    free(o->data);
}

int main(int argc, char **argv)
{
    lg_opts o;
    lg g;
    lg_summary s;
    int rc = parse_args(argc, argv, &o);

    if (rc != 0) {
        if (rc > 0)
            usage(stdout);
        else
            fputs("ssc-loadgen: --help shows the options\n", stderr);
        free(o.data);
        return rc > 0 ? 0 : 2;
    }
    if (setup(&g, &o) != 0)
        exit(2);
    run(&g);
    summarise(&g, &s);
    if (o.json)
        report_json(&g, &s);
    else
        report_text(&g, &s);
    rc = s.ok > 0 ? 0 : 1;
    cleanup(&g, &o);
    return rc;
}
