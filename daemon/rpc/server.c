/*
 * server.c - starting the loops, the listeners, signal handling, certificate
 * reload and the SIGTERM drain.
 *
 * The main thread runs a small loop of its own that only handles signals and
 * the grace timer; it talks to the worker loops through an atomic command
 * mask plus uv_async_send, and they report their exit the same way.
 *
 * Entry points: ssc_server_run(), ssc_server_serving(),
 * ssc_server_loop_serving(), ssc_server_health_changed(), ssc_server_loop_of().
 */
#include "server.h"

#include "call_internal.h"
#include "conn.h"
#include "err.h"
#include "log.h"
#include "mem.h"
#include "notify.h"
#include "tls.h"

#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define LISTEN_BACKLOG 1024

typedef struct main_ctx {
    ssc_server *server;
    uv_loop_t uv;
    uv_signal_t sigterm, sigint, sighup;
    uv_timer_t grace;
    uv_async_t loop_exited;
    atomic_uint exited;
    int draining;
} main_ctx;

int ssc_server_serving(const ssc_server *s)
{
    return atomic_load(&s->serving);
}

int ssc_server_loop_serving(const ssc_loop *loop)
{
    const ssc_loop_hooks *h = loop->server->hooks;

    return ssc_server_serving(loop->server) &&
           (h == NULL || h->ready == NULL || h->ready(loop));
}

void ssc_server_health_changed(ssc_loop *loop)
{
    const ssc_loop_hooks *h = loop->server->hooks;

    if (h != NULL && h->health != NULL)
        h->health(loop);
}

/* The hooks' own part of a loop: started once the loop is set up, stopped
 * once its calls are over (or start failed), at most once each. */
static void hooks_start(ssc_loop *loop)
{
    const ssc_loop_hooks *h = loop->server->hooks;

    if (h != NULL && h->start != NULL)
        h->start(loop);
}

static void hooks_stop(ssc_loop *loop)
{
    const ssc_loop_hooks *h = loop->server->hooks;

    if (h != NULL && h->stop != NULL)
        h->stop(loop);
}

/* Resolves host:port once at start (blocking is fine before the loops run). */
static int resolve(const ssc_config *cfg, struct sockaddr_storage *ss,
                   socklen_t *len)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    char port[8];
    int rc;

    snprintf(port, sizeof(port), "%u", (unsigned)cfg->listen_port);
    rc = getaddrinfo(cfg->listen_host, port, &hints, &ai);
    if (rc != 0) {
        SSC_LOG_ERROR("could not resolve listen address %s: %s",
                      cfg->listen_host, gai_strerror(rc));
        return SSC_ECONFIG;
    }
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    *len = ai->ai_addrlen;
    freeaddrinfo(ai);
    return 0;
}

/* A socket bound to ss, with SO_REUSEPORT when reuseport (set on the fd
 * before uv_tcp_open() because libuv 1.44 has no flag for it). Returns the fd
 * or -errno. */
static int bound_socket(const struct sockaddr_storage *ss, socklen_t len,
                        int reuseport)
{
    int one = 1;
    int fd =
        socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

    if (fd < 0)
        return -errno;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        (reuseport &&
         setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) ||
        bind(fd, (const struct sockaddr *)ss, len) != 0) {
        int e = -errno;

        close(fd);
        return e;
    }
    return fd;
}

static int listen_socket(const struct sockaddr_storage *ss, socklen_t len)
{
    return bound_socket(ss, len, 1);
}

/* SO_REUSEPORT would let a second sscd (same user) share the port silently
 * and take part of the connections. A bind without it fails while anything
 * holds the port, so this probe makes a busy port an error at start. */
static int port_free(const ssc_config *cfg, const struct sockaddr_storage *ss,
                     socklen_t len)
{
    int fd = bound_socket(ss, len, 0);

    if (fd < 0) {
        SSC_LOG_ERROR("could not listen on %s:%u: %s", cfg->listen_host,
                      (unsigned)cfg->listen_port, strerror(-fd));
        return SSC_EIO;
    }
    close(fd);
    return 0;
}

static void on_connection(uv_stream_t *listener, int status)
{
    ssc_loop *loop = container_of(listener, ssc_loop, listener);

    if (status < 0) {
        SSC_LOG_WARN("could not accept connection: %s", uv_strerror(status));
        return;
    }
    (void)ssc__conn_accept(loop);
}

static void loop_close_handles(ssc_loop *loop)
{
    if (!uv_is_closing((uv_handle_t *)&loop->async))
        uv_close((uv_handle_t *)&loop->async, NULL);
    if (!uv_is_closing((uv_handle_t *)&loop->defer_check))
        uv_close((uv_handle_t *)&loop->defer_check, NULL);
    if (!uv_is_closing((uv_handle_t *)&loop->defer_idle))
        uv_close((uv_handle_t *)&loop->defer_idle, NULL);
}

static void stop_listening(ssc_loop *loop)
{
    if (!loop->listening)
        return;
    loop->listening = 0;
    uv_close((uv_handle_t *)&loop->listener, NULL);
}

static void each_conn(ssc_loop *loop, void (*fn)(ssc_conn *))
{
    ssc_link *l = loop->conns.next;

    while (l != &loop->conns) {
        ssc_link *next = l->next;

        fn(container_of(l, ssc_conn, link));
        l = next;
    }
}

static void on_command(uv_async_t *a)
{
    ssc_loop *loop = container_of(a, ssc_loop, async);
    int cmd = atomic_exchange(&loop->cmd, 0);

    if (cmd & SSC_LOOP_CMD_RELOAD) {
        SSL_CTX *ctx = atomic_exchange(&loop->pending_ctx, NULL);

        if (ctx != NULL) {
            SSL_CTX_free(loop->ssl_ctx);
            loop->ssl_ctx = ctx;
        }
    }
    if (cmd & SSC_LOOP_CMD_HEALTH)
        ssc_server_health_changed(loop);
    if (cmd & SSC_LOOP_CMD_DRAIN) {
        loop->draining = 1;
        stop_listening(loop);
        each_conn(loop, ssc__conn_goaway);
    }
    if (cmd & SSC_LOOP_CMD_ABORT)
        each_conn(loop, ssc__conn_abort);
    if (cmd & SSC_LOOP_CMD_BUFFERS)
        ssc__call_retry_waiters(loop);
    ssc__server_conn_gone(loop);
}

void ssc__server_conn_gone(ssc_loop *loop)
{
    if (!loop->draining || !ssc_link_empty(&loop->conns))
        return;
    /* Calls are over, so nothing waits for the hooks' work any more. */
    hooks_stop(loop);
    loop_close_handles(loop);
}

/* After each poll: deferred handler callbacks first (they may produce
 * output), then one flush per connection that has output. */
static void on_check(uv_check_t *h)
{
    ssc_loop *loop = container_of(h, ssc_loop, defer_check);

    ssc__call_run_deferred(loop);
    ssc__conn_run_flushes(loop);
    if (ssc_link_empty(&loop->deferred) && ssc_link_empty(&loop->flushq))
        uv_idle_stop(&loop->defer_idle);
}

static int loop_init(ssc_server *s, ssc_loop *loop, unsigned index,
                     const struct sockaddr_storage *ss, socklen_t sslen,
                     SSL_CTX *ctx)
{
    int fd, rc;

    loop->server = s;
    loop->index = index;
    ssc_link_init(&loop->conns);
    ssc_link_init(&loop->watchers);
    ssc_link_init(&loop->deferred);
    ssc_link_init(&loop->flushq);
    ssc_link_init(&loop->rx_waiters);
    atomic_init(&loop->cmd, 0);
    atomic_init(&loop->pending_ctx, NULL);
    uv_loop_init(&loop->uv);
    uv_async_init(&loop->uv, &loop->async, on_command);
    uv_check_init(&loop->uv, &loop->defer_check);
    uv_check_start(&loop->defer_check, on_check);
    uv_idle_init(&loop->uv, &loop->defer_idle);
    SSL_CTX_up_ref(ctx);
    loop->ssl_ctx = ctx;
    ssc__conn_loop_init(loop);
    hooks_start(loop);
    fd = listen_socket(ss, sslen);
    if (fd < 0) {
        SSC_LOG_ERROR("could not listen on %s:%u: %s", s->cfg->listen_host,
                      (unsigned)s->cfg->listen_port, strerror(-fd));
        return SSC_EIO;
    }
    uv_tcp_init(&loop->uv, &loop->listener);
    rc = uv_tcp_open(&loop->listener, fd);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&loop->listener, LISTEN_BACKLOG,
                       on_connection);
    loop->listening = 1;
    if (rc != 0) {
        SSC_LOG_ERROR("could not listen on %s:%u: %s", s->cfg->listen_host,
                      (unsigned)s->cfg->listen_port, uv_strerror(rc));
        return SSC_EIO;
    }
    return 0;
}

/* SIGTERM, SIGINT and SIGHUP: the signals the main thread handles. */
static void stop_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGHUP);
}

static void loop_thread(void *arg)
{
    ssc_loop *loop = arg;
    main_ctx *m = loop->uv.data;
    sigset_t set;

    /* Only the main thread takes the stop signals, so that it alone
     * decides what one does (on_loop_exited). */
    stop_signals(&set);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    uv_run(&loop->uv, UV_RUN_DEFAULT);
    atomic_fetch_add(&m->exited, 1);
    uv_async_send(&m->loop_exited);
}

static void send_cmd(ssc_server *s, int cmd)
{
    for (unsigned i = 0; i < s->nloops; i++) {
        atomic_fetch_or(&s->loops[i].cmd, cmd);
        uv_async_send(&s->loops[i].async);
    }
}

/* The buffer pool's on_room: runs on the loop that gave bytes back after some
 * loop could not take them, and lets every loop retry its waiting calls. */
static void buffers_have_room(void *arg)
{
    send_cmd(arg, SSC_LOOP_CMD_BUFFERS);
}

/* Every connection and call is gone once the loops have exited, so anything
 * still counted in the pools is an accounting leak. */
static void check_pools(ssc_server *s)
{
    size_t held = ssc_budget_pool_used(&s->buffers);
    size_t conns = ssc_budget_pool_used(&s->conns);

    if (held != 0 || conns != 0)
        SSC_LOG_ERROR("buffer accounting leaked: %zu request bytes and %zu "
                      "connections still counted at exit",
                      held, conns);
}

static void on_grace(uv_timer_t *t)
{
    main_ctx *m = container_of(t, main_ctx, grace);

    SSC_LOG_WARN("shutdown grace period over: cancelling calls still running");
    send_cmd(m->server, SSC_LOOP_CMD_ABORT);
}

static void on_sigterm(uv_signal_t *h, int signum)
{
    main_ctx *m = h->data;

    if (m->draining) {
        SSC_LOG_WARN("second signal: closing all connections now");
        send_cmd(m->server, SSC_LOOP_CMD_ABORT);
        return;
    }
    m->draining = 1;
    SSC_LOG_INFO("received %s: draining",
                 signum == SIGINT ? "SIGINT" : "SIGTERM");
    (void)ssc_notify("STOPPING=1");
    atomic_store(&m->server->serving, 0);
    send_cmd(m->server, SSC_LOOP_CMD_HEALTH | SSC_LOOP_CMD_DRAIN);
    uv_timer_start(&m->grace, on_grace,
                   m->server->cfg->shutdown_grace_s * 1000ULL, 0);
}

static void on_sighup(uv_signal_t *h, int signum)
{
    main_ctx *m = h->data;
    const ssc_config *cfg = m->server->cfg;
    char err[512];
    SSL_CTX *ctx;

    (void)signum;
    (void)ssc_notify("RELOADING=1");
    ctx = ssc_tls_server_ctx(cfg->cert, cfg->key, cfg->client_ca,
                             cfg->client_auth == SSC_CLIENT_AUTH_REQUIRE, err,
                             sizeof(err));
    if (ctx == NULL) {
        SSC_LOG_ERROR("could not reload certificates, keeping the old ones: "
                      "%s",
                      err);
        (void)ssc_notify("READY=1");
        return;
    }
    for (unsigned i = 0; i < m->server->nloops; i++) {
        ssc_loop *loop = &m->server->loops[i];
        SSL_CTX *old;

        SSL_CTX_up_ref(ctx);
        old = atomic_exchange(&loop->pending_ctx, ctx);
        if (old != NULL)
            SSL_CTX_free(old);
    }
    SSL_CTX_free(ctx);
    send_cmd(m->server, SSC_LOOP_CMD_RELOAD);
    SSC_LOG_INFO("reloaded certificates from %s", cfg->cert);
    (void)ssc_notify("READY=1");
}

static void on_loop_exited(uv_async_t *a)
{
    main_ctx *m = container_of(a, main_ctx, loop_exited);

    sigset_t set;

    if (atomic_load(&m->exited) < m->server->nloops)
        return;
    /* Every loop is done and sscd only has its exit left. Closing the last
     * watchers gives the stop signals back their default action, and one
     * arriving now (an operator's second SIGTERM, a supervisor's) would
     * kill a process that is exiting cleanly, with status -15 instead of
     * 0. So they are held while the watchers close, then ignored: nothing
     * is left for them to do. (The loop threads never take them.) */
    stop_signals(&set);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    uv_close((uv_handle_t *)&m->sigterm, NULL);
    uv_close((uv_handle_t *)&m->sigint, NULL);
    uv_close((uv_handle_t *)&m->sighup, NULL);
    uv_close((uv_handle_t *)&m->grace, NULL);
    uv_close((uv_handle_t *)&m->loop_exited, NULL);
    signal(SIGTERM, SIG_IGN);
    signal(SIGINT, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

static void main_init(main_ctx *m, ssc_server *s)
{
    memset(m, 0, sizeof(*m));
    m->server = s;
    uv_loop_init(&m->uv);
    uv_signal_init(&m->uv, &m->sigterm);
    uv_signal_init(&m->uv, &m->sigint);
    uv_signal_init(&m->uv, &m->sighup);
    m->sigterm.data = m->sigint.data = m->sighup.data = m;
    uv_signal_start(&m->sigterm, on_sigterm, SIGTERM);
    uv_signal_start(&m->sigint, on_sigterm, SIGINT);
    uv_signal_start(&m->sighup, on_sighup, SIGHUP);
    uv_timer_init(&m->uv, &m->grace);
    uv_async_init(&m->uv, &m->loop_exited, on_loop_exited);
    atomic_init(&m->exited, 0);
}

static void loop_free(ssc_loop *loop)
{
    SSL_CTX *pending = atomic_exchange(&loop->pending_ctx, NULL);

    /* Every handle is closed once uv_run returned; one more run lets the
     * close callbacks of a loop that failed to start finish. */
    uv_run(&loop->uv, UV_RUN_NOWAIT);
    if (pending != NULL)
        SSL_CTX_free(pending);
    SSL_CTX_free(loop->ssl_ctx);
    ssc__conn_loop_free(loop);
    if (uv_loop_close(&loop->uv) != 0)
        SSC_LOG_WARN("loop %u closed with handles still open", loop->index);
}

static unsigned loop_count(const ssc_config *cfg)
{
    long n;

    if (cfg->threads > 0)
        return cfg->threads;
    n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

/* Tears down loops that were set up when start failed part way. */
static void abort_start(ssc_server *s, unsigned ninit)
{
    for (unsigned i = 0; i < ninit; i++) {
        hooks_stop(&s->loops[i]);
        stop_listening(&s->loops[i]);
        loop_close_handles(&s->loops[i]);
        loop_free(&s->loops[i]);
    }
}

int ssc_server_run(const ssc_config *cfg, ssc_router *router, SSL_CTX *ctx,
                   const ssc_loop_hooks *hooks)
{
    ssc_server s = {.cfg = cfg, .router = router, .hooks = hooks};
    struct sockaddr_storage ss;
    socklen_t sslen;
    main_ctx m;
    unsigned i;
    int rc = 0;

    signal(SIGPIPE, SIG_IGN);
    atomic_init(&s.serving, 1);
    ssc_budget_pool_init(&s.buffers, cfg->max_process_buffer_bytes,
                         buffers_have_room, &s);
    ssc_budget_pool_init(&s.conns, cfg->max_connections, NULL, NULL);
    s.nloops = loop_count(cfg);
    s.loops = ssc_xcalloc(s.nloops, sizeof(ssc_loop));
    rc = resolve(cfg, &ss, &sslen);
    if (rc == 0)
        rc = port_free(cfg, &ss, sslen);
    for (i = 0; rc == 0 && i < s.nloops; i++)
        rc = loop_init(&s, &s.loops[i], i, &ss, sslen, ctx);
    if (rc != 0) {
        abort_start(&s, i);
        goto out;
    }
    main_init(&m, &s);
    for (i = 0; i < s.nloops; i++) {
        s.loops[i].uv.data = &m;
        uv_thread_create(&s.loops[i].thread, loop_thread, &s.loops[i]);
    }
    SSC_LOG_INFO("listening on %s:%u with %u loops", cfg->listen_host,
                 (unsigned)cfg->listen_port, s.nloops);
    if (ssc_notify("READY=1") < 0)
        SSC_LOG_WARN("could not tell systemd that sscd is ready "
                     "(NOTIFY_SOCKET=%s)",
                     getenv("NOTIFY_SOCKET"));
    uv_run(&m.uv, UV_RUN_DEFAULT);
    for (i = 0; i < s.nloops; i++) {
        uv_thread_join(&s.loops[i].thread);
        loop_free(&s.loops[i]);
    }
    check_pools(&s);
    uv_loop_close(&m.uv);
    SSC_LOG_INFO("drained, exiting");
out:
    SSL_CTX_free(ctx);
    free(s.loops);
    return rc;
}
