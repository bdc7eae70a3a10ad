"""The `lariat` command line as DESIGN.md specifies it: `run FILE [--out DIR]`
shows every expression statement (figures as numbered PNGs, other values on
stdout), errors as FILE:LINE:COL with a non-zero exit; `--version`, `--help`,
and the prompt reading from a pipe."""
import subprocess

import numpy as np
import pytest

from kernel_support import lariat_bin

LARIAT = lariat_bin()


def run(args, cwd, stdin=None):
    return subprocess.run([LARIAT, *args], cwd=cwd, input=stdin, capture_output=True, text=True, timeout=120)


def test_run_shows_values_and_writes_numbered_figures(tmp_path):
    (tmp_path / "s.lariat").write_text(
        "x = 6 / 2\n"
        "x\n"
        "plot([1, 3, 2])\n"
        "print(\"between\")\n"
        "heatmap([[1, -1], [0.5, 0]])\n"
        "2.5\n"
    )
    r = run(["run", "s.lariat", "--out", "figs"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["3", "between", "2.5"]
    names = sorted(p.name for p in (tmp_path / "figs").iterdir())
    assert names == ["01-plot.png", "02-heatmap.png"]
    for n in names:
        data = (tmp_path / "figs" / n).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 1000


def test_default_figure_folder_is_figures(tmp_path):
    (tmp_path / "s.lariat").write_text("plot([1, 2])\n")
    r = run(["run", "s.lariat"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "figures" / "01-plot.png").exists()


def test_runtime_error_names_file_line_column_and_stops(tmp_path):
    (tmp_path / "bad.lariat").write_text("print(\"first\")\ny = 1\nz = y + undefined_name\nprint(\"never\")\n")
    r = run(["run", "bad.lariat"], tmp_path)
    assert r.returncode != 0
    assert r.stdout == "first\n"
    first = r.stderr.splitlines()[0]
    assert first == "bad.lariat:3:9: error: unknown name 'undefined_name'"
    assert "z = y + undefined_name" in r.stderr and "        ^~~~~~~~~~~~~~" in r.stderr


def test_syntax_error_stops_there(tmp_path):
    # DESIGN.md: errors stop there and earlier statements' effects stay.
    (tmp_path / "bad.lariat").write_text("print(\"printed\")\nx = [1, 2\nprint(\"never\")\n")
    r = run(["run", "bad.lariat"], tmp_path)
    assert r.returncode != 0
    assert r.stdout == "printed\n"
    assert r.stderr.startswith("bad.lariat:2:5: error: '[' is never closed")


def test_missing_script_is_a_clear_error(tmp_path):
    r = run(["run", "nope.lariat"], tmp_path)
    assert r.returncode != 0
    assert "nope.lariat" in r.stderr and "no such file" in r.stderr


def test_save_and_relative_paths_resolve_from_the_working_directory(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "s.lariat").write_text("save(reshape(arange(6), [2, 3]) / 2, \"sub/out.npy\")\n")
    r = run(["run", "s.lariat"], tmp_path)
    assert r.returncode == 0, r.stderr
    np.testing.assert_array_equal(np.load(tmp_path / "sub" / "out.npy"), np.arange(6).reshape(2, 3) / 2)


def test_version_and_help(tmp_path):
    r = run(["--version"], tmp_path)
    assert r.returncode == 0 and r.stdout.strip()[0].isdigit()
    r = run(["--help"], tmp_path)
    assert r.returncode == 0
    for sub in ["run", "repl", "kernel", "install"]:
        assert sub in r.stdout


def test_repl_from_a_pipe_keeps_variables_after_an_error(tmp_path):
    r = run(["repl"], tmp_path, stdin="x = 2\ny = undefined\nx * 21\nf(1,\n  2)\n")
    assert "42" in r.stdout.splitlines()
    assert "unknown name 'undefined'" in r.stderr
    assert "unknown name 'f'" in r.stderr  # the two-line call was gathered and run as one


def test_repl_output_keeps_its_order_and_a_bad_string_ends_its_line(tmp_path):
    # Results and print() output in statement order when piped; a string
    # cannot span lines, so an unclosed one is an error on its own line and
    # the next line runs by itself.
    r = run(["repl"], tmp_path, stdin='1\nprint(2)\n3\nz = "abc\nprint(5)\n')
    assert r.stdout.splitlines() == ["1", "2", "3", "5"]
    assert "<stdin-4>:1:5: error: unterminated string" in r.stderr


def test_set_assigns_literals_before_the_script_runs(tmp_path):
    (tmp_path / "s.lariat").write_text("print(n * 2, name, flag, sizes, x)\n")
    r = run(["run", "s.lariat", "--set", "n=7", "--set", 'name="b \\"c\\""', "--set", "flag=true",
             "--set", 'sizes=[1, 2.5, "x"]', "--set", "x=-3"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ['14 b "c" true [1, 2.5, "x"] -3']


@pytest.mark.parametrize("assignment, says", [
    ("n=True", "Lariat writes true, not True"),
    ("name=b", "--set 'name=\"b\"'"),
    ("n=1+2", "found '+'"),
    ("2n=1", "'2n' is not a name"),
    ("n", "expected NAME=VALUE"),
])
def test_set_refuses_what_is_not_a_literal_and_runs_nothing(tmp_path, assignment, says):
    (tmp_path / "s.lariat").write_text('save([1], "ran.npy")\n')
    r = run(["run", "s.lariat", "--set", assignment], tmp_path)
    assert r.returncode == 2
    assert says in r.stderr and r.stderr.startswith(f"--set {assignment}: error:")
    assert not (tmp_path / "ran.npy").exists()


def test_prompt_figures_continue_after_earlier_sessions(tmp_path):
    for _ in range(2):
        r = run(["repl", "--out", "figs"], tmp_path, stdin="plot([1, 2, 3])\n")
        assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in (tmp_path / "figs").iterdir()) == ["01-plot.png", "02-plot.png"]


def test_progress_lines_end_before_other_output_on_a_terminal(tmp_path):
    """Under a pseudo-terminal progress is redrawn in place; whatever comes next
    (a result, an error) starts on a line of its own."""
    import os
    import pty
    (tmp_path / "s.lariat").write_text(
        "s = simulate(neurons=4, frames=3000, size=24, seed=1)\n"
        "shape(s.movie)\n"
        "undefined_name\n")
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(tmp_path)
        os.execv(LARIAT, [LARIAT, "run", "s.lariat"])
    out = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.waitpid(pid, 0)
    text = out.decode()
    lines = [line.split("\r")[-1].replace("\x1b[K", "") for line in text.replace("\r\n", "\n").split("\n")]
    assert "[3000, 24, 24]" in lines, text
    assert any(line.startswith("s.lariat:3:1: error: unknown name") for line in lines), text
    assert not any("ETA" in line and ("[3000" in line or "error" in line) for line in lines), text


def _prompt_session(tmp_path, keys):
    """Types `keys` (a list of strings, sent one after another with a pause)
    into `lariat repl` on a pseudo-terminal; returns what the screen got."""
    import os
    import pty
    import select
    import time
    env = dict(os.environ, LARIAT_HISTORY=str(tmp_path / "history"), TERM="xterm")
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(tmp_path)
        os.execve(LARIAT, [LARIAT, "repl"], env)
    out = b""

    def drain(seconds):
        nonlocal out
        end = time.time() + seconds
        while time.time() < end:
            r, _, _ = select.select([fd], [], [], 0.05)
            if r:
                try:
                    out += os.read(fd, 4096)
                except OSError:
                    return
    drain(1.0)
    for k in keys:
        os.write(fd, k.encode())
        drain(0.6)
    os.write(fd, b"\x04")
    drain(1.0)
    os.waitpid(pid, 0)
    return out.decode(errors="replace")


def test_prompt_edits_recalls_history_and_completes(tmp_path):
    screen = _prompt_session(tmp_path, ["x = 41\r", "print(x + 1)\r", "\x1b[A\r", "pri\t(7)\r",
                                        "print(x * 2)\x1b[D0\r"])
    lines = [l.strip() for l in screen.replace("\r", "\n").split("\n")]
    assert lines.count("42") >= 2, screen            # typed, then recalled with Up
    assert "7" in lines, screen                       # Tab completed 'pri' to 'print'
    assert "820" in lines, screen                     # Left once, then "0" inserted: print(x * 20)
    history = (tmp_path / "history").read_text().replace("\\040", " ")   # libedit's file escapes spaces
    assert "print(x + 1)" in history and "print (7)" in history         # Tab adds a space after a name
    # A second session starts from that history.
    screen = _prompt_session(tmp_path, ["\x1b[A\x1b[A\r"])
    assert "7" in [l.strip() for l in screen.replace("\r", "\n").split("\n")], screen
