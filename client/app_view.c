/*
 * app_view.c - applications, versions and diffs for people (app_view.h).
 *
 * Rows go through output.c's views; the parts a view cannot say in one
 * cell per field (a funder that is an id or a name, a share as a
 * percentage and a fraction, the delta of a line) are cli_tables built
 * here. Amounts show in major units; a section's heading names the
 * currency.
 *
 * Entry points: cli_app_view, cli_app_version_view, cli_app_answer(),
 * cli_app_version_answer(), cli_app_diff_answer().
 */
#include "app_view.h"

#include "args.h"
#include "money.h"

#include "ssc/v1/applications.pb-c.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const cli_column app_columns[] = {
    {"ID", "id"},
    {"COLLAB", "collaboration_id"},
    {"APPLICANT", "applicant_id"},
    {"PHASE", "phase"},
    {"STATUS", "status"},
    {"CUR", "currency"},
    {"BUDGET", "figures.budget_total"},
    {"REQUESTED", "figures.requested"},
    {"SUBMITTED", "submitted_version"},
    {"ALLOCATION", "allocation_id"},
    {"VERSION", "version"},
    {"TITLE", "title"},
    {NULL, NULL},
};

const cli_view cli_app_view = {
    .desc = &ssc__v1__application__descriptor,
    .columns = app_columns,
    .list_key = "applications",
};

static const cli_column version_columns[] = {
    {"APPLICATION", "application_id"},
    {"NUMBER", "number"},
    {"PHASE", "phase"},
    {"FROM", "starts_on"},
    {"TO", "ends_on"},
    {"CUR", "currency"},
    {"BUDGET", "figures.budget_total"},
    {"REQUESTED", "figures.requested"},
    {"SUBMITTED_BY", "submitted_by"},
    {"SUBMITTED_AT", "submitted_at"},
    {"TITLE", "title"},
    {NULL, NULL},
};

const cli_view cli_app_version_view = {
    .desc = &ssc__v1__application_version__descriptor,
    .columns = version_columns,
    .list_key = "versions",
};

static const cli_column budget_columns[] = {
    {"CATEGORY", "category"},       {"YEAR", "year"}, {"AMOUNT", "amount"},
    {"DESCRIPTION", "description"}, {NULL, NULL},
};

static const cli_view budget_view = {
    .desc = &ssc__v1__budget_line__descriptor,
    .columns = budget_columns,
};

static const cli_column approval_columns[] = {
    {"PRINCIPAL_ID", "principal_id"},
    {"PRINCIPAL", "principal"},
    {"AT", "at"},
    {"POOL", "pool_id"},
    {"CUR", "amount.currency"},
    {"AMOUNT", "amount"},
    {"VERSION", "version"},
    {NULL, NULL},
};

static const cli_view approval_view = {
    .desc = &ssc__v1__approval__descriptor,
    .columns = approval_columns,
};

/* ---- cells ------------------------------------------------------------------
 */

/* An amount's cell: "1,500.00" ("+1,500.00" with CLI_MONEY_PLUS), or "-"
 * when there is none. */
static const char *money_cell(const Ssc__V1__Money *m, unsigned flags,
                              char buf[CLI_MONEY_LEN])
{
    if (m == NULL)
        return "-";
    cli_money_format(m->amount_minor, NULL, flags, buf, CLI_MONEY_LEN);
    return buf;
}

/* A co-financing line's funder: its name, or "organisation N"; "-" for no
 * line (a diff from a server that sent neither side). */
static const char *funder_cell(const Ssc__V1__CoFinancingLine *l, char *buf,
                               size_t n)
{
    if (l == NULL)
        return "-";
    if (l->funder_name != NULL && l->funder_name[0] != '\0')
        return l->funder_name;
    snprintf(buf, n, "organisation %" PRId64, l->funder_id);
    return buf;
}

/* A share's percentage ("76.61") and fraction ("40377000/52704400"), as the
 * server sent them; "-" when there is none (a budget total of 0). */
static void share_cells(const Ssc__V1__Share *s, const char **pct, char *frac,
                        size_t n)
{
    *pct = s != NULL && s->percent != NULL ? s->percent : "-";
    if (s == NULL)
        snprintf(frac, n, "-");
    else
        snprintf(frac, n, "%" PRId64 "/%" PRId64, s->numerator, s->denominator);
}

static void print_table(cli_table *t)
{
    cli_table_print(t, stdout, cli_bold_ok());
    cli_table_free(t);
}

/* ---- an application's content ---------------------------------------------
 */

static void print_cofinancing(Ssc__V1__CoFinancingLine *const *lines, size_t n)
{
    static const char *const headers[] = {"FUNDER", "AMOUNT", "SHARE",
                                          "FRACTION"};
    static const int right[] = {0, 1, 1, 1};
    cli_table *t = cli_table_new(4, headers, right);

    for (size_t i = 0; i < n; i++) {
        char fbuf[48], amount[CLI_MONEY_LEN], frac[48];
        const char *cells[4];

        cells[0] = funder_cell(lines[i], fbuf, sizeof(fbuf));
        cells[1] = money_cell(lines[i]->amount, 0, amount);
        share_cells(lines[i]->share, &cells[2], frac, sizeof(frac));
        cells[3] = frac;
        cli_table_add(t, cells);
    }
    print_table(t);
}

static void print_figures(const Ssc__V1__Figures *f)
{
    static const char *const headers[] = {"FIGURE", "AMOUNT", "SHARE",
                                          "FRACTION"};
    static const int right[] = {0, 1, 1, 1};
    cli_table *t = cli_table_new(4, headers, right);
    char a[3][CLI_MONEY_LEN], frac[48];
    const char *pct;
    const char *rows[3][4] = {
        {"budget total", money_cell(f->budget_total, 0, a[0]), NULL, NULL},
        {"co-financing", money_cell(f->cofinancing_total, 0, a[1]), NULL, NULL},
        {"requested", money_cell(f->requested, 0, a[2]), NULL, frac},
    };

    share_cells(f->requested_share, &pct, frac, sizeof(frac));
    rows[2][2] = pct;
    for (int i = 0; i < 3; i++)
        cli_table_add(t, rows[i]);
    print_table(t);
}

/* The parts an application and a version share: period, lines, figures. */
static void print_content(cli_ctx *ctx, const char *from, const char *to,
                          const char *currency,
                          Ssc__V1__BudgetLine *const *budget, size_t nbudget,
                          Ssc__V1__CoFinancingLine *const *cofin, size_t ncofin,
                          const Ssc__V1__Figures *figures)
{
    printf("\nperiod: %s to %s\n", from && from[0] ? from : "-",
           to && to[0] ? to : "-");
    printf("\nbudget (%s):\n", currency);
    if (nbudget > 0)
        cli_print_msgs(ctx, &budget_view,
                       (const ProtobufCMessage *const *)budget, nbudget, NULL);
    else
        printf("no lines\n");
    printf("\nco-financing (%s):\n", currency);
    if (ncofin > 0)
        print_cofinancing(cofin, ncofin);
    else
        printf("no lines\n");
    if (figures != NULL) {
        printf("\nfigures (%s):\n", currency);
        print_figures(figures);
    }
}

/* ---- the decision
 * -------------------------------------------------------------- */

static void print_tier(const Ssc__V1__ApprovalTier *t)
{
    char limit[CLI_MONEY_LEN];

    if (t == NULL) {
        printf("no approval tier for this amount\n");
        return;
    }
    if (t->up_to != NULL)
        cli_money_format(t->up_to->amount_minor, t->up_to->currency, 0, limit,
                         sizeof(limit));
    printf("tier: %s%s: %d approval%s%s%s\n",
           t->up_to != NULL ? "up to " : "no upper limit",
           t->up_to != NULL ? limit : "", t->approvals,
           t->approvals == 1 ? "" : "s",
           t->needs_council ? ", a council recommendation" : "",
           t->needs_signoff ? ", a ministerial sign-off" : "");
}

static void print_decision(cli_ctx *ctx, const Ssc__V1__Application *a)
{
    const Ssc__V1__Decision *d = a->decision;

    if (d == NULL)
        return;
    printf("\ndecision on version %d: ", a->submitted_version);
    print_tier(d->tier);
    if (d->n_approvals > 0)
        cli_print_msgs(ctx, &approval_view,
                       (const ProtobufCMessage *const *)d->approvals,
                       d->n_approvals, NULL);
    if (d->recommendation != NULL)
        printf("council recommendation: %s, reference %s (recorded by %s "
               "at %s)\n",
               d->recommendation->on_date, d->recommendation->reference,
               d->recommendation->recorded_by, d->recommendation->at);
    if (d->signoff != NULL)
        printf("ministerial sign-off: by %s on %s, reference %s (recorded by "
               "%s at %s)\n",
               d->signoff->signed_by, d->signoff->on_date,
               d->signoff->reference, d->signoff->recorded_by, d->signoff->at);
    for (size_t i = 0; i < d->n_missing; i++)
        printf("%s%s%s", i == 0 ? "missing: " : ", ", d->missing[i],
               i + 1 == d->n_missing ? "\n" : "");
}

int cli_app_answer(cli_ctx *ctx, const cli_cmd *self,
                   const ProtobufCMessage *resp)
{
    const Ssc__V1__Application *a = (const Ssc__V1__Application *)resp;

    cli_print_msg(ctx, &cli_app_view, resp);
    if (ctx->json)
        return 0;
    print_content(ctx, a->starts_on, a->ends_on, a->currency, a->budget,
                  a->n_budget, a->cofinancing, a->n_cofinancing, a->figures);
    print_decision(ctx, a);
    return 0;
}

int cli_app_version_answer(cli_ctx *ctx, const cli_cmd *self,
                           const ProtobufCMessage *resp)
{
    const Ssc__V1__ApplicationVersion *v =
        (const Ssc__V1__ApplicationVersion *)resp;

    cli_print_msg(ctx, &cli_app_version_view, resp);
    if (ctx->json)
        return 0;
    print_content(ctx, v->starts_on, v->ends_on, v->currency, v->budget,
                  v->n_budget, v->cofinancing, v->n_cofinancing, v->figures);
    return 0;
}

/* ---- differences
 * ------------------------------------------------------------- */

static void word(const ProtobufCEnumDescriptor *d, int value, char *buf,
                 size_t n)
{
    cli_enum_text(d, value, buf, n);
}

/* "a" when the two texts agree (or one is empty), else "a -> b"; NULL
 * ("-") when both are empty. */
static const char *both(const char *a, const char *b, char *buf, size_t n)
{
    a = a != NULL ? a : "";
    b = b != NULL ? b : "";
    if (a[0] == '\0' && b[0] == '\0')
        return NULL;
    if (strcmp(a, b) == 0 || a[0] == '\0' || b[0] == '\0')
        return b[0] != '\0' ? b : a;
    snprintf(buf, n, "%s -> %s", a, b);
    return buf;
}

static void print_budget_diffs(Ssc__V1__BudgetLineDiff *const *d, size_t n)
{
    static const char *const headers[] = {
        "CHANGE", "CATEGORY", "YEAR", "FROM", "TO", "DELTA", "DESCRIPTION"};
    static const int right[] = {0, 0, 1, 1, 1, 1, 0};
    cli_table *t = cli_table_new(7, headers, right);

    for (size_t i = 0; i < n; i++) {
        const Ssc__V1__BudgetLine *l = d[i]->to != NULL ? d[i]->to : d[i]->from;
        char change[32], category[48], year[16], from[CLI_MONEY_LEN],
            to[CLI_MONEY_LEN], delta[CLI_MONEY_LEN], desc[1100];
        const char *cells[7] = {change, category, year, from, to, delta};

        word(&ssc__v1__line_change__descriptor, (int)d[i]->change, change,
             sizeof(change));
        word(&ssc__v1__budget_category__descriptor,
             l != NULL ? (int)l->category : 0, category, sizeof(category));
        snprintf(year, sizeof(year), "%d", l != NULL ? l->year : 0);
        cells[3] = d[i]->from ? money_cell(d[i]->from->amount, 0, from) : "-";
        cells[4] = d[i]->to ? money_cell(d[i]->to->amount, 0, to) : "-";
        cells[5] = money_cell(d[i]->delta, CLI_MONEY_PLUS, delta);
        cells[6] =
            both(d[i]->from ? d[i]->from->description : NULL,
                 d[i]->to ? d[i]->to->description : NULL, desc, sizeof(desc));
        cli_table_add(t, cells);
    }
    print_table(t);
}

static void print_cofinancing_diffs(Ssc__V1__CoFinancingDiff *const *d,
                                    size_t n)
{
    static const char *const headers[] = {"CHANGE", "FUNDER", "FROM",
                                          "TO",     "DELTA",  "SHARE"};
    static const int right[] = {0, 0, 1, 1, 1, 1};
    cli_table *t = cli_table_new(6, headers, right);

    for (size_t i = 0; i < n; i++) {
        const Ssc__V1__CoFinancingLine *f = d[i]->from, *to = d[i]->to;
        char change[32], funder[48], a[CLI_MONEY_LEN], b[CLI_MONEY_LEN],
            delta[CLI_MONEY_LEN], share[64];
        const char *cells[6] = {change};

        word(&ssc__v1__line_change__descriptor, (int)d[i]->change, change,
             sizeof(change));
        cells[1] = funder_cell(to != NULL ? to : f, funder, sizeof(funder));
        cells[2] = f != NULL ? money_cell(f->amount, 0, a) : "-";
        cells[3] = to != NULL ? money_cell(to->amount, 0, b) : "-";
        cells[4] = money_cell(d[i]->delta, CLI_MONEY_PLUS, delta);
        snprintf(share, sizeof(share), "%s -> %s",
                 f && f->share ? f->share->percent : "-",
                 to && to->share ? to->share->percent : "-");
        cells[5] = share;
        cli_table_add(t, cells);
    }
    print_table(t);
}

static void print_requested(const Ssc__V1__ApplicationDiff *d)
{
    const Ssc__V1__Money *f =
        d->from_figures != NULL ? d->from_figures->requested : NULL;
    const Ssc__V1__Money *t =
        d->to_figures != NULL ? d->to_figures->requested : NULL;
    char a[CLI_MONEY_LEN] = "-", b[CLI_MONEY_LEN] = "-",
         delta[CLI_MONEY_LEN] = "-";

    if (f != NULL)
        cli_money_format(f->amount_minor, f->currency, 0, a, sizeof(a));
    if (t != NULL)
        cli_money_format(t->amount_minor, t->currency, 0, b, sizeof(b));
    if (d->requested_delta != NULL)
        cli_money_format(d->requested_delta->amount_minor,
                         d->requested_delta->currency, CLI_MONEY_PLUS, delta,
                         sizeof(delta));
    printf("\nrequested: %s -> %s (%s)\n", a, b, delta);
}

int cli_app_diff_answer(cli_ctx *ctx, const cli_cmd *self,
                        const ProtobufCMessage *resp)
{
    static const cli_column field_columns[] = {
        {"FIELD", "field"}, {"FROM", "from"}, {"TO", "to"}, {NULL, NULL}};
    static const cli_view field_view = {
        .desc = &ssc__v1__field_diff__descriptor,
        .columns = field_columns,
    };
    const Ssc__V1__ApplicationDiff *d = (const Ssc__V1__ApplicationDiff *)resp;

    if (ctx->json) {
        cli_print_json(cli_json_from_msg(resp));
        return 0;
    }
    printf("application %" PRId64 ", version %d -> %d\n", d->application_id,
           d->from, d->to);
    printf("\nfields:\n");
    if (d->n_fields > 0)
        cli_print_msgs(ctx, &field_view,
                       (const ProtobufCMessage *const *)d->fields, d->n_fields,
                       NULL);
    else
        printf("none changed\n");
    printf("\nbudget lines:\n");
    if (d->n_budget > 0)
        print_budget_diffs(d->budget, d->n_budget);
    else
        printf("none changed\n");
    printf("\nco-financing lines:\n");
    if (d->n_cofinancing > 0)
        print_cofinancing_diffs(d->cofinancing, d->n_cofinancing);
    else
        printf("none changed\n");
    print_requested(d);
    return 0;
}
