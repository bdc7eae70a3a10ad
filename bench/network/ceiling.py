#!/usr/bin/env python3
"""What limits the classical pipeline on Lariat's simulator, and what is its
ceiling? (issue 17: the issue quotes driver AUC 1.00 / edge AUC 0.97-1.00
for "mask traces -> one LassoLarsIC per cell"; bench/network/classical.py
measures 0.72 / 0.72 on seeds 1..8 at the simulator's defaults.)

For each simulator setting (`--variants`) and unit (`--seeds`), one
generated lariat script saves the truth and the simulator's drive, spikes
and calcium, and the oracle mask traces `traces(sim.movie, sim.footprints)`
(the same mask-weighted mean as classical.py's `mask_traces`). Then many
variants of the classical pipeline are scored with classical.py's own
`score` (driver AUC: true drivers = cells with a non-zero off-diagonal
out-link, score = off-diagonal out-strength sum_{i != j} |W[i, j]|; edge
AUC: off-diagonal |W[i, j]| against truth != 0), plus alternative AUC
definitions (diagonal included in the edges; signed scores).

A pipeline is `regressors -> target -> estimator`:

  series      drive (true VAR state), spikes (true), calcium (true),
              F (oracle mask traces, the real pipeline's input),
              Fd (dF/F-like: F over its 301-frame running 20th
              percentile, minus 1; removes the drift and baseline),
              ar1(X) (innovation X_t - g X_{t-1}, g per cell from the
              autocovariances acov(2)/acov(1), robust to white noise),
              oasis(X) (OASIS AR(1) deconvolution, if the package imports,
              see --oasis-python), ema(X, r) (exponential filter
              sum_k r^k X_{t-k}, a running estimate of the drive)
  design      lag1:      X_t on X_{t-1} (the classical pipeline)
              innov:     s_t (deconvolved) on C_{t-1} (calcium or filtered)
              lags K:    s_t on s_{t-1..t-K}; W = sum over lags of |coef|
  estimator   bic (LassoLarsIC BIC, classical.py), aic, ols (|coef|),
              olst (OLS |t statistic|), poisson (Poisson GLM on spikes,
              |z statistic|)

Usage (bench/network/RESEARCH.md section 5 has the runs):
  .venv/bin/python bench/network/ceiling.py --lariat /tmp/lariat-h/lariat \
      --seeds 1 2 3 4 5 6 7 8 --work /tmp/ceiling [--variants default rate0.3 ...] [--lean]
Writes WORK/ceiling_<seeds>.json and prints the mean table; per-unit and
combined tables: ceiling_report.py. The strongest simple alternative found:
`ar1(F)~ema0.8(ar1(F))|innov|ols` ("deconv-ema-OLS").
"""
import argparse
import json
import os
import subprocess
import sys
import time
import warnings

import numpy as np
from scipy.ndimage import percentile_filter
from sklearn.linear_model import LassoLarsIC

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from classical import ColumnResult, Context, auc, out_strength, score, standardise  # noqa: E402

VARIANTS = {
    "default": "",
    "rate0.3": ", rate=0.3",
    "frames6000": "FRAMES6000",
    "decay0.7": ", decay=0.7",
    "noise0": ", noise=0, drift=0",
    "density0.1": ", density=0.1",
}


def simulate(ctx, work, variant, seeds, neurons=10, size=40):
    extra = VARIANTS[variant]
    frames = 1500
    if extra == "FRAMES6000":
        extra, frames = "", 6000
    d0 = os.path.join(work, variant)
    os.makedirs(d0, exist_ok=True)
    lines = []
    for s in seeds:
        d = f"unit{s}"
        if os.path.exists(os.path.join(d0, d, "F.npy")):
            continue
        os.makedirs(os.path.join(d0, d), exist_ok=True)
        lines += [f"s = simulate(neurons={neurons}, frames={frames}, size={size}, seed={s}{extra})"]
        for f in ("truth", "activity", "spikes", "drive", "footprints"):
            lines.append(f'save(s.{f}, "{d}/{f}.npy")')
        lines.append(f'save(traces(s.movie, s.footprints), "{d}/F.npy")')
    if lines:
        ctx.lariat("\n".join(lines) + "\n", d0, "simulate.lariat")
    units = []
    for s in seeds:
        d = os.path.join(d0, f"unit{s}")
        units.append({k: np.load(f"{d}/{k}.npy") for k in ("truth", "activity", "spikes", "drive", "F")} | {"seed": s, "dir": d})
    return units


# ---------------------------------------------------------------- series


def ar1_coef(x):
    """g per column from acov(2)/acov(1) (white observation noise cancels)."""
    x = x - x.mean(0)
    a1 = (x[1:] * x[:-1]).mean(0)
    a2 = (x[2:] * x[:-2]).mean(0)
    return np.clip(a2 / np.where(np.abs(a1) > 1e-12, a1, 1e-12), 0, 0.999)


def ar1_innov(x, g=None):
    g = ar1_coef(x) if g is None else np.broadcast_to(g, x.shape[1:])
    out = np.zeros_like(x)
    out[1:] = x[1:] - g * x[:-1]
    out[0] = out[1:].mean(0)
    return out


def ema(x, r):
    out = np.zeros_like(x)
    acc = np.zeros(x.shape[1])
    for t in range(x.shape[0]):
        acc = r * acc + x[t]
        out[t] = acc
    return out


def detrend(F, window=301, q=20):
    """dF/F-like: divide by a running low percentile (the slow drift and baseline)."""
    base = percentile_filter(F, q, size=(window, 1), mode="nearest")
    return F / base - 1


_OASIS = {"python": None}


def oasis(F, g=None):
    """OASIS (oasis-deconv, run in a scratch venv: --oasis-python) per cell on
    the traces; returns (denoised calcium, spikes), T x n each, or None."""
    py = _OASIS["python"]
    if py is None:
        return None
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        np.save(f"{tmp}/F.npy", F)
        code = ("import numpy as np\nfrom oasis.functions import deconvolve\n"
                f"F = np.load('{tmp}/F.npy')\nC = np.zeros_like(F); S = np.zeros_like(F)\n"
                "for i in range(F.shape[1]):\n"
                "    c, s, b, g, lam = deconvolve(F[:, i].astype(np.float64), penalty=1)\n"
                "    C[:, i] = c; S[:, i] = s\n"
                f"np.save('{tmp}/C.npy', C); np.save('{tmp}/S.npy', S)\n")
        r = subprocess.run([py, "-c", code], capture_output=True, text=True)
        if r.returncode != 0:
            print("oasis failed:", r.stderr[-500:], file=sys.stderr)
            return None
        return np.load(f"{tmp}/C.npy"), np.load(f"{tmp}/S.npy")


# ---------------------------------------------------------------- estimators


def fit_rows(Y, X, method):
    """W (n_targets x n_regressors) from Y_t on X (rows aligned)."""
    n, p = Y.shape[1], X.shape[1]
    W = np.zeros((n, p))
    Xs, Ys = standardise(X), standardise(Y)
    if method in ("bic", "aic"):
        for i in range(n):
            W[i] = LassoLarsIC(criterion=method).fit(Xs, Ys[:, i]).coef_
    elif method in ("ols", "olst"):
        A = np.column_stack([np.ones(len(Xs)), Xs])
        coef, *_ = np.linalg.lstsq(A, Ys, rcond=None)
        B = coef[1:].T
        if method == "ols":
            W = B
        else:
            res = Ys - A @ coef
            s2 = (res ** 2).sum(0) / (len(Ys) - A.shape[1])
            cov = np.linalg.pinv(A.T @ A)[1:, 1:]
            W = B / np.sqrt(np.outer(s2, np.diag(cov)))
    elif method == "poisson":
        import statsmodels.api as sm
        A = sm.add_constant(Xs)
        for i in range(n):
            y = np.clip(Y[:, i], 0, None)
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    r = sm.GLM(y, A, family=sm.families.Poisson()).fit()
                W[i] = r.tvalues[1:]
            except Exception:
                W[i] = 0
    else:
        raise ValueError(method)
    return W


def design_lag1(S, method):
    return fit_rows(S[1:], S[:-1], method)


def design_innov(target, C, method):
    """target_t on C_{t-1}."""
    return fit_rows(target[1:], C[:-1], method)


def design_lags(target, S, K, method):
    n = S.shape[1]
    X = np.column_stack([S[K - k:len(S) - k] for k in range(1, K + 1)])
    B = fit_rows(target[K:], X, method)
    return sum(np.abs(B[:, (k * n):(k + 1) * n]) for k in range(K))


# ---------------------------------------------------------------- pipelines


LEAN = False   # --lean: without the 10-lag designs and the 0.9 filters (slow; measured on seeds 1..8)


def pipelines(u, use_oasis, quick=False):
    """name -> W (n x n, [i, j] = effect of j at t-1 on i at t). quick: the
    lag-1 pipelines and the calcium-aware ones on the true series only."""
    drive, spikes, cal, F = u["drive"], u["spikes"], u["activity"], u["F"].astype(np.float64)
    Fd = detrend(F)
    s_ar = ar1_innov(Fd)               # AR(1) innovation, g per cell estimated
    s_95 = ar1_innov(Fd, 0.95)         # AR(1) innovation at the simulator's mean decay
    s_true_ar = ar1_innov(cal)         # on the true calcium (recovers the spikes up to the g error)
    P = {}
    if quick:
        for est in ("bic", "aic", "ols", "olst"):
            P[f"drive|lag1|{est}"] = design_lag1(drive, est)
            P[f"calcium|lag1|{est}"] = design_lag1(cal, est)
            P[f"spikes|lag1|{est}"] = design_lag1(spikes, est)
            P[f"F|lag1|{est}"] = design_lag1(F, est)
            P[f"spikes~calcium|innov|{est}"] = design_innov(spikes, cal, est)
            P[f"ar1(F)~ema0.8(ar1(F))|innov|{est}"] = design_innov(s_ar, ema(s_ar, 0.8), est)
        u["ar1_g_mean"] = float(np.mean(ar1_coef(Fd)))
        return P
    # the classical pipeline and its ceilings (lag-1 on the series itself)
    for est in ("bic", "aic", "ols", "olst"):
        P[f"drive|lag1|{est}"] = design_lag1(drive, est)
        P[f"calcium|lag1|{est}"] = design_lag1(cal, est)
        P[f"spikes|lag1|{est}"] = design_lag1(spikes, est)
        P[f"F|lag1|{est}"] = design_lag1(F, est)
        P[f"Fd|lag1|{est}"] = design_lag1(Fd, est)
        P[f"ar1(F)|lag1|{est}"] = design_lag1(s_ar, est)
        # calcium-aware: innovation (spikes) at t on calcium / filtered spikes at t-1
        P[f"spikes~calcium|innov|{est}"] = design_innov(spikes, cal, est)
        P[f"ar1(F,0.95)~Fd|innov|{est}"] = design_innov(s_95, Fd, est)
        for r in ((0.8,) if LEAN else (0.8, 0.9)):
            P[f"spikes~ema{r}(spikes)|innov|{est}"] = design_innov(spikes, ema(spikes, r), est)
            P[f"ar1(F)~ema{r}(ar1(F))|innov|{est}"] = design_innov(s_ar, ema(s_ar, r), est)
        for K in (() if LEAN else (10,)):
            P[f"spikes|lags{K}|{est}"] = design_lags(spikes, spikes, K, est)
            P[f"ar1(F)|lags{K}|{est}"] = design_lags(s_ar, s_ar, K, est)
    P["spikes~calcium|innov|poisson"] = design_innov(spikes, cal, "poisson")
    P["spikes~ema0.8(spikes)|innov|poisson"] = design_innov(spikes, ema(spikes, 0.8), "poisson")
    P["ar1(calcium)~calcium|innov|bic"] = design_innov(s_true_ar, cal, "bic")
    if use_oasis:
        r = oasis(Fd)
        if r is not None:
            C, S = r
            u["oasis_spike_corr"] = float(np.mean([np.corrcoef(S[:, i], spikes[:, i])[0, 1] for i in range(S.shape[1])]))
            for est in ("bic", "olst"):
                P[f"oasis.S|lag1|{est}"] = design_lag1(S, est)
                P[f"oasis.C|lag1|{est}"] = design_lag1(C, est)
                P[f"oasis.S~oasis.C|innov|{est}"] = design_innov(S, C, est)
                P[f"oasis.S~ema0.8(oasis.S)|innov|{est}"] = design_innov(S, ema(S, 0.8), est)
                if not LEAN:
                    P[f"oasis.S|lags10|{est}"] = design_lags(S, S, 10, est)
    u["ar1_g_mean"] = float(np.mean(ar1_coef(Fd)))
    u["ar1_spike_corr"] = float(np.mean([np.corrcoef(s_ar[1:, i], spikes[1:, i])[0, 1] for i in range(F.shape[1])]))
    return P


class TruthUnit:
    """What classical.score needs of a unit."""
    def __init__(self, truth):
        self.truth = truth
        self.n = truth.shape[0]

    def drivers(self):
        off = self.truth * ~np.eye(self.n, dtype=bool)
        return (off != 0).any(axis=0)

    def edges(self):
        return self.truth != 0


def alt_scores(truth, W):
    """Alternative AUC definitions, to reconcile with the issue's numbers."""
    n = truth.shape[0]
    off = ~np.eye(n, dtype=bool)
    out = {}
    # edges with the diagonal included (all diagonal entries are true links)
    out["edge_auc_diag"] = auc((truth != 0).ravel(), np.abs(W).ravel())
    # signed: excitatory links only, score = W (positive)
    pos = (truth > 0) & off
    out["edge_auc_signed"] = auc(pos[off], W[off])
    # drivers weighted: rank correlation of out-strength with the true out-strength
    tt = np.abs(truth) * off
    out["driver_auc_diag"] = auc((tt != 0).any(0), np.abs(W).sum(0))   # diagonal not excluded from the score
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--lariat", default=os.environ.get("LARIAT_BIN", "/tmp/lariat-h/lariat"))
    p.add_argument("--seeds", type=int, nargs="+", default=list(range(1, 9)))
    p.add_argument("--variants", nargs="+", default=["default", "rate0.3"], choices=sorted(VARIANTS))
    p.add_argument("--work", default="/tmp/ceiling")
    p.add_argument("--oasis-python", default="/tmp/oasisvenv/bin/python",
                   help="a python with oasis-deconv (not the project venv); '' to skip")
    p.add_argument("--json", default=None)
    p.add_argument("--lean", action="store_true", help="skip the slow 10-lag designs and the 0.9 filters")
    a = p.parse_args()
    global LEAN
    LEAN = a.lean
    if a.oasis_python and os.path.exists(a.oasis_python):
        _OASIS["python"] = a.oasis_python
    ctx = Context(os.path.abspath(a.lariat))
    work = os.path.abspath(a.work)
    out = {"seeds": a.seeds, "variants": {}}
    for v in a.variants:
        t0 = time.time()
        units = simulate(ctx, work, v, a.seeds)
        res = {}
        for u in units:
            P = pipelines(u, v in ("default", "rate0.3"), quick=v not in ("default", "rate0.3"))
            r = {}
            for name, W in P.items():
                sc = score(TruthUnit(u["truth"]), ColumnResult(matrix=W))
                sc.update(alt_scores(u["truth"], W))
                r[name] = sc
            r["_info"] = {k: u[k] for k in ("ar1_g_mean", "ar1_spike_corr", "oasis_spike_corr") if k in u}
            r["_info"]["spikes_per_cell"] = float(u["spikes"].sum(0).mean())
            res[str(u["seed"])] = r
            print(f"{v} unit {u['seed']} ({time.time() - t0:.0f} s)", file=sys.stderr)
        out["variants"][v] = res
    path = a.json or os.path.join(work, f"ceiling_{'-'.join(map(str, a.seeds))}.json")
    with open(path, "w") as fh:
        json.dump(out, fh, indent=1)
    print("results:", path, file=sys.stderr)
    report(out)


def report(out, keys=("driver_auc", "edge_auc")):
    seeds = [str(s) for s in out["seeds"]]
    for v, res in out["variants"].items():
        names = [k for k in res[seeds[0]] if not k.startswith("_")]
        print(f"\n### {v}, seeds {seeds[0]}..{seeds[-1]}: mean driver / edge AUC (edge with diagonal; signed edge)\n")
        print("| pipeline | driver / edge | edge+diag | signed edge |")
        print("|---|---|---|---|")
        for n in names:
            m = {k: np.nanmean([res[s][n][k] for s in seeds]) for k in ("driver_auc", "edge_auc", "edge_auc_diag", "edge_auc_signed")}
            print(f"| {n} | {m['driver_auc']:.2f} / {m['edge_auc']:.2f} | {m['edge_auc_diag']:.2f} | {m['edge_auc_signed']:.2f} |")


if __name__ == "__main__":
    main()
