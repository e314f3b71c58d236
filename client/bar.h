/*
 * bar.h - a funding pool's state as a bar on a terminal.
 *
 * `ssc pool show` on a terminal draws the pool's total as a bar of three
 * parts, in proportion: what is committed and already disbursed, what is
 * committed and not yet disbursed, and what is available; and under it a
 * legend with the amounts. The widths are computed exactly, in integer
 * arithmetic on the int64 figures (no overflow, no floating point): part
 * boundaries are the cumulative figures scaled to the bar and rounded to
 * the nearest cell (halves up), so the parts always fill the bar exactly,
 * a part of 0 is never drawn, and a part smaller than half a cell may not
 * be either (the legend still gives it).
 *
 * Entry points: cli_bar_widths(), cli_bar_print().
 */
#ifndef CLI_BAR_H
#define CLI_BAR_H

#include <stdint.h>
#include <stdio.h>

#define CLI_BAR_PARTS 3
#define CLI_BAR_MIN 10  /* cells */
#define CLI_BAR_MAX 200 /* cells */

/* A pool's figures, in minor units: 0 <= disbursed <= committed <= total. */
typedef struct cli_bar_figures {
    int64_t total;
    int64_t committed;
    int64_t disbursed;
} cli_bar_figures;

/* Splits a bar of width cells (CLI_BAR_MIN..CLI_BAR_MAX) into the widths
 * of its parts: out[0] committed and disbursed, out[1] committed and not
 * disbursed, out[2] available; they add up to width. A pool with a total
 * of 0 is all available. Returns 0, or -1 (out untouched) when the figures
 * break 0 <= disbursed <= committed <= total or width is out of range. */
int cli_bar_widths(const cli_bar_figures *fig, int width,
                   int out[CLI_BAR_PARTS]);

/* Writes the bar of width cells, in brackets, and its legend (the three
 * parts and the total, each amount as "DKK 25,000,000.00", aligned) to f.
 * utf8 picks the glyphs: block characters, else '#', '+' and '.'. Returns
 * 0, or -1 (nothing written) as cli_bar_widths() does. */
int cli_bar_print(FILE *f, const cli_bar_figures *fig, const char *currency,
                  int width, int utf8);

#endif
