/*
 * pb_json_fuzz.c - a request as JSON and back is the request.
 *
 * The first byte picks the message type (every shape, ssc.test.Shapes, or
 * its nested ssc.test.Inner); the rest is wire bytes. What sscd would accept
 * (it unpacks, and its strings pass the wire checks) is encoded with
 * ssc_pb_json_encode(); when the encoder takes it, decoding the text with
 * ssc_json_pb_decode_text() must succeed and pack to the bytes the original
 * packs to once its unknown fields (which sscd ignores) are dropped. When
 * the encoder refuses, it names a field.
 *
 * Entry points: LLVMFuzzerTestOneInput().
 */
#include "fuzz.h"

#include "json_pb.h"
#include "pb_check.h"
#include "pb_json.h"

#include "shapes.pb-c.h"

#include <string.h>

static const ProtobufCMessageDescriptor *const types[] = {
    &ssc__test__shapes__descriptor,
    &ssc__test__inner__descriptor,
};

/* Drops the unknown fields of m and of every message in it. */
static void drop_unknown(ProtobufCMessage *m)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;

    for (unsigned i = 0; i < m->n_unknown_fields; i++)
        free(m->unknown_fields[i].data);
    free(m->unknown_fields);
    m->unknown_fields = NULL;
    m->n_unknown_fields = 0;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        char *at = (char *)m + f->offset;

        if (f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(size_t *)((char *)m + f->quantifier_offset);

            for (size_t j = 0; j < n; j++)
                drop_unknown((*(ProtobufCMessage ***)at)[j]);
        } else if (*(ProtobufCMessage **)at != NULL &&
                   (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) ||
                    *(uint32_t *)((char *)m + f->quantifier_offset) == f->id)) {
            drop_unknown(*(ProtobufCMessage **)at);
        }
    }
}

/* Non-zero when a and b pack to the same bytes. */
static int same(const ProtobufCMessage *a, const ProtobufCMessage *b)
{
    size_t na = protobuf_c_message_get_packed_size(a);
    size_t nb = protobuf_c_message_get_packed_size(b);
    uint8_t *pa, *pb;
    int eq;

    if (na != nb)
        return 0;
    pa = malloc(na + 1);
    pb = malloc(nb + 1);
    protobuf_c_message_pack(a, pa);
    protobuf_c_message_pack(b, pb);
    eq = memcmp(pa, pb, na) == 0;
    free(pa);
    free(pb);
    return eq;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const ProtobufCMessageDescriptor *d;
    ProtobufCMessage *m, *back = NULL;
    char field[128], err[256], *text = NULL;
    size_t len = 0;

    if (size < 1)
        return 0;
    d = types[data[0] % (sizeof(types) / sizeof(types[0]))];
    if (ssc_pb_check_strings(d, data + 1, size - 1, field, sizeof(field)) != 0)
        return 0;
    m = protobuf_c_message_unpack(d, NULL, size - 1, data + 1);
    if (m == NULL)
        return 0;
    if (ssc_pb_json_encode(m, &text, &len, err, sizeof(err)) != 0) {
        SSC_FUZZ_REQUIRE(text == NULL && strchr(err, ':') != NULL);
    } else {
        SSC_FUZZ_REQUIRE(strlen(text) == len);
        SSC_FUZZ_REQUIRE(ssc_json_pb_decode_text(d, text, len, &back, err,
                                                 sizeof(err)) == 0);
        drop_unknown(m);
        SSC_FUZZ_REQUIRE(same(m, back));
        ssc_json_pb_free(back);
        free(text);
    }
    protobuf_c_message_free_unpacked(m, NULL);
    return 0;
}
