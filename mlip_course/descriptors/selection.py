"""Automatic selection of features or structures: farthest-point sampling and CUR.

Both pick a few informative rows (structures, environments) or columns (features) of a
descriptor matrix X, so that a descriptor can be compacted or a training set diversified.
"""

from __future__ import annotations

import numpy as np


def farthest_point_sampling(x: np.ndarray, n: int, start: int = 0) -> np.ndarray:
    """Indices of ``n`` rows of ``x``, each the farthest (Euclidean) from those already chosen."""
    x = np.asarray(x, float)
    if not 0 < n <= len(x):
        raise ValueError(f"n must be between 1 and {len(x)} (got {n}).")
    chosen = [start]
    dist = np.linalg.norm(x - x[start], axis=1)
    for _ in range(n - 1):
        nxt = int(np.argmax(dist))
        chosen.append(nxt)
        dist = np.minimum(dist, np.linalg.norm(x - x[nxt], axis=1))
    return np.array(chosen)


def cur_select(x: np.ndarray, n: int, axis: int = 1, rank: int = 1) -> np.ndarray:
    """Greedy deterministic CUR (Mahoney & Drineas 2009; as in librascal/scikit-matter):
    pick the column (``axis=1``) or row (``axis=0``) with the largest leverage score on the
    top ``rank`` singular vectors, project it out of the matrix, repeat ``n`` times."""
    x = np.array(x, float)
    if axis == 0:
        x = x.T
    if not 0 < n <= x.shape[1]:
        raise ValueError(f"n must be between 1 and {x.shape[1]} (got {n}).")
    chosen: list[int] = []
    for _ in range(n):
        _, _, vt = np.linalg.svd(x, full_matrices=False)
        score = (vt[:rank] ** 2).sum(axis=0)
        score[chosen] = -1.0
        k = int(np.argmax(score))
        chosen.append(k)
        col = x[:, k] / (np.linalg.norm(x[:, k]) + 1e-300)
        x = x - np.outer(col, col @ x)
    return np.array(chosen)
