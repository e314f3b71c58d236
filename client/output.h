/*
 * output.h - how ssc shows what the server answered: tables for people,
 * JSON for scripts.
 *
 * A command describes its table once (a cli_view: columns naming fields of
 * the response message) and hands messages over; the module reads the
 * fields through the protobuf-c descriptors, so a command never formats a
 * value itself.
 *
 * Tables: a header row, then one row per message; each column as wide as
 * its widest cell (in terminal columns: CJK characters count two), two
 * spaces between columns, numbers right-aligned, no trailing blanks. A
 * column naming a Money field shows its amount in major units with two
 * decimals ("25,000,000.00"), right-aligned (its currency, a column of its
 * own, is "amount.currency"). Empty
 * text and zero ids show as "-" so that no cell is blank for awk; control
 * characters in values show as '?', so server data cannot drive the
 * terminal. The header is bold only on a terminal (and never with NO_COLOR
 * or TERM=dumb).
 *
 * JSON: field names as in the .proto, int64 as numbers, enums as ssc writes
 * them ("danish-authority"), bytes as lower-case hex, every field present.
 * One document per command: compact when piped, indented on a terminal;
 * a stream's messages one compact object per line.
 *
 * Entry points: cli_print_msg(), cli_print_msgs(), cli_print_line(),
 * cli_print_json(),
 * cli_json_from_msg(), cli_table_new(), cli_table_add(), cli_table_print(),
 * cli_table_free(), cli_stdout_tty(), cli_bold_ok().
 */
#ifndef CLI_OUTPUT_H
#define CLI_OUTPUT_H

#include "cli.h"

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A table column showing one field of the message. */
typedef struct cli_column {
    const char *header; /* "ID" */
    const char *field;  /* "id", as named in the .proto; a path
                           ("in_force.effective_to") reads a nested
                           message's field, "-" while it is unset */
} cli_column;

/* Builds the JSON for one message (a new reference); NULL in a view means
 * cli_json_from_msg(). */
typedef json_t *(*cli_json_fn)(const ProtobufCMessage *msg);

typedef struct cli_view {
    const ProtobufCMessageDescriptor *desc; /* the message shown */
    const cli_column *columns;              /* ended by a zeroed entry */
    const char *list_key; /* "organisations": the JSON array's name */
    cli_json_fn to_json;
} cli_view;

/* Prints one message: a table of one row, or its JSON object. */
void cli_print_msg(const cli_ctx *ctx, const cli_view *view,
                   const ProtobufCMessage *msg);

/* Prints n messages: a table, or {"LIST_KEY": [...], "next_page_token": T}
 * (T "" when there is no more). */
void cli_print_msgs(const cli_ctx *ctx, const cli_view *view,
                    const ProtobufCMessage *const *msgs, size_t n,
                    const char *next_page_token);

/* Prints one message of a stream as one line, flushed: the cells two
 * spaces apart (unaligned; the header line first when first is non-zero),
 * or with --json its JSON object, compact, one per line (JSON Lines). */
void cli_print_line(const cli_ctx *ctx, const cli_view *view,
                    const ProtobufCMessage *msg, int first);

/* Writes j to stdout as one document and a newline; takes the reference. */
void cli_print_json(json_t *j);

/* The JSON object for msg as described above (a new reference). */
json_t *cli_json_from_msg(const ProtobufCMessage *msg);

/* ---- the table itself --------------------------------------------------- */

typedef struct cli_table cli_table;

/* A table with ncols columns and these headers (copied); right[i] non-zero
 * right-aligns column i (right may be NULL). */
cli_table *cli_table_new(size_t ncols, const char *const *headers,
                         const int *right);

/* Adds a row of ncols cells (copied; NULL shows as "-"). */
void cli_table_add(cli_table *t, const char *const *cells);

void cli_table_print(const cli_table *t, FILE *f, int bold_header);

void cli_table_free(cli_table *t);

/* ---- helpers ------------------------------------------------------------ */

/* Non-zero when stdout is a terminal. */
int cli_stdout_tty(void);

/* Non-zero when a table's header may be bold: stdout is a terminal, and
 * neither NO_COLOR nor TERM=dumb says otherwise. */
int cli_bold_ok(void);

#endif
