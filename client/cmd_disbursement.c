/*
 * cmd_disbursement.c - `ssc disbursement add|show|list|reverse`
 * (ssc.v1.Disbursements), as tables of flags (verb.h).
 *
 * A disbursement pays out of an allocation, never past what remains of
 * it; a mistake is undone by a reversal that names the original, for its
 * whole amount. Nothing is deleted.
 *
 * Entry points: cli_cmd_disbursement.
 */
#include "cli.h"
#include "output.h"
#include "verb.h"

#include "ssc/v1/allocations.pb-c.h"

#define SVC "/ssc.v1.Disbursements/"

#define V1(stem) ssc__v1__##stem

static const cli_column disbursement_columns[] = {
    {"ID", "id"},
    {"ALLOCATION", "allocation_id"},
    {"KIND", "kind"},
    {"CUR", "amount.currency"},
    {"AMOUNT", "amount"},
    {"PAID", "paid_on"},
    {"REVERSES", "reverses_id"},
    {"REVERSED_BY", "reversed_by_id"},
    {"PRINCIPAL", "principal"},
    {"REFERENCE", "reference"},
    {"REASON", "reason"},
    {NULL, NULL},
};

static const cli_view disbursement_view = {
    .desc = &ssc__v1__disbursement__descriptor,
    .columns = disbursement_columns,
    .list_key = "disbursements",
};

static const cli_flag id_arg[] = {{"ID", "id", NULL, NULL, 0, 1}, {NULL}};

static const cli_verb disbursement_add = {
    CLI_VERB("disbursement add", "pay out of an allocation", SVC "Add",
             CLI_WRITE, V1(add_disbursement_request), V1(disbursement),
             &disbursement_view),
    .intro =
        "Records a payment out of an allocation, and prints it. Secretariat\n"
        "only. More than the allocation has left is FAILED_PRECONDITION\n"
        "(exit 5), and the message gives the figures.\n",
    .flags = CLI_FLAGS(
        {"--allocation", "allocation_id", "ID", "the allocation",
         CLI_F_REQUIRED, 1},
        {"--kind", "kind", "K",
         "advance or expense (payroll reconciliation\n"
         "books compensation)",
         CLI_F_REQUIRED},
        {"--amount", "amount.amount_minor", "AMOUNT",
         "in minor units (øre, cents): 500000000 for\n"
         "DKK 5,000,000.00",
         CLI_F_REQUIRED, 1},
        {"--currency", "amount.currency", "CCC",
         "its ISO 4217 code, the allocation's", CLI_F_REQUIRED},
        {"--paid-on", "paid_on", "DATE", "paid on, YYYY-MM-DD (default today)"},
        {"--reference", "reference", "REF",
         "a payment reference, up to 200 characters"}),
};

static const cli_verb disbursement_show = {
    CLI_VERB("disbursement show", "show a disbursement", SVC "Get", CLI_READ,
             V1(get_disbursement_request), V1(disbursement),
             &disbursement_view),
    .intro = "Prints disbursement ID, and the reversal that undid it if one\n"
             "did. NOT_FOUND (exit 6) when there is none.\n",
    .positional = id_arg,
};

static const cli_verb disbursement_list = {
    CLI_VERB("disbursement list", "list disbursements, by id", SVC "List",
             CLI_LIST, V1(list_disbursements_request),
             V1(list_disbursements_response), &disbursement_view),
    .intro = "Lists the disbursements one may read, in id order, one page\n"
             "unless --all. With --json: {\"disbursements\": [...],\n"
             "\"next_page_token\": T}.\n",
    .flags =
        CLI_FLAGS({"--allocation", "allocation_id", "ID",
                   "only those of allocation ID", 0, 1},
                  {"--kind", "kind", "K",
                   "only advance, expense, compensation or\nreversal ones"}),
};

static const cli_verb disbursement_reverse = {
    CLI_VERB("disbursement reverse", "undo a disbursement", SVC "Reverse",
             CLI_WRITE, V1(reverse_disbursement_request), V1(disbursement),
             &disbursement_view),
    .intro = "Records the reversal of disbursement ID, for its whole amount,\n"
             "and prints the reversal. A disbursement is reversed once; a\n"
             "reversal never is (FAILED_PRECONDITION, exit 5).\n",
    .positional = id_arg,
    .flags = CLI_FLAGS({"--reason", "reason", "TEXT",
                        "why, 1 to 500 characters", CLI_F_REQUIRED}),
};

static const cli_cmd *const disbursement_verbs[] = {
    &disbursement_add.cmd, &disbursement_show.cmd, &disbursement_list.cmd,
    &disbursement_reverse.cmd, NULL};

const cli_cmd cli_cmd_disbursement = CLI_NOUN(
    "disbursement", "disbursements: add, show, list, reverse",
    "Disbursements: payments out of allocations, and their reversals.\n"
    "Tables show amounts in major units; --amount takes minor units.\n",
    disbursement_verbs);
