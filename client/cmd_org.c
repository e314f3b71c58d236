/*
 * cmd_org.c - `ssc org add|show|list|update` (ssc.v1.Organisations).
 *
 * Organisations are the Danish authorities, partner-country authorities,
 * embassies, the secretariat and the regions that everything else refers
 * to. Validation is the server's: the client checks only what it needs to
 * build the request (numbers, the kind's word), so the rules live in one
 * place and their messages come back as they are.
 *
 * Entry points: cli_cmd_org.
 */
#include "args.h"
#include "call.h"
#include "cli.h"
#include "exit.h"
#include "output.h"

#include "ssc/v1/organisations.pb-c.h"

#include <string.h>

#define SVC "/ssc.v1.Organisations/"

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

static int run_add(cli_ctx *ctx, const cli_cmd *self, int argc, char **argv)
{
    Ssc__V1__CreateOrganisationRequest req =
        SSC__V1__CREATE_ORGANISATION_REQUEST__INIT;
    const char *name = NULL, *kind = NULL, *country = NULL;
    const char *short_name = NULL, *parent = NULL, *key = NULL;
    const cli_opt opts[] = {
        {"--name", &name, NULL, 1},
        {"--kind", &kind, NULL, 1},
        {"--country", &country, NULL, 1},
        {"--short-name", &short_name},
        {"--parent", &parent},
        {"--idempotency-key", &key},
        {NULL},
    };
    char keybuf[CLI_KEY_LEN + 1];
    int k = 0;
    int rc = cli_args_parse(self, argc, argv, opts, NULL, NULL, 0);

    if (rc == 0)
        rc = cli_arg_enum(self, "--kind", kind,
                          &ssc__v1__organisation_kind__descriptor, &k);
    if (rc == 0)
        rc = cli_arg_int64(self, "--parent", parent, 1, &req.parent_id);
    if (rc != 0)
        return cli_args_exit(rc);
    key = cli_idem_key(ctx, self, key, keybuf);
    if (key == NULL)
        return CLI_EXIT_INTERNAL;
    req.idempotency_key = (char *)key;
    req.name = (char *)name;
    req.kind = (Ssc__V1__OrganisationKind)k;
    req.country = (char *)country;
    if (short_name != NULL)
        req.short_name = (char *)short_name;
    return cli_call_print(ctx, self, SVC "Create", &req.base, &org_view,
                          key[0] != '\0');
}

static int run_show(cli_ctx *ctx, const cli_cmd *self, int argc, char **argv)
{
    Ssc__V1__GetOrganisationRequest req =
        SSC__V1__GET_ORGANISATION_REQUEST__INIT;
    static const char *const pos_names[] = {"ID"};
    const cli_opt opts[] = {{NULL}};
    const char *id = NULL;
    int rc = cli_args_parse(self, argc, argv, opts, &id, pos_names, 1);

    if (rc == 0)
        rc = cli_arg_int64(self, "ID", id, 1, &req.id);
    if (rc != 0)
        return cli_args_exit(rc);
    return cli_call_print(ctx, self, SVC "Get", &req.base, &org_view, 0);
}

static int run_list(cli_ctx *ctx, const cli_cmd *self, int argc, char **argv)
{
    Ssc__V1__ListOrganisationsRequest req =
        SSC__V1__LIST_ORGANISATIONS_REQUEST__INIT;
    const char *kind = NULL, *country = NULL;
    cli_paging paging = {0};
    const cli_opt opts[] = {
        {"--kind", &kind},
        {"--country", &country},
        CLI_PAGING_OPTS(&paging),
        {NULL},
    };
    int k = 0;
    int rc = cli_args_parse(self, argc, argv, opts, NULL, NULL, 0);

    if (rc == 0)
        rc = cli_arg_enum(self, "--kind", kind,
                          &ssc__v1__organisation_kind__descriptor, &k);
    if (rc != 0)
        return cli_args_exit(rc);
    req.kind = (Ssc__V1__OrganisationKind)k;
    if (country != NULL)
        req.country = (char *)country;
    return cli_list_run(ctx, self, SVC "List", &req.base, &req.page, &paging,
                        &ssc__v1__list_organisations_response__descriptor,
                        &org_view);
}

/* ---- update ------------------------------------------------------------- */

typedef struct update_args {
    const char *id, *name, *short_name, *country, *parent, *version, *key;
} update_args;

/* Fills the update_mask (room for 4) from the flags given, in the order of
 * the .proto. Returns the number of entries. */
static size_t update_mask(const update_args *a,
                          Ssc__V1__UpdateOrganisationRequest *req, char **mask)
{
    size_t n = 0;

    if (a->name != NULL) {
        mask[n++] = "name";
        req->name = (char *)a->name;
    }
    if (a->short_name != NULL) {
        mask[n++] = "short_name";
        req->short_name = (char *)a->short_name;
    }
    if (a->country != NULL) {
        mask[n++] = "country";
        req->country = (char *)a->country;
    }
    if (a->parent != NULL)
        mask[n++] = "parent_id";
    return n;
}

static int run_update(cli_ctx *ctx, const cli_cmd *self, int argc, char **argv)
{
    Ssc__V1__UpdateOrganisationRequest req =
        SSC__V1__UPDATE_ORGANISATION_REQUEST__INIT;
    static const char *const pos_names[] = {"ID"};
    update_args a = {0};
    const cli_opt opts[] = {
        {"--name", &a.name},
        {"--short-name", &a.short_name},
        {"--country", &a.country},
        {"--parent", &a.parent},
        {"--expected-version", &a.version},
        {"--idempotency-key", &a.key},
        {NULL},
    };
    char *mask[4];
    char keybuf[CLI_KEY_LEN + 1];
    int rc = cli_args_parse(self, argc, argv, opts, &a.id, pos_names, 1);

    if (rc == 0)
        rc = cli_arg_int64(self, "ID", a.id, 1, &req.id);
    if (rc == 0)
        rc = cli_arg_int64(self, "--parent", a.parent, 0, &req.parent_id);
    if (rc == 0)
        rc = cli_arg_int64(self, "--expected-version", a.version, 1,
                           &req.expected_version);
    if (rc != 0)
        return cli_args_exit(rc);
    req.n_update_mask = update_mask(&a, &req, mask);
    req.update_mask = mask;
    if (req.n_update_mask == 0)
        return cli_usage(self, "nothing to change: give --name, "
                               "--short-name, --country or --parent");
    a.key = cli_idem_key(ctx, self, a.key, keybuf);
    if (a.key == NULL)
        return CLI_EXIT_INTERNAL;
    req.idempotency_key = (char *)a.key;
    return cli_call_print(ctx, self, SVC "Update", &req.base, &org_view,
                          a.key[0] != '\0');
}

/* ---- the verbs ---------------------------------------------------------- */

#define KEY_HELP                                                               \
    "  --idempotency-key K  the request's idempotency key (default: 128\n"     \
    "                    random bits, shown with --verbose). Sending the\n"    \
    "                    same request with the same key again returns the\n"   \
    "                    first result and changes nothing; the same key\n"     \
    "                    with another request is ALREADY_EXISTS (exit 7).\n"   \
    "                    A call ending UNAVAILABLE or DEADLINE_EXCEEDED is\n"  \
    "                    retried once with the same key. An empty key sends\n" \
    "                    none (and disables the retry).\n"

static const cli_cmd org_add = {
    .name = "org add",
    .args = "--name N --kind KIND --country CC [--short-name S] "
            "[--parent ID] [--idempotency-key K]",
    .summary = "register an organisation",
    .help =
        "Registers an organisation and prints it (with --json, as an\n"
        "object). Admin and secretariat only.\n"
        "\n"
        "  --name N          its name, 1 to 200 characters; (name, country)\n"
        "                    is unique, ignoring case\n"
        "  --kind K          danish-authority, partner-authority, embassy,\n"
        "                    secretariat or region\n"
        "  --country CC      ISO 3166-1 alpha-2 code, upper case (DK, VN)\n"
        "  --short-name S    an abbreviation (DEA), up to 32 characters\n"
        "  --parent ID       the parent ministry of an agency: a\n"
        "                    danish-authority\n" KEY_HELP,
    .run = run_add,
};

static const cli_cmd org_show = {
    .name = "org show",
    .args = "ID",
    .summary = "show one organisation",
    .help = "Prints the organisation with id ID; NOT_FOUND (exit 6) when\n"
            "there is none.\n",
    .run = run_show,
};

static const cli_cmd org_list = {
    .name = "org list",
    .args = "[--kind K] [--country CC] [--page-size N] [--page-token T] "
            "[--all]",
    .summary = "list organisations, by id",
    .help = "Lists organisations in id order, one page (the server's default\n"
            "size, 50) unless --all. With --json: {\"organisations\": [...],\n"
            "\"next_page_token\": T}, T empty after the last page.\n"
            "\n"
            "  --kind K          only this kind (danish-authority, ...)\n"
            "  --country CC      only this country\n"
            "  --page-size N     items per page (the server caps it at 500)\n"
            "  --page-token T    start at the page a previous list pointed to\n"
            "  --all             follow the pages to the end\n",
    .run = run_list,
};

static const cli_cmd org_update = {
    .name = "org update",
    .args = "ID [--name N] [--short-name S] [--country CC] [--parent ID] "
            "[--expected-version V] [--idempotency-key K]",
    .summary = "change an organisation's names, country or parent",
    .help =
        "Changes the fields given, and only those (the request's update_mask\n"
        "names them), and prints the organisation with its new version. At\n"
        "least one field is needed. Admin and secretariat may change any\n"
        "organisation, a ministry only its own.\n"
        "\n"
        "  --name N, --short-name S, --country CC   as for `ssc org add`\n"
        "  --parent ID       the new parent; 0 for none\n"
        "  --expected-version V  change only if the organisation is still\n"
        "                    at version V, else FAILED_PRECONDITION (exit "
        "5)\n" KEY_HELP,
    .run = run_update,
};

static const cli_cmd *const org_verbs[] = {&org_add, &org_show, &org_list,
                                           &org_update, NULL};

const cli_cmd cli_cmd_org = {
    .name = "org",
    .args = "VERB [ARGS]",
    .summary = "organisations: add, show, list, update",
    .help = "Organisations: Danish authorities (ministries and agencies),\n"
            "partner-country authorities, embassies, the secretariat, and\n"
            "regions or municipalities.\n",
    .verbs = org_verbs,
};
