/*
 * config.h - sscd's configuration: an INI file read with inih.
 *
 * Every key has a default except the TLS files. Relative paths in the file are
 * taken relative to the file's own directory. A bad file is refused as a whole
 * with "FILE:LINE: reason" so the operator knows exactly what to fix.
 *
 * Entry points: ssc_config_defaults(), ssc_config_load(),
 * ssc_config_load_string(), ssc_config_free().
 */
#ifndef SSC_CONFIG_H
#define SSC_CONFIG_H

#include <stddef.h>
#include <stdint.h>

typedef enum ssc_client_auth {
    SSC_CLIENT_AUTH_REQUIRE = 0,
    SSC_CLIENT_AUTH_OPTIONAL = 1
} ssc_client_auth;

/* The HTTP/2 receive window each request stream starts with
 * (SETTINGS_INITIAL_WINDOW_SIZE): requests up to this size arrive without
 * waiting for a WINDOW_UPDATE. It is charged to the buffer limits when the
 * stream opens; a larger message gets the rest of its window once the limits
 * have room for all of it. */
#define SSC_STREAM_WINDOW (16 * 1024)

/* [radar] lead_days: at most this many bands, each at most this many days. */
#define SSC_RADAR_LEADS_MAX 10
#define SSC_RADAR_LEAD_DAYS_MAX 3660

typedef struct ssc_config {
    char *path; /* the file read, for messages; NULL for strings */

    /* [server] */
    char *listen_host;         /* default "127.0.0.1"; "[::1]" style accepted */
    uint16_t listen_port;      /* default 50051 */
    unsigned threads;          /* event loops; 0 (default) means one per core */
    unsigned shutdown_grace_s; /* SIGTERM drain limit, default 30 */
    int log_level;             /* 0 error, 1 warn, 2 info (default), 3 debug */

    /* [tls] */
    char *cert;                  /* required */
    char *key;                   /* required */
    char *client_ca;             /* required */
    ssc_client_auth client_auth; /* "require" (default) | "optional" */

    /* [limits] */
    uint32_t max_message_bytes;      /* default 4 MiB */
    uint32_t max_concurrent_streams; /* default 100 */
    uint32_t max_header_list_bytes;  /* default 16 KiB */
    uint32_t idle_timeout_s;         /* default 300; 0 disables */
    uint32_t handshake_timeout_s;    /* default 10 */
    uint32_t max_connections;        /* per process, default 10000 */
    /* Request bytes held (received and not yet handled, plus what the peer
     * may still send): per connection, by default one max_message_bytes
     * message plus the first window of every stream; per process, 256 MiB. */
    uint64_t max_connection_buffer_bytes;
    uint64_t max_process_buffer_bytes;

    /* [testing] */
    int interop_service; /* default 0 */
    /* clock: the UTC time ("YYYY-MM-DDTHH:MM:SSZ") the clock of the radar's
     * days (today, midnight) shows when the configuration is read, running
     * on from there: how tests see a day change without waiting for one.
     * Kept as its offset from the real clock; 0 (default): the real one. */
    int64_t clock_offset_s;

    /* [changes] max_lag: sequence numbers a watcher that stopped reading
     * may fall behind the newest change before it is ended, 100000 */
    uint32_t changes_max_lag;

    /* [database] */
    char *database_url;       /* the application role; NULL: no database */
    char *database_owner_url; /* the owner, for sscd migrate; NULL: url */
    unsigned db_pool_size;    /* connections per loop, default 4 */
    uint32_t db_statement_timeout_ms; /* calls without a deadline, 30000 */
    unsigned db_queue_max; /* calls waiting for a connection per loop, 1024 */
    /* [domain] */
    unsigned long_stay_months;    /* a secondment this long is a long stay, 6 */
    uint32_t idempotency_keep_h;  /* keys honoured this long, 168 */
    uint32_t idempotency_sweep_s; /* expired keys swept this often, 300 */
    /* [radar] lead_days: the bands of the deadline radar, ascending and
     * distinct (the file may give them either way round); 30, 90, 180 */
    unsigned radar_lead_days[SSC_RADAR_LEADS_MAX];
    unsigned radar_lead_count;
    /* [radar] watch_max_events: events one Radar/Watch may hold, 5000 */
    uint32_t radar_watch_max_events;
    /* [radar] decision_due_days: an application waits this long for a
     * decision before the radar calls it due, 60 */
    unsigned radar_decision_due_days;
    /* [payroll] max_imports: Payroll/Import calls one sscd runs at once,
     * each on a database connection of its own, 8 */
    unsigned payroll_max_imports;
    /* [payroll] import_timeout_s: an import without a deadline must be
     * done (streamed, reconciled, committed) within this, 3600 */
    uint32_t payroll_import_timeout_s;
} ssc_config;

/* Fills cfg with the defaults; owns nothing yet. */
void ssc_config_defaults(ssc_config *cfg);

/* Reads path over the defaults. Returns 0, or SSC_ECONFIG with a message of the
 * form "FILE:LINE: reason" (or "FILE: reason" for a missing required key or an
 * unreadable file) in err. On error cfg holds nothing to free beyond what
 * ssc_config_free() releases. */
int ssc_config_load(const char *path, ssc_config *cfg, char *err,
                    size_t errlen);

/* As ssc_config_load() for text in memory; name stands in for the file name in
 * messages and relative paths are left as they are. */
int ssc_config_load_string(const char *text, const char *name, ssc_config *cfg,
                           char *err, size_t errlen);

void ssc_config_free(ssc_config *cfg);

#endif
