/*
 * testing.c - grpc.testing.TestService for the gRPC interop tests.
 *
 * The unary methods answer from on_message and keep no state. The streaming
 * methods share one engine, a "stream": a queue of responses still to send
 * (payload size and the pause before each), a timer for the pauses, and the
 * status to end with once the queue is empty. The queue is drained by pump(),
 * which stops above SSC_CALL_HIGH_WATER and is resumed by on_drain, so a
 * client that does not read never makes the server build up more than the
 * high-water mark of framed responses.
 *
 * Lifetime: a stream holds a call reference from its creation until its timer
 * handle has closed. It starts closing when the call ends, whichever way:
 * finished here or cancelled (on_cancel); it is freed in the timer's close
 * callback, which is the only place that drops the reference.
 *
 * Metadata echo: "x-grpc-test-echo-initial" goes back as initial metadata and
 * "x-grpc-test-echo-trailing-bin" as trailing metadata. Both are added at the
 * first callback of the call, before anything is sent, so they also reach a
 * client whose call ends without a response (Trailers-Only).
 *
 * Entry points: ssc_svc_testing_register().
 */
#include "testing.h"

#include "router.h" /* before call.h, which uses its ssc_method typedef */

#include "call.h"
#include "err.h"
#include "mem.h"

#include "grpc/testing/empty.pb-c.h"
#include "grpc/testing/messages.pb-c.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The largest response payload a request may ask for. Larger messages than
 * the configured max_message_bytes are refused by ssc_call_send() anyway
 * (RESOURCE_EXHAUSTED); this cap refuses absurd sizes before allocating. */
#define MAX_RESPONSE_SIZE (16 * 1024 * 1024)
#define MAX_PARAMS_PER_REQUEST 10000
/* Responses one call may have waiting: bounds the memory a client can claim by
 * sending requests faster than it reads their responses. */
#define MAX_QUEUED 100000

#define ECHO_INITIAL "x-grpc-test-echo-initial"
#define ECHO_TRAILING "x-grpc-test-echo-trailing-bin"

/* One response still to send. */
typedef struct pending {
    uint32_t size;
    uint32_t interval_us; /* pause before sending it */
} pending;

typedef struct stream {
    uv_timer_t timer; /* the pause before q[head] */
    ssc_call *call;
    pending *q;
    size_t head, tail, alloc;
    uint64_t in_bytes; /* StreamingInputCall: payload bytes received */
    ssc_status end_code;
    char *end_msg;
    unsigned hold : 1;     /* HalfDuplexCall: send nothing before half close */
    unsigned sleeping : 1; /* the timer runs for q[head] */
    unsigned slept : 1;    /* q[head]'s pause is over */
    unsigned pumping : 1;  /* pump() is on the stack */
    unsigned end_queued : 1; /* end with end_code once the queue is empty */
    unsigned closing : 1;    /* the call is over; the timer is closing */
} stream;

/* ---- helpers shared by every method ---------------------------------- */

static void echo_metadata(ssc_call *call)
{
    const ssc_md *md = ssc_call_metadata(call);
    const ssc_md_entry *e;

    /* Failures are ignored: the client sent a key the transport accepted, and
     * the only refusals left are "too late", which cannot happen here. */
    e = ssc_md_get(md, ECHO_INITIAL);
    if (e != NULL)
        (void)ssc_call_add_initial_md(call, ECHO_INITIAL, e->value,
                                      e->value_len);
    e = ssc_md_get(md, ECHO_TRAILING);
    if (e != NULL)
        (void)ssc_call_add_trailing_md(call, ECHO_TRAILING, e->value,
                                       e->value_len);
}

/* Ends the call with a status and a message from the client, which is data,
 * never a format. */
static void finish_with(ssc_call *call, ssc_status code, const char *msg)
{
    if (msg != NULL && msg[0] != '\0')
        ssc_call_finish(call, code, "%s", msg);
    else
        ssc_call_finish(call, code, NULL);
}

static int check_size(ssc_call *call, int32_t size)
{
    if (size >= 0 && size <= MAX_RESPONSE_SIZE)
        return 0;
    ssc_call_finish(call, SSC_STATUS_INVALID_ARGUMENT,
                    "response size %d is outside 0..%d", (int)size,
                    MAX_RESPONSE_SIZE);
    return -1;
}

/* A response_status to echo must carry a real gRPC code. */
static int check_status(ssc_call *call, const Grpc__Testing__EchoStatus *s)
{
    if (s == NULL || (s->code >= 0 && s->code <= SSC_STATUS_UNAUTHENTICATED))
        return 0;
    ssc_call_finish(call, SSC_STATUS_INVALID_ARGUMENT,
                    "response_status code %d is not a grpc status code",
                    (int)s->code);
    return -1;
}

/* Sends msg; returns 0, or -1 once the call is over (a message over the size
 * limit ends it with RESOURCE_EXHAUSTED). */
static int send_or_end(ssc_call *call, const ProtobufCMessage *msg)
{
    int rc = ssc_call_send(call, msg);

    if (rc == SSC_ETOOBIG)
        ssc_call_finish(call, SSC_STATUS_RESOURCE_EXHAUSTED,
                        "response larger than the server's message limit");
    return rc == 0 ? 0 : -1;
}

/* ---- unary methods ------------------------------------------------------ */

static void empty_call(ssc_call *call, const ProtobufCMessage *msg)
{
    Grpc__Testing__Empty resp = GRPC__TESTING__EMPTY__INIT;

    (void)msg;
    echo_metadata(call);
    if (send_or_end(call, &resp.base) == 0)
        ssc_call_finish(call, SSC_STATUS_OK, NULL);
}

/* UnaryCall and CacheableUnaryCall: a payload of response_size zero bytes, or
 * the requested status instead when its code is not OK. */
static void unary_call(ssc_call *call, const ProtobufCMessage *msg)
{
    const Grpc__Testing__SimpleRequest *req =
        (const Grpc__Testing__SimpleRequest *)msg;
    const Grpc__Testing__EchoStatus *status = req->response_status;
    Grpc__Testing__SimpleResponse resp = GRPC__TESTING__SIMPLE_RESPONSE__INIT;
    Grpc__Testing__Payload payload = GRPC__TESTING__PAYLOAD__INIT;
    uint8_t *body = NULL;
    int rc;

    echo_metadata(call);
    if (check_size(call, req->response_size) != 0 ||
        check_status(call, status) != 0)
        return;
    if (status != NULL && status->code != SSC_STATUS_OK) {
        finish_with(call, (ssc_status)status->code, status->message);
        return;
    }
    if (req->response_size > 0) {
        body = ssc_xcalloc((size_t)req->response_size, 1);
        payload.body.data = body;
        payload.body.len = (size_t)req->response_size;
        resp.payload = &payload;
    }
    rc = send_or_end(call, &resp.base);
    free(body);
    if (rc == 0)
        finish_with(call, SSC_STATUS_OK, status ? status->message : NULL);
}

/* ---- the streaming engine ---------------------------------------------- */

static void stream_closed(uv_handle_t *h)
{
    stream *st = container_of(h, stream, timer);
    ssc_call *call = st->call;

    ssc_call_set_data(call, NULL);
    free(st->q);
    free(st->end_msg);
    free(st);
    ssc_call_unref(call);
}

/* Starts freeing the stream; the call must be over already or be ended by the
 * caller right away. Safe to call more than once. */
static void stream_close(stream *st)
{
    if (st->closing)
        return;
    st->closing = 1;
    uv_close((uv_handle_t *)&st->timer, stream_closed);
}

static void stream_end(stream *st, ssc_status code, const char *msg)
{
    finish_with(st->call, code, msg);
    stream_close(st);
}

/* The call's stream, created (and the metadata echoed) at the first callback;
 * NULL once the call is over, when callbacks have nothing left to do. */
static stream *stream_of(ssc_call *call)
{
    stream *st = ssc_call_data(call);

    if (st != NULL)
        return st->closing ? NULL : st;
    if (ssc_call_is_done(call))
        return NULL;
    st = ssc_xcalloc(1, sizeof(*st));
    st->call = call;
    uv_timer_init(ssc_call_uv_loop(call), &st->timer);
    ssc_call_ref(call);
    ssc_call_set_data(call, st);
    echo_metadata(call);
    return st;
}

static void queue_push(stream *st, uint32_t size, uint32_t interval_us)
{
    if (st->tail == st->alloc && st->head >= st->alloc / 2 && st->head > 0) {
        memmove(st->q, st->q + st->head,
                (st->tail - st->head) * sizeof(*st->q));
        st->tail -= st->head;
        st->head = 0;
    }
    if (st->tail == st->alloc) {
        st->alloc = st->alloc ? 2 * st->alloc : 16;
        st->q = ssc_xrealloc(st->q, st->alloc * sizeof(*st->q));
    }
    st->q[st->tail].size = size;
    st->q[st->tail].interval_us = interval_us;
    st->tail++;
}

/* Queues the responses a StreamingOutputCallRequest asks for, all or none,
 * and, when it carries a status with a non-OK code, the end of the call after
 * them. Returns 0, or -1 when the request was refused and the call ended. */
static int queue_request(stream *st,
                         const Grpc__Testing__StreamingOutputCallRequest *req)
{
    size_t i, n = req->n_response_parameters;
    const Grpc__Testing__EchoStatus *status = req->response_status;

    if (n > MAX_PARAMS_PER_REQUEST) {
        ssc_call_finish(st->call, SSC_STATUS_INVALID_ARGUMENT,
                        "more than %d response_parameters",
                        MAX_PARAMS_PER_REQUEST);
        return -1;
    }
    if (st->tail - st->head + n > MAX_QUEUED) {
        ssc_call_finish(st->call, SSC_STATUS_RESOURCE_EXHAUSTED,
                        "more than %d responses waiting to be sent",
                        MAX_QUEUED);
        return -1;
    }
    for (i = 0; i < n; i++)
        if (check_size(st->call, req->response_parameters[i]->size) != 0)
            return -1;
    if (check_status(st->call, status) != 0)
        return -1;
    for (i = 0; i < n; i++) {
        const Grpc__Testing__ResponseParameters *p =
            req->response_parameters[i];

        queue_push(st, (uint32_t)p->size,
                   p->interval_us > 0 ? (uint32_t)p->interval_us : 0);
    }
    if (status != NULL && status->code != SSC_STATUS_OK) {
        st->end_queued = 1;
        st->end_code = (ssc_status)status->code;
        st->end_msg = ssc_xstrdup(status->message ? status->message : "");
    }
    return 0;
}

/* Sends one StreamingOutputCallResponse with size zero bytes of payload. */
static void send_payload(stream *st, uint32_t size)
{
    Grpc__Testing__StreamingOutputCallResponse resp =
        GRPC__TESTING__STREAMING_OUTPUT_CALL_RESPONSE__INIT;
    Grpc__Testing__Payload payload = GRPC__TESTING__PAYLOAD__INIT;
    uint8_t *body = size ? ssc_xcalloc(size, 1) : NULL;

    payload.body.data = body;
    payload.body.len = size;
    resp.payload = &payload;
    if (send_or_end(st->call, &resp.base) != 0)
        stream_close(st);
    free(body);
}

static void pump(stream *st);

static void interval_done(uv_timer_t *t)
{
    stream *st = container_of(t, stream, timer);

    st->sleeping = 0;
    st->slept = 1;
    pump(st);
}

/* Sends queued responses until the queue is empty, a pause starts, the peer
 * stops reading or the call ends; with the queue empty and an end queued it
 * ends the call. A send may cancel the call under us (connection lost), so
 * every turn re-checks closing. */
static void pump(stream *st)
{
    if (st->pumping)
        return;
    st->pumping = 1;
    while (!st->closing && !st->hold && !st->sleeping) {
        pending p;

        if (st->head == st->tail) {
            if (st->end_queued)
                stream_end(st, st->end_code, st->end_msg);
            break;
        }
        if (ssc_call_buffered(st->call) > SSC_CALL_HIGH_WATER)
            break; /* on_drain resumes */
        p = st->q[st->head];
        if (p.interval_us > 0 && !st->slept) {
            st->sleeping = 1;
            uv_timer_start(&st->timer, interval_done,
                           (p.interval_us + 999) / 1000, 0);
            break;
        }
        st->head++;
        st->slept = 0;
        if (st->head == st->tail)
            st->head = st->tail = 0;
        send_payload(st, p.size);
    }
    st->pumping = 0;
}

static void stream_on_cancel(ssc_call *call)
{
    stream *st = ssc_call_data(call);

    if (st != NULL)
        stream_close(st);
}

static void stream_on_drain(ssc_call *call)
{
    stream *st = stream_of(call);

    if (st != NULL)
        pump(st);
}

/* ---- streaming methods -------------------------------------------------- */

/* StreamingOutputCall: one response per response_parameters entry, then the
 * requested status (OK when none). */
static void output_on_message(ssc_call *call, const ProtobufCMessage *msg)
{
    const Grpc__Testing__StreamingOutputCallRequest *req =
        (const Grpc__Testing__StreamingOutputCallRequest *)msg;
    stream *st = stream_of(call);

    if (st == NULL)
        return;
    if (queue_request(st, req) != 0) {
        stream_close(st);
        return;
    }
    if (!st->end_queued) {
        st->end_queued = 1;
        st->end_code = SSC_STATUS_OK;
        if (req->response_status != NULL && req->response_status->message)
            st->end_msg = ssc_xstrdup(req->response_status->message);
    }
    pump(st);
}

static void input_on_message(ssc_call *call, const ProtobufCMessage *msg)
{
    const Grpc__Testing__StreamingInputCallRequest *req =
        (const Grpc__Testing__StreamingInputCallRequest *)msg;
    stream *st = stream_of(call);

    if (st != NULL && req->payload != NULL)
        st->in_bytes += req->payload->body.len;
}

/* StreamingInputCall: the sum of the request payload sizes. */
static void input_on_half_close(ssc_call *call)
{
    Grpc__Testing__StreamingInputCallResponse resp =
        GRPC__TESTING__STREAMING_INPUT_CALL_RESPONSE__INIT;
    stream *st = stream_of(call);

    if (st == NULL)
        return;
    if (st->in_bytes > INT32_MAX) {
        stream_end(st, SSC_STATUS_OUT_OF_RANGE,
                   "aggregated payload size does not fit an int32");
        return;
    }
    resp.aggregated_payload_size = (int32_t)st->in_bytes;
    if (send_or_end(call, &resp.base) == 0)
        ssc_call_finish(call, SSC_STATUS_OK, NULL);
    stream_close(st);
}

/* FullDuplexCall answers each request as it comes; HalfDuplexCall holds the
 * responses until the client has half-closed. A request whose status has a
 * non-OK code ends the call with it once its own responses, and all queued
 * before them, have gone; requests after that are ignored. */
static void duplex_message(ssc_call *call, const ProtobufCMessage *msg,
                           int half)
{
    stream *st = stream_of(call);

    if (st == NULL || st->end_queued)
        return;
    st->hold = half ? 1 : 0;
    if (queue_request(
            st, (const Grpc__Testing__StreamingOutputCallRequest *)msg) != 0) {
        stream_close(st);
        return;
    }
    pump(st);
}

static void full_on_message(ssc_call *call, const ProtobufCMessage *msg)
{
    duplex_message(call, msg, 0);
}

static void half_on_message(ssc_call *call, const ProtobufCMessage *msg)
{
    duplex_message(call, msg, 1);
}

static void duplex_on_half_close(ssc_call *call)
{
    stream *st = stream_of(call);

    if (st == NULL)
        return;
    st->hold = 0;
    if (!st->end_queued) {
        st->end_queued = 1;
        st->end_code = SSC_STATUS_OK;
    }
    pump(st);
}

/* ---- registration ------------------------------------------------------- */

#define TEST_METHOD(name) "/grpc.testing.TestService/" name

static const ssc_method methods[] = {
    {.path = TEST_METHOD("EmptyCall"),
     .kind = SSC_UNARY,
     .input = &grpc__testing__empty__descriptor,
     .on_message = empty_call},
    {.path = TEST_METHOD("UnaryCall"),
     .kind = SSC_UNARY,
     .input = &grpc__testing__simple_request__descriptor,
     .on_message = unary_call},
    {.path = TEST_METHOD("CacheableUnaryCall"),
     .kind = SSC_UNARY,
     .input = &grpc__testing__simple_request__descriptor,
     .on_message = unary_call},
    {.path = TEST_METHOD("StreamingOutputCall"),
     .kind = SSC_SERVER_STREAMING,
     .input = &grpc__testing__streaming_output_call_request__descriptor,
     .on_message = output_on_message,
     .on_cancel = stream_on_cancel,
     .on_drain = stream_on_drain},
    {.path = TEST_METHOD("StreamingInputCall"),
     .kind = SSC_CLIENT_STREAMING,
     .input = &grpc__testing__streaming_input_call_request__descriptor,
     .on_message = input_on_message,
     .on_half_close = input_on_half_close,
     .on_cancel = stream_on_cancel},
    {.path = TEST_METHOD("FullDuplexCall"),
     .kind = SSC_BIDI_STREAMING,
     .input = &grpc__testing__streaming_output_call_request__descriptor,
     .on_message = full_on_message,
     .on_half_close = duplex_on_half_close,
     .on_cancel = stream_on_cancel,
     .on_drain = stream_on_drain},
    {.path = TEST_METHOD("HalfDuplexCall"),
     .kind = SSC_BIDI_STREAMING,
     .input = &grpc__testing__streaming_output_call_request__descriptor,
     .on_message = half_on_message,
     .on_half_close = duplex_on_half_close,
     .on_cancel = stream_on_cancel,
     .on_drain = stream_on_drain},
};

int ssc_svc_testing_register(ssc_router *r)
{
    return ssc_router_add_all(r, methods, sizeof(methods) / sizeof(methods[0]));
}
