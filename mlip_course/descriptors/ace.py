"""A small atomic cluster expansion (Drautz 2019): the 2- and 3-body invariants, from scratch.

The *atomic base* projects the neighbour density of atom i on radial functions R_c (c = element
and radial index) times spherical harmonics:

    A_{c l m}(i) = sum_j R_c(r_ij) Y_l^m(u_ij).

Products of A's, contracted over m so that they do not change under rotation, are the ACE
basis functions. Body order 2: B1_c = A_{c00}. Body order 3: B2_{c c' l} = sum_m A_{clm} A*_{c'lm}
(this is also the SOAP power spectrum). Higher orders use generalised Clebsch-Gordan
coefficients; the bispectrum (:class:`~.library.Bispectrum`) is the body-order-4 member.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING
from itertools import combinations_with_replacement

import numpy as np
from ase import Atoms
from scipy.special import sph_harm_y

if TYPE_CHECKING:
    import torch

from .neighbours import (chebyshev_radial, check_species, neighbour_vectors, species_index,
                         torch_radial_channels)


def real_spherical_harmonics(u: "torch.Tensor") -> "torch.Tensor":
    """Orthonormal real Y_lm for l <= 3 of unit vectors u (P, 3) -> (P, 16), ordered l^2+l+m.

    Any orthonormal basis of each l works for the invariants: sum_m Y_lm(u) Y_lm(u') is
    (2l + 1) / (4 pi) P_l(u . u') for real and complex harmonics alike."""
    import torch

    x, y, z = u[:, 0], u[:, 1], u[:, 2]
    pi = np.pi
    return torch.stack([
        torch.full_like(x, 0.5 / np.sqrt(pi)),
        np.sqrt(3 / (4 * pi)) * y, np.sqrt(3 / (4 * pi)) * z, np.sqrt(3 / (4 * pi)) * x,
        0.5 * np.sqrt(15 / pi) * x * y, 0.5 * np.sqrt(15 / pi) * y * z,
        0.25 * np.sqrt(5 / pi) * (3 * z**2 - 1), 0.5 * np.sqrt(15 / pi) * x * z,
        0.25 * np.sqrt(15 / pi) * (x**2 - y**2),
        0.25 * np.sqrt(35 / (2 * pi)) * y * (3 * x**2 - y**2),
        0.5 * np.sqrt(105 / pi) * x * y * z,
        0.25 * np.sqrt(21 / (2 * pi)) * y * (5 * z**2 - 1),
        0.25 * np.sqrt(7 / pi) * z * (5 * z**2 - 3),
        0.25 * np.sqrt(21 / (2 * pi)) * x * (5 * z**2 - 1),
        0.25 * np.sqrt(105 / pi) * z * (x**2 - y**2),
        0.25 * np.sqrt(35 / (2 * pi)) * x * (x**2 - 3 * y**2)], dim=1)


class ACE:
    """B1 (2-body) and B2 (3-body) ACE invariants with Chebyshev radial functions."""

    local = True

    def __init__(self, species: Sequence[str], r_cut: float = 5.0, n_radial: int = 4,
                 l_max: int = 3, r_min: float = 1.5):
        self.species = check_species(species)
        self.r_cut, self.n_radial, self.l_max, self.r_min = float(r_cut), n_radial, l_max, r_min
        c = len(self.species) * n_radial
        self._pairs = list(combinations_with_replacement(range(c), 2))
        self.n_features = c + len(self._pairs) * (l_max + 1)

    def atomic_base(self, atoms: Atoms) -> np.ndarray:
        """A (n_atoms, C, (l_max+1)^2) complex, (l, m) flattened as l^2 + l + m."""
        i, j, vec = neighbour_vectors(atoms, self.r_cut)
        r = np.linalg.norm(vec, axis=1)
        theta = np.arccos(np.clip(vec[:, 2] / r, -1, 1))
        phi = np.arctan2(vec[:, 1], vec[:, 0])
        ylm = np.stack([sph_harm_y(l, m, theta, phi) for l in range(self.l_max + 1)
                        for m in range(-l, l + 1)], axis=1)                     # (P, L)
        nr = self.n_radial
        radial = chebyshev_radial(r, self.r_cut, nr, self.r_min)              # (P, nr)
        chan = species_index(atoms, self.species)[j][:, None] * nr + np.arange(nr)
        a = np.zeros((len(atoms), len(self.species) * nr, ylm.shape[1]), complex)
        np.add.at(a, (np.repeat(i, nr), chan.ravel()),
                  (radial[:, :, None] * ylm[:, None, :]).reshape(-1, ylm.shape[1]))
        return a

    def _species_index(self, atoms: Atoms) -> np.ndarray:
        return species_index(atoms, self.species)

    def torch_features(self, atoms: Atoms, positions: "torch.Tensor") -> "torch.Tensor":
        """The invariants of :meth:`create` (l_max <= 3), differentiable in ``positions``, built
        with real spherical harmonics (same invariants, real arithmetic)."""
        import torch

        if self.l_max > 3:
            raise ValueError("torch_features implements spherical harmonics up to l = 3.")
        u, f, flat_index, c = torch_radial_channels(atoms, positions, self.species, self.r_cut,
                                                    self.n_radial, self.r_min)
        nl = (self.l_max + 1) ** 2
        ylm = real_spherical_harmonics(u)[:, :nl]
        contrib = (f[:, :, None] * ylm[:, None, :]).reshape(-1, nl)
        a = torch.zeros(len(atoms) * c, nl, dtype=u.dtype, device=u.device)
        a = a.index_add(0, flat_index, contrib).reshape(len(atoms), c, nl)
        p, q = (torch.as_tensor(x, device=u.device) for x in np.array(self._pairs).T)
        b2 = [(a[:, p, l * l:(l + 1) ** 2] * a[:, q, l * l:(l + 1) ** 2]).sum(-1)
              for l in range(self.l_max + 1)]
        return torch.cat([a[:, :, 0] * np.sqrt(4 * np.pi)] + b2, dim=1)

    def create(self, atoms: Atoms) -> np.ndarray:
        a = self.atomic_base(atoms)
        b1 = a[:, :, 0].real * np.sqrt(4 * np.pi)
        p, q = np.array(self._pairs).T
        b2 = []
        for l in range(self.l_max + 1):
            block = slice(l * l, (l + 1) ** 2)
            b2.append(np.einsum("npm,npm->np", a[:, p, block], a[:, q, block].conj()).real)
        return np.concatenate([b1] + b2, axis=1)
