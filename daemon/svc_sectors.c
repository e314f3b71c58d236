/*
 * svc_sectors.c - ssc.v1.Sectors: the OECD-DAC purpose codes SSC works in.
 *
 * The codes are reference data seeded by a migration; every role lists them,
 * a page at a time in code order, optionally within one 3-digit category.
 *
 * Entry points: ssc_svc_sectors_register().
 */
#include "svc_sectors.h"

#include "router.h" /* before call.h, which uses its ssc_method typedef */

#include "json_pb.h"
#include "store.h"

#include "ssc/v1/sectors.pb-c.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const ssc_db_stmt stmts[] = {
    {"sector_list", "SELECT ssc.sector_list($1, $2, $3::int + 1), $3::int", 3},
};

static int is_category(const char *s)
{
    return strlen(s) == 3 && strspn(s, "0123456789") == 3;
}

static void reply_list(ssc_call *call, const ssc_db_result *r)
{
    ssc_json_pb_reply_page(call, r, &ssc__v1__list_sectors_response__descriptor,
                           "sectors", "code");
}

static void list(ssc_call *call, const ProtobufCMessage *msg)
{
    const Ssc__V1__ListSectorsRequest *req =
        (const Ssc__V1__ListSectorsRequest *)msg;
    char why[192], size[16];
    const char *v[3];
    char *after = NULL;
    int page_size;
    ssc_db_job *job;

    if (req->category[0] != '\0' && !is_category(req->category)) {
        ssc_call_finish(call, SSC_STATUS_INVALID_ARGUMENT,
                        "category: must be a 3-digit DAC category such as "
                        "231, not \"%.16s\"",
                        req->category);
        return;
    }
    if (ssc_json_pb_page_request(req->page, &page_size, &after, why,
                                 sizeof(why)) != 0) {
        ssc_call_finish(call, SSC_STATUS_INVALID_ARGUMENT, "%s", why);
        return;
    }
    job = ssc_store_begin(call, ssc_roles_readers);
    if (job != NULL) {
        snprintf(size, sizeof(size), "%d", page_size);
        v[0] = req->category;
        v[1] = after;
        v[2] = size;
        ssc_db_job_add(job, "sector_list", 3, v);
        ssc_store_run(call, job, reply_list);
    }
    free(after);
}

static const ssc_method methods[] = {
    {.path = "/ssc.v1.Sectors/List",
     .kind = SSC_UNARY,
     .input = &ssc__v1__list_sectors_request__descriptor,
     .on_message = list,
     .on_cancel = ssc_store_on_cancel,
     .on_deadline = ssc_store_on_deadline},
};

int ssc_svc_sectors_register(ssc_router *r)
{
    int rc = ssc_db_register(stmts, sizeof(stmts) / sizeof(stmts[0]));

    if (rc != 0)
        return rc;
    return ssc_router_add_all(r, methods, sizeof(methods) / sizeof(methods[0]));
}
