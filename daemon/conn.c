/*
 * conn.c - one accepted connection: TLS handshake with ALPN h2, the nghttp2
 * server session and its limits, the handshake and idle timers, GOAWAY.
 *
 * nghttp2 events for a request stream are handed to call.c; this file owns
 * only what concerns the connection as a whole.
 *
 * Entry points: ssc__conn_loop_init(), ssc__conn_loop_free(),
 * ssc__conn_accept(), ssc__conn_goaway(), ssc__conn_abort(),
 * ssc__conn_flush(), ssc__conn_stream_opened(), ssc__conn_stream_closed().
 */
#include "conn.h"

#include "call_internal.h"
#include "err.h"
#include "log.h"
#include "mem.h"
#include "tls.h"

#include <stdlib.h>
#include <string.h>

/* Receive windows: large enough that a 4 MiB message streams without waiting
 * for WINDOW_UPDATE round trips. */
#define STREAM_WINDOW (1 << 20)
#define CONN_WINDOW (16 << 20)

/* Rapid-reset protection: a burst of this many resets, then this many per
 * second (the values nghttpd uses). */
#define RESET_BURST 1000
#define RESET_RATE 33
#define MAX_CONTINUATIONS 8

static ssc_call *stream_call(nghttp2_session *s, int32_t id)
{
    return nghttp2_session_get_stream_user_data(s, id);
}

static int on_begin_headers(nghttp2_session *s, const nghttp2_frame *frame,
                            void *user_data)
{
    ssc_conn *c = user_data;
    ssc_call *call;

    if (frame->hd.type != NGHTTP2_HEADERS ||
        frame->headers.cat != NGHTTP2_HCAT_REQUEST)
        return 0;
    call = ssc__call_new(c, frame->hd.stream_id);
    nghttp2_session_set_stream_user_data(s, frame->hd.stream_id, call);
    return 0;
}

static int on_header(nghttp2_session *s, const nghttp2_frame *frame,
                     const uint8_t *name, size_t namelen, const uint8_t *value,
                     size_t valuelen, uint8_t flags, void *user_data)
{
    ssc_call *call;

    (void)flags;
    (void)user_data;
    if (frame->hd.type != NGHTTP2_HEADERS ||
        frame->headers.cat != NGHTTP2_HCAT_REQUEST)
        return 0; /* client trailers carry nothing gRPC uses */
    call = stream_call(s, frame->hd.stream_id);
    if (call == NULL)
        return 0;
    return ssc__call_on_header(call, name, namelen, value, valuelen);
}

static int on_frame_recv(nghttp2_session *s, const nghttp2_frame *frame,
                         void *user_data)
{
    ssc_call *call;

    (void)user_data;
    if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA)
        return 0;
    call = stream_call(s, frame->hd.stream_id);
    if (call == NULL)
        return 0;
    if (frame->hd.type == NGHTTP2_HEADERS &&
        frame->headers.cat == NGHTTP2_HCAT_REQUEST)
        ssc__call_on_headers_end(call);
    if (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)
        ssc__call_on_end_stream(call);
    return 0;
}

static int on_data_chunk(nghttp2_session *s, uint8_t flags, int32_t stream_id,
                         const uint8_t *data, size_t len, void *user_data)
{
    ssc_call *call = stream_call(s, stream_id);

    (void)flags;
    (void)user_data;
    if (call != NULL)
        ssc__call_on_data(call, data, len);
    return 0;
}

static int on_stream_close(nghttp2_session *s, int32_t stream_id,
                           uint32_t error_code, void *user_data)
{
    ssc_call *call = stream_call(s, stream_id);

    (void)user_data;
    if (call == NULL)
        return 0;
    nghttp2_session_set_stream_user_data(s, stream_id, NULL);
    ssc__call_on_stream_close(call, error_code);
    return 0;
}

static int on_frame_send(nghttp2_session *s, const nghttp2_frame *frame,
                         void *user_data)
{
    ssc_call *call;

    (void)user_data;
    if (frame->hd.stream_id == 0)
        return 0;
    call = stream_call(s, frame->hd.stream_id);
    if (call != NULL)
        ssc__call_on_frame_sent(call, frame);
    return 0;
}

static int on_error(nghttp2_session *s, int code, const char *msg, size_t len,
                    void *user_data)
{
    (void)s;
    (void)code;
    (void)user_data;
    SSC_LOG_DEBUG("http/2 error from peer: %.*s", (int)len, msg);
    return 0;
}

void ssc__conn_loop_init(ssc_loop *loop)
{
    nghttp2_session_callbacks *cb;
    nghttp2_option *opt;

    if (nghttp2_session_callbacks_new(&cb) != 0 ||
        nghttp2_option_new(&opt) != 0)
        abort();
    nghttp2_session_callbacks_set_on_begin_headers_callback(cb,
                                                            on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb,
                                                              on_data_chunk);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
    nghttp2_session_callbacks_set_on_frame_send_callback(cb, on_frame_send);
    nghttp2_session_callbacks_set_error_callback2(cb, on_error);
    nghttp2_option_set_stream_reset_rate_limit(opt, RESET_BURST, RESET_RATE);
    nghttp2_option_set_max_continuations(opt, MAX_CONTINUATIONS);
    loop->h2_callbacks = cb;
    loop->h2_option = opt;
}

void ssc__conn_loop_free(ssc_loop *loop)
{
    nghttp2_session_callbacks_del(loop->h2_callbacks);
    nghttp2_option_del(loop->h2_option);
}

static void conn_release(ssc_conn *c)
{
    ssc_loop *loop = c->loop;

    if (--c->handles > 0)
        return;
    ssc__link_remove(&c->link);
    free(c);
    ssc__server_conn_gone(loop);
}

static void timer_closed(uv_handle_t *h)
{
    conn_release(container_of(h, ssc_conn, timer));
}

static void io_closed(ssc_h2io *io)
{
    ssc_conn *c = container_of(io, ssc_conn, io);

    ssc__link_remove(&c->flush_link);
    while (!ssc__link_empty(&c->calls))
        ssc__call_conn_lost(ssc__call_of_conn_link(c->calls.next));
    if (!uv_is_closing((uv_handle_t *)&c->timer))
        uv_close((uv_handle_t *)&c->timer, timer_closed);
    conn_release(c);
}

static void on_timer(uv_timer_t *t)
{
    ssc_conn *c = container_of(t, ssc_conn, timer);

    if (!c->io.handshake_done) {
        SSC_LOG_DEBUG("closing connection: tls handshake not done in time");
        ssc__conn_abort(c);
        return;
    }
    if (c->nstreams == 0)
        ssc__conn_goaway(c);
}

static int submit_settings(ssc_conn *c)
{
    const ssc_config *cfg = c->loop->server->cfg;
    nghttp2_settings_entry iv[] = {
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, cfg->max_concurrent_streams},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, STREAM_WINDOW},
        {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, cfg->max_header_list_bytes},
        {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
    };

    if (nghttp2_submit_settings(c->io.h2, NGHTTP2_FLAG_NONE, iv,
                                sizeof(iv) / sizeof(iv[0])) != 0)
        return SSC_EH2;
    if (nghttp2_session_set_local_window_size(c->io.h2, NGHTTP2_FLAG_NONE, 0,
                                              CONN_WINDOW) != 0)
        return SSC_EH2;
    return 0;
}

static int on_handshake(ssc_h2io *io)
{
    ssc_conn *c = container_of(io, ssc_conn, io);
    const ssc_config *cfg = c->loop->server->cfg;

    if (!ssc_h2io_alpn_is_h2(io)) {
        SSC_LOG_DEBUG("refusing tls connection that did not negotiate h2");
        return SSC_EPROTO;
    }
    c->peer.verified = ssc_tls_peer(
        io->ssl, c->peer.subject, sizeof(c->peer.subject), c->peer.fingerprint);
    /* Only the identity above is used from here on; the rest of the chain the
     * client sent would sit in memory as long as the connection. */
    ssc_tls_drop_peer_chain(io->ssl);
    if (nghttp2_session_server_new3(&io->h2, c->loop->h2_callbacks, c,
                                    c->loop->h2_option, ssc_h2io_mem()) != 0)
        return SSC_EH2;
    if (submit_settings(c) != 0)
        return SSC_EH2;
    if (c->loop->draining)
        ssc__conn_goaway(c);
    uv_timer_stop(&c->timer);
    if (cfg->idle_timeout_s > 0)
        uv_timer_start(&c->timer, on_timer, cfg->idle_timeout_s * 1000ULL, 0);
    return 0;
}

static const ssc_h2io_cbs conn_cbs = {
    .on_handshake = on_handshake,
    .on_close = io_closed,
};

int ssc__conn_accept(ssc_loop *loop)
{
    const ssc_config *cfg = loop->server->cfg;
    ssc_conn *c = ssc_xcalloc(1, sizeof(*c));
    int rc;

    c->loop = loop;
    ssc__link_init(&c->calls);
    ssc__link_init(&c->flush_link);
    ssc__link_insert(&loop->conns, &c->link);
    rc = ssc_h2io_init(&c->io, &loop->uv, loop->ssl_ctx, 1, &conn_cbs,
                       loop->scratch, sizeof(loop->scratch));
    uv_timer_init(&loop->uv, &c->timer);
    c->handles = 2;
    if (rc == 0 && uv_accept((uv_stream_t *)&loop->listener,
                             (uv_stream_t *)&c->io.tcp) != 0)
        rc = SSC_EIO;
    if (rc == 0) {
        uv_tcp_nodelay(&c->io.tcp, 1);
        uv_timer_start(&c->timer, on_timer, cfg->handshake_timeout_s * 1000ULL,
                       0);
        rc = ssc_h2io_start(&c->io);
    }
    if (rc < 0)
        ssc__conn_abort(c);
    return rc;
}

void ssc__conn_goaway(ssc_conn *c)
{
    if (c->goaway || c->io.closing)
        return;
    if (c->io.h2 == NULL) {
        ssc__conn_abort(c);
        return;
    }
    c->goaway = 1;
    nghttp2_submit_goaway(c->io.h2, NGHTTP2_FLAG_NONE,
                          nghttp2_session_get_last_proc_stream_id(c->io.h2),
                          NGHTTP2_NO_ERROR, NULL, 0);
    ssc_h2io_flush(&c->io);
}

void ssc__conn_abort(ssc_conn *c)
{
    ssc_h2io_close(&c->io);
}

static void idle_noop(uv_idle_t *h)
{
    (void)h;
}

void ssc__conn_flush(ssc_conn *c)
{
    ssc_loop *loop = c->loop;

    /* Inside a read the pump flushes when it is done. */
    if (c->io.closing || c->io.in_pump || !ssc__link_empty(&c->flush_link))
        return;
    /* While flushes wait, the loop must not block in poll before its check
     * phase: the idle handle keeps it turning. */
    uv_idle_start(&loop->defer_idle, idle_noop);
    ssc__link_insert(&loop->flushq, &c->flush_link);
}

void ssc__conn_run_flushes(ssc_loop *loop)
{
    while (!ssc__link_empty(&loop->flushq)) {
        ssc_conn *c = container_of(loop->flushq.next, ssc_conn, flush_link);

        ssc__link_remove(&c->flush_link);
        ssc_h2io_flush(&c->io);
    }
}

void ssc__conn_stream_opened(ssc_conn *c)
{
    if (c->nstreams++ == 0)
        uv_timer_stop(&c->timer);
}

void ssc__conn_stream_closed(ssc_conn *c)
{
    const ssc_config *cfg = c->loop->server->cfg;

    if (--c->nstreams == 0 && cfg->idle_timeout_s > 0 && !c->io.closing)
        uv_timer_start(&c->timer, on_timer, cfg->idle_timeout_s * 1000ULL, 0);
}
