/*
 * log.c - formatting and writing log lines.
 *
 * Each line is formatted into a local buffer and written with one write(2), so
 * lines from different loop threads never interleave.
 *
 * Entry points: ssc_log_write().
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int ssc_log_level = SSC_LOG_INF;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void ssc_log_write(int level, const char *fmt, ...)
{
    char line[1024];
    struct timespec ts;
    struct tm tm;
    size_t n;
    int w;
    va_list ap;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
    w = snprintf(line + n, sizeof(line) - n,
                 ".%03ldZ sscd[%d] %s: ", ts.tv_nsec / 1000000, (int)getpid(),
                 level_names[level < 0   ? 0
                             : level > 3 ? 3
                                         : level]);
    n += (size_t)w;
    va_start(ap, fmt);
    w = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
    va_end(ap);
    n = w < 0 ? n : n + (size_t)w;
    if (n > sizeof(line) - 2)
        n = sizeof(line) - 2;
    line[n++] = '\n';
    (void)!write(STDERR_FILENO, line, n);
}
