/*
 * valid.h - input rules shared by the services, checked in C before the
 * database checks them again.
 *
 * Each check returns 0, or -1 with a message a person can act on written to
 * why ("name: must not be empty"), which the service answers as
 * INVALID_ARGUMENT.
 *
 * Entry points: ssc_valid_reject(), ssc_valid_text(),
 * ssc_valid_idempotency_key(), ssc_valid_int64_param().
 */
#ifndef SSC_VALID_H
#define SSC_VALID_H

#include <stddef.h>
#include <stdint.h>

/* The longest idempotency key accepted, in bytes (the database agrees). */
#define SSC_VALID_KEY_MAX_BYTES 128

/* Writes the message to why and returns -1, so a check can end with
 * `return ssc_valid_reject(...)`. */
int ssc_valid_reject(char *why, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A name-like text as the database stores it: trimmed of blanks, at most
 * max_chars characters (UTF-8 code points), no control characters, and not
 * empty unless empty_ok. */
int ssc_valid_text(const char *field, const char *s, size_t max_chars,
                   int empty_ok, char *why, size_t n);

/* An idempotency key: empty (none) or at most SSC_VALID_KEY_MAX_BYTES. */
int ssc_valid_idempotency_key(const char *key, char *why, size_t n);

/* Writes v in decimal into buf and returns buf: an integer statement
 * parameter (0 means "none" to the database). */
const char *ssc_valid_int64_param(int64_t v, char buf[24]);

#endif
