"""`load(..., frames=)` of a C-order .npy of rank 4 or more streams rows of
the first axis; every value of each row must arrive (the frame reader once
converted only its first two trailing axes and left the rest unwritten)."""
import subprocess

import numpy as np

import kernel_support


def test_rank_four_npy_with_frames_matches_numpy(tmp_path):
    a = np.arange(3 * 3 * 4 * 5, dtype=np.float64).reshape(3, 3, 4, 5) * 0.5 - 7
    np.save(tmp_path / "a.npy", a)
    script = tmp_path / "s.lariat"
    out = tmp_path / "out.npy"
    script.write_text(f'x = load("{tmp_path / "a.npy"}", frames=1:3)\nsave(x, "{out}")\n')
    r = subprocess.run([kernel_support.lariat_bin(), "run", str(script)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    np.testing.assert_array_equal(np.load(out), a[1:3])
