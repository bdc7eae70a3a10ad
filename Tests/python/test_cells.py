"""Cells and networks through the language (DESIGN.md "Cells and networks"):
`traces(movie, masks)` against numpy's mask-weighted means; `cells(movie)`
gives masks and traces; `network(m, movie, masks=)` gives an n x n `.matrix`
and n `.drivers`; `drivers(m, movie)` gives an H x W `.map`; all display."""
import subprocess

import numpy as np

from kernel_support import lariat_bin

LARIAT = lariat_bin()


def run(script, cwd):
    (cwd / "s.lariat").write_text(script)
    return subprocess.run([LARIAT, "run", "s.lariat", "--out", "figs"], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_traces_match_numpy(tmp_path):
    rng = np.random.default_rng(5)
    movie = rng.random((50, 12, 10)).astype(np.float32) * 100
    masks = np.zeros((3, 12, 10))
    masks[0, 2:5, 2:5] = rng.random((3, 3))
    masks[1, 7:10, 1:4] = 1
    masks[2, 5, 8] = 2.5
    np.save(tmp_path / "movie.npy", movie)
    np.save(tmp_path / "masks.npy", masks)
    r = run('F = traces(load("movie.npy"), load("masks.npy"))\nsave(F, "F.npy")\nshape(F)\n', tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[50, 3]"
    expected = np.einsum("thw,nhw->tn", movie.astype(np.float64), masks) / masks.sum(axis=(1, 2))
    np.testing.assert_allclose(np.load(tmp_path / "F.npy"), expected, rtol=1e-12)


def test_traces_with_a_wrong_mask_size_names_the_argument(tmp_path):
    np.save(tmp_path / "movie.npy", np.ones((5, 8, 8)))
    np.save(tmp_path / "masks.npy", np.ones((2, 8, 9)))
    r = run('traces(load("movie.npy"), load("masks.npy"))\n', tmp_path)
    assert r.returncode == 1
    assert "s.lariat:1:" in r.stderr and "masks must be n x 8 x 8" in r.stderr


def test_cells_network_and_drivers_contract(tmp_path):
    r = run(
        "sim = simulate(neurons=5, frames=400, size=24, seed=2)\n"
        "c = cells(sim.movie)\n"
        "save(c.masks, \"masks.npy\")\n"
        "save(c.traces, \"traces.npy\")\n"
        "m = fit(sim.movie, latent=8, epochs=2, decoder=\"parts\", seed=0)\n"
        "net = network(m, sim.movie, masks=sim.footprints)\n"
        "save(net.matrix, \"W.npy\")\n"
        "save(net.drivers, \"drivers.npy\")\n"
        "d = drivers(m, sim.movie)\n"
        "save(d.map, \"map.npy\")\n"
        "image(c)\n"
        "image(net)\n"
        "heatmap(net)\n"
        "image(d)\n",
        tmp_path)
    assert r.returncode == 0, r.stderr
    masks, traces = np.load(tmp_path / "masks.npy"), np.load(tmp_path / "traces.npy")
    assert masks.ndim == 3 and masks.shape[1:] == (24, 24) and 3 <= masks.shape[0] <= 8
    assert traces.shape == (400, masks.shape[0])
    W, drivers = np.load(tmp_path / "W.npy"), np.load(tmp_path / "drivers.npy")
    assert W.shape == (5, 5) and drivers.shape == (5,)
    np.testing.assert_allclose(drivers, (np.abs(W) * (1 - np.eye(5))).sum(axis=0), rtol=1e-12)
    assert np.load(tmp_path / "map.npy").shape == (24, 24)
    figures = sorted(p.name for p in (tmp_path / "figs").iterdir())
    assert figures == ["01-image.png", "02-image.png", "03-heatmap.png", "04-image.png"]
