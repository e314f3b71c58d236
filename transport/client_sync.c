/*
 * client_sync.c - blocking wrappers over the asynchronous client calls.
 *
 * For single-threaded programs such as the ssc CLI: each wrapper starts a call
 * and runs the client's loop until the call has ended. Other handles on the
 * loop keep being served meanwhile.
 *
 * Entry points: ssc_client_unary(), ssc_client_server_stream().
 */
#include "client_int.h"

#include "err.h"

#include <stdlib.h>
#include <string.h>

typedef struct sync_call {
    const ProtobufCMessageDescriptor *desc;
    ssc_client_result *res;
    ProtobufCMessage *first; /* unary: the response */
    unsigned count;          /* responses received */
    ssc_client_stream_cb cb; /* streaming: where each response goes */
    void *arg;
    int done;
} sync_call;

static void sync_on_message(ssc_client_call *call, const uint8_t *msg,
                            size_t len)
{
    sync_call *sc = ssc_client_call_data(call);
    ProtobufCMessage *m = protobuf_c_message_unpack(sc->desc, NULL, len, msg);

    if (m == NULL) {
        ssc_client__call_end(call, SSC_STATUS_INTERNAL, NGHTTP2_CANCEL,
                             "could not parse the response (%s)",
                             sc->desc->name);
        return;
    }
    sc->count++;
    if (sc->cb == NULL && sc->first == NULL) {
        sc->first = m;
        return;
    }
    if (sc->cb == NULL) {
        protobuf_c_message_free_unpacked(m, NULL);
        ssc_client__call_end(call, SSC_STATUS_INTERNAL, NGHTTP2_CANCEL,
                             "more than one response to a unary call");
        return;
    }
    if (sc->cb(sc->arg, m) != 0)
        ssc_client_call_cancel(call);
    protobuf_c_message_free_unpacked(m, NULL);
}

static void sync_on_close(ssc_client_call *call, ssc_client_result *res)
{
    sync_call *sc = ssc_client_call_data(call);

    ssc_client_result_free(sc->res);
    *sc->res = *res;
    ssc_client_result_init(res);
    sc->done = 1;
}

static const ssc_client_call_cbs sync_cbs = {
    .on_message = sync_on_message,
    .on_close = sync_on_close,
};

/* Replaces res's status and message. */
static void set_result(ssc_client_result *res, int code, char *message)
{
    res->code = code;
    free(res->message);
    res->message = message;
}

/* Starts the call, sends req, half-closes and runs the loop to the end.
 * Returns the status. */
static int run(ssc_client *c, const char *path, const ProtobufCMessage *req,
               uint64_t timeout_ms, sync_call *sc)
{
    ssc_client_call *call;
    int rc;

    rc = ssc_client_call_start(c, path, NULL, timeout_ms, &sync_cbs, sc, &call);
    if (rc != 0) {
        set_result(sc->res, SSC_STATUS_INTERNAL,
                   ssc_client__printf("could not start %s: %s", path,
                                      ssc_strerror(rc)));
        return sc->res->code;
    }
    ssc_client_call_send_msg(call, req);
    ssc_client_call_half_close(call);
    while (!sc->done) {
        /* A call always waits on a request, socket or timer of the loop;
         * if the loop has nothing left, nothing could ever end it. */
        if (uv_run(c->loop, UV_RUN_ONCE) == 0 && !sc->done)
            ssc_client__call_end(call, SSC_STATUS_INTERNAL, NGHTTP2_CANCEL,
                                 "the event loop stopped before the call "
                                 "ended");
    }
    return sc->res->code;
}

int ssc_client_unary(ssc_client *c, const char *path,
                     const ProtobufCMessage *req,
                     const ProtobufCMessageDescriptor *resp_desc,
                     ProtobufCMessage **resp, ssc_client_result *res)
{
    sync_call sc;

    memset(&sc, 0, sizeof(sc));
    sc.desc = resp_desc;
    sc.res = res;
    *resp = NULL;
    run(c, path, req, c->timeout_ms, &sc);
    if (res->code == SSC_STATUS_OK && sc.first == NULL)
        set_result(res, SSC_STATUS_INTERNAL,
                   ssc_client__printf("%s sent no response to a unary call",
                                      c->endpoint));
    if (res->code == SSC_STATUS_OK)
        *resp = sc.first;
    else if (sc.first != NULL)
        protobuf_c_message_free_unpacked(sc.first, NULL);
    return res->code;
}

int ssc_client_server_stream(ssc_client *c, const char *path,
                             const ProtobufCMessage *req,
                             const ProtobufCMessageDescriptor *resp_desc,
                             uint64_t timeout_ms, ssc_client_stream_cb cb,
                             void *arg, ssc_client_result *res)
{
    sync_call sc;

    memset(&sc, 0, sizeof(sc));
    sc.desc = resp_desc;
    sc.res = res;
    sc.cb = cb;
    sc.arg = arg;
    return run(c, path, req, timeout_ms, &sc);
}
