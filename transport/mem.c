/*
 * mem.c - aborting allocators and the capped byte buffer.
 *
 * Entry points: see mem.h.
 */
#include "mem.h"

#include "err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(size_t n)
{
    fprintf(stderr, "fatal: out of memory allocating %zu bytes\n", n);
    abort();
}

void *ssc_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (p == NULL)
        oom(n);
    return p;
}

void *ssc_xcalloc(size_t nmemb, size_t size)
{
    void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

    if (p == NULL)
        oom(nmemb * size);
    return p;
}

void *ssc_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);

    if (q == NULL)
        oom(n);
    return q;
}

char *ssc_xstrndup(const char *s, size_t n)
{
    char *d = ssc_xmalloc(n + 1);

    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *ssc_xstrdup(const char *s)
{
    return ssc_xstrndup(s, strlen(s));
}

void ssc_buf_init(ssc_buf *b, size_t cap)
{
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
    b->cap = cap ? cap : SIZE_MAX;
}

uint8_t *ssc_buf_reserve(ssc_buf *b, size_t n)
{
    size_t want;

    if (n > b->cap - b->len)
        return NULL;
    want = b->len + n;
    if (want > b->alloc) {
        size_t grow = b->alloc ? b->alloc : 256;

        while (grow < want)
            grow = grow > SIZE_MAX / 2 ? want : grow * 2;
        if (grow > b->cap)
            grow = b->cap;
        b->data = ssc_xrealloc(b->data, grow);
        b->alloc = grow;
    }
    return b->data + b->len;
}

int ssc_buf_append(ssc_buf *b, const void *p, size_t n)
{
    uint8_t *dst;

    if (n == 0)
        return 0;
    dst = ssc_buf_reserve(b, n);
    if (dst == NULL)
        return SSC_ETOOBIG;
    memcpy(dst, p, n);
    b->len += n;
    return 0;
}

void ssc_buf_consume(ssc_buf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
}

void ssc_buf_reset(ssc_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
}
