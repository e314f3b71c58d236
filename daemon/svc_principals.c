/*
 * svc_principals.c - ssc.v1.Principals: which client certificate is who.
 *
 * A principal ties a certificate (by its subject, or by the SHA-256
 * fingerprint of its DER) to a role and, for ministries and the reconciler,
 * an organisation. Only admin manages principals. A principal is never
 * deleted, only disabled, so the audit trail keeps naming who did what.
 *
 * Entry points: ssc_svc_principals_register().
 */
#include "svc_principals.h"

#include "router.h" /* before call.h, which uses its ssc_method typedef */

#include "json_pb.h"
#include "store.h"
#include "valid.h"

#include "ssc/v1/principals.pb-c.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_CHARS 200
/* The bound on a registered subject, which the database holds too
 * (sql/0013_subject_bytes.sql says why 2048). A peer's subject is read whole
 * whatever its length; a longer one can match no principal. */
#define SUBJECT_MAX_BYTES 2048

static const ssc_db_stmt stmts[] = {
    {"principal_add",
     "SELECT ssc.principal_add($1, $2::bytea, $3, $4, $5::bigint, $6, $7)", 7},
    {"principal_list",
     "SELECT ssc.principal_list($1::bigint, $2::bigint, $3::int + 1), $3::int",
     3},
    {"principal_disable",
     "SELECT ssc.principal_disable($1, $2::bytea, $3::bigint)", 3},
};

/* ---- input rules ------------------------------------------------------ */

static int is_fingerprint(const char *s)
{
    return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

/* Roles that act for one organisation and so must name it. */
static int needs_organisation(Ssc__V1__Role role)
{
    return role == SSC__V1__ROLE__ROLE_MINISTRY ||
           role == SSC__V1__ROLE__ROLE_RECONCILER;
}

static int check_name(const char *s, char *why, size_t n)
{
    return ssc_valid_text("name", s, NAME_MAX_CHARS, 1, why, n);
}

static int check_identity(const Ssc__V1__AddPrincipalRequest *req, char *why,
                          size_t n)
{
    int has_subject = req->subject[0] != '\0';
    int has_fingerprint = req->fingerprint[0] != '\0';

    if (has_subject == has_fingerprint)
        return ssc_valid_reject(
            why, n, "subject, fingerprint: exactly one must be set");
    if (has_fingerprint && !is_fingerprint(req->fingerprint))
        return ssc_valid_reject(
            why, n,
            "fingerprint: must be the SHA-256 of the certificate "
            "as 64 lower-case hex digits");
    if (strlen(req->subject) > SUBJECT_MAX_BYTES)
        return ssc_valid_reject(why, n, "subject: must be at most %d bytes",
                                SUBJECT_MAX_BYTES);
    return 0;
}

static int check_add(const Ssc__V1__AddPrincipalRequest *req, char *why,
                     size_t n)
{
    if (ssc_valid_idempotency_key(req->idempotency_key, why, n) != 0)
        return -1;
    if (check_identity(req, why, n) != 0)
        return -1;
    if (req->role == 0)
        return ssc_valid_reject(why, n, "role: must be set");
    if (protobuf_c_enum_descriptor_get_value(&ssc__v1__role__descriptor,
                                             (int)req->role) == NULL)
        return ssc_valid_reject(why, n, "role: unknown value %d",
                                (int)req->role);
    if (req->organisation_id < 0)
        return ssc_valid_reject(why, n,
                                "organisation_id: must not be negative");
    if (req->organisation_id == 0 && needs_organisation(req->role))
        return ssc_valid_reject(
            why, n, "organisation_id: must be set for role %s",
            req->role == SSC__V1__ROLE__ROLE_MINISTRY ? "ministry"
                                                      : "reconciler");
    return check_name(req->name, why, n);
}

/* ---- methods ---------------------------------------------------------- */

static void reply_principal(ssc_call *call, const ssc_db_result *r)
{
    ssc_json_pb_reply(call, r, &ssc__v1__principal__descriptor);
}

static void reply_list(ssc_call *call, const ssc_db_result *r)
{
    ssc_json_pb_reply_page(call, r,
                           &ssc__v1__list_principals_response__descriptor,
                           "principals", "id");
}

static void add(ssc_call *call, const ProtobufCMessage *msg)
{
    const Ssc__V1__AddPrincipalRequest *req =
        (const Ssc__V1__AddPrincipalRequest *)msg;
    char why[192], hash[67], org[24], role[32];
    const char *v[7];
    ssc_db_job *job;

    if (check_add(req, why, sizeof(why)) != 0) {
        ssc_call_finish(call, SSC_STATUS_INVALID_ARGUMENT, "%s", why);
        return;
    }
    job = ssc_store_begin(call, ssc_roles_admin);
    if (job == NULL)
        return;
    ssc_store_request_hash(call, msg, hash);
    v[0] = req->idempotency_key;
    v[1] = hash;
    v[2] = req->subject;
    v[3] = req->fingerprint;
    v[4] = ssc_valid_int64_param(req->organisation_id, org);
    v[5] = ssc_json_pb_enum_name(&ssc__v1__role__descriptor, (int)req->role,
                                 role, sizeof(role));
    v[6] = req->name;
    ssc_db_job_add(job, "principal_add", 7, v);
    ssc_store_run(call, job, reply_principal);
}

static void list(ssc_call *call, const ProtobufCMessage *msg)
{
    const Ssc__V1__ListPrincipalsRequest *req =
        (const Ssc__V1__ListPrincipalsRequest *)msg;
    char why[192], org[24], size[16];
    const char *v[3];
    char *after = NULL;
    int page_size;
    ssc_db_job *job;

    if (req->organisation_id < 0) {
        ssc_call_finish(call, SSC_STATUS_INVALID_ARGUMENT,
                        "organisation_id: must not be negative");
        return;
    }
    if (ssc_json_pb_page_request(req->page, &page_size, &after, why,
                                 sizeof(why)) != 0) {
        ssc_call_finish(call, SSC_STATUS_INVALID_ARGUMENT, "%s", why);
        return;
    }
    job = ssc_store_begin(call, ssc_roles_admin);
    if (job != NULL) {
        snprintf(size, sizeof(size), "%d", page_size);
        v[0] = ssc_valid_int64_param(req->organisation_id, org);
        v[1] = after[0] != '\0' ? after : "0";
        v[2] = size;
        ssc_db_job_add(job, "principal_list", 3, v);
        ssc_store_run(call, job, reply_list);
    }
    free(after);
}

static void disable(ssc_call *call, const ProtobufCMessage *msg)
{
    const Ssc__V1__DisablePrincipalRequest *req =
        (const Ssc__V1__DisablePrincipalRequest *)msg;
    char hash[67], id[24], why[96];
    const char *v[3];
    ssc_db_job *job;

    if (ssc_valid_idempotency_key(req->idempotency_key, why, sizeof(why))) {
        ssc_call_finish(call, SSC_STATUS_INVALID_ARGUMENT, "%s", why);
        return;
    }
    if (req->id <= 0) {
        ssc_call_finish(call, SSC_STATUS_INVALID_ARGUMENT, "id: must be set");
        return;
    }
    job = ssc_store_begin(call, ssc_roles_admin);
    if (job == NULL)
        return;
    ssc_store_request_hash(call, msg, hash);
    v[0] = req->idempotency_key;
    v[1] = hash;
    v[2] = ssc_valid_int64_param(req->id, id);
    ssc_db_job_add(job, "principal_disable", 3, v);
    ssc_store_run(call, job, reply_principal);
}

static const ssc_method methods[] = {
    {.path = "/ssc.v1.Principals/Add",
     .kind = SSC_UNARY,
     .input = &ssc__v1__add_principal_request__descriptor,
     .on_message = add,
     .on_cancel = ssc_store_on_cancel,
     .on_deadline = ssc_store_on_deadline},
    {.path = "/ssc.v1.Principals/List",
     .kind = SSC_UNARY,
     .input = &ssc__v1__list_principals_request__descriptor,
     .on_message = list,
     .on_cancel = ssc_store_on_cancel,
     .on_deadline = ssc_store_on_deadline},
    {.path = "/ssc.v1.Principals/Disable",
     .kind = SSC_UNARY,
     .input = &ssc__v1__disable_principal_request__descriptor,
     .on_message = disable,
     .on_cancel = ssc_store_on_cancel,
     .on_deadline = ssc_store_on_deadline},
};

int ssc_svc_principals_register(ssc_router *r)
{
    int rc = ssc_db_register(stmts, sizeof(stmts) / sizeof(stmts[0]));

    if (rc != 0)
        return rc;
    return ssc_router_add_all(r, methods, sizeof(methods) / sizeof(methods[0]));
}
