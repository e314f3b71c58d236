/*
 * backend.c - each loop's PostgreSQL pool and key sweep, made and closed
 * through the server's loop hooks (backend.h).
 *
 * Entry points: ssc_backend_hooks(), ssc_backend_db().
 */
#include "backend.h"

#include "changes.h"
#include "health.h"
#include "idem_sweep.h"
#include "log.h"
#include "mem.h"
#include "migrate.h"
#include "radar_watch.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct backend {
    ssc_db *db;
    ssc_idem_sweep *sweep;    /* loop 0's; else NULL */
    ssc_changes_hub *changes; /* the change stream's watchers */
    ssc_radar_hub *radar;     /* Radar/Watch's watchers and midnight */
} backend;

static void db_state(void *arg, int up)
{
    ssc_loop *loop = arg;
    backend *b = loop->app;

    SSC_LOG(up ? SSC_LOG_INF : SSC_LOG_WRN, "loop %u: database %s", loop->index,
            up ? "connected" : "unreachable");
    ssc_svc_health_notify(loop);
    ssc_changes_hub_db_state(b->changes, up);
    ssc_radar_hub_db_state(b->radar, up);
}

/* Every commit that wrote the audit trail (sql/0027), and (re)listening. */
static void changes_notified(void *arg, const char *channel,
                             const char *payload)
{
    backend *b = arg;

    (void)channel;
    ssc_changes_hub_notified(b->changes, payload);
    ssc_radar_hub_changed(b->radar);
}

/* [radar] lead_days as the setting ssc.radar_lead_days reads: "30,90,180"
 * (at most 10 values of 4 digits: 50 bytes). */
static void lead_days_setting(const ssc_config *cfg, char *buf, size_t n)
{
    size_t len = 0;

    buf[0] = '\0';
    for (unsigned i = 0; i < cfg->radar_lead_count && len < n; i++)
        len += (size_t)snprintf(buf + len, n - len, "%s%u", i ? "," : "",
                                cfg->radar_lead_days[i]);
}

static void start(ssc_loop *loop)
{
    const ssc_config *cfg = loop->server->cfg;
    backend *b = ssc_xcalloc(1, sizeof(*b));
    char stay[16], leads[64], due[16];
    const char *settings[] = {"ssc.long_stay_months",
                              stay,
                              "ssc.radar_lead_days",
                              leads,
                              "ssc.radar_decision_due_days",
                              due,
                              NULL};
    ssc_db_options opt = {
        .settings = settings,
        .pool_size = cfg->db_pool_size,
        .default_timeout_ms = cfg->db_statement_timeout_ms,
        .queue_max = cfg->db_queue_max,
        .schema_version = ssc_migrate_latest(),
    };

    snprintf(stay, sizeof(stay), "%u", cfg->long_stay_months);
    snprintf(due, sizeof(due), "%u", cfg->radar_decision_due_days);
    lead_days_setting(cfg, leads, sizeof(leads));
    loop->app = b;
    if (cfg->database_url == NULL)
        return;
    b->db = ssc_db_new(&loop->uv, cfg->database_url, &opt);
    b->changes = ssc_changes_hub_new(b->db, cfg->changes_max_lag);
    b->radar = ssc_radar_hub_new(&loop->uv, b->db, cfg->clock_offset_s,
                                 cfg->radar_watch_max_events);
    ssc_db_on_state(b->db, db_state, loop);
    ssc_db_listen(b->db, "ssc_changes", changes_notified, b);
    if (loop->index == 0)
        b->sweep =
            ssc_idem_sweep_start(&loop->uv, b->db, cfg->idempotency_keep_h,
                                 cfg->idempotency_sweep_s);
}

static void stop(ssc_loop *loop)
{
    backend *b = loop->app;

    if (b == NULL)
        return;
    ssc_idem_sweep_stop(b->sweep);
    ssc_changes_hub_free(b->changes);
    ssc_radar_hub_free(b->radar);
    if (b->db != NULL)
        ssc_db_close(b->db, NULL, NULL);
    free(b);
    loop->app = NULL;
}

static int ready(const ssc_loop *loop)
{
    const backend *b = loop->app;

    return b == NULL || b->db == NULL || ssc_db_is_up(b->db);
}

/* The server's status changed: health watchers hear it, and once sscd
 * drains the watches end so that their callers resume elsewhere. */
static void health(ssc_loop *loop)
{
    backend *b = loop->app;

    ssc_svc_health_notify(loop);
    if (b != NULL && !ssc_server_serving(loop->server)) {
        ssc_changes_hub_stopping(b->changes);
        ssc_radar_hub_stopping(b->radar);
    }
}

static const ssc_loop_hooks hooks = {
    .start = start,
    .stop = stop,
    .ready = ready,
    .health = health,
};

const ssc_loop_hooks *ssc_backend_hooks(void)
{
    return &hooks;
}

ssc_db *ssc_backend_db(const ssc_loop *loop)
{
    const backend *b = loop->app;

    return b != NULL ? b->db : NULL;
}

ssc_changes_hub *ssc_backend_changes(const ssc_loop *loop)
{
    const backend *b = loop->app;

    return b != NULL ? b->changes : NULL;
}

ssc_radar_hub *ssc_backend_radar(const ssc_loop *loop)
{
    const backend *b = loop->app;

    return b != NULL ? b->radar : NULL;
}
