/*
 * page_fit.h - makes a list page fit the message size limit (page_fit.c).
 *
 * Entry points: ssc_page_fit().
 */
#ifndef SSC_PAGE_FIT_H
#define SSC_PAGE_FIT_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

/* Makes msg, a page (a repeated message field named items_name and a string
 * next_page_token), pack into at most limit bytes: when it is larger, the
 * items from the first that does not fit on are dropped (freed) and
 * next_page_token is set to resume after the last item kept (its cursor_key
 * field, as ssc_store_page_token() encodes it). Returns 0 (msg fits), or
 * SSC_ETOOBIG when not even the first item fits, or SSC_EINVAL when msg is
 * not a page; err then says why and msg is unchanged. */
int ssc_page_fit(ProtobufCMessage *msg, const char *items_name,
                 const char *cursor_key, size_t limit, char *err,
                 size_t errlen);

#endif
