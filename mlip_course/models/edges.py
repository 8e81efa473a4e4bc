"""Neighbour edges as differentiable torch tensors, shared by the message-passing models."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch
from ase import Atoms

from ..descriptors.neighbours import neighbour_pairs


class Edges(NamedTuple):
    i: torch.Tensor        # (E,) centre atom
    j: torch.Tensor        # (E,) neighbour atom
    vec: torch.Tensor      # (E, 3) r_j - r_i (periodic images included), differentiable
    r: torch.Tensor        # (E,) |vec|
    fc: torch.Tensor       # (E,) smooth cosine cutoff, 1 at r = 0 and 0 at r_cut


def edges(atoms: Atoms, positions: torch.Tensor, r_cut: float) -> Edges:
    """All pairs within ``r_cut`` at ``positions`` (gradients flow back to ``positions``)."""
    dev, dt = positions.device, positions.dtype
    i, j, shift = neighbour_pairs(atoms, r_cut)
    cell = torch.as_tensor(np.asarray(atoms.cell), dtype=dt, device=dev)
    vec = positions[j] - positions[i] + torch.as_tensor(shift, dtype=dt, device=dev) @ cell
    r = torch.linalg.norm(vec, dim=1)
    fc = 0.5 * (torch.cos(torch.pi * r / r_cut) + 1.0)
    return Edges(torch.as_tensor(i, device=dev), torch.as_tensor(j, device=dev), vec, r, fc)


class GaussianRBF(torch.nn.Module):
    """Distances expanded in ``n`` Gaussians centred evenly on [0, r_cut] (width = spacing)."""

    def __init__(self, r_cut: float, n: int):
        super().__init__()
        self.register_buffer("centres", torch.linspace(0.0, r_cut, n))
        self.gamma = 1.0 / (r_cut / (n - 1)) ** 2

    def forward(self, r: torch.Tensor) -> torch.Tensor:
        return torch.exp(-self.gamma * (r[:, None] - self.centres) ** 2)
