/*
 * budget_csv.h - an application's budget and co-financing lines from a CSV
 * file (`ssc application new|edit --budget FILE`), parsed with libcsv.
 *
 * The format (client/budget-csv.md has it with examples): RFC 4180 CSV,
 * comma-separated, fields quoted with '"' when they hold a comma, a quote
 * ("" inside) or a line break; LF or CRLF line ends; UTF-8 (a leading byte
 * order mark is skipped). The first line names the columns, in any order,
 * any case:
 *
 *   kind         budget or cofinancing (required)
 *   category     a budget line's: staff-compensation, secondment, travel,
 *                workshops, analyses, partner-activities, contingency
 *   year         a budget line's calendar year, four digits
 *   amount       major units with at most two decimals, '.' before them,
 *                no sign and no separators: 527044.00 (required)
 *   currency     ISO 4217; empty: the --currency given
 *   funder       a co-financing line's: digits are an organisation's id,
 *                anything else an external funder's name ("EU Interreg")
 *   description  a budget line's, optional
 *
 * Only kind and amount must be columns; a column that is not there reads as
 * empty. Lines that are empty or only commas are skipped. Every error names
 * the file, the line a row starts on and, for a cell, its column:
 *   budget.csv:4: column "amount": "12,5" is not an amount with at most two
 *   decimals
 * The client checks the format; the server checks the rules (year within
 * the period, one currency, at most 500 budget and 50 co-financing lines),
 * naming "budget line N", the N-th budget row of the file.
 *
 * Entry points: cli_budget_read(), cli_budget_parse(), cli_budget_free().
 */
#ifndef CLI_BUDGET_CSV_H
#define CLI_BUDGET_CSV_H

#include "ssc/v1/applications.pb-c.h"

#include <stddef.h>

#define CLI_BUDGET_MAX_BYTES (1024 * 1024) /* a file's hard cap */

/* The lines read, in file order within each kind; owned by the struct
 * (every line, its Money and its strings), freed by cli_budget_free(). */
typedef struct cli_budget {
    Ssc__V1__BudgetLine **budget;
    size_t n_budget;
    Ssc__V1__CoFinancingLine **cofinancing;
    size_t n_cofinancing;
} cli_budget;

/* Parses len bytes of CSV named name (for messages) into *out, a line
 * with an empty currency cell taking currency (NULL: such a line is an
 * error). Returns 0, or -1 with *out empty and the one-line reason in err
 * ("name:LINE: ...", truncated to errlen). */
int cli_budget_parse(const char *name, const char *data, size_t len,
                     const char *currency, cli_budget *out, char *err,
                     size_t errlen);

/* Reads the file at path (at most CLI_BUDGET_MAX_BYTES) and parses it as
 * cli_budget_parse() does. Returns 0 or -1 with the reason in err. */
int cli_budget_read(const char *path, const char *currency, cli_budget *out,
                    char *err, size_t errlen);

/* Frees the lines and empties *b (an empty one is fine). */
void cli_budget_free(cli_budget *b);

#endif
