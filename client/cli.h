/*
 * cli.h - what every ssc subcommand gets from main.c.
 *
 * A subcommand is a cli_cmd in its own cmd_*.c file plus one line in main.c's
 * table. It is either a plain command with a run function (`ssc health`) or a
 * noun with verbs (`ssc org add`), each verb a cli_cmd of its own whose name
 * is "NOUN VERB". run parses its own arguments (argv[0] is the command's or
 * the verb's word), asks for the client with cli_client() when it needs the
 * server, and returns the exit status. Failures are reported as exactly one
 * line on stderr: "ssc: COMMAND: reason" (COMMAND being "org add" for a
 * verb).
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
    int json;    /* --json: machine-readable output on stdout */
    int verbose; /* --verbose: say more on stderr (keys, retries) */
    uv_loop_t loop;
    ssc_client *client; /* made by the first cli_client() */
} cli_ctx;

typedef struct cli_cmd cli_cmd;

struct cli_cmd {
    const char *name;    /* "health"; "org add" for a verb */
    const char *args;    /* "[SERVICE] [--watch]" */
    const char *summary; /* one line for `ssc --help` */
    const char *help;    /* the body of `ssc help NAME` */
    /* Runs the command; self is this cli_cmd (for messages). NULL for a
     * noun, which has verbs instead. */
    int (*run)(cli_ctx *ctx, const cli_cmd *self, int argc, char **argv);
    /* A noun's verbs, NULL-terminated; NULL for a plain command or a verb. */
    const cli_cmd *const *verbs;
    /* Options that, after the command's words, belong to the command although
     * ssc has a global option of the same name (`ssc principal add --cert
     * FILE` names the principal's certificate, not ssc's); NULL-terminated,
     * or NULL. Before the command's words they stay global. */
    const char *const *local_options;
};

/* Connects ssc to the configured server (lazily: nothing is sent yet).
 * Returns 0 with *out set, or prints why not and returns CLI_EXIT_USAGE (the
 * settings cannot work: no CA, a file that cannot be read). */
int cli_client(cli_ctx *ctx, const cli_cmd *cmd, ssc_client **out);

/* Prints "ssc: COMMAND: STATUS: message" for a failed call and returns the
 * exit status for its class. */
int cli_fail(const cli_cmd *cmd, const ssc_client_result *res);

/* Prints "ssc: COMMAND: message (try 'ssc help COMMAND')", one line;
 * returns CLI_EXIT_USAGE. */
int cli_usage(const cli_cmd *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prints "ssc: COMMAND: message" and returns status. */
int cli_error(const cli_cmd *cmd, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes `ssc help NAME` for cmd to f. */
void cli_print_cmd_help(const cli_cmd *cmd, FILE *f);

extern const cli_cmd cli_cmd_health;
extern const cli_cmd cli_cmd_org;
extern const cli_cmd cli_cmd_sector;
extern const cli_cmd cli_cmd_principal;
extern const cli_cmd cli_cmd_audit;
extern const cli_cmd cli_cmd_demand;
extern const cli_cmd cli_cmd_interest;
extern const cli_cmd cli_cmd_match;
extern const cli_cmd cli_cmd_collab;
extern const cli_cmd cli_cmd_agreement;
extern const cli_cmd cli_cmd_secondment;
extern const cli_cmd cli_cmd_pool;
extern const cli_cmd cli_cmd_application;
extern const cli_cmd cli_cmd_review;
extern const cli_cmd cli_cmd_tiers;
extern const cli_cmd cli_cmd_allocation;
extern const cli_cmd cli_cmd_disbursement;
extern const cli_cmd cli_cmd_payroll;
/* Table verbs that are commands of their own, without a noun (verb.h):
 * main.c lists &cli_verb_radar.cmd and &cli_verb_watch.cmd. */
struct cli_verb;
extern const struct cli_verb cli_verb_radar;
extern const struct cli_verb cli_verb_watch;

#endif
