"""Which sampler covers configuration space best per reference call?

Every method runs on the same calculator through :class:`~.clusters.Counted` with
``record=True`` and the same call budget, so each evaluated geometry counts as one reference
call (as it would if the method were driven by DFT, like AIMD). Coverage is measured in a
descriptor space: the pooled configurations of all methods (equal numbers from each, inside an
energy window) are split into ``n_cells`` k-means cells, and a method's coverage after ``b``
calls is the fraction of cells its first ``b`` configurations have visited.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
from ase.calculators.calculator import Calculator

from .clusters import BudgetExhausted, Counted


def distance_fingerprint(positions: np.ndarray) -> np.ndarray:
    """Sorted interatomic distances: invariant to translation, rotation and permutation."""
    d = np.linalg.norm(positions[:, None, :] - positions[None, :, :], axis=-1)
    return np.sort(d[np.triu_indices(len(positions), k=1)])


def run_with_budget(method: Callable[[Calculator], object], inner: Calculator,
                    budget: int) -> Counted:
    """Run ``method(calc)`` until it finishes or has used ``budget`` calls; return the
    recording calculator (``.frames`` holds every evaluated geometry and energy)."""
    calc = Counted(inner, record=True, limit=budget)
    try:
        method(calc)
    except BudgetExhausted:
        pass
    return calc


def coverage_curves(runs: Mapping[str, tuple[np.ndarray, np.ndarray]], budgets: np.ndarray, *,
                    e_window: tuple[float, float], n_cells: int = 64, pool_per_method: int = 400,
                    seed: int = 0) -> dict[str, np.ndarray]:
    """Fraction of descriptor-space cells visited after each budget in ``budgets``.

    ``runs`` maps a method to (fingerprints [calls x d], energies [calls]) in call order.
    Only configurations with energy inside ``e_window`` count (the region a potential must
    describe); the cells are k-means clusters of an equal-sized pool from every method.
    """
    from sklearn.cluster import KMeans

    rng = np.random.default_rng(seed)
    lo, hi = e_window
    inside = {m: (e >= lo) & (e <= hi) for m, (_, e) in runs.items()}
    pool = []
    for m, (x, _) in runs.items():
        idx = np.flatnonzero(inside[m])
        if len(idx):
            pool.append(x[rng.choice(idx, size=min(pool_per_method, len(idx)), replace=False)])
    pool = np.concatenate(pool)
    scale = pool.std(axis=0) + 1e-12
    cells = KMeans(n_clusters=n_cells, n_init=4, random_state=seed).fit(pool / scale)
    curves: dict[str, np.ndarray] = {}
    for m, (x, _) in runs.items():
        labels = np.full(len(x), -1)
        if inside[m].any():
            labels[inside[m]] = cells.predict(x[inside[m]] / scale)
        curves[m] = np.array([len(set(labels[:b][labels[:b] >= 0])) / n_cells for b in budgets])
    return curves
