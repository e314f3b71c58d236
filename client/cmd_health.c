/*
 * cmd_health.c - `ssc health [SERVICE] [--watch]` (grpc.health.v1.Health).
 *
 * Check is one unary call. Watch is a server stream that runs until the
 * server ends it or the user interrupts; an interrupt is not a failure, so
 * the exit status is then that of the last status seen.
 *
 * Entry points: cli_cmd_health.
 */
#include "cli.h"
#include "exit.h"

#include "grpc/health/v1/health.pb-c.h"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK_PATH "/grpc.health.v1.Health/Check"
#define WATCH_PATH "/grpc.health.v1.Health/Watch"
#define SERVING GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING

static const char *status_name(int status)
{
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(
        &grpc__health__v1__health_check_response__serving_status__descriptor,
        status);

    return v != NULL ? v->name : "UNKNOWN";
}

static void print_status(const cli_ctx *ctx, int status)
{
    const char *name = status_name(status);

    if (ctx->json) {
        json_t *o = json_pack("{s:s}", "status", name);
        char *text = json_dumps(o, JSON_COMPACT);

        puts(text);
        free(text);
        json_decref(o);
    } else {
        puts(name);
    }
    fflush(stdout);
}

static int check(cli_ctx *ctx, ssc_client *client, const char *service)
{
    Grpc__Health__V1__HealthCheckRequest req =
        GRPC__HEALTH__V1__HEALTH_CHECK_REQUEST__INIT;
    ProtobufCMessage *msg = NULL;
    ssc_client_result res;
    int status;

    req.service = (char *)service;
    ssc_client_result_init(&res);
    if (ssc_client_unary(client, CHECK_PATH, &req.base,
                         &grpc__health__v1__health_check_response__descriptor,
                         &msg, &res) != SSC_STATUS_OK) {
        status = cli_fail(&cli_cmd_health, &res);
    } else {
        int serving = ((Grpc__Health__V1__HealthCheckResponse *)msg)->status;

        print_status(ctx, serving);
        status = serving == SERVING ? CLI_EXIT_OK : CLI_EXIT_ANSWERED;
        protobuf_c_message_free_unpacked(msg, NULL);
    }
    ssc_client_result_free(&res);
    return status;
}

/* ---- --watch ------------------------------------------------------------ */

typedef struct watch {
    cli_ctx *ctx;
    ssc_client_call *call;
    uv_signal_t sigs[2];
    int closed; /* signal handles closed */
    int last;   /* last status printed; -1 before the first */
    int done;
    int interrupted;
    ssc_client_result res;
} watch;

static void watch_on_message(ssc_client_call *call, const uint8_t *msg,
                             size_t len)
{
    watch *w = ssc_client_call_data(call);
    Grpc__Health__V1__HealthCheckResponse *r =
        grpc__health__v1__health_check_response__unpack(NULL, len, msg);

    if (r == NULL)
        return; /* not worth ending a watch over; the next one may parse */
    w->last = r->status;
    print_status(w->ctx, r->status);
    grpc__health__v1__health_check_response__free_unpacked(r, NULL);
}

static void watch_on_close(ssc_client_call *call, ssc_client_result *res)
{
    watch *w = ssc_client_call_data(call);

    w->res = *res;
    ssc_client_result_init(res);
    w->done = 1;
}

static const ssc_client_call_cbs watch_cbs = {
    .on_message = watch_on_message,
    .on_close = watch_on_close,
};

static void watch_on_signal(uv_signal_t *sig, int signum)
{
    watch *w = sig->data;

    w->interrupted = 1;
    if (!w->done)
        ssc_client_call_cancel(w->call);
}

static void watch_on_signal_closed(uv_handle_t *h)
{
    watch *w = h->data;

    w->closed++;
}

/* Runs the loop until the call has ended, with SIGINT and SIGTERM ending it
 * gently. */
static void watch_run(watch *w, uv_loop_t *loop)
{
    static const int signums[2] = {SIGINT, SIGTERM};

    for (int i = 0; i < 2; i++) {
        uv_signal_init(loop, &w->sigs[i]);
        w->sigs[i].data = w;
        uv_signal_start(&w->sigs[i], watch_on_signal, signums[i]);
    }
    while (!w->done)
        uv_run(loop, UV_RUN_ONCE);
    for (int i = 0; i < 2; i++)
        uv_close((uv_handle_t *)&w->sigs[i], watch_on_signal_closed);
    /* The handles live in this frame: see them closed before returning. */
    while (w->closed < 2)
        uv_run(loop, UV_RUN_NOWAIT);
}

static int watch_health(cli_ctx *ctx, ssc_client *client, const char *service)
{
    Grpc__Health__V1__HealthCheckRequest req =
        GRPC__HEALTH__V1__HEALTH_CHECK_REQUEST__INIT;
    watch w;
    int status;

    memset(&w, 0, sizeof(w));
    w.ctx = ctx;
    w.last = -1;
    ssc_client_result_init(&w.res);
    req.service = (char *)service;
    /* A watch has no deadline: it is meant to run until stopped. */
    if (ssc_client_call_start(client, WATCH_PATH, NULL, 0, &watch_cbs, &w,
                              &w.call) != 0)
        return cli_error(&cli_cmd_health, CLI_EXIT_INTERNAL,
                         "could not start the call");
    ssc_client_call_send_msg(w.call, &req.base);
    ssc_client_call_half_close(w.call);
    watch_run(&w, &ctx->loop);
    if (w.interrupted || w.res.code == SSC_STATUS_OK)
        status = w.last == SERVING ? CLI_EXIT_OK : CLI_EXIT_ANSWERED;
    else
        status = cli_fail(&cli_cmd_health, &w.res);
    ssc_client_result_free(&w.res);
    return status;
}

/* ---- arguments ---------------------------------------------------------- */

static int run(cli_ctx *ctx, const cli_cmd *self, int argc, char **argv)
{
    const char *service = NULL;
    int watch_flag = 0;
    int options = 1;
    ssc_client *client;
    int rc;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];

        if (options && strcmp(a, "--") == 0) {
            options = 0;
        } else if (options && strcmp(a, "--watch") == 0) {
            watch_flag = 1;
        } else if (options &&
                   (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)) {
            cli_print_cmd_help(&cli_cmd_health, stdout);
            return CLI_EXIT_OK;
        } else if (options && a[0] == '-') {
            return cli_usage(&cli_cmd_health, "unknown option \"%s\"", a);
        } else if (service != NULL) {
            return cli_usage(&cli_cmd_health, "unexpected argument \"%s\"", a);
        } else {
            service = a;
        }
    }
    rc = cli_client(ctx, &cli_cmd_health, &client);
    if (rc != 0)
        return rc;
    if (service == NULL)
        service = "";
    return watch_flag ? watch_health(ctx, client, service)
                      : check(ctx, client, service);
}

const cli_cmd cli_cmd_health = {
    .name = "health",
    .args = "[SERVICE] [--watch]",
    .summary = "ask whether the server (or one SERVICE) is serving",
    .help =
        "Asks the server whether it is serving: the server as a whole, or\n"
        "SERVICE, a fully-qualified gRPC service name (ssc.v1.Organisations).\n"
        "Prints SERVING, NOT_SERVING or SERVICE_UNKNOWN; with --json,\n"
        "{\"status\":\"SERVING\"}. Exit status 0 when SERVING, 1 otherwise;\n"
        "a SERVICE the server does not know is NOT_FOUND (exit status 6).\n"
        "\n"
        "  --watch   keep asking: print the status now and again each time\n"
        "            it changes, until interrupted (Ctrl-C) or the server\n"
        "            ends the stream; --timeout does not apply\n",
    .run = run,
};
