/*
 * payroll_csv.c - payroll lines from CSV as a stream (payroll_csv.h).
 *
 * The file is read in 64 KiB chunks, and each chunk is fed to libcsv one
 * physical line at a time, as budget_csv.c does, so that every record is
 * named by the line it starts on: the first line with anything but blanks
 * and line ends after the record before it ended (a quoted field may carry
 * it over further lines). A line ends in LF, CRLF or a CR alone, as
 * libcsv's rows do, so no two records share a line number (the server
 * refuses a batch where two do). libcsv's callbacks copy the cells of the
 * records it completes into a queue (one arena of bytes, one array of cells,
 * one of records), which cli_payroll_next() checks and yields one record at a
 * time. The next chunk is read only when the queue is empty, and then the
 * queue is reused from its start, keeping only the record still open: it
 * holds at most one chunk's records, so its arrays stop growing after the
 * first chunks and nothing is allocated per line.
 *
 * Records are checked when they are yielded, not when libcsv completes
 * them, so that problems reach the caller in file order, between the lines.
 *
 * Two things libcsv would do are undone. It trims blanks around unquoted
 * cells; the reader gives it a space function that says no, so that it
 * sees the blanks and can warn about them (and a quoted field with blanks
 * outside its quotes is then a quote in the wrong place, as RFC 4180 has
 * it). And it keeps a cell whole however long it grows; after each piece
 * fed (at most one chunk) the reader cuts the cell libcsv is building back
 * to just past CLI_PAYROLL_CELL_MAX bytes through entry_pos, a public
 * member of struct csv_parser. That keeps libcsv's buffer within a chunk
 * and a cell, and the cell still ends too long, which is its error.
 *
 * Entry points: cli_payroll_open(), cli_payroll_open_mem(),
 * cli_payroll_next(), cli_payroll_bytes_read(), cli_payroll_size(),
 * cli_payroll_counts(), cli_payroll_close().
 */
#include "payroll_csv.h"

#include "mem.h"
#include "money.h"

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK (64 * 1024)
#define CELL_MAX CLI_PAYROLL_CELL_MAX
#define MAX_COLUMNS CLI_PAYROLL_MAX_COLUMNS
#define ORG_MAX 200    /* bytes of an organisation */
#define REF_MAX 64     /* bytes of an employee or collaboration reference */
#define HOURS_MAX 744  /* 31 days of 24 hours */
#define EXCERPT_LEN 48 /* a cell as messages quote it, with its NUL */

enum col {
    ORGANISATION,
    EMPLOYEE,
    MONTH,
    HOURS,
    AMOUNT,
    CURRENCY,
    COLLABORATION,
    NCOLS
};

static const char *const col_names[NCOLS] = {
    "organisation", "employee", "month",        "hours",
    "amount",       "currency", "collaboration"};

#define COLUMNS                                                                \
    "organisation,employee,month,hours,amount,currency,collaboration"
#define BAD_QUOTE                                                              \
    "a quote in the wrong place (quote a field whole, and write a quote "      \
    "inside it twice: \"\")"

/* Why libcsv could not complete a record. */
#define REC_BAD_QUOTE 1u /* a quote in the wrong place (CSV_EPARSE) */
#define REC_UNCLOSED 2u  /* the file ended inside a quoted field */

typedef struct cell {
    size_t off; /* its bytes in the arena, NUL-terminated */
    size_t len; /* CELL_MAX + 1: longer, and nothing kept */
} cell;

typedef struct rec {
    unsigned long line;     /* the line it starts on */
    unsigned long bad_line; /* the line libcsv stopped on (REC_BAD_QUOTE) */
    size_t first;           /* its first cell in cells */
    size_t ncells;          /* its fields; the first MAX_COLUMNS are kept */
    unsigned flags;         /* REC_* */
} rec;

struct cli_payroll_reader {
    char *name; /* for messages */
    cli_payroll_report report;
    void *arg;
    int fd;       /* -1: reading mem */
    int close_fd; /* not standard input */
    const char *mem;
    size_t mem_len;
    char *chunk; /* CHUNK bytes, for fd */
    uint64_t bytes_read, size;
    int started, eof, failed;
    struct csv_parser csv;
    unsigned long line;     /* the physical line being fed, from 1 */
    unsigned long row_line; /* the open record's first line; 0: none */
    int skip_line;          /* drop input up to the next line end */
    int cr_last;            /* the last chunk ended in a CR */
    /* The queue: records recs[head..nrecs) wait; the open record's cells
     * are cells[row_first..ncells). */
    char *arena;
    size_t arena_len, arena_cap;
    cell *cells;
    size_t ncells, cells_cap;
    rec *recs;
    size_t nrecs, head, recs_cap;
    size_t row_first, row_ncells;
    /* The header: which column each field is (enum col, -1: ignored). */
    size_t ncols;
    int colmap[MAX_COLUMNS];
    char ignored[MAX_COLUMNS][EXCERPT_LEN]; /* the names of ignored ones */
    /* The line yielded. */
    Ssc__V1__PayrollLine out;
    Ssc__V1__Money money;
    char month[8], currency[4], currency_given[4];
    unsigned long warnings, errors, lines;
    char msg[512];
};

/* ---- problems ----------------------------------------------------------- */

static void vproblem(cli_payroll_reader *r, cli_payroll_class cls,
                     unsigned long line, const char *column, int in_cell,
                     const char *fmt, va_list ap)
{
    cli_payroll_problem p = {cls, line, column, r->msg};
    size_t n = 0;
    int k;

    if (line > 0)
        k = snprintf(r->msg, sizeof(r->msg), "%s:%lu: ", r->name, line);
    else
        k = snprintf(r->msg, sizeof(r->msg), "%s: ", r->name);
    n = k < 0 ? 0 : (size_t)k;
    if (in_cell && n < sizeof(r->msg)) {
        k = snprintf(r->msg + n, sizeof(r->msg) - n, "column \"%s\": ", column);
        n += k < 0 ? 0 : (size_t)k;
    }
    if (n < sizeof(r->msg))
        vsnprintf(r->msg + n, sizeof(r->msg) - n, fmt, ap);
    if (cls == CLI_PAYROLL_WARNING)
        r->warnings++;
    else if (cls == CLI_PAYROLL_ERROR)
        r->errors++;
    else
        r->failed = 1;
    if (r->report != NULL)
        r->report(r->arg, &p);
}

static void problem(cli_payroll_reader *r, cli_payroll_class cls,
                    unsigned long line, const char *column, const char *fmt,
                    ...) __attribute__((format(printf, 5, 6)));
static int cell_error(cli_payroll_reader *r, const rec *h, enum col c,
                      const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A problem not about one cell's value ("name:LINE: ..."). */
static void problem(cli_payroll_reader *r, cli_payroll_class cls,
                    unsigned long line, const char *column, const char *fmt,
                    ...)
{
    va_list ap;

    va_start(ap, fmt);
    vproblem(r, cls, line, column, 0, fmt, ap);
    va_end(ap);
}

/* The error of record h's cell in column c ("name:LINE: column "c": ...").
 * Returns -1. */
static int cell_error(cli_payroll_reader *r, const rec *h, enum col c,
                      const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vproblem(r, CLI_PAYROLL_ERROR, h->line, col_names[c], 1, fmt, ap);
    va_end(ap);
    return -1;
}

static void cell_warning(cli_payroll_reader *r, const rec *h, enum col c,
                         const char *text)
{
    problem(r, CLI_PAYROLL_WARNING, h->line, col_names[c], "column \"%s\": %s",
            col_names[c], text);
}

/* Writes len bytes of valid UTF-8 at s as messages quote them into buf
 * (EXCERPT_LEN bytes): at most 40 bytes, cut between characters, with
 * "..." when cut, and control characters (C0, DEL, C1) as '?' so that a
 * message stays one line and cannot drive a terminal. Returns buf. */
static const char *excerpt(char *buf, const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t cut = len < 40 ? len : 40, n = 0;

    while (cut < len && cut > 0 && (u[cut] & 0xc0) == 0x80)
        cut--;
    for (size_t i = 0; i < cut; i++) {
        if (u[i] == 0xc2 && i + 1 < cut && u[i + 1] < 0xa0) {
            buf[n++] = '?'; /* U+0080 to U+009F */
            i++;
        } else {
            buf[n++] = u[i] < 0x20 || u[i] == 0x7f ? '?' : s[i];
        }
    }
    if (cut < len) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n] = '\0';
    return buf;
}

/* ---- characters --------------------------------------------------------- */

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* What text_check() finds wrong with a cell. */
enum { TEXT_OK, TEXT_NUL, TEXT_NOT_UTF8 };

/* Whether n bytes at s are UTF-8 without a NUL: no overlong forms, no
 * surrogates, nothing past U+10FFFF (Unicode's table 3-7). One pass, as
 * every cell goes through it. */
static int text_check(const unsigned char *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        unsigned c = s[i], lo = 0x80, hi = 0xbf;
        size_t k;

        if (c < 0x80) {
            if (c == 0)
                return TEXT_NUL;
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf)
            k = 1;
        else if (c >= 0xe0 && c <= 0xef)
            k = 2;
        else if (c >= 0xf0 && c <= 0xf4)
            k = 3;
        else
            return TEXT_NOT_UTF8;
        lo = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : lo;
        hi = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : hi;
        if (n - i <= k || s[i + 1] < lo || s[i + 1] > hi)
            return TEXT_NOT_UTF8;
        for (size_t j = 2; j <= k; j++)
            if ((s[i + j] & 0xc0) != 0x80)
                return TEXT_NOT_UTF8;
        i += k + 1;
    }
    return TEXT_OK;
}

/* The code point at s[*i] of valid UTF-8, moving *i past it. */
static uint32_t next_code_point(const unsigned char *s, size_t *i)
{
    uint32_t c = s[(*i)++];
    int more = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;

    c &= more == 3 ? 0x07 : more == 2 ? 0x0f : more == 1 ? 0x1f : 0x7f;
    while (more-- > 0)
        c = (c << 6) | (s[(*i)++] & 0x3f);
    return c;
}

static int is_control(uint32_t c)
{
    return c < 0x20 || (c >= 0x7f && c <= 0x9f);
}

/* Unicode's White_Space, and the control characters. */
static int is_space_or_control(uint32_t c)
{
    return c <= 0x20 || (c >= 0x7f && c <= 0xa0) || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 ||
           c == 0x202f || c == 0x205f || c == 0x3000;
}

/* Whether valid UTF-8 s of n bytes holds a character bad() refuses. */
static int holds_any(const char *s, size_t n, int (*bad)(uint32_t))
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;

    while (i < n) {
        if (u[i] > 0x20 && u[i] < 0x7f) {
            i++; /* printable ASCII but the space: every rule takes it */
            continue;
        }
        if (bad(next_code_point(u, &i)))
            return 1;
    }
    return 0;
}

/* ---- values ------------------------------------------------------------- */

/* Parses hours with at most two decimals into hundredths. Returns 0, -1
 * (not such a number) or -2 (more than HOURS_MAX). */
static int parse_hours(const char *s, int64_t *out)
{
    int64_t whole = 0, frac = 0;
    int decimals = 0;

    if (!is_digit(*s))
        return -1;
    for (; is_digit(*s); s++)
        if (whole <= HOURS_MAX) /* past it, the value no longer matters */
            whole = whole * 10 + (*s - '0');
    if (*s == '.') {
        for (s++; is_digit(*s) && decimals < 2; s++, decimals++)
            frac = frac * 10 + (*s - '0');
        if (decimals == 0)
            return -1;
    }
    if (*s != '\0')
        return -1;
    if (decimals == 1)
        frac *= 10;
    if (whole * 100 + frac > HOURS_MAX * 100)
        return -2;
    *out = whole * 100 + frac;
    return 0;
}

/* Checks "YYYY-MM", 2000-01 to 2999-12, and copies it to out. */
static int parse_month(const char *s, size_t n, char *out)
{
    int month;

    if (n != 7 || s[0] != '2' || s[4] != '-')
        return -1;
    for (int i = 1; i < 7; i++)
        if (i != 4 && !is_digit(s[i]))
            return -1;
    month = (s[5] - '0') * 10 + (s[6] - '0');
    if (month < 1 || month > 12)
        return -1;
    memcpy(out, s, 7);
    out[7] = '\0';
    return 0;
}

/* ---- one record --------------------------------------------------------- */

/* Whether every field of h is empty or blanks: a blank line, or a row of
 * commas as spreadsheets write one. */
static int record_is_blank(const cli_payroll_reader *r, const rec *h)
{
    if (h->ncells > MAX_COLUMNS)
        return 0;
    for (size_t i = 0; i < h->ncells; i++) {
        const cell *c = &r->cells[h->first + i];
        const char *s = r->arena + c->off;

        if (c->len > CELL_MAX)
            return 0;
        for (size_t j = 0; j < c->len; j++)
            if (!is_blank(s[j]))
                return 0;
    }
    return 1;
}

/* Strips blanks around the n bytes at *s (writing a NUL after them).
 * Returns whether there were any. */
static int trim(char **s, size_t *n)
{
    size_t len = *n;
    char *p = *s;

    while (len > 0 && is_blank(*p)) {
        p++;
        len--;
    }
    while (len > 0 && is_blank(p[len - 1]))
        len--;
    if (len == *n)
        return 0;
    p[len] = '\0';
    *s = p;
    *n = len;
    return 1;
}

/* Checks a reference: 1 to REF_MAX bytes without the characters bad()
 * refuses (named by what). */
static int check_ref(cli_payroll_reader *r, const rec *h, enum col c,
                     const char *s, size_t n, int (*bad)(uint32_t),
                     const char *what)
{
    char q[EXCERPT_LEN];

    if (n > REF_MAX)
        return cell_error(r, h, c, "%zu bytes, more than %d", n, REF_MAX);
    if (holds_any(s, n, bad))
        return cell_error(r, h, c, "\"%s\" holds %s", excerpt(q, s, n), what);
    return 0;
}

static int check_hours(cli_payroll_reader *r, const rec *h, const char *s,
                       size_t n)
{
    char q[EXCERPT_LEN];
    int rc = parse_hours(s, &r->out.hours_hundredths);

    if (rc == -1)
        return cell_error(r, h, HOURS,
                          "\"%s\" is not a number of hours with at most two "
                          "decimals",
                          excerpt(q, s, n));
    if (rc != 0)
        return cell_error(r, h, HOURS,
                          "\"%s\" is more than %d hours (31 days of 24)",
                          excerpt(q, s, n), HOURS_MAX);
    return 0;
}

/* An amount as money.c reads one, 0.00 allowed. */
static int check_amount(cli_payroll_reader *r, const rec *h, const char *s,
                        size_t n)
{
    char q[EXCERPT_LEN];
    int64_t minor = 0;
    int rc = cli_money_parse(s, &minor);

    if (rc != 0 && rc != CLI_MONEY_EZERO)
        return cell_error(r, h, AMOUNT, "\"%s\" %s%s", excerpt(q, s, n),
                          cli_money_strerror(rc),
                          rc == CLI_MONEY_EFORMAT ? " (such as 1234.50)" : "");
    r->money.amount_minor = minor;
    return 0;
}

/* Three letters, upper-cased into r->currency; *lower says whether any
 * was not (the text as written is kept in r->currency_given). */
static int check_currency(cli_payroll_reader *r, const rec *h, const char *s,
                          size_t n, int *lower)
{
    char q[EXCERPT_LEN];
    int ok = n == 3;

    for (size_t i = 0; i < 3 && ok; i++) {
        char u = s[i] >= 'a' && s[i] <= 'z' ? (char)(s[i] - 'a' + 'A') : s[i];

        ok = u >= 'A' && u <= 'Z';
        *lower |= u != s[i];
        r->currency[i] = u;
    }
    if (!ok)
        return cell_error(r, h, CURRENCY,
                          "\"%s\" is not a currency code (ISO 4217, three "
                          "letters)",
                          excerpt(q, s, n));
    r->currency[3] = '\0';
    memcpy(r->currency_given, s, 4);
    return 0;
}

/* Checks the value s (n bytes, trimmed, not empty) of column c and stores
 * it in the line yielded. */
static int check_value(cli_payroll_reader *r, const rec *h, enum col c, char *s,
                       size_t n, int *lower)
{
    char q[EXCERPT_LEN];

    switch (c) {
    case ORGANISATION:
        if (n > ORG_MAX)
            return cell_error(r, h, c, "%zu bytes, more than %d", n, ORG_MAX);
        if (holds_any(s, n, is_control)) /* sql/0034 refuses the batch */
            return cell_error(r, h, c, "\"%s\" holds a control character",
                              excerpt(q, s, n));
        r->out.organisation = s;
        return 0;
    case EMPLOYEE:
        r->out.employee_ref = s;
        return check_ref(r, h, c, s, n, is_space_or_control,
                         "a space or a control character");
    case MONTH:
        if (parse_month(s, n, r->month) != 0)
            return cell_error(r, h, c,
                              "\"%s\" is not a month from 2000-01 to 2999-12 "
                              "(YYYY-MM)",
                              excerpt(q, s, n));
        return 0;
    case HOURS:
        return check_hours(r, h, s, n);
    case AMOUNT:
        return check_amount(r, h, s, n);
    case CURRENCY:
        return check_currency(r, h, s, n, lower);
    case COLLABORATION:
        r->out.collaboration = s;
        return check_ref(r, h, c, s, n, is_control, "a control character");
    default:
        return 0;
    }
}

/* Checks field i of record h. *trimmed gets the column's bit when blanks
 * were removed; *lower says whether the currency was upper-cased. */
static int check_field(cli_payroll_reader *r, const rec *h, size_t i,
                       unsigned *trimmed, int *lower)
{
    const cell *f = &r->cells[h->first + i];
    int c = r->colmap[i];
    char *s = r->arena + f->off;
    size_t n = f->len;

    if (c < 0 && n > CELL_MAX) {
        problem(r, CLI_PAYROLL_ERROR, h->line, r->ignored[i],
                "column \"%s\": longer than %d bytes", r->ignored[i], CELL_MAX);
        return -1;
    }
    if (c < 0)
        return 0; /* an ignored column */
    if (n > CELL_MAX)
        return cell_error(r, h, c, "longer than %d bytes", CELL_MAX);
    switch (text_check((const unsigned char *)s, n)) {
    case TEXT_NUL:
        return cell_error(r, h, c, "holds a NUL byte");
    case TEXT_NOT_UTF8:
        return cell_error(r, h, c, "not valid UTF-8");
    default:
        break;
    }
    if (trim(&s, &n))
        *trimmed |= 1u << c;
    if (n == 0)
        return cell_error(r, h, c, "empty");
    return check_value(r, h, (enum col)c, s, n, lower);
}

/* Checks record h and fills r->out from it. Returns 0 (a line to yield,
 * its warnings reported) or -1 (skipped: blank, or its one error
 * reported). */
static int check_record(cli_payroll_reader *r, const rec *h)
{
    unsigned trimmed = 0;
    int lower = 0;

    if (h->flags & REC_BAD_QUOTE) {
        if (h->bad_line != h->line)
            problem(r, CLI_PAYROLL_ERROR, h->line, NULL, "line %lu: " BAD_QUOTE,
                    h->bad_line);
        else
            problem(r, CLI_PAYROLL_ERROR, h->line, NULL, BAD_QUOTE);
        return -1;
    }
    if (h->flags & REC_UNCLOSED) {
        problem(r, CLI_PAYROLL_ERROR, h->line, NULL,
                "a quoted field is not closed");
        return -1;
    }
    if (record_is_blank(r, h))
        return -1;
    if (h->ncells != r->ncols) {
        problem(r, CLI_PAYROLL_ERROR, h->line, NULL,
                "%zu fields, but the header names %zu", h->ncells, r->ncols);
        return -1;
    }
    for (size_t i = 0; i < h->ncells; i++)
        if (check_field(r, h, i, &trimmed, &lower) != 0)
            return -1;
    for (size_t i = 0; i < h->ncells; i++) {
        int c = r->colmap[i];

        if (c >= 0 && (trimmed & (1u << c)))
            cell_warning(r, h, (enum col)c, "surrounding spaces removed");
        if (c == CURRENCY && lower)
            problem(r, CLI_PAYROLL_WARNING, h->line, col_names[c],
                    "column \"currency\": \"%s\" upper-cased to %s",
                    r->currency_given, r->currency);
    }
    r->out.line = (int64_t)h->line;
    r->out.month = r->month;
    return 0;
}

/* ---- the queue, filled by libcsv's callbacks ---------------------------- */

/* Makes room for need elements of size bytes in *p (holding *cap). */
static void *reserve(void *p, size_t *cap, size_t need, size_t size)
{
    size_t n = *cap > 0 ? *cap : 256;

    if (need <= *cap)
        return p;
    while (n < need)
        n *= 2;
    *cap = n;
    return ssc_xrealloc(p, n * size);
}

static void on_field(void *s, size_t len, void *data)
{
    cli_payroll_reader *r = data;
    cell *c;

    if (r->row_line == 0) /* a row after a bare CR, or begun with blanks */
        r->row_line = r->line;
    if (r->row_ncells++ >= MAX_COLUMNS)
        return; /* counted, not kept: the record is wrong anyway */
    if (len > CELL_MAX || s == NULL)
        len = s == NULL ? 0 : CELL_MAX + 1;
    if (r->ncells == r->cells_cap)
        r->cells =
            reserve(r->cells, &r->cells_cap, r->ncells + 1, sizeof(cell));
    c = &r->cells[r->ncells++];
    c->off = r->arena_len;
    c->len = len;
    if (len > CELL_MAX)
        len = 0;
    if (r->arena_len + len + 1 > r->arena_cap)
        r->arena = reserve(r->arena, &r->arena_cap, r->arena_len + len + 1, 1);
    if (len > 0)
        memcpy(r->arena + r->arena_len, s, len);
    r->arena[r->arena_len + len] = '\0';
    r->arena_len += len + 1;
}

/* Ends the open record, queueing it with flags (REC_*). */
static void close_row(cli_payroll_reader *r, unsigned flags)
{
    rec *h;

    r->recs = reserve(r->recs, &r->recs_cap, r->nrecs + 1, sizeof(rec));
    h = &r->recs[r->nrecs++];
    h->line = r->row_line != 0 ? r->row_line : r->line;
    h->bad_line = r->line;
    h->first = r->row_first;
    h->ncells = r->row_ncells;
    h->flags = flags;
    r->row_first = r->ncells;
    r->row_ncells = 0;
    r->row_line = 0;
}

static void on_row(int c, void *data)
{
    close_row(data, 0);
}

/* Empties the queue (every record in it was yielded), keeping the open
 * record's cells, which move to the start. */
static void compact(cli_payroll_reader *r)
{
    size_t keep = r->ncells - r->row_first;
    size_t from = keep > 0 ? r->cells[r->row_first].off : r->arena_len;

    if (from > 0) /* and so the arena exists */
        memmove(r->arena, r->arena + from, r->arena_len - from);
    r->arena_len -= from;
    for (size_t i = 0; i < keep; i++) {
        r->cells[i] = r->cells[r->row_first + i];
        r->cells[i].off -= from;
    }
    r->ncells = keep;
    r->row_first = 0;
    r->nrecs = r->head = 0;
}

/* ---- feeding libcsv ----------------------------------------------------- */

static int no_space(unsigned char c)
{
    return 0;
}

static void csv_setup(struct csv_parser *p)
{
    if (csv_init(p, CSV_STRICT | CSV_STRICT_FINI) != 0)
        abort(); /* cannot happen: p is not NULL */
    csv_set_space_func(p, no_space);
    csv_set_realloc_func(p, ssc_xrealloc); /* out of memory aborts (mem.h) */
    csv_set_blk_size(p, 4096);
}

static int has_content(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return 1;
    return 0;
}

/* Feeds n bytes of one physical line (all of it, or the part in this
 * chunk; ends: whether its line end is among them) to libcsv. After a quote
 * in the wrong place the open record is queued as such, libcsv starts
 * afresh, and the rest of the line is dropped. */
static void feed_line(cli_payroll_reader *r, const char *s, size_t n, int ends)
{
    if (r->row_line == 0 && has_content(s, n))
        r->row_line = r->line;
    if (csv_parse(&r->csv, s, n, on_field, on_row, r) != n) {
        close_row(r, REC_BAD_QUOTE);
        csv_free(&r->csv);
        csv_setup(&r->csv);
        r->skip_line = !ends;
    }
    if (r->csv.entry_pos > CELL_MAX + 2)
        r->csv.entry_pos = CELL_MAX + 2; /* see the top of the file */
}

/* The length of the line at s (at most n bytes, the rest of the chunk),
 * its end included; *ends says whether it ends there. A line ends in LF,
 * CRLF or a CR alone, as libcsv ends rows, so that records after a CR
 * alone get lines of their own. A CR as the chunk's last byte may be the
 * first half of a CRLF: r->cr_last says the next chunk decides. */
static size_t line_length(cli_payroll_reader *r, const char *s, size_t n,
                          int *ends)
{
    const char *nl = memchr(s, '\n', n);
    size_t len = nl != NULL ? (size_t)(nl - s) + 1 : n;
    const char *cr = memchr(s, '\r', len);

    *ends = nl != NULL;
    if (cr == NULL || cr + 1 == nl)
        return len;
    if ((size_t)(cr - s) + 1 < len) {
        *ends = 1;
        return (size_t)(cr - s) + 1;
    }
    r->cr_last = 1; /* the CR is the last byte */
    return len;
}

static void feed(cli_payroll_reader *r, const char *data, size_t len)
{
    size_t at = 0;

    if (!r->started && len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
        at = 3; /* a byte order mark, as spreadsheets write */
    r->started = 1;
    if (r->cr_last && data[0] != '\n') {
        r->line++; /* the last chunk ended in a CR alone */
        r->skip_line = 0;
    }
    r->cr_last = 0;
    while (at < len) {
        int ends;
        size_t n = line_length(r, data + at, len - at, &ends);

        if (r->skip_line)
            r->skip_line = !ends;
        else
            feed_line(r, data + at, n, ends);
        if (ends)
            r->line++;
        at += n;
    }
}

/* At the end of the file: the last record needs no line end, but a quoted
 * field must be closed. */
static void finish(cli_payroll_reader *r)
{
    if (csv_fini(&r->csv, on_field, on_row, r) != 0)
        close_row(r, REC_UNCLOSED);
    r->eof = 1;
}

/* Reads the next chunk into *data. Returns its length, 0 at the end of the
 * file, or -1 after reporting a read error. */
static long read_chunk(cli_payroll_reader *r, const char **data)
{
    size_t n = 0;

    if (r->fd < 0) {
        n = r->mem_len - (size_t)r->bytes_read;
        n = n < CHUNK ? n : CHUNK;
        *data = r->mem + r->bytes_read;
        r->bytes_read += n;
        return (long)n;
    }
    while (n < CHUNK) {
        ssize_t k = read(r->fd, r->chunk + n, CHUNK - n);

        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            problem(r, CLI_PAYROLL_CRITICAL, 0, NULL, "could not read: %s",
                    strerror(errno));
            return -1;
        }
        if (k == 0)
            break;
        n += (size_t)k;
    }
    *data = r->chunk;
    r->bytes_read += n;
    return (long)n;
}

/* Reads and parses until a record waits in the queue. Returns 1, 0 at the
 * end of the file, or -1 after a critical problem. */
static int fill(cli_payroll_reader *r)
{
    while (r->head == r->nrecs) {
        const char *data;
        long n;

        if (r->failed)
            return -1;
        if (r->eof)
            return 0;
        compact(r);
        n = read_chunk(r, &data);
        if (n < 0)
            return -1;
        if (n == 0)
            finish(r);
        else
            feed(r, data, (size_t)n);
    }
    return 1;
}

/* ---- the header --------------------------------------------------------- */

/* The column a header field names (enum col), or -1. */
static int column_of(const char *s, size_t n)
{
    for (int c = 0; c < NCOLS; c++)
        if (strncasecmp(s, col_names[c], n) == 0 && col_names[c][n] == '\0')
            return c;
    return -1;
}

/* Maps field i of header h to its column. Returns -1 after a critical
 * problem. */
static int header_field(cli_payroll_reader *r, const rec *h, size_t i,
                        int *seen)
{
    const cell *f = &r->cells[h->first + i];
    char *s = r->arena + f->off;
    size_t n = f->len;
    int c;

    if (n > CELL_MAX) {
        problem(r, CLI_PAYROLL_CRITICAL, h->line, NULL,
                "column %zu: a name longer than %d bytes", i + 1, CELL_MAX);
        return -1;
    }
    if (text_check((const unsigned char *)s, n) != TEXT_OK) {
        problem(r, CLI_PAYROLL_CRITICAL, h->line, NULL,
                "the header is not valid UTF-8");
        return -1;
    }
    trim(&s, &n);
    c = column_of(s, n);
    r->colmap[i] = c;
    if (c < 0) {
        excerpt(r->ignored[i], s, n);
        return 0;
    }
    if (seen[c]++) {
        problem(r, CLI_PAYROLL_CRITICAL, h->line, col_names[c],
                "column \"%s\" is named twice", col_names[c]);
        return -1;
    }
    return 0;
}

/* Checks that header h names every column; reports the missing ones. */
static int header_complete(cli_payroll_reader *r, const rec *h, const int *seen)
{
    char missing[160] = ""; /* room for all seven */
    const char *first = NULL;
    size_t n = 0;

    for (int c = 0; c < NCOLS; c++) {
        if (seen[c])
            continue;
        n += (size_t)snprintf(missing + n, sizeof(missing) - n, "%s\"%s\"",
                              first != NULL ? ", " : "", col_names[c]);
        first = first != NULL ? first : col_names[c];
    }
    if (first == NULL)
        return 0;
    problem(r, CLI_PAYROLL_CRITICAL, h->line, first,
            "no column %s: the first line names the columns, such "
            "as " COLUMNS,
            missing);
    return -1;
}

static int header(cli_payroll_reader *r, const rec *h)
{
    int seen[NCOLS] = {0};

    if (h->flags != 0) {
        problem(r, CLI_PAYROLL_CRITICAL, h->line, NULL, "%s",
                h->flags & REC_BAD_QUOTE ? "the header has " BAD_QUOTE
                                         : "a quoted field is not closed");
        return -1;
    }
    if (h->ncells > MAX_COLUMNS) {
        problem(r, CLI_PAYROLL_CRITICAL, h->line, NULL, "more than %d columns",
                MAX_COLUMNS);
        return -1;
    }
    r->ncols = h->ncells;
    for (size_t i = 0; i < h->ncells; i++)
        if (header_field(r, h, i, seen) != 0)
            return -1;
    if (header_complete(r, h, seen) != 0)
        return -1;
    for (size_t i = 0; i < h->ncells; i++)
        if (r->colmap[i] < 0)
            problem(r, CLI_PAYROLL_WARNING, h->line, r->ignored[i],
                    "unknown column \"%s\" ignored (the columns are " COLUMNS
                    ")",
                    r->ignored[i]);
    return 0;
}

/* Reads up to the header, skipping blank lines, and maps its columns. */
static int read_header(cli_payroll_reader *r)
{
    const rec *h;

    do {
        int rc = fill(r);

        if (rc < 0)
            return -1;
        if (rc == 0) {
            problem(r, CLI_PAYROLL_CRITICAL, 0, NULL,
                    "empty file: the first line names the columns, such "
                    "as " COLUMNS);
            return -1;
        }
        h = &r->recs[r->head++];
    } while (h->flags == 0 && record_is_blank(r, h));
    return header(r, h);
}

/* ---- the reader --------------------------------------------------------- */

static cli_payroll_reader *reader_new(const char *name,
                                      cli_payroll_report report, void *arg)
{
    cli_payroll_reader *r = ssc_xcalloc(1, sizeof(*r));

    r->name = ssc_xstrdup(name);
    r->report = report;
    r->arg = arg;
    r->fd = -1;
    r->line = 1;
    csv_setup(&r->csv);
    ssc__v1__payroll_line__init(&r->out);
    ssc__v1__money__init(&r->money);
    r->money.currency = r->currency;
    r->out.amount = &r->money;
    return r;
}

/* Reads the header of a new reader: r, or NULL after freeing it. */
static cli_payroll_reader *start(cli_payroll_reader *r)
{
    if (read_header(r) == 0)
        return r;
    cli_payroll_close(r);
    return NULL;
}

cli_payroll_reader *cli_payroll_open(const char *path,
                                     cli_payroll_report report, void *arg)
{
    int std = strcmp(path, "-") == 0;
    cli_payroll_reader *r = reader_new(std ? "stdin" : path, report, arg);
    struct stat st;

    r->fd = std ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0) {
        problem(r, CLI_PAYROLL_CRITICAL, 0, NULL, "could not open: %s",
                strerror(errno));
        cli_payroll_close(r);
        return NULL;
    }
    r->close_fd = !std;
    if (fstat(r->fd, &st) == 0 && S_ISREG(st.st_mode))
        r->size = (uint64_t)st.st_size;
    r->chunk = ssc_xmalloc(CHUNK);
    return start(r);
}

cli_payroll_reader *cli_payroll_open_mem(const char *name, const char *data,
                                         size_t len, cli_payroll_report report,
                                         void *arg)
{
    cli_payroll_reader *r = reader_new(name, report, arg);

    r->mem = data;
    r->mem_len = len;
    r->size = len;
    return start(r);
}

int cli_payroll_next(cli_payroll_reader *r, const Ssc__V1__PayrollLine **line)
{
    for (;;) {
        int rc = fill(r);

        if (rc <= 0)
            return rc;
        if (check_record(r, &r->recs[r->head++]) == 0) {
            r->lines++;
            *line = &r->out;
            return 1;
        }
    }
}

uint64_t cli_payroll_bytes_read(const cli_payroll_reader *r)
{
    return r->bytes_read;
}

uint64_t cli_payroll_size(const cli_payroll_reader *r)
{
    return r->size;
}

void cli_payroll_counts(const cli_payroll_reader *r, unsigned long *warnings,
                        unsigned long *errors, unsigned long *lines)
{
    if (warnings != NULL)
        *warnings = r->warnings;
    if (errors != NULL)
        *errors = r->errors;
    if (lines != NULL)
        *lines = r->lines;
}

void cli_payroll_close(cli_payroll_reader *r)
{
    if (r == NULL)
        return;
    if (r->close_fd)
        close(r->fd);
    csv_free(&r->csv);
    free(r->arena);
    free(r->cells);
    free(r->recs);
    free(r->chunk);
    free(r->name);
    free(r);
}
