/*
 * conn.h - one accepted client connection: TLS, the HTTP/2 server session, its
 * timers and its calls. Internal to the daemon.
 *
 * A connection starts with a handshake timer (handshake_timeout_s). Once TLS
 * is up with ALPN h2 it sends its SETTINGS and turns that timer into the idle
 * timer: idle_timeout_s with no open stream sends GOAWAY and closes.
 *
 * Past max_connections (counted across loops) a new connection is closed as
 * soon as it is accepted. Each connection has a ledger of request bytes
 * (max_connection_buffer_bytes) on which its calls draw (call.c).
 *
 * Entry points: ssc__conn_loop_init(), ssc__conn_accept(), ssc__conn_goaway(),
 * ssc__conn_abort(), ssc__conn_flush(), ssc__peer_new(), ssc__peer_ref(),
 * ssc__peer_unref().
 */
#ifndef SSC_CONN_H
#define SSC_CONN_H

#include "h2io.h"
#include "server.h"

struct ssc_conn {
    ssc_h2io io; /* the TCP handle inside is the connection's lifetime */
    ssc_loop *loop;
    ssc_link link;       /* in loop->conns */
    ssc_link flush_link; /* in loop->flushq while a flush is due */
    ssc_link calls;      /* ssc_call.conn_link */
    uv_timer_t timer;    /* handshake, then idle */
    ssc_peer *peer;      /* a reference; NULL until the handshake is done */
    ssc_budget buffers;  /* request bytes its calls hold and may receive */
    unsigned nstreams;
    unsigned handles; /* open uv handles; freed when it reaches 0 */
    unsigned goaway : 1;
};

/* Creates and frees the loop's shared nghttp2 callbacks and options. */
void ssc__conn_loop_init(ssc_loop *loop);
void ssc__conn_loop_free(ssc_loop *loop);

/* Accepts a pending connection on loop's listener. Returns 0 or a negative
 * code (the connection is then already gone). */
int ssc__conn_accept(ssc_loop *loop);

/* Sends GOAWAY (graceful: streams already open finish). */
void ssc__conn_goaway(ssc_conn *c);

/* Closes at once, cancelling every call. */
void ssc__conn_abort(ssc_conn *c);

/* Asks for what the session has queued to be sent. Safe from any callback:
 * the write happens once per loop iteration (in the loop's check phase), so
 * responses completed in the same iteration share TLS records and one
 * write. */
void ssc__conn_flush(ssc_conn *c);

/* Sends for every connection that asked; run by the loop's check phase. */
void ssc__conn_run_flushes(ssc_loop *loop);

/* Reads the identity of ssl's verified client certificate into a new peer
 * holding one reference (the caller's): verified with the whole subject and
 * the fingerprint, or not verified with both "" when there is no verified
 * certificate. Returns 0, or SSC_ETLS with *peer NULL when a verified
 * certificate's identity could not be read (the connection must not go on,
 * as anyone or as no one). */
int ssc__peer_new(SSL *ssl, ssc_peer **peer);

/* Takes a reference to p and returns p. */
ssc_peer *ssc__peer_ref(ssc_peer *p);

/* Drops a reference; the last one frees p. NULL is ignored. */
void ssc__peer_unref(ssc_peer *p);

/* Called by call.c when a stream opens or closes, to run the idle timer. */
void ssc__conn_stream_opened(ssc_conn *c);
void ssc__conn_stream_closed(ssc_conn *c);

#endif
