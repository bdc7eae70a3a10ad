#!/usr/bin/env python3
"""Research prototype for issue 17 (numpy/scikit-learn only, no Lariat
model): which latent model lets the cell network be read *through* an
encoder -> sparse VAR on latents -> decoder?

Linear stand-ins for the autoencoder, z_t = E (x_t - mu), xhat = mu + D z
(mu the mean image: the static skip), with
  pca{d}      E = V_d', D = V_d (the optimum of a linear reconstruction AE:
              a two-stage stand-in)
  ica{d}      FastICA on the movie (d components): sparse, independent
              latents (a stand-in for latents a sparse VAR can explain)
  nmf{d}      NMF of the drift-corrected, baseline-subtracted movie: a
              nonnegative decoder D (d x HW parts), E = pinv(D)
  grid{b}     a coarse 2-D latent map: one latent per b x b block
              (E = block mean, D = block indicator)
  cells       oracle: E = mask-averaging rows, D = least squares
  cells+pca8  oracle cells plus 8 PCs of what they leave
Sparse VAR on the standardised latents (one lasso per latent, intercept):
  bic         LassoLarsIC(criterion="bic")
  r0.1        lasso at 0.1 x lambda_max per equation (fit's default)
  r0.01       lasso at 0.01 x lambda_max
  innov       BIC, target z_t - g z_{t-1} (g = 0.95, the calcium decay):
              persistence is penalised towards g instead of 0; A = B + g I
  diff        BIC, dz_t on dz_{t-1} (the VAR on frame differences)
Readouts of the cell network, with the perturbation of cell j its
footprint scaled to a 1-SD change of its mask trace and the response read
by mask means, in SDs (masks = true footprints):
  full        M = P D A E F'
  offdiag     M = P D (A - diag A) E F'         (latent persistence removed)
  minusI      M = P D (A - I) E F'
  occl        full, but the perturbation of cell j read at cell i has cell
              i's own mask zeroed (no overlap leak)
  traces      not a readout: the classical lasso on the *decoded* mask
              traces P xhat_t (does the bottleneck keep the network?)
Mask-free drivers map: the one-step response of every pixel to a blob
probe (Gaussian, sigma 1.5 px, scaled to a 1-SD change) at each pixel,
R = D A' E B, A' = A - diag A ("off"), A ("full") or A - I ("minusI");
a pixel's score is the summed |response| outside a disc of radius 5 px
(or 8: "-r8") around it; a cell's
score is the footprint-weighted mean of the map -> driver AUC.

Usage: .venv/bin/python bench/network/prototype.py [--work DIR] [--rate R]
       [--lariat PATH] [--seeds ...] [--json FILE] [--only REGEX]
       [--encoders pca16 grid5 ...]
The units are simulated by Lariat exactly as in classical.py (same
generated script), and reused when already in --work.
"""
import argparse
import json
import os
import re
import sys
import time
import warnings

import numpy as np
from sklearn.decomposition import NMF, FastICA
from sklearn.linear_model import LassoLars, LassoLarsIC

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from classical import (ROOT, ColumnResult, Context, Unit, auc, lasso_var_bic,  # noqa: E402
                       mask_traces, oracle_traces, score, simulate_units, standardise)

warnings.filterwarnings("ignore")
GAMMA = 0.95


# ---------------------------------------------------------------- encoders

_svd_cache = {}


def enc_pca(X, d):
    key = (id(X), X.shape)
    if key not in _svd_cache:
        _svd_cache.clear()
        _svd_cache[key] = np.linalg.svd(X, full_matrices=False)
    U, s, Vt = _svd_cache[key]
    V = Vt[:d].T
    return V.T, V


def enc_ica(X, d, seed=0):
    ica = FastICA(n_components=d, whiten="unit-variance", random_state=seed, max_iter=500)
    ica.fit(X)
    return ica.components_, ica.mixing_


def nonneg_movie(movie):
    T = movie.shape[0]
    Y = movie.reshape(T, -1).astype(np.float64)
    med = np.median(Y, axis=1)
    Y = Y / (med / med.mean())[:, None]
    return np.clip(Y - np.percentile(Y, 10, axis=0), 0, None)


def enc_nmf(movie, d, seed=0):
    m = NMF(n_components=d, init="nndsvda", max_iter=300, tol=1e-4, random_state=seed)
    m.fit(nonneg_movie(movie))
    D = m.components_.T
    return np.linalg.pinv(D), D


def enc_grid(H, W, b):
    gy, gx = -(-H // b), -(-W // b)
    D = np.zeros((H * W, gy * gx))
    for y in range(H):
        for x in range(W):
            D[y * W + x, (y // b) * gx + x // b] = 1
    E = (D / D.sum(axis=0)).T
    return E, D


def enc_cells(X, fp, extra=0):
    F = fp.reshape(fp.shape[0], -1)
    P = F / F.sum(1, keepdims=True)
    E = P
    if extra:
        Z = X @ P.T
        R = X - Z @ np.linalg.lstsq(Z, X, rcond=None)[0]
        Ep, _ = enc_pca(R, extra)
        E = np.vstack([P, Ep])
    Z = X @ E.T
    D = np.linalg.lstsq(Z, X, rcond=None)[0].T       # HW x d
    return E, D


# ---------------------------------------------------------------- VARs


def lasso_rows(X, Y, how):
    d = Y.shape[1]
    B = np.zeros((d, X.shape[1]))
    Xc, Yc = X - X.mean(0), Y - Y.mean(0)
    for i in range(d):
        if how == "bic":
            B[i] = LassoLarsIC(criterion="bic").fit(X, Y[:, i]).coef_
        else:
            lmax = np.abs(Xc.T @ Yc[:, i]).max() / len(Yc)
            B[i] = LassoLars(alpha=how * lmax).fit(X, Y[:, i]).coef_
    return B


def fit_var(Z, how):
    """Z standardised T x d. Returns A (d x d) on the standardised scale."""
    X, Y = Z[:-1], Z[1:]
    if how == "bic":
        return lasso_rows(X, Y, "bic")
    if how.startswith("r"):
        return lasso_rows(X, Y, float(how[1:]))
    if how == "innov":
        return lasso_rows(X, Y - GAMMA * X, "bic") + GAMMA * np.eye(Z.shape[1])
    if how == "diff":
        dZ = np.diff(Z, axis=0)
        return lasso_rows(dZ[:-1], dZ[1:], "bic")
    raise ValueError(how)


# ---------------------------------------------------------------- readouts


def cell_readouts(E, D, A, unit, Xc):
    """E, D, A on the standardised latent scale. Returns {name: M}."""
    fp = unit.footprints.reshape(unit.n, -1)
    P = fp / fp.sum(1, keepdims=True)
    tr = Xc @ P.T
    sd = tr.std(0)
    Fp = fp * (sd / (P * fp).sum(1))[:, None]        # 1-SD perturbation of each cell
    G = E @ Fp.T                                     # d x n
    out = {}
    PD = P @ D
    for name, Ax in (("full", A), ("offdiag", A - np.diag(np.diag(A))), ("minusI", A - np.eye(len(A)))):
        out[name] = (PD @ Ax @ G) / sd[:, None]
    occ = np.zeros((unit.n, unit.n))
    for i in range(unit.n):
        keep = (fp[i] < 0.05).astype(float)
        occ[i] = (PD[i] @ A @ (E @ (Fp * keep).T)) / sd[i]
    out["occl"] = occ
    return out


_probe_cache = {}


def probes(H, W, sigma=1.5):
    key = (H, W, sigma)
    if key not in _probe_cache:
        yy, xx = np.mgrid[0:H, 0:W]
        c = np.stack([yy.ravel(), xx.ravel()], 1).astype(float)
        d2 = ((c[:, None, :] - c[None, :, :]) ** 2).sum(-1)
        _probe_cache[key] = (np.exp(-0.5 * d2 / sigma ** 2), np.sqrt(d2))
    return _probe_cache[key]


def drivers_map(E, D, A, Xc, H, W, radius=5.0, mode="off"):
    B, dist = probes(H, W)                           # HW x HW (probe p in column p), distances
    Bn = B / B.sum(0)
    psd = (Xc @ Bn).std(0)                           # SD of each probe's mean trace
    Bs = B * (psd / (Bn * B).sum(0))                 # 1-SD probes
    Ax = {"off": A - np.diag(np.diag(A)), "full": A, "minusI": A - np.eye(len(A))}[mode]
    R = D @ (Ax @ (E @ Bs))                          # HW (response) x HW (probe)
    R = np.abs(R) * (dist > radius)
    return R.sum(0).reshape(H, W)


def map_driver_auc(unit, m):
    fp = unit.footprints.reshape(unit.n, -1)
    return auc(unit.drivers(), fp @ m.ravel() / fp.sum(1))


# ---------------------------------------------------------------- experiment


def encoders_for(unit, X, names):
    T, H, W = unit.movie.shape
    out = {}
    for name in names:
        if name.startswith("pca"):
            out[name] = enc_pca(X, int(name[3:]))
        elif name.startswith("ica"):
            out[name] = enc_ica(X, int(name[3:]))
        elif name.startswith("nmf"):
            out[name] = enc_nmf(unit.movie, int(name[3:]))
        elif name.startswith("grid"):
            out[name] = enc_grid(H, W, int(name[4:]))
        elif name == "cells":
            out[name] = enc_cells(X, unit.footprints)
        elif name == "cells+pca8":
            out[name] = enc_cells(X, unit.footprints, 8)
    return out


ENCODERS = ["cells", "cells+pca8", "pca8", "pca16", "pca32", "ica16", "ica32", "nmf16", "nmf32", "grid10", "grid5"]
VARS = ["bic", "r0.1", "r0.01", "innov", "diff"]
READOUTS = ["full", "offdiag", "minusI", "occl"]
# full grid of (encoder, var) pairs is large; the maps only for a subset
MAP_VARS = ["bic", "r0.01", "innov"]
MAPS = [("off", 5.0), ("full", 5.0), ("minusI", 5.0), ("off", 8.0), ("minusI", 8.0)]


def run_unit(unit, only, encoders=ENCODERS):
    T, H, W = unit.movie.shape
    X = unit.movie.reshape(T, -1).astype(np.float64)
    Xc = X - X.mean(0)
    res = {}
    encs = encoders_for(unit, Xc, encoders)
    for en, (E, D) in encs.items():
        Z = Xc @ E.T
        mz, sz = Z.mean(0), Z.std(0)
        sz[sz == 0] = 1
        Es, Ds = E / sz[:, None], D * sz[None, :]     # standardised latents
        Zs = (Z - mz) / sz
        # bottleneck diagnostic: the classical lasso on decoded traces
        key = f"{en}|-|traces"
        if re.search(only, key):
            dec = (Zs @ Ds.T) @ (unit.footprints.reshape(unit.n, -1) /
                                 unit.footprints.reshape(unit.n, -1).sum(1, keepdims=True)).T
            res[key] = score(unit, ColumnResult(matrix=lasso_var_bic(standardise(dec))))
        for vn in VARS:
            if not any(re.search(only, f"{en}|{vn}|{r}") for r in READOUTS + ["map-"]):
                continue
            A = fit_var(Zs, vn)
            Ms = cell_readouts(Es, Ds, A, unit, Xc)
            for rn, M in Ms.items():
                key = f"{en}|{vn}|{rn}"
                if re.search(only, key):
                    res[key] = score(unit, ColumnResult(matrix=M))
            if vn in MAP_VARS:
                for mode, radius in MAPS:
                    key = f"{en}|{vn}|map-{mode}" + ("" if radius == 5.0 else f"-r{radius:g}")
                    if re.search(only, key):
                        m = drivers_map(Es, Ds, A, Xc, H, W, radius=radius, mode=mode)
                        res[key] = {"driver_auc": map_driver_auc(unit, m), "edge_auc": float("nan")}
    return res


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--lariat", default=os.environ.get("LARIAT_BIN", os.path.join(ROOT, ".build/release/lariat")))
    p.add_argument("--seeds", type=int, nargs="+", default=list(range(1, 9)))
    p.add_argument("--rate", type=float, default=None)
    p.add_argument("--work", default="/tmp/lariat-network-proto")
    p.add_argument("--json", default=None)
    p.add_argument("--only", default=".", help="regex on 'encoder|var|readout' keys")
    p.add_argument("--encoders", nargs="+", default=ENCODERS)
    a = p.parse_args()
    ctx = Context(os.path.abspath(a.lariat))
    extra = f", rate={a.rate}" if a.rate is not None else ""
    t0 = time.time()
    units = simulate_units(ctx, a.seeds, 10, 1500, 40, os.path.abspath(a.work), extra)
    allres = {}
    for u in units:
        allres[u.seed] = run_unit(u, a.only, a.encoders)
        print(f"unit {u.seed}: {len(allres[u.seed])} variants ({time.time() - t0:.0f} s)", file=sys.stderr, flush=True)
    keys = list(allres[a.seeds[0]])
    summary = {}
    for k in keys:
        dv = [allres[s][k]["driver_auc"] for s in a.seeds]
        ev = [allres[s][k]["edge_auc"] for s in a.seeds]
        summary[k] = {"driver_auc": float(np.nanmean(dv)), "edge_auc": float(np.nanmean(ev)),
                      "driver_per_unit": dv, "edge_per_unit": ev}
    f = lambda x: "  -  " if x != x else f"{x:.2f}"
    print("| encoder | VAR | readout | driver AUC | edge AUC | driver AUC per unit |")
    print("|---|---|---|---|---|---|")
    for k in keys:
        en, vn, rn = k.split("|")
        s = summary[k]
        print(f"| {en} | {vn} | {rn} | {f(s['driver_auc'])} | {f(s['edge_auc'])} | "
              + " ".join(f(x) for x in s["driver_per_unit"]) + " |")
    path = a.json or os.path.join(a.work, "prototype.json")
    with open(path, "w") as fh:
        json.dump({"rate": a.rate, "seeds": a.seeds, "summary": summary,
                   "units": {str(s): allres[s] for s in a.seeds}}, fh, indent=1)
    print(f"{path} ({time.time() - t0:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
