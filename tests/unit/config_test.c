/*
 * config_test.c - unit tests for daemon/config.c.
 *
 * Every refused input is checked against its whole message, FILE:LINE
 * included, because the message is the operator's only guide to the fix.
 */
#include "config.h"

#include "err.h"

#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#define TLS_OK                                                                 \
    "[tls]\n"                                                                  \
    "cert = server.pem\n"                                                      \
    "key = server.key\n"                                                       \
    "client_ca = ca.pem\n"

/* Loads text that must be refused and checks the message in full. */
static void expect_error(const char *text, const char *want)
{
    ssc_config cfg;
    char err[512] = "";
    int rc;

    ssc_config_defaults(&cfg);
    rc = ssc_config_load_string(text, "sscd.ini", &cfg, err, sizeof(err));
    assert_int_equal(rc, SSC_ECONFIG);
    assert_string_equal(err, want);
    ssc_config_free(&cfg);
}

/* Loads text that must be accepted into cfg, which the caller frees. */
static void expect_ok(const char *text, ssc_config *cfg)
{
    char err[512] = "";
    int rc;

    ssc_config_defaults(cfg);
    rc = ssc_config_load_string(text, "sscd.ini", cfg, err, sizeof(err));
    if (rc != 0)
        fail_msg("unexpected error: %s", err);
}

static void test_defaults(void **state)
{
    ssc_config cfg;

    ssc_config_defaults(&cfg);
    assert_null(cfg.path);
    assert_string_equal(cfg.listen_host, "127.0.0.1");
    assert_int_equal(cfg.listen_port, 50051);
    assert_int_equal(cfg.threads, 0);
    assert_int_equal(cfg.shutdown_grace_s, 30);
    assert_int_equal(cfg.log_level, 2);
    assert_null(cfg.cert);
    assert_null(cfg.key);
    assert_null(cfg.client_ca);
    assert_int_equal(cfg.client_auth, SSC_CLIENT_AUTH_REQUIRE);
    assert_int_equal(cfg.max_message_bytes, 4 * 1024 * 1024);
    assert_int_equal(cfg.max_concurrent_streams, 100);
    assert_int_equal(cfg.max_header_list_bytes, 16 * 1024);
    assert_int_equal(cfg.idle_timeout_s, 300);
    assert_int_equal(cfg.handshake_timeout_s, 10);
    assert_int_equal(cfg.interop_service, 0);
    assert_null(cfg.database_url);
    assert_int_equal(cfg.db_pool_size, 4);
    assert_int_equal(cfg.db_statement_timeout_ms, 30000);
    assert_int_equal(cfg.db_queue_max, 1024);
    assert_int_equal(cfg.idempotency_keep_h, 168);
    assert_int_equal(cfg.idempotency_sweep_s, 300);
    assert_int_equal(cfg.radar_lead_count, 3);
    assert_int_equal(cfg.radar_lead_days[0], 30);
    assert_int_equal(cfg.radar_lead_days[1], 90);
    assert_int_equal(cfg.radar_lead_days[2], 180);
    /* Defaults own nothing, so freeing them is harmless. */
    ssc_config_free(&cfg);
    ssc_config_free(&cfg);
}

static void test_minimal_keeps_defaults(void **state)
{
    ssc_config cfg;

    expect_ok(TLS_OK, &cfg);
    assert_null(cfg.path);
    assert_string_equal(cfg.listen_host, "127.0.0.1");
    assert_int_equal(cfg.listen_port, 50051);
    /* The string variant leaves relative paths as written. */
    assert_string_equal(cfg.cert, "server.pem");
    assert_string_equal(cfg.key, "server.key");
    assert_string_equal(cfg.client_ca, "ca.pem");
    assert_int_equal(cfg.max_message_bytes, 4 * 1024 * 1024);
    assert_null(cfg.database_url);
    ssc_config_free(&cfg);
}

static void test_full(void **state)
{
    ssc_config cfg;

    expect_ok("; a comment\n"
              "# another comment\n"
              "[server]\n"
              "listen = 0.0.0.0:8443\n"
              "threads = 4\n"
              "shutdown_grace_s = 0\n"
              "log_level = debug\n"
              "\n"
              "[tls]\n"
              "cert = /etc/ssc/server.pem\n"
              "key = /etc/ssc/server.key\n"
              "client_ca = /etc/ssc/ca.pem\n"
              "client_auth = optional\n"
              "[limits]\n"
              "max_message_bytes = 67108864\n"
              "max_concurrent_streams = 1\n"
              "max_header_list_bytes = 1024\n"
              "idle_timeout_s = 0\n"
              "handshake_timeout_s = 300 ; inline comment\n"
              "[testing]\n"
              "interop_service = true\n"
              "[database]\n"
              "url = postgresql://ssc@db.example/ssc?sslmode=verify-full\n"
              "idempotency_keep_h = 1\n"
              "idempotency_sweep_s = 86400\n"
              "queue_max = 1000000\n",
              &cfg);
    assert_string_equal(cfg.listen_host, "0.0.0.0");
    assert_int_equal(cfg.listen_port, 8443);
    assert_int_equal(cfg.threads, 4);
    assert_int_equal(cfg.shutdown_grace_s, 0);
    assert_int_equal(cfg.log_level, 3);
    assert_string_equal(cfg.cert, "/etc/ssc/server.pem");
    assert_string_equal(cfg.key, "/etc/ssc/server.key");
    assert_string_equal(cfg.client_ca, "/etc/ssc/ca.pem");
    assert_int_equal(cfg.client_auth, SSC_CLIENT_AUTH_OPTIONAL);
    assert_int_equal(cfg.max_message_bytes, 67108864);
    assert_int_equal(cfg.max_concurrent_streams, 1);
    assert_int_equal(cfg.max_header_list_bytes, 1024);
    assert_int_equal(cfg.idle_timeout_s, 0);
    assert_int_equal(cfg.handshake_timeout_s, 300);
    assert_int_equal(cfg.interop_service, 1);
    assert_string_equal(cfg.database_url,
                        "postgresql://ssc@db.example/ssc?sslmode=verify-full");
    assert_int_equal(cfg.idempotency_keep_h, 1);
    assert_int_equal(cfg.idempotency_sweep_s, 86400);
    assert_int_equal(cfg.db_queue_max, 1000000);
    ssc_config_free(&cfg);
}

static void test_log_levels(void **state)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    char text[256];
    ssc_config cfg;
    int i;

    for (i = 0; i < 4; i++) {
        snprintf(text, sizeof(text), TLS_OK "[server]\nlog_level = %s\n",
                 names[i]);
        expect_ok(text, &cfg);
        assert_int_equal(cfg.log_level, i);
        ssc_config_free(&cfg);
    }
}

static void test_ipv6_listen(void **state)
{
    ssc_config cfg;

    expect_ok(TLS_OK "[server]\nlisten = [::1]:50052\n", &cfg);
    assert_string_equal(cfg.listen_host, "::1");
    assert_int_equal(cfg.listen_port, 50052);
    ssc_config_free(&cfg);

    expect_ok(TLS_OK "[server]\nlisten = [::]:65535\n", &cfg);
    assert_string_equal(cfg.listen_host, "::");
    assert_int_equal(cfg.listen_port, 65535);
    ssc_config_free(&cfg);

    expect_ok(TLS_OK "[server]\nlisten = localhost:1\n", &cfg);
    assert_string_equal(cfg.listen_host, "localhost");
    assert_int_equal(cfg.listen_port, 1);
    ssc_config_free(&cfg);
}

/* Repeated keys are allowed and the last one wins, without leaking the
 * first (the sanitizer builds would see a leak). */
static void test_last_wins(void **state)
{
    ssc_config cfg;

    expect_ok(TLS_OK "cert = other.pem\n"
                     "[server]\n"
                     "listen = a:1\n"
                     "listen = b:2\n"
                     "[database]\nurl = one\nurl = two\n",
              &cfg);
    assert_string_equal(cfg.cert, "other.pem");
    assert_string_equal(cfg.listen_host, "b");
    assert_int_equal(cfg.listen_port, 2);
    assert_string_equal(cfg.database_url, "two");
    ssc_config_free(&cfg);
}

/* inih would read an indented key as the continuation of the one above; the
 * config reader hands it over unindented instead. */
static void test_indented_keys(void **state)
{
    ssc_config cfg;

    expect_ok("[tls]\n"
              "  cert = a.pem\n"
              "\tkey = a.key\n"
              "    client_ca = ca.pem\r\n",
              &cfg);
    assert_string_equal(cfg.cert, "a.pem");
    assert_string_equal(cfg.key, "a.key");
    assert_string_equal(cfg.client_ca, "ca.pem");
    ssc_config_free(&cfg);
}

static void test_bad_integer(void **state)
{
    expect_error(TLS_OK "[limits]\n"
                        "idle_timeout_s = 5\n"
                        "max_message_bytes = 12x\n",
                 "sscd.ini:7: [limits] max_message_bytes: must be an integer "
                 "between 1024 and 67108864, not \"12x\"");
}

static void test_integer_forms(void **state)
{
    static const char *const bad[] = {
        "",      "-1",       "+5",
        "0x400", "1e6",      "1 000",
        "1023",  "67108865", "99999999999999999999999",
    };
    char text[256], want[256];
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(text, sizeof(text), "[limits]\nmax_message_bytes = %s\n",
                 bad[i]);
        snprintf(want, sizeof(want),
                 "sscd.ini:2: [limits] max_message_bytes: must be an integer "
                 "between 1024 and 67108864, not \"%s\"",
                 bad[i]);
        expect_error(text, want);
    }
}

static void test_integer_ranges(void **state)
{
    expect_error("[server]\nthreads = 1025\n",
                 "sscd.ini:2: [server] threads: must be an integer between 0 "
                 "and 1024, not \"1025\"");
    expect_error("[server]\nshutdown_grace_s = 3601\n",
                 "sscd.ini:2: [server] shutdown_grace_s: must be an integer "
                 "between 0 and 3600, not \"3601\"");
    expect_error("[limits]\nmax_concurrent_streams = 0\n",
                 "sscd.ini:2: [limits] max_concurrent_streams: must be an "
                 "integer between 1 and 10000, not \"0\"");
    expect_error("[limits]\nmax_header_list_bytes = 1048577\n",
                 "sscd.ini:2: [limits] max_header_list_bytes: must be an "
                 "integer between 1024 and 1048576, not \"1048577\"");
    expect_error("[limits]\nidle_timeout_s = 86401\n",
                 "sscd.ini:2: [limits] idle_timeout_s: must be an integer "
                 "between 0 and 86400, not \"86401\"");
    expect_error("[limits]\nhandshake_timeout_s = 0\n",
                 "sscd.ini:2: [limits] handshake_timeout_s: must be an "
                 "integer between 1 and 300, not \"0\"");
    expect_error("[database]\nidempotency_keep_h = 0\n",
                 "sscd.ini:2: [database] idempotency_keep_h: must be an "
                 "integer between 1 and 87600, not \"0\"");
    expect_error("[database]\nidempotency_sweep_s = 86401\n",
                 "sscd.ini:2: [database] idempotency_sweep_s: must be an "
                 "integer between 1 and 86400, not \"86401\"");
    expect_error("[database]\nqueue_max = 0\n",
                 "sscd.ini:2: [database] queue_max: must be an integer "
                 "between 1 and 1000000, not \"0\"");
    expect_error("[database]\nqueue_max = 1000001\n",
                 "sscd.ini:2: [database] queue_max: must be an integer "
                 "between 1 and 1000000, not \"1000001\"");
}

static void test_unknown_section(void **state)
{
    /* Reported at the header line, keys or not. */
    expect_error(TLS_OK "\n[tsl]\ncert = x\n",
                 "sscd.ini:6: unknown section [tsl]");
    expect_error("[server]\n[nonsense]\n",
                 "sscd.ini:2: unknown section [nonsense]");
}

static void test_unknown_key(void **state)
{
    expect_error("[server]\nlisten = 127.0.0.1:1\nport = 5\n",
                 "sscd.ini:3: [server] unknown key \"port\"");
    /* Keys and sections are matched exactly, case included. */
    expect_error("[server]\nThreads = 2\n",
                 "sscd.ini:2: [server] unknown key \"Threads\"");
}

static void test_key_outside_section(void **state)
{
    expect_error("threads = 2\n[server]\n",
                 "sscd.ini:1: key \"threads\" is outside any [section]");
}

static void test_bad_bool(void **state)
{
    expect_error("[testing]\ninterop_service = yes\n",
                 "sscd.ini:2: [testing] interop_service: must be true or "
                 "false, not \"yes\"");
}

static void test_bad_client_auth(void **state)
{
    expect_error("[tls]\nclient_auth = none\n",
                 "sscd.ini:2: [tls] client_auth: must be require or "
                 "optional, not \"none\"");
}

static void test_bad_log_level(void **state)
{
    expect_error("[server]\nlog_level = verbose\n",
                 "sscd.ini:2: [server] log_level: must be one of error, "
                 "warn, info, debug, not \"verbose\"");
}

static void test_empty_strings(void **state)
{
    expect_error("[tls]\ncert =\n",
                 "sscd.ini:2: [tls] cert: must not be empty");
    expect_error("[database]\nurl = \n",
                 "sscd.ini:2: [database] url: must not be empty");
}

static void test_bad_listen(void **state)
{
    expect_error("[server]\nlisten = localhost\n",
                 "sscd.ini:2: [server] listen: must be HOST:PORT (IPv6 as "
                 "[::1]:PORT), not \"localhost\"");
    expect_error("[server]\nlisten = :50051\n",
                 "sscd.ini:2: [server] listen: must be HOST:PORT (IPv6 as "
                 "[::1]:PORT), not \":50051\"");
    expect_error("[server]\nlisten = [::1:50051\n",
                 "sscd.ini:2: [server] listen: must be HOST:PORT (IPv6 as "
                 "[::1]:PORT), not \"[::1:50051\"");
    expect_error("[server]\nlisten = [::1]50051\n",
                 "sscd.ini:2: [server] listen: must be HOST:PORT (IPv6 as "
                 "[::1]:PORT), not \"[::1]50051\"");
    expect_error("[server]\nlisten = []:50051\n",
                 "sscd.ini:2: [server] listen: must be HOST:PORT (IPv6 as "
                 "[::1]:PORT), not \"[]:50051\"");
}

static void test_bad_listen_port(void **state)
{
    expect_error("[server]\nlisten = localhost:\n",
                 "sscd.ini:2: [server] listen: port must be an integer "
                 "between 1 and 65535, not \"\"");
    expect_error("[server]\nlisten = 127.0.0.1:0\n",
                 "sscd.ini:2: [server] listen: port must be an integer "
                 "between 1 and 65535, not \"0\"");
    expect_error("[server]\nlisten = 127.0.0.1:70000\n",
                 "sscd.ini:2: [server] listen: port must be an integer "
                 "between 1 and 65535, not \"70000\"");
    expect_error("[server]\nlisten = [::1]:-1\n",
                 "sscd.ini:2: [server] listen: port must be an integer "
                 "between 1 and 65535, not \"-1\"");
}

static void test_bad_listen_host(void **state)
{
    expect_error("[server]\nlisten = ::1:50051\n",
                 "sscd.ini:2: [server] listen: IPv6 addresses must be in "
                 "brackets, as in [::1]:50051");
    expect_error("[server]\nlisten = [127.0.0.1]:50051\n",
                 "sscd.ini:2: [server] listen: \"127.0.0.1\" is not an IPv6 "
                 "address");
    expect_error("[server]\nlisten = [::g]:50051\n",
                 "sscd.ini:2: [server] listen: \"::g\" is not an IPv6 "
                 "address");
    expect_error("[server]\nlisten = *:50051\n",
                 "sscd.ini:2: [server] listen: \"*\" is not a host name or "
                 "IPv4 address");
}

/* A failed listen leaves the previous value in place. */
static void test_bad_listen_keeps_value(void **state)
{
    ssc_config cfg;
    char err[256];

    ssc_config_defaults(&cfg);
    assert_int_equal(ssc_config_load_string("[server]\nlisten = x:0\n", "t",
                                            &cfg, err, sizeof(err)),
                     SSC_ECONFIG);
    assert_string_equal(cfg.listen_host, "127.0.0.1");
    assert_int_equal(cfg.listen_port, 50051);
    ssc_config_free(&cfg);
}

static void test_syntax_errors(void **state)
{
    expect_error("[server]\nthreads 2\n",
                 "sscd.ini:2: syntax error: expected [section] or key = "
                 "value");
    expect_error("[server\nthreads = 2\n",
                 "sscd.ini:1: syntax error: expected [section] or key = "
                 "value");
}

/* inih keeps going after a syntax error; the first bad line is the one
 * reported, whichever kind of fault it has. */
static void test_first_error_wins(void **state)
{
    expect_error("[server]\nnonsense\nthreads = x\n",
                 "sscd.ini:2: syntax error: expected [section] or key = "
                 "value");
    expect_error("[server]\nthreads = x\nnonsense\nlog_level = x\n",
                 "sscd.ini:2: [server] threads: must be an integer between "
                 "0 and 1024, not \"x\"");
}

static void test_long_line(void **state)
{
    char text[600];
    size_t n;

    n = (size_t)snprintf(text, sizeof(text), "[database]\nurl = ");
    memset(text + n, 'a', 400);
    memcpy(text + n + 400, "\n", 2);
    expect_error(text, "sscd.ini:2: line is longer than 198 characters");
}

static void test_missing_required(void **state)
{
    expect_error("", "sscd.ini: [tls] cert is required");
    expect_error("[tls]\ncert = a\n", "sscd.ini: [tls] key is required");
    expect_error("[tls]\ncert = a\nkey = b\n",
                 "sscd.ini: [tls] client_ca is required");
}

static void test_null_error_buffer(void **state)
{
    ssc_config cfg;

    ssc_config_defaults(&cfg);
    assert_int_equal(ssc_config_load_string("junk\n", "x", &cfg, NULL, 0),
                     SSC_ECONFIG);
    ssc_config_free(&cfg);
}

/* A private directory for the file tests, removed afterwards. */
typedef struct tmp_dir {
    char path[PATH_MAX];
    char file[PATH_MAX + 16];
} tmp_dir;

static int tmp_setup(void **state)
{
    tmp_dir *t = calloc(1, sizeof(*t));
    const char *base = getenv("TMPDIR");

    if (t == NULL)
        return -1;
    snprintf(t->path, sizeof(t->path), "%s/ssc-config-XXXXXX",
             base != NULL ? base : "/tmp");
    if (mkdtemp(t->path) == NULL) {
        free(t);
        return -1;
    }
    snprintf(t->file, sizeof(t->file), "%s/sscd.ini", t->path);
    *state = t;
    return 0;
}

static int tmp_teardown(void **state)
{
    tmp_dir *t = *state;

    unlink(t->file);
    rmdir(t->path);
    free(t);
    return 0;
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *fp = fopen(path, "wb");

    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

static void test_file_relative_paths(void **state)
{
    static const char text[] = "[tls]\n"
                               "cert = certs/server.pem\n"
                               "key = /abs/server.key\n"
                               "client_ca = ca.pem\n"
                               "[database]\n"
                               "url = relative-is-not-a-path\n";
    tmp_dir *t = *state;
    ssc_config cfg;
    char err[512] = "", want[PATH_MAX + 64];

    write_file(t->file, text, sizeof(text) - 1);
    ssc_config_defaults(&cfg);
    if (ssc_config_load(t->file, &cfg, err, sizeof(err)) != 0)
        fail_msg("unexpected error: %s", err);
    assert_string_equal(cfg.path, t->file);
    snprintf(want, sizeof(want), "%s/certs/server.pem", t->path);
    assert_string_equal(cfg.cert, want);
    assert_string_equal(cfg.key, "/abs/server.key");
    snprintf(want, sizeof(want), "%s/ca.pem", t->path);
    assert_string_equal(cfg.client_ca, want);
    assert_string_equal(cfg.database_url, "relative-is-not-a-path");
    ssc_config_free(&cfg);
}

static void test_file_error_names_file(void **state)
{
    static const char text[] = TLS_OK "[limits]\nmax_message_bytes = 12x\n";
    tmp_dir *t = *state;
    ssc_config cfg;
    char err[PATH_MAX + 128], want[PATH_MAX + 128];

    write_file(t->file, text, sizeof(text) - 1);
    ssc_config_defaults(&cfg);
    assert_int_equal(ssc_config_load(t->file, &cfg, err, sizeof(err)),
                     SSC_ECONFIG);
    snprintf(want, sizeof(want),
             "%s:6: [limits] max_message_bytes: must be an integer between "
             "1024 and 67108864, not \"12x\"",
             t->file);
    assert_string_equal(err, want);
    ssc_config_free(&cfg);
}

static void test_file_missing_required(void **state)
{
    static const char text[] = "[tls]\ncert = a\nkey = b\n";
    tmp_dir *t = *state;
    ssc_config cfg;
    char err[PATH_MAX + 128], want[PATH_MAX + 128];

    write_file(t->file, text, sizeof(text) - 1);
    ssc_config_defaults(&cfg);
    assert_int_equal(ssc_config_load(t->file, &cfg, err, sizeof(err)),
                     SSC_ECONFIG);
    snprintf(want, sizeof(want), "%s: [tls] client_ca is required", t->file);
    assert_string_equal(err, want);
    ssc_config_free(&cfg);
}

static void test_file_unreadable(void **state)
{
    tmp_dir *t = *state;
    ssc_config cfg;
    char err[PATH_MAX + 128], want[PATH_MAX + 128], missing[PATH_MAX + 16];

    snprintf(missing, sizeof(missing), "%s/absent.ini", t->path);
    ssc_config_defaults(&cfg);
    assert_int_equal(ssc_config_load(missing, &cfg, err, sizeof(err)),
                     SSC_ECONFIG);
    snprintf(want, sizeof(want), "%s: could not open: %s", missing,
             strerror(ENOENT));
    assert_string_equal(err, want);
    ssc_config_free(&cfg);

    /* A directory opens but does not read. */
    ssc_config_defaults(&cfg);
    assert_int_equal(ssc_config_load(t->path, &cfg, err, sizeof(err)),
                     SSC_ECONFIG);
    snprintf(want, sizeof(want), "%s: could not read: %s", t->path,
             strerror(EISDIR));
    assert_string_equal(err, want);
    ssc_config_free(&cfg);
}

static void test_file_nul_byte(void **state)
{
    static const char text[] = "[tls]\ncert = a\0b\n";
    tmp_dir *t = *state;
    ssc_config cfg;
    char err[PATH_MAX + 128], want[PATH_MAX + 128];

    write_file(t->file, text, sizeof(text) - 1);
    ssc_config_defaults(&cfg);
    assert_int_equal(ssc_config_load(t->file, &cfg, err, sizeof(err)),
                     SSC_ECONFIG);
    snprintf(want, sizeof(want), "%s:2: line contains a NUL byte", t->file);
    assert_string_equal(err, want);
    ssc_config_free(&cfg);
}

static void test_file_too_large(void **state)
{
    tmp_dir *t = *state;
    size_t n = 1024 * 1024 + 1;
    char *text = malloc(n);
    ssc_config cfg;
    char err[PATH_MAX + 128], want[PATH_MAX + 128];

    assert_non_null(text);
    memset(text, '\n', n);
    write_file(t->file, text, n);
    free(text);
    ssc_config_defaults(&cfg);
    assert_int_equal(ssc_config_load(t->file, &cfg, err, sizeof(err)),
                     SSC_ECONFIG);
    snprintf(want, sizeof(want), "%s: larger than 1048576 bytes", t->file);
    assert_string_equal(err, want);
    ssc_config_free(&cfg);
}

/* A file name without a directory leaves relative paths relative to the
 * working directory, which is where that file is. */
static void test_file_in_cwd(void **state)
{
    static const char text[] = TLS_OK;
    tmp_dir *t = *state;
    ssc_config cfg;
    char err[512] = "", old[PATH_MAX];

    write_file(t->file, text, sizeof(text) - 1);
    assert_non_null(getcwd(old, sizeof(old)));
    assert_int_equal(chdir(t->path), 0);
    ssc_config_defaults(&cfg);
    if (ssc_config_load("sscd.ini", &cfg, err, sizeof(err)) != 0)
        fail_msg("unexpected error: %s", err);
    assert_int_equal(chdir(old), 0);
    assert_string_equal(cfg.cert, "server.pem");
    ssc_config_free(&cfg);
}

/* The buffer and connection limits: their defaults (the per-connection one
 * follows max_message_bytes and max_concurrent_streams unless given), their
 * ranges, and the refusal of limits under which a message of
 * max_message_bytes could never arrive. */
static void test_buffer_limits(void **state)
{
    ssc_config cfg;

    (void)state;
    expect_ok(TLS_OK, &cfg);
    assert_int_equal(cfg.max_connections, 10000);
    assert_int_equal(cfg.max_connection_buffer_bytes,
                     4 * 1024 * 1024 + 5 + 100 * SSC_STREAM_WINDOW);
    assert_int_equal(cfg.max_process_buffer_bytes, 256 * 1024 * 1024);
    ssc_config_free(&cfg);

    expect_ok(TLS_OK "[limits]\nmax_message_bytes = 1048576\n"
                     "max_concurrent_streams = 10\n",
              &cfg);
    assert_int_equal(cfg.max_connection_buffer_bytes,
                     1048576 + 5 + 10 * SSC_STREAM_WINDOW);
    ssc_config_free(&cfg);

    /* Large enough limits raise the process default with them. */
    expect_ok(TLS_OK "[limits]\nmax_message_bytes = 67108864\n"
                     "max_concurrent_streams = 10000\n",
              &cfg);
    assert_int_equal(cfg.max_connection_buffer_bytes,
                     67108864ULL + 5 + 10000ULL * SSC_STREAM_WINDOW);
    assert_true(cfg.max_process_buffer_bytes * 7 >=
                cfg.max_connection_buffer_bytes * 8);
    ssc_config_free(&cfg);

    expect_ok(TLS_OK "[limits]\nmax_connections = 1\n"
                     "max_message_bytes = 1048576\n"
                     "max_concurrent_streams = 16\n"
                     "max_connection_buffer_bytes = 2097152\n"
                     "max_process_buffer_bytes = 8388608\n",
              &cfg);
    assert_int_equal(cfg.max_connections, 1);
    assert_int_equal(cfg.max_connection_buffer_bytes, 2097152);
    assert_int_equal(cfg.max_process_buffer_bytes, 8388608);
    ssc_config_free(&cfg);

    expect_error("[limits]\nmax_connections = 0\n",
                 "sscd.ini:2: [limits] max_connections: must be an integer "
                 "between 1 and 1000000, not \"0\"");
    expect_error("[limits]\nmax_process_buffer_bytes = 65535\n",
                 "sscd.ini:2: [limits] max_process_buffer_bytes: must be an "
                 "integer between 65536 and 1099511627776, not \"65535\"");
    expect_error(TLS_OK "[limits]\nmax_connection_buffer_bytes = 4194304\n",
                 "sscd.ini: [limits] max_connection_buffer_bytes: must be at "
                 "least 5832709 (max_message_bytes + 5, plus 16384 per "
                 "stream of max_concurrent_streams)");
    expect_error(TLS_OK "[limits]\nmax_process_buffer_bytes = 6000000\n",
                 "sscd.ini: [limits] max_process_buffer_bytes: must be at "
                 "least 6665954 (8/7 of max_connection_buffer_bytes)");
}

/* Loads [radar] lead_days = value and checks the ascending list. */
static void expect_leads(const char *value, const unsigned *want, unsigned n)
{
    char text[256];
    ssc_config cfg;

    snprintf(text, sizeof(text), TLS_OK "[radar]\nlead_days = %s\n", value);
    expect_ok(text, &cfg);
    assert_int_equal(cfg.radar_lead_count, n);
    for (unsigned i = 0; i < n; i++)
        assert_int_equal(cfg.radar_lead_days[i], want[i]);
    ssc_config_free(&cfg);
}

static void test_radar_lead_days(void **state)
{
    static const unsigned three[] = {30, 90, 180};
    static const unsigned one[] = {3660};
    static const unsigned ten[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    static const char *const bad[] = {
        "",       "0",        "3661",
        "30,30",  "30,90,60", "1,2,3,4,5,6,7,8,9,10,11",
        "thirty", "30,",      ",30",
        "30;90",  "30 90",    "-30",
        "+30",    "30,0x5a",
    };
    char text[256], want[512];

    (void)state;
    expect_leads("180,90,30", three, 3); /* decreasing: kept ascending */
    expect_leads("30,90,180", three, 3);
    expect_leads(" 180 , 90,30", three, 3);
    expect_leads("3660", one, 1);
    expect_leads("10,9,8,7,6,5,4,3,2,1", ten, 10);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(text, sizeof(text), "[radar]\nlead_days = %s\n", bad[i]);
        snprintf(want, sizeof(want),
                 "sscd.ini:2: [radar] lead_days: must be 1 to 10 day counts "
                 "between 1 and 3660, strictly decreasing or increasing, as "
                 "in 180,90,30, not \"%s\"",
                 bad[i]);
        expect_error(text, want);
    }
}

/* [changes] max_lag, [radar] watch_max_events and [testing] clock: the
 * defaults, the bounds, and the clock kept as its offset from now. */
static void test_watch_keys(void **state)
{
    ssc_config cfg;
    time_t before, after;

    (void)state;
    expect_ok(TLS_OK, &cfg);
    assert_int_equal(cfg.changes_max_lag, 100000);
    assert_int_equal(cfg.radar_watch_max_events, 5000);
    assert_int_equal(cfg.clock_offset_s, 0);
    ssc_config_free(&cfg);
    expect_ok(TLS_OK "[changes]\nmax_lag = 1\n[radar]\nwatch_max_events = "
                     "100000\n",
              &cfg);
    assert_int_equal(cfg.changes_max_lag, 1);
    assert_int_equal(cfg.radar_watch_max_events, 100000);
    ssc_config_free(&cfg);
    before = time(NULL);
    expect_ok(TLS_OK "[testing]\nclock = 2030-01-01T23:59:30Z\n", &cfg);
    after = time(NULL);
    /* 2030-01-01T23:59:30Z is 1893542370 s after the epoch. */
    assert_true(cfg.clock_offset_s <= 1893542370 - (int64_t)before);
    assert_true(cfg.clock_offset_s >= 1893542370 - (int64_t)after);
    ssc_config_free(&cfg);
    expect_error("[changes]\nmax_lag = 0\n",
                 "sscd.ini:2: [changes] max_lag: must be an integer between 1 "
                 "and 1000000000, not \"0\"");
    expect_error("[radar]\nwatch_max_events = 100001\n",
                 "sscd.ini:2: [radar] watch_max_events: must be an integer "
                 "between 1 and 100000, not \"100001\"");
    expect_error("[testing]\nclock = 2030-01-01 23:59:30\n",
                 "sscd.ini:2: [testing] clock: must be a UTC time "
                 "YYYY-MM-DDTHH:MM:SSZ, not \"2030-01-01 23:59:30\"");
    expect_error("[testing]\nclock = 2030-01-01T23:59:30Zx\n",
                 "sscd.ini:2: [testing] clock: must be a UTC time "
                 "YYYY-MM-DDTHH:MM:SSZ, not \"2030-01-01T23:59:30Zx\"");
}

/* [radar] decision_due_days: 60 by default, 1 to 3650. */
static void test_decision_due_days(void **state)
{
    ssc_config cfg;

    (void)state;
    expect_ok(TLS_OK, &cfg);
    assert_int_equal(cfg.radar_decision_due_days, 60);
    ssc_config_free(&cfg);
    expect_ok(TLS_OK "[radar]\ndecision_due_days = 1\n", &cfg);
    assert_int_equal(cfg.radar_decision_due_days, 1);
    ssc_config_free(&cfg);
    expect_ok(TLS_OK "[radar]\ndecision_due_days = 3650\n", &cfg);
    assert_int_equal(cfg.radar_decision_due_days, 3650);
    ssc_config_free(&cfg);
    expect_error("[radar]\ndecision_due_days = 0\n",
                 "sscd.ini:2: [radar] decision_due_days: must be an integer "
                 "between 1 and 3650, not \"0\"");
    expect_error("[radar]\ndecision_due_days = 3651\n",
                 "sscd.ini:2: [radar] decision_due_days: must be an integer "
                 "between 1 and 3650, not \"3651\"");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_minimal_keeps_defaults),
        cmocka_unit_test(test_full),
        cmocka_unit_test(test_log_levels),
        cmocka_unit_test(test_ipv6_listen),
        cmocka_unit_test(test_last_wins),
        cmocka_unit_test(test_indented_keys),
        cmocka_unit_test(test_bad_integer),
        cmocka_unit_test(test_integer_forms),
        cmocka_unit_test(test_integer_ranges),
        cmocka_unit_test(test_radar_lead_days),
        cmocka_unit_test(test_watch_keys),
        cmocka_unit_test(test_decision_due_days),
        cmocka_unit_test(test_unknown_section),
        cmocka_unit_test(test_unknown_key),
        cmocka_unit_test(test_key_outside_section),
        cmocka_unit_test(test_bad_bool),
        cmocka_unit_test(test_bad_client_auth),
        cmocka_unit_test(test_bad_log_level),
        cmocka_unit_test(test_empty_strings),
        cmocka_unit_test(test_bad_listen),
        cmocka_unit_test(test_bad_listen_port),
        cmocka_unit_test(test_bad_listen_host),
        cmocka_unit_test(test_bad_listen_keeps_value),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_first_error_wins),
        cmocka_unit_test(test_long_line),
        cmocka_unit_test(test_missing_required),
        cmocka_unit_test(test_null_error_buffer),
        cmocka_unit_test(test_buffer_limits),
        cmocka_unit_test_setup_teardown(test_file_relative_paths, tmp_setup,
                                        tmp_teardown),
        cmocka_unit_test_setup_teardown(test_file_error_names_file, tmp_setup,
                                        tmp_teardown),
        cmocka_unit_test_setup_teardown(test_file_missing_required, tmp_setup,
                                        tmp_teardown),
        cmocka_unit_test_setup_teardown(test_file_unreadable, tmp_setup,
                                        tmp_teardown),
        cmocka_unit_test_setup_teardown(test_file_nul_byte, tmp_setup,
                                        tmp_teardown),
        cmocka_unit_test_setup_teardown(test_file_too_large, tmp_setup,
                                        tmp_teardown),
        cmocka_unit_test_setup_teardown(test_file_in_cwd, tmp_setup,
                                        tmp_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
