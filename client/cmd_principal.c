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
#include "cli.h"
#include "exit.h"
#include "hex.h"
#include "output.h"
#include "verb.h"

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
#define ROLES "ministry|secretariat|reconciler|auditor|admin|embassy"
#define FP_HEX 64 /* hex digits of a SHA-256 */

#define V1(stem) ssc__v1__##stem

static const cli_column principal_columns[] = {{"ID", "id"},
                                               {"ROLE", "role"},
                                               {"ORG", "organisation_id"},
                                               {"ACTIVE", "active"},
                                               {"NAME", "name"},
                                               {"SUBJECT", "subject"},
                                               {"FINGERPRINT", "fingerprint"},
                                               {NULL, NULL}};

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

/* The certificate a principal is: exactly one of --subject (a field of the
 * table), --fingerprint and --cert (flags 0, 1 and 2), the last two written
 * into the request's fingerprint here. */
static int add_identity(const cli_cmd *self, cli_given *given,
                        ProtobufCMessage *msg)
{
    Ssc__V1__AddPrincipalRequest *req = (Ssc__V1__AddPrincipalRequest *)msg;
    const char *subject = given->flag[0], *fingerprint = given->flag[1];
    const char *cert = given->flag[2];
    int n = (subject != NULL) + (fingerprint != NULL) + (cert != NULL);

    if (n != 1)
        return cli_usage(self, "give exactly one of --subject, "
                               "--fingerprint and --cert");
    if (subject != NULL)
        return 0;
    req->fingerprint = given->scratch;
    if (fingerprint != NULL) {
        normalise_fingerprint(fingerprint, given->scratch,
                              sizeof(given->scratch));
        return 0;
    }
    return cert_fingerprint(self, cert, given->scratch);
}

/* ---- the verbs ---------------------------------------------------------- */

static const cli_flag id_arg[] = {{"ID", "id", NULL, NULL, 0, 1}, {NULL}};

/* After `principal add`, --cert names the principal's certificate; ssc's
 * own --cert goes before the command. */
static const char *const add_local_options[] = {"--cert", NULL};

static const cli_verb principal_add = {
    .cmd = {.name = "principal add",
            .summary = "say which certificate is who",
            .run = cli_verb_run,
            .local_options = add_local_options},
    .path = SVC "Add",
    .request = &ssc__v1__add_principal_request__descriptor,
    .response = &ssc__v1__principal__descriptor,
    .kind = CLI_WRITE,
    .intro =
        "Registers a principal: a client certificate, the role it acts in\n"
        "and its organisation, and prints it. Admin only. The certificate\n"
        "is named by exactly one of --subject, --fingerprint and --cert.\n",
    .flags = CLI_FLAGS(
        {"--subject", "subject", "S",
         "its subject, RFC 2253 (CN=ministry-a,O=ssc-dev)"},
        {"--fingerprint", NULL, "HEX",
         "the SHA-256 of its DER, as 64 hex digits (also\n"
         "\"AB:CD:...\" as `openssl x509 -fingerprint\n"
         "-sha256` writes it)"},
        {"--cert", NULL, "FILE.pem",
         "the certificate itself: ssc computes the\n"
         "fingerprint and sends only that. Here --cert is\n"
         "this option; ssc's own --cert (the certificate\n"
         "ssc connects with) goes before `principal`"},
        {"--role", "role", "ROLE", ROLES, CLI_F_REQUIRED},
        {"--org", "organisation_id", "ID",
         "its organisation (needed for ministry,\nreconciler and embassy)", 0,
         1},
        {"--name", "name", "N",
         "a person or job, for people reading the audit"}),
    .prepare = add_identity,
    .view = &principal_view,
};

static const cli_verb principal_list = {
    CLI_VERB("principal list", "list principals, by id", SVC "List", CLI_LIST,
             V1(list_principals_request), V1(list_principals_response),
             &principal_view),
    .intro = "Lists principals in id order, one page unless --all. With\n"
             "--json: {\"principals\": [...], \"next_page_token\": T}.\n",
    .flags = CLI_FLAGS({"--org", "organisation_id", "ID",
                        "only those of organisation ID", 0, 1}),
};

static const cli_verb principal_disable = {
    CLI_VERB("principal disable", "stop a certificate from being anyone",
             SVC "Disable", CLI_WRITE, V1(disable_principal_request),
             V1(principal), &principal_view),
    .intro = "Marks principal ID inactive and prints it: its certificate is\n"
             "refused (UNAUTHENTICATED) from then on. The row stays, for the\n"
             "audit trail.\n",
    .positional = id_arg,
};

static const cli_cmd *const principal_verbs[] = {
    &principal_add.cmd, &principal_list.cmd, &principal_disable.cmd, NULL};
const cli_cmd cli_cmd_principal = CLI_NOUN(
    "principal", "principals: add, list, disable",
    "Principals: which client certificate is who, in which role and\n"
    "organisation. Identity comes only from the verified certificate.\n"
    "Admin only.\n",
    principal_verbs);
