/*
 * client_call.c - one gRPC call on a client connection.
 *
 * Request side: messages are framed into call->send; an nghttp2 data source
 * hands them out and, when the buffer is empty but the request is not over,
 * defers until the next send or half-close resumes it.
 *
 * Response side: the first HEADERS block is the response head (a
 * Trailers-Only response when it ends the stream), a second one the trailers;
 * DATA goes through a frame reader capped at the client's message limit. The
 * status comes from grpc-status, or from the HTTP status when grpc-status is
 * missing (grpc doc/http-grpc-status-mapping.md), or from the RST_STREAM code
 * (grpc doc/PROTOCOL-HTTP2.md, "Errors").
 *
 * Entry points: ssc_client_result_init(), ssc_client_result_free(),
 * ssc_client_call_start(), ssc_client_call_send(), ssc_client_call_send_msg(),
 * ssc_client_call_half_close(), ssc_client_call_cancel(),
 * ssc_client_call_buffered(), ssc_client_call_data(); internal:
 * ssc_client__call_submit(), ssc_client__call_end(), ssc_client__call_fail(),
 * ssc_client__on_*().
 */
#include "client_int.h"

#include "b64.h"
#include "err.h"
#include "gzip.h"
#include "pct.h"
#include "timeout.h"

#include <stdlib.h>
#include <string.h>

/* The send buffer keeps its allocation between messages up to this size. */
#define SEND_KEEP_MAX (64 * 1024)

void ssc_client_result_init(ssc_client_result *res)
{
    res->code = SSC_STATUS_OK;
    res->message = NULL;
    ssc_md_init(&res->headers);
    ssc_md_init(&res->trailers);
}

void ssc_client_result_free(ssc_client_result *res)
{
    free(res->message);
    ssc_md_free(&res->headers);
    ssc_md_free(&res->trailers);
    ssc_client_result_init(res);
}

/* ---- lifetime ----------------------------------------------------------- */

static void call_free(uv_handle_t *h)
{
    ssc_client_call *call = container_of(h, ssc_client_call, timer);
    ssc_client *c = call->client;

    free(call->path);
    ssc_md_free(&call->md);
    ssc_buf_reset(&call->send);
    ssc_frame_reader_free(&call->reader);
    ssc_client_result_free(&call->res);
    free(call);
    ssc_client__unref(c);
}

static void call_unref(ssc_client_call *call)
{
    if (--call->refs == 0)
        uv_close((uv_handle_t *)&call->timer, call_free);
}

/* The stream is closed (or its session gone): drop the stream's reference. */
static void call_stream_gone(ssc_client_call *call)
{
    if (!call->stream_open)
        return;
    call->stream_open = 0;
    ssc_client__call_detach(call);
    call_unref(call);
}

static nghttp2_session *call_session(const ssc_client_call *call)
{
    return call->conn != NULL ? call->conn->io.h2 : NULL;
}

/* Resets the stream unless both sides have already ended it. */
static void call_reset_stream(ssc_client_call *call, uint32_t rst_code)
{
    nghttp2_session *h2 = call_session(call);

    if (!call->stream_open || h2 == NULL)
        return;
    if (call->remote_ended && call->eos_sent)
        return;
    /* The server finished before we did: tell it we are done too. */
    if (call->remote_ended)
        rst_code = NGHTTP2_NO_ERROR;
    nghttp2_submit_rst_stream(h2, NGHTTP2_FLAG_NONE, call->stream_id, rst_code);
    ssc_client__conn_kick(call->conn);
}

void ssc_client__call_end(ssc_client_call *call, int code, uint32_t rst_code,
                          const char *fmt, ...)
{
    va_list ap;

    if (call->ended)
        return;
    call->ended = 1;
    uv_timer_stop(&call->timer);
    call->res.code = code;
    if (fmt != NULL) {
        free(call->res.message);
        va_start(ap, fmt);
        call->res.message = ssc_client__vprintf(fmt, ap);
        va_end(ap);
    } else if (call->res.message == NULL) {
        call->res.message = ssc_xstrdup("");
    }
    call_reset_stream(call, rst_code);
    if (!call->stream_open)
        ssc_client__call_detach(call);
    call->cbs->on_close(call, &call->res);
    call_unref(call);
}

void ssc_client__call_fail(ssc_client_call *call, const char *why)
{
    ssc_client__call_end(call, SSC_STATUS_UNAVAILABLE, NGHTTP2_CANCEL, "%s",
                         why);
    call_stream_gone(call);
    ssc_client__call_detach(call);
}

static void on_timer(uv_timer_t *t)
{
    ssc_client_call *call = container_of(t, ssc_client_call, timer);

    if (call->end_pending) {
        ssc_client__call_end(call, call->res.code, NGHTTP2_CANCEL, NULL);
        return;
    }
    ssc_client__call_end(call, SSC_STATUS_DEADLINE_EXCEEDED, NGHTTP2_CANCEL,
                         "deadline of %llu ms exceeded",
                         (unsigned long long)call->timeout_ms);
}

/* Ends the call from the loop rather than from the caller's stack, for
 * failures found while ssc_client_call_start() is still running. */
static void call_end_soon(ssc_client_call *call, int code, char *message)
{
    call->res.code = code;
    free(call->res.message);
    call->res.message = message;
    call->end_pending = 1;
    uv_timer_start(&call->timer, on_timer, 0, 0);
}

/* ---- request ------------------------------------------------------------ */

static ssize_t read_body(nghttp2_session *s, int32_t stream_id, uint8_t *buf,
                         size_t length, uint32_t *flags,
                         nghttp2_data_source *source, void *user)
{
    ssc_client_call *call = source->ptr;
    ssc_client_conn *conn = user;
    size_t avail = call->send.len - call->send_off;
    size_t n = avail < length ? avail : length;

    if (n == 0 && !call->half_closed && !call->ended) {
        call->deferred = 1;
        return NGHTTP2_ERR_DEFERRED;
    }
    if (n > 0)
        memcpy(buf, call->send.data + call->send_off, n);
    call->send_off += n;
    if (call->send_off == call->send.len) {
        call->send.len = 0;
        call->send_off = 0;
        if (call->send.alloc > SEND_KEEP_MAX)
            ssc_buf_reset(&call->send);
        if (call->half_closed || call->ended) {
            *flags |= NGHTTP2_DATA_FLAG_EOF;
            call->eos_sent = 1;
        }
    }
    if (call->drain_wanted &&
        call->send.len - call->send_off < SSC_CLIENT_LOW_WATER) {
        call->drain_wanted = 0;
        if (call->cbs->on_drain != NULL && !call->ended) {
            conn->cb_depth++;
            call->cbs->on_drain(call);
            conn->cb_depth--;
        }
    }
    return (ssize_t)n;
}

/* Builds the request header list. Binary metadata values are base64-encoded
 * into *enc, which the caller frees (each entry, then the array). */
static size_t request_headers(ssc_client_call *call, nghttp2_nv *nva,
                              char **enc, const char *timeout)
{
    const ssc_client *c = call->client;
    const char *fixed[][2] = {
        {":method", "POST"},
        {":scheme", "https"},
        {":path", call->path},
        {":authority", c->endpoint},
        {"te", "trailers"},
        {"content-type", "application/grpc"},
        {"user-agent", c->user_agent},
        {"grpc-timeout", timeout},
    };
    size_t nfixed = sizeof(fixed) / sizeof(fixed[0]) - (timeout ? 0 : 1);
    size_t n = 0;

    for (size_t i = 0; i < nfixed; i++, n++) {
        nva[n].name = (uint8_t *)fixed[i][0];
        nva[n].namelen = strlen(fixed[i][0]);
        nva[n].value = (uint8_t *)fixed[i][1];
        nva[n].valuelen = strlen(fixed[i][1]);
        nva[n].flags = NGHTTP2_NV_FLAG_NONE;
    }
    for (size_t i = 0; i < call->md.n; i++, n++) {
        const ssc_md_entry *e = &call->md.v[i];
        size_t klen = strlen(e->key);

        nva[n].name = (uint8_t *)e->key;
        nva[n].namelen = klen;
        nva[n].value = e->value;
        nva[n].valuelen = e->value_len;
        nva[n].flags = NGHTTP2_NV_FLAG_NONE;
        if (ssc_md_is_binary(e->key, klen)) {
            enc[i] = ssc_b64_encode(e->value, e->value_len, &nva[n].valuelen);
            nva[n].value = (uint8_t *)enc[i];
        }
    }
    return n;
}

/* Queues the request HEADERS with the body as a deferred data source.
 * Returns 0, SSC_ETIMEDOUT when the deadline has already passed, or SSC_EH2. */
static int call_submit(ssc_client_call *call)
{
    nghttp2_session *h2 = call_session(call);
    nghttp2_data_provider prd;
    char timeout[16];
    nghttp2_nv *nva = ssc_xcalloc(8 + call->md.n, sizeof(*nva));
    char **enc = ssc_xcalloc(call->md.n + 1, sizeof(*enc));
    size_t n;
    int32_t id;

    if (call->deadline != 0) {
        uint64_t now = uv_now(call->client->loop);

        if (now >= call->deadline) {
            free(nva);
            free(enc);
            return SSC_ETIMEDOUT;
        }
        ssc_timeout_format(call->deadline - now, timeout);
    }
    n = request_headers(call, nva, enc, call->deadline ? timeout : NULL);
    prd.source.ptr = call;
    prd.read_callback = read_body;
    id = nghttp2_submit_request(h2, NULL, nva, n, &prd, call);
    for (size_t i = 0; i < call->md.n; i++)
        free(enc[i]);
    free(enc);
    free(nva);
    if (id < 0)
        return SSC_EH2;
    call->stream_id = id;
    call->stream_open = 1;
    call->refs++;
    return 0;
}

void ssc_client__call_submit(ssc_client_call *call)
{
    int rc = call_submit(call);

    if (rc == SSC_ETIMEDOUT)
        ssc_client__call_end(call, SSC_STATUS_DEADLINE_EXCEEDED, 0,
                             "deadline of %llu ms exceeded while connecting "
                             "to %s",
                             (unsigned long long)call->timeout_ms,
                             call->client->endpoint);
    else if (rc != 0)
        ssc_client__call_end(call, SSC_STATUS_UNAVAILABLE, 0,
                             "could not start a stream to %s",
                             call->client->endpoint);
}

/* Non-zero for "/package.Service/Method". */
static int path_ok(const char *path)
{
    const char *slash;

    if (path == NULL || path[0] != '/' || path[1] == '/')
        return 0;
    slash = strchr(path + 1, '/');
    return slash != NULL && slash[1] != '\0' && strchr(slash + 1, '/') == NULL;
}

static int md_copy(ssc_md *dst, const ssc_md *src)
{
    for (size_t i = 0; src != NULL && i < src->n; i++) {
        const ssc_md_entry *e = &src->v[i];
        size_t klen = strlen(e->key);

        if (ssc_md_is_reserved(e->key, klen) ||
            ssc_md_add(dst, e->key, klen, e->value, e->value_len) != 0)
            return SSC_EINVAL;
    }
    return 0;
}

int ssc_client_call_start(ssc_client *c, const char *path, const ssc_md *md,
                          uint64_t timeout_ms, const ssc_client_call_cbs *cbs,
                          void *data, ssc_client_call **out)
{
    ssc_client_call *call;
    ssc_client_conn *conn;
    int rc;

    if (c->freeing)
        return SSC_ECLOSED;
    if (!path_ok(path))
        return SSC_EINVAL;
    call = ssc_xcalloc(1, sizeof(*call));
    ssc_md_init(&call->md);
    if (md_copy(&call->md, md) != 0) {
        ssc_md_free(&call->md);
        free(call);
        return SSC_EINVAL;
    }
    call->client = c;
    c->refs++;
    call->refs = 1;
    call->cbs = cbs;
    call->data = data;
    call->path = ssc_xstrdup(path);
    call->grpc_status = -1;
    ssc_buf_init(&call->send, 0);
    ssc_frame_reader_init(&call->reader, c->max_message);
    ssc_client_result_init(&call->res);
    uv_timer_init(c->loop, &call->timer);
    call->timeout_ms = timeout_ms;
    if (timeout_ms != 0) {
        call->deadline = uv_now(c->loop) + timeout_ms;
        uv_timer_start(&call->timer, on_timer, timeout_ms, 0);
    }
    conn = ssc_client__conn_get(c);
    ssc_client__call_attach(call, conn);
    if (conn->state == CONN_READY) {
        rc = call_submit(call);
        if (rc != 0)
            call_end_soon(call, SSC_STATUS_UNAVAILABLE,
                          ssc_client__printf("could not start a stream to %s",
                                             c->endpoint));
        else
            ssc_client__conn_kick(conn);
    }
    *out = call;
    return 0;
}

/* Wakes the data source if it was waiting for more to send. */
static void call_resume(ssc_client_call *call)
{
    nghttp2_session *h2 = call_session(call);

    if (!call->stream_open || !call->deferred || h2 == NULL)
        return;
    call->deferred = 0;
    nghttp2_session_resume_data(h2, call->stream_id);
    ssc_client__conn_kick(call->conn);
}

int ssc_client_call_send(ssc_client_call *call, const uint8_t *msg, size_t len)
{
    uint8_t hdr[SSC_FRAME_HEADER_LEN];

    if (call->ended || call->half_closed)
        return SSC_ECLOSED;
    if (len > UINT32_MAX)
        return SSC_ETOOBIG;
    if (call->send_off > 0 && call->send_off >= call->send.len / 2) {
        ssc_buf_consume(&call->send, call->send_off);
        call->send_off = 0;
    }
    ssc_frame_header(hdr, 0, (uint32_t)len);
    if (ssc_buf_append(&call->send, hdr, sizeof(hdr)) != 0 ||
        ssc_buf_append(&call->send, msg, len) != 0)
        return SSC_ETOOBIG;
    if (ssc_client_call_buffered(call) > SSC_CLIENT_HIGH_WATER)
        call->drain_wanted = 1;
    call_resume(call);
    return 0;
}

int ssc_client_call_send_msg(ssc_client_call *call, const ProtobufCMessage *msg)
{
    size_t len = protobuf_c_message_get_packed_size(msg);
    uint8_t *buf = ssc_xmalloc(len);
    int rc;

    protobuf_c_message_pack(msg, buf);
    rc = ssc_client_call_send(call, buf, len);
    free(buf);
    return rc;
}

int ssc_client_call_half_close(ssc_client_call *call)
{
    if (call->ended || call->half_closed)
        return SSC_ECLOSED;
    call->half_closed = 1;
    call_resume(call);
    return 0;
}

void ssc_client_call_cancel(ssc_client_call *call)
{
    ssc_client__call_end(call, SSC_STATUS_CANCELLED, NGHTTP2_CANCEL,
                         "call cancelled by the client");
}

size_t ssc_client_call_buffered(const ssc_client_call *call)
{
    return call->send.len - call->send_off;
}

void *ssc_client_call_data(const ssc_client_call *call)
{
    return call->data;
}

/* ---- response ----------------------------------------------------------- */

/* grpc doc/http-grpc-status-mapping.md, for responses without grpc-status. */
static int status_from_http(int http)
{
    switch (http) {
    case 400:
        return SSC_STATUS_INTERNAL;
    case 401:
        return SSC_STATUS_UNAUTHENTICATED;
    case 403:
        return SSC_STATUS_PERMISSION_DENIED;
    case 404:
        return SSC_STATUS_UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
        return SSC_STATUS_UNAVAILABLE;
    default:
        return SSC_STATUS_UNKNOWN;
    }
}

/* grpc doc/PROTOCOL-HTTP2.md, "Errors": RST_STREAM code -> status. */
static int status_from_rst(uint32_t code)
{
    switch (code) {
    case NGHTTP2_REFUSED_STREAM:
        return SSC_STATUS_UNAVAILABLE;
    case NGHTTP2_CANCEL:
        return SSC_STATUS_CANCELLED;
    case NGHTTP2_ENHANCE_YOUR_CALM:
        return SSC_STATUS_RESOURCE_EXHAUSTED;
    case NGHTTP2_INADEQUATE_SECURITY:
        return SSC_STATUS_PERMISSION_DENIED;
    default:
        return SSC_STATUS_INTERNAL;
    }
}

static ssc_client_call *stream_call(nghttp2_session *s, int32_t stream_id)
{
    ssc_client_call *call = nghttp2_session_get_stream_user_data(s, stream_id);

    return call != NULL && !call->ended ? call : NULL;
}

int ssc_client__on_begin_headers(nghttp2_session *s, const nghttp2_frame *f,
                                 void *user)
{
    ssc_client_call *call = stream_call(s, f->hd.stream_id);

    if (call != NULL && f->hd.type == NGHTTP2_HEADERS)
        call->trailers = call->headers_done;
    return 0;
}

static int is(const uint8_t *p, size_t n, const char *word)
{
    return n == strlen(word) && memcmp(p, word, n) == 0;
}

/* "application/grpc", optionally followed by "+subtype" or ";params". */
static int grpc_content_type(const uint8_t *v, size_t n)
{
    static const char base[] = "application/grpc";
    size_t blen = sizeof(base) - 1;

    return n >= blen && memcmp(v, base, blen) == 0 &&
           (n == blen || v[blen] == '+' || v[blen] == ';');
}

/* grpc-status is 1 to 3 digits; anything else counts as UNKNOWN. */
static int parse_grpc_status(const uint8_t *v, size_t n)
{
    int code = 0;

    if (n == 0 || n > 3)
        return SSC_STATUS_UNKNOWN;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return SSC_STATUS_UNKNOWN;
        code = code * 10 + (v[i] - '0');
    }
    return code;
}

/* Handles the headers the transport owns. Returns 1 when name was one. */
static int reserved_header(ssc_client_call *call, const uint8_t *name,
                           size_t namelen, const uint8_t *value,
                           size_t valuelen)
{
    if (is(name, namelen, ":status")) {
        call->http_status = 0;
        for (size_t i = 0; i < valuelen && i < 3; i++)
            call->http_status = call->http_status * 10 + (value[i] - '0');
    } else if (is(name, namelen, "content-type")) {
        call->ctype_ok = grpc_content_type(value, valuelen);
    } else if (is(name, namelen, "grpc-status")) {
        call->grpc_status = parse_grpc_status(value, valuelen);
    } else if (is(name, namelen, "grpc-message")) {
        free(call->res.message);
        call->res.message = ssc_pct_decode((const char *)value, valuelen, NULL);
    } else if (is(name, namelen, "grpc-encoding")) {
        call->encoding = is(value, valuelen, "identity") ? 0
                         : is(value, valuelen, "gzip")   ? 1
                                                         : -1;
    } else {
        return ssc_md_is_reserved((const char *)name, namelen);
    }
    return 1;
}

int ssc_client__on_header(nghttp2_session *s, const nghttp2_frame *f,
                          const uint8_t *name, size_t namelen,
                          const uint8_t *value, size_t valuelen, uint8_t flags,
                          void *user)
{
    ssc_client_call *call = stream_call(s, f->hd.stream_id);
    ssc_md *md;

    if (call == NULL || f->hd.type != NGHTTP2_HEADERS ||
        reserved_header(call, name, namelen, value, valuelen))
        return 0;
    md = call->trailers ? &call->res.trailers : &call->res.headers;
    if (call->res.headers.bytes + call->res.trailers.bytes + namelen +
            valuelen >
        SSC_CLIENT_MAX_METADATA) {
        ssc_client__call_end(call, SSC_STATUS_INTERNAL, NGHTTP2_CANCEL,
                             "response metadata larger than %u bytes",
                             SSC_CLIENT_MAX_METADATA);
        return 0;
    }
    /* A value that is not valid base64 for a "-bin" key is dropped, as
     * other gRPC implementations do. */
    (void)ssc_md_add_wire(md, (const char *)name, namelen, value, valuelen);
    return 0;
}

/* The response is over: work out the status from what was received. */
static void call_finish(ssc_client_call *call)
{
    const char *ep = call->client->endpoint;

    if (call->grpc_status < 0 && call->http_status != 200) {
        ssc_client__call_end(call, status_from_http(call->http_status),
                             NGHTTP2_NO_ERROR,
                             "%s answered with http status %d and no "
                             "grpc-status",
                             ep, call->http_status);
    } else if (call->grpc_status < 0) {
        ssc_client__call_end(call, SSC_STATUS_UNKNOWN, NGHTTP2_NO_ERROR,
                             "%s ended the response without grpc-status", ep);
    } else if (call->grpc_status == SSC_STATUS_OK &&
               ssc_frame_reader_partial(&call->reader)) {
        ssc_client__call_end(call, SSC_STATUS_INTERNAL, NGHTTP2_NO_ERROR,
                             "%s ended the response inside a message", ep);
    } else {
        ssc_client__call_end(call, call->grpc_status, NGHTTP2_NO_ERROR, NULL);
    }
}

/* The response head arrived without ending the stream. Returns 0 to go on. */
static int check_head(ssc_client_call *call)
{
    const char *ep = call->client->endpoint;

    if (call->http_status != 200) {
        ssc_client__call_end(call, status_from_http(call->http_status),
                             NGHTTP2_CANCEL, "%s answered with http status %d",
                             ep, call->http_status);
        return -1;
    }
    if (!call->ctype_ok) {
        ssc_client__call_end(call, SSC_STATUS_INTERNAL, NGHTTP2_CANCEL,
                             "%s answered without a grpc content-type", ep);
        return -1;
    }
    if (call->encoding < 0) {
        ssc_client__call_end(call, SSC_STATUS_INTERNAL, NGHTTP2_CANCEL,
                             "%s used an unsupported grpc-encoding", ep);
        return -1;
    }
    return 0;
}

static void on_response_headers(ssc_client_call *call, uint8_t flags)
{
    if (call->http_status >= 100 && call->http_status < 200) {
        call->http_status = 0; /* informational; the real head follows */
        return;
    }
    call->headers_done = 1;
    if (flags & NGHTTP2_FLAG_END_STREAM) {
        /* Trailers-Only: this one block carries the status and trailers. */
        ssc_md tmp = call->res.trailers;

        call->res.trailers = call->res.headers;
        call->res.headers = tmp;
        call_finish(call);
        return;
    }
    if (check_head(call) == 0 && call->cbs->on_headers != NULL)
        call->cbs->on_headers(call, &call->res.headers);
}

int ssc_client__on_stream_frame(nghttp2_session *s, const nghttp2_frame *f,
                                void *user)
{
    ssc_client_call *call = stream_call(s, f->hd.stream_id);

    if (call == NULL)
        return 0;
    if (f->hd.flags & NGHTTP2_FLAG_END_STREAM)
        call->remote_ended = 1;
    if (f->hd.type == NGHTTP2_HEADERS && !call->trailers) {
        on_response_headers(call, f->hd.flags);
    } else if (f->hd.type == NGHTTP2_HEADERS) {
        call_finish(call);
    } else if (f->hd.type == NGHTTP2_DATA &&
               (f->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
        ssc_client__call_end(call, SSC_STATUS_INTERNAL, NGHTTP2_NO_ERROR,
                             "%s closed the stream without sending trailers",
                             call->client->endpoint);
    }
    return 0;
}

/* Hands one complete message to the user, inflating it first when the
 * server compressed it. */
static int on_message(void *arg, int compressed, const uint8_t *msg, size_t len)
{
    ssc_client_call *call = arg;
    ssc_buf plain;
    int rc;

    if (compressed && call->encoding != 1) {
        ssc_client__call_end(call, SSC_STATUS_INTERNAL, NGHTTP2_CANCEL,
                             "compressed response message without "
                             "grpc-encoding");
        return SSC_ECANCELED;
    }
    ssc_buf_init(&plain, call->client->max_message);
    if (compressed) {
        rc = ssc_gzip_decompress(msg, len, &plain);
        if (rc != 0) {
            ssc_buf_reset(&plain);
            ssc_client__call_end(
                call,
                rc == SSC_ETOOBIG ? SSC_STATUS_RESOURCE_EXHAUSTED
                                  : SSC_STATUS_INTERNAL,
                NGHTTP2_CANCEL, "could not decompress response message: %s",
                ssc_strerror(rc));
            return SSC_ECANCELED;
        }
        msg = plain.data;
        len = plain.len;
    }
    if (call->cbs->on_message != NULL)
        call->cbs->on_message(call, msg, len);
    ssc_buf_reset(&plain);
    return call->ended ? SSC_ECANCELED : 0;
}

int ssc_client__on_data_chunk(nghttp2_session *s, uint8_t flags,
                              int32_t stream_id, const uint8_t *data,
                              size_t len, void *user)
{
    ssc_client_call *call = stream_call(s, stream_id);
    int rc;

    if (call == NULL)
        return 0;
    rc = ssc_frame_reader_feed(&call->reader, data, len, on_message, call);
    if (rc == SSC_ETOOBIG)
        ssc_client__call_end(call, SSC_STATUS_RESOURCE_EXHAUSTED,
                             NGHTTP2_CANCEL,
                             "response message larger than the limit of %zu "
                             "bytes",
                             call->client->max_message);
    else if (rc == SSC_EPROTO)
        ssc_client__call_end(call, SSC_STATUS_INTERNAL, NGHTTP2_CANCEL,
                             "malformed message framing from %s",
                             call->client->endpoint);
    return 0;
}

int ssc_client__on_stream_close(nghttp2_session *s, int32_t stream_id,
                                uint32_t error_code, void *user)
{
    ssc_client_call *call = nghttp2_session_get_stream_user_data(s, stream_id);
    ssc_client_conn *conn = user;

    if (call == NULL)
        return 0;
    /* This runs on the send path too, where the user's on_close must not
     * make us write. */
    conn->cb_depth++;
    call->stream_open = 0;
    ssc_client__call_end(call, status_from_rst(error_code), 0,
                         "stream reset by %s: %s", call->client->endpoint,
                         nghttp2_http2_strerror(error_code));
    ssc_client__call_detach(call);
    conn->cb_depth--;
    call_unref(call);
    return 0;
}
