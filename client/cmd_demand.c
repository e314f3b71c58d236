/*
 * cmd_demand.c - `ssc demand add|show|list|withdraw` (the demand signals of
 * ssc.v1.Matchmaking), as tables of flags (verb.h).
 *
 * A demand signal is an embassy's note that an authority of its country
 * wants to work with Danish authorities on some sectors; `ssc match list`
 * pairs it with the interests Danish authorities have registered. As for
 * every verb, the rules are the server's: the client checks only what it
 * needs to build the request.
 *
 * Entry points: cli_cmd_demand.
 */
#include "cli.h"
#include "output.h"
#include "verb.h"

#include "ssc/v1/matchmaking.pb-c.h"

#define SVC "/ssc.v1.Matchmaking/"

#define V1(stem) ssc__v1__##stem

static const cli_column demand_columns[] = {
    {"ID", "id"},
    {"EMBASSY", "embassy_id"},
    {"COUNTRY", "country"},
    {"SECTORS", "sectors"},
    {"PARTNER", "partner_id"},
    {"PRIORITY", "priority"},
    {"SCREENED", "screened_on"},
    {"STATUS", "status"},
    {"TITLE", "title"},
    {"VERSION", "version"},
    {NULL, NULL},
};

static const cli_view demand_view = {
    .desc = &ssc__v1__demand_signal__descriptor,
    .columns = demand_columns,
    .list_key = "demand_signals",
};

static const cli_flag id_arg[] = {{"ID", "id", NULL, NULL, 0, 1}, {NULL}};

static const cli_verb demand_add = {
    CLI_VERB("demand add", "record a partner country's demand",
             SVC "CreateDemandSignal", CLI_WRITE,
             V1(create_demand_signal_request), V1(demand_signal), &demand_view),
    .intro = "Records a demand signal, open for matching, and prints it. An\n"
             "embassy records its own country's; the secretariat names the\n"
             "embassy with --embassy.\n",
    .flags =
        CLI_FLAGS({"--embassy", "embassy_id", "ID",
                   "the embassy (an organisation of kind embassy);\n"
                   "leave it out when the caller is the embassy",
                   0, 1},
                  {"--sector", "sectors", "CODE",
                   "a 5-digit DAC purpose code (23110); once per\n"
                   "sector, at least one",
                   CLI_F_REQUIRED},
                  {"--partner", "partner_id", "ID",
                   "the partner authority asking, when named: a\n"
                   "partner-authority of the embassy's country",
                   0, 1},
                  {"--title", "title", "T",
                   "a short title, 1 to 200 characters", CLI_F_REQUIRED},
                  {"--description", "description", "TEXT",
                   "what is asked for, up to 4000 characters"},
                  {"--priority", "priority", "P", "1 (highest), 2 or 3",
                   CLI_F_REQUIRED, 1},
                  {"--screened-on", "screened_on", "DATE",
                   "when the embassy screened it, YYYY-MM-DD", CLI_F_REQUIRED}),
};

static const cli_verb demand_show = {
    CLI_VERB("demand show", "show one demand signal", SVC "GetDemandSignal",
             CLI_READ, V1(get_demand_signal_request), V1(demand_signal),
             &demand_view),
    .intro = "Prints the demand signal with id ID; NOT_FOUND (exit 6) when\n"
             "there is none.\n",
    .positional = id_arg,
};

static const cli_verb demand_list = {
    CLI_VERB("demand list", "list demand signals, by id",
             SVC "ListDemandSignals", CLI_LIST, V1(list_demand_signals_request),
             V1(list_demand_signals_response), &demand_view),
    .intro = "Lists demand signals in id order, one page unless --all. With\n"
             "--json: {\"demand_signals\": [...], \"next_page_token\": T}.\n",
    .flags = CLI_FLAGS(
        {"--country", "country", "CC", "only this country"},
        {"--status", "status", "S", "only those open, matched or withdrawn"}),
};

static const cli_verb demand_withdraw = {
    CLI_VERB("demand withdraw", "take a demand signal out of matching",
             SVC "WithdrawDemandSignal", CLI_WRITE, V1(withdraw_request),
             V1(demand_signal), &demand_view),
    .intro = "Marks demand signal ID withdrawn, so that it matches nothing\n"
             "any more, and prints it. The row stays.\n",
    .positional = id_arg,
};

static const cli_cmd *const demand_verbs[] = {&demand_add.cmd, &demand_show.cmd,
                                              &demand_list.cmd,
                                              &demand_withdraw.cmd, NULL};

const cli_cmd cli_cmd_demand =
    CLI_NOUN("demand", "demand signals: add, show, list, withdraw",
             "Demand signals: what partner-country authorities ask for, by\n"
             "sector, as their embassy records it. `ssc match list` pairs\n"
             "them with Danish authorities' interests.\n",
             demand_verbs);
