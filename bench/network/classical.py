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

Adding a column: write `def my_column(unit, ctx) -> ColumnResult` (a
matrix n x n, or per-cell driver scores, or both) and add it to COLUMNS;
`ctx.lariat(script, files)` runs a generated lariat script in the unit's
work directory (for the model's future `network(m, movie, masks=)` and
`drivers(m, movie).map`, see `model_network_column` below, disabled).

Usage: .venv/bin/python bench/network/classical.py [--lariat PATH]
       [--seeds 1 2 3 4 5 6 7 8] [--neurons 10] [--frames 1500] [--size 40]
       [--rate R] [--density D] [--columns calcium oracle nmf var] [--work DIR] [--json FILE]
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
    def __init__(self, lariat):
        self.lariat_bin = lariat

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


def model_network_column(unit, ctx, mode="joint"):
    """The fitted model's network read with the true footprints as masks, and
    its mask-free drivers map scored per cell. `network` and `drivers` do
    not exist yet: enable with --columns model_joint model_two_stage once
    they do."""
    np.save(os.path.join(unit.workdir, "footprints.npy"), unit.footprints)
    ctx.lariat(f'm = fit(load("movie.npy"), mode="{mode}", seed=0)\n'
               'net = network(m, load("movie.npy"), masks=load("footprints.npy"))\n'
               'save(net.matrix, "model_matrix.npy")\n'
               'save(drivers(m, load("movie.npy")).map, "model_drivers.npy")\n',
               unit.workdir, f"model_{mode}.lariat")
    W = np.load(os.path.join(unit.workdir, "model_matrix.npy"))
    dmap = np.load(os.path.join(unit.workdir, "model_drivers.npy"))
    fp = unit.footprints.reshape(unit.n, -1)
    per_cell = fp @ dmap.ravel() / fp.sum(axis=1)
    return ColumnResult(matrix=W, info={"drivers_map_auc": auc(unit.drivers(), per_cell)})


COLUMNS: dict[str, Callable] = {
    "calcium": calcium_column,
    "oracle": oracle_column,
    "nmf": nmf_column,
    "var": var_column,
    "model_joint": lambda u, c: model_network_column(u, c, "joint"),
    "model_two_stage": lambda u, c: model_network_column(u, c, "two-stage"),
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


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--lariat", default=os.environ.get("LARIAT_BIN", os.path.join(ROOT, ".build/release/lariat")))
    p.add_argument("--seeds", type=int, nargs="+", default=list(range(1, 9)))
    p.add_argument("--neurons", type=int, default=10)
    p.add_argument("--frames", type=int, default=1500)
    p.add_argument("--size", type=int, default=40)
    p.add_argument("--rate", type=float, default=None, help="simulate(rate=) (default: the simulator's, 0.08)")
    p.add_argument("--density", type=float, default=None, help="simulate(density=) (default 0.05)")
    p.add_argument("--columns", nargs="+", default=DEFAULT_COLUMNS, choices=sorted(COLUMNS))
    p.add_argument("--work", default="/tmp/lariat-network-bench")
    p.add_argument("--json", default=None, help="results file (default WORK/results.json)")
    a = p.parse_args()
    ctx = Context(os.path.abspath(a.lariat))
    work = os.path.abspath(a.work)
    t0 = time.time()
    extra = "".join(f", {k}={v}" for k, v in (("rate", a.rate), ("density", a.density)) if v is not None)
    units = simulate_units(ctx, a.seeds, a.neurons, a.frames, a.size, work, extra)
    print(f"simulated {len(units)} units ({a.neurons} neurons, {a.frames} frames, "
          f"{a.size}x{a.size}{extra}) in {time.time() - t0:.1f} s", file=sys.stderr)

    results = {}
    for u in units:
        results[u.seed] = {"drivers": int(u.drivers().sum()), "links": int((u.edges() & ~np.eye(u.n, dtype=bool)).sum())}
        for name in a.columns:
            t = time.time()
            results[u.seed][name] = score(u, COLUMNS[name](u, ctx))
            results[u.seed][name]["seconds"] = round(time.time() - t, 2)
        print(f"unit {u.seed} done ({time.time() - t0:.0f} s)", file=sys.stderr)

    head = "| unit | drivers | links | " + " | ".join(f"{c} driver | {c} edge" for c in a.columns) + " |"
    print(head)
    print("|" + "---|" * (3 + 2 * len(a.columns)))
    f = lambda x: "nan" if x != x else f"{x:.2f}"
    for s in a.seeds:
        r = results[s]
        print(f"| {s} | {r['drivers']} | {r['links']} | " +
              " | ".join(f"{f(r[c]['driver_auc'])} | {f(r[c]['edge_auc'])}" for c in a.columns) + " |")
    mean = {c: {k: float(np.nanmean([results[s][c][k] for s in a.seeds])) for k in ("driver_auc", "edge_auc")}
            for c in a.columns}
    print("| mean | | | " + " | ".join(f"{f(mean[c]['driver_auc'])} | {f(mean[c]['edge_auc'])}" for c in a.columns) + " |")

    out = {"options": {"seeds": a.seeds, "neurons": a.neurons, "frames": a.frames, "size": a.size,
                       "rate": a.rate, "density": a.density, "columns": a.columns},
           "units": {str(s): results[s] for s in a.seeds}, "mean": mean,
           "seconds": round(time.time() - t0, 1)}
    path = a.json or os.path.join(work, "results.json")
    with open(path, "w") as fh:
        json.dump(out, fh, indent=1)
    print(f"results: {path} ({time.time() - t0:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
