/*
 * json_pb.h - the database's JSON answers as protobuf messages.
 *
 * Every SQL function sscd calls returns one jsonb value (sql/API.md), so rows
 * become responses in one place, driven by the message descriptor:
 *   - object keys are proto field names; keys the message lacks are ignored
 *     (a migration may add a column before sscd maps it), and a missing key
 *     or null leaves the field at its default;
 *   - integers come from JSON integers or decimal strings, bool from
 *     true/false, float and double from numbers;
 *   - strings are copied; a string field given an object or array gets its
 *     compact JSON text (audit before/after);
 *   - bytes come from hex, with or without bytea's "\x" prefix;
 *   - enums come from the value name in lower case without the enum's prefix
 *     (the name of its 0 value minus "UNSPECIFIED"): "danish_authority" is
 *     ORGANISATION_KIND_DANISH_AUTHORITY, "ministry" is ROLE_MINISTRY;
 *   - messages come from objects, repeated fields from arrays.
 *
 * Lists page with a keyset cursor: the list statement asks the database for
 * one row more than the page (see services/declare.h), and
 * ssc_json_pb_page() keeps page_size rows and issues a next_page_token only
 * when that extra row came back, so the last page carries no token.
 *
 * Messages nest at most SSC_JSON_PB_MAX_DEPTH deep in a row.
 *
 * Answers are read one of two ways with the same result: straight from the
 * text into the message (json_direct.c, for what PostgreSQL normally sends)
 * or through a jansson tree (here, for everything else);
 * ssc_json_pb_decode_text() and ssc_json_pb_page_text() pick.
 *
 * Memory: every message made here is malloc'd down to its last string, and
 * ssc_json_pb_free() (protobuf_c_message_free_unpacked) releases it.
 *
 * Entry points: ssc_json_pb_decode(), ssc_json_pb_decode_text(),
 * ssc_json_pb_page(), ssc_json_pb_page_text(), ssc_json_pb_free(),
 * ssc_json_pb_enum_name().
 */
#ifndef SSC_JSON_PB_H
#define SSC_JSON_PB_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

/* How deep messages may nest in a row (ours go two deep); deeper fails. */
#define SSC_JSON_PB_MAX_DEPTH 16

/* Builds a new message of desc from the JSON object json (as above). Returns
 * 0 with *out owned by the caller, or SSC_EINVAL with *out NULL and err
 * naming the field and what was wrong ("organisations[2].kind: unknown value
 * \"agency\""). */
int ssc_json_pb_decode(const ProtobufCMessageDescriptor *desc,
                       const json_t *json, ProtobufCMessage **out, char *err,
                       size_t errlen);

/* Builds a list response of desc from rows, a JSON array of up to
 * page_size + 1 objects: the first page_size go into the repeated field
 * items, and when there are more, the string field "next_page_token" gets
 * ssc_store_page_token() of the last kept row's cursor_key member (an
 * integer id or a string code). Returns as ssc_json_pb_decode(). */
int ssc_json_pb_page(const ProtobufCMessageDescriptor *desc, const char *items,
                     const json_t *rows, size_t page_size,
                     const char *cursor_key, ProtobufCMessage **out, char *err,
                     size_t errlen);

/* As ssc_json_pb_decode() from len bytes of JSON text (an answer as
 * PostgreSQL sent it; text NULL counts as not JSON). Returns as
 * ssc_json_pb_decode(); text that is not JSON fails with err "the answer is
 * not JSON". */
int ssc_json_pb_decode_text(const ProtobufCMessageDescriptor *desc,
                            const char *text, size_t len,
                            ProtobufCMessage **out, char *err, size_t errlen);

/* As ssc_json_pb_page() from len bytes of JSON text, with the errors of
 * ssc_json_pb_decode_text(). */
int ssc_json_pb_page_text(const ProtobufCMessageDescriptor *desc,
                          const char *items, const char *text, size_t len,
                          size_t page_size, const char *cursor_key,
                          ProtobufCMessage **out, char *err, size_t errlen);

/* Frees a message made by this module; NULL is allowed. */
void ssc_json_pb_free(ProtobufCMessage *msg);

/* Writes the database spelling of an enum value ("danish_authority") to buf
 * and returns buf, or returns NULL when value is 0 (UNSPECIFIED), not a value
 * of desc, or does not fit in n bytes. */
const char *ssc_json_pb_enum_name(const ProtobufCEnumDescriptor *desc,
                                  int value, char *buf, size_t n);

/* ---- shared with json_direct.c -------------------------------------------
 * The rules above for one value, so that both ways of reading an answer
 * convert alike. Each returns 0, or SSC_EINVAL leaving the caller to say
 * why. */

/* A decimal string as an integer field's value (strtoll, all of s). */
int ssc__json_pb_int_text(const char *s, int64_t *out);

/* Stores v in integer field f's C type at dst, or fails when out of range. */
int ssc__json_pb_int_store(const ProtobufCFieldDescriptor *f, int64_t v,
                           void *dst);

/* Sets *out to the enum value numbered v (as an int), failing when desc has
 * no such value; *out is set either way, for the error text. */
int ssc__json_pb_enum_int(const ProtobufCEnumDescriptor *desc, int64_t v,
                          int *out);

/* Sets *out to the enum value spelled s ("danish_authority"). */
int ssc__json_pb_enum_text(const ProtobufCEnumDescriptor *desc, const char *s,
                           int *out);

/* Decodes hex s, with or without a "\x" prefix, into out->data (malloc'd).
 * On failure out is empty and *why says what was wrong. */
int ssc__json_pb_hex(const char *s, ProtobufCBinaryData *out, const char **why);

/* Marks field f of m as present, once its value is stored: the has_ flag of
 * a proto3 optional scalar, the case of a oneof. */
void ssc__json_pb_set_present(ProtobufCMessage *m,
                              const ProtobufCFieldDescriptor *f);

#endif
