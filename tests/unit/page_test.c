/*
 * page_test.c - list pages: tokens, sizes, and a page cut to the message
 * size limit with the token resuming after the last row kept.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "b64.h"
#include "err.h"
#include "page.h"

#include "ssc/v1/organisations.pb-c.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- page tokens ------------------------------------------------------- */

static void round_trip(const char *cursor)
{
    char *token = ssc_page_token(cursor);
    char *back = NULL;

    assert_non_null(token);
    /* base64url without padding: safe in any URL, JSON or shell word. */
    assert_int_equal(strspn(token, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                   "abcdefghijklmnopqrstuvwxyz0123456789-_"),
                     strlen(token));
    assert_int_equal(ssc_page_after(token, &back), 0);
    assert_string_equal(back, cursor);
    free(back);
    free(token);
}

static void test_page_token_round_trip(void **state)
{
    (void)state;
    round_trip("1");
    round_trip("42");
    round_trip("9223372036854775807");
    round_trip("23110");
    /* Cursors whose encoding uses base64's '+' and '/' positions. */
    round_trip("\xfb\xff\xbe?>");
}

static void test_page_token_empty(void **state)
{
    char *cursor = NULL;

    (void)state;
    assert_int_equal(ssc_page_after("", &cursor), 0);
    assert_string_equal(cursor, "");
    free(cursor);
}

/* The base64url of s (as a client forging a token would make it). */
static char *forge(const char *s, size_t n)
{
    char *t = ssc_b64_encode((const uint8_t *)s, n, NULL);

    for (char *p = t; *p != '\0'; p++)
        *p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
    return t;
}

static void assert_rejected(const char *token)
{
    char *cursor = (char *)"untouched";

    assert_int_equal(ssc_page_after(token, &cursor), SSC_EINVAL);
    assert_null(cursor);
}

static void test_page_token_rejects_foreign(void **state)
{
    char long_token[300];
    char *t;

    (void)state;
    assert_rejected("garbage!!");
    assert_rejected("YzE6NDI="); /* padded */
    assert_rejected("a");        /* impossible length */
    t = forge("x1:42", 5);       /* another prefix */
    assert_rejected(t);
    free(t);
    t = forge("c1:", 3); /* prefix without a cursor */
    assert_rejected(t);
    free(t);
    t = forge("c1:4\0002", 6); /* a NUL inside */
    assert_rejected(t);
    free(t);
    t = forge("42", 2); /* a bare cursor */
    assert_rejected(t);
    free(t);
    memset(long_token, 'A', sizeof(long_token) - 1);
    long_token[sizeof(long_token) - 1] = '\0';
    assert_rejected(long_token);
}

/* A token with the standard alphabet's '+' or '/' is not base64url. */
static void test_page_token_rejects_standard_alphabet(void **state)
{
    char *token = ssc_page_token("\xfb\xff\xbe?>");
    char *p;

    (void)state;
    p = strpbrk(token, "-_");
    assert_non_null(p);
    *p = *p == '-' ? '+' : '/';
    assert_rejected(token);
    free(token);
}

static void test_page_size(void **state)
{
    (void)state;
    assert_int_equal(ssc_page_size(0), SSC_PAGE_DEFAULT);
    assert_int_equal(ssc_page_size(1), 1);
    assert_int_equal(ssc_page_size(SSC_PAGE_MAX), SSC_PAGE_MAX);
    assert_int_equal(ssc_page_size(SSC_PAGE_MAX + 1), SSC_PAGE_MAX);
    assert_int_equal(ssc_page_size(UINT32_MAX), SSC_PAGE_MAX);
}

static void page_request_as(int integer, uint32_t size, const char *token,
                            int want_rc, int want_size, const char *want)
{
    Ssc__V1__PageRequest page = SSC__V1__PAGE_REQUEST__INIT;
    char *cursor = NULL, why[128] = "";
    int got_size = -1;

    page.page_size = size;
    page.page_token = (char *)token;
    assert_int_equal(
        ssc_page_request(&page, integer, &got_size, &cursor, why, sizeof(why)),
        want_rc);
    if (want_rc == 0) {
        assert_int_equal(got_size, want_size);
        assert_string_equal(cursor, want);
    } else {
        assert_null(cursor);
        assert_string_equal(why, want);
    }
    free(cursor);
}

/* An id cursor (the list pages by an integer field). */
static void page_request(uint32_t size, const char *token, int want_rc,
                         int want_size, const char *want)
{
    page_request_as(1, size, token, want_rc, want_size, want);
}

static void test_page_request(void **state)
{
    char *t42 = ssc_page_token("42");
    char *tword = ssc_page_token("abc");
    char *tmax = ssc_page_token("9223372036854775807");
    char *tbig = ssc_page_token("9223372036854775808");
    char *cursor = NULL, why[128];
    int size = 0;

    (void)state;
    assert_int_equal(
        ssc_page_request(NULL, 1, &size, &cursor, why, sizeof(why)), 0);
    assert_int_equal(size, SSC_PAGE_DEFAULT);
    assert_string_equal(cursor, "");
    free(cursor);
    page_request(0, "", 0, SSC_PAGE_DEFAULT, "");
    page_request(7, t42, 0, 7, "42");
    page_request(500, "", 0, 500, "");
    /* Larger pages are capped, not refused (the contract in common.proto). */
    page_request(501, "", 0, 500, "");
    page_request(100000, "", 0, 500, "");
    page_request(5, "garbage!!", SSC_EINVAL, 0,
                 "page.page_token: not a token this server issued");
    page_request(5, tword, SSC_EINVAL, 0,
                 "page.page_token: not a token this server issued");
    page_request(5, tmax, 0, 5, "9223372036854775807");
    page_request(5, tbig, SSC_EINVAL, 0,
                 "page.page_token: not a token this server issued");
    /* A list that pages by a text code takes any cursor it issued. */
    page_request_as(0, 5, tword, 0, 5, "abc");
    free(t42);
    free(tword);
    free(tbig);
    free(tmax);
}

typedef Ssc__V1__ListOrganisationsResponse page;

/* A page of n organisations with ids 1..n, each with a name of name_len
 * bytes, and next_page_token set to token (may be NULL), all malloc'd as
 * json_pb makes them. */
static page *make_page(size_t n, size_t name_len, const char *token)
{
    page *p = malloc(sizeof(*p));

    ssc__v1__list_organisations_response__init(p);
    p->n_organisations = n;
    p->organisations = calloc(n, sizeof(*p->organisations));
    for (size_t i = 0; i < n; i++) {
        Ssc__V1__Organisation *o = malloc(sizeof(*o));

        ssc__v1__organisation__init(o);
        o->id = (int64_t)i + 1;
        o->name = malloc(name_len + 1);
        memset(o->name, 'n', name_len);
        o->name[name_len] = '\0';
        p->organisations[i] = o;
    }
    if (token != NULL)
        p->next_page_token = strdup(token);
    return p;
}

static void free_page(page *p)
{
    protobuf_c_message_free_unpacked(&p->base, NULL);
}

static char *cursor_of(const char *token)
{
    char *cursor = NULL;

    assert_int_equal(ssc_page_after(token, &cursor), 0);
    return cursor;
}

static void test_small_page_untouched(void **state)
{
    page *p = make_page(3, 10, NULL);
    char err[256];

    (void)state;
    assert_int_equal(
        ssc_page_fit(&p->base, "organisations", "id", 1024, err, sizeof(err)),
        0);
    assert_int_equal(p->n_organisations, 3);
    assert_string_equal(p->next_page_token, "");
    free_page(p);
}

/* 100 rows of about 110 bytes in a 1 KiB limit: the first rows that fit are
 * kept, the result packs within the limit, and the token resumes after the
 * last one kept. */
static void test_big_page_cut_with_token(void **state)
{
    page *p = make_page(100, 100, NULL);
    char err[256], *cursor;
    char want[32];

    (void)state;
    assert_int_equal(
        ssc_page_fit(&p->base, "organisations", "id", 1024, err, sizeof(err)),
        0);
    assert_true(p->n_organisations > 0 && p->n_organisations < 100);
    assert_true(protobuf_c_message_get_packed_size(&p->base) <= 1024);
    /* One more row would not have fit. */
    assert_true(protobuf_c_message_get_packed_size(&p->base) + 100 > 1024 - 8);
    cursor = cursor_of(p->next_page_token);
    snprintf(want, sizeof(want), "%zu", p->n_organisations);
    assert_string_equal(cursor, want);
    free(cursor);
    free_page(p);
}

/* A page that had a token (more rows after it) gets one after the last row
 * kept instead. */
static void test_existing_token_replaced(void **state)
{
    char *old = ssc_page_token("500");
    page *p = make_page(50, 200, old);
    char err[256], *cursor;

    (void)state;
    assert_int_equal(
        ssc_page_fit(&p->base, "organisations", "id", 2048, err, sizeof(err)),
        0);
    assert_true(protobuf_c_message_get_packed_size(&p->base) <= 2048);
    cursor = cursor_of(p->next_page_token);
    assert_int_equal(strtol(cursor, NULL, 10), (long)p->n_organisations);
    free(cursor);
    free(old);
    free_page(p);
}

/* The limit exactly at the packed size fits as it is; one byte less cuts. */
static void test_limit_exact(void **state)
{
    page *p = make_page(5, 100, NULL);
    size_t size = protobuf_c_message_get_packed_size(&p->base);
    char err[256];

    (void)state;
    assert_int_equal(
        ssc_page_fit(&p->base, "organisations", "id", size, err, sizeof(err)),
        0);
    assert_int_equal(p->n_organisations, 5);
    assert_int_equal(ssc_page_fit(&p->base, "organisations", "id", size - 1,
                                  err, sizeof(err)),
                     0);
    assert_true(p->n_organisations < 5);
    assert_true(protobuf_c_message_get_packed_size(&p->base) <= size - 1);
    free_page(p);
}

static void test_one_row_too_big(void **state)
{
    page *p = make_page(2, 4000, NULL);
    char err[256];

    (void)state;
    assert_int_equal(
        ssc_page_fit(&p->base, "organisations", "id", 1024, err, sizeof(err)),
        SSC_ETOOBIG);
    assert_non_null(strstr(err, "organisations[0]"));
    assert_int_equal(p->n_organisations, 2); /* unchanged */
    free_page(p);
}

static void test_not_a_page(void **state)
{
    page *p = make_page(20, 100, NULL);
    char err[256];

    (void)state;
    assert_int_equal(
        ssc_page_fit(&p->base, "nothing", "id", 100, err, sizeof(err)),
        SSC_EINVAL);
    free_page(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_page_token_round_trip),
        cmocka_unit_test(test_page_token_empty),
        cmocka_unit_test(test_page_token_rejects_foreign),
        cmocka_unit_test(test_page_token_rejects_standard_alphabet),
        cmocka_unit_test(test_page_size),
        cmocka_unit_test(test_page_request),
        cmocka_unit_test(test_small_page_untouched),
        cmocka_unit_test(test_big_page_cut_with_token),
        cmocka_unit_test(test_existing_token_replaced),
        cmocka_unit_test(test_limit_exact),
        cmocka_unit_test(test_one_row_too_big),
        cmocka_unit_test(test_not_a_page),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
