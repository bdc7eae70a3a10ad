#!/usr/bin/env python3
"""Where `jupyter_client.start_new_kernel` spends its time, Lariat beside
ipykernel in the same run.

`start_new_kernel` is `KernelManager.start_kernel` (write the connection
file, launch the process), `client().start_channels()` (connect the five
sockets), then `wait_for_ready`, which in jupyter_client 8 does:

1. send kernel_info_request; wait up to 1 s for a shell reply (the shell
   DEALER was connected before the kernel bound its port, so the request
   goes out when ZeroMQ's reconnect, every 100 ms by default, succeeds);
2. on a kernel_info_reply, wait up to 0.2 s for any IOPub message (a
   JEP 65 welcome or the request's busy/idle); none: start over at 1;
3. "flush IOPub": read IOPub with a 0.2 s timeout until one read times
   out. This always costs 0.2 s after the last IOPub message, for any
   kernel.

This script runs the same steps with timestamps (the loop of
jupyter_client/client.py `_async_wait_for_ready`, copied), and the real
`start_new_kernel` for its total.

    .venv/bin/python bench/kernel/readiness.py [--starts 7] [--json FILE]

The `lariat` kernelspec is installed from $LARIAT_BIN (else
.build/release/lariat) into a temporary Jupyter path first.
"""
import argparse
import json
import os
import statistics
import sys
import time
from queue import Empty

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from latency import install_lariat, startup_jupyter_client  # noqa: E402
from jupyter_client.manager import KernelManager  # noqa: E402


def phases(kernel_name):
    """Milliseconds from the start of start_new_kernel's equivalent to each step."""
    t0 = time.perf_counter()
    ms = lambda: 1000 * (time.perf_counter() - t0)  # noqa: E731
    km = KernelManager(kernel_name=kernel_name)
    km.start_kernel()
    out = {"launched": ms()}
    kc = km.client()
    kc.start_channels()
    out["channels"] = ms()
    attempts = 0
    try:
        while True:
            attempts += 1
            kc.kernel_info()
            try:
                msg = kc.shell_channel.get_msg(timeout=1)
            except Empty:
                continue
            if msg["msg_type"] != "kernel_info_reply":
                continue
            out.setdefault("kernel_info_reply", ms())
            try:
                kc.iopub_channel.get_msg(timeout=0.2)
            except Empty:
                continue
            out["first_iopub"] = ms()
            break
        last = out["first_iopub"]
        while True:
            try:
                kc.iopub_channel.get_msg(timeout=0.2)
                last = ms()
            except Empty:
                break
        out["last_iopub"] = last
        out["ready"] = ms()
        out["kernel_info_attempts"] = attempts
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return out


def total(kernel_name):
    """start_new_kernel to ready, in ms (latency.py's measurement)."""
    return 1000 * startup_jupyter_client(kernel_name)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--starts", type=int, default=7)
    ap.add_argument("--json")
    args = ap.parse_args()
    binary = install_lariat()
    keys = ["launched", "channels", "kernel_info_reply", "first_iopub", "last_iopub", "ready"]
    results = {}
    # Interleaved, so both kernels see the same machine load.
    runs = {"lariat": [], "python3": []}
    totals = {"lariat": [], "python3": []}
    for _ in range(args.starts):
        for name in runs:
            runs[name].append(phases(name))
            totals[name].append(total(name))
    for name, rs in runs.items():
        results[name] = {k: statistics.median(r[k] for r in rs) for k in keys}
        results[name]["kernel_info_attempts_max"] = max(r["kernel_info_attempts"] for r in rs)
        results[name]["start_new_kernel"] = statistics.median(totals[name])
        results[name]["start_new_kernel_runs"] = [round(x, 1) for x in totals[name]]
        results[name]["flush_wait"] = results[name]["ready"] - results[name]["last_iopub"]
        results[name]["before_flush"] = results[name]["last_iopub"]
    lar, ipy = results["lariat"], results["python3"]
    print(f"lariat binary: {binary}; medians of {args.starts} starts, ms from the call")
    print(f"{'':34}{'lariat':>10}{'ipykernel':>11}{'ratio':>8}")
    for k in keys + ["start_new_kernel", "before_flush", "flush_wait"]:
        print(f"{k:34}{lar[k]:10.1f}{ipy[k]:11.1f}{lar[k] / ipy[k]:8.3f}")
    print(f"kernel_info attempts (max): lariat {lar['kernel_info_attempts_max']}, ipykernel {ipy['kernel_info_attempts_max']}")
    floor = lar["flush_wait"]
    print(f"start_new_kernel: {lar['start_new_kernel'] / ipy['start_new_kernel']:.3f}x; "
          f"without the fixed {floor:.0f} ms IOPub flush (both kernels): "
          f"{(lar['start_new_kernel'] - floor) / (ipy['start_new_kernel'] - ipy['flush_wait']):.3f}x; "
          f"0.1x would need lariat under {0.1 * ipy['start_new_kernel']:.0f} ms, "
          f"below the flush alone")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
