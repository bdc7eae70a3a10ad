"""The model's network beside the truth, on the simulator's units (issue 17):
`fit(sim.movie, epochs=30, seed=0, decoder="parts", mode=MODE)` for joint and
two-stage, then `network(m, sim.movie, masks=sim.footprints)` (the VAR refitted
on the model's latents at BIC's penalty, the default), the same with
`lambda="model"` (the model's own lasso VAR), and `drivers(m, sim.movie)`.

    .venv/bin/python bench/network/model_parts.py --lariat .build/release/lariat --work /tmp/parts

Units: simulate(neurons=10, frames=1500, size=40, seed=S), S = 1..8 (the
set the readout was chosen on) and 9..16 (confirmation), as classical.py.
A unit whose outputs exist in WORK is not fitted again. Prints driver and
edge AUC per unit and the means per set; writes WORK/parts.json.
"""
import argparse
import json
import os
import subprocess

import numpy as np
from sklearn.metrics import roc_auc_score

SCRIPT = """sim = simulate(neurons={neurons}, frames={frames}, size={size}, seed={seed})
m = fit(sim.movie, epochs=30, seed=0, decoder="parts", mode="{mode}")
net = network(m, sim.movie, masks=sim.footprints)
save(net.matrix, "W.npy")
save(net.prediction, "M.npy")
save(net.reconstruction, "L.npy")
nm = network(m, sim.movie, masks=sim.footprints, lambda="model")
save(nm.matrix, "Wmodel.npy")
d = drivers(m, sim.movie)
save(d.map, "dmap.npy")
save(sim.truth, "truth.npy")
save(sim.footprints, "fp.npy")
save([m.scores.prediction_ratio, m.scores.ar1_prediction_ratio, m.scores.dynamics_gain, m.scores.latent_fvu, m.scores.reconstruction_r2], "scores.npy")
"""


def aucs(truth, W):
    n = len(truth)
    off = ~np.eye(n, dtype=bool)
    drivers = (np.abs(truth) * off).sum(0) > 0
    out = (np.abs(W) * off).sum(0)
    return roc_auc_score(drivers, out), roc_auc_score((truth != 0)[off], np.abs(W)[off])


def map_auc(truth, footprints, dmap):
    n = len(truth)
    drivers = (np.abs(truth) * ~np.eye(n, dtype=bool)).sum(0) > 0
    per_cell = (footprints * dmap).sum(axis=(1, 2)) / footprints.sum(axis=(1, 2))
    return roc_auc_score(drivers, per_cell)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lariat", default=os.environ.get("LARIAT_BIN", ".build/release/lariat"))
    ap.add_argument("--work", default="/tmp/lariat-network-parts")
    ap.add_argument("--seeds", type=int, nargs="+", default=list(range(1, 17)))
    ap.add_argument("--neurons", type=int, default=10)
    ap.add_argument("--frames", type=int, default=1500)
    ap.add_argument("--size", type=int, default=40)
    ap.add_argument("--modes", nargs="+", default=["joint", "two-stage"], choices=["joint", "two-stage"])
    a = ap.parse_args()
    lariat = os.path.abspath(a.lariat)
    rows = []
    for seed in a.seeds:
        for mode in a.modes:
            d = os.path.join(a.work, f"u{seed}-{mode}")
            os.makedirs(d, exist_ok=True)
            if not os.path.exists(os.path.join(d, "scores.npy")):
                with open(os.path.join(d, "n.lariat"), "w") as f:
                    f.write(SCRIPT.format(neurons=a.neurons, frames=a.frames, size=a.size, seed=seed, mode=mode))
                subprocess.run([lariat, "run", "n.lariat"], cwd=d, check=True, capture_output=True)
            load = lambda name: np.load(os.path.join(d, name))
            truth = load("truth.npy")
            net = aucs(truth, load("W.npy"))
            own = aucs(truth, load("Wmodel.npy"))
            M, L = load("M.npy"), load("L.npy")
            minus = aucs(truth, M - L)
            scores = load("scores.npy")
            rows.append(dict(seed=seed, mode=mode, network=net, model_var=own, minus_identity=minus,
                             map=map_auc(truth, load("fp.npy"), load("dmap.npy")),
                             prediction_ratio=scores[0], ar1_ratio=scores[1], dynamics_gain=scores[2],
                             latent_fvu=scores[3], reconstruction_r2=scores[4]))
    print("| unit | mode | network (BIC) driver/edge | model's own VAR | M - L | drivers map | prediction / AR(1) ratio | dynamics gain |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['seed']} | {r['mode']} | {r['network'][0]:.2f}/{r['network'][1]:.2f} | {r['model_var'][0]:.2f}/{r['model_var'][1]:.2f} "
              f"| {r['minus_identity'][0]:.2f}/{r['minus_identity'][1]:.2f} | {r['map']:.2f} "
              f"| {r['prediction_ratio']:.3f} / {r['ar1_ratio']:.3f} | {r['dynamics_gain']:.3f} |")
    for name, seeds in [("units 1-8", range(1, 9)), ("units 9-16", range(9, 17))]:
        for mode in ["joint", "two-stage"]:
            sel = [r for r in rows if r["seed"] in seeds and r["mode"] == mode]
            if not sel:
                continue
            mean = lambda key, i=None: np.mean([r[key][i] if i is not None else r[key] for r in sel])
            print(f"{name} {mode} (n={len(sel)}): network {mean('network', 0):.2f}/{mean('network', 1):.2f}, "
                  f"model's VAR {mean('model_var', 0):.2f}/{mean('model_var', 1):.2f}, M-L {mean('minus_identity', 0):.2f}/{mean('minus_identity', 1):.2f}, "
                  f"map {mean('map'):.2f}, prediction ratio {mean('prediction_ratio'):.3f} (AR(1) {mean('ar1_ratio'):.3f}), "
                  f"dynamics gain {mean('dynamics_gain'):.3f}, beats AR(1) on {sum(r['prediction_ratio'] < r['ar1_ratio'] for r in sel)} of {len(sel)}")
    with open(os.path.join(a.work, "parts.json"), "w") as f:
        json.dump(rows, f, indent=1, default=float)


if __name__ == "__main__":
    main()
