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
    return Edges(torch.as_tensor(i, dtype=torch.long, device=dev),
                 torch.as_tensor(j, dtype=torch.long, device=dev), vec, r, fc)


def no_self_images(e: Edges, r_cut: float) -> None:
    """Refuse edges from an atom to its own periodic image: libraries that take an edge list
    (torch-geometric's DimeNet++ and ViSNet, TorchMD-NET) drop every i == j edge as a self loop,
    so in a cell narrower than twice the cutoff they would silently lose real neighbours."""
    if bool((e.i == e.j).any()):
        raise ValueError(f"An atom sees its own periodic image within the cutoff ({r_cut} A): "
                         "the cell is narrower than twice the cutoff. Use a larger supercell "
                         "(atoms.repeat) or a shorter r_cut for this model.")


def with_self_loops(e: Edges, n_atoms: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The edges in the convention of torchmd-net and PyG: ``index`` (2, E + N) with
    index[0] the neighbour and index[1] the centre, so that vec = pos[index[0]] - pos[index[1]],
    plus one self-loop per atom at r = 0; returns (index, weight, vec)."""
    loop = torch.arange(n_atoms, device=e.i.device)
    index = torch.stack([torch.cat([e.j, loop]), torch.cat([e.i, loop])])
    weight = torch.cat([e.r, e.r.new_zeros(n_atoms)])
    vec = torch.cat([e.vec, e.vec.new_zeros(n_atoms, 3)])
    return index, weight, vec


class GivenEdges(torch.nn.Module):
    """Stands in for a library's own neighbour-list module (torchmd-net's OptimizedDistance,
    PyG ViSNet's Distance): returns the edges the course model set beforehand."""

    def __init__(self):
        super().__init__()
        self.current: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None

    def forward(self, *_args, **_kwargs):
        if self.current is None:
            raise RuntimeError("Edges not set: call the course model's energy(), not the layers.")
        return self.current


class GaussianRBF(torch.nn.Module):
    """Distances expanded in ``n`` Gaussians centred evenly on [0, r_cut] (width = spacing)."""

    def __init__(self, r_cut: float, n: int):
        super().__init__()
        self.register_buffer("centres", torch.linspace(0.0, r_cut, n))
        self.gamma = 1.0 / (r_cut / (n - 1)) ** 2

    def forward(self, r: torch.Tensor) -> torch.Tensor:
        return torch.exp(-self.gamma * (r[:, None] - self.centres) ** 2)
