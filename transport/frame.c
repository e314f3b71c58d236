/*
 * frame.c - gRPC length-prefixed message framing and reassembly.
 *
 * A message that arrives whole in one input slice is handed to the callback
 * straight from the caller's bytes; only a message split across slices is
 * copied into the reader's buffer, which is allocated once the body starts
 * (never for a prefix that declares more than the limit). A large body gets
 * FIRST_ALLOC bytes first and its whole length only once more arrives: a
 * peer that declares large messages and stalls (or is made to wait by flow
 * control) does not make the reader reserve their full size.
 *
 * The callback may keep a reassembled message by taking its buffer
 * (ssc_frame_reader_take()), so a caller that holds requests until the end of
 * the stream does not copy them a second time.
 *
 * Entry points: ssc_frame_header(), ssc_frame_reader_init(),
 * ssc_frame_reader_feed(), ssc_frame_reader_take(),
 * ssc_frame_reader_remaining(), ssc_frame_reader_partial(),
 * ssc_frame_reader_free().
 */
#include "frame.h"

#include "err.h"
#include "mem.h"

#include <stdlib.h>
#include <string.h>

#define FIRST_ALLOC (64 * 1024)

void ssc_frame_header(uint8_t out[SSC_FRAME_HEADER_LEN], int compressed,
                      uint32_t len)
{
    out[0] = compressed ? 1 : 0;
    out[1] = (uint8_t)(len >> 24);
    out[2] = (uint8_t)(len >> 16);
    out[3] = (uint8_t)(len >> 8);
    out[4] = (uint8_t)len;
}

void ssc_frame_reader_init(ssc_frame_reader *r, size_t max)
{
    memset(r, 0, sizeof(*r));
    r->max = max;
}

/* Copies as much of the prefix as is missing and available; returns the bytes
 * used. */
static size_t fill_header(ssc_frame_reader *r, const uint8_t *p, size_t n)
{
    size_t take = SSC_FRAME_HEADER_LEN - r->hdr_len;

    if (take > n)
        take = n;
    memcpy(r->hdr + r->hdr_len, p, take);
    r->hdr_len += take;
    return take;
}

/* Validates a complete prefix and records the declared body length. */
static int parse_header(ssc_frame_reader *r)
{
    uint32_t len;

    if (r->hdr[0] > 1)
        return SSC_EPROTO;
    len = (uint32_t)r->hdr[1] << 24 | (uint32_t)r->hdr[2] << 16 |
          (uint32_t)r->hdr[3] << 8 | (uint32_t)r->hdr[4];
    if (len > r->max)
        return SSC_ETOOBIG;
    r->msg_want = len;
    r->msg_len = 0;
    return 0;
}

/* Copies body bytes into the reassembly buffer; returns the bytes used. */
static size_t fill_body(ssc_frame_reader *r, const uint8_t *p, size_t n)
{
    size_t take = r->msg_want - r->msg_len;

    if (take > n)
        take = n;
    if (take == 0)
        return 0;
    if (r->msg_len + take > r->msg_cap) {
        r->msg_cap = r->msg_cap == 0 && r->msg_len + take <= FIRST_ALLOC &&
                             r->msg_want > FIRST_ALLOC
                         ? FIRST_ALLOC
                         : r->msg_want;
        r->msg = ssc_xrealloc(r->msg, r->msg_cap);
    }
    memcpy(r->msg + r->msg_len, p, take);
    r->msg_len += take;
    return take;
}

/* Hands the completed message to cb and readies the reader for the next
 * prefix, whatever cb returns. */
static int deliver(ssc_frame_reader *r, const uint8_t *msg, ssc_frame_cb cb,
                   void *arg)
{
    int rv = cb(arg, r->hdr[0], msg, r->msg_want);

    free(r->msg);
    r->msg = NULL;
    r->msg_cap = 0;
    r->hdr_len = 0;
    r->msg_len = 0;
    r->msg_want = 0;
    return rv;
}

int ssc_frame_reader_feed(ssc_frame_reader *r, const uint8_t *p, size_t n,
                          ssc_frame_cb cb, void *arg)
{
    size_t used;
    int rv;

    while (n > 0) {
        if (r->hdr_len < SSC_FRAME_HEADER_LEN) {
            used = fill_header(r, p, n);
            p += used;
            n -= used;
            if (r->hdr_len < SSC_FRAME_HEADER_LEN)
                return 0;
            rv = parse_header(r);
            if (rv != 0)
                return rv;
        }
        if (r->msg_len == 0 && n >= r->msg_want) {
            /* The whole body is in this slice: no copy needed. */
            used = r->msg_want;
            rv = deliver(r, p, cb, arg);
        } else {
            used = fill_body(r, p, n);
            if (r->msg_len < r->msg_want)
                return 0;
            rv = deliver(r, r->msg, cb, arg);
        }
        if (rv != 0)
            return rv;
        p += used;
        n -= used;
    }
    return 0;
}

uint8_t *ssc_frame_reader_take(ssc_frame_reader *r)
{
    uint8_t *msg = r->msg;

    r->msg = NULL;
    r->msg_cap = 0;
    return msg;
}

size_t ssc_frame_reader_remaining(const ssc_frame_reader *r)
{
    if (r->hdr_len == 0)
        return 0;
    if (r->hdr_len < SSC_FRAME_HEADER_LEN)
        return SSC_FRAME_HEADER_LEN - r->hdr_len;
    return r->msg_want - r->msg_len;
}

int ssc_frame_reader_partial(const ssc_frame_reader *r)
{
    return r->hdr_len > 0;
}

void ssc_frame_reader_free(ssc_frame_reader *r)
{
    free(r->msg);
    r->msg = NULL;
    r->msg_cap = 0;
    r->hdr_len = 0;
    r->msg_len = 0;
    r->msg_want = 0;
}
