/*
 * pb_check.h - checks that a serialized protobuf message's string fields are
 * text: valid UTF-8 without NUL bytes.
 *
 * protobuf-c does not check UTF-8, and hands strings over NUL-terminated, so
 * a NUL inside a field would silently cut it short. Proto3 requires string
 * fields to be valid UTF-8; this module enforces that, and the absence of
 * NUL, on the wire bytes, guided by the message descriptor, before the
 * message is unpacked. Nested messages are followed (to a depth limit).
 * Malformed wire data is left for the unpacker to refuse.
 *
 * Entry points: ssc_pb_check_strings(), ssc_utf8_valid().
 */
#ifndef SSC_PB_CHECK_H
#define SSC_PB_CHECK_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

/* Returns 0 when every string field of the message in p..p+n (of type d) is
 * valid UTF-8 without NUL; SSC_EINVAL with the dotted field path ("name",
 * "page.page_token") written to field (fieldlen bytes) when one is not; or
 * SSC_EPROTO for a field numbered 0, which protobuf-c would let through. */
int ssc_pb_check_strings(const ProtobufCMessageDescriptor *d, const uint8_t *p,
                         size_t n, char *field, size_t fieldlen);

/* Non-zero when the n bytes at p are well-formed UTF-8 (no overlong forms,
 * no surrogates, nothing above U+10FFFF). */
int ssc_utf8_valid(const uint8_t *p, size_t n);

#endif
