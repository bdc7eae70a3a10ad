"""Every notebook in notebooks/ runs top to bottom on the `lariat` kernel
(nbclient, small settings: LARIAT_SMALL=1, which the notebooks' parameter
cells read with `env("LARIAT_SMALL", 0)`), with no error output and with the
figures it should show.

The kernelspec is the one of the binary under test ($LARIAT_BIN, else the
newest build), installed into a temporary JUPYTER_PATH by kernel_support.
A new notebook must be added to FIGURES with the number of figures it shows.
"""
from __future__ import annotations

import sys
import time

import nbformat
import pytest

import kernel_support  # noqa: F401  (installs the kernelspec under test)

sys.path.insert(0, str(kernel_support.ROOT / "notebooks"))
from execute import execute, make_example_data, notebooks, png_count  # noqa: E402

# Figures (image/png outputs) each notebook shows with LARIAT_SMALL=1.
FIGURES = {
    "1-quickstart.ipynb": 6,
    "2-paper-figures.ipynb": 19,
    "3-your-own-data.ipynb": 7,
    "4-sparse-var-on-traces.ipynb": 9,
}

# Seconds a cell may take; the whole notebook suite stays well under 2 minutes.
CELL_TIMEOUT = 120


@pytest.fixture(scope="module", autouse=True)
def example_data():
    make_example_data()


def test_every_notebook_has_a_figure_count():
    names = {p.name for p in notebooks()}
    assert names, "no notebooks in notebooks/"
    missing = sorted(names - FIGURES.keys())
    assert not missing, f"add {missing} to FIGURES in {__file__} with the number of figures each shows"


@pytest.mark.parametrize("path", notebooks(), ids=lambda p: p.name)
def test_notebook_runs(path):
    stored = nbformat.read(path, as_version=4)
    assert stored.metadata.get("kernelspec", {}).get("name") == "lariat", f"{path.name}: kernelspec is not lariat"

    start = time.monotonic()
    nb = execute(path, small=True, timeout=CELL_TIMEOUT)  # raises at the first failing cell
    elapsed = time.monotonic() - start

    problems = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for out in cell.outputs:
            if out.output_type == "error":
                problems.append(f"cell {i}: {out.ename}: {out.evalue}")
            elif out.output_type == "stream" and out.name == "stderr":
                problems.append(f"cell {i}: stderr: {out.text.strip()[:200]}")
    assert not problems, f"{path.name}:\n" + "\n".join(problems)

    # Figures cell by cell against the stored (committed) outputs, where there are any.
    code = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    stored_code = [c for c in stored.cells if c.cell_type == "code"]
    if any(c.get("outputs") for c in stored_code):
        for (i, cell), old in zip(code, stored_code):
            assert png_count(cell) == png_count(old), (
                f"{path.name} cell {i}: {png_count(cell)} figures, the stored notebook shows {png_count(old)}"
                " (re-run scripts/notebooks?)")

    figures = sum(png_count(c) for _, c in code)
    expected = FIGURES.get(path.name)
    assert expected is not None, f"{path.name}: not in FIGURES"
    assert figures == expected, f"{path.name}: {figures} figures, expected {expected}"
    print(f"{path.name}: {figures} figures in {elapsed:.1f}s")
