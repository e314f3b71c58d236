/*
 * router_test.c - the method table: registration rules, lookup, services.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "call.h"
#include "err.h"
#include "router.h"

#include "grpc/health/v1/health.pb-c.h"

#include <stdio.h>
#include <string.h>

static void noop(ssc_call *call, const ProtobufCMessage *req)
{
    (void)call;
    (void)req;
}

#define METHOD(p, k)                                                           \
    {                                                                          \
        .path = (p), .kind = (k),                                              \
        .input = &grpc__health__v1__health_check_request__descriptor,          \
        .on_message = noop                                                     \
    }

static const ssc_method check =
    METHOD("/grpc.health.v1.Health/Check", SSC_UNARY);
static const ssc_method watch =
    METHOD("/grpc.health.v1.Health/Watch", SSC_SERVER_STREAMING);
static const ssc_method echo = METHOD("/pkg.Echo/Bidi", SSC_BIDI_STREAMING);

static void test_find_exact(void **state)
{
    ssc_router *r = ssc_router_new();
    const char *p = "/grpc.health.v1.Health/Check";

    (void)state;
    assert_int_equal(ssc_router_add(r, &check), 0);
    assert_int_equal(ssc_router_add(r, &watch), 0);
    assert_ptr_equal(ssc_router_find(r, p, strlen(p)), &check);
    assert_int_equal(
        ssc_router_find(r, "/grpc.health.v1.Health/Watch", 28)->kind,
        SSC_SERVER_STREAMING);
    /* Case-sensitive, exact length, no prefix matches. */
    assert_null(ssc_router_find(r, "/grpc.health.v1.Health/check", 28));
    assert_null(ssc_router_find(r, p, strlen(p) - 1));
    assert_null(ssc_router_find(r, "", 0));
    ssc_router_free(r);
}

static void test_rejects_bad_paths(void **state)
{
    static const ssc_method bad[] = {
        METHOD("grpc.health.v1.Health/Check", SSC_UNARY),
        METHOD("/Check", SSC_UNARY),
        METHOD("//Check", SSC_UNARY),
        METHOD("/svc/", SSC_UNARY),
        METHOD("/a/b/c", SSC_UNARY),
    };
    ssc_router *r = ssc_router_new();

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(ssc_router_add(r, &bad[i]), SSC_EINVAL);
    assert_int_equal(ssc_router_service_count(r), 0);
    ssc_router_free(r);
}

static void test_rejects_duplicate(void **state)
{
    ssc_router *r = ssc_router_new();

    (void)state;
    assert_int_equal(ssc_router_add(r, &check), 0);
    assert_int_equal(ssc_router_add(r, &check), SSC_EINVAL);
    ssc_router_free(r);
}

static void test_services_distinct_in_order(void **state)
{
    ssc_router *r = ssc_router_new();

    (void)state;
    assert_int_equal(ssc_router_add(r, &check), 0);
    assert_int_equal(ssc_router_add(r, &echo), 0);
    assert_int_equal(ssc_router_add(r, &watch), 0);
    assert_int_equal(ssc_router_service_count(r), 2);
    assert_string_equal(ssc_router_service_name(r, 0), "grpc.health.v1.Health");
    assert_string_equal(ssc_router_service_name(r, 1), "pkg.Echo");
    assert_null(ssc_router_service_name(r, 2));
    assert_true(ssc_router_has_service(r, "pkg.Echo"));
    assert_false(ssc_router_has_service(r, "pkg.Ech"));
    assert_false(ssc_router_has_service(r, "grpc.health.v1"));
    ssc_router_free(r);
}

/* A table is registered in order and stops at its first bad entry. */
static void test_add_all(void **state)
{
    const ssc_method table[] = {check, echo, METHOD("no-slash", SSC_UNARY),
                                watch};
    ssc_router *r = ssc_router_new();

    (void)state;
    assert_int_equal(ssc_router_add_all(r, table, 2), 0);
    assert_int_equal(ssc_router_service_count(r), 2);
    ssc_router_free(r);
    r = ssc_router_new();
    assert_int_equal(ssc_router_add_all(r, table, 4), SSC_EINVAL);
    assert_non_null(ssc_router_find(r, "/pkg.Echo/Bidi", 14));
    assert_null(ssc_router_find(r, "/grpc.health.v1.Health/Watch", 28));
    ssc_router_free(r);
}

/* Many methods force the table to grow; every one stays findable. */
static void test_growth(void **state)
{
    enum { N = 500 };
    static char paths[N][32];
    static ssc_method ms[N];
    ssc_router *r = ssc_router_new();

    (void)state;
    for (int i = 0; i < N; i++) {
        snprintf(paths[i], sizeof(paths[i]), "/svc%d.S/M%d", i % 7, i);
        ms[i] = (ssc_method)METHOD(paths[i], SSC_UNARY);
        assert_int_equal(ssc_router_add(r, &ms[i]), 0);
    }
    for (int i = 0; i < N; i++)
        assert_ptr_equal(ssc_router_find(r, paths[i], strlen(paths[i])),
                         &ms[i]);
    assert_int_equal(ssc_router_service_count(r), 7);
    ssc_router_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_find_exact),
        cmocka_unit_test(test_rejects_bad_paths),
        cmocka_unit_test(test_rejects_duplicate),
        cmocka_unit_test(test_services_distinct_in_order),
        cmocka_unit_test(test_add_all),
        cmocka_unit_test(test_growth),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
