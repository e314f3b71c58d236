/*
 * h2io.h - one TLS + HTTP/2 connection on a libuv TCP handle, either side.
 *
 * The pump that both sscd and ssc stand on: bytes read from the socket go into
 * OpenSSL through a BIO that serves them straight from the read buffer;
 * SSL_read runs until it wants more input (stopping earlier leaves records
 * stranded in OpenSSL); plaintext goes to nghttp2_session_mem_recv. Output runs
 * the other way: nghttp2_session_mem_send -> SSL_write -> a BIO that appends to
 * io->out -> one uv_write that takes ownership of those bytes.
 *
 * Backpressure: once more than SSC_H2IO_HIGH_WATER bytes are queued in uv_write
 * requests, the pump neither asks nghttp2 for more output nor reads from the
 * socket; both resume from the write callback. A peer that stops reading
 * therefore costs at most about that much memory.
 *
 * Lifecycle: the owner embeds ssc_h2io in its own struct, calls
 * ssc_h2io_init(), connects or accepts on io->tcp, then ssc_h2io_start(). The
 * owner creates io->h2 in on_handshake. ssc_h2io_close() starts an asynchronous
 * close; on_close runs once everything is released except the owner's struct,
 * which the owner frees there.
 *
 * Entry points: ssc_h2io_init(), ssc_h2io_start(), ssc_h2io_flush(),
 * ssc_h2io_close(), ssc_h2io_alpn_is_h2(), ssc_h2io_mem().
 */
#ifndef SSC_H2IO_H
#define SSC_H2IO_H

#include "mem.h"

#include <nghttp2/nghttp2.h>
#include <openssl/ssl.h>
#include <uv.h>

#define SSC_H2IO_HIGH_WATER (256 * 1024)

typedef struct ssc_h2io ssc_h2io;

typedef struct ssc_h2io_cbs {
    /* The TLS handshake finished. Create io->h2 and submit SETTINGS here.
     * Return 0 to go on or a negative code to close the connection. */
    int (*on_handshake)(ssc_h2io *io);
    /* Everything the connection held is released; free the owner here. */
    void (*on_close)(ssc_h2io *io);
    /* Optional: the pump wrote everything it had (write queue empty). */
    void (*on_drained)(ssc_h2io *io);
} ssc_h2io_cbs;

struct ssc_h2io {
    uv_tcp_t tcp; /* embedded: the owner finds itself with container_of */
    SSL *ssl;
    BIO *bio;
    nghttp2_session *h2; /* created by the owner in on_handshake */
    const ssc_h2io_cbs *cbs;
    uint8_t *scratch; /* read buffer; may be shared by all io on one loop */
    size_t scratch_len;
    const uint8_t *in; /* unread part of the current socket read */
    size_t in_len;
    ssc_buf out;    /* TLS records produced, not yet handed to uv_write */
    size_t writing; /* bytes inside uv_write requests */
    unsigned handshake_done : 1;
    unsigned closing : 1;
    unsigned reading : 1;
    unsigned in_pump : 1;
};

/* Prepares io on loop with a new SSL from ctx (server or client side). scratch
 * must stay valid for io's lifetime; reads never need more than one scratch at
 * a time per thread, so a loop can share one. Returns 0 or SSC_ETLS. */
int ssc_h2io_init(ssc_h2io *io, uv_loop_t *loop, SSL_CTX *ctx, int is_server,
                  const ssc_h2io_cbs *cbs, uint8_t *scratch,
                  size_t scratch_len);

/* Starts reading (and, on the client side, sends the ClientHello). Call once
 * io->tcp is connected or accepted. Returns 0 or a negative code (then close).
 */
int ssc_h2io_start(ssc_h2io *io);

/* Writes whatever nghttp2 has to send, within the backpressure limit, and
 * closes the connection when nghttp2 wants neither to read nor to write. Call
 * it after submitting frames from outside a read (timers, database callbacks).
 */
void ssc_h2io_flush(ssc_h2io *io);

/* Starts an asynchronous close; safe to call more than once. */
void ssc_h2io_close(ssc_h2io *io);

/* Non-zero when the handshake negotiated ALPN "h2". */
int ssc_h2io_alpn_is_h2(const ssc_h2io *io);

/* The allocator to create io->h2 with (nghttp2_session_*_new3). It is malloc,
 * except that a fresh block of 16 KiB or more has the whole pages inside it
 * handed back to the kernel before nghttp2 gets it: nghttp2 allocates each
 * session's outbound frame buffer (16 KiB) up front, and a connection that only
 * ever sends small frames then keeps one page of it resident instead of four.
 */
nghttp2_mem *ssc_h2io_mem(void);

#endif
