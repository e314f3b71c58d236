/*
 * money.h - amounts as people write them and as the API carries them.
 *
 * The API carries money as int64 minor units (øre, cents) and an ISO 4217
 * code; every currency the programme uses has two decimals. People read
 * and write major units: "25,000,000.00". These functions convert between
 * the two exactly, in integer arithmetic, and refuse what does not fit in
 * an int64 rather than wrap.
 *
 * Entry points: cli_money_format(), cli_money_parse(), cli_money_strerror().
 */
#ifndef CLI_MONEY_H
#define CLI_MONEY_H

#include <stddef.h>
#include <stdint.h>

/* Room for any formatted amount: a sign, 17 digits with 5 separators, the
 * decimals, a currency and a space, and the NUL. */
#define CLI_MONEY_LEN 40

/* Flags of cli_money_format(). */
#define CLI_MONEY_PLUS 1u /* "+" before a positive amount (deltas) */

/* Writes minor as major units with two decimals and a ',' between
 * thousands ("25,000,000.00"; "-1,234.50"), after currency and a space
 * when currency is not NULL or empty ("DKK 25,000,000.00"), into buf,
 * truncating (NUL-terminated) when n is too small. Every int64 is
 * written, INT64_MIN included. Returns the length the text has (as
 * snprintf does). */
size_t cli_money_format(int64_t minor, const char *currency, unsigned flags,
                        char *buf, size_t n);

/* The errors of cli_money_parse(). */
#define CLI_MONEY_ERRNO_MAP(XX)                                                \
    XX(FORMAT, -1, "is not an amount with at most two decimals")               \
    XX(RANGE, -2, "is more than the largest amount, 92233720368547758.07")     \
    XX(ZERO, -3, "is not more than 0")

enum {
#define XX(name, code, text) CLI_MONEY_E##name = (code),
    CLI_MONEY_ERRNO_MAP(XX)
#undef XX
};

/* Parses text as an amount in major units: digits, then optionally '.'
 * and one or two digits ("1234", "1234.5", "1234.50"); no sign, no
 * separators, no spaces. Stores it in minor units in *out. Returns 0, or
 * CLI_MONEY_EFORMAT, CLI_MONEY_ERANGE (more than INT64_MAX minor units) or
 * CLI_MONEY_EZERO (0.00), leaving *out alone. */
int cli_money_parse(const char *text, int64_t *out);

/* The message of a CLI_MONEY_E* code, to follow the amount quoted. */
const char *cli_money_strerror(int code);

#endif
