/*
 * verb.h - an ssc verb is a table, not a function.
 *
 * A verb names the method it calls, the request and response messages, its
 * flags and positional arguments (each filling one request field), the view
 * of the answer, and whether it reads, writes or lists. One generic path
 * (verb.c) parses the command line against the table, builds the request
 * from the field types in the descriptor (strings as given, integers with a
 * lower bound, enums by their ssc word, bools as bare flags, repeated fields
 * from repeated flags), calls the server and prints the answer as a table,
 * as --json, or page by page. `ssc help VERB` is written from the same
 * table.
 *
 * Nested messages: a field may be a path, "monthly_compensation.currency",
 * the messages on the way made when the flag is given. A message field
 * (most often a repeated one: sectors, a list of SectorShare) takes
 * KEY=VALUE, split at the last '=': KEY fills the message's first field
 * (code), VALUE its second (percentage) or, when the second is a message
 * itself (a Money), that one's first field (amount_minor); the flag's min
 * bounds the numbers. A CLI_F_MASK flag names the top field of its path in
 * update_mask, once; one without a field (its prepare hook fills the
 * request) counts as a change, and the hook names what it changed.
 *
 * Writes get --idempotency-key (a random key by default, and one retry of a
 * call that ends UNAVAILABLE or DEADLINE_EXCEEDED); lists get --page-size,
 * --page-token and --all. A verb that must do something special (read a
 * certificate, judge an answer) adds a prepare or answer hook of its own.
 *
 * Entry points: cli_verb_run(), cli_verb_synopsis(), cli_verb_help(),
 * CLI_VERB().
 */
#ifndef CLI_VERB_H
#define CLI_VERB_H

#include "cli.h"
#include "output.h"

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Flag bits. */
#define CLI_F_REQUIRED 1u /* the flag must be given */
#define CLI_F_MASK                                                             \
    2u /* given, it names its field in update_mask (or,                        \
          without a field, prepare names what it set) */

/* One flag or positional argument and the request field it fills. */
typedef struct cli_flag {
    const char *name;  /* "--name"; for a positional, its word ("ID") */
    const char *field; /* the request field ("a.b": field b of message a);
                          NULL: a prepare hook reads it */
    const char *arg;   /* the value's word in the synopsis ("N"); NULL for
                          a bool flag, which takes no value */
    const char *help;  /* lines for `ssc help`, '\n' between them */
    unsigned flags;    /* CLI_F_* */
    int64_t min;       /* integers: the least value accepted */
} cli_flag;

/* CLI_STREAM: a server stream, each message printed as one line as it
 * comes (--json: one object per line); --limit N stops after N. */
typedef enum cli_verb_kind {
    CLI_READ,
    CLI_WRITE,
    CLI_LIST,
    CLI_STREAM
} cli_verb_kind;

#define CLI_VERB_MAX_FLAGS 16

typedef struct cli_verb cli_verb;

/* What a prepare hook gets: the verb's flag texts as given (NULL when not,
 * and for bool and repeated flags), in the order of its flags, and room for
 * text the request points into and for an update_mask naming what the
 * hook set besides the table's fields (CLI_F_MASK without a field). */
typedef struct cli_given {
    const char *flag[CLI_VERB_MAX_FLAGS];
    const char *pos[CLI_VERB_MAX_FLAGS];
    char scratch[256];
    char *mask[CLI_VERB_MAX_FLAGS + 4];
} cli_given;

struct cli_verb {
    cli_cmd cmd;      /* name, summary; run = cli_verb_run; help from here */
    const char *path; /* "/ssc.v1.Organisations/Create" */
    const ProtobufCMessageDescriptor *request;
    const ProtobufCMessageDescriptor *response;
    cli_verb_kind kind;
    const char *intro;          /* what the verb does, for `ssc help` */
    const cli_flag *flags;      /* ended by a zeroed entry */
    const cli_flag *positional; /* ended by a zeroed entry; may be NULL */
    const cli_view *view;       /* how the answer (a list's items) shows */
    /* Fills what the table cannot (fields computed from several flags).
     * Returns 0 or an exit status after saying why. */
    int (*prepare)(const cli_cmd *self, cli_given *given,
                   ProtobufCMessage *req);
    /* Frees what prepare allocated into the request, once the verb is done
     * (whether prepare or the call failed or not; on a request as prepare
     * left it, or as the table alone made it when prepare did not run).
     * NULL when prepare allocates nothing. */
    void (*release)(ProtobufCMessage *req);
    /* Shows the answer instead of view. Returns the exit status. */
    int (*answer)(cli_ctx *ctx, const cli_cmd *self,
                  const ProtobufCMessage *resp);
    /* A list verb's other destination: when the flag named sink_flag (one
     * of flags, field NULL) is given, every page is fetched and its items
     * go to sink (call.h) with the flag's value, instead of view. */
    const char *sink_flag;
    int (*sink)(const cli_cmd *cmd, const char *dest,
                const ProtobufCMessage *const *items, size_t n);
    /* A flag (one of flags, field NULL) that makes the command another
     * verb: given, the rest of the command line is that verb's (`ssc radar
     * --watch` is Radar/Watch with Watch's flags). A bool flag is dropped
     * on the way; a flag with a value stays, a flag of the other verb too
     * (`ssc application versions ID --number N` is GetVersion's ID and
     * --number). */
    const char *switch_flag;
    const cli_verb *switch_to;
};

/* The head of a verb's table, the descriptors named by their protobuf-c
 * stems (expanded first, so V1(x) works):
 *   {CLI_VERB("org show", "show one organisation", SVC "Get", CLI_READ,
 *             V1(get_organisation_request), V1(organisation), &org_view),
 *    .intro = ...}
 * (the view may be NULL for a verb with an answer hook). */
#define CLI_VERB(name_, summary_, path_, kind_, req, resp, view_)              \
    .cmd = {.name = name_, .summary = summary_, .run = cli_verb_run},          \
    .path = path_, .request = CLI_DESC(req), .response = CLI_DESC(resp),       \
    .kind = kind_, .view = view_
#define CLI_DESC(stem) CLI_DESC_(stem)
#define CLI_DESC_(stem) &stem##__descriptor

/* A verb's flags or positionals, the closing entry added. */
#define CLI_FLAGS(...) ((const cli_flag[]){__VA_ARGS__, {NULL}})

/* A noun: its word, its summary, its help and its verbs (an array). */
#define CLI_NOUN(name_, summary_, help_, verbs_)                               \
    {                                                                          \
        .name = name_, .args = "VERB [ARGS]", .summary = summary_,             \
        .help = help_, .verbs = verbs_                                         \
    }

/* The run function of every table verb. */
int cli_verb_run(cli_ctx *ctx, const cli_cmd *self, int argc, char **argv);

/* The verb a command is, or NULL when it is not a table verb. */
const cli_verb *cli_verb_of(const cli_cmd *cmd);

/* Writes the verb's synopsis ("ID [--name N] ...") into buf. */
void cli_verb_synopsis(const cli_verb *v, char *buf, size_t n);

/* Writes the body of `ssc help VERB` to f. */
void cli_verb_help(const cli_verb *v, FILE *f);

#endif
