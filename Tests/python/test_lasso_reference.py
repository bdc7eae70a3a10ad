"""`lasso_path` and `var` through `lariat run`, against scikit-learn's
lars_path and statsmodels' VAR: the language contract of DESIGN.md.

The binary is $LARIAT_BIN, else the newest of .build/{release,debug}/lariat.
"""
import subprocess
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_diabetes
from sklearn.linear_model import lars_path
from statsmodels.tsa.api import VAR

from kernel_support import lariat_bin


def run(tmp_path, script: str, check=True):
    (tmp_path / "script.lariat").write_text(script)
    r = subprocess.run([lariat_bin(), "run", "script.lariat"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=120)
    if check:
        assert r.returncode == 0, r.stdout + r.stderr
    return r


def simulate_var(k=5, T=400, seed=0):
    rng = np.random.default_rng(seed)
    A1 = np.diag(rng.uniform(0.2, 0.5, k))
    A1[0, 1], A1[2, 4] = 0.3, -0.2
    A2 = np.zeros((k, k))
    A2[3, 0] = 0.2
    Z = np.zeros((T, k))
    for t in range(2, T):
        Z[t] = 0.5 + A1 @ Z[t - 1] + A2 @ Z[t - 2] + rng.standard_normal(k)
    return Z


@pytest.mark.parametrize("problem", ["random", "correlated", "diabetes"])
def test_lasso_path_equals_lars_path(tmp_path, problem):
    rng = np.random.default_rng(1)
    if problem == "random":
        X = rng.standard_normal((80, 12))
        y = X[:, :4] @ [2, -1, 0.5, 1] + rng.standard_normal(80)
    elif problem == "correlated":
        base = rng.standard_normal((60, 3))
        X = base[:, rng.integers(0, 3, 12)] + 0.15 * rng.standard_normal((60, 12))
        y = X @ (rng.standard_normal(12) * (rng.random(12) < 0.5)) + 0.5 * rng.standard_normal(60)
    else:
        X, y = load_diabetes(return_X_y=True)
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    run(tmp_path, 'p = lasso_path(load("X.npy"), load("y.npy"))\n'
                  'save(p.lambdas, "lambdas.npy")\nsave(p.coefficients, "coefs.npy")\n')
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        alphas, _, coefs = lars_path(X, y, method="lasso")
    ours_l = np.load(tmp_path / "lambdas.npy")
    ours_c = np.load(tmp_path / "coefs.npy")
    assert ours_l.shape == alphas.shape and ours_c.shape == coefs.T.shape
    np.testing.assert_allclose(ours_l, alphas, rtol=0, atol=1e-8 * max(1, alphas[0]))
    np.testing.assert_allclose(ours_c, coefs.T, rtol=0, atol=1e-8 * max(1, np.abs(coefs).max()))
    assert np.all(ours_c[0] == 0)


@pytest.mark.parametrize("lag", [1, 2, 3])
def test_var_lambda_zero_is_statsmodels(tmp_path, lag):
    Z = simulate_var()
    np.save(tmp_path / "traces.npy", Z)
    run(tmp_path, f'v = var(load("traces.npy"), lag={lag}, lambda=0)\n'
                  'save(v.coefficients, "coef.npy")\nsave(v.intercept, "intercept.npy")\n')
    res = VAR(Z).fit(lag)
    np.testing.assert_allclose(np.load(tmp_path / "coef.npy"), np.hstack(list(res.coefs)), rtol=0, atol=1e-8)
    np.testing.assert_allclose(np.load(tmp_path / "intercept.npy"), res.intercept, rtol=0, atol=1e-8)


def test_var_penalised_equals_lars_path_on_centred_design(tmp_path):
    Z = simulate_var(seed=4)
    np.save(tmp_path / "traces.npy", Z)
    run(tmp_path, 'v = var(load("traces.npy"), lag=2, lambda=0.05)\n'
                  'save(v.coefficients, "coef.npy")\nsave(v.intercept, "intercept.npy")\n')
    X = np.hstack([Z[2 - l:len(Z) - l] for l in (1, 2)])
    Y = Z[2:]
    Xc, Yc = X - X.mean(0), Y - Y.mean(0)
    B = np.vstack([lars_path(Xc, Yc[:, i], method="lasso", alpha_min=0.05)[2][:, -1] for i in range(Z.shape[1])])
    ours = np.load(tmp_path / "coef.npy")
    np.testing.assert_allclose(ours, B, rtol=0, atol=1e-8)
    np.testing.assert_allclose(np.load(tmp_path / "intercept.npy"), Y.mean(0) - B @ X.mean(0), rtol=0, atol=1e-8)
    assert (ours == 0).sum() > 0


def test_var_shrunk_toward_persistence_is_the_lasso_of_the_change(tmp_path):
    """shrink_to="persistence": each equation is sklearn's lasso (lars_path)
    of y_i - z_i,t-1 on the centred design, plus 1 on its own lag-1 entry."""
    Z = simulate_var(seed=6)
    np.save(tmp_path / "traces.npy", Z)
    run(tmp_path, 'v = var(load("traces.npy"), lag=2, lambda=0.05, shrink_to="persistence")\n'
                  'save(v.coefficients, "coef.npy")\nsave(v.intercept, "intercept.npy")\nsave(v.fitted, "fitted.npy")\n')
    k = Z.shape[1]
    X = np.hstack([Z[2 - l:len(Z) - l] for l in (1, 2)])
    Y = Z[2:] - Z[1:-1]
    Xc, Yc = X - X.mean(0), Y - Y.mean(0)
    B = np.vstack([lars_path(Xc, Yc[:, i], method="lasso", alpha_min=0.05)[2][:, -1] for i in range(k)])
    assert (B == 0).sum() > 0
    B[:, :k] += np.eye(k)
    c = Z[2:].mean(0) - B @ X.mean(0)
    np.testing.assert_allclose(np.load(tmp_path / "coef.npy"), B, rtol=0, atol=1e-8)
    np.testing.assert_allclose(np.load(tmp_path / "intercept.npy"), c, rtol=0, atol=1e-8)
    np.testing.assert_allclose(np.load(tmp_path / "fitted.npy"), X @ B.T + c, rtol=0, atol=1e-8)


def test_var_lambda_ratio_one_is_all_zero(tmp_path):
    np.save(tmp_path / "traces.npy", simulate_var())
    run(tmp_path, 'v = var(load("traces.npy"), lag=1, lambda_ratio=1)\nsave(v.coefficients, "coef.npy")\n')
    assert np.all(np.load(tmp_path / "coef.npy") == 0)


@pytest.mark.parametrize("script, needle", [
    ('var(load("traces.npy"), lag=500, lambda=0.1)', "'traces'"),
    ('var(load("traces.npy"), lag=0, lambda=0.1)', "'lag'"),
    ('var(load("traces.npy"), lag=1, lambda=-1)', "'lambda'"),
    ('var(load("traces.npy"), lag=1, lambda="cv")', "'lambda'"),
    ('lasso_path(load("traces.npy"), [1, 2, 3])', "'y'"),
])
def test_bad_input_names_the_argument(tmp_path, script, needle):
    np.save(tmp_path / "traces.npy", simulate_var(T=50))
    r = run(tmp_path, "x = 1\n" + script + "\n", check=False)
    assert r.returncode != 0
    assert "script.lariat:2:" in r.stderr + r.stdout
    assert needle in r.stderr + r.stdout
