"""`load`, `save` and `simulate` through `lariat run`, against files written
by tifffile, h5py and numpy, compared with numpy's slicing and block mean.

The binary is $LARIAT_BIN, else the newest of .build/{release,debug}/lariat.
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import h5py
import numpy as np
import pytest
import tifffile

ROOT = Path(__file__).resolve().parents[2]


def lariat_bin() -> str:
    if os.environ.get("LARIAT_BIN"):
        return os.environ["LARIAT_BIN"]
    found = [b for b in (ROOT / ".build" / c / "lariat" for c in ("release", "debug")) if b.exists()]
    if not found:
        raise RuntimeError("no lariat binary: run `swift build` or set LARIAT_BIN")
    return str(max(found, key=lambda b: b.stat().st_mtime))


def run(script: str, cwd: Path) -> subprocess.CompletedProcess:
    (cwd / "s.lariat").write_text(script)
    return subprocess.run([lariat_bin(), "run", "s.lariat", "--out", str(cwd / "figs")], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def block_mean(a, k):
    a = np.asarray(a, dtype=np.float64)
    t, h, w = a.shape
    return a[:, :h // k * k, :w // k * k].reshape(t, h // k, k, w // k, k).mean(axis=(2, 4))


@pytest.fixture
def movie():
    return np.random.default_rng(0).integers(0, 65535, size=(30, 37, 41)).astype(np.uint16)


@pytest.mark.parametrize("kind", ["plain", "imagej", "bigtiff", "float32", "int16", "uint8"])
def test_tiff_frames_and_downsample_match_numpy(tmp_path, movie, kind):
    a = {"float32": movie.astype(np.float32) / 7, "int16": (movie // 2).astype(np.int16),
         "uint8": (movie % 256).astype(np.uint8)}.get(kind, movie)
    tifffile.imwrite(tmp_path / "m.tif", a, imagej=kind == "imagej", bigtiff=kind == "bigtiff")
    r = run('m = load("m.tif", frames=4:25, downsample=3)\nsave(m, "out.npy")\nshape(m)\n', tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[21, 12, 13]"
    # Block means are held as float32 (numpy's float64 mean, rounded).
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), block_mean(a[4:25], 3).astype(np.float32), rtol=1e-7, atol=0)


def test_npy_hdf5_and_suite2p_binary(tmp_path, movie):
    np.save(tmp_path / "f.npy", np.asfortranarray(movie))
    with h5py.File(tmp_path / "m.h5", "w") as f:
        f.create_dataset("imaging/mov", data=movie, chunks=(5, 37, 41))
        f.create_dataset("other", data=np.zeros(3))
    movie.astype(np.int16).tofile(tmp_path / "data.bin")
    r = run("\n".join([
        'save(load("f.npy", frames=2:9, downsample=2), "a.npy")',
        'save(load("m.h5", dataset="imaging/mov", frames=-5:30, downsample=4), "b.npy")',
        'save(load("data.bin", shape=[37, 41], frames=0:3), "c.npy")',
    ]) + "\n", tmp_path)
    assert r.returncode == 0, r.stderr
    assert np.array_equal(np.load(tmp_path / "a.npy"), block_mean(movie[2:9], 2))
    assert np.array_equal(np.load(tmp_path / "b.npy"), block_mean(movie[-5:], 4))
    assert np.array_equal(np.load(tmp_path / "c.npy"), movie[0:3].astype(np.int16).astype(np.float64))


@pytest.mark.parametrize("line, message", [
    ('load("missing.tif")', "missing.tif: no such file"),
    ('load("m.tif", frames=10:10)', "m.tif: frames=10:10 is an empty range of frames"),
    ('load("m.tif", frames=0:99)', "m.tif: frames=0:99 is outside the movie: it has 30 frames"),
    ('load("m.xyz")', "m.xyz: unknown extension '.xyz'"),
    ('load("data.bin", shape=[36, 41])', "data.bin: wrong shape"),
    ('load("m.h5", dataset="nope")', "m.h5: has no dataset 'nope'; available: /mov [30, 37, 41]"),
    ('load("cut.tif")', "cut.tif: truncated"),
])
def test_errors_name_the_file_and_stop(tmp_path, movie, line, message):
    tifffile.imwrite(tmp_path / "m.tif", movie)
    (tmp_path / "m.xyz").write_text("x")
    movie.astype(np.int16).tofile(tmp_path / "data.bin")
    with h5py.File(tmp_path / "m.h5", "w") as f:
        f.create_dataset("mov", data=movie)
    data = (tmp_path / "m.tif").read_bytes()
    (tmp_path / "cut.tif").write_bytes(data[: len(data) // 3])
    r = run(f'x = 1\ny = {line}\nprint("after")\n', tmp_path)
    assert r.returncode != 0
    assert "s.lariat:2:5: error:" in r.stderr and message in r.stderr, r.stderr
    assert "after" not in r.stdout


def test_simulate_pairs_and_save(tmp_path):
    r = run("\n".join([
        "a = simulate(neurons=6, frames=120, size=24, seed=3)",
        "b = simulate(neurons=6, frames=120, size=24, seed=3, session=1)",
        "c = simulate(neurons=6, frames=120, size=24, seed=3, rewired=true)",
        'save(a.movie, "a.tif")', 'save(b.movie, "b.npy")', 'save(a.truth, "ta.csv")',
        'save(b.truth, "tb.csv")', 'save(c.truth, "tc.csv")', 'save(a.footprints, "fa.npy")',
        'save(c.footprints, "fc.npy")', "shape(a.activity)",
    ]) + "\n", tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[120, 6]"
    a = tifffile.imread(tmp_path / "a.tif")
    assert a.shape == (120, 24, 24) and a.dtype == np.float32
    assert not np.allclose(a, np.load(tmp_path / "b.npy"))
    ta, tb, tc = (np.loadtxt(tmp_path / f"t{x}.csv", delimiter=",") for x in "abc")
    assert np.array_equal(ta, tb) and not np.array_equal(ta, tc)
    assert np.array_equal(np.load(tmp_path / "fa.npy"), np.load(tmp_path / "fc.npy"))
    assert max(abs(np.linalg.eigvals(ta))) < 1
