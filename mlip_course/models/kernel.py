"""Kernel ridge regression (KRR) on descriptor vectors, with learning curves.

KRR predicts y(x) = sum_i alpha_i k(x, x_i), alpha = (K + lambda I)^-1 y, with a Gaussian
k = exp(-|x - x'|^2 / (2 sigma^2)) or Laplacian k = exp(-|x - x'|_1 / sigma) kernel. The
width sigma and the regulariser lambda are chosen on a validation part of the training set,
never on the test set. (scikit-learn's ``KernelRidge`` does the linear algebra.)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _model(kernel: str, sigma: float, lam: float):
    from sklearn.kernel_ridge import KernelRidge

    if not (np.isfinite(sigma) and sigma > 0):
        raise ValueError(f"The kernel width sigma must be positive and finite (got {sigma}); "
                         "are all descriptor vectors identical?")

    if kernel == "gaussian":
        return KernelRidge(alpha=lam, kernel="rbf", gamma=1.0 / (2 * sigma**2))
    if kernel == "laplacian":
        return KernelRidge(alpha=lam, kernel="laplacian", gamma=1.0 / sigma)
    raise ValueError(f"kernel must be 'gaussian' or 'laplacian' (got {kernel!r}).")


def fit_krr(x: np.ndarray, y: np.ndarray, *, kernel: str = "gaussian",
            sigmas: Sequence[float], lambdas: Sequence[float] = (1e-8, 1e-6, 1e-4, 1e-2),
            validation: float = 0.2, seed: int = 0):
    """Pick (sigma, lambda) by the MAE on a random ``validation`` share of (x, y), then refit
    on all of it. Returns (model, {"sigma", "lambda", "validation_mae"})."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    idx = np.random.default_rng(seed).permutation(len(x))
    n_val = max(1, int(validation * len(x)))
    val, fit = idx[:n_val], idx[n_val:]
    best = (np.inf, None, None)
    for sigma in sigmas:
        for lam in lambdas:
            m = _model(kernel, sigma, lam).fit(x[fit], y[fit])
            mae = float(np.mean(np.abs(m.predict(x[val]) - y[val])))
            if mae < best[0]:
                best = (mae, sigma, lam)
    model = _model(kernel, best[1], best[2]).fit(x, y)
    return model, {"sigma": best[1], "lambda": best[2], "validation_mae": best[0]}


def learning_curve(x: np.ndarray, y: np.ndarray, sizes: Sequence[int], *, n_test: int,
                   kernel: str = "gaussian", sigmas: Sequence[float],
                   lambdas: Sequence[float] = (1e-8, 1e-6, 1e-4, 1e-2), seed: int = 0
                   ) -> dict[str, list]:
    """Test MAE of KRR against training-set size. One fixed random test set of ``n_test``;
    training sets are nested (the first n of the rest). Returns sizes, mae, sigma, lambda."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if max(sizes) + n_test > len(x):
        raise ValueError(f"{max(sizes)} training + {n_test} test > {len(x)} samples.")
    idx = np.random.default_rng(seed).permutation(len(x))
    test, pool = idx[:n_test], idx[n_test:]
    out: dict[str, list] = {"sizes": [], "mae": [], "sigma": [], "lambda": []}
    for n in sizes:
        train = pool[:n]
        model, hp = fit_krr(x[train], y[train], kernel=kernel, sigmas=sigmas, lambdas=lambdas,
                            seed=seed)
        out["sizes"].append(int(n))
        out["mae"].append(float(np.mean(np.abs(model.predict(x[test]) - y[test]))))
        out["sigma"].append(float(hp["sigma"]))
        out["lambda"].append(float(hp["lambda"]))
    return out


def typical_distance(x: np.ndarray, sample: int = 500) -> float:
    """Median of the non-zero Euclidean distances between (up to ``sample``) rows of ``x``:
    a natural unit for the kernel width."""
    x = np.asarray(x, float)[:sample]
    d = np.linalg.norm(x[:, None] - x[None], axis=-1)
    d = d[np.triu_indices(len(x), k=1)]
    d = d[d > 0]
    if not len(d):
        raise ValueError("All descriptor vectors are identical: this descriptor cannot tell "
                         "these structures apart.")
    return float(np.median(d))


def random_features(x: np.ndarray, d: int, sigma: float,
                    rng: np.random.Generator) -> np.ndarray:
    """Random Fourier features z(x) = sqrt(2/d) cos(W x + b), W ~ N(0, sigma^-2), b ~ U(0, 2 pi):
    z(x) . z(x') approximates the Gaussian kernel of width ``sigma`` (Rahimi & Recht 2007)."""
    w = rng.normal(0.0, 1.0 / sigma, (d, x.shape[1]))
    b = rng.uniform(0.0, 2 * np.pi, d)
    return np.sqrt(2.0 / d) * np.cos(x @ w.T + b)


def training_times(x: np.ndarray, y: np.ndarray, d: int, sigma: float,
                   seed: int = 0) -> tuple[float, float]:
    """Wall seconds to fit y on all rows of x with a full Gaussian kernel (an N x N solve) and
    with ``d`` random features (a d x d solve): the saving of review 001's ref. 112."""
    import time

    start = time.perf_counter()
    k = np.exp(-0.5 * ((x[:, None] - x[None]) ** 2).sum(-1) / sigma**2)
    np.linalg.solve(k + 1e-6 * np.eye(len(x)), y)
    full = time.perf_counter() - start
    start = time.perf_counter()
    z = random_features(x, d, sigma, np.random.default_rng(seed))
    np.linalg.solve(z.T @ z + 1e-6 * np.eye(d), z.T @ y)
    return full, time.perf_counter() - start
