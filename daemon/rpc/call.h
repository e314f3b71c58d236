/*
 * call.h - one gRPC call as a service handler sees it.
 *
 * A handler never sees HTTP/2 frames. The call layer routes by :path, checks
 * content-type, encoding and size limits, reassembles and unpacks request
 * messages, enforces the deadline and tells the handler when the call is gone.
 *
 * Delivery by cardinality:
 *   unary and server-streaming: on_message runs once, after the client has
 *     half-closed, with the one request (zero or two requests end the call with
 *     INTERNAL / UNIMPLEMENTED before the handler sees it).
 *   client-streaming and bidi: on_message runs once per request as it arrives,
 *     then on_half_close when the client has sent its last.
 *
 * The handler answers with ssc_call_send() (any number, but one for unary and
 * client-streaming) and ends with ssc_call_finish(). The request message passed
 * to on_message is freed when on_message returns.
 *
 * Cancellation: when the stream goes away before ssc_call_finish() (client
 * RST_STREAM, deadline, connection lost, server shutdown), on_cancel runs once.
 * When the deadline passes, on_deadline (if set) runs first: returning 1 says
 * the handler has work whose outcome it must report (a transaction that may
 * commit), and it will finish the call itself; the call then stays up. Zero,
 * or no on_deadline, cancels the call and answers DEADLINE_EXCEEDED.
 * From then on ssc_call_send()/ssc_call_finish() do nothing. A handler that
 * keeps work in flight past its callbacks (timers, database queries) holds a
 * reference with ssc_call_ref() and drops it with ssc_call_unref() when that
 * work ends; the call is freed when the stream is closed and the last reference
 * is gone.
 *
 * Flow control: ssc_call_buffered() says how much response data waits for the
 * peer's window. A streaming handler stops producing above SSC_CALL_HIGH_WATER
 * and resumes in on_drain, which runs once the buffer falls below
 * SSC_CALL_LOW_WATER. On the request side the peer gets window back for a
 * message once on_message has returned for it, within the buffer limits of
 * its connection and of the process ([limits] in the config).
 * A handler that cannot take more for a while (its own sink is full: a
 * COPY to the database, say) calls ssc_call_pause_input(): the messages it
 * is handed from then on stay charged and the peer gets no window back, so
 * it stops sending once what it was granted is used up (at most the stream
 * window and the message in progress). ssc_call_resume_input() gives the
 * window back. That is backpressure without buffering.
 *
 * Entry points: ssc_call_send(), ssc_call_send_bytes(), ssc_call_finish(),
 * ssc_call_add_initial_md(), ssc_call_add_trailing_md(), ssc_call_metadata(),
 * ssc_call_buffered(), ssc_call_pause_input(), ssc_call_resume_input(),
 * ssc_call_set_data(), ssc_call_data(), ssc_call_method(),
 * ssc_call_uv_loop(), ssc_call_router(), ssc_call_peer(), ssc_call_is_done(),
 * ssc_call_ref(), ssc_call_unref(), ssc_call_deadline_ms().
 */
#ifndef SSC_CALL_H
#define SSC_CALL_H

#include "md.h"
#include "status.h"

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#define SSC_CALL_HIGH_WATER (256 * 1024)
#define SSC_CALL_LOW_WATER (64 * 1024)

typedef struct ssc_call ssc_call;
typedef struct ssc_router ssc_router;
typedef struct ssc_method ssc_method;
struct ssc_server;

typedef enum ssc_cardinality {
    SSC_UNARY,
    SSC_SERVER_STREAMING,
    SSC_CLIENT_STREAMING,
    SSC_BIDI_STREAMING
} ssc_cardinality;

struct ssc_method {
    const char *path; /* "/grpc.health.v1.Health/Check" */
    ssc_cardinality kind;
    const ProtobufCMessageDescriptor *input;
    void (*on_message)(ssc_call *call, const ProtobufCMessage *req);
    void (*on_half_close)(ssc_call *call); /* streaming requests only */
    void (*on_cancel)(ssc_call *call);     /* optional */
    int (*on_deadline)(ssc_call *call);    /* optional, see above */
    void (*on_drain)(ssc_call *call);      /* optional */
    const void *arg; /* per-method constant for shared handlers */
};

/* The verified identity of the peer, fixed for the connection. The
 * connection and each of its calls hold a reference (ssc__peer_ref() in
 * conn.h), so a handler may read it after the connection is gone. */
typedef struct ssc_peer {
    unsigned refs;
    int verified;         /* a client certificate was presented and verified */
    char fingerprint[65]; /* lower-case hex SHA-256 of the DER, "" when none */
    char subject[];       /* RFC 2253 subject, whole, "" when none */
} ssc_peer;

/* Packs msg and queues it as a response message (sending the response headers
 * first if they have not gone yet). Returns 0, SSC_ECLOSED after cancel or
 * finish, or SSC_ETOOBIG when the packed message passes the size limit. */
int ssc_call_send(ssc_call *call, const ProtobufCMessage *msg);

/* As ssc_call_send() for an already serialized message. */
int ssc_call_send_bytes(ssc_call *call, const uint8_t *msg, size_t len);

/* Ends the call with a status and a human message (printf-style, may be NULL
 * for none). Trailers follow any queued responses; with nothing sent the
 * response is Trailers-Only. Does nothing after cancel or a previous finish. */
void ssc_call_finish(ssc_call *call, ssc_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Adds response metadata (value is raw bytes for "-bin" keys). Initial metadata
 * must be added before the first ssc_call_send(); trailing before finish.
 * Returns 0, SSC_EINVAL for a bad or reserved key, SSC_ECLOSED when too late.
 */
int ssc_call_add_initial_md(ssc_call *call, const char *key,
                            const uint8_t *value, size_t len);
int ssc_call_add_trailing_md(ssc_call *call, const char *key,
                             const uint8_t *value, size_t len);

/* The request's custom metadata ("-bin" values decoded). */
const ssc_md *ssc_call_metadata(const ssc_call *call);

/* Request flow control (see the top); for streaming requests. Messages
 * already received are still delivered while paused. */
void ssc_call_pause_input(ssc_call *call);
void ssc_call_resume_input(ssc_call *call);

/* Response bytes waiting for the peer's flow-control window. */
size_t ssc_call_buffered(const ssc_call *call);

void ssc_call_set_data(ssc_call *call, void *data);
void *ssc_call_data(const ssc_call *call);

const ssc_method *ssc_call_method(const ssc_call *call);
uv_loop_t *ssc_call_uv_loop(const ssc_call *call);
const ssc_router *ssc_call_router(const ssc_call *call);
struct ssc_server *ssc_call_server(const ssc_call *call);
const ssc_peer *ssc_call_peer(const ssc_call *call);

/* Non-zero once the call was finished or cancelled. */
int ssc_call_is_done(const ssc_call *call);

/* The deadline as a uv_now() time in ms, or 0 when the client set none. */
uint64_t ssc_call_deadline_ms(const ssc_call *call);

void ssc_call_ref(ssc_call *call);
void ssc_call_unref(ssc_call *call);

#endif
