/*
 * declare.c - the one handler of every declared method (declare.h).
 *
 * Registration turns each declaration into a prepared statement (named by
 * the method's path) and a router entry whose arg is the declaration. Both
 * live in static tables: they are made once at start, before any loop runs,
 * and read-only afterwards, like the router and the statement registry they
 * feed.
 *
 * Entry points: ssc_decl_register().
 */
#include "declare.h"

#include "call.h"
#include "err.h"
#include "json_pb.h"
#include "log.h"
#include "page.h"
#include "pb_json.h"
#include "server.h"
#include "store.h"

#include "ssc/v1/common.pb-c.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Room for every declared method of sscd, with some to spare. */
#define DECL_MAX 192
#define SQL_MAX 160

static ssc_method methods[DECL_MAX];
static ssc_db_stmt stmts[DECL_MAX];
static char sql[DECL_MAX][SQL_MAX];
static size_t ndecl;

static const ssc_decl *declared(const ssc_call *call)
{
    return ssc_call_method(call)->arg;
}

/* ---- answers ------------------------------------------------------------ */

/* Sends msg (when rc is 0) and ends the call. Never OK without the message:
 * an answer too big to send is RESOURCE_EXHAUSTED, saying so. A row this
 * sscd cannot map is ours to fix, not the client's: logged, INTERNAL. */
static void answer(ssc_call *call, ProtobufCMessage *msg, int rc,
                   const char *err)
{
    if (rc == SSC_ETOOBIG) {
        ssc_call_finish(call, SSC_STATUS_RESOURCE_EXHAUSTED, "%s", err);
    } else if (rc != 0) {
        SSC_LOG_ERROR("could not map the database answer of %s: %s",
                      ssc_call_method(call)->path, err);
        ssc_call_finish(call, SSC_STATUS_INTERNAL,
                        "could not map the database answer");
    } else if (ssc_call_send(call, msg) == SSC_ETOOBIG) {
        ssc_call_finish(call, SSC_STATUS_RESOURCE_EXHAUSTED,
                        "the answer is %zu bytes, more than max_message_bytes "
                        "(%u) allows, and was not sent",
                        protobuf_c_message_get_packed_size(msg),
                        ssc_call_server(call)->cfg->max_message_bytes);
    } else {
        ssc_call_finish(call, SSC_STATUS_OK, NULL);
    }
    ssc_json_pb_free(msg);
}

static void reply_one(ssc_call *call, const ssc_db_result *r)
{
    size_t len = 0;
    const char *text = ssc_db_answer(r, &len);
    ProtobufCMessage *msg = NULL;
    char err[256];
    int rc = ssc_json_pb_decode_text(declared(call)->response, text, len, &msg,
                                     err, sizeof(err));

    answer(call, msg, rc, err);
}

/* The page size the list statement echoed in column 1. */
static size_t echoed_page_size(const ssc_db_result *r)
{
    const PGresult *res = r->nres > 0 ? r->res[r->nres - 1] : NULL;
    unsigned long v;
    char *end;

    if (res == NULL || PQntuples(res) < 1 || PQnfields(res) < 2 ||
        PQgetisnull(res, 0, 1))
        return 0;
    v = strtoul(PQgetvalue(res, 0, 1), &end, 10);
    return *end == '\0' ? (size_t)v : 0;
}

static void reply_page(ssc_call *call, const ssc_db_result *r)
{
    const ssc_decl *d = declared(call);
    size_t len = 0, page_size = echoed_page_size(r);
    const char *text = ssc_db_answer(r, &len);
    ProtobufCMessage *msg = NULL;
    char err[256] = "the statement did not echo a page size";
    int rc = SSC_EINVAL;

    if (page_size != 0)
        rc = ssc_json_pb_page_text(d->response, d->items, text, len, page_size,
                                   d->cursor, &msg, err, sizeof(err));
    if (rc == 0)
        rc = ssc_page_fit(msg, d->items, d->cursor,
                          ssc_call_server(call)->cfg->max_message_bytes, err,
                          sizeof(err));
    answer(call, msg, rc, err);
}

/* ---- requests ----------------------------------------------------------- */

static const ProtobufCFieldDescriptor *
field(const ProtobufCMessageDescriptor *d, const char *name)
{
    return protobuf_c_message_descriptor_get_field_by_name(d, name);
}

/* The cursor of a list is an id when its field is an integer. */
static int integer_cursor(const ssc_decl *d)
{
    const ProtobufCFieldDescriptor *items = field(d->response, d->items);
    const ProtobufCFieldDescriptor *c = field(items->descriptor, d->cursor);

    return c->type != PROTOBUF_C_TYPE_STRING;
}

static int read_page(const ssc_decl *d, const ProtobufCMessage *req, int *size,
                     char **cursor, char *why, size_t n)
{
    const ProtobufCFieldDescriptor *f = field(d->request, "page");
    const Ssc__V1__PageRequest *page =
        *(const Ssc__V1__PageRequest *const *)((const char *)req + f->offset);

    return ssc_page_request(page, integer_cursor(d), size, cursor, why, n);
}

static void on_request(ssc_call *call, const ProtobufCMessage *req)
{
    const ssc_decl *d = declared(call);
    char err[256], hash[67], size[16];
    char *json = NULL, *cursor = NULL;
    const char *v[3];
    size_t len = 0;
    int page_size = 0, nparams = 1;
    ssc_db_job *job;

    if (ssc_pb_json_encode(req, &json, &len, err, sizeof(err)) != 0 ||
        (d->kind == SSC_DECL_LIST &&
         read_page(d, req, &page_size, &cursor, err, sizeof(err)) != 0)) {
        ssc_call_finish(call, SSC_STATUS_INVALID_ARGUMENT, "%s", err);
        goto out;
    }
    job = ssc_store_begin(call, d->roles);
    if (job == NULL)
        goto out;
    v[0] = json;
    if (d->kind == SSC_DECL_MUTATE) {
        ssc_store_request_hash(call, req, hash);
        v[nparams++] = hash;
    } else if (d->kind == SSC_DECL_LIST) {
        snprintf(size, sizeof(size), "%d", page_size);
        v[nparams++] = cursor;
        v[nparams++] = size;
    }
    ssc_db_job_add(job, d->path, nparams, v);
    ssc_store_run(call, job, d->kind == SSC_DECL_LIST ? reply_page : reply_one);
out:
    free(json);
    free(cursor);
}

/* ---- registration ------------------------------------------------------- */

/* Non-zero when a list declaration holds together. */
static int list_ok(const ssc_decl *d)
{
    const ProtobufCFieldDescriptor *items = field(d->response, d->items);
    const ProtobufCFieldDescriptor *page = field(d->request, "page");
    const ProtobufCFieldDescriptor *c;

    if (items == NULL || items->label != PROTOBUF_C_LABEL_REPEATED ||
        items->type != PROTOBUF_C_TYPE_MESSAGE || page == NULL ||
        page->descriptor != &ssc__v1__page_request__descriptor ||
        field(d->response, "next_page_token") == NULL || d->cursor == NULL)
        return 0;
    c = field(items->descriptor, d->cursor);
    return c != NULL && c->label != PROTOBUF_C_LABEL_REPEATED &&
           (c->type == PROTOBUF_C_TYPE_STRING ||
            c->type == PROTOBUF_C_TYPE_INT64 ||
            c->type == PROTOBUF_C_TYPE_INT32);
}

/* Writes the statement that carries d out (declare.h). */
static int statement(const ssc_decl *d, ssc_db_stmt *s, char *text)
{
    int n;

    switch (d->kind) {
    case SSC_DECL_READ:
        n = snprintf(text, SQL_MAX, "SELECT %s($1::jsonb)", d->function);
        s->nparams = 1;
        break;
    case SSC_DECL_MUTATE:
        n = snprintf(text, SQL_MAX, "SELECT %s($1::jsonb, $2::bytea)",
                     d->function);
        s->nparams = 2;
        break;
    default:
        n = snprintf(text, SQL_MAX,
                     "SELECT %s($1::jsonb, $2, $3::int + 1), $3::int",
                     d->function);
        s->nparams = 3;
        break;
    }
    if (n < 0 || n >= SQL_MAX)
        return SSC_EINVAL;
    s->name = d->path;
    s->sql = text;
    return 0;
}

static int register_one(ssc_router *r, const ssc_decl *d)
{
    ssc_method *m = &methods[ndecl];
    int rc;

    if (ndecl == DECL_MAX || d->roles == NULL || d->request == NULL ||
        d->response == NULL || d->function == NULL ||
        (d->kind == SSC_DECL_LIST && !list_ok(d)))
        return SSC_EINVAL;
    rc = statement(d, &stmts[ndecl], sql[ndecl]);
    if (rc != 0)
        return rc;
    /* Taken for good even when a step below fails: start fails then. */
    rc = ssc_db_register(&stmts[ndecl++], 1);
    if (rc != 0)
        return rc;
    m->path = d->path;
    m->kind = SSC_UNARY;
    m->input = d->request;
    m->on_message = on_request;
    m->on_cancel = ssc_store_on_cancel;
    m->on_deadline = ssc_store_on_deadline;
    m->arg = d;
    return ssc_router_add(r, m);
}

int ssc_decl_register(ssc_router *r, const ssc_decl *decls, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int rc = register_one(r, &decls[i]);

        if (rc != 0) {
            SSC_LOG_ERROR("could not declare %s", decls[i].path);
            return rc;
        }
    }
    return 0;
}
