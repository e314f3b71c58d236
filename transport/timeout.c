/*
 * timeout.c - the grpc-timeout header.
 *
 * Deadlines are kept in milliseconds. Parsing rounds up so that a peer's
 * sub-millisecond timeout still expires rather than meaning "no time at all";
 * formatting prefers an exact encoding and rounds up only when none fits.
 *
 * Entry points: ssc_timeout_parse(), ssc_timeout_format().
 */
#include "timeout.h"

#include "err.h"

#include <stdio.h>

#define MAX_DIGITS 8
#define MAX_VALUE 99999999u

/* The units that whole milliseconds can be written in, finest first. */
static const struct {
    char unit;
    uint64_t ms;
} units[] = {
    {'m', 1},
    {'S', 1000},
    {'M', 60 * 1000},
    {'H', 60 * 60 * 1000},
};

#define NUNITS (sizeof(units) / sizeof(units[0]))

static uint64_t div_round_up(uint64_t v, uint64_t d)
{
    return v / d + (v % d != 0);
}

/* Converts value in unit to milliseconds, rounding up; value is at most
 * MAX_VALUE, so hours cannot overflow. */
static int to_ms(uint64_t value, char unit, uint64_t *ms)
{
    switch (unit) {
    case 'H':
        *ms = value * 60 * 60 * 1000;
        return 0;
    case 'M':
        *ms = value * 60 * 1000;
        return 0;
    case 'S':
        *ms = value * 1000;
        return 0;
    case 'm':
        *ms = value;
        return 0;
    case 'u':
        *ms = div_round_up(value, 1000);
        return 0;
    case 'n':
        *ms = div_round_up(value, 1000 * 1000);
        return 0;
    default:
        return SSC_EINVAL;
    }
}

int ssc_timeout_parse(const char *s, size_t n, uint64_t *ms)
{
    uint64_t value = 0;
    size_t digits;
    size_t i;

    if (n < 2 || n - 1 > MAX_DIGITS)
        return SSC_EINVAL;
    digits = n - 1;
    for (i = 0; i < digits; i++) {
        if (s[i] < '0' || s[i] > '9')
            return SSC_EINVAL;
        value = value * 10 + (uint64_t)(s[i] - '0');
    }
    return to_ms(value, s[digits], ms);
}

/* Picks the unit for ms: the one giving the shortest exact encoding, or,
 * when no exact one fits, the finest one the rounded-up value fits in. Returns
 * NUNITS when ms is too large for every unit. */
static size_t pick_unit(uint64_t ms)
{
    size_t best = NUNITS;
    uint64_t best_value = UINT64_MAX;
    size_t i;

    /* A coarser exact unit always has fewer digits, except for 0, where the
     * finest unit is kept. */
    for (i = 0; i < NUNITS; i++) {
        uint64_t value = ms / units[i].ms;

        if (ms % units[i].ms == 0 && value <= MAX_VALUE && value < best_value) {
            best = i;
            best_value = value;
        }
    }
    if (best < NUNITS)
        return best;
    for (i = 0; i < NUNITS; i++)
        if (div_round_up(ms, units[i].ms) <= MAX_VALUE)
            return i;
    return NUNITS;
}

size_t ssc_timeout_format(uint64_t ms, char out[16])
{
    size_t u = pick_unit(ms);
    uint64_t value;
    int len;

    if (u == NUNITS) {
        u = NUNITS - 1;
        value = MAX_VALUE;
    } else {
        value = div_round_up(ms, units[u].ms);
    }
    len = snprintf(out, 16, "%llu%c", (unsigned long long)value, units[u].unit);
    return (size_t)len;
}
