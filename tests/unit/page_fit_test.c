/*
 * page_fit_test.c - a list page cut to the message size limit, with the
 * token resuming after the last row kept.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "err.h"
#include "page_fit.h"
#include "store.h"

#include "ssc/v1/organisations.pb-c.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

    assert_int_equal(ssc_store_page_after(token, &cursor), 0);
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
    char *old = ssc_store_page_token("500");
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
        cmocka_unit_test(test_small_page_untouched),
        cmocka_unit_test(test_big_page_cut_with_token),
        cmocka_unit_test(test_existing_token_replaced),
        cmocka_unit_test(test_limit_exact),
        cmocka_unit_test(test_one_row_too_big),
        cmocka_unit_test(test_not_a_page),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
