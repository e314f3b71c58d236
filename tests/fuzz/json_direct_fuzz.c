/*
 * json_direct_fuzz.c - daemon/json_direct.c must give what the tree way of
 * daemon/json_pb.c gives.
 *
 * The first byte c picks a case, cases[c % N_CASES]: a row of a message
 * sscd answers with, or a page of a list response with page size
 * 1 + c / N_CASES % 3; the rest is the answer text. The tree way
 * (ssc_json_read(), then ssc_json_pb_decode() or ssc_json_pb_page()) is the
 * reference:
 *   - when the direct reader succeeds, the tree way succeeds too, and both
 *     messages pack to the same bytes;
 *   - ssc_json_pb_decode_text() and ssc_json_pb_page_text(), which sscd
 *     calls, succeed or fail as the tree way does, with the same bytes or
 *     the same error text.
 *
 * Entry points: LLVMFuzzerTestOneInput().
 */
#include "fuzz.h"

#include "err.h"
#include "json_direct.h"
#include "json_pb.h"
#include "json_read.h"

#include "grpc/testing/messages.pb-c.h"
#include "ssc/v1/audit.pb-c.h"
#include "ssc/v1/organisations.pb-c.h"
#include "ssc/v1/principals.pb-c.h"
#include "ssc/v1/sectors.pb-c.h"

#include <string.h>

typedef struct fuzz_case {
    const ProtobufCMessageDescriptor *desc;
    const char *items; /* a page's repeated field; NULL for one row */
    const char *cursor_key;
} fuzz_case;

/* The rows sscd maps, and grpc.testing messages for the field types ours
 * lack (int32, double, repeated scalars, maps, bytes in a nested message). */
static const fuzz_case cases[] = {
    {&ssc__v1__organisation__descriptor, NULL, NULL},
    {&ssc__v1__principal__descriptor, NULL, NULL},
    {&ssc__v1__audit_entry__descriptor, NULL, NULL},
    {&ssc__v1__verify_audit_response__descriptor, NULL, NULL},
    {&ssc__v1__list_organisations_response__descriptor, "organisations", "id"},
    {&ssc__v1__list_principals_response__descriptor, "principals", "id"},
    {&ssc__v1__list_audit_response__descriptor, "entries", "seq"},
    {&ssc__v1__list_sectors_response__descriptor, "sectors", "code"},
    {&grpc__testing__reconnect_info__descriptor, NULL, NULL},
    {&grpc__testing__test_orca_report__descriptor, NULL, NULL},
    {&grpc__testing__simple_request__descriptor, NULL, NULL},
};

#define N_CASES (sizeof(cases) / sizeof(cases[0]))

typedef struct result {
    int rc;
    ProtobufCMessage *msg;
    char err[256];
} result;

static void tree_way(const fuzz_case *fc, const char *text, size_t len,
                     size_t page_size, result *res)
{
    json_t *json = ssc_json_read(text, len);

    res->msg = NULL;
    if (json == NULL) {
        res->rc = SSC_EINVAL;
        snprintf(res->err, sizeof(res->err), "the answer is not JSON");
        return;
    }
    res->rc = fc->items == NULL
                  ? ssc_json_pb_decode(fc->desc, json, &res->msg, res->err,
                                       sizeof(res->err))
                  : ssc_json_pb_page(fc->desc, fc->items, json, page_size,
                                     fc->cursor_key, &res->msg, res->err,
                                     sizeof(res->err));
    json_decref(json);
}

static void picked_way(const fuzz_case *fc, const char *text, size_t len,
                       size_t page_size, result *res)
{
    res->rc = fc->items == NULL
                  ? ssc_json_pb_decode_text(fc->desc, text, len, &res->msg,
                                            res->err, sizeof(res->err))
                  : ssc_json_pb_page_text(fc->desc, fc->items, text, len,
                                          page_size, fc->cursor_key, &res->msg,
                                          res->err, sizeof(res->err));
}

static void require_same_bytes(const ProtobufCMessage *a,
                               const ProtobufCMessage *b)
{
    size_t na = protobuf_c_message_get_packed_size(a);
    size_t nb = protobuf_c_message_get_packed_size(b);
    uint8_t *pa, *pb;

    SSC_FUZZ_REQUIRE(na == nb);
    pa = malloc(na + 1);
    pb = malloc(nb + 1);
    SSC_FUZZ_REQUIRE(pa != NULL && pb != NULL);
    SSC_FUZZ_REQUIRE(protobuf_c_message_pack(a, pa) == na);
    SSC_FUZZ_REQUIRE(protobuf_c_message_pack(b, pb) == nb);
    SSC_FUZZ_REQUIRE(memcmp(pa, pb, na) == 0);
    free(pa);
    free(pb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const fuzz_case *fc;
    const char *text = (const char *)data + 1;
    size_t len, page_size;
    ProtobufCMessage *direct = NULL;
    result want, got;
    int rc;

    if (size < 1)
        return 0;
    len = size - 1;
    fc = &cases[data[0] % N_CASES];
    page_size = 1 + data[0] / N_CASES % 3;
    tree_way(fc, text, len, page_size, &want);
    rc = fc->items == NULL
             ? ssc_json_direct_decode(fc->desc, text, len, &direct)
             : ssc_json_direct_page(fc->desc, fc->items, text, len, page_size,
                                    fc->cursor_key, &direct);
    SSC_FUZZ_REQUIRE((rc == 0) == (direct != NULL));
    if (rc == 0) {
        SSC_FUZZ_REQUIRE(want.rc == 0);
        require_same_bytes(want.msg, direct);
    }
    picked_way(fc, text, len, page_size, &got);
    SSC_FUZZ_REQUIRE(got.rc == want.rc);
    SSC_FUZZ_REQUIRE((got.msg != NULL) == (want.msg != NULL));
    if (want.rc == 0)
        require_same_bytes(want.msg, got.msg);
    else
        SSC_FUZZ_REQUIRE(strcmp(got.err, want.err) == 0);
    ssc_json_pb_free(direct);
    ssc_json_pb_free(want.msg);
    ssc_json_pb_free(got.msg);
    return 0;
}
