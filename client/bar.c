/*
 * bar.c - a pool's bar and its legend (bar.h).
 *
 * Entry points: cli_bar_widths(), cli_bar_print().
 */
#include "bar.h"

#include "money.h"

/* floor(a * k / t) for 0 <= a <= t, t > 0 and a small k, exactly: k
 * additions of a, taking t away whenever the sum reaches it. The running
 * remainder stays below t and a is at most t, so no sum passes 2 * t,
 * which fits in a uint64 for any int64 t. */
static int64_t scaled(int64_t a, int64_t t, int k)
{
    uint64_t r = 0;
    int64_t q = 0;

    for (int i = 0; i < k; i++) {
        r += (uint64_t)a;
        if (r >= (uint64_t)t) {
            r -= (uint64_t)t;
            q++;
        }
    }
    return q;
}

/* a * width / t rounded to the nearest cell, halves up:
 * floor((floor(2 * a * width / t) + 1) / 2). */
static int boundary(int64_t a, int64_t t, int width)
{
    return (int)((scaled(a, t, 2 * width) + 1) / 2);
}

int cli_bar_widths(const cli_bar_figures *fig, int width,
                   int out[CLI_BAR_PARTS])
{
    int b1, b2;

    if (width < CLI_BAR_MIN || width > CLI_BAR_MAX || fig->disbursed < 0 ||
        fig->disbursed > fig->committed || fig->committed > fig->total)
        return -1;
    if (fig->total == 0) {
        out[0] = out[1] = 0;
        out[2] = width;
        return 0;
    }
    b1 = boundary(fig->disbursed, fig->total, width);
    b2 = boundary(fig->committed, fig->total, width);
    out[0] = b1;
    out[1] = b2 - b1;
    out[2] = width - b2;
    return 0;
}

static const char *const glyphs_utf8[CLI_BAR_PARTS] = {"\u2588", "\u2593",
                                                       "\u2591"};
static const char *const glyphs_ascii[CLI_BAR_PARTS] = {"#", "+", "."};

static const char *const labels[CLI_BAR_PARTS + 1] = {
    "committed and disbursed", "committed, not disbursed", "available",
    "total"};

int cli_bar_print(FILE *f, const cli_bar_figures *fig, const char *currency,
                  int width, int utf8)
{
    const char *const *glyph = utf8 ? glyphs_utf8 : glyphs_ascii;
    int w[CLI_BAR_PARTS];
    int64_t amount[CLI_BAR_PARTS + 1];
    char text[CLI_BAR_PARTS + 1][CLI_MONEY_LEN];
    size_t widest = 0;

    if (cli_bar_widths(fig, width, w) != 0)
        return -1;
    amount[0] = fig->disbursed;
    amount[1] = fig->committed - fig->disbursed;
    amount[2] = fig->total - fig->committed;
    amount[3] = fig->total;
    for (int i = 0; i <= CLI_BAR_PARTS; i++) {
        size_t len =
            cli_money_format(amount[i], currency, 0, text[i], sizeof(text[i]));

        if (len > widest)
            widest = len;
    }
    fputc('[', f);
    for (int i = 0; i < CLI_BAR_PARTS; i++)
        for (int k = 0; k < w[i]; k++)
            fputs(glyph[i], f);
    fputs("]\n", f);
    for (int i = 0; i <= CLI_BAR_PARTS; i++)
        fprintf(f, "%s %-26s%*s\n", i < CLI_BAR_PARTS ? glyph[i] : " ",
                labels[i], (int)widest, text[i]);
    return 0;
}
