/*
 * pb_json.h - a request message as the one JSON argument of its SQL function
 * (pb_json.c has the rules; they are json_pb.h's, the other way round).
 *
 * Entry points: ssc_pb_json_encode().
 */
#ifndef SSC_PB_JSON_H
#define SSC_PB_JSON_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

/* Writes msg as one JSON object. Returns 0 with *out a malloc'd,
 * NUL-terminated text the caller frees and *len its length; or SSC_EINVAL,
 * with err naming the field and why ("kind: unknown value 7"), for a value
 * that has no JSON form here: an enum value the descriptor does not know, a
 * 64-bit unsigned value past 2^63 - 1, a float that is not finite, or
 * messages nested deeper than SSC_JSON_PB_MAX_DEPTH. */
int ssc_pb_json_encode(const ProtobufCMessage *msg, char **out, size_t *len,
                       char *err, size_t errlen);

#endif
