/*
 * conn.c - one accepted connection: TLS handshake with ALPN h2, the nghttp2
 * server session and its limits, the handshake and idle timers, GOAWAY.
 *
 * nghttp2 events for a request stream are handed to call.c; this file owns
 * only what concerns the connection as a whole.
 *
 * The peer's identity is read once, at the end of the handshake, into an
 * ssc_peer that the connection shares with its calls by reference.
 *
 * Entry points: ssc__conn_loop_init(), ssc__conn_loop_free(),
 * ssc__conn_accept(), ssc__conn_goaway(), ssc__conn_abort(),
 * ssc__conn_flush(), ssc__conn_stream_opened(), ssc__conn_stream_closed(),
 * ssc__peer_new(), ssc__peer_ref(), ssc__peer_unref().
 */
#include "conn.h"

#include "call_internal.h"
#include "err.h"
#include "log.h"
#include "mem.h"
#include "tls.h"

#include <stdlib.h>
#include <string.h>

/* Flow control. Stream windows are the brake: each stream starts with
 * SSC_STREAM_WINDOW and gets more only as call.c has it charged to the
 * buffer limits, so what a peer may send is always paid for. The connection
 * window is handed back as bytes arrive (those bytes are already charged to
 * their stream); returned only once handled, it would let partial messages on
 * different streams fill it and wait for each other for ever. It is twice the
 * connection's buffer limit, at least 16 MiB, so that with nghttp2 sending
 * WINDOW_UPDATE at half the window it never holds back what was granted. */
#define CONN_WINDOW_MIN (16 << 20)

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
    ssc_conn *c = user_data;
    ssc_call *call;

    if (frame->hd.type == NGHTTP2_SETTINGS &&
        (frame->hd.flags & NGHTTP2_FLAG_ACK)) {
        for (ssc_link *l = c->calls.next; l != &c->calls; l = l->next)
            ssc__call_on_settings_acked(ssc__call_of_conn_link(l));
        return 0;
    }
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
    if (nghttp2_session_consume_connection(s, len) != 0)
        return NGHTTP2_ERR_CALLBACK_FAILURE;
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
    nghttp2_option_set_no_auto_window_update(opt, 1);
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
    ssc_link_remove(&c->link);
    ssc__peer_unref(c->peer);
    free(c);
    ssc_budget_pool_give(&loop->server->conns, 1);
    ssc__server_conn_gone(loop);
}

static void timer_closed(uv_handle_t *h)
{
    conn_release(container_of(h, ssc_conn, timer));
}

static void io_closed(ssc_h2io *io)
{
    ssc_conn *c = container_of(io, ssc_conn, io);

    ssc_link_remove(&c->flush_link);
    while (!ssc_link_empty(&c->calls))
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

static int32_t conn_window(const ssc_config *cfg)
{
    uint64_t w = 2 * cfg->max_connection_buffer_bytes;

    if (w < CONN_WINDOW_MIN)
        w = CONN_WINDOW_MIN;
    return w > NGHTTP2_MAX_WINDOW_SIZE ? NGHTTP2_MAX_WINDOW_SIZE : (int32_t)w;
}

static int submit_settings(ssc_conn *c)
{
    const ssc_config *cfg = c->loop->server->cfg;
    nghttp2_settings_entry iv[] = {
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, cfg->max_concurrent_streams},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, SSC_STREAM_WINDOW},
        {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, cfg->max_header_list_bytes},
        {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
    };

    if (nghttp2_submit_settings(c->io.h2, NGHTTP2_FLAG_NONE, iv,
                                sizeof(iv) / sizeof(iv[0])) != 0)
        return SSC_EH2;
    if (nghttp2_session_set_local_window_size(c->io.h2, NGHTTP2_FLAG_NONE, 0,
                                              conn_window(cfg)) != 0)
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
    if (ssc__peer_new(io->ssl, &c->peer) != 0) {
        SSC_LOG_WARN("refusing tls connection: could not read the identity "
                     "of its client certificate");
        return SSC_ETLS;
    }
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

int ssc__peer_new(SSL *ssl, ssc_peer **peer)
{
    char fingerprint[65], *subject;
    int rc = ssc_tls_peer(ssl, &subject, fingerprint);
    size_t sublen, fplen;
    ssc_peer *p;

    *peer = NULL;
    if (rc != 0 && rc != SSC_ENOTFOUND)
        return rc;
    sublen = subject != NULL ? strlen(subject) : 0;
    fplen = strlen(fingerprint);
    p = ssc_xmalloc(sizeof(*p) + sublen + 1);
    p->refs = 1;
    p->verified = rc == 0;
    memcpy(p->fingerprint, fingerprint, fplen + 1);
    memcpy(p->subject, subject != NULL ? subject : "", sublen + 1);
    free(subject);
    *peer = p;
    return 0;
}

ssc_peer *ssc__peer_ref(ssc_peer *p)
{
    p->refs++;
    return p;
}

void ssc__peer_unref(ssc_peer *p)
{
    if (p != NULL && --p->refs == 0)
        free(p);
}

static const ssc_h2io_cbs conn_cbs = {
    .on_handshake = on_handshake,
    .on_close = io_closed,
};

static void refused_closed(uv_handle_t *h)
{
    free(h);
}

/* Takes the pending connection off the listener and closes it at once: the
 * process is at max_connections. Logged when refusing starts, not for every
 * connection refused. */
static int refuse(ssc_loop *loop)
{
    uv_tcp_t *t = ssc_xmalloc(sizeof(*t));

    uv_tcp_init(&loop->uv, t);
    (void)uv_accept((uv_stream_t *)&loop->listener, (uv_stream_t *)t);
    uv_close((uv_handle_t *)t, refused_closed);
    if (!loop->conns_full)
        SSC_LOG_WARN("refusing connections: max_connections (%u) open",
                     loop->server->cfg->max_connections);
    loop->conns_full = 1;
    return SSC_EAGAIN;
}

int ssc__conn_accept(ssc_loop *loop)
{
    const ssc_config *cfg = loop->server->cfg;
    ssc_conn *c;
    int rc;

    if (ssc_budget_pool_take(&loop->server->conns, 1, 0) != 0)
        return refuse(loop);
    loop->conns_full = 0;
    c = ssc_xcalloc(1, sizeof(*c));
    c->loop = loop;
    ssc_budget_init(&c->buffers, &loop->server->buffers,
                    cfg->max_connection_buffer_bytes);
    ssc_link_init(&c->calls);
    ssc_link_init(&c->flush_link);
    ssc_link_insert(&loop->conns, &c->link);
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
    if (c->io.closing || c->io.in_pump || !ssc_link_empty(&c->flush_link))
        return;
    /* While flushes wait, the loop must not block in poll before its check
     * phase: the idle handle keeps it turning. */
    uv_idle_start(&loop->defer_idle, idle_noop);
    ssc_link_insert(&loop->flushq, &c->flush_link);
}

void ssc__conn_run_flushes(ssc_loop *loop)
{
    while (!ssc_link_empty(&loop->flushq)) {
        ssc_conn *c = container_of(loop->flushq.next, ssc_conn, flush_link);

        ssc_link_remove(&c->flush_link);
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
