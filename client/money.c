/*
 * money.c - minor units to "DKK 25,000,000.00" and "1234.50" to minor
 * units, exactly (money.h).
 *
 * Entry points: cli_money_format(), cli_money_parse(), cli_money_strerror().
 */
#include "money.h"

#include <stdio.h>

size_t cli_money_format(int64_t minor, const char *currency, unsigned flags,
                        char *buf, size_t n)
{
    /* The magnitude as uint64: -INT64_MIN does not fit in an int64. */
    uint64_t mag = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
    uint64_t major = mag / 100;
    char digits[32], grouped[40];
    int nd =
        snprintf(digits, sizeof(digits), "%llu", (unsigned long long)major);
    size_t g = 0;
    const char *sign = minor < 0                               ? "-"
                       : (flags & CLI_MONEY_PLUS) && minor > 0 ? "+"
                                                               : "";
    int len;

    for (int i = 0; i < nd; i++) {
        if (i > 0 && (nd - i) % 3 == 0)
            grouped[g++] = ',';
        grouped[g++] = digits[i];
    }
    grouped[g] = '\0';
    len = snprintf(buf, n, "%s%s%s%s.%02u", currency ? currency : "",
                   currency && currency[0] ? " " : "", sign, grouped,
                   (unsigned)(mag % 100));
    return len < 0 ? 0 : (size_t)len;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

int cli_money_parse(const char *text, int64_t *out)
{
    const char *p = text;
    int64_t major = 0, cents = 0;
    int decimals = 0;

    if (!is_digit(*p))
        return CLI_MONEY_EFORMAT;
    for (; is_digit(*p); p++) {
        int d = *p - '0';

        if (major > (INT64_MAX / 100 - d) / 10) /* the cents must fit too */
            return CLI_MONEY_ERANGE;
        major = major * 10 + d;
    }
    if (*p == '.') {
        for (p++; is_digit(*p) && decimals < 2; p++, decimals++)
            cents = cents * 10 + (*p - '0');
        if (decimals == 0)
            return CLI_MONEY_EFORMAT;
    }
    if (*p != '\0')
        return CLI_MONEY_EFORMAT;
    if (decimals == 1)
        cents *= 10;
    /* major * 100 fits (checked above); the cents may still pass the top:
     * INT64_MAX is ...58.07. */
    if (major * 100 > INT64_MAX - cents)
        return CLI_MONEY_ERANGE;
    if (major == 0 && cents == 0)
        return CLI_MONEY_EZERO;
    *out = major * 100 + cents;
    return 0;
}

const char *cli_money_strerror(int code)
{
    switch (code) {
#define XX(name, c, text)                                                      \
    case c:                                                                    \
        return text;
        CLI_MONEY_ERRNO_MAP(XX)
#undef XX
    default:
        return "is not an amount";
    }
}
