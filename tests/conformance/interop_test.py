#!/usr/bin/python3
"""Conformance suite: a real grpcio client against a real sscd.

Runs the public gRPC interop cases (grpc/grpc doc/interop-test-descriptions.md)
against grpc.testing.TestService, then health, reflection (v1 and v1alpha),
concurrency, message size limits, client certificate checks, gzip, and the
SIGTERM drain. Prints PASS/FAIL per case and a final "N passed, M failed".

    /usr/bin/python3 tests/conformance/interop_test.py --sscd BUILD/daemon/sscd \
        --source . [--only CASE] [--keep] [-v]

Must run with Debian's /usr/bin/python3 (grpcio 1.51, grpc_tools).
"""

import os
import queue
import signal
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

import sscd_harness as H  # noqa: E402
from sscd_harness import check, check_eq, log  # noqa: E402

import grpc  # noqa: E402
from google.protobuf import descriptor_pb2, descriptor_pool  # noqa: E402

CALL_TIMEOUT = 30.0  # seconds for a single RPC; ASan builds are slow

SPECIAL_MESSAGE = "\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \U0001f608\t\n"
ECHO_INITIAL_KEY = "x-grpc-test-echo-initial"
ECHO_INITIAL_VALUE = "test_initial_metadata_value"
ECHO_TRAILING_KEY = "x-grpc-test-echo-trailing-bin"
ECHO_TRAILING_VALUE = b"\xab\xab\xab"


class Requests:
    """A request iterator for streaming calls, fed from the test thread."""

    _END = object()

    def __init__(self):
        self.q = queue.Queue()
        self.closed = threading.Event()

    def put(self, r):
        self.q.put(r)

    def close(self):
        self.closed.set()
        self.q.put(self._END)

    def __iter__(self):
        return self

    def __next__(self):
        while True:
            try:
                r = self.q.get(timeout=0.5)
            except queue.Empty:
                if self.closed.is_set():
                    raise StopIteration
                continue
            if r is self._END:
                raise StopIteration
            return r


class Ctx:
    def __init__(self, sscd, certs, stubs, binary, workdir):
        self.sscd = sscd
        self.certs = certs
        self.s = stubs
        self.binary = binary
        self.workdir = workdir
        self.m = stubs.messages_pb2

    def channel(self, server=None, **kw):
        server = server or self.sscd
        return H.grpc_channel(server.target, self.certs, **kw)

    def test_stub(self, ch):
        return self.s.test_pb2_grpc.TestServiceStub(ch)

    def health_stub(self, ch):
        return self.s.health_pb2_grpc.HealthStub(ch)

    def payload(self, n):
        return self.m.Payload(type=self.m.COMPRESSABLE, body=b"\0" * n)


def expect_rpc_error(fn, code, what):
    try:
        r = fn()
    except grpc.RpcError as e:
        if e.code() != code:
            raise H.CaseFailure("%s: got status %s (%r), want %s" %
                                (what, e.code(), e.details(), code))
        return e
    raise H.CaseFailure("%s: succeeded (%s), want %s" % (what, H.short(r), code))


def md_get(md, key):
    for k, v in md or ():
        if k == key:
            return v
    return None


# --------------------------------------------------------------------------
# interop cases


def case_empty_unary(c):
    with c.channel() as ch:
        r = c.test_stub(ch).EmptyCall(c.s.empty_pb2.Empty(), timeout=CALL_TIMEOUT)
        check_eq(r, c.s.empty_pb2.Empty(), "EmptyCall response")


def case_large_unary(c):
    m = c.m
    with c.channel() as ch:
        req = m.SimpleRequest(response_type=m.COMPRESSABLE, response_size=314159,
                              payload=c.payload(271828))
        r = c.test_stub(ch).UnaryCall(req, timeout=CALL_TIMEOUT)
        check_eq(r.payload.type, m.COMPRESSABLE, "payload type")
        check_eq(len(r.payload.body), 314159, "response payload size")
        check(r.payload.body == b"\0" * 314159, "response payload is not all zeros")


def case_client_streaming(c):
    m = c.m
    with c.channel() as ch:
        reqs = [m.StreamingInputCallRequest(payload=c.payload(n))
                for n in (27182, 8, 1828, 45904)]
        r = c.test_stub(ch).StreamingInputCall(iter(reqs), timeout=CALL_TIMEOUT)
        check_eq(r.aggregated_payload_size, 74922, "aggregated_payload_size")


def case_server_streaming(c):
    m = c.m
    sizes = (31415, 9, 2653, 58979)
    with c.channel() as ch:
        req = m.StreamingOutputCallRequest(
            response_type=m.COMPRESSABLE,
            response_parameters=[m.ResponseParameters(size=n) for n in sizes])
        call = c.test_stub(ch).StreamingOutputCall(req, timeout=CALL_TIMEOUT)
        got = [len(r.payload.body) for r in call]
        check_eq(got, list(sizes), "response sizes")
        check_eq(call.code(), grpc.StatusCode.OK, "status")


def case_ping_pong(c):
    m = c.m
    pairs = ((31415, 27182), (9, 8), (2653, 1828), (58979, 45904))
    with c.channel() as ch:
        reqs = Requests()
        try:
            call = c.test_stub(ch).FullDuplexCall(reqs, timeout=CALL_TIMEOUT)
            for rsize, psize in pairs:
                reqs.put(m.StreamingOutputCallRequest(
                    response_type=m.COMPRESSABLE,
                    response_parameters=[m.ResponseParameters(size=rsize)],
                    payload=c.payload(psize)))
                r = next(call)
                check_eq(len(r.payload.body), rsize, "response size")
            reqs.close()
            rest = list(call)
            check_eq(len(rest), 0, "responses after half-close")
            check_eq(call.code(), grpc.StatusCode.OK, "status")
        finally:
            reqs.close()


def case_empty_stream(c):
    with c.channel() as ch:
        call = c.test_stub(ch).FullDuplexCall(iter(()), timeout=CALL_TIMEOUT)
        got = list(call)
        check_eq(len(got), 0, "number of responses")
        check_eq(call.code(), grpc.StatusCode.OK, "status")


def case_status_code_and_message(c):
    m = c.m
    st = m.EchoStatus(code=2, message="test status message")
    with c.channel() as ch:
        stub = c.test_stub(ch)
        e = expect_rpc_error(lambda: stub.UnaryCall(
            m.SimpleRequest(response_status=st), timeout=CALL_TIMEOUT),
            grpc.StatusCode.UNKNOWN, "UnaryCall")
        check_eq(e.details(), "test status message", "unary details")

        call = stub.FullDuplexCall(iter([m.StreamingOutputCallRequest(
            response_status=st)]), timeout=CALL_TIMEOUT)
        e = expect_rpc_error(lambda: list(call), grpc.StatusCode.UNKNOWN,
                             "FullDuplexCall")
        check_eq(e.details(), "test status message", "full duplex details")


def case_special_status_message(c):
    m = c.m
    st = m.EchoStatus(code=2, message=SPECIAL_MESSAGE)
    with c.channel() as ch:
        e = expect_rpc_error(lambda: c.test_stub(ch).UnaryCall(
            m.SimpleRequest(response_status=st), timeout=CALL_TIMEOUT),
            grpc.StatusCode.UNKNOWN, "UnaryCall")
        check_eq(e.details(), SPECIAL_MESSAGE, "details")


def case_custom_metadata(c):
    m = c.m
    md = ((ECHO_INITIAL_KEY, ECHO_INITIAL_VALUE),
          (ECHO_TRAILING_KEY, ECHO_TRAILING_VALUE))
    with c.channel() as ch:
        stub = c.test_stub(ch)
        req = m.SimpleRequest(response_type=m.COMPRESSABLE, response_size=314159,
                              payload=c.payload(271828))
        r, call = stub.UnaryCall.with_call(req, metadata=md, timeout=CALL_TIMEOUT)
        check_eq(len(r.payload.body), 314159, "unary response size")
        check_eq(md_get(call.initial_metadata(), ECHO_INITIAL_KEY),
                 ECHO_INITIAL_VALUE, "unary echoed initial metadata")
        check_eq(md_get(call.trailing_metadata(), ECHO_TRAILING_KEY),
                 ECHO_TRAILING_VALUE, "unary echoed trailing metadata")

        sreq = m.StreamingOutputCallRequest(
            response_type=m.COMPRESSABLE,
            response_parameters=[m.ResponseParameters(size=314159)],
            payload=c.payload(271828))
        call = stub.FullDuplexCall(iter([sreq]), metadata=md, timeout=CALL_TIMEOUT)
        got = [len(x.payload.body) for x in call]
        check_eq(got, [314159], "full duplex response sizes")
        check_eq(call.code(), grpc.StatusCode.OK, "full duplex status")
        check_eq(md_get(call.initial_metadata(), ECHO_INITIAL_KEY),
                 ECHO_INITIAL_VALUE, "full duplex echoed initial metadata")
        check_eq(md_get(call.trailing_metadata(), ECHO_TRAILING_KEY),
                 ECHO_TRAILING_VALUE, "full duplex echoed trailing metadata")


def case_unimplemented_method(c):
    with c.channel() as ch:
        expect_rpc_error(lambda: c.test_stub(ch).UnimplementedCall(
            c.s.empty_pb2.Empty(), timeout=CALL_TIMEOUT),
            grpc.StatusCode.UNIMPLEMENTED, "TestService/UnimplementedCall")


def case_unimplemented_service(c):
    with c.channel() as ch:
        stub = c.s.test_pb2_grpc.UnimplementedServiceStub(ch)
        expect_rpc_error(lambda: stub.UnimplementedCall(
            c.s.empty_pb2.Empty(), timeout=CALL_TIMEOUT),
            grpc.StatusCode.UNIMPLEMENTED, "UnimplementedService/UnimplementedCall")


def case_cancel_after_begin(c):
    with c.channel() as ch:
        reqs = Requests()
        try:
            fut = c.test_stub(ch).StreamingInputCall.future(reqs, timeout=CALL_TIMEOUT)
            time.sleep(0.2)
            fut.cancel()
            check_eq(fut.code(), grpc.StatusCode.CANCELLED, "status")
        finally:
            reqs.close()
        # the connection must still be fine afterwards
        c.test_stub(ch).EmptyCall(c.s.empty_pb2.Empty(), timeout=CALL_TIMEOUT)


def case_cancel_after_first_response(c):
    m = c.m
    with c.channel() as ch:
        reqs = Requests()
        try:
            call = c.test_stub(ch).FullDuplexCall(reqs, timeout=CALL_TIMEOUT)
            reqs.put(m.StreamingOutputCallRequest(
                response_type=m.COMPRESSABLE,
                response_parameters=[m.ResponseParameters(size=31415)],
                payload=c.payload(27182)))
            r = next(call)
            check_eq(len(r.payload.body), 31415, "first response size")
            call.cancel()
            check_eq(call.code(), grpc.StatusCode.CANCELLED, "status")
        finally:
            reqs.close()
        c.test_stub(ch).EmptyCall(c.s.empty_pb2.Empty(), timeout=CALL_TIMEOUT)


def case_timeout_on_sleeping_server(c):
    m = c.m
    with c.channel() as ch:
        reqs = Requests()
        try:
            call = c.test_stub(ch).FullDuplexCall(reqs, timeout=0.001)
            reqs.put(m.StreamingOutputCallRequest(payload=c.payload(27182)))
            expect_rpc_error(lambda: list(call), grpc.StatusCode.DEADLINE_EXCEEDED,
                             "FullDuplexCall with 1 ms deadline")
        finally:
            reqs.close()
        c.test_stub(ch).EmptyCall(c.s.empty_pb2.Empty(), timeout=CALL_TIMEOUT)


# --------------------------------------------------------------------------
# health


def case_health_check(c):
    hp = c.s.health_pb2
    with c.channel() as ch:
        r = c.health_stub(ch).Check(hp.HealthCheckRequest(service=""),
                                    timeout=CALL_TIMEOUT)
        check_eq(r.status, hp.HealthCheckResponse.SERVING, "status of \"\"")


def case_health_check_unknown(c):
    hp = c.s.health_pb2
    with c.channel() as ch:
        expect_rpc_error(lambda: c.health_stub(ch).Check(
            hp.HealthCheckRequest(service="no.such.Service"), timeout=CALL_TIMEOUT),
            grpc.StatusCode.NOT_FOUND, "Check(no.such.Service)")


def case_health_watch(c):
    hp = c.s.health_pb2
    with c.channel() as ch:
        call = c.health_stub(ch).Watch(hp.HealthCheckRequest(service=""),
                                       timeout=CALL_TIMEOUT)
        try:
            first = next(call)
            check_eq(first.status, hp.HealthCheckResponse.SERVING, "first Watch status")
        finally:
            call.cancel()


# --------------------------------------------------------------------------
# reflection


class Reflection:
    def __init__(self, c, ch, version):
        if version == "v1":
            self.pb, grpc_mod = c.s.refl_v1_pb2, c.s.refl_v1_pb2_grpc
        else:
            self.pb, grpc_mod = c.s.refl_v1a_pb2, c.s.refl_v1a_pb2_grpc
        self.reqs = Requests()
        stub = grpc_mod.ServerReflectionStub(ch)
        self.call = stub.ServerReflectionInfo(self.reqs, timeout=CALL_TIMEOUT * 2)

    def ask(self, **kw):
        self.reqs.put(self.pb.ServerReflectionRequest(host="", **kw))
        return next(self.call)

    def close(self):
        self.reqs.close()
        try:
            rest = list(self.call)
        except grpc.RpcError as e:
            raise H.CaseFailure("reflection stream ended with %s %r" %
                                (e.code(), e.details()))
        check_eq(len(rest), 0, "unrequested reflection responses")


def parse_fdps(resp, what):
    kind = resp.WhichOneof("message_response")
    if kind != "file_descriptor_response":
        raise H.CaseFailure("%s: got %s (%s), want file_descriptor_response" %
                            (what, kind, H.short(str(resp))))
    out = {}
    for raw in resp.file_descriptor_response.file_descriptor_proto:
        fdp = descriptor_pb2.FileDescriptorProto()
        try:
            fdp.ParseFromString(raw)
        except Exception as e:
            raise H.CaseFailure("%s: a FileDescriptorProto does not parse: %s" %
                                (what, e))
        out[fdp.name] = (fdp, raw)
    return out


def build_pool(fdps, what):
    """Adds the files to a fresh DescriptorPool in dependency order; fails if a
    dependency is missing."""
    pool = descriptor_pool.DescriptorPool()
    pending = dict(fdps)
    done = set()
    while pending:
        progress = False
        for name, (fdp, raw) in list(pending.items()):
            if all(d in done for d in fdp.dependency):
                pool.AddSerializedFile(raw)
                done.add(name)
                del pending[name]
                progress = True
        if not progress:
            missing = sorted({d for fdp, _ in pending.values() for d in fdp.dependency
                              if d not in done and d not in pending})
            raise H.CaseFailure("%s: files %s need %s, which were not sent" %
                                (what, sorted(pending), missing))
    return pool


def reflection_case(c, version):
    want_services = {"grpc.health.v1.Health", "grpc.testing.TestService",
                     "grpc.reflection.v1.ServerReflection",
                     "grpc.reflection.v1alpha.ServerReflection"}
    with c.channel() as ch:
        rf = Reflection(c, ch, version)
        try:
            r = rf.ask(list_services="")
            kind = r.WhichOneof("message_response")
            check_eq(kind, "list_services_response", "list_services reply kind")
            names = {s.name for s in r.list_services_response.service}
            missing = want_services - names
            check(not missing, "list_services lacks %s (got %s)" %
                  (sorted(missing), sorted(names)))

            r = rf.ask(file_containing_symbol="grpc.testing.TestService")
            fdps = parse_fdps(r, "file_containing_symbol(grpc.testing.TestService)")
            for f in ("grpc/testing/test.proto", "grpc/testing/empty.proto",
                      "grpc/testing/messages.proto"):
                check(f in fdps, "file_containing_symbol(grpc.testing.TestService) "
                      "lacks %s (got %s)" % (f, sorted(fdps)))
            pool = build_pool(fdps, "file_containing_symbol(grpc.testing.TestService)")
            svc = pool.FindServiceByName("grpc.testing.TestService")
            meths = {mm.name for mm in svc.methods}
            for mm in ("EmptyCall", "UnaryCall", "StreamingOutputCall",
                       "StreamingInputCall", "FullDuplexCall"):
                check(mm in meths, "TestService descriptor lacks method %s" % mm)

            r = rf.ask(file_containing_symbol="grpc.testing.SimpleRequest")
            fdps = parse_fdps(r, "file_containing_symbol(grpc.testing.SimpleRequest)")
            check("grpc/testing/messages.proto" in fdps,
                  "file_containing_symbol(grpc.testing.SimpleRequest) lacks "
                  "messages.proto (got %s)" % sorted(fdps))

            r = rf.ask(file_by_filename="grpc/health/v1/health.proto")
            fdps = parse_fdps(r, "file_by_filename(grpc/health/v1/health.proto)")
            check("grpc/health/v1/health.proto" in fdps,
                  "file_by_filename lacks health.proto (got %s)" % sorted(fdps))
            pool = build_pool(fdps, "file_by_filename(health.proto)")
            pool.FindServiceByName("grpc.health.v1.Health")

            for kw, what in (({"file_containing_symbol": "no.such.Symbol"},
                              "unknown symbol"),
                             ({"file_by_filename": "no/such/file.proto"},
                              "unknown file")):
                r = rf.ask(**kw)
                kind = r.WhichOneof("message_response")
                check_eq(kind, "error_response", "%s reply kind" % what)
                check_eq(r.error_response.error_code, 5, "%s error_code" % what)
        finally:
            rf.close()


def case_reflection_v1(c):
    reflection_case(c, "v1")


def case_reflection_v1alpha(c):
    reflection_case(c, "v1alpha")


# --------------------------------------------------------------------------
# load, limits, TLS, compression


def case_concurrent_500_unary(c):
    m = c.m
    with c.channel() as ch:
        stub = c.test_stub(ch)
        futs = []
        for i in range(500):
            req = m.SimpleRequest(response_size=16 + i % 7, payload=c.payload(32))
            futs.append((i, stub.UnaryCall.future(req, timeout=180)))
        bad = []
        for i, f in futs:
            try:
                r = f.result()
                if len(r.payload.body) != 16 + i % 7:
                    bad.append("call %d: response size %d" % (i, len(r.payload.body)))
            except grpc.RpcError as e:
                bad.append("call %d: %s %r" % (i, e.code(), e.details()))
        check(not bad, "%d of 500 calls failed, first: %s" % (len(bad), bad[:5]))


def case_oversized_message(c):
    m = c.m
    big = 16 * 1024 * 1024
    opts = [("grpc.max_send_message_length", big),
            ("grpc.max_receive_message_length", big)]
    with c.channel(options=opts) as ch:
        stub = c.test_stub(ch)
        req = m.SimpleRequest(response_size=10, payload=c.payload(5 * 1024 * 1024))
        expect_rpc_error(lambda: stub.UnaryCall(req, timeout=CALL_TIMEOUT * 2),
                         grpc.StatusCode.RESOURCE_EXHAUSTED, "5 MiB UnaryCall")
        try:
            stub.EmptyCall(c.s.empty_pb2.Empty(), timeout=CALL_TIMEOUT)
        except grpc.RpcError as e:
            raise H.CaseFailure("EmptyCall on the same channel after the oversized "
                                "message failed: %s %r" % (e.code(), e.details()))
    with c.channel() as ch:
        try:
            c.test_stub(ch).EmptyCall(c.s.empty_pb2.Empty(), timeout=CALL_TIMEOUT)
        except grpc.RpcError as e:
            raise H.CaseFailure("EmptyCall on a new channel after the oversized "
                                "message failed: %s %r" % (e.code(), e.details()))


def _request_of_size(c, n):
    """A SimpleRequest whose serialization is exactly n bytes."""
    m = c.m
    body = max(0, n - 16)
    while True:
        req = m.SimpleRequest(response_size=8, payload=m.Payload(body=b"\0" * body))
        size = req.ByteSize()
        if size == n:
            return req
        body += n - size
        if body < 0:
            raise RuntimeError("cannot build a %d-byte request" % n)


def case_message_size_boundary(c):
    limit = int(c.sscd.setting("limits", "max_message_bytes"))
    big = 16 * 1024 * 1024
    opts = [("grpc.max_send_message_length", big),
            ("grpc.max_receive_message_length", big)]
    with c.channel(options=opts) as ch:
        stub = c.test_stub(ch)
        req = _request_of_size(c, limit)
        try:
            r = stub.UnaryCall(req, timeout=CALL_TIMEOUT * 2)
            check_eq(len(r.payload.body), 8, "response size")
        except grpc.RpcError as e:
            raise H.CaseFailure("a request of exactly max_message_bytes (%d) was "
                                "refused: %s %r" % (limit, e.code(), e.details()))
        req = _request_of_size(c, limit + 1)
        expect_rpc_error(lambda: stub.UnaryCall(req, timeout=CALL_TIMEOUT * 2),
                         grpc.StatusCode.RESOURCE_EXHAUSTED,
                         "request of max_message_bytes + 1 (%d)" % (limit + 1))
        # responses are bounded by the same limit: a response just over it
        # must fail cleanly rather than be sent
        try:
            stub.UnaryCall(c.m.SimpleRequest(response_size=limit + 1),
                           timeout=CALL_TIMEOUT * 2)
            log("    note: a response of max_message_bytes + 1 was sent")
        except grpc.RpcError as e:
            log("    response of max_message_bytes + 1 -> %s" % e.code())
        stub.EmptyCall(c.s.empty_pb2.Empty(), timeout=CALL_TIMEOUT)


def _refused(c, what, server=None, **chkw):
    with c.channel(server=server, **chkw) as ch:
        expect_rpc_error(lambda: c.test_stub(ch).EmptyCall(
            c.s.empty_pb2.Empty(), timeout=CALL_TIMEOUT),
            grpc.StatusCode.UNAVAILABLE, what)


def case_client_cert_wrong_ca(c):
    _refused(c, "EmptyCall with a client certificate from an untrusted CA",
             client="intruder")


def case_client_without_cert(c):
    _refused(c, "EmptyCall without a client certificate (client_auth=require)",
             client=None)


def case_all_client_identities(c):
    for name in H.CLIENT_NAMES:
        with c.channel(client=name) as ch:
            try:
                c.test_stub(ch).EmptyCall(c.s.empty_pb2.Empty(), timeout=CALL_TIMEOUT)
            except grpc.RpcError as e:
                raise H.CaseFailure("EmptyCall as %s failed: %s %r" %
                                    (name, e.code(), e.details()))


def case_gzip(c):
    m = c.m
    with c.channel(compression=grpc.Compression.Gzip) as ch:
        stub = c.test_stub(ch)
        req = m.SimpleRequest(response_type=m.COMPRESSABLE, response_size=314159,
                              payload=c.payload(271828),
                              response_compressed=m.BoolValue(value=True))
        r = stub.UnaryCall(req, timeout=CALL_TIMEOUT)
        check_eq(len(r.payload.body), 314159, "gzip unary response size")
        check(r.payload.body == b"\0" * 314159, "gzip response body not zeros")

        reqs = [m.StreamingInputCallRequest(payload=c.payload(n))
                for n in (27182, 8, 1828, 45904)]
        r = stub.StreamingInputCall(iter(reqs), timeout=CALL_TIMEOUT)
        check_eq(r.aggregated_payload_size, 74922, "gzip client streaming aggregate")

        sreq = m.StreamingOutputCallRequest(
            response_parameters=[m.ResponseParameters(
                size=n, compressed=m.BoolValue(value=True)) for n in (31415, 9)])
        call = stub.StreamingOutputCall(sreq, timeout=CALL_TIMEOUT)
        check_eq([len(x.payload.body) for x in call], [31415, 9],
                 "gzip server streaming sizes")


# --------------------------------------------------------------------------
# cases with their own daemon


def case_client_auth_optional(c):
    d = H.Sscd(c.binary, c.workdir, c.certs, name="optional",
               overrides={"tls": {"client_auth": "optional"}})
    d.start()
    problems = []
    try:
        with c.channel(server=d, client=None) as ch:
            try:
                c.test_stub(ch).EmptyCall(c.s.empty_pb2.Empty(), timeout=CALL_TIMEOUT)
            except grpc.RpcError as e:
                problems.append("anonymous EmptyCall with client_auth=optional "
                                "failed: %s %r" % (e.code(), e.details()))
        with c.channel(server=d) as ch:
            try:
                c.test_stub(ch).EmptyCall(c.s.empty_pb2.Empty(), timeout=CALL_TIMEOUT)
            except grpc.RpcError as e:
                problems.append("EmptyCall as admin with client_auth=optional "
                                "failed: %s %r" % (e.code(), e.details()))
        try:
            _refused(c, "EmptyCall with an untrusted client certificate "
                     "(client_auth=optional)", server=d, client="intruder")
        except AssertionError as e:
            problems.append(str(e))
    finally:
        problems.extend(d.stop())
    check(not problems, "\n".join(problems))


def case_sigterm_drain(c):
    m, hp = c.m, c.s.health_pb2
    grace = 10
    d = H.Sscd(c.binary, c.workdir, c.certs, name="drain",
               overrides={"server": {"shutdown_grace_s": str(grace)}})
    d.start()
    problems = []
    reqs = Requests()
    try:
        ch = c.channel(server=d)
        stub = c.test_stub(ch)
        watch = c.health_stub(ch).Watch(hp.HealthCheckRequest(service=""), timeout=120)
        first = next(watch)
        check_eq(first.status, hp.HealthCheckResponse.SERVING, "first Watch status")

        duplex = stub.FullDuplexCall(reqs, timeout=120)
        reqs.put(m.StreamingOutputCallRequest(
            response_parameters=[m.ResponseParameters(size=10)], payload=c.payload(10)))
        check_eq(len(next(duplex).payload.body), 10, "first duplex response size")

        so = stub.StreamingOutputCall(m.StreamingOutputCallRequest(
            response_parameters=[m.ResponseParameters(size=100, interval_us=700000)
                                 for _ in range(4)]), timeout=120)
        check_eq(len(next(so).payload.body), 100, "first streaming response size")

        seen = {"statuses": []}

        def watch_reader():
            try:
                for msg in watch:
                    seen["statuses"].append(msg.status)
                    if msg.status != hp.HealthCheckResponse.SERVING:
                        seen["end"] = "status %s" % msg.status
                        return
                seen["end"] = "stream ended OK"
            except grpc.RpcError as e:
                seen["end"] = "stream ended %s" % e.code()

        wt = threading.Thread(target=watch_reader, daemon=True)
        wt.start()
        t0 = time.monotonic()
        d.signal(signal.SIGTERM)
        wt.join(20)
        if "end" not in seen:
            problems.append("health Watch neither reported NOT_SERVING nor ended "
                            "within 20 s of SIGTERM (statuses %s)" % seen["statuses"])
        else:
            log("    watch after SIGTERM: %s (statuses %s)" %
                (seen["end"], seen["statuses"]))
        watch.cancel()

        try:
            reqs.put(m.StreamingOutputCallRequest(
                response_parameters=[m.ResponseParameters(size=20)],
                payload=c.payload(20)))
            r = next(duplex)
            check_eq(len(r.payload.body), 20, "duplex response after SIGTERM")
            reqs.close()
            rest = list(duplex)
            check_eq(len(rest), 0, "duplex responses after half-close")
        except grpc.RpcError as e:
            problems.append("in-flight FullDuplexCall failed after SIGTERM: %s %r" %
                            (e.code(), e.details()))
        except AssertionError as e:
            problems.append("in-flight FullDuplexCall: %s" % e)
        try:
            rest = list(so)
            check_eq(len(rest), 3, "remaining StreamingOutputCall responses")
            check_eq(so.code(), grpc.StatusCode.OK, "StreamingOutputCall status")
        except grpc.RpcError as e:
            problems.append("in-flight StreamingOutputCall failed after SIGTERM: "
                            "%s %r" % (e.code(), e.details()))
        except AssertionError as e:
            problems.append("in-flight StreamingOutputCall: %s" % e)
        log("    in-flight calls done %.1f s after SIGTERM" % (time.monotonic() - t0))
        ch.close()

        rc = d.wait(grace + 30)
        if rc is None:
            problems.append("sscd still running %.0f s after SIGTERM (grace %d s)" %
                            (time.monotonic() - t0, grace))
        else:
            log("    sscd exited %.1f s after SIGTERM with %s" %
                (time.monotonic() - t0, rc))
    finally:
        reqs.close()
        problems.extend(d.stop())
    check(not problems, "\n".join(problems))


CASES = [
    ("empty_unary", case_empty_unary),
    ("large_unary", case_large_unary),
    ("client_streaming", case_client_streaming),
    ("server_streaming", case_server_streaming),
    ("ping_pong", case_ping_pong),
    ("empty_stream", case_empty_stream),
    ("status_code_and_message", case_status_code_and_message),
    ("special_status_message", case_special_status_message),
    ("custom_metadata", case_custom_metadata),
    ("unimplemented_method", case_unimplemented_method),
    ("unimplemented_service", case_unimplemented_service),
    ("cancel_after_begin", case_cancel_after_begin),
    ("cancel_after_first_response", case_cancel_after_first_response),
    ("timeout_on_sleeping_server", case_timeout_on_sleeping_server),
    ("health_check", case_health_check),
    ("health_check_unknown_service", case_health_check_unknown),
    ("health_watch", case_health_watch),
    ("reflection_v1", case_reflection_v1),
    ("reflection_v1alpha", case_reflection_v1alpha),
    ("concurrent_500_unary", case_concurrent_500_unary),
    ("oversized_message", case_oversized_message),
    ("message_size_boundary", case_message_size_boundary),
    ("client_cert_wrong_ca", case_client_cert_wrong_ca),
    ("client_without_cert", case_client_without_cert),
    ("all_client_identities", case_all_client_identities),
    ("gzip", case_gzip),
]

OWN_DAEMON_CASES = [
    ("client_auth_optional", case_client_auth_optional),
    ("sigterm_drain", case_sigterm_drain),
]


def main():
    args = H.common_args(__doc__.splitlines()[0]).parse_args()
    runner = H.Runner("conformance", only=args.only, verbose=args.verbose)
    wd = H.Workdir("sscd-conformance-", keep=args.keep)
    log("sscd %s, work directory %s" % (args.sscd, wd.path))
    certs = H.make_certs(os.path.join(wd.path, "certs"))
    stubs = H.load_stubs(os.path.join(wd.path, "stubs"))
    sscd = H.Sscd(args.sscd, wd.path, certs, name="main")
    ctx = Ctx(sscd, certs, stubs, args.sscd, wd.path)

    wanted = [x for x in CASES if runner.wanted(x[0])]
    if wanted:
        try:
            sscd.start()
        except Exception as e:
            runner.record("startup", [str(e)])
            sscd.kill()
            rc = runner.finish()
            wd.cleanup(True)
            return rc

        def after_each(name):
            prob = sscd.died_problem()
            if not prob:
                return []
            problems = ["sscd died during this case: " + prob]
            problems.extend(sscd.check_all_logs())
            try:
                sscd.start()
            except Exception as e:
                problems.append("restart failed: %s" % e)
            return problems

        runner.after_each = after_each
        for name, fn in wanted:
            runner.run(name, fn, ctx, timeout=300)
        runner.after_each = None
        runner.record("main_daemon_clean_exit", sscd.stop())

    for name, fn in OWN_DAEMON_CASES:
        runner.run(name, fn, ctx, timeout=300)

    rc = runner.finish()
    wd.cleanup(rc != 0)
    return rc


if __name__ == "__main__":
    sys.exit(main())
