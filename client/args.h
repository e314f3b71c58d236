/*
 * args.h - a subcommand's own options and arguments.
 *
 * Each verb describes its options in a small table and lets
 * cli_args_parse() fill in the values: "--name VALUE" and "--name=VALUE" for
 * options with a value, "--all" for flags, "--" ending options, -h/--help
 * printing the verb's help. The helpers below turn option text into request
 * fields and report bad text as a usage error naming the option.
 *
 * Entry points: cli_args_parse(), cli_args_exit(), cli_arg_int64(),
 * cli_arg_uint32(), cli_arg_enum(), cli_enum_text().
 */
#ifndef CLI_ARGS_H
#define CLI_ARGS_H

#include "cli.h"

#include <protobuf-c/protobuf-c.h>
#include <stdint.h>

/* One option: exactly one of value, flag and list is set. A repeated option
 * with a value keeps its last value. */
typedef struct cli_opt {
    const char *name;   /* "--name" */
    const char **value; /* an option with a value: its text (else NULL) */
    int *flag;          /* a flag: set to 1 when given */
    int required;       /* missing is a usage error */
    /* A repeatable option (value and flag NULL): each text is appended to
     * list, *nlist counting them, at most maxlist. */
    const char **list;
    int *nlist;
    int maxlist;
} cli_opt;

/* cli_args_parse() returned this after printing help: exit 0. */
#define CLI_ARGS_HELP (-1)

/* Parses argv[1..argc) for cmd against opts (terminated by a zeroed entry)
 * and exactly npos positional arguments into pos, named pos_names in
 * messages ("missing ID"). Returns 0 to go on; CLI_ARGS_HELP after printing
 * the help; or CLI_EXIT_USAGE after printing why. */
int cli_args_parse(const cli_cmd *cmd, int argc, char **argv,
                   const cli_opt *opts, const char **pos,
                   const char *const *pos_names, int npos);

/* The exit status for a non-zero cli_args_parse() result. */
int cli_args_exit(int rc);

/* Parses text (when not NULL) as a decimal integer of at least min into
 * *out; what names it in the message ("--parent", "ID"). Returns 0 (also
 * when text is NULL, leaving *out alone) or CLI_EXIT_USAGE after saying
 * why. */
int cli_arg_int64(const cli_cmd *cmd, const char *what, const char *text,
                  int64_t min, int64_t *out);

/* As cli_arg_int64() for a uint32 of at least min. */
int cli_arg_uint32(const cli_cmd *cmd, const char *what, const char *text,
                   uint32_t min, uint32_t *out);

/* Parses an enum value written the way ssc writes it (cli_enum_text():
 * "danish-authority" for ORGANISATION_KIND_DANISH_AUTHORITY; '_' works as
 * well as '-', any case) into *out. The UNSPECIFIED value is not accepted.
 * Returns 0 (also for NULL text) or CLI_EXIT_USAGE, listing the values. */
int cli_arg_enum(const cli_cmd *cmd, const char *what, const char *text,
                 const ProtobufCEnumDescriptor *desc, int *out);

/* Writes the ssc spelling of an enum value into out: lower case, without
 * the prefix all of the enum's value names share, '-' for '_'
 * ("ROLE_SECRETARIAT" -> "secretariat"). A value the descriptor does not
 * know is written as its number. */
void cli_enum_text(const ProtobufCEnumDescriptor *desc, int value, char *out,
                   size_t outlen);

#endif
