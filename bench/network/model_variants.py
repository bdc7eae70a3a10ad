"""Variants of the parts model's cell read, measured before building any of
them into Lariat (issue 17, session 10): model seeds and seed ensembles,
joint against two-stage over model seeds, one latent per detected cell,
the calcium-aware VAR on the model's own latents, and training on a movie
scaled per pixel.

    .venv/bin/python bench/network/model_variants.py --lariat .build/release/lariat --work /tmp/model-variants

Units `simulate(neurons=10, frames=1500, size=40, seed=S)`, S = 1..16 (the
units of model_cells.py, fixed before any result), driver / edge AUC as
model_cells.py scores them. Per unit, with `decoder="parts"` and 30 epochs:

- `two.sK`, `joint.sK`: `fit(..., mode=..., seed=K)`, K = 0..3, then
  `network(m, sim.movie, masks=sim.footprints)` (the cell read);
- `two.ensemble_traces`, `two.ensemble_W` (and joint): the four models'
  cell traces averaged and read once (the deconv-ema design, numpy), or
  their normalised off-diagonal |W| averaged;
- `one_latent_per_cell`: `fit(..., latent=len(cells(sim.movie).masks))`
  (joint), so no latent is spare;
- `latent_var.all`: the calcium-aware design (ceiling.py's deconv-ema
  without dF/F: AR(1) innovations on their 0.8-filtered past, least
  squares) fitted on all 16 standardised latents of `two.s0` / `joint.s0`,
  mapped to cells by P C P^+ with P the least-squares map from latents to
  the cell traces; `latent_var.cells`: the same on the latents that best
  match each cell (|correlation| with its trace), no spare latents;
- `pixel_scaled.sK` (two-stage, K = 0, 1): trained on `x = movie / w`, w
  each pixel's standard deviation over time divided by its mean (so dim
  pixels weigh as much as bright ones in the loss), read on the original
  scale: the footprint traces of `reconstruct(m, x) * w`, then the same
  design as the cell read (numpy);
- `deconv_ema`: the strongest simple alternative on the true-footprint
  traces, no model.

Prints the means per set (seeds 1..8, 9..16) and writes
WORK/model_variants.json. A unit whose outputs exist in WORK is not run
again.
"""
import argparse
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from model_cells import deconv_ema, run  # noqa: E402
from model_parts import aucs  # noqa: E402
from ceiling import ar1_innov, ema, fit_rows  # noqa: E402

SIM = "sim = simulate(neurons=10, frames=1500, size=40, seed={seed})\n"

FITS = """save(sim.truth, "truth.npy")
save(traces(sim.movie, sim.footprints), "F.npy")
{fits}c = cells(sim.movie)
m = fit(sim.movie, epochs=30, seed=0, decoder="parts", latent=len(c.masks))
net = network(m, sim.movie, masks=sim.footprints)
save(net.matrix, "nc_W.npy")
w = std(sim.movie, axis=0)
w = w / mean(w)
x = sim.movie / w
m = fit(x, epochs=30, seed=0, decoder="parts", mode="two-stage")
save(traces(reconstruct(m, x) * w, sim.footprints), "wr_tr.npy")
m = fit(x, epochs=30, seed=1, decoder="parts", mode="two-stage")
save(traces(reconstruct(m, x) * w, sim.footprints), "wr1_tr.npy")
"""

FIT = """m = fit(sim.movie, epochs=30, seed={k}, decoder="parts", mode="{mode}")
net = network(m, sim.movie, masks=sim.footprints)
save(net.matrix, "{key}_W.npy")
save(net.traces, "{key}_tr.npy")
{latents}"""

# File keys: seed 0 as "two"/"joint", seeds 1..3 as "sKt"/"sKj".
def key(mode, k):
    return ("two" if mode == "two-stage" else "joint") if k == 0 else f"s{k}{'t' if mode == 'two-stage' else 'j'}"


def normalised(W):
    W = np.abs(W).copy()
    np.fill_diagonal(W, 0)
    return W / W.sum()


def calcium_design(z):
    u = ar1_innov(z)
    return fit_rows(u[1:], ema(u, 0.8)[:-1], "ols")


def unit(a, seed):
    d = os.path.join(a.work, f"u{seed}")
    os.makedirs(d, exist_ok=True)
    if not os.path.exists(os.path.join(d, "wr1_tr.npy")):
        fits = ""
        for k in range(4):
            for mode in ("two-stage", "joint"):
                lat = f'save(m.latents, "{key(mode, k)}_z.npy")\n' if k == 0 else ""
                fits += FIT.format(k=k, mode=mode, key=key(mode, k), latents=lat)
        run(a.lariat, SIM.format(seed=seed) + FITS.format(fits=fits), d, "variants.lariat")
    truth, F = np.load(f"{d}/truth.npy"), np.load(f"{d}/F.npy").astype(np.float64)
    out = {"deconv_ema": aucs(truth, deconv_ema(F))}
    for mode in ("two-stage", "joint"):
        name = "two" if mode == "two-stage" else "joint"
        keys = [key(mode, k) for k in range(4)]
        for k, kk in enumerate(keys):
            out[f"{name}.s{k}"] = aucs(truth, np.load(f"{d}/{kk}_W.npy"))
        mean_traces = np.mean([np.load(f"{d}/{kk}_tr.npy").astype(np.float64) for kk in keys], axis=0)
        out[f"{name}.ensemble_traces"] = aucs(truth, deconv_ema(mean_traces))
        out[f"{name}.ensemble_W"] = aucs(truth, sum(normalised(np.load(f"{d}/{kk}_W.npy")) for kk in keys))
        z = np.load(f"{d}/{keys[0]}_z.npy").astype(np.float64)
        tr = np.load(f"{d}/{keys[0]}_tr.npy").astype(np.float64)
        zs, ts = (z - z.mean(0)) / z.std(0), (tr - tr.mean(0)) / tr.std(0)
        P, *_ = np.linalg.lstsq(np.column_stack([np.ones(len(zs)), zs]), ts, rcond=None)
        P = P[1:].T
        out[f"{name}.latent_var.all"] = aucs(truth, P @ calcium_design(z) @ np.linalg.pinv(P))
        n = ts.shape[1]
        best = np.abs(np.corrcoef(ts.T, zs.T)[:n, n:]).argmax(1)
        out[f"{name}.latent_var.cells"] = aucs(truth, calcium_design(z[:, best]))
    out["one_latent_per_cell"] = aucs(truth, np.load(f"{d}/nc_W.npy"))
    for k, f in enumerate(("wr_tr", "wr1_tr")):
        out[f"pixel_scaled.s{k}"] = aucs(truth, deconv_ema(np.load(f"{d}/{f}.npy").astype(np.float64)))
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--lariat", default=os.environ.get("LARIAT_BIN", ".build/release/lariat"))
    p.add_argument("--work", required=True)
    p.add_argument("--seeds", type=int, nargs="+", default=list(range(1, 17)))
    a = p.parse_args()
    a.lariat = os.path.abspath(a.lariat)
    os.makedirs(a.work, exist_ok=True)
    res = {s: unit(a, s) for s in a.seeds}
    with open(os.path.join(a.work, "model_variants.json"), "w") as f:
        json.dump({str(s): r for s, r in res.items()}, f, indent=1)
    sets = [[s for s in a.seeds if s <= 8], [s for s in a.seeds if s > 8]]
    print("| read | " + " | ".join(f"seeds {s[0]}..{s[-1]}" for s in sets if s) + " | all |")
    print("|---|" + "---|" * (sum(1 for s in sets if s) + 1))
    for k in res[a.seeds[0]]:
        cells = []
        for group in [g for g in sets if g] + [a.seeds]:
            v = np.array([res[s][k] for s in group])
            cells.append(f"{v[:, 0].mean():.2f} / {v[:, 1].mean():.2f}")
        print(f"| {k} | " + " | ".join(cells) + " |")
    worse = sum(np.mean([res[s][f"joint.s{k}"][0] - res[s][f"two.s{k}"][0] for k in range(4)]) < 0 for s in a.seeds)
    print(f"joint below two-stage in driver AUC (mean over the 4 model seeds) on {worse} of {len(a.seeds)} units")


if __name__ == "__main__":
    main()
