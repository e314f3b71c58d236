/*
 * valid.c - input rules shared by the services.
 *
 * Entry points: see valid.h.
 */
#include "valid.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The database trims names of these before it checks and stores them. */
#define BLANKS " \t\r\n"

int ssc_valid_reject(char *why, size_t n, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, n, fmt, ap);
    va_end(ap);
    return -1;
}

int ssc_valid_text(const char *field, const char *s, size_t max_chars,
                   int empty_ok, char *why, size_t n)
{
    size_t start = strspn(s, BLANKS), end = strlen(s), chars = 0;

    while (end > start && strchr(BLANKS, s[end - 1]) != NULL)
        end--;
    for (size_t i = start; i < end; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c < 0x20 || c == 0x7f)
            return ssc_valid_reject(
                why, n, "%s: must not contain control characters", field);
        chars += (c & 0xC0) != 0x80;
    }
    if (chars == 0 && !empty_ok)
        return ssc_valid_reject(why, n, "%s: must not be empty", field);
    if (chars > max_chars)
        return ssc_valid_reject(why, n,
                                "%s: must be at most %zu characters, not %zu",
                                field, max_chars, chars);
    return 0;
}

int ssc_valid_idempotency_key(const char *key, char *why, size_t n)
{
    if (strlen(key) > SSC_VALID_KEY_MAX_BYTES)
        return ssc_valid_reject(why, n,
                                "idempotency_key: must be at most %d bytes",
                                SSC_VALID_KEY_MAX_BYTES);
    return 0;
}

const char *ssc_valid_int64_param(int64_t v, char buf[24])
{
    snprintf(buf, 24, "%" PRId64, v);
    return buf;
}
