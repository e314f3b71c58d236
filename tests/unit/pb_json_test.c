/*
 * pb_json_test.c - requests as JSON for the database: the text for each
 * field shape, the values that have no JSON form, and the round trip
 * protobuf -> JSON -> protobuf (through json_pb's decoder, both of its ways)
 * being the identity.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "err.h"
#include "json_pb.h"
#include "pb_json.h"

#include "shapes.pb-c.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef Ssc__Test__Shapes shapes;
typedef Ssc__Test__Inner inner;

/* Encodes m and returns the text (freed by the caller); fails the test when
 * the encoder refuses. */
static char *encode(const ProtobufCMessage *m)
{
    char *text = NULL, err[256];
    size_t len = 0;
    int rc = ssc_pb_json_encode(m, &text, &len, err, sizeof(err));

    if (rc != 0)
        fail_msg("encode refused: %s", err);
    assert_int_equal(strlen(text), len);
    return text;
}

/* Encodes m, decodes the text back, and checks both pack to the same bytes;
 * returns the text. */
static char *round_trip(const ProtobufCMessage *m)
{
    char *text = encode(m), err[256];
    ProtobufCMessage *back = NULL;
    size_t n1 = protobuf_c_message_get_packed_size(m), n2;
    uint8_t *p1 = malloc(n1 + 1), *p2;

    if (ssc_json_pb_decode_text(m->descriptor, text, strlen(text), &back, err,
                                sizeof(err)) != 0)
        fail_msg("decode of %s refused: %s", text, err);
    n2 = protobuf_c_message_get_packed_size(back);
    p2 = malloc(n2 + 1);
    protobuf_c_message_pack(m, p1);
    protobuf_c_message_pack(back, p2);
    if (n1 != n2 || memcmp(p1, p2, n1) != 0)
        fail_msg("round trip changed the message: %s", text);
    free(p1);
    free(p2);
    ssc_json_pb_free(back);
    return text;
}

static void expect_text(const ProtobufCMessage *m, const char *want)
{
    char *text = round_trip(m);

    assert_string_equal(text, want);
    free(text);
}

static void test_defaults(void **state)
{
    shapes s = SSC__TEST__SHAPES__INIT;

    (void)state;
    /* Every plain field is written, defaults included, so SQL reads "" and
     * 0 rather than NULL; an unset enum is null ("not given"); unset
     * messages, oneofs and optionals are left out. */
    expect_text(&s.base,
                "{\"i32\":0,\"i64\":0,\"u32\":0,\"u64\":0,\"s32\":0,"
                "\"s64\":0,\"f32\":0,\"f64\":0,\"sf32\":0,\"sf64\":0,"
                "\"flag\":false,\"fl\":0,\"db\":0,\"text\":\"\","
                "\"blob\":\"\\\\x\",\"colour\":null,\"ids\":[],\"words\":[],"
                "\"colours\":[],\"inners\":[],\"blobs\":[],\"flags\":[],"
                "\"counts\":[],\"reals\":[]}");
}

static void test_scalars_at_their_limits(void **state)
{
    shapes s = SSC__TEST__SHAPES__INIT;
    char *text;

    (void)state;
    s.i32 = INT32_MIN;
    s.i64 = INT64_MIN;
    s.u32 = UINT32_MAX;
    s.u64 = INT64_MAX; /* the largest the database takes */
    s.s32 = INT32_MAX;
    s.s64 = INT64_MAX;
    s.f32 = UINT32_MAX;
    s.f64 = 1;
    s.sf32 = -1;
    s.sf64 = INT64_MIN;
    s.flag = 1;
    s.fl = 0.1f;
    s.db = -1e300;
    text = round_trip(&s.base);
    assert_non_null(strstr(text, "\"i64\":-9223372036854775808"));
    assert_non_null(strstr(text, "\"u64\":9223372036854775807"));
    assert_non_null(strstr(text, "\"u32\":4294967295"));
    assert_non_null(strstr(text, "\"flag\":true"));
    free(text);
}

static void test_strings_escaped(void **state)
{
    shapes s = SSC__TEST__SHAPES__INIT;
    char *words[] = {"quote \" back \\ slash", "tab\tnew\nline\x01",
                     "\xc3\x86gypten \xe2\x82\xac \xf0\x9f\x98\x80", ""};

    (void)state;
    s.text = "Energistyrelsen";
    s.n_words = 4;
    s.words = words;
    expect_text(&s.base,
                "{\"i32\":0,\"i64\":0,\"u32\":0,\"u64\":0,\"s32\":0,"
                "\"s64\":0,\"f32\":0,\"f64\":0,\"sf32\":0,\"sf64\":0,"
                "\"flag\":false,\"fl\":0,\"db\":0,"
                "\"text\":\"Energistyrelsen\",\"blob\":\"\\\\x\","
                "\"colour\":null,\"ids\":[],\"words\":[\"quote \\\" back "
                "\\\\ slash\",\"tab\\u0009new\\u000aline\\u0001\","
                "\"\xc3\x86gypten \xe2\x82\xac \xf0\x9f\x98\x80\",\"\"],"
                "\"colours\":[],\"inners\":[],\"blobs\":[],\"flags\":[],"
                "\"counts\":[],\"reals\":[]}");
}

static void test_enums_by_name(void **state)
{
    shapes s = SSC__TEST__SHAPES__INIT;
    Ssc__Test__Colour colours[] = {SSC__TEST__COLOUR__COLOUR_DARK_BLUE,
                                   SSC__TEST__COLOUR__COLOUR_RED};
    char *text;

    (void)state;
    s.colour = SSC__TEST__COLOUR__COLOUR_RED;
    s.n_colours = 2;
    s.colours = colours;
    text = round_trip(&s.base);
    assert_non_null(strstr(text, "\"colour\":\"red\""));
    assert_non_null(strstr(text, "\"colours\":[\"dark_blue\",\"red\"]"));
    free(text);
}

static void test_bytes_as_bytea_hex(void **state)
{
    shapes s = SSC__TEST__SHAPES__INIT;
    uint8_t raw[] = {0x00, 0xff, 0x10, 0xab};
    ProtobufCBinaryData blobs[] = {{4, raw}, {0, NULL}};
    char *text;

    (void)state;
    s.blob.len = 4;
    s.blob.data = raw;
    s.n_blobs = 2;
    s.blobs = blobs;
    text = round_trip(&s.base);
    assert_non_null(strstr(text, "\"blob\":\"\\\\x00ff10ab\""));
    assert_non_null(strstr(text, "\"blobs\":[\"\\\\x00ff10ab\",\"\\\\x\"]"));
    free(text);
}

static void test_nested_and_repeated_messages(void **state)
{
    shapes s = SSC__TEST__SHAPES__INIT;
    inner leaf = SSC__TEST__INNER__INIT, mid = SSC__TEST__INNER__INIT;
    inner *kids[] = {&leaf, &leaf};
    inner *list[] = {&mid, &leaf};
    int64_t ids[] = {1, -2, INT64_MAX};
    protobuf_c_boolean flags[] = {1, 0, 1};
    double reals[] = {0.5, -2.25, 1e-9};
    char *text;

    (void)state;
    leaf.id = 7;
    leaf.name = "leaf";
    leaf.colour = SSC__TEST__COLOUR__COLOUR_DARK_BLUE;
    mid.id = 3;
    mid.n_children = 2;
    mid.children = kids;
    s.inner = &mid;
    s.n_inners = 2;
    s.inners = list;
    s.n_ids = 3;
    s.ids = ids;
    s.n_flags = 3;
    s.flags = flags;
    s.n_reals = 3;
    s.reals = reals;
    text = round_trip(&s.base);
    assert_non_null(strstr(
        text, "\"inner\":{\"id\":3,\"name\":\"\",\"children\":[{\"id\":7,"
              "\"name\":\"leaf\",\"children\":[],\"colour\":\"dark_blue\"},"));
    assert_non_null(strstr(text, "\"ids\":[1,-2,9223372036854775807]"));
    assert_non_null(strstr(text, "\"flags\":[true,false,true]"));
    free(text);
}

static void test_oneof_member_only(void **state)
{
    shapes s = SSC__TEST__SHAPES__INIT;
    inner in = SSC__TEST__INNER__INIT;
    char *text;

    (void)state;
    s.choice_case = SSC__TEST__SHAPES__CHOICE_C_NUM;
    s.c_num = 42;
    text = round_trip(&s.base);
    assert_non_null(strstr(text, "\"c_num\":42"));
    assert_null(strstr(text, "c_text"));
    assert_null(strstr(text, "c_inner"));
    free(text);
    s.choice_case = SSC__TEST__SHAPES__CHOICE_C_TEXT;
    s.c_text = "";
    text = round_trip(&s.base); /* set to its default: still present */
    assert_non_null(strstr(text, "\"c_text\":\"\""));
    free(text);
    s.choice_case = SSC__TEST__SHAPES__CHOICE_C_INNER;
    s.c_inner = &in;
    text = round_trip(&s.base);
    assert_non_null(strstr(text, "\"c_inner\":{\"id\":0"));
    free(text);
}

static void test_map_as_entries(void **state)
{
    shapes s = SSC__TEST__SHAPES__INIT;
    Ssc__Test__Shapes__CountsEntry a = SSC__TEST__SHAPES__COUNTS_ENTRY__INIT;
    Ssc__Test__Shapes__CountsEntry b = SSC__TEST__SHAPES__COUNTS_ENTRY__INIT;
    Ssc__Test__Shapes__CountsEntry *entries[] = {&a, &b};
    char *text;

    (void)state;
    a.key = "DKK";
    a.value = 100;
    b.key = "EUR";
    b.value = -5;
    s.n_counts = 2;
    s.counts = entries;
    text = round_trip(&s.base);
    assert_non_null(strstr(text, "\"counts\":[{\"key\":\"DKK\",\"value\":100},"
                                 "{\"key\":\"EUR\",\"value\":-5}]"));
    free(text);
}

static void expect_refused(const ProtobufCMessage *m, const char *want)
{
    char *text = (char *)"untouched", err[256];
    size_t len = 99;

    assert_int_equal(ssc_pb_json_encode(m, &text, &len, err, sizeof(err)),
                     SSC_EINVAL);
    assert_null(text);
    assert_int_equal(len, 0);
    assert_string_equal(err, want);
}

static void test_values_without_json_form(void **state)
{
    shapes s = SSC__TEST__SHAPES__INIT;
    Ssc__Test__Colour bad[] = {SSC__TEST__COLOUR__COLOUR_RED, 9};

    (void)state;
    s.colour = 3;
    expect_refused(&s.base, "colour: unknown value 3");
    s.colour = 0;
    s.n_colours = 2;
    s.colours = bad;
    expect_refused(&s.base, "colours: unknown value 9");
    s.n_colours = 0;
    s.u64 = (uint64_t)INT64_MAX + 1;
    expect_refused(&s.base, "u64: 9223372036854775808 is out of range");
    s.u64 = 0;
    s.db = NAN;
    expect_refused(&s.base, "db: must be a finite number");
    s.db = INFINITY;
    expect_refused(&s.base, "db: must be a finite number");
}

/* A chain of messages one deeper than the decoder takes. */
static void test_depth_limit(void **state)
{
    enum { N = SSC_JSON_PB_MAX_DEPTH + 2 };
    inner chain[N];
    inner *links[N];
    char *text;

    (void)state;
    for (int i = 0; i < N; i++) {
        ssc__test__inner__init(&chain[i]);
        links[i] = &chain[i];
        if (i > 0) {
            chain[i - 1].n_children = 1;
            chain[i - 1].children = &links[i];
        }
    }
    /* The deepest the decoder reads: fine both ways. */
    chain[N - 2].n_children = 0;
    text = round_trip(&chain[1].base);
    free(text);
    chain[N - 2].n_children = 1;
    expect_refused(&chain[0].base, "ssc.test.Inner: nested too deeply");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_scalars_at_their_limits),
        cmocka_unit_test(test_strings_escaped),
        cmocka_unit_test(test_enums_by_name),
        cmocka_unit_test(test_bytes_as_bytea_hex),
        cmocka_unit_test(test_nested_and_repeated_messages),
        cmocka_unit_test(test_oneof_member_only),
        cmocka_unit_test(test_map_as_entries),
        cmocka_unit_test(test_values_without_json_form),
        cmocka_unit_test(test_depth_limit),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
