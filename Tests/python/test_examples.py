"""examples/*.lariat run headless in CI at small settings (issue 20).

Each example is run as written except for its sizes: simulated movies of
1500 frames become 300 (and slices of the last 100 frames follow), training
runs 2 epochs instead of 30 (6000 frames become 600). Every statement must run (exit 0) and every
figure statement must write its PNG. scripts/examples runs them at full
size."""
import re
import subprocess
from pathlib import Path

import pytest

import kernel_support

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.lariat"))
SMALL = [
    (r"frames=1500\b", "frames=300"),
    (r"frames=6000\b", "frames=600"),
    (r"\[1400:1500\]", "[200:300]"),
    (r"epochs=\d+", "epochs=2"),
]


def small(text: str) -> str:
    for pattern, replacement in SMALL:
        text = re.sub(pattern, replacement, text)
    return text


def test_there_are_examples():
    assert len(EXAMPLES) >= 3


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.stem for e in EXAMPLES])
def test_example_runs_at_small_settings(example, tmp_path):
    script = tmp_path / example.name
    script.write_text(small(example.read_text()))
    out = tmp_path / "figures"
    r = subprocess.run([kernel_support.lariat_bin(), "run", str(script), "--out", str(out)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    figures = sorted(out.glob("*.png")) if out.exists() else []
    calls = len(re.findall(r"^(plot|heatmap|image|frames)\(", script.read_text(), flags=re.M))
    assert len(figures) >= calls, (calls, [f.name for f in figures])
    assert all(f.stat().st_size > 1000 for f in figures)
