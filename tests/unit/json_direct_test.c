/*
 * json_direct_test.c - the direct reader gives what the tree way gives.
 *
 * Every answer is decoded three ways: the tree way (ssc_json_read(), then
 * ssc_json_pb_decode() or ssc_json_pb_page()), the reference; the direct
 * reader alone (ssc_json_direct_decode(), ssc_json_direct_page()); and the
 * entry points sscd calls (ssc_json_pb_decode_text(),
 * ssc_json_pb_page_text()). The answers PostgreSQL sends must go the direct
 * way to the tree way's bytes; each thing the direct reader leaves to jansson
 * must make it give up, with the tree way's result; errors carry the tree
 * way's text. The rows are ssc's, plus a hand-made message with a field of
 * every kind protobuf-c has.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "err.h"
#include "json_direct.h"
#include "json_pb.h"
#include "json_read.h"
#include "page.h"

#include "ssc/v1/audit.pb-c.h"
#include "ssc/v1/organisations.pb-c.h"
#include "ssc/v1/principals.pb-c.h"
#include "ssc/v1/sectors.pb-c.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a message with every kind of field --------------------------------- */

typedef struct kinds {
    ProtobufCMessage base;
    int32_t i32, s32, sf32;
    uint32_t u32, f32;
    int64_t i64, s64, sf64;
    uint64_t u64, f64;
    float fl;
    double db;
    protobuf_c_boolean b;
    int role; /* ssc.v1.Role */
    char *s;
    ProtobufCBinaryData by;
    Ssc__V1__PageRequest *page;
    size_t n_nums;
    int32_t *nums;
    size_t n_names;
    char **names;
    protobuf_c_boolean has_opt; /* proto3 optional */
    int64_t opt;
    /* oneof pick { int64 first = 21; int64 second = 22; } */
    uint32_t pick_case;
    union {
        int64_t first;
        int64_t second;
    };
} kinds;

static const ProtobufCMessageDescriptor kinds_descriptor;

/* A proto3 scalar (or bytes) field of kinds; the rest is zero. */
#define SCALAR(field, num, kind)                                               \
    {                                                                          \
        .name = #field, .id = num, .label = PROTOBUF_C_LABEL_NONE,             \
        .type = PROTOBUF_C_TYPE_##kind, .offset = offsetof(kinds, field),      \
    }

static const ProtobufCFieldDescriptor kinds_fields[] = {
    SCALAR(i32, 1, INT32),
    SCALAR(s32, 2, SINT32),
    SCALAR(sf32, 3, SFIXED32),
    SCALAR(u32, 4, UINT32),
    SCALAR(f32, 5, FIXED32),
    SCALAR(i64, 6, INT64),
    SCALAR(s64, 7, SINT64),
    SCALAR(sf64, 8, SFIXED64),
    SCALAR(u64, 9, UINT64),
    SCALAR(f64, 10, FIXED64),
    SCALAR(fl, 11, FLOAT),
    SCALAR(db, 12, DOUBLE),
    SCALAR(b, 13, BOOL),
    {.name = "role",
     .id = 14,
     .label = PROTOBUF_C_LABEL_NONE,
     .type = PROTOBUF_C_TYPE_ENUM,
     .offset = offsetof(kinds, role),
     .descriptor = &ssc__v1__role__descriptor},
    {.name = "s",
     .id = 15,
     .label = PROTOBUF_C_LABEL_NONE,
     .type = PROTOBUF_C_TYPE_STRING,
     .offset = offsetof(kinds, s),
     .default_value = &protobuf_c_empty_string},
    SCALAR(by, 16, BYTES),
    {.name = "page",
     .id = 17,
     .label = PROTOBUF_C_LABEL_NONE,
     .type = PROTOBUF_C_TYPE_MESSAGE,
     .offset = offsetof(kinds, page),
     .descriptor = &ssc__v1__page_request__descriptor},
    {.name = "nums",
     .id = 18,
     .label = PROTOBUF_C_LABEL_REPEATED,
     .type = PROTOBUF_C_TYPE_INT32,
     .quantifier_offset = offsetof(kinds, n_nums),
     .offset = offsetof(kinds, nums),
     .flags = PROTOBUF_C_FIELD_FLAG_PACKED},
    {.name = "names",
     .id = 19,
     .label = PROTOBUF_C_LABEL_REPEATED,
     .type = PROTOBUF_C_TYPE_STRING,
     .quantifier_offset = offsetof(kinds, n_names),
     .offset = offsetof(kinds, names)},
    {.name = "opt",
     .id = 20,
     .label = PROTOBUF_C_LABEL_OPTIONAL,
     .type = PROTOBUF_C_TYPE_INT64,
     .quantifier_offset = offsetof(kinds, has_opt),
     .offset = offsetof(kinds, opt)},
    {.name = "first",
     .id = 21,
     .label = PROTOBUF_C_LABEL_NONE,
     .type = PROTOBUF_C_TYPE_INT64,
     .quantifier_offset = offsetof(kinds, pick_case),
     .offset = offsetof(kinds, first),
     .flags = PROTOBUF_C_FIELD_FLAG_ONEOF},
    {.name = "second",
     .id = 22,
     .label = PROTOBUF_C_LABEL_NONE,
     .type = PROTOBUF_C_TYPE_INT64,
     .quantifier_offset = offsetof(kinds, pick_case),
     .offset = offsetof(kinds, second),
     .flags = PROTOBUF_C_FIELD_FLAG_ONEOF},
};

#define N_KINDS (sizeof(kinds_fields) / sizeof(kinds_fields[0]))

/* kinds_fields' indices in strcmp order of the names (test_descriptor()
 * checks it). */
static const unsigned kinds_by_name[N_KINDS] = {
    12, 15, 11, 4,  9, 20, 10, 0, 5, 18, 17,
    19, 16, 13, 14, 1, 6,  21, 2, 7, 3,  8,
};

static const ProtobufCIntRange kinds_ranges[] = {{1, 0}, {0, N_KINDS}};

static void kinds_init(ProtobufCMessage *m)
{
    kinds *k = (kinds *)m;

    memset(k, 0, sizeof(*k));
    k->base.descriptor = &kinds_descriptor;
    k->s = (char *)protobuf_c_empty_string;
}

static const ProtobufCMessageDescriptor kinds_descriptor = {
    PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC,
    "test.Kinds",
    "Kinds",
    "Kinds",
    "test",
    sizeof(kinds),
    N_KINDS,
    kinds_fields,
    kinds_by_name,
    1,
    kinds_ranges,
    kinds_init,
    NULL,
    NULL,
    NULL,
};

static const ProtobufCMessageDescriptor *const org =
    &ssc__v1__organisation__descriptor;
static const ProtobufCMessageDescriptor *const org_list =
    &ssc__v1__list_organisations_response__descriptor;

/* ---- the three ways ------------------------------------------------------ */

static int tree_decode(const ProtobufCMessageDescriptor *desc, const char *text,
                       ProtobufCMessage **out, char *err, size_t n)
{
    json_t *json = ssc_json_read(text, strlen(text));
    int rc;

    *out = NULL;
    if (json == NULL) {
        snprintf(err, n, "the answer is not JSON");
        return SSC_EINVAL;
    }
    rc = ssc_json_pb_decode(desc, json, out, err, n);
    json_decref(json);
    return rc;
}

static int tree_page(const ProtobufCMessageDescriptor *desc, const char *items,
                     const char *text, size_t page_size, const char *key,
                     ProtobufCMessage **out, char *err, size_t n)
{
    json_t *json = ssc_json_read(text, strlen(text));
    int rc;

    *out = NULL;
    if (json == NULL) {
        snprintf(err, n, "the answer is not JSON");
        return SSC_EINVAL;
    }
    rc = ssc_json_pb_page(desc, items, json, page_size, key, out, err, n);
    json_decref(json);
    return rc;
}

static void assert_same_bytes(const ProtobufCMessage *want,
                              const ProtobufCMessage *got)
{
    size_t n = protobuf_c_message_get_packed_size(want);
    uint8_t *a = malloc(n + 1), *b = malloc(n + 1);

    assert_int_equal(protobuf_c_message_get_packed_size(got), n);
    protobuf_c_message_pack(want, a);
    protobuf_c_message_pack(got, b);
    assert_memory_equal(a, b, n);
    free(a);
    free(b);
}

/* Both results: the same success and bytes, or the same error text. */
static void assert_same_result(int want_rc, const ProtobufCMessage *want,
                               const char *want_err, int rc,
                               const ProtobufCMessage *got, const char *err)
{
    assert_int_equal(rc, want_rc);
    if (want_rc == 0)
        assert_same_bytes(want, got);
    else
        assert_string_equal(err, want_err);
}

/* text goes the direct way, to the tree way's bytes; returns the message. */
static ProtobufCMessage *direct(const ProtobufCMessageDescriptor *desc,
                                const char *text)
{
    ProtobufCMessage *got = NULL, *want = NULL, *picked = NULL;
    char err[256];

    if (ssc_json_direct_decode(desc, text, strlen(text), &got) != 0)
        fail_msg("the direct reader gave up on %s", text);
    assert_int_equal(tree_decode(desc, text, &want, err, sizeof(err)), 0);
    assert_same_bytes(want, got);
    assert_int_equal(ssc_json_pb_decode_text(desc, text, strlen(text), &picked,
                                             err, sizeof(err)),
                     0);
    assert_same_bytes(want, picked);
    ssc_json_pb_free(want);
    ssc_json_pb_free(picked);
    return got;
}

static void direct_ok(const ProtobufCMessageDescriptor *desc, const char *text)
{
    ssc_json_pb_free(direct(desc, text));
}

/* The direct reader gives text up, and sscd's entry point then gives the
 * tree way's result, which is returned (NULL when it failed; its error in
 * err). */
static ProtobufCMessage *fallback(const ProtobufCMessageDescriptor *desc,
                                  const char *text, char *err, size_t n)
{
    ProtobufCMessage *d = (ProtobufCMessage *)"untouched", *want, *got;
    char want_err[256];
    int want_rc, rc;

    if (ssc_json_direct_decode(desc, text, strlen(text), &d) == 0)
        fail_msg("the direct reader took %s", text);
    assert_null(d);
    want_rc = tree_decode(desc, text, &want, want_err, sizeof(want_err));
    rc = ssc_json_pb_decode_text(desc, text, strlen(text), &got, err, n);
    assert_same_result(want_rc, want, want_err, rc, got, err);
    ssc_json_pb_free(want);
    return got;
}

static void fallback_ok(const ProtobufCMessageDescriptor *desc,
                        const char *text)
{
    char err[256];
    ProtobufCMessage *m = fallback(desc, text, err, sizeof(err));

    if (m == NULL)
        fail_msg("%s failed: %s", text, err);
    ssc_json_pb_free(m);
}

/* text does not map: the error is want, however the text was read. */
static void fails(const ProtobufCMessageDescriptor *desc, const char *text,
                  const char *want)
{
    char err[256];

    assert_null(fallback(desc, text, err, sizeof(err)));
    assert_string_equal(err, want);
}

/* As direct(), fallback() and fails() for a page of organisations. */
static ProtobufCMessage *page_direct(const char *text, size_t page_size,
                                     const char *key)
{
    ProtobufCMessage *got = NULL, *want = NULL, *picked = NULL;
    char err[256];

    if (ssc_json_direct_page(org_list, "organisations", text, strlen(text),
                             page_size, key, &got) != 0)
        fail_msg("the direct reader gave up on %s", text);
    assert_int_equal(tree_page(org_list, "organisations", text, page_size, key,
                               &want, err, sizeof(err)),
                     0);
    assert_same_bytes(want, got);
    assert_int_equal(ssc_json_pb_page_text(org_list, "organisations", text,
                                           strlen(text), page_size, key,
                                           &picked, err, sizeof(err)),
                     0);
    assert_same_bytes(want, picked);
    ssc_json_pb_free(want);
    ssc_json_pb_free(picked);
    return got;
}

static ProtobufCMessage *page_fallback(const char *text, size_t page_size,
                                       const char *key, char *err, size_t n)
{
    ProtobufCMessage *d = (ProtobufCMessage *)"untouched", *want, *got;
    char want_err[256];
    int want_rc, rc;

    if (ssc_json_direct_page(org_list, "organisations", text, strlen(text),
                             page_size, key, &d) == 0)
        fail_msg("the direct reader took %s", text);
    assert_null(d);
    want_rc = tree_page(org_list, "organisations", text, page_size, key, &want,
                        want_err, sizeof(want_err));
    rc = ssc_json_pb_page_text(org_list, "organisations", text, strlen(text),
                               page_size, key, &got, err, n);
    assert_same_result(want_rc, want, want_err, rc, got, err);
    ssc_json_pb_free(want);
    return got;
}

static void page_fails(const char *text, size_t page_size, const char *key,
                       const char *want)
{
    char err[256];

    assert_null(page_fallback(text, page_size, key, err, sizeof(err)));
    assert_string_equal(err, want);
}

static void assert_token_for(const char *token, const char *cursor)
{
    char *got = NULL;

    assert_int_equal(ssc_page_after(token, &got), 0);
    assert_string_equal(got, cursor);
    free(got);
}

/* ---- rows as PostgreSQL sends them --------------------------------------- */

static void test_descriptor(void **state)
{
    (void)state;
    for (size_t i = 1; i < N_KINDS; i++)
        assert_true(strcmp(kinds_fields[kinds_by_name[i - 1]].name,
                           kinds_fields[kinds_by_name[i]].name) < 0);
}

static void test_rows(void **state)
{
    Ssc__V1__Organisation *o = (Ssc__V1__Organisation *)direct(
        org, "{\"id\": 12, \"kind\": \"danish_authority\", \"name\": \"Danish "
             "Energy Agency\", \"country\": \"DK\", \"version\": 3, "
             "\"parent_id\": null, \"created_at\": "
             "\"2024-01-02T03:04:05.123456Z\", \"short_name\": \"DEA\", "
             "\"updated_at\": \"2024-02-03T04:05:06Z\"}");

    (void)state;
    assert_int_equal(o->id, 12);
    assert_int_equal(
        o->kind,
        SSC__V1__ORGANISATION_KIND__ORGANISATION_KIND_DANISH_AUTHORITY);
    assert_string_equal(o->name, "Danish Energy Agency");
    assert_string_equal(o->short_name, "DEA");
    assert_int_equal(o->parent_id, 0);
    assert_string_equal(o->updated_at, "2024-02-03T04:05:06Z");
    ssc_json_pb_free(&o->base);
    direct_ok(&ssc__v1__principal__descriptor,
              "{\"id\": 3, \"name\": \"Payroll\", \"role\": \"ministry\", "
              "\"active\": false, \"subject\": \"CN=DEA payroll,O=DEA\", "
              "\"created_at\": \"2024-01-01T00:00:00Z\", \"fingerprint\": "
              "\"\", \"organisation_id\": 12}");
    direct_ok(&ssc__v1__audit_entry__descriptor,
              "{\"seq\": 7, \"hash\": \"\\\\xa0b1\", \"after\": null, "
              "\"before\": null, \"prev_hash\": \"\\\\x00ff10\", "
              "\"organisation_id\": null}");
    direct_ok(&ssc__v1__verify_audit_response__descriptor,
              "{\"ok\": true, \"reason\": \"\", \"entries_checked\": 12, "
              "\"first_broken_seq\": 0}");
    direct_ok(org, "{}");
    direct_ok(org, " \t\r\n{ \"id\" : 1 , \"name\":\"x\" } \n");
}

/* ---- every kind of field ------------------------------------------------- */

static void test_every_kind(void **state)
{
    kinds *k = (kinds *)direct(
        &kinds_descriptor,
        "{\"i32\": -2147483648, \"s32\": 2147483647, \"sf32\": \"-5\", "
        "\"u32\": 4294967295, \"f32\": \"7\", \"i64\": -9223372036854775808, "
        "\"s64\": \"9223372036854775807\", \"sf64\": -1, \"u64\": "
        "9223372036854775807, \"f64\": 3, \"fl\": 16777217, \"db\": "
        "-9007199254740993, \"b\": true, \"role\": \"reconciler\", \"s\": "
        "\"text\", \"by\": \"\\\\x00ff\", \"page\": {\"page_size\": 10, "
        "\"page_token\": \"t\"}, \"nums\": [1, -2, \"3\"], \"names\": [\"a\", "
        "\"\", \"\\u00e6\"], \"opt\": 0, \"first\": 5}");

    (void)state;
    assert_int_equal(k->i32, INT32_MIN);
    assert_int_equal(k->sf32, -5);
    assert_int_equal(k->u32, UINT32_MAX);
    assert_true(k->i64 == INT64_MIN);
    assert_true(k->u64 == INT64_MAX);
    assert_true(k->fl == 16777216.0f);
    assert_true(k->db == -9007199254740992.0);
    assert_true(k->b);
    assert_int_equal(k->role, SSC__V1__ROLE__ROLE_RECONCILER);
    assert_string_equal(k->s, "text");
    assert_int_equal(k->by.len, 2);
    assert_memory_equal(k->by.data, "\x00\xff", 2);
    assert_int_equal(k->page->page_size, 10);
    assert_int_equal(k->n_nums, 3);
    assert_int_equal(k->nums[2], 3);
    assert_int_equal(k->n_names, 3);
    assert_string_equal(k->names[2], "\xc3\xa6");
    assert_true(k->has_opt);
    assert_int_equal(k->pick_case, 21);
    assert_int_equal(k->first, 5);
    ssc_json_pb_free(&k->base);
    /* Other spellings: enums by number, hex without \x, decimal strings as
     * strtoll reads them, empty containers, a second oneof member alone. */
    direct_ok(&kinds_descriptor,
              "{\"role\": 3, \"by\": \"A0b1\", \"i32\": \" 12\", \"s32\": "
              "\"+4\", \"b\": false, \"nums\": [], \"names\": [], \"page\": "
              "{}, \"second\": -3, \"db\": -0}");
    /* jansson's integers are int64; the enum takes the int they convert
     * to, both ways alike. */
    direct_ok(&kinds_descriptor, "{\"role\": 4294967297}");
    /* Many elements, so the direct way's array grows. */
    direct_ok(&kinds_descriptor,
              "{\"nums\": [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17], "
              "\"names\": [\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\"]}");
}

static void test_null_and_missing(void **state)
{
    kinds *k = (kinds *)direct(
        &kinds_descriptor,
        "{\"i32\": null, \"s\": null, \"by\": null, \"page\": null, \"nums\": "
        "null, \"names\": null, \"opt\": null, \"first\": null, \"role\": "
        "null, \"b\": null, \"db\": null}");

    (void)state;
    assert_int_equal(k->i32, 0);
    assert_string_equal(k->s, "");
    assert_null(k->by.data);
    assert_null(k->page);
    assert_int_equal(k->n_nums, 0);
    assert_null(k->nums);
    assert_false(k->has_opt);
    assert_int_equal(k->pick_case, 0);
    ssc_json_pb_free(&k->base);
    direct_ok(&kinds_descriptor, "{}");
}

/* Keys the message lacks are skipped, but must be JSON jansson accepts. */
static void test_unknown_keys(void **state)
{
    (void)state;
    direct_ok(org, "{\"id\": 1, \"extra\": {\"a\": [1, -2, {\"b\": [true, "
                   "false, null, \"x\\n\\u00e6\"]}], \"c\": {}, \"d\": []}, "
                   "\"more\": [[], [[0]]], \"n\": -0, \"s\": \"\", "
                   "\"id_\": \"\\ud83d\\ude00\", \"dup\": 1, \"dup\": [2]}");
    fails(org, "{\"id\": 1, \"extra\": [1,]}", "the answer is not JSON");
    fails(org, "{\"extra\": {\"a\" 1}, \"id\": 1}", "the answer is not JSON");
    fails(org, "{\"extra\": \"\\u0000\"}", "the answer is not JSON");
    fails(org, "{\"extra\": {\"\\u0000\": 1}}", "the answer is not JSON");
    fails(org, "{\"extra\": 01}", "the answer is not JSON");
    fails(org, "{\"extra\": 1e999}", "the answer is not JSON");
    fallback_ok(org, "{\"extra\": 1.5, \"id\": 1}");
    fallback_ok(org, "{\"extra\": [1e3, -0.0]}");
}

static void test_escapes(void **state)
{
    Ssc__V1__Organisation *o = (Ssc__V1__Organisation *)direct(
        org, "{\"name\": \"\\\"\\\\\\/\\b\\f\\n\\r\\t \\u00e6\\u20AC"
             "\\ud83d\\ude00 r\xc3\xb8"
             "d \xf0\x9f\x98\x80\", \"na\\u006De_x\": 1, "
             "\"short_\\u006eame\": \"x\"}");

    (void)state;
    assert_string_equal(o->name, "\"\\/\b\f\n\r\t \xc3\xa6\xe2\x82\xac"
                                 "\xf0\x9f\x98\x80 r\xc3\xb8"
                                 "d \xf0\x9f\x98\x80");
    assert_string_equal(o->short_name, "x");
    ssc_json_pb_free(&o->base);
}

/* ---- what the direct reader leaves to jansson ---------------------------- */

static void test_json_text_in_strings(void **state)
{
    const ProtobufCMessageDescriptor *audit = &ssc__v1__audit_entry__descriptor;
    char err[256];
    Ssc__V1__AuditEntry *a = (Ssc__V1__AuditEntry *)fallback(
        audit, "{\"seq\": 1, \"after\": {\"b\": 1, \"a\": [1, \"x\", null]}}",
        err, sizeof(err));

    (void)state;
    assert_string_equal(a->after, "{\"a\":[1,\"x\",null],\"b\":1}");
    ssc_json_pb_free(&a->base);
    fallback_ok(audit, "{\"before\": [1, 2], \"seq\": 2}");
    fallback_ok(audit, "{\"before\": {}}");
    fallback_ok(&kinds_descriptor, "{\"names\": [\"a\", {\"b\": 1}]}");
}

/* jansson keeps a repeated key's last value; a oneof takes one member. */
static void test_repeated_keys(void **state)
{
    char err[256];
    Ssc__V1__Organisation *o = (Ssc__V1__Organisation *)fallback(
        org, "{\"id\": 1, \"id\": 2}", err, sizeof(err));
    kinds *k;

    (void)state;
    assert_int_equal(o->id, 2);
    ssc_json_pb_free(&o->base);
    fallback_ok(org, "{\"id\": 1, \"\\u0069d\": 2}");
    fallback_ok(org, "{\"id\": 1, \"id\": null}");
    fallback_ok(org, "{\"id\": \"x\", \"id\": 3}");
    fallback_ok(org, "{\"name\": \"a\", \"name\": \"b\"}");
    fallback_ok(&kinds_descriptor, "{\"nums\": [1], \"nums\": [2, 3]}");
    /* Two members of one oneof: refused, whichever comes first. */
    fails(&kinds_descriptor, "{\"second\": 2, \"first\": 1}",
          "second: another member of its oneof is set too");
    fails(&kinds_descriptor, "{\"first\": 1, \"second\": 2}",
          "second: another member of its oneof is set too");
    /* A null member is no member. */
    k = (kinds *)direct(&kinds_descriptor, "{\"second\": 2, \"first\": null}");
    assert_int_equal(k->pick_case, 22);
    assert_int_equal(k->second, 2);
    ssc_json_pb_free(&k->base);
}

static void test_numbers(void **state)
{
    (void)state;
    fails(org, "{\"id\": 1.0}", "id: expected an integer");
    fails(org, "{\"id\": 1e2}", "id: expected an integer");
    fails(org, "{\"id\": 9223372036854775808}", "the answer is not JSON");
    fails(org, "{\"id\": -9223372036854775809}", "the answer is not JSON");
    fails(org, "{\"id\": \"9223372036854775808\"}",
          "id: expected an integer, not \"9223372036854775808\"");
    fails(org, "{\"id\": -}", "the answer is not JSON");
    fails(org, "{\"id\": 12abc}", "the answer is not JSON");
    fallback_ok(&kinds_descriptor, "{\"db\": 1.5, \"fl\": -2.5e-3}");
    fails(&kinds_descriptor, "{\"db\": 1e400}", "the answer is not JSON");
}

static void test_strings(void **state)
{
    const char *bad[] = {
        "\"a\\u0000b\"",
        "\"\\ud800\"",
        "\"\\udc00\"",
        "\"\\ud800\\u0041\"",
        "\"\\ud800x\"",
        "\"\\u12\"",
        "\"\\x\"",
        "\"\xc0\x80\"",
        "\"\xed\xa0\x80\"",
        "\"\xf4\x90\x80\x80\"",
        "\"\xe2\x82\"",
        "\"\x80\"",
        "\"\xff\"",
        "\"a\tb\"",
        "\"open",
        "\"\xe0\x80\xaf\"",
        "\"\xf0\x80\x80\xaf\"",
        "\"\xc3\x28\"",
        "\"\xf5\x80\x80\x80\"",
    };
    char text[64];

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(text, sizeof(text), "{\"name\": %s}", bad[i]);
        fails(org, text, "the answer is not JSON");
        snprintf(text, sizeof(text), "{\"other\": %s}", bad[i]);
        fails(org, text, "the answer is not JSON");
        snprintf(text, sizeof(text), "{%s: 1}", bad[i]);
        fails(org, text, "the answer is not JSON");
    }
    /* The longest and highest sequences are fine. */
    direct_ok(
        org, "{\"name\": \"\xf4\x8f\xbf\xbf \xef\xbf\xbf \xdf\xbf \xe0\xa0\x80 "
             "\xf0\x90\x80\x80 \xc2\x80 \xed\x9f\xbf \xee\x80\x80\"}");
}

/* Nesting: jansson goes to 2048 levels, the direct reader to
 * SSC_JSON_PB_MAX_DEPTH, the decoder's own limit on messages. */
static void test_depth(void **state)
{
    char text[256];
    int n;

    (void)state;
    for (int levels = SSC_JSON_PB_MAX_DEPTH; levels <= 20; levels++) {
        n = snprintf(text, sizeof(text), "{\"x\": ");
        for (int i = 0; i < levels; i++)
            text[n++] = '[';
        for (int i = 0; i < levels; i++)
            text[n++] = ']';
        snprintf(text + n, sizeof(text) - (size_t)n, ", \"id\": 1}");
        if (levels <= SSC_JSON_PB_MAX_DEPTH)
            direct_ok(org, text);
        else
            fallback_ok(org, text);
    }
}

static void test_not_objects(void **state)
{
    char err[256];
    ProtobufCMessage *m = (ProtobufCMessage *)"untouched";

    (void)state;
    fails(org, "[]", "ssc.v1.Organisation: expected an object");
    fails(org, "\"x\"", "ssc.v1.Organisation: expected an object");
    fails(org, "", "the answer is not JSON");
    fails(org, "{\"id\": 1} x", "the answer is not JSON");
    fails(org, "{\"id\": 1", "the answer is not JSON");
    fails(org, "{\"id\": 1,}", "the answer is not JSON");
    fails(org, "{\"id\" 1}", "the answer is not JSON");
    fails(org, "{\"id\": nul}", "the answer is not JSON");
    assert_int_equal(
        ssc_json_pb_decode_text(org, NULL, 0, &m, err, sizeof(err)),
        SSC_EINVAL);
    assert_null(m);
    assert_string_equal(err, "the answer is not JSON");
}

/* ---- errors ----------------------------------------------------------------
 */

/* Errors are the tree way's: the field path and why. A failure after fields
 * were filled frees them either way (checked by ASan). */
static void test_errors(void **state)
{
    const ProtobufCMessageDescriptor *k = &kinds_descriptor;

    (void)state;
    fails(org, "{\"kind\": \"agency\"}", "kind: unknown value \"agency\"");
    fails(org, "{\"kind\": \"DANISH_AUTHORITY\"}",
          "kind: unknown value \"DANISH_AUTHORITY\"");
    fails(org, "{\"name\": \"a\", \"country\": \"DK\", \"version\": []}",
          "version: expected an integer");
    /* The first bad field in descriptor order, not in the text. */
    fails(org, "{\"version\": \"x\", \"name\": 5}", "name: expected a string");
    /* Malformed text anywhere wins over a bad field. */
    fails(org, "{\"name\": 5, \"extra\": [}", "the answer is not JSON");
    fails(k, "{\"i32\": 2147483648}", "i32: 2147483648 is out of range");
    fails(k, "{\"u32\": -1}", "u32: -1 is out of range");
    fails(k, "{\"u64\": \"-1\"}", "u64: -1 is out of range");
    fails(k, "{\"i32\": \"1x\"}", "i32: expected an integer, not \"1x\"");
    fails(k, "{\"role\": 9}", "role: unknown value 9");
    fails(k, "{\"role\": true}", "role: expected an enum name");
    fails(k, "{\"b\": 1}", "b: expected true or false");
    fails(k, "{\"by\": \"abc\"}", "by: odd number of hex digits");
    fails(k, "{\"s\": \"ok\", \"by\": \"zz\"}", "by: not a hex digit");
    fails(k, "{\"by\": 1}", "by: expected a hex string");
    fails(k, "{\"fl\": \"1\"}", "fl: expected a number");
    fails(k, "{\"page\": []}", "page: expected an object");
    fails(k, "{\"page\": {\"page_size\": -1}}",
          "page.page_size: -1 is out of range");
    fails(k, "{\"nums\": {}}", "nums: expected an array");
    fails(k, "{\"nums\": [1, null]}", "nums[1]: expected an integer");
    fails(k, "{\"names\": [\"a\", \"b\", 3]}", "names[2]: expected a string");
}

/* ---- pages -----------------------------------------------------------------
 */

static void test_page_tokens(void **state)
{
    Ssc__V1__ListOrganisationsResponse *r =
        (Ssc__V1__ListOrganisationsResponse *)page_direct(
            "[{\"id\": 4, \"kind\": \"embassy\"}, {\"id\": 9, \"name\": "
            "\"b\"}, {\"id\": 11}]",
            2, "id");

    (void)state;
    assert_int_equal(r->n_organisations, 2);
    assert_int_equal(r->organisations[1]->id, 9);
    assert_token_for(r->next_page_token, "9");
    ssc_json_pb_free(&r->base);
    /* The last page, full or not, carries no token. */
    r = (Ssc__V1__ListOrganisationsResponse *)page_direct(
        "[{\"id\": 4}, {\"id\": 9}]", 2, "id");
    assert_int_equal(r->n_organisations, 2);
    assert_string_equal(r->next_page_token, "");
    ssc_json_pb_free(&r->base);
    ssc_json_pb_free(page_direct("[]", 50, "id"));
    ssc_json_pb_free(page_direct(" [ ] ", 1, "id"));
    ssc_json_pb_free(page_direct("[{\"id\": 1}]", 0, "id"));
    /* A string cursor, and a cursor the message does not map. */
    r = (Ssc__V1__ListOrganisationsResponse *)page_direct(
        "[{\"id\": \"12\"}, {\"id\": 13}]", 1, "id");
    assert_token_for(r->next_page_token, "12");
    ssc_json_pb_free(&r->base);
    r = (Ssc__V1__ListOrganisationsResponse *)page_direct(
        "[{\"id\": 1, \"cursor\": 5, \"x\": {\"cursor\": 6}}, {}]", 1,
        "cursor");
    assert_token_for(r->next_page_token, "5");
    ssc_json_pb_free(&r->base);
    /* Many rows, so the direct way's array grows. */
    ssc_json_pb_free(page_direct("[{\"id\": 1}, {\"id\": 2}, {\"id\": 3}, "
                                 "{\"id\": 4}, {\"id\": 5}, {\"id\": 6}, "
                                 "{\"id\": 7}]",
                                 6, "id"));
}

static void test_page_code_cursor(void **state)
{
    const ProtobufCMessageDescriptor *sectors =
        &ssc__v1__list_sectors_response__descriptor;
    const char *text = "[{\"code\": \"15110\", \"name\": \"Public sector "
                       "policy\", \"category\": \"151\"}, {\"code\": "
                       "\"23110\"}]";
    Ssc__V1__ListSectorsResponse *r = NULL;

    (void)state;
    assert_int_equal(ssc_json_direct_page(sectors, "sectors", text,
                                          strlen(text), 1, "code",
                                          (ProtobufCMessage **)&r),
                     0);
    assert_int_equal(r->n_sectors, 1);
    assert_string_equal(r->sectors[0]->category, "151");
    assert_token_for(r->next_page_token, "15110");
    ssc_json_pb_free(&r->base);
}

/* Rows past the page are not decoded, but must be JSON. */
static void test_page_extra_rows(void **state)
{
    Ssc__V1__ListOrganisationsResponse *r =
        (Ssc__V1__ListOrganisationsResponse *)page_direct(
            "[{\"id\": 1}, {\"kind\": \"nope\", \"id\": \"x\"}, 7, \"x\"]", 1,
            "id");

    (void)state;
    assert_int_equal(r->n_organisations, 1);
    assert_token_for(r->next_page_token, "1");
    ssc_json_pb_free(&r->base);
    page_fails("[{\"id\": 1}, {\"id\": 2,}]", 1, "id",
               "the answer is not JSON");
}

static void test_page_fallbacks_and_errors(void **state)
{
    char err[256];
    Ssc__V1__ListOrganisationsResponse *r;

    (void)state;
    r = (Ssc__V1__ListOrganisationsResponse *)page_fallback(
        "[{\"id\": 1, \"cursor\": 5, \"cursor\": 7}, {}]", 1, "cursor", err,
        sizeof(err));
    assert_token_for(r->next_page_token, "7");
    ssc_json_pb_free(&r->base);
    page_fails("[{\"id\": 1}, {\"id\": 2, \"kind\": \"nope\"}]", 5, "id",
               "organisations[1].kind: unknown value \"nope\"");
    page_fails("[{\"name\": \"a\"}, {\"name\": \"b\"}]", 1, "id",
               "organisations[0].id: expected an id or code");
    page_fails("[{\"id\": null}, {}]", 1, "id",
               "organisations[0].id: expected an id or code");
    page_fails("[{\"id\": \"\"}, {}]", 1, "id",
               "organisations[0].id: expected an id or code");
    page_fails("[{\"id\": 1, \"x\": {\"cursor\": 5}}, {}]", 1, "cursor",
               "organisations[0].cursor: expected an id or code");
    page_fails("[{\"id\": 1}, 5]", 2, "id",
               "organisations[1]: expected an object");
    page_fails("{}", 1, "id", "organisations: expected an array");
    page_fails("[{\"id\": 1}] x", 1, "id", "the answer is not JSON");
    page_fails("[{\"id\": 1}", 1, "id", "the answer is not JSON");
}

/* Audit pages carry before and after as JSON text: the tree way's. */
static void test_page_audit(void **state)
{
    const ProtobufCMessageDescriptor *audit =
        &ssc__v1__list_audit_response__descriptor;
    const char *text =
        "[{\"seq\": 7, \"after\": {\"b\": 1, \"a\": 2}}, {\"seq\": 8}]";
    ProtobufCMessage *m = (ProtobufCMessage *)"untouched";
    Ssc__V1__ListAuditResponse *r = NULL;
    char err[256];

    (void)state;
    assert_int_equal(ssc_json_direct_page(audit, "entries", text, strlen(text),
                                          1, "seq", &m),
                     SSC_EINVAL);
    assert_null(m);
    assert_int_equal(ssc_json_pb_page_text(audit, "entries", text, strlen(text),
                                           1, "seq", (ProtobufCMessage **)&r,
                                           err, sizeof(err)),
                     0);
    assert_string_equal(r->entries[0]->after, "{\"a\":2,\"b\":1}");
    assert_token_for(r->next_page_token, "7");
    ssc_json_pb_free(&r->base);
}

/* Fields that cannot hold rows or a token: the tree way decides. */
static void test_page_odd_fields(void **state)
{
    ProtobufCMessage *m = (ProtobufCMessage *)"untouched";

    (void)state;
    assert_int_equal(
        ssc_json_direct_page(org_list, "next_page_token", "[]", 2, 1, "id", &m),
        SSC_EINVAL);
    assert_null(m);
    assert_int_equal(
        ssc_json_direct_page(org_list, "nothing", "[]", 2, 1, "id", &m),
        SSC_EINVAL);
    assert_null(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_descriptor),
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_every_kind),
        cmocka_unit_test(test_null_and_missing),
        cmocka_unit_test(test_unknown_keys),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_json_text_in_strings),
        cmocka_unit_test(test_repeated_keys),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_not_objects),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_page_tokens),
        cmocka_unit_test(test_page_code_cursor),
        cmocka_unit_test(test_page_extra_rows),
        cmocka_unit_test(test_page_fallbacks_and_errors),
        cmocka_unit_test(test_page_audit),
        cmocka_unit_test(test_page_odd_fields),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
