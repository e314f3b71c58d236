/*
 * cmd_interest.c - `ssc interest add|show|list|withdraw` (the expressions
 * of interest of ssc.v1.Matchmaking), as tables of flags (verb.h).
 *
 * An interest is a Danish authority's offer: the sectors it can work in,
 * the countries it would work with, and how many expert-months a year it
 * can spare. `ssc match list` pairs it with the demand signals of those
 * countries.
 *
 * Entry points: cli_cmd_interest.
 */
#include "cli.h"
#include "output.h"
#include "verb.h"

#include "ssc/v1/matchmaking.pb-c.h"

#define SVC "/ssc.v1.Matchmaking/"

#define V1(stem) ssc__v1__##stem

static const cli_column interest_columns[] = {
    {"ID", "id"},
    {"ORG", "organisation_id"},
    {"SECTORS", "sectors"},
    {"COUNTRIES", "countries"},
    {"MONTHS", "capacity_months"},
    {"STATUS", "status"},
    {"VERSION", "version"},
    {NULL, NULL},
};

static const cli_view interest_view = {
    .desc = &ssc__v1__interest__descriptor,
    .columns = interest_columns,
    .list_key = "interests",
};

static const cli_flag id_arg[] = {{"ID", "id", NULL, NULL, 0, 1}, {NULL}};

static const cli_verb interest_add = {
    CLI_VERB("interest add", "record a Danish authority's interest",
             SVC "CreateInterest", CLI_WRITE, V1(create_interest_request),
             V1(interest), &interest_view),
    .intro = "Records an expression of interest, open for matching, and\n"
             "prints it. A ministry records its own or one of its agencies'.\n",
    .flags =
        CLI_FLAGS({"--org", "organisation_id", "ID",
                   "the Danish authority offering (default: a\n"
                   "ministry's own organisation)",
                   0, 1},
                  {"--sector", "sectors", "CODE",
                   "a 5-digit DAC purpose code (23110); once per\n"
                   "sector, at least one",
                   CLI_F_REQUIRED},
                  {"--country", "countries", "CC",
                   "a country it would work with, ISO 3166-1\n"
                   "alpha-2 (VN); once per country, at least one",
                   CLI_F_REQUIRED},
                  {"--capacity-months", "capacity_months", "N",
                   "expert-months a year it can spare, 0 to 1200", 0, 0},
                  {"--description", "description", "TEXT", "what it offers"}),
};

static const cli_verb interest_show = {
    CLI_VERB("interest show", "show one interest", SVC "GetInterest", CLI_READ,
             V1(get_interest_request), V1(interest), &interest_view),
    .intro = "Prints the interest with id ID; NOT_FOUND (exit 6) when there\n"
             "is none.\n",
    .positional = id_arg,
};

static const cli_verb interest_list = {
    CLI_VERB("interest list", "list interests, by id", SVC "ListInterests",
             CLI_LIST, V1(list_interests_request), V1(list_interests_response),
             &interest_view),
    .intro = "Lists interests in id order, one page unless --all. With\n"
             "--json: {\"interests\": [...], \"next_page_token\": T}.\n",
    .flags = CLI_FLAGS(
        {"--org", "organisation_id", "ID", "only those of organisation ID", 0,
         1},
        {"--status", "status", "S", "only those open, matched or withdrawn"}),
};

static const cli_verb interest_withdraw = {
    CLI_VERB("interest withdraw", "take an interest out of matching",
             SVC "WithdrawInterest", CLI_WRITE, V1(withdraw_request),
             V1(interest), &interest_view),
    .intro = "Marks interest ID withdrawn, so that it matches nothing any\n"
             "more, and prints it. The row stays.\n",
    .positional = id_arg,
};

static const cli_cmd *const interest_verbs[] = {
    &interest_add.cmd, &interest_show.cmd, &interest_list.cmd,
    &interest_withdraw.cmd, NULL};

const cli_cmd cli_cmd_interest = CLI_NOUN(
    "interest", "interests: add, show, list, withdraw",
    "Expressions of interest: what Danish authorities offer, by sector\n"
    "and country. `ssc match list` pairs them with demand signals.\n",
    interest_verbs);
