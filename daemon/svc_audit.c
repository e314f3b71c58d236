/*
 * svc_audit.c - ssc.v1.Audit: reading and verifying the hash-chained trail.
 *
 * Every role may list entries; row-level security shows a ministry or the
 * reconciler only its own organisation's. Verify recomputes the whole chain
 * in the database and says where it first breaks; admin, the auditor and
 * the secretariat may run it.
 *
 * Entry points: ssc_svc_audit_register().
 */
#include "svc_audit.h"

#include "router.h" /* before call.h, which uses its ssc_method typedef */

#include "err.h"
#include "json_pb.h"
#include "store.h"

#include "ssc/v1/audit.pb-c.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ENTITY_MAX_BYTES 64

static const ssc_db_stmt stmts[] = {
    {"audit_list",
     "SELECT ssc.audit_list($1::bigint, $2, $3::int + 1), $3::int", 3},
    {"audit_verify", "SELECT ssc.audit_verify()", 0},
};

static const char *const verify_roles[] = {"admin", "auditor", "secretariat",
                                           NULL};

/* Entity names are lower-case words: "organisation", "principal". */
static int is_entity(const char *s)
{
    size_t n = strlen(s);

    return n > 0 && n <= ENTITY_MAX_BYTES &&
           strspn(s, "abcdefghijklmnopqrstuvwxyz_") == n;
}

static void reply_list(ssc_call *call, const ssc_db_result *r)
{
    ssc_json_pb_reply_page(call, r, &ssc__v1__list_audit_response__descriptor,
                           "entries", "seq");
}

static void list(ssc_call *call, const ProtobufCMessage *msg)
{
    const Ssc__V1__ListAuditRequest *req =
        (const Ssc__V1__ListAuditRequest *)msg;
    char why[192], after_seq[24], size[16];
    const char *v[3];
    char *after = NULL;
    int page_size;
    ssc_db_job *job;

    if (req->after_seq < 0) {
        ssc_call_finish(call, SSC_STATUS_INVALID_ARGUMENT,
                        "after_seq: must not be negative");
        return;
    }
    if (req->entity[0] != '\0' && !is_entity(req->entity)) {
        ssc_call_finish(call, SSC_STATUS_INVALID_ARGUMENT,
                        "entity: must be an entity name such as "
                        "organisation, not \"%.16s\"",
                        req->entity);
        return;
    }
    if (ssc_json_pb_page_request(req->page, &page_size, &after, why,
                                 sizeof(why)) != 0) {
        ssc_call_finish(call, SSC_STATUS_INVALID_ARGUMENT, "%s", why);
        return;
    }
    job = ssc_store_begin(call, ssc_roles_readers);
    if (job != NULL) {
        /* The token resumes after the last entry seen, never before the
         * after_seq the request asks for. */
        int64_t seq = after[0] ? strtoll(after, NULL, 10) : 0;

        snprintf(after_seq, sizeof(after_seq), "%" PRId64,
                 seq > req->after_seq ? seq : req->after_seq);
        snprintf(size, sizeof(size), "%d", page_size);
        v[0] = after_seq;
        v[1] = req->entity;
        v[2] = size;
        ssc_db_job_add(job, "audit_list", 3, v);
        ssc_store_run(call, job, reply_list);
    }
    free(after);
}

/* audit_verify() says "checked" where the response says entries_checked. */
static void reply_verify(ssc_call *call, const ssc_db_result *r)
{
    json_t *json = ssc_store_json(r);
    ProtobufCMessage *msg = NULL;
    char err[256] = "the answer is not a JSON object";
    int rc = SSC_EINVAL;

    if (json_is_object(json)) {
        json_object_set(json, "entries_checked",
                        json_object_get(json, "checked"));
        rc = ssc_json_pb_decode(&ssc__v1__verify_audit_response__descriptor,
                                json, &msg, err, sizeof(err));
    }
    ssc_json_pb_answer(call, msg, rc, err);
    json_decref(json);
}

static void verify(ssc_call *call, const ProtobufCMessage *msg)
{
    ssc_db_job *job = ssc_store_begin(call, verify_roles);

    if (job == NULL)
        return;
    ssc_db_job_add(job, "audit_verify", 0, NULL);
    ssc_store_run(call, job, reply_verify);
}

static const ssc_method methods[] = {
    {.path = "/ssc.v1.Audit/List",
     .kind = SSC_UNARY,
     .input = &ssc__v1__list_audit_request__descriptor,
     .on_message = list,
     .on_cancel = ssc_store_on_cancel,
     .on_deadline = ssc_store_on_deadline},
    {.path = "/ssc.v1.Audit/Verify",
     .kind = SSC_UNARY,
     .input = &ssc__v1__verify_audit_request__descriptor,
     .on_message = verify,
     .on_cancel = ssc_store_on_cancel,
     .on_deadline = ssc_store_on_deadline},
};

int ssc_svc_audit_register(ssc_router *r)
{
    int rc = ssc_db_register(stmts, sizeof(stmts) / sizeof(stmts[0]));

    if (rc != 0)
        return rc;
    return ssc_router_add_all(r, methods, sizeof(methods) / sizeof(methods[0]));
}
