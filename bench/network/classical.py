#!/usr/bin/env python3
"""Which simulated cells drive which: the classical pipeline beside Lariat
(issue 17). Not a test: it prints a table and writes a JSON of results.

For each unit (simulator seed) the movie, the true network and the true
footprints come from Lariat's own `simulate` (through one generated
.lariat script for all units), then each *column* reads a network or
per-cell driver scores from the movie:

  oracle  true footprints -> mask-weighted mean traces -> one
          LassoLarsIC(criterion="bic") per cell on the lag-1 traces
          (with intercept) -> W[i, j] (effect of cell j at t-1 on cell i at t)
  nmf     NMF of the movie (after removing the common multiplicative drift
          and each pixel's baseline) with neurons + 2 components ->
          components matched one-to-one to the true footprints (Hungarian
          on the correlation of spatial maps; the 2 unmatched components,
          which take the background, are dropped) -> the matched components'
          temporal activations as traces -> the same lasso
  calcium (reference, not a pipeline) the same lasso on the simulator's
          true calcium traces: the ceiling of any lag-1 trace pipeline
  var     Lariat's `var(traces, lag=1, lambda="bic")` on the oracle traces
          (saved to .npy, read back by a lariat script)

Traces are standardised (zero mean, unit variance per cell) before every
lasso, so W[i, j] is on one scale for all cells.

Scores per unit: driver AUC (true drivers = cells with any non-zero
off-diagonal out-link in `truth`; score = out-strength sum_{i != j}
|W[i, j]|) and edge AUC (off-diagonal |W[i, j]| against truth[i, j] != 0).
`truth[i, j]` is the effect of neuron j at t-1 on neuron i at t
(Sources/LariatModel/Simulation/SparseNetwork.swift), the same orientation
as W.

The model columns (`model_joint`, `model_two_stage`; one lariat script per
unit, `models.lariat`, fits both modes, so each model is fitted once):
`fit(sim.movie, epochs=30, seed=0, mode=)`, then
`network(m, sim.movie, masks=sim.footprints)` with the model's own lasso VAR
(`own`) and with `lambda=0` (`l0`: least squares refitted on the model's
latents), and `drivers(m, sim.movie)` likewise. From the saved M
(`.prediction`) and L (`.reconstruction`) four readouts of the cell matrix:
`W` = M L^-1 (network's `.matrix`), `minusI` = M - L, `M` alone and
`ridge` = M L' (L L' + 0.1 I)^-1; `map` scores each cell by the drivers
map's footprint-weighted mean (driver AUC only). `latent_traces` is a
diagnostic: least squares from the model's latents to the oracle traces
(fitted on the first 80% of frames; held-out R2 per cell in the JSON),
then the oracle's lasso on the decoded traces. Sub-results are named
`model_joint.own.W`, `model_two_stage.l0.map`, ...; `report.py` turns
results.json into the tables of docs/network.md.

Adding a column: write `def my_column(unit, ctx) -> ColumnResult` (a
matrix n x n, or per-cell driver scores, or both; or a dict of named
ColumnResults) and add it to COLUMNS; `ctx.lariat(script, workdir)` runs a
generated lariat script in the unit's work directory.

Usage: .venv/bin/python bench/network/classical.py [--lariat PATH]
       [--seeds 1 2 3 4 5 6 7 8] [--neurons 10] [--frames 1500] [--size 40]
       [--rate R] [--density D] [--epochs 30] [--work DIR] [--json FILE]
       [--columns calcium oracle nmf var model_joint model_two_stage]
(default binary: $LARIAT_BIN, else .build/release/lariat).
"""
import argparse
import json
import os
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.decomposition import NMF
from sklearn.linear_model import LassoLarsIC
from sklearn.metrics import roc_auc_score

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# --------------------------------------------------------------------------
# Units: one simulated recording with its ground truth


@dataclass
class Unit:
    seed: int
    movie: np.ndarray        # T x H x W
    truth: np.ndarray        # n x n, [i, j] = effect of j at t-1 on i at t
    footprints: np.ndarray   # n x H x W
    calcium: np.ndarray      # T x n, the simulator's true calcium (for the ceiling column)
    workdir: str
    cache: dict = field(default_factory=dict)

    @property
    def n(self):
        return self.truth.shape[0]

    def drivers(self):
        off = self.truth.copy()
        np.fill_diagonal(off, 0)
        return (off != 0).any(axis=0)

    def edges(self):
        return self.truth != 0


@dataclass
class ColumnResult:
    matrix: Optional[np.ndarray] = None    # n x n, [i, j] = effect of j on i
    drivers: Optional[np.ndarray] = None   # n driver scores (default: out-strength of matrix)
    cells: Optional[np.ndarray] = None     # bool n: cells scored (default all)
    info: dict = field(default_factory=dict)


class Context:
    def __init__(self, lariat, simulate_args=None, epochs=30):
        self.lariat_bin = lariat
        self.simulate_args = simulate_args   # seed -> simulate()'s arguments
        self.epochs = epochs

    def lariat(self, script, workdir, name="column.lariat"):
        """Runs a lariat script in workdir; returns its stdout."""
        path = os.path.join(workdir, name)
        with open(path, "w") as f:
            f.write(script)
        r = subprocess.run([self.lariat_bin, "run", name, "--out", "figures"],
                           cwd=workdir, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"lariat run {path} failed:\n{r.stdout}\n{r.stderr}")
        return r.stdout


def simulate_units(ctx, seeds, neurons, frames, size, work, extra=""):
    """One generated .lariat script saves every unit's movie, truth,
    footprints and true calcium. `extra`: more simulate() options, e.g.
    ", rate=0.3"."""
    os.makedirs(work, exist_ok=True)
    lines = []
    for s in seeds:
        d = os.path.join(work, f"unit{s}")
        os.makedirs(d, exist_ok=True)
        lines += [f"s{s} = simulate(neurons={neurons}, frames={frames}, size={size}, seed={s}{extra})",
                  f'save(s{s}.movie, "unit{s}/movie.npy")',
                  f'save(s{s}.truth, "unit{s}/truth.npy")',
                  f'save(s{s}.footprints, "unit{s}/footprints.npy")',
                  f'save(s{s}.activity, "unit{s}/calcium.npy")']
    ctx.lariat("\n".join(lines) + "\n", work, "simulate.lariat")
    units = []
    for s in seeds:
        d = os.path.join(work, f"unit{s}")
        units.append(Unit(seed=s, movie=np.load(f"{d}/movie.npy"), truth=np.load(f"{d}/truth.npy"),
                          footprints=np.load(f"{d}/footprints.npy"),
                          calcium=np.load(f"{d}/calcium.npy"), workdir=d))
    return units


# --------------------------------------------------------------------------
# Building blocks


def mask_traces(movie, masks):
    """T x n: each mask's weighted mean of every frame."""
    T = movie.shape[0]
    M = masks.reshape(masks.shape[0], -1)
    return movie.reshape(T, -1) @ M.T / M.sum(axis=1)


def standardise(X):
    sd = X.std(axis=0)
    return (X - X.mean(axis=0)) / np.where(sd > 0, sd, 1)


def lasso_var_bic(traces):
    """One LassoLarsIC(criterion="bic") per series on the lag-1 series, intercept."""
    X, Y = traces[:-1], traces[1:]
    n = traces.shape[1]
    W = np.zeros((n, n))
    for i in range(n):
        W[i] = LassoLarsIC(criterion="bic").fit(X, Y[:, i]).coef_
    return W


def out_strength(W):
    A = np.abs(W).copy()
    np.fill_diagonal(A, 0)
    return A.sum(axis=0)


def auc(labels, scores):
    labels = np.asarray(labels, bool)
    if labels.all() or not labels.any():
        return float("nan")
    return float(roc_auc_score(labels, scores))


def oracle_traces(unit):
    if "oracle_traces" not in unit.cache:
        unit.cache["oracle_traces"] = standardise(mask_traces(unit.movie, unit.footprints))
    return unit.cache["oracle_traces"]


# --------------------------------------------------------------------------
# Columns: function(unit, ctx) -> ColumnResult


def calcium_column(unit, ctx):
    """Not a pipeline: the same lasso on the simulator's true calcium (no
    movie, no noise, no footprint overlap). What lag-1 traces can carry at
    all on this simulator: the ceiling for every trace-based column."""
    return ColumnResult(matrix=lasso_var_bic(standardise(unit.calcium)))


def oracle_column(unit, ctx):
    return ColumnResult(matrix=lasso_var_bic(oracle_traces(unit)))


def nmf_cells(movie, n, extra=2, seed=0):
    """NMF cells: spatial maps (k x H x W) and temporal activations (T x k).

    The simulator's drift multiplies every pixel, so each frame is first
    divided by its median over pixels (relative to the median of medians);
    then each pixel's 10th percentile over time is subtracted and negatives
    clipped. k = n + extra components (the extra ones take what is left of
    the background)."""
    T, H, W = movie.shape
    Y = movie.reshape(T, -1).astype(np.float64)
    med = np.median(Y, axis=1)
    Y = Y / (med / med.mean())[:, None]
    Y = np.clip(Y - np.percentile(Y, 10, axis=0), 0, None)
    warnings.filterwarnings("ignore", message="Maximum number of iterations")
    model = NMF(n_components=n + extra, init="nndsvda", max_iter=400, tol=1e-4, random_state=seed)
    C = model.fit_transform(Y)            # T x k
    S = model.components_                 # k x HW
    return S.reshape(-1, H, W), C


def match_components(maps, footprints):
    """Hungarian matching of components to footprints on spatial correlation.
    Returns comp[i] (component of cell i, -1 if none) and the correlations."""
    A = maps.reshape(maps.shape[0], -1)
    B = footprints.reshape(footprints.shape[0], -1)
    A = A - A.mean(1, keepdims=True); A /= np.linalg.norm(A, axis=1, keepdims=True) + 1e-12
    B = B - B.mean(1, keepdims=True); B /= np.linalg.norm(B, axis=1, keepdims=True) + 1e-12
    C = B @ A.T                           # cells x components
    rows, cols = linear_sum_assignment(-C)
    comp = -np.ones(B.shape[0], int)
    comp[rows] = cols
    return comp, C[rows, cols]


def nmf_column(unit, ctx):
    maps, act = nmf_cells(unit.movie, unit.n)
    comp, corr = match_components(maps, unit.footprints)
    cells = comp >= 0
    tr = standardise(act[:, comp[cells]])
    Wm = lasso_var_bic(tr)
    W = np.zeros((unit.n, unit.n))
    idx = np.flatnonzero(cells)
    W[np.ix_(idx, idx)] = Wm
    return ColumnResult(matrix=W, cells=cells,
                        info={"match_corr_mean": float(np.mean(corr)),
                              "match_corr_min": float(np.min(corr))})


def var_column(unit, ctx):
    np.save(os.path.join(unit.workdir, "oracle_traces.npy"), oracle_traces(unit))
    ctx.lariat('v = var(load("oracle_traces.npy"), lag=1, lambda="bic")\n'
               'save(v.coefficients, "var_coefficients.npy")\n', unit.workdir, "var.lariat")
    return ColumnResult(matrix=np.load(os.path.join(unit.workdir, "var_coefficients.npy")))


MODES = {"joint": "joint", "two_stage": "two-stage"}
VARS = {"own": "", "l0": ", lambda=0"}   # the model's own lasso VAR; an unpenalised VAR refitted on its latents
READOUTS = ("W", "minusI", "M", "ridge")
RIDGE = 0.1


def fit_models(unit, ctx):
    """One lariat script per unit: the unit's simulation again (same options,
    so `sim.movie` is the movie the classical columns read), then for each
    mode (joint, two-stage) `fit(sim.movie, epochs=EPOCHS, seed=0, mode=)`,
    `network(m, sim.movie, masks=sim.footprints)` with the model's own VAR
    and with `lambda=0`, `drivers(m, sim.movie)` likewise, and the latents;
    everything saved to .npy in the unit's directory. Cached per unit, so
    model_joint and model_two_stage share the run (each model fitted once)."""
    if "models" in unit.cache:
        return unit.cache["models"]
    lines = [f"sim = simulate({ctx.simulate_args(unit.seed)})", 'save(sim.movie, "model_movie.npy")']
    for key, mode in MODES.items():
        lines += [f'm_{key} = fit(sim.movie, epochs={ctx.epochs}, seed=0, mode="{mode}")',
                  f'save(m_{key}.latents, "{key}_latents.npy")',
                  f'print("SCORE {key} dynamics_gain", m_{key}.scores.dynamics_gain)',
                  f'print("SCORE {key} reconstruction_r2", m_{key}.scores.reconstruction_r2)',
                  f'print("SCORE {key} prediction_ratio", m_{key}.scores.prediction_ratio)']
        for v, arg in VARS.items():
            lines += [f"n = network(m_{key}, sim.movie, masks=sim.footprints{arg})",
                      f'save(n.matrix, "{key}_{v}_matrix.npy")',
                      f'save(n.prediction, "{key}_{v}_M.npy")',
                      f'save(n.reconstruction, "{key}_{v}_L.npy")',
                      f'save(n.drivers, "{key}_{v}_drivers.npy")',
                      f"d = drivers(m_{key}, sim.movie{arg})",
                      f'save(d.map, "{key}_{v}_map.npy")']
    t = time.time()
    out = ctx.lariat("\n".join(lines) + "\n", unit.workdir, "models.lariat")
    scores = {}
    for line in out.splitlines():
        if line.startswith("SCORE "):
            _, key, name, value = line.split()[:4]
            scores.setdefault(key, {})[name] = float(value)
    mv = np.load(os.path.join(unit.workdir, "model_movie.npy"))
    unit.cache["models"] = {"scores": scores, "seconds": round(time.time() - t, 1),
                            "same_movie": bool(np.array_equal(mv, unit.movie))}
    return unit.cache["models"]


def readouts(M, L):
    """The cell matrix read from M (prediction) and L (reconstruction)."""
    return {"W": M @ np.linalg.inv(L),
            "minusI": M - L,
            "M": M,
            "ridge": M @ L.T @ np.linalg.inv(L @ L.T + RIDGE * np.eye(L.shape[0]))}


def latent_traces_column(unit, Z, holdout=0.2):
    """Diagnostic, not a readout of the model's dynamics: do the latents
    linearly contain the cells' traces? Least squares from the latents (with
    intercept) to the oracle mask traces, fitted on the first 80% of frames;
    held-out R2 per cell on the last 20%; then the classical lasso (BIC) on
    the traces decoded from the latents (all frames)."""
    T = Z.shape[0]
    n_tr = int(round(T * (1 - holdout)))
    X = np.hstack([Z, np.ones((T, 1))])
    Y = oracle_traces(unit)
    B, *_ = np.linalg.lstsq(X[:n_tr], Y[:n_tr], rcond=None)
    P = X @ B
    res = ((Y[n_tr:] - P[n_tr:]) ** 2).sum(0)
    tot = ((Y[n_tr:] - Y[n_tr:].mean(0)) ** 2).sum(0)
    r2 = 1 - res / tot
    return ColumnResult(matrix=lasso_var_bic(standardise(P)),
                        info={"r2": [round(float(x), 3) for x in r2]})


def model_network_column(unit, ctx, key="joint"):
    """The fitted model's network read with the true footprints as masks
    (every readout of M and L, with the model's own VAR and with lambda=0),
    its mask-free drivers map scored per cell (footprint-weighted mean of
    the map), and the latent-traces diagnostic. Returns sub-results named
    "<VAR>.<readout>", "<VAR>.map", "latent_traces"."""
    info = fit_models(unit, ctx)
    d = unit.workdir
    fp = unit.footprints.reshape(unit.n, -1)
    subs = {}
    for v in VARS:
        M = np.load(f"{d}/{key}_{v}_M.npy")
        L = np.load(f"{d}/{key}_{v}_L.npy")
        R = readouts(M, L)
        net_matrix = np.load(f"{d}/{key}_{v}_matrix.npy")
        for r in READOUTS:
            subs[f"{v}.{r}"] = ColumnResult(matrix=R[r])
        subs[f"{v}.W"].info = {"matrix_vs_ML^-1": float(np.abs(net_matrix - R["W"]).max()),
                               "cond_L": float(np.linalg.cond(L))}
        dmap = np.load(f"{d}/{key}_{v}_map.npy")
        subs[f"{v}.map"] = ColumnResult(drivers=fp @ dmap.ravel() / fp.sum(axis=1))
    subs["latent_traces"] = latent_traces_column(unit, np.load(f"{d}/{key}_latents.npy"))
    subs["own.W"].info.update({"scores": info["scores"].get(key, {}), "same_movie": info["same_movie"]})
    return subs


COLUMNS: dict[str, Callable] = {
    "calcium": calcium_column,
    "oracle": oracle_column,
    "nmf": nmf_column,
    "var": var_column,
    "model_joint": lambda u, c: model_network_column(u, c, "joint"),
    "model_two_stage": lambda u, c: model_network_column(u, c, "two_stage"),
}
DEFAULT_COLUMNS = ["calcium", "oracle", "nmf", "var"]


def score(unit, res):
    cells = res.cells if res.cells is not None else np.ones(unit.n, bool)
    drv = res.drivers if res.drivers is not None else out_strength(res.matrix)
    out = {"driver_auc": auc(unit.drivers()[cells], drv[cells]), "edge_auc": float("nan")}
    if res.matrix is not None:
        idx = np.flatnonzero(cells)
        T = unit.edges()[np.ix_(idx, idx)]
        W = np.abs(res.matrix[np.ix_(idx, idx)])
        off = ~np.eye(len(idx), dtype=bool)
        out["edge_auc"] = auc(T[off], W[off])
    out.update(res.info)
    return out


# --------------------------------------------------------------------------


def nanmean(xs):
    xs = [x for x in xs if x == x]
    return float(np.mean(xs)) if xs else float("nan")


def fmt(x):
    return "nan" if x != x else f"{x:.2f}"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--lariat", default=os.environ.get("LARIAT_BIN", os.path.join(ROOT, ".build/release/lariat")))
    p.add_argument("--seeds", type=int, nargs="+", default=list(range(1, 9)))
    p.add_argument("--neurons", type=int, default=10)
    p.add_argument("--frames", type=int, default=1500)
    p.add_argument("--size", type=int, default=40)
    p.add_argument("--rate", type=float, default=None, help="simulate(rate=) (default: the simulator's, 0.08)")
    p.add_argument("--density", type=float, default=None, help="simulate(density=) (default 0.05)")
    p.add_argument("--epochs", type=int, default=30, help="fit(epochs=) for the model columns")
    p.add_argument("--columns", nargs="+", default=DEFAULT_COLUMNS, choices=sorted(COLUMNS))
    p.add_argument("--work", default="/tmp/lariat-network-bench")
    p.add_argument("--json", default=None, help="results file (default WORK/results.json)")
    a = p.parse_args()
    extra = "".join(f", {k}={v}" for k, v in (("rate", a.rate), ("density", a.density)) if v is not None)
    ctx = Context(os.path.abspath(a.lariat),
                  simulate_args=lambda seed: f"neurons={a.neurons}, frames={a.frames}, size={a.size}, seed={seed}{extra}",
                  epochs=a.epochs)
    work = os.path.abspath(a.work)
    path = a.json or os.path.join(work, "results.json")
    t0 = time.time()
    units = simulate_units(ctx, a.seeds, a.neurons, a.frames, a.size, work, extra)
    print(f"simulated {len(units)} units ({a.neurons} neurons, {a.frames} frames, "
          f"{a.size}x{a.size}{extra}) in {time.time() - t0:.1f} s", file=sys.stderr)

    options = {"seeds": a.seeds, "neurons": a.neurons, "frames": a.frames, "size": a.size,
               "rate": a.rate, "density": a.density, "epochs": a.epochs, "columns": a.columns,
               "lariat": ctx.lariat_bin}
    results, names = {}, []
    for u in units:
        results[u.seed] = {"drivers": int(u.drivers().sum()), "links": int((u.edges() & ~np.eye(u.n, dtype=bool)).sum())}
        for name in a.columns:
            t = time.time()
            res = COLUMNS[name](u, ctx)
            subs = res if isinstance(res, dict) else {"": res}
            for sub, r in subs.items():
                full = f"{name}.{sub}" if sub else name
                results[u.seed][full] = score(u, r)
                if full not in names:
                    names.append(full)
            results[u.seed][f"{name}.seconds"] = round(time.time() - t, 2)
        print(f"unit {u.seed} done ({time.time() - t0:.0f} s)", file=sys.stderr)
        with open(path, "w") as fh:   # partial results after every unit
            json.dump({"options": options, "units": {str(s): results[s] for s in results},
                       "columns": names, "seconds": round(time.time() - t0, 1), "complete": False}, fh, indent=1)

    # one row per column (readout), one cell per unit: "driver / edge" AUC
    print("| column | " + " | ".join(f"unit {s}" for s in a.seeds) + " | mean |")
    print("|---|" + "---|" * (len(a.seeds) + 1))
    print("| drivers / links | " + " | ".join(f"{results[s]['drivers']} / {results[s]['links']}" for s in a.seeds) + " | |")
    mean = {}
    for c in names:
        mean[c] = {k: nanmean([results[s][c][k] for s in a.seeds]) for k in ("driver_auc", "edge_auc")}
        print(f"| {c} | " + " | ".join(f"{fmt(results[s][c]['driver_auc'])} / {fmt(results[s][c]['edge_auc'])}"
                                       for s in a.seeds) +
              f" | **{fmt(mean[c]['driver_auc'])} / {fmt(mean[c]['edge_auc'])}** |")

    out = {"options": options, "units": {str(s): results[s] for s in a.seeds}, "columns": names, "mean": mean,
           "seconds": round(time.time() - t0, 1), "complete": True}
    with open(path, "w") as fh:
        json.dump(out, fh, indent=1)
    print(f"results: {path} ({time.time() - t0:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
