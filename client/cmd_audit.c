/*
 * cmd_audit.c - `ssc audit list|verify` (ssc.v1.Audit): the hash-chained
 * trail of every change.
 *
 * verify is a question with a yes-or-no answer, like health: a broken chain
 * is an answer, printed on stdout with exit status 1 (CLI_EXIT_ANSWERED),
 * not a failure of the call.
 *
 * Entry points: cli_cmd_audit.
 */
#include "args.h"
#include "call.h"
#include "cli.h"
#include "exit.h"
#include "output.h"

#include "ssc/v1/audit.pb-c.h"

#include <inttypes.h>
#include <stdio.h>

#define SVC "/ssc.v1.Audit/"

/* before and after hold JSON text: shown in --json as the JSON itself, null
 * when empty. */
static json_t *entry_json(const ProtobufCMessage *msg)
{
    const Ssc__V1__AuditEntry *e = (const Ssc__V1__AuditEntry *)msg;
    json_t *o = cli_json_from_msg(msg);
    const char *keys[2] = {"before", "after"};
    const char *texts[2] = {e->before, e->after};

    for (int i = 0; i < 2; i++) {
        json_t *v = NULL;

        if (texts[i] != NULL && texts[i][0] != '\0')
            v = json_loads(texts[i], JSON_DECODE_ANY, NULL);
        if (v == NULL && (texts[i] == NULL || texts[i][0] == '\0'))
            v = json_null();
        if (v != NULL)
            json_object_set_new(o, keys[i], v);
    }
    return o;
}

static const cli_column entry_columns[] = {
    {"SEQ", "seq"},       {"AT", "at"},         {"PRINCIPAL", "principal"},
    {"METHOD", "method"}, {"ENTITY", "entity"}, {"ENTITY_ID", "entity_id"},
    {NULL, NULL},
};

static const cli_view entry_view = {
    .desc = &ssc__v1__audit_entry__descriptor,
    .columns = entry_columns,
    .list_key = "entries",
    .to_json = entry_json,
};

static int run_list(cli_ctx *ctx, const cli_cmd *self, int argc, char **argv)
{
    Ssc__V1__ListAuditRequest req = SSC__V1__LIST_AUDIT_REQUEST__INIT;
    const char *after = NULL, *entity = NULL;
    cli_paging paging = {0};
    const cli_opt opts[] = {
        {"--after", &after},
        {"--entity", &entity},
        CLI_PAGING_OPTS(&paging),
        {NULL},
    };
    int rc = cli_args_parse(self, argc, argv, opts, NULL, NULL, 0);

    if (rc == 0)
        rc = cli_arg_int64(self, "--after", after, 0, &req.after_seq);
    if (rc != 0)
        return cli_args_exit(rc);
    if (entity != NULL)
        req.entity = (char *)entity;
    return cli_list_run(ctx, self, SVC "List", &req.base, &req.page, &paging,
                        &ssc__v1__list_audit_response__descriptor, &entry_view);
}

static int run_verify(cli_ctx *ctx, const cli_cmd *self, int argc, char **argv)
{
    Ssc__V1__VerifyAuditRequest req = SSC__V1__VERIFY_AUDIT_REQUEST__INIT;
    const cli_opt opts[] = {{NULL}};
    ProtobufCMessage *msg;
    const Ssc__V1__VerifyAuditResponse *r;
    int rc = cli_args_parse(self, argc, argv, opts, NULL, NULL, 0);

    if (rc != 0)
        return cli_args_exit(rc);
    rc = cli_call(ctx, self, SVC "Verify", &req.base,
                  &ssc__v1__verify_audit_response__descriptor, &msg, 0);
    if (rc != 0)
        return rc;
    r = (const Ssc__V1__VerifyAuditResponse *)msg;
    if (ctx->json)
        cli_print_json(cli_json_from_msg(msg));
    else if (r->ok)
        printf("audit chain intact: %" PRId64 " entries\n", r->entries_checked);
    else
        printf("audit chain broken at seq %" PRId64 ": %s\n",
               r->first_broken_seq, r->reason);
    rc = r->ok ? CLI_EXIT_OK : CLI_EXIT_ANSWERED;
    protobuf_c_message_free_unpacked(msg, NULL);
    return rc;
}

static const cli_cmd audit_list = {
    .name = "audit list",
    .args = "[--after SEQ] [--entity E] [--page-size N] [--page-token T] "
            "[--all]",
    .summary = "show the audit trail, by seq",
    .help =
        "Lists audit entries in seq order, one page unless --all: seq, when,\n"
        "who (the certificate's principal), the method, and the entity\n"
        "changed. With --json: {\"entries\": [...], \"next_page_token\": T},\n"
        "each entry also with before and after (the entity as JSON, null\n"
        "for none) and the hashes that chain it (hex).\n"
        "A ministry or reconciler sees only its own organisation's entries.\n"
        "\n"
        "  --after SEQ       only entries after seq SEQ\n"
        "  --entity E        only changes of entity E (organisation,\n"
        "                    principal)\n"
        "  --page-size N     items per page (the server caps it at 500)\n"
        "  --page-token T    start at the page a previous list pointed to\n"
        "  --all             follow the pages to the end\n",
    .run = run_list,
};

static const cli_cmd audit_verify = {
    .name = "audit verify",
    .args = "",
    .summary = "check the audit trail's hash chain",
    .help =
        "Asks the server to recompute the hash chain of the whole audit\n"
        "trail. Prints \"audit chain intact: N entries\" and exits 0, or\n"
        "\"audit chain broken at seq S: REASON\" and exits 1. With --json:\n"
        "{\"ok\", \"entries_checked\", \"first_broken_seq\", \"reason\"}.\n",
    .run = run_verify,
};

static const cli_cmd *const audit_verbs[] = {&audit_list, &audit_verify, NULL};

const cli_cmd cli_cmd_audit = {
    .name = "audit",
    .args = "VERB [ARGS]",
    .summary = "the audit trail: list, verify",
    .help = "The audit trail: every change, who made it, when, before and\n"
            "after, each entry hashed together with the one before it so\n"
            "that a rewritten entry shows.\n",
    .verbs = audit_verbs,
};
