/*
 * server.h - the running server: loops, listeners, signals, reload and drain.
 *
 * sscd runs one libuv loop per thread (one per core by default). Each loop has
 * its own listening socket on the same address (SO_REUSEPORT lets the kernel
 * spread connections), its own connections and whatever the layers above
 * keep per loop through ssc_loop_hooks (the database pool): loops share
 * nothing mutable but the health state and the TLS context handed over on
 * SIGHUP. The main thread only waits for signals. This layer knows nothing
 * of the database: the hooks tell it whether a loop is ready.
 *
 * Limits that hold across loops live in two pools in ssc_server (budget.h):
 * the request bytes all connections hold (max_process_buffer_bytes) and the
 * number of open connections (max_connections).
 *
 * SIGHUP: the main thread builds a new TLS context from the configured files
 * and hands it to every loop; new connections use it, existing ones keep
 * theirs. A context that fails to load is logged and the old one kept.
 * SIGTERM/SIGINT: health turns NOT_SERVING (Watch streams are told), listeners
 * close, every connection gets GOAWAY, in-flight calls finish, and the process
 * exits 0; calls still running after shutdown_grace_s are cancelled.
 *
 * Entry points: ssc_server_run(), ssc_server_serving(),
 * ssc_server_loop_serving(), ssc_server_health_changed(),
 * ssc_server_loop_of().
 */
#ifndef SSC_SERVER_H
#define SSC_SERVER_H

#include "budget.h"
#include "call.h"
#include "config.h"
#include "list.h"
#include "router.h"

#include <nghttp2/nghttp2.h>
#include <openssl/ssl.h>
#include <stdatomic.h>
#include <uv.h>

typedef struct ssc_conn ssc_conn;
typedef struct ssc_server ssc_server;
typedef struct ssc_loop ssc_loop;

/* What runs on each loop besides calls, from the layers above (main.c
 * passes services/backend.c's): every member may be NULL.
 *   start   the loop is set up and about to run (its uv loop exists);
 *   stop    the loop's calls are over (drained), or start failed: release
 *           what start made; runs at most once, after start;
 *   ready   zero while this loop cannot serve (its database is down);
 *   health  health may have changed (drain, ready): tell whoever watches. */
typedef struct ssc_loop_hooks {
    void (*start)(ssc_loop *loop);
    void (*stop)(ssc_loop *loop);
    int (*ready)(const ssc_loop *loop);
    void (*health)(ssc_loop *loop);
} ssc_loop_hooks;

enum {
    SSC_LOOP_CMD_RELOAD = 1,  /* take pending_ctx */
    SSC_LOOP_CMD_HEALTH = 2,  /* health changed: tell Watch streams */
    SSC_LOOP_CMD_DRAIN = 4,   /* stop accepting, GOAWAY everyone */
    SSC_LOOP_CMD_ABORT = 8,   /* grace is over: close everything now */
    SSC_LOOP_CMD_BUFFERS = 16 /* buffer pool has room: retry rx_waiters */
};

struct ssc_loop {
    ssc_server *server;
    unsigned index;
    uv_loop_t uv;
    uv_tcp_t listener;
    uv_async_t async;       /* commands from the main thread */
    uv_check_t defer_check; /* runs deferred call callbacks */
    uv_idle_t defer_idle;   /* keeps the loop from blocking while any wait */
    uv_thread_t thread;
    atomic_int cmd;
    _Atomic(SSL_CTX *) pending_ctx;
    SSL_CTX *ssl_ctx;
    nghttp2_session_callbacks *h2_callbacks; /* shared by the loop's conns */
    nghttp2_option *h2_option;
    void *app;           /* the hooks' own per-loop state */
    ssc_link conns;      /* ssc_conn.link */
    ssc_link watchers;   /* health Watch calls */
    ssc_link deferred;   /* calls with a pending on_drain */
    ssc_link flushq;     /* connections with output to send */
    ssc_link rx_waiters; /* calls waiting for buffer budget */
    unsigned draining : 1;
    unsigned listening : 1;
    /* Buffer budget was given back: retry rx_waiters. */
    unsigned rx_retry : 1;
    /* Refusing connections past max_connections (logged once). */
    unsigned conns_full : 1;
    uint8_t scratch[65536]; /* socket read buffer shared by this loop's io */
};

struct ssc_server {
    const ssc_config *cfg;
    ssc_router *router;
    const ssc_loop_hooks *hooks; /* may be NULL */
    atomic_int serving;          /* 1 SERVING, 0 NOT_SERVING */
    unsigned nloops;
    ssc_loop *loops;
    ssc_budget_pool buffers; /* request bytes held, max_process_buffer_bytes */
    ssc_budget_pool conns;   /* open connections, max_connections */
};

/* Runs the server until it has drained after SIGTERM/SIGINT. router holds
 * every service to serve; ctx is the initial TLS context (the server takes the
 * reference). Returns 0 after a clean drain, or a negative code when the
 * server could not start (the reason is logged). */
int ssc_server_run(const ssc_config *cfg, ssc_router *router, SSL_CTX *ctx,
                   const ssc_loop_hooks *hooks);

/* Non-zero while the server is SERVING (not draining). */
int ssc_server_serving(const ssc_server *s);

/* Non-zero while this loop can serve: the server is not draining and, when a
 * database is configured, the loop has a connection to it. */
int ssc_server_loop_serving(const ssc_loop *loop);

/* Runs the health hook on loop (on the loop's own thread). */
void ssc_server_health_changed(ssc_loop *loop);

/* The loop a call runs on. */
ssc_loop *ssc_server_loop_of(const ssc_call *call);

/* A connection of loop went away; finishes the loop once it drained. */
void ssc__server_conn_gone(ssc_loop *loop);

#endif
