/*
 * payroll_csv.h - the authorities' payroll lines from a CSV file, for the
 * Payroll/Import stream of `ssc payroll` (client/cmd_payroll.c), read as a
 * stream with libcsv in constant memory.
 *
 * The format (client/payroll-csv.md has it with examples): RFC 4180 CSV,
 * comma-separated, fields quoted with '"' when they hold a comma, a quote
 * ("" inside) or a line break; LF, CRLF or CR line ends; UTF-8 (a leading
 * byte order mark is skipped). The first line names the columns, in any order,
 * any case, all seven required:
 *
 *   organisation   an organisation's id or short name, 1-200 bytes, no
 *                  control characters
 *   employee       the employer's payroll reference, 1-64 bytes, no
 *                  whitespace or control characters
 *   month          YYYY-MM, 2000-01 to 2999-12
 *   hours          at most two decimals after a '.', 0 to 744 (31 x 24)
 *   amount         major units with at most two decimals, '.' before them,
 *                  no sign and no separators: 4250.00
 *   currency       ISO 4217, three letters
 *   collaboration  a collaboration's reference, 1-64 bytes, no control
 *                  characters
 *
 * What the reader finds is reported through a callback, one problem at a
 * time, in file order, each with a whole one-line message naming the file,
 * the line the record starts on and, for a cell, its column:
 *   payroll.csv:4: column "hours": "7,5" is not a number of hours with at
 *   most two decimals
 * A critical problem (the file cannot be read, is empty, or its header
 * lacks a column, names one twice or is not UTF-8) ends the reading; an
 * error skips its record; a warning (spaces trimmed, an unknown column
 * ignored, a currency upper-cased) keeps it. Amounts and hours are
 * integers throughout (minor units, hundredths).
 *
 * The file is read in 64 KiB chunks and no cell is kept past 1,024 bytes,
 * so memory stays flat however long the file is.
 *
 * Entry points: cli_payroll_open(), cli_payroll_open_mem(),
 * cli_payroll_next(), cli_payroll_bytes_read(), cli_payroll_size(),
 * cli_payroll_counts(), cli_payroll_close().
 */
#ifndef CLI_PAYROLL_CSV_H
#define CLI_PAYROLL_CSV_H

#include "ssc/v1/payroll.pb-c.h"

#include <stddef.h>
#include <stdint.h>

#define CLI_PAYROLL_CELL_MAX 1024  /* bytes of one cell; longer is an error */
#define CLI_PAYROLL_MAX_COLUMNS 64 /* in the header; more is critical */

typedef enum cli_payroll_class {
    CLI_PAYROLL_WARNING,  /* reported; the line is still yielded */
    CLI_PAYROLL_ERROR,    /* reported; the record is skipped */
    CLI_PAYROLL_CRITICAL, /* reported; nothing (more) is yielded */
} cli_payroll_class;

/* One problem, valid only during the callback that receives it. */
typedef struct cli_payroll_problem {
    cli_payroll_class cls;
    unsigned long line;  /* the record's first line, 0 for the file itself */
    const char *column;  /* NULL when not about one cell */
    const char *message; /* the whole one-line text "name:LINE: ..." */
} cli_payroll_problem;

typedef void (*cli_payroll_report)(void *arg, const cli_payroll_problem *p);

typedef struct cli_payroll_reader cli_payroll_reader;

/* Opens path ("-": standard input, named "stdin" in messages) and reads
 * its header, reporting each problem found to report (which may be NULL)
 * with arg. Returns the reader, or NULL after reporting a critical
 * problem. Messages name the file as path is written. */
cli_payroll_reader *cli_payroll_open(const char *path,
                                     cli_payroll_report report, void *arg);

/* The same over len bytes at data named name, for tests. data is not
 * copied and must outlive the reader. */
cli_payroll_reader *cli_payroll_open_mem(const char *name, const char *data,
                                         size_t len, cli_payroll_report report,
                                         void *arg);

/* Reads on to the next good line, reporting the problems of the records
 * on the way. Returns 1 with *line set (owned by the reader, its strings
 * too, valid until the next call or cli_payroll_close()), 0 at the end of
 * the file, or -1 once a critical problem (a read error) was reported;
 * after -1 every call returns -1. */
int cli_payroll_next(cli_payroll_reader *r, const Ssc__V1__PayrollLine **line);

/* Bytes read from the file so far, for progress. */
uint64_t cli_payroll_bytes_read(const cli_payroll_reader *r);

/* The file's size, 0 when unknown (a pipe). */
uint64_t cli_payroll_size(const cli_payroll_reader *r);

/* Warnings and errors reported so far (one error per skipped record) and
 * good lines yielded; any pointer may be NULL. */
void cli_payroll_counts(const cli_payroll_reader *r, unsigned long *warnings,
                        unsigned long *errors, unsigned long *lines);

/* Closes the file (not standard input) and frees the reader; NULL is
 * fine. */
void cli_payroll_close(cli_payroll_reader *r);

#endif
