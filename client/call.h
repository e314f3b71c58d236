/*
 * call.h - how ssc's commands call the server: one unary call with the
 * failure reported, mutating calls with an idempotency key retried once,
 * and List methods paged.
 *
 * Every function here prints the one stderr line of a failure itself
 * ("ssc: org add: INVALID_ARGUMENT: country: must be ...") and returns the
 * exit status for its class, so a command only passes the status on.
 *
 * Entry points: cli_call(), cli_call_print(), cli_idem_key(), cli_list(),
 * cli_list_show(), cli_pages_free().
 */
#ifndef CLI_CALL_H
#define CLI_CALL_H

#include "cli.h"
#include "output.h"

#include "ssc/v1/common.pb-c.h"

#include <protobuf-c/protobuf-c.h>

/* Calls path with req and stores the response, unpacked with resp_desc, in
 * *resp (free it with protobuf_c_message_free_unpacked()). Returns 0, or
 * the exit status after printing why not (*resp NULL then).
 *
 * With retry (a mutating request carrying an idempotency key) a call that
 * ends UNAVAILABLE or DEADLINE_EXCEEDED is sent once more, after a short
 * pause, with the same request: the server answers a repeated key with the
 * first result, so the retry cannot write twice. */
int cli_call(cli_ctx *ctx, const cli_cmd *cmd, const char *path,
             const ProtobufCMessage *req,
             const ProtobufCMessageDescriptor *resp_desc,
             ProtobufCMessage **resp, int retry);

/* cli_call() whose response, of type view->desc, is then printed through
 * view. Returns 0 or the exit status. */
int cli_call_print(cli_ctx *ctx, const cli_cmd *cmd, const char *path,
                   const ProtobufCMessage *req, const cli_view *view,
                   int retry);

#define CLI_KEY_LEN 32 /* hex digits of a generated key: 128 bits */

/* The idempotency key of a mutating call: given (--idempotency-key) when
 * not NULL, else 128 random bits as hex written into buf. Under --verbose
 * it says which key is used. Returns the key, or NULL after printing why
 * no random bytes could be had (the command then exits CLI_EXIT_INTERNAL). */
const char *cli_idem_key(const cli_ctx *ctx, const cli_cmd *cmd,
                         const char *given, char buf[CLI_KEY_LEN + 1]);

/* What cli_list() collected. */
typedef struct cli_pages {
    ProtobufCMessage **pages; /* the responses, which own the items */
    size_t npages;
    const ProtobufCMessage **items; /* every item, in order */
    size_t n;
    const char *next_page_token; /* of the last page; "" at the end */
} cli_pages;

/* Calls the List method path with req, whose page field points at page (the
 * caller sets page_size and the first page_token), and collects the items
 * (the response's one repeated message field) of one page, or with all of
 * every page, passing next_page_token back until it comes back empty.
 * Returns 0 with out filled (free it with cli_pages_free()), or the exit
 * status after printing why not (out then holds nothing). */
int cli_list(cli_ctx *ctx, const cli_cmd *cmd, const char *path,
             ProtobufCMessage *req, Ssc__V1__PageRequest *page,
             const ProtobufCMessageDescriptor *resp_desc, int all,
             cli_pages *out);

/* Prints what cli_list() collected through view; when more pages remain
 * and stdout is a terminal, adds a hint on stderr naming the
 * --page-token to go on with. */
void cli_list_show(const cli_ctx *ctx, const cli_view *view,
                   const cli_pages *p);

void cli_pages_free(cli_pages *p);

#endif
