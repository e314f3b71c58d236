/*
 * progress.h - the progress line of a long command on a terminal
 * (`ssc payroll import`): lines done, percent, a bar, lines per second and
 * the time left, redrawn in place on stderr.
 *
 *   lines 412,000   41%  [########............]  98,500 lines/s  0:06 left
 *
 * Percent and time left come from the bytes read of the file's size (a
 * pipe's size is unknown: then lines and rate only). Integer arithmetic
 * only. The line is written only when stderr is a terminal; the caller
 * decides that (cli_progress_new()'s on flag) and the module never writes
 * otherwise.
 *
 * Entry points: cli_progress_format(), cli_progress_new(),
 * cli_progress_update(), cli_progress_done().
 */
#ifndef CLI_PROGRESS_H
#define CLI_PROGRESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CLI_PROGRESS_BAR 20 /* cells */

/* Writes the progress text (no line end) for lines done, bytes of size
 * read (size 0: unknown) after elapsed_ms, into buf of n bytes. */
void cli_progress_format(char *buf, size_t n, uint64_t lines, uint64_t bytes,
                         uint64_t size, uint64_t elapsed_ms);

typedef struct cli_progress {
    FILE *f;
    int on;
    uint64_t start_ms;
    uint64_t last_ms;
    size_t last_len;
} cli_progress;

/* Starts a progress line on f, drawn only when on is non-zero; now_ms is a
 * monotonic clock in ms. */
void cli_progress_new(cli_progress *p, FILE *f, int on, uint64_t now_ms);

/* Redraws the line, at most every 100 ms (force: now). */
void cli_progress_update(cli_progress *p, uint64_t lines, uint64_t bytes,
                         uint64_t size, uint64_t now_ms, int force);

/* Clears the line, so what follows starts on a clean one. */
void cli_progress_done(cli_progress *p);

#endif
