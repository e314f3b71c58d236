/*
 * reflection.c - grpc.reflection.v1 and v1alpha ServerReflectionInfo.
 *
 * The two versions differ in package name only: every message has the same
 * fields with the same numbers and types, so their wire encodings are the
 * same. One implementation therefore serves both with the v1 protobuf-c types,
 * and registration checks that the generated v1alpha descriptors still match
 * field for field, so the shortcut cannot silently break if the protos drift.
 *
 * Each request is answered as it arrives while the client keeps up. The call
 * layer cannot pause request delivery, so when answers pile up past
 * SSC_CALL_HIGH_WATER the requests behind them wait, packed, in a per-call
 * queue and are answered from on_drain. Answers stay bounded by the high-water
 * mark plus one response; waiting requests by MAX_PENDING_BYTES, past which
 * the call ends with RESOURCE_EXHAUSTED. The queue exists only while a call
 * has fallen behind, and is freed when the call ends, either way.
 *
 * Entry points: ssc_svc_reflection_register(), ssc_svc_reflection_free().
 */
#include "reflection.h"

#include "router.h" /* before call.h, which uses its ssc_method typedef */

#include "call.h"
#include "err.h"
#include "mem.h"

#include "grpc/reflection/v1/reflection.pb-c.h"
#include "grpc/reflection/v1alpha/reflection.pb-c.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Requests a client may have waiting for answers; a request is a few dozen
 * bytes, so this is thousands of them. */
#define MAX_PENDING_BYTES (1024 * 1024)

typedef Grpc__Reflection__V1__ServerReflectionRequest refl_request;
typedef Grpc__Reflection__V1__ServerReflectionResponse refl_response;

/* Requests waiting for the client to read earlier answers: each a 4-byte
 * length and the packed request. */
typedef struct backlog {
    ssc_buf pending;
    size_t off;
    int half_closed; /* finish once the backlog is answered */
} backlog;

struct ssc_svc_reflection {
    ssc_method methods[2]; /* v1, v1alpha; arg points back here */
    const ssc_descriptors *d;
};

/* One response being built; every part lives here until it has been packed. */
typedef struct reply {
    refl_response resp;
    Grpc__Reflection__V1__ErrorResponse error;
    Grpc__Reflection__V1__ListServiceResponse list;
    Grpc__Reflection__V1__ServiceResponse *services;
    Grpc__Reflection__V1__ServiceResponse **service_ptrs;
    Grpc__Reflection__V1__FileDescriptorResponse files;
    ProtobufCBinaryData *blobs;
    char message[256];
} reply;

static void reply_init(reply *rp, const refl_request *req)
{
    static const refl_response resp_init =
        GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__INIT;
    static const Grpc__Reflection__V1__ErrorResponse error_init =
        GRPC__REFLECTION__V1__ERROR_RESPONSE__INIT;
    static const Grpc__Reflection__V1__ListServiceResponse list_init =
        GRPC__REFLECTION__V1__LIST_SERVICE_RESPONSE__INIT;
    static const Grpc__Reflection__V1__FileDescriptorResponse files_init =
        GRPC__REFLECTION__V1__FILE_DESCRIPTOR_RESPONSE__INIT;

    memset(rp, 0, sizeof(*rp));
    rp->resp = resp_init;
    rp->error = error_init;
    rp->list = list_init;
    rp->files = files_init;
    rp->resp.valid_host = req->host;
    /* The response only points at the request; packing does not modify it. */
    rp->resp.original_request = (refl_request *)req;
}

static void reply_free(reply *rp)
{
    free(rp->services);
    free(rp->service_ptrs);
    free(rp->blobs);
}

static void reply_error(reply *rp, ssc_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void reply_error(reply *rp, ssc_status code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(rp->message, sizeof(rp->message), fmt, ap);
    va_end(ap);
    rp->error.error_code = (int32_t)code;
    rp->error.error_message = rp->message;
    rp->resp.message_response_case =
        GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_ERROR_RESPONSE;
    rp->resp.error_response = &rp->error;
}

static void reply_services(reply *rp, const ssc_router *r)
{
    static const Grpc__Reflection__V1__ServiceResponse service_init =
        GRPC__REFLECTION__V1__SERVICE_RESPONSE__INIT;
    size_t i, n = ssc_router_service_count(r);

    rp->services = ssc_xcalloc(n, sizeof(*rp->services));
    rp->service_ptrs = ssc_xcalloc(n, sizeof(*rp->service_ptrs));
    for (i = 0; i < n; i++) {
        rp->services[i] = service_init;
        /* The router's names outlive the reply; packing only reads them. */
        rp->services[i].name = (char *)ssc_router_service_name(r, i);
        rp->service_ptrs[i] = &rp->services[i];
    }
    rp->list.n_service = n;
    rp->list.service = rp->service_ptrs;
    rp->resp.message_response_case =
        GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_LIST_SERVICES_RESPONSE;
    rp->resp.list_services_response = &rp->list;
}

/* Answers with f and the files it imports. The closure comes in dependency
 * order; it is sent reversed, the requested file first as the reference
 * servers do, since some clients take the first entry as the answer. */
static void reply_files(reply *rp, const ssc_descriptors *d,
                        const ssc_descfile *f)
{
    size_t i, n;
    const ssc_descfile **v = ssc_descriptors_closure(d, f, &n);

    rp->blobs = ssc_xcalloc(n, sizeof(*rp->blobs));
    for (i = 0; i < n; i++) {
        size_t len;
        const uint8_t *bytes = ssc_descfile_bytes(v[n - 1 - i], &len);

        /* The set is read-only and outlives the reply; packing only reads. */
        rp->blobs[i].data = (uint8_t *)bytes;
        rp->blobs[i].len = len;
    }
    free(v);
    rp->files.n_file_descriptor_proto = n;
    rp->files.file_descriptor_proto = rp->blobs;
    rp->resp.message_response_case =
        GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_FILE_DESCRIPTOR_RESPONSE;
    rp->resp.file_descriptor_response = &rp->files;
}

static const char *or_empty(const char *s)
{
    return s != NULL ? s : "";
}

/* Fills rp with the answer to req. */
static void answer(reply *rp, const ssc_call *call, const ssc_descriptors *d,
                   const refl_request *req)
{
    const Grpc__Reflection__V1__ExtensionRequest *ext;
    const ssc_descfile *f;
    const char *name;

    switch (req->message_request_case) {
    case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_LIST_SERVICES:
        reply_services(rp, ssc_call_router(call));
        break;
    case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_BY_FILENAME:
        name = or_empty(req->file_by_filename);
        f = ssc_descriptors_by_name(d, name);
        if (f != NULL)
            reply_files(rp, d, f);
        else
            reply_error(rp, SSC_STATUS_NOT_FOUND, "file not found: %.200s",
                        name);
        break;
    case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_CONTAINING_SYMBOL:
        name = or_empty(req->file_containing_symbol);
        f = ssc_descriptors_by_symbol(d, name);
        if (f != NULL)
            reply_files(rp, d, f);
        else
            reply_error(rp, SSC_STATUS_NOT_FOUND, "symbol not found: %.200s",
                        name);
        break;
    case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_CONTAINING_EXTENSION:
        /* Extensions are not indexed; no proto served today declares any. */
        ext = req->file_containing_extension;
        reply_error(rp, SSC_STATUS_NOT_FOUND,
                    "extension %d of %.200s not found",
                    ext != NULL ? (int)ext->extension_number : 0,
                    ext != NULL ? or_empty(ext->containing_type) : "");
        break;
    case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_ALL_EXTENSION_NUMBERS_OF_TYPE:
        name = or_empty(req->all_extension_numbers_of_type);
        if (ssc_descriptors_by_symbol(d, name) == NULL)
            reply_error(rp, SSC_STATUS_NOT_FOUND, "type not found: %.200s",
                        name);
        else
            reply_error(rp, SSC_STATUS_UNIMPLEMENTED,
                        "extension numbers are not indexed");
        break;
    default:
        /* Unset, or a request type newer than this server. */
        reply_error(rp, SSC_STATUS_UNIMPLEMENTED,
                    "reflection request type not supported");
        break;
    }
}

/* Answers one request. */
static void respond(ssc_call *call, const refl_request *req)
{
    const ssc_svc_reflection *s = ssc_call_method(call)->arg;
    reply rp;

    reply_init(&rp, req);
    answer(&rp, call, s->d, req);
    if (ssc_call_send(call, &rp.resp.base) == SSC_ETOOBIG)
        ssc_call_finish(call, SSC_STATUS_RESOURCE_EXHAUSTED,
                        "reflection response larger than the server's "
                        "message limit");
    reply_free(&rp);
}

static void backlog_free(ssc_call *call)
{
    backlog *b = ssc_call_data(call);

    if (b == NULL)
        return;
    ssc_call_set_data(call, NULL);
    ssc_buf_reset(&b->pending);
    free(b);
}

/* Appends req to the call's backlog, creating it. Returns 0, or -1 when the
 * backlog is full and the call has ended. */
static int backlog_push(ssc_call *call, const ProtobufCMessage *req)
{
    backlog *b = ssc_call_data(call);
    size_t len = protobuf_c_message_get_packed_size(req);
    uint8_t *p;

    if (b == NULL) {
        b = ssc_xcalloc(1, sizeof(*b));
        ssc_buf_init(&b->pending, MAX_PENDING_BYTES);
        ssc_call_set_data(call, b);
    } else if (b->off > 0 && b->off >= b->pending.len / 2) {
        /* The cap is on requests waiting, not on all ever queued. */
        ssc_buf_consume(&b->pending, b->off);
        b->off = 0;
    }
    p = len <= MAX_PENDING_BYTES - 4 ? ssc_buf_reserve(&b->pending, 4 + len)
                                     : NULL;
    if (p == NULL) {
        ssc_call_finish(call, SSC_STATUS_RESOURCE_EXHAUSTED,
                        "client is not reading reflection responses");
        backlog_free(call);
        return -1;
    }
    p[0] = (uint8_t)(len >> 24);
    p[1] = (uint8_t)(len >> 16);
    p[2] = (uint8_t)(len >> 8);
    p[3] = (uint8_t)len;
    protobuf_c_message_pack(req, p + 4);
    b->pending.len += 4 + len;
    return 0;
}

/* Answers waiting requests while the client keeps up; once none wait, frees
 * the backlog and, if the client has half-closed, ends the call. */
static void backlog_run(ssc_call *call)
{
    backlog *b = ssc_call_data(call);

    while (b->off < b->pending.len && !ssc_call_is_done(call) &&
           ssc_call_buffered(call) <= SSC_CALL_HIGH_WATER) {
        const uint8_t *p = b->pending.data + b->off;
        size_t len =
            (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
        ProtobufCMessage *req = protobuf_c_message_unpack(
            &grpc__reflection__v1__server_reflection_request__descriptor, NULL,
            len, p + 4);

        b->off += 4 + len;
        /* It was packed here from a parsed request, so it parses again. */
        if (req != NULL) {
            respond(call, (const refl_request *)req);
            protobuf_c_message_free_unpacked(req, NULL);
        }
        /* Should sending ever cancel the call on the spot, on_cancel has
         * freed the backlog already. */
        if (ssc_call_data(call) != b)
            return;
    }
    if (ssc_call_is_done(call) || b->off == b->pending.len) {
        int half_closed = b->half_closed;

        backlog_free(call);
        if (half_closed)
            ssc_call_finish(call, SSC_STATUS_OK, NULL);
    }
}

static void reflection_on_message(ssc_call *call, const ProtobufCMessage *msg)
{
    if (ssc_call_data(call) == NULL &&
        ssc_call_buffered(call) <= SSC_CALL_HIGH_WATER) {
        respond(call, (const refl_request *)msg);
        return;
    }
    if (backlog_push(call, msg) == 0)
        backlog_run(call);
}

static void reflection_on_drain(ssc_call *call)
{
    if (ssc_call_data(call) != NULL)
        backlog_run(call);
}

static void reflection_on_half_close(ssc_call *call)
{
    backlog *b = ssc_call_data(call);

    if (b != NULL)
        b->half_closed = 1;
    else
        ssc_call_finish(call, SSC_STATUS_OK, NULL);
}

static void reflection_on_cancel(ssc_call *call)
{
    backlog_free(call);
}

/* Non-zero when a and b encode the same fields the same way on the wire,
 * nested messages included. */
static int same_wire_shape(const ProtobufCMessageDescriptor *a,
                           const ProtobufCMessageDescriptor *b, int depth)
{
    unsigned i;

    if (depth > 8 || a->n_fields != b->n_fields)
        return 0;
    for (i = 0; i < a->n_fields; i++) {
        const ProtobufCFieldDescriptor *fa = &a->fields[i];
        const ProtobufCFieldDescriptor *fb = &b->fields[i];

        /* flags carry oneof membership and packing, which change what goes
         * on the wire. */
        if (fa->id != fb->id || fa->label != fb->label ||
            fa->type != fb->type || fa->flags != fb->flags)
            return 0;
        if (fa->type == PROTOBUF_C_TYPE_MESSAGE &&
            !same_wire_shape(fa->descriptor, fb->descriptor, depth + 1))
            return 0;
    }
    return 1;
}

#define V1_PATH "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"
#define V1ALPHA_PATH                                                           \
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"

int ssc_svc_reflection_register(ssc_router *r, const ssc_descriptors *d,
                                ssc_svc_reflection **out)
{
    static const char *const paths[2] = {V1_PATH, V1ALPHA_PATH};
    ssc_svc_reflection *s;
    int i;

    *out = NULL;
    if (!same_wire_shape(
            &grpc__reflection__v1__server_reflection_request__descriptor,
            &grpc__reflection__v1alpha__server_reflection_request__descriptor,
            0) ||
        !same_wire_shape(
            &grpc__reflection__v1__server_reflection_response__descriptor,
            &grpc__reflection__v1alpha__server_reflection_response__descriptor,
            0))
        return SSC_EINVAL;
    /* Checked first so that a failure leaves nothing in the router pointing
     * into memory freed here. */
    for (i = 0; i < 2; i++)
        if (ssc_router_find(r, paths[i], strlen(paths[i])) != NULL)
            return SSC_EINVAL;
    s = ssc_xcalloc(1, sizeof(*s));
    s->d = d;
    for (i = 0; i < 2; i++) {
        ssc_method *m = &s->methods[i];

        m->path = paths[i];
        m->kind = SSC_BIDI_STREAMING;
        /* The v1 type reads v1alpha requests too: same wire encoding. */
        m->input = &grpc__reflection__v1__server_reflection_request__descriptor;
        m->on_message = reflection_on_message;
        m->on_half_close = reflection_on_half_close;
        m->on_cancel = reflection_on_cancel;
        m->on_drain = reflection_on_drain;
        m->arg = s;
        /* Cannot fail: the paths are well formed and were free above. */
        (void)ssc_router_add(r, m);
    }
    *out = s;
    return 0;
}

void ssc_svc_reflection_free(ssc_svc_reflection *s)
{
    free(s);
}
