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
