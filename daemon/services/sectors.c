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

static const ssc_decl methods[] = {
    {"/ssc.v1.Sectors/List", "ssc.sector_list", ssc_roles_readers,
     &ssc__v1__list_sectors_request__descriptor,
     &ssc__v1__list_sectors_response__descriptor, SSC_DECL_LIST, "sectors",
     "code"},
};

int ssc_svc_sectors_register(ssc_router *r)
{
    return ssc_decl_register(r, methods, sizeof(methods) / sizeof(methods[0]));
}
