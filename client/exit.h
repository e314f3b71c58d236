/*
 * exit.h - ssc's exit statuses: one per class of failure, so scripts can tell
 * "the server said no" from "the server could not be reached".
 *
 * CLI_EXIT_MAP is the single list: the enum, `ssc --help` and the mapping
 * from gRPC statuses all come from it.
 *
 * Entry points: cli_exit_for_status(), cli_exit_print_help().
 */
#ifndef CLI_EXIT_H
#define CLI_EXIT_H

#include <stdio.h>

#define CLI_EXIT_MAP(XX)                                                       \
    XX(OK, 0, "success")                                                       \
    XX(ANSWERED, 1,                                                            \
       "the server answered, but not as hoped (e.g. health NOT_SERVING)")      \
    XX(USAGE, 2, "usage or configuration error; nothing was sent")             \
    XX(UNREACHABLE, 3, "could not reach the server (UNAVAILABLE, TLS)")        \
    XX(DEADLINE, 4, "DEADLINE_EXCEEDED")                                       \
    XX(INVALID, 5, "INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE")      \
    XX(NOT_FOUND, 6, "NOT_FOUND")                                              \
    XX(CONFLICT, 7, "ALREADY_EXISTS, ABORTED")                                 \
    XX(DENIED, 8, "UNAUTHENTICATED, PERMISSION_DENIED")                        \
    XX(EXHAUSTED, 9, "RESOURCE_EXHAUSTED")                                     \
    XX(UNIMPLEMENTED, 10, "UNIMPLEMENTED")                                     \
    XX(INTERNAL, 11, "INTERNAL, UNKNOWN, DATA_LOSS and any other status")

typedef enum cli_exit {
#define XX(name, code, text) CLI_EXIT_##name = (code),
    CLI_EXIT_MAP(XX)
#undef XX
} cli_exit;

/* The exit status for a call that ended with gRPC status code. */
int cli_exit_for_status(int code);

/* Writes the exit status table, as `ssc --help` shows it. */
void cli_exit_print_help(FILE *f);

#endif
