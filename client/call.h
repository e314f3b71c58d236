/*
 * call.h - how ssc's commands call the server: one unary call with the
 * failure reported, mutating calls with an idempotency key retried once,
 * and List methods paged.
 *
 * Every function here prints the one stderr line of a failure itself
 * ("ssc: org add: INVALID_ARGUMENT: country: must be ...") and returns the
 * exit status for its class, so a command only passes the status on.
 *
 * Entry points: cli_call(), cli_call_print(), cli_idem_key(),
 * cli_list_run().
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

/* The paging options every list command takes: --page-size N,
 * --page-token T and --all. Put CLI_PAGING_OPTS(&paging) among the
 * command's cli_opt entries and pass &paging to cli_list_run(). */
typedef struct cli_paging {
    const char *size;
    const char *token;
    int all;
} cli_paging;

#define CLI_PAGING_OPTS(p)                                                     \
    {"--page-size", &(p)->size}, {"--page-token", &(p)->token},                \
    {                                                                          \
        "--all", NULL, &(p)->all                                               \
    }

/* Where a list's items go instead of the view: to write(), which gets
 * every item of every page (the list is followed to its end) and dest, the
 * destination its flag named (a file). write() returns the exit status,
 * having said why when it is not 0. */
typedef struct cli_list_sink {
    int (*write)(const cli_cmd *cmd, const char *dest,
                 const ProtobufCMessage *const *items, size_t n);
    const char *dest;
} cli_list_sink;

/* Runs a list command once its own options are checked: checks --page-size
 * (a usage error otherwise), points *page_field (req's page) at the page
 * asked for, calls the List method path for one page, or with --all for
 * every page (passing next_page_token back until it comes back empty), and
 * prints the items (the response's one repeated message field, response of
 * type resp_desc) through view; when more pages remain and stdout is a
 * terminal, a hint on stderr names the --page-token to go on with. With a
 * sink (may be NULL) every page goes to the sink instead. Returns the exit
 * status, having printed why when it is not 0. */
int cli_list_run(cli_ctx *ctx, const cli_cmd *cmd, const char *path,
                 ProtobufCMessage *req, Ssc__V1__PageRequest **page_field,
                 const cli_paging *paging,
                 const ProtobufCMessageDescriptor *resp_desc,
                 const cli_view *view, const cli_list_sink *sink);

#endif
