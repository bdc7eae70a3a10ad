#!/usr/bin/env python3
"""Calcium-aware and unpenalised reads of the cell network from a fitted
model's latents (issue 17; bench/network/RESEARCH.md, 2026-12-03 section).

Per unit, one lariat script fits `fit(sim.movie, epochs=30, seed=0)` (the
convolutional decoder, joint) and `fit(sim.movie, epochs=30, seed=0,
decoder="parts")` (joint), each once, and saves `encode(m, sim.movie)`
(standardised latents, T x d) and `network(m, sim.movie,
masks=sim.footprints, lambda=L)` (.matrix, M, L) for L = "bic" and 0, plus
the oracle traces `traces(sim.movie, sim.footprints)`.

Readouts scored (classical.score: driver and edge AUC):
  net.bic, net.l0        network's own .matrix (M L^-1) at lambda="bic" / 0
  net.l0.minusI          M - L at lambda=0
  sur.<B>                a linear surrogate of network's read, for VARs B
                         that network cannot (yet) fit: E (d x n, latents per
                         unit cell trace) and D (n x d, cell traces per
                         latent) by least squares between the latents Z and
                         the standardised oracle traces F (Z ~ F E', F ~ Z D'),
                         then W = D B E (D E)^-1, network's formula.
                         sanity: sur.ols against net.l0 (same B up to
                         the latents' refit) is reported as a correlation.
  cell.<B>               for latents tied to cells (parts): cell i's latent
                         k(i) = the latent best correlated with its trace
                         (Hungarian), W[i, j] = B[k(i), k(j)]
  sub.<B>                the VAR refitted on the n cell-matched latents only
                         (bic, ols, aic; ema.ols / ema.aic: the best
                         classical design, AR(1) innovation of each latent
                         on ema_0.8 of the innovations at t-1)
  decoded.bic / decoded.ema.ols  diagnostic: traces decoded from the latents
                         (least squares to the mask traces), then the oracle
                         lasso / deconv-ema-OLS of ceiling.py
  B (VAR on the latents, each equation separately, standardised):
    bic / ols / olst     z_t on z_{t-1}: LassoLarsIC BIC, least squares
                         |coef|, least squares |t|
    innov.bic / innov.olst  (z_t - g z_{t-1}) on z_{t-1}, g per latent from
                         acov(2)/acov(1) (the calcium-aware VAR of issue 17)
    innov95.bic          the same with g = 0.95 (the simulator's decay)
    innov.ols            the same, least squares |coef|
    ema.ols / ema.olst   innovation_t on ema_0.8(innovation)_{t-1} (the best
                         classical design of ceiling.py, on latents)

Usage:
  .venv/bin/python bench/network/latent_read.py --lariat /tmp/lariat-h/lariat \
      --seeds 1 2 3 4 5 6 7 8 --work /tmp/latent-read
"""
import argparse
import json
import os
import sys
import time

import numpy as np
from scipy.optimize import linear_sum_assignment

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from classical import ColumnResult, Context, score, standardise  # noqa: E402
from ceiling import TruthUnit, ar1_coef, ar1_innov, detrend, ema, fit_rows  # noqa: E402

MODELS = {"conv": "", "parts": ', decoder="parts"'}


def run_unit(ctx, work, seed, epochs, models, with_network=True):
    d = os.path.join(work, f"unit{seed}")
    os.makedirs(d, exist_ok=True)
    if os.path.exists(os.path.join(d, "done")):
        return d
    lines = [f"sim = simulate(neurons=10, frames=1500, size=40, seed={seed})",
             'save(sim.truth, "truth.npy")', 'save(traces(sim.movie, sim.footprints), "F.npy")']
    for key in models:
        arg = MODELS[key]
        lines += [f"m = fit(sim.movie, epochs={epochs}, seed=0{arg})",
                  f'save(encode(m, sim.movie), "{key}_z.npy")',
                  f'print("SCORE {key} dynamics_gain", m.scores.dynamics_gain)']
        for lam, tag in ((('"bic"', "bic"), ("0", "l0")) if with_network else ()):
            lines += [f"n = network(m, sim.movie, masks=sim.footprints, lambda={lam})",
                      f'save(n.matrix, "{key}_{tag}_W.npy")', f'save(n.prediction, "{key}_{tag}_M.npy")',
                      f'save(n.reconstruction, "{key}_{tag}_L.npy")']
    out = ctx.lariat("\n".join(lines) + "\n", d, "models.lariat")
    with open(os.path.join(d, "stdout.txt"), "w") as f:
        f.write(out)
    open(os.path.join(d, "done"), "w").close()
    return d


def latent_vars(Z):
    """name -> B (d x d, [k, l] effect of latent l at t-1 on k at t; for
    innovation designs the off-diagonal of B - g I)."""
    g = ar1_coef(Z)
    innov = ar1_innov(Z)
    B = {"bic": fit_rows(Z[1:], Z[:-1], "bic"),
         "ols": fit_rows(Z[1:], Z[:-1], "ols"),
         "olst": fit_rows(Z[1:], Z[:-1], "olst"),
         "innov.bic": fit_rows(innov[1:], Z[:-1], "bic"),
         "innov.olst": fit_rows(innov[1:], Z[:-1], "olst"),
         "innov95.bic": fit_rows(ar1_innov(Z, 0.95)[1:], Z[:-1], "bic"),
         "innov.ols": fit_rows(innov[1:], Z[:-1], "ols"),
         "ema.ols": fit_rows(innov[1:], ema(innov, 0.8)[:-1], "ols"),
         "ema.olst": fit_rows(innov[1:], ema(innov, 0.8)[:-1], "olst")}
    return B, g


def readouts(d, key, truth):
    Fraw = np.load(os.path.join(d, "F.npy")).astype(np.float64)
    sd = Fraw.std(0)
    F = standardise(Fraw)
    Z = np.load(os.path.join(d, f"{key}_z.npy")).astype(np.float64)
    n = F.shape[1]
    R = {}
    net = os.path.exists(os.path.join(d, f"{key}_l0_M.npy"))
    if net:
        for tag in ("bic", "l0"):
            R[f"net.{tag}"] = np.load(os.path.join(d, f"{key}_{tag}_W.npy")).astype(np.float64)
        # network's M and L are in raw trace units; in standardised units (as the surrogate)
        M0 = np.load(os.path.join(d, f"{key}_l0_M.npy")).astype(np.float64) * sd[None, :] / sd[:, None]
        L0 = np.load(os.path.join(d, f"{key}_l0_L.npy")).astype(np.float64) * sd[None, :] / sd[:, None]
        R["net.l0.minusI"] = M0 - L0
    # linear surrogate of the encoder and decoder in cell-trace units
    A = np.column_stack([np.ones(len(F)), F])
    E = np.linalg.lstsq(A, Z, rcond=None)[0][1:].T        # d x n
    A = np.column_stack([np.ones(len(Z)), Z])
    D = np.linalg.lstsq(A, F, rcond=None)[0][1:].T        # n x d
    Ls = D @ E
    Bs, g = latent_vars(Z)
    info = {"cond_DE": float(np.linalg.cond(Ls)), "g_mean": float(np.mean(g))}
    # sanity of the surrogate: D B_ols E against network's M at lambda=0
    if net:
        info["surrogate_M_corr"] = float(np.corrcoef((D @ Bs["ols"] @ E).ravel(), M0.ravel())[0, 1])
        info["surrogate_L_corr"] = float(np.corrcoef(Ls.ravel(), L0.ravel())[0, 1])
        info["cond_L"] = float(np.linalg.cond(L0))
    Linv = np.linalg.inv(Ls)
    for name, B in Bs.items():
        R[f"sur.{name}"] = D @ B @ E @ Linv
    # latents tied to cells: Hungarian on |corr(trace, latent)|
    C = np.abs(np.corrcoef(F.T, Z.T)[:n, n:])
    rows, cols = linear_sum_assignment(-C)
    k = cols[np.argsort(rows)]
    info["cell_latent_corr_mean"] = float(C[np.arange(n), k].mean())
    info["cells_with_latent_corr_0.9"] = int((C[np.arange(n), k] >= 0.9).sum())
    for name, B in Bs.items():
        R[f"cell.{name}"] = B[np.ix_(k, k)]
    # the VAR refitted on the n cell-matched latents only (the other d - n
    # latents left out of the regression: they are collinear with the cells'
    # latents and swamp the weak links)
    Zk = Z[:, k]
    uk = ar1_innov(Zk)
    R["sub.bic"] = fit_rows(Zk[1:], Zk[:-1], "bic")
    R["sub.ols"] = fit_rows(Zk[1:], Zk[:-1], "ols")
    R["sub.aic"] = fit_rows(Zk[1:], Zk[:-1], "aic")
    R["sub.ema.ols"] = fit_rows(uk[1:], ema(uk, 0.8)[:-1], "ols")
    R["sub.ema.aic"] = fit_rows(uk[1:], ema(uk, 0.8)[:-1], "aic")
    # diagnostic (a regression on traces, not a read of the model's VAR):
    # the cells' traces decoded from the latents by least squares, then the
    # oracle lasso and deconv-ema-OLS (ceiling.py) on them
    Fh = np.column_stack([np.ones(len(Z)), Z]) @ np.linalg.lstsq(np.column_stack([np.ones(len(Z)), Z]), Fraw, rcond=None)[0]
    R["decoded.bic"] = fit_rows(Fh[1:], Fh[:-1], "bic")
    uh = ar1_innov(detrend(Fh))
    R["decoded.ema.ols"] = fit_rows(uh[1:], ema(uh, 0.8)[:-1], "ols")
    return R, info


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--lariat", default=os.environ.get("LARIAT_BIN", "/tmp/lariat-h/lariat"))
    p.add_argument("--seeds", type=int, nargs="+", default=list(range(1, 9)))
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--work", default="/tmp/latent-read")
    p.add_argument("--json", default=None)
    p.add_argument("--no-fit", action="store_true", help="only score units already fitted")
    p.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    p.add_argument("--no-network", action="store_true", help="only the latents (the surrogate and cell reads)")
    a = p.parse_args()
    ctx = Context(os.path.abspath(a.lariat))
    work = os.path.abspath(a.work)
    res = {}
    t0 = time.time()
    for s in a.seeds:
        d = os.path.join(work, f"unit{s}")
        if not a.no_fit:
            run_unit(ctx, work, s, a.epochs, a.models, not a.no_network)
        if not os.path.exists(os.path.join(d, "done")):
            continue
        truth = np.load(os.path.join(d, "truth.npy"))
        res[str(s)] = {}
        for key in a.models:
            R, info = readouts(d, key, truth)
            res[str(s)][key] = {"info": info,
                                "scores": {n: score(TruthUnit(truth), ColumnResult(matrix=W)) for n, W in R.items()}}
        print(f"unit {s} ({time.time() - t0:.0f} s)", file=sys.stderr)
    path = a.json or os.path.join(work, f"latent_read_{'-'.join(map(str, a.seeds))}.json")
    with open(path, "w") as fh:
        json.dump({"seeds": a.seeds, "units": res}, fh, indent=1)
    print("results:", path, file=sys.stderr)
    seeds = list(res)
    for key in a.models:
        names = [n for n in res[seeds[0]][key]["scores"] if all(n in res[s][key]["scores"] for s in seeds)]
        print(f"\n### {key} (joint), seeds {', '.join(seeds)}\n")
        print("| readout | " + " | ".join(seeds) + " | mean |")
        print("|---|" + "---|" * (len(seeds) + 1))
        for n in names:
            v = [res[s][key]["scores"][n] for s in seeds]
            cells = " | ".join(f"{x['driver_auc']:.2f} / {x['edge_auc']:.2f}" for x in v)
            print(f"| {n} | {cells} | **{np.nanmean([x['driver_auc'] for x in v]):.2f} / "
                  f"{np.nanmean([x['edge_auc'] for x in v]):.2f}** |")
        for f in ("surrogate_M_corr", "surrogate_L_corr", "cond_L", "cond_DE", "cell_latent_corr_mean", "cells_with_latent_corr_0.9"):
            print(f"| info {f} | " + " | ".join(f"{res[s][key]['info'].get(f, float('nan')):.2f}" for s in seeds) + " | |")


if __name__ == "__main__":
    main()
