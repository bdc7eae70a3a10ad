"""Real recordings (DESIGN.md "Real recordings"): NWB files written by pynwb
(the movie of the first TwoPhotonSeries, PlaneSegmentation masks as
image_mask or pixel_mask) and suite2p plane folders written by numpy exactly
as suite2p writes them (stat.npy / ops.npy are pickled object arrays,
iscell.npy, F.npy, Fneu.npy) read as numpy reads them; a pickle that names
code is refused without running it."""
import pickle
import subprocess

import h5py
import numpy as np
import pytest

from kernel_support import lariat_bin
from nwb_files import write_nwb

LARIAT = lariat_bin()
RNG = np.random.default_rng(17)


def run(script, cwd):
    (cwd / "s.lariat").write_text(script)
    return subprocess.run([LARIAT, "run", "s.lariat"], cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def nwb_folder(tmp_path_factory):
    d = tmp_path_factory.mktemp("nwb")
    movie = RNG.integers(0, 4000, size=(30, 20, 24)).astype(np.uint16)
    masks = np.zeros((3, 20, 24))
    masks[0, 2:6, 3:8] = 1.0
    masks[1, 10:14, 10:13] = RNG.random((4, 3))
    masks[2, 15:19, 18:23] = 0.5
    write_nwb(d / "image.nwb", movie, image_masks=masks, extra_series=True)
    pixels = [[(2, 3, 0.25), (2, 4, 1.0), (5, 7, 0.5)], [(19, 23, 2.0)]]
    write_nwb(d / "pixel.nwb", movie, pixel_masks=pixels)
    return d, movie, masks, pixels


def test_nwb_movie_loads_as_h5py_reads_its_two_photon_series(nwb_folder):
    d, movie, _, _ = nwb_folder
    r = run('m = load("image.nwb")\nsave(m, "m.npy")\n'
            'p = load("image.nwb", frames=5:12, downsample=2)\nsave(p, "p.npy")\n', d)
    assert r.returncode == 0, r.stderr
    with h5py.File(d / "image.nwb") as f:
        stored = f["acquisition/TwoPhotonSeries/data"][:]
    np.testing.assert_array_equal(stored, movie)
    np.testing.assert_array_equal(np.load(d / "m.npy"), stored.astype(float))
    part = stored[5:12].astype(float).reshape(7, 10, 2, 12, 2).mean(axis=(2, 4))
    np.testing.assert_allclose(np.load(d / "p.npy"), part, rtol=0, atol=1e-9)


def test_nwb_movie_lazy_reads_the_same_frames(nwb_folder):
    d, movie, masks, _ = nwb_folder
    r = run('l = load("image.nwb", lazy=true)\nprint(l.lazy, l.dtype)\nsave(l[4:20], "l.npy")\n'
            'save(traces(l, rois("image.nwb")), "F.npy")\n', d)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["true", "float32"]          # uint16 HDF5 data, read through libhdf5 as float32
    np.testing.assert_array_equal(np.load(d / "l.npy"), movie[4:20].astype(np.float32))
    w = masks.reshape(3, -1)
    np.testing.assert_allclose(np.load(d / "F.npy"), movie.reshape(30, -1).astype(float) @ w.T / w.sum(axis=1), rtol=1e-12)


def test_nwb_rois_from_image_mask_and_pixel_mask(nwb_folder):
    d, _, masks, pixels = nwb_folder
    r = run('save(rois("image.nwb"), "a.npy")\nsave(rois("pixel.nwb"), "b.npy")\n', d)
    assert r.returncode == 0, r.stderr
    with h5py.File(d / "image.nwb") as f:
        stored = f["processing/ophys/ImageSegmentation/PlaneSegmentation/image_mask"][:]
    np.testing.assert_array_equal(np.load(d / "a.npy"), stored)
    np.testing.assert_array_equal(stored, masks)
    expect = np.zeros((2, 20, 24))
    for i, rows in enumerate(pixels):
        for x, y, w in rows:
            expect[i, x, y] = w
    np.testing.assert_array_equal(np.load(d / "b.npy"), expect)


def test_nwb_errors_name_the_problem(nwb_folder, tmp_path):
    d, movie, _, _ = nwb_folder
    r = run('x = load("image.nwb", dataset="/acquisition/nothing/data")\n', d)
    assert r.returncode == 1 and "nothing" in r.stderr
    with h5py.File(tmp_path / "plain.nwb", "w") as f:
        f["x"] = np.zeros(3)
    r = run('x = rois("plain.nwb")\n', tmp_path)
    assert r.returncode == 1 and "no PlaneSegmentation" in r.stderr
    r = run('x = load("plain.nwb")\n', tmp_path)
    assert r.returncode == 1 and "no TwoPhotonSeries" in r.stderr


def suite2p_folder(d, n_rois=4, Ly=18, Lx=22, T=50):
    """As suite2p's run writes plane0: lists/dicts saved by np.save (pickled object arrays)."""
    stat = []
    for i in range(n_rois):
        y0, x0 = 2 + 3 * i, 1 + 4 * i
        ypix, xpix = np.meshgrid(np.arange(y0, y0 + 3), np.arange(x0, x0 + 4), indexing="ij")
        ypix, xpix = ypix.ravel().astype(np.int32), xpix.ravel().astype(np.int32)
        lam = RNG.random(ypix.size).astype(np.float32)
        stat.append({"ypix": ypix, "xpix": xpix, "lam": lam, "med": [int(y0 + 1), int(x0 + 2)],
                     "npix": np.int64(ypix.size), "radius": np.float64(1.7 + i), "compact": 1.02,
                     "soma_crop": np.ones(ypix.size, bool), "overlap": np.zeros(ypix.size, bool),
                     "inmerge": 0, "name": f"roi{i}"})
    np.save(d / "stat.npy", np.array(stat, dtype=object), allow_pickle=True)
    ops = {"Ly": Ly, "Lx": Lx, "nframes": T, "fs": 30.0, "save_path": str(d), "tau": 1.0,
           "meanImg": RNG.random((Ly, Lx)).astype(np.float32), "filelist": ["a.tif", "b.tif"],
           "yrange": np.array([0, Ly]), "badframes": np.zeros(T, bool)}
    np.save(d / "ops.npy", ops, allow_pickle=True)
    iscell = np.array([[1.0, 0.9], [0.0, 0.2], [1.0, 0.7], [0.0, 0.1]])[:n_rois]
    np.save(d / "iscell.npy", iscell)
    F = RNG.random((n_rois, T)).astype(np.float32) * 100
    Fneu = RNG.random((n_rois, T)).astype(np.float32) * 30
    np.save(d / "F.npy", F)
    np.save(d / "Fneu.npy", Fneu)
    return stat, ops, iscell, F, Fneu


def test_suite2p_rois_and_traces_as_numpy_reads_them(tmp_path):
    plane = tmp_path / "suite2p" / "plane0"
    plane.mkdir(parents=True)
    stat, ops, iscell, F, Fneu = suite2p_folder(plane)
    r = run('save(rois("suite2p/plane0"), "cells.npy")\nsave(rois("suite2p/plane0", all=true), "all.npy")\n'
            'save(traces("suite2p/plane0"), "F.npy")\nsave(traces("suite2p/plane0", neuropil=0, all=true), "Fraw.npy")\n',
            tmp_path)
    assert r.returncode == 0, r.stderr
    loaded = np.load(plane / "stat.npy", allow_pickle=True)
    Ly, Lx = np.load(plane / "ops.npy", allow_pickle=True).item()["Ly"], ops["Lx"]
    expect = np.zeros((len(loaded), Ly, Lx))
    for i, s in enumerate(loaded):
        expect[i, s["ypix"], s["xpix"]] = s["lam"]
    cells = iscell[:, 0] > 0.5
    np.testing.assert_array_equal(np.load(tmp_path / "all.npy"), expect)
    np.testing.assert_array_equal(np.load(tmp_path / "cells.npy"), expect[cells])
    np.testing.assert_array_equal(np.load(tmp_path / "F.npy"),
                                  (F.astype(float) - 0.7 * Fneu.astype(float))[cells].T)
    np.testing.assert_array_equal(np.load(tmp_path / "Fraw.npy"), F.astype(float).T)


class Exploit:
    def __reduce__(self):
        import os
        return (os.system, ("touch PWNED",))


def test_a_pickle_that_names_code_is_refused_and_never_run(tmp_path):
    plane = tmp_path / "plane0"
    plane.mkdir()
    suite2p_folder(plane)
    arr = np.empty(2, dtype=object)
    arr[0], arr[1] = {"ypix": np.arange(2)}, Exploit()
    np.save(plane / "stat.npy", arr, allow_pickle=True)
    r = run('x = rois("plane0")\n', tmp_path)
    assert r.returncode == 1
    assert "refused to load" in r.stderr and "system" in r.stderr and "stat.npy" in r.stderr
    assert not (tmp_path / "PWNED").exists() and not (plane / "PWNED").exists()


@pytest.mark.parametrize("cut", [0.3, 0.6, 0.95])
def test_truncated_or_corrupted_suite2p_pickles_give_clear_errors(tmp_path, cut):
    plane = tmp_path / "plane0"
    plane.mkdir()
    suite2p_folder(plane)
    data = (plane / "stat.npy").read_bytes()
    (plane / "stat.npy").write_bytes(data[: int(len(data) * cut)])
    r = run('x = rois("plane0")\n', tmp_path)
    assert r.returncode == 1, r.stderr
    assert "stat.npy" in r.stderr and "error" in r.stderr
