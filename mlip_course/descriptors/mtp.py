"""Moment tensor descriptors (Shapeev 2016), from scratch and small.

Moments of the neighbour cloud of atom i, one per radial channel c = (neighbour element, k):

    M_{c,nu}(i) = sum_j f_c(r_ij) u_ij (x) ... (x) u_ij      (nu copies of the unit vector u_ij)

are tensors of rank nu = 0..3 that rotate with the structure. Contracting all their indices
gives rotation invariants: the scalars M_{c,0}; the dot products M_{c,1}.M_{c',1}, M_{c,2}:M_{c',2},
M_{c,3}:::M_{c',3}; and three-factor contractions M_{c,1}.M_{c',2}.M_{c'',1} and
tr(M_{c,2} M_{c',2} M_{c'',2}). In MTP these are the building blocks of a linear potential.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING
from itertools import combinations_with_replacement

import numpy as np
from ase import Atoms

if TYPE_CHECKING:
    import torch

from .neighbours import (chebyshev_radial, check_species, neighbour_pairs, neighbour_vectors,
                         species_index, torch_radial_channels)


class MomentTensors:
    """Rotation-invariant contractions of moment tensors up to rank 3 (see module docstring)."""

    local = True

    def __init__(self, species: Sequence[str], r_cut: float = 5.0, n_radial: int = 3,
                 r_min: float = 1.5, three_body_products: bool = True):
        self.species = check_species(species)
        self.r_cut, self.n_radial, self.r_min = float(r_cut), int(n_radial), float(r_min)
        self.three = three_body_products
        c = len(self.species) * self.n_radial
        self._pairs = list(combinations_with_replacement(range(c), 2))
        self._triples = list(combinations_with_replacement(range(c), 3))
        self._m1m2m1 = [(a, b, d) for a, d in self._pairs for b in range(c)]
        self.n_features = c + 3 * len(self._pairs) + (
            len(self._m1m2m1) + len(self._triples) if self.three else 0)

    def moments(self, atoms: Atoms) -> list[np.ndarray]:
        """[M0 (n, C), M1 (n, C, 3), M2 (n, C, 3, 3), M3 (n, C, 3, 3, 3)]."""
        n, nr = len(atoms), self.n_radial
        c = len(self.species) * nr
        i, j, vec = neighbour_vectors(atoms, self.r_cut)
        r = np.linalg.norm(vec, axis=1)
        u = vec / r[:, None]
        f = chebyshev_radial(r, self.r_cut, nr, self.r_min)                   # (P, nr)
        chan = species_index(atoms, self.species)[j][:, None] * nr + np.arange(nr)
        out = []
        tensor = np.ones((len(r),))
        for rank in range(4):
            m = np.zeros((n, c) + (3,) * rank)
            contrib = f[:, :, None] * tensor.reshape(len(r), 1, -1)             # (P, nr, 3^rank)
            flat = m.reshape(n, c, -1)
            np.add.at(flat, (np.repeat(i, nr), chan.ravel()), contrib.reshape(-1, 3**rank))
            out.append(flat.reshape(m.shape))
            tensor = (tensor.reshape(len(r), -1)[:, :, None] * u[:, None, :]).reshape(len(r), -1)
        return out

    def _species_index(self, atoms: Atoms) -> np.ndarray:
        return species_index(atoms, self.species)

    def torch_features(self, atoms: Atoms, positions: "torch.Tensor") -> "torch.Tensor":
        """The invariants of :meth:`create` as a differentiable function of ``positions``."""
        import torch

        dev, dt = positions.device, positions.dtype
        n = len(atoms)
        u, f, flat_index, c = torch_radial_channels(atoms, positions, self.species, self.r_cut,
                                                    self.n_radial, self.r_min)
        npair = len(u)
        tensors = [torch.ones(npair, 1, dtype=dt, device=dev)]
        for _ in range(3):
            tensors.append((tensors[-1][:, :, None] * u[:, None, :]).reshape(npair, -1))
        moments = []
        for rank, t in enumerate(tensors):
            contrib = (f[:, :, None] * t[:, None, :]).reshape(-1, 3**rank)
            m = torch.zeros(n * c, 3**rank, dtype=dt, device=dev).index_add(0, flat_index, contrib)
            moments.append(m.reshape((n, c) + (3,) * rank))
        return self._contract(*moments, einsum=torch.einsum, cat=torch.cat)

    def _contract(self, m0, m1, m2, m3, *, einsum=np.einsum, cat=np.concatenate):
        a, b = np.array(self._pairs).T
        feats = [m0,
                 einsum("npx,npx->np", m1[:, a], m1[:, b]),
                 einsum("npxy,npxy->np", m2[:, a], m2[:, b]),
                 einsum("npxyz,npxyz->np", m3[:, a], m3[:, b])]
        if self.three:
            p, q, s = np.array(self._m1m2m1).T
            feats.append(einsum("npx,npxy,npy->np", m1[:, p], m2[:, q], m1[:, s]))
            p, q, s = np.array(self._triples).T
            feats.append(einsum("npxy,npyz,npzx->np", m2[:, p], m2[:, q], m2[:, s]))
        return cat(feats, 1)

    def create(self, atoms: Atoms) -> np.ndarray:
        return self._contract(*self.moments(atoms))
