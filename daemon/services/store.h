/*
 * store.h - one gRPC call's transaction, as a service handler uses it.
 *
 * Declared methods (declare.h) use it through one generic handler; a
 * hand-written handler (a stream, work that needs code) does this:
 *
 *     ssc_db_job *job = ssc_store_begin(call, roles); // identity, deadline
 *     const char *v[] = {...};
 *     ssc_db_job_add(job, "org_create", 8, v);        // the business statement
 *     ssc_store_run(call, job, on_created);           // one transaction
 *
 * and in on_created(call, r) reads the function's jsonb with
 * ssc_store_json(r) and answers. When the transaction fails, ssc_store_run()
 * answers the call itself with the mapped status and message and the done
 * callback is not run; it is not run either when the call was cancelled (the
 * job is then cancelled too). OK therefore always follows COMMIT.
 *
 * Deadlines: when a call's deadline passes before its job reached the
 * database, the job is dropped and the call answered DEADLINE_EXCEEDED. Once
 * the database has it, the call answers the outcome, whatever the clock
 * says: when sscd answers DEADLINE_EXCEEDED, nothing was committed and
 * nothing will be. The job's budget in PostgreSQL ends with the deadline, so
 * the outcome is not long in coming.
 *
 * ssc_store_begin() gives the job the call's deadline (db.c turns what is left
 * of it into the transaction's budget when it sends the job) and adds
 * ssc.begin_call() with the peer certificate's
 * fingerprint and subject, the roles allowed and the method path, so identity
 * is checked by the database in the same transaction and row-level security
 * applies to everything after it. A call without a verified certificate is
 * answered UNAUTHENTICATED at once and NULL is returned.
 *
 * Entry points: ssc_store_register(), ssc_store_begin(),
 * ssc_store_begin_read(), ssc_store_watch_request(), ssc_store_run(),
 * ssc_store_json(), ssc_store_answer_failure(), ssc_store_request_hash(),
 * ssc_store_on_cancel(), ssc_store_on_deadline(), ssc_store_available().
 */
#ifndef SSC_STORE_H
#define SSC_STORE_H

#include "call.h"
#include "db.h"

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

/* Registers the statements the store layer itself uses (timeout,
 * begin_call). Call once before any pool exists. */
int ssc_store_register(void);

/* Starts a job for call: its deadline and begin_call. Returns NULL after
 * answering the call when it cannot start (no verified certificate:
 * UNAUTHENTICATED; no database on this loop: UNAVAILABLE). */
ssc_db_job *ssc_store_begin(ssc_call *call, const char *const *roles);

/* As ssc_store_begin() for one of the many reads of a long-lived stream
 * (a watch): the job carries no deadline of the call's, whose deadline ends
 * the stream itself, so the pool's default budget bounds the read. */
ssc_db_job *ssc_store_begin_read(ssc_call *call, const char *const *roles);

/* What every watch (a long-lived server stream) checks before it starts:
 * a verified client certificate (UNAUTHENTICATED), its hub on this loop,
 * which exists only with a database (have_hub; UNAVAILABLE), sscd not
 * draining (UNAVAILABLE), and the request as the JSON its SQL takes
 * (INVALID_ARGUMENT naming the field). Returns that JSON (the caller frees
 * it; its length in *len), or NULL after answering the call. */
char *ssc_store_watch_request(ssc_call *call, int have_hub,
                              const ProtobufCMessage *req, size_t *len);

typedef void (*ssc_store_done)(ssc_call *call, const ssc_db_result *r);

/* Runs job for call (see above). Holds a reference on call until the job
 * ends. The call's method must use ssc_store_on_cancel as its on_cancel and
 * ssc_store_on_deadline as its on_deadline. */
void ssc_store_run(ssc_call *call, ssc_db_job *job, ssc_store_done done);

/* The method's on_cancel: drops the call's job, if any (a job not yet sent
 * never reaches the database). */
void ssc_store_on_cancel(ssc_call *call);

/* The method's on_deadline. Returns 1 while the call's job is in the
 * database: its transaction may still commit, so the call waits for the
 * outcome and answers it (OK when it committed, DEADLINE_EXCEEDED when it
 * ran out of its budget and rolled back). Returns 0 otherwise: the call is
 * then cancelled and answered DEADLINE_EXCEEDED, its job never sent. */
int ssc_store_on_deadline(ssc_call *call);

/* Answers call with a failed transaction's status and message (what
 * ssc_store_run() does for its jobs), for handlers that run their own. */
void ssc_store_answer_failure(ssc_call *call, const ssc_db_result *r);

/* Parses ssc_db_answer(r) as JSON. Returns a new reference or NULL (with
 * the call to be answered INTERNAL by the caller) when it is not JSON. */
json_t *ssc_store_json(const ssc_db_result *r);

/* Writes the idempotency hash of a request: "\\x" + hex of SHA-256 over the
 * method path, a NUL and the packed request without its idempotency_key
 * (field 1, when it is a string of that name). out must hold 67 bytes. */
void ssc_store_request_hash(const ssc_call *call, const ProtobufCMessage *req,
                            char out[67]);

/* Non-zero when this call's loop has a database connection up. */
int ssc_store_available(const ssc_call *call);

#endif
