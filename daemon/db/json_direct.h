/*
 * json_direct.h - the store's JSON answers read straight into protobuf
 * messages, in one pass and without a jansson tree.
 *
 * This is json_pb.c's fast way for the answers PostgreSQL normally sends
 * (objects of strings, integers, booleans and nulls, nested objects and
 * arrays of those). It follows the rules of json_pb.h, and where it cannot
 * be sure of giving exactly what the tree way gives it gives up instead, so
 * callers go through ssc_json_pb_decode_text() and ssc_json_pb_page_text(),
 * which fall back. Both functions here are exported for the tests that hold
 * the two ways to the same results.
 *
 * Entry points: ssc_json_direct_decode(), ssc_json_direct_page().
 */
#ifndef SSC_JSON_DIRECT_H
#define SSC_JSON_DIRECT_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

/* Builds a new message of desc from len bytes of JSON text holding one
 * object. Returns 0 with *out owned by the caller and packing to the same
 * bytes as ssc_json_pb_decode() of json_loadb(text) would make, or
 * SSC_EINVAL with *out NULL when the text is to be decoded the tree way:
 * because it does not map (the tree way says why), or because it holds
 * something this reader leaves to jansson (json_direct.c lists what). */
int ssc_json_direct_decode(const ProtobufCMessageDescriptor *desc,
                           const char *text, size_t len,
                           ProtobufCMessage **out);

/* As ssc_json_direct_decode() for a list page: text holds the JSON array of
 * rows that ssc_json_pb_page() takes, with the same items, page_size and
 * cursor_key. */
int ssc_json_direct_page(const ProtobufCMessageDescriptor *desc,
                         const char *items, const char *text, size_t len,
                         size_t page_size, const char *cursor_key,
                         ProtobufCMessage **out);

#endif
