"""How much of the next frame can any dynamics predict on the simulator?
(issue 17: "the VAR has to earn its place: dynamics_gain above 1").

    .venv/bin/python bench/model/prediction_ceiling.py --lariat .build/release/lariat --work /tmp/ceiling-pred
    .venv/bin/python bench/model/prediction_ceiling.py --lariat .build/release/lariat --work /tmp/ceiling-pred-r03 --rate 0.3

Per unit `simulate(neurons=10, frames=1500, size=40, seed=S)`, S = 1..16 (the
units of docs/network.md, fixed before any result), the last 20% of frames
held out as `fit` holds them out. Every number is a held-out one-step gain
over persistence, sum (x_t - x_{t-1})^2 / sum (x_t - xhat_t)^2, above 1 when
the predictor beats holding the last value. Predictors fitted on the first
80% by least squares (sklearn LinearRegression, with an intercept) unless
named otherwise:

On the simulator's noise-free calcium (`sim.activity`, T x 10), no movie:
- `ar1`: each cell from its own last value (decay toward its mean);
- `var1`: every cell from every cell's last value (the VAR(1));
- `var1_bic`: the same, one LassoLarsIC(BIC) per cell;
- `var2`: two lags;
- `drive_oracle`: the last values plus the simulator's hidden drive at t-1
  (`sim.drive`), which sets the spike rates at t through the true network:
  more than any method that sees the movie can know.

On the fitted model's standardised latents (`m.latents`, T x 16), for
`fit(sim.movie, epochs=30, seed=0)` with the default convolutional decoder
and with `decoder="parts"`:
- `lat_ar1`, `lat_var1`, `lat_var1_bic`, `lat_var2_bic`: as above, on the latents;
- `lat_calcium_bic`: calcium-aware latent dynamics, each latent from every
  latent's last value and every latent's AR(1) innovation
  `u_t = z_t - 0.95 z_{t-1}` filtered over the recent past
  (`e_t = 0.5 e_{t-1} + u_t`), one LassoLarsIC(BIC) per latent;
- `lat_model`: the model's own VAR (`m.coefficients`, `m.intercept`) on its
  latents, the latent-space twin of `dynamics_gain`;
- `model`: the model's own `m.scores.dynamics_gain` (pixels: the decoded
  prediction against the decoded held latent), its `prediction_ratio` and
  `ar1_prediction_ratio`.

For the parts decoder, whose decoder is linear in the latents (frames =
a + z D, a from the static image), D is recovered by least squares from the
reconstructions of the training frames, and the same pixel-space gain is
computed for other latent predictions: `px_model` (must equal `model`: the
check that the recovered decoder is the model's), `px_calcium_bic` and
`px_true_latent` (the latent z_t itself as its own "prediction": the most
any latent dynamics could gain in pixels). A latent prediction that beats
holding the latent can still lose in pixels: the reconstruction shrinks
each transient's peak, so the decoded held latent, which overestimates the
decay, partly makes up for that shrinkage (the cross term of the two
errors).

Writes WORK/prediction_ceiling.json and prints the medians, ranges and the
units above 1. A unit whose outputs exist in WORK is not run again.
"""
import argparse
import json
import os
import subprocess

import warnings

import numpy as np
from sklearn.linear_model import LassoLarsIC, LinearRegression

FRAMES, TRAIN = 1500, 1200   # fit holds out the last 20%

SCRIPT = """sim = simulate(neurons=10, frames={frames}, size=40, seed={seed}{extra})
save(sim.activity, "activity.npy")
save(sim.drive, "drive.npy")
save(sim.movie, "movie.npy")
m = fit(sim.movie, epochs=30, seed=0)
save(m.latents, "conv_z.npy")
save(m.coefficients, "conv_B.npy")
save(m.intercept, "conv_c.npy")
save([m.scores.dynamics_gain, m.scores.prediction_ratio, m.scores.ar1_prediction_ratio], "conv_scores.npy")
m = fit(sim.movie, epochs=30, seed=0, decoder="parts")
save(m.latents, "parts_z.npy")
save(m.coefficients, "parts_B.npy")
save(m.intercept, "parts_c.npy")
save(reconstruct(m, sim.movie[0:{train}]), "parts_train_recon.npy")
save([m.scores.dynamics_gain, m.scores.prediction_ratio, m.scores.ar1_prediction_ratio], "parts_scores.npy")
"""


def gain(x, design, train, fit=lambda X, y: LinearRegression().fit(X, y)):
    """Held-out gain over persistence of predicting x_t from design row t-1 (fitted on the training frames)."""
    pred = predictions(x, design, train, fit)
    return float(((x[train - 1:-1] - x[train:]) ** 2).sum() / ((pred - x[train:]) ** 2).sum())


def predictions(x, design, train, fit):
    """Held-out one-step predictions of x_t, t = train..T-1, from design row t-1."""
    X, y, n = design[:-1], x[1:], train - 1
    return np.column_stack([fit(X[:n], y[:n, i]).predict(X[n:]) for i in range(x.shape[1])])


def ema(x, r):
    out, acc = np.zeros_like(x), np.zeros(x.shape[1])
    for t in range(len(x)):
        acc = r * acc + x[t]
        out[t] = acc
    return out


def per_series_ar1(x, train):
    y, prev, n = x[1:], x[:-1], train - 1
    pred = np.column_stack([LinearRegression().fit(prev[:n, [i]], y[:n, i]).predict(prev[n:, [i]])
                            for i in range(x.shape[1])])
    return float(((prev[n:] - y[n:]) ** 2).sum() / ((pred - y[n:]) ** 2).sum())


def unit(a, seed):
    d = os.path.join(a.work, f"unit{seed}")
    os.makedirs(d, exist_ok=True)
    if not os.path.exists(os.path.join(d, "parts_train_recon.npy")):
        extra = f", rate={a.rate}" if a.rate is not None else ""
        with open(os.path.join(d, "unit.lariat"), "w") as f:
            f.write(SCRIPT.format(frames=FRAMES, train=TRAIN, seed=seed, extra=extra))
        r = subprocess.run([a.lariat, "run", "unit.lariat"], cwd=d, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"{d}: {r.stdout[-2000:]}\n{r.stderr[-2000:]}")
    C = np.load(f"{d}/activity.npy").astype(np.float64)
    D = np.load(f"{d}/drive.npy").astype(np.float64)
    T, train = len(C), TRAIN
    bic = lambda X, y: LassoLarsIC(criterion="bic").fit(X, y)
    lag2 = np.column_stack([C, np.vstack([C[:1], C[:-1]])])
    out = {
        "ar1": per_series_ar1(C, train),
        "var1": gain(C, C, train),
        "var1_bic": gain(C, C, train, bic),
        "var2": gain(C, lag2, train),
        "drive_oracle": gain(C, np.column_stack([C, D]), train),
    }
    for dec in ("conv", "parts"):
        z = np.load(f"{d}/{dec}_z.npy").astype(np.float64)
        s = np.load(f"{d}/{dec}_scores.npy")
        B, c = np.load(f"{d}/{dec}_B.npy"), np.load(f"{d}/{dec}_c.npy")
        zlag2 = np.column_stack([z, np.vstack([z[:1], z[:-1]])])
        u = np.zeros_like(z)
        u[1:] = z[1:] - 0.95 * z[:-1]
        calcium = np.column_stack([z, ema(u, 0.5)])
        out[f"{dec}.lat_ar1"] = per_series_ar1(z, train)
        out[f"{dec}.lat_var1"] = gain(z, z, train)
        out[f"{dec}.lat_var1_bic"] = gain(z, z, train, bic)
        out[f"{dec}.lat_var2_bic"] = gain(z, zlag2, train, bic)
        out[f"{dec}.lat_calcium_bic"] = gain(z, calcium, train, bic)
        held, y = z[train - 1:-1], z[train:]
        model_pred = held @ B.T + c
        out[f"{dec}.lat_model"] = float(((held - y) ** 2).sum() / ((model_pred - y) ** 2).sum())
        if dec == "parts":
            # The decoder, linear in the latents: training reconstructions = a + z D.
            R = np.load(f"{d}/parts_train_recon.npy").astype(np.float64).reshape(train, -1)
            coef, *_ = np.linalg.lstsq(np.column_stack([np.ones(train), z[:train]]), R, rcond=None)
            a0, D = coef[0], coef[1:]
            x = np.load(f"{d}/movie.npy").astype(np.float64)[train:].reshape(T - train, -1)
            held_px = a0 + held @ D

            def px(pred):
                return float(((held_px - x) ** 2).sum() / ((a0 + pred @ D - x) ** 2).sum())
            out["parts.px_model"] = px(model_pred)
            out["parts.px_calcium_bic"] = px(predictions(z, calcium, train, bic))
            out["parts.px_true_latent"] = px(y)
        out[f"{dec}.model"] = float(s[0])
        out[f"{dec}.prediction_ratio"] = float(s[1])
        out[f"{dec}.ar1_prediction_ratio"] = float(s[2])
    return out


def main():
    warnings.filterwarnings("ignore")  # LassoLarsIC's notes on near-singular designs
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--lariat", default=os.environ.get("LARIAT_BIN", ".build/release/lariat"))
    p.add_argument("--work", required=True)
    p.add_argument("--seeds", type=int, nargs="+", default=list(range(1, 17)))
    p.add_argument("--rate", type=float, default=None)
    a = p.parse_args()
    a.lariat = os.path.abspath(a.lariat)
    os.makedirs(a.work, exist_ok=True)
    results = {str(s): unit(a, s) for s in a.seeds}
    with open(os.path.join(a.work, "prediction_ceiling.json"), "w") as f:
        json.dump({"rate": a.rate, "seeds": a.seeds, "units": results}, f, indent=1)
    keys = list(next(iter(results.values())).keys())
    print(f"rate {a.rate or 0.08}, seeds {a.seeds[0]}..{a.seeds[-1]}: held-out one-step gain over persistence")
    print("| predictor | median | range | units above 1 |")
    print("|---|---|---|---|")
    for k in keys:
        v = np.array([results[str(s)][k] for s in a.seeds])
        if k.endswith("prediction_ratio"):
            print(f"| {k} (below 1 is better) | {np.median(v):.4f} | {v.min():.4f}-{v.max():.4f} | below 1: {(v < 1).sum()} of {len(v)} |")
        else:
            print(f"| {k} | {np.median(v):.4f} | {v.min():.4f}-{v.max():.4f} | {(v > 1).sum()} of {len(v)} |")
    for dec in ("conv", "parts"):
        below = sum(results[str(s)][f"{dec}.prediction_ratio"] < results[str(s)][f"{dec}.ar1_prediction_ratio"] for s in a.seeds)
        print(f"{dec}: decoded prediction below the per-pixel AR(1) on {below} of {len(a.seeds)} units")


if __name__ == "__main__":
    main()
