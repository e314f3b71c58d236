/*
 * log.h - sscd's log: one line per event on stderr.
 *
 * Lines look like "2026-11-22T10:00:00.123Z sscd[42] warn: could not ...".
 * Messages are lower case, have no final period and say what was attempted.
 * The level is checked before any argument is evaluated. ssc_log_level is set
 * once at start, before any loop thread runs, and only read after that.
 *
 * Entry points: SSC_LOG_ERROR(), SSC_LOG_WARN(), SSC_LOG_INFO(),
 * SSC_LOG_DEBUG(), ssc_log_write().
 */
#ifndef SSC_LOG_H
#define SSC_LOG_H

enum { SSC_LOG_ERR = 0, SSC_LOG_WRN = 1, SSC_LOG_INF = 2, SSC_LOG_DBG = 3 };

extern int ssc_log_level;

void ssc_log_write(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define SSC_LOG(level, ...)                                                    \
    do {                                                                       \
        if ((level) <= ssc_log_level)                                          \
            ssc_log_write((level), __VA_ARGS__);                               \
    } while (0)
#define SSC_LOG_ERROR(...) SSC_LOG(SSC_LOG_ERR, __VA_ARGS__)
#define SSC_LOG_WARN(...) SSC_LOG(SSC_LOG_WRN, __VA_ARGS__)
#define SSC_LOG_INFO(...) SSC_LOG(SSC_LOG_INF, __VA_ARGS__)
#define SSC_LOG_DEBUG(...) SSC_LOG(SSC_LOG_DBG, __VA_ARGS__)

#endif
