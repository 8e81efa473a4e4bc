"""The Deep Potential "smooth edition" descriptor (Zhang et al. 2018), a small torch module.

For atom i with neighbours j (distance r, vector x), a smooth weight s(r) = w(r)/r (w goes from
1 at r_smooth to 0 at r_cut) builds the environment matrix R~ with rows (s, s x/r, s y/r, s z/r).
An *embedding network* maps s(r_ij) of each neighbour (one net per neighbour element) to M1
features, G (N_j x M1). The descriptor

    D_i = (G^<)^T R~ R~^T G / N^2        (M2 x M1; G^< = the first M2 columns of G;
                                          N a fixed normalising neighbour count)

is invariant to translation, rotation (R~ R~^T is) and permutation (sums over j). Unlike a
fixed descriptor, the embedding net is *learned* with the model (chapter 5); here its weights
are random, which already gives a valid invariant descriptor.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from ase import Atoms
from torch import nn

from .neighbours import check_species, neighbour_pairs, species_index


def smooth_weight(r: torch.Tensor, r_smooth: float, r_cut: float) -> torch.Tensor:
    """s(r) = 1/r below r_smooth, (1/r)(cos(pi (r - r_s)/(r_c - r_s)) + 1)/2 up to r_cut."""
    x = torch.clamp((r - r_smooth) / (r_cut - r_smooth), 0.0, 1.0)
    return 0.5 * (torch.cos(torch.pi * x) + 1.0) / r


class DeepPotDescriptor(nn.Module):
    """DeepPot-SE descriptor with a tanh embedding net per neighbour element."""

    local = True

    def __init__(self, species: Sequence[str], r_cut: float = 5.0, r_smooth: float = 4.0,
                 m1: int = 16, m2: int = 4, hidden: int = 16, n_norm: int = 64, seed: int = 0):
        super().__init__()
        self.species = check_species(species)
        if not 0 < r_smooth < r_cut:
            raise ValueError("Need 0 < r_smooth < r_cut.")
        if m2 > m1:
            raise ValueError(f"m2 ({m2}) cannot exceed m1 ({m1}).")
        self.r_cut, self.r_smooth, self.m1, self.m2 = r_cut, r_smooth, m1, m2
        self.n_norm = n_norm   # a fixed neighbour count: a varying one would jump at the cutoff
        g = torch.Generator().manual_seed(seed)
        self.embed = nn.ModuleList(
            nn.Sequential(nn.Linear(1, hidden), nn.Tanh(), nn.Linear(hidden, m1), nn.Tanh())
            for _ in self.species)
        with torch.no_grad():
            for p in self.parameters():
                p.copy_(torch.randn(p.shape, generator=g) * (1.0 / max(p.shape[-1], 1)) ** 0.5)
        self.double()

    @property
    def n_features(self) -> int:
        return self.m1 * self.m2

    def torch_features(self, atoms: Atoms, positions: torch.Tensor) -> torch.Tensor:
        """(n_atoms, m1 * m2), differentiable with respect to ``positions``."""
        i, j, shift = neighbour_pairs(atoms, self.r_cut)
        cell = torch.as_tensor(np.asarray(atoms.cell), dtype=positions.dtype)
        vec = positions[j] - positions[i] + torch.as_tensor(shift, dtype=positions.dtype) @ cell
        r = torch.linalg.norm(vec, dim=1)
        s = smooth_weight(r, self.r_smooth, self.r_cut)
        env = torch.cat([s[:, None], s[:, None] * vec / r[:, None]], dim=1)     # (P, 4)
        kind = torch.as_tensor(species_index(atoms, self.species)[j])
        g = torch.zeros(len(r), self.m1, dtype=positions.dtype)
        for k, net in enumerate(self.embed):
            sel = kind == k
            if sel.any():
                g = g.index_put((sel.nonzero()[:, 0],), net(s[sel, None]))
        # T_i = sum_j env_j^T g_j : (n, 4, m1); D_i = T^T T restricted to m2 columns
        outer = env[:, :, None] * g[:, None, :]
        t = torch.zeros(len(atoms), 4, self.m1, dtype=positions.dtype).index_add(
            0, torch.as_tensor(i), outer)
        d = torch.einsum("nka,nkb->nab", t[:, :, : self.m2], t) / self.n_norm**2
        return d.reshape(len(atoms), -1)

    def create(self, atoms: Atoms) -> np.ndarray:
        with torch.no_grad():
            pos = torch.as_tensor(atoms.positions, dtype=torch.float64)
            return self.torch_features(atoms, pos).numpy()
