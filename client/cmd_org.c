/*
 * cmd_org.c - `ssc org add|show|list|update` (ssc.v1.Organisations), as
 * tables of flags (verb.h).
 *
 * Organisations are the Danish authorities, partner-country authorities,
 * embassies, the secretariat and the regions that everything else refers
 * to. Validation is the server's: the client checks only what it needs to
 * build the request (numbers, the kind's word), so the rules live in one
 * place and their messages come back as they are.
 *
 * Entry points: cli_cmd_org.
 */
#include "cli.h"
#include "output.h"
#include "verb.h"

#include "ssc/v1/organisations.pb-c.h"

#define SVC "/ssc.v1.Organisations/"

#define V1(stem) ssc__v1__##stem

static const cli_column org_columns[] = {
    {"ID", "id"},           {"NAME", "name"},       {"SHORT", "short_name"},
    {"KIND", "kind"},       {"COUNTRY", "country"}, {"PARENT", "parent_id"},
    {"VERSION", "version"}, {NULL, NULL},
};

static const cli_view org_view = {
    .desc = &ssc__v1__organisation__descriptor,
    .columns = org_columns,
    .list_key = "organisations",
};

static const cli_flag id_arg[] = {{"ID", "id", NULL, NULL, 0, 1}, {NULL}};

static const cli_verb org_add = {
    CLI_VERB("org add", "register an organisation", SVC "Create", CLI_WRITE,
             V1(create_organisation_request), V1(organisation), &org_view),
    .intro = "Registers an organisation and prints it (with --json, as an\n"
             "object). Admin and secretariat only.\n",
    .flags = CLI_FLAGS(
        {"--name", "name", "N",
         "its name, 1 to 200 characters; (name, country)\n"
         "is unique, ignoring case",
         CLI_F_REQUIRED},
        {"--kind", "kind", "K",
         "danish-authority, partner-authority, embassy,\n"
         "secretariat or region",
         CLI_F_REQUIRED},
        {"--country", "country", "CC",
         "ISO 3166-1 alpha-2 code, upper case (DK, VN)", CLI_F_REQUIRED},
        {"--short-name", "short_name", "S",
         "an abbreviation (DEA), up to 32 characters"},
        {"--parent", "parent_id", "ID",
         "the parent ministry of an agency: a\ndanish-authority", 0, 1}),
};

static const cli_verb org_show = {
    CLI_VERB("org show", "show one organisation", SVC "Get", CLI_READ,
             V1(get_organisation_request), V1(organisation), &org_view),
    .intro = "Prints the organisation with id ID; NOT_FOUND (exit 6) when\n"
             "there is none.\n",
    .positional = id_arg,
};

static const cli_verb org_list = {
    CLI_VERB("org list", "list organisations, by id", SVC "List", CLI_LIST,
             V1(list_organisations_request), V1(list_organisations_response),
             &org_view),
    .intro = "Lists organisations in id order, one page (the server's default\n"
             "size, 50) unless --all. With --json: {\"organisations\": [...],\n"
             "\"next_page_token\": T}, T empty after the last page.\n",
    .flags = CLI_FLAGS(
        {"--kind", "kind", "K", "only this kind (danish-authority, ...)"},
        {"--country", "country", "CC", "only this country"}),
};

static const cli_verb org_update = {
    CLI_VERB("org update", "change an organisation's names, country or parent",
             SVC "Update", CLI_WRITE, V1(update_organisation_request),
             V1(organisation), &org_view),
    .intro =
        "Changes the fields given, and only those (the request's update_mask\n"
        "names them), and prints the organisation with its new version. At\n"
        "least one field is needed. Admin and secretariat may change any\n"
        "organisation, a ministry only its own.\n",
    .positional = id_arg,
    .flags = CLI_FLAGS(
        {"--name", "name", "N", "as for `ssc org add`", CLI_F_MASK},
        {"--short-name", "short_name", "S", "as for `ssc org add`", CLI_F_MASK},
        {"--country", "country", "CC", "as for `ssc org add`", CLI_F_MASK},
        {"--parent", "parent_id", "ID", "the new parent; 0 for none",
         CLI_F_MASK, 0},
        {"--expected-version", "expected_version", "V",
         "change only if the organisation is still\n"
         "at version V, else FAILED_PRECONDITION (exit 5)",
         0, 1}),
};

static const cli_cmd *const org_verbs[] = {
    &org_add.cmd, &org_show.cmd, &org_list.cmd, &org_update.cmd, NULL};

const cli_cmd cli_cmd_org =
    CLI_NOUN("org", "organisations: add, show, list, update",
             "Organisations: Danish authorities (ministries and agencies),\n"
             "partner-country authorities, embassies, the secretariat, and\n"
             "regions or municipalities.\n",
             org_verbs);
