/*
 * sectors.c - ssc.v1.Sectors: the OECD-DAC purpose codes collaborations are
 * filed under, seeded by the migrations. Every role reads them.
 *
 * Entry points: ssc_svc_sectors_register().
 */
#include "sectors.h"

#include "declare.h"
#include "roles.h"

#include "ssc/v1/sectors.pb-c.h"

#define V1(stem) ssc__v1__##stem

static const ssc_decl methods[] = {
    SSC_DECL_PAGED("/ssc.v1.Sectors/List", "ssc.sector_list",
                   ssc_roles_everyone, V1(list_sectors_request),
                   V1(list_sectors_response), "sectors", "code"),
};

int ssc_svc_sectors_register(ssc_router *r)
{
    return ssc_decl_register(r, methods, sizeof(methods) / sizeof(methods[0]));
}
