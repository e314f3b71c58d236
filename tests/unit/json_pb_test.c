/*
 * json_pb_test.c - database JSON rows as protobuf messages: organisation,
 * principal and audit rows in the shapes of sql/API.md, list pages with the
 * one-extra-row rule, enum spellings and the checks on a List request's page.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "err.h"
#include "json_pb.h"
#include "page.h"

#include "ssc/v1/audit.pb-c.h"
#include "ssc/v1/organisations.pb-c.h"
#include "ssc/v1/principals.pb-c.h"
#include "ssc/v1/sectors.pb-c.h"

#include <stdlib.h>
#include <string.h>

#define ORG_ROW                                                                \
    "{\"id\": 12, \"name\": \"Danish Energy Agency\", \"short_name\": "        \
    "\"DEA\", \"kind\": \"danish_authority\", \"country\": \"DK\", "           \
    "\"parent_id\": null, \"version\": 3, \"created_at\": "                    \
    "\"2024-01-02T03:04:05.123456Z\", \"updated_at\": "                        \
    "\"2024-02-03T04:05:06Z\", \"added_later\": [1, 2]}"

static json_t *parse(const char *text)
{
    json_t *j = json_loads(text, 0, NULL);

    assert_non_null(j);
    return j;
}

/* Decodes text as desc; expects success. */
static ProtobufCMessage *decode_ok(const ProtobufCMessageDescriptor *desc,
                                   const char *text)
{
    json_t *j = parse(text);
    ProtobufCMessage *m = NULL;
    char err[256];

    assert_int_equal(ssc_json_pb_decode(desc, j, &m, err, sizeof(err)), 0);
    assert_non_null(m);
    json_decref(j);
    return m;
}

/* Decodes text as desc; expects failure with an error containing want. */
static void decode_bad(const ProtobufCMessageDescriptor *desc, const char *text,
                       const char *want)
{
    json_t *j = parse(text);
    ProtobufCMessage *m = (ProtobufCMessage *)"untouched";
    char err[256];

    assert_int_equal(ssc_json_pb_decode(desc, j, &m, err, sizeof(err)),
                     SSC_EINVAL);
    assert_null(m);
    if (strstr(err, want) == NULL)
        fail_msg("error \"%s\" does not contain \"%s\"", err, want);
    json_decref(j);
}

static void test_organisation_row(void **state)
{
    Ssc__V1__Organisation *o = (Ssc__V1__Organisation *)decode_ok(
        &ssc__v1__organisation__descriptor, ORG_ROW);

    (void)state;
    assert_int_equal(o->id, 12);
    assert_string_equal(o->name, "Danish Energy Agency");
    assert_string_equal(o->short_name, "DEA");
    assert_int_equal(
        o->kind,
        SSC__V1__ORGANISATION_KIND__ORGANISATION_KIND_DANISH_AUTHORITY);
    assert_string_equal(o->country, "DK");
    assert_int_equal(o->parent_id, 0);
    assert_int_equal(o->version, 3);
    assert_string_equal(o->created_at, "2024-01-02T03:04:05.123456Z");
    assert_string_equal(o->updated_at, "2024-02-03T04:05:06Z");
    ssc_json_pb_free(&o->base);
}

/* Missing keys keep the defaults; bigints may come as strings; the message
 * packs like one protobuf-c unpacked. */
static void test_organisation_sparse(void **state)
{
    Ssc__V1__Organisation *o = (Ssc__V1__Organisation *)decode_ok(
        &ssc__v1__organisation__descriptor,
        "{\"id\": \"9007199254740993\", \"parent_id\": 4, \"kind\": "
        "\"region\", \"short_name\": \"\"}");
    uint8_t buf[128];
    size_t n;
    Ssc__V1__Organisation *back;

    (void)state;
    assert_int_equal(o->id, 9007199254740993LL);
    assert_int_equal(o->parent_id, 4);
    assert_int_equal(o->kind,
                     SSC__V1__ORGANISATION_KIND__ORGANISATION_KIND_REGION);
    assert_string_equal(o->name, "");
    n = protobuf_c_message_pack(&o->base, buf);
    back = ssc__v1__organisation__unpack(NULL, n, buf);
    assert_non_null(back);
    assert_int_equal(back->id, o->id);
    assert_string_equal(back->short_name, "");
    ssc__v1__organisation__free_unpacked(back, NULL);
    ssc_json_pb_free(&o->base);
}

static void test_organisation_bad_rows(void **state)
{
    const ProtobufCMessageDescriptor *d = &ssc__v1__organisation__descriptor;

    (void)state;
    decode_bad(d, "{\"kind\": \"agency\"}", "kind: unknown value \"agency\"");
    decode_bad(d, "{\"kind\": \"DANISH_AUTHORITY\"}", "kind");
    decode_bad(d, "{\"name\": 5}", "name: expected a string");
    decode_bad(d, "{\"id\": \"12x\"}", "id: expected an integer");
    decode_bad(d, "{\"id\": true}", "id: expected an integer");
    /* A failure after fields were filled frees them (checked by ASan). */
    decode_bad(d, "{\"name\": \"a\", \"country\": \"DK\", \"version\": []}",
               "version");
    decode_bad(d, "[]", "expected an object");
}

static void test_principal_row(void **state)
{
    Ssc__V1__Principal *p = (Ssc__V1__Principal *)decode_ok(
        &ssc__v1__principal__descriptor,
        "{\"id\": 3, \"subject\": \"CN=DEA payroll,O=DEA\", \"fingerprint\": "
        "\"\", \"organisation_id\": 12, \"role\": \"ministry\", \"active\": "
        "false, \"name\": \"Payroll\", \"created_at\": "
        "\"2024-01-01T00:00:00Z\"}");

    (void)state;
    assert_int_equal(p->role, SSC__V1__ROLE__ROLE_MINISTRY);
    assert_false(p->active);
    assert_int_equal(p->organisation_id, 12);
    assert_string_equal(p->subject, "CN=DEA payroll,O=DEA");
    ssc_json_pb_free(&p->base);
    decode_bad(&ssc__v1__principal__descriptor, "{\"active\": \"yes\"}",
               "active: expected true or false");
}

static void test_audit_row(void **state)
{
    Ssc__V1__AuditEntry *a = (Ssc__V1__AuditEntry *)decode_ok(
        &ssc__v1__audit_entry__descriptor,
        "{\"seq\": 7, \"organisation_id\": null, \"before\": null, "
        "\"after\": {\"name\": \"x\", \"id\": 1}, \"prev_hash\": "
        "\"\\\\x00ff10\", \"hash\": \"A0b1\"}");

    (void)state;
    assert_int_equal(a->seq, 7);
    assert_int_equal(a->organisation_id, 0);
    assert_string_equal(a->before, "");
    assert_string_equal(a->after, "{\"id\":1,\"name\":\"x\"}");
    assert_int_equal(a->prev_hash.len, 3);
    assert_memory_equal(a->prev_hash.data, "\x00\xff\x10", 3);
    assert_int_equal(a->hash.len, 2);
    assert_memory_equal(a->hash.data, "\xa0\xb1", 2);
    ssc_json_pb_free(&a->base);
    decode_bad(&ssc__v1__audit_entry__descriptor, "{\"hash\": \"abc\"}",
               "hash: odd number");
    decode_bad(&ssc__v1__audit_entry__descriptor, "{\"hash\": \"zz\"}",
               "hash: not a hex digit");
}

/* ---- pages ------------------------------------------------------------- */

static Ssc__V1__ListOrganisationsResponse *org_page(const char *rows,
                                                    size_t page_size)
{
    json_t *j = parse(rows);
    ProtobufCMessage *m = NULL;
    char err[256];

    assert_int_equal(
        ssc_json_pb_page(&ssc__v1__list_organisations_response__descriptor,
                         "organisations", j, page_size, "id", &m, err,
                         sizeof(err)),
        0);
    json_decref(j);
    return (Ssc__V1__ListOrganisationsResponse *)m;
}

static void assert_token_for(const char *token, const char *cursor)
{
    char *got = NULL;

    assert_int_equal(ssc_page_after(token, &got), 0);
    assert_string_equal(got, cursor);
    free(got);
}

static void test_page_full_has_token(void **state)
{
    Ssc__V1__ListOrganisationsResponse *r = org_page(
        "[{\"id\": 4, \"kind\": \"embassy\"}, {\"id\": 9}, {\"id\": 11}]", 2);

    (void)state;
    assert_int_equal(r->n_organisations, 2);
    assert_int_equal(r->organisations[0]->id, 4);
    assert_int_equal(r->organisations[0]->kind,
                     SSC__V1__ORGANISATION_KIND__ORGANISATION_KIND_EMBASSY);
    assert_int_equal(r->organisations[1]->id, 9);
    assert_token_for(r->next_page_token, "9");
    ssc_json_pb_free(&r->base);
}

/* The last page (no extra row came back) carries no token, even full. */
static void test_page_last_has_none(void **state)
{
    Ssc__V1__ListOrganisationsResponse *r =
        org_page("[{\"id\": 4}, {\"id\": 9}]", 2);

    (void)state;
    assert_int_equal(r->n_organisations, 2);
    assert_string_equal(r->next_page_token, "");
    ssc_json_pb_free(&r->base);
    r = org_page("[]", 50);
    assert_int_equal(r->n_organisations, 0);
    assert_string_equal(r->next_page_token, "");
    ssc_json_pb_free(&r->base);
}

static void test_page_code_cursor(void **state)
{
    json_t *j =
        parse("[{\"code\": \"15110\", \"name\": \"Public sector "
              "policy\", \"category\": \"151\"}, {\"code\": \"23110\"}]");
    Ssc__V1__ListSectorsResponse *r = NULL;
    char err[256];

    (void)state;
    assert_int_equal(
        ssc_json_pb_page(&ssc__v1__list_sectors_response__descriptor, "sectors",
                         j, 1, "code", (ProtobufCMessage **)&r, err,
                         sizeof(err)),
        0);
    assert_int_equal(r->n_sectors, 1);
    assert_string_equal(r->sectors[0]->category, "151");
    assert_token_for(r->next_page_token, "15110");
    ssc_json_pb_free(&r->base);
    json_decref(j);
}

static void test_page_bad_rows(void **state)
{
    ProtobufCMessage *m = NULL;
    char err[256];
    json_t *j = parse("[{\"id\": 1}, {\"id\": 2, \"kind\": \"nope\"}]");

    (void)state;
    assert_int_equal(
        ssc_json_pb_page(&ssc__v1__list_organisations_response__descriptor,
                         "organisations", j, 5, "id", &m, err, sizeof(err)),
        SSC_EINVAL);
    assert_null(m);
    assert_non_null(strstr(err, "organisations[1].kind"));
    json_decref(j);
    /* A full page whose last row has no cursor cannot be continued. */
    j = parse("[{\"name\": \"a\"}, {\"name\": \"b\"}]");
    assert_int_equal(
        ssc_json_pb_page(&ssc__v1__list_organisations_response__descriptor,
                         "organisations", j, 1, "id", &m, err, sizeof(err)),
        SSC_EINVAL);
    json_decref(j);
    j = parse("{}");
    assert_int_equal(
        ssc_json_pb_page(&ssc__v1__list_organisations_response__descriptor,
                         "organisations", j, 1, "id", &m, err, sizeof(err)),
        SSC_EINVAL);
    json_decref(j);
}

/* ---- enums and page requests ------------------------------------------- */

static void test_enum_names(void **state)
{
    char buf[32];

    (void)state;
    assert_string_equal(
        ssc_json_pb_enum_name(
            &ssc__v1__organisation_kind__descriptor,
            SSC__V1__ORGANISATION_KIND__ORGANISATION_KIND_PARTNER_AUTHORITY,
            buf, sizeof(buf)),
        "partner_authority");
    assert_string_equal(ssc_json_pb_enum_name(&ssc__v1__role__descriptor,
                                              SSC__V1__ROLE__ROLE_RECONCILER,
                                              buf, sizeof(buf)),
                        "reconciler");
    assert_null(
        ssc_json_pb_enum_name(&ssc__v1__role__descriptor, 0, buf, sizeof(buf)));
    assert_null(ssc_json_pb_enum_name(&ssc__v1__role__descriptor, 99, buf,
                                      sizeof(buf)));
    assert_null(ssc_json_pb_enum_name(&ssc__v1__role__descriptor,
                                      SSC__V1__ROLE__ROLE_RECONCILER, buf, 10));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_organisation_row),
        cmocka_unit_test(test_organisation_sparse),
        cmocka_unit_test(test_organisation_bad_rows),
        cmocka_unit_test(test_principal_row),
        cmocka_unit_test(test_audit_row),
        cmocka_unit_test(test_page_full_has_token),
        cmocka_unit_test(test_page_last_has_none),
        cmocka_unit_test(test_page_code_cursor),
        cmocka_unit_test(test_page_bad_rows),
        cmocka_unit_test(test_enum_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
