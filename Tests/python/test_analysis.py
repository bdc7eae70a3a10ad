"""The sequence test and contribution maps through the language, as
DESIGN.md's contract states them: `compare(a, b, model=m, resamples=, seed=)`
gives `.pvalue`, `.statistic` (a distance) and `.null`; `contributions(m, movie)`
gives `.map` (H x W) and `.latent_maps` (d x H x W), and both display as figures."""
import subprocess

import numpy as np

from kernel_support import lariat_bin

LARIAT = lariat_bin()

SETUP = (
    "s1 = simulate(seed=1, session=1, size=16, frames=400, neurons=6)\n"
    "s2 = simulate(seed=1, session=2, size=16, frames=400, neurons=6, rewired=true)\n"
    "m = fit(s1.movie, latent=4, epochs=2, window=64, seed=0)\n"
)


def run(script, cwd):
    (cwd / "s.lariat").write_text(script)
    return subprocess.run([LARIAT, "run", "s.lariat", "--out", "figs"], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_compare_contract_and_determinism(tmp_path):
    r = run(SETUP +
            "t = compare(s1.movie, s2.movie, model=m, resamples=60, seed=3)\n"
            "u = compare(s1.movie, s2.movie, model=m, resamples=60, seed=3)\n"
            "save(t.null, \"null.npy\")\n"
            "save(u.null, \"null2.npy\")\n"
            "print(t.pvalue)\n"
            "print(t.statistic)\n"
            "print(t.resamples, t.block, t.lag)\n"
            "hist(t)\n", tmp_path)
    assert r.returncode == 0, r.stderr
    p, s, rest = r.stdout.splitlines()[:3]
    p, s = float(p), float(s)
    null = np.load(tmp_path / "null.npy")
    assert null.shape == (60,)
    np.testing.assert_array_equal(null, np.load(tmp_path / "null2.npy"))
    assert s >= 0 and (null >= -1e-12).all()
    # One-sided permutation p-value from the null draws.
    assert abs(p - (1 + (null >= s).sum()) / 61) < 1e-12
    assert rest.split()[0] == "60"
    assert (tmp_path / "figs" / "01-hist.png").read_bytes()[:4] == b"\x89PNG"


def test_contributions_shapes_and_image(tmp_path):
    r = run(SETUP +
            "c = contributions(m, s1.movie, frames=40)\n"
            "save(c.map, \"map.npy\")\n"
            "save(c.latent_maps, \"latent.npy\")\n"
            "image(c)\n"
            "o = contributions(m, s1.movie, method=\"occlusion\", frames=20, patch=8)\n"
            "save(o.map, \"occ.npy\")\n", tmp_path)
    assert r.returncode == 0, r.stderr
    cmap, latent = np.load(tmp_path / "map.npy"), np.load(tmp_path / "latent.npy")
    assert cmap.shape == (16, 16) and latent.shape == (4, 16, 16)
    assert (cmap >= 0).all() and cmap.sum() > 0
    np.testing.assert_allclose(latent.sum(axis=0), cmap, rtol=1e-9)
    occ = np.load(tmp_path / "occ.npy")
    assert occ.shape == (16, 16) and occ.sum() > 0
    # Occlusion is constant on each 8 x 8 patch.
    assert np.allclose(occ[:8, :8], occ[0, 0])
    assert (tmp_path / "figs" / "01-image.png").exists()


def test_compare_errors_name_the_problem(tmp_path):
    r = run(SETUP + "t = compare(s1.movie, s2.movie)\n", tmp_path)
    assert r.returncode != 0 and "model" in r.stderr
    r = run(SETUP + "t = compare(s1.movie, s2.movie, model=m, block=300)\n", tmp_path)
    assert r.returncode != 0 and "block" in r.stderr
    r = run(SETUP + "c = contributions(m, s1.movie, method=\"magic\")\n", tmp_path)
    assert r.returncode != 0 and "method" in r.stderr
