/*
 * cmd_match.c - `ssc match list` (ListMatches of ssc.v1.Matchmaking): open
 * demand signals paired with open interests that share a sector and a
 * country. Matches are computed on every call, never stored, so they have
 * no id and no other verb.
 *
 * Entry points: cli_cmd_match.
 */
#include "cli.h"
#include "output.h"
#include "verb.h"

#include "ssc/v1/matchmaking.pb-c.h"

#define V1(stem) ssc__v1__##stem

static const cli_column match_columns[] = {
    {"DEMAND", "demand_signal_id"},
    {"INTEREST", "interest_id"},
    {"COUNTRY", "country"},
    {"SECTORS", "shared_sectors"},
    {"OVERLAP", "overlap"},
    {"PRIORITY", "priority"},
    {"ORG", "organisation_id"},
    {"IN_COUNTRY", "works_in_country"},
    {"TITLE", "title"},
    {NULL, NULL},
};

static const cli_view match_view = {
    .desc = &ssc__v1__match__descriptor,
    .columns = match_columns,
    .list_key = "matches",
};

static const cli_verb match_list = {
    CLI_VERB("match list", "pair demand signals with interests",
             "/ssc.v1.Matchmaking/ListMatches", CLI_LIST,
             V1(list_matches_request), V1(list_matches_response), &match_view),
    .intro =
        "Lists the open demand signals and open interests that share a\n"
        "country and at least one sector, best first: one page unless\n"
        "--all. OVERLAP counts the shared sectors, PRIORITY is the demand\n"
        "signal's, IN_COUNTRY says the interested authority already leads\n"
        "a collaboration there. With --json: {\"matches\": [...],\n"
        "\"next_page_token\": T}.\n",
    .flags = CLI_FLAGS({"--country", "country", "CC",
                        "only this country, ISO 3166-1 alpha-2 (VN)"},
                       {"--sector", "sector", "CODE",
                        "only matches sharing this DAC purpose code"}),
};

static const cli_cmd *const match_verbs[] = {&match_list.cmd, NULL};

const cli_cmd cli_cmd_match =
    CLI_NOUN("match", "matches: list",
             "Matches: demand signals (`ssc demand`) paired with interests\n"
             "(`ssc interest`) by country and sector, computed when asked.\n"
             "`ssc collab add --demand ID --interest ID` makes one a\n"
             "collaboration.\n",
             match_verbs);
