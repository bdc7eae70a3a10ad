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
    # Every 3-D array loads at 4 bytes a pixel, the float64 masks too (as numpy rounds them).
    m32 = masks.astype(np.float32).astype(np.float64)
    expected = np.einsum("thw,nhw->tn", movie.astype(np.float64), m32) / m32.sum(axis=(1, 2))
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


def test_cells_activity_matches_scipy(tmp_path):
    """`.activity`: the trace's spread above its running 20th percentile
    (scipy's percentile_filter, 301 frames, mode="nearest") over the noise
    from its first differences (1.4826 MAD / sqrt 2); every kept cell has
    at least `min_activity`, and raising it drops the cells below."""
    from scipy.ndimage import percentile_filter
    r = run("sim = simulate(neurons=6, frames=900, size=32, seed=4)\n"
            "c = cells(sim.movie)\nsave(c.traces, \"F.npy\")\nsave(c.activity, \"a.npy\")\n"
            "k = cells(sim.movie, min_activity=15)\nsave(k.activity, \"k.npy\")\n", tmp_path)
    assert r.returncode == 0, r.stderr
    F, a = np.load(tmp_path / "F.npy"), np.load(tmp_path / "a.npy")
    x = F - percentile_filter(F, 20, size=(301, 1), mode="nearest")
    d = np.diff(F, axis=0)
    noise = 1.4826 * np.median(np.abs(d - np.median(d, axis=0)), axis=0) / np.sqrt(2)
    np.testing.assert_allclose(a, x.std(axis=0) / noise, rtol=1e-9)
    assert len(a) >= 3 and (a >= 2).all()
    k = np.load(tmp_path / "k.npy")
    assert (k >= 15).all() and len(k) == (a >= 15).sum()


# ---------------------------------------------------------------- the cell read against numpy/scipy


def calcium_design_reference(F, window=301, q=20, r=0.8):
    """The design of network(read="cells") written with numpy and scipy:
    dF/F over scipy's running percentile, AR(1) innovations with g from the
    autocovariances, innovations at t on their exponential filter at t-1,
    standardised, least squares with an intercept."""
    from scipy.ndimage import percentile_filter
    base = percentile_filter(F, q, size=(window, 1), mode="nearest")
    f = F / base - 1
    x = f - f.mean(0)
    a1 = (x[1:] * x[:-1]).sum(0) / (len(x) - 1)
    a2 = (x[2:] * x[:-2]).sum(0) / (len(x) - 2)
    g = np.clip(a2 / a1, 0, 0.999)
    u = np.empty_like(f)
    u[1:] = f[1:] - g * f[:-1]
    u[0] = u[1:].mean(0)
    e = np.zeros_like(u)
    acc = np.zeros(u.shape[1])
    for t in range(len(u)):
        acc = r * acc + u[t]
        e[t] = acc
    X, Y = e[:-1], u[1:]
    X = (X - X.mean(0)) / X.std(0)
    Y = (Y - Y.mean(0)) / Y.std(0)
    coef, *_ = np.linalg.lstsq(np.column_stack([np.ones(len(X)), X]), Y, rcond=None)
    return coef[1:].T, g


def test_network_cell_read_is_the_calcium_design_of_the_models_reconstruction(tmp_path):
    r = run(
        "sim = simulate(neurons=6, frames=600, size=24, seed=4)\n"
        "m = fit(sim.movie, latent=8, epochs=2, seed=0)\n"
        "save(reconstruct(m, sim.movie), \"R.npy\")\n"
        "save(sim.footprints, \"fp.npy\")\n"
        "net = network(m, sim.movie, masks=sim.footprints)\n"
        "save(net.matrix, \"W.npy\")\n"
        "save(net.traces, \"traces.npy\")\n"
        "save(net.decay, \"decay.npy\")\n"
        "print(net.read)\n"
        "bic = network(m, sim.movie, masks=sim.footprints, lambda=\"bic\")\n"
        "save(bic.matrix, \"Wbic.npy\")\n"
        "lat = network(m, sim.movie, masks=sim.footprints, read=\"latents\", frames=32)\n"
        "print(shape(lat.prediction))\n",
        tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["cells", "[6,", "6]"]
    R, fp = np.load(tmp_path / "R.npy"), np.load(tmp_path / "fp.npy")
    F = np.einsum("thw,nhw->tn", R, fp) / fp.sum(axis=(1, 2))
    np.testing.assert_allclose(np.load(tmp_path / "traces.npy"), F, rtol=1e-9, atol=1e-9)
    W, g = calcium_design_reference(F)
    np.testing.assert_allclose(np.load(tmp_path / "decay.npy"), g, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(np.load(tmp_path / "W.npy"), W, rtol=1e-6, atol=1e-8)
    # BIC keeps a subset of the least-squares links.
    Wbic = np.load(tmp_path / "Wbic.npy")
    assert (Wbic != 0).sum() < (W != 0).sum()


def test_network_refuses_lambda_model_with_the_cell_read(tmp_path):
    r = run("sim = simulate(neurons=3, frames=100, size=16, seed=1)\n"
            "m = fit(sim.movie, latent=4, epochs=1, seed=0)\n"
            "x = 1\n"
            "network(m, sim.movie, masks=sim.footprints, lambda=\"model\")\n", tmp_path)
    assert r.returncode == 1
    assert "s.lariat:4:" in r.stderr and "read=\"latents\"" in r.stderr


def fitted_unit(tmp_path, seed, sim_options, extra=""):
    """Fits the parts model (two-stage, 30 epochs) on `simulate(..., seed=seed)`
    and reads its network with the true footprints: (truth, W, folder, stdout)."""
    d = tmp_path / f"unit{seed}"
    d.mkdir()
    r = run(f"sim = simulate({sim_options}, seed={seed})\n"
            "m = fit(sim.movie, epochs=30, seed=0, decoder=\"parts\", mode=\"two-stage\")\n"
            "save(network(m, sim.movie, masks=sim.footprints).matrix, \"W.npy\")\n"
            "save(sim.truth, \"truth.npy\")\n" + extra, d)
    assert r.returncode == 0, r.stderr
    return np.load(d / "truth.npy"), np.load(d / "W.npy"), d, r.stdout


def driver_and_edge_auc(truth, W):
    """Driver AUC (off-diagonal out-strength against cells with an out-link) and
    edge AUC (off-diagonal |W| against the true links), as bench/network scores them."""
    from sklearn.metrics import roc_auc_score
    off = ~np.eye(len(truth), dtype=bool)
    drivers = (np.abs(truth) * off).sum(axis=0) > 0
    return (roc_auc_score(drivers, (np.abs(W) * off).sum(axis=0)),
            roc_auc_score((truth != 0)[off], np.abs(W)[off]))


def test_the_models_network_finds_the_links_on_fresh_units(tmp_path):
    """What held on every one of the 16 benchmark units (docs/network.md,
    bench/network/model_cells.py): the parts model's (two-stage) cell read
    ranks true links above non-links with edge AUC >= 0.65 (driver AUC
    varies from 0.42 to 1.00 between units, for the classical pipelines
    too: not asserted). Seeds 17 and 18 were fixed before either was run."""
    for seed in (17, 18):
        truth, W, _, _ = fitted_unit(tmp_path, seed, "neurons=10, frames=1500, size=40")
        _, edge_auc = driver_and_edge_auc(truth, W)
        assert edge_auc > 0.6, f"seed {seed}: edge AUC {edge_auc:.2f}"


def test_where_the_movie_carries_the_network_the_model_finds_it(tmp_path):
    """Issue 17's targets where the recording carries the network
    (`rate=0.3`, 6000 frames; docs/network.md, bench/network/model_cells.py):
    over 16 benchmark units the parts model's (two-stage) cell read had
    driver AUC >= 0.88 and edge AUC >= 0.92 on every unit, the mask-free
    drivers map driver AUC >= 0.79, and its decoded prediction beat
    persistence on all 16. Asserted below those minima, on seeds 17 and 18,
    fixed before either was run in this regime."""
    from sklearn.metrics import roc_auc_score
    for seed in (17, 18):
        truth, W, d, out = fitted_unit(tmp_path, seed, "neurons=10, frames=6000, size=40, rate=0.3",
                                       "save(drivers(m, sim.movie).map, \"map.npy\")\n"
                                       "save(sim.footprints, \"fp.npy\")\nprint(m.scores.prediction_ratio)\n")
        driver_auc, edge_auc = driver_and_edge_auc(truth, W)
        fp = np.load(d / "fp.npy")
        drivers = (np.abs(truth) * ~np.eye(len(truth), dtype=bool)).sum(axis=0) > 0
        per_cell = (fp * np.load(d / "map.npy")).sum(axis=(1, 2)) / fp.sum(axis=(1, 2))
        map_auc = roc_auc_score(drivers, per_cell)
        ratio = float(out.split()[-1])
        print(f"seed {seed}: driver AUC {driver_auc:.2f}, edge AUC {edge_auc:.2f}, map {map_auc:.2f}, "
              f"prediction ratio {ratio:.3f}")
        assert edge_auc >= 0.85, f"seed {seed}: edge AUC {edge_auc:.2f}"
        assert driver_auc >= 0.75, f"seed {seed}: driver AUC {driver_auc:.2f}"
        assert map_auc >= 0.7, f"seed {seed}: drivers map AUC {map_auc:.2f}"
        assert ratio < 1, f"seed {seed}: decoded prediction not below persistence"
