/*
 * call.c - unary calls with one retry, idempotency keys, paged lists.
 *
 * Entry points: cli_call(), cli_call_print(), cli_idem_key(),
 * cli_list_run().
 */
#include "call.h"

#include "args.h"
#include "exit.h"
#include "hex.h"
#include "mem.h"

#include <openssl/err.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#define RETRY_PAUSE_MS 250

static int retryable(int code)
{
    return code == SSC_STATUS_UNAVAILABLE ||
           code == SSC_STATUS_DEADLINE_EXCEEDED;
}

int cli_call(cli_ctx *ctx, const cli_cmd *cmd, const char *path,
             const ProtobufCMessage *req,
             const ProtobufCMessageDescriptor *resp_desc,
             ProtobufCMessage **resp, int retry)
{
    ssc_client *client;
    ssc_client_result res;
    int rc = cli_client(ctx, cmd, &client);

    *resp = NULL;
    if (rc != 0)
        return rc;
    ssc_client_result_init(&res);
    ssc_client_unary(client, path, req, resp_desc, resp, &res);
    if (retry && retryable(res.code)) {
        if (ctx->verbose)
            fprintf(stderr,
                    "ssc: %s: %s: %s; retrying once with the same "
                    "idempotency key\n",
                    cmd->name, ssc_status_name(res.code), res.message);
        ssc_client_result_free(&res);
        uv_sleep(RETRY_PAUSE_MS);
        ssc_client_unary(client, path, req, resp_desc, resp, &res);
    }
    rc = res.code == SSC_STATUS_OK ? 0 : cli_fail(cmd, &res);
    ssc_client_result_free(&res);
    return rc;
}

int cli_call_print(cli_ctx *ctx, const cli_cmd *cmd, const char *path,
                   const ProtobufCMessage *req, const cli_view *view, int retry)
{
    ProtobufCMessage *resp;
    int rc = cli_call(ctx, cmd, path, req, view->desc, &resp, retry);

    if (rc != 0)
        return rc;
    cli_print_msg(ctx, view, resp);
    protobuf_c_message_free_unpacked(resp, NULL);
    return 0;
}

const char *cli_idem_key(const cli_ctx *ctx, const cli_cmd *cmd,
                         const char *given, char buf[CLI_KEY_LEN + 1])
{
    unsigned char raw[CLI_KEY_LEN / 2];

    if (given != NULL) {
        if (ctx->verbose)
            fprintf(stderr, "ssc: %s: idempotency key %s (given)\n", cmd->name,
                    given);
        return given;
    }
    if (RAND_bytes(raw, sizeof(raw)) != 1) {
        cli_error(cmd, CLI_EXIT_INTERNAL,
                  "could not make an idempotency key: %s",
                  ERR_reason_error_string(ERR_get_error()));
        return NULL;
    }
    ssc_hex_encode(raw, sizeof(raw), buf);
    if (ctx->verbose)
        fprintf(stderr, "ssc: %s: idempotency key %s\n", cmd->name, buf);
    return buf;
}

/* ---- lists -------------------------------------------------------------- */

/* What list_pages() collected. */
typedef struct cli_pages {
    ProtobufCMessage **pages; /* the responses, which own the items */
    size_t npages;
    const ProtobufCMessage **items; /* every item, in order */
    size_t n;
    const char *next_page_token; /* of the last page; "" at the end */
} cli_pages;

static void pages_free(cli_pages *p);

/* The response's one repeated message field: the items. */
static const ProtobufCFieldDescriptor *
items_field(const ProtobufCMessageDescriptor *d)
{
    for (unsigned i = 0; i < d->n_fields; i++) {
        if (d->fields[i].label == PROTOBUF_C_LABEL_REPEATED &&
            d->fields[i].type == PROTOBUF_C_TYPE_MESSAGE)
            return &d->fields[i];
    }
    abort(); /* a List response without items: a bug in the caller */
}

static const char *next_token(const ProtobufCMessage *resp)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(resp->descriptor,
                                                        "next_page_token");
    const char *t = f ? *(char *const *)((const char *)resp + f->offset) : "";

    return t != NULL ? t : "";
}

/* Takes resp into p: it keeps the page and points at its items. */
static void add_page(cli_pages *p, ProtobufCMessage *resp)
{
    const ProtobufCFieldDescriptor *f = items_field(resp->descriptor);
    size_t n = *(const size_t *)((const char *)resp + f->quantifier_offset);
    ProtobufCMessage *const *items =
        *(ProtobufCMessage * *const *)((const char *)resp + f->offset);

    p->pages = ssc_xrealloc(p->pages, (p->npages + 1) * sizeof(*p->pages));
    p->pages[p->npages++] = resp;
    p->items = ssc_xrealloc(p->items, (p->n + n + 1) * sizeof(*p->items));
    for (size_t i = 0; i < n; i++)
        p->items[p->n++] = items[i];
    p->next_page_token = next_token(resp);
}

/* Calls the List method path with req, whose page field points at page, and
 * collects the items of one page, or with all of every page. Returns 0
 * with out filled (free it with pages_free()), or the exit status after
 * printing why not (out then holds nothing). */
static int list_pages(cli_ctx *ctx, const cli_cmd *cmd, const char *path,
                      ProtobufCMessage *req, Ssc__V1__PageRequest *page,
                      const ProtobufCMessageDescriptor *resp_desc, int all,
                      cli_pages *out)
{
    char *sent = NULL; /* the token just sent, to catch a server looping */
    char *first = page->page_token;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    for (;;) {
        ProtobufCMessage *resp;

        rc = cli_call(ctx, cmd, path, req, resp_desc, &resp, 0);
        if (rc != 0)
            break;
        add_page(out, resp);
        if (!all || out->next_page_token[0] == '\0')
            break;
        if (sent != NULL && strcmp(sent, out->next_page_token) == 0) {
            rc = cli_error(cmd, CLI_EXIT_INTERNAL,
                           "the server sent page token \"%s\" twice", sent);
            break;
        }
        free(sent);
        sent = ssc_xstrdup(out->next_page_token);
        page->page_token = sent;
    }
    page->page_token = first;
    free(sent);
    if (rc != 0)
        pages_free(out);
    return rc;
}

static void show_pages(const cli_ctx *ctx, const cli_view *view,
                       const cli_pages *p)
{
    cli_print_msgs(ctx, view, p->items, p->n, p->next_page_token);
    if (!ctx->json && p->next_page_token[0] != '\0' && cli_stdout_tty())
        fprintf(stderr, "more: add --page-token %s (or --all for the rest)\n",
                p->next_page_token);
}

static void pages_free(cli_pages *p)
{
    for (size_t i = 0; i < p->npages; i++)
        protobuf_c_message_free_unpacked(p->pages[i], NULL);
    free(p->pages);
    free(p->items);
    memset(p, 0, sizeof(*p));
}

int cli_list_run(cli_ctx *ctx, const cli_cmd *cmd, const char *path,
                 ProtobufCMessage *req, Ssc__V1__PageRequest **page_field,
                 const cli_paging *paging,
                 const ProtobufCMessageDescriptor *resp_desc,
                 const cli_view *view, const cli_list_sink *sink)
{
    Ssc__V1__PageRequest page = SSC__V1__PAGE_REQUEST__INIT;
    cli_pages pages;
    int rc =
        cli_arg_uint32(cmd, "--page-size", paging->size, 1, &page.page_size);

    if (rc != 0)
        return cli_args_exit(rc);
    if (paging->token != NULL)
        page.page_token = (char *)paging->token;
    *page_field = &page;
    rc = list_pages(ctx, cmd, path, req, &page, resp_desc,
                    paging->all || sink != NULL, &pages);
    *page_field = NULL;
    if (rc != 0)
        return rc;
    if (sink != NULL)
        rc = sink->write(cmd, sink->dest, pages.items, pages.n);
    else
        show_pages(ctx, view, &pages);
    pages_free(&pages);
    return rc;
}
