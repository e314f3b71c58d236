#!/usr/bin/python3
"""Large messages through sscd with a fast reader: requests and responses up
to the 4 MiB limit, alone and twenty at once on one connection. Guards the
pump's high-water path (output stopped at the mark must resume by itself)."""
import concurrent.futures
import os
import sys

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
                     ("server_stream_32_mib", case_server_stream)):
        runner.run(name, fn, (sscd, certs, stubs), timeout=180)
    runner.record("daemon_clean_exit", sscd.stop())
    rc = runner.finish()
    wd.cleanup(rc != 0)
    return rc


if __name__ == "__main__":
    sys.exit(main())
