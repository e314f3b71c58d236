/*
 * mem.h - allocation with one policy: running out of memory aborts.
 *
 * The daemon and the client both treat allocation failure as fatal (the
 * kernel's overcommit makes any other policy a fiction); every input buffer has
 * a hard cap instead, so hostile input cannot drive allocation. ssc_buf is a
 * growable byte buffer that refuses to grow past its cap.
 *
 * Entry points: ssc_xmalloc(), ssc_xcalloc(), ssc_xrealloc(), ssc_xstrdup(),
 * ssc_xstrndup(), ssc_buf_*(), container_of().
 */
#ifndef SSC_MEM_H
#define SSC_MEM_H

#include <stddef.h>
#include <stdint.h>

/* The struct that embeds member at ptr: how a libuv callback finds the object
 * that owns its handle (the handles are embedded, never allocated apart). */
#define container_of(ptr, type, member)                                        \
    ((type *)((char *)(ptr)-offsetof(type, member)))

void *ssc_xmalloc(size_t n);
void *ssc_xcalloc(size_t nmemb, size_t size);
void *ssc_xrealloc(void *p, size_t n);
char *ssc_xstrdup(const char *s);
char *ssc_xstrndup(const char *s, size_t n);

/* A growable buffer. len bytes of data live at data; the buffer never grows
 * past cap bytes (0 means no cap beyond SIZE_MAX). */
typedef struct ssc_buf {
    uint8_t *data;
    size_t len;
    size_t alloc;
    size_t cap;
} ssc_buf;

/* Initialises an empty buffer with a hard cap; allocates nothing. */
void ssc_buf_init(ssc_buf *b, size_t cap);

/* Appends n bytes. Returns 0, or SSC_ETOOBIG (buffer unchanged) when the result
 * would pass the cap. */
int ssc_buf_append(ssc_buf *b, const void *p, size_t n);

/* Makes room for n more bytes and returns a pointer to them (not yet counted in
 * len; the caller adds what it wrote). Returns NULL when the cap forbids it. */
uint8_t *ssc_buf_reserve(ssc_buf *b, size_t n);

/* Removes the first n bytes (n <= len). */
void ssc_buf_consume(ssc_buf *b, size_t n);

/* Empties the buffer and releases its memory; the cap is kept. */
void ssc_buf_reset(ssc_buf *b);

#endif
