#!/usr/bin/env python3
"""Kernel latency: Lariat against ipykernel, measured in the same run
through jupyter_client.

- start-up: from launching the kernel process to its first kernel_info
  reply, probed by a DEALER that reconnects every 5 ms (so the probe, not
  ZeroMQ's default 100 ms reconnect interval, sets the resolution). Also
  reported: jupyter_client's `start_new_kernel`, which adds its own fixed
  waits (a 0.2 s IOPub flush) to every kernel alike.
- execute round trip: `1 + 2` sent until both its execute_reply and the
  idle status have arrived, as a notebook sees a cell finish.
- interrupt: a running `sleep(30)` (Lariat) / `time.sleep(30)` (Python)
  interrupted through interrupt_request / SIGINT, until the execute reply.

Targets (DESIGN.md): round trip <= 0.25x ipykernel's, start-up <= 0.1x.
Usage: .venv/bin/python bench/kernel/latency.py [--runs N] [--json FILE]
The `lariat` kernelspec is installed from $LARIAT_BIN (else
.build/release/lariat) into a temporary Jupyter path first.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import zmq
from jupyter_client.manager import KernelManager, start_new_kernel
from jupyter_client.session import Session

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def install_lariat():
    binary = os.environ.get("LARIAT_BIN") or os.path.join(ROOT, ".build", "release", "lariat")
    prefix = tempfile.mkdtemp(prefix="lariat-bench-")
    subprocess.run([binary, "install", "--prefix", prefix], check=True, capture_output=True)
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        filter(None, [os.path.join(prefix, "share", "jupyter"), os.environ.get("JUPYTER_PATH")]))
    return binary


def startup_probe(kernel_name):
    """Seconds from launching the kernel to its first kernel_info reply."""
    km = KernelManager(kernel_name=kernel_name)
    start = time.perf_counter()
    km.start_kernel()  # returns once the process is launched, not ready
    info = km.get_connection_info()
    session = Session(key=info["key"], signature_scheme=info["signature_scheme"])
    sock = zmq.Context.instance().socket(zmq.DEALER)
    sock.setsockopt(zmq.RECONNECT_IVL, 5)
    sock.linger = 0
    sock.connect(f"{info['transport']}://{info['ip']}:{info['shell_port']}")
    session.send(sock, "kernel_info_request", {})
    if not sock.poll(30_000):
        raise RuntimeError(f"{kernel_name} did not answer kernel_info within 30 s")
    elapsed = time.perf_counter() - start
    sock.close()
    km.shutdown_kernel(now=True)
    return elapsed


def startup_jupyter_client(kernel_name):
    start = time.perf_counter()
    km, kc = start_new_kernel(kernel_name=kernel_name, startup_timeout=60)
    elapsed = time.perf_counter() - start
    kc.stop_channels()
    km.shutdown_kernel(now=True)
    return elapsed


def round_trips(kc, code, runs):
    def once():
        start = time.perf_counter()
        msg_id = kc.execute(code)
        replied = idle = False
        while not (replied and idle):
            if not replied:
                reply = kc.get_shell_msg(timeout=10)
                replied = reply["parent_header"].get("msg_id") == msg_id
            if not idle:
                msg = kc.get_iopub_msg(timeout=10)
                idle = (msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status"
                        and msg["content"]["execution_state"] == "idle")
        return time.perf_counter() - start

    for _ in range(20):
        once()
    return [once() for _ in range(runs)]


def interrupt_latency(km, kc, long_code, how):
    msg_id = kc.execute(long_code)
    while True:
        msg = kc.get_iopub_msg(timeout=10)
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "execute_input":
            break
    time.sleep(0.3)
    start = time.perf_counter()
    if how == "message":
        kc.control_channel.send(kc.session.msg("interrupt_request", {}))
    else:
        km.signal_kernel(2)
    while True:
        reply = kc.get_shell_msg(timeout=15)
        if reply["parent_header"].get("msg_id") == msg_id:
            break
    elapsed = time.perf_counter() - start
    # Drain the cell's remaining IOPub (error, idle) before the next test.
    while True:
        try:
            kc.get_iopub_msg(timeout=0.3)
        except Exception:
            break
    return elapsed


def median_ms(xs):
    return 1000 * statistics.median(xs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="execute round trips per kernel")
    parser.add_argument("--starts", type=int, default=5, help="start-ups per kernel")
    parser.add_argument("--json", help="also write the numbers here")
    args = parser.parse_args()
    binary = install_lariat()

    kernels = {"lariat": ("sleep(30)", "1 + 2"), "python3": ("import time; time.sleep(30)", "1 + 2")}
    results = {}
    for name, (long_code, quick) in kernels.items():
        r = {}
        r["startup_probe_ms"] = median_ms([startup_probe(name) for _ in range(args.starts)])
        r["startup_jupyter_client_ms"] = median_ms([startup_jupyter_client(name) for _ in range(max(2, args.starts // 2))])
        km, kc = start_new_kernel(kernel_name=name, startup_timeout=60)
        try:
            rt = round_trips(kc, quick, args.runs)
            r["round_trip_median_ms"] = median_ms(rt)
            r["round_trip_p90_ms"] = 1000 * sorted(rt)[int(0.9 * len(rt))]
            r["interrupt_message_ms"] = 1000 * interrupt_latency(km, kc, long_code, "message")
            r["interrupt_sigint_ms"] = 1000 * interrupt_latency(km, kc, long_code, "signal")
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
        results[name] = r

    lar, ipy = results["lariat"], results["python3"]
    ratios = {
        "round_trip": lar["round_trip_median_ms"] / ipy["round_trip_median_ms"],
        "startup": lar["startup_probe_ms"] / ipy["startup_probe_ms"],
    }
    print(f"lariat binary: {binary}")
    print(f"{'':32}{'lariat':>12}{'ipykernel':>12}{'ratio':>9}")
    rows = [("start-up to first reply (ms)", "startup_probe_ms"),
            ("start_new_kernel (ms)", "startup_jupyter_client_ms"),
            ("execute round trip, median (ms)", "round_trip_median_ms"),
            ("execute round trip, p90 (ms)", "round_trip_p90_ms"),
            ("interrupt_request -> reply (ms)", "interrupt_message_ms"),
            ("SIGINT -> reply (ms)", "interrupt_sigint_ms")]
    for label, key in rows:
        print(f"{label:32}{lar[key]:12.2f}{ipy[key]:12.2f}{lar[key] / ipy[key]:9.3f}")
    ok_rt, ok_st = ratios["round_trip"] <= 0.25, ratios["startup"] <= 0.1
    print(f"targets: round trip {ratios['round_trip']:.3f}x (<= 0.25x: {'met' if ok_rt else 'MISSED'}), "
          f"start-up {ratios['startup']:.3f}x (<= 0.1x: {'met' if ok_st else 'MISSED'})")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"results": results, "ratios": ratios}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
