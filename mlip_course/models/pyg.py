"""DimeNet++ and ViSNet from PyTorch Geometric as course models (Gasteiger et al. 2020; Wang et
al. 2024): the library's layers, the course's periodic edges, atomic energies summed.

PyG builds its neighbour graph with ``radius_graph`` on bare positions: no periodic images, so
it cannot see a crystal's or a liquid's neighbours across the cell boundary. As for
torchmd-net (:mod:`mlip_course.models.torchmd`), we hand the library the course's periodic
edges (:func:`mlip_course.models.edges.edges`, differentiable), so forces come out of the same
:func:`mlip_course.train.energy_and_forces` as for every torch model.

* DimeNet++ passes messages along *bonds* and mixes them with the angle between two bonds
  (k -> j -> i) through a spherical Bessel basis: an invariant network with explicit angles.
  Its output blocks already give one number per atom, our atomic energy.
* ViSNet carries scalar and vector (spherical-harmonic) features per atom and lets them
  interact; the library's gated equivariant readout turns them into an atomic energy.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import torch
from ase import Atoms
from ase.data import atomic_numbers
from torch import nn

from ..descriptors.neighbours import species_index
from .edges import Edges, GivenEdges, edges, no_self_images, with_self_loops


BASIS_TABLE = Path(__file__).with_name("dimenet_basis.json")
# PyG's sympy derivations that DimeNet++ runs each time a model is built, and their arguments
BASIS_FUNCTIONS = {"bessel_basis": (5, 6), "real_sph_harm": (5,)}


def stored_basis(name: str, *args: int, library: Callable | None = None) -> list[list]:
    """PyG's DimeNet basis ``name`` (``"bessel_basis"``: the normalised spherical Bessel
    functions j_l at their k-th zeros, in x = r / r_cut; ``"real_sph_harm"``: Y_l^0 in theta),
    as sympy expressions ``[l][k]``.

    The library derives them with ``sympy.simplify`` whenever a model is built (10-30 s for
    5 x 6). The arguments the course uses are read from ``dimenet_basis.json`` (the same
    expressions, written by :func:`write_basis_table`); others fall back to the library.
    """
    import sympy
    from torch_geometric.nn.models import dimenet_utils

    table = json.loads(BASIS_TABLE.read_text()) if BASIS_TABLE.exists() else {}
    rows = table.get(f"{name} {','.join(map(str, args))}")
    if rows is None:
        return (library or getattr(dimenet_utils, name))(*args)
    return [[sympy.sympify(text) for text in row] for row in rows]


def write_basis_table() -> Path:
    """Derive PyG's DimeNet bases (:data:`BASIS_FUNCTIONS`) with the library and store them."""
    import sympy
    from torch_geometric.nn.models import dimenet_utils

    table = {f"{name} {','.join(map(str, args))}":
             [[sympy.srepr(e) for e in row] for row in getattr(dimenet_utils, name)(*args)]
             for name, args in BASIS_FUNCTIONS.items()}
    BASIS_TABLE.write_text(json.dumps(table, indent=0) + "\n")
    return BASIS_TABLE


@contextmanager
def _stored_bases() -> Iterator[None]:
    """Let PyG's DimeNet layers take :func:`stored_basis` while a model is built."""
    from torch_geometric.nn.models import dimenet_utils

    library = {name: getattr(dimenet_utils, name) for name in BASIS_FUNCTIONS}
    for name, function in library.items():
        setattr(dimenet_utils, name, partial(stored_basis, name, library=function))
    try:
        yield
    finally:
        for name, function in library.items():
            setattr(dimenet_utils, name, function)


def bond_triplets(e: Edges) -> tuple[torch.Tensor, torch.Tensor]:
    """Pairs of edges (k -> j, j -> i) that share atom j, for every edge j -> i (``e.i`` is the
    centre, ``e.j`` the neighbour); the reverse bond (k the same image as i) is left out.
    Returns (idx_kj, idx_ji), indices into the edge list."""
    n_edges = e.i.numel()
    if n_edges == 0:
        empty = torch.zeros(0, dtype=torch.long, device=e.i.device)
        return empty, empty
    order = torch.argsort(e.i, stable=True)                   # edges grouped by their centre
    n_atoms = int(max(e.i.max(), e.j.max())) + 1
    count = torch.bincount(e.i, minlength=n_atoms)
    start = torch.cumsum(count, 0) - count
    per_edge = count[e.j]                                     # bonds arriving at j
    idx_ji = torch.repeat_interleave(torch.arange(n_edges, device=e.i.device), per_edge)
    offset = torch.arange(idx_ji.numel(), device=e.i.device) - torch.repeat_interleave(
        torch.cumsum(per_edge, 0) - per_edge, per_edge)
    idx_kj = order[start[e.j[idx_ji]] + offset]
    back = (e.j[idx_kj] == e.i[idx_ji]) & (
        (e.vec[idx_kj] + e.vec[idx_ji]).detach().norm(dim=1) < 1e-8)
    return idx_kj[~back], idx_ji[~back]


class DimeNetPP(nn.Module):
    """PyG's DimeNet++ blocks on periodic edges; its per-atom outputs are atomic energies."""

    kind = "dimenet"

    def __init__(self, species: Sequence[str], r_cut: float = 5.0, width: int = 32,
                 blocks: int = 2, int_emb: int = 16, basis_emb: int = 4, n_spherical: int = 5,
                 n_radial: int = 6, seed: int = 0):
        super().__init__()
        from torch_geometric.nn.models import DimeNetPlusPlus

        self.config = {"species": list(species), "r_cut": r_cut, "width": width,
                       "blocks": blocks, "int_emb": int_emb, "basis_emb": basis_emb,
                       "n_spherical": n_spherical, "n_radial": n_radial, "seed": seed}
        torch.manual_seed(seed)
        self.species, self.r_cut = list(species), float(r_cut)
        with _stored_bases():
            self.net = DimeNetPlusPlus(hidden_channels=width, out_channels=1, num_blocks=blocks,
                                       int_emb_size=int_emb, basis_emb_size=basis_emb,
                                       out_emb_channels=width, num_spherical=n_spherical,
                                       num_radial=n_radial, cutoff=r_cut,
                                       output_initializer="glorot_orthogonal")
        self.register_buffer("reference", torch.zeros(len(self.species)))
        self.register_buffer("numbers", torch.tensor([atomic_numbers[s] for s in species]))
        self.double()

    def atomic_energies(self, atoms: Atoms, positions: torch.Tensor) -> torch.Tensor:
        """One energy per atom (eV), the per-element references included."""
        e = edges(atoms, positions, self.r_cut)
        no_self_images(e, self.r_cut)
        idx_kj, idx_ji = bond_triplets(e)
        # PyG's convention: edge j -> i, i the target; angle between r_ij and r_jk
        a = (e.vec[idx_ji] * e.vec[idx_kj]).sum(dim=-1)
        b = torch.cross(e.vec[idx_ji], e.vec[idx_kj], dim=1).norm(dim=-1)
        angle = torch.atan2(b, a)
        kind = torch.as_tensor(species_index(atoms, self.species), device=positions.device)
        z = self.numbers[kind]
        net, n = self.net, len(atoms)
        rbf = net.rbf(e.r)
        sbf = net.sbf(e.r, angle, idx_kj)
        x = net.emb(z, rbf, e.i, e.j)
        out = net.output_blocks[0](x, rbf, e.i, num_nodes=n)
        for interaction, output in zip(net.interaction_blocks, net.output_blocks[1:]):
            x = interaction(x, rbf, sbf, idx_kj, idx_ji)
            out = out + output(x, rbf, e.i, num_nodes=n)
        return out[:, 0] + self.reference[kind]

    def energy(self, atoms: Atoms, positions: torch.Tensor) -> torch.Tensor:
        return self.atomic_energies(atoms, positions).sum()


class ViSNetModel(nn.Module):
    """PyG's ViSNet representation and gated equivariant readout on periodic edges."""

    kind = "visnet"

    def __init__(self, species: Sequence[str], r_cut: float = 5.0, width: int = 32,
                 layers: int = 2, heads: int = 4, n_rbf: int = 16, lmax: int = 1,
                 seed: int = 0):
        super().__init__()
        from torch_geometric.nn.models.visnet import EquivariantScalar, ViSNetBlock

        self.config = {"species": list(species), "r_cut": r_cut, "width": width,
                       "layers": layers, "heads": heads, "n_rbf": n_rbf, "lmax": lmax,
                       "seed": seed}
        torch.manual_seed(seed)
        self.species, self.r_cut = list(species), float(r_cut)
        self.representation = ViSNetBlock(lmax=lmax, num_heads=heads, num_layers=layers,
                                          hidden_channels=width, num_rbf=n_rbf, cutoff=r_cut,
                                          max_z=max(atomic_numbers[s] for s in species) + 1)
        self.representation.distance = GivenEdges()
        self.readout = EquivariantScalar(hidden_channels=width)
        self.register_buffer("reference", torch.zeros(len(self.species)))
        self.register_buffer("numbers", torch.tensor([atomic_numbers[s] for s in species]))
        self.double()

    def atomic_energies(self, atoms: Atoms, positions: torch.Tensor) -> torch.Tensor:
        """One energy per atom (eV), the per-element references included."""
        dev, n = positions.device, len(atoms)
        e = edges(atoms, positions, self.r_cut)
        no_self_images(e, self.r_cut)
        self.representation.distance.current = with_self_loops(e, n)
        kind = torch.as_tensor(species_index(atoms, self.species), device=dev)
        try:
            x, v = self.representation(self.numbers[kind], positions,
                                       torch.zeros(n, dtype=torch.long, device=dev))
        finally:
            self.representation.distance.current = None
        return self.readout.pre_reduce(x, v)[:, 0] + self.reference[kind]

    def energy(self, atoms: Atoms, positions: torch.Tensor) -> torch.Tensor:
        return self.atomic_energies(atoms, positions).sum()
