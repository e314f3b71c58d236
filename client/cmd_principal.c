/*
 * cmd_principal.c - `ssc principal add|list|disable` (ssc.v1.Principals):
 * which client certificate is who. Admin only.
 *
 * A principal is matched by the certificate's subject or by the SHA-256
 * fingerprint of its DER encoding. `add --cert FILE` computes the
 * fingerprint here, with OpenSSL, so the certificate itself never leaves
 * the machine; --fingerprint also takes OpenSSL's "AB:CD:..." spelling.
 *
 * Entry points: cli_cmd_principal.
 */
#include "args.h"
#include "call.h"
#include "cli.h"
#include "exit.h"
#include "hex.h"
#include "output.h"

#include "ssc/v1/principals.pb-c.h"

#include <ctype.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

#define SVC "/ssc.v1.Principals/"
#define ROLES "ministry|secretariat|reconciler|auditor|admin"
#define FP_HEX 64 /* hex digits of a SHA-256 */

static const cli_column principal_columns[] = {
    {"ID", "id"},
    {"ROLE", "role"},
    {"ORG", "organisation_id"},
    {"ACTIVE", "active"},
    {"NAME", "name"},
    {"SUBJECT", "subject"},
    {"FINGERPRINT", "fingerprint"},
    {NULL, NULL},
};

static const cli_view principal_view = {
    .desc = &ssc__v1__principal__descriptor,
    .columns = principal_columns,
    .list_key = "principals",
};

/* Writes the SHA-256 of the DER of the first certificate in the PEM file
 * path as hex into out. Returns 0 or CLI_EXIT_USAGE after saying why. */
static int cert_fingerprint(const cli_cmd *self, const char *path,
                            char out[FP_HEX + 1])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    FILE *f = fopen(path, "r");
    X509 *x;
    int ok;

    if (f == NULL)
        return cli_error(self, CLI_EXIT_USAGE,
                         "could not read certificate %s: %s", path,
                         strerror(errno));
    x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    if (x == NULL) {
        ERR_clear_error();
        return cli_error(self, CLI_EXIT_USAGE,
                         "%s: no PEM certificate found in it", path);
    }
    ok = X509_digest(x, EVP_sha256(), md, &mdlen) == 1 && mdlen == FP_HEX / 2;
    X509_free(x);
    if (!ok) {
        ERR_clear_error();
        return cli_error(self, CLI_EXIT_INTERNAL,
                         "could not compute the fingerprint of %s", path);
    }
    ssc_hex_encode(md, mdlen, out);
    return 0;
}

/* Copies a fingerprint as people write it ("sha256:AB:CD:...", upper or
 * lower case) into out as plain lower-case hex. Anything else is copied as
 * it is, for the server to judge. */
static void normalise_fingerprint(const char *in, char *out, size_t outlen)
{
    size_t n = 0;

    if (strncmp(in, "sha256:", 7) == 0)
        in += 7;
    for (; *in != '\0' && n + 1 < outlen; in++) {
        if (*in != ':')
            out[n++] = (char)tolower((unsigned char)*in);
    }
    out[n] = '\0';
}

typedef struct add_args {
    const char *subject, *fingerprint, *cert, *role, *org, *name, *key;
} add_args;

/* Sets the request's subject or fingerprint from exactly one of --subject,
 * --fingerprint and --cert. fp is room for the fingerprint. Returns 0 or an
 * exit status after saying why. */
static int identity(const cli_cmd *self, const add_args *a,
                    Ssc__V1__AddPrincipalRequest *req, char *fp, size_t fplen)
{
    int given =
        (a->subject != NULL) + (a->fingerprint != NULL) + (a->cert != NULL);

    if (given != 1)
        return cli_usage(self, "give exactly one of --subject, "
                               "--fingerprint and --cert");
    if (a->subject != NULL) {
        req->subject = (char *)a->subject;
        return 0;
    }
    req->fingerprint = fp;
    if (a->fingerprint != NULL) {
        normalise_fingerprint(a->fingerprint, fp, fplen);
        return 0;
    }
    return cert_fingerprint(self, a->cert, fp);
}

static int run_add(cli_ctx *ctx, const cli_cmd *self, int argc, char **argv)
{
    Ssc__V1__AddPrincipalRequest req = SSC__V1__ADD_PRINCIPAL_REQUEST__INIT;
    add_args a = {0};
    const cli_opt opts[] = {
        {"--subject", &a.subject},
        {"--fingerprint", &a.fingerprint},
        {"--cert", &a.cert},
        {"--role", &a.role, NULL, 1},
        {"--org", &a.org},
        {"--name", &a.name},
        {"--idempotency-key", &a.key},
        {NULL},
    };
    char fp[2 * FP_HEX + 1];
    char keybuf[CLI_KEY_LEN + 1];
    int role = 0;
    int rc = cli_args_parse(self, argc, argv, opts, NULL, NULL, 0);

    if (rc == 0)
        rc = cli_arg_enum(self, "--role", a.role, &ssc__v1__role__descriptor,
                          &role);
    if (rc == 0)
        rc = cli_arg_int64(self, "--org", a.org, 1, &req.organisation_id);
    if (rc == 0)
        rc = identity(self, &a, &req, fp, sizeof(fp));
    if (rc != 0)
        return cli_args_exit(rc);
    a.key = cli_idem_key(ctx, self, a.key, keybuf);
    if (a.key == NULL)
        return CLI_EXIT_INTERNAL;
    req.idempotency_key = (char *)a.key;
    req.role = (Ssc__V1__Role)role;
    if (a.name != NULL)
        req.name = (char *)a.name;
    return cli_call_print(ctx, self, SVC "Add", &req.base, &principal_view,
                          a.key[0] != '\0');
}

static int run_list(cli_ctx *ctx, const cli_cmd *self, int argc, char **argv)
{
    Ssc__V1__ListPrincipalsRequest req = SSC__V1__LIST_PRINCIPALS_REQUEST__INIT;
    const char *org = NULL;
    cli_paging paging = {0};
    const cli_opt opts[] = {
        {"--org", &org},
        CLI_PAGING_OPTS(&paging),
        {NULL},
    };
    int rc = cli_args_parse(self, argc, argv, opts, NULL, NULL, 0);

    if (rc == 0)
        rc = cli_arg_int64(self, "--org", org, 1, &req.organisation_id);
    if (rc != 0)
        return cli_args_exit(rc);
    return cli_list_run(ctx, self, SVC "List", &req.base, &req.page, &paging,
                        &ssc__v1__list_principals_response__descriptor,
                        &principal_view);
}

static int run_disable(cli_ctx *ctx, const cli_cmd *self, int argc, char **argv)
{
    Ssc__V1__DisablePrincipalRequest req =
        SSC__V1__DISABLE_PRINCIPAL_REQUEST__INIT;
    static const char *const pos_names[] = {"ID"};
    const char *id = NULL, *key = NULL;
    const cli_opt opts[] = {{"--idempotency-key", &key}, {NULL}};
    char keybuf[CLI_KEY_LEN + 1];
    int rc = cli_args_parse(self, argc, argv, opts, &id, pos_names, 1);

    if (rc == 0)
        rc = cli_arg_int64(self, "ID", id, 1, &req.id);
    if (rc != 0)
        return cli_args_exit(rc);
    key = cli_idem_key(ctx, self, key, keybuf);
    if (key == NULL)
        return CLI_EXIT_INTERNAL;
    req.idempotency_key = (char *)key;
    return cli_call_print(ctx, self, SVC "Disable", &req.base, &principal_view,
                          key[0] != '\0');
}

/* ---- the verbs ---------------------------------------------------------- */

#define KEY_HELP                                                               \
    "  --idempotency-key K  the request's idempotency key (default: 128\n"     \
    "                    random bits, shown with --verbose); the same\n"       \
    "                    request again with the same key returns the first\n"  \
    "                    result. UNAVAILABLE and DEADLINE_EXCEEDED are\n"      \
    "                    retried once with the same key.\n"

/* After `principal add`, --cert names the principal's certificate; ssc's
 * own --cert goes before the command. */
static const char *const add_local_options[] = {"--cert", NULL};

static const cli_cmd principal_add = {
    .name = "principal add",
    .args = "(--subject S | --fingerprint HEX | --cert FILE.pem) --role ROLE "
            "[--org ID] [--name N] [--idempotency-key K]",
    .summary = "say which certificate is who",
    .help =
        "Registers a principal: a client certificate, the role it acts in\n"
        "and its organisation, and prints it. Admin only.\n"
        "\n"
        "The certificate is named by exactly one of:\n"
        "  --subject S       its subject, RFC 2253 (CN=ministry-a,O=ssc-dev)\n"
        "  --fingerprint HEX the SHA-256 of its DER, as 64 hex digits (also\n"
        "                    \"AB:CD:...\" as `openssl x509 -fingerprint\n"
        "                    -sha256` writes it)\n"
        "  --cert FILE.pem   the certificate itself: ssc computes the\n"
        "                    fingerprint and sends only that. Here --cert is\n"
        "                    this option; ssc's own --cert (the certificate\n"
        "                    ssc connects with) goes before `principal`\n"
        "\n"
        "  --role ROLE       " ROLES "\n"
        "  --org ID          its organisation (needed for ministry and\n"
        "                    reconciler)\n"
        "  --name N          a person or job, for people reading the "
        "audit\n" KEY_HELP,
    .run = run_add,
    .local_options = add_local_options,
};

static const cli_cmd principal_list = {
    .name = "principal list",
    .args = "[--org ID] [--page-size N] [--page-token T] [--all]",
    .summary = "list principals, by id",
    .help = "Lists principals in id order, one page unless --all. With\n"
            "--json: {\"principals\": [...], \"next_page_token\": T}.\n"
            "\n"
            "  --org ID          only those of organisation ID\n"
            "  --page-size N     items per page (the server caps it at 500)\n"
            "  --page-token T    start at the page a previous list pointed to\n"
            "  --all             follow the pages to the end\n",
    .run = run_list,
};

static const cli_cmd principal_disable = {
    .name = "principal disable",
    .args = "ID [--idempotency-key K]",
    .summary = "stop a certificate from being anyone",
    .help = "Marks principal ID inactive and prints it: its certificate is\n"
            "refused (UNAUTHENTICATED) from then on. The row stays, for the\n"
            "audit trail.\n"
            "\n" KEY_HELP,
    .run = run_disable,
};

static const cli_cmd *const principal_verbs[] = {
    &principal_add, &principal_list, &principal_disable, NULL};

const cli_cmd cli_cmd_principal = {
    .name = "principal",
    .args = "VERB [ARGS]",
    .summary = "principals: add, list, disable",
    .help = "Principals: which client certificate is who, in which role and\n"
            "organisation. Identity comes only from the verified certificate.\n"
            "Admin only.\n",
    .verbs = principal_verbs,
};
