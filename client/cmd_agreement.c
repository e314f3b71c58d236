/*
 * cmd_agreement.c - `ssc agreement add|show|list|sign|amend|notice|
 * terminate|versions` (ssc.v1.Agreements), as tables of flags (verb.h).
 *
 * Agreements (MoUs, cooperation and framework agreements, contracts) come
 * in versions: add makes a draft version 1, amend a new version from a
 * date, and the status (draft, signed, active, notice-given, expired,
 * terminated) is always as of a date. A contract's terms are a nested
 * message: --tasks and --ceiling fill it by field path, --staff-category
 * NAME=AMOUNT as pairs (verb.c), and the prepare hook here gives every
 * amount the one --currency.
 *
 * Entry points: cli_cmd_agreement.
 */
#include "cli.h"
#include "output.h"
#include "verb.h"

#include "ssc/v1/agreements.pb-c.h"

#include <string.h>

#define SVC "/ssc.v1.Agreements/"
#define STATUSES "draft, signed, active,\nnotice-given, expired or terminated"

#define V1(stem) ssc__v1__##stem

static const cli_column agreement_columns[] = {
    {"ID", "id"},
    {"KIND", "kind"},
    {"STATUS", "status"},
    {"COLLAB", "collaboration_id"},
    {"PARTIES", "party_ids"},
    {"FROM", "in_force.effective_from"},
    {"TO", "in_force.effective_to"},
    {"ENDS", "ends_on"},
    {"VERSIONS", "versions"},
    {"TITLE", "title"},
    {NULL, NULL},
};

static const cli_view agreement_view = {
    .desc = &ssc__v1__agreement__descriptor,
    .columns = agreement_columns,
    .list_key = "agreements",
};

static const cli_column version_columns[] = {
    {"NUMBER", "number"},
    {"SIGNED", "signed_on"},
    {"FROM", "effective_from"},
    {"TO", "effective_to"},
    {"NOTICE", "notice_months"},
    {"REVIEW", "review_on"},
    {"CEILING", "contract.ceiling.amount_minor"},
    {"CURRENCY", "contract.ceiling.currency"},
    {"SCOPE", "scope"},
    {NULL, NULL},
};

static const cli_view version_view = {
    .desc = &ssc__v1__agreement_version__descriptor,
    .columns = version_columns,
    .list_key = "versions",
};

/* The text given for the verb's --currency. */
static const char *currency_given(const cli_cmd *self, const cli_given *given)
{
    const cli_flag *f = cli_verb_of(self)->flags;

    for (size_t i = 0; f[i].name != NULL; i++)
        if (strcmp(f[i].name, "--currency") == 0)
            return given->flag[i];
    return NULL;
}

/* --currency is the currency of the ceiling and of every staff category's
 * rate in the request's contract terms (of add or amend); it is needed with
 * them and only with them. */
static int contract_currency(const cli_cmd *self, cli_given *given,
                             ProtobufCMessage *msg)
{
    const ProtobufCFieldDescriptor *d =
        protobuf_c_message_descriptor_get_field_by_name(msg->descriptor,
                                                        "contract");
    Ssc__V1__ContractTerms *c =
        *(Ssc__V1__ContractTerms **)((char *)msg + d->offset);
    const char *currency = currency_given(self, given);
    int money = c != NULL && (c->ceiling != NULL || c->n_staff_categories > 0);

    if (money && currency == NULL)
        return cli_usage(self, "--ceiling and --staff-category need "
                               "--currency");
    if (!money && currency != NULL)
        return cli_usage(self, "--currency goes with --ceiling or "
                               "--staff-category");
    if (!money)
        return 0;
    if (c->ceiling != NULL)
        c->ceiling->currency = (char *)currency;
    for (size_t i = 0; i < c->n_staff_categories; i++)
        c->staff_categories[i]->max_monthly_rate->currency = (char *)currency;
    return 0;
}

static const cli_flag id_arg[] = {{"ID", "id", NULL, NULL, 0, 1}, {NULL}};

static const cli_verb agreement_add = {
    CLI_VERB("agreement add", "draft an agreement", SVC "Create", CLI_WRITE,
             V1(create_agreement_request), V1(agreement), &agreement_view),
    .intro = "Drafts an agreement, its version 1 unsigned, and prints it.\n"
             "Only a contract has contract terms: --ceiling and --currency,\n"
             "with --tasks and --staff-category as wanted.\n",
    .flags = CLI_FLAGS(
        {"--kind", "kind", "K", "mou, cooperation, framework or contract",
         CLI_F_REQUIRED},
        {"--title", "title", "T", "its title, 1 to 200 characters",
         CLI_F_REQUIRED},
        {"--collab", "collaboration_id", "ID",
         "the collaboration it belongs to, if any", 0, 1},
        {"--party", "party_ids", "ID",
         "an organisation that is party to it; once per\n"
         "party, at least two",
         CLI_F_REQUIRED, 1},
        {"--from", "effective_from", "DATE", "in effect from, YYYY-MM-DD",
         CLI_F_REQUIRED},
        {"--to", "effective_to", "DATE",
         "in effect to, YYYY-MM-DD (default: open-ended)"},
        {"--notice-months", "notice_months", "N",
         "the notice period in months, 0 to 120", 0, 0},
        {"--review-on", "review_on", "DATE", "a review or decision date"},
        {"--scope", "scope", "TEXT", "what it covers, up to 8000 characters"},
        {"--tasks", "contract.tasks", "TEXT", "a contract's tasks"},
        {"--ceiling", "contract.ceiling.amount_minor", "AMOUNT",
         "a contract's ceiling in minor units (øre,\n"
         "cents): 150000000 for DKK 1,500,000.00",
         0, 0},
        {"--currency", NULL, "CCC",
         "ISO 4217 code (DKK, EUR) of the ceiling and\n"
         "the staff categories' rates"},
        {"--staff-category", "contract.staff_categories", "NAME=AMOUNT",
         "a contract's staff category and its highest\n"
         "monthly rate in minor units (senior=9500000);\n"
         "once per category",
         0, 0}),
    .prepare = contract_currency,
};

static const cli_verb agreement_show = {
    CLI_VERB("agreement show", "show one agreement", SVC "Get", CLI_READ,
             V1(get_agreement_request), V1(agreement), &agreement_view),
    .intro = "Prints agreement ID, its status and the version in force as of\n"
             "a date (default today); NOT_FOUND (exit 6) when there is none.\n"
             "--json adds the whole version in force.\n",
    .positional = id_arg,
    .flags = CLI_FLAGS(
        {"--as-of", "as_of", "DATE", "the date to show it as of, YYYY-MM-DD"}),
};

static const cli_verb agreement_list = {
    CLI_VERB("agreement list", "list agreements, by id", SVC "List", CLI_LIST,
             V1(list_agreements_request), V1(list_agreements_response),
             &agreement_view),
    .intro = "Lists agreements in id order, one page unless --all, each as of\n"
             "a date (default today). With --json: {\"agreements\": [...],\n"
             "\"next_page_token\": T}.\n",
    .flags = CLI_FLAGS(
        {"--as-of", "as_of", "DATE", "statuses as of this date, YYYY-MM-DD"},
        {"--status", "status", "S", "only those with status " STATUSES},
        {"--kind", "kind", "K", "only this kind (mou, ...)"},
        {"--collab", "collaboration_id", "ID", "only those of collaboration ID",
         0, 1},
        {"--party", "party_id", "ID", "only those ID is party to", 0, 1}),
};

static const cli_verb agreement_sign = {
    CLI_VERB("agreement sign", "record that an agreement was signed",
             SVC "Sign", CLI_WRITE, V1(sign_agreement_request), V1(agreement),
             &agreement_view),
    .intro = "Records that the draft of agreement ID was signed, and prints\n"
             "it.\n",
    .positional = id_arg,
    .flags = CLI_FLAGS(
        {"--on", "signed_on", "DATE", "signed on, YYYY-MM-DD (default today)"}),
};

static const cli_verb agreement_amend = {
    CLI_VERB("agreement amend", "make a new version of an agreement",
             SVC "Amend", CLI_WRITE, V1(amend_agreement_request), V1(agreement),
             &agreement_view),
    .intro =
        "Makes a new version of agreement ID in effect from --from, and\n"
        "prints the agreement. The fields given change (the request's\n"
        "update_mask names them; at least one is needed), the rest are the\n"
        "previous version's. Only a signed agreement not under notice can\n"
        "be amended, else FAILED_PRECONDITION (exit 5).\n",
    .positional = id_arg,
    .flags = CLI_FLAGS(
        {"--from", "effective_from", "DATE",
         "the new version is in effect from, YYYY-MM-DD", CLI_F_REQUIRED},
        {"--signed-on", "signed_on", "DATE",
         "when it was signed (default: --from)"},
        {"--to", "effective_to", "DATE", "in effect to, YYYY-MM-DD",
         CLI_F_MASK},
        {"--open-ended", "open_ended", NULL,
         "no end date any more (instead of --to)", CLI_F_MASK},
        {"--notice-months", "notice_months", "N",
         "the notice period in months, 0 to 120", CLI_F_MASK, 0},
        {"--review-on", "review_on", "DATE",
         "a review or decision date; \"\" for none", CLI_F_MASK},
        {"--scope", "scope", "TEXT", "what it covers, up to 8000 characters",
         CLI_F_MASK},
        {"--tasks", "contract.tasks", "TEXT",
         "a contract's tasks. --tasks, --ceiling,\n"
         "--currency and --staff-category give new\n"
         "contract terms, replacing the old ones whole",
         CLI_F_MASK},
        {"--ceiling", "contract.ceiling.amount_minor", "AMOUNT",
         "as for `ssc agreement add`", CLI_F_MASK, 0},
        {"--currency", NULL, "CCC", "as for `ssc agreement add`"},
        {"--staff-category", "contract.staff_categories", "NAME=AMOUNT",
         "as for `ssc agreement add`", CLI_F_MASK, 0}),
    .prepare = contract_currency,
};

static const cli_verb agreement_notice = {
    CLI_VERB("agreement notice", "record notice given on an agreement",
             SVC "GiveNotice", CLI_WRITE, V1(give_notice_request),
             V1(agreement), &agreement_view),
    .intro = "Records that a party gave notice on agreement ID, and prints\n"
             "it: it ends at the notice date plus its notice period.\n",
    .positional = id_arg,
    .flags =
        CLI_FLAGS({"--by", "by_party_id", "ID", "the party giving notice",
                   CLI_F_REQUIRED, 1},
                  {"--on", "on_date", "DATE",
                   "the date notice was given, YYYY-MM-DD", CLI_F_REQUIRED}),
};

static const cli_verb agreement_terminate = {
    CLI_VERB("agreement terminate", "end an agreement on a date",
             SVC "Terminate", CLI_WRITE, V1(terminate_agreement_request),
             V1(agreement), &agreement_view),
    .intro = "Terminates agreement ID on a date, and prints it.\n",
    .positional = id_arg,
    .flags = CLI_FLAGS({"--on", "on_date", "DATE",
                        "the date it ends, YYYY-MM-DD", CLI_F_REQUIRED}),
};

static const cli_verb agreement_versions = {
    CLI_VERB("agreement versions", "list an agreement's versions",
             SVC "ListVersions", CLI_LIST, V1(list_agreement_versions_request),
             V1(list_agreement_versions_response), &version_view),
    .intro = "Lists the versions of agreement ID by number, one page unless\n"
             "--all. With --json: {\"versions\": [...], \"next_page_token\":\n"
             "T}, each with its contract terms.\n",
    .positional = id_arg,
};

static const cli_cmd *const agreement_verbs[] = {
    &agreement_add.cmd,       &agreement_show.cmd,     &agreement_list.cmd,
    &agreement_sign.cmd,      &agreement_amend.cmd,    &agreement_notice.cmd,
    &agreement_terminate.cmd, &agreement_versions.cmd, NULL};

const cli_cmd cli_cmd_agreement = CLI_NOUN(
    "agreement",
    "agreements: add, show, list, sign, amend, notice, terminate, versions",
    "Agreements between organisations: MoUs, cooperation and framework\n"
    "agreements, and contracts, in versions, with notice and termination;\n"
    "the status of each on any date.\n",
    agreement_verbs);
