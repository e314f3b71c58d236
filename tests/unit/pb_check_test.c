/*
 * pb_check_test.c - UTF-8 validation and the wire-level string field check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "err.h"
#include "pb_check.h"

#include "ssc/v1/organisations.pb-c.h"

#include <string.h>

#define U8(s) ((const uint8_t *)(s))

static void test_utf8(void **state)
{
    (void)state;
    assert_true(ssc_utf8_valid(U8(""), 0));
    assert_true(ssc_utf8_valid(U8("Energistyrelsen"), 15));
    assert_true(ssc_utf8_valid(U8("K\xc3\xb8"
                                  "benhavn"),
                               10));                                /* ø */
    assert_true(ssc_utf8_valid(U8("\xe4\xb8\x8a\xe6\xb5\xb7"), 6)); /* 上海 */
    assert_true(ssc_utf8_valid(U8("\xf0\x9f\x98\x88"), 4));         /* 😈 */
    assert_false(ssc_utf8_valid(U8("\xff\xfe"), 2));
    assert_false(ssc_utf8_valid(U8("\xc3"), 1));             /* truncated */
    assert_false(ssc_utf8_valid(U8("\xc0\xaf"), 2));         /* overlong */
    assert_false(ssc_utf8_valid(U8("\xe0\x80\xaf"), 3));     /* overlong */
    assert_false(ssc_utf8_valid(U8("\xed\xa0\x80"), 3));     /* surrogate */
    assert_false(ssc_utf8_valid(U8("\xf4\x90\x80\x80"), 4)); /* > U+10FFFF */
    assert_false(ssc_utf8_valid(U8("a\x80"), 2));            /* stray */
}

static int check(const ProtobufCMessageDescriptor *d, const char *wire,
                 size_t n, char *field)
{
    return ssc_pb_check_strings(d, U8(wire), n, field, 64);
}

static void test_flat_fields(void **state)
{
    const ProtobufCMessageDescriptor *d =
        &ssc__v1__create_organisation_request__descriptor;
    char field[64];

    (void)state;
    /* name (field 2) = "DEA", kind (field 4, varint) = 1 */
    assert_int_equal(check(d,
                           "\x12\x03"
                           "DEA\x20\x01",
                           7, field),
                     0);
    /* name with a NUL inside */
    assert_int_equal(check(d,
                           "\x12\x03N\x00"
                           "A",
                           5, field),
                     SSC_EINVAL);
    assert_string_equal(field, "name");
    /* country (field 5) with invalid UTF-8 after a good name */
    assert_int_equal(check(d,
                           "\x12\x01"
                           "A\x2a\x02\xff\xfe",
                           7, field),
                     SSC_EINVAL);
    assert_string_equal(field, "country");
    /* idempotency_key (field 1) */
    assert_int_equal(check(d, "\x0a\x02k\x00", 4, field), SSC_EINVAL);
    assert_string_equal(field, "idempotency_key");
    /* Unknown fields and bytes that are not strings are not text. */
    assert_int_equal(check(d, "\x7a\x02\x00\xff", 4, field), 0);
}

static void test_nested_and_repeated(void **state)
{
    char field[64];

    (void)state;
    /* ListOrganisationsRequest.page (1) .page_token (2) = "\xff" */
    assert_int_equal(check(&ssc__v1__list_organisations_request__descriptor,
                           "\x0a\x03\x12\x01\xff", 5, field),
                     SSC_EINVAL);
    assert_string_equal(field, "page.page_token");
    /* UpdateOrganisationRequest.update_mask (4, repeated) second entry */
    assert_int_equal(check(&ssc__v1__update_organisation_request__descriptor,
                           "\x22\x04name\x22\x02\x00x", 10, field),
                     SSC_EINVAL);
    assert_string_equal(field, "update_mask");
}

/* protobuf-c accepts field number 0 in a two-byte tag and then cannot pack
 * the message again; the check refuses it as not protobuf at all. */
static void test_field_zero_refused(void **state)
{
    const ProtobufCMessageDescriptor *d =
        &ssc__v1__create_organisation_request__descriptor;
    char field[64];

    (void)state;
    assert_int_equal(check(d, "\x80\x00\xd2\x07", 4, field), SSC_EPROTO);
    assert_int_equal(check(d,
                           "\x12\x01"
                           "A\x02\x00",
                           5, field),
                     SSC_EPROTO);
}

static void test_malformed_left_to_unpacker(void **state)
{
    const ProtobufCMessageDescriptor *d =
        &ssc__v1__create_organisation_request__descriptor;
    char field[64];

    (void)state;
    /* A length past the end, a truncated varint, a group: no verdict. */
    assert_int_equal(check(d,
                           "\x12\x09"
                           "ab",
                           4, field),
                     0);
    assert_int_equal(check(d, "\x12\xff", 2, field), 0);
    assert_int_equal(check(d, "\x13", 1, field), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_flat_fields),
        cmocka_unit_test(test_nested_and_repeated),
        cmocka_unit_test(test_field_zero_refused),
        cmocka_unit_test(test_malformed_left_to_unpacker),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
