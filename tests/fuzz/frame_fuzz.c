/*
 * frame_fuzz.c - fuzzes transport/frame.c's reassembly against a reference.
 *
 * Input layout: two bytes of body limit (big-endian, so at most 64 KiB), one
 * byte naming the message on which the callback asks to stop (0xff: never),
 * then slices: a length byte (with the top bit set, a second byte extends it
 * to 15 bits) and that many bytes to feed. The slices' concatenation is the
 * stream; a straightforward one-pass parser of the whole stream says which
 * messages must come out, and which error or partial state must be left.
 *
 * Entry points: LLVMFuzzerTestOneInput().
 */
#include "fuzz.h"

#include "err.h"
#include "frame.h"

#include <string.h>

#define STOP_RV (-1000)

typedef struct expect_msg {
    size_t off;
    size_t len;
    int compressed;
} expect_msg;

/* What the stream must produce. */
typedef struct expect {
    expect_msg *v;
    size_t n;
    int rc;      /* what the feeding must end with */
    int partial; /* ssc_frame_reader_partial() afterwards, when rc is 0 */
} expect;

typedef struct check {
    const uint8_t *stream;
    const expect *want;
    size_t seen;
    size_t stop_at;
} check;

/* Parses the whole stream in one pass, as the reader must in any slicing. */
static void reference(const uint8_t *p, size_t n, size_t max, size_t stop_at,
                      expect *e)
{
    size_t off = 0;
    uint32_t len;

    e->n = 0;
    e->rc = 0;
    e->partial = 0;
    while (n - off >= SSC_FRAME_HEADER_LEN) {
        if (p[off] > 1) {
            e->rc = SSC_EPROTO;
            return;
        }
        len = (uint32_t)p[off + 1] << 24 | (uint32_t)p[off + 2] << 16 |
              (uint32_t)p[off + 3] << 8 | (uint32_t)p[off + 4];
        if (len > max) {
            e->rc = SSC_ETOOBIG;
            return;
        }
        if (n - off - SSC_FRAME_HEADER_LEN < len)
            break;
        e->v[e->n].off = off + SSC_FRAME_HEADER_LEN;
        e->v[e->n].len = len;
        e->v[e->n].compressed = p[off];
        off += SSC_FRAME_HEADER_LEN + len;
        if (e->n++ == stop_at) {
            e->rc = STOP_RV;
            return;
        }
    }
    e->partial = off < n;
}

static int on_message(void *arg, int compressed, const uint8_t *msg, size_t len)
{
    check *c = arg;
    const expect_msg *m;

    SSC_FUZZ_REQUIRE(c->seen < c->want->n);
    m = &c->want->v[c->seen];
    SSC_FUZZ_REQUIRE(compressed == m->compressed);
    SSC_FUZZ_REQUIRE(len == m->len);
    SSC_FUZZ_REQUIRE(len == 0 || memcmp(msg, c->stream + m->off, len) == 0);
    return c->seen++ == c->stop_at ? STOP_RV : 0;
}

/* Reads the next slice length at *pos; returns it clipped to what is left. */
static size_t slice_len(const uint8_t *data, size_t size, size_t *pos)
{
    size_t len = data[(*pos)++];

    if ((len & 0x80) != 0 && *pos < size)
        len = (len & 0x7f) << 8 | data[(*pos)++];
    return len < size - *pos ? len : size - *pos;
}

/* Feeds the slices to a reader that must agree with the reference. */
static void feed(const uint8_t *data, size_t size, size_t max, check *c)
{
    ssc_frame_reader r;
    size_t pos = 3, len;
    int rc = 0;

    ssc_frame_reader_init(&r, max);
    while (pos < size && rc == 0) {
        len = slice_len(data, size, &pos);
        rc = ssc_frame_reader_feed(&r, data + pos, len, on_message, c);
        pos += len;
    }
    SSC_FUZZ_REQUIRE(rc == c->want->rc);
    SSC_FUZZ_REQUIRE(c->seen == c->want->n);
    if (rc == 0)
        SSC_FUZZ_REQUIRE(!ssc_frame_reader_partial(&r) == !c->want->partial);
    ssc_frame_reader_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *stream;
    expect want;
    check c;
    size_t max, n = 0, pos = 3, len;

    if (size < 3)
        return 0;
    max = (size_t)data[0] << 8 | data[1];
    stream = malloc(size);
    want.v = malloc((size / SSC_FRAME_HEADER_LEN + 1) * sizeof(*want.v));
    if (stream == NULL || want.v == NULL)
        abort();
    while (pos < size) {
        len = slice_len(data, size, &pos);
        memcpy(stream + n, data + pos, len);
        n += len;
        pos += len;
    }
    c.stop_at = data[2] == 0xff ? SIZE_MAX : data[2];
    reference(stream, n, max, c.stop_at, &want);
    c.stream = stream;
    c.want = &want;
    c.seen = 0;
    feed(data, size, max, &c);
    free(want.v);
    free(stream);
    return 0;
}
