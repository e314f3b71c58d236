/*
 * health.h - grpc.health.v1.Health: Check and Watch.
 *
 * The empty service name is the whole server; any registered service name
 * reports the same status; other names are NOT_FOUND on Check and
 * SERVICE_UNKNOWN on Watch. Watch sends the current status at once and again
 * on each change; when the server drains, watchers get NOT_SERVING and their
 * streams end with UNAVAILABLE so the drain can complete.
 *
 * Entry points: ssc_svc_health_register(), ssc_svc_health_notify().
 */
#ifndef SSC_SVC_HEALTH_H
#define SSC_SVC_HEALTH_H

#include "router.h"
#include "server.h"

int ssc_svc_health_register(ssc_router *r);

/* Tells this loop's Watch streams the current status. Runs on the loop. */
void ssc_svc_health_notify(ssc_loop *loop);

#endif
