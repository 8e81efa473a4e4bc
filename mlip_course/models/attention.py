"""A minimal attention-based (transformer-style) potential, with readable attention weights.

Each atom attends to its neighbours within r_c. Queries and keys come from the atoms'
features; a learned function of the distance biases the scores and the smooth cutoff
switches distant neighbours off:

    a_ij = softmax_j( q_i . k_j / sqrt(d) + b(r_ij) ) over j with weight f_c(r_ij),
    h_i <- h_i + MLP( sum_j a_ij v_j * g(r_ij) ).

After a few layers a per-atom MLP gives atomic energies. ``attention(atoms)`` returns the
weights a_ij of every layer, to see which neighbours an atom "looks at" (cf. Wang et al. 2024,
Fig. 4E).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from ase import Atoms
from torch import nn

from ..descriptors.neighbours import species_index
from .edges import GaussianRBF, edges


def _segment_softmax(scores: torch.Tensor, weight: torch.Tensor, index: torch.Tensor,
                     n: int) -> torch.Tensor:
    """softmax of ``scores`` within groups of equal ``index``, each term scaled by ``weight``
    (so a neighbour at the cutoff, weight 0, drops out smoothly)."""
    top = torch.full((n,), -1e30, dtype=scores.dtype, device=scores.device)
    top = top.scatter_reduce(0, index, scores.detach(), reduce="amax", include_self=True)
    e = torch.exp(scores - top[index]) * weight
    total = torch.zeros(n, dtype=scores.dtype, device=scores.device).index_add(0, index, e)
    return e / (total[index] + 1e-12)


class AttentionLayer(nn.Module):
    def __init__(self, width: int, n_rbf: int):
        super().__init__()
        self.q, self.k, self.v = (nn.Linear(width, width) for _ in range(3))
        self.bias = nn.Sequential(nn.Linear(n_rbf, width), nn.SiLU(), nn.Linear(width, 1))
        self.gate = nn.Sequential(nn.Linear(n_rbf, width), nn.SiLU(), nn.Linear(width, width))
        self.update = nn.Sequential(nn.Linear(width, width), nn.SiLU(), nn.Linear(width, width))
        self.width = width

    def forward(self, h, i, j, rbf, fc):
        scores = (self.q(h)[i] * self.k(h)[j]).sum(1) / self.width**0.5 + self.bias(rbf)[:, 0]
        a = _segment_softmax(scores, fc, i, h.shape[0])
        msg = torch.zeros_like(h).index_add(0, i, a[:, None] * self.v(h)[j] * self.gate(rbf))
        return h + self.update(msg), a


class AttentionPotential(nn.Module):
    """Element embedding -> ``layers`` neighbour-attention layers -> per-atom MLP -> sum."""

    kind = "attention"

    def __init__(self, species: Sequence[str], r_cut: float = 5.0, width: int = 32,
                 n_rbf: int = 16, layers: int = 2, seed: int = 0):
        super().__init__()
        self.config = {"species": list(species), "r_cut": r_cut, "width": width,
                       "n_rbf": n_rbf, "layers": layers, "seed": seed}
        torch.manual_seed(seed)
        self.species, self.r_cut = list(species), float(r_cut)
        self.embed = nn.Embedding(len(self.species), width)
        self.layers = nn.ModuleList(AttentionLayer(width, n_rbf) for _ in range(layers))
        self.readout = nn.Sequential(nn.Linear(width, width), nn.SiLU(), nn.Linear(width, 1))
        self.rbf = GaussianRBF(r_cut, n_rbf)
        self.register_buffer("reference", torch.zeros(len(self.species)))
        self.double()

    def _run(self, atoms: Atoms, positions: torch.Tensor):
        dev = positions.device
        ii, jj, vec, r, fc = edges(atoms, positions, self.r_cut)
        rbf = self.rbf(r)
        kind = torch.as_tensor(species_index(atoms, self.species), device=dev)
        h, weights = self.embed(kind), []
        for layer in self.layers:
            h, a = layer(h, ii, jj, rbf, fc)
            weights.append(a)
        return self.readout(h).sum() + self.reference[kind].sum(), (ii, jj, r, weights)

    def energy(self, atoms: Atoms, positions: torch.Tensor) -> torch.Tensor:
        return self._run(atoms, positions)[0]

    def attention(self, atoms: Atoms) -> dict[str, np.ndarray]:
        """Pairs (i, j), distances and the attention weight of every layer (rows sum to 1)."""
        with torch.no_grad():
            pos = torch.as_tensor(atoms.positions, dtype=torch.float64,
                                  device=self.reference.device)
            _, (i, j, r, weights) = self._run(atoms, pos)
        return {"i": i.cpu().numpy(), "j": j.cpu().numpy(), "r": r.cpu().numpy(),
                "weights": [w.cpu().numpy() for w in weights]}
