/*
 * progress.c - the progress line (progress.h).
 *
 * Entry points: see progress.h.
 */
#include "progress.h"

#include <inttypes.h>
#include <string.h>

#define REDRAW_MS 100

/* 1234567 -> "1,234,567" */
static void grouped(char *out, size_t n, uint64_t v)
{
    char digits[24];
    size_t len, o = 0;

    snprintf(digits, sizeof(digits), "%" PRIu64, v);
    len = strlen(digits);
    for (size_t i = 0; i < len && o + 2 < n; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
}

void cli_progress_format(char *buf, size_t n, uint64_t lines, uint64_t bytes,
                         uint64_t size, uint64_t elapsed_ms)
{
    char l[32], r[32], bar[CLI_PROGRESS_BAR + 1];
    uint64_t rate = elapsed_ms > 0 ? lines * 1000 / elapsed_ms : 0;
    int len;

    grouped(l, sizeof(l), lines);
    grouped(r, sizeof(r), rate);
    if (size == 0) {
        snprintf(buf, n, "lines %s  %s lines/s", l, r);
        return;
    }
    if (bytes > size)
        bytes = size;
    {
        /* bytes and size fit in 2^63, so the products below do not wrap
         * for any file smaller than 2^56 bytes */
        unsigned pct = (unsigned)(bytes * 100 / size);
        unsigned cells = (unsigned)(bytes * CLI_PROGRESS_BAR / size);
        uint64_t left_s =
            bytes > 0 ? (elapsed_ms * (size - bytes) / bytes + 999) / 1000 : 0;

        for (unsigned i = 0; i < CLI_PROGRESS_BAR; i++)
            bar[i] = i < cells ? '#' : '.';
        bar[CLI_PROGRESS_BAR] = '\0';
        len = snprintf(buf, n, "lines %s  %3u%%  [%s]  %s lines/s", l, pct, bar,
                       r);
        if (bytes > 0 && len > 0 && (size_t)len < n)
            snprintf(buf + len, n - (size_t)len,
                     "  %" PRIu64 ":%02" PRIu64 " left", left_s / 60,
                     left_s % 60);
    }
}

void cli_progress_new(cli_progress *p, FILE *f, int on, uint64_t now_ms)
{
    memset(p, 0, sizeof(*p));
    p->f = f;
    p->on = on;
    p->start_ms = now_ms;
}

void cli_progress_update(cli_progress *p, uint64_t lines, uint64_t bytes,
                         uint64_t size, uint64_t now_ms, int force)
{
    char buf[160];
    size_t len;

    if (!p->on ||
        (!force && p->last_ms != 0 && now_ms - p->last_ms < REDRAW_MS))
        return;
    p->last_ms = now_ms;
    cli_progress_format(buf, sizeof(buf), lines, bytes, size,
                        now_ms - p->start_ms);
    len = strlen(buf);
    /* \r back to the start; blanks over what a longer line left */
    fprintf(p->f, "\r%s%*s", buf,
            p->last_len > len ? (int)(p->last_len - len) : 0, "");
    fflush(p->f);
    p->last_len = len;
}

void cli_progress_done(cli_progress *p)
{
    if (!p->on || p->last_len == 0)
        return;
    fprintf(p->f, "\r%*s\r", (int)p->last_len, "");
    fflush(p->f);
    p->last_len = 0;
}
