/*
 * svc_organisations.c - ssc.v1.Organisations: the authorities, embassies,
 * the secretariat and regions that everything else refers to.
 *
 * Admin and the secretariat create and update any organisation; a ministry
 * updates its own (row-level security decides which that is); every role
 * reads all of them. Each method checks its input here, then runs one
 * transaction whose SQL function checks it again (sql/API.md).
 *
 * Entry points: ssc_svc_organisations_register().
 */
#include "svc_organisations.h"

#include "router.h" /* before call.h, which uses its ssc_method typedef */

#include "json_pb.h"
#include "store.h"
#include "valid.h"

#include "ssc/v1/organisations.pb-c.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_CHARS 200
#define SHORT_NAME_MAX_CHARS 32

static const ssc_db_stmt stmts[] = {
    {"org_create",
     "SELECT ssc.org_create($1, $2::bytea, $3, $4, $5, $6, $7::bigint)", 7},
    {"org_update",
     "SELECT ssc.org_update($1, $2::bytea, $3::bigint, $4::bigint, "
     "$5::text[], $6, $7, $8, $9::bigint)",
     9},
    {"org_get", "SELECT ssc.org_get($1::bigint)", 1},
    {"org_list",
     "SELECT ssc.org_list($1, $2, $3::bigint, $4::int + 1), $4::int", 4},
};

static const char *const update_roles[] = {"admin", "secretariat", "ministry",
                                           NULL};

/* The fields Update may change, in the order the mask is passed on. */
static const char *const mask_fields[] = {"name", "short_name", "country",
                                          "parent_id"};

/* ---- input rules ------------------------------------------------------ */

static int check_name(const char *s, char *why, size_t n)
{
    return ssc_valid_text("name", s, NAME_MAX_CHARS, 0, why, n);
}

static int check_short_name(const char *s, char *why, size_t n)
{
    return ssc_valid_text("short_name", s, SHORT_NAME_MAX_CHARS, 1, why, n);
}

static int is_country(const char *s)
{
    return s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' &&
           s[2] == '\0';
}

static int check_country(const char *s, char *why, size_t n)
{
    if (!is_country(s))
        return ssc_valid_reject(
            why, n,
            "country: must be an ISO 3166-1 alpha-2 code such as "
            "DK, not \"%.16s\"",
            s);
    return 0;
}

static int check_create(const Ssc__V1__CreateOrganisationRequest *req,
                        char *why, size_t n)
{
    if (ssc_valid_idempotency_key(req->idempotency_key, why, n) != 0 ||
        check_name(req->name, why, n) != 0 ||
        check_short_name(req->short_name, why, n) != 0 ||
        check_country(req->country, why, n) != 0)
        return -1;
    if (req->kind == 0)
        return ssc_valid_reject(why, n, "kind: must be set");
    if (protobuf_c_enum_descriptor_get_value(
            &ssc__v1__organisation_kind__descriptor, (int)req->kind) == NULL)
        return ssc_valid_reject(why, n, "kind: unknown value %d",
                                (int)req->kind);
    if (req->parent_id < 0)
        return ssc_valid_reject(why, n, "parent_id: must not be negative");
    return 0;
}

static int in_mask(const Ssc__V1__UpdateOrganisationRequest *req,
                   const char *field)
{
    for (size_t i = 0; i < req->n_update_mask; i++)
        if (strcmp(req->update_mask[i], field) == 0)
            return 1;
    return 0;
}

static int check_mask(const Ssc__V1__UpdateOrganisationRequest *req, char *why,
                      size_t n)
{
    size_t nfields = sizeof(mask_fields) / sizeof(mask_fields[0]);

    if (req->n_update_mask == 0)
        return ssc_valid_reject(why, n, "update_mask: must not be empty");
    for (size_t i = 0; i < req->n_update_mask; i++) {
        size_t f = 0;

        while (f < nfields && strcmp(req->update_mask[i], mask_fields[f]) != 0)
            f++;
        if (f == nfields)
            return ssc_valid_reject(
                why, n,
                "update_mask: unknown field \"%.32s\" (fields: "
                "name, short_name, country, parent_id)",
                req->update_mask[i]);
    }
    return 0;
}

static int check_update(const Ssc__V1__UpdateOrganisationRequest *req,
                        char *why, size_t n)
{
    if (ssc_valid_idempotency_key(req->idempotency_key, why, n) != 0)
        return -1;
    if (req->id <= 0)
        return ssc_valid_reject(why, n, "id: must be set");
    if (req->expected_version < 0)
        return ssc_valid_reject(why, n,
                                "expected_version: must not be negative");
    if (check_mask(req, why, n) != 0)
        return -1;
    if (in_mask(req, "name") && check_name(req->name, why, n) != 0)
        return -1;
    if (in_mask(req, "short_name") &&
        check_short_name(req->short_name, why, n) != 0)
        return -1;
    if (in_mask(req, "country") && check_country(req->country, why, n) != 0)
        return -1;
    if (in_mask(req, "parent_id") && req->parent_id < 0)
        return ssc_valid_reject(why, n, "parent_id: must not be negative");
    if (in_mask(req, "parent_id") && req->parent_id == req->id)
        return ssc_valid_reject(
            why, n, "parent_id: may not be the organisation itself");
    return 0;
}

/* ---- parameters ------------------------------------------------------- */

/* The mask as a text[] literal, fields in a fixed order and each once. Every
 * entry was checked against mask_fields, so nothing needs quoting. */
static void mask_literal(const Ssc__V1__UpdateOrganisationRequest *req,
                         char *out, size_t n)
{
    size_t len = 0;

    out[len++] = '{';
    for (size_t f = 0; f < sizeof(mask_fields) / sizeof(mask_fields[0]); f++)
        if (in_mask(req, mask_fields[f]) && len + 16 < n)
            len += (size_t)snprintf(out + len, n - len, "%s%s",
                                    len > 1 ? "," : "", mask_fields[f]);
    snprintf(out + len, n - len, "}");
}

/* ---- methods ---------------------------------------------------------- */

static void reply_organisation(ssc_call *call, const ssc_db_result *r)
{
    ssc_json_pb_reply(call, r, &ssc__v1__organisation__descriptor);
}

static void reply_list(ssc_call *call, const ssc_db_result *r)
{
    ssc_json_pb_reply_page(call, r,
                           &ssc__v1__list_organisations_response__descriptor,
                           "organisations", "id");
}

static void create(ssc_call *call, const ProtobufCMessage *msg)
{
    const Ssc__V1__CreateOrganisationRequest *req =
        (const Ssc__V1__CreateOrganisationRequest *)msg;
    char why[192], hash[67], kind[32], parent[24];
    const char *v[7];
    ssc_db_job *job;

    if (check_create(req, why, sizeof(why)) != 0) {
        ssc_call_finish(call, SSC_STATUS_INVALID_ARGUMENT, "%s", why);
        return;
    }
    job = ssc_store_begin(call, ssc_roles_staff);
    if (job == NULL)
        return;
    ssc_store_request_hash(call, msg, hash);
    v[0] = req->idempotency_key;
    v[1] = hash;
    v[2] = req->name;
    v[3] = req->short_name;
    v[4] = ssc_json_pb_enum_name(&ssc__v1__organisation_kind__descriptor,
                                 (int)req->kind, kind, sizeof(kind));
    v[5] = req->country;
    v[6] = ssc_valid_int64_param(req->parent_id, parent);
    ssc_db_job_add(job, "org_create", 7, v);
    ssc_store_run(call, job, reply_organisation);
}

static void update(ssc_call *call, const ProtobufCMessage *msg)
{
    const Ssc__V1__UpdateOrganisationRequest *req =
        (const Ssc__V1__UpdateOrganisationRequest *)msg;
    char why[192], hash[67], id[24], version[24], mask[64], parent[24];
    const char *v[9];
    ssc_db_job *job;

    if (check_update(req, why, sizeof(why)) != 0) {
        ssc_call_finish(call, SSC_STATUS_INVALID_ARGUMENT, "%s", why);
        return;
    }
    job = ssc_store_begin(call, update_roles);
    if (job == NULL)
        return;
    ssc_store_request_hash(call, msg, hash);
    mask_literal(req, mask, sizeof(mask));
    v[0] = req->idempotency_key;
    v[1] = hash;
    v[2] = ssc_valid_int64_param(req->id, id);
    v[3] = ssc_valid_int64_param(req->expected_version, version);
    v[4] = mask;
    v[5] = req->name;
    v[6] = req->short_name;
    v[7] = req->country;
    v[8] = ssc_valid_int64_param(req->parent_id, parent);
    ssc_db_job_add(job, "org_update", 9, v);
    ssc_store_run(call, job, reply_organisation);
}

static void get(ssc_call *call, const ProtobufCMessage *msg)
{
    const Ssc__V1__GetOrganisationRequest *req =
        (const Ssc__V1__GetOrganisationRequest *)msg;
    char id[24];
    const char *v[1];
    ssc_db_job *job;

    if (req->id <= 0) {
        ssc_call_finish(call, SSC_STATUS_INVALID_ARGUMENT, "id: must be set");
        return;
    }
    job = ssc_store_begin(call, ssc_roles_readers);
    if (job == NULL)
        return;
    v[0] = ssc_valid_int64_param(req->id, id);
    ssc_db_job_add(job, "org_get", 1, v);
    ssc_store_run(call, job, reply_organisation);
}

static int check_list(const Ssc__V1__ListOrganisationsRequest *req, char *why,
                      size_t n)
{
    if (req->kind != 0 &&
        protobuf_c_enum_descriptor_get_value(
            &ssc__v1__organisation_kind__descriptor, (int)req->kind) == NULL)
        return ssc_valid_reject(why, n, "kind: unknown value %d",
                                (int)req->kind);
    if (req->country[0] != '\0' && check_country(req->country, why, n) != 0)
        return -1;
    return 0;
}

static void list(ssc_call *call, const ProtobufCMessage *msg)
{
    const Ssc__V1__ListOrganisationsRequest *req =
        (const Ssc__V1__ListOrganisationsRequest *)msg;
    char why[192], kind[32], size[16];
    char *after = NULL;
    const char *kind_name, *v[4];
    int page_size;
    ssc_db_job *job;

    if (check_list(req, why, sizeof(why)) != 0 ||
        ssc_json_pb_page_request(req->page, &page_size, &after, why,
                                 sizeof(why)) != 0) {
        ssc_call_finish(call, SSC_STATUS_INVALID_ARGUMENT, "%s", why);
        return;
    }
    job = ssc_store_begin(call, ssc_roles_readers);
    if (job != NULL) {
        kind_name =
            ssc_json_pb_enum_name(&ssc__v1__organisation_kind__descriptor,
                                  (int)req->kind, kind, sizeof(kind));
        snprintf(size, sizeof(size), "%d", page_size);
        v[0] = kind_name != NULL ? kind_name : "";
        v[1] = req->country;
        v[2] = after[0] != '\0' ? after : "0";
        v[3] = size;
        ssc_db_job_add(job, "org_list", 4, v);
        ssc_store_run(call, job, reply_list);
    }
    free(after);
}

static const ssc_method methods[] = {
    {.path = "/ssc.v1.Organisations/Create",
     .kind = SSC_UNARY,
     .input = &ssc__v1__create_organisation_request__descriptor,
     .on_message = create,
     .on_cancel = ssc_store_on_cancel,
     .on_deadline = ssc_store_on_deadline},
    {.path = "/ssc.v1.Organisations/Get",
     .kind = SSC_UNARY,
     .input = &ssc__v1__get_organisation_request__descriptor,
     .on_message = get,
     .on_cancel = ssc_store_on_cancel,
     .on_deadline = ssc_store_on_deadline},
    {.path = "/ssc.v1.Organisations/List",
     .kind = SSC_UNARY,
     .input = &ssc__v1__list_organisations_request__descriptor,
     .on_message = list,
     .on_cancel = ssc_store_on_cancel,
     .on_deadline = ssc_store_on_deadline},
    {.path = "/ssc.v1.Organisations/Update",
     .kind = SSC_UNARY,
     .input = &ssc__v1__update_organisation_request__descriptor,
     .on_message = update,
     .on_cancel = ssc_store_on_cancel,
     .on_deadline = ssc_store_on_deadline},
};

int ssc_svc_organisations_register(ssc_router *r)
{
    int rc = ssc_db_register(stmts, sizeof(stmts) / sizeof(stmts[0]));

    if (rc != 0)
        return rc;
    return ssc_router_add_all(r, methods, sizeof(methods) / sizeof(methods[0]));
}
