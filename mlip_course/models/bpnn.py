"""Behler-Parrinello neural network (Behler & Parrinello 2007), minimal.

Each atom's ACSF vector (standardised) goes through a small MLP of its element; the energy is
the sum of the atomic outputs plus a per-element reference energy (fitted by least squares in
:func:`mlip_course.train.train`). Forces are minus the autograd gradient of that sum.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from ase import Atoms
from torch import nn

from ..descriptors.acsf import ACSF
from ..descriptors.neighbours import species_index

DEFAULT_G2 = [[0.5, r] for r in (1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5)]
DEFAULT_G4 = [[0.005, z, lam] for z in (1.0, 2.0, 4.0) for lam in (1.0, -1.0)]


def mlp(n_in: int, hidden: Sequence[int]) -> nn.Sequential:
    """n_in -> hidden... -> 1 with SiLU activations (a smooth activation: smooth forces)."""
    layers, width = [], n_in
    for h in hidden:
        layers += [nn.Linear(width, h), nn.SiLU()]
        width = h
    layers.append(nn.Linear(width, 1))
    return nn.Sequential(*layers)


class AtomicNetwork(nn.Module):
    """Per-element MLPs on a torch descriptor: E = sum_i NN_{Z_i}((G_i - mean) / std) + refs.

    The Behler-Parrinello idea, shared by every descriptor-based network of the course; a
    subclass only chooses the descriptor (fixed ACSF, or DeepPot-SE's learned embedding)."""

    def _build(self, species: Sequence[str], descriptor: nn.Module | object,
               hidden: Sequence[int]) -> None:
        self.descriptor = descriptor
        self.species = list(species)
        n = descriptor.n_features
        self.nets = nn.ModuleDict({s: mlp(n, hidden) for s in self.species})
        self.register_buffer("mean", torch.zeros(n))
        self.register_buffer("std", torch.ones(n))
        self.register_buffer("reference", torch.zeros(len(self.species)))
        self.double()

    def fit_scaling(self, frames: Sequence[Atoms]) -> None:
        """Standardise the descriptor with its mean and spread over ``frames``."""
        x = np.concatenate([self.descriptor.create(a) for a in frames])
        self.mean.copy_(torch.as_tensor(x.mean(axis=0)))
        self.std.copy_(torch.as_tensor(x.std(axis=0) + 1e-6))

    def atomic_energies(self, atoms: Atoms, positions: torch.Tensor) -> torch.Tensor:
        """Per-atom energies E_i (eV), shape (n,): the element's reference plus its network."""
        g = (self.descriptor.torch_features(atoms, positions) - self.mean) / self.std
        kind = species_index(atoms, self.species)
        out = self.reference[torch.as_tensor(kind, device=positions.device)]
        for k, s in enumerate(self.species):
            sel = np.flatnonzero(kind == k)
            if len(sel):
                index = torch.as_tensor(sel, device=positions.device)
                out = out.index_add(0, index, self.nets[s](g[sel]).squeeze(-1))
        return out

    def energy(self, atoms: Atoms, positions: torch.Tensor) -> torch.Tensor:
        """Total energy (eV) as a 0-d tensor, differentiable with respect to ``positions``."""
        return self.atomic_energies(atoms, positions).sum()


class BehlerParrinello(AtomicNetwork):
    """Per-element MLPs on ACSF features; ``energy(atoms, positions)`` is differentiable."""

    kind = "bpnn"

    def __init__(self, species: Sequence[str], r_cut: float = 5.0,
                 g2: Sequence[Sequence[float]] = DEFAULT_G2,
                 g4: Sequence[Sequence[float]] = DEFAULT_G4, hidden: Sequence[int] = (32, 32),
                 seed: int = 0):
        super().__init__()
        self.config = {"species": list(species), "r_cut": r_cut, "g2": [list(x) for x in g2],
                       "g4": [list(x) for x in g4], "hidden": list(hidden), "seed": seed}
        torch.manual_seed(seed)
        self._build(species, ACSF(species, r_cut, g2, g4), hidden)
