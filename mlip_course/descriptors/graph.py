"""Graph descriptors (CGCNN, Xie & Grossman 2018): atoms are nodes, neighbours within r_cut
are edges carrying Gaussian-expanded distances, and convolutions pass messages along edges.

    v_i <- v_i + sum_j sigmoid(z_ij W_f + b_f) * softplus(z_ij W_s + b_s),   z_ij = [v_i, v_j, e_ij]

After L convolutions, v_i describes atom i's environment up to L x r_cut away. The weights
are learned in the models chapter; here they are fixed and random (seeded), which already
makes an invariant, many-body descriptor. As in CGCNN, the edge features do not go to zero
at r_cut, so the descriptor jumps when a neighbour crosses the cutoff (SchNet and later
networks multiply by a smooth cutoff function to avoid this).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from ase import Atoms
from torch import nn

from .neighbours import check_species, neighbour_vectors, species_index


@dataclass
class CrystalGraph:
    nodes: torch.Tensor       # (n_atoms, n_species) one-hot element
    edges: torch.Tensor       # (2, n_edges) long: source i, neighbour j
    edge_features: torch.Tensor  # (n_edges, n_gaussians)


def crystal_graph(atoms: Atoms, species: Sequence[str], r_cut: float = 5.0,
                  n_gaussians: int = 16) -> CrystalGraph:
    """Nodes, edges (periodic images included) and Gaussian-expanded edge lengths."""
    i, j, vec = neighbour_vectors(atoms, r_cut)
    r = np.linalg.norm(vec, axis=1)
    centres = np.linspace(0.0, r_cut, n_gaussians)
    width = centres[1] - centres[0]
    expanded = np.exp(-((r[:, None] - centres) ** 2) / width**2)
    one_hot = np.eye(len(species))[species_index(atoms, species)]
    return CrystalGraph(torch.as_tensor(one_hot), torch.as_tensor(np.stack([i, j])),
                        torch.as_tensor(expanded))


class CGConv(nn.Module):
    """One gated CGCNN convolution with a residual update."""

    def __init__(self, node_dim: int, edge_dim: int, scale: float = 16.0):
        super().__init__()
        self.scale = scale  # sum over neighbours / a typical count (CGCNN batch-normalises)
        self.filter = nn.Linear(2 * node_dim + edge_dim, node_dim)
        self.core = nn.Linear(2 * node_dim + edge_dim, node_dim)

    def forward(self, v: torch.Tensor, edges: torch.Tensor, e: torch.Tensor) -> torch.Tensor:
        z = torch.cat([v[edges[0]], v[edges[1]], e], dim=1)
        msg = torch.sigmoid(self.filter(z)) * nn.functional.softplus(self.core(z))
        return v + torch.zeros_like(v).index_add(0, edges[0], msg) / self.scale


class GraphDescriptor(nn.Module):
    """Per-atom features after ``layers`` CGCNN convolutions (random, seeded weights)."""

    local = True

    def __init__(self, species: Sequence[str], r_cut: float = 5.0, hidden: int = 16,
                 layers: int = 2, n_gaussians: int = 16, seed: int = 0):
        super().__init__()
        self.species = check_species(species)
        self.r_cut, self.n_gaussians, self.n_features = r_cut, n_gaussians, hidden
        torch.manual_seed(seed)
        self.embed = nn.Linear(len(self.species), hidden)
        self.convs = nn.ModuleList(CGConv(hidden, n_gaussians) for _ in range(layers))
        self.double()

    def forward(self, graph: CrystalGraph) -> torch.Tensor:
        v = self.embed(graph.nodes)
        for conv in self.convs:
            v = conv(v, graph.edges, graph.edge_features)
        return v

    def create(self, atoms: Atoms) -> np.ndarray:
        with torch.no_grad():
            graph = crystal_graph(atoms, self.species, self.r_cut, self.n_gaussians)
            return self(graph).numpy()
