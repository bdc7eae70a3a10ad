#!/usr/bin/env python3
"""Sparse VAR and lasso-path benchmarks against scikit-learn (DESIGN.md,
"Performance anchors"). Not a test: it prints timings and ratios measured in
this run, and checks that the answers agree.

(a) Sparse VAR, 64 traces x 4000 frames, lag 2, lambda 0.02: scikit-learn's
    lars_path over the 64 equations in-process (imports and data preparation
    excluded), against the whole `lariat run` process on

        v = var(load("traces.npy"), lag=2, lambda=0.02)
        save(v.coefficients, "coef.npy")

    Target: lariat >= 20x faster, same coefficients.
(b) One lasso path on a 1000 x 64 design: scikit-learn's time here; ours is
    printed by `swift test -c release -Xswiftc -enable-testing --filter
    LassoBenchmarkTests` (a process
    start would swamp 0.3 ms). Target: <= 0.3 ms.

Usage: python bench/lasso/bench_var.py [--lariat PATH] [--repeats N]
(default binary: $LARIAT_BIN, else .build/release/lariat).
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from sklearn.linear_model import lars_path

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
K, T, LAG, LAMBDA = 64, 4000, 2, 0.02


def simulate(k=K, frames=T, seed=0):
    """A stable sparse VAR(2): each series driven by itself and ~3 others."""
    rng = np.random.default_rng(seed)
    A1 = np.diag(rng.uniform(0.3, 0.6, k))
    A2 = np.zeros((k, k))
    for i in range(k):
        for j in rng.choice(k, 3, replace=False):
            A1[i, j] += rng.uniform(-0.15, 0.15)
            A2[i, rng.integers(k)] += rng.uniform(-0.1, 0.1)
    Z = np.zeros((frames, k))
    for t in range(2, frames):
        Z[t] = A1 @ Z[t - 1] + A2 @ Z[t - 2] + rng.standard_normal(k)
    return Z


def lagged(Z, p):
    """Design [z_{t-1} | ... | z_{t-p}] and targets z_t, centred (intercept)."""
    X = np.hstack([Z[p - l:len(Z) - l] for l in range(1, p + 1)])
    Y = Z[p:]
    return X - X.mean(0), Y - Y.mean(0)


def sklearn_var(Xc, Yc, alpha):
    return np.vstack([lars_path(Xc, Yc[:, i], method="lasso", alpha_min=alpha)[2][:, -1]
                      for i in range(Yc.shape[1])])


def best_of(f, repeats):
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lariat", default=os.environ.get("LARIAT_BIN", os.path.join(ROOT, ".build/release/lariat")))
    ap.add_argument("--repeats", type=int, default=3, help="best of N runs for each side")
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="lariat-bench-var-")
    Z = simulate()
    np.save(os.path.join(work, "traces.npy"), Z)
    with open(os.path.join(work, "var.lariat"), "w") as f:
        f.write(f'v = var(load("traces.npy"), lag={LAG}, lambda={LAMBDA})\n')
        f.write('save(v.coefficients, "coef.npy")\n')

    # (a) scikit-learn, in-process: the design is built outside the timing.
    Xc, Yc = lagged(Z, LAG)
    t_sk, B_sk = best_of(lambda: sklearn_var(Xc, Yc, LAMBDA), args.repeats)

    if not os.access(args.lariat, os.X_OK):
        sys.exit(f"no lariat binary at {args.lariat}: build it with `swift build -c release` or pass --lariat")

    def run_lariat():
        r = subprocess.run([args.lariat, "run", "var.lariat"], cwd=work, capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"lariat run failed ({r.returncode}):\n{r.stdout}{r.stderr}")
    t_la, _ = best_of(run_lariat, args.repeats)
    B_la = np.load(os.path.join(work, "coef.npy"))

    err = np.abs(B_la - B_sk).max()
    nnz = int((B_la != 0).sum())
    print(f"(a) sparse VAR k={K} T={T} lag={LAG} lambda={LAMBDA} ({nnz} of {B_la.size} coefficients nonzero)")
    print(f"    scikit-learn lars_path x {K} (in-process): {t_sk * 1e3:8.1f} ms")
    print(f"    lariat run (whole process):               {t_la * 1e3:8.1f} ms")
    print(f"    ratio sklearn / lariat: {t_sk / t_la:.1f}x  (target >= 20x)")
    print(f"    max |coef difference|: {err:.2e}  {'OK' if err < 1e-6 else 'MISMATCH'}")

    # (b) one 1000 x 64 lasso path, scikit-learn's side.
    rng = np.random.default_rng(3)
    X = rng.standard_normal((1000, 64))
    y = X @ (rng.standard_normal(64) * (rng.random(64) < 0.3)) + rng.standard_normal(1000)
    t_path, _ = best_of(lambda: lars_path(X, y, method="lasso"), max(args.repeats, 10))
    print(f"(b) one lasso path 1000 x 64: scikit-learn {t_path * 1e3:.2f} ms; ours: "
          "`swift test -c release -Xswiftc -enable-testing --filter LassoBenchmarkTests` (target <= 0.3 ms)")
    return 0 if err < 1e-6 else 1


if __name__ == "__main__":
    sys.exit(main())
