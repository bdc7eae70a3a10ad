"""Helpers for the kernel tests: install the kernelspec of the `lariat`
binary under test into a temporary Jupyter path, and talk to a running
kernel's sockets directly (for heartbeat, unsigned and garbage messages).

The binary is $LARIAT_BIN (scripts/test sets it), else the newest of
.build/release/lariat and .build/debug/lariat.
"""
from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import zmq

ROOT = Path(__file__).resolve().parents[2]


def lariat_bin() -> str:
    if os.environ.get("LARIAT_BIN"):
        return os.environ["LARIAT_BIN"]
    builds = [ROOT / ".build" / c / "lariat" for c in ("release", "debug")]
    found = [b for b in builds if b.exists()]
    if not found:
        raise RuntimeError("no lariat binary: run `swift build` or set LARIAT_BIN")
    return str(max(found, key=lambda b: b.stat().st_mtime))


def _install() -> str:
    prefix = tempfile.mkdtemp(prefix="lariat-kernelspec-")
    atexit.register(shutil.rmtree, prefix, ignore_errors=True)
    subprocess.run([lariat_bin(), "install", "--prefix", prefix], check=True, capture_output=True)
    data = os.path.join(prefix, "share", "jupyter")
    # JUPYTER_PATH comes first in jupyter_client's search: this binary's
    # kernelspec wins over any other "lariat" installed on the machine.
    os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [data, os.environ.get("JUPYTER_PATH")]))
    return data


KERNELSPEC_DIR = _install()


def endpoint(km, port_name: str) -> str:
    info = km.get_connection_info()
    return f"{info['transport']}://{info['ip']}:{info[port_name]}"


def raw_socket(km, kind: int, port_name: str) -> zmq.Socket:
    """A socket of our own connected to one of the kernel's ports."""
    sock = zmq.Context.instance().socket(kind)
    sock.linger = 0
    sock.connect(endpoint(km, port_name))
    return sock


def ping_heartbeat(km, timeout: float = 1.0) -> float | None:
    """Seconds the heartbeat took to echo a ping, or None if it did not."""
    import time

    sock = raw_socket(km, zmq.REQ, "hb_port")
    try:
        start = time.monotonic()
        sock.send(b"ping")
        if sock.poll(int(timeout * 1000)) and sock.recv() == b"ping":
            return time.monotonic() - start
        return None
    finally:
        sock.close()


def run(kc, code, timeout=10):
    """Executes `code` through a jupyter_client; returns (reply content, the iopub messages)."""
    outputs = []
    reply = kc.execute_interactive(code, timeout=timeout, output_hook=outputs.append)
    return reply["content"], outputs


def result_text(outputs):
    """The text/plain of each execute_result among `outputs`."""
    return [m["content"]["data"]["text/plain"] for m in outputs if m["msg_type"] == "execute_result"]
