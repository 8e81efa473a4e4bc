"""Radial (two-body) symmetry functions: Gaussians of neighbour distances, element-resolved.

For atom i, neighbour element s and Gaussian k (Behler's G2; Ran et al. 2024, ACSF equations):

    G[i, s, k] = sum_{j in s, r_ij < r_c} exp(-(r_ij - mu_k)^2 / (2 sigma^2)) * f_c(r_ij),
    f_c(r) = (cos(pi r / r_c) + 1) / 2.

Invariant to translation, rotation and permutation of like atoms; smooth at the cutoff.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from ase import Atoms

from .neighbours import check_species, neighbour_pairs, species_index


class RadialBasis:
    """Element-resolved Gaussian radial symmetry functions (``n_basis`` per neighbour element)."""

    local = True

    def __init__(self, species: Sequence[str], cutoff: float = 5.0, n_basis: int = 8,
                 r_min: float = 1.5, width: float | None = None):
        check_species(species)
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
        return species_index(atoms, self.species)

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

    def pair_terms(self, atoms: Atoms) -> dict[str, np.ndarray]:
        """Per-pair pieces of the features and their analytic derivatives (NumPy).

        Returns ``i``, ``j`` (pair atoms), ``column`` (P, n_basis) feature columns of atom i
        that the pair feeds, ``g`` and ``dg`` (P, n_basis): the Gaussians times cutoff and
        their derivative with respect to r_ij, and ``unit`` (P, 3): (r_j - r_i) / r_ij.
        ``G[i, column] += g``; moving atom j by dx changes it by ``dg * (unit . dx)``.
        """
        i, j, shift = neighbour_pairs(atoms, self.cutoff)
        vec = atoms.positions[j] - atoms.positions[i] + shift @ np.asarray(atoms.cell)
        r = np.linalg.norm(vec, axis=1)
        fc = 0.5 * (np.cos(np.pi * r / self.cutoff) + 1.0)
        dfc = -0.5 * np.pi / self.cutoff * np.sin(np.pi * r / self.cutoff)
        x = r[:, None] - self.centres
        gauss = np.exp(-(x**2) / (2 * self.width**2))
        g = gauss * fc[:, None]
        dg = gauss * (dfc[:, None] - fc[:, None] * x / self.width**2)
        nb = len(self.centres)
        column = (self._species_index(atoms)[j] * nb)[:, None] + np.arange(nb)
        return {"i": i, "j": j, "column": column, "g": g, "dg": dg, "unit": vec / r[:, None]}

    def create(self, atoms: Atoms) -> np.ndarray:
        """Features (n_atoms, n_features) as a NumPy array."""
        pos = torch.as_tensor(atoms.positions, dtype=torch.float64)
        return self.torch_features(atoms, pos).numpy()
