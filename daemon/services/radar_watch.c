/*
 * radar_watch.c - ssc.v1.Radar/Watch: the deadline radar as a stream. It
 * sends the events of the horizon from today (UTC), then an update
 * whenever one enters a new band or falls due, or a change to the record
 * adds, moves or removes one.
 *
 * A watcher keeps the picture it last sent (the events, at most
 * [radar] watch_max_events of them) and, when something may have changed,
 * reads the whole picture again with ssc.radar_watch_read (sql/0027: one
 * statement, one snapshot, as the caller, so row-level security decides)
 * and sends the difference, matched by (kind, entity id), which is unique
 * per event:
 *   ADDED    in the new picture only;
 *   REMOVED  in the old one only (its day passed, the record lost it, or
 *            it moved out of the horizon);
 *   MOVED    in both, on another date;
 *   BAND     in both, on the same date, in another band (a new day).
 * Updates of one read go out in date order.
 *
 * When to read again: on every commit that wrote the audit trail (the
 * change stream's notification, backend.c), when the pool comes back, and
 * at midnight UTC, from one timer per loop armed for the next midnight
 * (and at least hourly, to notice a clock step; it reads only when the
 * day changed): the database is asked only when something may have
 * changed, never in a polling loop. Each of these marks the watchers
 * dirty, and a pump starts their reads, at most READS_IN_FLIGHT_MAX per
 * loop at once, round robin. A watcher with a read in flight, or one that
 * stopped reading (its buffer at SSC_CALL_HIGH_WATER), keeps the mark, and
 * its read follows once the first is in or the buffer has drained: the
 * difference is taken against what was sent, so nothing is lost by
 * reading late, and a burst of commits costs one read per watcher.
 *
 * The day comes from the real clock plus [testing] clock's offset, so a
 * test can start sscd a few seconds before midnight.
 *
 * Entry points: ssc_svc_radar_watch_register(), ssc_radar_hub_new(),
 * ssc_radar_hub_free(), ssc_radar_hub_changed(), ssc_radar_hub_db_state(),
 * ssc_radar_hub_stopping().
 */
#include "router.h" /* before call.h, which uses its ssc_method typedef */

#include "radar_watch.h"

#include "backend.h"
#include "call.h"
#include "json_pb.h"
#include "log.h"
#include "mem.h"
#include "roles.h"
#include "server.h"
#include "store.h"

#include "ssc/v1/radar.pb-c.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PATH "/ssc.v1.Radar/Watch"
#define DAY_S 86400
#define MIDNIGHT_SLACK_MS 20 /* fire just after midnight, never before */
/* The timer runs on the monotonic clock: it looks at the wall clock at
 * least this often, so a clock step or a suspend delays a new day by at
 * most this much (and still reads nothing unless the day changed). */
#define CLOCK_CHECK_MS (3600 * 1000)
/* Reads in flight per loop: the pool's queue stays free for calls. */
#define READS_IN_FLIGHT_MAX 16

typedef Ssc__V1__RadarEvent event;
typedef Ssc__V1__ListRadarResponse picture;

static const ssc_db_stmt stmts[] = {
    {"ssc_radar_watch_read", "SELECT ssc.radar_watch_read($1::jsonb, $2::int)",
     2},
};

struct ssc_radar_hub {
    ssc_db *db;
    uv_timer_t midnight;
    int64_t clock_offset_s;
    uint32_t max_events;
    ssc_link watchers;
    int db_up;
    unsigned inflight; /* reads the pool has */
    int64_t day;       /* the day (since the epoch) the timer last saw */
};

typedef struct watcher {
    ssc_link link; /* in hub->watchers */
    ssc_radar_hub *hub;
    ssc_call *call;
    char *request;    /* the request as JSON, as_of added per read */
    picture *have;    /* what was sent; NULL before the first picture */
    char as_of[11];   /* of have */
    char reading[11]; /* as_of of the read in flight */
    ssc_db_job *job;  /* the read in flight, or NULL */
    int dirty;        /* read again as soon as possible */
} watcher;

/* ---- the clock -------------------------------------------------------- */

/* Now in ms since the epoch on the radar's clock. */
static int64_t clock_ms(const ssc_radar_hub *hub)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return ((int64_t)ts.tv_sec + hub->clock_offset_s) * 1000 +
           ts.tv_nsec / 1000000;
}

/* Floor division: days and seconds before 1970 too. */
static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static void today(const ssc_radar_hub *hub, char out[11])
{
    time_t t = (time_t)floor_div(clock_ms(hub), 1000);
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

static void on_midnight(uv_timer_t *t);

/* Arms the timer for the next midnight, or sooner to look at the clock. */
static void arm_midnight(ssc_radar_hub *hub)
{
    int64_t now = clock_ms(hub);
    int64_t next = (floor_div(now, (int64_t)DAY_S * 1000) + 1) * DAY_S * 1000;
    int64_t wait = next - now + MIDNIGHT_SLACK_MS;

    hub->day = floor_div(now, (int64_t)DAY_S * 1000);
    uv_timer_start(&hub->midnight, on_midnight,
                   (uint64_t)(wait < CLOCK_CHECK_MS ? wait : CLOCK_CHECK_MS),
                   0);
}

/* ---- watchers --------------------------------------------------------- */

static void watcher_free(watcher *w)
{
    if (w->job != NULL) {
        ssc_db_job_cancel(w->job);
        w->hub->inflight--;
    }
    ssc_link_remove(&w->link);
    ssc_call_set_data(w->call, NULL);
    ssc_call_unref(w->call);
    if (w->have != NULL)
        ssc_json_pb_free(&w->have->base);
    free(w->request);
    free(w);
}

static void watcher_end(watcher *w, ssc_status code, const char *why)
{
    ssc_call *call = w->call;

    ssc_call_ref(call);
    watcher_free(w);
    ssc_call_finish(call, code, "%s", why);
    ssc_call_unref(call);
}

static int stalled(const watcher *w)
{
    return ssc_call_buffered(w->call) >= SSC_CALL_HIGH_WATER;
}

/* ---- the difference --------------------------------------------------- */

typedef struct update {
    Ssc__V1__RadarChange change;
    const event *e;
} update;

static int by_key(const void *x, const void *y)
{
    const event *a = *(event *const *)x, *b = *(event *const *)y;

    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    return a->entity_id < b->entity_id ? -1 : a->entity_id > b->entity_id;
}

static int by_date(const void *x, const void *y)
{
    const update *a = x, *b = y;
    int c = strcmp(a->e->date, b->e->date);

    if (c != 0)
        return c;
    return by_key(&a->e, &b->e);
}

static event **sorted(const picture *p)
{
    event **v = ssc_xcalloc(p->n_events ? p->n_events : 1, sizeof(*v));

    memcpy(v, p->events, p->n_events * sizeof(*v));
    qsort(v, p->n_events, sizeof(*v), by_key);
    return v;
}

/* The updates that take old to new, in date order; returns their count. */
static size_t difference(const picture *old, const picture *new_, update *out)
{
    event **a = sorted(old), **b = sorted(new_);
    size_t i = 0, j = 0, n = 0;

    while (i < old->n_events || j < new_->n_events) {
        int c = i == old->n_events    ? 1
                : j == new_->n_events ? -1
                                      : by_key(&a[i], &b[j]);

        if (c < 0) {
            out[n++] =
                (update){SSC__V1__RADAR_CHANGE__RADAR_CHANGE_REMOVED, a[i++]};
        } else if (c > 0) {
            out[n++] =
                (update){SSC__V1__RADAR_CHANGE__RADAR_CHANGE_ADDED, b[j++]};
        } else {
            if (strcmp(a[i]->date, b[j]->date) != 0)
                out[n++] =
                    (update){SSC__V1__RADAR_CHANGE__RADAR_CHANGE_MOVED, b[j]};
            else if (a[i]->band_days != b[j]->band_days)
                out[n++] =
                    (update){SSC__V1__RADAR_CHANGE__RADAR_CHANGE_BAND, b[j]};
            i++;
            j++;
        }
    }
    qsort(out, n, sizeof(*out), by_date);
    free(a);
    free(b);
    return n;
}

static int send_update(watcher *w, Ssc__V1__RadarChange change, const event *e,
                       const char *as_of)
{
    Ssc__V1__RadarUpdate u = SSC__V1__RADAR_UPDATE__INIT;

    u.change = change;
    u.event = (event *)e;
    u.as_of = (char *)as_of;
    return ssc_call_send(w->call, &u.base);
}

/* Sends what takes w from its picture to p (all of p, then SYNCED, the
 * first time), and keeps p. Returns 0, or -1 when w was ended. */
static int show(watcher *w, picture *p, const char *as_of)
{
    int rc = 0;

    if (w->have == NULL) {
        for (size_t i = 0; rc == 0 && i < p->n_events; i++)
            rc = send_update(w, SSC__V1__RADAR_CHANGE__RADAR_CHANGE_CURRENT,
                             p->events[i], as_of);
        if (rc == 0)
            rc = send_update(w, SSC__V1__RADAR_CHANGE__RADAR_CHANGE_SYNCED,
                             NULL, as_of);
    } else {
        size_t cap = w->have->n_events + p->n_events, n;
        update *u = ssc_xcalloc(cap ? cap : 1, sizeof(*u));

        n = difference(w->have, p, u);
        for (size_t i = 0; rc == 0 && i < n; i++)
            rc = send_update(w, u[i].change, u[i].e, as_of);
        free(u);
        ssc_json_pb_free(&w->have->base);
    }
    w->have = p;
    memcpy(w->as_of, as_of, sizeof(w->as_of));
    if (rc == 0)
        return 0;
    watcher_end(w, SSC_STATUS_RESOURCE_EXHAUSTED,
                "an event is larger than the server's max_message_bytes");
    return -1;
}

/* ---- reading ---------------------------------------------------------- */

static void read_picture(watcher *w);
static void picture_done(watcher *w, const ssc_db_result *r);
static void pump(ssc_radar_hub *hub);

static void picture_read(void *arg, const ssc_db_result *r)
{
    watcher *w = arg;
    ssc_radar_hub *hub = w->hub;

    w->job = NULL;
    hub->inflight--;
    picture_done(w, r);
    pump(hub);
}

/* What a read brought: the difference sent, or the watcher ended. */
static void picture_done(watcher *w, const ssc_db_result *r)
{
    ProtobufCMessage *m = NULL;
    char err[256];
    size_t len = 0;
    const char *text;

    if (!r->ok) {
        if (r->status == SSC_STATUS_UNAVAILABLE)
            w->dirty = 1; /* again: now if the pool is up, else once it is */
        else
            watcher_end(w, (ssc_status)r->status, r->message);
        return;
    }
    text = ssc_db_answer(r, &len);
    if (ssc_json_pb_decode_text(&ssc__v1__list_radar_response__descriptor, text,
                                len, &m, err, sizeof(err)) != 0) {
        SSC_LOG_ERROR("%s: %s", PATH, err);
        watcher_end(w, SSC_STATUS_INTERNAL, "the radar broke");
        return;
    }
    if (((picture *)m)->n_events > w->hub->max_events) {
        char why[256];

        ssc_json_pb_free(m);
        snprintf(why, sizeof(why),
                 "the horizon holds more than %u events, the most a watch "
                 "follows ([radar] watch_max_events): narrow it with "
                 "horizon_days, kinds, collaboration_id or organisation_id",
                 (unsigned)w->hub->max_events);
        watcher_end(w, SSC_STATUS_RESOURCE_EXHAUSTED, why);
        return;
    }
    show(w, (picture *)m, w->reading); /* pump() reads again if dirty */
}

/* The request with as_of set: {"as_of":"D", ...the request's fields}. */
static char *with_as_of(const char *request, const char *as_of)
{
    size_t n = strlen(request) + 32;
    char *p = ssc_xmalloc(n);

    snprintf(p, n, "{\"as_of\":\"%s\"%s%s", as_of,
             strcmp(request, "{}") == 0 ? "" : ",", request + 1);
    return p;
}

static void read_picture(watcher *w)
{
    ssc_radar_hub *hub = w->hub;
    char max[16], *p;
    const char *v[2];
    ssc_db_job *job;

    if (w->job != NULL || stalled(w) || !hub->db_up ||
        hub->inflight >= READS_IN_FLIGHT_MAX) {
        w->dirty = 1;
        return;
    }
    job = ssc_store_begin_read(w->call, ssc_roles_domain_readers);
    if (job == NULL) { /* answered */
        watcher_free(w);
        return;
    }
    w->dirty = 0;
    today(hub, w->reading);
    p = with_as_of(w->request, w->reading);
    snprintf(max, sizeof(max), "%u", (unsigned)hub->max_events);
    v[0] = p;
    v[1] = max;
    ssc_db_job_add(job, "ssc_radar_watch_read", 2, v);
    free(p);
    w->job = job;
    hub->inflight++;
    /* To the back of the line: under a steady stream of commits every
     * watcher gets its turn. */
    ssc_link_remove(&w->link);
    ssc_link_insert(&hub->watchers, &w->link);
    ssc_db_submit(hub->db, job, picture_read, w);
}

/* Starts the reads that are due, as many as may be in flight. */
static void pump(ssc_radar_hub *hub)
{
    ssc_link *l = hub->watchers.next;
    size_t n = 0;

    for (ssc_link *k = l; k != &hub->watchers; k = k->next)
        n++;
    /* n steps: read_picture() moves a watcher it starts to the back. */
    while (n-- > 0 && hub->inflight < READS_IN_FLIGHT_MAX) {
        watcher *w = container_of(l, watcher, link);

        l = l->next;
        if (w->dirty)
            read_picture(w);
    }
}

/* Something may have changed for every watcher. */
static void read_all(ssc_radar_hub *hub)
{
    for (ssc_link *l = hub->watchers.next; l != &hub->watchers; l = l->next)
        container_of(l, watcher, link)->dirty = 1;
    pump(hub);
}

static void on_midnight(uv_timer_t *t)
{
    ssc_radar_hub *hub = container_of(t, ssc_radar_hub, midnight);
    int64_t day = hub->day;

    arm_midnight(hub);
    if (hub->day != day)
        read_all(hub);
}

/* ---- the method ------------------------------------------------------- */

static void watch(ssc_call *call, const ProtobufCMessage *msg)
{
    ssc_radar_hub *hub = ssc_backend_radar(ssc_server_loop_of(call));
    size_t len = 0;
    char *json = ssc_store_watch_request(call, hub != NULL, msg, &len);
    watcher *w;

    if (json == NULL)
        return;
    w = ssc_xcalloc(1, sizeof(*w));
    w->hub = hub;
    w->call = call;
    w->request = json;
    ssc_call_ref(call);
    ssc_call_set_data(call, w);
    ssc_link_insert(&hub->watchers, &w->link);
    w->dirty = 1;
    pump(hub);
}

static void watch_cancel(ssc_call *call)
{
    watcher *w = ssc_call_data(call);

    if (w != NULL)
        watcher_free(w);
}

static void watch_drain(ssc_call *call)
{
    watcher *w = ssc_call_data(call);

    if (w != NULL && w->dirty)
        pump(w->hub);
}

static const ssc_method methods[] = {
    {.path = PATH,
     .kind = SSC_SERVER_STREAMING,
     .input = &ssc__v1__watch_radar_request__descriptor,
     .on_message = watch,
     .on_cancel = watch_cancel,
     .on_drain = watch_drain},
};

int ssc_svc_radar_watch_register(ssc_router *r)
{
    int rc = ssc_db_register(stmts, sizeof(stmts) / sizeof(stmts[0]));

    return rc != 0 ? rc
                   : ssc_router_add_all(r, methods,
                                        sizeof(methods) / sizeof(methods[0]));
}

/* ---- the hub ---------------------------------------------------------- */

ssc_radar_hub *ssc_radar_hub_new(uv_loop_t *uv, ssc_db *db,
                                 int64_t clock_offset_s, uint32_t max_events)
{
    ssc_radar_hub *hub = ssc_xcalloc(1, sizeof(*hub));

    hub->db = db;
    hub->clock_offset_s = clock_offset_s;
    hub->max_events = max_events;
    hub->db_up = ssc_db_is_up(db);
    ssc_link_init(&hub->watchers);
    uv_timer_init(uv, &hub->midnight);
    arm_midnight(hub);
    return hub;
}

static void end_all(ssc_radar_hub *hub)
{
    while (!ssc_link_empty(&hub->watchers))
        watcher_end(container_of(hub->watchers.next, watcher, link),
                    SSC_STATUS_UNAVAILABLE, "sscd is shutting down");
}

static void hub_closed(uv_handle_t *h)
{
    free(container_of((uv_timer_t *)h, ssc_radar_hub, midnight));
}

void ssc_radar_hub_free(ssc_radar_hub *hub)
{
    if (hub == NULL)
        return;
    end_all(hub);
    uv_close((uv_handle_t *)&hub->midnight, hub_closed);
}

void ssc_radar_hub_stopping(ssc_radar_hub *hub)
{
    if (hub != NULL)
        end_all(hub);
}

void ssc_radar_hub_changed(ssc_radar_hub *hub)
{
    read_all(hub);
}

void ssc_radar_hub_db_state(ssc_radar_hub *hub, int up)
{
    hub->db_up = up;
    if (up)
        read_all(hub);
}
