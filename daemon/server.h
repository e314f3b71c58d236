/*
 * server.h - the running server: loops, listeners, signals, reload and drain.
 *
 * sscd runs one libuv loop per thread (one per core by default). Each loop has
 * its own listening socket on the same address (SO_REUSEPORT lets the kernel
 * spread connections), its own connections and, later, its own database
 * connections: loops share nothing mutable but the health state and the TLS
 * context handed over on SIGHUP. The main thread only waits for signals.
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
 * ssc_server_loop_serving(),
 * ssc_server_loop_of().
 */
#ifndef SSC_SERVER_H
#define SSC_SERVER_H

#include "budget.h"
#include "call.h"
#include "config.h"
#include "router.h"

#include <nghttp2/nghttp2.h>
#include <openssl/ssl.h>
#include <stdatomic.h>
#include <uv.h>

typedef struct ssc_conn ssc_conn;
struct ssc_db;
typedef struct ssc_server ssc_server;

/* An intrusive doubly linked list node (and list head). */
typedef struct ssc_link {
    struct ssc_link *prev, *next;
} ssc_link;

enum {
    SSC_LOOP_CMD_RELOAD = 1,  /* take pending_ctx */
    SSC_LOOP_CMD_HEALTH = 2,  /* health changed: tell Watch streams */
    SSC_LOOP_CMD_DRAIN = 4,   /* stop accepting, GOAWAY everyone */
    SSC_LOOP_CMD_ABORT = 8,   /* grace is over: close everything now */
    SSC_LOOP_CMD_BUFFERS = 16 /* buffer pool has room: retry rx_waiters */
};

typedef struct ssc_loop {
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
    struct ssc_db *db; /* this loop's pool; NULL without [database] url */
    struct ssc_idem_sweep *sweep; /* loop 0's key expiry; else NULL */
    ssc_link conns;               /* ssc_conn.link */
    ssc_link watchers;            /* health Watch calls */
    ssc_link deferred;            /* calls with a pending on_drain */
    ssc_link flushq;              /* connections with output to send */
    ssc_link rx_waiters;          /* calls waiting for buffer budget */
    unsigned draining : 1;
    unsigned listening : 1;
    /* Buffer budget was given back: retry rx_waiters. */
    unsigned rx_retry : 1;
    /* Refusing connections past max_connections (logged once). */
    unsigned conns_full : 1;
    uint8_t scratch[65536]; /* socket read buffer shared by this loop's io */
} ssc_loop;

struct ssc_server {
    const ssc_config *cfg;
    ssc_router *router;
    atomic_int serving; /* 1 SERVING, 0 NOT_SERVING */
    unsigned nloops;
    ssc_loop *loops;
    ssc_budget_pool buffers; /* request bytes held, max_process_buffer_bytes */
    ssc_budget_pool conns;   /* open connections, max_connections */
};

/* Runs the server until it has drained after SIGTERM/SIGINT. router holds
 * every service to serve; ctx is the initial TLS context (the server takes the
 * reference). Returns 0 after a clean drain, or a negative code when the
 * server could not start (the reason is logged). */
int ssc_server_run(const ssc_config *cfg, ssc_router *router, SSL_CTX *ctx);

/* Non-zero while the server is SERVING (not draining). */
int ssc_server_serving(const ssc_server *s);

/* Non-zero while this loop can serve: the server is not draining and, when a
 * database is configured, the loop has a connection to it. */
int ssc_server_loop_serving(const ssc_loop *loop);

/* The loop a call runs on. */
ssc_loop *ssc_server_loop_of(const ssc_call *call);

/* A connection of loop went away; finishes the loop once it drained. */
void ssc__server_conn_gone(ssc_loop *loop);

/* List helpers shared by the daemon's modules. */
void ssc__link_init(ssc_link *head);
void ssc__link_insert(ssc_link *head, ssc_link *node);
void ssc__link_remove(ssc_link *node);
int ssc__link_empty(const ssc_link *head);

#endif
