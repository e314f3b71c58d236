/*
 * payroll_csv_test.c - unit tests for client/payroll_csv.c: every rule at
 * and just past its limit, each class of problem with a file of its own
 * under tests/unit/payroll_csv/, the layouts RFC 4180 allows, and records
 * split between the reader's 64 KiB chunks.
 *
 * A reading is written down as a transcript, one line per event in the
 * order the caller saw them: "= LINE org|employee|month|hours|amount
 * currency|collaboration" for a line yielded, "W[column] message",
 * "E[column] message" or "C[column] message" for a problem.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "payroll_csv.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* tests/unit/CMakeLists.txt defines it; this is for tools reading the
 * file alone (cppcheck), and for a run from tests/unit/. */
#ifndef PAYROLL_CSV_DIR
#define PAYROLL_CSV_DIR "payroll_csv"
#endif

#define DIR PAYROLL_CSV_DIR "/"
#define HEADER                                                                 \
    "organisation,employee,month,hours,amount,currency,collaboration\n"
#define HEADER_NOTE                                                            \
    "organisation,employee,month,hours,amount,currency,collaboration,note\n"
#define GOOD "42,E-1001,2026-01,7.5,4250.00,EUR,SSC-DK-0001\n"
#define CHUNK (64 * 1024)

typedef struct transcript {
    char text[16384];
    size_t len;
} transcript;

static void add(transcript *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void add(transcript *t, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(t->text + t->len, sizeof(t->text) - t->len, fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < sizeof(t->text) - t->len);
    t->len += (size_t)n;
}

/* The report callback: the message without the test files' directory. */
static void collect(void *arg, const cli_payroll_problem *p)
{
    static const char cls[] = "WEC";
    const char *msg = p->message;

    if (strncmp(msg, DIR, strlen(DIR)) == 0)
        msg += strlen(DIR);
    add(arg, "%c[%s] %s\n", cls[p->cls], p->column ? p->column : "-", msg);
}

static void add_line(transcript *t, const Ssc__V1__PayrollLine *l)
{
    add(t, "= %lld %s|%s|%s|%lld|%lld %s|%s\n", (long long)l->line,
        l->organisation, l->employee_ref, l->month,
        (long long)l->hours_hundredths, (long long)l->amount->amount_minor,
        l->amount->currency, l->collaboration);
}

/* Reads r to its end into t; returns what the last next() returned. */
static int drain(cli_payroll_reader *r, transcript *t)
{
    const Ssc__V1__PayrollLine *l;

    for (;;) {
        int rc = cli_payroll_next(r, &l);

        if (rc != 1)
            return rc;
        add_line(t, l);
    }
}

/* Reads the test file name (NULL when it is critical) into t. */
static void read_file(const char *name, transcript *t)
{
    char path[512];
    cli_payroll_reader *r;

    snprintf(path, sizeof(path), DIR "%s", name);
    t->len = 0;
    t->text[0] = '\0';
    r = cli_payroll_open(path, collect, t);
    if (r == NULL)
        return;
    assert_int_equal(drain(r, t), 0);
    cli_payroll_close(r);
}

static void file_gives(const char *name, const char *want)
{
    transcript t;

    read_file(name, &t);
    assert_string_equal(t.text, want);
}

/* Reads len bytes of CSV named p.csv into t. Returns what open (NULL: -2)
 * and then the last next() returned. */
static int read_mem(const char *csv, size_t len, transcript *t)
{
    cli_payroll_reader *r;
    int rc;

    t->len = 0;
    t->text[0] = '\0';
    r = cli_payroll_open_mem("p.csv", csv, len, collect, t);
    if (r == NULL)
        return -2;
    rc = drain(r, t);
    cli_payroll_close(r);
    return rc;
}

static void mem_gives(const char *csv, const char *want)
{
    transcript t;

    assert_int_equal(read_mem(csv, strlen(csv), &t), 0);
    assert_string_equal(t.text, want);
}

/* ---- values ------------------------------------------------------------- */

static void test_line(void **state)
{
    (void)state;
    mem_gives(HEADER GOOD,
              "= 2 42|E-1001|2026-01|750|425000 EUR|SSC-DK-0001\n");
    mem_gives(HEADER "Ministry of Finance,X/7,2999-12,0,0,DKK,c\n",
              "= 2 Ministry of Finance|X/7|2999-12|0|0 DKK|c\n");
}

/* The line of GOOD with column col (0 to 6) written as cell, read. */
static void cell_gives(int col, const char *cell, const char *want)
{
    const char *cells[7] = {"42",      "E-1001", "2026-01",    "7.5",
                            "4250.00", "EUR",    "SSC-DK-0001"};
    char csv[4096];
    size_t n = strlen(HEADER);

    memcpy(csv, HEADER, n);
    cells[col] = cell;
    for (int i = 0; i < 7; i++)
        n += (size_t)snprintf(csv + n, sizeof(csv) - n, "%s%s", cells[i],
                              i < 6 ? "," : "\n");
    assert_true(n < sizeof(csv));
    mem_gives(csv, want);
}

static char *repeat(char c, size_t n)
{
    char *s = malloc(n + 1);

    assert_non_null(s);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

static void test_hours(void **state)
{
    (void)state;
    cell_gives(3, "744.00",
               "= 2 42|E-1001|2026-01|74400|425000 EUR|SSC-DK-0001\n");
    cell_gives(3, "744",
               "= 2 42|E-1001|2026-01|74400|425000 EUR|SSC-DK-0001\n");
    cell_gives(3, "744.01",
               "E[hours] p.csv:2: column \"hours\": \"744.01\" "
               "is more than 744 hours (31 days of 24)\n");
    cell_gives(3, "745",
               "E[hours] p.csv:2: column \"hours\": \"745\" is more "
               "than 744 hours (31 days of 24)\n");
    cell_gives(3, "99999999999999999999999.5",
               "E[hours] p.csv:2: column \"hours\": \"99999999999999999999999."
               "5\" is more than 744 hours (31 days of 24)\n");
    cell_gives(3, "0", "= 2 42|E-1001|2026-01|0|425000 EUR|SSC-DK-0001\n");
    cell_gives(3, "0007.25",
               "= 2 42|E-1001|2026-01|725|425000 EUR|SSC-DK-0001\n");
    cell_gives(3, "7.255",
               "E[hours] p.csv:2: column \"hours\": \"7.255\" is "
               "not a number of hours with at most two decimals\n");
    cell_gives(3, "\"7,5\"",
               "E[hours] p.csv:2: column \"hours\": \"7,5\" is "
               "not a number of hours with at most two "
               "decimals\n");
    cell_gives(3, "7.",
               "E[hours] p.csv:2: column \"hours\": \"7.\" is not a "
               "number of hours with at most two decimals\n");
    cell_gives(3, ".5",
               "E[hours] p.csv:2: column \"hours\": \".5\" is not a "
               "number of hours with at most two decimals\n");
    cell_gives(3, "-1",
               "E[hours] p.csv:2: column \"hours\": \"-1\" is not a "
               "number of hours with at most two decimals\n");
}

static void test_amount(void **state)
{
    (void)state;
    cell_gives(4, "92233720368547758.07",
               "= 2 42|E-1001|2026-01|750|9223372036854775807 EUR|"
               "SSC-DK-0001\n");
    cell_gives(4, "92233720368547758.08",
               "E[amount] p.csv:2: column \"amount\": \"92233720368547758.08\" "
               "is more than the largest amount, 92233720368547758.07\n");
    cell_gives(4, "92233720368547759",
               "E[amount] p.csv:2: column \"amount\": \"92233720368547759\" is "
               "more than the largest amount, 92233720368547758.07\n");
    cell_gives(4, "12.5", "= 2 42|E-1001|2026-01|750|1250 EUR|SSC-DK-0001\n");
    cell_gives(4, "0.00", "= 2 42|E-1001|2026-01|750|0 EUR|SSC-DK-0001\n");
    cell_gives(4, "1.234",
               "E[amount] p.csv:2: column \"amount\": \"1.234\" is "
               "not an amount with at most two decimals (such as "
               "1234.50)\n");
    cell_gives(4, "\"1,234.00\"",
               "E[amount] p.csv:2: column \"amount\": \"1,234.00\" is not an "
               "amount with at most two decimals (such as 1234.50)\n");
    cell_gives(4, "+5",
               "E[amount] p.csv:2: column \"amount\": \"+5\" is not "
               "an amount with at most two decimals (such as "
               "1234.50)\n");
}

static void test_month(void **state)
{
    (void)state;
    cell_gives(2, "2000-01",
               "= 2 42|E-1001|2000-01|750|425000 EUR|"
               "SSC-DK-0001\n");
    cell_gives(2, "2999-12",
               "= 2 42|E-1001|2999-12|750|425000 EUR|"
               "SSC-DK-0001\n");
    cell_gives(2, "1999-12",
               "E[month] p.csv:2: column \"month\": \"1999-12\" "
               "is not a month from 2000-01 to 2999-12 "
               "(YYYY-MM)\n");
    cell_gives(2, "3000-01",
               "E[month] p.csv:2: column \"month\": \"3000-01\" "
               "is not a month from 2000-01 to 2999-12 "
               "(YYYY-MM)\n");
    cell_gives(2, "2026-13",
               "E[month] p.csv:2: column \"month\": \"2026-13\" "
               "is not a month from 2000-01 to 2999-12 "
               "(YYYY-MM)\n");
    cell_gives(2, "2026-00",
               "E[month] p.csv:2: column \"month\": \"2026-00\" "
               "is not a month from 2000-01 to 2999-12 "
               "(YYYY-MM)\n");
    cell_gives(2, "2026-1",
               "E[month] p.csv:2: column \"month\": \"2026-1\" is "
               "not a month from 2000-01 to 2999-12 (YYYY-MM)\n");
    cell_gives(2, "2026/01",
               "E[month] p.csv:2: column \"month\": \"2026/01\" "
               "is not a month from 2000-01 to 2999-12 "
               "(YYYY-MM)\n");
}

static void test_currency(void **state)
{
    (void)state;
    cell_gives(5, "dkk",
               "W[currency] p.csv:2: column \"currency\": \"dkk\" "
               "upper-cased to DKK\n"
               "= 2 42|E-1001|2026-01|750|425000 DKK|SSC-DK-0001\n");
    cell_gives(5, "EU",
               "E[currency] p.csv:2: column \"currency\": \"EU\" is "
               "not a currency code (ISO 4217, three letters)\n");
    cell_gives(5, "EURO",
               "E[currency] p.csv:2: column \"currency\": \"EURO\" "
               "is not a currency code (ISO 4217, three letters)\n");
    cell_gives(5, "E1R",
               "E[currency] p.csv:2: column \"currency\": \"E1R\" is "
               "not a currency code (ISO 4217, three letters)\n");
    cell_gives(5, "\xc3\x89UR",
               "E[currency] p.csv:2: column \"currency\": "
               "\"\xc3\x89UR\" is not a currency code (ISO "
               "4217, three letters)\n");
}

/* References and names at their lengths; each cell at 1,024 bytes. */
static void test_lengths(void **state)
{
    char *s64 = repeat('e', 64), *s65 = repeat('e', 65);
    char *s200 = repeat('o', 200), *s201 = repeat('o', 201);
    char want[2048], csv[4096];

    (void)state;
    snprintf(want, sizeof(want),
             "= 2 42|%s|2026-01|750|425000 EUR|SSC-DK-0001\n", s64);
    cell_gives(1, s64, want);
    cell_gives(1, s65,
               "E[employee] p.csv:2: column \"employee\": 65 bytes, "
               "more than 64\n");
    snprintf(want, sizeof(want), "= 2 42|E-1001|2026-01|750|425000 EUR|%s\n",
             s64);
    cell_gives(6, s64, want);
    cell_gives(6, s65,
               "E[collaboration] p.csv:2: column \"collaboration\": "
               "65 bytes, more than 64\n");
    snprintf(want, sizeof(want),
             "= 2 %s|E-1001|2026-01|750|425000 EUR|"
             "SSC-DK-0001\n",
             s200);
    cell_gives(0, s200, want);
    cell_gives(0, s201,
               "E[organisation] p.csv:2: column \"organisation\": 201 "
               "bytes, more than 200\n");
    free(s64);
    free(s65);
    free(s200);
    free(s201);

    /* 1,024 bytes in an ignored column pass; 1,025 anywhere do not. */
    s64 = repeat('n', 1024);
    s65 = repeat('n', 1025);
    snprintf(csv, sizeof(csv), "note," HEADER "%s," GOOD "%s," GOOD, s64, s65);
    mem_gives(csv, "W[note] p.csv:1: unknown column \"note\" ignored (the "
                   "columns are organisation,employee,month,hours,amount,"
                   "currency,collaboration)\n"
                   "= 2 42|E-1001|2026-01|750|425000 EUR|SSC-DK-0001\n"
                   "E[note] p.csv:3: column \"note\": longer than 1024 "
                   "bytes\n");
    cell_gives(0, s65,
               "E[organisation] p.csv:2: column \"organisation\": "
               "longer than 1024 bytes\n");
    free(s64);
    free(s65);
}

static void test_characters(void **state)
{
    static const char nul[] = HEADER "42,E-1\0001,2026-01,7.5,1,EUR,c\n" GOOD;

    (void)state;
    cell_gives(1, "E 1",
               "E[employee] p.csv:2: column \"employee\": \"E 1\" "
               "holds a space or a control character\n");
    cell_gives(1, "E\t1",
               "E[employee] p.csv:2: column \"employee\": \"E?1\" "
               "holds a space or a control character\n");
    cell_gives(1,
               "E\xc2\xa0"
               "1",
               "E[employee] p.csv:2: column \"employee\": \"E\xc2\xa0"
               "1\" holds a space or a control character\n");
    cell_gives(1,
               "E\xe2\x80\x83"
               "1",
               "E[employee] p.csv:2: column \"employee\": \"E\xe2\x80\x83"
               "1\" holds a space or a control character\n");
    cell_gives(1, "\xc3\x98-1",
               "= 2 42|\xc3\x98-1|2026-01|750|425000 EUR|"
               "SSC-DK-0001\n");
    cell_gives(6, "\"SSC\nDK\"",
               "E[collaboration] p.csv:2: column "
               "\"collaboration\": \"SSC?DK\" holds a "
               "control character\n");
    cell_gives(6, "SSC DK 1",
               "= 2 42|E-1001|2026-01|750|425000 EUR|SSC DK "
               "1\n");
    cell_gives(6, "SSC\xc2\x9b",
               "E[collaboration] p.csv:2: column "
               "\"collaboration\": \"SSC?\" holds a control "
               "character\n");
    cell_gives(0, "\"Min\nistry\"",
               "E[organisation] p.csv:2: column "
               "\"organisation\": \"Min?istry\" holds a "
               "control character\n");
    cell_gives(0, "Ministry\xff",
               "E[organisation] p.csv:2: column "
               "\"organisation\": not valid UTF-8\n");
    cell_gives(0, "Ministry\xc0\xaf",
               "E[organisation] p.csv:2: column "
               "\"organisation\": not valid UTF-8\n");
    cell_gives(0, "Ministry\xed\xa0\x80",
               "E[organisation] p.csv:2: column "
               "\"organisation\": not valid "
               "UTF-8\n");
    cell_gives(0, "Ministry\xe2\x82",
               "E[organisation] p.csv:2: column "
               "\"organisation\": not valid UTF-8\n");
    cell_gives(0, "\xf0\x9f\x92\xb6",
               "= 2 \xf0\x9f\x92\xb6|E-1001|2026-01|750|"
               "425000 EUR|SSC-DK-0001\n");
    {
        transcript t;

        assert_int_equal(read_mem(nul, sizeof(nul) - 1, &t), 0);
        assert_string_equal(t.text,
                            "E[employee] p.csv:2: column \"employee\": holds a "
                            "NUL byte\n"
                            "= 3 42|E-1001|2026-01|750|425000 EUR|"
                            "SSC-DK-0001\n");
    }
}

static void test_empty_cells(void **state)
{
    (void)state;
    cell_gives(0, "",
               "E[organisation] p.csv:2: column \"organisation\": "
               "empty\n");
    cell_gives(5, " ", "E[currency] p.csv:2: column \"currency\": empty\n");
    cell_gives(6, "\"\"",
               "E[collaboration] p.csv:2: column "
               "\"collaboration\": empty\n");
}

/* ---- the files ------------------------------------------------------------
 */

static void test_critical(void **state)
{
    (void)state;
    file_gives("missing_column.csv",
               "C[hours] missing_column.csv:1: no column \"hours\": the first "
               "line names the columns, such as organisation,employee,month,"
               "hours,amount,currency,collaboration\n");
    file_gives("duplicate_column.csv",
               "C[month] duplicate_column.csv:1: column \"month\" is named "
               "twice\n");
    file_gives("empty.csv", "C[-] empty.csv: empty file: the first line names "
                            "the columns, such as organisation,employee,"
                            "month,hours,amount,currency,collaboration\n");
    file_gives("bad_utf8_header.csv",
               "C[-] bad_utf8_header.csv:1: the header is not valid UTF-8\n");
    file_gives("no-such-file.csv", "C[-] no-such-file.csv: could not open: No "
                                   "such file or directory\n");
    file_gives(".", "C[-] .: could not read: Is a directory\n");
}

static void test_errors(void **state)
{
    (void)state;
    file_gives("short_row.csv",
               "= 2 42|E-1001|2026-01|16000|5200000 DKK|SSC-DK-0001\n"
               "E[-] short_row.csv:3: 6 fields, but the header names 7\n"
               "= 4 42|E-1003|2026-01|8000|2600000 DKK|SSC-DK-0001\n");
    file_gives("long_row.csv",
               "= 2 42|E-1001|2026-01|16000|5200000 DKK|SSC-DK-0001\n"
               "E[-] long_row.csv:3: 8 fields, but the header names 7\n"
               "= 4 42|E-1003|2026-01|8000|2600000 DKK|SSC-DK-0001\n");
    file_gives("bad_hours.csv",
               "= 2 42|E-1001|2026-01|16000|5200000 DKK|SSC-DK-0001\n"
               "E[hours] bad_hours.csv:4: column \"hours\": \"7,5\" is not a "
               "number of hours with at most two decimals\n"
               "E[hours] bad_hours.csv:5: column \"hours\": \"744.01\" is more "
               "than 744 hours (31 days of 24)\n"
               "E[hours] bad_hours.csv:6: column \"hours\": \"7.255\" is not "
               "a number of hours with at most two decimals\n"
               "= 7 42|E-1005|2026-01|74400|2600000 DKK|SSC-DK-0001\n");
    file_gives("bad_month.csv",
               "E[month] bad_month.csv:2: column \"month\": \"2026-13\" is not "
               "a month from 2000-01 to 2999-12 (YYYY-MM)\n"
               "E[month] bad_month.csv:3: column \"month\": \"1999-12\" is not "
               "a month from 2000-01 to 2999-12 (YYYY-MM)\n"
               "E[month] bad_month.csv:4: column \"month\": \"2026-1\" is not "
               "a month from 2000-01 to 2999-12 (YYYY-MM)\n"
               "= 5 Ministry of Finance|E-1004|2000-01|16000|5200000 DKK|"
               "SSC-DK-0001\n");
    file_gives("bad_amount.csv",
               "E[amount] bad_amount.csv:2: column \"amount\": \"52,000.00\" "
               "is not an amount with at most two decimals (such as "
               "1234.50)\n"
               "E[amount] bad_amount.csv:3: column \"amount\": "
               "\"92233720368547758.08\" is more than the largest amount, "
               "92233720368547758.07\n"
               "E[amount] bad_amount.csv:4: column \"amount\": \"-5\" is not "
               "an amount with at most two decimals (such as 1234.50)\n"
               "= 5 42|E-1004|2026-01|16000|9223372036854775807 DKK|"
               "SSC-DK-0001\n");
    file_gives("empty_employee.csv",
               "E[employee] empty_employee.csv:2: column \"employee\": "
               "empty\n"
               "E[employee] empty_employee.csv:3: column \"employee\": "
               "empty\n"
               "= 4 42|E-1003|2026-01|16000|5200000 DKK|SSC-DK-0001\n");
}

static void test_warnings(void **state)
{
    (void)state;
    file_gives("spaces.csv",
               "W[organisation] spaces.csv:2: column \"organisation\": "
               "surrounding spaces removed\n"
               "W[hours] spaces.csv:2: column \"hours\": surrounding spaces "
               "removed\n"
               "= 2 42|E-1001|2026-01|16000|5200000 DKK|SSC-DK-0001\n"
               "W[collaboration] spaces.csv:3: column \"collaboration\": "
               "surrounding spaces removed\n"
               "= 3 42|E-1002|2026-01|16000|5200000 DKK|SSC-DK-0001\n");
    file_gives("extra_column.csv",
               "W[Notes] extra_column.csv:1: unknown column \"Notes\" ignored "
               "(the columns are organisation,employee,month,hours,amount,"
               "currency,collaboration)\n"
               "= 2 42|E-1001|2026-01|16000|5200000 DKK|SSC-DK-0001\n"
               "= 3 42|E-1002|2026-01|16000|5200000 DKK|SSC-DK-0001\n");
    file_gives("lowercase_currency.csv",
               "W[currency] lowercase_currency.csv:2: column \"currency\": "
               "\"dkk\" upper-cased to DKK\n"
               "= 2 42|E-1001|2026-01|16000|5200000 DKK|SSC-DK-0001\n"
               "W[currency] lowercase_currency.csv:3: column \"currency\": "
               "\"Eur\" upper-cased to EUR\n"
               "= 3 42|E-1002|2026-01|16000|5200000 EUR|SSC-DK-0001\n");
}

/* CRLF with the columns in another order and case; quoted fields; a byte
 * order mark; blank lines; no final line end. */
static void test_layouts(void **state)
{
    (void)state;
    file_gives("crlf.csv",
               "= 2 42|E-1001|2026-01|16000|5200000 DKK|SSC-DK-0001\n"
               "= 4 Ministry of Finance|E-1002|2026-02|3750|700000 EUR|"
               "SSC-DK-0002\n");
    file_gives("quoted.csv",
               "W[note] quoted.csv:1: unknown column \"note\" ignored (the "
               "columns are organisation,employee,month,hours,amount,currency,"
               "collaboration)\n"
               "= 2 Ministry of Finance, Denmark|E-1001|2026-01|16000|5200000 "
               "DKK|SSC-DK-0001\n"
               "E[organisation] quoted.csv:3: column \"organisation\": "
               "\"Ministry of?Finance\" holds a control character\n"
               "= 5 42|E-1003|2026-01|16000|5200000 DKK|SSC-DK-0001\n"
               "E[month] quoted.csv:7: column \"month\": \"2026-13\" is not a "
               "month from 2000-01 to 2999-12 (YYYY-MM)\n"
               "= 8 Ministry \"A\"|E-1005|2026-01|16000|5200000 DKK|"
               "SSC-DK-0001\n");
    file_gives("bom.csv",
               "= 2 42|E-1001|2026-01|16000|5200000 DKK|SSC-DK-0001\n");
    file_gives("blank_lines.csv",
               "= 5 42|E-1001|2026-01|16000|5200000 DKK|SSC-DK-0001\n"
               "= 9 42|E-1002|2026-01|16000|5200000 DKK|SSC-DK-0001\n");
    file_gives("no_final_newline.csv",
               "= 2 42|E-1001|2026-01|16000|5200000 DKK|SSC-DK-0001\n"
               "= 3 42|E-1002|2026-01|16000|5200000 DKK|SSC-DK-0001\n");
}

/* ---- quotes and headers in memory --------------------------------------- */

static void test_quotes(void **state)
{
    (void)state;
    /* A quote in the wrong place skips the rest of its line. */
    mem_gives(HEADER "42,E-\"1\",2026-01,7.5,1,EUR,c\n" GOOD,
              "E[-] p.csv:2: a quote in the wrong place (quote a field whole, "
              "and write a quote inside it twice: \"\")\n"
              "= 3 42|E-1001|2026-01|750|425000 EUR|SSC-DK-0001\n");
    mem_gives(HEADER "42,\"E-1\"x,2026-01,7.5,1,EUR,c\n" GOOD,
              "E[-] p.csv:2: a quote in the wrong place (quote a field whole, "
              "and write a quote inside it twice: \"\")\n"
              "= 3 42|E-1001|2026-01|750|425000 EUR|SSC-DK-0001\n");
    mem_gives(HEADER "42, \"E-1\",2026-01,7.5,1,EUR,c\n" GOOD,
              "E[-] p.csv:2: a quote in the wrong place (quote a field whole, "
              "and write a quote inside it twice: \"\")\n"
              "= 3 42|E-1001|2026-01|750|425000 EUR|SSC-DK-0001\n");
    /* ... naming the line it is on when the record began before it. */
    mem_gives(HEADER "\"Min\nistry\"x,E-1,2026-01,7.5,1,EUR,c\n" GOOD,
              "E[-] p.csv:2: line 3: a quote in the wrong place (quote a "
              "field whole, and write a quote inside it twice: \"\")\n"
              "= 4 42|E-1001|2026-01|750|425000 EUR|SSC-DK-0001\n");
    /* A quote never closed takes the rest of the file. */
    mem_gives(HEADER GOOD "\"Min\nistry,E-1,2026-01,7.5,1,EUR,c\n" GOOD,
              "= 2 42|E-1001|2026-01|750|425000 EUR|SSC-DK-0001\n"
              "E[-] p.csv:3: a quoted field is not closed\n");
    /* Line numbers stay right after quoted line ends, CRLF ones too. */
    mem_gives("note," HEADER "\"a\r\nb\r\n\r\nc\",42,E-1,2026-01,1,1,EUR,"
              "c\r\n,"
              "42,E-2,2026-01,1,1,EUR,c\n",
              "W[note] p.csv:1: unknown column \"note\" ignored (the columns "
              "are organisation,employee,month,hours,amount,currency,"
              "collaboration)\n"
              "= 2 42|E-1|2026-01|100|100 EUR|c\n"
              "= 6 42|E-2|2026-01|100|100 EUR|c\n");
    /* A CR alone ends a line too (as old Macintosh files do). */
    mem_gives("organisation,employee,month,hours,amount,currency,"
              "collaboration\r42,E-1,2026-01,1,1,EUR,c\r\r42,E-2,2026-01,1,"
              "1,EUR,c\r\n42,E-3,2026-01,1,1,EUR,\"c\rd\"\r42,E-4,2026-01,"
              "1,1,EUR,c",
              "= 2 42|E-1|2026-01|100|100 EUR|c\n"
              "= 4 42|E-2|2026-01|100|100 EUR|c\n"
              "E[collaboration] p.csv:5: column \"collaboration\": \"c?d\" "
              "holds a control character\n"
              "= 7 42|E-4|2026-01|100|100 EUR|c\n");
}

static void test_headers(void **state)
{
    transcript t;
    char csv[1024];
    size_t n = 0;

    (void)state;
    /* Blank lines before it; names trimmed, in any case; nothing after. */
    mem_gives("\n  \n Organisation ,EMPLOYEE,month,hours,amount,currency,"
              "collaboration\n",
              "");
    mem_gives("\n\n" HEADER GOOD,
              "= 4 42|E-1001|2026-01|750|425000 EUR|SSC-DK-0001\n");
    assert_int_equal(read_mem("\xef\xbb\xbf", 3, &t), -2);
    assert_string_equal(t.text, "C[-] p.csv: empty file: the first line names "
                                "the columns, such as organisation,employee,"
                                "month,hours,amount,currency,collaboration\n");
    assert_int_equal(read_mem("\n \n,,\n", 6, &t), -2);
    assert_int_equal(read_mem("month,hours\n", 12, &t), -2);
    assert_string_equal(t.text, "C[organisation] p.csv:1: no column "
                                "\"organisation\", \"employee\", \"amount\", "
                                "\"currency\", \"collaboration\": the first "
                                "line names the columns, such as "
                                "organisation,employee,month,hours,amount,"
                                "currency,collaboration\n");
    assert_int_equal(read_mem("organisation,\"employee\"x\n", 25, &t), -2);
    assert_string_equal(t.text, "C[-] p.csv:1: the header has a quote in the "
                                "wrong place (quote a field whole, and write "
                                "a quote inside it twice: \"\")\n");
    assert_int_equal(read_mem("organisation,\"employee\n", 23, &t), -2);
    assert_string_equal(t.text, "C[-] p.csv:1: a quoted field is not closed\n");
    for (int i = 0; i < 65; i++)
        n += (size_t)snprintf(csv + n, sizeof(csv) - n, "c%d,", i);
    csv[n - 1] = '\n';
    assert_int_equal(read_mem(csv, n, &t), -2);
    assert_string_equal(t.text, "C[-] p.csv:1: more than 64 columns\n");
    /* An empty name is an unknown column too. */
    mem_gives("organisation,employee,month,hours,amount,currency,"
              "collaboration,\n" GOOD,
              "W[] p.csv:1: unknown column \"\" ignored (the columns are "
              "organisation,employee,month,hours,amount,currency,"
              "collaboration)\n"
              "E[-] p.csv:2: 7 fields, but the header names 8\n");
}

/* ---- chunks ------------------------------------------------------------- */

typedef struct big {
    char *data;
    size_t len, cap;
    unsigned long lines; /* physical lines written */
    unsigned long records;
} big;

static void put(big *b, const char *s, size_t n)
{
    assert_true(b->len + n <= b->cap);
    memcpy(b->data + b->len, s, n);
    b->len += n;
    for (size_t i = 0; i < n; i++)
        b->lines += s[i] == '\n';
}

/* Writes plain records up to a little before at, then one whose
 * organisation pads it to end exactly at at. */
static void fill_to(big *b, size_t at, const char *eol)
{
    char line[512];
    size_t rest;
    int n;

    for (;;) {
        n = snprintf(line, sizeof(line), "42,E-%lu,2026-01,7.5,1,EUR,c%s",
                     b->records + 1, eol);
        if (b->len + (size_t)n + 100 > at)
            break;
        put(b, line, (size_t)n);
        b->records++;
    }
    rest = at - b->len;
    n = snprintf(line, sizeof(line), ",E-%lu,2026-01,7.5,1,EUR,c%s",
                 b->records + 1, eol);
    assert_true(rest > (size_t)n && rest - (size_t)n <= 200);
    memset(line + n, 'o', rest - (size_t)n);
    put(b, line + n, rest - (size_t)n);
    put(b, line, (size_t)n);
    b->records++;
}

/* Reads b, checking every record is yielded on its line, with no
 * problem. */
static void read_big(const big *b, unsigned long first_line)
{
    transcript t = {.len = 0};
    cli_payroll_reader *r =
        cli_payroll_open_mem("big.csv", b->data, b->len, collect, &t);
    const Ssc__V1__PayrollLine *l;
    unsigned long n = 0, warnings, errors, lines;

    assert_non_null(r);
    assert_true(cli_payroll_size(r) == b->len);
    while (cli_payroll_next(r, &l) == 1) {
        char want[32];

        snprintf(want, sizeof(want), "E-%lu", n + 1);
        assert_string_equal(l->employee_ref, want);
        assert_true(l->line == (int64_t)(first_line + n));
        n++;
    }
    assert_string_equal(t.text, "");
    assert_true(n == b->records);
    assert_true(cli_payroll_bytes_read(r) == b->len);
    cli_payroll_counts(r, &warnings, &errors, &lines);
    assert_true(warnings == 0 && errors == 0 && lines == b->records);
    cli_payroll_close(r);
}

/* Records split between two chunks: in a cell, between CR and LF, after a
 * CR alone, in a quoted line end, and with a byte order mark before the
 * first. */
static void test_chunks(void **state)
{
    big b = {.cap = 4 * CHUNK};
    static const char split_q[] = "42,E-Q,2026-01,7.5,1,EUR,q,\"Min\n"
                                  "istry\"\n";

    (void)state;
    b.data = malloc(b.cap);
    assert_non_null(b.data);

    /* A cell across the first boundary. */
    put(&b, HEADER, strlen(HEADER));
    fill_to(&b, CHUNK - 10, "\n");
    fill_to(&b, 2 * CHUNK + 100, "\n");
    assert_true(b.data[CHUNK - 1] != '\n' && b.data[CHUNK] != '\n');
    read_big(&b, 2);

    /* CR at the last byte of a chunk, LF at the first of the next. */
    b.len = 0;
    b.lines = b.records = 0;
    put(&b, HEADER, strlen(HEADER));
    fill_to(&b, CHUNK + 1, "\r\n");
    assert_true(b.data[CHUNK - 1] == '\r' && b.data[CHUNK] == '\n');
    fill_to(&b, 2 * CHUNK + 100, "\r\n");
    read_big(&b, 2);

    /* A CR alone as the last byte of a chunk. */
    b.len = 0;
    b.lines = b.records = 0;
    put(&b, HEADER, strlen(HEADER));
    fill_to(&b, CHUNK, "\r");
    assert_true(b.data[CHUNK - 1] == '\r');
    fill_to(&b, 2 * CHUNK + 100, "\r");
    read_big(&b, 2);

    /* A quoted line end as the last byte of a chunk: the records after it
     * keep their lines. */
    b.len = 0;
    b.lines = b.records = 0;
    put(&b, HEADER_NOTE, strlen(HEADER_NOTE));
    fill_to(&b, CHUNK - (size_t)(strchr(split_q, '\n') - split_q) - 1, ",\n");
    put(&b, split_q, strlen(split_q));
    b.records++;
    assert_true(b.data[CHUNK - 1] == '\n' && b.data[CHUNK - 2] == 'n');
    fill_to(&b, 2 * CHUNK + 100, ",\n");
    {
        transcript t = {.len = 0};
        cli_payroll_reader *r =
            cli_payroll_open_mem("big.csv", b.data, b.len, collect, &t);
        const Ssc__V1__PayrollLine *l = NULL;
        unsigned long k = 0, quoted = 0;

        assert_non_null(r);
        while (cli_payroll_next(r, &l) == 1) {
            k++;
            assert_true(l->line == (int64_t)(k + 1 + quoted));
            quoted += strcmp(l->collaboration, "q") == 0; /* two lines */
        }
        assert_true(quoted == 1);
        assert_true(k == b.records);
        assert_true(l->line == (int64_t)b.lines);
        assert_string_equal(t.text,
                            "W[note] big.csv:1: unknown column \"note\" "
                            "ignored (the columns are organisation,employee,"
                            "month,hours,amount,currency,collaboration)\n");
        cli_payroll_close(r);
    }

    /* A byte order mark, the header across nothing special. */
    b.len = 0;
    b.lines = b.records = 0;
    put(&b, "\xef\xbb\xbf" HEADER, 3 + strlen(HEADER));
    fill_to(&b, 3 * CHUNK + 7, "\n");
    read_big(&b, 2);
    free(b.data);
}

/* A cell of megabytes is one error, kept to its first bytes. */
static void test_huge_cell(void **state)
{
    size_t len = 8 * CHUNK;
    char *csv = malloc(len + 256);
    size_t n = strlen(HEADER);
    transcript t;

    (void)state;
    assert_non_null(csv);
    memcpy(csv, HEADER "\"", n + 1);
    memset(csv + n + 1, 'x', len);
    n += 1 + len;
    n += (size_t)snprintf(csv + n, 256, "\",E-1,2026-01,1,1,EUR,c\n" GOOD);
    assert_int_equal(read_mem(csv, n, &t), 0);
    assert_string_equal(t.text,
                        "E[organisation] p.csv:2: column \"organisation\": "
                        "longer than 1024 bytes\n"
                        "= 3 42|E-1001|2026-01|750|425000 EUR|SSC-DK-0001\n");
    free(csv);
}

/* ---- the reader --------------------------------------------------------- */

static void test_stdin(void **state)
{
    int saved = dup(STDIN_FILENO);
    int fd = open(DIR "quoted.csv", O_RDONLY);
    transcript t = {.len = 0};
    cli_payroll_reader *r;

    (void)state;
    assert_true(saved >= 0 && fd >= 0);
    assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
    close(fd);
    r = cli_payroll_open("-", collect, &t);
    assert_non_null(r);
    assert_true(cli_payroll_size(r) > 0);
    assert_int_equal(drain(r, &t), 0);
    assert_true(cli_payroll_bytes_read(r) == cli_payroll_size(r));
    cli_payroll_close(r);
    assert_non_null(strstr(t.text, "E[month] stdin:7: column \"month\""));
    assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
    close(saved);
}

static void test_counts(void **state)
{
    char path[] = DIR "bad_hours.csv";
    cli_payroll_reader *r = cli_payroll_open(path, NULL, NULL);
    const Ssc__V1__PayrollLine *l;
    unsigned long warnings, errors, lines;

    (void)state;
    assert_non_null(r);
    assert_true(cli_payroll_size(r) > 0);
    while (cli_payroll_next(r, &l) == 1)
        ;
    assert_int_equal(cli_payroll_next(r, &l), 0);
    cli_payroll_counts(r, &warnings, &errors, &lines);
    assert_true(warnings == 0 && errors == 3 && lines == 2);
    cli_payroll_counts(r, NULL, NULL, NULL);
    assert_true(cli_payroll_bytes_read(r) == cli_payroll_size(r));
    cli_payroll_close(r);
    cli_payroll_close(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_line),       cmocka_unit_test(test_hours),
        cmocka_unit_test(test_amount),     cmocka_unit_test(test_month),
        cmocka_unit_test(test_currency),   cmocka_unit_test(test_lengths),
        cmocka_unit_test(test_characters), cmocka_unit_test(test_empty_cells),
        cmocka_unit_test(test_critical),   cmocka_unit_test(test_errors),
        cmocka_unit_test(test_warnings),   cmocka_unit_test(test_layouts),
        cmocka_unit_test(test_quotes),     cmocka_unit_test(test_headers),
        cmocka_unit_test(test_chunks),     cmocka_unit_test(test_huge_cell),
        cmocka_unit_test(test_stdin),      cmocka_unit_test(test_counts),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
