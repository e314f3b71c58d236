/*
 * cmd_pool.c - `ssc pool add|show|list|adjust|adjustments` (ssc.v1.Pools),
 * as tables of flags (verb.h).
 *
 * A pool is one fiscal year's money in one currency; its total changes
 * only by adjustments on record (top-ups and reductions). Tables show
 * amounts in major units ("25,000,000.00", output.h); flags take them in
 * minor units, as every amount flag of ssc does (--monthly, --ceiling).
 * `pool show` on a terminal, without --json, also draws the pool as a bar
 * (bar.h): committed and disbursed, committed and not disbursed,
 * available, with a legend of the amounts.
 *
 * Entry points: cli_cmd_pool.
 */
#include "bar.h"
#include "cli.h"
#include "exit.h"
#include "output.h"
#include "verb.h"

#include "ssc/v1/pools.pb-c.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define SVC "/ssc.v1.Pools/"
#define BAR_WIDEST 60 /* cells, however wide the terminal */

#define V1(stem) ssc__v1__##stem

static const cli_column pool_columns[] = {
    {"ID", "id"},
    {"YEAR", "fiscal_year"},
    {"CUR", "currency"},
    {"TOTAL", "total"},
    {"COMMITTED", "committed"},
    {"DISBURSED", "disbursed"},
    {"AVAILABLE", "available"},
    {"ALLOCATIONS", "allocations"},
    {"VERSION", "version"},
    {"NAME", "name"},
    {NULL, NULL},
};

static const cli_view pool_view = {
    .desc = &ssc__v1__pool__descriptor,
    .columns = pool_columns,
    .list_key = "pools",
};

static const cli_column adjusted_columns[] = {
    {"POOL", "pool.id"},
    {"ADJUSTMENT", "adjustment.id"},
    {"KIND", "adjustment.kind"},
    {"CUR", "adjustment.amount.currency"},
    {"AMOUNT", "adjustment.amount"},
    {"TOTAL", "pool.total"},
    {"COMMITTED", "pool.committed"},
    {"AVAILABLE", "pool.available"},
    {"VERSION", "pool.version"},
    {"REASON", "adjustment.reason"},
    {NULL, NULL},
};

static const cli_view adjusted_view = {
    .desc = &ssc__v1__adjust_pool_response__descriptor,
    .columns = adjusted_columns,
};

static const cli_column adjustment_columns[] = {
    {"ID", "id"},
    {"POOL", "pool_id"},
    {"KIND", "kind"},
    {"CUR", "amount.currency"},
    {"AMOUNT", "amount"},
    {"TOTAL_AFTER", "total_after"},
    {"PRINCIPAL", "principal"},
    {"AT", "at"},
    {"REASON", "reason"},
    {NULL, NULL},
};

static const cli_view adjustment_view = {
    .desc = &ssc__v1__pool_adjustment__descriptor,
    .columns = adjustment_columns,
    .list_key = "adjustments",
};

/* ---- the bar --------------------------------------------------------------
 */

/* The bar's cells: the terminal's width less the brackets, at most
 * BAR_WIDEST (80 columns when the terminal does not say). */
static int bar_width(void)
{
    struct winsize ws;
    int cols = 80;

    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        cols = ws.ws_col;
    cols -= 2;
    return cols < CLI_BAR_MIN  ? CLI_BAR_MIN
           : cols > BAR_WIDEST ? BAR_WIDEST
                               : cols;
}

/* Does the locale (LC_ALL, else LC_CTYPE, else LANG) speak UTF-8? */
static int utf8_locale(void)
{
    static const char *const vars[] = {"LC_ALL", "LC_CTYPE", "LANG"};

    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
        const char *v = getenv(vars[i]);

        if (v != NULL && v[0] != '\0')
            return strcasestr(v, "utf-8") != NULL ||
                   strcasestr(v, "utf8") != NULL;
    }
    return 0;
}

static int64_t amount_of(const Ssc__V1__Money *m)
{
    return m != NULL ? m->amount_minor : 0;
}

/* The pool as a table row and, on a terminal without --json, its bar. */
static int pool_answer(cli_ctx *ctx, const cli_cmd *self,
                       const ProtobufCMessage *resp)
{
    const Ssc__V1__Pool *p = (const Ssc__V1__Pool *)resp;
    cli_bar_figures fig = {amount_of(p->total), amount_of(p->committed),
                           amount_of(p->disbursed)};

    cli_print_msg(ctx, &pool_view, resp);
    if (ctx->json || !cli_stdout_tty())
        return 0;
    fputc('\n', stdout);
    if (cli_bar_print(stdout, &fig, p->currency, bar_width(), utf8_locale()) !=
        0)
        return cli_error(self, CLI_EXIT_ANSWERED,
                         "no bar: the server's figures break 0 <= disbursed "
                         "<= committed <= total");
    return 0;
}

/* ---- the verbs --------------------------------------------------------------
 */

static const cli_flag id_arg[] = {{"ID", "id", NULL, NULL, 0, 1}, {NULL}};
static const cli_flag pool_arg[] = {{"ID", "pool_id", NULL, NULL, 0, 1},
                                    {NULL}};

static const cli_verb pool_add = {
    CLI_VERB("pool add", "open a funding pool", SVC "Create", CLI_WRITE,
             V1(create_pool_request), V1(pool), &pool_view),
    .intro = "Opens the pool of a fiscal year and currency with its initial\n"
             "total (an adjustment on record), and prints it. Secretariat\n"
             "only; one pool per year and currency.\n",
    .flags = CLI_FLAGS({"--name", "name", "N", "its name, 1 to 200 characters",
                        CLI_F_REQUIRED},
                       {"--year", "fiscal_year", "YYYY",
                        "the fiscal year, 2000 to 2100", CLI_F_REQUIRED, 1},
                       {"--total", "total.amount_minor", "AMOUNT",
                        "the initial total in minor units (øre,\n"
                        "cents): 10000000000 for DKK 100,000,000.00",
                        CLI_F_REQUIRED, 0},
                       {"--currency", "total.currency", "CCC",
                        "the pool's ISO 4217 code (DKK, EUR)", CLI_F_REQUIRED}),
};

static const cli_verb pool_show = {
    CLI_VERB("pool show", "show a pool's figures", SVC "Get", CLI_READ,
             V1(get_pool_request), V1(pool), NULL),
    .intro =
        "Prints pool ID: its total, what allocations hold (committed), what\n"
        "was paid out of them (disbursed) and what is left (available =\n"
        "total - committed), all of one snapshot. On a terminal, without\n"
        "--json, a bar under it shows the three parts in proportion, with\n"
        "their amounts (block characters under a UTF-8 locale, else #, +\n"
        "and .). NOT_FOUND (exit 6) when there is none.\n",
    .positional = id_arg,
    .answer = pool_answer,
};

static const cli_verb pool_list = {
    CLI_VERB("pool list", "list pools, by id", SVC "List", CLI_LIST,
             V1(list_pools_request), V1(list_pools_response), &pool_view),
    .intro = "Lists pools in id order, one page unless --all. With --json:\n"
             "{\"pools\": [...], \"next_page_token\": T}.\n",
    .flags = CLI_FLAGS(
        {"--year", "fiscal_year", "YYYY", "only those of this fiscal year", 0,
         1},
        {"--currency", "currency", "CCC", "only those in this currency"}),
};

static const cli_verb pool_adjust = {
    CLI_VERB("pool adjust", "top up or reduce a pool", SVC "Adjust", CLI_WRITE,
             V1(adjust_pool_request), V1(adjust_pool_response), &adjusted_view),
    .intro =
        "Records a top-up or a reduction of pool ID's total, and prints the\n"
        "adjustment with the pool's figures after it. Secretariat only. A\n"
        "reduction below what is committed is FAILED_PRECONDITION (exit 5),\n"
        "and the message gives the figures.\n",
    .positional = pool_arg,
    .flags = CLI_FLAGS(
        {"--kind", "kind", "K", "top-up or reduction", CLI_F_REQUIRED},
        {"--amount", "amount.amount_minor", "AMOUNT",
         "by how much, in minor units (øre, cents):\n"
         "500000000 for DKK 5,000,000.00",
         CLI_F_REQUIRED, 1},
        {"--currency", "amount.currency", "CCC",
         "its ISO 4217 code, the pool's", CLI_F_REQUIRED},
        {"--reason", "reason", "TEXT", "why, 1 to 500 characters",
         CLI_F_REQUIRED},
        {"--expected-version", "expected_version", "V",
         "adjust only if the pool is still at version V,\n"
         "else FAILED_PRECONDITION (exit 5)",
         0, 1}),
};

static const cli_verb pool_adjustments = {
    CLI_VERB("pool adjustments", "list a pool's adjustments",
             SVC "ListAdjustments", CLI_LIST, V1(list_adjustments_request),
             V1(list_adjustments_response), &adjustment_view),
    .intro = "Lists the adjustments of pool ID in order: its initial total,\n"
             "then every top-up and reduction, who made it and the total\n"
             "after it. Secretariat and auditor. With --json:\n"
             "{\"adjustments\": [...], \"next_page_token\": T}.\n",
    .positional = pool_arg,
};

static const cli_cmd *const pool_verbs[] = {
    &pool_add.cmd,    &pool_show.cmd,        &pool_list.cmd,
    &pool_adjust.cmd, &pool_adjustments.cmd, NULL};

const cli_cmd cli_cmd_pool = CLI_NOUN(
    "pool", "funding pools: add, show, list, adjust, adjustments",
    "Funding pools: one fiscal year's money in one currency, out of which\n"
    "approved applications are allocated. Tables show amounts in major\n"
    "units; flags take them in minor units (øre, cents).\n",
    pool_verbs);
