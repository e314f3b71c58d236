/*
 * config.c - reads sscd's INI file into an ssc_config.
 *
 * inih does the tokenising; this file owns the key table, the value checks and
 * the messages. Text reaches inih through our own line reader rather than
 * ini_parse_string() for three reasons: the reader knows the line number of
 * every key it hands over (inih's handler is not told it), it can refuse a line
 * too long for inih's fixed buffer instead of letting inih cut a path or URL
 * short in silence, and by dropping leading blanks it keeps inih from reading
 * an indented key as the continuation of the key above. Parsing stops at the
 * first bad key, and the whole file is refused.
 *
 * Entry points: ssc_config_defaults(), ssc_config_load(),
 * ssc_config_load_string(), ssc_config_free().
 */
#include "config.h"

#include "err.h"
#include "mem.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A config file is a few hundred bytes; anything past this is a mistake. */
#define CONFIG_MAX_BYTES (1024 * 1024)
#define REASON_MAX 512

/* The default host is a literal so that ssc_config_defaults() owns nothing;
 * free_host() tells it apart from a host read from a file. */
static const char default_host[] = "127.0.0.1";

/* One parse in progress: its text, the reader's place and the first error. */
typedef struct parse_state {
    ssc_config *cfg;
    const char *name; /* file name for messages */
    const char *dir;  /* base for relative paths; NULL leaves them alone */
    const char *text;
    size_t len;
    size_t pos;
    int lineno;     /* physical line last handed to inih */
    int error_line; /* line of the first error this file found, 0 if none */
    int conn_buffer_set;    /* [limits] max_connection_buffer_bytes given */
    int process_buffer_set; /* [limits] max_process_buffer_bytes given */
    char reason[REASON_MAX];
} parse_state;

struct key_def;
typedef int (*key_setter)(parse_state *st, const struct key_def *k,
                          const char *value);

/* One [section] key: where it goes in ssc_config and how it is checked. */
typedef struct key_def {
    const char *section;
    const char *name;
    key_setter set;
    size_t offset;
    unsigned long min;
    unsigned long max;
} key_def;

static int set_listen(parse_state *st, const key_def *k, const char *value);
static int set_unsigned(parse_state *st, const key_def *k, const char *value);
static int set_u32(parse_state *st, const key_def *k, const char *value);
static int set_u64(parse_state *st, const key_def *k, const char *value);
static int set_conn_buffer(parse_state *st, const key_def *k,
                           const char *value);
static int set_process_buffer(parse_state *st, const key_def *k,
                              const char *value);
static int set_log_level(parse_state *st, const key_def *k, const char *value);
static int set_path(parse_state *st, const key_def *k, const char *value);
static int set_string(parse_state *st, const key_def *k, const char *value);
static int set_client_auth(parse_state *st, const key_def *k,
                           const char *value);
static int set_bool(parse_state *st, const key_def *k, const char *value);
static int set_lead_days(parse_state *st, const key_def *k, const char *value);
static int set_clock(parse_state *st, const key_def *k, const char *value);

#define AT(field) offsetof(ssc_config, field)

static const key_def keys[] = {
    {"server", "listen", set_listen, 0, 0, 0},
    {"server", "threads", set_unsigned, AT(threads), 0, 1024},
    {"server", "shutdown_grace_s", set_unsigned, AT(shutdown_grace_s), 0, 3600},
    {"server", "log_level", set_log_level, AT(log_level), 0, 0},
    {"tls", "cert", set_path, AT(cert), 0, 0},
    {"tls", "key", set_path, AT(key), 0, 0},
    {"tls", "client_ca", set_path, AT(client_ca), 0, 0},
    {"tls", "client_auth", set_client_auth, AT(client_auth), 0, 0},
    {"limits", "max_message_bytes", set_u32, AT(max_message_bytes), 1024,
     64 * 1024 * 1024},
    {"limits", "max_concurrent_streams", set_u32, AT(max_concurrent_streams), 1,
     10000},
    {"limits", "max_header_list_bytes", set_u32, AT(max_header_list_bytes),
     1024, 1024 * 1024},
    {"limits", "idle_timeout_s", set_u32, AT(idle_timeout_s), 0, 86400},
    {"limits", "handshake_timeout_s", set_u32, AT(handshake_timeout_s), 1, 300},
    {"limits", "max_connections", set_u32, AT(max_connections), 1, 1000000},
    {"limits", "max_connection_buffer_bytes", set_conn_buffer,
     AT(max_connection_buffer_bytes), 64 * 1024, 1024UL * 1024 * 1024},
    {"limits", "max_process_buffer_bytes", set_process_buffer,
     AT(max_process_buffer_bytes), 64 * 1024, 1024UL * 1024 * 1024 * 1024},
    {"testing", "interop_service", set_bool, AT(interop_service), 0, 0},
    {"testing", "clock", set_clock, AT(clock_offset_s), 0, 0},
    {"changes", "max_lag", set_u32, AT(changes_max_lag), 1, 1000000000},
    {"database", "url", set_string, AT(database_url), 0, 0},
    {"database", "owner_url", set_string, AT(database_owner_url), 0, 0},
    {"database", "pool_size", set_unsigned, AT(db_pool_size), 1, 64},
    {"database", "statement_timeout_ms", set_u32, AT(db_statement_timeout_ms),
     1, 3600 * 1000},
    {"database", "queue_max", set_unsigned, AT(db_queue_max), 1, 1000000},
    {"domain", "long_stay_months", set_unsigned, AT(long_stay_months), 1, 120},
    {"database", "idempotency_keep_h", set_u32, AT(idempotency_keep_h), 1,
     24 * 3650},
    {"database", "idempotency_sweep_s", set_u32, AT(idempotency_sweep_s), 1,
     86400},
    {"radar", "lead_days", set_lead_days, AT(radar_lead_days), 1,
     SSC_RADAR_LEAD_DAYS_MAX},
    {"radar", "watch_max_events", set_u32, AT(radar_watch_max_events), 1,
     100000},
    {"radar", "decision_due_days", set_unsigned, AT(radar_decision_due_days), 1,
     3650},
    {"payroll", "max_imports", set_unsigned, AT(payroll_max_imports), 1, 256},
    {"payroll", "import_timeout_s", set_u32, AT(payroll_import_timeout_s), 1,
     86400},
};

static const char *const log_levels[] = {"error", "warn", "info", "debug"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Records why the current line is refused, unless an earlier line already was.
 * Returns 0, the value inih's handler gives for an error. */
static int fail(parse_state *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int fail(parse_state *st, const char *fmt, ...)
{
    va_list ap;

    if (st->error_line != 0)
        return 0;
    st->error_line = st->lineno;
    va_start(ap, fmt);
    vsnprintf(st->reason, sizeof(st->reason), fmt, ap);
    va_end(ap);
    return 0;
}

static void *field(parse_state *st, const key_def *k)
{
    return (char *)st->cfg + k->offset;
}

static void replace_string(char **slot, char *value)
{
    free(*slot);
    *slot = value;
}

static void free_host(ssc_config *cfg)
{
    if (cfg->listen_host != default_host)
        free(cfg->listen_host);
    cfg->listen_host = (char *)default_host;
}

/* Parses a decimal integer with nothing around it: no sign, no blanks, no
 * base prefix, no trailing text. Returns 0 and sets *out, or -1. */
static int parse_ulong(const char *s, unsigned long min, unsigned long max,
                       unsigned long *out)
{
    char *end;
    unsigned long v;

    if (s[0] < '0' || s[0] > '9')
        return -1;
    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int bad_number(parse_state *st, const key_def *k, const char *value)
{
    return fail(st,
                "[%s] %s: must be an integer between %lu and %lu, not \"%s\"",
                k->section, k->name, k->min, k->max, value);
}

static int set_unsigned(parse_state *st, const key_def *k, const char *value)
{
    unsigned long v;

    if (parse_ulong(value, k->min, k->max, &v) != 0)
        return bad_number(st, k, value);
    *(unsigned *)field(st, k) = (unsigned)v;
    return 1;
}

static int set_u32(parse_state *st, const key_def *k, const char *value)
{
    unsigned long v;

    if (parse_ulong(value, k->min, k->max, &v) != 0)
        return bad_number(st, k, value);
    *(uint32_t *)field(st, k) = (uint32_t)v;
    return 1;
}

static int set_u64(parse_state *st, const key_def *k, const char *value)
{
    unsigned long v;

    if (parse_ulong(value, k->min, k->max, &v) != 0)
        return bad_number(st, k, value);
    *(uint64_t *)field(st, k) = (uint64_t)v;
    return 1;
}

/* The two buffer limits: as set_u64(), remembering that the default (which
 * may be derived from other keys) no longer applies. */
static int set_conn_buffer(parse_state *st, const key_def *k, const char *value)
{
    st->conn_buffer_set = 1;
    return set_u64(st, k, value);
}

static int set_process_buffer(parse_state *st, const key_def *k,
                              const char *value)
{
    st->process_buffer_set = 1;
    return set_u64(st, k, value);
}

static int set_bool(parse_state *st, const key_def *k, const char *value)
{
    int *slot = field(st, k);

    if (strcmp(value, "true") == 0) {
        *slot = 1;
        return 1;
    }
    if (strcmp(value, "false") == 0) {
        *slot = 0;
        return 1;
    }
    return fail(st, "[%s] %s: must be true or false, not \"%s\"", k->section,
                k->name, value);
}

static int bad_lead_days(parse_state *st, const key_def *k, const char *value)
{
    return fail(st,
                "[%s] %s: must be 1 to %d day counts between %lu and %lu, "
                "strictly decreasing or increasing, as in 180,90,30, not "
                "\"%s\"",
                k->section, k->name, SSC_RADAR_LEADS_MAX, k->min, k->max,
                value);
}

/* Reads "180,90,30" (blanks allowed around each number) into out, in the
 * order given. Returns how many, or -1 for a list that is not one. */
static int parse_lead_list(const key_def *k, const char *value, unsigned *out)
{
    char num[16];
    unsigned long v;
    int n = 0;

    for (const char *p = value;; p++) {
        size_t len;

        p += strspn(p, " \t");
        len = strcspn(p, ", \t");
        if (n == SSC_RADAR_LEADS_MAX || len == 0 || len >= sizeof(num))
            return -1;
        memcpy(num, p, len);
        num[len] = '\0';
        if (parse_ulong(num, k->min, k->max, &v) != 0)
            return -1;
        out[n++] = (unsigned)v;
        p += len + strspn(p + len, " \t");
        if (*p == '\0')
            return n;
        if (*p != ',')
            return -1;
    }
}

/* [radar] lead_days: strictly decreasing or increasing, kept ascending, so
 * that a band is the first value not below the days left. */
static int set_lead_days(parse_state *st, const key_def *k, const char *value)
{
    unsigned v[SSC_RADAR_LEADS_MAX];
    int n = parse_lead_list(k, value, v);
    int up = 1, down = 1;

    for (int i = 1; i < n; i++) {
        up = up && v[i] > v[i - 1];
        down = down && v[i] < v[i - 1];
    }
    if (n < 1 || !(up || down))
        return bad_lead_days(st, k, value);
    for (int i = 0; i < n; i++)
        st->cfg->radar_lead_days[i] = up ? v[i] : v[n - 1 - i];
    st->cfg->radar_lead_count = (unsigned)n;
    return 1;
}

/* [testing] clock: "YYYY-MM-DDTHH:MM:SSZ", kept as its offset from now. */
static int set_clock(parse_state *st, const key_def *k, const char *value)
{
    struct tm tm;
    const char *end;
    time_t t;

    memset(&tm, 0, sizeof(tm));
    end = strptime(value, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (end == NULL || *end != '\0' || (t = timegm(&tm)) == (time_t)-1)
        return fail(st,
                    "[%s] %s: must be a UTC time YYYY-MM-DDTHH:MM:SSZ, "
                    "not \"%s\"",
                    k->section, k->name, value);
    *(int64_t *)field(st, k) = (int64_t)t - (int64_t)time(NULL);
    return 1;
}

static int set_log_level(parse_state *st, const key_def *k, const char *value)
{
    size_t i;

    for (i = 0; i < COUNT(log_levels); i++) {
        if (strcmp(value, log_levels[i]) == 0) {
            *(int *)field(st, k) = (int)i;
            return 1;
        }
    }
    return fail(st,
                "[%s] %s: must be one of error, warn, info, debug, not \"%s\"",
                k->section, k->name, value);
}

static int set_client_auth(parse_state *st, const key_def *k, const char *value)
{
    ssc_client_auth *slot = field(st, k);

    if (strcmp(value, "require") == 0) {
        *slot = SSC_CLIENT_AUTH_REQUIRE;
        return 1;
    }
    if (strcmp(value, "optional") == 0) {
        *slot = SSC_CLIENT_AUTH_OPTIONAL;
        return 1;
    }
    return fail(st, "[%s] %s: must be require or optional, not \"%s\"",
                k->section, k->name, value);
}

static int set_string(parse_state *st, const key_def *k, const char *value)
{
    if (value[0] == '\0')
        return fail(st, "[%s] %s: must not be empty", k->section, k->name);
    replace_string(field(st, k), ssc_xstrdup(value));
    return 1;
}

/* Joins a relative path onto the config file's directory; an absolute path, or
 * any path when the text did not come from a file, is kept as written. */
static char *resolve_path(const char *dir, const char *path)
{
    size_t dlen, plen;
    char *out;

    if (dir == NULL || path[0] == '/')
        return ssc_xstrdup(path);
    dlen = strlen(dir);
    plen = strlen(path);
    out = ssc_xmalloc(dlen + 1 + plen + 1);
    memcpy(out, dir, dlen);
    out[dlen] = '/';
    memcpy(out + dlen + 1, path, plen + 1);
    return out;
}

static int set_path(parse_state *st, const key_def *k, const char *value)
{
    if (value[0] == '\0')
        return fail(st, "[%s] %s: must not be empty", k->section, k->name);
    replace_string(field(st, k), resolve_path(st->dir, value));
    return 1;
}

static int bad_listen(parse_state *st, const char *value)
{
    return fail(st,
                "[server] listen: must be HOST:PORT (IPv6 as [::1]:PORT), "
                "not \"%s\"",
                value);
}

/* Checks the host part of listen (brackets already removed for IPv6). A host
 * name is left for the listener to resolve; here it only has to look like
 * one. */
static int check_host(parse_state *st, const char *host, int bracketed)
{
    static const char name_chars[] = "abcdefghijklmnopqrstuvwxyz"
                                     "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                     "0123456789.-";
    unsigned char addr[16];

    if (bracketed && inet_pton(AF_INET6, host, addr) != 1)
        return fail(st, "[server] listen: \"%s\" is not an IPv6 address", host);
    if (!bracketed && strchr(host, ':') != NULL)
        return fail(st, "[server] listen: IPv6 addresses must be in brackets, "
                        "as in [::1]:50051");
    if (!bracketed && host[strspn(host, name_chars)] != '\0')
        return fail(st,
                    "[server] listen: \"%s\" is not a host name or IPv4 "
                    "address",
                    host);
    return 1;
}

/* Accepts HOST:PORT and [IPV6]:PORT; stores the host without brackets, ready
 * for getaddrinfo() or uv_ip6_addr(). */
static int set_listen(parse_state *st, const key_def *k, const char *value)
{
    const char *colon = strrchr(value, ':');
    const char *host = value;
    size_t hlen;
    unsigned long port;
    char *h;
    int bracketed = value[0] == '[';

    if (colon == NULL || colon == value)
        return bad_listen(st, value);
    hlen = (size_t)(colon - value);
    if (bracketed) {
        if (hlen < 3 || colon[-1] != ']')
            return bad_listen(st, value);
        host = value + 1;
        hlen -= 2;
    }
    if (parse_ulong(colon + 1, 1, 65535, &port) != 0)
        return fail(st,
                    "[server] listen: port must be an integer between 1 and "
                    "65535, not \"%s\"",
                    colon + 1);
    h = ssc_xstrndup(host, hlen);
    if (check_host(st, h, bracketed) == 0) {
        free(h);
        return 0;
    }
    free_host(st->cfg);
    st->cfg->listen_host = h;
    st->cfg->listen_port = (uint16_t)port;
    return 1;
}

static const key_def *find_key(const char *section, const char *name,
                               int *section_known)
{
    size_t i;

    *section_known = 0;
    for (i = 0; i < COUNT(keys); i++) {
        if (strcmp(keys[i].section, section) != 0)
            continue;
        *section_known = 1;
        if (strcmp(keys[i].name, name) == 0)
            return &keys[i];
    }
    return NULL;
}

/* inih's handler: one call per key, in file order. Returns 1, or 0 for a key
 * that is refused, after recording why. */
static int on_key(void *user, const char *section, const char *name,
                  const char *value)
{
    parse_state *st = user;
    const key_def *k;
    int section_known;

    if (st->error_line != 0)
        return 0;
    if (section[0] == '\0')
        return fail(st, "key \"%s\" is outside any [section]", name);
    k = find_key(section, name, &section_known);
    if (!section_known)
        return fail(st, "unknown section [%s]", section);
    if (k == NULL)
        return fail(st, "[%s] unknown key \"%s\"", section, name);
    return k->set(st, k, value);
}

/* inih calls the key handler only for key = value lines, so a section header
 * is checked here, where the line is read: an unknown section with no keys
 * would otherwise pass unnoticed. */
/* Returns 0, or -1 with the reason recorded. */
static int check_section_line(parse_state *st, const char *line, size_t n)
{
    const char *end = memchr(line, ']', n);
    size_t len;

    if (n == 0 || line[0] != '[' || end == NULL)
        return 0;
    len = (size_t)(end - line - 1);
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (strlen(keys[i].section) == len &&
            memcmp(keys[i].section, line + 1, len) == 0)
            return 0;
    fail(st, "unknown section [%.*s]", (int)len, line + 1);
    return -1;
}

/* inih's reader: hands over one physical line per call, without its leading
 * blanks, so inih's line count and ours agree. Returns NULL at the end of the
 * text or to stop parsing after an error. */
static char *read_line(char *str, int num, void *stream)
{
    parse_state *st = stream;
    const char *start, *nl;
    size_t n;

    if (st->error_line != 0 || st->pos >= st->len)
        return NULL;
    start = st->text + st->pos;
    nl = memchr(start, '\n', st->len - st->pos);
    n = nl != NULL ? (size_t)(nl - start) : st->len - st->pos;
    st->pos += n + (nl != NULL);
    st->lineno++;
    while (n > 0 && (*start == ' ' || *start == '\t')) {
        start++;
        n--;
    }
    if (n > 0 && start[n - 1] == '\r')
        n--;
    if (memchr(start, '\0', n) != NULL) {
        fail(st, "line contains a NUL byte");
        return NULL;
    }
    if (check_section_line(st, start, n) != 0)
        return NULL;
    /* Room is needed for the newline and the terminator. */
    if (num < 2 || n > (size_t)num - 2) {
        fail(st, "line is longer than %d characters", num - 2);
        return NULL;
    }
    memcpy(str, start, n);
    str[n] = '\n';
    str[n + 1] = '\0';
    return str;
}

static void set_error(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_error(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Refuses a config that leaves a required key unset. */
static int check_required(const ssc_config *cfg, const char *name, char *err,
                          size_t errlen)
{
    const char *missing = NULL;

    if (cfg->cert == NULL)
        missing = "cert";
    else if (cfg->key == NULL)
        missing = "key";
    else if (cfg->client_ca == NULL)
        missing = "client_ca";
    if (missing == NULL)
        return 0;
    set_error(err, errlen, "%s: [tls] %s is required", name, missing);
    return SSC_ECONFIG;
}

/* What one connection needs to take a message of max_message_bytes while
 * every other stream it may open still has its first window: the default of
 * max_connection_buffer_bytes, and its least value. */
static uint64_t conn_buffer_min(const ssc_config *cfg)
{
    return (uint64_t)cfg->max_message_bytes + 5 +
           (uint64_t)cfg->max_concurrent_streams * SSC_STREAM_WINDOW;
}

/* The least max_process_buffer_bytes: one connection's buffers fit in the
 * seven eighths that large messages may use (call.c keeps an eighth for the
 * first windows of new streams). */
static uint64_t process_buffer_min(const ssc_config *cfg)
{
    return (cfg->max_connection_buffer_bytes * 8 + 6) / 7;
}

/* Derives the defaults that depend on other keys and refuses buffer limits
 * under which a message of max_message_bytes could never arrive. */
static int check_limits(const parse_state *st, char *err, size_t errlen)
{
    ssc_config *cfg = st->cfg;
    const char *name = st->name;

    if (!st->conn_buffer_set)
        cfg->max_connection_buffer_bytes = conn_buffer_min(cfg);
    if (!st->process_buffer_set &&
        cfg->max_process_buffer_bytes < process_buffer_min(cfg))
        cfg->max_process_buffer_bytes = process_buffer_min(cfg);
    if (cfg->max_connection_buffer_bytes < conn_buffer_min(cfg)) {
        set_error(err, errlen,
                  "%s: [limits] max_connection_buffer_bytes: must be at "
                  "least %llu (max_message_bytes + 5, plus %d per stream of "
                  "max_concurrent_streams)",
                  name, (unsigned long long)conn_buffer_min(cfg),
                  SSC_STREAM_WINDOW);
        return SSC_ECONFIG;
    }
    if (cfg->max_process_buffer_bytes < process_buffer_min(cfg)) {
        set_error(err, errlen,
                  "%s: [limits] max_process_buffer_bytes: must be at least "
                  "%llu (8/7 of max_connection_buffer_bytes)",
                  name, (unsigned long long)process_buffer_min(cfg));
        return SSC_ECONFIG;
    }
    return 0;
}

/* Runs inih over text and turns its result into our return and message. inih
 * reports the first bad line whether it found the fault itself (a syntax
 * error) or our handler did; the two are told apart by the line number. */
static int parse_text(parse_state *st, char *err, size_t errlen)
{
    int rc = ini_parse_stream(read_line, st, on_key, st);

    if (rc > 0 && (st->error_line == 0 || rc < st->error_line)) {
        set_error(err, errlen,
                  "%s:%d: syntax error: expected [section] or key = value",
                  st->name, rc);
        return SSC_ECONFIG;
    }
    if (st->error_line != 0) {
        set_error(err, errlen, "%s:%d: %s", st->name, st->error_line,
                  st->reason);
        return SSC_ECONFIG;
    }
    if (rc != 0) {
        set_error(err, errlen, "%s: could not parse", st->name);
        return SSC_ECONFIG;
    }
    if (check_limits(st, err, errlen) != 0)
        return SSC_ECONFIG;
    return check_required(st->cfg, st->name, err, errlen);
}

static int load(ssc_config *cfg, const char *name, const char *dir,
                const char *text, size_t len, char *err, size_t errlen)
{
    parse_state st;

    memset(&st, 0, sizeof(st));
    st.cfg = cfg;
    st.name = name;
    st.dir = dir;
    st.text = text;
    st.len = len;
    return parse_text(&st, err, errlen);
}

/* Reads a whole file into b, whose cap is one byte over CONFIG_MAX_BYTES so
 * that a longer file shows itself. Returns 0 or SSC_ECONFIG with
 * "FILE: reason" in err. */
static int read_file(const char *path, ssc_buf *b, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "r");
    size_t n, chunk;
    int rc = 0;

    if (fp == NULL) {
        set_error(err, errlen, "%s: could not open: %s", path, strerror(errno));
        return SSC_ECONFIG;
    }
    do {
        if (b->len == b->cap) {
            set_error(err, errlen, "%s: larger than %d bytes", path,
                      CONFIG_MAX_BYTES);
            rc = SSC_ECONFIG;
            goto out;
        }
        chunk = b->cap - b->len < 4096 ? b->cap - b->len : 4096;
        n = fread(ssc_buf_reserve(b, chunk), 1, chunk, fp);
        b->len += n;
    } while (n > 0);
    if (ferror(fp)) {
        set_error(err, errlen, "%s: could not read: %s", path, strerror(errno));
        rc = SSC_ECONFIG;
    }
out:
    fclose(fp);
    return rc;
}

void ssc_config_defaults(ssc_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->listen_host = (char *)default_host;
    cfg->listen_port = 50051;
    cfg->threads = 0;
    cfg->shutdown_grace_s = 30;
    cfg->log_level = 2;
    cfg->client_auth = SSC_CLIENT_AUTH_REQUIRE;
    cfg->max_message_bytes = 4 * 1024 * 1024;
    cfg->max_concurrent_streams = 100;
    cfg->max_header_list_bytes = 16 * 1024;
    cfg->idle_timeout_s = 300;
    cfg->handshake_timeout_s = 10;
    cfg->max_connections = 10000;
    cfg->max_process_buffer_bytes = 256 * 1024 * 1024;
    cfg->max_connection_buffer_bytes = conn_buffer_min(cfg);
    cfg->interop_service = 0;
    cfg->database_url = NULL;
    cfg->database_owner_url = NULL;
    cfg->db_pool_size = 4;
    cfg->db_statement_timeout_ms = 30000;
    cfg->db_queue_max = 1024;
    cfg->long_stay_months = 6;
    cfg->idempotency_keep_h = 168;
    cfg->idempotency_sweep_s = 300;
    cfg->radar_lead_days[0] = 30;
    cfg->radar_lead_days[1] = 90;
    cfg->radar_lead_days[2] = 180;
    cfg->radar_lead_count = 3;
    cfg->radar_watch_max_events = 5000;
    cfg->radar_decision_due_days = 60;
    cfg->payroll_max_imports = 8;
    cfg->payroll_import_timeout_s = 3600;
    cfg->changes_max_lag = 100000;
    cfg->clock_offset_s = 0;
}

int ssc_config_load(const char *path, ssc_config *cfg, char *err, size_t errlen)
{
    const char *slash = strrchr(path, '/');
    char *dir = NULL;
    ssc_buf b;
    int rc;

    replace_string(&cfg->path, ssc_xstrdup(path));
    ssc_buf_init(&b, CONFIG_MAX_BYTES + 1);
    rc = read_file(path, &b, err, errlen);
    if (rc != 0)
        goto out;
    if (slash != NULL)
        dir = ssc_xstrndup(path, (size_t)(slash - path));
    rc = load(cfg, path, dir, (const char *)b.data, b.len, err, errlen);
out:
    free(dir);
    ssc_buf_reset(&b);
    return rc;
}

int ssc_config_load_string(const char *text, const char *name, ssc_config *cfg,
                           char *err, size_t errlen)
{
    replace_string(&cfg->path, NULL);
    if (name == NULL)
        name = "(string)";
    return load(cfg, name, NULL, text, strlen(text), err, errlen);
}

void ssc_config_free(ssc_config *cfg)
{
    free(cfg->path);
    free_host(cfg);
    free(cfg->cert);
    free(cfg->key);
    free(cfg->client_ca);
    free(cfg->database_url);
    free(cfg->database_owner_url);
    ssc_config_defaults(cfg);
}
