/*
 * page.h - list pages: size, tokens, and fitting the message size limit.
 *
 * Entry points: ssc_page_size(), ssc_page_token(), ssc_page_after(),
 * ssc_page_request(), ssc_page_fit().
 */
#ifndef SSC_PAGE_H
#define SSC_PAGE_H

#include "ssc/v1/common.pb-c.h"

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

#define SSC_PAGE_DEFAULT 50
#define SSC_PAGE_MAX 500

/* Page size to ask the database for: 0 -> default, capped at max. */
int ssc_page_size(uint32_t requested);

/* Encodes an opaque page token for a keyset cursor (the last id or code
 * seen); the caller frees it. */
char *ssc_page_token(const char *cursor);

/* Decodes a page token into the cursor it carries ("" for an empty token).
 * Returns 0, or SSC_EINVAL for a token sscd did not issue. The caller frees
 * *cursor. */
int ssc_page_after(const char *token, char **cursor);

/* Reads a list request's page (NULL: the first page of the default size):
 * *size the page size to ask for, *cursor (the caller frees it) the cursor
 * to go on after ("" for the first page). integer_cursor: the cursor must be
 * an id (a bigint). Returns 0, or SSC_EINVAL with why
 * "page.page_token: not a token this server issued". */
int ssc_page_request(const Ssc__V1__PageRequest *page, int integer_cursor,
                     int *size, char **cursor, char *why, size_t n);

/* Makes msg, a page (a repeated message field named items_name and a string
 * next_page_token), pack into at most limit bytes: when it is larger, the
 * items from the first that does not fit on are dropped (freed) and
 * next_page_token is set to resume after the last item kept (its cursor_key
 * field, as ssc_page_token() encodes it). Returns 0 (msg fits), or
 * SSC_ETOOBIG when not even the first item fits, or SSC_EINVAL when msg is
 * not a page; err then says why and msg is unchanged. */
int ssc_page_fit(ProtobufCMessage *msg, const char *items_name,
                 const char *cursor_key, size_t limit, char *err,
                 size_t errlen);

#endif
