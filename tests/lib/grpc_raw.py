"""grpc_raw - one gRPC unary call over TLS and HTTP/2 with python h2, with no
client-side deadline.

A stock gRPC client enforces its deadline itself: when it expires the client
reports DEADLINE_EXCEEDED whatever the server does. To see what sscd answers
after a deadline has passed (and check that the answer is the truth about the
transaction), a test sends `grpc-timeout` and then waits for the server's own
trailers. Used by tests/store/fault_test.py.

    status, message, body = unary(port, certs, "/ssc.v1.X/Y", request_bytes,
                                  grpc_timeout="1S", client="admin",
                                  wait_s=30.0)
"""

import socket
import struct
import time
import urllib.parse

import h2.config
import h2.connection
import h2.events

import sscd_harness as H


def _headers(path, grpc_timeout):
    hdrs = [(":method", "POST"), (":scheme", "https"), (":path", path),
            (":authority", "localhost"), ("te", "trailers"),
            ("content-type", "application/grpc")]
    if grpc_timeout:
        hdrs.append(("grpc-timeout", grpc_timeout))
    return hdrs


def unary(port, certs, path, request, grpc_timeout=None, client="admin",
          wait_s=30.0):
    """Sends one request and returns (grpc-status int, grpc-message, response
    bytes or None) once the server ends the stream. Raises TimeoutError when
    the server has not ended it within wait_s."""
    ctx = H.client_ssl_context(certs, client=client)
    raw = socket.create_connection(("127.0.0.1", port), timeout=wait_s)
    sock = ctx.wrap_socket(raw, server_hostname="localhost")
    try:
        conn = h2.connection.H2Connection(
            h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
        conn.initiate_connection()
        sid = conn.get_next_available_stream_id()
        conn.send_headers(sid, _headers(path, grpc_timeout))
        conn.send_data(sid, struct.pack(">BI", 0, len(request)) + request,
                       end_stream=True)
        sock.sendall(conn.data_to_send())
        return _read_until_end(sock, conn, sid, time.monotonic() + wait_s)
    finally:
        sock.close()


def _read_until_end(sock, conn, sid, deadline):
    body, trailers = b"", {}
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("no end of stream from the server")
        sock.settimeout(left)
        data = sock.recv(65536)
        if not data:
            raise ConnectionError("the server closed the connection")
        for ev in conn.receive_data(data):
            if isinstance(ev, h2.events.DataReceived) and ev.stream_id == sid:
                body += ev.data
                conn.acknowledge_received_data(ev.flow_controlled_length, sid)
            elif isinstance(ev, (h2.events.ResponseReceived,
                                 h2.events.TrailersReceived)) \
                    and ev.stream_id == sid:
                trailers.update(dict(ev.headers))
            elif isinstance(ev, h2.events.StreamReset) and ev.stream_id == sid:
                raise ConnectionError("stream reset by the server (%s)"
                                      % ev.error_code)
            elif isinstance(ev, h2.events.StreamEnded) and ev.stream_id == sid:
                status = int(trailers.get("grpc-status", "-1"))
                msg = urllib.parse.unquote(trailers.get("grpc-message", ""))
                return status, msg, (body[5:] if len(body) >= 5 else None)
        out = conn.data_to_send()
        if out:
            sock.sendall(out)
