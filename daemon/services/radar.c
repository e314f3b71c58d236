/*
 * radar.c - ssc.v1.Radar: the deadline radar, the dates of the record that
 * fall due within a horizon, each in its lead-time band (sql/0025).
 *
 * Events are read from the record's tables as the caller, so each role
 * sees the deadlines of the rows row-level security lets it read; the
 * bands' lead values are [radar] lead_days, which every connection carries
 * as the setting ssc.radar_lead_days (backend.c). The page cursor is the
 * event's composite key, "date.kind.entity_id". Watch, a stream, has its
 * own handler (radar_watch.c).
 *
 * Entry points: ssc_svc_radar_register().
 */
#include "radar.h"

#include "declare.h"
#include "radar_watch.h"
#include "roles.h"

#include "ssc/v1/radar.pb-c.h"

#define SVC "/ssc.v1.Radar/"
#define V1(stem) ssc__v1__##stem

static const ssc_decl methods[] = {
    SSC_DECL_PAGED(SVC "List", "ssc.radar_list", ssc_roles_domain_readers,
                   V1(list_radar_request), V1(list_radar_response), "events",
                   "cursor"),
};

int ssc_svc_radar_register(ssc_router *r)
{
    int rc =
        ssc_decl_register(r, methods, sizeof(methods) / sizeof(methods[0]));

    return rc != 0 ? rc : ssc_svc_radar_watch_register(r);
}
