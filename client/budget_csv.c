/*
 * budget_csv.c - budget and co-financing lines from CSV (budget_csv.h).
 *
 * libcsv reports fields and rows but not line numbers, so the data is fed
 * to it one physical line at a time: a row starts on the first line with
 * anything but blanks and line ends after the row before it ended (a
 * quoted field may carry it over further lines), and a malformed quote is
 * on the line being fed when libcsv stops. The first row is the header;
 * each later row becomes one line of the answer or the first error.
 *
 * Entry points: cli_budget_read(), cli_budget_parse(), cli_budget_free().
 */
#include "budget_csv.h"

#include "mem.h"
#include "money.h"

#include <csv.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_FIELDS 16 /* cells in one row */

enum col { KIND, CATEGORY, YEAR, AMOUNT, CURRENCY, FUNDER, DESCRIPTION, NCOLS };

static const char *const col_names[NCOLS] = {
    "kind", "category", "year", "amount", "currency", "funder", "description"};

#define COLUMNS "kind,category,year,amount,currency,funder,description"
#define CATEGORIES                                                             \
    "staff-compensation, secondment, travel, workshops, analyses, "            \
    "partner-activities or contingency"

typedef struct parse {
    const char *name;     /* the file, for messages */
    const char *currency; /* for empty currency cells; may be NULL */
    cli_budget *out;
    char *err;
    size_t errlen;
    int failed;
    long line;     /* the physical line being fed, from 1 */
    long row_line; /* the line the current row started on; 0: none yet */
    char *cells[MAX_FIELDS];
    size_t ncells;
    int too_many; /* the row has more than MAX_FIELDS cells */
    int header_seen;
    int colmap[MAX_FIELDS]; /* header position -> enum col, -1: none */
    size_t ncols;           /* cells in the header */
    size_t abudget, acofin; /* room in out's arrays */
} parse;

static int fail(parse *ps, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Records the first error, "name:LINE: ...". Returns -1. */
static int fail(parse *ps, long line, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (ps->failed)
        return -1;
    ps->failed = 1;
    n = snprintf(ps->err, ps->errlen, "%s:%ld: ", ps->name, line);
    if (n < 0 || (size_t)n >= ps->errlen)
        return -1;
    va_start(ap, fmt);
    vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

/* ---- one row ------------------------------------------------------------ */

static int is_digits(const char *s, size_t min, size_t max)
{
    size_t n = strspn(s, "0123456789");

    return s[n] == '\0' && n >= min && n <= max;
}

/* The BudgetCategory word as ssc writes it ("partner-activities"; '_' as
 * well as '-', any case), or 0 (UNSPECIFIED) when there is none. */
static int category_of(const char *word)
{
    static const char prefix[] = "BUDGET_CATEGORY_";
    const ProtobufCEnumDescriptor *d = &ssc__v1__budget_category__descriptor;

    for (unsigned i = 0; i < d->n_values; i++) {
        const char *name = d->values[i].name + sizeof(prefix) - 1;
        size_t k = 0;

        if (d->values[i].value == 0)
            continue;
        while (name[k] != '\0' && word[k] != '\0' &&
               (name[k] == '_' ? word[k] == '_' || word[k] == '-'
                               : (name[k] | 0x20) == (word[k] | 0x20)))
            k++;
        if (name[k] == '\0' && word[k] == '\0')
            return d->values[i].value;
    }
    return 0;
}

static Ssc__V1__Money *money_new(int64_t minor, const char *currency)
{
    Ssc__V1__Money *m = ssc_xmalloc(sizeof(*m));

    ssc__v1__money__init(m);
    m->amount_minor = minor;
    m->currency = ssc_xstrdup(currency);
    return m;
}

/* Checks that a cell a line of this kind does not have is empty. */
static int absent(parse *ps, const char *const *v, enum col c, const char *what)
{
    if (v[c][0] == '\0')
        return 0;
    fail(ps, ps->row_line, "column \"%s\": %s has no %s (\"%.40s\")",
         col_names[c], what, col_names[c], v[c]);
    return -1;
}

static int budget_line(parse *ps, const char *const *v, int64_t amount,
                       const char *currency)
{
    cli_budget *b = ps->out;
    Ssc__V1__BudgetLine *l;
    int category = category_of(v[CATEGORY]);

    if (v[CATEGORY][0] == '\0')
        return fail(ps, ps->row_line,
                    "column \"category\": a budget line needs one of "
                    "%s",
                    CATEGORIES);
    if (category == 0)
        return fail(ps, ps->row_line,
                    "column \"category\": \"%.40s\" is not one of %s",
                    v[CATEGORY], CATEGORIES);
    if (!is_digits(v[YEAR], 4, 4))
        return fail(ps, ps->row_line,
                    "column \"year\": \"%.40s\" is not a year (four digits)",
                    v[YEAR]);
    if (absent(ps, v, FUNDER, "a budget line") != 0)
        return -1;
    if (b->n_budget == ps->abudget) {
        ps->abudget = ps->abudget ? 2 * ps->abudget : 16;
        b->budget = ssc_xrealloc(b->budget, ps->abudget * sizeof(*b->budget));
    }
    l = ssc_xmalloc(sizeof(*l));
    ssc__v1__budget_line__init(l);
    l->category = (Ssc__V1__BudgetCategory)category;
    l->year = (int32_t)strtol(v[YEAR], NULL, 10);
    l->amount = money_new(amount, currency);
    l->description = ssc_xstrdup(v[DESCRIPTION]);
    b->budget[b->n_budget++] = l;
    return 0;
}

/* The funder's organisation id when the cell is all digits (0 after saying
 * why when they are not an id), else -1: a name. */
static int64_t funder_id(parse *ps, const char *s)
{
    int64_t id = 0;

    if (!is_digits(s, 1, SIZE_MAX))
        return -1;
    for (const char *p = s; *p != '\0'; p++) {
        if (id > (INT64_MAX - (*p - '0')) / 10) {
            id = 0;
            break;
        }
        id = id * 10 + (*p - '0');
    }
    if (id == 0)
        fail(ps, ps->row_line,
             "column \"funder\": \"%.40s\" is not an organisation id", s);
    return id;
}

static int cofinancing_line(parse *ps, const char *const *v, int64_t amount,
                            const char *currency)
{
    cli_budget *b = ps->out;
    Ssc__V1__CoFinancingLine *l;
    int64_t id;

    if (v[FUNDER][0] == '\0')
        return fail(ps, ps->row_line,
                    "column \"funder\": a co-financing line needs a funder "
                    "(an organisation id, or a name such as EU Interreg)");
    if (absent(ps, v, CATEGORY, "a co-financing line") != 0 ||
        absent(ps, v, YEAR, "a co-financing line") != 0 ||
        absent(ps, v, DESCRIPTION, "a co-financing line") != 0)
        return -1;
    id = funder_id(ps, v[FUNDER]);
    if (id == 0)
        return -1;
    if (b->n_cofinancing == ps->acofin) {
        ps->acofin = ps->acofin ? 2 * ps->acofin : 8;
        b->cofinancing =
            ssc_xrealloc(b->cofinancing, ps->acofin * sizeof(*b->cofinancing));
    }
    l = ssc_xmalloc(sizeof(*l));
    ssc__v1__co_financing_line__init(l);
    l->funder_id = id > 0 ? id : 0;
    l->funder_name = ssc_xstrdup(id > 0 ? "" : v[FUNDER]);
    l->amount = money_new(amount, currency);
    b->cofinancing[b->n_cofinancing++] = l;
    return 0;
}

static int data_row(parse *ps)
{
    const char *v[NCOLS];
    const char *currency;
    int64_t amount = 0;
    int blank = 1, budget, rc;

    for (size_t i = 0; i < ps->ncells; i++)
        blank = blank && ps->cells[i][0] == '\0';
    if (blank && !ps->too_many)
        return 0; /* ",,,," as spreadsheets write an empty row */
    if (ps->too_many || ps->ncells != ps->ncols)
        return fail(ps, ps->row_line, "%s%zu fields, but the header names %zu",
                    ps->too_many ? "more than " : "", ps->ncells, ps->ncols);
    for (int c = 0; c < NCOLS; c++)
        v[c] = "";
    for (size_t i = 0; i < ps->ncells; i++)
        if (ps->colmap[i] >= 0)
            v[ps->colmap[i]] = ps->cells[i];
    budget = strcasecmp(v[KIND], "budget") == 0;
    if (!budget && strcasecmp(v[KIND], "cofinancing") != 0 &&
        strcasecmp(v[KIND], "co-financing") != 0)
        return fail(ps, ps->row_line,
                    "column \"kind\": \"%.40s\" is not budget or cofinancing",
                    v[KIND]);
    rc = cli_money_parse(v[AMOUNT], &amount);
    if (rc != 0)
        return fail(ps, ps->row_line, "column \"amount\": \"%.40s\" %s%s",
                    v[AMOUNT], cli_money_strerror(rc),
                    rc == CLI_MONEY_EFORMAT ? " (such as 1234.50)" : "");
    currency = v[CURRENCY][0] != '\0' ? v[CURRENCY] : ps->currency;
    if (currency == NULL)
        return fail(ps, ps->row_line,
                    "column \"currency\": empty, and no --currency to "
                    "take instead");
    return budget ? budget_line(ps, v, amount, currency)
                  : cofinancing_line(ps, v, amount, currency);
}

static int header_row(parse *ps)
{
    static const enum col required[] = {KIND, AMOUNT};
    int seen[NCOLS] = {0};

    ps->header_seen = 1;
    ps->ncols = ps->ncells;
    if (ps->too_many)
        return fail(ps, ps->row_line,
                    "more than %d columns (the columns are " COLUMNS ")",
                    MAX_FIELDS);
    for (size_t i = 0; i < ps->ncells; i++) {
        const char *h = ps->cells[i];
        int c = 0;

        while (c < NCOLS && strcasecmp(h, col_names[c]) != 0)
            c++;
        if (c == NCOLS &&
            (strcasecmp(h, "budget") == 0 || strcasecmp(h, "cofinancing") == 0))
            return fail(ps, ps->row_line,
                        "no header: the first line names the columns, "
                        "such as " COLUMNS);
        if (c == NCOLS)
            return fail(ps, ps->row_line,
                        "column %zu: unknown column \"%.40s\" (the columns "
                        "are " COLUMNS ")",
                        i + 1, h);
        if (seen[c]++)
            return fail(ps, ps->row_line, "column \"%s\" is named twice",
                        col_names[c]);
        ps->colmap[i] = c;
    }
    for (size_t k = 0; k < sizeof(required) / sizeof(required[0]); k++)
        if (!seen[required[k]])
            return fail(ps, ps->row_line,
                        "no column \"%s\": the first line names the "
                        "columns, such as " COLUMNS,
                        col_names[required[k]]);
    return 0;
}

/* ---- libcsv's callbacks ------------------------------------------------- */

static void on_field(void *s, size_t len, void *data)
{
    parse *ps = data;

    if (ps->failed)
        return;
    if (ps->row_line == 0) /* a row after a bare CR, on the same line */
        ps->row_line = ps->line;
    if (ps->ncells == MAX_FIELDS) {
        ps->too_many = 1;
        return;
    }
    ps->cells[ps->ncells++] = ssc_xstrndup(s != NULL ? s : "", len);
}

static void clear_row(parse *ps)
{
    for (size_t i = 0; i < ps->ncells; i++)
        free(ps->cells[i]);
    ps->ncells = 0;
    ps->too_many = 0;
    ps->row_line = 0;
}

static void on_row(int c, void *data)
{
    parse *ps = data;

    if (!ps->failed)
        (void)(ps->header_seen ? data_row(ps) : header_row(ps));
    clear_row(ps);
}

/* ---- feeding it -----------------------------------------------------------
 */

static int has_content(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return 1;
    return 0;
}

static void feed(parse *ps, struct csv_parser *p, const char *data, size_t len)
{
    size_t at = 0;

    while (at < len && !ps->failed) {
        const char *nl = memchr(data + at, '\n', len - at);
        size_t end = nl != NULL ? (size_t)(nl - data) + 1 : len;

        ps->line++;
        if (ps->row_line == 0 && has_content(data + at, end - at))
            ps->row_line = ps->line;
        if (csv_parse(p, data + at, end - at, on_field, on_row, ps) != end - at)
            fail(ps, ps->line, "%s",
                 csv_error(p) == CSV_EPARSE
                     ? "a quote in the wrong place (quote a field whole, "
                       "and write a quote inside it twice: \"\")"
                     : csv_strerror(csv_error(p)));
        at = end;
    }
    if (!ps->failed && csv_fini(p, on_field, on_row, ps) != 0)
        fail(ps, ps->row_line ? ps->row_line : ps->line,
             "a quoted field is not closed");
    if (!ps->failed && !ps->header_seen)
        fail(ps, 1,
             "no header: the first line names the columns, such as " COLUMNS);
}

void cli_budget_free(cli_budget *b)
{
    for (size_t i = 0; i < b->n_budget; i++) {
        free(b->budget[i]->amount->currency);
        free(b->budget[i]->amount);
        free(b->budget[i]->description);
        free(b->budget[i]);
    }
    for (size_t i = 0; i < b->n_cofinancing; i++) {
        free(b->cofinancing[i]->amount->currency);
        free(b->cofinancing[i]->amount);
        free(b->cofinancing[i]->funder_name);
        free(b->cofinancing[i]);
    }
    free(b->budget);
    free(b->cofinancing);
    memset(b, 0, sizeof(*b));
}

int cli_budget_parse(const char *name, const char *data, size_t len,
                     const char *currency, cli_budget *out, char *err,
                     size_t errlen)
{
    parse ps = {.name = name,
                .currency = currency,
                .out = out,
                .err = err,
                .errlen = errlen};
    struct csv_parser p;

    memset(out, 0, sizeof(*out));
    if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
        data += 3; /* a byte order mark, as spreadsheets write */
        len -= 3;
    }
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
        abort(); /* out of memory: the client's policy (mem.h) */
    feed(&ps, &p, data, len);
    csv_free(&p);
    clear_row(&ps);
    if (!ps.failed)
        return 0;
    cli_budget_free(out);
    return -1;
}

int cli_budget_read(const char *path, const char *currency, cli_budget *out,
                    char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    char *data;
    size_t n;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (f == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    data = ssc_xmalloc(CLI_BUDGET_MAX_BYTES + 1);
    n = fread(data, 1, CLI_BUDGET_MAX_BYTES + 1, f);
    if (ferror(f))
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
    else if (n > CLI_BUDGET_MAX_BYTES)
        snprintf(err, errlen, "%s: larger than %d bytes", path,
                 CLI_BUDGET_MAX_BYTES);
    else
        rc = cli_budget_parse(path, data, n, currency, out, err, errlen);
    fclose(f);
    free(data);
    return rc;
}
