"""Movies at 4 bytes a pixel or less, and lazy movies (DESIGN.md "Real
recordings", issue 18): `load` keeps 8/16-bit integer frames in their type
and makes every other 3-D array, and every block mean, float32 exactly as
numpy rounds them;
`load(..., lazy=true)` reads frames from the file only when used, and fit,
encode, reconstruct, traces and compare give the same results from a lazy
movie as from the movie in memory (the same float32 values reach them)."""
import subprocess
import time

import numpy as np
import pytest
import tifffile

from kernel_support import lariat_bin

LARIAT = lariat_bin()


def run(script, cwd):
    (cwd / "s.lariat").write_text(script)
    return subprocess.run([LARIAT, "run", "s.lariat"], cwd=cwd, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    d = tmp_path_factory.mktemp("movies")
    rng = np.random.default_rng(18)
    T, H, W = 240, 24, 24
    yy, xx = np.mgrid[0:H, 0:W]
    blobs = [np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / 6.0) for cy, cx in [(6, 5), (15, 12), (8, 15)]]
    drive = np.abs(np.cumsum(rng.normal(0, 1, (T, 3)), axis=0))
    movie = 500 + sum(400 * drive[:, [k]][:, :, None] / drive[:, k].max() * blobs[k] for k in range(3))
    movie = (movie + rng.normal(0, 20, (T, H, W))).clip(0, 65535).astype(np.uint16)
    tifffile.imwrite(d / "u16.tif", movie)
    np.save(d / "f64.npy", movie.astype(np.float64) / 7.0)
    np.save(d / "f32.npy", (movie.astype(np.float64) / 7.0).astype(np.float32))
    np.save(d / "fortran.npy", np.asfortranarray(movie))
    masks = np.stack([(b > 0.3).astype(float) for b in blobs])
    np.save(d / "masks.npy", masks)
    np.save(d / "F.npy", rng.random((10, 3)))
    return d, movie, masks


def test_integer_frames_keep_their_type_and_values(folder):
    d, movie, _ = folder
    r = run('m = load("u16.tif")\nprint(type(m), m.dtype, m.lazy, shape(m))\nsave(m, "m.npy")\n'
            'f = load("f32.npy")\nprint(f.dtype)\nsave(f, "f.npy")\n'
            'g = load("f64.npy")\nprint(type(g), g.dtype)\nsave(g, "g.npy")\nprint(load("f64.npy", lazy=true).dtype)\n', d)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["movie", "uint16", "false", "[240,", "24,", "24]", "float32", "movie", "float32", "float64"]
    np.testing.assert_array_equal(np.load(d / "m.npy"), movie.astype(float))
    np.testing.assert_array_equal(np.load(d / "f.npy"), np.load(d / "f32.npy").astype(float))
    # float64 frames: 4 bytes a pixel in memory, numpy's own rounding of each value (lazy: the file's type, read as float32).
    np.testing.assert_array_equal(np.load(d / "g.npy"), np.load(d / "f64.npy").astype(np.float32).astype(float))


def test_movies_save_to_npy_in_their_own_type(folder):
    d, movie, _ = folder
    r = run('save(load("u16.tif"), "u.npy")\nsave(load("u16.tif", lazy=true)[10:40], "l.npy")\n'
            'save(load("u16.tif", downsample=2), "f.npy")\nsave(load("u16.tif")[0:3] * 1, "a.npy")\n', d)
    assert r.returncode == 0, r.stderr
    u, lazy, f, a = (np.load(d / f"{n}.npy") for n in "ulfa")
    assert u.dtype == np.uint16 and lazy.dtype == np.uint16 and f.dtype == np.float32 and a.dtype == np.float64
    np.testing.assert_array_equal(u, movie)
    np.testing.assert_array_equal(lazy, movie[10:40])
    np.testing.assert_array_equal(f, movie.astype(float).reshape(240, 12, 2, 12, 2).mean(axis=(2, 4)).astype(np.float32))
    np.testing.assert_array_equal(a, movie[0:3].astype(float))
    assert not list(d.glob("*.partial"))


def test_downsample_gives_float32_block_means(folder):
    d, movie, _ = folder
    r = run('m = load("u16.tif", frames=3:50, downsample=2)\nprint(m.dtype)\nsave(m, "m.npy")\n', d)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["float32"]
    means = movie[3:50].astype(float).reshape(47, 12, 2, 12, 2).mean(axis=(2, 4))
    np.testing.assert_array_equal(np.load(d / "m.npy"), means.astype(np.float32).astype(float))


def test_lazy_movie_reads_the_frames_it_is_asked_for(folder):
    d, movie, masks = folder
    r = run('l = load("u16.tif", lazy=true)\nprint(l.lazy, l.dtype, len(l))\n'
            'save(l[10:20], "slice.npy")\nprint(l[10:20].lazy)\nsave(l[7], "frame.npy")\n'
            'save(l[5:9, 2:4, 3], "picked.npy")\nsave(mean(l[0:30], axis=0), "mean.npy")\n'
            'save(traces(l, load("masks.npy")), "lazy.npy")\n'
            'save(traces(load("u16.tif"), load("masks.npy")), "eager.npy")\n'
            'save(traces(array(load("u16.tif")[0:240]), load("masks.npy"), neuropil=0.7), "np_eager.npy")\n'
            'save(traces(l, load("masks.npy"), neuropil=0.7), "np_lazy.npy")\n', d)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split()[:4] == ["true", "uint16", "240", "true"]
    x = movie.astype(float)
    np.testing.assert_array_equal(np.load(d / "slice.npy"), x[10:20])
    np.testing.assert_array_equal(np.load(d / "frame.npy"), x[7])
    np.testing.assert_array_equal(np.load(d / "picked.npy"), x[5:9, 2:4, 3])
    np.testing.assert_allclose(np.load(d / "mean.npy"), x[0:30].mean(axis=0), rtol=1e-12)
    lazy, eager = np.load(d / "lazy.npy"), np.load(d / "eager.npy")
    np.testing.assert_array_equal(lazy, eager)
    weights = masks.reshape(3, -1)
    np.testing.assert_allclose(lazy, x.reshape(240, -1) @ weights.T / weights.sum(axis=1), rtol=1e-12)
    np.testing.assert_allclose(np.load(d / "np_lazy.npy"), np.load(d / "np_eager.npy"), rtol=1e-12)


def test_a_lazy_movie_fits_to_the_same_model(folder):
    """The fit reads the same float32 frames in the same windows either way."""
    d, _, _ = folder
    common = 'epochs=2, seed=3, latent=4, window=32'
    r = run(f'a = fit(load("u16.tif"), {common})\nb = fit(load("u16.tif", lazy=true), {common})\n'
            'save(a.scores, "a.json")\nsave(b.scores, "b.json")\n'
            'save(a.coefficients, "ca.npy")\nsave(b.coefficients, "cb.npy")\n'
            'l = load("u16.tif", lazy=true)\n'
            'save(encode(a, l), "za.npy")\nsave(encode(a, load("u16.tif")), "zb.npy")\n'
            'save(reconstruct(a, l[0:50]), "ra.npy")\nsave(reconstruct(a, load("u16.tif")[0:50]), "rb.npy")\n'
            'print(reconstruct(a, l).dtype)\n'
            's = score(a, l[100:240])\nsave(s, "sa.json")\nsave(score(a, load("u16.tif")[100:240]), "sb.json")\n'
            'save(network(a, l, masks=load("masks.npy")).matrix, "na.npy")\n'
            'save(network(a, load("u16.tif"), masks=load("masks.npy")).matrix, "nb.npy")\n'
            'save(cells(l).masks, "ma.npy")\nsave(cells(load("u16.tif")).masks, "mb.npy")\n'
            'save(drivers(a, l).map, "da.npy")\nsave(drivers(a, load("u16.tif")).map, "db.npy")\n'
            'save(contributions(a, l, frames=40).map, "ka.npy")\nsave(contributions(a, load("u16.tif"), frames=40).map, "kb.npy")\n'
            'save(drivers(a, l, read="pixels", frames=40).map, "pa.npy")\n'
            'save(drivers(a, load("u16.tif"), read="pixels", frames=40).map, "pb.npy")\n'
            'save(drivers(a, load("u16.tif") * 1, read="pixels", frames=40).map, "pc.npy")\n', d)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split()[-1] == "float32"
    assert (d / "a.json").read_text() == (d / "b.json").read_text()
    assert (d / "sa.json").read_text() == (d / "sb.json").read_text()
    for x, y in (("ca", "cb"), ("za", "zb"), ("ra", "rb"), ("na", "nb"), ("ma", "mb"), ("da", "db"), ("ka", "kb"), ("pa", "pb")):
        np.testing.assert_array_equal(np.load(d / f"{x}.npy"), np.load(d / f"{y}.npy"))
    # The pixel read of a movie (streamed) and of the same values as a float64 array (read whole) agree.
    np.testing.assert_allclose(np.load(d / "pa.npy"), np.load(d / "pc.npy"), rtol=1e-4, atol=1e-6 * np.abs(np.load(d / "pc.npy")).max())


def run_while_cutting(tmp_path, movie, then):
    """Writes cut.tif, loads it lazily in a `lariat run`, cuts the file to
    half while the script sleeps, then runs `then`: (stdout, exit code, stderr)."""
    tifffile.imwrite(tmp_path / "cut.tif", movie)
    (tmp_path / "job.lariat").write_text('l = load("cut.tif", lazy=true)\nprint(len(l))\nx = sleep(1.5)\n' + then)
    p = subprocess.Popen([LARIAT, "run", "job.lariat"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.7)
    with open(tmp_path / "cut.tif", "r+b") as f:
        f.truncate((tmp_path / "cut.tif").stat().st_size // 2)
    out, err = p.communicate(timeout=60)
    return out, p.returncode, err


def test_lazy_refusals_and_a_damaged_file_name_the_problem(folder, tmp_path):
    d, movie, _ = folder
    r = run('load("fortran.npy", lazy=true)\n', d)
    assert r.returncode != 0 and "Fortran order" in r.stderr and "fortran.npy" in r.stderr
    r = run('load("F.npy", lazy=true)\n', d)
    assert r.returncode != 0 and "lazy=true needs a movie" in r.stderr
    # A file cut short after the lazy load: the read that needs the lost frames says which file and frame.
    out, code, err = run_while_cutting(tmp_path, movie, 'save(l[230:240] * 1, "x.npy")\n')
    assert out.split() == ["240"]
    assert code != 0 and "cut.tif" in err and "frame" in err, err
    # Saving the lazy movie itself streams it: the read fails the same way and no file is left.
    out, code, err = run_while_cutting(tmp_path, movie, 'save(l, "y.npy")\n')
    assert code != 0 and "cut.tif" in err and "y.npy" in err, err
    assert not (tmp_path / "y.npy").exists() and not (tmp_path / "y.npy.partial").exists()
