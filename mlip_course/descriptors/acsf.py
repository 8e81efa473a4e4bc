"""Atom-centred symmetry functions (Behler & Parrinello 2007; Behler 2011), from scratch.

For centre i, neighbours j, k within the cutoff r_c and f_c the cosine cutoff:

    G1_i[s]        = sum_{j in s} f_c(r_ij)
    G2_i[s; eta, Rs] = sum_{j in s} exp(-eta (r_ij - Rs)^2) f_c(r_ij)
    G4_i[st; eta, zeta, lambda] = sum_{j<k, {j,k} in {s,t}} 2^(1-zeta) (1 + lambda cos theta_ijk)^zeta
                                  exp(-eta (r_ij^2 + r_ik^2 + r_jk^2)) f_c(r_ij) f_c(r_ik) f_c(r_jk)
    G5_i[st; ...]  = as G4 without the r_jk terms.

Features are laid out as dscribe's ``ACSF`` does (per neighbour element: G1, G2s; then per
unordered element pair: G4s, G5s), so the two agree to rounding. The *weighted* ACSF of
Gastegger et al. (2018) replaces the element channels by one channel weighted by atomic
number (``WeightedACSF``): the size no longer grows with the number of elements.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from ase import Atoms
from ase.data import atomic_numbers

if TYPE_CHECKING:
    import torch

from .neighbours import (check_species, cosine_cutoff, neighbour_pairs, neighbour_vectors,
                         species_index)


def _triplets(i: np.ndarray, n_atoms: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For pairs sorted by centre ``i``: (centre, a, b) with a < b indexing two of its pairs."""
    counts = np.bincount(i, minlength=n_atoms)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    centre, first, second = [], [], []
    for atom in np.flatnonzero(counts > 1):
        a, b = np.triu_indices(counts[atom], k=1)
        centre.append(np.full(len(a), atom))
        first.append(starts[atom] + a)
        second.append(starts[atom] + b)
    if not centre:
        return (np.zeros(0, int),) * 3
    return np.concatenate(centre), np.concatenate(first), np.concatenate(second)


class ACSF:
    """Element-resolved radial (G1, G2) and angular (G4, G5) symmetry functions.

    ``g2_params``: rows (eta [1/A^2], Rs [A]); ``g4_params`` and ``g5_params``: rows
    (eta [1/A^2], zeta, lambda = +-1). ``create(atoms)`` returns (n_atoms, n_features).
    """

    local = True

    def __init__(self, species: Sequence[str], r_cut: float = 6.0,
                 g2_params: Sequence[Sequence[float]] = (), g4_params: Sequence[Sequence[float]] = (),
                 g5_params: Sequence[Sequence[float]] = ()):
        # dscribe orders elements by atomic number; so do we.
        self.species = sorted(check_species(species), key=lambda s: atomic_numbers[s])
        if r_cut <= 0:
            raise ValueError(f"r_cut must be positive (got {r_cut} A).")
        self.r_cut = float(r_cut)
        self.g2 = np.asarray(g2_params, float).reshape(-1, 2)
        self.g4 = np.asarray(g4_params, float).reshape(-1, 3)
        self.g5 = np.asarray(g5_params, float).reshape(-1, 3)
        for name, p in (("g4_params", self.g4), ("g5_params", self.g5)):
            if len(p) and not np.all(np.isin(p[:, 2], (-1.0, 1.0))):
                raise ValueError(f"{name}: lambda (third column) must be +1 or -1.")

    @property
    def n_channels(self) -> int:
        return len(self.species)

    @property
    def n_features(self) -> int:
        n = self.n_channels
        return n * (1 + len(self.g2)) + n * (n + 1) // 2 * (len(self.g4) + len(self.g5))

    def feature_names(self) -> list[str]:
        """A readable name for every feature column, e.g. ``G2(Te; eta=0.5, Rs=2.5)`` (radial,
        neighbour Te) or ``G4(Ge-Te; eta=0.005, zeta=2, lambda=-1)`` (angular, neighbour pair)."""
        names = []
        for s in self.species:
            names.append(f"G1({s})")
            names += [f"G2({s}; eta={e:g}, Rs={r:g})" for e, r in self.g2]
        for hi in range(self.n_channels):
            for lo in range(hi + 1):
                pair = f"{self.species[lo]}-{self.species[hi]}"
                names += [f"G4({pair}; eta={e:g}, zeta={z:g}, lambda={l:+g})" for e, z, l in self.g4]
                names += [f"G5({pair}; eta={e:g}, zeta={z:g}, lambda={l:+g})" for e, z, l in self.g5]
        return names

    def _species_index(self, atoms: Atoms) -> np.ndarray:
        """Element index of each atom (for models with one set of weights per element)."""
        return species_index(atoms, self.species)

    def _channels(self, atoms: Atoms) -> tuple[np.ndarray, np.ndarray]:
        """Channel of each atom and its weight (1 for element-resolved ACSF)."""
        return species_index(atoms, self.species), np.ones(len(atoms))

    def create(self, atoms: Atoms) -> np.ndarray:
        n = len(atoms)
        channel, weight = self._channels(atoms)
        i, j, vec = neighbour_vectors(atoms, self.r_cut)
        r = np.linalg.norm(vec, axis=1)
        fc = cosine_cutoff(r, self.r_cut)
        out = np.zeros((n, self.n_features))
        per = 1 + len(self.g2)
        radial = np.concatenate([fc[:, None],
                                 np.exp(-self.g2[:, 0] * (r[:, None] - self.g2[:, 1]) ** 2)
                                 * fc[:, None]], axis=1) * weight[j][:, None]
        cols = channel[j][:, None] * per + np.arange(per)
        np.add.at(out, (np.repeat(i, per), cols.ravel()), radial.ravel())
        if len(self.g4) + len(self.g5):
            self._angular(out, n, channel, weight, i, j, vec, r, fc)
        return out

    def _angular(self, out, n, channel, weight, i, j, vec, r, fc) -> None:
        centre, a, b = _triplets(i, n)
        if len(centre) == 0:
            return
        rij, rik = r[a], r[b]
        rjk = np.linalg.norm(vec[a] - vec[b], axis=1)
        cos = np.einsum("pk,pk->p", vec[a], vec[b]) / (rij * rik)
        ca, cb = channel[j[a]], channel[j[b]]
        hi, lo = np.maximum(ca, cb), np.minimum(ca, cb)
        pair = hi * (hi + 1) // 2 + lo
        w = weight[j[a]] * weight[j[b]]
        per = len(self.g4) + len(self.g5)
        base = self.n_channels * (1 + len(self.g2))
        terms = []
        for params, with_jk in ((self.g4, True), (self.g5, False)):
            if not len(params):
                continue
            eta, zeta, lam = params[:, 0], params[:, 1], params[:, 2]
            d2 = rij**2 + rik**2 + (rjk**2 if with_jk else 0.0)
            cut = fc[a] * fc[b] * (cosine_cutoff(rjk, self.r_cut) if with_jk else 1.0)
            ang = 2.0 * (0.5 * (1.0 + lam * cos[:, None])) ** zeta
            terms.append(ang * np.exp(-eta * d2[:, None]) * (cut * w)[:, None])
        values = np.concatenate(terms, axis=1)
        cols = base + pair[:, None] * per + np.arange(per)
        np.add.at(out, (np.repeat(centre, per), cols.ravel()), values.ravel())


    def torch_features(self, atoms: Atoms, positions: "torch.Tensor") -> "torch.Tensor":
        """The same features as :meth:`create`, differentiable with respect to ``positions``
        (a float64 tensor of shape (n_atoms, 3)), for forces by automatic differentiation."""
        import torch

        n, nc = len(atoms), self.n_channels
        channel, weight = self._channels(atoms)
        i, j, shift = neighbour_pairs(atoms, self.r_cut)
        order = np.argsort(i, kind="stable")
        i, j, shift = i[order], j[order], shift[order]
        dt, dev = positions.dtype, positions.device
        cell = torch.as_tensor(np.asarray(atoms.cell), dtype=dt, device=dev)
        vec = positions[j] - positions[i] + torch.as_tensor(shift, dtype=dt, device=dev) @ cell
        r = torch.linalg.norm(vec, dim=1)
        w = torch.as_tensor(weight, dtype=dt, device=dev)

        def fcut(x):
            return torch.where(x < self.r_cut, 0.5 * (torch.cos(torch.pi * x / self.r_cut) + 1),
                               torch.zeros_like(x))

        fc = fcut(r)
        per = 1 + len(self.g2)
        g2 = torch.as_tensor(self.g2, dtype=dt, device=dev)
        radial = torch.cat([fc[:, None], torch.exp(-g2[:, 0] * (r[:, None] - g2[:, 1]) ** 2)
                            * fc[:, None]], dim=1) * w[j][:, None]
        out = torch.zeros(n * self.n_features, dtype=dt, device=dev)
        cols = torch.as_tensor(channel[j][:, None] * per + np.arange(per), device=dev)
        flat = torch.as_tensor(i, device=dev)[:, None] * self.n_features + cols
        out = out.index_add(0, flat.reshape(-1), radial.reshape(-1))
        if len(self.g4) + len(self.g5):
            centre, a, b = _triplets(i, n)
            if len(centre):
                rij, rik = r[a], r[b]
                rjk = torch.linalg.norm(vec[a] - vec[b], dim=1)
                cos = (vec[a] * vec[b]).sum(1) / (rij * rik)
                ca, cb = channel[j[a]], channel[j[b]]
                hi, lo = np.maximum(ca, cb), np.minimum(ca, cb)
                pair = hi * (hi + 1) // 2 + lo
                ww = w[j[a]] * w[j[b]]
                terms = []
                for params, with_jk in ((self.g4, True), (self.g5, False)):
                    if not len(params):
                        continue
                    p = torch.as_tensor(params, dtype=dt, device=dev)
                    d2 = rij**2 + rik**2 + (rjk**2 if with_jk else 0.0)
                    cut = fc[a] * fc[b] * (fcut(rjk) if with_jk else 1.0)
                    ang = 2.0 * (0.5 * (1.0 + p[:, 2] * cos[:, None])) ** p[:, 1]
                    terms.append(ang * torch.exp(-p[:, 0] * d2[:, None]) * (cut * ww)[:, None])
                values = torch.cat(terms, dim=1)
                k = len(self.g4) + len(self.g5)
                base = nc * (1 + len(self.g2))
                cols = base + pair[:, None] * k + np.arange(k)
                flat = torch.as_tensor(centre[:, None] * self.n_features + cols, device=dev)
                out = out.index_add(0, flat.reshape(-1), values.reshape(-1))
        return out.reshape(n, self.n_features)


class WeightedACSF(ACSF):
    """Weighted ACSF (Gastegger et al. 2018): one channel, each neighbour weighted by Z.

    G2 and G4 as in :class:`ACSF`, with every neighbour term multiplied by its atomic number
    (products Z_j Z_k for angular terms). The feature count is independent of the elements.
    """

    @property
    def n_channels(self) -> int:
        return 1

    def _channels(self, atoms: Atoms) -> tuple[np.ndarray, np.ndarray]:
        species_index(atoms, self.species)  # same clear error for unexpected elements
        return np.zeros(len(atoms), int), atoms.numbers.astype(float)
