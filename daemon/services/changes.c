/*
 * changes.c - ssc.v1.Changes/Watch: every committed change the caller may
 * read, in sequence order, first the backlog after after_seq, then live,
 * whichever sscd made it.
 *
 * The database is the only source: a watcher is a position (the last seq
 * it is past) and reads what follows with ssc.changes_watch (sql/0027), as
 * itself, so row-level security decides what it sees, in one transaction
 * per read that also gives the head of the audit chain. The read's `next`
 * is where the following one starts; sequence numbers are handed out in
 * commit order, so a position never skips a change that commits later.
 *
 * Waking up: each loop has one hub. The loop's pool LISTENs on
 * ssc_changes on one connection (db.c), and every commit that wrote the
 * audit trail notifies it with the new head (sql/0027). A notification
 * only says "read again": a lost one costs latency, never a change,
 * because the next read starts from the position, and when the pool
 * (re)starts listening or comes back up every watcher reads once more.
 *
 * One read serves many watchers: on each wake the watchers that are due
 * (behind the head, or told to look) and able to take more are sorted by
 * identity (certificate fingerprint and request) and position, and each
 * run of equal ones shares one read, whose changes are packed once and
 * queued to each. A thousand watchers of one principal at the head cost
 * one query per commit, not a thousand.
 *
 * Backpressure: a watcher whose response buffer is at SSC_CALL_HIGH_WATER
 * is not read for; on_drain makes it due again. So a watcher holds at most
 * the high-water mark plus one read (READ_MAX changes). One that stays
 * stalled while more than max_lag changes commit is ended with
 * RESOURCE_EXHAUSTED, its message naming the after_seq to resume with; its
 * buffered changes still go out first. A watcher that reads is never
 * ended, however far behind it starts. At most READS_IN_FLIGHT_MAX reads
 * per loop are in the pool at once; the others wait their turn, so
 * watchers never crowd out calls.
 *
 * Entry points: ssc_svc_changes_register(), ssc_changes_hub_new(),
 * ssc_changes_hub_free(), ssc_changes_hub_notified(),
 * ssc_changes_hub_db_state(), ssc_changes_hub_stopping().
 */
#include "router.h" /* before call.h, which uses its ssc_method typedef */

#include "changes.h"

#include "backend.h"
#include "call.h"
#include "json_pb.h"
#include "json_read.h"
#include "log.h"
#include "mem.h"
#include "roles.h"
#include "server.h"
#include "store.h"

#include "ssc/v1/changes.pb-c.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATH "/ssc.v1.Changes/Watch"
#define READ_MAX 100 /* changes per read */
#define READ_MAX_TEXT "100"
/* Reads in flight per loop: the pool's queue stays free for calls. */
#define READS_IN_FLIGHT_MAX 32

static const ssc_db_stmt stmts[] = {
    {"ssc_changes_watch", "SELECT ssc.changes_watch($1::jsonb, $2, $3::int)",
     3},
};

struct ssc_changes_hub {
    ssc_db *db;
    ssc_link watchers;
    uint64_t head; /* the newest seq known to be committed */
    uint32_t max_lag;
    unsigned inflight; /* reads the pool has */
    int db_up;
    int waking; /* in wake(): a nested wake only marks it to run again */
    int again;
};

typedef struct fetch fetch;

typedef struct watcher {
    ssc_link link; /* in hub->watchers */
    ssc_changes_hub *hub;
    ssc_call *call;
    char *ident;    /* fingerprint '\n' request JSON: who reads what */
    char *request;  /* points into ident: the request JSON */
    uint64_t after; /* the position: every change up to it was dealt with */
    int from_now;   /* the first read starts at the head */
    int started;    /* the first read is done (from_now then no longer) */
    int due;        /* read even when not behind the head (news may be lost) */
    int stalled;    /* not reading: its buffer reached the high-water mark */
    uint64_t stall_head; /* the head when it stopped reading */
    fetch *fetch;        /* the read this watcher waits for, or NULL */
    ssc_link member;     /* in fetch->members */
} watcher;

struct fetch {
    ssc_changes_hub *hub;
    ssc_db_job *job;
    ssc_link members;
};

static void wake(ssc_changes_hub *hub);

/* ---- watchers --------------------------------------------------------- */

/* Takes w off its read; the last member leaving cancels the read. */
static void leave_fetch(watcher *w)
{
    fetch *f = w->fetch;

    if (f == NULL)
        return;
    ssc_link_remove(&w->member);
    w->fetch = NULL;
    if (ssc_link_empty(&f->members)) {
        ssc_db_job_cancel(f->job);
        f->hub->inflight--;
        free(f);
    }
}

static void watcher_free(watcher *w)
{
    leave_fetch(w);
    ssc_link_remove(&w->member); /* off a finished read's list, too */
    ssc_link_remove(&w->link);
    ssc_call_set_data(w->call, NULL);
    ssc_call_unref(w->call);
    free(w->ident);
    free(w);
}

/* Ends w's call with code and a message that tells where to resume. */
static void watcher_end(watcher *w, ssc_status code, const char *why)
{
    ssc_call *call = w->call;
    uint64_t after = w->after;
    int started = w->started;

    ssc_call_ref(call);
    watcher_free(w);
    if (started)
        ssc_call_finish(call, code, "%s; resume with after_seq %" PRIu64, why,
                        after);
    else
        ssc_call_finish(call, code, "%s", why);
    ssc_call_unref(call);
}

static int stalled(const watcher *w)
{
    return ssc_call_buffered(w->call) >= SSC_CALL_HIGH_WATER;
}

/* ---- reading ---------------------------------------------------------- */

/* A read's changes, packed once for every member. */
typedef struct batch {
    size_t n;
    uint8_t **bufs;
    size_t *lens;
    uint64_t *seqs;
} batch;

static void batch_free(batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        free(b->bufs[i]);
    free(b->bufs);
    free(b->lens);
    free(b->seqs);
}

static uint64_t seq_of(const json_t *j)
{
    json_int_t v = json_is_integer(j) ? json_integer_value(j) : -1;

    return v > 0 ? (uint64_t)v : 0;
}

/* Packs the changes of a read into b. Returns 0, or -1 (with why, b
 * emptied) when the answer does not hold together. */
static int pack_changes(const json_t *changes, batch *b, char *why, size_t n)
{
    size_t count = json_array_size(changes);

    b->bufs = ssc_xcalloc(count ? count : 1, sizeof(*b->bufs));
    b->lens = ssc_xcalloc(count ? count : 1, sizeof(*b->lens));
    b->seqs = ssc_xcalloc(count ? count : 1, sizeof(*b->seqs));
    for (b->n = 0; b->n < count; b->n++) {
        const json_t *c = json_array_get(changes, b->n);
        ProtobufCMessage *m = NULL;
        size_t len;

        if (ssc_json_pb_decode(&ssc__v1__change__descriptor, c, &m, why, n) !=
            0) {
            batch_free(b);
            memset(b, 0, sizeof(*b));
            return -1;
        }
        len = protobuf_c_message_get_packed_size(m);
        b->lens[b->n] = len;
        b->bufs[b->n] = ssc_xmalloc(len ? len : 1);
        b->seqs[b->n] = seq_of(json_object_get(c, "seq"));
        protobuf_c_message_pack(m, b->bufs[b->n]);
        ssc_json_pb_free(m);
    }
    return 0;
}

/* Queues each change of b to w and moves w's position past it. Returns 0,
 * or ends w and returns -1 when one cannot be sent: the position is then
 * the last change sent, and the message names the one that did not go. */
static int deliver(watcher *w, const batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        char why[200];

        if (ssc_call_send_bytes(w->call, b->bufs[i], b->lens[i]) == 0) {
            w->after = b->seqs[i];
            continue;
        }
        snprintf(why, sizeof(why),
                 "change %" PRIu64 " (%zu bytes) is larger than the largest "
                 "message sscd sends ([limits] max_message_bytes)",
                 b->seqs[i], b->lens[i]);
        w->started = 1;
        watcher_end(w, SSC_STATUS_RESOURCE_EXHAUSTED, why);
        return -1;
    }
    return 0;
}

/* A read is in: each member gets its changes and moves to next. */
static void fetched(void *arg, const ssc_db_result *r)
{
    fetch *f = arg;
    ssc_changes_hub *hub = f->hub;
    ssc_link members;
    json_t *ans = r->ok ? ssc_store_json(r) : NULL;
    const json_t *changes = json_object_get(ans, "changes");
    batch b = {0};
    char why[256] = "the answer is not JSON";
    int packed = -1;
    uint64_t next = seq_of(json_object_get(ans, "next"));

    /* The read is over: its members are on their own from here. */
    ssc_link_init(&members);
    while (!ssc_link_empty(&f->members)) {
        watcher *w = container_of(f->members.next, watcher, member);

        ssc_link_remove(&w->member);
        ssc_link_insert(&members, &w->member);
        w->fetch = NULL;
    }
    free(f);
    hub->inflight--;
    if (ans != NULL && json_is_array(changes))
        packed = pack_changes(changes, &b, why, sizeof(why));
    if (ans != NULL) {
        uint64_t head = seq_of(json_object_get(ans, "head"));

        if (head > hub->head)
            hub->head = head;
    }
    while (!ssc_link_empty(&members)) {
        watcher *w = container_of(members.next, watcher, member);

        ssc_link_remove(&w->member);
        if (!r->ok && r->status == SSC_STATUS_UNAVAILABLE) {
            w->due = 1; /* the pool is down: read again once it is up */
        } else if (!r->ok) {
            watcher_end(w, (ssc_status)r->status, r->message);
        } else if (packed != 0) {
            SSC_LOG_ERROR("%s: %s", PATH, why);
            watcher_end(w, SSC_STATUS_INTERNAL, "the change stream broke");
        } else if (deliver(w, &b) == 0) {
            if (next > w->after)
                w->after = next;
            w->started = 1;
        }
    }
    batch_free(&b);
    json_decref(ans);
    wake(hub);
}

/* Starts one read for the run of equal watchers ws[0..n). */
static void start_fetch(ssc_changes_hub *hub, watcher **ws, size_t n)
{
    watcher *first = ws[0];
    ssc_db_job *job = ssc_store_begin_read(first->call, ssc_roles_everyone);
    char after[24] = "";
    const char *v[3];
    fetch *f;

    if (job == NULL) { /* answered: no certificate, no database */
        watcher_free(first);
        return;
    }
    if (first->started || !first->from_now)
        snprintf(after, sizeof(after), "%" PRIu64, first->after);
    v[0] = first->request;
    v[1] = after;
    v[2] = READ_MAX_TEXT;
    ssc_db_job_add(job, "ssc_changes_watch", 3, v);
    f = ssc_xcalloc(1, sizeof(*f));
    f->hub = hub;
    f->job = job;
    ssc_link_init(&f->members);
    for (size_t i = 0; i < n; i++) {
        ws[i]->fetch = f;
        ws[i]->due = 0;
        ssc_link_insert(&f->members, &ws[i]->member);
    }
    hub->inflight++;
    ssc_db_submit(hub->db, job, fetched, f);
}

static int same_read(const watcher *a, const watcher *b)
{
    return a->after == b->after && a->started == b->started &&
           strcmp(a->ident, b->ident) == 0;
}

static int by_read(const void *x, const void *y)
{
    const watcher *a = *(watcher *const *)x, *b = *(watcher *const *)y;
    int c = strcmp(a->ident, b->ident);

    if (c != 0)
        return c;
    if (a->started != b->started)
        return a->started < b->started ? -1 : 1;
    return a->after < b->after ? -1 : a->after > b->after;
}

/* Ends the watchers that stopped reading while more than max_lag changes
 * committed; collects the ones due to read. A watcher counts as not
 * reading from the moment its buffer is found at the high-water mark until
 * on_drain: a watcher that reads, however far behind, is never ended. */
static size_t collect(ssc_changes_hub *hub, watcher **due, size_t cap)
{
    size_t n = 0;
    ssc_link *l = hub->watchers.next;

    while (l != &hub->watchers && n < cap) {
        watcher *w = container_of(l, watcher, link);

        l = l->next;
        if (w->fetch != NULL)
            continue;
        if (!stalled(w)) {
            w->stalled = 0;
        } else if (!w->stalled) {
            w->stalled = 1;
            w->stall_head = hub->head;
        } else if (hub->head > w->stall_head &&
                   hub->head - w->stall_head > hub->max_lag) {
            char why[200];

            snprintf(why, sizeof(why),
                     "the watcher stopped reading while more than %" PRIu32
                     " changes committed ([changes] max_lag; the newest is "
                     "%" PRIu64 ")",
                     hub->max_lag, hub->head);
            watcher_end(w, SSC_STATUS_RESOURCE_EXHAUSTED, why);
            continue;
        }
        if (w->stalled)
            continue;
        if (!w->started || w->due || w->after < hub->head)
            due[n++] = w;
    }
    return n;
}

static void wake(ssc_changes_hub *hub)
{
    if (hub->waking) { /* from a callback of this very wake */
        hub->again = 1;
        return;
    }
    hub->waking = 1;
    do {
        size_t cap = 0, n;
        watcher **due;

        hub->again = 0;
        if (!hub->db_up)
            break;
        for (ssc_link *l = hub->watchers.next; l != &hub->watchers; l = l->next)
            cap++;
        if (cap == 0)
            break;
        due = ssc_xcalloc(cap, sizeof(*due));
        n = collect(hub, due, cap);
        qsort(due, n, sizeof(*due), by_read);
        for (size_t i = 0; i < n && hub->inflight < READS_IN_FLIGHT_MAX;) {
            size_t j = i + 1;

            while (j < n && same_read(due[i], due[j]))
                j++;
            start_fetch(hub, due + i, j - i);
            i = j;
        }
        free(due);
    } while (hub->again);
    hub->waking = 0;
}

/* ---- the method ------------------------------------------------------- */

static void watch(ssc_call *call, const ProtobufCMessage *msg)
{
    const Ssc__V1__WatchChangesRequest *req =
        (const Ssc__V1__WatchChangesRequest *)msg;
    const ssc_loop *loop = ssc_server_loop_of(call);
    ssc_changes_hub *hub = ssc_backend_changes(loop);
    const ssc_peer *peer = ssc_call_peer(call);
    size_t len = 0, fl;
    char *json = ssc_store_watch_request(call, hub != NULL, msg, &len);
    watcher *w;

    if (json == NULL)
        return;
    w = ssc_xcalloc(1, sizeof(*w));
    fl = strlen(peer->fingerprint);
    w->ident = ssc_xmalloc(fl + 1 + len + 1);
    memcpy(w->ident, peer->fingerprint, fl);
    w->ident[fl] = '\n';
    memcpy(w->ident + fl + 1, json, len + 1);
    w->request = w->ident + fl + 1;
    free(json);
    w->hub = hub;
    w->call = call;
    w->after = (uint64_t)req->after_seq; /* SQL refuses a negative one */
    w->from_now = req->from_now;
    ssc_link_init(&w->member);
    ssc_call_ref(call);
    ssc_call_set_data(call, w);
    ssc_link_insert(&hub->watchers, &w->link);
    wake(hub);
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

    if (w != NULL) {
        w->stalled = 0; /* it reads */
        wake(w->hub);
    }
}

static const ssc_method methods[] = {
    {.path = PATH,
     .kind = SSC_SERVER_STREAMING,
     .input = &ssc__v1__watch_changes_request__descriptor,
     .on_message = watch,
     .on_cancel = watch_cancel,
     .on_drain = watch_drain},
};

int ssc_svc_changes_register(ssc_router *r)
{
    int rc = ssc_db_register(stmts, sizeof(stmts) / sizeof(stmts[0]));

    return rc != 0 ? rc
                   : ssc_router_add_all(r, methods,
                                        sizeof(methods) / sizeof(methods[0]));
}

/* ---- the hub ---------------------------------------------------------- */

ssc_changes_hub *ssc_changes_hub_new(ssc_db *db, uint32_t max_lag)
{
    ssc_changes_hub *hub = ssc_xcalloc(1, sizeof(*hub));

    hub->db = db;
    hub->max_lag = max_lag;
    hub->db_up = ssc_db_is_up(db);
    ssc_link_init(&hub->watchers);
    return hub;
}

static void end_all(ssc_changes_hub *hub, const char *why)
{
    while (!ssc_link_empty(&hub->watchers))
        watcher_end(container_of(hub->watchers.next, watcher, link),
                    SSC_STATUS_UNAVAILABLE, why);
}

void ssc_changes_hub_free(ssc_changes_hub *hub)
{
    if (hub == NULL)
        return;
    end_all(hub, "sscd is shutting down");
    free(hub);
}

void ssc_changes_hub_stopping(ssc_changes_hub *hub)
{
    if (hub != NULL)
        end_all(hub, "sscd is shutting down");
}

void ssc_changes_hub_notified(ssc_changes_hub *hub, const char *payload)
{
    if (payload == NULL) {
        /* Listening again: whatever came meanwhile went unheard. */
        for (ssc_link *l = hub->watchers.next; l != &hub->watchers; l = l->next)
            container_of(l, watcher, link)->due = 1;
    } else {
        char *end;
        unsigned long long seq = strtoull(payload, &end, 10);

        if (*end == '\0' && seq > hub->head)
            hub->head = seq;
    }
    wake(hub);
}

void ssc_changes_hub_db_state(ssc_changes_hub *hub, int up)
{
    hub->db_up = up;
    if (!up)
        return;
    for (ssc_link *l = hub->watchers.next; l != &hub->watchers; l = l->next)
        container_of(l, watcher, link)->due = 1;
    wake(hub);
}
