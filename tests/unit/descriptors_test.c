/*
 * descriptors_test.c - unit tests for daemon/descriptors.c, against the real
 * descriptor set embedded in ssc_proto and against broken copies of it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "descriptors.h"

#include <stdlib.h>
#include <string.h>

static int setup(void **state)
{
    ssc_descriptors *d =
        ssc_descriptors_load(ssc_descriptor_set, ssc_descriptor_set_len);

    if (d == NULL)
        return -1;
    *state = d;
    return 0;
}

static int teardown(void **state)
{
    ssc_descriptors_free(*state);
    return 0;
}

static void assert_symbol_in(const ssc_descriptors *d, const char *sym,
                             const char *file)
{
    const ssc_descfile *f = ssc_descriptors_by_symbol(d, sym);

    assert_non_null(f);
    assert_string_equal(ssc_descfile_name(f), file);
}

static void test_finds_services_and_methods(void **state)
{
    const ssc_descriptors *d = *state;

    assert_symbol_in(d, "grpc.testing.TestService", "grpc/testing/test.proto");
    assert_symbol_in(d, "grpc.testing.TestService.FullDuplexCall",
                     "grpc/testing/test.proto");
    assert_symbol_in(d, "grpc.health.v1.Health", "grpc/health/v1/health.proto");
    assert_symbol_in(d, "grpc.health.v1.Health.Check",
                     "grpc/health/v1/health.proto");
    assert_symbol_in(d, "grpc.reflection.v1alpha.ServerReflection",
                     "grpc/reflection/v1alpha/reflection.proto");
}

static void test_finds_messages_enums_and_nested(void **state)
{
    const ssc_descriptors *d = *state;

    assert_symbol_in(d, "grpc.testing.SimpleRequest",
                     "grpc/testing/messages.proto");
    assert_symbol_in(d, "grpc.testing.SimpleRequest.response_size",
                     "grpc/testing/messages.proto");
    assert_symbol_in(d, "grpc.testing.Empty", "grpc/testing/empty.proto");
    assert_symbol_in(d, "grpc.testing.PayloadType",
                     "grpc/testing/messages.proto");
    /* Enum values are scoped as siblings of their enum. */
    assert_symbol_in(d, "grpc.testing.COMPRESSABLE",
                     "grpc/testing/messages.proto");
    /* A nested enum and its values. */
    assert_symbol_in(d, "grpc.health.v1.HealthCheckResponse.ServingStatus",
                     "grpc/health/v1/health.proto");
    assert_symbol_in(d, "grpc.health.v1.HealthCheckResponse.SERVING",
                     "grpc/health/v1/health.proto");
}

static void test_by_name(void **state)
{
    const ssc_descriptors *d = *state;
    const ssc_descfile *f =
        ssc_descriptors_by_name(d, "grpc/health/v1/health.proto");
    const uint8_t *bytes;
    size_t len = 0;

    assert_non_null(f);
    assert_string_equal(ssc_descfile_name(f), "grpc/health/v1/health.proto");
    assert_string_equal(ssc_descfile_package(f), "grpc.health.v1");
    bytes = ssc_descfile_bytes(f, &len);
    assert_non_null(bytes);
    assert_true(len > 0);
    /* The bytes are the FileDescriptorProto itself: field 1, the name. */
    assert_int_equal(bytes[0], 0x0a);
    assert_int_equal(bytes[1], strlen("grpc/health/v1/health.proto"));
    assert_memory_equal(bytes + 2, "grpc/health/v1/health.proto", bytes[1]);
}

static void test_unknown_is_null(void **state)
{
    const ssc_descriptors *d = *state;

    assert_null(ssc_descriptors_by_symbol(d, "grpc.testing.NoSuchThing"));
    assert_null(ssc_descriptors_by_symbol(d, ""));
    assert_null(ssc_descriptors_by_symbol(d, ".grpc.testing.SimpleRequest"));
    assert_null(ssc_descriptors_by_symbol(d, "grpc.testing"));
    assert_null(ssc_descriptors_by_name(d, "grpc/testing/nosuch.proto"));
    assert_null(ssc_descriptors_by_name(d, ""));
}

static size_t index_of(const ssc_descfile **v, size_t n, const char *name)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcmp(ssc_descfile_name(v[i]), name) == 0)
            return i;
    fail_msg("%s is not in the closure", name);
    return n;
}

static void test_closure_in_dependency_order(void **state)
{
    const ssc_descriptors *d = *state;
    const ssc_descfile *test =
        ssc_descriptors_by_name(d, "grpc/testing/test.proto");
    const ssc_descfile **v;
    size_t n = 0, i, j;

    assert_non_null(test);
    v = ssc_descriptors_closure(d, test, &n);
    assert_int_equal(n, 3);
    assert_ptr_equal(v[n - 1], test);
    assert_true(index_of(v, n, "grpc/testing/empty.proto") < n - 1);
    assert_true(index_of(v, n, "grpc/testing/messages.proto") < n - 1);
    for (i = 0; i < n; i++)
        for (j = i + 1; j < n; j++)
            assert_ptr_not_equal(v[i], v[j]);
    free(v);
}

static void test_closure_without_imports(void **state)
{
    const ssc_descriptors *d = *state;
    const ssc_descfile *f =
        ssc_descriptors_by_name(d, "grpc/testing/empty.proto");
    const ssc_descfile **v;
    size_t n = 0;

    assert_non_null(f);
    v = ssc_descriptors_closure(d, f, &n);
    assert_int_equal(n, 1);
    assert_ptr_equal(v[0], f);
    free(v);
}

static void test_empty_set(void **state)
{
    ssc_descriptors *d = ssc_descriptors_load(NULL, 0);

    assert_non_null(d);
    assert_int_equal(ssc_descriptors_count(d), 0);
    assert_null(ssc_descriptors_by_name(d, "a.proto"));
    assert_null(ssc_descriptors_by_symbol(d, "a.B"));
    ssc_descriptors_free(d);
}

static void test_malformed(void **state)
{
    static const uint8_t bad_varint[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                         0xff, 0xff, 0xff, 0xff, 0xff};
    static const uint8_t long_length[] = {0x0a, 0x7f, 0x0a, 0x01, 'a'};
    static const uint8_t group[] = {0x0b, 0x0c};
    static const uint8_t field_zero[] = {0x02, 0x00};
    static const uint8_t file_as_varint[] = {0x08, 0x01};
    /* A file with no name. */
    static const uint8_t nameless[] = {0x0a, 0x03, 0x12, 0x01, 'p'};
    /* A file that imports one missing from the set. */
    static const uint8_t missing_import[] = {0x0a, 0x08, 0x0a, 0x01, 'a',
                                             0x1a, 0x03, 'b',  '.',  'p'};
    /* Two files with the same name. */
    static const uint8_t twice[] = {0x0a, 0x03, 0x0a, 0x01, 'a',
                                    0x0a, 0x03, 0x0a, 0x01, 'a'};
    /* A message with a NUL in its name. */
    static const uint8_t nul_name[] = {0x0a, 0x09, 0x0a, 0x01, 'a', 0x22,
                                       0x04, 0x0a, 0x02, 'x',  0x00};

    assert_null(ssc_descriptors_load(bad_varint, sizeof(bad_varint)));
    assert_null(ssc_descriptors_load(long_length, sizeof(long_length)));
    assert_null(ssc_descriptors_load(group, sizeof(group)));
    assert_null(ssc_descriptors_load(field_zero, sizeof(field_zero)));
    assert_null(ssc_descriptors_load(file_as_varint, sizeof(file_as_varint)));
    assert_null(ssc_descriptors_load(nameless, sizeof(nameless)));
    assert_null(ssc_descriptors_load(missing_import, sizeof(missing_import)));
    assert_null(ssc_descriptors_load(twice, sizeof(twice)));
    assert_null(ssc_descriptors_load(nul_name, sizeof(nul_name)));
}

/* Every prefix of the real set either loads or is refused, without a crash or
 * a leak (the sanitizer builds check the latter). Cutting at a file boundary
 * leaves a set that parses but misses imports, so only the full set and the
 * empty one may load. */
static void test_truncated_prefixes(void **state)
{
    size_t n;

    for (n = 1; n < ssc_descriptor_set_len; n += 7) {
        ssc_descriptors *d = ssc_descriptors_load(ssc_descriptor_set, n);

        ssc_descriptors_free(d);
    }
    assert_null(
        ssc_descriptors_load(ssc_descriptor_set, ssc_descriptor_set_len - 1));
}

/* Flipping single bytes must never crash the walk. */
static void test_corrupted_bytes(void **state)
{
    uint8_t *copy = malloc(ssc_descriptor_set_len);
    size_t i;

    assert_non_null(copy);
    for (i = 0; i < ssc_descriptor_set_len; i += 3) {
        memcpy(copy, ssc_descriptor_set, ssc_descriptor_set_len);
        copy[i] ^= 0xa5;
        ssc_descriptors_free(
            ssc_descriptors_load(copy, ssc_descriptor_set_len));
    }
    free(copy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_finds_services_and_methods, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_finds_messages_enums_and_nested,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_by_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_is_null, setup, teardown),
        cmocka_unit_test_setup_teardown(test_closure_in_dependency_order, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_closure_without_imports, setup,
                                        teardown),
        cmocka_unit_test(test_empty_set),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_truncated_prefixes),
        cmocka_unit_test(test_corrupted_bytes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
