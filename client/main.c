/*
 * main.c - ssc: global options, settings and subcommand dispatch.
 *
 * Global options may come before or after the subcommand (`ssc health --json`
 * and `ssc --json health` mean the same); everything else is handed to the
 * subcommand, which parses its own options. A command may claim a global
 * option's name for itself after its words (cli_cmd.local_options). A noun's
 * verb is found here, so `ssc org`, `ssc org frob` and `ssc help org add`
 * need nothing from the noun's file. Adding a subcommand takes one line in
 * the table below and one cmd_*.c file.
 *
 * Entry points: main(); for subcommands: cli_client(), cli_fail(),
 * cli_usage(), cli_error(), cli_print_cmd_help().
 */
#include "cli.h"
#include "exit.h"
#include "verb.h"

#include "err.h"
#include "mem.h"
#include "status.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef SSC_VERSION
#define SSC_VERSION "0"
#endif

static const cli_cmd *const commands[] = {
    &cli_cmd_health,       &cli_cmd_org,        &cli_cmd_sector,
    &cli_cmd_principal,    &cli_cmd_demand,     &cli_cmd_interest,
    &cli_cmd_match,        &cli_cmd_collab,     &cli_cmd_agreement,
    &cli_cmd_secondment,   &cli_cmd_pool,       &cli_cmd_application,
    &cli_cmd_review,       &cli_cmd_tiers,      &cli_cmd_allocation,
    &cli_cmd_disbursement, &cli_cmd_payroll,    &cli_cmd_audit,
    &cli_verb_radar.cmd,   &cli_verb_watch.cmd,
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void print_help(FILE *f)
{
    fprintf(f, "usage: ssc [OPTIONS] COMMAND [ARGS]\n\n"
               "The command-line client of sscd, the Strategic Sector "
               "Cooperation service.\n\nCommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++) {
        const cli_cmd *c = commands[i];
        char head[64];

        if (cli_verb_of(c) != NULL) {
            /* A verb without a noun: its options are in its own help. */
            fprintf(f, "  %-28s %s\n", c->name, c->summary);
            continue;
        }
        if (c->verbs == NULL) {
            snprintf(head, sizeof(head), "%s %s", c->name, c->args);
            fprintf(f, "  %-28s %s\n", head, c->summary);
            continue;
        }
        for (const cli_cmd *const *v = c->verbs; *v != NULL; v++)
            fprintf(f, "  %-28s %s\n", (*v)->name, (*v)->summary);
    }
    fprintf(f, "  %-28s %s\n", "help [COMMAND [VERB]]",
            "show this help, or a command's");
    fprintf(
        f,
        "\nOptions (before or after the command):\n"
        "  --endpoint HOST:PORT  the server (default " CLI_DEFAULT_ENDPOINT
        ")\n"
        "  --ca FILE             CA certificate that verifies the server\n"
        "  --cert FILE           client certificate (PEM)\n"
        "  --key FILE            the certificate's private key (PEM)\n"
        "  --timeout SECONDS     deadline of each call; 0 for none "
        "(default 10)\n"
        "  --config FILE         settings file (default "
        "$XDG_CONFIG_HOME/ssc/ssc.ini,\n"
        "                        else ~/.config/ssc/ssc.ini, when it exists)\n"
        "  --json                print results as JSON\n"
        "  --verbose             say more on stderr (idempotency keys, "
        "retries)\n"
        "  -h, --help            show this help\n"
        "  --version             show the version\n\n"
        "Each setting is taken from its flag, else the environment "
        "(SSC_ENDPOINT,\nSSC_CA, SSC_CERT, SSC_KEY, SSC_TIMEOUT, SSC_CONFIG), "
        "else the config file's\n[client] section (endpoint=, ca=, cert=, "
        "key=, timeout=; relative paths\nthere are relative to the file), "
        "else the default.\n\n"
        "Exit status:\n");
    cli_exit_print_help(f);
}

/* Writes "ssc NAME ARGS" after lead, wrapping ARGS at the spaces between
 * bracketed groups (a required option and its value being one) so that no
 * line passes 79 columns; continuation lines are indented by indent. */
static void print_synopsis(FILE *f, const char *lead, const cli_cmd *cmd,
                           int indent)
{
    int col = fprintf(f, "%sssc %s", lead, cmd->name);
    const cli_verb *v = cli_verb_of(cmd);
    char args[512];
    const char *p = cmd->args;

    if (v != NULL) {
        cli_verb_synopsis(v, args, sizeof(args));
        p = args;
    }
    while (*p != '\0') {
        /* The next word: up to a space outside brackets and parentheses. */
        int depth = 0;
        size_t n = 0;

        while (p[n] != '\0' && (p[n] != ' ' || depth > 0)) {
            depth +=
                (p[n] == '[' || p[n] == '(') - (p[n] == ']' || p[n] == ')');
            n++;
        }
        /* A required option keeps its value word: "--from DATE". */
        if (p[0] == '-' && p[n] == ' ' && p[n + 1] != '-' && p[n + 1] != '[') {
            n++;
            while (p[n] != '\0' && p[n] != ' ')
                n++;
        }
        if (col + 1 + (int)n > 79 && col > indent)
            col = fprintf(f, "\n%*s", indent, "") - 1;
        col += fprintf(f, " %.*s", (int)n, p);
        p += n;
        while (*p == ' ')
            p++;
    }
    fputc('\n', f);
}

void cli_print_cmd_help(const cli_cmd *cmd, FILE *f)
{
    print_synopsis(f, "usage: ", cmd, 8);
    if (cli_verb_of(cmd) != NULL) {
        fputc('\n', f);
        cli_verb_help(cli_verb_of(cmd), f);
        return;
    }
    fprintf(f, "\n%s", cmd->help);
    if (cmd->verbs == NULL)
        return;
    fprintf(f, "\nVerbs:\n");
    for (const cli_cmd *const *v = cmd->verbs; *v != NULL; v++) {
        print_synopsis(f, "  ", *v, 6);
        fprintf(f, "      %s\n", (*v)->summary);
    }
    fprintf(f, "\n'ssc help %s VERB' shows a verb's options.\n", cmd->name);
}

static const cli_cmd *find_command(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++) {
        if (strcmp(commands[i]->name, name) == 0)
            return commands[i];
    }
    return NULL;
}

/* A verb's own word: "add" for "org add". */
static const char *verb_word(const cli_cmd *noun, const cli_cmd *verb)
{
    return verb->name + strlen(noun->name) + 1;
}

static const cli_cmd *find_verb(const cli_cmd *noun, const char *word)
{
    for (const cli_cmd *const *v = noun->verbs; *v != NULL; v++) {
        if (strcmp(verb_word(noun, *v), word) == 0)
            return *v;
    }
    return NULL;
}

/* "add, show, list or update": the verbs of noun, for messages. */
static void verb_list(const cli_cmd *noun, char *out, size_t outlen)
{
    size_t n = 0;
    size_t len = 0;

    while (noun->verbs[n] != NULL)
        n++;
    out[0] = '\0';
    for (size_t i = 0; i < n && len < outlen; i++) {
        const char *sep = i == 0 ? "" : i + 1 == n ? " or " : ", ";
        int w = snprintf(out + len, outlen - len, "%s%s", sep,
                         verb_word(noun, noun->verbs[i]));

        if (w < 0)
            break;
        len += (size_t)w;
    }
}

/* ---- helpers for subcommands -------------------------------------------- */

static void vreport(const cli_cmd *cmd, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void vreport(const cli_cmd *cmd, const char *fmt, va_list ap)
{
    fprintf(stderr, "ssc: ");
    if (cmd != NULL)
        fprintf(stderr, "%s: ", cmd->name);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

int cli_error(const cli_cmd *cmd, int status, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport(cmd, fmt, ap);
    va_end(ap);
    return status;
}

int cli_usage(const cli_cmd *cmd, const char *fmt, ...)
{
    va_list ap;

    /* One line, hint included: a failure is always exactly one line. */
    fprintf(stderr, "ssc: ");
    if (cmd != NULL)
        fprintf(stderr, "%s: ", cmd->name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (try 'ssc help%s%s')\n", cmd ? " " : "",
            cmd ? cmd->name : "");
    return CLI_EXIT_USAGE;
}

int cli_fail(const cli_cmd *cmd, const ssc_client_result *res)
{
    const char *msg = res->message ? res->message : "";

    /* One line, whatever the server put in its message. */
    fprintf(stderr, "ssc: %s: %s%s", cmd->name, ssc_status_name(res->code),
            msg[0] ? ": " : "");
    for (const char *p = msg; *p; p++)
        fputc(*p == '\n' || *p == '\r' ? ' ' : *p, stderr);
    fputc('\n', stderr);
    return cli_exit_for_status(res->code);
}

int cli_client(cli_ctx *ctx, const cli_cmd *cmd, ssc_client **out)
{
    const cli_settings *s = &ctx->settings;
    ssc_client_opts opts;
    char err[512];

    if (ctx->client != NULL) {
        *out = ctx->client;
        return 0;
    }
    if (s->ca == NULL)
        return cli_error(cmd, CLI_EXIT_USAGE,
                         "no CA certificate configured: use --ca FILE, "
                         "SSC_CA or ca= in the config file");
    memset(&opts, 0, sizeof(opts));
    opts.endpoint = s->endpoint;
    opts.ca_file = s->ca;
    opts.cert_file = s->cert;
    opts.key_file = s->key;
    opts.timeout_ms = s->timeout_ms;
    opts.user_agent = "ssc/" SSC_VERSION;
    if (ssc_client_new(&ctx->loop, &opts, &ctx->client, err, sizeof(err)) != 0)
        return cli_error(cmd, CLI_EXIT_USAGE, "%s", err);
    *out = ctx->client;
    return 0;
}

/* ---- global options ----------------------------------------------------- */

typedef struct global_args {
    cli_flags flags;
    int json;
    int verbose;
    int help;
    int version;
    int argc;    /* what is left for the command: argv[0] is its name */
    char **argv; /* NULL-terminated */
} global_args;

/* Recognises a global option taking a value, as "--name VALUE" or
 * "--name=VALUE". Returns 1 when argv[*i] is one (advancing *i past its
 * value), 0 when not, -1 when the value is missing. */
static int value_option(char **argv, int argc, int *i, const char *name,
                        const char **dst)
{
    const char *a = argv[*i];
    size_t n = strlen(name);

    if (strncmp(a, name, n) != 0)
        return 0;
    if (a[n] == '=') {
        *dst = a + n + 1;
        return 1;
    }
    if (a[n] != '\0')
        return 0;
    if (*i + 1 >= argc)
        return -1;
    *dst = argv[++*i];
    return 1;
}

static int global_option(global_args *g, char **argv, int argc, int *i)
{
    static const char *const names[] = {"--endpoint", "--ca",      "--cert",
                                        "--key",      "--timeout", "--config"};
    const char **dsts[] = {&g->flags.endpoint, &g->flags.ca,
                           &g->flags.cert,     &g->flags.key,
                           &g->flags.timeout,  &g->flags.config};
    const char *a = argv[*i];

    if (strcmp(a, "--json") == 0)
        return g->json = 1;
    if (strcmp(a, "--verbose") == 0)
        return g->verbose = 1;
    if (strcmp(a, "--version") == 0)
        return g->version = 1;
    for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
        int r = value_option(argv, argc, i, names[k], dsts[k]);

        if (r != 0)
            return r;
    }
    return 0;
}

/* The command or verb that the command words seen so far name, or NULL. */
static const cli_cmd *current_cmd(const global_args *g)
{
    const cli_cmd *cmd;
    const cli_cmd *verb;

    if (g->argc == 0)
        return NULL;
    cmd = find_command(g->argv[0]);
    if (cmd == NULL || cmd->verbs == NULL || g->argc < 2)
        return cmd;
    verb = find_verb(cmd, g->argv[1]);
    return verb != NULL ? verb : cmd;
}

/* Whether option a ("--cert" or "--cert=F") is one cmd keeps for itself. */
static int is_local_option(const cli_cmd *cmd, const char *a)
{
    if (cmd == NULL || cmd->local_options == NULL)
        return 0;
    for (const char *const *o = cmd->local_options; *o != NULL; o++) {
        size_t n = strlen(*o);

        if (strncmp(a, *o, n) == 0 && (a[n] == '\0' || a[n] == '='))
            return 1;
    }
    return 0;
}

/* Splits argv into global options and the command's arguments. Returns 0 or
 * CLI_EXIT_USAGE after saying why. */
static int parse_globals(int argc, char **argv, global_args *g)
{
    int rest_only = 0;

    g->argv = ssc_xcalloc((size_t)argc + 1, sizeof(char *));
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int r = 0;

        if (!rest_only && strcmp(a, "--") == 0) {
            /* The command sees "--" too, unless there is no command yet. */
            rest_only = 1;
            if (g->argc > 0)
                g->argv[g->argc++] = argv[i];
            continue;
        }
        if (!rest_only && a[0] == '-' && is_local_option(current_cmd(g), a)) {
            /* The command's own option, with its value when separate. */
            g->argv[g->argc++] = argv[i];
            if (strchr(a, '=') == NULL && i + 1 < argc)
                g->argv[g->argc++] = argv[++i];
            continue;
        }
        if (!rest_only && a[0] == '-')
            r = global_option(g, argv, argc, &i);
        if (r < 0)
            return cli_usage(NULL, "option %s needs a value", a);
        if (r > 0)
            continue;
        if (!rest_only && g->argc == 0 &&
            (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)) {
            g->help = 1;
            continue;
        }
        g->argv[g->argc++] = argv[i];
    }
    return 0;
}

/* "ssc help [COMMAND [VERB]]". */
static int run_help(int argc, char **argv)
{
    const cli_cmd *cmd;

    if (argc < 2) {
        print_help(stdout);
        return CLI_EXIT_OK;
    }
    cmd = find_command(argv[1]);
    if (cmd == NULL)
        return cli_usage(NULL, "unknown command \"%s\"", argv[1]);
    if (argc > 2 && cmd->verbs != NULL) {
        const cli_cmd *verb = find_verb(cmd, argv[2]);

        if (verb == NULL)
            return cli_usage(cmd, "unknown verb \"%s\"", argv[2]);
        cmd = verb;
    }
    cli_print_cmd_help(cmd, stdout);
    return CLI_EXIT_OK;
}

/* Finds the verb of a noun in argv[1]. Returns 0 with *out set (NULL when
 * help was asked for and printed), or CLI_EXIT_USAGE after saying why. */
static int pick_verb(const cli_cmd *noun, int argc, char **argv,
                     const cli_cmd **out)
{
    char verbs[128];

    *out = NULL;
    verb_list(noun, verbs, sizeof(verbs));
    if (argc < 2)
        return cli_usage(noun, "missing verb: %s", verbs);
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        cli_print_cmd_help(noun, stdout);
        return CLI_EXIT_OK;
    }
    *out = find_verb(noun, argv[1]);
    if (*out == NULL)
        return cli_usage(noun, "unknown verb \"%s\": use %s", argv[1], verbs);
    return CLI_EXIT_OK;
}

static int dispatch(global_args *g)
{
    const cli_cmd *cmd;
    cli_ctx ctx;
    char err[512];
    char **argv;
    int argc;
    int status;

    if (g->version) {
        printf("ssc %s\n", SSC_VERSION);
        return CLI_EXIT_OK;
    }
    if (g->help) {
        print_help(stdout);
        return CLI_EXIT_OK;
    }
    if (g->argc == 0) {
        fprintf(stderr, "ssc: missing command: usage: ssc [OPTIONS] COMMAND "
                        "[ARGS] (try 'ssc --help')\n");
        return CLI_EXIT_USAGE;
    }
    if (strcmp(g->argv[0], "help") == 0)
        return run_help(g->argc, g->argv);
    if (g->argv[0][0] == '-')
        return cli_usage(NULL, "unknown option \"%s\"", g->argv[0]);
    cmd = find_command(g->argv[0]);
    if (cmd == NULL)
        return cli_usage(NULL, "unknown command \"%s\"", g->argv[0]);
    argc = g->argc;
    argv = g->argv;
    if (cmd->verbs != NULL) {
        const cli_cmd *noun = cmd;

        status = pick_verb(noun, argc, argv, &cmd);
        if (cmd == NULL)
            return status;
        argc--;
        argv++;
    }
    memset(&ctx, 0, sizeof(ctx));
    if (cli_settings_load(&ctx.settings, &g->flags, err, sizeof(err)) != 0)
        return cli_error(NULL, CLI_EXIT_USAGE, "%s", err);
    ctx.json = g->json;
    ctx.verbose = g->verbose;
    uv_loop_init(&ctx.loop);
    status = cmd->run(&ctx, cmd, argc, argv);
    if (ctx.client != NULL)
        ssc_client_free(ctx.client);
    uv_run(&ctx.loop, UV_RUN_DEFAULT);
    uv_loop_close(&ctx.loop);
    cli_settings_free(&ctx.settings);
    return status;
}

int main(int argc, char **argv)
{
    global_args g;
    int status;

    /* A server that goes away mid-write must give EPIPE, not kill us. */
    signal(SIGPIPE, SIG_IGN);
    memset(&g, 0, sizeof(g));
    status = parse_globals(argc, argv, &g);
    if (status == 0)
        status = dispatch(&g);
    free(g.argv);
    if (fflush(stdout) != 0 && status == CLI_EXIT_OK)
        status =
            cli_error(NULL, CLI_EXIT_INTERNAL, "could not write the output");
    return status;
}
