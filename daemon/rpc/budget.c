/*
 * budget.c - the process's pool, the connection's ledger and the stream's
 * account of request bytes held.
 *
 * The pool is a compare-and-swap counter, so loops draw on it without a lock.
 * A take that fails marks the pool starved; the next give then calls on_room
 * once, which is how a loop waiting for room hears that another loop freed
 * some. The mark is set before a second attempt, so a give that lands between
 * the first attempt and the mark is not missed.
 *
 * Entry points: see budget.h.
 */
#include "budget.h"

#include "err.h"

/* Whether used + n + keep fits in max, without overflow. */
static int fits(size_t used, size_t n, size_t keep, size_t max)
{
    return used <= max && n <= max - used && keep <= max - used - n;
}

static int pool_try(ssc_budget_pool *p, size_t n, size_t keep)
{
    size_t used = atomic_load(&p->used);

    do {
        if (!fits(used, n, keep, p->max))
            return SSC_EAGAIN;
    } while (!atomic_compare_exchange_weak(&p->used, &used, used + n));
    return 0;
}

void ssc_budget_pool_init(ssc_budget_pool *p, size_t max,
                          void (*on_room)(void *arg), void *arg)
{
    atomic_init(&p->used, 0);
    atomic_init(&p->starved, 0);
    p->max = max;
    p->on_room = on_room;
    p->arg = arg;
}

int ssc_budget_pool_take(ssc_budget_pool *p, size_t n, size_t keep)
{
    if (pool_try(p, n, keep) == 0)
        return 0;
    atomic_store(&p->starved, 1);
    return pool_try(p, n, keep);
}

void ssc_budget_pool_give(ssc_budget_pool *p, size_t n)
{
    if (n == 0)
        return;
    atomic_fetch_sub(&p->used, n);
    if (atomic_load(&p->starved) && atomic_exchange(&p->starved, 0) &&
        p->on_room != NULL)
        p->on_room(p->arg);
}

size_t ssc_budget_pool_used(ssc_budget_pool *p)
{
    return atomic_load(&p->used);
}

void ssc_budget_init(ssc_budget *b, ssc_budget_pool *pool, size_t max)
{
    b->pool = pool;
    b->used = 0;
    b->max = max;
}

int ssc_budget_take(ssc_budget *b, size_t n, size_t keep, size_t pool_keep)
{
    if (n == 0)
        return 0;
    if (!fits(b->used, n, keep, b->max) ||
        ssc_budget_pool_take(b->pool, n, pool_keep) != 0)
        return SSC_EAGAIN;
    b->used += n;
    return 0;
}

void ssc_budget_give(ssc_budget *b, size_t n)
{
    b->used -= n;
    ssc_budget_pool_give(b->pool, n);
}

/* Room left in a counter of max with used taken, keep held back. */
static size_t room(size_t used, size_t keep, size_t max)
{
    if (used > max || keep > max - used)
        return 0;
    return max - used - keep;
}

size_t ssc_budget_room(ssc_budget *b, size_t keep, size_t pool_keep)
{
    size_t mine = room(b->used, keep, b->max);
    size_t pool = room(ssc_budget_pool_used(b->pool), pool_keep, b->pool->max);

    return mine < pool ? mine : pool;
}

int ssc_budget_stream_open(ssc_budget_stream *s, ssc_budget *b, size_t credit)
{
    s->budget = NULL;
    s->held = 0;
    s->credit = 0;
    if (ssc_budget_take(b, credit, 0, 0) != 0)
        return SSC_EAGAIN;
    s->budget = b;
    s->credit = credit;
    return 0;
}

int ssc_budget_stream_recv(ssc_budget_stream *s, size_t n)
{
    size_t paid = n < s->credit ? n : s->credit;
    int rc = 0;

    if (s->budget == NULL)
        return SSC_EAGAIN;
    if (n > paid)
        rc = ssc_budget_take(s->budget, n - paid, 0, 0);
    s->credit -= paid;
    s->held += rc == 0 ? n : paid;
    return rc;
}

int ssc_budget_stream_grant(ssc_budget_stream *s, size_t n, size_t keep,
                            size_t pool_keep)
{
    if (s->budget == NULL || ssc_budget_take(s->budget, n, keep, pool_keep))
        return SSC_EAGAIN;
    s->credit += n;
    return 0;
}

int ssc_budget_stream_hold(ssc_budget_stream *s, size_t n, size_t keep,
                           size_t pool_keep)
{
    if (s->budget == NULL || ssc_budget_take(s->budget, n, keep, pool_keep))
        return SSC_EAGAIN;
    s->held += n;
    return 0;
}

size_t ssc_budget_stream_release(ssc_budget_stream *s, size_t n, size_t refill)
{
    size_t keep;

    if (s->budget == NULL)
        return 0;
    if (n > s->held)
        n = s->held;
    keep = n < refill ? n : refill;
    s->held -= n;
    s->credit += keep;
    ssc_budget_give(s->budget, n - keep);
    return keep;
}

int ssc_budget_stream_sync(ssc_budget_stream *s, size_t credit)
{
    if (s->budget == NULL)
        return 0;
    if (credit < s->credit) {
        ssc_budget_give(s->budget, s->credit - credit);
        s->credit = credit;
        return 0;
    }
    if (ssc_budget_take(s->budget, credit - s->credit, 0, 0) != 0)
        return SSC_EAGAIN;
    s->credit = credit;
    return 0;
}

void ssc_budget_stream_close(ssc_budget_stream *s)
{
    if (s->budget == NULL)
        return;
    ssc_budget_give(s->budget, s->held + s->credit);
    s->budget = NULL;
    s->held = 0;
    s->credit = 0;
}

int ssc_budget_stream_is_open(const ssc_budget_stream *s)
{
    return s->budget != NULL;
}
