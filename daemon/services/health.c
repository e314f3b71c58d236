/*
 * health.c - grpc.health.v1.Health.
 *
 * Watch streams are kept on their loop's watcher list; the main thread tells
 * each loop when the server's status changes (SSC_LOOP_CMD_HEALTH) and the
 * loop calls ssc_svc_health_notify().
 *
 * Entry points: ssc_svc_health_register(), ssc_svc_health_notify().
 */
#include "health.h"

#include "call.h"
#include "mem.h"

#include "grpc/health/v1/health.pb-c.h"

#include <stdlib.h>
#include <string.h>

typedef Grpc__Health__V1__HealthCheckResponse__ServingStatus serving_status;

typedef struct watcher {
    ssc_link link; /* in loop->watchers */
    ssc_call *call;
    char *service;
    serving_status last;
} watcher;

static serving_status status_of(const ssc_call *call, const char *service)
{
    if (service[0] != '\0' &&
        !ssc_router_has_service(ssc_call_router(call), service))
        return GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVICE_UNKNOWN;
    return ssc_server_loop_serving(ssc_server_loop_of(call))
               ? GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING
               : GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__NOT_SERVING;
}

static int send_status(ssc_call *call, serving_status st)
{
    Grpc__Health__V1__HealthCheckResponse resp =
        GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__INIT;

    resp.status = st;
    return ssc_call_send(call, &resp.base);
}

static void check(ssc_call *call, const ProtobufCMessage *msg)
{
    const Grpc__Health__V1__HealthCheckRequest *req =
        (const Grpc__Health__V1__HealthCheckRequest *)msg;
    serving_status st = status_of(call, req->service);

    if (st ==
        GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVICE_UNKNOWN) {
        ssc_call_finish(call, SSC_STATUS_NOT_FOUND, "unknown service %s",
                        req->service);
        return;
    }
    send_status(call, st);
    ssc_call_finish(call, SSC_STATUS_OK, NULL);
}

static void watcher_free(watcher *w)
{
    ssc_link_remove(&w->link);
    ssc_call_set_data(w->call, NULL);
    ssc_call_unref(w->call);
    free(w->service);
    free(w);
}

static void watch(ssc_call *call, const ProtobufCMessage *msg)
{
    const Grpc__Health__V1__HealthCheckRequest *req =
        (const Grpc__Health__V1__HealthCheckRequest *)msg;
    watcher *w = ssc_xcalloc(1, sizeof(*w));

    w->call = call;
    w->service = ssc_xstrdup(req->service);
    w->last = status_of(call, req->service);
    ssc_call_ref(call);
    ssc_call_set_data(call, w);
    ssc_link_insert(&ssc_server_loop_of(call)->watchers, &w->link);
    send_status(call, w->last);
    if (!ssc_server_serving(ssc_call_server(call)))
        ssc_svc_health_notify(ssc_server_loop_of(call));
}

static void watch_cancel(ssc_call *call)
{
    watcher *w = ssc_call_data(call);

    if (w != NULL)
        watcher_free(w);
}

void ssc_svc_health_notify(ssc_loop *loop)
{
    ssc_link *l = loop->watchers.next;

    while (l != &loop->watchers) {
        watcher *w = container_of(l, watcher, link);
        serving_status st = status_of(w->call, w->service);

        l = l->next;
        if (st != w->last) {
            w->last = st;
            send_status(w->call, st);
        }
        if (!ssc_server_serving(ssc_call_server(w->call))) {
            ssc_call *call = w->call;

            ssc_call_ref(call);
            watcher_free(w);
            ssc_call_finish(call, SSC_STATUS_UNAVAILABLE,
                            "server is shutting down");
            ssc_call_unref(call);
        }
    }
}

static const ssc_method methods[] = {
    {.path = "/grpc.health.v1.Health/Check",
     .kind = SSC_UNARY,
     .input = &grpc__health__v1__health_check_request__descriptor,
     .on_message = check},
    {.path = "/grpc.health.v1.Health/Watch",
     .kind = SSC_SERVER_STREAMING,
     .input = &grpc__health__v1__health_check_request__descriptor,
     .on_message = watch,
     .on_cancel = watch_cancel},
};

int ssc_svc_health_register(ssc_router *r)
{
    return ssc_router_add_all(r, methods, sizeof(methods) / sizeof(methods[0]));
}
