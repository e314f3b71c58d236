/*
 * main.c - sscd's command line: read the config, build the TLS context and the
 * method table, run the server.
 *
 *   sscd --config FILE            serve
 *   sscd --config FILE --check-config
 *   sscd --help | --version
 */
#include "config.h"
#include "descriptors.h"
#include "err.h"
#include "log.h"
#include "router.h"
#include "server.h"
#include "svc_health.h"
#include "svc_reflection.h"
#include "svc_testing.h"
#include "tls.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const unsigned char ssc_descriptor_set[];
extern const size_t ssc_descriptor_set_len;

static void usage(FILE *f)
{
    fprintf(
        f, "usage: sscd --config FILE [--check-config]\n"
           "       sscd --help | --version\n"
           "\n"
           "Serves the Strategic Sector Cooperation record over gRPC (TLS,\n"
           "HTTP/2, client certificates).\n"
           "\n"
           "  -c, --config FILE   INI configuration (see "
           "deploy/sscd.ini.example)\n"
           "      --check-config  read and check the configuration, then exit\n"
           "  -h, --help          show this help\n"
           "  -V, --version       show the version\n"
           "\n"
           "Signals: SIGHUP reloads certificates; SIGTERM drains and exits.\n");
}

/* Registers every service this configuration serves. */
static int build_router(const ssc_config *cfg, ssc_router *r,
                        const ssc_descriptors *desc, ssc_svc_reflection **refl)
{
    int rc = ssc_svc_health_register(r);

    if (rc == 0)
        rc = ssc_svc_reflection_register(r, desc, refl);
    if (rc == 0 && cfg->interop_service)
        rc = ssc_svc_testing_register(r);
    return rc;
}

static int serve(const ssc_config *cfg)
{
    ssc_svc_reflection *refl = NULL;
    ssc_descriptors *desc;
    ssc_router *router;
    SSL_CTX *ctx;
    char err[512];
    int rc;

    ctx = ssc_tls_server_ctx(cfg->cert, cfg->key, cfg->client_ca,
                             cfg->client_auth == SSC_CLIENT_AUTH_REQUIRE, err,
                             sizeof(err));
    if (ctx == NULL) {
        SSC_LOG_ERROR("%s", err);
        return 1;
    }
    desc = ssc_descriptors_load(ssc_descriptor_set, ssc_descriptor_set_len);
    if (desc == NULL) {
        SSC_LOG_ERROR("could not index the embedded descriptor set");
        SSL_CTX_free(ctx);
        return 1;
    }
    router = ssc_router_new();
    rc = build_router(cfg, router, desc, &refl);
    if (rc != 0) {
        SSC_LOG_ERROR("could not register services: %s", ssc_strerror(rc));
        SSL_CTX_free(ctx);
    } else {
        rc = ssc_server_run(cfg, router, ctx);
    }
    ssc_router_free(router);
    ssc_svc_reflection_free(refl);
    ssc_descriptors_free(desc);
    return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"check-config", no_argument, NULL, 'k'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0}};
    const char *config_path = NULL;
    int check_only = 0;
    ssc_config cfg;
    char err[512];
    int c, rc;

    while ((c = getopt_long(argc, argv, "c:hV", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            config_path = optarg;
            break;
        case 'k':
            check_only = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("sscd %s\n", SSC_VERSION);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc || config_path == NULL) {
        usage(stderr);
        return 2;
    }
    ssc_config_defaults(&cfg);
    if (ssc_config_load(config_path, &cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "sscd: %s\n", err);
        ssc_config_free(&cfg);
        return 2;
    }
    ssc_log_level = cfg.log_level;
    if (check_only) {
        printf("%s: ok\n", config_path);
        rc = 0;
    } else {
        rc = serve(&cfg);
    }
    ssc_config_free(&cfg);
    return rc;
}
