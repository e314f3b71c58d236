/*
 * cmd_secondment.c - `ssc secondment add|show|list|amend|cancel`
 * (ssc.v1.Secondments), as tables of flags (verb.h).
 *
 * A secondment is a named expert of a Danish authority working with a
 * partner authority for a period, at a share of full time (in basis
 * points), and its status (planned, active, completed, cancelled) is as of
 * a date. The monthly compensation is a Money: --monthly and --currency
 * fill its two fields by field path (verb.c), and in amend name
 * monthly_compensation in update_mask once, so they go together.
 *
 * Entry points: cli_cmd_secondment.
 */
#include "cli.h"
#include "output.h"
#include "verb.h"

#include "ssc/v1/secondments.pb-c.h"

#define SVC "/ssc.v1.Secondments/"

#define V1(stem) ssc__v1__##stem

static const cli_column secondment_columns[] = {
    {"ID", "id"},
    {"COLLAB", "collaboration_id"},
    {"EMPLOYER", "employer_id"},
    {"REF", "employee_ref"},
    {"EXPERT", "expert_name"},
    {"FROM", "starts_on"},
    {"TO", "ends_on"},
    {"SHARE_BP", "share_bp"},
    {"MONTHLY", "monthly_compensation.amount_minor"},
    {"CUR", "monthly_compensation.currency"},
    {"STAY", "stay"},
    {"STATUS", "status"},
    {"VERSION", "version"},
    {NULL, NULL},
};

static const cli_view secondment_view = {
    .desc = &ssc__v1__secondment__descriptor,
    .columns = secondment_columns,
    .list_key = "secondments",
};

static const cli_flag id_arg[] = {{"ID", "id", NULL, NULL, 0, 1}, {NULL}};

static const cli_verb secondment_add = {
    CLI_VERB("secondment add", "second an expert to a partner", SVC "Create",
             CLI_WRITE, V1(create_secondment_request), V1(secondment),
             &secondment_view),
    .intro = "Records a secondment under a collaboration and prints it.\n",
    .flags = CLI_FLAGS(
        {"--collab", "collaboration_id", "ID", "the collaboration",
         CLI_F_REQUIRED, 1},
        {"--employer", "employer_id", "ID",
         "the Danish authority employing the expert\n"
         "(default: the calling ministry's organisation)",
         0, 1},
        {"--employee-ref", "employee_ref", "REF",
         "the expert in the employer's payroll system,\n"
         "1 to 64 characters without spaces",
         CLI_F_REQUIRED},
        {"--name", "expert_name", "NAME",
         "the expert's name, 1 to 200 characters", CLI_F_REQUIRED},
        {"--host", "host_id", "ID",
         "the partner authority hosting the expert, in\n"
         "the collaboration's country",
         CLI_F_REQUIRED, 1},
        {"--from", "starts_on", "DATE", "the first day, YYYY-MM-DD",
         CLI_F_REQUIRED},
        {"--to", "ends_on", "DATE", "the last day, YYYY-MM-DD", CLI_F_REQUIRED},
        {"--share-bp", "share_bp", "N",
         "share of full time in basis points, 1 to 10000\n"
         "(5000: half time)",
         CLI_F_REQUIRED, 1},
        {"--monthly", "monthly_compensation.amount_minor", "AMOUNT",
         "monthly compensation in minor units (øre,\n"
         "cents): 6500000 for DKK 65,000.00",
         CLI_F_REQUIRED, 0},
        {"--currency", "monthly_compensation.currency", "CCC",
         "its ISO 4217 code (DKK, EUR)", CLI_F_REQUIRED},
        {"--contract", "contract_id", "ID",
         "the contract (an agreement of kind contract)\nit is under", 0, 1},
        {"--staff-category", "staff_category", "NAME",
         "its staff category in that contract (with\n"
         "--contract), whose rate caps --monthly"}),
};

static const cli_verb secondment_show = {
    CLI_VERB("secondment show", "show one secondment", SVC "Get", CLI_READ,
             V1(get_secondment_request), V1(secondment), &secondment_view),
    .intro = "Prints secondment ID with its status as of a date (default\n"
             "today); NOT_FOUND (exit 6) when there is none.\n",
    .positional = id_arg,
    .flags = CLI_FLAGS(
        {"--as-of", "as_of", "DATE", "the date to show it as of, YYYY-MM-DD"}),
};

static const cli_verb secondment_list = {
    CLI_VERB("secondment list", "list secondments, by id", SVC "List", CLI_LIST,
             V1(list_secondments_request), V1(list_secondments_response),
             &secondment_view),
    .intro = "Lists secondments in id order, one page unless --all. With\n"
             "--json: {\"secondments\": [...], \"next_page_token\": T}.\n",
    .flags = CLI_FLAGS(
        {"--collab", "collaboration_id", "ID", "only those of collaboration ID",
         0, 1},
        {"--employer", "employer_id", "ID", "only those of employer ID", 0, 1},
        {"--employee-ref", "employee_ref", "REF",
         "only this expert's (with --employer)"},
        {"--status", "status", "S",
         "only those planned, active, completed or\ncancelled (as of "
         "--as-of)"},
        {"--as-of", "as_of", "DATE",
         "statuses as of this date, YYYY-MM-DD (default\ntoday)"}),
};

static const cli_verb secondment_amend = {
    CLI_VERB("secondment amend", "change a secondment's dates, share or pay",
             SVC "Amend", CLI_WRITE, V1(amend_secondment_request),
             V1(secondment), &secondment_view),
    .intro =
        "Changes the fields given, and only those (the request's update_mask\n"
        "names them), and prints the secondment with its new version. At\n"
        "least one field is needed; --monthly and --currency go together.\n",
    .positional = id_arg,
    .flags = CLI_FLAGS(
        {"--from", "starts_on", "DATE", "as for `ssc secondment add`",
         CLI_F_MASK},
        {"--to", "ends_on", "DATE", "as for `ssc secondment add`", CLI_F_MASK},
        {"--share-bp", "share_bp", "N", "as for `ssc secondment add`",
         CLI_F_MASK, 1},
        {"--monthly", "monthly_compensation.amount_minor", "AMOUNT",
         "as for `ssc secondment add`", CLI_F_MASK, 0},
        {"--currency", "monthly_compensation.currency", "CCC",
         "as for `ssc secondment add`", CLI_F_MASK},
        {"--name", "expert_name", "NAME", "as for `ssc secondment add`",
         CLI_F_MASK},
        {"--expected-version", "expected_version", "V",
         "change only if the secondment is still\n"
         "at version V, else FAILED_PRECONDITION (exit 5)",
         0, 1}),
};

static const cli_verb secondment_cancel = {
    CLI_VERB("secondment cancel", "cancel a secondment", SVC "Cancel",
             CLI_WRITE, V1(cancel_secondment_request), V1(secondment),
             &secondment_view),
    .intro = "Cancels secondment ID from a date on, and prints it. The row\n"
             "stays.\n",
    .positional = id_arg,
    .flags = CLI_FLAGS({"--on", "on_date", "DATE",
                        "cancelled on, YYYY-MM-DD (default today)"}),
};

static const cli_cmd *const secondment_verbs[] = {
    &secondment_add.cmd,   &secondment_show.cmd,   &secondment_list.cmd,
    &secondment_amend.cmd, &secondment_cancel.cmd, NULL};

const cli_cmd cli_cmd_secondment = CLI_NOUN(
    "secondment", "secondments: add, show, list, amend, cancel",
    "Secondments: a named expert of a Danish authority working with a\n"
    "partner authority for a period, at a share of full time.\n",
    secondment_verbs);
