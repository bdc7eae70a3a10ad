"""The kernel under load (issue 20): two clients on one kernel at once,
100 executions queued without waiting answered in order, and 1000
executions in a row without the kernel's resident memory growing with
what the cells allocate."""
import threading
import time

import jupyter_client
import pytest
from jupyter_client.session import Session

import kernel_support  # noqa: F401  (installs the kernelspec under test)


def replies(kc, msg_ids, timeout=60):
    """The execute replies to `msg_ids`, in the order they arrive."""
    wanted = set(msg_ids)
    got = []
    deadline = time.monotonic() + timeout
    while len(got) < len(msg_ids):
        msg = kc.get_shell_msg(timeout=max(0.1, deadline - time.monotonic()))
        if msg["parent_header"].get("msg_id") in wanted:
            got.append(msg)
    return got


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def test_queued_executions_are_answered_in_order(kernel):
    km, kc = kernel
    kc.execute_interactive("n = 0", timeout=10)
    ids = [kc.execute(f"n = n + 1\nn") for _ in range(100)]
    got = replies(kc, ids)
    assert [m["parent_header"]["msg_id"] for m in got] == ids
    assert all(m["content"]["status"] == "ok" for m in got)
    counts = [m["content"]["execution_count"] for m in got]
    assert counts == sorted(counts) and len(set(counts)) == 100
    # The cells ran in the order sent: n counted every one.
    out = []
    kc.execute_interactive("n", timeout=10, output_hook=out.append)
    assert [m["content"]["data"]["text/plain"] for m in out if m["msg_type"] == "execute_result"] == ["100"]


def test_two_clients_at_once(kernel):
    km, _ = kernel
    # Each with its own session (its own socket identity), as a notebook
    # and a console attached to one kernel are.
    clients = [km.client(session=Session(key=km.session.key, signature_scheme=km.session.signature_scheme))
               for _ in range(2)]
    for c in clients:
        c.start_channels()
        # Ready when the shell answers (iopub is not needed for replies).
        c.kernel_info()
        assert c.get_shell_msg(timeout=10)["msg_type"] == "kernel_info_reply"
    results = {}

    def work(k, c):
        ids = [c.execute(f"x{k} = {i}\nx{k} * 2") for i in range(50)]
        results[k] = replies(c, ids)
    threads = [threading.Thread(target=work, args=(k, c)) for k, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    try:
        for k in range(2):
            got = results[k]
            assert len(got) == 50
            assert all(m["content"]["status"] == "ok" for m in got)
        # Each client sees the other's variables: one session, one kernel.
        out = []
        clients[0].execute_interactive("x0 + x1", timeout=10, output_hook=out.append)
        assert [m["content"]["data"]["text/plain"] for m in out if m["msg_type"] == "execute_result"] == ["98"]
    finally:
        for c in clients:
            c.stop_channels()


def test_thousand_executions_keep_memory_flat(kernel):
    km, kc = kernel
    pid = km.provisioner.process.pid
    cell = "a = zeros([100, 100]) + 1\nb = sum(a)\nb"

    def batch(n):
        ids = [kc.execute(cell) for _ in range(n)]
        got = replies(kc, ids, timeout=120)
        assert all(m["content"]["status"] == "ok" for m in got)
    batch(100)  # warm up: caches, allocator arenas, the first display
    before = rss_kb(pid)
    batch(1000)
    after = rss_kb(pid)
    growth = (after - before) / before
    print(f"RSS {before} kB -> {after} kB over 1000 executions ({growth * 100:+.1f}%)")
    # Issue 20: under 5%. What the kernel keeps per execution is its
    # history (heaptrack over 2000 executions: the input's string and its
    # entry, ~170 bytes for this cell, nothing else; History keeps the
    # newest 10,000). Measured: +0.8 to +1.4% (docs/hardening.md). An
    # array kept per execution would be 80 kB each, +300%.
    assert growth < 0.05, f"RSS grew {growth * 100:.1f}% ({before} -> {after} kB) over 1000 executions"
