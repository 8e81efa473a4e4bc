"""Data hygiene: what to do to a pile of labelled frames before fitting anything.

- ``fingerprints`` + ``deduplicate``: drop frames that repeat one already kept (descriptor
  distance below a tolerance);
- ``find_outliers``: flag frames with impossible forces, overlapping atoms, or energies far
  from the rest (per-atom energy left after per-species reference energies);
- ``reference_energies``: per-species energies by least squares, E ~ sum_s n_s e_s;
- ``random_split`` (compare with :func:`mlip_course.data.split_by_origin`, which holds out
  whole trajectories): correlated frames on both sides of a split leak the test set;
- ``Standardiser``: zero mean, unit variance features, fitted on the training set only.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from ase import Atoms

from ..analysis import closest_pair


def fingerprints(frames: Sequence[Atoms], descriptor) -> np.ndarray:
    """One vector per frame: the mean and the standard deviation over atoms of the per-atom
    descriptor (invariant to atom order, rotation and translation). Shape (n_frames, 2F)."""
    out = []
    for atoms in frames:
        g = descriptor.create(atoms)
        out.append(np.concatenate([g.mean(axis=0), g.std(axis=0)]))
    return np.array(out)


def deduplicate(frames: Sequence[Atoms], descriptor, tol: float = 1e-3) -> list[int]:
    """Indices of the frames to keep: a frame is a duplicate when its fingerprint lies within
    ``tol`` (Euclidean) of a frame kept earlier. Frames with different compositions never match."""
    fp = fingerprints(frames, descriptor)
    keys = [atoms.symbols.formula.count() for atoms in frames]
    kept: list[int] = []
    for i in range(len(frames)):
        same = [k for k in kept if keys[k] == keys[i]]
        if not same or np.min(np.linalg.norm(fp[same] - fp[i], axis=1)) > tol:
            kept.append(i)
    return kept


def composition_matrix(frames: Sequence[Atoms], species: Sequence[str] | None = None
                       ) -> tuple[list[str], np.ndarray]:
    """(species, counts) with counts[i, s] = number of atoms of species s in frame i."""
    species = list(species or sorted({s for a in frames for s in a.get_chemical_symbols()}))
    counts = np.array([[a.get_chemical_symbols().count(s) for s in species] for a in frames],
                      dtype=float)
    return species, counts


def reference_energies(frames: Sequence[Atoms], energies: Sequence[float] | None = None,
                       *, strict: bool = True) -> dict[str, float]:
    """Per-species energies e_s minimising sum_i (E_i - sum_s n_is e_s)^2 (eV per atom).

    ``energies`` defaults to each frame's potential energy. Needs frames whose compositions
    span every species independently, else the fit is not unique: this raises, or with
    ``strict=False`` returns the minimum-norm solution (its residuals are still meaningful)."""
    species, counts = composition_matrix(frames)
    e = np.asarray(energies if energies is not None
                   else [a.get_potential_energy() for a in frames], dtype=float)
    if strict and np.linalg.matrix_rank(counts) < len(species):
        raise ValueError(f"The compositions do not determine one energy per species {species}: "
                         "add frames whose element ratios differ (e.g. elemental references).")
    coef, *_ = np.linalg.lstsq(counts, e, rcond=None)
    return dict(zip(species, coef.tolist()))


def residual_per_atom(frames: Sequence[Atoms], refs: dict[str, float],
                      energies: Sequence[float] | None = None) -> np.ndarray:
    """(E - sum_s n_s e_s) / N for each frame, in eV/atom."""
    species, counts = composition_matrix(frames, list(refs))
    missing = sorted({s for a in frames for s in a.get_chemical_symbols()} - set(refs))
    if missing:
        raise ValueError(f"No reference energy for {missing}; fit reference_energies on frames "
                         "that contain them.")
    e = np.asarray(energies if energies is not None
                   else [a.get_potential_energy() for a in frames], dtype=float)
    return (e - counts @ np.array(list(refs.values()))) / counts.sum(axis=1)


def find_outliers(frames: Sequence[Atoms], *, max_force: float = 20.0,
                  min_distance: float = 0.5, max_energy_residual: float = 1.0) -> dict[int, str]:
    """Frames to drop, with the reason: a force component above ``max_force`` eV/A, two atoms
    closer than ``min_distance`` A, or a per-atom energy more than ``max_energy_residual`` eV
    from the median after subtracting per-species reference energies (least squares is not
    robust, so the worst frame is dropped from the fit until the fitted frames all pass)."""
    bad: dict[int, str] = {}
    for i, atoms in enumerate(frames):
        f = atoms.get_forces()
        if not np.all(np.isfinite(f)) or np.abs(f).max() > max_force:
            bad[i] = f"force above {max_force} eV/A"
        elif (pair := closest_pair(atoms, min_distance)) is not None:
            bad[i] = f"atoms {pair[0]:.2f} A apart"

    _, counts = composition_matrix(frames)
    energy = np.array([a.get_potential_energy() for a in frames])

    def deviation(fit_on: list[int]) -> np.ndarray:
        coef, *_ = np.linalg.lstsq(counts[fit_on], energy[fit_on], rcond=None)
        resid = (energy - counts @ coef) / counts.sum(axis=1)
        return np.abs(resid - np.median(resid[fit_on]))

    fit_on = [k for k in range(len(frames)) if k not in bad]
    dev = deviation(fit_on) if fit_on else np.zeros(len(frames))
    while len(fit_on) > 2:  # drop the worst frame from the fit until every fitted one passes
        worst = max(fit_on, key=lambda k: dev[k])
        if dev[worst] <= max_energy_residual:
            break
        fit_on.remove(worst)
        dev = deviation(fit_on)
    for i in np.flatnonzero(dev > max_energy_residual):
        bad.setdefault(int(i), f"energy {dev[i]:.1f} eV/atom off the reference-energy fit")
    return dict(sorted(bad.items()))


def random_split(n: int, test_fraction: float = 0.2, seed: int = 0) -> tuple[list[int], list[int]]:
    """(train, test) indices drawn uniformly at random, ignoring where the frames came from."""
    order = np.random.default_rng(seed).permutation(n)
    n_test = int(round(test_fraction * n))
    return sorted(order[n_test:].tolist()), sorted(order[:n_test].tolist())


class Standardiser:
    """Feature scaling x -> (x - mean) / std with statistics from the training data only."""

    def __init__(self) -> None:
        self.mean: np.ndarray | None = None
        self.std: np.ndarray | None = None

    def fit(self, x: np.ndarray) -> "Standardiser":
        x = np.asarray(x, dtype=float)
        self.mean = x.mean(axis=0)
        self.std = x.std(axis=0)
        self.std[self.std == 0] = 1.0  # constant columns stay constant (0) after scaling
        return self

    def transform(self, x: np.ndarray) -> np.ndarray:
        if self.mean is None:
            raise RuntimeError("Call fit(training_features) before transform.")
        return (np.asarray(x, dtype=float) - self.mean) / self.std

    def fit_transform(self, x: np.ndarray) -> np.ndarray:
        return self.fit(x).transform(x)
