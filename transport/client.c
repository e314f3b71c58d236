/*
 * client.c - client connections: resolve, connect, TLS, HTTP/2 session.
 *
 * A connection walks RESOLVING -> CONNECTING -> HANDSHAKING -> READY and ends
 * in CLOSING, from any state. Addresses are tried in the order the resolver
 * gives them; a refused address hands the waiting calls to a fresh connection
 * for the next one, because a libuv TCP handle whose connect failed cannot be
 * connected again (its socket keeps the first address's family).
 *
 * Why a connection failed is worked out once, when it closes, from what was
 * seen on the way: the connect error, the certificate verification result
 * (read from our own reference to the SSL, which h2io frees at close), a TLS
 * alert from the server, a missing ALPN "h2". Every call still on it ends with
 * UNAVAILABLE and that reason.
 *
 * Entry points: ssc_client_new(), ssc_client_free(), ssc_client_loop(),
 * ssc_client_endpoint(); internal: ssc_client__printf(),
 * ssc_client__vprintf(), ssc_client__conn_get(), ssc_client__conn_kick(),
 * ssc_client__unref(), ssc_client__call_attach(), ssc_client__call_detach().
 */
#include "client_int.h"

#include "err.h"
#include "tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Windows we advertise. A stream may carry a whole 4 MiB message without a
 * round trip for WINDOW_UPDATE; the frame reader's cap, not the window, is
 * what bounds memory. */
#define STREAM_WINDOW (8 * 1024 * 1024)
#define CONN_WINDOW (64 * 1024 * 1024)
#define SCRATCH_LEN (64 * 1024)

static const ssc_h2io_cbs conn_h2io_cbs;

char *ssc_client__vprintf(const char *fmt, va_list ap)
{
    va_list aq;
    char *s;
    int n;

    va_copy(aq, ap);
    n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    if (n < 0)
        return ssc_xstrdup("");
    s = ssc_xmalloc((size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

char *ssc_client__printf(const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = ssc_client__vprintf(fmt, ap);
    va_end(ap);
    return s;
}

/* Records why conn failed, unless a reason is already known: the first
 * failure is the cause, later ones are consequences. */
static void conn_set_error(ssc_client_conn *conn, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void conn_set_error(ssc_client_conn *conn, const char *fmt, ...)
{
    va_list ap;

    if (conn->error != NULL)
        return;
    va_start(ap, fmt);
    conn->error = ssc_client__vprintf(fmt, ap);
    va_end(ap);
}

/* ---- endpoint and construction ---------------------------------------- */

/* Splits "host:port" or "[v6]:port". Returns 0 or SSC_ECONFIG with err. */
static int parse_endpoint(const char *ep, char **host, char **port, char *err,
                          size_t errlen)
{
    const char *colon = strrchr(ep, ':');
    const char *h = ep;
    size_t hlen;
    char *end;
    unsigned long p;

    if (colon == NULL || colon[1] == '\0')
        goto bad;
    hlen = (size_t)(colon - ep);
    if (hlen >= 2 && ep[0] == '[' && colon[-1] == ']') {
        h = ep + 1;
        hlen -= 2;
    } else if (memchr(ep, ':', hlen) != NULL) {
        goto bad;
    }
    if (hlen == 0)
        goto bad;
    errno = 0;
    p = strtoul(colon + 1, &end, 10);
    if (*end != '\0' || errno != 0 || p == 0 || p > 65535 || colon[1] == '+' ||
        colon[1] == '-')
        goto bad;
    *host = ssc_xstrndup(h, hlen);
    *port = ssc_xstrdup(colon + 1);
    return 0;
bad:
    snprintf(err, errlen, "invalid endpoint \"%s\": expected HOST:PORT", ep);
    return SSC_ECONFIG;
}

/* OpenSSL's messages for a missing file are cryptic; say it plainly first. */
static int check_readable(const char *what, const char *path, char *err,
                          size_t errlen)
{
    FILE *f;

    if (path == NULL)
        return 0;
    f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errlen, "could not read %s %s: %s", what, path,
                 strerror(errno));
        return SSC_ECONFIG;
    }
    fclose(f);
    return 0;
}

/* OpenSSL 3.0 names no TLS 1.3 alert ("unknown"); name the ones a server
 * refusing us sends. */
static const char *alert_text(int alert)
{
    switch (alert) {
    case 109:
        return "missing extension";
    case 115:
        return "unknown psk identity";
    case 116:
        return "certificate required";
    case 120:
        return "no application protocol";
    default:
        return SSL_alert_desc_string_long(alert);
    }
}

/* Remembers a fatal alert from the server on the connection it arrived on;
 * h2io clears OpenSSL's error queue, so this is where the reason survives. */
static void tls_info(const SSL *ssl, int where, int ret)
{
    ssc_client *c;
    ssc_client_conn *conn;

    if ((where & SSL_CB_READ_ALERT) != SSL_CB_READ_ALERT ||
        strcmp(SSL_alert_type_string(ret), "F") != 0)
        return;
    c = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
    for (conn = c->conns; conn != NULL; conn = conn->next) {
        if (conn->io.ssl == ssl) {
            conn->alert = ret & 0xff;
            return;
        }
    }
}

static int check_opts(const ssc_client_opts *opts, char *err, size_t errlen)
{
    int rc;

    if (opts->endpoint == NULL || opts->ca_file == NULL) {
        snprintf(err, errlen, "%s",
                 opts->endpoint == NULL ? "no endpoint configured"
                                        : "no ca configured");
        return SSC_ECONFIG;
    }
    if ((opts->cert_file == NULL) != (opts->key_file == NULL)) {
        snprintf(err, errlen, "%s",
                 opts->cert_file == NULL
                     ? "a client key was given without its certificate"
                     : "a client certificate was given without its key");
        return SSC_ECONFIG;
    }
    rc = check_readable("ca", opts->ca_file, err, errlen);
    if (rc == 0)
        rc = check_readable("certificate", opts->cert_file, err, errlen);
    if (rc == 0)
        rc = check_readable("key", opts->key_file, err, errlen);
    return rc;
}

int ssc_client_new(uv_loop_t *loop, const ssc_client_opts *opts,
                   ssc_client **out, char *err, size_t errlen)
{
    char *host = NULL;
    char *port = NULL;
    SSL_CTX *ctx;
    ssc_client *c;
    int rc;

    rc = check_opts(opts, err, errlen);
    if (rc == 0)
        rc = parse_endpoint(opts->endpoint, &host, &port, err, errlen);
    if (rc != 0)
        return rc;
    ctx = ssc_tls_client_ctx(opts->ca_file, opts->cert_file, opts->key_file,
                             err, errlen);
    if (ctx == NULL) {
        free(host);
        free(port);
        return SSC_ECONFIG;
    }
    c = ssc_xcalloc(1, sizeof(*c));
    c->loop = loop;
    c->ssl_ctx = ctx;
    c->endpoint = ssc_xstrdup(opts->endpoint);
    c->host = host;
    c->port = port;
    c->user_agent =
        ssc_xstrdup(opts->user_agent ? opts->user_agent : "ssc-transport");
    c->max_message = opts->max_message_bytes ? opts->max_message_bytes
                                             : SSC_CLIENT_DEFAULT_MAX_MESSAGE;
    c->timeout_ms = opts->timeout_ms;
    c->has_cert = opts->cert_file != NULL;
    c->scratch = ssc_xmalloc(SCRATCH_LEN);
    c->scratch_len = SCRATCH_LEN;
    c->refs = 1;
    SSL_CTX_set_app_data(ctx, c);
    SSL_CTX_set_info_callback(ctx, tls_info);
    *out = c;
    return 0;
}

void ssc_client__unref(ssc_client *c)
{
    if (--c->refs > 0)
        return;
    SSL_CTX_free(c->ssl_ctx);
    free(c->endpoint);
    free(c->host);
    free(c->port);
    free(c->user_agent);
    free(c->scratch);
    free(c);
}

uv_loop_t *ssc_client_loop(const ssc_client *c)
{
    return c->loop;
}

const char *ssc_client_endpoint(const ssc_client *c)
{
    return c->endpoint;
}

/* ---- call lists --------------------------------------------------------- */

void ssc_client__call_attach(ssc_client_call *call, ssc_client_conn *conn)
{
    call->conn = conn;
    call->next = conn->calls;
    call->pprev = &conn->calls;
    if (conn->calls != NULL)
        conn->calls->pprev = &call->next;
    conn->calls = call;
}

void ssc_client__call_detach(ssc_client_call *call)
{
    if (call->conn == NULL)
        return;
    *call->pprev = call->next;
    if (call->next != NULL)
        call->next->pprev = call->pprev;
    call->conn = NULL;
    call->next = NULL;
    call->pprev = NULL;
}

/* ---- connection lifecycle ----------------------------------------------- */

/* Starts an asynchronous close; calls still on conn end in on_close. */
static void conn_close(ssc_client_conn *conn)
{
    ssc_client *c = conn->client;

    if (c->conn == conn)
        c->conn = NULL;
    if (conn->state == CONN_CLOSING)
        return;
    conn->state = CONN_CLOSING;
    if (conn->resolving) {
        /* The request's memory is ours until its callback: close from there. */
        conn->close_wanted = 1;
        uv_cancel((uv_req_t *)&conn->gai);
        return;
    }
    ssc_h2io_close(&conn->io);
}

/* SNI carries host names only (RFC 6066 section 3); SSL_set1_host() checks
 * an address against the certificate's IP entries by itself. */
static int host_is_ip(const char *host)
{
    unsigned char buf[sizeof(struct in6_addr)];

    return inet_pton(AF_INET, host, buf) == 1 ||
           inet_pton(AF_INET6, host, buf) == 1;
}

/* Allocates a connection and its TLS session, linked into c->conns. When
 * OpenSSL cannot set the session up, the connection comes back already
 * closing, with the reason recorded for the calls that will land on it. */
static ssc_client_conn *conn_alloc(ssc_client *c)
{
    ssc_client_conn *conn = ssc_xcalloc(1, sizeof(*conn));
    int rc;

    conn->client = c;
    conn->alert = -1;
    c->refs++;
    conn->next = c->conns;
    conn->pprev = &c->conns;
    if (c->conns != NULL)
        c->conns->pprev = &conn->next;
    c->conns = conn;
    /* uv_tcp_init() with AF_UNSPEC creates no socket and cannot fail, so the
     * handle is initialised whatever ssc_h2io_init() returns and closing it
     * through h2io is always right. */
    rc = ssc_h2io_init(&conn->io, c->loop, c->ssl_ctx, 0, &conn_h2io_cbs,
                       c->scratch, c->scratch_len);
    if (rc == 0 && SSL_set1_host(conn->io.ssl, c->host) == 1 &&
        (host_is_ip(c->host) ||
         SSL_set_tlsext_host_name(conn->io.ssl, c->host) == 1)) {
        SSL_up_ref(conn->io.ssl);
        conn->ssl = conn->io.ssl;
        return conn;
    }
    conn_set_error(conn, "could not set up tls for %s", c->endpoint);
    conn_close(conn);
    return conn;
}

static void on_connect(uv_connect_t *req, int status);

/* Connects to the next address. */
static void conn_try_next(ssc_client_conn *conn)
{
    struct sockaddr *sa = (struct sockaddr *)&conn->addrs[conn->next_addr++];
    int rc;

    conn->state = CONN_CONNECTING;
    rc = uv_tcp_connect(&conn->connect, &conn->io.tcp, sa, on_connect);
    if (rc < 0) {
        conn_set_error(conn, "could not connect to %s: %s",
                       conn->client->endpoint, uv_strerror(rc));
        conn_close(conn);
    }
}

/* This address refused us: move the calls to a new connection for the next
 * address, or fail them all when none is left. */
static void conn_connect_failed(ssc_client_conn *conn, int status)
{
    ssc_client *c = conn->client;
    ssc_client_conn *next;

    if (conn->next_addr >= conn->naddrs) {
        conn_set_error(conn, "could not connect to %s: %s", c->endpoint,
                       uv_strerror(status));
        conn_close(conn);
        return;
    }
    next = conn_alloc(c);
    while (conn->calls != NULL) {
        ssc_client_call *call = conn->calls;

        ssc_client__call_detach(call);
        ssc_client__call_attach(call, next);
    }
    if (c->conn == conn)
        c->conn = next;
    conn_close(conn);
    if (next->state == CONN_CLOSING)
        return;
    next->addrs = conn->addrs;
    next->naddrs = conn->naddrs;
    next->next_addr = conn->next_addr;
    conn->addrs = NULL;
    conn_try_next(next);
}

static void on_connect(uv_connect_t *req, int status)
{
    ssc_client_conn *conn = container_of(req, ssc_client_conn, connect);

    if (conn->state == CONN_CLOSING)
        return;
    if (status < 0) {
        conn_connect_failed(conn, status);
        return;
    }
    conn->state = CONN_HANDSHAKING;
    uv_tcp_nodelay(&conn->io.tcp, 1);
    if (ssc_h2io_start(&conn->io) < 0) {
        conn_set_error(conn, "tls handshake with %s failed",
                       conn->client->endpoint);
        conn_close(conn);
    }
}

/* Keeps the stream (TCP) addresses of the resolver's answer, in order. */
static void conn_take_addrs(ssc_client_conn *conn, const struct addrinfo *ai)
{
    const struct addrinfo *p;
    size_t n = 0;

    for (p = ai; p != NULL; p = p->ai_next)
        n++;
    conn->addrs = ssc_xcalloc(n, sizeof(*conn->addrs));
    for (p = ai; p != NULL; p = p->ai_next) {
        if ((p->ai_family != AF_INET && p->ai_family != AF_INET6) ||
            p->ai_addrlen > sizeof(*conn->addrs))
            continue;
        memcpy(&conn->addrs[conn->naddrs++], p->ai_addr, p->ai_addrlen);
    }
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *ai)
{
    ssc_client_conn *conn = container_of(req, ssc_client_conn, gai);
    ssc_client *c = conn->client;

    conn->resolving = 0;
    if (status == 0)
        conn_take_addrs(conn, ai);
    uv_freeaddrinfo(ai);
    if (conn->close_wanted) {
        ssc_h2io_close(&conn->io);
        return;
    }
    if (status == 0 && conn->naddrs == 0)
        status = UV_EAI_ADDRFAMILY;
    if (status < 0) {
        conn_set_error(conn, "could not resolve %s: %s", c->host,
                       uv_strerror(status));
        conn_close(conn);
        return;
    }
    conn_try_next(conn);
}

/* Creates a connection and starts resolving its host. */
static ssc_client_conn *conn_new(ssc_client *c)
{
    ssc_client_conn *conn = conn_alloc(c);
    struct addrinfo hints;
    int rc;

    if (conn->state == CONN_CLOSING)
        return conn;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    conn->state = CONN_RESOLVING;
    rc = uv_getaddrinfo(c->loop, &conn->gai, on_resolved, c->host, c->port,
                        &hints);
    if (rc < 0) {
        conn_set_error(conn, "could not resolve %s: %s", c->host,
                       uv_strerror(rc));
        conn_close(conn);
        return conn;
    }
    conn->resolving = 1;
    return conn;
}

ssc_client_conn *ssc_client__conn_get(ssc_client *c)
{
    ssc_client_conn *conn;

    if (c->conn != NULL)
        return c->conn;
    conn = conn_new(c);
    if (conn->state != CONN_CLOSING)
        c->conn = conn;
    return conn;
}

void ssc_client__conn_kick(ssc_client_conn *conn)
{
    if (conn->state == CONN_READY && !conn->io.in_pump && conn->cb_depth == 0)
        ssc_h2io_flush(&conn->io);
}

/* Works out, at close, why a connection that failed did so. */
static void conn_explain(ssc_client_conn *conn)
{
    const char *ep = conn->client->endpoint;
    long verify = conn->ssl ? SSL_get_verify_result(conn->ssl) : X509_V_OK;

    if (conn->error != NULL)
        return;
    if (verify != X509_V_OK && !conn->got_frame) {
        conn_set_error(conn,
                       "tls handshake with %s failed: certificate verify "
                       "failed: %s",
                       ep, X509_verify_cert_error_string(verify));
    } else if (conn->alert >= 0 && !conn->got_frame) {
        /* Under TLS 1.3 a server that rejects our certificate says so after
         * our side of the handshake is done, before any HTTP/2 frame. */
        conn_set_error(conn, "tls handshake with %s failed: server alert: %s%s",
                       ep, alert_text(conn->alert),
                       conn->client->has_cert
                           ? ""
                           : " (no client certificate was offered)");
    } else if (conn->io.handshake_done && !conn->got_frame) {
        /* Some servers (BoringSSL-based ones among them) refuse a client
         * certificate by closing without an alert. */
        conn_set_error(conn,
                       "connection to %s closed by the server before http/2 "
                       "started (%s)",
                       ep,
                       conn->client->has_cert
                           ? "was the client certificate rejected?"
                           : "no client certificate was offered");
    } else if (!conn->io.handshake_done) {
        conn_set_error(conn,
                       "tls handshake with %s failed: connection closed by "
                       "the server",
                       ep);
    } else if (conn->alert >= 0) {
        conn_set_error(conn, "connection to %s closed: tls alert: %s", ep,
                       alert_text(conn->alert));
    } else {
        conn_set_error(conn, "connection to %s closed", ep);
    }
}

static void conn_on_close(ssc_h2io *io)
{
    ssc_client_conn *conn = container_of(io, ssc_client_conn, io);
    ssc_client *c = conn->client;

    conn->state = CONN_CLOSING;
    if (c->conn == conn)
        c->conn = NULL;
    *conn->pprev = conn->next;
    if (conn->next != NULL)
        conn->next->pprev = conn->pprev;
    if (conn->calls != NULL)
        conn_explain(conn);
    while (conn->calls != NULL)
        ssc_client__call_fail(conn->calls, conn->error);
    if (conn->ssl != NULL)
        SSL_free(conn->ssl);
    free(conn->addrs);
    free(conn->error);
    free(conn);
    ssc_client__unref(c);
}

/* ---- HTTP/2 session ---------------------------------------------------- */

static int on_frame_recv(nghttp2_session *s, const nghttp2_frame *f, void *user)
{
    ssc_client_conn *conn = user;

    conn->got_frame = 1;
    if (f->hd.stream_id != 0)
        return ssc_client__on_stream_frame(s, f, user);
    if (f->hd.type == NGHTTP2_GOAWAY) {
        /* Calls already admitted finish here; new ones get a new
         * connection. Streams the server will not process are closed by
         * nghttp2 with REFUSED_STREAM. */
        if (conn->client->conn == conn)
            conn->client->conn = NULL;
        conn_set_error(conn, "connection to %s closed by the server (%s)",
                       conn->client->endpoint,
                       nghttp2_http2_strerror(f->goaway.error_code));
    }
    return 0;
}

static int new_session(ssc_client_conn *conn)
{
    static const nghttp2_settings_entry iv[] = {
        {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, STREAM_WINDOW},
    };
    nghttp2_session_callbacks *cbs;
    int rc;

    if (nghttp2_session_callbacks_new(&cbs) != 0)
        return SSC_ENOMEM;
    nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_frame_recv);
    nghttp2_session_callbacks_set_on_begin_headers_callback(
        cbs, ssc_client__on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(cbs,
                                                     ssc_client__on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(
        cbs, ssc_client__on_data_chunk);
    nghttp2_session_callbacks_set_on_stream_close_callback(
        cbs, ssc_client__on_stream_close);
    rc = nghttp2_session_client_new(&conn->io.h2, cbs, conn);
    nghttp2_session_callbacks_del(cbs);
    if (rc != 0)
        return SSC_ENOMEM;
    if (nghttp2_submit_settings(conn->io.h2, NGHTTP2_FLAG_NONE, iv,
                                sizeof(iv) / sizeof(iv[0])) != 0 ||
        nghttp2_session_set_local_window_size(conn->io.h2, NGHTTP2_FLAG_NONE, 0,
                                              CONN_WINDOW) != 0)
        return SSC_EH2;
    return 0;
}

/* The first call on conn that has neither a stream nor an end. */
static ssc_client_call *first_waiting(ssc_client_conn *conn)
{
    ssc_client_call *call;

    for (call = conn->calls; call != NULL; call = call->next) {
        if (!call->ended && !call->stream_open)
            return call;
    }
    return NULL;
}

/* The first call on conn that has not ended. */
static ssc_client_call *first_live(ssc_client_conn *conn)
{
    ssc_client_call *call;

    for (call = conn->calls; call != NULL; call = call->next) {
        if (!call->ended)
            return call;
    }
    return NULL;
}

static int conn_on_handshake(ssc_h2io *io)
{
    ssc_client_conn *conn = container_of(io, ssc_client_conn, io);
    ssc_client_call *call;

    if (!ssc_h2io_alpn_is_h2(io)) {
        conn_set_error(conn,
                       "tls handshake with %s failed: the server did not "
                       "agree to http/2 (alpn h2)",
                       conn->client->endpoint);
        return SSC_ETLS;
    }
    if (new_session(conn) != 0) {
        conn_set_error(conn, "could not start http/2 with %s",
                       conn->client->endpoint);
        return SSC_EH2;
    }
    conn->state = CONN_READY;
    /* Rescan from the head each time: a call ending here runs user code,
     * which may end or start other calls. */
    while (conn->state == CONN_READY && (call = first_waiting(conn)) != NULL)
        ssc_client__call_submit(call);
    return 0;
}

static const ssc_h2io_cbs conn_h2io_cbs = {
    .on_handshake = conn_on_handshake,
    .on_close = conn_on_close,
};

/* ---- shutdown ---------------------------------------------------------- */

void ssc_client_free(ssc_client *c)
{
    ssc_client_conn *conn;
    ssc_client_call *call;

    if (c->freeing)
        return;
    c->freeing = 1;
    c->conn = NULL;
    /* Connections leave c->conns only in their close callback, so the list
     * holds still while the calls' on_close callbacks run. */
    for (conn = c->conns; conn != NULL; conn = conn->next) {
        while ((call = first_live(conn)) != NULL)
            ssc_client__call_end(call, SSC_STATUS_CANCELLED, NGHTTP2_CANCEL,
                                 "the client is shutting down");
        conn_close(conn);
    }
    ssc_client__unref(c);
}
