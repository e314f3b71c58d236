#!/usr/bin/python3
"""Large messages through sscd with a fast reader: requests and responses up
to the 4 MiB limit, alone and twenty at once on one connection. Guards the
pump's high-water path (output stopped at the mark must resume by itself),
and a large request a client starts sending before sscd's SETTINGS arrive
(under HTTP/2's default window, more than sscd's window allows once
acknowledged: the grants must cover that deficit, or the call stalls)."""
import concurrent.futures
import os
import socket
import struct
import sys
import time
import urllib.parse

import h2.config
import h2.connection
import h2.events

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import sscd_harness as H  # noqa: E402

MIB = 1 << 20
OPTS = [("grpc.max_send_message_length", 8 * MIB),
        ("grpc.max_receive_message_length", 8 * MIB)]


def unary(stubs, stub, req_size, resp_size):
    m = stubs.messages_pb2
    resp = stub.UnaryCall(m.SimpleRequest(
        response_size=resp_size, payload=m.Payload(body=b"\x01" * req_size)),
        timeout=60)
    H.check_eq(len(resp.payload.body), resp_size, "response size")


def case_single(ctx):
    sscd, certs, stubs = ctx
    ch = H.grpc_channel(sscd.target, certs, options=OPTS)
    stub = stubs.test_pb2_grpc.TestServiceStub(ch)
    for req, resp in ((3 * MIB, 16), (16, 3 * MIB), (4 * MIB - 64, 4 * MIB - 64)):
        unary(stubs, stub, req, resp)
    ch.close()


def case_concurrent(ctx):
    sscd, certs, stubs = ctx
    ch = H.grpc_channel(sscd.target, certs, options=OPTS)
    stub = stubs.test_pb2_grpc.TestServiceStub(ch)
    with concurrent.futures.ThreadPoolExecutor(20) as ex:
        futs = [ex.submit(unary, stubs, stub, 3 * MIB, 3 * MIB)
                for _ in range(20)]
        for f in futs:
            f.result()
    ch.close()


def case_server_stream(ctx):
    sscd, certs, stubs = ctx
    m = stubs.messages_pb2
    ch = H.grpc_channel(sscd.target, certs, options=OPTS)
    stub = stubs.test_pb2_grpc.TestServiceStub(ch)
    req = m.StreamingOutputCallRequest(
        response_parameters=[m.ResponseParameters(size=MIB)] * 32)
    sizes = [len(r.payload.body) for r in stub.StreamingOutputCall(req, timeout=60)]
    H.check_eq(sizes, [MIB] * 32, "streamed response sizes")
    ch.close()


def case_before_settings(ctx):
    """Requests whose first 65,535 bytes go out with the connection preface,
    before sscd's SETTINGS (initial window 16 KiB) are read: the stream's
    window is then 49,151 bytes in deficit, and sscd's grants must cover
    that as well as the rest of the message: 100 kB (the rest, 34 kB, is
    less than the deficit: granted only the rest, the call stalled for
    good) and 1 MiB."""
    for size in (100000, MIB):
        before_settings(ctx, size)


def before_settings(ctx, size):
    sscd, certs, stubs = ctx
    m = stubs.messages_pb2
    req = m.SimpleRequest(response_size=16, payload=m.Payload(body=b"\x02" * size))
    msg = req.SerializeToString()
    body = struct.pack(">BI", 0, len(msg)) + msg
    sock = H.client_ssl_context(certs).wrap_socket(
        socket.create_connection(("127.0.0.1", sscd.port), timeout=30),
        server_hostname="localhost")
    conn = h2.connection.H2Connection(
        h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
    conn.initiate_connection()
    sid = conn.get_next_available_stream_id()
    conn.send_headers(sid, [(":method", "POST"), (":scheme", "https"),
                            (":path", "/grpc.testing.TestService/UnaryCall"),
                            (":authority", "localhost"), ("te", "trailers"),
                            ("content-type", "application/grpc")])
    off = 0

    def send_what_fits():
        nonlocal off
        while off < len(body):
            w = min(conn.local_flow_control_window(sid), conn.max_outbound_frame_size)
            if w <= 0:
                break
            n = min(w, len(body) - off)
            conn.send_data(sid, body[off:off + n], end_stream=off + n == len(body))
            off += n
    send_what_fits()
    H.check_eq(off, 65535, "bytes sent under the default window")
    sock.sendall(conn.data_to_send())
    trailers, got, deadline = {}, b"", time.monotonic() + 15
    try:
        while True:
            if time.monotonic() > deadline:
                raise H.CaseFailure("the call of %d bytes stalled with %d of %d request"
                                    " bytes sent" % (size, off, len(body)))
            sock.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                data = sock.recv(65536)
            except socket.timeout:
                continue
            if not data:
                raise H.CaseFailure("sscd closed the connection")
            ended = False
            for ev in conn.receive_data(data):
                if isinstance(ev, h2.events.DataReceived):
                    got += ev.data
                    conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
                elif isinstance(ev, (h2.events.ResponseReceived, h2.events.TrailersReceived)):
                    trailers.update(dict(ev.headers))
                elif isinstance(ev, h2.events.StreamEnded) and ev.stream_id == sid:
                    ended = True
            send_what_fits()
            out = conn.data_to_send()
            if out:
                sock.sendall(out)
            if ended:
                break
    finally:
        sock.close()
    H.check_eq((trailers.get("grpc-status"), urllib.parse.unquote(
        trailers.get("grpc-message", ""))), ("0", ""), "the call's status")
    H.check_eq(off, len(body), "every request byte sent")
    resp = m.SimpleResponse.FromString(got[5:])
    H.check_eq(len(resp.payload.body), 16, "response size")


def main():
    args = H.common_args(__doc__.splitlines()[0]).parse_args()
    runner = H.Runner("large", only=args.only, verbose=args.verbose)
    wd = H.Workdir("sscd-large-", keep=args.keep)
    certs = H.make_certs(os.path.join(wd.path, "certs"))
    stubs = H.load_stubs(os.path.join(wd.path, "stubs"))
    sscd = H.Sscd(args.sscd, wd.path, certs, name="large")
    sscd.start()
    for name, fn in (("single_large_messages", case_single),
                     ("concurrent_3mib_calls", case_concurrent),
                     ("server_stream_32_mib", case_server_stream),
                     ("large_request_before_settings", case_before_settings)):
        runner.run(name, fn, (sscd, certs, stubs), timeout=180)
    runner.record("daemon_clean_exit", sscd.stop())
    rc = runner.finish()
    wd.cleanup(rc != 0)
    return rc


if __name__ == "__main__":
    sys.exit(main())
