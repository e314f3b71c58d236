#!/usr/bin/python3
"""Abuse suite: hostile HTTP/2 and TLS clients against a real sscd.

Every scenario runs while a well-behaved grpcio client keeps calling EmptyCall
and Health/Check in a background thread. After each scenario the suite checks
that sscd is alive, that the background client saw no failure during the
scenario, and that a fresh client is served within a few seconds.

Raw connections use the ssl module over memory BIOs (one thread drives each TLS
object, no blocking), the h2 package (H2Connection, client side) for well-formed
requests, and hand-made frame bytes where h2 would refuse to produce them.

    /usr/bin/python3 tests/abuse/abuse_test.py --sscd BUILD/daemon/sscd \
        --source . [--only SCENARIO] [--keep] [-v]
"""

import collections
import gzip
import os
import random
import select
import socket
import ssl
import string
import struct
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

import sscd_harness as H  # noqa: E402
from sscd_harness import check, check_eq, log  # noqa: E402

import grpc  # noqa: E402
import h2.config  # noqa: E402
import h2.connection  # noqa: E402
import h2.events  # noqa: E402
import h2.exceptions  # noqa: E402
import h2.settings  # noqa: E402
import hpack  # noqa: E402

HANDSHAKE_TIMEOUT_S = 2  # [limits] handshake_timeout_s for this suite
REACT_S = 10.0  # how long the server gets to react to a misbehaving client

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY, \
    WINDOW_UPDATE, CONTINUATION = range(10)
F_END_STREAM, F_ACK, F_END_HEADERS, F_PADDED, F_PRIORITY = 0x1, 0x1, 0x4, 0x8, 0x20
S_HEADER_TABLE_SIZE, S_ENABLE_PUSH, S_MAX_CONCURRENT_STREAMS, \
    S_INITIAL_WINDOW_SIZE, S_MAX_FRAME_SIZE, S_MAX_HEADER_LIST_SIZE = range(1, 7)
ERR_NAMES = {0: "NO_ERROR", 1: "PROTOCOL_ERROR", 2: "INTERNAL_ERROR",
             3: "FLOW_CONTROL_ERROR", 4: "SETTINGS_TIMEOUT", 5: "STREAM_CLOSED",
             6: "FRAME_SIZE_ERROR", 7: "REFUSED_STREAM", 8: "CANCEL",
             9: "COMPRESSION_ERROR", 10: "CONNECT_ERROR", 11: "ENHANCE_YOUR_CALM",
             12: "INADEQUATE_SECURITY", 13: "HTTP_1_1_REQUIRED"}

EMPTY_CALL = "/grpc.testing.TestService/EmptyCall"
UNARY_CALL = "/grpc.testing.TestService/UnaryCall"
STREAMING_OUTPUT_CALL = "/grpc.testing.TestService/StreamingOutputCall"
FULL_DUPLEX_CALL = "/grpc.testing.TestService/FullDuplexCall"


def errname(code):
    return "%s(%d)" % (ERR_NAMES.get(code, "?"), code)


def frame(ftype, flags, sid, payload=b""):
    n = len(payload)
    return struct.pack(">BHBBI", n >> 16, n & 0xFFFF, ftype, flags,
                       sid & 0x7FFFFFFF) + payload


def frame_header(length, ftype, flags, sid):
    return struct.pack(">BHBBI", length >> 16, length & 0xFFFF, ftype, flags,
                       sid & 0x7FFFFFFF)


def grpc_msg(body, compressed=False):
    return struct.pack(">BI", 1 if compressed else 0, len(body)) + body


def parse_grpc_msgs(data, encoding=None):
    out = []
    i = 0
    while i + 5 <= len(data):
        flag, n = struct.unpack(">BI", data[i:i + 5])
        body = bytes(data[i + 5:i + 5 + n])
        if len(body) < n:
            raise H.CaseFailure("truncated gRPC message in response (%d of %d bytes)"
                                % (len(body), n))
        if flag & 1:
            if encoding != "gzip":
                raise H.CaseFailure("compressed response message with "
                                    "grpc-encoding %r" % encoding)
            body = gzip.decompress(body)
        out.append(body)
        i += 5 + n
    if i != len(data):
        raise H.CaseFailure("%d stray bytes after the last gRPC message" %
                            (len(data) - i))
    return out


def lit_never_indexed(name, value):
    """An HPACK literal header field, never indexed, new name, no Huffman."""
    def s(b):
        assert len(b) < 127
        return bytes([len(b)]) + b
    return b"\x10" + s(name) + s(value)


class Closed(Exception):
    pass


# --------------------------------------------------------------------------
# TLS over memory BIOs


class TlsConn:
    """A TLS client connection driven from one thread without blocking: the
    socket is non-blocking and the ssl object works on memory BIOs, so the
    test can write while the server writes too without deadlocking."""

    def __init__(self, port, ctx, timeout=10.0, rcvbuf=None):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect(("127.0.0.1", port))
        self.sock.setblocking(False)
        self.inc = ssl.MemoryBIO()
        self.out = ssl.MemoryBIO()
        self.tls = ctx.wrap_bio(self.inc, self.out, server_hostname="localhost")
        self.handshaken = False
        self.rx = bytearray()
        self.eof = False
        self.eof_reason = None
        self.bytes_in = 0

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
        self.eof = True

    def alpn(self):
        return self.tls.selected_alpn_protocol()

    def _set_eof(self, why):
        if not self.eof:
            self.eof = True
            self.eof_reason = why

    def _recv_some(self, limit=1 << 20):
        """Reads what the socket has, up to about limit bytes (a fast sender
        must not keep us here forever). Returns True if anything happened."""
        got = False
        total = 0
        while not self.eof and total < limit:
            try:
                d = self.sock.recv(262144)
            except (BlockingIOError, InterruptedError):
                break
            except OSError as e:
                self._set_eof("recv: %s" % e)
                self.inc.write_eof()
                return True
            got = True
            if not d:
                self._set_eof("EOF")
                self.inc.write_eof()
                break
            total += len(d)
            self.bytes_in += len(d)
            self.inc.write(d)
        if got and self.handshaken:
            self._drain_tls()
        return got

    def _drain_tls(self):
        while True:
            try:
                d = self.tls.read(262144)
            except ssl.SSLWantReadError:
                break
            except ssl.SSLZeroReturnError:
                self._set_eof("TLS close_notify")
                break
            except ssl.SSLError as e:
                self._set_eof("TLS error: %s" % e)
                break
            if not d:
                self._set_eof("TLS EOF")
                break
            self.rx += d

    def _flush(self, deadline):
        data = self.out.read()
        view = memoryview(data)
        while view:
            try:
                n = self.sock.send(view)
                view = view[n:]
                continue
            except (BlockingIOError, InterruptedError):
                pass
            except OSError as e:
                self._set_eof("send: %s" % e)
                raise Closed("send failed: %s" % e)
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("send blocked for too long (server not reading)")
            r, w, _ = select.select([self.sock], [self.sock], [], min(left, 0.5))
            if r:
                self._recv_some()

    def handshake(self, timeout=15.0):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                self._flush(deadline)
                if self.eof:
                    raise Closed("connection closed during the TLS handshake (%s)" %
                                 self.eof_reason)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("TLS handshake timed out")
                r, _, _ = select.select([self.sock], [], [], min(left, 0.5))
                if r:
                    self._recv_some()
        self.handshaken = True
        self._flush(deadline)
        self._drain_tls()

    def send(self, data, timeout=20.0):
        if self.eof:
            raise Closed("connection already closed (%s)" % self.eof_reason)
        try:
            self.tls.write(data)
        except ssl.SSLError as e:
            self._set_eof("TLS write: %s" % e)
            raise Closed("TLS write failed: %s" % e)
        self._flush(time.monotonic() + timeout)

    def pump(self, timeout):
        """Waits up to timeout for data and reads it; True if anything came."""
        if self.eof:
            return False
        r, _, _ = select.select([self.sock], [], [], max(timeout, 0))
        got = False
        if r:
            got = self._recv_some()
        if self.out.pending and not self.eof:
            try:
                self._flush(time.monotonic() + 5)
            except (Closed, TimeoutError):
                pass
        return got


def tls_connect(c, alpn=("h2",), client="admin", rcvbuf=None):
    ctx = H.client_ssl_context(c.certs, client=client, alpn=alpn)
    conn = TlsConn(c.sscd.port, ctx, rcvbuf=rcvbuf)
    conn.handshake()
    return conn


# --------------------------------------------------------------------------
# hand-made HTTP/2


class RawH2:
    """A minimal HTTP/2 client endpoint on hand-made frames: it answers SETTINGS
    and PING, returns flow control credit, decodes header blocks and records
    everything the server sends."""

    def __init__(self, conn, port, auto_window=True):
        self.conn = conn
        self.port = port
        self.auto_window = auto_window
        self.enc = hpack.Encoder()
        self.dec = hpack.Decoder()
        self.server_settings = None
        self.settings_acked = 0
        self.goaway = None  # (last_stream_id, code, debug)
        self.rst = {}
        self.headers = collections.defaultdict(list)  # sid -> [(hdrs, end_stream)]
        self.data = collections.defaultdict(bytearray)
        self.ended = set()
        self.ping_acks = []
        self._block = None  # (sid, flags, bytearray) while CONTINUATIONs come
        self.decode_error = None
        self.frames_in = 0

    def start(self, settings=()):
        payload = b"".join(struct.pack(">HI", k, v) for k, v in settings)
        self.conn.send(PREFACE + frame(SETTINGS, 0, 0, payload))

    def send(self, data, timeout=20.0):
        self.conn.send(data, timeout=timeout)

    def request_headers(self, path, extra=(), content_type="application/grpc"):
        hdrs = [(":method", "POST"), (":scheme", "https"), (":path", path),
                (":authority", "localhost:%d" % self.port)]
        if content_type:
            hdrs.append(("content-type", content_type))
        hdrs.append(("te", "trailers"))
        hdrs.extend(extra)
        return hdrs

    def headers_frame(self, sid, hdrs, end_stream=False):
        flags = F_END_HEADERS | (F_END_STREAM if end_stream else 0)
        return frame(HEADERS, flags, sid, self.enc.encode(hdrs))

    def _ack(self, data):
        try:
            self.conn.send(data)
        except (Closed, TimeoutError):
            pass

    def process(self):
        rx = self.conn.rx
        while len(rx) >= 9:
            n = (rx[0] << 16) | (rx[1] << 8) | rx[2]
            if len(rx) < 9 + n:
                break
            ftype, flags = rx[3], rx[4]
            sid = struct.unpack(">I", rx[5:9])[0] & 0x7FFFFFFF
            payload = bytes(rx[9:9 + n])
            del rx[:9 + n]
            self.frames_in += 1
            self._frame(ftype, flags, sid, payload)

    def _frame(self, ftype, flags, sid, p):
        if ftype == SETTINGS:
            if flags & F_ACK:
                self.settings_acked += 1
            else:
                s = dict(self.server_settings or {})
                for i in range(0, len(p) - 5, 6):
                    k, v = struct.unpack(">HI", p[i:i + 6])
                    s[k] = v
                self.server_settings = s
                self._ack(frame(SETTINGS, F_ACK, 0))
        elif ftype == PING:
            if flags & F_ACK:
                self.ping_acks.append(p)
            else:
                self._ack(frame(PING, F_ACK, 0, p))
        elif ftype == GOAWAY:
            last, code = struct.unpack(">II", p[:8])
            self.goaway = (last & 0x7FFFFFFF, code, p[8:])
        elif ftype == RST_STREAM:
            self.rst[sid] = struct.unpack(">I", p[:4])[0]
        elif ftype == HEADERS:
            if flags & F_PADDED:
                pad = p[0]
                p = p[1:len(p) - pad]
            if flags & F_PRIORITY:
                p = p[5:]
            self._block = (sid, flags, bytearray(p))
            if flags & F_END_HEADERS:
                self._end_block()
        elif ftype == CONTINUATION:
            if self._block:
                self._block[2].extend(p)
                if flags & F_END_HEADERS:
                    self._end_block()
        elif ftype == DATA:
            body = p
            if flags & F_PADDED:
                body = p[1:len(p) - p[0]]
            self.data[sid].extend(body)
            if self.auto_window and p:
                inc = struct.pack(">I", len(p))
                self._ack(frame(WINDOW_UPDATE, 0, 0, inc) +
                          (frame(WINDOW_UPDATE, 0, sid, inc)
                           if not flags & F_END_STREAM else b""))
            if flags & F_END_STREAM:
                self.ended.add(sid)

    def _end_block(self):
        sid, flags, block = self._block
        self._block = None
        try:
            hdrs = self.dec.decode(bytes(block))
        except Exception as e:
            self.decode_error = "server header block does not decode: %s" % e
            hdrs = []
        hdrs = [(k.decode() if isinstance(k, bytes) else k,
                 v.decode("utf-8", "replace") if isinstance(v, bytes) else v)
                for k, v in hdrs]
        self.headers[sid].append((hdrs, bool(flags & F_END_STREAM)))
        if flags & F_END_STREAM:
            self.ended.add(sid)

    def poll(self, timeout=0.0):
        self.conn.pump(timeout)
        self.process()

    def wait(self, cond, timeout):
        deadline = time.monotonic() + timeout
        while True:
            self.process()
            if cond():
                return True
            if self.conn.eof:
                self.process()
                return cond()
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.conn.pump(min(left, 0.2))

    def closed_or_goaway(self):
        return self.conn.eof or self.goaway is not None

    def describe_end(self):
        parts = []
        if self.goaway:
            parts.append("GOAWAY %s last_stream_id=%d%s" % (
                errname(self.goaway[1]), self.goaway[0],
                (" debug=%r" % self.goaway[2][:100]) if self.goaway[2] else ""))
        if self.conn.eof:
            parts.append("connection closed (%s)" % self.conn.eof_reason)
        return ", ".join(parts) or "connection still open"

    def grpc_status(self, sid):
        for hdrs, _end in self.headers.get(sid, ()):
            for k, v in hdrs:
                if k == "grpc-status":
                    return v
        return None

    def stream_done(self, sid):
        return sid in self.ended or sid in self.rst


def raw_h2(c, settings=(), **kw):
    conn = tls_connect(c, **kw)
    h = RawH2(conn, c.sscd.port)
    h.start(settings)
    return h


def expect_connection_error(h, what, timeout=REACT_S):
    """The server must GOAWAY and close, or just close, within timeout."""
    ok = h.wait(h.closed_or_goaway, timeout)
    if not ok:
        raise H.CaseFailure("%s: neither GOAWAY nor close within %.0f s" %
                            (what, timeout))
    if not h.conn.eof:
        # RFC 9113 5.4.1: after GOAWAY for a connection error the endpoint MUST
        # close the TCP connection.
        if not h.wait(lambda: h.conn.eof, timeout):
            raise H.CaseFailure("%s: %s, but the connection stayed open %.0f s "
                                "more" % (what, h.describe_end(), timeout))
    return h.describe_end()


# --------------------------------------------------------------------------
# h2-based client for well-formed requests


class H2Client:
    def __init__(self, conn, port, window=None):
        self.conn = conn
        self.port = port
        cfg = h2.config.H2Configuration(client_side=True, header_encoding="utf-8")
        self.h2 = h2.connection.H2Connection(config=cfg)
        if window:
            self.h2.local_settings = h2.settings.Settings(
                client=True, initial_values={S_INITIAL_WINDOW_SIZE: window})
        self.h2.initiate_connection()
        if window and window > 65535:
            self.h2.increment_flow_control_window(window - 65535)
        self.streams = {}
        self.terminated = None
        self.protocol_error = None
        self.flush()

    def flush(self):
        d = self.h2.data_to_send()
        if d:
            self.conn.send(d)

    def request(self, path, extra=(), frames=(), end=True,
                content_type="application/grpc"):
        sid = self.h2.get_next_available_stream_id()
        hdrs = [(":method", "POST"), (":scheme", "https"), (":path", path),
                (":authority", "localhost:%d" % self.port)]
        if content_type:
            hdrs.append(("content-type", content_type))
        hdrs.append(("te", "trailers"))
        hdrs.extend(extra)
        self.streams[sid] = {"headers": None, "trailers": None,
                             "data": bytearray(), "ended": False, "reset": None,
                             "trailers_only": False}
        self.h2.send_headers(sid, hdrs, end_stream=False)
        self.flush()
        for f in frames:
            self.send_body(sid, f)
        if end:
            self.h2.end_stream(sid)
            self.flush()
        return sid

    def send_body(self, sid, data, timeout=REACT_S):
        """Sends data on sid as DATA frames, one frame when it fits, within the
        peer's frame size and flow control windows."""
        view = memoryview(data)
        if not view:
            self.h2.send_data(sid, b"", end_stream=False)
            self.flush()
            return
        deadline = time.monotonic() + timeout
        while view:
            n = min(len(view), self.h2.max_outbound_frame_size,
                    self.h2.local_flow_control_window(sid))
            if n <= 0:
                if time.monotonic() > deadline:
                    raise H.CaseFailure("no flow control credit from the server "
                                        "for %.0f s" % timeout)
                if self.conn.eof or self.protocol_error:
                    raise Closed("connection closed while sending a body")
                self.conn.pump(0.2)
                self.process()
                st = self.streams.get(sid)
                if st and (st["ended"] or st["reset"] is not None):
                    return  # the server answered early; stop sending
                continue
            self.h2.send_data(sid, bytes(view[:n]), end_stream=False)
            self.flush()
            view = view[n:]

    def process(self):
        if not self.conn.rx:
            return
        data = bytes(self.conn.rx)
        self.conn.rx.clear()
        events = []
        try:
            # h2's frame buffer copies what is left on every frame; feed it in
            # small pieces so a burst of data costs linear time.
            for i in range(0, len(data), 65536):
                events.extend(self.h2.receive_data(data[i:i + 65536]))
        except h2.exceptions.ProtocolError as e:
            self.protocol_error = "h2 rejects what the server sent: %r" % e
            self.conn.close()
            return
        for ev in events:
            st = self.streams.get(getattr(ev, "stream_id", None))
            if isinstance(ev, h2.events.ResponseReceived) and st is not None:
                st["headers"] = ev.headers
                if ev.stream_ended is not None:
                    st["trailers_only"] = True
            elif isinstance(ev, h2.events.TrailersReceived) and st is not None:
                st["trailers"] = ev.headers
            elif isinstance(ev, h2.events.DataReceived):
                if st is not None:
                    st["data"].extend(ev.data)
                if ev.flow_controlled_length:
                    self.h2.acknowledge_received_data(ev.flow_controlled_length,
                                                      ev.stream_id)
            elif isinstance(ev, h2.events.StreamEnded) and st is not None:
                st["ended"] = True
            elif isinstance(ev, h2.events.StreamReset) and st is not None:
                st["reset"] = ev.error_code
            elif isinstance(ev, h2.events.ConnectionTerminated):
                self.terminated = (ev.error_code, ev.last_stream_id)
        try:
            self.flush()
        except (Closed, TimeoutError):
            pass

    def wait(self, cond, timeout):
        deadline = time.monotonic() + timeout
        while True:
            self.process()
            if cond():
                return True
            if self.conn.eof or self.protocol_error:
                self.process()
                return cond()
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.conn.pump(min(left, 0.2))

    def finish(self, sid, timeout=REACT_S):
        """Waits for the stream to end; returns its record with helpers."""
        st = self.streams[sid]
        self.wait(lambda: st["ended"] or st["reset"] is not None or
                  self.terminated is not None, timeout)
        if self.protocol_error:
            raise H.CaseFailure(self.protocol_error)
        return st

    def describe(self, sid):
        st = self.streams[sid]
        return ("headers=%s trailers=%s data=%d bytes ended=%s reset=%s "
                "trailers_only=%s conn=%s" %
                (st["headers"], st["trailers"], len(st["data"]), st["ended"],
                 None if st["reset"] is None else errname(st["reset"]),
                 st["trailers_only"],
                 ("terminated %s" % (self.terminated,)) if self.terminated else
                 ("closed" if self.conn.eof else "open")))


def hget(hdrs, key):
    for k, v in hdrs or ():
        if k == key:
            return v
    return None


def grpc_status_of(st):
    for block in (st["trailers"], st["headers"]):
        v = hget(block, "grpc-status")
        if v is not None:
            return v
    return None


def h2_client(c, window=None, rcvbuf=None):
    conn = tls_connect(c, rcvbuf=rcvbuf)
    check_eq(conn.alpn(), "h2", "negotiated ALPN")
    return H2Client(conn, c.sscd.port, window=window)


# --------------------------------------------------------------------------
# the well-behaved client


class BgClient:
    def __init__(self, c):
        self.c = c
        self.log = []  # (time, ok, what, detail)
        self.lock = threading.Lock()
        self.stop_ev = threading.Event()
        self.ch = H.grpc_channel(c.sscd.target, c.certs)
        self.test = c.s.test_pb2_grpc.TestServiceStub(self.ch)
        self.health = c.s.health_pb2_grpc.HealthStub(self.ch)
        self.th = threading.Thread(target=self.run, name="bg-client", daemon=True)

    def start(self):
        self.th.start()

    def run(self):
        hp = self.c.s.health_pb2
        while not self.stop_ev.is_set():
            for what, fn in (
                    ("EmptyCall", lambda: self.test.EmptyCall(
                        self.c.s.empty_pb2.Empty(), timeout=10)),
                    ("Health/Check", lambda: self.health.Check(
                        hp.HealthCheckRequest(service=""), timeout=10))):
                t = time.monotonic()
                try:
                    fn()
                    rec = (t, True, what, "%.3f s" % (time.monotonic() - t))
                except grpc.RpcError as e:
                    rec = (t, False, what, "%s %r after %.1f s" % (
                        e.code(), e.details(), time.monotonic() - t))
                except Exception as e:  # noqa: B902
                    rec = (t, False, what, repr(e))
                with self.lock:
                    self.log.append(rec)
            self.stop_ev.wait(0.05)

    def mark(self):
        with self.lock:
            return len(self.log)

    def since(self, idx):
        with self.lock:
            return list(self.log[idx:])

    def stop(self):
        self.stop_ev.set()
        self.th.join(30)
        self.ch.close()


class Ctx:
    def __init__(self, sscd, certs, stubs):
        self.sscd = sscd
        self.certs = certs
        self.s = stubs
        self.m = stubs.messages_pb2


# --------------------------------------------------------------------------
# malformed frames


def _malformed(c, what, payload, preface=True):
    h = raw_h2(c) if preface else RawH2(tls_connect(c), c.sscd.port)
    try:
        h.wait(lambda: h.server_settings is not None, 5)
        try:
            h.send(payload)
        except Closed:
            pass
        end = expect_connection_error(h, what)
        log("    %s -> %s" % (what, end))
    finally:
        h.conn.close()


def scenario_malformed_frames(c):
    def req_block(sid, end_stream=False):
        e = hpack.Encoder()
        hdrs = [(":method", "POST"), (":scheme", "https"), (":path", EMPTY_CALL),
                (":authority", "localhost:%d" % c.sscd.port),
                ("content-type", "application/grpc"), ("te", "trailers")]
        return frame(HEADERS, F_END_HEADERS | (F_END_STREAM if end_stream else 0),
                     sid, e.encode(hdrs))

    cases = [
        ("DATA frame longer than SETTINGS_MAX_FRAME_SIZE",
         req_block(1) + frame_header(0xFFFFFF, DATA, 0, 1) + b"x" * 1000, True),
        ("DATA on stream 0", frame(DATA, 0, 0, b"hello"), True),
        ("HEADERS with an out-of-range HPACK index",
         frame(HEADERS, F_END_HEADERS | F_END_STREAM, 1,
               b"\xff\xff\xff\xff\xff\x0f"), True),
        ("HEADERS referencing an empty dynamic table",
         frame(HEADERS, F_END_HEADERS | F_END_STREAM, 1, b"\x83\x87\xc0"), True),
        ("HEADERS with an oversized HPACK table size update",
         frame(HEADERS, F_END_HEADERS | F_END_STREAM, 1, b"\x3f\xe1\xff\xff\x7f"), True),
        ("SETTINGS with length 5", frame(SETTINGS, 0, 0, b"\0" * 5), True),
        ("SETTINGS ACK with a payload", frame(SETTINGS, F_ACK, 0, b"\0" * 6), True),
        ("SETTINGS on stream 1", frame(SETTINGS, 0, 1, b""), True),
        ("SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1",
         frame(SETTINGS, 0, 0, struct.pack(">HI", S_INITIAL_WINDOW_SIZE, 0x80000000)),
         True),
        ("PING with length 7", frame(PING, 0, 0, b"\0" * 7), True),
        ("connection WINDOW_UPDATE of 0", frame(WINDOW_UPDATE, 0, 0, b"\0\0\0\0"), True),
        ("connection window overflow",
         frame(WINDOW_UPDATE, 0, 0, struct.pack(">I", 0x7FFFFFFF)) * 2, True),
        ("HEADERS on an even (server) stream id", req_block(2), True),
        ("CONTINUATION without HEADERS",
         frame(CONTINUATION, F_END_HEADERS, 1, b"\x82"), True),
        ("HEADERS without END_HEADERS followed by PING",
         frame(HEADERS, 0, 1, b"\x83\x87") + frame(PING, 0, 0, b"\0" * 8), True),
        ("RST_STREAM on an idle stream", frame(RST_STREAM, 0, 5, b"\0\0\0\x08"), True),
        ("HEADERS whose pad length exceeds the payload",
         frame(HEADERS, F_END_HEADERS | F_PADDED, 1, b"\xff\x82"), True),
        ("PUSH_PROMISE from the client",
         frame(PUSH_PROMISE, F_END_HEADERS, 1, b"\0\0\0\x02\x82"), True),
        ("bad connection preface",
         b"PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n" + frame(SETTINGS, 0, 0), False),
    ]
    failures = []
    for what, payload, preface in cases:
        try:
            _malformed(c, what, payload, preface)
        except AssertionError as e:
            failures.append(str(e))
        except (Closed, TimeoutError, OSError, ssl.SSLError) as e:
            failures.append("%s: client side error %r" % (what, e))
        if not c.sscd.alive():
            failures.append("sscd died after: %s" % what)
            break
    check(not failures, "\n".join(failures))


def _raw_empty_call(h, sid):
    h.send(h.headers_frame(sid, h.request_headers(EMPTY_CALL)) +
           frame(DATA, F_END_STREAM, sid, grpc_msg(b"")))
    ok = h.wait(lambda: h.stream_done(sid), REACT_S)
    check(ok, "EmptyCall on stream %d got no answer (%s)" % (sid, h.describe_end()))
    check(sid not in h.rst, "EmptyCall on stream %d reset with %s" %
          (sid, errname(h.rst.get(sid, 0))))
    check_eq(h.grpc_status(sid), "0", "EmptyCall grpc-status on stream %d" % sid)


def scenario_unknown_frame_types_ignored(c):
    h = raw_h2(c)
    try:
        check(h.wait(lambda: h.server_settings is not None, REACT_S),
              "no server SETTINGS")
        h.send(frame(0xFA, 0, 0, b"unknown on stream 0") +
               frame(0xFB, 0xFF, 1, b"unknown on idle stream 1") +
               frame(0x0E, 0, 0, b"\0" * 6) +  # unassigned type
               frame(PING, 0, 0, b"abcdefgh"))
        ok = h.wait(lambda: b"abcdefgh" in h.ping_acks, REACT_S)
        check(ok, "no PING ACK after unknown frame types (%s)" % h.describe_end())
        check(not h.closed_or_goaway(), "unknown frame types led to %s" %
              h.describe_end())
        _raw_empty_call(h, 3)
        # an unknown frame in the middle of a stream is ignored as well
        h.send(h.headers_frame(5, h.request_headers(EMPTY_CALL)) +
               frame(0xFA, 0, 5, b"x" * 10) +
               frame(DATA, F_END_STREAM, 5, grpc_msg(b"")))
        check(h.wait(lambda: h.stream_done(5), REACT_S), "stream 5 unanswered")
        check_eq(h.grpc_status(5), "0", "grpc-status with an unknown frame mid-stream")
    finally:
        h.conn.close()


# --------------------------------------------------------------------------
# header blocks


def _big_header_request(c, what, hdr_pairs, chunk):
    h = raw_h2(c)
    try:
        check(h.wait(lambda: h.server_settings is not None, REACT_S),
              "no server SETTINGS")
        block = h.enc.encode(h.request_headers(EMPTY_CALL) + hdr_pairs)
        pieces = [block[i:i + chunk] for i in range(0, len(block), chunk)]
        out = [frame(HEADERS, F_END_HEADERS if len(pieces) == 1 else 0, 1, pieces[0])]
        for i, p in enumerate(pieces[1:], 1):
            out.append(frame(CONTINUATION,
                             F_END_HEADERS if i == len(pieces) - 1 else 0, 1, p))
        out.append(frame(DATA, F_END_STREAM, 1, grpc_msg(b"")))
        try:
            h.send(b"".join(out))
        except Closed:
            pass
        h.wait(lambda: h.stream_done(1) or h.closed_or_goaway(), REACT_S)
        st = h.grpc_status(1)
        http = None
        for hdrs, _ in h.headers.get(1, ()):
            for k, v in hdrs:
                if k == ":status":
                    http = v
        if h.closed_or_goaway():
            outcome = h.describe_end()
        elif 1 in h.rst:
            outcome = "RST_STREAM %s" % errname(h.rst[1])
        elif st is not None and st != "0":
            outcome = "grpc-status %s (:status %s)" % (st, http)
        elif http is not None and http != "200":
            outcome = ":status %s" % http
        elif st == "0":
            raise H.CaseFailure("%s (%d-byte block in %d frames) was served: "
                                "grpc-status 0" % (what, len(block), len(pieces)))
        else:
            raise H.CaseFailure("%s: no reaction within %.0f s" % (what, REACT_S))
        log("    %s (%d-byte block, %d frames) -> %s" %
            (what, len(block), len(pieces), outcome))
        lim = (h.server_settings or {}).get(S_MAX_HEADER_LIST_SIZE)
        log("    server SETTINGS_MAX_HEADER_LIST_SIZE = %s" % lim)
    finally:
        h.conn.close()


def _rand_str(n, seed):
    r = random.Random(seed)
    return "".join(r.choice(string.ascii_letters) for _ in range(n))


def scenario_oversized_header_block(c):
    failures = []
    variants = [
        ("one 20 KiB header in 1 KiB CONTINUATIONs",
         [("x-big", _rand_str(20000, 1))], 1024),
        ("400 headers (~35 KiB) in 100-byte CONTINUATIONs",
         [("x-h%03d" % i, _rand_str(50, i)) for i in range(400)], 100),
        ("one 17 KiB header in a single HEADERS frame",
         [("x-big", _rand_str(17 * 1024, 2))], 16384),
    ]
    for what, pairs, chunk in variants:
        try:
            _big_header_request(c, what, pairs, chunk)
        except AssertionError as e:
            failures.append(str(e))
        except (Closed, TimeoutError, OSError, ssl.SSLError) as e:
            failures.append("%s: client side error %r" % (what, e))
    check(not failures, "\n".join(failures))


def scenario_continuation_flood(c):
    """HEADERS followed by an endless run of CONTINUATION frames (the 2024
    "CONTINUATION flood", CVE-2024-27316 style): the server must cut the
    connection instead of decoding forever."""
    h = raw_h2(c)
    try:
        check(h.wait(lambda: h.server_settings is not None, REACT_S),
              "no server SETTINGS")
        h.send(frame(HEADERS, 0, 1, h.enc.encode(h.request_headers(EMPTY_CALL))))
        sent = 0
        total = 10000
        batch = []
        i = 0
        stopped = None
        while i < total:
            v = ("%06d" % i).encode() * 15
            batch.append(frame(CONTINUATION, 0, 1,
                               lit_never_indexed(b"x-f%05d" % (i % 100000), v)))
            i += 1
            if len(batch) == 200 or i == total:
                try:
                    h.send(b"".join(batch), timeout=REACT_S)
                except Closed:
                    stopped = "closed while sending"
                    break
                except TimeoutError:
                    stopped = "server stopped reading"
                    break
                sent = i
                batch = []
                h.poll(0)
                if h.closed_or_goaway():
                    break
        ok = h.wait(h.closed_or_goaway, REACT_S)
        if not ok:
            raise H.CaseFailure(
                "%d CONTINUATION frames (~%d KiB) without END_HEADERS and the "
                "connection is still open with no GOAWAY%s" %
                (sent, sent * 110 // 1024,
                 ("; RST_STREAM %s on stream 1" % errname(h.rst[1]))
                 if 1 in h.rst else ""))
        log("    after %d CONTINUATION frames%s: %s" %
            (sent, (" (%s)" % stopped) if stopped else "", h.describe_end()))
    finally:
        h.conn.close()


# --------------------------------------------------------------------------
# stream floods


def scenario_rapid_reset(c):
    h = raw_h2(c)
    try:
        check(h.wait(lambda: h.server_settings is not None, REACT_S),
              "no server SETTINGS")
        hdrs = h.request_headers(EMPTY_CALL)
        total = 20000
        sid = 1
        sent = 0
        t0 = time.monotonic()
        while sent < total and not h.closed_or_goaway():
            out = []
            for _ in range(100):
                out.append(h.headers_frame(sid, hdrs))
                out.append(frame(RST_STREAM, 0, sid, struct.pack(">I", 8)))
                sid += 2
            try:
                h.send(b"".join(out), timeout=REACT_S)
            except (Closed, TimeoutError):
                break
            sent += 100
            h.poll(0)
        dt = time.monotonic() - t0
        ok = h.wait(h.closed_or_goaway, REACT_S)
        if not ok:
            raise H.CaseFailure("opened and reset %d streams in %.1f s and the "
                                "connection was not GOAWAY'd or closed" % (sent, dt))
        log("    %d streams opened+reset in %.1f s -> %s" % (sent, dt,
                                                            h.describe_end()))
    finally:
        h.conn.close()


def scenario_too_many_streams(c):
    h = raw_h2(c)
    try:
        check(h.wait(lambda: h.server_settings is not None, REACT_S),
              "no server SETTINGS")
        # let the server see our SETTINGS ACK, then go over its limit
        h.wait(lambda: h.settings_acked > 0, 2)
        mcs = h.server_settings.get(S_MAX_CONCURRENT_STREAMS)
        log("    server SETTINGS: %s" % sorted(h.server_settings.items()))
        check_eq(mcs, 100, "server SETTINGS_MAX_CONCURRENT_STREAMS")
        hdrs = h.request_headers(FULL_DUPLEX_CALL)
        sids = []
        sid = 1
        for _ in range(10):
            out = []
            for _ in range(100):
                out.append(h.headers_frame(sid, hdrs))
                sids.append(sid)
                sid += 2
            try:
                h.send(b"".join(out), timeout=REACT_S)
            except (Closed, TimeoutError):
                break
            h.poll(0.05)
            if h.closed_or_goaway():
                break
        h.wait(lambda: False, 3)  # collect the reaction
        refused = []
        live = []
        for s in sids:
            if s in h.rst or (h.goaway and s > h.goaway[0]):
                refused.append(s)
            elif h.stream_done(s) and h.grpc_status(s) not in (None, "0"):
                refused.append(s)
            else:
                live.append(s)
        if h.conn.eof and not h.goaway:
            live = []  # connection closed outright
        codes = collections.Counter(errname(h.rst[s]) for s in refused if s in h.rst)
        log("    %d streams opened, %d refused (RST codes %s), %d live; %s" %
            (len(sids), len(refused), dict(codes), len(live), h.describe_end()))
        check(len(live) <= 100, "%d streams live at once with "
              "max_concurrent_streams=100" % len(live))
        check(refused or h.conn.eof, "no stream refused out of %d" % len(sids))
    finally:
        h.conn.close()


def scenario_streams_before_settings_ack(c):
    """100 calls (the advertised max_concurrent_streams) sent in the first
    round trip, before the client has read, let alone acknowledged, sscd's
    SETTINGS: each stream then has HTTP/2's default 65,535-byte window, not
    sscd's 16 KiB, and every call must still be served (89 of 100 were,
    the rest refused RESOURCE_EXHAUSTED, when the default window was all
    that a stream could open with)."""
    h = raw_h2(c)
    try:
        hdrs = h.request_headers(EMPTY_CALL)
        sids = list(range(1, 201, 2))
        # Every stream open (HEADERS) before any request (DATA), as a
        # client library starting 100 calls at once sends them.
        h.send(b"".join(h.headers_frame(sid, hdrs) for sid in sids) +
               b"".join(frame(DATA, F_END_STREAM, sid, grpc_msg(b""))
                        for sid in sids), timeout=REACT_S)
        ok = h.wait(lambda: all(h.stream_done(s) for s in sids), REACT_S)
        check(ok, "not every call was answered (%s)" % h.describe_end())
        bad = sorted((s, errname(h.rst[s]) if s in h.rst else h.grpc_status(s))
                     for s in sids if s in h.rst or h.grpc_status(s) != "0")
        check_eq(bad, [], "calls not served among 100 sent before the SETTINGS ack")
    finally:
        h.conn.close()


def scenario_never_reading_client(c):
    m = c.m
    h = h2_client(c, window=0x7FFFFFFF, rcvbuf=8192)
    try:
        req = m.StreamingOutputCallRequest(
            response_type=m.COMPRESSABLE,
            response_parameters=[m.ResponseParameters(size=65536)
                                 for _ in range(2000)])
        sid = h.request(STREAMING_OUTPUT_CALL,
                        frames=[grpc_msg(req.SerializeToString())])
        pid = c.sscd.pid
        rss0 = H.rss_kib(pid) or 0
        peak = rss0
        t0 = time.monotonic()
        while time.monotonic() - t0 < 10:
            time.sleep(0.5)
            r = H.rss_kib(pid)
            if r:
                peak = max(peak, r)
            check(c.sscd.alive(), "sscd died while a client was not reading")
        growth = (peak - rss0) / 1024.0
        log("    sscd RSS %.0f MiB -> peak %.0f MiB (+%.0f MiB) while the client "
            "did not read 128 MiB of responses" % (rss0 / 1024.0, peak / 1024.0,
                                                  growth))
        if growth > 100:
            log("    WARNING: large growth; the daemon may buffer responses without "
                "flow control backpressure (ASan quarantine can also explain some)")
        # The stalled stream must resume once the client reads again.
        st = h.streams[sid]
        want = 4 * 1024 * 1024
        ok = h.wait(lambda: len(st["data"]) >= want or st["ended"] or
                    st["reset"] is not None, 30)
        check(ok and len(st["data"]) >= want,
              "after reading again, only %d bytes of the stream arrived within 30 s "
              "(%s)" % (len(st["data"]), h.describe(sid)))
        log("    stream resumed: %d MiB read after the stall" %
            (len(st["data"]) >> 20))
    finally:
        h.conn.close()
    time.sleep(1)
    log("    RSS 1 s after close: %s MiB" % ((H.rss_kib(c.sscd.pid) or 0) // 1024))


# --------------------------------------------------------------------------
# connections that never become HTTP/2


def _closed_within(sock, timeout):
    """Reads and discards until EOF/reset; returns seconds taken or None."""
    t0 = time.monotonic()
    sock.setblocking(False)
    while True:
        left = timeout - (time.monotonic() - t0)
        if left <= 0:
            return None
        r, _, _ = select.select([sock], [], [], min(left, 0.2))
        if not r:
            continue
        try:
            d = sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            continue
        except OSError:
            return time.monotonic() - t0
        if not d:
            return time.monotonic() - t0


def scenario_slowloris(c):
    port = c.sscd.port
    limit = HANDSHAKE_TIMEOUT_S + 4.0
    ctx = H.client_ssl_context(c.certs)
    hello = _client_hello(ctx)
    conns = []  # [sock, ClientHello bytes to trickle or None, bytes sent, closed_at]
    for i in range(40):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.setblocking(False)
        conns.append([s, hello if i % 2 else None, 0, None])
    t0 = time.monotonic()
    next_tick = t0
    try:
        while time.monotonic() - t0 < limit + 2:
            now = time.monotonic()
            if now >= next_tick:
                next_tick += 1.0
                for cn in conns:
                    if cn[3] is None and cn[1] is not None and cn[2] < len(cn[1]):
                        try:
                            cn[0].send(cn[1][cn[2]:cn[2] + 1])
                            cn[2] += 1
                        except OSError:
                            cn[3] = now - t0
            open_socks = [cn[0] for cn in conns if cn[3] is None]
            if not open_socks:
                break
            r, _, _ = select.select(open_socks, [], [], 0.1)
            for cn in conns:
                if cn[0] in r and cn[3] is None:
                    try:
                        d = cn[0].recv(65536)
                        if not d:
                            cn[3] = time.monotonic() - t0
                    except (BlockingIOError, InterruptedError):
                        pass
                    except OSError:
                        cn[3] = time.monotonic() - t0
        closed = [cn[3] for cn in conns if cn[3] is not None]
        still = sum(1 for cn in conns if cn[3] is None)
        late = [x for x in closed if x > limit]
        log("    %d/%d slow connections closed, last after %.1f s "
            "(handshake_timeout_s=%d)" % (len(closed), len(conns),
                                          max(closed) if closed else -1,
                                          HANDSHAKE_TIMEOUT_S))
        check(still == 0, "%d of %d connections stalling the TLS handshake still "
              "open after %.0f s" % (still, len(conns), limit + 2))
        check(not late, "%d connections closed only after %.1f s (limit %.0f s)" %
              (len(late), max(late or [0]), limit))
        trickled = [cn[2] for cn in conns if cn[1] is not None]
        log("    ClientHello bytes trickled before close: max %d of %d" %
            (max(trickled), len(hello)))
    finally:
        for cn in conns:
            cn[0].close()


def _client_hello(ctx):
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname="localhost")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()


def scenario_garbage_instead_of_tls(c):
    port = c.sscd.port
    r = random.Random(42)
    inputs = [
        ("4 KiB of random bytes", bytes(r.getrandbits(8) for _ in range(4096))),
        ("an HTTP/1.1 request",
         b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n"),
        ("a plaintext HTTP/2 preface (h2c prior knowledge)",
         PREFACE + frame(SETTINGS, 0, 0)),
        ("an SSLv2-style hello", b"\x80\x2e\x01\x00\x02\x00\x15\x00\x00\x00\x10" +
         b"\x00" * 40),
        ("a TLS record header with a 16 MiB length", b"\x16\x03\x01\xff\xff" +
         b"\x01" * 100),
    ]
    failures = []
    for what, data in inputs:
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        try:
            try:
                s.sendall(data)
            except OSError:
                pass
            dt = _closed_within(s, REACT_S)
            if dt is None:
                failures.append("%s: connection still open after %.0f s" %
                                (what, REACT_S))
            else:
                log("    %s -> closed after %.2f s" % (what, dt))
        finally:
            s.close()
    check(not failures, "\n".join(failures))


def _tls_refused(c, what, alpn):
    """The server must fail the handshake, or close without serving."""
    try:
        conn = tls_connect(c, alpn=alpn)
    except (ssl.SSLError, Closed, OSError) as e:
        log("    %s -> handshake refused: %s" % (what, e))
        return
    try:
        selected = conn.alpn()
        h = RawH2(conn, c.sscd.port)
        try:
            h.start()
            h.send(h.headers_frame(1, h.request_headers(EMPTY_CALL)) +
                   frame(DATA, F_END_STREAM, 1, grpc_msg(b"")))
        except Closed:
            pass
        h.wait(lambda: h.stream_done(1) or h.conn.eof, REACT_S)
        if h.grpc_status(1) is not None:
            raise H.CaseFailure("%s: handshake done (ALPN %r) and an EmptyCall was "
                                "answered with grpc-status %s" %
                                (what, selected, h.grpc_status(1)))
        if not h.conn.eof:
            raise H.CaseFailure("%s: handshake done (ALPN %r) and the connection "
                                "still open after %.0f s (%s)" %
                                (what, selected, REACT_S, h.describe_end()))
        log("    %s -> handshake done (ALPN %r), then %s" %
            (what, selected, h.describe_end()))
    finally:
        conn.close()


def scenario_tls_without_alpn(c):
    _tls_refused(c, "TLS without ALPN", None)


def scenario_tls_alpn_http11_only(c):
    _tls_refused(c, "TLS offering only http/1.1", ("http/1.1",))


# --------------------------------------------------------------------------
# gRPC over well-formed HTTP/2, with odd content


def scenario_content_type_text_plain(c):
    h = h2_client(c)
    try:
        sid = h.request(EMPTY_CALL, frames=[grpc_msg(b"")], content_type="text/plain")
        st = h.finish(sid)
        check_eq(hget(st["headers"], ":status"), "415",
                 ":status for content-type text/plain (%s)" % h.describe(sid))
    finally:
        h.conn.close()


def scenario_unknown_path_trailers_only(c):
    h = h2_client(c)
    try:
        for path in ("/no.such.Service/Method", "/grpc.testing.TestService/NoSuchMethod",
                     "/not-even-a-grpc-path"):
            sid = h.request(path, frames=[grpc_msg(b"")])
            st = h.finish(sid)
            d = h.describe(sid)
            check(st["headers"] is not None, "%s: no response HEADERS (%s)" % (path, d))
            check(st["trailers_only"], "%s: not a Trailers-Only response "
                  "(HEADERS without END_STREAM) (%s)" % (path, d))
            check_eq(hget(st["headers"], ":status"), "200", "%s :status" % path)
            check_eq(hget(st["headers"], "grpc-status"), "12",
                     "%s grpc-status (%s)" % (path, d))
            check_eq(len(st["data"]), 0, "%s response DATA bytes" % path)
    finally:
        h.conn.close()


def scenario_empty_data_end_stream(c):
    h = h2_client(c)
    try:
        sid = h.request(EMPTY_CALL, frames=[grpc_msg(b""), b""])
        st = h.finish(sid)
        d = h.describe(sid)
        check_eq(grpc_status_of(st), "0", "grpc-status (%s)" % d)
        msgs = parse_grpc_msgs(st["data"], hget(st["headers"], "grpc-encoding"))
        check_eq(msgs, [b""], "EmptyCall response messages")
    finally:
        h.conn.close()


def scenario_one_byte_data_frames(c):
    m = c.m
    h = h2_client(c)
    try:
        req = m.SimpleRequest(response_type=m.COMPRESSABLE, response_size=10,
                              payload=m.Payload(body=b"\x01" * 100))
        msg = grpc_msg(req.SerializeToString())
        sid = h.request(UNARY_CALL, frames=[msg[i:i + 1] for i in range(len(msg))])
        st = h.finish(sid)
        d = h.describe(sid)
        check_eq(grpc_status_of(st), "0", "grpc-status (%s)" % d)
        msgs = parse_grpc_msgs(st["data"], hget(st["headers"], "grpc-encoding"))
        check_eq(len(msgs), 1, "number of response messages")
        resp = m.SimpleResponse.FromString(msgs[0])
        check_eq(len(resp.payload.body), 10, "response payload size")
        log("    %d-byte request message sent as %d DATA frames" %
            (len(msg), len(msg)))
    finally:
        h.conn.close()


def scenario_unknown_compression(c):
    h = h2_client(c)
    try:
        sid = h.request(EMPTY_CALL, extra=[("grpc-encoding", "snappy-nope")],
                        frames=[grpc_msg(b"\x00\x01\x02garbage", compressed=True)])
        st = h.finish(sid)
        d = h.describe(sid)
        check_eq(grpc_status_of(st), "12", "grpc-status (%s)" % d)
        acc = hget(st["headers"], "grpc-accept-encoding") or \
            hget(st["trailers"], "grpc-accept-encoding")
        check(acc is not None, "no grpc-accept-encoding in the response (%s)" % d)
        log("    grpc-accept-encoding: %s" % acc)
    finally:
        h.conn.close()


def scenario_compressed_flag_without_encoding(c):
    h = h2_client(c)
    try:
        sid = h.request(EMPTY_CALL, frames=[grpc_msg(gzip.compress(b""),
                                                     compressed=True)])
        st = h.finish(sid)
        check_eq(grpc_status_of(st), "13", "grpc-status (%s)" % h.describe(sid))
    finally:
        h.conn.close()


def scenario_grpc_timeout_1n(c):
    m = c.m
    h = h2_client(c)
    try:
        req = m.StreamingOutputCallRequest(response_parameters=[
            m.ResponseParameters(size=10, interval_us=1000000)])
        t0 = time.monotonic()
        sid = h.request(STREAMING_OUTPUT_CALL, extra=[("grpc-timeout", "1n")],
                        frames=[grpc_msg(req.SerializeToString())])
        st = h.finish(sid)
        dt = time.monotonic() - t0
        check_eq(grpc_status_of(st), "4", "grpc-status (%s)" % h.describe(sid))
        log("    DEADLINE_EXCEEDED after %.2f s" % dt)
    finally:
        h.conn.close()


def scenario_malformed_grpc_timeout(c):
    h = h2_client(c)
    try:
        for val in ("abc", "123456789S", "1x", "-1S", ""):
            sid = h.request(EMPTY_CALL, extra=[("grpc-timeout", val)],
                            frames=[grpc_msg(b"")])
            st = h.finish(sid)
            gs = grpc_status_of(st)
            check(gs is not None, "grpc-timeout %r: no grpc-status (%s)" %
                  (val, h.describe(sid)))
            log("    grpc-timeout %r -> grpc-status %s" % (val, gs))
    finally:
        h.conn.close()


def _status_of_call(c, what, path, frames, extra=(), timeout=REACT_S):
    """Sends one request on a fresh connection; returns (grpc-status, record)."""
    h = h2_client(c)
    try:
        sid = h.request(path, extra=extra, frames=frames)
        st = h.finish(sid, timeout)
        gs = grpc_status_of(st)
        d = h.describe(sid)
        if gs is None and st["reset"] is None and h.terminated is None:
            raise H.CaseFailure("%s: no grpc-status, reset or GOAWAY within %.0f s "
                                "(%s)" % (what, timeout, d))
        log("    %s -> grpc-status %s%s" % (
            what, gs, (" RST_STREAM %s" % errname(st["reset"]))
            if st["reset"] is not None else ""))
        return gs, d
    finally:
        h.conn.close()


def scenario_gzip_bomb(c):
    """A small gzip message that inflates past max_message_bytes must be
    refused with RESOURCE_EXHAUSTED, not inflated in memory."""
    m = c.m
    req = m.SimpleRequest(response_size=1, payload=m.Payload(body=b"\0" * (64 << 20)))
    bomb = gzip.compress(req.SerializeToString(), 9)
    log("    %d-byte gzip body inflating to %d MiB" % (len(bomb), req.ByteSize() >> 20))
    rss0 = H.rss_kib(c.sscd.pid) or 0
    gs, d = _status_of_call(c, "gzip bomb", UNARY_CALL,
                            [grpc_msg(bomb, compressed=True)],
                            extra=[("grpc-encoding", "gzip")])
    rss1 = H.rss_kib(c.sscd.pid) or 0
    log("    sscd RSS %+d MiB" % ((rss1 - rss0) >> 10))
    check_eq(gs, "8", "grpc-status for the gzip bomb (%s)" % d)


def scenario_corrupt_gzip(c):
    good = gzip.compress(b"\x0a\x00" * 100)
    bad = good[:10] + bytes(b ^ 0x5A for b in good[10:-8]) + good[-8:]
    failures = []
    for what, body in (("corrupt gzip body", bad),
                       ("truncated gzip body", good[:len(good) // 2]),
                       ("not gzip at all", b"this is not gzip")):
        gs, d = _status_of_call(c, what, EMPTY_CALL, [grpc_msg(body, compressed=True)],
                                extra=[("grpc-encoding", "gzip")])
        if gs != "13":
            failures.append("%s: grpc-status %s, want 13 (%s)" % (what, gs, d))
    check(not failures, "\n".join(failures))


def scenario_huge_length_prefix(c):
    """A message prefix announcing 4 GiB must be refused at once
    (RESOURCE_EXHAUSTED), without waiting for or allocating the message."""
    prefix = struct.pack(">BI", 0, 0xFFFFFFFF) + b"\0" * 16
    h = h2_client(c)
    try:
        sid = h.request(UNARY_CALL, frames=[prefix], end=False)
        st = h.finish(sid)
        check_eq(grpc_status_of(st), "8", "grpc-status for a 4 GiB length prefix, "
                 "stream left open (%s)" % h.describe(sid))
    finally:
        h.conn.close()
    gs, d = _status_of_call(c, "4 GiB length prefix, then END_STREAM", UNARY_CALL,
                            [prefix])
    check(gs in ("8", "13"), "grpc-status %s for a 4 GiB prefix then END_STREAM, "
          "want 8 or 13 (%s)" % (gs, d))


def scenario_truncated_message(c):
    body = struct.pack(">BI", 0, 100) + b"\x0a" * 10
    gs, d = _status_of_call(c, "message cut short by END_STREAM", UNARY_CALL, [body])
    check_eq(gs, "13", "grpc-status for a truncated message (%s)" % d)


def scenario_unary_message_count(c):
    failures = []
    for what, frames in (("unary call with no request message", []),
                         ("unary call with two request messages",
                          [grpc_msg(b"") + grpc_msg(b"")])):
        gs, d = _status_of_call(c, what, EMPTY_CALL, frames)
        if gs in (None, "0"):
            failures.append("%s: grpc-status %s, want an error (%s)" % (what, gs, d))
    check(not failures, "\n".join(failures))


def scenario_invalid_protobuf(c):
    failures = []
    for what, body in (("truncated varint", b"\x10\xff"),
                       ("length past the end", b"\x22\x7f\x12\x01"),
                       ("wire type 7", b"\x0f\x00"),
                       ("field number 0", b"\x00\x01")):
        gs, d = _status_of_call(c, "UnaryCall with invalid protobuf (%s)" % what,
                                UNARY_CALL, [grpc_msg(body)])
        if gs in (None, "0"):
            failures.append("%s: grpc-status %s, want an error (%s)" % (what, gs, d))
    check(not failures, "\n".join(failures))


def scenario_odd_requests(c):
    """Requests that are not quite gRPC; each must get an answer, not a crash."""
    failures = []
    h = h2_client(c)
    try:
        variants = [
            ("GET instead of POST", EMPTY_CALL, [(":method", "GET")]),
            ("invalid base64 in a -bin header", EMPTY_CALL,
             [("x-junk-bin", "!!!not base64***")]),
            ("10 KiB :path", "/" + "a" * 10240, []),
            ("path without a method", "/grpc.testing.TestService/", []),
            ("content-type application/grpc+proto", EMPTY_CALL,
             [("content-type", "application/grpc+proto")]),
            ("grpc-encoding identity with flag 0", EMPTY_CALL,
             [("grpc-encoding", "identity")]),
            ("user-agent and 50 custom headers", EMPTY_CALL,
             [("user-agent", "abuse/1.0")] +
             [("x-custom-%d" % i, "v%d" % i) for i in range(50)]),
        ]
        for what, path, extra in variants:
            hdrs_over = dict(extra)
            sid = h.h2.get_next_available_stream_id()
            hdrs = [(":method", hdrs_over.pop(":method", "POST")), (":scheme", "https"),
                    (":path", path), (":authority", "localhost:%d" % c.sscd.port),
                    ("content-type", hdrs_over.pop("content-type", "application/grpc")),
                    ("te", "trailers")] + [(k, v) for k, v in extra
                                           if k not in (":method", "content-type")]
            h.streams[sid] = {"headers": None, "trailers": None, "data": bytearray(),
                              "ended": False, "reset": None, "trailers_only": False}
            h.h2.send_headers(sid, hdrs)
            h.h2.send_data(sid, grpc_msg(b""), end_stream=True)
            h.flush()
            try:
                st = h.finish(sid)
            except AssertionError as e:
                failures.append("%s: %s" % (what, e))
                log("    %s -> %s" % (what, e))
                h.conn.close()
                h = h2_client(c)
                continue
            gs = grpc_status_of(st)
            http = hget(st["headers"], ":status")
            if gs is None and st["reset"] is None and http in (None, "200"):
                failures.append("%s: no answer (%s)" % (what, h.describe(sid)))
            log("    %s -> :status %s grpc-status %s%s" % (
                what, http, gs, (" RST_STREAM %s" % errname(st["reset"]))
                if st["reset"] is not None else ""))
            if h.terminated or h.conn.eof:
                h.conn.close()
                h = h2_client(c)
    finally:
        h.conn.close()
    check(not failures, "\n".join(failures))


def scenario_grpc_message_edge_whitespace(c):
    """grpc-message values must be valid HTTP/2 field values: RFC 9113 8.2.1
    forbids leading and trailing whitespace, and strict peers (python-h2,
    nghttp2 >= 1.50) treat such a response as malformed. A status message that
    starts or ends with a space has to be sent with that space percent-encoded;
    once decoded it must equal the original."""
    import urllib.parse
    m = c.m
    failures = []
    for msg in (" leading space", "trailing space ", " both ", "\tand tabs\t"):
        h = h2_client(c)
        try:
            req = m.SimpleRequest(response_status=m.EchoStatus(code=2, message=msg))
            sid = h.request(UNARY_CALL, frames=[grpc_msg(req.SerializeToString())])
            try:
                st = h.finish(sid)
            except AssertionError as e:
                failures.append("status message %r: %s" % (msg, e))
                continue
            gs = grpc_status_of(st)
            raw = hget(st["trailers"], "grpc-message") or \
                hget(st["headers"], "grpc-message")
            got = urllib.parse.unquote(raw or "", errors="strict")
            if gs != "2" or got != msg:
                failures.append("status message %r: grpc-status %s, grpc-message %r "
                                "decodes to %r" % (msg, gs, raw, got))
            else:
                log("    %r sent as %r" % (msg, raw))
        finally:
            h.conn.close()
    # the daemon's own messages too: an empty service name in the path
    h = h2_client(c)
    try:
        sid = h.request("//EmptyCall", frames=[grpc_msg(b"")])
        try:
            st = h.finish(sid)
            log("    //EmptyCall -> grpc-status %s grpc-message %r" % (
                grpc_status_of(st), hget(st["headers"], "grpc-message") or
                hget(st["trailers"], "grpc-message")))
        except AssertionError as e:
            failures.append("path //EmptyCall: %s" % e)
    finally:
        h.conn.close()
    check(not failures, "\n".join(failures))


SCENARIOS = [
    ("malformed_frames", scenario_malformed_frames),
    ("unknown_frame_types_ignored", scenario_unknown_frame_types_ignored),
    ("oversized_header_block", scenario_oversized_header_block),
    ("continuation_flood", scenario_continuation_flood),
    ("rapid_reset", scenario_rapid_reset),
    ("too_many_streams", scenario_too_many_streams),
    ("streams_before_settings_ack", scenario_streams_before_settings_ack),
    ("never_reading_client", scenario_never_reading_client),
    ("slowloris", scenario_slowloris),
    ("garbage_instead_of_tls", scenario_garbage_instead_of_tls),
    ("tls_without_alpn", scenario_tls_without_alpn),
    ("tls_alpn_http11_only", scenario_tls_alpn_http11_only),
    ("content_type_text_plain", scenario_content_type_text_plain),
    ("unknown_path_trailers_only", scenario_unknown_path_trailers_only),
    ("empty_data_end_stream", scenario_empty_data_end_stream),
    ("one_byte_data_frames", scenario_one_byte_data_frames),
    ("unknown_compression", scenario_unknown_compression),
    ("compressed_flag_without_encoding", scenario_compressed_flag_without_encoding),
    ("grpc_timeout_1n", scenario_grpc_timeout_1n),
    ("malformed_grpc_timeout", scenario_malformed_grpc_timeout),
    ("gzip_bomb", scenario_gzip_bomb),
    ("corrupt_gzip", scenario_corrupt_gzip),
    ("huge_length_prefix", scenario_huge_length_prefix),
    ("truncated_message", scenario_truncated_message),
    ("unary_message_count", scenario_unary_message_count),
    ("invalid_protobuf", scenario_invalid_protobuf),
    ("odd_requests", scenario_odd_requests),
    ("grpc_message_edge_whitespace", scenario_grpc_message_edge_whitespace),
]


def served_check(c, bg, mark):
    """Problems with the service after a scenario (empty list when fine)."""
    problems = []
    bad = [r for r in bg.since(mark) if not r[1]]
    if bad:
        problems.append("the well-behaved client had %d failed call(s) during the "
                        "scenario, first: %s %s" % (len(bad), bad[0][2], bad[0][3]))
    if not c.sscd.alive():
        return problems
    ch = H.grpc_channel(c.sscd.target, c.certs)
    try:
        c.s.test_pb2_grpc.TestServiceStub(ch).EmptyCall(c.s.empty_pb2.Empty(),
                                                        timeout=10)
    except grpc.RpcError as e:
        problems.append("a fresh client's EmptyCall after the scenario failed: "
                        "%s %r" % (e.code(), e.details()))
    finally:
        ch.close()
    end = bg.mark()
    t0 = time.monotonic()
    while time.monotonic() - t0 < 10:
        if any(r[1] for r in bg.since(end)):
            break
        time.sleep(0.1)
    else:
        problems.append("the well-behaved client got no successful call within "
                        "10 s after the scenario")
    return problems


def main():
    args = H.common_args(__doc__.splitlines()[0]).parse_args()
    runner = H.Runner("abuse", only=args.only, verbose=args.verbose)
    wd = H.Workdir("sscd-abuse-", keep=args.keep)
    log("sscd %s, work directory %s" % (args.sscd, wd.path))
    certs = H.make_certs(os.path.join(wd.path, "certs"))
    stubs = H.load_stubs(os.path.join(wd.path, "stubs"))
    sscd = H.Sscd(args.sscd, wd.path, certs, name="abuse", overrides={
        "limits": {"handshake_timeout_s": str(HANDSHAKE_TIMEOUT_S),
                   "max_concurrent_streams": "100",
                   "max_header_list_bytes": "16384"}})
    c = Ctx(sscd, certs, stubs)
    try:
        sscd.start()
    except Exception as e:
        runner.record("startup", [str(e)])
        sscd.kill()
        rc = runner.finish()
        wd.cleanup(True)
        return rc

    bg = BgClient(c)
    bg.start()
    state = {"mark": 0}

    def before_each(name):
        state["mark"] = bg.mark()

    def after_each(name):
        problems = served_check(c, bg, state["mark"])
        prob = sscd.died_problem()
        if prob:
            problems.insert(0, "sscd died during this scenario: " + prob)
            problems.extend(sscd.check_all_logs())
            try:
                sscd.start()
            except Exception as e:
                problems.append("restart failed: %s" % e)
        return problems

    runner.before_each = before_each
    runner.after_each = after_each
    try:
        for name, fn in SCENARIOS:
            runner.run(name, fn, c, timeout=240)
    finally:
        runner.before_each = runner.after_each = None
        bg.stop()
        runner.record("daemon_clean_exit", sscd.stop())
    rc = runner.finish()
    wd.cleanup(rc != 0)
    return rc


if __name__ == "__main__":
    sys.exit(main())
