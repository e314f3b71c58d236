/*
 * budget_csv_test.c - unit tests for client/budget_csv.c: the lines of a
 * budget CSV, and the line and column every error names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "budget_csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HEADER "kind,category,year,amount,currency,funder,description\n"

static int parse(const char *csv, const char *currency, cli_budget *b,
                 char *err, size_t errlen)
{
    return cli_budget_parse("b.csv", csv, strlen(csv), currency, b, err,
                            errlen);
}

static void test_lines(void **state)
{
    const char *csv =
        HEADER "budget,staff-compensation,2025,10000000.00,DKK,,\"Advisers, "
               "long-term\"\n"
               "budget,Partner_Activities,2026,12.5,,,\n"
               "cofinancing,,,403770,EUR,EU Interreg,\n"
               "Cofinancing,,,1000.05,,42,\n";
    cli_budget b;
    char err[256] = "";

    (void)state;
    assert_int_equal(parse(csv, "DKK", &b, err, sizeof(err)), 0);
    assert_int_equal(b.n_budget, 2);
    assert_int_equal(
        b.budget[0]->category,
        SSC__V1__BUDGET_CATEGORY__BUDGET_CATEGORY_STAFF_COMPENSATION);
    assert_int_equal(b.budget[0]->year, 2025);
    assert_true(b.budget[0]->amount->amount_minor == 1000000000);
    assert_string_equal(b.budget[0]->amount->currency, "DKK");
    assert_string_equal(b.budget[0]->description, "Advisers, long-term");
    assert_int_equal(
        b.budget[1]->category,
        SSC__V1__BUDGET_CATEGORY__BUDGET_CATEGORY_PARTNER_ACTIVITIES);
    assert_true(b.budget[1]->amount->amount_minor == 1250);
    assert_string_equal(b.budget[1]->amount->currency, "DKK");
    assert_int_equal(b.n_cofinancing, 2);
    assert_string_equal(b.cofinancing[0]->funder_name, "EU Interreg");
    assert_true(b.cofinancing[0]->funder_id == 0);
    assert_true(b.cofinancing[0]->amount->amount_minor == 40377000);
    assert_string_equal(b.cofinancing[0]->amount->currency, "EUR");
    assert_true(b.cofinancing[1]->funder_id == 42);
    assert_string_equal(b.cofinancing[1]->funder_name, "");
    assert_true(b.cofinancing[1]->amount->amount_minor == 100005);
    cli_budget_free(&b);
    assert_int_equal(b.n_budget, 0);
}

/* Columns in any order and case, some left out; CRLF, a byte order mark,
 * blank lines and rows of only commas. */
static void test_layout(void **state)
{
    const char *csv = "\xef\xbb\xbf"
                      "Amount, KIND ,Funder,Category,Year\r\n"
                      "\r\n"
                      "5,budget,,travel,2025\r\n"
                      ",,,,\r\n"
                      "   \r\n"
                      "7.25,cofinancing,Nordic Council,,\r\n";
    cli_budget b;
    char err[256] = "";

    (void)state;
    assert_int_equal(parse(csv, "EUR", &b, err, sizeof(err)), 0);
    assert_int_equal(b.n_budget, 1);
    assert_true(b.budget[0]->amount->amount_minor == 500);
    assert_string_equal(b.budget[0]->description, "");
    assert_int_equal(b.n_cofinancing, 1);
    assert_string_equal(b.cofinancing[0]->funder_name, "Nordic Council");
    assert_true(b.cofinancing[0]->amount->amount_minor == 725);
    cli_budget_free(&b);
}

/* A header and nothing else: no lines (an edit that empties both lists). */
static void test_empty_lists(void **state)
{
    cli_budget b;
    char err[256] = "";

    (void)state;
    assert_int_equal(parse(HEADER, NULL, &b, err, sizeof(err)), 0);
    assert_int_equal(b.n_budget + b.n_cofinancing, 0);
    cli_budget_free(&b);
}

static void fails_with(const char *csv, const char *currency, const char *want)
{
    cli_budget b;
    char err[512] = "";

    assert_int_equal(parse(csv, currency, &b, err, sizeof(err)), -1);
    assert_string_equal(err, want);
    assert_null(b.budget);
    assert_null(b.cofinancing);
}

static void test_errors(void **state)
{
    (void)state;
    fails_with(HEADER "budget,travel,2025,100,,,\n"
                      "\n"
                      "budget,travel,2025,\"12,5\",,,\n",
               "DKK",
               "b.csv:4: column \"amount\": \"12,5\" is not an amount with at "
               "most two decimals (such as 1234.50)");
    fails_with(HEADER "grant,,,100,,,\n", "DKK",
               "b.csv:2: column \"kind\": \"grant\" is not budget or "
               "cofinancing");
    fails_with(HEADER "budget,travel,2025,99999999999999999999,,,\n", "DKK",
               "b.csv:2: column \"amount\": \"99999999999999999999\" is more "
               "than the largest amount, 92233720368547758.07");
    fails_with(HEADER "budget,travel,2025,1.234,,,\n", "DKK",
               "b.csv:2: column \"amount\": \"1.234\" is not an amount with "
               "at most two decimals (such as 1234.50)");
    fails_with(HEADER "budget,travel,2025,0.00,,,\n", "DKK",
               "b.csv:2: column \"amount\": \"0.00\" is not more than 0");
    fails_with(HEADER "budget,food,2025,1,,,\n", "DKK",
               "b.csv:2: column \"category\": \"food\" is not one of "
               "staff-compensation, secondment, travel, workshops, analyses, "
               "partner-activities or contingency");
    fails_with(HEADER "budget,,2025,1,,,\n", "DKK",
               "b.csv:2: column \"category\": a budget line needs one of "
               "staff-compensation, secondment, travel, workshops, analyses, "
               "partner-activities or contingency");
    fails_with(HEADER "budget,travel,25,1,,,\n", "DKK",
               "b.csv:2: column \"year\": \"25\" is not a year (four digits)");
    fails_with(HEADER "budget,travel,2025,1,,EU,\n", "DKK",
               "b.csv:2: column \"funder\": a budget line has no funder "
               "(\"EU\")");
    fails_with(HEADER "cofinancing,,,1,,,\n", "DKK",
               "b.csv:2: column \"funder\": a co-financing line needs a "
               "funder (an organisation id, or a name such as EU Interreg)");
    fails_with(HEADER "cofinancing,travel,,1,,EU,\n", "DKK",
               "b.csv:2: column \"category\": a co-financing line has no "
               "category (\"travel\")");
    fails_with(HEADER "cofinancing,,,1,,EU,why\n", "DKK",
               "b.csv:2: column \"description\": a co-financing line has no "
               "description (\"why\")");
    fails_with(HEADER "cofinancing,,,1,,0,\n", "DKK",
               "b.csv:2: column \"funder\": \"0\" is not an organisation id");
    fails_with(HEADER "budget,travel,2025,1,,,\n", NULL,
               "b.csv:2: column \"currency\": empty, and no --currency to "
               "take instead");
    fails_with(HEADER "budget,travel,2025,1\n", "DKK",
               "b.csv:2: 4 fields, but the header names 7");
    fails_with(HEADER "budget,travel,2025,1,,,,,,,,,,,,,,,,\n", "DKK",
               "b.csv:2: more than 16 fields, but the header names 7");
}

static void test_header_errors(void **state)
{
    (void)state;
    fails_with("budget,travel,2025,100,DKK,,\n", "DKK",
               "b.csv:1: no header: the first line names the columns, such as "
               "kind,category,year,amount,currency,funder,description");
    fails_with("", "DKK",
               "b.csv:1: no header: the first line names the columns, such as "
               "kind,category,year,amount,currency,funder,description");
    fails_with("\n\nkind,amout\n", "DKK",
               "b.csv:3: column 2: unknown column \"amout\" (the columns are "
               "kind,category,year,amount,currency,funder,description)");
    fails_with("kind,amount,Kind\n", "DKK",
               "b.csv:1: column \"kind\" is named twice");
    fails_with("kind,category\n", "DKK",
               "b.csv:1: no column \"amount\": the first line names the "
               "columns, such as "
               "kind,category,year,amount,currency,funder,description");
}

/* Quotes: a field over two lines is one row, named by its first line; a
 * quote in the wrong place and a quote never closed name their lines. */
static void test_quotes(void **state)
{
    cli_budget b;
    char err[256] = "";

    (void)state;
    assert_int_equal(parse(HEADER "budget,travel,2025,1,,,\"two\nlines\"\n"
                                  "budget,travel,2025,x,,,\n",
                           "DKK", &b, err, sizeof(err)),
                     -1);
    assert_string_equal(err, "b.csv:4: column \"amount\": \"x\" is not an "
                             "amount with at most two decimals (such as "
                             "1234.50)");
    fails_with(HEADER "budget,travel,2025,1,,,\"two\nlines\"\n"
                      "budget,trav\"el,2025,1,,,\n",
               "DKK",
               "b.csv:4: a quote in the wrong place (quote a field whole, and "
               "write a quote inside it twice: \"\")");
    fails_with(HEADER "budget,travel,2025,1,,,ok\n"
                      "budget,travel,2025,1,,,\"never closed\n"
                      "more\n",
               "DKK", "b.csv:3: a quoted field is not closed");
    fails_with(HEADER "budget,travel,2025,1,,,\"say \"\"hi\"\"\"\n"
                      "budget,travel,2025,1,,,\"a\"b\n",
               "DKK",
               "b.csv:3: a quote in the wrong place (quote a field whole, and "
               "write a quote inside it twice: \"\")");
}

/* The last row needs no line end. */
static void test_no_final_newline(void **state)
{
    cli_budget b;
    char err[256] = "";

    (void)state;
    assert_int_equal(parse(HEADER "budget,travel,2025,1,,,\"say \"\"hi\"\"\"",
                           "DKK", &b, err, sizeof(err)),
                     0);
    assert_int_equal(b.n_budget, 1);
    assert_string_equal(b.budget[0]->description, "say \"hi\"");
    cli_budget_free(&b);
}

static void test_read(void **state)
{
    char path[] = "/tmp/budget_csv_test.XXXXXX";
    int fd = mkstemp(path);
    const char *csv = HEADER "budget,travel,2025,1,,,\n";
    cli_budget b;
    char err[256] = "";

    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(write(fd, csv, strlen(csv)), (ssize_t)strlen(csv));
    close(fd);
    assert_int_equal(cli_budget_read(path, "DKK", &b, err, sizeof(err)), 0);
    assert_int_equal(b.n_budget, 1);
    cli_budget_free(&b);
    unlink(path);
    assert_int_equal(cli_budget_read(path, "DKK", &b, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "No such file or directory"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_empty_lists),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_header_errors),
        cmocka_unit_test(test_quotes),
        cmocka_unit_test(test_no_final_newline),
        cmocka_unit_test(test_read),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
