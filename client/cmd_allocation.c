/*
 * cmd_allocation.c - `ssc allocation show|list|release`
 * (ssc.v1.Allocations), as tables of flags (verb.h).
 *
 * An allocation is the money the completing approval committed from a
 * pool to an application; nothing else makes one. What is neither paid
 * out (`ssc disbursement`) nor released is its remaining; release gives
 * that back to the pool once the collaboration has left the allocation's
 * phase.
 *
 * Entry points: cli_cmd_allocation.
 */
#include "cli.h"
#include "output.h"
#include "verb.h"

#include "ssc/v1/allocations.pb-c.h"

#define SVC "/ssc.v1.Allocations/"

#define V1(stem) ssc__v1__##stem

static const cli_column allocation_columns[] = {
    {"ID", "id"},
    {"POOL", "pool_id"},
    {"APPLICATION", "application_id"},
    {"COLLAB", "collaboration_id"},
    {"ORG", "organisation_id"},
    {"PHASE", "phase"},
    {"CUR", "amount.currency"},
    {"AMOUNT", "amount"},
    {"DISBURSED", "disbursed"},
    {"RELEASED", "released"},
    {"REMAINING", "remaining"},
    {"FROM", "starts_on"},
    {"TO", "ends_on"},
    {"STATUS", "status"},
    {NULL, NULL},
};

static const cli_view allocation_view = {
    .desc = &ssc__v1__allocation__descriptor,
    .columns = allocation_columns,
    .list_key = "allocations",
};

static const cli_flag id_arg[] = {{"ID", "id", NULL, NULL, 0, 1}, {NULL}};

static const cli_verb allocation_show = {
    CLI_VERB("allocation show", "show an allocation", SVC "Get", CLI_READ,
             V1(get_allocation_request), V1(allocation), &allocation_view),
    .intro = "Prints allocation ID: the amount approved, what was disbursed\n"
             "(net of reversals), released and remains. NOT_FOUND (exit 6)\n"
             "when there is none.\n",
    .positional = id_arg,
};

static const cli_verb allocation_list = {
    CLI_VERB("allocation list", "list allocations, by id", SVC "List", CLI_LIST,
             V1(list_allocations_request), V1(list_allocations_response),
             &allocation_view),
    .intro = "Lists the allocations one may read, in id order, one page\n"
             "unless --all. With --json: {\"allocations\": [...],\n"
             "\"next_page_token\": T}.\n",
    .flags = CLI_FLAGS(
        {"--pool", "pool_id", "ID", "only those from pool ID", 0, 1},
        {"--collab", "collaboration_id", "ID", "only those of collaboration ID",
         0, 1},
        {"--org", "organisation_id", "ID", "only those of applicant ID", 0, 1}),
};

static const cli_verb allocation_release = {
    CLI_VERB("allocation release", "give an allocation's unused money back",
             SVC "Release", CLI_WRITE, V1(release_allocation_request),
             V1(allocation), &allocation_view),
    .intro =
        "Gives what is left of allocation ID back to its pool, and prints\n"
        "it. Secretariat only, once the collaboration has left the\n"
        "allocation's phase (before: FAILED_PRECONDITION, exit 5).\n"
        "Releasing again gives back what reversals have freed since.\n",
    .positional = id_arg,
    .flags = CLI_FLAGS({"--reason", "reason", "TEXT", "why (optional)"}),
};

static const cli_cmd *const allocation_verbs[] = {
    &allocation_show.cmd, &allocation_list.cmd, &allocation_release.cmd, NULL};

const cli_cmd cli_cmd_allocation =
    CLI_NOUN("allocation", "allocations: show, list, release",
             "Allocations: money an approval committed from a pool to an\n"
             "application. Amounts in major units.\n",
             allocation_verbs);
