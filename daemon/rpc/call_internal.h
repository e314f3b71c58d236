/*
 * call_internal.h - the call layer's side facing the connection: nghttp2
 * events for one stream go in here. Internal to the daemon.
 *
 * Entry points: ssc__call_new(), ssc__call_on_header(),
 * ssc__call_on_headers_end(), ssc__call_on_data(), ssc__call_on_end_stream(),
 * ssc__call_on_stream_close(), ssc__call_on_frame_sent(),
 * ssc__call_on_settings_acked(),
 * ssc__call_conn_lost(), ssc__call_run_deferred(),
 * ssc__call_retry_waiters().
 */
#ifndef SSC_CALL_INTERNAL_H
#define SSC_CALL_INTERNAL_H

#include "call.h"
#include "conn.h"

#include <nghttp2/nghttp2.h>

/* A call for a new request stream; the stream holds the first reference. */
ssc_call *ssc__call_new(ssc_conn *conn, int32_t stream_id);

/* One request header. Returns 0, or NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE to
 * reset the stream. */
int ssc__call_on_header(ssc_call *call, const uint8_t *name, size_t namelen,
                        const uint8_t *value, size_t valuelen);

/* All request headers are in: route, check and start the deadline. */
void ssc__call_on_headers_end(ssc_call *call);

/* Request body bytes. */
void ssc__call_on_data(ssc_call *call, const uint8_t *p, size_t n);

/* The client half-closed. */
void ssc__call_on_end_stream(ssc_call *call);

/* The stream is gone: cancels the call if unfinished, drops the stream's
 * reference. */
void ssc__call_on_stream_close(ssc_call *call, uint32_t error_code);

/* A frame we sent on this stream went out. */
void ssc__call_on_frame_sent(ssc_call *call, const nghttp2_frame *frame);

/* The peer acknowledged sscd's SETTINGS: a stream whose peer sent more
 * under the default window than the acknowledged one allows is in deficit,
 * and gets it granted with what it is owed (see call.c peer_window()). */
void ssc__call_on_settings_acked(ssc_call *call);

/* The connection closed under the call (no stream close callback will come). */
void ssc__call_conn_lost(ssc_call *call);

/* The call whose conn_link is l (for walking conn->calls). */
ssc_call *ssc__call_of_conn_link(ssc_link *l);

/* Runs the loop's deferred on_drain callbacks, and retries the calls waiting
 * for buffer budget when some came back on the loop. */
void ssc__call_run_deferred(ssc_loop *loop);

/* Retries the loop's calls waiting for buffer budget: each gets the window
 * its message needs if the limits now have room for it. */
void ssc__call_retry_waiters(ssc_loop *loop);

#endif
