/*
 * client_int.h - what client.c (connections) and client_call.c (calls) share.
 *
 * Ownership: the client holds a reference for its user, one per connection
 * and one per call, and is freed when the last goes. A connection owns its
 * ssc_h2io and is freed in h2io's on_close. A call holds one reference for its
 * user (dropped after on_close) and one while its HTTP/2 stream is open; at
 * zero its timer is closed and the call is freed in the close callback.
 *
 * A call sits on its connection's list from start until its stream closes (or,
 * never submitted, until it ends), so a dying connection can end and detach
 * every call that still refers to it.
 *
 * Entry points (internal): ssc_client__printf(), ssc_client__vprintf(),
 * ssc_client__conn_get(), ssc_client__conn_kick(), ssc_client__unref(),
 * ssc_client__call_attach(), ssc_client__call_detach(),
 * ssc_client__call_submit(), ssc_client__call_end(), ssc_client__call_fail(),
 * and the nghttp2 stream callbacks ssc_client__on_*().
 */
#ifndef SSC_CLIENT_INT_H
#define SSC_CLIENT_INT_H

#include "client.h"
#include "frame.h"
#include "h2io.h"
#include "mem.h"

#include <netinet/in.h>
#include <stdarg.h>

typedef struct ssc_client_conn ssc_client_conn;

struct ssc_client {
    uv_loop_t *loop;
    SSL_CTX *ssl_ctx;
    char *endpoint; /* as configured; also the :authority */
    char *host;     /* without brackets, for SNI and verification */
    char *port;
    char *user_agent;
    size_t max_message;
    uint64_t timeout_ms;
    uint8_t *scratch; /* read buffer shared by this client's connections */
    size_t scratch_len;
    ssc_client_conn *conn;  /* where new calls go; NULL: connect anew */
    ssc_client_conn *conns; /* every connection not yet closed */
    unsigned refs;
    unsigned has_cert : 1; /* we offer a client certificate */
    unsigned freeing : 1;
};

typedef enum conn_state {
    CONN_RESOLVING,
    CONN_CONNECTING,
    CONN_HANDSHAKING,
    CONN_READY,
    CONN_CLOSING
} conn_state;

struct ssc_client_conn {
    ssc_h2io io; /* its tcp handle is the connection's lifetime */
    ssc_client *client;
    ssc_client_conn *next; /* in client->conns */
    ssc_client_conn **pprev;
    uv_getaddrinfo_t gai;
    uv_connect_t connect;
    struct sockaddr_storage *addrs; /* resolved addresses, tried in order */
    size_t naddrs;
    size_t next_addr;
    SSL *ssl; /* our reference to io.ssl, to read the verify result after
                 h2io has let go of it */
    ssc_client_call *calls; /* calls that refer to this connection */
    char *error;            /* why the connection failed, once known */
    int alert;              /* a fatal TLS alert from the server; -1: none */
    conn_state state;
    unsigned cb_depth; /* > 0 inside nghttp2's send-side callbacks, where
                          nghttp2_session_mem_send() must not be re-entered */
    unsigned resolving : 1;
    unsigned close_wanted : 1;
    unsigned got_frame : 1; /* the server has spoken HTTP/2 */
};

struct ssc_client_call {
    ssc_client *client;
    ssc_client_conn *conn; /* NULL once detached */
    ssc_client_call *next; /* in conn->calls */
    ssc_client_call **pprev;
    const ssc_client_call_cbs *cbs;
    void *data;
    char *path;
    ssc_md md;           /* request metadata */
    uint64_t deadline;   /* uv_now() ms; 0: none */
    uint64_t timeout_ms; /* as asked, for the message */
    uv_timer_t timer;
    int32_t stream_id; /* 0 until submitted */
    ssc_buf send;      /* framed request bytes not yet given to nghttp2 */
    size_t send_off;   /* of which this many are already given */
    ssc_frame_reader reader;
    ssc_client_result res;
    int http_status;
    int grpc_status; /* -1 until received */
    int encoding;    /* 0 identity, 1 gzip, -1 unsupported */
    unsigned refs;
    unsigned half_closed : 1;  /* the user has sent the last message */
    unsigned eos_sent : 1;     /* END_STREAM went to nghttp2 */
    unsigned deferred : 1;     /* the data source waits for more */
    unsigned stream_open : 1;  /* nghttp2 knows the stream */
    unsigned headers_done : 1; /* final response headers received */
    unsigned trailers : 1;     /* the current header block is trailers */
    unsigned ended : 1;        /* on_close delivered */
    unsigned remote_ended : 1; /* END_STREAM received */
    unsigned drain_wanted : 1;
    unsigned ctype_ok : 1;
    unsigned end_pending : 1; /* the timer delivers a failure found early */
};

/* Returns a newly allocated formatted string. */
char *ssc_client__printf(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
char *ssc_client__vprintf(const char *fmt, va_list ap)
    __attribute__((format(printf, 1, 0)));

/* Returns the connection new calls should use, starting one when there is
 * none. */
ssc_client_conn *ssc_client__conn_get(ssc_client *c);

/* Writes what nghttp2 has queued, unless we are inside the pump (which writes
 * when it returns). */
void ssc_client__conn_kick(ssc_client_conn *conn);

void ssc_client__unref(ssc_client *c);

/* Puts call on conn's list / takes it off (no-op when on none). */
void ssc_client__call_attach(ssc_client_call *call, ssc_client_conn *conn);
void ssc_client__call_detach(ssc_client_call *call);

/* Submits a waiting call's request HEADERS on its now-ready connection; on
 * failure the call ends (UNAVAILABLE, or DEADLINE_EXCEEDED when its time ran
 * out while connecting). */
void ssc_client__call_submit(ssc_client_call *call);

/* Ends a call (if not yet ended) with code and a message (fmt NULL keeps the
 * one already in call->res, e.g. a grpc-message); resets its stream with
 * rst_code unless both sides already ended it. on_close runs before this
 * returns. */
void ssc_client__call_end(ssc_client_call *call, int code, uint32_t rst_code,
                          const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The connection is gone (its nghttp2 session too): ends the call with
 * UNAVAILABLE and why, and detaches it. */
void ssc_client__call_fail(ssc_client_call *call, const char *why);

/* nghttp2 callbacks for streams, in client_call.c. */
int ssc_client__on_begin_headers(nghttp2_session *s, const nghttp2_frame *f,
                                 void *user);
int ssc_client__on_header(nghttp2_session *s, const nghttp2_frame *f,
                          const uint8_t *name, size_t namelen,
                          const uint8_t *value, size_t valuelen, uint8_t flags,
                          void *user);
int ssc_client__on_stream_frame(nghttp2_session *s, const nghttp2_frame *f,
                                void *user);
int ssc_client__on_data_chunk(nghttp2_session *s, uint8_t flags,
                              int32_t stream_id, const uint8_t *data,
                              size_t len, void *user);
int ssc_client__on_stream_close(nghttp2_session *s, int32_t stream_id,
                                uint32_t error_code, void *user);

#endif
