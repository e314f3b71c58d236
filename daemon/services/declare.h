/*
 * declare.h - a unary domain method is a declaration, not a handler.
 *
 * A service lists its methods in a table of ssc_decl and registers it; one
 * generic handler (declare.c) serves every entry:
 *
 *   1. the request, already checked on the wire (size, UTF-8 and NUL in
 *      strings), is written as one JSON object with proto field names
 *      (db/pb_json.h); an enum value the descriptor does not know is
 *      INVALID_ARGUMENT naming the field;
 *   2. one transaction runs through the store (store.h): begin_call with the
 *      declared roles and the method's path, then the declared SQL function
 *      with the JSON as its one jsonb argument;
 *   3. the function's jsonb answer becomes the response message
 *      (db/json_pb.h), a list's page cut to fit max_message_bytes.
 *
 * Every input rule is the SQL function's: it raises SC400 naming the field
 * and the rule (sql/API.md), and the handler has none of its own.
 *
 * The SQL each kind of method is called with ($1 is the request as jsonb):
 *   SSC_DECL_READ    SELECT fn($1::jsonb)
 *   SSC_DECL_MUTATE  SELECT fn($1::jsonb, $2::bytea)
 *                    $2: the request's hash for its idempotency key (the key
 *                    itself is the request's idempotency_key field)
 *   SSC_DECL_LIST    SELECT fn($1::jsonb, $2, $3::int + 1), $3::int
 *                    $2: the cursor to go on after ('' for the first page;
 *                    the last page's last `cursor` field), $3: page size;
 *                    the function returns a jsonb array of at most
 *                    page size + 1 rows, and a next_page_token is issued
 *                    only when the extra row came back.
 *
 * A method that needs code (a stream, COPY, a watch) keeps a hand-written
 * handler on the same store layer (ssc_store_begin() with its roles).
 *
 * Entry points: ssc_decl_register().
 */
#ifndef SSC_DECLARE_H
#define SSC_DECLARE_H

#include "router.h"

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

typedef enum ssc_decl_kind {
    SSC_DECL_READ,   /* reads one answer */
    SSC_DECL_MUTATE, /* writes: idempotency key, audit rows */
    SSC_DECL_LIST    /* reads a page; the request has a `page` field */
} ssc_decl_kind;

typedef struct ssc_decl {
    const char *path;         /* "/ssc.v1.Organisations/Create" */
    const char *function;     /* "ssc.org_create" */
    const char *const *roles; /* NULL-terminated role names */
    const ProtobufCMessageDescriptor *request;
    const ProtobufCMessageDescriptor *response;
    ssc_decl_kind kind;
    const char *items;  /* lists: the response's repeated field */
    const char *cursor; /* lists: the field of an item a page ends at */
} ssc_decl;

/* A table entry, the descriptors named by their protobuf-c stems:
 *   SSC_DECL(SVC "Get", "ssc.org_get", ssc_roles_readers, READ,
 *            ssc__v1__get_organisation_request, ssc__v1__organisation)
 * and for a list, its items and cursor fields too. */
#define SSC_DECL(path, fn, roles, kind, req, resp)                             \
    {                                                                          \
        path, fn, roles, SSC_DECL_DESC(req), SSC_DECL_DESC(resp),              \
            SSC_DECL_##kind, NULL, NULL                                        \
    }
#define SSC_DECL_PAGED(path, fn, roles, req, resp, items, cursor)              \
    {                                                                          \
        path, fn, roles, SSC_DECL_DESC(req), SSC_DECL_DESC(resp),              \
            SSC_DECL_LIST, items, cursor                                       \
    }
/* &stem__descriptor, stem expanded first (V1(x) in the services). */
#define SSC_DECL_DESC(stem) SSC_DECL_DESC_(stem)
#define SSC_DECL_DESC_(stem) &stem##__descriptor

/* Registers n declared methods on r: their SQL statements with the db layer
 * and their handler with the router. Call once per table at start, before
 * any database pool exists. The table must live for the process. Returns 0,
 * or SSC_EINVAL for an entry that does not hold together (a list without
 * items, a cursor that is not a field of the items, a request without the
 * page field) or a duplicate path. */
int ssc_decl_register(ssc_router *r, const ssc_decl *decls, size_t n);

#endif
