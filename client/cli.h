/*
 * cli.h - what every ssc subcommand gets from main.c.
 *
 * A subcommand is a cli_cmd in its own cmd_*.c file plus one line in main.c's
 * table. It parses its own arguments (argv[0] is its name), asks for the
 * client with cli_client() when it needs the server, and returns the exit
 * status. Failures are reported as exactly one line on stderr:
 * "ssc: COMMAND: reason".
 *
 * Entry points: cli_client(), cli_fail(), cli_usage(), cli_error().
 */
#ifndef CLI_H
#define CLI_H

#include "client.h"
#include "settings.h"

#include <uv.h>

typedef struct cli_ctx {
    cli_settings settings;
    int json; /* --json: machine-readable output on stdout */
    uv_loop_t loop;
    ssc_client *client; /* made by the first cli_client() */
} cli_ctx;

typedef struct cli_cmd {
    const char *name;
    const char *args;    /* "[SERVICE] [--watch]" */
    const char *summary; /* one line for `ssc --help` */
    const char *help;    /* the body of `ssc help NAME` */
    int (*run)(cli_ctx *ctx, int argc, char **argv);
} cli_cmd;

/* Connects ssc to the configured server (lazily: nothing is sent yet).
 * Returns 0 with *out set, or prints why not and returns CLI_EXIT_USAGE (the
 * settings cannot work: no CA, a file that cannot be read). */
int cli_client(cli_ctx *ctx, const cli_cmd *cmd, ssc_client **out);

/* Prints "ssc: COMMAND: STATUS: message" for a failed call and returns the
 * exit status for its class. */
int cli_fail(const cli_cmd *cmd, const ssc_client_result *res);

/* Prints "ssc: COMMAND: message" and a hint to `ssc help COMMAND`; returns
 * CLI_EXIT_USAGE. */
int cli_usage(const cli_cmd *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prints "ssc: COMMAND: message" and returns status. */
int cli_error(const cli_cmd *cmd, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes `ssc help NAME` for cmd to f. */
void cli_print_cmd_help(const cli_cmd *cmd, FILE *f);

extern const cli_cmd cli_cmd_health;

#endif
