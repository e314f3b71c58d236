/*
 * store.c - one gRPC call's transaction: identity, deadline, the job's
 * lifetime against the call's, and idempotency hashes.
 *
 * A running job is tied to its call by a small "pending" record kept as the
 * call's data: the record holds a call reference until the job's callback
 * runs, or until on_cancel drops both the job and the reference (the db
 * layer then never runs the callback). Exactly one of the two happens, so
 * the reference is dropped exactly once.
 *
 * Entry points: ssc_store_register(), ssc_store_begin(),
 * ssc_store_begin_read(), ssc_store_watch_request(), ssc_store_run(),
 * ssc_store_on_cancel(), ssc_store_on_deadline(), ssc_store_json(),
 * ssc_store_answer_failure(), ssc_store_request_hash(),
 * ssc_store_available().
 */
#include "router.h" /* before call.h, which uses its ssc_method typedef */

#include "store.h"

#include "backend.h"
#include "err.h"
#include "hex.h"
#include "json_read.h"
#include "mem.h"
#include "pb_json.h"
#include "server.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The statement_timeout is not among these: every db job starts with it
 * (db.c), set from the job's deadline. */
static const ssc_db_stmt stmts[] = {
    {"ssc_begin_call", "SELECT * FROM ssc.begin_call($1, $2, $3::text[], $4)",
     4},
};

typedef struct pending {
    ssc_call *call;
    ssc_db_job *job;
    ssc_store_done done;
} pending;

int ssc_store_register(void)
{
    return ssc_db_register(stmts, sizeof(stmts) / sizeof(stmts[0]));
}

/* ---- starting and running a call's job -------------------------------- */

/* Writes roles as a PostgreSQL array literal: {admin,secretariat}. Role
 * names are plain lower-case words, so nothing needs quoting. Built with
 * memcpy: this runs on every call, and snprintf per role cost more than the
 * rest of ssc_store_begin(). Roles that do not fit are left out. */
static void roles_literal(const char *const *roles, char *out, size_t n)
{
    size_t len = 0;

    out[len++] = '{';
    for (size_t i = 0; roles[i] != NULL; i++) {
        size_t rl = strlen(roles[i]);

        if (len + rl + 3 > n)
            break;
        if (i > 0)
            out[len++] = ',';
        memcpy(out + len, roles[i], rl);
        len += rl;
    }
    out[len++] = '}';
    out[len] = '\0';
}

static ssc_db_job *begin(ssc_call *call, const char *const *roles,
                         int with_deadline)
{
    const ssc_peer *peer = ssc_call_peer(call);
    ssc_db *db = ssc_backend_db(ssc_server_loop_of(call));
    /* Now read afresh: uv_now() is the time the loop iteration began, which
     * can lag a busy loop by more than a short deadline. */
    uint64_t deadline = with_deadline ? ssc_call_deadline_ms(call) : 0;
    uint64_t now = ssc_db_now_ms();
    char roles_text[128];
    const char *begin[4];
    ssc_db_job *job;

    if (!peer->verified) {
        ssc_call_finish(call, SSC_STATUS_UNAUTHENTICATED,
                        "a client certificate is required");
        return NULL;
    }
    if (db == NULL) {
        ssc_call_finish(call, SSC_STATUS_UNAVAILABLE, "no database configured");
        return NULL;
    }
    if (deadline != 0 && now >= deadline) {
        ssc_call_finish(call, SSC_STATUS_DEADLINE_EXCEEDED,
                        "deadline exceeded");
        return NULL;
    }
    roles_literal(roles, roles_text, sizeof(roles_text));
    begin[0] = peer->fingerprint;
    begin[1] = peer->subject;
    begin[2] = roles_text;
    begin[3] = ssc_call_method(call)->path;
    job = ssc_db_job_new();
    /* What is left of the deadline when the job is sent bounds the whole
     * transaction in PostgreSQL; without one, the pool's default does. */
    ssc_db_job_deadline(job, deadline);
    ssc_db_job_add(job, "ssc_begin_call", 4, begin);
    return job;
}

ssc_db_job *ssc_store_begin(ssc_call *call, const char *const *roles)
{
    return begin(call, roles, 1);
}

ssc_db_job *ssc_store_begin_read(ssc_call *call, const char *const *roles)
{
    return begin(call, roles, 0);
}

char *ssc_store_watch_request(ssc_call *call, int have_hub,
                              const ProtobufCMessage *req, size_t *len)
{
    char *json = NULL, err[128];

    if (!ssc_call_peer(call)->verified) {
        ssc_call_finish(call, SSC_STATUS_UNAUTHENTICATED,
                        "a client certificate is required");
        return NULL;
    }
    if (!have_hub) {
        ssc_call_finish(call, SSC_STATUS_UNAVAILABLE, "no database configured");
        return NULL;
    }
    if (!ssc_server_serving(ssc_call_server(call))) {
        ssc_call_finish(call, SSC_STATUS_UNAVAILABLE, "sscd is shutting down");
        return NULL;
    }
    if (ssc_pb_json_encode(req, &json, len, err, sizeof(err)) != 0) {
        ssc_call_finish(call, SSC_STATUS_INVALID_ARGUMENT, "%s", err);
        return NULL;
    }
    return json;
}

/* Answers a failed transaction. PostgreSQL's DETAIL says which key or
 * constraint for its own errors (23505 and friends); our SCxxx messages are
 * complete on their own. A transaction out of time says so in our words:
 * PostgreSQL's "canceling statement due to statement timeout" does not tell
 * the caller that nothing was written. */
void ssc_store_answer_failure(ssc_call *call, const ssc_db_result *r)
{
    int ours = r->sqlstate[0] == 'S' && r->sqlstate[1] == 'C';

    if (r->status == SSC_STATUS_DEADLINE_EXCEEDED)
        ssc_call_finish(call, SSC_STATUS_DEADLINE_EXCEEDED,
                        "deadline exceeded; the transaction was rolled back "
                        "and nothing was written");
    else if (r->detail[0] != '\0' && !ours)
        ssc_call_finish(call, (ssc_status)r->status, "%s (%s)", r->message,
                        r->detail);
    else
        ssc_call_finish(call, (ssc_status)r->status, "%s", r->message);
}

/* Answers call with the outcome of its job. That is the truth even when the
 * deadline has passed meanwhile: a transaction that committed is answered
 * OK, never DEADLINE_EXCEEDED, which would tell the caller nothing was
 * written (see ssc_store_on_deadline()). */
static void answer(ssc_call *call, ssc_store_done done, const ssc_db_result *r)
{
    if (ssc_call_is_done(call))
        return; /* cancelled while the job ran: nobody to answer */
    if (!r->ok)
        ssc_store_answer_failure(call, r);
    else
        done(call, r);
}

static void on_result(void *arg, const ssc_db_result *r)
{
    pending *p = arg;
    ssc_call *call = p->call;

    if (ssc_call_data(call) == p)
        ssc_call_set_data(call, NULL);
    answer(call, p->done, r);
    free(p);
    ssc_call_unref(call);
}

void ssc_store_run(ssc_call *call, ssc_db_job *job, ssc_store_done done)
{
    pending *p = ssc_xmalloc(sizeof(*p));

    p->call = call;
    p->job = job;
    p->done = done;
    ssc_call_ref(call);
    ssc_call_set_data(call, p);
    ssc_db_submit(ssc_backend_db(ssc_server_loop_of(call)), job, on_result, p);
}

void ssc_store_on_cancel(ssc_call *call)
{
    pending *p = ssc_call_data(call);

    if (p == NULL)
        return;
    ssc_call_set_data(call, NULL);
    ssc_db_job_cancel(p->job);
    free(p);
    ssc_call_unref(call);
}

int ssc_store_on_deadline(ssc_call *call)
{
    pending *p = ssc_call_data(call);

    /* Sent: PostgreSQL may commit it. Its budget ends with the deadline, so
     * the outcome comes soon; answer() then tells which it was. */
    if (p != NULL && ssc_db_job_sent(p->job))
        return 1;
    /* Not sent (waiting for a connection or a retry) or nothing running:
     * ssc_store_on_cancel(), which the call layer runs next, drops the job
     * before it reaches the database, and DEADLINE_EXCEEDED is the truth. */
    return 0;
}

int ssc_store_available(const ssc_call *call)
{
    const ssc_db *db = ssc_backend_db(ssc_server_loop_of(call));

    return db != NULL && ssc_db_is_up(db);
}

json_t *ssc_store_json(const ssc_db_result *r)
{
    size_t len = 0;
    const char *text = ssc_db_answer(r, &len);

    return text != NULL ? ssc_json_read(text, len) : NULL;
}

/* ---- idempotency ------------------------------------------------------ */

/* A shallow copy of req with its idempotency_key (field 1 in every ssc
 * request that has one) set to "" and unknown fields dropped, packed into a
 * new buffer. protobuf-c leaves an empty proto3 string out of the encoding,
 * so the bytes are those of the request as if sent without a key. */
static uint8_t *pack_without_key(const ProtobufCMessage *req, size_t *len)
{
    const ProtobufCMessageDescriptor *desc = req->descriptor;
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field(desc, 1);
    ProtobufCMessage *copy = ssc_xmalloc(desc->sizeof_message);
    uint8_t *buf;

    memcpy(copy, req, desc->sizeof_message);
    copy->n_unknown_fields = 0;
    copy->unknown_fields = NULL;
    if (f != NULL && f->type == PROTOBUF_C_TYPE_STRING &&
        f->label != PROTOBUF_C_LABEL_REPEATED &&
        strcmp(f->name, "idempotency_key") == 0)
        *(const char **)((char *)copy + f->offset) = protobuf_c_empty_string;
    *len = protobuf_c_message_get_packed_size(copy);
    buf = ssc_xmalloc(*len);
    protobuf_c_message_pack(copy, buf);
    free(copy);
    return buf;
}

void ssc_store_request_hash(const ssc_call *call, const ProtobufCMessage *req,
                            char out[67])
{
    const char *path = ssc_call_method(call)->path;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    size_t len;
    uint8_t *packed = pack_without_key(req, &len);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();

    if (ctx == NULL || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) ||
        !EVP_DigestUpdate(ctx, path, strlen(path) + 1) ||
        !EVP_DigestUpdate(ctx, packed, len) ||
        !EVP_DigestFinal_ex(ctx, md, &mdlen) || mdlen != 32)
        abort(); /* only allocation can fail here: the memory policy */
    EVP_MD_CTX_free(ctx);
    free(packed);
    out[0] = '\\';
    out[1] = 'x';
    ssc_hex_encode(md, 32, out + 2);
}
