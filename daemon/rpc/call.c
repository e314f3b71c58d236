/*
 * call.c - one gRPC call on one HTTP/2 stream: from request headers through
 * routing, limits, reassembly and unpacking to the handler, and from the
 * handler's responses to DATA frames and trailers.
 *
 * Memory: each call owns its request metadata, its reassembly buffer (capped
 * at max_message_bytes) and its queue of framed responses. The queue is
 * consumed from an offset so that sending a large message does not memmove it
 * once per DATA frame.
 *
 * Request bytes are charged to the connection's and the process's buffer
 * limits (budget.h) before the peer may send them: a stream opens with the
 * SSC_STREAM_WINDOW its SETTINGS give it, charged then (refused with
 * RESOURCE_EXHAUSTED when there is no room); a message longer than what the
 * peer may still send gets the rest of its window only once all of it is
 * charged, and until then the call waits in loop->rx_waiters while the peer
 * stalls on flow control. Window comes back as the handler consumes: a
 * streaming request's message is released after on_message and its bytes
 * granted again; a unary request is kept (its reassembly buffer taken over,
 * not copied) until the end of the stream. A gzip message is charged again
 * for its decompressed size while that exists. Everything a call holds is
 * given back when it is done or its stream closes.
 *
 * Entry points: see call.h (handlers) and call_internal.h (the connection).
 */
#include "call_internal.h"

#include "b64.h"
#include "budget.h"
#include "err.h"
#include "frame.h"
#include "gzip.h"
#include "log.h"
#include "mem.h"
#include "pb_check.h"
#include "pct.h"
#include "router.h"
#include "timeout.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATH_MAX_BYTES 1024
#define ACCEPT_ENCODING "identity,gzip"

enum { ENC_IDENTITY, ENC_GZIP, ENC_UNSUPPORTED };

typedef struct deadline {
    uv_timer_t timer;
    ssc_call *call;
} deadline;

struct ssc_call {
    ssc_conn *conn; /* NULL once the stream is closed */
    ssc_loop *loop;
    ssc_link conn_link;  /* in conn->calls */
    ssc_link defer_link; /* in loop->deferred while on_drain is due */
    int32_t stream_id;
    int refs;
    const ssc_method *method;
    void *data;
    ssc_peer *peer; /* a reference: handlers may outlive the connection */

    /* request */
    char *path;
    size_t header_bytes;
    uint64_t timeout_ms;
    deadline *deadline;
    uint64_t deadline_at;
    ssc_md req_md;
    ssc_frame_reader reader;
    ssc_budget_stream rx; /* request bytes held and the peer's credit */
    ssc_link rx_wait;     /* in loop->rx_waiters while credit waits */
    uint8_t *unary_msg;   /* the request of a unary call, until end of stream */
    size_t unary_len;
    unsigned nreq;
    int encoding;
    int reject_status; /* a gRPC status to answer with once headers end */
    int reject_http;   /* an HTTP status to answer with instead */
    char *reject_msg;

    /* response */
    ssc_md init_md;
    ssc_md trail_md;
    ssc_buf outq;
    size_t out_off;
    int status;
    char *message;

    unsigned has_timeout : 1;
    unsigned dispatched : 1;
    unsigned half_closed : 1;
    unsigned headers_sent : 1;
    unsigned finished : 1;
    unsigned cancelled : 1;
    unsigned ended : 1; /* final HEADERS submitted */
    unsigned deferred : 1;
    unsigned drain_due : 1;
    unsigned unary_compressed : 1;
    unsigned in_request : 1;   /* request buffers in use (feed, delivery) */
    unsigned input_paused : 1; /* ssc_call_pause_input() */
    size_t owed; /* bytes of messages handled while paused, not released */
};

static const ssc_config *cfg_of(const ssc_call *call)
{
    return call->loop->server->cfg;
}

static nghttp2_session *session_of(const ssc_call *call);
static size_t peer_credit(const ssc_call *call);
static void reject(ssc_call *call, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Opens the stream's account, charging the window the peer has on it, but
 * at most SSC_STREAM_WINDOW. Until the peer acknowledges sscd's SETTINGS a
 * new stream has HTTP/2's default 65,535 bytes, and charging that made a
 * client that opens its streams in the first round trip (100 watches at
 * once, say) find the 89th refused, although the connection's budget is
 * sized for the window every stream has once the SETTINGS are in. What the
 * peer sends beyond the charge before then is charged as it arrives
 * (ssc_budget_stream_recv), and refuses the call only if it cannot be:
 * nothing is held unpaid either way. */
static int open_account(ssc_call *call)
{
    size_t credit = peer_credit(call);

    return ssc_budget_stream_open(
        &call->rx, &call->conn->buffers,
        credit < SSC_STREAM_WINDOW ? credit : SSC_STREAM_WINDOW);
}

ssc_call *ssc__call_new(ssc_conn *conn, int32_t stream_id)
{
    ssc_call *call = ssc_xcalloc(1, sizeof(*call));

    call->conn = conn;
    call->loop = conn->loop;
    call->stream_id = stream_id;
    call->refs = 1;
    call->peer = ssc__peer_ref(conn->peer);
    ssc_md_init(&call->req_md);
    ssc_md_init(&call->init_md);
    ssc_md_init(&call->trail_md);
    ssc_frame_reader_init(&call->reader, cfg_of(call)->max_message_bytes);
    ssc_buf_init(&call->outq, 0);
    ssc_link_init(&call->rx_wait);
    ssc_link_insert(&conn->calls, &call->conn_link);
    ssc__conn_stream_opened(conn);
    if (open_account(call) != 0)
        reject(call, SSC_STATUS_RESOURCE_EXHAUSTED,
               "server request buffers are full, try again later");
    return call;
}

void ssc_call_ref(ssc_call *call)
{
    call->refs++;
}

void ssc_call_unref(ssc_call *call)
{
    if (--call->refs > 0)
        return;
    ssc__peer_unref(call->peer);
    free(call->path);
    free(call->reject_msg);
    free(call->message);
    ssc_md_free(&call->req_md);
    ssc_md_free(&call->init_md);
    ssc_md_free(&call->trail_md);
    ssc_frame_reader_free(&call->reader);
    free(call->unary_msg);
    ssc_buf_reset(&call->outq);
    free(call);
}

/* Remembers the first reason to refuse the request; headers keep arriving
 * until END_HEADERS, and the answer goes out then. */
static void reject(ssc_call *call, int status, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    if (call->reject_status != 0 || call->reject_http != 0)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    call->reject_status = status;
    call->reject_msg = ssc_xstrdup(msg);
}

static int eq(const uint8_t *p, size_t n, const char *s)
{
    size_t sl = strlen(s);

    return n == sl && memcmp(p, s, n) == 0;
}

/* "application/grpc", optionally followed by "+proto", "+json" or ";...". */
static int is_grpc_content_type(const uint8_t *v, size_t n)
{
    static const char base[] = "application/grpc";
    size_t bl = sizeof(base) - 1;

    if (n < bl || strncasecmp((const char *)v, base, bl) != 0)
        return 0;
    return n == bl || v[bl] == '+' || v[bl] == ';';
}

static void on_pseudo_header(ssc_call *call, const uint8_t *name, size_t nl,
                             const uint8_t *value, size_t vl)
{
    if (eq(name, nl, ":method")) {
        if (!eq(value, vl, "POST"))
            call->reject_http = 405;
    } else if (eq(name, nl, ":path")) {
        if (vl > PATH_MAX_BYTES) {
            reject(call, SSC_STATUS_UNIMPLEMENTED, "method path too long");
            return;
        }
        free(call->path);
        call->path = ssc_xstrndup((const char *)value, vl);
    }
}

static void on_grpc_header(ssc_call *call, const uint8_t *name, size_t nl,
                           const uint8_t *value, size_t vl)
{
    if (eq(name, nl, "grpc-timeout")) {
        if (ssc_timeout_parse((const char *)value, vl, &call->timeout_ms) != 0)
            reject(call, SSC_STATUS_INVALID_ARGUMENT,
                   "malformed grpc-timeout header \"%.*s\"",
                   (int)(vl > 16 ? 16 : vl), (const char *)value);
        else
            call->has_timeout = 1;
    } else if (eq(name, nl, "grpc-encoding")) {
        if (eq(value, vl, "identity"))
            call->encoding = ENC_IDENTITY;
        else if (eq(value, vl, "gzip"))
            call->encoding = ENC_GZIP;
        else {
            call->encoding = ENC_UNSUPPORTED;
            reject(call, SSC_STATUS_UNIMPLEMENTED,
                   "grpc-encoding \"%.*s\" is not supported "
                   "(supported: " ACCEPT_ENCODING ")",
                   (int)(vl > 32 ? 32 : vl), (const char *)value);
        }
    }
    /* grpc-accept-encoding, grpc-message-type and the rest carry nothing the
     * server needs: responses go out uncompressed, which every client takes. */
}

int ssc__call_on_header(ssc_call *call, const uint8_t *name, size_t namelen,
                        const uint8_t *value, size_t valuelen)
{
    call->header_bytes += namelen + valuelen + 32;
    if (call->header_bytes > cfg_of(call)->max_header_list_bytes) {
        reject(call, SSC_STATUS_RESOURCE_EXHAUSTED,
               "request headers larger than %u bytes",
               cfg_of(call)->max_header_list_bytes);
        return 0;
    }
    if (namelen > 0 && name[0] == ':') {
        on_pseudo_header(call, name, namelen, value, valuelen);
    } else if (eq(name, namelen, "content-type")) {
        if (!is_grpc_content_type(value, valuelen))
            call->reject_http = 415;
    } else if (namelen > 5 && memcmp(name, "grpc-", 5) == 0) {
        on_grpc_header(call, name, namelen, value, valuelen);
    } else if (!ssc_md_is_reserved((const char *)name, namelen)) {
        if (ssc_md_add_wire(&call->req_md, (const char *)name, namelen, value,
                            valuelen) != 0)
            reject(call, SSC_STATUS_INTERNAL,
                   "malformed value for metadata \"%.*s\"",
                   (int)(namelen > 64 ? 64 : namelen), (const char *)name);
    }
    return 0;
}

/* ---- response side ---------------------------------------------------- */

static void nv_add(nghttp2_nv *nv, size_t *n, const char *name,
                   const uint8_t *value, size_t vlen)
{
    nv[*n].name = (uint8_t *)name;
    nv[*n].namelen = strlen(name);
    nv[*n].value = (uint8_t *)value;
    nv[*n].valuelen = vlen;
    nv[*n].flags = NGHTTP2_NV_FLAG_NONE;
    (*n)++;
}

/* Appends metadata to nv; "-bin" values are base64-encoded into strings kept
 * in owned[] for the caller to free after submitting. */
static void nv_add_md(nghttp2_nv *nv, size_t *n, const ssc_md *md, char **owned,
                      size_t *nowned)
{
    for (size_t i = 0; i < md->n; i++) {
        const ssc_md_entry *e = &md->v[i];

        if (ssc_md_is_binary(e->key, strlen(e->key))) {
            size_t len;
            char *enc = ssc_b64_encode(e->value, e->value_len, &len);

            owned[(*nowned)++] = enc;
            nv_add(nv, n, e->key, (const uint8_t *)enc, len);
        } else {
            nv_add(nv, n, e->key, e->value, e->value_len);
        }
    }
}

/* Builds the grpc-status / grpc-message / trailing-metadata part of nv. */
static void nv_add_status(ssc_call *call, nghttp2_nv *nv, size_t *n, char *code,
                          char **owned, size_t *nowned)
{
    snprintf(code, 12, "%d", call->status);
    nv_add(nv, n, "grpc-status", (const uint8_t *)code, strlen(code));
    if (call->message != NULL && call->message[0] != '\0') {
        size_t len;
        char *enc = ssc_pct_encode(call->message, strlen(call->message), &len);

        owned[(*nowned)++] = enc;
        nv_add(nv, n, "grpc-message", (const uint8_t *)enc, len);
    }
    if (call->encoding == ENC_UNSUPPORTED)
        nv_add(nv, n, "grpc-accept-encoding", (const uint8_t *)ACCEPT_ENCODING,
               sizeof(ACCEPT_ENCODING) - 1);
    nv_add_md(nv, n, &call->trail_md, owned, nowned);
}

static void free_owned(char **owned, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(owned[i]);
    free(owned);
}

/* While callbacks are deferred the loop must not block in poll; the idle
 * handle's only job is to keep it spinning until the check handle ran them. */
static void idle_noop(uv_idle_t *h)
{
    (void)h;
}

static void schedule_drain(ssc_call *call)
{
    if (call->drain_due || call->method == NULL ||
        call->method->on_drain == NULL)
        return;
    call->drain_due = 1;
    ssc_call_ref(call);
    if (ssc_link_empty(&call->loop->deferred))
        uv_idle_start(&call->loop->defer_idle, idle_noop);
    ssc_link_insert(&call->loop->deferred, &call->defer_link);
}

static void submit_trailers(nghttp2_session *s, ssc_call *call)
{
    size_t cap = 4 + call->trail_md.n;
    nghttp2_nv *nv = ssc_xcalloc(cap, sizeof(*nv));
    char **owned = ssc_xcalloc(cap, sizeof(char *));
    size_t n = 0, nowned = 0;
    char code[12];

    nv_add_status(call, nv, &n, code, owned, &nowned);
    call->ended = 1;
    if (nghttp2_submit_trailer(s, call->stream_id, nv, n) != 0)
        SSC_LOG_DEBUG("could not submit trailers on stream %d",
                      (int)call->stream_id);
    free_owned(owned, nowned);
    free(nv);
}

static ssize_t read_response(nghttp2_session *s, int32_t stream_id,
                             uint8_t *buf, size_t length, uint32_t *flags,
                             nghttp2_data_source *source, void *user_data)
{
    ssc_call *call = source->ptr;
    size_t avail = call->outq.len - call->out_off;

    (void)stream_id;
    (void)user_data;
    if (avail > 0) {
        size_t n = avail < length ? avail : length;

        memcpy(buf, call->outq.data + call->out_off, n);
        call->out_off += n;
        if (call->out_off == call->outq.len) {
            call->outq.len = 0;
            call->out_off = 0;
            if (call->outq.alloc > SSC_CALL_LOW_WATER)
                ssc_buf_reset(&call->outq);
        }
        if (avail >= SSC_CALL_LOW_WATER && avail - n < SSC_CALL_LOW_WATER)
            schedule_drain(call);
        return (ssize_t)n;
    }
    if (call->finished || call->cancelled) {
        *flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
        submit_trailers(s, call);
        return 0;
    }
    call->deferred = 1;
    return NGHTTP2_ERR_DEFERRED;
}

static nghttp2_session *session_of(const ssc_call *call)
{
    return call->conn != NULL ? call->conn->io.h2 : NULL;
}

/* Submits the response HEADERS: with a body to follow, or (end != 0) as a
 * Trailers-Only response that carries the status. */
static void submit_headers(ssc_call *call, int end)
{
    size_t cap = 8 + call->init_md.n + call->trail_md.n;
    nghttp2_nv *nv = ssc_xcalloc(cap, sizeof(*nv));
    char **owned = ssc_xcalloc(cap, sizeof(char *));
    size_t n = 0, nowned = 0;
    char code[12];
    nghttp2_data_provider prd = {.source.ptr = call,
                                 .read_callback = read_response};

    nv_add(nv, &n, ":status", (const uint8_t *)"200", 3);
    nv_add(nv, &n, "content-type", (const uint8_t *)"application/grpc", 16);
    if (call->encoding != ENC_UNSUPPORTED)
        nv_add(nv, &n, "grpc-accept-encoding", (const uint8_t *)ACCEPT_ENCODING,
               sizeof(ACCEPT_ENCODING) - 1);
    nv_add_md(nv, &n, &call->init_md, owned, &nowned);
    if (end) {
        nv_add_status(call, nv, &n, code, owned, &nowned);
        call->ended = 1;
    }
    call->headers_sent = 1;
    if (nghttp2_submit_response(session_of(call), call->stream_id, nv, n,
                                end ? NULL : &prd) != 0)
        SSC_LOG_DEBUG("could not submit response on stream %d",
                      (int)call->stream_id);
    free_owned(owned, nowned);
    free(nv);
}

static void submit_http_error(ssc_call *call, int status)
{
    char code[4];
    nghttp2_nv nv[1];
    size_t n = 0;

    snprintf(code, sizeof(code), "%d", status);
    nv_add(nv, &n, ":status", (const uint8_t *)code, 3);
    call->headers_sent = 1;
    call->ended = 1;
    call->finished = 1;
    nghttp2_submit_response(session_of(call), call->stream_id, nv, n, NULL);
}

static void resume(ssc_call *call)
{
    if (call->deferred && session_of(call) != NULL) {
        call->deferred = 0;
        nghttp2_session_resume_data(session_of(call), call->stream_id);
    }
}

static void drop_request(ssc_call *call);

/* Puts the status on the wire: as Trailers-Only when nothing was sent yet,
 * else as trailers after the queued responses. The request side is let go
 * first: nothing more of it will be read. */
static void end_call(ssc_call *call, int status, const char *message)
{
    drop_request(call);
    if (call->ended || call->conn == NULL)
        return;
    call->status = status;
    free(call->message);
    call->message = message != NULL ? ssc_xstrdup(message) : NULL;
    if (!call->headers_sent)
        submit_headers(call, 1);
    else
        resume(call);
    ssc__conn_flush(call->conn);
}

static void stop_deadline(ssc_call *call);

static void finish(ssc_call *call, int status, const char *message)
{
    if (ssc_call_is_done(call))
        return;
    call->finished = 1;
    stop_deadline(call);
    end_call(call, status, message);
}

void ssc_call_finish(ssc_call *call, ssc_status code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    if (ssc_call_is_done(call))
        return;
    msg[0] = '\0';
    if (fmt != NULL) {
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
    }
    finish(call, (int)code, msg);
}

/* Appends a framed message of len bytes to the queue and returns where its
 * body goes, or NULL (with *rc set) when the call cannot send it. */
static uint8_t *queue_message(ssc_call *call, size_t len, int *rc)
{
    uint8_t *dst;

    *rc = 0;
    if (ssc_call_is_done(call) || call->conn == NULL)
        *rc = SSC_ECLOSED;
    else if (len > cfg_of(call)->max_message_bytes)
        *rc = SSC_ETOOBIG;
    if (*rc != 0)
        return NULL;
    /* The queue has no cap (ssc_buf_init(&outq, 0)): this cannot fail. */
    dst = ssc_buf_reserve(&call->outq, SSC_FRAME_HEADER_LEN + len);
    ssc_frame_header(dst, 0, (uint32_t)len);
    call->outq.len += SSC_FRAME_HEADER_LEN + len;
    return dst + SSC_FRAME_HEADER_LEN;
}

/* Puts what queue_message() queued on its way. */
static void queued(ssc_call *call)
{
    if (!call->headers_sent)
        submit_headers(call, 0);
    else
        resume(call);
    ssc__conn_flush(call->conn);
}

int ssc_call_send_bytes(ssc_call *call, const uint8_t *msg, size_t len)
{
    int rc;
    uint8_t *dst = queue_message(call, len, &rc);

    if (dst == NULL)
        return rc;
    memcpy(dst, msg, len);
    queued(call);
    return 0;
}

/* Packs straight into the response queue: one copy of the message fewer, and
 * no buffer to allocate and free per response. */
int ssc_call_send(ssc_call *call, const ProtobufCMessage *msg)
{
    int rc;
    uint8_t *dst =
        queue_message(call, protobuf_c_message_get_packed_size(msg), &rc);

    if (dst == NULL)
        return rc;
    protobuf_c_message_pack(msg, dst);
    queued(call);
    return 0;
}

int ssc_call_add_initial_md(ssc_call *call, const char *key,
                            const uint8_t *value, size_t len)
{
    if (call->headers_sent || ssc_call_is_done(call))
        return SSC_ECLOSED;
    if (ssc_md_is_reserved(key, strlen(key)))
        return SSC_EINVAL;
    return ssc_md_add(&call->init_md, key, strlen(key), value, len);
}

int ssc_call_add_trailing_md(ssc_call *call, const char *key,
                             const uint8_t *value, size_t len)
{
    if (ssc_call_is_done(call))
        return SSC_ECLOSED;
    if (ssc_md_is_reserved(key, strlen(key)))
        return SSC_EINVAL;
    return ssc_md_add(&call->trail_md, key, strlen(key), value, len);
}

/* ---- deadline ----------------------------------------------------------- */

static void deadline_closed(uv_handle_t *h)
{
    deadline *d = container_of(h, deadline, timer);

    ssc_call_unref(d->call);
    free(d);
}

static void stop_deadline(ssc_call *call)
{
    deadline *d = call->deadline;

    if (d == NULL)
        return;
    call->deadline = NULL;
    uv_close((uv_handle_t *)&d->timer, deadline_closed);
}

/* Tells the handler the call is gone. The caller holds a reference, so the
 * call outlives on_cancel. */
static void cancel(ssc_call *call)
{
    if (ssc_call_is_done(call))
        return;
    call->cancelled = 1;
    stop_deadline(call);
    if (call->dispatched && call->method->on_cancel != NULL)
        call->method->on_cancel(call);
}

static void deadline_fired(uv_timer_t *t)
{
    deadline *d = container_of(t, deadline, timer);
    ssc_call *call = d->call;
    nghttp2_session *s = session_of(call);

    if (ssc_call_is_done(call))
        return;
    if (call->dispatched && call->method->on_deadline != NULL &&
        call->method->on_deadline(call))
        return;
    ssc_call_ref(call);
    cancel(call);
    /* Responses still queued are dropped; if the peer's window is shut the
     * trailers could never go, so the stream is reset instead. */
    call->outq.len = 0;
    call->out_off = 0;
    if (s != NULL && call->headers_sent &&
        nghttp2_session_get_stream_remote_window_size(s, call->stream_id) <=
            0) {
        nghttp2_submit_rst_stream(s, NGHTTP2_FLAG_NONE, call->stream_id,
                                  NGHTTP2_CANCEL);
        call->ended = 1;
        ssc__conn_flush(call->conn);
    } else {
        end_call(call, SSC_STATUS_DEADLINE_EXCEEDED, "deadline exceeded");
    }
    ssc_call_unref(call);
}

static void start_deadline(ssc_call *call)
{
    deadline *d;

    if (!call->has_timeout)
        return;
    d = ssc_xmalloc(sizeof(*d));
    uv_timer_init(&call->loop->uv, &d->timer);
    d->call = call;
    ssc_call_ref(call);
    call->deadline = d;
    call->deadline_at = uv_now(&call->loop->uv) + call->timeout_ms;
    uv_timer_start(&d->timer, deadline_fired, call->timeout_ms, 0);
}

/* ---- request buffers and flow control ----------------------------------- */

/* What the peer may still send on the stream, as nghttp2 counts it; nothing
 * once the peer has half-closed. */
static int64_t peer_window(const ssc_call *call);

static size_t peer_credit(const ssc_call *call)
{
    int64_t w = peer_window(call);

    return w > 0 ? (size_t)w : 0;
}

/* The window as nghttp2 counts it, which is negative when the peer sent
 * more under HTTP/2's default window, before it had sscd's SETTINGS, than
 * those allow once acknowledged (nghttp2_session_get_stream_local_window_size
 * says 0 then). A grant must cover that deficit as well as what it is for,
 * or the peer never gets to send it: a client that queued a large message
 * on a new connection stalled for good. Nothing once the peer has
 * half-closed. */
static int64_t peer_window(const ssc_call *call)
{
    nghttp2_session *s = session_of(call);
    int32_t local, recv;

    if (s == NULL || call->half_closed)
        return 0;
    local = nghttp2_session_get_stream_effective_local_window_size(
        s, call->stream_id);
    recv = nghttp2_session_get_stream_effective_recv_data_length(
        s, call->stream_id);
    if (local < 0 || recv < 0)
        return 0;
    return (int64_t)local - recv;
}

/* What the peer owes the window (see peer_window()). */
static size_t peer_deficit(const ssc_call *call)
{
    int64_t w = peer_window(call);

    return w < 0 ? (size_t)-w : 0;
}

/* The headroom growth must leave in the connection's ledger: the first
 * window of every stream the connection may still open, as those cannot
 * wait. */
static size_t conn_keep(const ssc_call *call)
{
    unsigned max = cfg_of(call)->max_concurrent_streams;
    unsigned open = call->conn->nstreams;

    return open < max ? (size_t)(max - open) * SSC_STREAM_WINDOW : 0;
}

/* The headroom growth must leave in the process's pool: an eighth, for the
 * first windows of new streams on any connection, so that clients holding
 * large messages do not get every other client's calls refused. */
static size_t pool_keep(const ssc_call *call)
{
    return call->loop->server->buffers.max / 8;
}

static void grant(ssc_call *call, size_t n)
{
    nghttp2_session *s = session_of(call);

    if (n == 0 || s == NULL)
        return;
    (void)nghttp2_submit_window_update(s, NGHTTP2_FLAG_NONE, call->stream_id,
                                       (int32_t)n);
    ssc__conn_flush(call->conn);
}

static void keep_turning(uv_idle_t *h)
{
    (void)h;
}

/* Budget came back on this loop: waiting calls are retried in the check
 * phase (ssc__call_run_deferred()). */
static void budget_returned(ssc_loop *loop)
{
    if (loop->rx_retry || ssc_link_empty(&loop->rx_waiters))
        return;
    loop->rx_retry = 1;
    uv_idle_start(&loop->defer_idle, keep_turning);
}

static int waiting(const ssc_call *call)
{
    return call->rx_wait.next != &call->rx_wait;
}

/* Grants the peer the window the message in progress still needs, once all
 * of it is charged; until then the call waits in loop->rx_waiters and the
 * peer stalls when its window runs out. */
static void request_more(ssc_call *call)
{
    size_t want = ssc_frame_reader_remaining(&call->reader);
    size_t credit;

    if (call->input_paused) {
        ssc_link_remove(&call->rx_wait); /* ssc_call_resume_input() asks */
        return;
    }
    credit = peer_credit(call);

    (void)ssc_budget_stream_sync(&call->rx, credit);
    if (want <= credit) {
        ssc_link_remove(&call->rx_wait);
        return;
    }
    if (ssc_budget_stream_grant(&call->rx, want - credit, conn_keep(call),
                                pool_keep(call)) != 0) {
        if (!waiting(call))
            ssc_link_insert(&call->loop->rx_waiters, &call->rx_wait);
        return;
    }
    ssc_link_remove(&call->rx_wait);
    grant(call, want - credit + peer_deficit(call));
}

/* Lets go of every request byte the call holds and gives its budget back:
 * the call is done, its stream is gone or its request is complete. Not while
 * the buffers are in use (inside the frame reader or a delivery); those paths
 * call it again when they return. */
static void drop_request(ssc_call *call)
{
    if (call->in_request)
        return;
    ssc_link_remove(&call->rx_wait);
    ssc_frame_reader_free(&call->reader);
    call->owed = 0; /* closing the account gives it back */
    free(call->unary_msg);
    call->unary_msg = NULL;
    call->unary_len = 0;
    if (ssc_budget_stream_is_open(&call->rx)) {
        ssc_budget_stream_close(&call->rx);
        budget_returned(call->loop);
    }
}

/* Request bytes the handler is done with are released, and as many as
 * bring the peer's window back to SSC_STREAM_WINDOW are granted again. */
static void release_bytes(ssc_call *call, size_t n)
{
    size_t credit = peer_credit(call);
    size_t refill = 0;

    if (!ssc_call_is_done(call) && credit < SSC_STREAM_WINDOW)
        refill = SSC_STREAM_WINDOW - credit;
    refill = ssc_budget_stream_release(&call->rx, n, refill);
    grant(call, refill > 0 ? refill + peer_deficit(call) : 0);
    budget_returned(call->loop);
}

/* A streaming request's message of len bytes was handled: its bytes and
 * prefix are released (see release_bytes()), unless the handler paused its
 * input: then they stay charged, as what the handler holds, until it
 * resumes. */
static void release_message(ssc_call *call, size_t len)
{
    if (call->input_paused) {
        call->owed += len + SSC_FRAME_HEADER_LEN;
        return;
    }
    release_bytes(call, len + SSC_FRAME_HEADER_LEN);
}

void ssc_call_pause_input(ssc_call *call)
{
    call->input_paused = 1;
}

void ssc_call_resume_input(ssc_call *call)
{
    size_t owed = call->owed;

    if (!call->input_paused)
        return;
    call->input_paused = 0;
    call->owed = 0;
    if (call->conn == NULL || !ssc_budget_stream_is_open(&call->rx))
        return;
    if (owed > 0)
        release_bytes(call, owed);
    if (!ssc_call_is_done(call) && ssc_frame_reader_remaining(&call->reader))
        request_more(call);
}

void ssc__call_retry_waiters(ssc_loop *loop)
{
    ssc_link *l = loop->rx_waiters.next;

    loop->rx_retry = 0;
    while (l != &loop->rx_waiters) {
        ssc_link *next = l->next;
        ssc_call *call = container_of(l, ssc_call, rx_wait);

        if (ssc_call_is_done(call) || call->conn == NULL)
            ssc_link_remove(l);
        else
            request_more(call);
        l = next;
    }
}

/* Ends a call for what its request did (a message that does not parse, is
 * too large, or is cut short). The handler of a streaming request may hold
 * state for it (a COPY in progress): it hears of the end through on_cancel,
 * as when the stream goes away, since it did not finish the call itself. */
static void refuse(ssc_call *call, ssc_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void refuse(ssc_call *call, ssc_status code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    if (ssc_call_is_done(call))
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    finish(call, (int)code, msg);
    if (call->dispatched && call->method->on_cancel != NULL) {
        ssc_call_ref(call);
        call->method->on_cancel(call);
        ssc_call_unref(call);
    }
}

/* ---- request side ------------------------------------------------------- */

void ssc__call_on_headers_end(ssc_call *call)
{
    const ssc_router *r = call->loop->server->router;
    const char *svc_end;

    if (call->reject_http != 0) {
        submit_http_error(call, call->reject_http);
        ssc__conn_flush(call->conn);
        return;
    }
    if (call->reject_status != 0) {
        finish(call, call->reject_status, call->reject_msg);
        return;
    }
    if (call->path == NULL) {
        finish(call, SSC_STATUS_INTERNAL, "request has no :path");
        return;
    }
    call->method = ssc_router_find(r, call->path, strlen(call->path));
    if (call->method == NULL) {
        svc_end = strrchr(call->path, '/');
        if (svc_end != NULL && svc_end != call->path) {
            char *svc = ssc_xstrndup(call->path + 1,
                                     (size_t)(svc_end - call->path - 1));
            int known = ssc_router_has_service(r, svc);

            free(svc);
            if (!known) {
                ssc_call_finish(
                    call, SSC_STATUS_UNIMPLEMENTED, "unknown service \"%.*s\"",
                    (int)(svc_end - call->path - 1), call->path + 1);
                return;
            }
        }
        ssc_call_finish(call, SSC_STATUS_UNIMPLEMENTED, "unknown method \"%s\"",
                        call->path);
        return;
    }
    call->dispatched = 1;
    start_deadline(call);
}

static int is_unary_request(const ssc_call *call)
{
    return call->method->kind == SSC_UNARY ||
           call->method->kind == SSC_SERVER_STREAMING;
}

/* Unpacks one request and hands it to the handler. */
static void deliver(ssc_call *call, const uint8_t *msg, size_t len)
{
    ProtobufCMessage *req;
    char field[128];
    int rc;

    rc = ssc_pb_check_strings(call->method->input, msg, len, field,
                              sizeof(field));
    if (rc == SSC_EINVAL) {
        refuse(call, SSC_STATUS_INVALID_ARGUMENT,
               "%s: must be valid UTF-8 text without NUL bytes", field);
        return;
    }
    if (rc != 0) {
        refuse(call, SSC_STATUS_INTERNAL,
               "could not parse request message as %s",
               call->method->input->name);
        return;
    }
    req = protobuf_c_message_unpack(call->method->input, NULL, len, msg);
    if (req == NULL) {
        refuse(call, SSC_STATUS_INTERNAL,
               "could not parse request message as %s",
               call->method->input->name);
        return;
    }
    ssc_call_ref(call);
    call->method->on_message(call, req);
    protobuf_c_message_free_unpacked(req, NULL);
    ssc_call_unref(call);
}

/* Decompresses a gzip message and delivers it. The plain copy is charged
 * while it exists, and may only grow into the room the limits have. */
static void deliver_gzip(ssc_call *call, const uint8_t *msg, size_t len)
{
    size_t max = cfg_of(call)->max_message_bytes;
    size_t room =
        ssc_budget_room(&call->conn->buffers, conn_keep(call), pool_keep(call));
    size_t cap = room < max ? room : max;
    ssc_buf plain;
    int rc;

    ssc_buf_init(&plain, cap);
    rc = ssc_gzip_decompress(msg, len, &plain);
    if (rc == 0)
        rc = ssc_budget_stream_hold(&call->rx, plain.len, conn_keep(call),
                                    pool_keep(call));
    if (rc == 0) {
        deliver(call, plain.data, plain.len);
        (void)ssc_budget_stream_release(&call->rx, plain.len, 0);
        budget_returned(call->loop);
    } else if (rc == SSC_ETOOBIG && cap == max) {
        refuse(call, SSC_STATUS_RESOURCE_EXHAUSTED,
               "decompressed request message larger than %u bytes",
               cfg_of(call)->max_message_bytes);
    } else if (rc == SSC_ETOOBIG || rc == SSC_EAGAIN) {
        refuse(call, SSC_STATUS_RESOURCE_EXHAUSTED,
               "server request buffers are full, try again later");
    } else {
        refuse(call, SSC_STATUS_INTERNAL,
               "could not decompress request message");
    }
    ssc_buf_reset(&plain);
}

static void deliver_any(ssc_call *call, int compressed, const uint8_t *msg,
                        size_t len)
{
    if (compressed)
        deliver_gzip(call, msg, len);
    else
        deliver(call, msg, len);
}

/* Keeps the one request of a unary call until the end of the stream: the
 * reader's buffer is taken over when it reassembled the message, so the
 * request is not held twice. */
static int keep_unary(ssc_call *call, int compressed, const uint8_t *msg,
                      size_t len)
{
    if (++call->nreq > 1) {
        refuse(call, SSC_STATUS_UNIMPLEMENTED,
               "more than one request message on a call that "
               "takes one");
        return SSC_ECANCELED;
    }
    call->unary_msg = ssc_frame_reader_take(&call->reader);
    if (call->unary_msg == NULL) {
        call->unary_msg = ssc_xmalloc(len);
        if (len > 0)
            memcpy(call->unary_msg, msg, len);
    }
    call->unary_len = len;
    call->unary_compressed = compressed != 0;
    return 0;
}

/* The frame reader's callback: one whole request message. */
static int on_message(void *arg, int compressed, const uint8_t *msg, size_t len)
{
    ssc_call *call = arg;

    if (compressed && call->encoding != ENC_GZIP) {
        refuse(call, SSC_STATUS_INTERNAL,
               "compressed message without grpc-encoding");
        return SSC_ECANCELED;
    }
    if (is_unary_request(call))
        return keep_unary(call, compressed, msg, len);
    call->nreq++;
    deliver_any(call, compressed, msg, len);
    release_message(call, len);
    return ssc_call_is_done(call) ? SSC_ECANCELED : 0;
}

void ssc__call_on_settings_acked(ssc_call *call)
{
    size_t deficit;

    if (ssc_call_is_done(call) || call->conn == NULL || call->half_closed ||
        call->input_paused || call->in_request ||
        !ssc_budget_stream_is_open(&call->rx))
        return;
    deficit = peer_deficit(call);
    if (deficit == 0)
        return;
    if (ssc_frame_reader_remaining(&call->reader) > 0) {
        request_more(call); /* the rest of the message, and the deficit */
        return;
    }
    if (is_unary_request(call) && call->nreq > 0)
        return; /* its one message is in: it needs no more */
    if (ssc_budget_stream_grant(&call->rx, SSC_STREAM_WINDOW, conn_keep(call),
                                pool_keep(call)) == 0)
        grant(call, SSC_STREAM_WINDOW + deficit);
}

void ssc__call_on_data(ssc_call *call, const uint8_t *p, size_t n)
{
    int rc;

    if (!call->dispatched || ssc_call_is_done(call)) {
        drop_request(call);
        return;
    }
    if (ssc_budget_stream_recv(&call->rx, n) != 0) {
        refuse(call, SSC_STATUS_RESOURCE_EXHAUSTED,
               "server request buffers are full, try again later");
        return;
    }
    call->in_request = 1;
    rc = ssc_frame_reader_feed(&call->reader, p, n, on_message, call);
    call->in_request = 0;
    if (rc == SSC_ETOOBIG)
        refuse(call, SSC_STATUS_RESOURCE_EXHAUSTED,
               "request message larger than max_message_bytes (%u)",
               cfg_of(call)->max_message_bytes);
    else if (rc == SSC_EPROTO)
        refuse(call, SSC_STATUS_INTERNAL, "malformed message length prefix");
    if (ssc_call_is_done(call))
        drop_request(call);
    else
        request_more(call);
}

/* The unary request, at the end of the stream; then it is let go. */
static void deliver_unary(ssc_call *call)
{
    call->in_request = 1;
    deliver_any(call, call->unary_compressed, call->unary_msg, call->unary_len);
    call->in_request = 0;
    drop_request(call);
}

void ssc__call_on_end_stream(ssc_call *call)
{
    call->half_closed = 1;
    if (!call->dispatched || ssc_call_is_done(call)) {
        drop_request(call);
        return;
    }
    (void)ssc_budget_stream_sync(&call->rx, 0);
    if (ssc_frame_reader_partial(&call->reader)) {
        refuse(call, SSC_STATUS_INTERNAL,
               "request stream ended inside a message");
        return;
    }
    if (is_unary_request(call)) {
        if (call->nreq == 0) {
            refuse(call, SSC_STATUS_INTERNAL,
                   "request stream ended without a message");
            return;
        }
        deliver_unary(call);
        return;
    }
    drop_request(call);
    if (call->method->on_half_close != NULL) {
        ssc_call_ref(call);
        call->method->on_half_close(call);
        ssc_call_unref(call);
    }
}

void ssc__call_on_frame_sent(ssc_call *call, const nghttp2_frame *frame)
{
    nghttp2_session *s = session_of(call);

    /* Per the gRPC spec, trailers sent before the client finished sending are
     * followed by RST_STREAM(NO_ERROR) so the client stops. */
    if (s == NULL || frame->hd.type != NGHTTP2_HEADERS ||
        !(frame->hd.flags & NGHTTP2_FLAG_END_STREAM))
        return;
    if (!nghttp2_session_get_stream_remote_close(s, call->stream_id))
        nghttp2_submit_rst_stream(s, NGHTTP2_FLAG_NONE, call->stream_id,
                                  NGHTTP2_NO_ERROR);
}

static void detach(ssc_call *call)
{
    if (call->conn == NULL)
        return;
    drop_request(call);
    ssc_link_remove(&call->conn_link);
    ssc__conn_stream_closed(call->conn);
    call->conn = NULL;
    cancel(call);
    stop_deadline(call);
    ssc_call_unref(call);
}

void ssc__call_on_stream_close(ssc_call *call, uint32_t error_code)
{
    (void)error_code;
    detach(call);
}

ssc_call *ssc__call_of_conn_link(ssc_link *l)
{
    return container_of(l, ssc_call, conn_link);
}

void ssc__call_conn_lost(ssc_call *call)
{
    detach(call);
}

void ssc__call_run_deferred(ssc_loop *loop)
{
    if (loop->rx_retry)
        ssc__call_retry_waiters(loop);
    while (!ssc_link_empty(&loop->deferred)) {
        ssc_call *call =
            container_of(loop->deferred.next, ssc_call, defer_link);

        ssc_link_remove(&call->defer_link);
        call->drain_due = 0;
        if (!ssc_call_is_done(call) && call->conn != NULL &&
            ssc_call_buffered(call) < SSC_CALL_LOW_WATER)
            call->method->on_drain(call);
        ssc_call_unref(call);
    }
}

/* ---- accessors ---------------------------------------------------------- */

const ssc_md *ssc_call_metadata(const ssc_call *call)
{
    return &call->req_md;
}

size_t ssc_call_buffered(const ssc_call *call)
{
    return call->outq.len - call->out_off;
}

void ssc_call_set_data(ssc_call *call, void *data)
{
    call->data = data;
}

void *ssc_call_data(const ssc_call *call)
{
    return call->data;
}

const ssc_method *ssc_call_method(const ssc_call *call)
{
    return call->method;
}

uv_loop_t *ssc_call_uv_loop(const ssc_call *call)
{
    return &call->loop->uv;
}

const ssc_router *ssc_call_router(const ssc_call *call)
{
    return call->loop->server->router;
}

struct ssc_server *ssc_call_server(const ssc_call *call)
{
    return call->loop->server;
}

ssc_loop *ssc_server_loop_of(const ssc_call *call)
{
    return call->loop;
}

const ssc_peer *ssc_call_peer(const ssc_call *call)
{
    return call->peer;
}

int ssc_call_is_done(const ssc_call *call)
{
    return call->finished || call->cancelled;
}

uint64_t ssc_call_deadline_ms(const ssc_call *call)
{
    return call->has_timeout ? call->deadline_at : 0;
}
