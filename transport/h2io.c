/*
 * h2io.c - the TLS + HTTP/2 connection pump on libuv.
 *
 * OpenSSL talks to the socket through a custom BIO: reads are served straight
 * from the buffer libuv just filled (no copy into a memory BIO), writes append
 * to io->out, which is written with uv_try_write and, for what the kernel does
 * not take at once, one uv_write that owns a copy.
 *
 * Entry points: ssc_h2io_init(), ssc_h2io_start(), ssc_h2io_flush(),
 * ssc_h2io_close(), ssc_h2io_alpn_is_h2(), ssc_h2io_mem().
 */
#include "h2io.h"

#include "err.h"

#include <openssl/err.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The largest TLS record payload: plaintext is staged up to this before each
 * SSL_write so small HTTP/2 frames share records. */
#define TLS_RECORD_MAX 16384

/* io->out keeps its allocation between writes only up to this size: idle
 * connections hold no output buffer. */
#define OUT_KEEP_MAX 0

/* Fresh nghttp2 blocks at least this large get their inner pages released
 * (ssc_h2io_mem()): the frame buffer every session allocates at creation
 * (NGHTTP2_FRAMEBUF_CHUNKLEN, 16394 bytes), and the rare header block or field
 * that large. */
#define LAZY_MIN (16 * 1024)

typedef struct write_req {
    uv_write_t req;
    size_t len;
    uint8_t data[];
} write_req;

static BIO_METHOD *bio_method;
static pthread_once_t bio_once = PTHREAD_ONCE_INIT;

static int bio_read(BIO *b, char *buf, int len)
{
    ssc_h2io *io = BIO_get_data(b);
    size_t n;

    BIO_clear_retry_flags(b);
    if (io->in_len == 0) {
        BIO_set_retry_read(b);
        return -1;
    }
    n = io->in_len < (size_t)len ? io->in_len : (size_t)len;
    memcpy(buf, io->in, n);
    io->in += n;
    io->in_len -= n;
    return (int)n;
}

static int bio_write(BIO *b, const char *buf, int len)
{
    ssc_h2io *io = BIO_get_data(b);

    BIO_clear_retry_flags(b);
    if (ssc_buf_append(&io->out, buf, (size_t)len) != 0)
        return -1;
    return len;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)b;
    (void)num;
    (void)ptr;
    return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static int bio_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

static void bio_method_init(void)
{
    bio_method =
        BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "ssc_h2io");
    if (bio_method == NULL)
        abort();
    BIO_meth_set_read(bio_method, bio_read);
    BIO_meth_set_write(bio_method, bio_write);
    BIO_meth_set_ctrl(bio_method, bio_ctrl);
    BIO_meth_set_create(bio_method, bio_create);
}

int ssc_h2io_init(ssc_h2io *io, uv_loop_t *loop, SSL_CTX *ctx, int is_server,
                  const ssc_h2io_cbs *cbs, uint8_t *scratch, size_t scratch_len)
{
    memset(io, 0, sizeof(*io));
    pthread_once(&bio_once, bio_method_init);
    io->cbs = cbs;
    io->scratch = scratch;
    io->scratch_len = scratch_len;
    ssc_buf_init(&io->out, 0);
    if (uv_tcp_init(loop, &io->tcp) != 0)
        return SSC_EIO;
    io->ssl = SSL_new(ctx);
    io->bio = BIO_new(bio_method);
    if (io->ssl == NULL || io->bio == NULL) {
        ERR_clear_error();
        return SSC_ETLS;
    }
    BIO_set_data(io->bio, io);
    SSL_set_bio(io->ssl, io->bio, io->bio);
    if (is_server)
        SSL_set_accept_state(io->ssl);
    else
        SSL_set_connect_state(io->ssl);
    return 0;
}

/* Gives the whole pages inside [p, p + n) back to the kernel: they read as
 * zeros and take memory again only once written. Only for bytes nobody has
 * written yet, such as a block malloc has just returned. */
static void release_pages(void *p, size_t n)
{
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t lo = ((uintptr_t)p + page - 1) & ~(page - 1);
    uintptr_t hi = ((uintptr_t)p + n) & ~(page - 1);

    if (hi > lo)
        (void)madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

static void *h2mem_malloc(size_t n, void *user_data)
{
    void *p = malloc(n);

    (void)user_data;
    if (p != NULL && n >= LAZY_MIN)
        release_pages(p, n);
    return p;
}

static void h2mem_free(void *p, void *user_data)
{
    (void)user_data;
    free(p);
}

static void *h2mem_calloc(size_t nmemb, size_t size, void *user_data)
{
    (void)user_data;
    return calloc(nmemb, size);
}

/* nghttp2 creates its buffers, the frame buffer among them, with
 * realloc(NULL, n). */
static void *h2mem_realloc(void *p, size_t n, void *user_data)
{
    if (p == NULL)
        return h2mem_malloc(n, user_data);
    return realloc(p, n);
}

static nghttp2_mem h2mem = {
    .malloc = h2mem_malloc,
    .free = h2mem_free,
    .calloc = h2mem_calloc,
    .realloc = h2mem_realloc,
};

nghttp2_mem *ssc_h2io_mem(void)
{
    return &h2mem;
}

int ssc_h2io_alpn_is_h2(const ssc_h2io *io)
{
    const unsigned char *p = NULL;
    unsigned int n = 0;

    SSL_get0_alpn_selected(io->ssl, &p, &n);
    return n == 2 && memcmp(p, "h2", 2) == 0;
}

static void on_close(uv_handle_t *h)
{
    ssc_h2io *io = container_of(h, ssc_h2io, tcp);

    if (io->h2 != NULL)
        nghttp2_session_del(io->h2);
    io->h2 = NULL;
    SSL_free(io->ssl); /* frees the BIO too */
    io->ssl = NULL;
    ssc_buf_reset(&io->out);
    io->cbs->on_close(io);
}

void ssc_h2io_close(ssc_h2io *io)
{
    if (io->closing)
        return;
    io->closing = 1;
    if (io->reading)
        uv_read_stop((uv_stream_t *)&io->tcp);
    io->reading = 0;
    uv_close((uv_handle_t *)&io->tcp, on_close);
}

static void on_write(uv_write_t *req, int status)
{
    write_req *w = container_of(req, write_req, req);
    ssc_h2io *io = req->handle->data;

    io->writing -= w->len;
    free(w);
    if (io->closing)
        return;
    if (status < 0) {
        ssc_h2io_close(io);
        return;
    }
    ssc_h2io_flush(io);
}

/* Hands io->out to the socket. Returns 0 or SSC_EIO. */
static int write_out(ssc_h2io *io)
{
    uv_buf_t b = uv_buf_init((char *)io->out.data, (unsigned)io->out.len);
    write_req *w;
    int n;

    if (io->out.len == 0)
        return 0;
    n = uv_try_write((uv_stream_t *)&io->tcp, &b, 1);
    if (n < 0 && n != UV_EAGAIN)
        return SSC_EIO;
    if (n < 0)
        n = 0;
    if ((size_t)n < io->out.len) {
        w = ssc_xmalloc(sizeof(*w) + io->out.len - (size_t)n);
        w->len = io->out.len - (size_t)n;
        memcpy(w->data, io->out.data + n, w->len);
        b = uv_buf_init((char *)w->data, (unsigned)w->len);
        io->tcp.data = io;
        if (uv_write(&w->req, (uv_stream_t *)&io->tcp, &b, 1, on_write) != 0) {
            free(w);
            return SSC_EIO;
        }
        io->writing += w->len;
    }
    io->out.len = 0;
    if (io->out.alloc > OUT_KEEP_MAX)
        ssc_buf_reset(&io->out);
    return 0;
}

/* Moves what nghttp2 wants to send through SSL_write into io->out, staging
 * plaintext so that small frames share TLS records. Stops at the high-water
 * mark. Returns 1 when it stopped there, 0 when nghttp2 had no more, or a
 * negative code. */
static int produce(ssc_h2io *io)
{
    uint8_t stage[TLS_RECORD_MAX];
    size_t staged = 0;

    while (io->writing + io->out.len < SSC_H2IO_HIGH_WATER &&
           nghttp2_session_want_write(io->h2)) {
        const uint8_t *data;
        ssize_t n = nghttp2_session_mem_send(io->h2, &data);

        if (n < 0)
            return SSC_EH2;
        if (n == 0)
            break;
        while (n > 0) {
            size_t take = TLS_RECORD_MAX - staged;

            if ((size_t)n < take)
                take = (size_t)n;
            memcpy(stage + staged, data, take);
            staged += take;
            data += take;
            n -= (ssize_t)take;
            if (staged == TLS_RECORD_MAX) {
                if (SSL_write(io->ssl, stage, (int)staged) <= 0)
                    return SSC_ETLS;
                staged = 0;
            }
        }
    }
    if (staged > 0 && SSL_write(io->ssl, stage, (int)staged) <= 0)
        return SSC_ETLS;
    return io->writing + io->out.len >= SSC_H2IO_HIGH_WATER;
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    ssc_h2io *io = container_of(h, ssc_h2io, tcp);

    (void)suggested;
    *buf = uv_buf_init((char *)io->scratch, (unsigned)io->scratch_len);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);

static void read_resume(ssc_h2io *io)
{
    if (io->reading || io->closing)
        return;
    if (uv_read_start((uv_stream_t *)&io->tcp, on_alloc, on_read) == 0)
        io->reading = 1;
}

static void read_pause(ssc_h2io *io)
{
    if (!io->reading)
        return;
    uv_read_stop((uv_stream_t *)&io->tcp);
    io->reading = 0;
}

void ssc_h2io_flush(ssc_h2io *io)
{
    int more;
    int rc;

    /* nghttp2 forbids mem_send from inside its own callbacks; the read path
     * flushes when mem_recv returns. */
    if (io->closing || io->in_pump)
        return;
    /* produce() stops at the high-water mark. When the kernel then takes
     * all of it at once, no write callback comes to carry on, so go round
     * again for as long as that happens. */
    do {
        more = io->h2 != NULL ? produce(io) : 0;
        rc = more < 0 ? more : write_out(io);
    } while (rc == 0 && more == 1 && io->writing == 0);
    if (rc < 0) {
        ssc_h2io_close(io);
        return;
    }
    if (io->h2 != NULL && !nghttp2_session_want_read(io->h2) &&
        !nghttp2_session_want_write(io->h2) && io->writing == 0) {
        ssc_h2io_close(io);
        return;
    }
    if (io->writing >= SSC_H2IO_HIGH_WATER)
        read_pause(io);
    else
        read_resume(io);
    if (io->writing == 0 && io->cbs->on_drained != NULL)
        io->cbs->on_drained(io);
}

static int handshake(ssc_h2io *io)
{
    int r = SSL_do_handshake(io->ssl);

    if (r != 1) {
        int e = SSL_get_error(io->ssl, r);

        ERR_clear_error();
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
            return 0;
        return SSC_ETLS;
    }
    io->handshake_done = 1;
    return io->cbs->on_handshake(io);
}

/* Feeds the bytes in io->in through TLS into nghttp2. Returns 0, or a negative
 * code when the connection must close (after what was queued goes out). */
static int pump_in(ssc_h2io *io)
{
    uint8_t plain[TLS_RECORD_MAX];
    int rc;

    if (!io->handshake_done) {
        rc = handshake(io);
        if (rc < 0 || !io->handshake_done)
            return rc;
    }
    for (;;) {
        int n = SSL_read(io->ssl, plain, sizeof(plain));
        ssize_t used;

        if (n <= 0) {
            int e = SSL_get_error(io->ssl, n);

            ERR_clear_error();
            if (e == SSL_ERROR_WANT_READ)
                return 0;
            return e == SSL_ERROR_ZERO_RETURN ? SSC_ECLOSED : SSC_ETLS;
        }
        used = nghttp2_session_mem_recv(io->h2, plain, (size_t)n);
        if (used < 0)
            return SSC_EH2;
    }
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    ssc_h2io *io = container_of(s, ssc_h2io, tcp);
    int rc;

    if (nread < 0) {
        ssc_h2io_close(io);
        return;
    }
    if (nread == 0)
        return;
    io->in = (const uint8_t *)buf->base;
    io->in_len = (size_t)nread;
    io->in_pump = 1;
    rc = pump_in(io);
    io->in_pump = 0;
    io->in_len = 0;
    if (rc < 0) {
        /* Send what is queued (a TLS alert or GOAWAY) on a best-effort basis,
         * then close; no more input is processed. */
        if (io->h2 != NULL)
            (void)produce(io);
        (void)write_out(io);
        ssc_h2io_close(io);
        return;
    }
    ssc_h2io_flush(io);
}

int ssc_h2io_start(ssc_h2io *io)
{
    io->tcp.data = io;
    read_resume(io);
    if (!io->reading)
        return SSC_EIO;
    if (!SSL_is_server(io->ssl)) {
        int rc = handshake(io);

        if (rc < 0)
            return rc;
        ssc_h2io_flush(io);
    }
    return 0;
}
