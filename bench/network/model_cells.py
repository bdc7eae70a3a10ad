"""The model's network read in cell coordinates (`network(m, movie, masks=)`,
read="cells", the default since session 8) beside the strongest simple
alternative and the classical oracle, on the simulator's units (issue 17).

    .venv/bin/python bench/network/model_cells.py --lariat .build/release/lariat --work /tmp/model-cells
    .venv/bin/python bench/network/model_cells.py --lariat .build/release/lariat --work /tmp/model-cells-r03 --rate 0.3

Per unit `simulate(neurons=10, frames=1500, size=40, seed=S)`, S = 1..16
(1..8 and 9..16 reported as two sets, both fixed before any result), and per
decoder (the default convolutional one, `decoder="parts"`) and mode (joint,
two-stage) one `fit(sim.movie, epochs=30, seed=0, ...)`, then

- `network(m, sim.movie, masks=sim.footprints)`: the model's cell traces
  (its reconstruction under the true footprints) in the calcium-aware design;
- `network(..., read="latents")`: the Jacobian read through the VAR on the
  latents (the previous default; BIC refit);
- `drivers(m, sim.movie)`: no masks; regions found by `cells(sim.movie)`.

Columns computed here from the same movie, without the model:

- `oracle`: true footprints -> mask traces -> LassoLarsIC(BIC) per cell (the
  textbook pipeline of the issue);
- `deconv_ema`: the same mask traces in the calcium-aware design, least
  squares (bench/network/RESEARCH.md section 5: the strongest simple
  alternative measured), computed by numpy/scipy, not by Lariat;
- `cells_deconv_ema` (mask-free): `cells(sim.movie)` regions -> their mask
  traces -> the same design -> out-strength painted over the regions: what
  `drivers` gives without the model.

Scores as classical.py: driver AUC (true drivers = cells with an off-diagonal
out-link; score = off-diagonal out-strength, or for a map its
footprint-weighted mean over each true cell), edge AUC (off-diagonal |W|
against the true links; the diagonal is not counted). A unit whose outputs
exist in WORK is not run again. Writes WORK/model_cells.json and prints the
tables docs/network.md shows.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np
from sklearn.linear_model import LassoLarsIC

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import model_parts  # noqa: E402
from classical import out_strength  # noqa: E402
from ceiling import ar1_innov, detrend, ema, fit_rows  # noqa: E402

DECODERS = {"conv": "", "parts": ', decoder="parts"'}
MODES = {"joint": "joint", "two_stage": "two-stage"}

UNIT = """sim = simulate({sim})
save(sim.truth, "truth.npy")
save(sim.footprints, "footprints.npy")
save(traces(sim.movie, sim.footprints), "F.npy")
c = cells(sim.movie)
save(c.masks, "regions.npy")
save(c.traces, "regionF.npy")
"""

MODEL = """sim = simulate({sim})
m = fit(sim.movie, epochs={epochs}, seed=0, mode="{mode}"{decoder}{extra})
save(m, "{key}.lariatmodel")
net = network(m, sim.movie, masks=sim.footprints)
save(net.matrix, "{key}_W.npy")
save(net.traces, "{key}_traces.npy")
lat = network(m, sim.movie, masks=sim.footprints, read="latents")
save(lat.matrix, "{key}_Wlatents.npy")
d = drivers(m, sim.movie)
save(d.map, "{key}_map.npy")
save([m.scores.prediction_ratio, m.scores.ar1_prediction_ratio, m.scores.dynamics_gain, m.scores.reconstruction_r2], "{key}_scores.npy")
"""


def run(lariat, script, cwd, name):
    with open(os.path.join(cwd, name), "w") as f:
        f.write(script)
    r = subprocess.run([lariat, "run", name, "--out", "figures"], cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{cwd}/{name} failed:\n{r.stdout}\n{r.stderr}")


def saved_models_args(doc):
    """The arguments of the scripts that read the models this script saved
    in --work (WORK/unitS/parts_{two_stage,joint}.lariatmodel); `a.sim(S)`
    is unit S's simulate() arguments."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lariat", default=os.environ.get("LARIAT_BIN", ".build/release/lariat"))
    ap.add_argument("--work", required=True, help="model_cells.py's --work")
    ap.add_argument("--seeds", type=int, nargs="+", default=list(range(1, 17)))
    ap.add_argument("--frames", type=int, default=1500)
    ap.add_argument("--rate", type=float, default=None)
    a = ap.parse_args()
    a.lariat = os.path.abspath(a.lariat)
    extra = f", rate={a.rate}" if a.rate is not None else ""
    a.sim = lambda seed: f"neurons=10, frames={a.frames}, size=40, seed={seed}{extra}"
    return a


def deconv_ema(F):
    """The strongest simple alternative: dF/F -> AR(1) innovation -> u_t on ema0.8(u)_{t-1}, least squares."""
    s = ar1_innov(detrend(F.astype(np.float64)))
    return fit_rows(s[1:], ema(s, 0.8)[:-1], "ols")


def lasso_bic(F):
    X = (F - F.mean(0)) / F.std(0)
    W = np.zeros((F.shape[1], F.shape[1]))
    for i in range(F.shape[1]):
        W[i] = LassoLarsIC(criterion="bic").fit(X[:-1], X[1:, i]).coef_
    return W


def aucs(truth, W):
    """[driver AUC, edge AUC], as model_parts.py scores them."""
    return [float(x) for x in model_parts.aucs(truth, W)]


def map_auc(truth, footprints, m):
    """[driver AUC of a map (footprint-weighted mean per cell), nan]."""
    return [float(model_parts.map_auc(truth, footprints, m)), float("nan")]


def unit_results(a, seed):
    d = os.path.join(a.work, f"unit{seed}")
    os.makedirs(d, exist_ok=True)
    extra = f", rate={a.rate}" if a.rate is not None else ""
    sim = f"neurons={a.neurons}, frames={a.frames}, size={a.size}, seed={seed}{extra}"
    if not os.path.exists(os.path.join(d, "regionF.npy")):
        run(a.lariat, UNIT.format(sim=sim), d, "unit.lariat")
    truth, fp = np.load(f"{d}/truth.npy"), np.load(f"{d}/footprints.npy")
    F, regions, RF = np.load(f"{d}/F.npy"), np.load(f"{d}/regions.npy"), np.load(f"{d}/regionF.npy")
    out = {"oracle": aucs(truth, lasso_bic(F)), "deconv_ema": aucs(truth, deconv_ema(F))}
    region_map = np.tensordot(out_strength(deconv_ema(RF)), regions, axes=1)
    out["cells_deconv_ema.map"] = map_auc(truth, fp, region_map)
    out["regions"] = int(regions.shape[0])
    for dec in a.decoders:
        for mode in a.modes:
            key = f"{dec}_{mode}"
            if not os.path.exists(f"{d}/{key}_scores.npy"):
                run(a.lariat, MODEL.format(sim=sim, epochs=a.epochs, mode=MODES[mode], decoder=DECODERS[dec], key=key,
                                          extra=a.fit_extra),
                    d, f"{key}.lariat")
            out[f"{key}.cells"] = aucs(truth, np.load(f"{d}/{key}_W.npy"))
            out[f"{key}.latents"] = aucs(truth, np.load(f"{d}/{key}_Wlatents.npy"))
            out[f"{key}.map"] = map_auc(truth, fp, np.load(f"{d}/{key}_map.npy"))
            tr = np.load(f"{d}/{key}_traces.npy")
            corr = [float(np.corrcoef(F[:, i], tr[:, i])[0, 1]) for i in range(F.shape[1])]
            out[f"{key}.cells_tracked"] = int(sum(c >= 0.9 for c in corr))
            s = np.load(f"{d}/{key}_scores.npy")
            out[f"{key}.scores"] = {"prediction_ratio": float(s[0]), "ar1_prediction_ratio": float(s[1]),
                                    "dynamics_gain": float(s[2]), "reconstruction_r2": float(s[3])}
    return out


def fmt(p):
    return " / ".join("-" if x != x else f"{x:.2f}" for x in p)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lariat", default=os.environ.get("LARIAT_BIN", ".build/release/lariat"))
    ap.add_argument("--work", default="/tmp/lariat-model-cells")
    ap.add_argument("--seeds", type=int, nargs="+", default=list(range(1, 17)))
    ap.add_argument("--sets", type=int, default=8, help="report the seeds in sets of this many")
    ap.add_argument("--neurons", type=int, default=10)
    ap.add_argument("--frames", type=int, default=1500)
    ap.add_argument("--size", type=int, default=40)
    ap.add_argument("--rate", type=float, default=None)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--fit-extra", default="", help='more fit() options, e.g. \', shrink_to="persistence"\'')
    ap.add_argument("--decoders", nargs="+", default=list(DECODERS), choices=list(DECODERS))
    ap.add_argument("--modes", nargs="+", default=list(MODES), choices=list(MODES))
    a = ap.parse_args()
    a.lariat = os.path.abspath(a.lariat)
    a.work = os.path.abspath(a.work)
    t0 = time.time()
    results = {}
    for s in a.seeds:
        results[s] = unit_results(a, s)
        print(f"unit {s} done ({time.time() - t0:.0f} s)", file=sys.stderr)
        with open(os.path.join(a.work, "model_cells.json"), "w") as f:
            json.dump({"options": vars(a), "units": results}, f, indent=1)

    rows = ["oracle", "deconv_ema", "cells_deconv_ema.map"]
    for dec in a.decoders:
        for mode in a.modes:
            rows += [f"{dec}_{mode}.cells", f"{dec}_{mode}.latents", f"{dec}_{mode}.map"]
    sets = [a.seeds[i:i + a.sets] for i in range(0, len(a.seeds), a.sets)]
    print("| read | " + " | ".join(f"seeds {s[0]}..{s[-1]}" for s in sets) + " |")
    print("|---|" + "---|" * len(sets))
    for r in rows:
        means = [np.nanmean([results[s][r] for s in group], axis=0) for group in sets]
        print(f"| {r} | " + " | ".join(fmt(m) for m in means) + " |")
    print()
    print("| read | " + " | ".join(str(s) for s in a.seeds) + " |")
    print("|---|" + "---|" * len(a.seeds))
    for r in rows:
        print(f"| {r} | " + " | ".join(fmt(results[s][r]) for s in a.seeds) + " |")
    for dec in a.decoders:
        for mode in a.modes:
            key = f"{dec}_{mode}"
            print(f"| {key}: cells tracked (corr >= 0.9) | " + " | ".join(str(results[s][f'{key}.cells_tracked']) for s in a.seeds) + " |")
            for sc in ("dynamics_gain", "prediction_ratio", "ar1_prediction_ratio"):
                print(f"| {key}: {sc} | " + " | ".join(f"{results[s][f'{key}.scores'][sc]:.3f}" for s in a.seeds) + " |")
    print(f"({time.time() - t0:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
