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
#include "cli.h"
#include "exit.h"
#include "output.h"
#include "verb.h"

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

#define V1(stem) ssc__v1__##stem

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

/* A broken chain is an answer (exit 1), not a failed call. */
static int verify_answer(cli_ctx *ctx, const cli_cmd *self,
                         const ProtobufCMessage *msg)
{
    const Ssc__V1__VerifyAuditResponse *r;

    (void)self;
    r = (const Ssc__V1__VerifyAuditResponse *)msg;
    if (ctx->json)
        cli_print_json(cli_json_from_msg(msg));
    else if (r->ok)
        printf("audit chain intact: %" PRId64 " entries\n", r->entries_checked);
    else
        printf("audit chain broken at seq %" PRId64 ": %s\n",
               r->first_broken_seq, r->reason);
    return r->ok ? CLI_EXIT_OK : CLI_EXIT_ANSWERED;
}

static const cli_verb audit_list = {
    CLI_VERB("audit list", "show the audit trail, by seq", SVC "List", CLI_LIST,
             V1(list_audit_request), V1(list_audit_response), &entry_view),
    .intro =
        "Lists audit entries in seq order, one page unless --all: seq, when,\n"
        "who (the certificate's principal), the method, and the entity\n"
        "changed. With --json: {\"entries\": [...], \"next_page_token\": T},\n"
        "each entry also with before and after (the entity as JSON, null\n"
        "for none) and the hashes that chain it (hex).\n"
        "A ministry or reconciler sees only its own organisation's entries.\n",
    .flags = CLI_FLAGS(
        {"--after", "after_seq", "SEQ", "only entries after seq SEQ", 0, 0},
        {"--entity", "entity", "E",
         "only changes of entity E (organisation,\nprincipal)"}),
};

static const cli_verb audit_verify = {
    CLI_VERB("audit verify", "check the audit trail's hash chain", SVC "Verify",
             CLI_READ, V1(verify_audit_request), V1(verify_audit_response),
             NULL),
    .intro =
        "Asks the server to recompute the hash chain of the whole audit\n"
        "trail. Prints \"audit chain intact: N entries\" and exits 0, or\n"
        "\"audit chain broken at seq S: REASON\" and exits 1. With --json:\n"
        "{\"ok\", \"entries_checked\", \"first_broken_seq\", \"reason\"}.\n",
    .answer = verify_answer,
};

static const cli_cmd *const audit_verbs[] = {&audit_list.cmd, &audit_verify.cmd,
                                             NULL};
const cli_cmd cli_cmd_audit =
    CLI_NOUN("audit", "the audit trail: list, verify",
             "The audit trail: every change, who made it, when, before and\n"
             "after, each entry hashed together with the one before it so\n"
             "that a rewritten entry shows.\n",
             audit_verbs);
