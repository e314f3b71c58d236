/*
 * cmd_payroll.h - the hand-written verbs of `ssc payroll` (cmd_payroll.c
 * lists them with the table verbs).
 *
 * Entry points: cli_payroll_import_cmd, cli_payroll_report_cmd.
 */
#ifndef CLI_CMD_PAYROLL_H
#define CLI_CMD_PAYROLL_H

#include "cli.h"

extern const cli_cmd cli_payroll_import_cmd; /* cmd_payroll_import.c */
extern const cli_cmd cli_payroll_report_cmd; /* cmd_payroll_report.c */

#endif
