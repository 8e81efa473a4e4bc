"""SchNet-style continuous-filter message passing (Schütt et al. 2018), minimal.

Atoms start from a learned embedding of their element. Each interaction block updates every
atom with messages from its neighbours, filtered by a function of the distance:

    x_i <- x_i + Dense( sum_j Dense(x_j) * W(r_ij) ),   W(r) = MLP(RBF(r)) * f_c(r),

with Gaussian radial basis functions RBF and the smooth cosine cutoff f_c (so energies and
forces are continuous when a neighbour crosses r_c). A per-atom MLP reads out atomic energies.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from ase import Atoms
from torch import nn

from ..descriptors.neighbours import species_index
from .edges import GaussianRBF, edges


class Interaction(nn.Module):
    """One continuous-filter convolution with a residual update."""

    def __init__(self, width: int, n_rbf: int):
        super().__init__()
        self.filter = nn.Sequential(nn.Linear(n_rbf, width), nn.SiLU(), nn.Linear(width, width))
        self.inp = nn.Linear(width, width, bias=False)
        self.out = nn.Sequential(nn.Linear(width, width), nn.SiLU(), nn.Linear(width, width))

    def forward(self, x, i, j, rbf, fc):
        w = self.filter(rbf) * fc[:, None]
        msg = torch.zeros_like(x).index_add(0, i, self.inp(x)[j] * w)
        return x + self.out(msg)


class SchNet(nn.Module):
    """Element embedding -> ``layers`` interactions -> per-atom MLP -> sum (+ references)."""

    kind = "schnet"

    def __init__(self, species: Sequence[str], r_cut: float = 5.0, width: int = 32,
                 n_rbf: int = 20, layers: int = 2, seed: int = 0):
        super().__init__()
        self.config = {"species": list(species), "r_cut": r_cut, "width": width,
                       "n_rbf": n_rbf, "layers": layers, "seed": seed}
        torch.manual_seed(seed)
        self.species, self.r_cut = list(species), float(r_cut)
        self.embed = nn.Embedding(len(self.species), width)
        self.blocks = nn.ModuleList(Interaction(width, n_rbf) for _ in range(layers))
        self.readout = nn.Sequential(nn.Linear(width, width // 2), nn.SiLU(),
                                     nn.Linear(width // 2, 1))
        self.rbf = GaussianRBF(r_cut, n_rbf)
        self.register_buffer("reference", torch.zeros(len(self.species)))
        self.double()

    def energy(self, atoms: Atoms, positions: torch.Tensor) -> torch.Tensor:
        dev = positions.device
        ii, jj, vec, r, fc = edges(atoms, positions, self.r_cut)
        rbf = self.rbf(r)
        kind = torch.as_tensor(species_index(atoms, self.species), device=dev)
        x = self.embed(kind)
        for block in self.blocks:
            x = block(x, ii, jj, rbf, fc)
        return self.readout(x).sum() + self.reference[kind].sum()
