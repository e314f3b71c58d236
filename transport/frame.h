/*
 * frame.h - gRPC length-prefixed message framing and reassembly.
 *
 * A gRPC message on the wire is one byte of compressed flag, four bytes of
 * big-endian length, then that many bytes. DATA frame boundaries have nothing
 * to do with message boundaries, so the reader accepts bytes in any slicing and
 * calls back once per complete message.
 *
 * Entry points: ssc_frame_header(), ssc_frame_reader_init(),
 * ssc_frame_reader_feed(), ssc_frame_reader_take(),
 * ssc_frame_reader_remaining(), ssc_frame_reader_partial(),
 * ssc_frame_reader_free().
 */
#ifndef SSC_FRAME_H
#define SSC_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define SSC_FRAME_HEADER_LEN 5

/* Writes the 5-byte prefix for a message of len bytes. */
void ssc_frame_header(uint8_t out[SSC_FRAME_HEADER_LEN], int compressed,
                      uint32_t len);

/* Called once per complete message. msg is valid only during the call (it may
 * point into the caller's input or into the reader's buffer). Return 0 to go
 * on, or a negative code to stop: ssc_frame_reader_feed() then returns that
 * code. */
typedef int (*ssc_frame_cb)(void *arg, int compressed, const uint8_t *msg,
                            size_t len);

typedef struct ssc_frame_reader {
    uint8_t hdr[SSC_FRAME_HEADER_LEN];
    size_t hdr_len;  /* bytes of hdr filled so far */
    uint8_t *msg;    /* body being reassembled, NULL when none */
    size_t msg_len;  /* bytes of body received */
    size_t msg_want; /* declared body length */
    size_t msg_cap;  /* bytes allocated at msg */
    size_t max;      /* largest body accepted */
} ssc_frame_reader;

/* Prepares a reader that accepts bodies up to max bytes. */
void ssc_frame_reader_init(ssc_frame_reader *r, size_t max);

/* Consumes n bytes. Calls cb for each message completed. Returns 0, SSC_ETOOBIG
 * as soon as a prefix declares a body longer than max (nothing allocated for
 * it), SSC_EPROTO for a flag byte other than 0 or 1, or whatever cb returned.
 * After an error the reader is in an undefined state: free it. */
int ssc_frame_reader_feed(ssc_frame_reader *r, const uint8_t *p, size_t n,
                          ssc_frame_cb cb, void *arg);

/* Only from inside the callback: hands the caller the reassembly buffer that
 * holds the message being delivered, to keep without a copy (the caller frees
 * it). Returns NULL when the message was passed straight from the input; a
 * caller that keeps it must copy it. */
uint8_t *ssc_frame_reader_take(ssc_frame_reader *r);

/* Bytes still to come before the message in progress is complete: the rest
 * of its prefix while that is incomplete, else the rest of its body; 0
 * between messages. */
size_t ssc_frame_reader_remaining(const ssc_frame_reader *r);

/* Non-zero when part of a message has been received but not all of it: at end
 * of stream this means the peer sent a truncated message. */
int ssc_frame_reader_partial(const ssc_frame_reader *r);

/* Releases the reassembly buffer. The reader may be initialised again. */
void ssc_frame_reader_free(ssc_frame_reader *r);

#endif
