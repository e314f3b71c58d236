/*
 * client.h - the client side of the transport: gRPC calls over one TLS +
 * HTTP/2 connection on a libuv loop.
 *
 * A client stands for one endpoint ("host:port"). It connects lazily, on the
 * first call: resolve with uv_getaddrinfo, TCP connect (trying each address in
 * turn), TLS with the client's certificate, verifying the server against the
 * CA and the endpoint's host name, ALPN "h2" required. Calls started meanwhile
 * wait and go out once the connection is ready. When the connection fails,
 * every call on it ends with UNAVAILABLE and a message a person can act on
 * ("could not connect to 127.0.0.1:50051: connection refused"); the next call
 * connects again. There are no automatic retries.
 *
 * A call is asynchronous: start it with ssc_client_call_start(), queue request
 * messages with ssc_client_call_send(), end the request with
 * ssc_client_call_half_close(); responses arrive through callbacks. This one
 * shape serves all four cardinalities. on_close runs exactly once per call,
 * and the call is freed when it returns.
 *
 * Statuses follow gRPC: a grpc-status from the server is used as sent; without
 * one, the HTTP status is mapped (grpc doc/http-grpc-status-mapping.md); a
 * stream reset maps from its HTTP/2 error code; transport failures are
 * UNAVAILABLE; an expired deadline is DEADLINE_EXCEEDED (the stream is reset
 * with CANCEL); ssc_client_call_cancel() gives CANCELLED.
 *
 * Memory: allocation failure aborts (mem.h). Response messages are capped
 * (opts.max_message_bytes); response metadata is capped at
 * SSC_CLIENT_MAX_METADATA bytes per call.
 *
 * Threads: a client and its calls belong to the loop they were made on.
 *
 * Entry points: ssc_client_new(), ssc_client_free(), ssc_client_loop(),
 * ssc_client_endpoint(), ssc_client_call_start(), ssc_client_call_send(),
 * ssc_client_call_send_msg(), ssc_client_call_half_close(),
 * ssc_client_call_cancel(), ssc_client_call_buffered(),
 * ssc_client_call_data(), ssc_client_unary(), ssc_client_server_stream(),
 * ssc_client_result_init(), ssc_client_result_free().
 */
#ifndef SSC_CLIENT_H
#define SSC_CLIENT_H

#include "md.h"
#include "status.h"

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#define SSC_CLIENT_DEFAULT_MAX_MESSAGE (4u * 1024 * 1024)
#define SSC_CLIENT_MAX_METADATA (64u * 1024)

/* A sender should stop queueing above SSC_CLIENT_HIGH_WATER buffered bytes;
 * on_drain says when the buffer has fallen below SSC_CLIENT_LOW_WATER. */
#define SSC_CLIENT_HIGH_WATER (256u * 1024)
#define SSC_CLIENT_LOW_WATER (64u * 1024)

typedef struct ssc_client ssc_client;
typedef struct ssc_client_call ssc_client_call;

typedef struct ssc_client_opts {
    const char *endpoint;  /* "host:port" or "[v6-address]:port"; required */
    const char *ca_file;   /* PEM CA that verifies the server; required */
    const char *cert_file; /* PEM client certificate chain, or NULL */
    const char *key_file;  /* its private key; set with cert_file or neither */
    size_t max_message_bytes; /* largest response message; 0: 4 MiB */
    uint64_t timeout_ms;      /* deadline of ssc_client_unary(); 0: none */
    const char *user_agent;   /* NULL: "ssc-transport" */
} ssc_client_opts;

/* How a call ended. */
typedef struct ssc_client_result {
    int code;        /* an ssc_status */
    char *message;   /* grpc-message decoded, or what went wrong; never NULL
                        once the call ended ("" when there is none) */
    ssc_md headers;  /* response-header metadata (custom keys only) */
    ssc_md trailers; /* trailing metadata (custom keys only) */
} ssc_client_result;

/* Readies an empty result (code OK, no message). */
void ssc_client_result_init(ssc_client_result *res);

/* Releases what res holds and leaves it as ssc_client_result_init() does. */
void ssc_client_result_free(ssc_client_result *res);

/* Creates a client on loop. Nothing touches the network until the first call.
 * Returns 0 and stores the client in *out, or SSC_ECONFIG with a reason in err
 * (a bad endpoint; an unreadable or unusable CA, certificate or key, e.g.
 * "could not read certificate /x/admin.pem: No such file or directory");
 * nothing is allocated then. opts's strings are copied. */
int ssc_client_new(uv_loop_t *loop, const ssc_client_opts *opts,
                   ssc_client **out, char *err, size_t errlen);

/* Cancels every call still running (each sees on_close with CANCELLED before
 * this returns) and closes the connection. Handles close asynchronously: the
 * memory is released once the loop has run their close callbacks, so run the
 * loop (uv_run(loop, UV_RUN_DEFAULT) returns when all is gone) before closing
 * it. c must not be used afterwards; calling this from a call's callback is
 * allowed. */
void ssc_client_free(ssc_client *c);

uv_loop_t *ssc_client_loop(const ssc_client *c);

/* The endpoint as configured, for messages. */
const char *ssc_client_endpoint(const ssc_client *c);

typedef struct ssc_client_call_cbs {
    /* Optional. The response headers arrived (not called for a Trailers-Only
     * response). md is valid during the callback. */
    void (*on_headers)(ssc_client_call *call, const ssc_md *md);
    /* Optional. One complete response message, decompressed; msg is valid
     * during the callback only. */
    void (*on_message)(ssc_client_call *call, const uint8_t *msg, size_t len);
    /* Required. The call ended; runs exactly once and the call is freed when
     * it returns. The callee may take over res's contents (copy the struct,
     * then ssc_client_result_init(res)). */
    void (*on_close)(ssc_client_call *call, ssc_client_result *res);
    /* Optional. Buffered request bytes passed SSC_CLIENT_HIGH_WATER and have
     * now fallen below SSC_CLIENT_LOW_WATER. */
    void (*on_drain)(ssc_client_call *call);
} ssc_client_call_cbs;

/* Starts a call of path ("/package.Service/Method") with request metadata md
 * (may be NULL; copied; "-bin" values raw) and a deadline timeout_ms from now
 * (0: none), sent as grpc-timeout and enforced here too. cbs must outlive the
 * call; data is returned by ssc_client_call_data(). Returns 0 and stores the
 * call in *out (which stays valid until on_close returns); SSC_EINVAL for a
 * malformed path or a reserved metadata key; SSC_ECLOSED once the client is
 * being freed. Failures after the start arrive through on_close, never inside
 * this function. */
int ssc_client_call_start(ssc_client *c, const char *path, const ssc_md *md,
                          uint64_t timeout_ms, const ssc_client_call_cbs *cbs,
                          void *data, ssc_client_call **out);

/* Queues one request message of len serialized bytes (copied, framed). Never
 * blocks: the caller watches ssc_client_call_buffered() and on_drain. Returns
 * 0, SSC_ECLOSED after half-close or once the call ended, or SSC_ETOOBIG for a
 * message over 4 GiB - 1. */
int ssc_client_call_send(ssc_client_call *call, const uint8_t *msg, size_t len);

/* As ssc_client_call_send() for a protobuf-c message, packed here. */
int ssc_client_call_send_msg(ssc_client_call *call,
                             const ProtobufCMessage *msg);

/* Ends the request stream once the queued messages are sent. Returns 0, or
 * SSC_ECLOSED when already half-closed or ended. */
int ssc_client_call_half_close(ssc_client_call *call);

/* Cancels the call: the stream is reset with CANCEL and on_close runs, with
 * CANCELLED, before this returns. Does nothing once the call ended. */
void ssc_client_call_cancel(ssc_client_call *call);

/* Request bytes queued and not yet handed to HTTP/2. */
size_t ssc_client_call_buffered(const ssc_client_call *call);

void *ssc_client_call_data(const ssc_client_call *call);

/* Synchronous unary call for single-threaded programs: sends req, runs the
 * loop until the call ends (deadline opts.timeout_ms) and fills res (which the
 * caller initialised; free it with ssc_client_result_free()). On OK the one
 * response, unpacked with resp_desc, is stored in *resp (free it with
 * protobuf_c_message_free_unpacked()); otherwise *resp is NULL. A response
 * that does not unpack, or a count other than one, is INTERNAL.
 *
 * Unlike most functions this returns a gRPC status, not an error code: 0 (OK)
 * or the positive status also found in res->code. */
int ssc_client_unary(ssc_client *c, const char *path,
                     const ProtobufCMessage *req,
                     const ProtobufCMessageDescriptor *resp_desc,
                     ProtobufCMessage **resp, ssc_client_result *res);

/* Called for each response of ssc_client_server_stream(); msg is freed when it
 * returns. Return 0 to go on, anything else to cancel the call (which then
 * ends with CANCELLED). */
typedef int (*ssc_client_stream_cb)(void *arg, const ProtobufCMessage *msg);

/* Synchronous server-streaming call: sends req, half-closes, runs the loop and
 * hands each response to cb until the call ends; timeout_ms 0 means no
 * deadline. Fills res and returns its status as ssc_client_unary() does. */
int ssc_client_server_stream(ssc_client *c, const char *path,
                             const ProtobufCMessage *req,
                             const ProtobufCMessageDescriptor *resp_desc,
                             uint64_t timeout_ms, ssc_client_stream_cb cb,
                             void *arg, ssc_client_result *res);

#endif
