/*
 * cmd_application.c - `ssc application new|edit|show|list|submit|withdraw|
 * versions|diff` (ssc.v1.Applications), as tables of flags (verb.h).
 *
 * A ministry drafts an application for a collaboration led in its scope
 * and a target phase; its budget and co-financing lines come from a CSV
 * file (--budget FILE, budget_csv.h), read by the prepare hook here into
 * the request and freed by the release hook. Each submission freezes a
 * numbered version: `versions ID` lists them, `versions ID --number N`
 * shows one (GetVersion, through the verb's switch), `diff ID --from 1
 * --to 2` compares two. The secretariat's steps are `ssc review`
 * (cmd_review.c); both print the application through app_view.h.
 *
 * Entry points: cli_cmd_application.
 */
#include "app_view.h"
#include "budget_csv.h"
#include "cli.h"
#include "exit.h"
#include "output.h"
#include "verb.h"

#include "ssc/v1/applications.pb-c.h"

#include <string.h>

#define SVC "/ssc.v1.Applications/"
#define PHASES "inception, long-term or phase-2"

#define V1(stem) ssc__v1__##stem

/* ---- the budget file -------------------------------------------------------
 */

/* The text given for the verb's flag name, or NULL. */
static const char *flag_given(const cli_cmd *self, const cli_given *given,
                              const char *name)
{
    const cli_flag *f = cli_verb_of(self)->flags;

    for (size_t i = 0; f[i].name != NULL; i++)
        if (strcmp(f[i].name, name) == 0)
            return given->flag[i];
    return NULL;
}

/* The repeated field name of req: where its count and its array are. */
static void lines_field(ProtobufCMessage *req, const char *name, size_t **n,
                        void ***lines)
{
    const ProtobufCFieldDescriptor *d =
        protobuf_c_message_descriptor_get_field_by_name(req->descriptor, name);

    *n = (size_t *)((char *)req + d->quantifier_offset);
    *lines = (void **)((char *)req + d->offset);
}

/* Reads --budget FILE into the request's budget and cofinancing (of a
 * Create or an Edit request); a line without a currency takes --currency.
 * In an edit, both lists are then replaced: update_mask gets budget and
 * cofinancing, after the names the table put there (in given's mask,
 * which lives as long as the request). */
static int read_budget(const cli_cmd *self, cli_given *given,
                       ProtobufCMessage *req)
{
    const char *path = flag_given(self, given, "--budget");
    cli_budget b;
    char err[512];
    size_t *n;
    void **lines;

    if (path == NULL)
        return 0;
    if (cli_budget_read(path, flag_given(self, given, "--currency"), &b, err,
                        sizeof(err)) != 0)
        return cli_error(self, CLI_EXIT_USAGE, "--budget %s", err);
    lines_field(req, "budget", &n, &lines);
    *n = b.n_budget;
    *lines = b.budget;
    lines_field(req, "cofinancing", &n, &lines);
    *n = b.n_cofinancing;
    *lines = b.cofinancing;
    if (req->descriptor == &ssc__v1__edit_application_request__descriptor) {
        Ssc__V1__EditApplicationRequest *e =
            (Ssc__V1__EditApplicationRequest *)req;
        char **mask = given->mask;

        for (size_t i = 0; i < e->n_update_mask; i++)
            mask[i] = e->update_mask[i];
        mask[e->n_update_mask] = "budget";
        mask[e->n_update_mask + 1] = "cofinancing";
        e->update_mask = mask;
        e->n_update_mask += 2;
    }
    return 0;
}

/* Frees what read_budget() put in the request. */
static void free_budget(ProtobufCMessage *req)
{
    cli_budget b;
    size_t *n;
    void **lines;

    lines_field(req, "budget", &n, &lines);
    b.n_budget = *n;
    b.budget = *lines;
    lines_field(req, "cofinancing", &n, &lines);
    b.n_cofinancing = *n;
    b.cofinancing = *lines;
    cli_budget_free(&b);
}

/* ---- the verbs --------------------------------------------------------------
 */

static const cli_flag id_arg[] = {{"ID", "id", NULL, NULL, 0, 1}, {NULL}};
static const cli_flag app_arg[] = {{"ID", "application_id", NULL, NULL, 0, 1},
                                   {NULL}};

static const cli_verb application_new = {
    CLI_VERB("application new", "draft an application for funding",
             SVC "Create", CLI_WRITE, V1(create_application_request),
             V1(application), NULL),
    .intro =
        "Drafts an application of the collaboration's lead authority for a\n"
        "target phase, and prints it. A ministry, for a collaboration led in\n"
        "its scope. The requested amount is derived: the budget total less\n"
        "the co-financing.\n\n"
        "--budget FILE is CSV (client/budget-csv.md) whose first line names\n"
        "the columns, in any order:\n"
        "  kind,category,year,amount,currency,funder,description\n"
        "  budget,staff-compensation,2025,1500000.00,DKK,,Two advisers\n"
        "  cofinancing,,,250000,DKK,EU Interreg,\n"
        "kind is budget or cofinancing; a budget line has a category\n"
        "(staff-compensation, secondment, travel, workshops, analyses,\n"
        "partner-activities, contingency), a four-digit year and may have a\n"
        "description; a co-financing line has a funder: digits name an\n"
        "organisation by id, anything else an external funder. amount is in\n"
        "major units with at most two decimals, without separators; an empty\n"
        "currency is --currency's. kind and amount must be columns; others\n"
        "may be left out. A bad line is a usage error (exit 2, nothing sent)\n"
        "naming the line and column: budget.csv:4: column \"amount\": ...;\n"
        "the server's \"budget line N\" is the file's N-th budget row.\n",
    .flags = CLI_FLAGS(
        {"--collab", "collaboration_id", "ID", "the collaboration",
         CLI_F_REQUIRED, 1},
        {"--phase", "phase", "P", "the phase it funds: " PHASES,
         CLI_F_REQUIRED},
        {"--title", "title", "T", "its title, 1 to 200 characters",
         CLI_F_REQUIRED},
        {"--narrative", "narrative", "TEXT", "up to 20000 characters"},
        {"--from", "starts_on", "DATE",
         "the period's first day, YYYY-MM-DD (needed to\nsubmit)"},
        {"--to", "ends_on", "DATE", "the period's last day, YYYY-MM-DD"},
        {"--currency", "currency", "CCC",
         "its ISO 4217 code (DKK, EUR): every line's", CLI_F_REQUIRED},
        {"--budget", NULL, "FILE", "its budget and co-financing lines (CSV)"}),
    .answer = cli_app_answer,
    .prepare = read_budget,
    .release = free_budget,
};

static const cli_verb application_edit = {
    CLI_VERB("application edit", "change a draft or returned application",
             SVC "Edit", CLI_WRITE, V1(edit_application_request),
             V1(application), NULL),
    .intro =
        "Changes the fields given, and only those (update_mask names them),\n"
        "of a draft or returned application, and prints it. --budget FILE\n"
        "(as for `ssc application new`) replaces both the budget and the\n"
        "co-financing lines; a line without a currency then needs\n"
        "--currency.\n",
    .positional = id_arg,
    .flags = CLI_FLAGS(
        {"--phase", "phase", "P", PHASES, CLI_F_MASK},
        {"--title", "title", "T", "as for `ssc application new`", CLI_F_MASK},
        {"--narrative", "narrative", "TEXT", "as for `ssc application new`",
         CLI_F_MASK},
        {"--from", "starts_on", "DATE", "as for `ssc application new`",
         CLI_F_MASK},
        {"--to", "ends_on", "DATE", "as for `ssc application new`", CLI_F_MASK},
        {"--currency", "currency", "CCC", "the application's new currency",
         CLI_F_MASK},
        {"--budget", NULL, "FILE", "all its budget and co-financing lines",
         CLI_F_MASK},
        {"--expected-version", "expected_version", "V",
         "change only if the application is still at\n"
         "version V, else FAILED_PRECONDITION (exit 5)",
         0, 1}),
    .answer = cli_app_answer,
    .prepare = read_budget,
    .release = free_budget,
};

static const cli_verb application_show = {
    CLI_VERB("application show", "show an application in full", SVC "Get",
             CLI_READ, V1(get_application_request), V1(application), NULL),
    .intro =
        "Prints application ID: its row, period, budget lines, co-financing\n"
        "lines with each share of the budget as the server derives it (the\n"
        "percentage rounded half up to two decimals, and the exact fraction\n"
        "in minor units), the figures, and where the decision on the\n"
        "submitted version stands. NOT_FOUND (exit 6) when there is none.\n",
    .positional = id_arg,
    .answer = cli_app_answer,
};

static const cli_verb application_list = {
    CLI_VERB("application list", "list applications, by id", SVC "List",
             CLI_LIST, V1(list_applications_request),
             V1(list_applications_response), &cli_app_view),
    .intro = "Lists the applications one may read, in id order, one page\n"
             "unless --all. With --json: {\"applications\": [...],\n"
             "\"next_page_token\": T}.\n",
    .flags = CLI_FLAGS({"--collab", "collaboration_id", "ID",
                        "only those of collaboration ID", 0, 1},
                       {"--applicant", "applicant_id", "ID",
                        "only those of organisation ID", 0, 1},
                       {"--status", "status", "S",
                        "only those draft, submitted, under-review,\n"
                        "approved, rejected, returned or withdrawn"}),
};

#define EXPECTED_VERSION                                                       \
    {                                                                          \
        "--expected-version", "expected_version", "V",                         \
            "act only if the application is still at version\n"                \
            "V, else FAILED_PRECONDITION (exit 5)",                            \
            0, 1                                                               \
    }

static const cli_verb application_submit = {
    CLI_VERB("application submit", "submit an application", SVC "Submit",
             CLI_WRITE, V1(application_step_request), V1(application), NULL),
    .intro = "Submits draft or returned application ID, freezing its content\n"
             "as the next numbered version, and prints it. It needs a period\n"
             "and budget lines that leave an amount to request.\n",
    .positional = id_arg,
    .flags = CLI_FLAGS(EXPECTED_VERSION),
    .answer = cli_app_answer,
};

static const cli_verb application_withdraw = {
    CLI_VERB("application withdraw",
             "withdraw an application before a "
             "decision",
             SVC "Withdraw", CLI_WRITE, V1(application_step_request),
             V1(application), NULL),
    .intro = "Withdraws application ID before it is decided, and prints it.\n",
    .positional = id_arg,
    .flags = CLI_FLAGS(
        {"--reason", "reason", "TEXT", "why, recorded as a comment (optional)"},
        EXPECTED_VERSION),
    .answer = cli_app_answer,
};

static const cli_verb application_version = {
    CLI_VERB("application versions", "show one version", SVC "GetVersion",
             CLI_READ, V1(get_version_request), V1(application_version), NULL),
    .intro = "Prints version --number of application ID in full.\n",
    .positional = app_arg,
    .flags = CLI_FLAGS({"--number", "number", "N", "the version", 0, 1}),
    .answer = cli_app_version_answer,
};

static const cli_verb application_versions = {
    CLI_VERB("application versions", "list or show submitted versions",
             SVC "ListVersions", CLI_LIST, V1(list_versions_request),
             V1(list_versions_response), &cli_app_version_view),
    .intro =
        "Lists the versions of application ID, one per submission, frozen\n"
        "as submitted, one page unless --all. With --number N, prints\n"
        "version N in full instead (GetVersion; NOT_FOUND, exit 6, when\n"
        "there is none). With --json: {\"versions\": [...],\n"
        "\"next_page_token\": T}, or the version.\n",
    .positional = app_arg,
    .flags = CLI_FLAGS({"--number", NULL, "N", "show version N in full"}),
    .switch_flag = "--number",
    .switch_to = &application_version,
};

static const cli_verb application_diff = {
    CLI_VERB("application diff", "compare two versions", SVC "Diff", CLI_READ,
             V1(diff_versions_request), V1(application_diff), NULL),
    .intro =
        "Compares versions --from and --to of application ID: the fields\n"
        "that changed; the budget lines added, removed or changed (matched\n"
        "by category and year), with their amounts and the delta; the\n"
        "co-financing lines likewise (matched by funder), with their shares;\n"
        "and the requested amount with its delta. Amounts in major units.\n",
    .positional = app_arg,
    .flags = CLI_FLAGS(
        {"--from", "from", "N", "the earlier version", CLI_F_REQUIRED, 1},
        {"--to", "to", "N", "the later version", CLI_F_REQUIRED, 1}),
    .answer = cli_app_diff_answer,
};

static const cli_cmd *const application_verbs[] = {&application_new.cmd,
                                                   &application_edit.cmd,
                                                   &application_show.cmd,
                                                   &application_list.cmd,
                                                   &application_submit.cmd,
                                                   &application_withdraw.cmd,
                                                   &application_versions.cmd,
                                                   &application_diff.cmd,
                                                   NULL};

const cli_cmd cli_cmd_application = CLI_NOUN(
    "application",
    "applications for funding: new, edit, show, list, submit, withdraw, "
    "versions, diff",
    "Applications for funding: a ministry drafts one for a collaboration\n"
    "and a target phase, with budget and co-financing lines from a CSV\n"
    "file, and submits it; each submission is a frozen version. The\n"
    "secretariat reviews and decides (`ssc review`).\n",
    application_verbs);
