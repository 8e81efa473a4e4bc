"""E(n)-equivariant graph network (Satorras et al. 2021) as an energy model, minimal.

EGNN layers update invariant node features h and equivariant positions x together:

    m_ij = phi_e(h_i, h_j, |x_i - x_j|^2),   h_i <- h_i + phi_h(h_i, sum_j m_ij),
    x_i  <- x_i + sum_j (x_i - x_j) phi_x(m_ij) / (n_neighbours).

The energy, a scalar, is read out from the final h; the coordinate channel carries
direction information from layer to layer (after an update, distances between the moved
positions see angular information that pure distance models lack). Messages are multiplied
by the smooth cosine cutoff so that the energy stays continuous at r_c.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from ase import Atoms
from torch import nn

from ..descriptors.neighbours import species_index
from .edges import edges


class EGNNLayer(nn.Module):
    def __init__(self, width: int):
        super().__init__()
        self.edge = nn.Sequential(nn.Linear(2 * width + 1, width), nn.SiLU(),
                                  nn.Linear(width, width), nn.SiLU())
        self.node = nn.Sequential(nn.Linear(2 * width, width), nn.SiLU(), nn.Linear(width, width))
        self.coord = nn.Sequential(nn.Linear(width, width), nn.SiLU(), nn.Linear(width, 1))

    def forward(self, h, vec, i, j, fc, scale):
        d2 = (vec**2).sum(dim=1, keepdim=True)
        m = self.edge(torch.cat([h[i], h[j], d2 / scale**2], dim=1)) * fc[:, None]
        h = h + self.node(torch.cat([h, torch.zeros_like(h).index_add(0, i, m)], dim=1))
        # equivariant update of the relative vectors: each atom moves by a weighted sum
        shift = torch.zeros(h.shape[0], 3, dtype=vec.dtype, device=vec.device).index_add(
            0, i, -vec * self.coord(m) * fc[:, None] / 16.0)
        return h, vec + shift[j] - shift[i]


class EGNN(nn.Module):
    """Element embedding -> ``layers`` EGNN layers -> per-atom MLP -> sum (+ references)."""

    kind = "egnn"

    def __init__(self, species: Sequence[str], r_cut: float = 5.0, width: int = 32,
                 layers: int = 3, seed: int = 0):
        super().__init__()
        self.config = {"species": list(species), "r_cut": r_cut, "width": width,
                       "layers": layers, "seed": seed}
        torch.manual_seed(seed)
        self.species, self.r_cut = list(species), float(r_cut)
        self.embed = nn.Embedding(len(self.species), width)
        self.layers = nn.ModuleList(EGNNLayer(width) for _ in range(layers))
        self.readout = nn.Sequential(nn.Linear(width, width), nn.SiLU(), nn.Linear(width, 1))
        self.register_buffer("reference", torch.zeros(len(self.species)))
        self.double()

    def energy(self, atoms: Atoms, positions: torch.Tensor) -> torch.Tensor:
        dev = positions.device
        ii, jj, vec, r, fc = edges(atoms, positions, self.r_cut)
        kind = torch.as_tensor(species_index(atoms, self.species), device=dev)
        h = self.embed(kind)
        for layer in self.layers:
            h, vec = layer(h, vec, ii, jj, fc, self.r_cut)
        return self.readout(h).sum() + self.reference[kind].sum()
