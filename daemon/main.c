/*
 * main.c - sscd's command line: read the config, build the TLS context and the
 * method table, run the server; and the administrative subcommands.
 *
 *   sscd --config FILE                     serve
 *   sscd --config FILE --check-config
 *   sscd migrate --config FILE [--sql-dir DIR] [--target N]
 *   sscd add-admin --config FILE --cert PEM [--name NAME]
 *   sscd --help | --version
 */
#include "agreements.h"
#include "allocations.h"
#include "applications.h"
#include "audit.h"
#include "backend.h"
#include "changes.h"
#include "collaborations.h"
#include "config.h"
#include "descriptors.h"
#include "err.h"
#include "health.h"
#include "idem_sweep.h"
#include "log.h"
#include "matchmaking.h"
#include "migrate.h"
#include "organisations.h"
#include "payroll.h"
#include "pools.h"
#include "principals.h"
#include "radar.h"
#include "reflection.h"
#include "router.h"
#include "secondments.h"
#include "sectors.h"
#include "server.h"
#include "store.h"
#include "testing.h"
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
    if (rc == 0 && cfg->database_url != NULL)
        rc = ssc_store_register();
    if (rc == 0 && cfg->database_url != NULL)
        rc = ssc_idem_sweep_register();
    if (rc == 0 && cfg->database_url != NULL)
        rc = ssc_svc_organisations_register(r);
    if (rc == 0 && cfg->database_url != NULL)
        rc = ssc_svc_sectors_register(r);
    if (rc == 0 && cfg->database_url != NULL)
        rc = ssc_svc_principals_register(r);
    if (rc == 0 && cfg->database_url != NULL)
        rc = ssc_svc_audit_register(r);
    if (rc == 0 && cfg->database_url != NULL)
        rc = ssc_svc_matchmaking_register(r);
    if (rc == 0 && cfg->database_url != NULL)
        rc = ssc_svc_collaborations_register(r);
    if (rc == 0 && cfg->database_url != NULL)
        rc = ssc_svc_agreements_register(r);
    if (rc == 0 && cfg->database_url != NULL)
        rc = ssc_svc_secondments_register(r);
    if (rc == 0 && cfg->database_url != NULL)
        rc = ssc_svc_pools_register(r);
    if (rc == 0 && cfg->database_url != NULL)
        rc = ssc_svc_applications_register(r);
    if (rc == 0 && cfg->database_url != NULL)
        rc = ssc_svc_allocations_register(r);
    if (rc == 0 && cfg->database_url != NULL)
        rc = ssc_svc_payroll_register(r);
    if (rc == 0 && cfg->database_url != NULL)
        rc = ssc_svc_radar_register(r);
    if (rc == 0 && cfg->database_url != NULL)
        rc = ssc_svc_changes_register(r);
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

    if (cfg->database_url != NULL &&
        ssc_migrate_check(cfg->database_url, err, sizeof(err)) == 1) {
        SSC_LOG_ERROR("%s", err);
        return 1;
    }
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
        rc = ssc_server_run(cfg, router, ctx, ssc_backend_hooks());
    }
    ssc_router_free(router);
    ssc_svc_reflection_free(refl);
    ssc_descriptors_free(desc);
    return rc == 0 ? 0 : 1;
}

static const char *owner_url(const ssc_config *cfg)
{
    return cfg->database_owner_url != NULL ? cfg->database_owner_url
                                           : cfg->database_url;
}

/* sscd migrate / sscd add-admin: the options after the subcommand. */
static int admin_command(const char *cmd, int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"sql-dir", required_argument, NULL, 'd'},
        {"target", required_argument, NULL, 't'},
        {"cert", required_argument, NULL, 'C'},
        {"name", required_argument, NULL, 'n'},
        {NULL, 0, NULL, 0}};
    const char *config_path = NULL, *sql_dir = NULL, *cert = NULL;
    const char *name = NULL;
    long target = 0;
    char err[1024], *end;
    ssc_config cfg;
    int c, rc;

    while ((c = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            config_path = optarg;
            break;
        case 'd':
            sql_dir = optarg;
            break;
        case 't':
            target = strtol(optarg, &end, 10);
            if (*end != '\0' || target < 1) {
                fprintf(stderr, "sscd %s: --target must be a version number\n",
                        cmd);
                return 2;
            }
            break;
        case 'C':
            cert = optarg;
            break;
        case 'n':
            name = optarg;
            break;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (config_path == NULL || optind < argc ||
        (strcmp(cmd, "add-admin") == 0 && cert == NULL)) {
        usage(stderr);
        return 2;
    }
    ssc_config_defaults(&cfg);
    if (ssc_config_load(config_path, &cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "sscd: %s\n", err);
        ssc_config_free(&cfg);
        return 2;
    }
    if (cfg.database_url == NULL) {
        fprintf(stderr, "sscd %s: %s has no [database] url\n", cmd,
                config_path);
        ssc_config_free(&cfg);
        return 2;
    }
    if (strcmp(cmd, "migrate") == 0)
        rc = ssc_migrate_run(owner_url(&cfg), sql_dir, (int)target, stdout, err,
                             sizeof(err));
    else
        rc = ssc_add_admin(owner_url(&cfg), cert, name, stdout, err,
                           sizeof(err));
    if (rc != 0)
        fprintf(stderr, "sscd %s: %s\n", cmd, err);
    ssc_config_free(&cfg);
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

    if (argc > 1 &&
        (strcmp(argv[1], "migrate") == 0 || strcmp(argv[1], "add-admin") == 0))
        return admin_command(argv[1], argc - 1, argv + 1);
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
