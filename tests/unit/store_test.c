/*
 * store_test.c - the parts of the store layer that need no database: page
 * tokens, page sizes, the idempotency hash of a request.
 *
 * ssc_store_request_hash() reads the method path from the call; the test
 * links with -Wl,--wrap=ssc_call_method (tests/unit/CMakeLists.txt) so a
 * "call" here is just a pointer to the ssc_method it should report.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "router.h" /* before call.h, which uses its ssc_method typedef */

#include "b64.h"
#include "call.h"
#include "err.h"
#include "store.h"

#include "ssc/v1/organisations.pb-c.h"
#include "ssc/v1/principals.pb-c.h"

#include <stdlib.h>
#include <string.h>

const ssc_method *__wrap_ssc_call_method(const ssc_call *call);

const ssc_method *__wrap_ssc_call_method(const ssc_call *call)
{
    return (const ssc_method *)call;
}

static const ssc_method create_method = {.path =
                                             "/ssc.v1.Organisations/Create"};
static const ssc_method update_method = {.path =
                                             "/ssc.v1.Organisations/Update"};

#define AS_CALL(m) ((const ssc_call *)(const void *)&(m))

/* ---- page tokens ------------------------------------------------------- */

static void round_trip(const char *cursor)
{
    char *token = ssc_store_page_token(cursor);
    char *back = NULL;

    assert_non_null(token);
    /* base64url without padding: safe in any URL, JSON or shell word. */
    assert_int_equal(strspn(token, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                   "abcdefghijklmnopqrstuvwxyz0123456789-_"),
                     strlen(token));
    assert_int_equal(ssc_store_page_after(token, &back), 0);
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
    assert_int_equal(ssc_store_page_after("", &cursor), 0);
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

    assert_int_equal(ssc_store_page_after(token, &cursor), SSC_EINVAL);
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
    char *token = ssc_store_page_token("\xfb\xff\xbe?>");
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
    assert_int_equal(ssc_store_page_size(0), SSC_STORE_PAGE_DEFAULT);
    assert_int_equal(ssc_store_page_size(1), 1);
    assert_int_equal(ssc_store_page_size(SSC_STORE_PAGE_MAX),
                     SSC_STORE_PAGE_MAX);
    assert_int_equal(ssc_store_page_size(SSC_STORE_PAGE_MAX + 1),
                     SSC_STORE_PAGE_MAX);
    assert_int_equal(ssc_store_page_size(UINT32_MAX), SSC_STORE_PAGE_MAX);
}

/* ---- request hash ------------------------------------------------------ */

static void hash_create(const ssc_method *m, const char *key, const char *name,
                        char out[67])
{
    Ssc__V1__CreateOrganisationRequest req =
        SSC__V1__CREATE_ORGANISATION_REQUEST__INIT;

    req.idempotency_key = (char *)key;
    req.name = (char *)name;
    req.kind = SSC__V1__ORGANISATION_KIND__ORGANISATION_KIND_DANISH_AUTHORITY;
    req.country = (char *)"DK";
    ssc_store_request_hash(AS_CALL(*m), &req.base, out);
}

static void test_hash_form(void **state)
{
    char h[67];

    (void)state;
    hash_create(&create_method, "k1", "Danish Energy Agency", h);
    assert_int_equal(strlen(h), 66);
    assert_memory_equal(h, "\\x", 2);
    assert_int_equal(strspn(h + 2, "0123456789abcdef"), 64);
}

/* SHA-256 over "/ssc.v1.Organisations/Create", a NUL and the request packed
 * without its key: 12 01 'X' (name) 20 01 (kind) 2a 02 'D' 'K' (country),
 * as computed by Python's hashlib. */
static void test_hash_known_value(void **state)
{
    char h[67];

    (void)state;
    hash_create(&create_method, "any key", "X", h);
    assert_string_equal(h, "\\x4d5b610de6e550dc416601facd162d33"
                           "fb474c486787c8c2c001785efccf690a");
}

static void test_hash_ignores_key(void **state)
{
    char a[67], b[67], c[67];

    (void)state;
    hash_create(&create_method, "k1", "Danish Energy Agency", a);
    hash_create(&create_method, "another key", "Danish Energy Agency", b);
    hash_create(&create_method, "", "Danish Energy Agency", c);
    assert_string_equal(a, b);
    assert_string_equal(a, c);
}

static void test_hash_leaves_request_alone(void **state)
{
    Ssc__V1__CreateOrganisationRequest req =
        SSC__V1__CREATE_ORGANISATION_REQUEST__INIT;
    char h[67];

    (void)state;
    req.idempotency_key = (char *)"k1";
    req.name = (char *)"Danish Energy Agency";
    ssc_store_request_hash(AS_CALL(create_method), &req.base, h);
    assert_string_equal(req.idempotency_key, "k1");
}

static void test_hash_differs_by_request(void **state)
{
    char a[67], b[67];

    (void)state;
    hash_create(&create_method, "k1", "Danish Energy Agency", a);
    hash_create(&create_method, "k1", "Danish Energy Agency.", b);
    assert_string_not_equal(a, b);
}

static void test_hash_differs_by_method(void **state)
{
    char a[67], b[67];

    (void)state;
    hash_create(&create_method, "k1", "Danish Energy Agency", a);
    hash_create(&update_method, "k1", "Danish Energy Agency", b);
    assert_string_not_equal(a, b);
}

/* Field 1 is left out only where it is the idempotency key: in another
 * request it is part of what the hash covers. */
static void test_hash_other_messages(void **state)
{
    static const ssc_method add = {.path = "/ssc.v1.Principals/Add"};
    Ssc__V1__AddPrincipalRequest p = SSC__V1__ADD_PRINCIPAL_REQUEST__INIT;
    Ssc__V1__GetOrganisationRequest g = SSC__V1__GET_ORGANISATION_REQUEST__INIT;
    char a[67], b[67];

    (void)state;
    p.subject = (char *)"CN=someone";
    p.role = SSC__V1__ROLE__ROLE_ADMIN;
    p.idempotency_key = (char *)"one";
    ssc_store_request_hash(AS_CALL(add), &p.base, a);
    p.idempotency_key = (char *)"two";
    ssc_store_request_hash(AS_CALL(add), &p.base, b);
    assert_string_equal(a, b);

    /* GetOrganisationRequest's field 1 is the id: it counts. */
    g.id = 1;
    ssc_store_request_hash(AS_CALL(create_method), &g.base, a);
    g.id = 2;
    ssc_store_request_hash(AS_CALL(create_method), &g.base, b);
    assert_string_not_equal(a, b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_page_token_round_trip),
        cmocka_unit_test(test_page_token_empty),
        cmocka_unit_test(test_page_token_rejects_foreign),
        cmocka_unit_test(test_page_token_rejects_standard_alphabet),
        cmocka_unit_test(test_page_size),
        cmocka_unit_test(test_hash_form),
        cmocka_unit_test(test_hash_known_value),
        cmocka_unit_test(test_hash_ignores_key),
        cmocka_unit_test(test_hash_leaves_request_alone),
        cmocka_unit_test(test_hash_differs_by_request),
        cmocka_unit_test(test_hash_differs_by_method),
        cmocka_unit_test(test_hash_other_messages),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
