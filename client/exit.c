/*
 * exit.c - gRPC status -> ssc exit status.
 *
 * Entry points: cli_exit_for_status(), cli_exit_print_help().
 */
#include "exit.h"

#include "status.h"

int cli_exit_for_status(int code)
{
    switch (code) {
    case SSC_STATUS_OK:
        return CLI_EXIT_OK;
    case SSC_STATUS_UNAVAILABLE:
        return CLI_EXIT_UNREACHABLE;
    case SSC_STATUS_DEADLINE_EXCEEDED:
        return CLI_EXIT_DEADLINE;
    case SSC_STATUS_INVALID_ARGUMENT:
    case SSC_STATUS_FAILED_PRECONDITION:
    case SSC_STATUS_OUT_OF_RANGE:
        return CLI_EXIT_INVALID;
    case SSC_STATUS_NOT_FOUND:
        return CLI_EXIT_NOT_FOUND;
    case SSC_STATUS_ALREADY_EXISTS:
    case SSC_STATUS_ABORTED:
        return CLI_EXIT_CONFLICT;
    case SSC_STATUS_UNAUTHENTICATED:
    case SSC_STATUS_PERMISSION_DENIED:
        return CLI_EXIT_DENIED;
    case SSC_STATUS_RESOURCE_EXHAUSTED:
        return CLI_EXIT_EXHAUSTED;
    case SSC_STATUS_UNIMPLEMENTED:
        return CLI_EXIT_UNIMPLEMENTED;
    default:
        return CLI_EXIT_INTERNAL;
    }
}

void cli_exit_print_help(FILE *f)
{
#define XX(name, code, text) fprintf(f, "  %2d  %s\n", code, text);
    CLI_EXIT_MAP(XX)
#undef XX
}
