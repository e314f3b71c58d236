/*
 * cmd_sector.c - `ssc sector list` (ssc.v1.Sectors): the OECD-DAC purpose
 * codes collaborations are filed under, as a table of flags (verb.h).
 *
 * Entry points: cli_cmd_sector.
 */
#include "cli.h"
#include "output.h"
#include "verb.h"

#include "ssc/v1/sectors.pb-c.h"

#define V1(stem) ssc__v1__##stem

static const cli_column sector_columns[] = {
    {"CODE", "code"},
    {"CATEGORY", "category"},
    {"NAME", "name"},
    {NULL, NULL},
};

static const cli_view sector_view = {
    .desc = &ssc__v1__sector__descriptor,
    .columns = sector_columns,
    .list_key = "sectors",
};

static const cli_verb sector_list = {
    CLI_VERB("sector list", "list sectors (OECD-DAC purpose codes), by code",
             "/ssc.v1.Sectors/List", CLI_LIST, V1(list_sectors_request),
             V1(list_sectors_response), &sector_view),
    .intro = "Lists the sectors in code order, one page unless --all. With\n"
             "--json: {\"sectors\": [...], \"next_page_token\": T}.\n",
    .flags =
        CLI_FLAGS({"--category", "category", "CCC",
                   "only the 3-digit DAC category CCC (231: energy\npolicy)"}),
};

static const cli_cmd *const sector_verbs[] = {&sector_list.cmd, NULL};

const cli_cmd cli_cmd_sector =
    CLI_NOUN("sector", "sectors: list",
             "Sectors: OECD-DAC 5-digit purpose codes (23110 energy policy,\n"
             "15110 public sector policy), which the server's migrations\n"
             "seed.\n",
             sector_verbs);
