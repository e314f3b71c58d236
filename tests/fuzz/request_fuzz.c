/*
 * request_fuzz.c - fuzzes what sscd does with a request message's bytes.
 *
 * The first input byte picks one of the request types sscd serves; the rest
 * is the message. The target does what daemon/call.c's deliver() does: the
 * UTF-8 and NUL check on the wire bytes, then protobuf_c_message_unpack().
 * When both accept, every string in the unpacked message must be valid UTF-8
 * (the check's promise to the services), and a pack and unpack round trip
 * must succeed and pack to the same bytes again.
 *
 * Entry points: LLVMFuzzerTestOneInput().
 */
#include "fuzz.h"

#include "pb_check.h"

#include "grpc/health/v1/health.pb-c.h"
#include "grpc/reflection/v1/reflection.pb-c.h"
#include "grpc/reflection/v1alpha/reflection.pb-c.h"
#include "grpc/testing/empty.pb-c.h"
#include "grpc/testing/messages.pb-c.h"
#include "ssc/v1/audit.pb-c.h"
#include "ssc/v1/organisations.pb-c.h"
#include "ssc/v1/principals.pb-c.h"
#include "ssc/v1/sectors.pb-c.h"

#include <string.h>

/* Deeper than any request type nests; the walk stops here regardless. */
#define MAX_DEPTH 32

static const ProtobufCMessageDescriptor *const requests[] = {
    &ssc__v1__create_organisation_request__descriptor,
    &ssc__v1__update_organisation_request__descriptor,
    &ssc__v1__list_organisations_request__descriptor,
    &ssc__v1__get_organisation_request__descriptor,
    &ssc__v1__list_sectors_request__descriptor,
    &ssc__v1__add_principal_request__descriptor,
    &ssc__v1__list_principals_request__descriptor,
    &ssc__v1__disable_principal_request__descriptor,
    &ssc__v1__list_audit_request__descriptor,
    &ssc__v1__verify_audit_request__descriptor,
    &grpc__testing__empty__descriptor,
    &grpc__testing__simple_request__descriptor,
    &grpc__testing__streaming_input_call_request__descriptor,
    &grpc__testing__streaming_output_call_request__descriptor,
    &grpc__health__v1__health_check_request__descriptor,
    &grpc__reflection__v1__server_reflection_request__descriptor,
    &grpc__reflection__v1alpha__server_reflection_request__descriptor,
};

#define NREQUESTS (sizeof(requests) / sizeof(requests[0]))

static int check_message(const ProtobufCMessage *m, int depth);

/* Checks one value of field f stored at p; returns what check_message()
 * returns for it. */
static int check_value(const ProtobufCFieldDescriptor *f, const void *p,
                       int depth)
{
    if (f->type == PROTOBUF_C_TYPE_STRING) {
        const char *s = *(char *const *)p;

        if (s != NULL)
            SSC_FUZZ_REQUIRE(ssc_utf8_valid((const uint8_t *)s, strlen(s)));
    } else if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
        const ProtobufCMessage *sub = *(ProtobufCMessage *const *)p;

        if (sub != NULL)
            return check_message(sub, depth + 1);
    }
    return 0;
}

/* Whether field f of message base holds a value (for oneof members). */
static int oneof_set(const ProtobufCFieldDescriptor *f, const uint8_t *base)
{
    uint32_t which;

    memcpy(&which, base + f->quantifier_offset, sizeof(which));
    return which == f->id;
}

/* Requires every string field, in this message and the ones it holds, to be
 * UTF-8. Returns the number of unknown fields numbered 0 among them: protobuf-c
 * 1.4.1 accepts field number 0 when its tag is written in more than one byte
 * (80 00), keeps it as an unknown field and packs it as 00, which it then
 * refuses. The round trip is only required to succeed without them. */
static int check_message(const ProtobufCMessage *m, int depth)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    const uint8_t *base = (const uint8_t *)m;
    int zero = 0;

    if (depth > MAX_DEPTH)
        return 0;
    for (unsigned i = 0; i < m->n_unknown_fields; i++)
        zero += m->unknown_fields[i].tag == 0;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const uint8_t *p = base + f->offset;

        if (f->type != PROTOBUF_C_TYPE_STRING &&
            f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            /* Repeated strings and messages are arrays of pointers. */
            void *const *v = *(void *const *const *)p;
            size_t n;

            memcpy(&n, base + f->quantifier_offset, sizeof(n));
            for (size_t k = 0; k < n; k++)
                zero += check_value(f, &v[k], depth);
            continue;
        }
        if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) != 0 &&
            !oneof_set(f, base))
            continue;
        zero += check_value(f, p, depth);
    }
    return zero;
}

/* Packs m, unpacks the result, and packs that again: all must succeed and
 * the two packings must be the same bytes. zero is check_message()'s count:
 * with such fields the unpack may fail. */
static void round_trip(const ProtobufCMessage *m, int zero)
{
    size_t n = protobuf_c_message_get_packed_size(m), n2;
    uint8_t *buf = malloc(n > 0 ? n : 1), *buf2;
    ProtobufCMessage *again;

    if (buf == NULL)
        abort();
    SSC_FUZZ_REQUIRE(protobuf_c_message_pack(m, buf) == n);
    again = protobuf_c_message_unpack(m->descriptor, NULL, n, buf);
    if (again == NULL && zero > 0) {
        free(buf);
        return;
    }
    SSC_FUZZ_REQUIRE(again != NULL);
    n2 = protobuf_c_message_get_packed_size(again);
    SSC_FUZZ_REQUIRE(n2 == n);
    buf2 = malloc(n2 > 0 ? n2 : 1);
    if (buf2 == NULL)
        abort();
    SSC_FUZZ_REQUIRE(protobuf_c_message_pack(again, buf2) == n2);
    SSC_FUZZ_REQUIRE(n == 0 || memcmp(buf, buf2, n) == 0);
    protobuf_c_message_free_unpacked(again, NULL);
    free(buf2);
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const ProtobufCMessageDescriptor *d;
    ProtobufCMessage *req;
    char field[128];

    if (size < 1)
        return 0;
    d = requests[data[0] % NREQUESTS];
    data++;
    size--;
    if (ssc_pb_check_strings(d, data, size, field, sizeof(field)) != 0) {
        SSC_FUZZ_REQUIRE(memchr(field, '\0', sizeof(field)) != NULL);
        return 0;
    }
    req = protobuf_c_message_unpack(d, NULL, size, data);
    if (req == NULL)
        return 0;
    round_trip(req, check_message(req, 0));
    protobuf_c_message_free_unpacked(req, NULL);
    return 0;
}
