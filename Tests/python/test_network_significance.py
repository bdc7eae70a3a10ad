"""`network(...).t` through the language: each link's t statistic on the
record (n x n, the cell read only), of the matrix's sign, and the graph
drawn from it. Its values against statsmodels' OLS and the significant set
on a linear system with known links: Tests/LariatModelTests/
CellNetworkSignificanceTests.swift."""
import subprocess

import numpy as np

from kernel_support import lariat_bin

LARIAT = lariat_bin()


def run(script, cwd):
    (cwd / "s.lariat").write_text(script)
    return subprocess.run([LARIAT, "run", "s.lariat", "--out", "figs"], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_network_has_the_links_t_statistics(tmp_path):
    r = run("sim = simulate(neurons=6, frames=600, size=24, seed=4)\n"
            "m = fit(sim.movie, latent=8, epochs=2, seed=0)\n"
            "net = network(m, sim.movie, masks=sim.footprints)\n"
            "save(net.t, \"t.npy\")\n"
            "save(net.matrix, \"W.npy\")\n"
            "image(net)\n"
            "lat = network(m, sim.movie, masks=sim.footprints, read=\"latents\", frames=16)\n"
            "print(fields(net))\n"
            "print(fields(lat))\n"
            "image(lat)\n", tmp_path)
    assert r.returncode == 0, r.stderr
    t, W = np.load(tmp_path / "t.npy"), np.load(tmp_path / "W.npy")
    assert t.shape == (6, 6) and np.isfinite(t).all()
    # t = W / se with se > 0: of W's sign.
    assert (np.sign(t) == np.sign(W)).all()
    assert (t / np.where(W == 0, 1, W) > 0).all()
    cells_fields, latents_fields = r.stdout.strip().splitlines()
    assert '"t"' in cells_fields and '"t"' not in latents_fields
    assert sorted(p.name for p in (tmp_path / "figs").iterdir()) == ["01-image.png", "02-image.png"]
