/*
 * cmd_tiers.c - `ssc tiers list|set` (ListTiers and SetTiers of
 * ssc.v1.Applications): the approval tiers by requested amount, per
 * currency, as tables of flags (verb.h).
 *
 * set replaces a currency's tiers with the ones --tiers lists, parsed by
 * the prepare hook here ("1000000000:1,3900000000:2,-:2:council:signoff")
 * and freed by the release hook.
 *
 * Entry points: cli_cmd_tiers.
 */
#include "cli.h"
#include "exit.h"
#include "output.h"
#include "verb.h"

#include "mem.h"

#include "ssc/v1/applications.pb-c.h"

#include <stdlib.h>
#include <string.h>

#define SVC "/ssc.v1.Applications/"
#define MAX_TIERS 10

#define V1(stem) ssc__v1__##stem

static const cli_column tier_columns[] = {
    {"CUR", "currency"},          {"UP_TO", "up_to"},
    {"APPROVALS", "approvals"},   {"COUNCIL", "needs_council"},
    {"SIGNOFF", "needs_signoff"}, {NULL, NULL},
};

static const cli_view tier_view = {
    .desc = &ssc__v1__approval_tier__descriptor,
    .columns = tier_columns,
};

/* The tiers as a table, or the response's JSON ({"tiers": [...]}). */
static int tiers_answer(cli_ctx *ctx, const cli_cmd *self,
                        const ProtobufCMessage *resp)
{
    const Ssc__V1__ListTiersResponse *r =
        (const Ssc__V1__ListTiersResponse *)resp;

    if (ctx->json)
        cli_print_json(cli_json_from_msg(resp));
    else
        cli_print_msgs(ctx, &tier_view,
                       (const ProtobufCMessage *const *)r->tiers, r->n_tiers,
                       NULL);
    return 0;
}

/* ---- --tiers --------------------------------------------------------------
 */

static void free_tiers(ProtobufCMessage *req)
{
    Ssc__V1__SetTiersRequest *r = (Ssc__V1__SetTiersRequest *)req;

    for (size_t i = 0; i < r->n_tiers; i++) {
        free(r->tiers[i]->up_to);
        free(r->tiers[i]);
    }
    free(r->tiers);
    r->tiers = NULL;
    r->n_tiers = 0;
}

/* Parses one tier, "LIMIT:APPROVALS[:council][:signoff]" with LIMIT in
 * minor units or "-" for none, into t (its currency set by the caller).
 * Returns 0, or -1 when it is not one. */
static int parse_tier(char *spec, Ssc__V1__ApprovalTier *t)
{
    char *save = NULL, *end;
    char *limit = strtok_r(spec, ":", &save);
    char *approvals = strtok_r(NULL, ":", &save);
    long long n;

    if (limit == NULL || approvals == NULL)
        return -1;
    if (strcmp(limit, "-") != 0) {
        n = strtoll(limit, &end, 10);
        if (*end != '\0' || end == limit || n <= 0)
            return -1;
        t->up_to = ssc_xmalloc(sizeof(*t->up_to));
        ssc__v1__money__init(t->up_to);
        t->up_to->amount_minor = n;
    }
    n = strtoll(approvals, &end, 10);
    if (*end != '\0' || end == approvals || n < 0 || n > 1000)
        return -1;
    t->approvals = (int32_t)n;
    for (char *w = strtok_r(NULL, ":", &save); w != NULL;
         w = strtok_r(NULL, ":", &save)) {
        if (strcmp(w, "council") == 0)
            t->needs_council = 1;
        else if (strcmp(w, "signoff") == 0)
            t->needs_signoff = 1;
        else
            return -1;
    }
    return 0;
}

/* --tiers "T1,T2,...": each tier in the currency of the request. The
 * server judges the rules (limits increasing, the last without one, 1 to 5
 * approvals); the form is checked here. */
static int read_tiers(const cli_cmd *self, cli_given *given,
                      ProtobufCMessage *req)
{
    Ssc__V1__SetTiersRequest *r = (Ssc__V1__SetTiersRequest *)req;
    char *copy = ssc_xstrdup(given->flag[1]), *save = NULL;
    int rc = 0;

    r->tiers = ssc_xcalloc(MAX_TIERS, sizeof(*r->tiers));
    for (char *spec = strtok_r(copy, ",", &save); spec != NULL && rc == 0;
         spec = strtok_r(NULL, ",", &save)) {
        Ssc__V1__ApprovalTier *t;

        if (r->n_tiers == MAX_TIERS) {
            rc = cli_usage(self, "--tiers: at most %d tiers", MAX_TIERS);
            break;
        }
        t = ssc_xmalloc(sizeof(*t));
        ssc__v1__approval_tier__init(t);
        t->currency = r->currency;
        r->tiers[r->n_tiers++] = t;
        if (parse_tier(spec, t) != 0)
            rc = cli_usage(self,
                           "--tiers: tier %zu is not LIMIT:APPROVALS"
                           "[:council][:signoff] (LIMIT in minor units, or "
                           "- for none)",
                           r->n_tiers);
        else if (t->up_to != NULL)
            t->up_to->currency = r->currency;
    }
    free(copy);
    return rc;
}

/* ---- the verbs --------------------------------------------------------------
 */

static const cli_verb tiers_list = {
    CLI_VERB("tiers list", "list the approval tiers", SVC "ListTiers", CLI_READ,
             V1(list_tiers_request), V1(list_tiers_response), NULL),
    .intro = "Lists the approval tiers, by currency and limit: an application\n"
             "is in the first tier of its currency whose limit (UP_TO, in\n"
             "major units; - for none) is at least the requested amount, and\n"
             "needs that many approvals by different principals, and the\n"
             "council's recommendation and a ministerial sign-off where it\n"
             "says so. With --json: {\"tiers\": [...]}.\n",
    .flags = CLI_FLAGS(
        {"--currency", "currency", "CCC", "only this currency's (DKK, EUR)"}),
    .answer = tiers_answer,
};

static const cli_verb tiers_set = {
    CLI_VERB("tiers set", "replace a currency's approval tiers", SVC "SetTiers",
             CLI_WRITE, V1(set_tiers_request), V1(list_tiers_response), NULL),
    .intro = "Replaces the approval tiers of one currency, and prints them.\n"
             "Admin only; audited.\n",
    .flags = CLI_FLAGS({"--currency", "currency", "CCC",
                        "the currency (DKK, EUR)", CLI_F_REQUIRED},
                       {"--tiers", NULL, "LIST",
                        "the tiers, comma-separated, from the lowest:\n"
                        "LIMIT:APPROVALS[:council][:signoff], LIMIT in\n"
                        "minor units, the last one's - (no limit):\n"
                        "1000000000:1,3900000000:2,-:2:council:signoff",
                        CLI_F_REQUIRED}),
    .answer = tiers_answer,
    .prepare = read_tiers,
    .release = free_tiers,
};

static const cli_cmd *const tiers_verbs[] = {&tiers_list.cmd, &tiers_set.cmd,
                                             NULL};

const cli_cmd cli_cmd_tiers = CLI_NOUN(
    "tiers", "approval tiers: list, set",
    "Approval tiers: how many approvals, and whether the council's\n"
    "recommendation and a ministerial sign-off, an application needs by\n"
    "its requested amount, per currency. The admin sets them.\n",
    tiers_verbs);
