#!/usr/bin/env python3
"""Execute the notebooks in this folder on the `lariat` kernel with nbclient.

Used two ways:
- Tests/python/test_notebooks.py runs every notebook with LARIAT_SMALL=1 (the
  notebooks' parameter cells read it with `env("LARIAT_SMALL", 0)`) and checks
  the outputs;
- scripts/notebooks runs them with their full settings and saves the executed
  outputs in place, so the committed notebooks show their figures on GitHub.

The `lariat` kernelspec must be where jupyter_client looks: scripts/test and
scripts/notebooks install it into .venv (`lariat install --prefix .venv`);
the tests install the binary under test into a temporary JUPYTER_PATH.

Usage: python notebooks/execute.py [--small] [--save] [NOTEBOOK ...]
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent


def notebooks() -> list[Path]:
    """Every notebook in notebooks/, in name order (1-..., 2-..., ...)."""
    return sorted(HERE.glob("*.ipynb"))


def make_example_data() -> None:
    """Write notebooks/data/ (the example recordings notebook 3 loads)."""
    subprocess.run([sys.executable, str(HERE / "make_example_data.py")], check=True, capture_output=True)


def execute(path: Path, small: bool, timeout: int = 300) -> nbformat.NotebookNode:
    """Run one notebook top to bottom in its own folder and return it with
    outputs. Raises nbclient's CellExecutionError at the first failing cell."""
    nb = nbformat.read(path, as_version=4)
    old = os.environ.get("LARIAT_SMALL")
    os.environ["LARIAT_SMALL"] = "1" if small else "0"  # the kernel inherits it
    try:
        client = NotebookClient(
            nb,
            kernel_name="lariat",
            timeout=timeout,
            record_timing=False,  # no per-cell timestamps: re-running gives small diffs
            resources={"metadata": {"path": str(path.parent)}},
        )
        client.execute()
    finally:
        if old is None:
            os.environ.pop("LARIAT_SMALL", None)
        else:
            os.environ["LARIAT_SMALL"] = old
    return nb


def png_count(cell) -> int:
    """How many figures (image/png outputs) a code cell shows."""
    return sum(1 for o in cell.get("outputs", [])
               if o.get("output_type") in ("display_data", "execute_result") and "image/png" in o.get("data", {}))


def without_figure_paths(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The kernel names each figure's temporary PNG file in its text/plain (for
    text-only clients); a saved notebook carries the image itself, and the
    path of a file that is gone would only be noise in it."""
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            data = o.get("data", {})
            if "image/png" in data and "text/plain" in data:
                data["text/plain"] = re.sub(r" \(PNG: [^)]*\)$", "", data["text/plain"])
    return nb


def main() -> None:
    parser = argparse.ArgumentParser(description="Execute the Lariat notebooks on the lariat kernel.")
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebooks/*.ipynb")
    parser.add_argument("--small", action="store_true", help="LARIAT_SMALL=1: the notebooks' small CI settings")
    parser.add_argument("--save", action="store_true", help="write the executed outputs back into each notebook")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    a = parser.parse_args()
    make_example_data()
    for path in a.notebooks or notebooks():
        start = time.monotonic()
        nb = execute(path.resolve(), small=a.small, timeout=a.timeout)
        figures = sum(png_count(c) for c in nb.cells if c.cell_type == "code")
        if a.save:
            nbformat.write(without_figure_paths(nb), path)
        print(f"{path.name}: {figures} figures, {time.monotonic() - start:.1f}s{' (saved)' if a.save else ''}")


if __name__ == "__main__":
    main()
