/*
 * gzip.c - the "gzip" grpc-encoding, on zlib.
 *
 * Output goes straight into the caller's ssc_buf in chunks no larger than the
 * room its cap leaves, so a small input that inflates without end (a
 * decompression bomb) stops at the cap instead of exhausting memory. zlib
 * allocates through ssc_xcalloc, so it cannot report running out of memory.
 * On any error out is left as it was on entry.
 *
 * Entry points: ssc_gzip_compress(), ssc_gzip_decompress().
 */
#include "gzip.h"

#include "err.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define CHUNK (16 * 1024)
#define GZIP_WINDOW_BITS (15 + 16)

static voidpf z_alloc(voidpf opaque, uInt items, uInt size)
{
    return ssc_xcalloc(items, size);
}

static void z_free(voidpf opaque, voidpf p)
{
    free(p);
}

static void stream_init(z_stream *zs, const uint8_t *p, size_t n)
{
    memset(zs, 0, sizeof(*zs));
    zs->zalloc = z_alloc;
    zs->zfree = z_free;
    zs->next_in = (Bytef *)p;
    zs->avail_in = (uInt)n;
}

/* Points zlib's output at up to CHUNK bytes of out's free room; returns the
 * room given, 0 when out is at its cap. */
static size_t give_room(z_stream *zs, ssc_buf *out)
{
    size_t room = out->cap - out->len;

    if (room > CHUNK)
        room = CHUNK;
    if (room == 0)
        return 0;
    zs->next_out = ssc_buf_reserve(out, room);
    zs->avail_out = (uInt)room;
    return room;
}

/* Runs deflate until the stream is finished or out is full. */
static int deflate_all(z_stream *zs, ssc_buf *out)
{
    size_t room;
    int zrv;

    do {
        room = give_room(zs, out);
        if (room == 0)
            return SSC_ETOOBIG;
        zrv = deflate(zs, Z_FINISH);
        out->len += room - zs->avail_out;
    } while (zrv == Z_OK);
    return zrv == Z_STREAM_END ? 0 : SSC_EIO;
}

int ssc_gzip_compress(const uint8_t *p, size_t n, ssc_buf *out)
{
    size_t start = out->len;
    z_stream zs;
    int rv;

    if (n > UINT_MAX)
        return SSC_ETOOBIG;
    stream_init(&zs, p, n);
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, GZIP_WINDOW_BITS,
                     8, Z_DEFAULT_STRATEGY) != Z_OK)
        return SSC_EIO;
    rv = deflate_all(&zs, out);
    deflateEnd(&zs);
    if (rv != 0)
        out->len = start;
    return rv;
}

/* A gzip decoder, with the byte it writes to when out is at its cap. */
typedef struct inflater {
    z_stream zs;
    uint8_t scratch;
} inflater;

/* One inflate call. Returns 1 at the end of a gzip member, 0 to go on, or an
 * error. At the cap, zlib gets the one-byte scratch buffer: the rest of the
 * input may well produce nothing (an empty further member, say), while a byte
 * written there means the output would pass the cap. */
static int inflate_step(inflater *in, ssc_buf *out)
{
    z_stream *zs = &in->zs;
    size_t room = give_room(zs, out);
    int zrv;

    if (room == 0) {
        zs->next_out = &in->scratch;
        zs->avail_out = 1;
    }
    zrv = inflate(zs, Z_NO_FLUSH);
    if (room == 0 && zs->avail_out == 0)
        return SSC_ETOOBIG;
    if (room > 0)
        out->len += room - zs->avail_out;
    if (zrv == Z_STREAM_END)
        return 1;
    return zrv == Z_OK ? 0 : SSC_EDECOMPRESS;
}

/* Inflates every gzip member in the input (RFC 1952 allows several, and some
 * gzip readers accept them, so senders may produce them). */
static int inflate_all(inflater *in, ssc_buf *out)
{
    int rv;

    for (;;) {
        rv = inflate_step(in, out);
        if (rv < 0)
            return rv;
        if (rv == 1 && in->zs.avail_in == 0)
            return 0;
        if (rv == 1 && inflateReset(&in->zs) != Z_OK)
            return SSC_EDECOMPRESS;
    }
}

int ssc_gzip_decompress(const uint8_t *p, size_t n, ssc_buf *out)
{
    size_t start = out->len;
    inflater in;
    int rv;

    if (n > UINT_MAX)
        return SSC_ETOOBIG;
    stream_init(&in.zs, p, n);
    if (inflateInit2(&in.zs, GZIP_WINDOW_BITS) != Z_OK)
        return SSC_EDECOMPRESS;
    rv = inflate_all(&in, out);
    inflateEnd(&in.zs);
    if (rv != 0)
        out->len = start;
    return rv;
}
