"""Committees of linear potentials: many fits from one design matrix, and their spread.

A linear potential (``mlip_course.models.linear``) is fitted by one ridge solve on a design
matrix whose rows come frame by frame. Computing those rows is the expensive part; the solve is
cheap. :class:`Design` computes the rows once, so that a notebook can refit on any subset of
frames (train on crystals only, on liquids only, ...) or on bootstrap resamples (a
committee) in milliseconds. The spread of a committee's predictions is a standard
uncertainty estimate: where the members disagree, the data did not pin the model down.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from ase import Atoms

from .models.linear import ridge_solve, stack_rows


class Design:
    """The least-squares rows of ``model`` (a fitted or unfitted LinearPotential) on ``frames``.

    ``fit(indices)`` solves the ridge problem on the frames at ``indices`` (repeats allowed,
    as in a bootstrap resample) and ``predict(weights, indices)`` returns energies per atom
    (eV/atom) and forces (eV/A) of those frames.
    """

    def __init__(self, model, frames: Sequence[Atoms]):
        if not hasattr(model, "design_rows"):
            raise TypeError(f"{type(model).__name__} is not a linear potential; a Design needs "
                            "a model with design_rows(), e.g. build('ace', species).")
        self.model, self.frames = model, list(frames)
        rows = [model.design_rows(a) for a in self.frames]
        self.n_atoms = np.array([len(a) for a in self.frames])
        self.energy_rows = np.array([e for e, _ in rows]) / self.n_atoms[:, None]
        self.force_rows = [f for _, f in rows]
        self.energy = np.array([a.get_potential_energy() for a in self.frames]) / self.n_atoms
        self.forces = [a.get_forces().reshape(-1) for a in self.frames]

    def with_labels(self, energy_per_atom: np.ndarray, forces: list[np.ndarray]) -> "Design":
        """The same design rows with other labels (e.g. the residual after subtracting a
        physics term): energies per atom (n,) and flattened forces (3N each)."""
        other = object.__new__(Design)
        other.__dict__.update(self.__dict__)
        other.energy, other.forces = np.asarray(energy_per_atom), [np.asarray(f) for f in forces]
        return other

    def fit(self, indices: Sequence[int], ridge: float | None = None,
            force_weight: float | None = None, energy_weight: float | None = None
            ) -> np.ndarray:
        """Ridge weights fitted to energies (per atom) and forces of ``frames[indices]``
        (weighted as the model's own fit, :func:`mlip_course.models.linear.stack_rows`)."""
        if len(indices) == 0:
            raise ValueError("No training frames: give at least one index.")
        ridge = self.model.ridge if ridge is None else ridge
        fw = self.model.force_weight if force_weight is None else force_weight
        ew = getattr(self.model, "energy_weight", 1.0) if energy_weight is None else energy_weight
        a, b, free = stack_rows(((self.energy_rows[k], self.force_rows[k], self.energy[k],
                                  self.forces[k]) for k in indices), fw, ew)
        return ridge_solve(a, b, ridge, free)

    def predict(self, weights: np.ndarray, indices: Sequence[int]
                ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Energies per atom (n,) and force vectors (3N each) of ``frames[indices]``."""
        energy = self.energy_rows[list(indices)] @ weights
        return energy, [self.force_rows[k] @ weights for k in indices]

    def errors(self, weights: np.ndarray, indices: Sequence[int]) -> dict[str, float]:
        """Energy RMSE (meV/atom) and force RMSE (meV/A) of ``weights`` on ``frames[indices]``."""
        if len(indices) == 0:
            raise ValueError("No frames to evaluate: give at least one index.")
        energy, forces = self.predict(weights, indices)
        de = energy - self.energy[list(indices)]
        df = np.concatenate([f - self.forces[k] for f, k in zip(forces, indices)])
        return {"energy_rmse_mev_per_atom": 1000 * float(np.sqrt(np.mean(de**2))),
                "force_rmse_mev_per_ang": 1000 * float(np.sqrt(np.mean(df**2)))}

    def select_ridge(self, indices: Sequence[int], groups: Sequence[str],
                     grid: Sequence[float] = (1e-8, 1e-6, 1e-4, 1e-3, 1e-2)
                     ) -> tuple[float, dict[float, float]]:
        """Ridge chosen by leave-one-group-out cross-validation over ``frames[indices]``
        (``groups[k]`` labels frame ``indices[k]``, e.g. its origin: a whole trajectory is
        left out at a time). Returns the best ridge and the mean force RMSE (meV/A) per ridge."""
        idx, grp = np.asarray(indices), np.asarray(groups)
        if len(set(grp)) < 2:
            raise ValueError("Cross-validation needs frames from at least 2 groups.")
        scores = {}
        for ridge in grid:
            scores[ridge] = float(np.mean([
                self.errors(self.fit(idx[grp != g], ridge=ridge), idx[grp == g])
                ["force_rmse_mev_per_ang"] for g in sorted(set(grp))]))
        return min(scores, key=scores.get), scores

    def committee(self, indices: Sequence[int], n_members: int = 8, seed: int = 0,
                  **fit_options) -> np.ndarray:
        """Weights (n_members, P) fitted to bootstrap resamples of the frames at ``indices``."""
        if n_members < 2:
            raise ValueError("A committee needs at least 2 members.")
        rng = np.random.default_rng(seed)
        idx = np.asarray(indices)
        return np.array([self.fit(rng.choice(idx, size=len(idx), replace=True), **fit_options)
                         for _ in range(n_members)])

    def spread_and_error(self, members: np.ndarray, indices: Sequence[int]
                         ) -> tuple[np.ndarray, np.ndarray]:
        """Per frame: the committee's force spread (RMS over components of the members' standard
        deviation, eV/A) and the committee mean's force RMSE against the reference (eV/A)."""
        spread, error = [], []
        for k in indices:
            f = np.array([self.force_rows[k] @ w for w in members])      # (members, 3N)
            spread.append(float(np.sqrt(np.mean(f.std(axis=0) ** 2))))
            error.append(float(np.sqrt(np.mean((f.mean(axis=0) - self.forces[k]) ** 2))))
        return np.array(spread), np.array(error)
