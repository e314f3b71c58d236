/*
 * budget.h - caps on what sscd holds: a pool per process shared by the loops,
 * a ledger per connection drawing on that pool, and an account per request
 * stream drawing on its connection's ledger.
 *
 * A stream's account charges what the stream holds (request bytes received
 * and not yet released) plus its credit (what the peer may still send under
 * HTTP/2 flow control). Credit is charged before it is granted, so every byte
 * a peer is allowed to send is already paid for: the request bytes sscd holds
 * never pass the connection's ledger, and the ledgers never pass the pool.
 *
 * A take is all or nothing, on the ledger and the pool together. It may ask
 * for headroom to be left behind (keep): growth that can wait (the rest of a
 * large message) leaves room for what cannot (the first window of a new
 * stream, which the peer has the moment it opens the stream).
 *
 * A pool counts anything: the connection limit is a pool of connections.
 *
 * Threads: a pool is shared (atomics); a ledger and its accounts belong to
 * one loop. The pool's on_room callback runs on the thread that gives bytes
 * back after a take failed, so it must only signal (uv_async_send).
 *
 * Entry points: ssc_budget_pool_init(), ssc_budget_pool_take(),
 * ssc_budget_pool_give(), ssc_budget_pool_used(), ssc_budget_init(),
 * ssc_budget_take(), ssc_budget_give(), ssc_budget_room(),
 * ssc_budget_stream_open(), ssc_budget_stream_recv(),
 * ssc_budget_stream_grant(), ssc_budget_stream_hold(),
 * ssc_budget_stream_release(), ssc_budget_stream_sync(),
 * ssc_budget_stream_close(), ssc_budget_stream_is_open().
 */
#ifndef SSC_BUDGET_H
#define SSC_BUDGET_H

#include <stdatomic.h>
#include <stddef.h>

typedef struct ssc_budget_pool {
    atomic_size_t used;
    size_t max;
    atomic_int starved; /* a take failed since the last on_room */
    void (*on_room)(void *arg);
    void *arg;
} ssc_budget_pool;

typedef struct ssc_budget {
    ssc_budget_pool *pool;
    size_t used;
    size_t max;
} ssc_budget;

typedef struct ssc_budget_stream {
    ssc_budget *budget; /* NULL when closed */
    size_t held;        /* bytes received and not yet released */
    size_t credit;      /* bytes the peer may still send, as charged */
} ssc_budget_stream;

/* Prepares a pool of max units, none used. on_room (may be NULL) is called
 * with arg when units are given back after a take failed. */
void ssc_budget_pool_init(ssc_budget_pool *p, size_t max,
                          void (*on_room)(void *arg), void *arg);

/* Takes n units if at least keep stay free afterwards. Returns 0, or
 * SSC_EAGAIN with nothing taken. */
int ssc_budget_pool_take(ssc_budget_pool *p, size_t n, size_t keep);

/* Gives back n units taken before. */
void ssc_budget_pool_give(ssc_budget_pool *p, size_t n);

size_t ssc_budget_pool_used(ssc_budget_pool *p);

/* Prepares a ledger of max bytes drawing on pool. */
void ssc_budget_init(ssc_budget *b, ssc_budget_pool *pool, size_t max);

/* Charges n bytes to the ledger and its pool if at least keep bytes stay free
 * in the ledger and pool_keep in the pool. Returns 0, or SSC_EAGAIN with
 * nothing charged. */
int ssc_budget_take(ssc_budget *b, size_t n, size_t keep, size_t pool_keep);

/* Gives back n bytes charged before. */
void ssc_budget_give(ssc_budget *b, size_t n);

/* How much ssc_budget_take() with these keeps could charge now (the pool may
 * change before the take: another loop may draw on it). */
size_t ssc_budget_room(ssc_budget *b, size_t keep, size_t pool_keep);

/* Opens s on b, charging credit: the window the peer has on the new stream.
 * Returns 0, or SSC_EAGAIN with s closed and nothing charged. */
int ssc_budget_stream_open(ssc_budget_stream *s, ssc_budget *b, size_t credit);

/* n bytes arrived: they move from credit to held. Bytes beyond the charged
 * credit are charged now. Returns 0, or SSC_EAGAIN when those could not be:
 * they are not counted, and the caller drops the bytes and closes s. */
int ssc_budget_stream_recv(ssc_budget_stream *s, size_t n);

/* Charges n more credit (the caller then grants the peer that window), with
 * the keeps of ssc_budget_take(). Returns 0 or SSC_EAGAIN. */
int ssc_budget_stream_grant(ssc_budget_stream *s, size_t n, size_t keep,
                            size_t pool_keep);

/* Charges n bytes held besides what arrived (a decompressed copy), with the
 * keeps of ssc_budget_take(). Returns 0 or SSC_EAGAIN. */
int ssc_budget_stream_hold(ssc_budget_stream *s, size_t n, size_t keep,
                           size_t pool_keep);

/* Releases n held bytes (n <= held). Up to refill of them turn into credit
 * instead of being given back; returns how many did: the window the caller
 * grants the peer. */
size_t ssc_budget_stream_release(ssc_budget_stream *s, size_t n, size_t refill);

/* Aligns the charged credit with the window the peer really has (which a
 * SETTINGS acknowledgement or the end of the stream can shrink, and padding
 * returned by nghttp2 can grow). Returns 0, or SSC_EAGAIN when growth could
 * not be charged (it is charged on arrival instead). */
int ssc_budget_stream_sync(ssc_budget_stream *s, size_t credit);

/* Gives back everything s holds and is owed; s is closed. Safe to repeat. */
void ssc_budget_stream_close(ssc_budget_stream *s);

int ssc_budget_stream_is_open(const ssc_budget_stream *s);

#endif
