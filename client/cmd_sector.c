/*
 * cmd_sector.c - `ssc sector list` (ssc.v1.Sectors): the OECD-DAC purpose
 * codes collaborations are filed under.
 *
 * Entry points: cli_cmd_sector.
 */
#include "args.h"
#include "call.h"
#include "cli.h"
#include "exit.h"
#include "output.h"

#include "ssc/v1/sectors.pb-c.h"

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

static int run_list(cli_ctx *ctx, const cli_cmd *self, int argc, char **argv)
{
    Ssc__V1__ListSectorsRequest req = SSC__V1__LIST_SECTORS_REQUEST__INIT;
    const char *category = NULL;
    cli_paging paging = {0};
    const cli_opt opts[] = {
        {"--category", &category},
        CLI_PAGING_OPTS(&paging),
        {NULL},
    };
    int rc = cli_args_parse(self, argc, argv, opts, NULL, NULL, 0);

    if (rc != 0)
        return cli_args_exit(rc);
    if (category != NULL)
        req.category = (char *)category;
    return cli_list_run(ctx, self, "/ssc.v1.Sectors/List", &req.base, &req.page,
                        &paging, &ssc__v1__list_sectors_response__descriptor,
                        &sector_view);
}

static const cli_cmd sector_list = {
    .name = "sector list",
    .args = "[--category CCC] [--page-size N] [--page-token T] [--all]",
    .summary = "list sectors (OECD-DAC purpose codes), by code",
    .help =
        "Lists the sectors in code order, one page unless --all. With\n"
        "--json: {\"sectors\": [...], \"next_page_token\": T}.\n"
        "\n"
        "  --category CCC    only the 3-digit DAC category CCC (231: energy\n"
        "                    policy)\n"
        "  --page-size N     items per page (the server caps it at 500)\n"
        "  --page-token T    start at the page a previous list pointed to\n"
        "  --all             follow the pages to the end\n",
    .run = run_list,
};

static const cli_cmd *const sector_verbs[] = {&sector_list, NULL};

const cli_cmd cli_cmd_sector = {
    .name = "sector",
    .args = "VERB [ARGS]",
    .summary = "sectors: list",
    .help = "Sectors: OECD-DAC 5-digit purpose codes (23110 energy policy,\n"
            "15110 public sector policy), which the server's migrations\n"
            "seed.\n",
    .verbs = sector_verbs,
};
