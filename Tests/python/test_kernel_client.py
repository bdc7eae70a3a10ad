"""The Lariat kernel through jupyter_client: interrupt (message and
SIGINT) during long work, heartbeat while busy, unsigned and garbage
messages, shutdown and restart. Uses `sleep(seconds)`, which polls the
session's cancellation flag like every long builtin."""
import base64
import os
import signal
import time

import jupyter_client
import pytest
import zmq
from jupyter_client.session import Session

import kernel_support
from kernel_support import result_text, run


def start_long_cell(kc, seconds=30):
    msg_id = kc.execute(f"sleep({seconds})")
    # Wait until it is really running (busy), so the interrupt lands mid-cell.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        msg = kc.get_iopub_msg(timeout=5)
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "execute_input":
            break
    time.sleep(0.2)
    return msg_id


def reply_to(kc, msg_id, timeout):
    deadline = time.monotonic() + timeout
    while True:
        msg = kc.get_shell_msg(timeout=max(0.01, deadline - time.monotonic()))
        if msg["parent_header"].get("msg_id") == msg_id:
            return msg


def test_interrupt_message_stops_long_cell_and_keeps_variables(kernel):
    km, kc = kernel
    content, _ = run(kc, "kept = 41")
    assert content["status"] == "ok"
    msg_id = start_long_cell(kc)
    start = time.monotonic()
    km.interrupt_kernel()  # interrupt_mode "message": interrupt_request on control
    reply = reply_to(kc, msg_id, timeout=10)
    elapsed = time.monotonic() - start
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "KeyboardInterrupt"
    assert elapsed < 10
    print(f"interrupt (message) answered in {elapsed * 1000:.0f} ms")
    content, outputs = run(kc, "kept + 1")
    assert content["status"] == "ok"
    assert result_text(outputs) == ["42"]


def test_sigint_interrupts_without_killing(kernel):
    km, kc = kernel
    run(kc, "kept = 41")
    msg_id = start_long_cell(kc)
    start = time.monotonic()
    os.kill(km.provisioner.process.pid, signal.SIGINT)
    reply = reply_to(kc, msg_id, timeout=10)
    assert reply["content"]["status"] == "error"
    assert time.monotonic() - start < 10
    assert km.is_alive()
    content, outputs = run(kc, "kept * 2")
    assert content["status"] == "ok", content
    assert result_text(outputs) == ["82"]


def test_heartbeat_answers_during_long_cell(kernel):
    km, kc = kernel
    msg_id = start_long_cell(kc, seconds=3)
    assert kc.is_alive()
    latencies = [kernel_support.ping_heartbeat(km) for _ in range(3)]
    assert all(t is not None and t < 0.5 for t in latencies), latencies
    # Control answers too while the shell is busy.
    kc.control_channel.send(kc.session.msg("kernel_info_request"))
    info = kc.control_channel.get_msg(timeout=2)
    assert info["msg_type"] == "kernel_info_reply"
    km.interrupt_kernel()
    reply_to(kc, msg_id, timeout=10)


def test_unsigned_forged_and_garbage_messages_are_ignored(kernel):
    km, kc = kernel
    dealer = kernel_support.raw_socket(km, zmq.DEALER, "shell_port")
    control = kernel_support.raw_socket(km, zmq.DEALER, "control_port")
    try:
        unsigned = Session(key=b"", session="intruder")
        forged = Session(key=b"not-the-key", session="intruder")
        for session in (unsigned, forged):
            session.send(dealer, "execute_request", {"code": "intruded = 1", "silent": False})
            session.send(control, "shutdown_request", {"restart": False})
        for frames in ([b"garbage"], [b""], [b"<IDS|MSG>"], [b"<IDS|MSG>", b"sig", b"{", b"}", b"", b"\xff"],
                       [b"\x00" * 10000, b"<IDS|MSG>", b"", b"[]", b"{}", b"{}", b"{}"]):
            dealer.send_multipart(frames)
            control.send_multipart(frames)
        # No reply to any of them...
        assert not dealer.poll(500)
        assert not control.poll(10)
    finally:
        dealer.close()
        control.close()
    # ...and the kernel still answers, with nothing executed.
    assert km.is_alive()
    reply = kc.kernel_info(reply=True, timeout=5)
    assert reply["content"]["status"] == "ok"
    content, _ = run(kc, "intruded")
    assert content["status"] == "error" and content["ename"] == "NameError"


def test_restart_gives_a_fresh_session():
    km, kc = jupyter_client.manager.start_new_kernel(kernel_name="lariat")
    try:
        content, _ = run(kc, "gone = 7")
        old_pid = km.provisioner.process.pid
        km.restart_kernel(now=False)  # shutdown_request(restart=True), then a new process
        kc.wait_for_ready(timeout=10)
        assert km.provisioner.process.pid != old_pid
        content, outputs = run(kc, "gone")
        assert content["status"] == "error" and content["ename"] == "NameError"
        content, outputs = run(kc, "1 + 2")
        assert result_text(outputs) == ["3"]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)
    # A requested shutdown is a clean exit, not a kill after a timeout.
    assert km.provisioner.process is None or km.provisioner.process.poll() == 0


def test_progress_is_one_display_updated_in_place(kernel):
    km, kc = kernel
    content, outputs = run(kc, "sim = simulate(neurons=4, frames=400, size=24, seed=1)", timeout=60)
    if content["status"] == "error" and "simulate" in content["evalue"]:
        pytest.skip("simulate is not a builtin yet")
    assert content["status"] == "ok", content
    shown = [m for m in outputs if m["msg_type"] == "display_data" and m["content"].get("transient")]
    updates = [m for m in outputs if m["msg_type"] == "update_display_data"]
    assert len(shown) == 1
    display_id = shown[0]["content"]["transient"]["display_id"]
    assert updates and all(u["content"]["transient"]["display_id"] == display_id for u in updates)
    last = updates[-1]["content"]["data"]
    assert "400/400" in last["text/plain"] and "<progress" in last["text/html"]


def test_a_late_iopub_subscriber_is_welcomed(kernel):
    """JEP 65: a client that subscribes after the kernel is up gets an
    `iopub_welcome` at once (signed, like every message), so it knows IOPub is
    connected without waiting for the next status message."""
    km, kc = kernel
    sub = kernel_support.raw_socket(km, zmq.SUB, "iopub_port")
    try:
        sub.setsockopt(zmq.SUBSCRIBE, b"")
        assert sub.poll(2000), "no welcome within 2 s"
        session = Session(key=km.session.key)
        idents, frames = session.feed_identities(sub.recv_multipart())
        msg = session.deserialize(frames)          # raises on a bad signature
        assert msg["header"]["msg_type"] == "iopub_welcome"
        assert msg["content"] == {"subscription": ""}
    finally:
        sub.close()
    assert kc.kernel_info(reply=True, timeout=5)["content"]["status"] == "ok"


def test_figures_name_their_png_file_for_text_only_clients(kernel):
    """jupyter console shows only text/plain: a figure's text says where its
    PNG was written (one folder per kernel, files numbered in order)."""
    km, kc = kernel
    content, outputs = run(kc, "plot([1, 3, 2])\nheatmap([[1, 0], [0, 1]])")
    assert content["status"] == "ok"
    shown = [m["content"]["data"] for m in outputs if m["msg_type"] == "display_data"]
    assert len(shown) == 2
    paths = []
    for data, kind in zip(shown, ["plot", "heatmap"]):
        text = data["text/plain"]
        assert text.startswith(kind + ":") and "(PNG: " in text, text
        path = text.split("(PNG: ", 1)[1].rstrip(")")
        with open(path, "rb") as f:
            assert f.read() == base64.b64decode(data["image/png"])
        paths.append(path)
    assert paths[0] < paths[1] and paths[1].endswith("-heatmap.png")
