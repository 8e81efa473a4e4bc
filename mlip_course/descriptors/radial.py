"""Radial (two-body) symmetry functions: Gaussians of neighbour distances, element-resolved.

For atom i, neighbour element s and Gaussian k (Behler's G2, review 001 eq. for ACSF):

    G[i, s, k] = sum_{j in s, r_ij < r_c} exp(-(r_ij - mu_k)^2 / (2 sigma^2)) * f_c(r_ij),
    f_c(r) = (cos(pi r / r_c) + 1) / 2.

Invariant to translation, rotation and permutation of like atoms; smooth at the cutoff.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from ase import Atoms
from ase.data import atomic_numbers


def neighbour_pairs(atoms: Atoms, cutoff: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i, j, shift) for every ordered pair closer than ``cutoff`` (periodic images included).

    The Cartesian shift of j is ``shift @ cell``.
    """
    from matscipy.neighbours import neighbour_list

    if atoms.pbc.any() and np.any(atoms.cell.lengths()[atoms.pbc] == 0):
        raise ValueError("Periodic atoms need a cell; set atoms.cell or atoms.pbc = False.")
    if not atoms.pbc.any():
        atoms = atoms.copy()
        span = np.ptp(atoms.positions, axis=0) + 2 * cutoff + 1.0
        atoms.cell = np.diag(span)
        atoms.center()
    i, j, shift = neighbour_list("ijS", atoms, cutoff)
    return i, j, shift


class RadialBasis:
    """Element-resolved Gaussian radial symmetry functions (``n_basis`` per neighbour element)."""

    def __init__(self, species: Sequence[str], cutoff: float = 5.0, n_basis: int = 8,
                 r_min: float = 1.5, width: float | None = None):
        unknown = [s for s in species if s not in atomic_numbers]
        if unknown:
            raise ValueError(f"Unknown element(s) {unknown}; use chemical symbols like 'Cu'.")
        if cutoff <= r_min:
            raise ValueError(f"cutoff ({cutoff} A) must exceed r_min ({r_min} A).")
        self.species = list(species)
        self.cutoff = float(cutoff)
        self.centres = np.linspace(r_min, cutoff, n_basis)
        self.width = float(width or (self.centres[1] - self.centres[0]))

    @property
    def n_features(self) -> int:
        return len(self.species) * len(self.centres)

    def _species_index(self, atoms: Atoms) -> np.ndarray:
        symbols = atoms.get_chemical_symbols()
        missing = sorted(set(symbols) - set(self.species))
        if missing:
            raise ValueError(f"The descriptor was built for {self.species}; the structure also "
                             f"has {missing}. Add them to `species`.")
        lookup = {s: k for k, s in enumerate(self.species)}
        return np.array([lookup[s] for s in symbols])

    def torch_features(self, atoms: Atoms, positions: torch.Tensor) -> torch.Tensor:
        """Differentiable features (n_atoms, n_features) at ``positions`` (float64 tensor)."""
        i, j, shift = neighbour_pairs(atoms, self.cutoff)
        cell = torch.as_tensor(np.asarray(atoms.cell), dtype=positions.dtype)
        offsets = torch.as_tensor(shift, dtype=positions.dtype) @ cell
        vec = positions[j] - positions[i] + offsets
        r = torch.linalg.norm(vec, dim=1)
        fc = 0.5 * (torch.cos(torch.pi * r / self.cutoff) + 1.0)
        mu = torch.as_tensor(self.centres, dtype=positions.dtype)
        g = torch.exp(-((r[:, None] - mu) ** 2) / (2 * self.width**2)) * fc[:, None]
        nb = len(self.centres)
        column = torch.as_tensor(self._species_index(atoms)[j] * nb)[:, None] + torch.arange(nb)
        out = torch.zeros(len(atoms), self.n_features, dtype=positions.dtype)
        rows = torch.as_tensor(i)[:, None].expand(-1, nb)
        return out.index_put((rows, column), g, accumulate=True)

    def create(self, atoms: Atoms) -> np.ndarray:
        """Features (n_atoms, n_features) as a NumPy array."""
        pos = torch.as_tensor(atoms.positions, dtype=torch.float64)
        return self.torch_features(atoms, pos).numpy()
